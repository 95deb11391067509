"""Host-side checks of the test harness (mkcpio, mkinitramfs, qemutest), no QEMU needed.

    python3 -m unittest discover tools        (a few seconds)
"""
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkcpio  # noqa: E402
import mkinitramfs  # noqa: E402
import qemu  # noqa: E402
import qemutest  # noqa: E402


def sample_archive():
    a = mkcpio.Archive()
    a.file("init", data=b"#!/bin/sh\necho hi\n", mode=0o755)
    a.file("etc/passwd", data="root:x:0:0::/root:/init\n")
    a.symlink("sbin/init", "/init")
    a.standard_devices()
    a.dir("tmp", 0o1777)
    a.file("empty", data=b"")
    a.file("odd", data=b"x" * 5)
    return a


@unittest.skipUnless(shutil.which("cpio"), "GNU cpio not installed")
class CpioRoundTrip(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def listing(self, path, gz=False):
        with open(path, "rb") as f:
            data = f.read()
        if gz:
            data = subprocess.run(["gzip", "-dc"], input=data, stdout=subprocess.PIPE, check=True).stdout
        r = subprocess.run(["cpio", "-itv", "--quiet"], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, check=True)
        self.assertEqual(r.stderr, b"")
        return r.stdout.decode().splitlines()

    def check_listing(self, lines):
        by_name = {(l.split()[-1] if "->" not in l else l.split()[-3]): l for l in lines}
        self.assertTrue(by_name["dev/console"].startswith("crw-------"), by_name["dev/console"])
        self.assertIn("5,   1", by_name["dev/console"])
        self.assertIn("1,   3", by_name["dev/null"])
        self.assertIn("5,   0", by_name["dev/tty"])
        self.assertIn("1,   5", by_name["dev/zero"])
        self.assertTrue(by_name["sbin/init"].startswith("lrwxrwxrwx"))
        self.assertTrue(by_name["sbin/init"].endswith("sbin/init -> /init"))
        self.assertTrue(by_name["init"].startswith("-rwxr-xr-x"))
        self.assertTrue(by_name["tmp"].startswith("drwxrwxrwt"))
        self.assertTrue(by_name["etc"].startswith("drwxr-xr-x"))  # implicit parent
        names = list(by_name)
        self.assertEqual(names, sorted(names))
        self.assertIn("Jan  1  1970", by_name["init"])

    def test_cpio_lists_it(self):
        p = os.path.join(self.tmp, "a.cpio")
        sample_archive().write(p)
        self.assertEqual(os.path.getsize(p) % 512, 0)
        self.check_listing(self.listing(p))

    def test_gzip(self):
        p = os.path.join(self.tmp, "a.cpio.gz")
        sample_archive().write(p, gzip=True)
        self.check_listing(self.listing(p, gz=True))

    def test_cpio_extracts_contents(self):
        a = mkcpio.Archive()
        a.file("d/f", data=b"hello\n")
        a.file("odd", data=b"abcde")
        p = os.path.join(self.tmp, "b.cpio")
        a.write(p)
        out = os.path.join(self.tmp, "x")
        os.mkdir(out)
        with open(p, "rb") as f:
            subprocess.run(["cpio", "-id", "--quiet"], stdin=f, cwd=out, check=True)
        with open(os.path.join(out, "d/f"), "rb") as f:
            self.assertEqual(f.read(), b"hello\n")
        with open(os.path.join(out, "odd"), "rb") as f:
            self.assertEqual(f.read(), b"abcde")

    def test_cli(self):
        host = os.path.join(self.tmp, "prog")
        with open(host, "wb") as f:
            f.write(b"\x7fELF")
        os.chmod(host, 0o755)
        p = os.path.join(self.tmp, "c.cpio")
        with contextlib.redirect_stderr(io.StringIO()):
            mkcpio.main(["-o", p, "--devices", "file:bin/prog:" + host, "symlink:init:/bin/prog",
                         "dir:proc", "chardev:dev/ttyS0:4:64"])
        lines = self.listing(p)
        self.assertTrue(any(l.startswith("-rwxr-xr-x") and l.endswith(" bin/prog") for l in lines))
        self.assertTrue(any("4,  64" in l and l.endswith("dev/ttyS0") for l in lines))


class CpioFormat(unittest.TestCase):
    def test_read_back(self):
        ents = {e["name"]: e for e in mkcpio.read(sample_archive().tobytes())}
        self.assertEqual(ents["init"]["data"], b"#!/bin/sh\necho hi\n")
        self.assertEqual(ents["init"]["mode"], 0o100755)
        self.assertEqual(ents["sbin/init"]["data"], b"/init")
        self.assertEqual(ents["dev/null"]["rdev"], (1, 3))
        self.assertEqual(ents["dev/null"]["mode"], 0o020666)
        self.assertTrue(all(e["mtime"] == 0 and e["uid"] == 0 for e in ents.values()))
        self.assertEqual(len({e["ino"] for e in ents.values()}), len(ents))

    def test_deterministic(self):
        self.assertEqual(sample_archive().tobytes(), sample_archive().tobytes())
        a, b = mkcpio.Archive(), mkcpio.Archive()
        a.file("x", data=b"1")
        a.file("y", data=b"2")
        b.file("y", data=b"2")
        b.file("x", data=b"1")
        self.assertEqual(a.tobytes(), b.tobytes())

    def test_bad_paths(self):
        a = mkcpio.Archive()
        self.assertRaises(ValueError, a.file, "../x", data=b"")
        a.file("f", data=b"")
        self.assertRaises(ValueError, a.file, "f/g", data=b"")


class Initramfs(unittest.TestCase):
    def test_layout(self):
        tmp = tempfile.mkdtemp()
        try:
            bindir, testdir = os.path.join(tmp, "bin"), os.path.join(tmp, "tests")
            os.makedirs(bindir)
            os.makedirs(testdir)
            for d, n in ((bindir, "hello"), (bindir, "true"), (testdir, "t_a"), (testdir, "t_b")):
                with open(os.path.join(d, n), "wb") as f:
                    f.write(n.encode())
                os.chmod(os.path.join(d, n), 0o755)
            with open(os.path.join(bindir, ".built-by-build-user-c"), "w") as f:
                f.write("hello\n")
            ents = {e["name"]: e for e in mkcpio.read(mkinitramfs.build(bindir, testdir).tobytes())}
            self.assertEqual(ents["init"]["data"], b"hello")  # no menu: hello is the fallback
            self.assertEqual(ents["sbin/init"]["data"], b"/init")
            for n in ("hello", "bin/true", "tests/t_a", "tests/t_b", "dev/console", "proc", "sys",
                      "tmp", "root", "etc/passwd"):
                self.assertIn(n, ents)
            self.assertNotIn("bin/.built-by-build-user-c", ents)
            with open(os.path.join(bindir, "menu"), "wb") as f:
                f.write(b"menu")
            os.chmod(os.path.join(bindir, "menu"), 0o755)
            ents = {e["name"]: e for e in mkcpio.read(mkinitramfs.build(bindir, testdir).tobytes())}
            self.assertEqual(ents["init"]["data"], b"menu")
        finally:
            shutil.rmtree(tmp)


LINUX_CONSOLE = (
    "[    0.000000] Linux version 6.1.192\r\n"
    "[    0.231000] Run /tests/t_x as init process\r\n"
    "PASS t_x/one\r\n"
    "FAIL t_x/two: got = 1, want 2 (line 9)\r\n"
    "PASS t_x/thr[    0.300000] random: crng init done\r\n"   # printk cut into a line
    "\x1b[0mPASS t_x/four\r\n"
    "PASS t_other/ignored\r\n"
    "PASS t_x/with space\r\n"
    "FAIL t_x/colons: a: b\r\n"
    "TEST-END t_x 3 1\r\n"
    "[    0.400000] reboot: Power down\r\n"
)


class Protocol(unittest.TestCase):
    def test_parse(self):
        r = qemutest.parse_protocol(LINUX_CONSOLE, "t_x")
        self.assertEqual(r["end"], ("t_x", 3, 1))
        self.assertEqual([c[1] for c in r["checks"]],
                         ["t_x/one", "t_x/two", "t_x/thr", "t_x/four", "t_x/with space", "t_x/colons"])
        self.assertEqual(r["checks"][-1], (False, "t_x/colons", "a: b"))
        self.assertEqual(r["checks"][1], (False, "t_x/two", "got = 1, want 2 (line 9)"))

    def test_parse_unfiltered(self):
        r = qemutest.parse_protocol(LINUX_CONSOLE)
        self.assertIn((True, "t_other/ignored", ""), r["checks"])

    def test_no_end(self):
        r = qemutest.parse_protocol("PASS t_y/a\nKernel panic - not syncing: x\n", "t_y")
        self.assertIsNone(r["end"])
        self.assertEqual(len(r["checks"]), 1)

    def test_magic_comments(self):
        d = tempfile.mkdtemp()
        try:
            with open(os.path.join(d, "t_m.c"), "w") as f:
                f.write("/* QEMUTEST-APPEND: foo=bar bareword */\n// QEMUTEST-TIMEOUT: 7\nint x;\n")
            self.assertEqual(qemutest.source_settings(d, "t_m"), {"append": "foo=bar bareword", "timeout": 7.0})
            self.assertEqual(qemutest.source_settings(d, "none"), {})
            with open(os.path.join(d, "t_f.c"), "w") as f:
                f.write("/* qemutest: append=console=ttyS0 rdinit=/tests/t_f a=b c */\n")
            self.assertEqual(qemutest.source_settings(d, "t_f"),
                             {"full_append": "console=ttyS0 rdinit=/tests/t_f a=b c"})
        finally:
            shutil.rmtree(d)


FAKE_QEMU = textwrap.dedent(r'''
    import sys, time
    app = sys.argv[sys.argv.index("-append") + 1]
    init = [a for a in app.split() if a.startswith("rdinit=")][0].split("/")[-1]
    p = lambda s: (sys.stdout.write(s + "\r\n"), sys.stdout.flush())
    p("fake kernel: " + app)
    if init == "t_ok":
        p("PASS t_ok/a"); p("PASS t_ok/b"); p("TEST-END t_ok 2 0"); sys.exit(0)
    if init == "t_fail":
        p("PASS t_fail/a"); p("FAIL t_fail/b: no"); p("TEST-END t_fail 1 1"); sys.exit(0)
    if init == "t_hang":
        p("PASS t_hang/a"); time.sleep(60)
    if init == "t_panic":
        p("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000b00"); time.sleep(60)
    if init == "t_nooff":
        p("PASS t_nooff/a"); p("TEST-END t_nooff 1 0"); time.sleep(60)
    if init == "t_args":
        ok = "foo=bar bareword" in app
        p(("PASS" if ok else "FAIL") + " t_args/append: " + app); p("TEST-END t_args 1 0"); sys.exit(0)
    if init == "exit3":
        p("exit3: exiting with status 3")
        p("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300"); time.sleep(60)
    if init == "t_misnamed":
        p("PASS misnamed/a"); p("TEST-END misnamed 1 0"); sys.exit(0)
    if init == "hello":
        p("Hello from user space (pid 1)"); sys.exit(0)
    sys.exit(1)
''')


class HarnessWithFakeQemu(unittest.TestCase):
    """Runs qemutest.main() with a Python script standing in for QEMU."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.saved = (qemu.QEMU, qemutest.POWEROFF_GRACE, qemutest.PANIC_GRACE,
                      dict(qemutest.TEST_ARGS))
        fake = os.path.join(self.tmp, "fake_qemu.py")
        with open(fake, "w") as f:
            f.write(FAKE_QEMU)
        qemu.QEMU = [sys.executable, fake]  # boot_argv puts it where qemu-system-riscv64 goes
        qemutest.POWEROFF_GRACE = 0.5
        qemutest.PANIC_GRACE = 0.2
        qemutest.TEST_ARGS["t_args"] = "foo=bar bareword"
        self.testdir = os.path.join(self.tmp, "tests")
        os.mkdir(self.testdir)
        a = mkcpio.Archive()
        for n in ("t_ok", "t_fail", "t_hang", "t_panic", "t_nooff", "t_args", "t_missing",
                  "t_misnamed"):
            p = os.path.join(self.testdir, n)
            with open(p, "w") as f:
                f.write(n)
            os.chmod(p, 0o755)
            if n != "t_missing":
                a.file("tests/" + n, src=p)
        a.file("bin/exit3", data=b"")
        a.file("hello", data=b"")
        self.initrd = os.path.join(self.tmp, "initrd.cpio")
        a.write(self.initrd)
        self.kernel = os.path.join(self.tmp, "Image")
        open(self.kernel, "w").close()

    def tearDown(self):
        qemu.QEMU, qemutest.POWEROFF_GRACE, qemutest.PANIC_GRACE, ta = self.saved
        qemutest.TEST_ARGS.clear()
        qemutest.TEST_ARGS.update(ta)
        shutil.rmtree(self.tmp)

    def run_main(self, *extra):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = qemutest.main(["--kernel", self.kernel, "--kind", "linux", "--initrd", self.initrd,
                                "--testdir", self.testdir, "--srcdir", self.tmp,
                                "--logdir", os.path.join(self.tmp, "logs"), "--timeout", "2",
                                "--jobs", "2"] + list(extra))
        return rc, out.getvalue().splitlines()

    def test_all(self):
        # The boot-protocol expect tests build their own initrds from real programs; the fake
        # QEMU here covers the harness logic with the two original expect tests.
        rc, lines = self.run_main("--only", "t_*,init_exit3_panics,hello_init_poweroff")
        text = "\n".join(lines)
        self.assertEqual(rc, 1)
        # pass: t_ok a b, t_fail a, t_hang a, t_nooff a, t_args append, exit3 ran+panic,
        # hello greets+exit
        # fail: t_fail b, t_hang boot, t_panic boot, t_nooff poweroff, t_missing boot, t_misnamed boot
        self.assertEqual(lines[-1], "10 passed, 6 failed")
        self.assertIn("PASS t_args/append", text)
        self.assertIn("FAIL t_hang/boot: no TEST-END (timeout after 2 s)", text)
        self.assertIn("FAIL t_panic/boot: no TEST-END (kernel panic)", text)
        self.assertIn("    | Kernel panic - not syncing", text)
        self.assertIn("FAIL t_nooff/poweroff", text)
        self.assertIn("FAIL t_missing/boot: tests/t_missing is not in", text)
        self.assertIn("PASS init_exit3_panics/panic", text)
        self.assertIn("but saw TEST-END misnamed", text)
        self.assertIn("PASS hello_init_poweroff/exit", text)
        # results come out in test order, whatever order the boots finish in
        order = [l.split()[1].rstrip(":") for l in lines if l.startswith("== ")]
        self.assertEqual(order, ["t_args", "t_fail", "t_hang", "t_misnamed", "t_missing", "t_nooff", "t_ok",
                                 "t_panic", "init_exit3_panics", "hello_init_poweroff"])
        with open(os.path.join(self.tmp, "logs", "t_ok.log")) as f:
            self.assertIn("TEST-END t_ok 2 0", f.read())

    def test_only_and_quiet(self):
        rc, lines = self.run_main("--only", "t_ok", "-q")
        self.assertEqual(rc, 0)
        self.assertEqual(lines[-1], "2 passed, 0 failed")
        self.assertFalse(any(l.startswith("PASS") for l in lines))

    def test_only_nothing(self):
        rc, lines = self.run_main("--only", "nope")
        self.assertEqual(rc, 1)
        self.assertEqual(lines[-1], "0 passed, 0 failed")


if __name__ == "__main__":
    unittest.main()
