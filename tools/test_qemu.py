"""Host checks of tools/qemu.py: the boot contract's line is exactly README's, and it is written
in one place (every harness gets it from qemu.boot_argv).  No QEMU needed."""
import os
import re
import shlex
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import qemu  # noqa: E402


def readme_contract():
    """The boot contract as README.md states it (the indented line after "The boot contract"),
    as an argv."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    m = re.search(r"The boot contract[^\n]*\n\n((?:    .*\n)+)", text)
    assert m, "README.md has no boot contract block"
    return shlex.split(m.group(1).replace("\\\n", " "))


class BootArgv(unittest.TestCase):
    def test_readme_contract(self):
        want = readme_contract()
        i = want.index("-initrd")
        got = qemu.boot_argv(want[want.index("-kernel") + 1], want[i + 1], "console=ttyS0 rdinit=/init")
        self.assertEqual(got, want)
        self.assertEqual(got, ["qemu-system-riscv64", "-machine", "virt", "-bios", "default", "-nographic",
                               "-m", "512M", "-smp", "1", "-kernel", "build/vmlinux", "-initrd",
                               "ROOTFS.cpio", "-append", "console=ttyS0 rdinit=/init"])

    def test_icount_extra_noappend(self):
        self.assertEqual(qemu.boot_argv("K", "I", "A", icount=True),
                         qemu.base_argv() + ["-icount", "shift=0,sleep=off", "-kernel", "K", "-initrd", "I",
                                             "-append", "A"])
        self.assertEqual(qemu.boot_argv("K", "I", None, extra=("-S", "-gdb", "tcp::1")),
                         qemu.base_argv() + ["-S", "-gdb", "tcp::1", "-kernel", "K", "-initrd", "I"])
        self.assertEqual(qemu.boot_argv("K", "I", "A", mem="1G", smp=2)[5:10],
                         ["-nographic", "-m", "1G", "-smp", "2"])

    def test_bench_line_unchanged(self):
        # bench.py's figures depend on this exact line (docs/bench.md shows it)
        import bench
        self.assertEqual(shlex.join(bench.qemu_cmd("KERNEL", "build/bench.cpio", bench.APPEND)),
                         "qemu-system-riscv64 -machine virt -bios default -nographic -m 512M -smp 1 "
                         "-icount shift=0,sleep=off -kernel KERNEL -initrd build/bench.cpio "
                         "-append 'console=ttyS0 rdinit=/bench/bench norandmaps'")

    def test_print_argv(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "qemu.py"), "--print-argv", "--kernel", "K",
                              "--initrd", "I", "--", "-gdb", "tcp::1234", "-S"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.splitlines(), qemu.boot_argv("K", "I", "console=ttyS0 rdinit=/init",
                                                          extra=["-gdb", "tcp::1234", "-S"]))
        out = subprocess.run([sys.executable, os.path.join(HERE, "qemu.py"), "--print-argv", "--shell",
                              "--kernel", "K", "--no-append"], capture_output=True, text=True, check=True).stdout
        self.assertEqual(shlex.split(out), qemu.boot_argv("K", None, None))

    def test_kernel_kind(self):
        for p, k in (("build/vmlinux", "menuos"), ("build/linux-ref/Image", "linux"),
                     ("build/linux-ref/vmlinux", "linux"), ("/tmp/x/Image", "linux"), ("k.elf", "menuos")):
            self.assertEqual(qemu.kernel_kind(p), k, p)


# The harnesses that boot QEMU (a new one: use qemu.boot_argv and add it here).
HARNESSES = ["tools/qemutest.py", "tools/gdbtest.py", "tools/menutest.py", "tools/busyboxtest.py", "tools/stracetest.py",
             "tools/bench.py", "tools/trace.py", "tools/test_trace.py", "tools/debug.sh", "tools/test.sh",
             "tools/test-linux.sh", "Makefile", "user/rust/check-menu.sh"]


class OnePlace(unittest.TestCase):
    """No harness writes the machine options itself: only tools/qemu.py does."""

    def test_no_other_copies(self):
        files = [os.path.join(ROOT, p) for p in HARNESSES]
        bad = []
        for p in files:
            with open(p, errors="replace") as f:
                for n, line in enumerate(f, 1):
                    code = line.split("#", 1)[0] if p.endswith((".sh", "Makefile")) else line
                    # a Python list element "-machine", or a shell line running the machine options
                    if '"-machine"' in code or "'-machine'" in code or \
                            (not p.endswith(".py") and re.search(r"-machine\s+virt", code)):
                        bad.append("%s:%d: %s" % (os.path.relpath(p, ROOT), n, line.strip()))
        self.assertEqual(bad, [], "the QEMU line belongs in tools/qemu.py (boot_argv)")


class Processes(unittest.TestCase):
    def test_run_and_console(self):
        sh = "/bin/sh"
        b = qemu.run([sh, "-c", "echo hello; echo DONE; sleep 20"], 10,
                     stop_when=lambda out: ("grace", 0.3, "poweroff-timeout") if b"DONE" in out else None)
        self.assertEqual((b.reason, b.grace), ("poweroff-timeout", "poweroff-timeout"))
        self.assertIn(b"hello", b.output)
        b = qemu.run([sh, "-c", "echo x; exit 3"], 10)
        self.assertEqual((b.reason, b.rc), ("exited", 3))
        b = qemu.run([sh, "-c", "sleep 20"], 10, stall=0.3)
        self.assertEqual(b.reason, "stall")
        with qemu.Console([sh, "-c", "printf 'prompt> '; read x; echo \"got $x\"; sleep 20"]) as con:
            self.assertIsNotNone(con.expect("prompt> ", timeout=5))
            con.sendline("abc", eol="\n")
            self.assertEqual(con.expect(r"got (\w+)", timeout=5).group(1), "abc")
            self.assertIsNone(con.expect("never", timeout=0.3))
        self.assertIsNotNone(con.p.poll())  # killed on leaving the block


if __name__ == "__main__":
    unittest.main()
