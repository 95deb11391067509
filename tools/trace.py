#!/usr/bin/env python3
"""trace.py - traces a fork through MenuOS with the kernel's function_graph tracer (tracefs).

    python3 tools/trace.py [--kernel build/vmlinux] [--initrd build/initramfs.cpio]
                           [--command fork-new] [--out build/trace] [--timeout 120] [-v]
    python3 tools/trace.py --from-text build/trace/fork-new.trace     (convert a saved trace)

Boots MenuOS under `-icount shift=0,sleep=off` (guest time = guest instructions: 1 ns is one
instruction, so the durations are instruction counts and every run gives the same numbers),
waits for the menu's prompt on the serial console, types `trace fork-new` (the menu clears
/sys/kernel/tracing/trace, writes 1 to tracing_on, runs fork-new, writes 0, prints the
trace), cuts the trace out of the console and writes

    build/trace/fork-new.trace   the raw function_graph text
    build/trace/fork-new.json    Chrome trace-event JSON (Perfetto, chrome://tracing): one track
                                 per task (pid = tid = task pid), B/E/X/i events, ts in us,
                                 args = the values the kernel recorded
    build/trace/fork-new.mmd     a Mermaid sequenceDiagram: Parent, Kernel, Child

The parser (parse_trace), and the JSON and Mermaid writers are importable (tools/test_trace.py).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (the boot contract's line, the serial console)

APPEND = "console=ttyS0 rdinit=/init"
PROMPT = "MenuOS>>"

# ---------------------------------------------------------------------------------------------
# Parsing the function_graph text (kernel/src/fs/tracefs/trace_functions_graph.rs render()).

LINE = re.compile(
    r"^\s*(?:(?P<sec>\d+)\.(?P<frac>\d+) \|\s+)?"      # funcgraph-abstime
    r"(?:(?P<cpu>\d+)\)\s+)?"                          # funcgraph-cpu
    r"(?:(?P<comm>\S*)-(?P<pid>\d+)\s+\|\s)?"          # funcgraph-proc
    r"(?P<dur>[^|]*)\|  (?P<body>.*)$")                # duration | call graph
DUR = re.compile(r"([\d.]+) us")
ENTRY = re.compile(r"^(?P<ind> *)(?P<name>[\w.]+)\((?P<args>[^)]*)\) \{$")
LEAF = re.compile(r"^(?P<ind> *)(?P<name>[\w.]+)\((?P<args>[^)]*)\);(?: /\* (?P<rets>.*) \*/)?$")
EXIT = re.compile(r"^(?P<ind> *)\}(?: /\* (?P<name>[\w.]+)(?: (?P<rets>.*?))? \*/)?$")
POINT = re.compile(r"^(?P<ind> *)/\* (?P<name>[\w.]+): (?P<vals>.*) \*/$")


def parse_values(s):
    """'flags=0x11, pid=35' or 'comm=init pid=1' -> {'flags': '0x11', 'pid': 35, ...}
    (hex stays a string)."""
    out = {}
    for part in re.split(r"[,\s]+", s or ""):
        if "=" not in part or part.startswith("="):
            continue
        k, v = part.split("=", 1)
        try:
            out[k] = int(v) if not v.startswith("0x") else v
        except ValueError:
            out[k] = v
    return out


def parse_trace(text):
    """The trace text -> a list of events, in buffer order:
    {'ts': ns or None, 'pid', 'comm', 'kind': 'B'|'E'|'X'|'i', 'name', 'args', 'dur': ns, 'depth'}.
    Lines that are not events (headers, context-switch banners) are skipped."""
    events = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#") or raw.strip().startswith("---") or "=>" in raw:
            continue
        m = LINE.match(raw)
        if not m or m.group("pid") is None:
            continue
        ts = None
        if m.group("sec") is not None:
            frac = m.group("frac")
            ts = int(m.group("sec")) * 10**9 + int(frac.ljust(9, "0")[:9])
        pid, comm = int(m.group("pid")), m.group("comm")
        dm = DUR.search(m.group("dur"))
        dur = int(round(float(dm.group(1)) * 1000)) if dm else None
        body = m.group("body")
        ev = {"ts": ts, "pid": pid, "comm": comm}
        b = ENTRY.match(body)
        if b:
            ev.update(kind="B", name=b.group("name"), args=parse_values(b.group("args")), depth=len(b.group("ind")) // 2)
            events.append(ev)
            continue
        b = LEAF.match(body)
        if b:
            call = parse_values(b.group("args"))
            args = dict(call)
            args.update(parse_values(b.group("rets")))
            ev.update(kind="X", name=b.group("name"), args=args, call=call, dur=dur or 0, depth=len(b.group("ind")) // 2)
            events.append(ev)
            continue
        b = EXIT.match(body)
        if b:
            ev.update(kind="E", name=b.group("name") or "", args=parse_values(b.group("rets")), dur=dur,
                      depth=len(b.group("ind")) // 2)
            events.append(ev)
            continue
        b = POINT.match(body)
        if b:
            ev.update(kind="i", name=b.group("name"), args=parse_values(b.group("vals")), depth=len(b.group("ind")) // 2)
            events.append(ev)
    return events


# ---------------------------------------------------------------------------------------------
# Chrome trace-event JSON.

def to_chrome(events, symbols=None):
    """Chrome trace-event JSON (a dict): B/E pairs per task, X for leaves, i for points.
    Exits whose entry is not in the buffer are dropped; entries still open at the end are
    closed at their task's last timestamp (args.unfinished)."""
    out = []
    t0 = min((e["ts"] for e in events if e["ts"] is not None), default=0)
    us = lambda ns: round((ns - t0) / 1000.0, 3)
    stacks, last, comms = {}, {}, {}
    for e in events:
        if e["ts"] is None:
            continue
        pid = e["pid"]
        comms.setdefault(pid, e["comm"])
        st = stacks.setdefault(pid, [])
        args = dict(e["args"])
        if symbols:
            for k, v in list(args.items()):
                if isinstance(v, str) and v.startswith("0x") and int(v, 16) in symbols:
                    args[k + "_sym"] = symbols[int(v, 16)]
        end = e["ts"] + (e.get("dur") or 0) if e["kind"] == "X" else e["ts"]
        last[pid] = max(last.get(pid, 0), end)
        base = {"name": e["name"], "cat": "fork", "pid": pid, "tid": pid, "ts": us(e["ts"])}
        if e["kind"] == "B":
            st.append(e["name"])
            out.append(dict(base, ph="B", args=args))
        elif e["kind"] == "E":
            if e["name"] in st:
                while st and st[-1] != e["name"]:
                    out.append({"name": st.pop(), "ph": "E", "pid": pid, "tid": pid, "ts": us(e["ts"])})
                st.pop()
                out.append(dict(base, ph="E", args=args))
        elif e["kind"] == "X":
            out.append(dict(base, ph="X", dur=round((e.get("dur") or 0) / 1000.0, 3), args=args))
        elif e["kind"] == "i":
            out.append(dict(base, ph="i", s="t", args=args))
    for pid, st in stacks.items():
        while st:
            out.append({"name": st.pop(), "ph": "E", "pid": pid, "tid": pid, "ts": us(last[pid]),
                        "args": {"unfinished": True}})
    meta = []
    for pid, comm in sorted(comms.items()):
        label = "%s (pid %d)" % (comm, pid)
        meta.append({"name": "process_name", "ph": "M", "pid": pid, "tid": pid, "args": {"name": label}})
        meta.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": pid, "args": {"name": label}})
    return {"traceEvents": meta + out, "displayTimeUnit": "ns",
            "otherData": {"source": "MenuOS /sys/kernel/tracing/trace (function_graph)",
                          "clock": "guest ns = guest instructions under -icount shift=0"}}


