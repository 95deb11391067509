#!/usr/bin/env python3
"""stracetest.py - strace -f of the seed's ForkProcess (the menu's fork-new), compared with Linux.

    python3 tools/stracetest.py [--kernel build/vmlinux-lockdep] [-v]
    python3 tools/stracetest.py --kernel build/linux-ref/Image            (the same on Linux)
    python3 tools/stracetest.py --kernel build/linux-ref/Image --record   (rewrite the transcript)

Boots the default initramfs (the menu as /init, /bin/strace from tools/build-strace.sh) on the
boot contract's line and types, over the serial line:

    strace -f -o /tmp/fork-new.strace fork-new     the menu runs `/bin/strace -f -o FILE
                                                   /init -c fork-new` (a second menu that runs
                                                   fork-new and exits) and waits for it
    exec cat /tmp/fork-new.strace                  the transcript
    strace -f fork-new                             the interactive view, strace on the console

The checks (`PASS strace/<check>` or `FAIL strace/<check>: why`):

    run           strace exited with status 0 and fork-new printed its three lines
    transcript    the transcript has strace's `PID  syscall(...) = ...` lines of two processes
    P1, P2        each process's lines equal those of the stored Linux transcript
                  (tools/strace/fork-new.linux.strace), up to pids, addresses and timing
    console       the console view shows the clone, the child's write and exit_group, the
                  parent's wait4 and its SIGCHLD

Why a stored transcript: make test must not need the reference Linux (tools/linux-ref.sh builds
it only for make test-linux), so MenuOS is compared with a transcript that Linux 6.1 produced
with this very initramfs; make test-linux runs this harness on Linux, which checks that the
stored transcript is still what Linux prints (when it is not - the menu or glibc changed -,
--record rewrites it from a Linux boot, and the diff shows what changed).

"Up to pids, addresses and timing" (normalize()): lines are grouped per process, P1 (the
traced menu) and P2 (its fork child), since which of the two runs first after the fork is the
scheduler's choice; a syscall strace printed in two parts (`<unfinished ...>` and `<... NAME
resumed>`) is joined; pids become P1/P2; every 0x address becomes 0x?; times (clock_gettime
results, si_utime/si_stime) become ?; signal-delivery lines (`--- SIGCHLD ... ---`), whose place
among a process's syscalls depends on when the other process ran, are compared after them.  Two differences of the environment, not of the fork
path, are normalized as well, each named in KNOWN_DIFFERENCES.
"""
import argparse
import difflib
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (the boot contract's line, the serial console)
from qemu import Console  # noqa: E402

APPEND = "console=ttyS0 rdinit=/init"
PROMPT = "MenuOS>>"
TRANSCRIPT = os.path.join(ROOT, "tools", "strace", "fork-new.linux.strace")
FORK_LINES = ["This is Child Process!", "This is Parent Process!", "Child Complete!"]

# What differs between the two kernels' transcripts for reasons outside the fork path, and how
# normalize() makes the lines comparable.  Everything else must be equal.
KNOWN_DIFFERENCES = [
    ("getrandom", "Rust's std seeds its HashMap keys with getrandom(8, GRND_NONBLOCK): Linux 6.1 "
     "this early after boot has no crng ready yet (EAGAIN, and std falls back on the clock: two "
     "clock_gettime(CLOCK_MONOTONIC)), MenuOS's is ready (8 bytes); both become "
     "`getrandom(?, 8, GRND_NONBLOCK) = ?` and the fallback's clock_gettime lines are dropped"),
    ("/proc/self/maps", "std reads /proc/self/maps to find the main thread's stack guard: "
     "Linux has a [vvar] page and a two-page [vdso], MenuOS one trampoline page as [vdso] and no "
     "address randomization, so the file's size (read's result) differs"),
]

# syscalls whose result is a pid (or tid)
PID_RESULT = ("clone", "clone3", "fork", "vfork", "wait4", "waitid", "getpid", "gettid", "getppid",
              "set_tid_address")
# syscalls whose first argument is a pid
PID_ARG = ("sched_getaffinity", "sched_setaffinity", "kill", "tgkill", "tkill")

LINE = re.compile(r"^(\d+)\s+(.*)$")
UNFINISHED = " <unfinished ...>"
RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>\s?(.*)$")


def split_processes(text):
    """The `PID  line` lines of `strace -f -o FILE` -> [(pid, line)] in order, a syscall split
    by another process's lines joined into one (strace: `<unfinished ...>`, `<... resumed>`)."""
    out, pending = [], {}
    for raw in text.splitlines():
        m = LINE.match(raw.rstrip())
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if rest.endswith(UNFINISHED):
            pending[pid] = (len(out), rest[:-len(UNFINISHED)])
            out.append((pid, None))
            continue
        r = RESUMED.match(rest)
        if r and pid in pending:
            i, head = pending.pop(pid)
            out[i] = (pid, head + r.group(2))
            continue
        out.append((pid, rest))
    return [(p, l) for p, l in out if l is not None]


def normalize(text):
    """strace -f -o output -> {"P1": [lines], "P2": [lines], ...}: see the module's doc."""
    lines = split_processes(text)
    names = {}
    for pid, _ in lines:
        names.setdefault(pid, "P%d" % (len(names) + 1))

    def pid_name(num):
        return names.get(int(num), "P?" if int(num) > 0 else num)

    procs = {n: [] for n in names.values()}
    maps_fds = set()
    fallback = {}
    for pid, l in lines:
        name = names[pid]
        l = re.sub(r"\s+= ", " = ", l)  # strace's column alignment
        call = re.match(r"^([a-z0-9_]+)\(", l)
        call = call.group(1) if call else ""
        if call in PID_RESULT:
            l = re.sub(r" = (\d+)$", lambda m: " = " + pid_name(m.group(1)), l)
        if call in PID_ARG:
            l = re.sub(r"^(\w+\()(\d+)", lambda m: m.group(1) + pid_name(m.group(2)), l)
        l = re.sub(r"si_pid=(\d+)", lambda m: "si_pid=" + pid_name(m.group(1)), l)
        l = re.sub(r"si_(utime|stime)=\d+", r"si_\1=?", l)
        if call == "clock_gettime":
            l = re.sub(r"tv_(sec|nsec)=\d+", r"tv_\1=?", l)
        # known difference: getrandom's entropy, and std's clock fallback after EAGAIN
        if call == "clock_gettime" and "CLOCK_MONOTONIC" in l and fallback.get(name):
            continue
        fallback[name] = call == "getrandom" and "EAGAIN" in l
        if call == "getrandom":
            l = re.sub(r"^getrandom\((0x[0-9a-f]+|\"[^\"]*\"(\.\.\.)?), (\d+), (\w+)\) = .*$",
                       r"getrandom(?, \3, \4) = ?", l)
        # known difference: the size of /proc/self/maps
        if call == "openat" and '"/proc/self/maps"' in l:
            m = re.search(r" = (\d+)$", l)
            if m:
                maps_fds.add(m.group(1))
        if call == "read":
            m = re.match(r"^read\((\d+), ", l)
            if m and m.group(1) in maps_fds:
                l = re.sub(r" = \d+$", " = ?", l)
        if call == "close":
            m = re.match(r"^close\((\d+)\)", l)
            if m:
                maps_fds.discard(m.group(1))
        l = re.sub(r"0x[0-9a-f]+", "0x?", l)
        procs[name].append(l)
    # A signal-delivery stop (`--- SIGCHLD {...} ---`) comes whenever the signal finds the
    # process on its way back to user mode: after the clone, the write or the wait4, as the
    # two processes happened to run.  So signal lines are compared as a sorted list after the
    # process's syscalls, which keep their order.
    for name, ls in procs.items():
        sig = sorted(l for l in ls if l.startswith("--- SIG"))
        procs[name] = [l for l in ls if not l.startswith("--- SIG")] + sig
    return procs


def compare(linux, menuos):
    """[(ok, check, why)] per process of the Linux transcript: equal lines, or a diff."""
    a, b = normalize(linux), normalize(menuos)
    res = []
    for name in sorted(set(a) | set(b)):
        la, lb = a.get(name, []), b.get(name, [])
        if la == lb:
            res.append((True, name, ""))
            continue
        diff = list(difflib.unified_diff(la, lb, "linux", "menuos", lineterm="", n=1))
        res.append((False, name, "%d lines on Linux, %d on MenuOS; diff:\n      %s" % (
            len(la), len(lb), "\n      ".join(diff[:40]))))
    return res


def run(args, results):
    def check(name, ok, why=""):
        results.append((bool(ok), name, why))

    kernel, initrd = os.path.abspath(args.kernel), os.path.abspath(args.initrd)
    for p in (kernel, initrd):
        if not os.path.exists(p):
            check("boot", False, "%s is missing (make kernel initramfs)" % p)
            return ""
    snap = qemu.Snapshot(prefix="stracetest.")
    con = None
    try:
        k = snap.copy(kernel)
        i = snap.copy(initrd, "initramfs.cpio")
        cmd = qemu.boot_argv(k, i, args.append)
        deadline = time.monotonic() + args.timeout
        con = Console(cmd)
        if not con.wait_for(lambda t: PROMPT in t, min(deadline, time.monotonic() + 60)):
            check("boot", False, "no %s prompt; console: %s" % (PROMPT, con.text[-300:]))
            return con.raw

        def run_cmd(line, wait=60.0):
            start = len(con.text)
            time.sleep(0.1)
            con.send(line + "\r")

            def body(t):
                seg = t[start:]
                j = seg.find(line)
                if j < 0:
                    return None
                rest = seg[j + len(line):]
                n = rest.find("\n")
                if n < 0:
                    return None
                rest = rest[n + 1:]
                m = re.search(r"(^|\n)" + re.escape(PROMPT), rest)
                return rest[:m.start()] if m else None
            con.wait_for(lambda t: body(t) is not None, min(deadline, time.monotonic() + wait))
            got = body(con.text)
            if got is None and not hung:
                # No prompt came back: ask the kernel what its tasks are doing (SysRq t) and
                # keep what the console printed since the command, for the failure message.
                hung.append(line)
                con.sysrq("t")
                hung.append(con.text[start:])
            return got

        hung = []  # [the command that got no prompt back, the console since it was typed]
        out = run_cmd("strace -f -o /tmp/fork-new.strace fork-new")
        ok = out is not None and "strace: /bin/strace" in out and "exited with status 0" in out \
            and all(l in out for l in FORK_LINES)
        check("run", ok, "expected fork-new's three lines and 'strace: /bin/strace (pid N) exited "
              "with status 0'; output: %r" % (out[-400:] if out is not None else "(no prompt: hung?)"))
        if hung:
            check("prompt", False, "no prompt after %r within 60 s; the console since then, with "
                  "SysRq t's task states at its end:\n      %s" % (hung[0], "\n      ".join(hung[1][-6000:].splitlines())))
        got = run_cmd("exec cat /tmp/fork-new.strace") or ""
        got = "\n".join(l for l in got.splitlines() if LINE.match(l))
        procs = split_processes(got)
        pids = sorted({p for p, _ in procs})
        check("transcript", len(pids) == 2 and len(procs) > 10,
              "expected the lines of 2 processes, got %d lines of %d: %r" % (len(procs), len(pids), got[-300:]))
        if args.record:
            os.makedirs(os.path.dirname(args.transcript), exist_ok=True)
            with open(args.transcript, "w") as f:
                f.write(got + "\n")
            print("# wrote %s (%d lines)" % (os.path.relpath(args.transcript, ROOT), len(got.splitlines())))
        try:
            with open(args.transcript) as f:
                linux = f.read()
        except OSError as e:
            check("P1", False, "no stored Linux transcript: %s (--record on Linux writes it)" % e)
            linux = None
        if linux is not None:
            for ok, name, why in compare(linux, got):
                check(name, ok, why)
        if args.verbose:
            for name, ls in normalize(got).items():
                print("# %s:\n#   %s" % (name, "\n#   ".join(ls)))
        out = run_cmd("strace -f fork-new") or ""
        need = ["clone(", "exit_group(0)", "wait4(-1", "--- SIGCHLD", "+++ exited with 0 +++"] + FORK_LINES
        miss = [n for n in need if n not in out]
        check("console", not miss, "missing %s; output: %r" % (", ".join(map(repr, miss)), out[-400:]))
        return con.raw
    finally:
        if con is not None:
            con.kill()
        snap.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "vmlinux-lockdep"))
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--append", default=APPEND)
    ap.add_argument("--transcript", default=TRANSCRIPT)
    ap.add_argument("--record", action="store_true", help="write the transcript from this boot (Linux)")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    kind = qemu.kernel_kind(args.kernel)
    if args.record and kind != "linux":
        ap.error("--record writes the Linux transcript: boot build/linux-ref/Image")
    results = []
    status, raw = qemu.guarded(lambda: run(args, results), args.timeout + 30)
    if status == "error":
        results.append((False, "harness", "%s: %s" % (type(raw).__name__, raw)))
    elif status == "hung":
        results.append((False, "timeout", "the harness itself hung"))
    log = os.path.join(ROOT, "build", "test-logs", "stracetest-%s.log" % kind)
    try:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "w") as f:
            f.write(raw if status == "ok" else "")
    except OSError:
        pass
    npass, nfail = qemu.print_results("strace", results)
    os._exit(0 if nfail == 0 and npass > 0 else 1)


if __name__ == "__main__":
    main()
