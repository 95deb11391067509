#!/usr/bin/env python3
"""test_trace.py - checks of the fork-path tracer (kernel/trace.rs, fs/tracefs.rs, tools/trace.py).

    python3 tools/test_trace.py             boots MenuOS (tools/trace.py: `trace fork-new` under
                                            -icount), then checks build/trace/fork-new.{trace,json,mmd}
    python3 tools/test_trace.py --no-boot   the same checks on the sample trace below (no QEMU)

Prints `PASS trace/<check>` or `FAIL trace/<check>: why` per check and ends with
`N passed, M failed` (exit 1 when anything failed).  Under `python3 -m unittest` (make test's
harness self-tests) only the no-boot checks run, as one unittest case.
"""
import json
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import importlib.util  # tools/trace.py by path: the name `trace` is also a stdlib module
_spec = importlib.util.spec_from_file_location("menuos_trace", os.path.join(HERE, "trace.py"))
mtrace = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mtrace)

# The order a fork goes through the kernel (the Mermaid diagram must show them in this order).
ORDER = ["sys_clone", "kernel_clone", "copy_process", "dup_task_struct", "copy_thread",
         "wake_up_new_task", "ret_from_fork"]

SAMPLE = """# tracer: function_graph
#
#       TIME          CPU  TASK/PID         DURATION                  FUNCTION CALLS
#        |            |     |    |           |   |                     |   |   |   |
  134.730146281 |   0)     init-1     |               |  sys_clone(flags=0x1200011, newsp=0x0) {
  134.730146770 |   0)     init-1     |               |    kernel_clone(flags=0x1200000, exit_signal=17) {
  134.730146992 |   0)     init-1     |               |      copy_process(flags=0x1200000) {
  134.730147265 |   0)     init-1     |   4.766 us    |        dup_task_struct(orig_pid=1);
  134.730152198 |   0)     init-1     |   0.110 us    |        sched_fork();
  134.730152515 |   0)     init-1     |   0.564 us    |        copy_files(clone_files=0);
  134.730153294 |   0)     init-1     |   0.332 us    |        copy_fs(clone_fs=0);
  134.730153843 |   0)     init-1     |               |        copy_sighand(clone_sighand=0) {
  134.730158393 |   0)     init-1     |   0.106 us    |          copy_signal(clone_thread=0);
  134.730158600 |   0)     init-1     |   4.757 us    |        } /* copy_sighand */
  134.730158814 |   0)     init-1     |               |        copy_mm(clone_vm=0) {
  134.730159007 |   0)     init-1     | + 29.855 us   |          dup_mm();
  134.730188998 |   0)     init-1     | + 30.184 us   |        } /* copy_mm */
  134.730189403 |   0)     init-1     |   0.766 us    |        copy_thread(); /* ra=0xffffffff80200164, sp=0xffffffc08d303ee0 */
  134.730190327 |   0)     init-1     |   0.154 us    |        alloc_pid(); /* pid=2 */
  134.730191013 |   0)     init-1     | + 44.021 us   |      } /* copy_process pid=2 */
  134.730191233 |   0)     init-1     |   0.148 us    |      wake_up_new_task(pid=2);
  134.730191487 |   0)     init-1     | + 44.717 us   |    } /* kernel_clone pid=2 */
  134.730191600 |   0)     init-1     | + 45.319 us   |  } /* sys_clone ret=2 */
  134.730200471 |   0)     init-1     |               |  do_wait(pid=-1) {
  134.730201355 |   0)     init-1     |               |    schedule() {
  134.730201685 |   0)     init-1     |               |      __switch_to(prev=1, next=2) {
 ------------------------------------------
 0)     init-1     =>     init-2    
 ------------------------------------------

  134.730201851 |   0)     init-2     |               |  ret_from_fork(pid=2, a0=0) {
  134.730202185 |   0)     init-2     |   3.414 us    |    schedule_tail();
  134.730205751 |   0)     init-2     |   0.203 us    |    ret_from_fork_user(); /* epc=0x5d154, sp=0x3ffffff1c0, a0=0 */
  134.730206054 |   0)     init-2     |   4.203 us    |  } /* ret_from_fork */
  134.730223094 |   0)     init-2     |               |  do_exit(pid=2, code=0) {
  134.730275830 |   0)     init-2     |               |    schedule() {
  134.730276160 |   0)     init-2     |               |      __switch_to(prev=2, next=1) {
 ------------------------------------------
 0)     init-2     =>     init-1    
 ------------------------------------------

  134.730276303 |   0)     init-1     | + 74.618 us   |      } /* __switch_to */
  134.730276611 |   0)     init-1     | + 75.256 us   |    } /* schedule prev=1, next=2 */
  134.730278229 |   0)     init-1     | + 77.758 us   |  } /* do_wait ret=2 */
"""


