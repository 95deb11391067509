#!/usr/bin/env python3
"""qemu.py - the one place the boot contract's QEMU line is written, and the pieces every
harness shares to run QEMU.

Every harness (qemutest, gdbtest, menutest, busyboxtest, bench, trace; debug.sh, the Makefile's
run target and user/rust/check-menu.sh through the command line below) builds its QEMU command
line here.  The boot contract, the same line for MenuOS and the reference Linux:

    qemu-system-riscv64 -machine virt -bios default -nographic -m 512M -smp 1 \\
        -kernel K -initrd ROOTFS.cpio -append "console=ttyS0 rdinit=/init"

The command line (boot_argv):
    argv = qemu.boot_argv(kernel, initrd, "console=ttyS0 rdinit=/init")
    argv = qemu.boot_argv(k, i, append, icount=True)      # + -icount shift=0,sleep=off (bench, trace)
    argv = qemu.boot_argv(k, i, None)                     # no -append at all (the seed's line)
    argv = qemu.boot_argv(k, i, append, extra=["-S"])     # extra QEMU options (before -kernel)

A batch boot (run): QEMU's console collected until QEMU exits, a stop condition, a timeout or
a stall; QEMU killed on every path; the console optionally logged:
    b = qemu.run(argv, timeout=120, stop_when=f, log_path="build/test-logs/x.log")
    b.output (bytes), b.reason ("exited" | "timeout" | "stall" | a stop_when reason), b.rc, b.seconds

An interactive serial console (Console; Process for any other child, e.g. gdb):
    with qemu.Console(argv) as con:
        con.expect("MenuOS>>", timeout=60)       # re.Match on con.text, or None (timeout/exit)
        con.sendline("fork-new")                 # "fork-new\\r", as a terminal sends Enter
        con.wait_for(lambda text: ..., deadline)
    # leaving the block (or con.kill()) kills QEMU's process group; qemu.kill_all() kills every
    # process this module started and that is still running.

Also: Snapshot (copies of the kernel/initrd for one run: a build may replace build/vmlinux
meanwhile), kernel_kind(path) ("menuos" or "linux"), clean_line, shq/shell_line, PANIC_RE,
free_port, guarded (a harness body under a backstop timeout), print_results.

Shell (debug.sh, the Makefile, check-menu.sh): the same argv, one argument per line
(`mapfile -t QEMU < <(python3 tools/qemu.py --print-argv ...)`), as one shell-quoted line
(--shell), or run it (--run: prints the line, then execs QEMU on this terminal):
    python3 tools/qemu.py {--print-argv [--shell] | --run} --kernel K [--initrd I]
                          [--append A | --no-append] [--mem 512M] [--smp 1] [--icount] [-- EXTRA...]
"""
import argparse
import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# The QEMU binary.  A list is allowed too (a stand-in command: tools/test_harness.py replaces it
# with a fake QEMU written in Python).
QEMU = "qemu-system-riscv64"
MACHINE = ["-machine", "virt", "-bios", "default", "-nographic"]
DEFAULT_MEM = "512M"
DEFAULT_SMP = 1
DEFAULT_APPEND = "console=ttyS0 rdinit=/init"
# -icount shift=0: one guest instruction per guest ns, so counts are deterministic (bench,
# trace).  Never together with gdb (-s/-gdb): the two hang QEMU.
ICOUNT = ["-icount", "shift=0,sleep=off"]

# A kernel panic (Linux's, MenuOS's, or a Rust panic message) on the console.
PANIC_RE = re.compile(rb"Kernel panic - not syncing|KERNEL PANIC|panicked at ")


# ---------------------------------------------------------------------------------------------
# The command line

def base_argv(mem=DEFAULT_MEM, smp=DEFAULT_SMP):
    """The machine part of the line: qemu-system-riscv64 -machine virt -bios default -nographic
    -m MEM -smp SMP."""
    q = list(QEMU) if isinstance(QEMU, (list, tuple)) else [QEMU]
    return q + MACHINE + ["-m", str(mem), "-smp", str(smp)]


def boot_argv(kernel, initrd, append, mem=DEFAULT_MEM, smp=DEFAULT_SMP, icount=False, extra=()):
    """The full QEMU argv of one boot:

        qemu-system-riscv64 -machine virt -bios default -nographic -m MEM -smp SMP
            [-icount shift=0,sleep=off] [EXTRA...] -kernel KERNEL -initrd INITRD [-append APPEND]

    append=None leaves -append out (the seed's line had none: the kernel's defaults apply);
    initrd=None leaves -initrd out.  extra: more QEMU options (-S, -gdb ..., -s, ...)."""
    argv = base_argv(mem, smp)
    if icount:
        argv += ICOUNT
    argv += [str(x) for x in extra]
    argv += ["-kernel", str(kernel)]
    if initrd is not None:
        argv += ["-initrd", str(initrd)]
    if append is not None:
        argv += ["-append", str(append)]
    return argv