# ---------------------------------------------------------------------------------------------
# Mermaid sequence diagram.

def fork_pids(events):
    """(parent pid, child pid) of the first fork in the trace."""
    parent = child = None
    for e in events:
        if parent is None and e["kind"] in "BX" and e["name"] in ("sys_clone", "sys_clone3", "kernel_clone"):
            parent = e["pid"]
        if parent is not None and e["pid"] == parent and e["name"] == "kernel_clone" and e["kind"] == "E":
            child = e["args"].get("pid")
            break
        if parent is not None and e["pid"] == parent and e["name"] == "alloc_pid" and "pid" in e["args"]:
            child = e["args"]["pid"]
    return parent, child


def fmt_args(a):
    return ", ".join("%s=%s" % kv for kv in a.items())


def to_mermaid(events, symbols=None):
    """A sequenceDiagram of the first fork: the parent's ecall, the kernel functions of the
    clone in order, the return of the pid to the parent, the switch to the child, its
    ret_from_fork and first return to user mode (a0 = 0), its exit and the parent's wait."""
    parent, child = fork_pids(events)
    sym = lambda v: (" (%s)" % symbols[int(v, 16)]) if symbols and isinstance(v, str) and v.startswith("0x") and int(v, 16) in symbols else ""
    L = ["sequenceDiagram", "    participant Parent as Parent (pid %s)" % parent,
         "    participant Kernel", "    participant Child as Child (pid %s)" % child]
    if parent is None:
        L.append("    Note over Kernel: no fork in this trace")
        return "\n".join(L) + "\n"
    say = lambda line: L.append("    " + line)
    state = "before"      # before -> clone -> returned -> (switched) ...
    pending_ret = None    # the pid sys_clone returned, until the parent is back in user mode
    switched = False
    sched_entry = {}
    for idx, e in enumerate(events):
        pid, k, n, a = e["pid"], e["kind"], e["name"], e["args"]
        call = e.get("call", a)
        if pid == parent:
            if state == "before" and k in "BX" and n in ("sys_clone", "sys_clone3"):
                state = "clone"
                say("Parent->>Kernel: ecall (a7=%d, %s) fork()" % (220 if n == "sys_clone" else 435,
                                                                   "clone" if n == "sys_clone" else "clone3"))
            if state == "clone":
                if k in "BX":
                    say("Kernel->>Kernel: %s(%s)" % (n, fmt_args(call)))
                if n == "copy_thread" and k in "XE" and "ra" in a:
                    say("Note right of Kernel: child thread.ra=%s%s, thread.sp=%s (its pt_regs, a0=0)"
                        % (a["ra"], sym(a["ra"]), a.get("sp")))
                if n == "alloc_pid" and k in "XE" and "pid" in a:
                    say("Note right of Kernel: child pid %s" % a["pid"])
                if k == "E" and n in ("sys_clone", "sys_clone3"):
                    state = "returned"
                    pending_ret = a.get("ret", child)
                    nxt = next((x for x in events[idx + 1:] if x["pid"] == parent), None)
                    if not (nxt and nxt["name"] == "schedule" and nxt["kind"] == "B"):
                        say("Kernel-->>Parent: sret: fork() returns %s (the child's pid)" % pending_ret)
                        pending_ret = None
                    else:
                        say("Note right of Kernel: %s returns %s: a0 of the parent's pt_regs, but on its way out the parent yields (the child runs first)" % (n, pending_ret))
                continue
            if state == "returned" and pending_ret is not None and switched and k == "E" and n == "schedule":
                say("Kernel-->>Parent: sret: fork() returns %s (the child's pid)" % pending_ret)
                pending_ret = None
            if state == "returned" and n == "do_wait" and k in "BX":
                say("Parent->>Kernel: ecall wait4 → do_wait(pid=%s)" % call.get("pid"))
            if state == "returned" and n == "do_wait" and k in "XE" and a.get("ret") == child:
                say("Kernel-->>Parent: wait() returns %s (the child exited)" % child)
        if k == "B" and n == "schedule":
            sched_entry[pid] = e
        if k in "BX" and n == "__switch_to" and state != "before":
            if a.get("next") == child and not switched:
                switched = True
                say("Kernel->>Kernel: schedule() (pid %s gives up the CPU)" % pid)
                say("Kernel->>Kernel: __switch_to(prev=%s, next=%s)" % (a.get("prev"), a.get("next")))
            elif switched and a.get("prev") == child and a.get("next") == parent:
                say("Kernel->>Kernel: __switch_to(prev=%s, next=%s)" % (a.get("prev"), a.get("next")))
        if pid == child:
            if k in "BX" and n in ("ret_from_fork", "schedule_tail"):
                say("Kernel->>Kernel: %s(%s)" % (n, fmt_args(call) if n == "ret_from_fork" else ""))
            if n == "ret_from_fork_user" and k in "XE" and "epc" in a:
                say("Kernel-->>Child: sret to epc=%s, sp=%s: fork() returns %s in the child" % (a["epc"], a["sp"], a.get("a0")))
            if k in "BX" and n == "do_exit":
                say("Child->>Kernel: ecall exit_group → do_exit(code=%s)" % call.get("code"))
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------------------------
# Booting and driving the menu.

