#!/usr/bin/env python3
"""qemutest.py - boots every test program of build/user/tests as PID 1 and collects the results.

    python3 tools/qemutest.py --kernel build/vmlinux [--kind menuos]
    python3 tools/qemutest.py --kernel build/linux-ref/Image --kind linux
        [--initrd build/initramfs.cpio] [--only NAME[,NAME..]] [--timeout S] [--jobs 2] [-q] [--list]

Each test boots the boot-contract line (tools/qemu.py: boot_argv)
    qemu-system-riscv64 -machine virt -bios default -nographic -m 512M -smp 1 \
        -kernel K -initrd INITRD -append "console=ttyS0 rdinit=/tests/<name> [extra]"
and its console is parsed for the mtest.h protocol (user/tests/c/mtest.h):
    PASS <test>/<check>            one passed check
    FAIL <test>/<check>: <why>     one failed check
    TEST-END <test> <npass> <nfail>
One line is printed per check, then a per-test summary, and at the very end exactly
    <N> passed, <M> failed
(N, M count checks).  Exit status 1 when anything failed.

Harness-made failures, named like checks:
    <test>/boot      the boot never printed TEST-END (timeout, kernel panic, QEMU exited, ...);
                     the last console lines are shown
    <test>/poweroff  TEST-END came but the machine did not power off within a grace period
    <test>/testend   TEST-END reports more failures than FAIL lines were seen (lost output)

Per-test settings: the TEST_ARGS table below, or magic comments in the test's source
(user/tests/c/<name>.c), so that test authors need not edit this file:
    // QEMUTEST-APPEND: foo=bar bareword     (appended to the kernel command line)
    // QEMUTEST-TIMEOUT: 300                 (seconds, instead of --timeout)
    {HOSTTIME} in a command line becomes the host's time of day (seconds since the epoch) at boot
    /* qemutest: append=console=ttyS0 rdinit=/tests/t_x foo=bar */   (the whole command line)

Expect tests (EXPECT_TESTS below) boot a given command line and check that given regexes
appear on the console (each regex is one check); QEMU is stopped as soon as all have matched.

Full console logs: build/test-logs/<kind>/<name>.log; a summary in build/test-logs/<kind>/results.json.  Boots run in parallel (--jobs), output
stays in order.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (the boot contract's line: qemu.boot_argv)

BASE_APPEND = "console=ttyS0"

# Extra kernel command-line arguments for tests that need them (appended after rdinit=...).
TEST_ARGS = {
    "t_cmdline": "foo=bar bareword",
}

# Expect tests: boot `append`, every (label, regex) must appear on the console.
#   needs:  files that must be in the initrd
#   exit:   QEMU must also exit by itself (the machine powered off)
#   kinds:  restrict to some kernels (default: all)
#   mem:    the -m size (default: the boot contract's, tools/qemu.py)
EXPECT_TESTS = [
    {
        "name": "init_exit3_panics",
        "append": "rdinit=/bin/exit3",
        "needs": ["bin/exit3"],
        "expect": [
            ("ran", r"exit3: exiting with status 3"),
            ("panic", r"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300"),
        ],
        "timeout": 60,
    },
    {
        "name": "hello_init_poweroff",
        "append": "rdinit=/hello",
        "needs": ["hello"],
        "expect": [("greets", r"Hello from user space \(pid 1\)")],
        "exit": True,
        "timeout": 60,
    },
    {
        # The seed's QEMU line has no -append at all: /init must be found by default.
        "name": "no_append_runs_init",
        "append": None,
        "initrd_from": "hello_as_init",
        "expect": [("greets", r"Hello from user space \(pid 1\)")],
        "exit": True,
        "timeout": 60,
    },
    {
        # Linux accepts a gzip-compressed initramfs; so must MenuOS.
        "name": "gzip_initramfs",
        "append": "rdinit=/hello",
        "initrd_from": "gzip",
        "expect": [("greets", r"Hello from user space \(pid 1\)")],
        "exit": True,
        "timeout": 60,
    },
    {
        # A cpio made outside the repo's tools: GNU cpio -H newc from a directory.
        "name": "gnu_cpio_initramfs",
        "append": "rdinit=/init",
        "initrd_from": "gnu_cpio",
        "expect": [("greets", r"Hello from user space \(pid 1\)")],
        "exit": True,
        "timeout": 60,
    },
    {
        # rdinit= naming a missing program: Linux skips it quietly and runs /sbin/init.
        "name": "rdinit_missing_falls_back",
        "append": "rdinit=/no/such/init",
        "initrd_from": "hello_as_init",
        "expect": [("runs-sbin-init", r"Run /sbin/init as init process"),
                   ("greets", r"Hello from user space \(pid 1\)")],
        "exit": True,
        "timeout": 60,
    },
    {
        # Issue 10 item 7: a kernel stack overflow hits the guard page below the stack (Linux:
        # CONFIG_VMAP_STACK) and oopses naming the task; the debug kernel (make test's) overflows
        # pid 1's stack on purpose with vmap_stack_test=overflow (mm/vmalloc.rs).
        "name": "vmap_stack_overflow_oops",
        "append": "rdinit=/hello vmap_stack_test=overflow",
        "needs": ["hello"],
        "kinds": ["menuos"],
        "expect": [
            ("guard", r"vmap_stack: guard below 0x[0-9a-f]+ unmapped"),
            ("detected", r"Insufficient stack space to handle exception!"),
            ("names-task", r"CPU: 0 PID: 1 Comm: init"),
            ("panic", r"Kernel panic - not syncing: Kernel stack overflow"),
        ],
        "timeout": 60,
    },
    {
        # The watchdog's view of a hang (issue 10 item 9): a boot that stops printing gets the
        # magic SysRq key t over the serial line (BREAK, then t: tools/qemu.py run()), and the
        # kernel prints every task's state and kernel stack before the harness gives up.
        # The menu waiting for input is such a stall.
        "name": "sysrq_dump_on_stall",
        "append": "rdinit=/init",
        "stall": 10,
        "expect": [
            ("header", r"sysrq: Show State"),
            ("init-sleeps", r"task:init\s+state:S stack:\d+\s+pid:1\s+ppid:0"),
            ("stack", r"Call Trace:"),
        ],
        "timeout": 60,
    },
    # Any memory size QEMU virt offers boots and runs t_mem (malloc, mmap, brk, a 64 MiB block):
    # mem_map and the linear map are sized from the device tree (issue 10, item 6).  The initrd
    # holds just t_mem and what it opens: the full test initramfs (45 MB with glibc's /lib)
    # leaves Linux at 128M too little room for t_mem's /tmp file.
] + [
    {
        "name": "mem_%s_t_mem" % mem,
        "append": "rdinit=/tests/t_mem",
        "mem": mem,
        "initrd_from": "t_mem_only",
        "needs": ["tests/t_mem"],
        "expect": [("passes", r"TEST-END t_mem \d+ 0\b")],
        "exit": True,
        "timeout": 120,
    }
    for mem in ("128M", "2G", "8G", "16G")
]


def derived_initrd(kind, base, workdir):
    """Initrds for the boot-protocol expect tests, made from build/user/bin/hello."""
    import gzip as _gzip
    import shutil
    os.makedirs(workdir, exist_ok=True)
    hello = os.path.join(ROOT, "build", "user", "bin", "hello")
    out = os.path.join(workdir, kind + ".cpio")
    if kind == "gzip":
        out += ".gz"
        with open(base, "rb") as f, open(out, "wb") as g:
            g.write(_gzip.compress(f.read(), 6, mtime=0))
    elif kind == "hello_as_init":
        import mkcpio
        a = mkcpio.Archive()
        a.standard_devices()
        a.file("init", src=hello, mode=0o755)
        a.file("sbin/init", src=hello, mode=0o755)
        a.write(out)
    elif kind == "t_mem_only":
        import mkcpio
        a = mkcpio.Archive()
        a.standard_devices()
        for d in ("proc", "sys"):
            a.dir(d)
        a.dir("tmp", 0o1777)
        a.file("hello", src=hello, mode=0o755)
        a.file("tests/t_mem", src=os.path.join(ROOT, "build", "user", "tests", "t_mem"), mode=0o755)
        a.write(out)
    elif kind == "gnu_cpio":
        stage = os.path.join(workdir, "gnu-stage")
        shutil.rmtree(stage, ignore_errors=True)
        os.makedirs(os.path.join(stage, "dev"))
        shutil.copy(hello, os.path.join(stage, "init"))
        os.chmod(os.path.join(stage, "init"), 0o755)
        names = subprocess.run(["find", "."], cwd=stage, capture_output=True, text=True, check=True).stdout
        with open(out, "wb") as f:
            subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], cwd=stage, input=names.encode(),
                           stdout=f, check=True)
    return out

# A kernel panic ends a test boot early (Linux's, or a Rust panic message).
PANIC_RE = qemu.PANIC_RE
PANIC_GRACE = 2.0      # seconds of output still collected after a panic (backtrace)
POWEROFF_GRACE = 15.0  # seconds allowed between TEST-END and QEMU exiting
TAIL_LINES = 20
DEFAULT_TIMEOUT = 120.0

CHECK_RE = re.compile(r"(?:^|\s)(PASS|FAIL) (\S+?/[^:]*?)\s*(?::\s?(.*))?$")
END_RE = re.compile(r"(?:^|\s)TEST-END (\S+) (\d+) (\d+)\s*$")
MAGIC_RE = re.compile(r"QEMUTEST-(APPEND|TIMEOUT|STALL):[ \t]*(.*?)[ \t]*(?:\*/)?[ \t]*$", re.M)
# `qemutest: append=<the whole kernel command line>` (replaces the default line entirely)
FULL_APPEND_RE = re.compile(r"qemutest:[ \t]*append=(.*?)[ \t]*(?:\*/)?[ \t]*$", re.M)

clean_line = qemu.clean_line  # console line as text: no CR, no ANSI escapes, no control characters


def parse_protocol(text, test=None):
    """Parses console text.  Returns dict: checks [(ok, name, why)], end (name, npass, nfail)
    or None.  With `test`, only checks of that test count (a stray other test's lines are
    ignored)."""
    checks, end = [], None
    for raw in text.splitlines():
        line = clean_line(raw.encode() if isinstance(raw, str) else raw)
        m = END_RE.search(line)
        if m:
            if end is None and (test is None or m.group(1) == test):
                end = (m.group(1), int(m.group(2)), int(m.group(3)))
            continue
        m = CHECK_RE.search(line)
        if m:
            # a printk that cut into the line ("PASS t/ch[    0.3] random: ...") is dropped
            name = re.sub(r"\[\s*\d+\.\d+\].*", "", m.group(2)).strip()
            if test is not None and name.split("/", 1)[0] != test:
                continue
            checks.append((m.group(1) == "PASS", name, m.group(3) or ""))
    return {"checks": checks, "end": end}


def source_settings(srcdir, name):
    """QEMUTEST-APPEND / QEMUTEST-TIMEOUT / QEMUTEST-STALL magic comments of
    user/tests/c/<name>.c.  STALL: the watchdog, seconds without console output after which
    the boot is a hang (a failure, with the console's last lines)."""
    res = {}
    p = os.path.join(srcdir, name + ".c")
    try:
        with open(p, errors="replace") as f:
            text = f.read()
    except OSError:
        return res
    m = FULL_APPEND_RE.search(text)
    if m:
        res["full_append"] = m.group(1)
    for key, val in MAGIC_RE.findall(text):
        if key == "APPEND":
            res["append"] = (res.get("append", "") + " " + val).strip()
        elif key in ("TIMEOUT", "STALL"):
            try:
                res[key.lower()] = float(val)
            except ValueError:
                pass
    return res


Boot = qemu.Boot  # the result of one boot: output, reason, rc, seconds


def boot(kernel, initrd, append, timeout, log_path, stop_when=None, extra_qemu=(), mem=qemu.DEFAULT_MEM,
         stall=None):
    """Boots the boot contract's line (qemu.boot_argv; append None: no -append) and collects the
    console until QEMU exits or a stop condition (qemu.run): returns a qemu.Boot whose reason is
    exited / timeout / the stop condition's.

    stop_when(output_bytes) -> None (go on) | ("kill", reason) | ("grace", seconds, reason):
    "grace" waits that long more for QEMU to exit by itself, then kills it."""
    cmd = qemu.boot_argv(kernel, initrd, append, mem=mem, extra=extra_qemu)
    return qemu.run(cmd, timeout, stop_when=stop_when, stall=stall, log_path=log_path)


def tail(output, n=TAIL_LINES):
    lines = [clean_line(l) for l in output.splitlines()]
    lines = [l for l in lines if l]
    return lines[-n:] or ["(no output at all)"]


def rel(p):
    r = os.path.relpath(p, ROOT)
    return p if r.startswith("..") else r


def run_test(cfg, name):
    """Boots test `name`; returns (lines to print, npass, nfail)."""
    s = source_settings(cfg.srcdir, name)
    extra = " ".join(x for x in (TEST_ARGS.get(name, ""), s.get("append", "")) if x)
    append = "%s rdinit=/tests/%s%s" % (BASE_APPEND, name, " " + extra if extra else "")
    if "full_append" in s:
        append = s["full_append"]
    append = append.replace("{HOSTTIME}", "%d" % int(time.time()))
    timeout = cfg.timeout or s.get("timeout") or DEFAULT_TIMEOUT
    log = os.path.join(cfg.logdir, name + ".log")
    if cfg.initrd_files is not None and "tests/" + name not in cfg.initrd_files:
        r = {"checks": [], "end": None}
        b = None
        why = "tests/%s is not in %s (rebuild it: make initramfs)" % (name, cfg.initrd)
    else:
        end_re = re.compile(rb"(?:^|\s)TEST-END " + re.escape(name.encode()) + rb" \d+ \d+\s*[\r\n]")

        def stop(out):
            if end_re.search(out):
                return ("grace", POWEROFF_GRACE, "poweroff-timeout")
            if PANIC_RE.search(out):
                return ("grace", PANIC_GRACE, "panic")
            return None

        b = boot(cfg.kernel, cfg.initrd, append, timeout, log, stop, cfg.qemu_extra, stall=s.get("stall"))
        r = parse_protocol(b.output.decode("utf-8", "replace"), name)
        why = None
    lines, npass, nfail = [], 0, 0
    for ok, check, msg in r["checks"]:
        if ok:
            npass += 1
            if not cfg.quiet:
                lines.append("PASS %s" % check)
        else:
            nfail += 1
            lines.append("FAIL %s: %s" % (check, msg))
    note = ""
    if r["end"] is None:
        nfail += 1
        if why is None:
            why = {"timeout": "timeout after %g s" % timeout,
                   "panic": "kernel panic",
                   "stall": "hang: no console output for %g s" % s.get("stall", 0),
                   "exited": "QEMU exited (rc=%s)" % b.rc}.get(b.reason, b.reason)
            other = parse_protocol(b.output.decode("utf-8", "replace"))["end"]
            if other is not None:
                why += "; but saw TEST-END %s: mt_begin() must name the test %r, as its file" \
                       % (other[0], name)
            why = "no TEST-END (%s); log %s; last lines:" % (why, rel(log))
            why += "".join("\n    | " + l for l in tail(b.output))
        lines.append("FAIL %s/boot: %s" % (name, why))
    else:
        _, epass, efail = r["end"]
        seen_fail = sum(1 for ok, _, _ in r["checks"] if not ok)
        if efail > seen_fail:
            nfail += 1
            lines.append("FAIL %s/testend: TEST-END reports %d failures, only %d FAIL lines seen"
                         % (name, efail, seen_fail))
        if (epass, efail) != (sum(1 for ok, _, _ in r["checks"] if ok), seen_fail):
            note = " (TEST-END says %d/%d)" % (epass, efail)
        if b.reason == "poweroff-timeout":
            nfail += 1
            lines.append("FAIL %s/poweroff: TEST-END printed but QEMU did not exit within %g s"
                         % (name, POWEROFF_GRACE))
    secs = " %.1f s" % b.seconds if b else ""
    lines.append("== %s: %d passed, %d failed%s%s" % (name, npass, nfail, note, secs))
    return lines, npass, nfail


def run_expect(cfg, t):
    name = t["name"]
    append = None if t["append"] is None else BASE_APPEND + " " + t["append"]
    initrd = cfg.initrd
    if t.get("initrd_from"):
        # One directory per test: tests run in parallel and may derive the same kind.
        initrd = derived_initrd(t["initrd_from"], cfg.initrd, os.path.join(ROOT, "build", "test-initrd", name))
    timeout = cfg.timeout or t.get("timeout") or DEFAULT_TIMEOUT
    log = os.path.join(cfg.logdir, name + ".log")
    pats = [(label, re.compile(rx.encode())) for label, rx in t["expect"]]
    lines, npass, nfail = [], 0, 0
    missing = [p for p in t.get("needs", []) if cfg.initrd_files is not None and p not in cfg.initrd_files]
    if missing:
        lines.append("FAIL %s/boot: %s not in %s" % (name, ", ".join(missing), cfg.initrd))
        lines.append("== %s: 0 passed, 1 failed" % name)
        return lines, 0, 1

    def stop(out):
        if all(rx.search(out) for _, rx in pats):
            if t.get("exit"):
                return ("grace", POWEROFF_GRACE, "poweroff-timeout")
            return ("kill", "done")
        return None

    b = boot(cfg.kernel, initrd, append, timeout, log, stop, cfg.qemu_extra, t.get("mem", qemu.DEFAULT_MEM),
             stall=t.get("stall"))
    for label, rx in pats:
        if rx.search(b.output):
            npass += 1
            if not cfg.quiet:
                lines.append("PASS %s/%s" % (name, label))
        else:
            nfail += 1
            lines.append("FAIL %s/%s: /%s/ not on the console (%s after %.1f s); last lines:%s"
                         % (name, label, rx.pattern.decode(), b.reason, b.seconds,
                            "".join("\n    | " + l for l in tail(b.output))))
    if t.get("exit"):
        if b.reason == "exited":
            npass += 1
            if not cfg.quiet:
                lines.append("PASS %s/exit" % name)
        else:
            nfail += 1
            lines.append("FAIL %s/exit: QEMU did not exit by itself (%s)" % (name, b.reason))
    lines.append("== %s: %d passed, %d failed %.1f s" % (name, npass, nfail, b.seconds))
    return lines, npass, nfail


def initrd_entries(path):
    """{path: data} of a newc cpio (None if it cannot be read)."""
    import mkcpio
    try:
        with open(path, "rb") as f:
            return {e["name"]: e["data"] for e in mkcpio.read(f.read())}
    except (OSError, ValueError) as e:
        print("qemutest: warning: cannot list %s: %s" % (path, e), file=sys.stderr)
        return None


def stale_tests(entries, testdir, names):
    """Tests whose binary in build/user/tests differs from the copy in the initrd."""
    res = []
    for n in names:
        d = (entries or {}).get("tests/" + n)
        if d is None:
            continue
        try:
            with open(os.path.join(testdir, n), "rb") as f:
                if f.read() != d:
                    res.append(n)
        except OSError:
            pass
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description="Boots each test program under QEMU (mtest protocol).",
                                 epilog="See the module docstring for the protocol and tables.")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--kind", choices=["menuos", "linux"],
                    help="names the log directory (default: linux if the kernel path says so)")
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--testdir", default=os.path.join(ROOT, "build", "user", "tests"))
    ap.add_argument("--srcdir", default=os.path.join(ROOT, "user", "tests", "c"))
    ap.add_argument("--logdir", help="default build/test-logs/<kind>")
    ap.add_argument("--only", action="append", default=[],
                    help="test or expect-test names (comma-separated, globs allowed; repeatable)")
    ap.add_argument("--timeout", type=float,
                    help="per boot, seconds (default: the test's own, else %g)" % DEFAULT_TIMEOUT)
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--no-expect", action="store_true", help="skip the expect tests")
    ap.add_argument("--qemu-extra", default="", help="extra QEMU arguments (space-separated)")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not print PASS lines")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    cfg = ap.parse_args(argv)

    cfg.kernel = os.path.abspath(cfg.kernel)
    cfg.initrd = os.path.abspath(cfg.initrd)
    if cfg.kind is None:
        cfg.kind = qemu.kernel_kind(cfg.kernel)
    cfg.logdir = cfg.logdir or os.path.join(ROOT, "build", "test-logs", cfg.kind)
    cfg.qemu_extra = cfg.qemu_extra.split()

    tests = sorted(n for n in (os.listdir(cfg.testdir) if os.path.isdir(cfg.testdir) else [])
                   if not n.startswith(".") and not n.endswith(".tmp")
                   and os.path.isfile(os.path.join(cfg.testdir, n))
                   and os.access(os.path.join(cfg.testdir, n), os.X_OK))
    expects = [] if cfg.no_expect else [t for t in EXPECT_TESTS if cfg.kind in t.get("kinds", [cfg.kind])]
    only = [p for o in cfg.only for p in o.split(",") if p]
    if only:
        sel = lambda n: any(fnmatch.fnmatchcase(n, p) for p in only)  # noqa: E731
        tests = [n for n in tests if sel(n)]
        expects = [t for t in expects if sel(t["name"])]
    jobs = [("test", n) for n in tests] + [("expect", t) for t in expects]

    if cfg.list:
        for kind, j in jobs:
            print(j if kind == "test" else j["name"] + " (expect)")
        return 0
    if not jobs:
        print("qemutest: no tests%s (build them: tools/build-user-c.sh)" %
              (" match --only " + ",".join(only) if only else " in " + cfg.testdir))
        print("0 passed, 0 failed")
        return 1
    for p in (cfg.kernel, cfg.initrd):
        if not os.path.isfile(p):
            print("qemutest: %s does not exist" % p)
            print("0 passed, 1 failed")
            return 1

    entries = initrd_entries(cfg.initrd)
    cfg.initrd_files = None if entries is None else set(entries)
    stale = stale_tests(entries, cfg.testdir, tests)
    del entries
    if stale:
        print("qemutest: warning: the initrd holds older builds of %s (rebuild it: make initramfs)"
              % ", ".join(stale))
    os.makedirs(cfg.logdir, exist_ok=True)
    print("qemutest: %d tests + %d expect tests on %s (%s), %d jobs, logs in %s" %
          (len(tests), len(expects), rel(cfg.kernel), cfg.kind, cfg.jobs, rel(cfg.logdir)), flush=True)

    t0 = time.monotonic()
    total_pass = total_fail = 0
    failed_tests = []
    results = []
    ex = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, cfg.jobs))
    try:
        futs = [ex.submit(run_test, cfg, j) if k == "test" else ex.submit(run_expect, cfg, j)
                for k, j in jobs]
        for (k, j), fut in zip(jobs, futs):
            name = j if k == "test" else j["name"]
            try:
                lines, np_, nf = fut.result()
            except Exception as e:  # a harness bug must not hide the other results
                lines, np_, nf = ["FAIL %s/harness: %s: %s" % (name, type(e).__name__, e)], 0, 1
            for l in lines:
                print(l)
            sys.stdout.flush()
            total_pass += np_
            total_fail += nf
            results.append({"name": name, "kind": k, "passed": np_, "failed": nf,
                             "failures": [l.split(":", 1)[0][5:] for l in lines if l.startswith("FAIL ")]})
            if nf:
                failed_tests.append(name)
    except KeyboardInterrupt:
        ex.shutdown(wait=False, cancel_futures=True)
        qemu.kill_all()
        print("\nqemutest: interrupted")
        print("%d passed, %d failed" % (total_pass, total_fail + 1))
        return 130
    ex.shutdown(wait=True)
    with open(os.path.join(cfg.logdir, "results.json"), "w") as f:
        json.dump({"kernel": cfg.kernel, "kind": cfg.kind, "passed": total_pass, "failed": total_fail,
                   "tests": results}, f, indent=1)
    print("qemutest: %d boots in %.1f s%s" % (len(jobs), time.monotonic() - t0,
          "; failing: " + " ".join(failed_tests) if failed_tests else ""))
    print("%d passed, %d failed" % (total_pass, total_fail))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