def checks(text, js, mmd):
    """[(ok, name, why)] for a trace text, its JSON (a str) and its Mermaid diagram."""
    res = []
    add = lambda ok, name, why="": res.append((bool(ok), name, why))
    add(text.startswith("# tracer: function_graph"), "header", "first line: %r" % text[:40])
    add(re.search(r"^#.*CPU.*DURATION\s+FUNCTION CALLS$", text, re.M), "columns",
        "no '# CPU ... DURATION ... FUNCTION CALLS' header line")
    add(re.search(r"^.* 0\) .*\|\s+\d+\.\d{3} us\s+\|\s+dup_task_struct\(", text, re.M), "graph-line",
        "no ' 0) ... N.NNN us | dup_task_struct(...)' line")
    events = mtrace.parse_trace(text)
    parent, child = mtrace.fork_pids(events)
    add(parent is not None and child is not None and parent != child, "pids",
        "parent %s, child %s" % (parent, child))
    try:
        d = json.loads(js)
        ev = d["traceEvents"]
        add(isinstance(ev, list) and ev, "json", "")
    except (ValueError, KeyError, TypeError) as e:
        add(False, "json", "does not parse: %s" % e)
        ev = []
    real = [e for e in ev if e.get("ph") in ("B", "E", "X", "i")]
    add(all(isinstance(e.get("ts"), (int, float)) and e.get("pid") == e.get("tid") for e in real),
        "json-fields", "every event needs ts and pid == tid")
    pids = {e["pid"] for e in real}
    add(parent in pids and child in pids, "json-parent-child",
        "pids with events: %s, want parent %s and child %s" % (sorted(pids), parent, child))
    balance = {}
    for e in real:
        if e["ph"] in "BE":
            balance[e["pid"]] = balance.get(e["pid"], 0) + (1 if e["ph"] == "B" else -1)
    add(all(v == 0 for v in balance.values()), "json-balanced", "B/E per pid: %s" % balance)
    kc = [e for e in real if e["name"] == "kernel_clone" and e["ph"] in "BX"]
    add(kc and "flags" in kc[0].get("args", {}) and "exit_signal" in kc[0]["args"], "json-args",
        "kernel_clone has no flags/exit_signal args")
    ct = [e for e in real if e["name"] == "copy_thread"]
    add(ct and all(k in ct[-1].get("args", {}) for k in ("ra", "sp")), "json-copy_thread",
        "copy_thread has no ra/sp")
    rf = [e for e in events if e["name"] == "ret_from_fork_user" and e["pid"] == child and "a0" in e["args"]]
    add(rf and rf[0]["args"]["a0"] == 0, "child-a0", "the child's first return to user mode has a0 %s"
        % (rf[0]["args"]["a0"] if rf else "(missing)"))
    sc = [e for e in events if e["name"] in ("sys_clone", "sys_clone3") and e["kind"] == "E" and e["pid"] == parent]
    add(sc and sc[0]["args"].get("ret") == child, "parent-ret", "sys_clone returned %s to the parent, child is %s"
        % (sc[0]["args"].get("ret") if sc else "(missing)", child))
    add(mmd.startswith("sequenceDiagram") and all(("participant " + p) in mmd for p in ("Parent", "Kernel", "Child")),
        "mermaid-participants", "want sequenceDiagram with Parent, Kernel, Child")
    pos = []
    for name in ORDER:
        m = re.search(r"^\s*\w+-?->>\w+:\s*%s\(" % re.escape(name), mmd, re.M)
        pos.append(m.start() if m else -1)
    missing = [n for n, p in zip(ORDER, pos) if p < 0]
    add(not missing and pos == sorted(pos), "mermaid-order",
        "missing %s" % missing if missing else "order: %s" % [n for _, n in sorted(zip(pos, ORDER))])
    return res


def run_checks(boot):
    res = []
    if boot:
        out = os.path.join(ROOT, "build", "trace")
        r = subprocess.run([sys.executable, os.path.join(HERE, "trace.py"), "--out", out],
                           capture_output=True, text=True)
        res.append((r.returncode == 0, "capture", (r.stdout + r.stderr).strip()[-500:]))
        if r.returncode != 0:
            return res
        read = lambda ext: open(os.path.join(out, "fork-new." + ext)).read()
        text, js, mmd = read("trace"), read("json"), read("mmd")
    else:
        text = SAMPLE
        events = mtrace.parse_trace(text)
        js = json.dumps(mtrace.to_chrome(events))
        mmd = mtrace.to_mermaid(events)
    return res + checks(text, js, mmd)


class TraceSample(unittest.TestCase):
    def test_sample(self):
        bad = [(n, w) for ok, n, w in run_checks(boot=False) if not ok]
        self.assertEqual(bad, [])


def main():
    res = run_checks(boot="--no-boot" not in sys.argv[1:])
    for ok, name, why in res:
        print("PASS trace/%s" % name if ok else "FAIL trace/%s: %s" % (name, why))
    npass = sum(1 for ok, _, _ in res if ok)
    print("%d passed, %d failed" % (npass, len(res) - npass))
    return 0 if npass == len(res) else 1


if __name__ == "__main__":
    sys.exit(main())
