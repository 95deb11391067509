#!/usr/bin/env python3
"""menutest.py - drives the MenuOS menu (the init, user/rust/menu) over the serial line.

    python3 tools/menutest.py [--kernel build/vmlinux] [--initrd build/initramfs.cpio]
                              [--timeout 120] [-v]
    python3 tools/menutest.py --kernel build/linux-ref/Image      (the same menu on Linux)

Boots the boot contract's line (tools/qemu.py; QEMU's serial console on its stdin/stdout), waits for the
`MenuOS>>` prompt, types each command followed by Enter (\\r, as a terminal sends it) and
reads what it printed up to the next prompt.  The checks, one line each
(`PASS menu/<check>` or `FAIL menu/<check>: why`):

    banner        the MenuOS banner and "Welcome to MenuOS!" (pid 1)
    prompt        the MenuOS>> prompt
    help          `help` lists every command the menu registers (read from
                  user/rust/menu/src/main.rs: its .config("name", ...) calls, plus help)
    commands      ... and that list is the course's: help version quit time time-asm write
                  write-asm fork-new exec vfork-new clone-thread ps pstree dmesg trace sh
    version       `version` prints the menu version and uname
    fork-new      the seed's three lines: This is Child Process! / This is Parent Process! /
                  Child Complete!
    vfork-new     the same three lines, by vfork
    clone-thread  a thread with the same pid and another tid, joined
    exec          `exec` runs /hello (fork + execve + wait): it exits with status 0
    write         `write` prints Hello World! (libc write)
    write-asm     `write-asm` prints Hello World! (ecall write, syscall 64)
    time-asm      `time-asm` reads the clock by a raw ecall
    ps            `ps` lists the menu as PID 1 (PPID 0, /init): needs /proc
    id            `sh -c id` as root: uid=0(root) gid=0(root) (busybox id, /etc/passwd, /etc/group)
    su-id         `su user -c id`: the menu's su drops to user (uid 1000, groups users and user)
    su-refused    `su user -c cat /etc/shadow`: the kernel refuses the ordinary user (EACCES)
    busybox-su    `sh -c "su -s /bin/sh -c id nobody"`: busybox's su, run by root
    login         `sh -c "login -f user"` on the console: a shell as user, `id`, `exit`
    quit          `quit` powers off: QEMU exits by itself

It ends with `N passed, M failed` and exits 1 when anything failed.  A global timeout
(--timeout) stops everything; QEMU is killed on every path.  The console goes to
build/test-logs/menutest-<kind>.log.
"""
import argparse
import os
import re
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (the boot contract's line, the serial console)
from qemu import Console  # noqa: E402,F401  (QEMU with its serial console on a pipe)

APPEND = "console=ttyS0 rdinit=/init"
PROMPT = "MenuOS>>"
MENU_SRC = os.path.join(ROOT, "user", "rust", "menu", "src", "main.rs")
COURSE_COMMANDS = ["help", "version", "quit", "time", "time-asm", "write", "write-asm",
                   "fork-new", "exec", "vfork-new", "clone-thread", "ps", "pstree", "dmesg",
                   "trace", "sh"]
FORK_LINES = ["This is Child Process!", "This is Parent Process!", "Child Complete!"]


def menu_commands():
    """The commands the menu registers, in order: help (built in) and every .config(...)."""
    try:
        src = open(MENU_SRC).read()
    except OSError:
        return None
    names = re.findall(r'\.config(?:_with_menu)?\(\s*"([^"]+)"', src)
    return ["help"] + [n for n in names if n != "help"]


def tail(text, n=5):
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(lines[-n:]) if lines else "(nothing)"


def run(args, results):
    state = {"stuck": None, "skipped": False}

    def check(name, ok, why=""):
        if not ok and state["skipped"]:
            why = "not run: " + state["stuck"]
        elif not ok and state["stuck"] and not state.get("reported"):
            why += "; " + state["stuck"]  # this very command did not come back
            state["reported"] = True
        results.append((bool(ok), name, why))

    kernel, initrd = os.path.abspath(args.kernel), os.path.abspath(args.initrd)
    for p in (kernel, initrd):
        if not os.path.exists(p):
            check("boot", False, "%s is missing (make kernel initramfs)" % p)
            return ""
    if shutil.which(qemu.QEMU) is None:
        check("boot", False, qemu.QEMU + " not found (make deps)")
        return ""
    snap = qemu.Snapshot(prefix="menutest.")
    con = None
    try:
        # snapshots: another build may replace build/vmlinux meanwhile
        k = snap.copy(kernel)
        i = snap.copy(initrd, "initramfs.cpio")
        cmd = qemu.boot_argv(k, i, args.append)
        if args.verbose:
            print("# " + " ".join(cmd))
        deadline = time.monotonic() + args.timeout
        con = Console(cmd)
        ok = con.wait_for(lambda t: PROMPT in t, min(deadline, time.monotonic() + args.boot_timeout))
        t = con.text
        banner = "Welcome to MenuOS!" in t and "|_|  |_|\\___|_| |_|\\__,_|\\___/|____/" in t
        check("banner", banner, "no MenuOS banner / Welcome line; console: " + tail(t))
        m = re.search(r"Welcome to MenuOS!.*pid (\d+)", t)
        if m and m.group(1) != "1":
            check("banner-pid1", False, "the menu says pid %s, not 1" % m.group(1))
        check("prompt", ok, "no %s within %d s (%s); console: %s" % (
            PROMPT, args.boot_timeout, "QEMU exited" if con.closed else "timeout", tail(t)))
        if not ok:
            return con.raw

        def run_cmd(line, wait=15.0):
            """Types line, returns (output up to the next prompt, finished).  Once a command
            has not come back to the prompt, the later ones are not run (their output would
            be mixed up)."""
            state["skipped"] = state["stuck"] is not None
            if state["skipped"]:
                return "", False
            start = len(con.text)
            time.sleep(0.1)
            con.send(line + "\r")
            end = min(deadline, time.monotonic() + wait)

            def split(t):
                """(output, finished): after the echo of line and its newline, up to the
                prompt that starts a line again (the line editor redraws the prompt while the
                line is typed, so a prompt before the newline does not count)."""
                seg = t[start:]
                j = seg.find(line)
                if j < 0:
                    return seg, False
                rest = seg[j + len(line):]
                n = rest.find("\n")
                if n < 0:
                    return "", False
                rest = rest[n + 1:]
                m = re.search(r"(^|\n)" + re.escape(PROMPT), rest)
                if m is None:
                    return rest, False
                return rest[:m.start()], True
            con.wait_for(lambda t: split(t)[1], end)
            body, fin = split(con.text)
            if not fin:
                state["stuck"] = "the menu did not come back to %s after `%s` (%s)" % (
                    PROMPT, line, "QEMU exited" if con.closed else
                    "global timeout %d s" % args.timeout if time.monotonic() >= deadline else
                    "%d s" % wait)
            return body.strip("\n"), fin

        def expect_lines(name, line, needles, wait=15.0, ordered=False):
            out, fin = run_cmd(line, wait)
            miss = [n for n in needles if n not in out]
            why = ""
            if miss:
                why = "missing %s" % ", ".join(repr(n) for n in miss)
            if not fin:
                why = (why + "; " if why else "") + "no prompt after it (hung?)"
            check(name, not miss and fin, why + "; output: " + tail(out))
            return out

        # help against the source's command list
        out, fin = run_cmd("help")
        listed = set(re.findall(r"^\s{1,4}(\S+)\s", out, re.M))
        src = menu_commands()
        if src is None:
            check("help", False, "cannot read %s" % MENU_SRC)
            src = COURSE_COMMANDS
        else:
            miss = [c for c in src if c not in listed]
            check("help", fin and not miss, ("help does not list %s" % ", ".join(miss) if miss
                                             else "no prompt after help") + "; output: " + tail(out))
        diff_missing = [c for c in COURSE_COMMANDS if c not in src]
        diff_extra = [c for c in src if c not in COURSE_COMMANDS]
        check("commands", not diff_missing,
              "the menu lacks %s (extra: %s)" % (", ".join(diff_missing), ", ".join(diff_extra) or "none"))
        if diff_extra and args.verbose:
            print("# commands beyond the course's list: " + ", ".join(diff_extra))

        expect_lines("version", "version", ["MenuOS menu", "uname: Linux"])
        out = expect_lines("fork-new", "fork-new", FORK_LINES)
        # the parent prints Child Complete! only after wait() returned: it comes last
        if all(l in out for l in FORK_LINES) and out.rfind(FORK_LINES[2]) < max(out.find(FORK_LINES[0]), out.find(FORK_LINES[1])):
            check("fork-new-order", False, "Child Complete! before the other lines: " + tail(out))
        expect_lines("vfork-new", "vfork-new", FORK_LINES)
        out, fin = run_cmd("clone-thread")
        m1 = re.search(r"main thread: pid (\d+) tid (\d+)", out)
        m2 = re.search(r"new thread:\s+pid (\d+) tid (\d+)", out)
        ok = bool(fin and m1 and m2 and m1.group(1) == m2.group(1) and m1.group(2) != m2.group(2)
                  and "joined thread " + (m2.group(2) if m2 else "?") in out)
        check("clone-thread", ok, "expected the same pid, another tid, joined; output: " + tail(out))
        out, fin = run_cmd("exec")
        ok = fin and re.search(r"exec: /hello \(pid \d+\) exited with status 0", out)
        check("exec", ok, "expected 'exec: /hello (pid N) exited with status 0'; output: " + tail(out))
        expect_lines("write", "write", ["Hello World! (libc write)"])
        expect_lines("write-asm", "write-asm", ["Hello World! (ecall write, syscall 64)"])
        out, fin = run_cmd("time-asm")
        check("time-asm", fin and re.search(r"clock_gettime\(CLOCK_REALTIME\) by ecall 113: \d+\.\d{9} s", out),
              "output: " + tail(out))
        out, fin = run_cmd("ps")
        ok = fin and re.search(r"^\s*1\s+0\s+\S\s+(/init|init|\[init\])\b", out, re.M)
        if ok:
            check("ps", True)
        else:
            rows = [l for l in out.splitlines()[1:] if l.strip()]
            check("ps", False, "no 'PID 1 PPID 0 /init' row (%s): ps reads /proc/<pid>/stat and "
                  "cmdline, so this passes once /proc is there; output: %s"
                  % ("no process rows at all" if not rows else "%d rows" % len(rows), tail(out)))

        # users: the ids of /etc/passwd, su in the menu and busybox's su and login
        out, fin = run_cmd("sh -c id")
        check("id", fin and "uid=0(root) gid=0(root)" in out, "output: " + tail(out))
        out, fin = run_cmd("su user -c id")
        ok = fin and re.search(r"uid=1000\(user\) gid=1000\(user\) groups=\S*100\(users\)", out) \
            and "1000(user)" in out.split("groups=")[-1]
        check("su-id", ok, "expected uid=1000(user) gid=1000(user) groups=...100(users)...1000(user); output: "
              + tail(out))
        out, fin = run_cmd("su user -c cat /etc/shadow")
        check("su-refused", fin and "Permission denied" in out and "exited with status 1" in out,
              "expected cat's 'Permission denied' and status 1; output: " + tail(out))
        out, fin = run_cmd('sh -c "su -s /bin/sh -c id nobody"')
        check("busybox-su", fin and "uid=65534(nobody) gid=65534(nogroup)" in out, "output: " + tail(out))
        # login -f (root only): a login shell as user on the console; then its prompt, id, exit
        start = len(con.text)
        time.sleep(0.1)
        con.send('sh -c "login -f user"\r')
        got = con.wait_for(lambda t: re.search(r"\$ $", t[start:].rstrip("\r")) is not None,
                           min(deadline, time.monotonic() + 15))
        if got:
            mark = len(con.text)
            con.send("id\r")
            con.wait_for(lambda t: "gid=" in t[mark:], min(deadline, time.monotonic() + 10))
            con.send("exit\r")
        out, fin = run_cmd("version")  # back at the menu: the login shell has ended
        lo = con.text[start:]
        check("login", got and re.search(r"uid=1000\(user\) gid=1000\(user\)", lo) and fin,
              "expected a user shell prompt, uid=1000(user), and the menu back; console: " + tail(lo))

        # quit: the machine powers off and QEMU exits by itself
        state["skipped"] = False
        start = len(con.text)
        con.send("quit\r")
        t0 = time.monotonic()
        exited = con.wait_exit(max(min(deadline, t0 + 20), t0 + 3) - t0)
        out = con.text[start:]
        check("quit", exited and "powering off" in out,
              ("QEMU still runs %.0f s after quit" % (time.monotonic() - t0) if not exited
               else "no 'MenuOS: powering off'")
              + "; output: " + tail(out))
        return con.raw
    finally:
        if con is not None:
            con.kill()
        snap.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "vmlinux"))
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--append", default=APPEND)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--boot-timeout", type=float, default=60)
    ap.add_argument("--log", default=None, help="console log (default build/test-logs/menutest-<kind>.log)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    kind = qemu.kernel_kind(args.kernel)
    results = []
    # run() enforces the timeout itself; this is the backstop (it kills QEMU)
    status, raw = qemu.guarded(lambda: run(args, results), args.timeout + 30)
    if status == "error":  # a harness bug is a failed check, never a hang
        results.append((False, "harness", "%s: %s" % (type(raw).__name__, raw)))
    elif status == "hung":
        results.append((False, "timeout", "the harness itself hung"))
    log = args.log or os.path.join(ROOT, "build", "test-logs", "menutest-%s.log" % kind)
    try:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "w") as f:
            f.write(raw if status == "ok" else "")
    except OSError:
        pass
    npass, nfail = qemu.print_results("menu", results)
    os._exit(0 if nfail == 0 and npass > 0 else 1)


if __name__ == "__main__":
    main()