def load_symbols(elf):
    """address -> name of the kernel's functions (nm), for ra=... annotations."""
    for nm in ("riscv64-linux-gnu-nm", "llvm-nm", "nm"):
        if shutil.which(nm):
            try:
                out = subprocess.run([nm, elf], capture_output=True, text=True, timeout=60).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            syms = {}
            for line in out.splitlines():
                p = line.split()
                if len(p) == 3 and p[1] in "tT":
                    syms.setdefault(int(p[0], 16), p[2])
            if syms:
                return syms
    return {}


def capture(kernel, initrd, command, timeout, verbose=False, log=None):
    """Boots, runs `trace COMMAND` at the menu, returns (trace text, console)."""
    with qemu.Snapshot(prefix="trace.") as snap:
        k, i = snap.copy(kernel, "vmlinux"), snap.copy(initrd, "initramfs.cpio")
        cmd = qemu.boot_argv(k, i, APPEND, icount=True)
        if verbose:
            print("# " + " ".join(cmd))
        deadline = time.monotonic() + timeout
        con = qemu.Console(cmd)
        try:
            if not con.wait_for(lambda t: PROMPT in t, deadline):
                raise RuntimeError("no %s prompt (console: %s)" % (PROMPT, con.text[-400:]))
            line = "trace " + command
            start = len(con.text)
            time.sleep(0.2)
            con.send(line + "\r")

            def done(t):
                seg = t[start:]
                j = seg.find("# tracer:")
                return j >= 0 and re.search(r"(^|\n)" + re.escape(PROMPT), seg[j:]) is not None
            if not con.wait_for(done, deadline):
                raise RuntimeError("`%s` did not finish (console: %s)" % (line, con.text[start:][-600:]))
            seg = con.text[start:]
            j = seg.find("# tracer:")
            m = re.search(r"(^|\n)" + re.escape(PROMPT), seg[j:])
            text = seg[j:j + m.start()].rstrip("\n") + "\n"
            con.send("quit\r")
            con.wait_for(lambda t: False, min(deadline, time.monotonic() + 3))
            return text, con.text
        finally:
            if log:
                os.makedirs(os.path.dirname(log), exist_ok=True)
                with open(log, "w") as f:
                    f.write(con.raw)
            con.kill()


