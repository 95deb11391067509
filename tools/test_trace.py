#!/usr/bin/env python3
"""test_trace.py - checks of the fork-path tracer (kernel/trace.rs, fs/tracefs/, tools/trace.py).

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
  284.420419045 |   0)     init-1     |               |  sys_clone(flags=0x1200011, newsp=0x0) {
  284.420419535 |   0)     init-1     |               |    kernel_clone(flags=0x1200000, exit_signal=17) {
  284.420419758 |   0)     init-1     |               |      copy_process(flags=0x1200000) {
  284.420420024 |   0)     init-1     |   4.742 us    |        dup_task_struct(orig_pid=1);
  284.420424955 |   0)     init-1     |   0.110 us    |        sched_fork();
  284.420425272 |   0)     init-1     |   0.542 us    |        copy_files(clone_files=0);
  284.420426029 |   0)     init-1     |   0.354 us    |        copy_fs(clone_fs=0);
  284.420426599 |   0)     init-1     |               |        copy_sighand(clone_sighand=0) {
  284.420429145 |   0)     init-1     |   0.106 us    |          copy_signal(clone_thread=0);
  284.420429352 |   0)     init-1     |   2.753 us    |        } /* copy_sighand */
  284.420429565 |   0)     init-1     |               |        copy_mm(clone_vm=0) {
  284.420429760 |   0)     init-1     | + 11.213 us   |          dup_mm();
  284.420441109 |   0)     init-1     | + 11.544 us   |        } /* copy_mm */
  284.420441514 |   0)     init-1     |   0.766 us    |        copy_thread(); /* ra=0xffffffff80200164, sp=0xffffffc0914a7ee0 */
  284.420442443 |   0)     init-1     |   0.220 us    |        alloc_pid(); /* pid=2 */
  284.420443327 |   0)     init-1     |               |        /* task_newtask: pid=2 comm=init clone_flags=1200000 oom_score_adj=0 */
  284.420443440 |   0)     init-1     | + 23.682 us   |      } /* copy_process pid=2 */
  284.420443681 |   0)     init-1     |               |      /* sched_process_fork: comm=init pid=1 child_comm=init child_pid=2 */
  284.420443890 |   0)     init-1     |               |      wake_up_new_task(pid=2) {
  284.420444125 |   0)     init-1     |               |        /* sched_wakeup_new: comm=init pid=2 prio=120 target_cpu=000 */
  284.420444267 |   0)     init-1     |   0.377 us    |      } /* wake_up_new_task */
  284.420444380 |   0)     init-1     | + 24.845 us   |    } /* kernel_clone pid=2 */
  284.420444495 |   0)     init-1     | + 25.450 us   |  } /* sys_clone ret=2 */
  284.420444715 |   0)     init-1     |               |  schedule() {
  284.420445094 |   0)     init-1     |               |    __switch_to(prev=1, next=2) {
 ------------------------------------------
 0)     init-1     =>     init-2    
 ------------------------------------------

  284.420445260 |   0)     init-2     |               |  ret_from_fork(pid=2, a0=0) {
  284.420445594 |   0)     init-2     |   6.131 us    |    schedule_tail();
  284.420451877 |   0)     init-2     |   0.203 us    |    ret_from_fork_user(); /* epc=0x5d154, sp=0x3ffffff1c0, a0=0 */
  284.420452180 |   0)     init-2     |   6.920 us    |  } /* ret_from_fork */
  284.420467981 |   0)     init-2     |               |  do_exit(pid=2, code=0) {
  284.420468218 |   0)     init-2     |               |    /* sched_process_exit: comm=init pid=2 prio=120 */
  284.420477614 |   0)     init-2     |               |    schedule() {
  284.420477966 |   0)     init-2     |               |      __switch_to(prev=2, next=1) {
 ------------------------------------------
 0)     init-2     =>     init-1    
 ------------------------------------------

  284.420478109 |   0)     init-1     | + 33.015 us   |    } /* __switch_to */
  284.420478417 |   0)     init-1     | + 33.702 us   |  } /* schedule prev=1, next=2 */
  284.420482033 |   0)     init-1     |   1.651 us    |  do_wait(pid=-1); /* ret=2 */
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