def shq(s):
    """s quoted for a shell when it needs it (logs and docs show runnable lines)."""
    return s if re.fullmatch(r"[\w./=:,+-]+", s) else "'" + s.replace("'", "'\\''") + "'"


def shell_line(argv):
    return " ".join(shq(str(a)) for a in argv)


def kernel_kind(path):
    """"linux" for the reference Linux (a file in a *linux* directory, e.g.
    build/linux-ref/Image or .../vmlinux, or any file named Image), else "menuos"."""
    p = os.path.abspath(path)
    return "linux" if "linux" in os.path.basename(os.path.dirname(p)).lower() \
        or os.path.basename(p) == "Image" else "menuos"


def clean_line(raw):
    """A console line as text: no CR, no ANSI escapes, no other control characters."""
    s = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else raw
    s = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1bc", "", s)
    return "".join(ch for ch in s if ch == "\t" or ch >= " ").rstrip()


def free_port():
    """A free TCP port on 127.0.0.1 (for -gdb tcp:127.0.0.1:PORT)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------------------------------------
# Every child process this module starts is in a registry until it is reaped, so that one call
# (kill_all) ends them all: on a timeout, an interrupt, a harness bug.

_live = set()
_live_lock = threading.Lock()


def _register(popen):
    with _live_lock:
        _live.add(popen)


def _unregister(popen):
    with _live_lock:
        _live.discard(popen)


def kill_group(popen, wait=5.0):
    """SIGKILL to the process group of popen (started with start_new_session), then reaps it."""
    if popen.poll() is None:
        try:
            os.killpg(popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                popen.kill()
            except ProcessLookupError:
                pass
    try:
        popen.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        pass
    _unregister(popen)


def kill_all():
    """Kills every QEMU (and other child) this module started that still runs."""
    with _live_lock:
        procs = list(_live)
    for p in procs:
        kill_group(p)


# ---------------------------------------------------------------------------------------------
# A batch boot

class Boot:
    """The result of run()."""

    def __init__(self, argv):
        self.argv = list(argv)
        self.output = b""     # the whole console
        self.reason = ""      # exited | timeout | stall | the reason a stop_when action gave
        self.grace = None     # the reason of a "grace" action, if one was taken
        self.rc = None        # QEMU's exit status when it exited
        self.seconds = 0.0


def write_log(path, argv, output, end):
    """A console log: "# <the command line>", the console bytes, "# <end>"."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(("# " + shell_line(argv) + "\n").encode())
        f.write(output)
        f.write(("\n# " + end + "\n").encode())


# QEMU -nographic multiplexes the serial line and its monitor on stdio: Ctrl-A b sends a BREAK
# on the serial line, and a BREAK followed by a key is the magic SysRq key (Linux:
# drivers/tty/sysrq.c; MenuOS: kernel/src/drivers/sysrq.rs): t shows every task's state and
# kernel stack.  A harness that sees a boot hang asks for that before it kills QEMU.
SYSRQ_BREAK = b"\x01b"
SYSRQ_DUMP_SECONDS = 6.0   # how long the dump may take to print
SYSRQ_QUIET_SECONDS = 2.0  # the dump is over once the console is quiet this long


def sysrq_bytes(key):
    """What to write to QEMU's stdin for SysRq `key`: BREAK, then the key."""
    return SYSRQ_BREAK, key.encode()