def write_outputs(text, outdir, name, symbols=None):
    os.makedirs(outdir, exist_ok=True)
    events = parse_trace(text)
    paths = {}
    for ext, data in (("trace", text),
                      ("json", json.dumps(to_chrome(events, symbols), indent=1) + "\n"),
                      ("mmd", to_mermaid(events, symbols))):
        p = os.path.join(outdir, "%s.%s" % (name, ext))
        with open(p, "w") as f:
            f.write(data)
        paths[ext] = p
    return events, paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "vmlinux"))
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--command", default="fork-new", help="the menu command to trace")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "trace"))
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--from-text", help="convert this saved trace instead of booting")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    name = a.command.split()[0]
    symbols = load_symbols(a.kernel) if os.path.exists(a.kernel) else {}
    if a.from_text:
        text = open(a.from_text).read()
        name = os.path.splitext(os.path.basename(a.from_text))[0]
    else:
        for p in (a.kernel, a.initrd):
            if not os.path.exists(p):
                print("trace.py: %s is missing (make kernel initramfs)" % p)
                return 1
        try:
            text, _ = capture(a.kernel, a.initrd, a.command, a.timeout, a.verbose,
                              log=os.path.join(ROOT, "build", "test-logs", "trace-console.log"))
        except RuntimeError as e:
            print("trace.py: %s" % e)
            return 1
    events, paths = write_outputs(text, a.out, name, symbols)
    parent, child = fork_pids(events)
    print("trace.py: %d events (parent pid %s, child pid %s)" % (len(events), parent, child))
    for ext in ("trace", "json", "mmd"):
        print("  %s" % os.path.relpath(paths[ext], os.getcwd()))
    if a.verbose:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