def run(argv, timeout, stop_when=None, stall=None, log_path=None):
    """Runs QEMU (stdin a pipe nothing is written to, its own process group), collects its
    console until

      - QEMU exits (reason "exited", rc set),
      - timeout seconds in all (reason "timeout"),
      - stall seconds without console output (reason "stall"; stall=None: no such limit):
        first SysRq t (SYSRQ_BREAK then "t") asks the kernel for its tasks' states and stacks,
        collected for up to SYSRQ_DUMP_SECONDS (until SYSRQ_QUIET_SECONDS of quiet),
      - stop_when(output_bytes) says so.  It returns None (go on), ("kill", reason) (stop now)
        or ("grace", seconds, reason): let QEMU exit by itself within that many seconds
        (reason "exited") or stop it then (reason = the given reason).  stop_when is not asked
        again once a grace period runs.

    QEMU is killed on every path.  With log_path, the console is written there (write_log)
    ending with "# end: <reason> rc=<rc> after <seconds> s".  Returns a Boot."""
    b = Boot(argv)
    t0 = last = time.monotonic()
    deadline = t0 + timeout
    if log_path:
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    _register(proc)
    buf = bytearray()
    grace_reason = None
    dump_until = None  # while the SysRq dump of a stall prints

    def send(data):
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        fd = proc.stdout.fileno()
        eof = False
        while not eof:
            now = time.monotonic()
            if now >= deadline:
                b.reason = grace_reason or "timeout"
                break
            if dump_until is not None and (now >= dump_until or now - last >= SYSRQ_QUIET_SECONDS):
                b.reason = "stall"
                break
            if stall is not None and grace_reason is None and dump_until is None and now - last >= stall:
                brk, key = sysrq_bytes("t")
                send(brk)
                time.sleep(0.3)
                send(key)
                dump_until = time.monotonic() + SYSRQ_DUMP_SECONDS
                last = time.monotonic()
                continue
            for _ in sel.select(timeout=min(0.5, deadline - now)):
                chunk = os.read(fd, 65536)
                if not chunk:
                    eof = True
                    break
                buf += chunk
                last = time.monotonic()
            if eof:
                break
            if stop_when is not None and grace_reason is None:
                act = stop_when(bytes(buf))
                if act is not None:
                    if act[0] == "kill":
                        b.reason = act[1]
                        break
                    deadline = min(deadline, time.monotonic() + act[1])
                    grace_reason = act[2]
        sel.close()
        if eof:
            # QEMU closed its output: it is exiting
            try:
                b.rc = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            b.reason = "exited"
    finally:
        kill_group(proc, wait=None)
        proc.stdout.close()
        try:
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
    b.grace = grace_reason
    b.seconds = time.monotonic() - t0
    b.output = bytes(buf)
    if log_path:
        write_log(log_path, argv, b.output, "end: %s rc=%s after %.1f s" % (b.reason, b.rc, b.seconds))
    return b


# ---------------------------------------------------------------------------------------------
# Interactive processes: QEMU's serial console on a pipe, gdb, ...

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Process:
    """A child process (own process group) whose output (stdout and stderr) a thread reads.

    raw (alias buf): everything it printed so far (str); text: raw without ANSI escapes and CRs.
    wait_for(pred, deadline) waits until pred(view) holds, where view is raw for a Process and
    text for a Console.  Killed by kill(), by leaving a `with` block, or by qemu.kill_all()."""

    clean = False

    def __init__(self, argv, stdin=True, env=None, cwd=None):
        self.argv = list(argv)
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                  cwd=cwd, start_new_session=True)
        _register(self.p)
        self.raw = ""
        self.closed = False
        self.cv = threading.Condition()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        fd = self.p.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            with self.cv:
                if not chunk:
                    self.closed = True
                    self.cv.notify_all()
                    return
                self.raw += chunk.decode("utf-8", "replace")
                self.cv.notify_all()

    @property
    def buf(self):
        return self.raw

    @property
    def text(self):
        return ANSI.sub("", self.raw).replace("\r", "")

    def view(self):
        return self.text if self.clean else self.raw

    def wait_for(self, pred, deadline):
        """Waits until pred(view) is true (True), the output ends or the deadline
        (time.monotonic() value) passes (False)."""
        with self.cv:
            while True:
                if pred(self.view()):
                    return True
                if self.closed:
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cv.wait(min(left, 0.5))

    def expect(self, pattern, timeout=None, deadline=None, since=0):
        """Waits for the regex `pattern` (a str or a compiled pattern; re.escape a literal with
        special characters) in view() from offset `since`; returns the re.Match, or None when the
        timeout (seconds) or deadline (time.monotonic() value) passed or the output ended."""
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
        end = deadline if deadline is not None else time.monotonic() + (timeout if timeout is not None else 1e9)
        box = {}

        def hit(v):
            box["m"] = rx.search(v, since)
            return box["m"] is not None

        self.wait_for(hit, end)
        return box.get("m")

    def send(self, data):
        """Writes data (str) to its stdin; a closed pipe is ignored (the process ended)."""
        try:
            self.p.stdin.write(data.encode())
            self.p.stdin.flush()
        except (BrokenPipeError, OSError, ValueError, AttributeError):
            pass

    def sysrq(self, key, seconds=SYSRQ_DUMP_SECONDS):
        """Sends SysRq `key` (BREAK, then the key) and waits until the console has been quiet
        SYSRQ_QUIET_SECONDS (at most `seconds`): e.g. "t" for every task's state and stack."""
        brk, k = sysrq_bytes(key)
        self.send(brk.decode())
        time.sleep(0.3)
        self.send(k.decode())
        end = time.monotonic() + seconds
        n = len(self.raw)
        quiet_since = time.monotonic()
        while time.monotonic() < end:
            time.sleep(0.2)
            if len(self.raw) != n:
                n, quiet_since = len(self.raw), time.monotonic()
            elif time.monotonic() - quiet_since >= SYSRQ_QUIET_SECONDS:
                break

    def sendline(self, line, eol="\r"):
        """Types a line: text and Enter (CR, as a terminal sends it)."""
        self.send(line + eol)

    def wait_exit(self, timeout):
        """Waits up to timeout seconds for the process to exit by itself; True if it did."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.p.poll() is None:
            time.sleep(0.1)
        return self.p.poll() is not None

    def kill(self):
        kill_group(self.p)

    def save(self, path, clean=False):
        """Writes what it printed (text when clean, else raw) to path (directories made)."""
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w") as f:
                f.write(self.text if clean else self.raw)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False


class Console(Process):
    """QEMU with its serial console on stdin/stdout (-nographic); wait_for and expect see
    `text` (no ANSI escapes, no CRs)."""

    clean = True

    def __init__(self, argv, env=None, cwd=None):
        super().__init__(argv, stdin=True, env=env, cwd=cwd)


# ---------------------------------------------------------------------------------------------
# Harness plumbing

class Snapshot:
    """A temporary directory with copies of the files one run boots (another build may replace
    build/vmlinux or the initramfs meanwhile).  copy(path[, name]) -> the copy's path; remove()
    (or leaving a `with` block) deletes it all."""

    def __init__(self, prefix="qemu."):
        self.dir = tempfile.mkdtemp(prefix=prefix)

    def copy(self, path, name=None):
        dst = os.path.join(self.dir, name or os.path.basename(path))
        shutil.copyfile(path, dst)
        return dst

    def path(self, name):
        return os.path.join(self.dir, name)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def guarded(body, seconds):
    """Runs body() in a thread and waits at most `seconds` (the backstop of a harness whose body
    enforces its own timeouts).  Returns ("ok", value), ("error", exception) or ("hung", None);
    when it hung, every process this module started is killed."""
    box = {}
    done = threading.Event()

    def target():
        try:
            box["r"] = ("ok", body())
        except Exception as e:  # a harness bug is a failed check, never a hang
            box["r"] = ("error", e)
        done.set()

    threading.Thread(target=target, daemon=True).start()
    if not done.wait(seconds):
        kill_all()
        return ("hung", None)
    return box["r"]


def print_results(prefix, results):
    """Prints `PASS <prefix>/<check>` or `FAIL <prefix>/<check>: why` per (ok, check, why), then
    `N passed, M failed`.  Returns (npass, nfail)."""
    npass = sum(1 for ok, _, _ in results if ok)
    nfail = len(results) - npass
    for ok, name, why in results:
        print("PASS %s/%s" % (prefix, name) if ok else "FAIL %s/%s: %s" % (prefix, name, why))
    print("%d passed, %d failed" % (npass, nfail))
    sys.stdout.flush()
    return npass, nfail


# ---------------------------------------------------------------------------------------------
# Command line: the argv for shell scripts

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="The boot contract's QEMU command line (tools/qemu.py boot_argv).",
        epilog="Extra QEMU options go after --, e.g. -- -gdb tcp::1234 -S")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--print-argv", action="store_true",
                      help="print the argv, one argument per line (or one quoted line: --shell)")
    mode.add_argument("--run", action="store_true", help="print the line, then exec QEMU")
    ap.add_argument("--shell", action="store_true", help="with --print-argv: one shell-quoted line")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd")
    ap.add_argument("--append", default=DEFAULT_APPEND, help="default: %(default)s")
    ap.add_argument("--no-append", action="store_true", help="no -append at all")
    ap.add_argument("--mem", default=DEFAULT_MEM)
    ap.add_argument("--smp", type=int, default=DEFAULT_SMP)
    ap.add_argument("--icount", action="store_true", help="add " + " ".join(ICOUNT))
    ap.add_argument("extra", nargs="*", help="extra QEMU arguments (after --)")
    a = ap.parse_args(argv)
    out = boot_argv(a.kernel, a.initrd, None if a.no_append else a.append, a.mem, a.smp, a.icount,
                    a.extra)
    if a.run:
        print(" ".join(shlex.quote(x) for x in out), flush=True)
        os.execvp(out[0], out)
    if a.shell:
        print(" ".join(shlex.quote(x) for x in out))
    else:
        for x in out:
            if "\n" in x:
                ap.error("an argument with a newline cannot be printed one per line: %r" % x)
            print(x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
