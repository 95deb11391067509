"""Host-side checks of tools/suitetest.py's parsers and judging, no QEMU needed.

    python3 -m unittest tools/test_suitetest.py        (well under a second)
"""
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suitetest  # noqa: E402

# What kselftest's runner prints (kselftest/runner.sh), a harness test's nested TAP prefixed "# ",
# a kernel message cutting in, and a test that never finished (the boot ended).
KSFT_CONSOLE = textwrap.dedent("""\
    [    0.512000] Run /init as init process
    SUITE-BEGIN kselftest pidfd
    TAP version 13
    1..6
    # selftests: pidfd: pidfd_test
    # TAP version 13
    # 1..2
    # ok 1 global.a
    # not ok 2 global.b
    ok 1 selftests: pidfd: pidfd_test
    # selftests: pidfd: pidfd_open_test
    # Bail out! no pidfd_open
    not ok 2 selftests: pidfd: pidfd_open_test # exit=1
    # selftests: pidfd: pidfd_poll_test
    ok 3 selftests: pidfd: pidfd_poll_test # SKIP
    # selftests: pidfd: pidfd_wait
    #
    not ok 4 selftests: pidfd: pidfd_wait # TIMEOUT 45 seconds
    # selftests: pidfd: pidfd_getfd_test
    \x1b[0mok 5 selftests: pidfd: pidfd_getfd_test\r
    # selftests: pidfd: pidfd_setns_test
    # ok 1 current_nsset.setns
    """)


class ParseKselftest(unittest.TestCase):
    def test_results_and_running(self):
        res, running = suitetest.parse_kselftest(KSFT_CONSOLE)
        got = [(r[0], r[1], r[2]) for r in res]
        self.assertEqual(got, [
            ("pidfd:pidfd_test", "pass", ""),
            ("pidfd:pidfd_open_test", "fail", "exit=1"),
            ("pidfd:pidfd_poll_test", "skip", "SKIP"),
            ("pidfd:pidfd_wait", "fail", "TIMEOUT 45 seconds"),
            ("pidfd:pidfd_getfd_test", "pass", ""),
        ])
        # the nested "# ok 1 current_nsset.setns" is output, not a result: setns_test still runs
        self.assertEqual(running, "pidfd:pidfd_setns_test")

    def test_output_kept_per_test(self):
        res, _ = suitetest.parse_kselftest(KSFT_CONSOLE)
        out = {r[0]: r[3] for r in res}
        self.assertIn("# Bail out! no pidfd_open", out["pidfd:pidfd_open_test"])
        self.assertIn("# not ok 2 global.b", out["pidfd:pidfd_test"])
        self.assertNotIn("# Bail out! no pidfd_open", out["pidfd:pidfd_test"])

    def test_nested_collection_and_printk(self):
        text = ("# selftests: futex/functional: futex_wait\n"
                "not ok 1 selftests: futex/functional: futex_wait # exit=1[   12.345678] random: crng init done\n")
        res, running = suitetest.parse_kselftest(text)
        self.assertEqual([(r[0], r[1], r[2]) for r in res], [("futex/functional:futex_wait", "fail", "exit=1")])
        self.assertIsNone(running)

    def test_times(self):
        text = "# selftests: a: t\nsome\nok 1 selftests: a: t\n"
        res, _ = suitetest.parse_kselftest(text, times=[1.0, 2.0, 4.5, 5.0])
        self.assertAlmostEqual(res[0][4], 3.5)

    def test_nothing(self):
        self.assertEqual(suitetest.parse_kselftest("Kernel panic - not syncing: boom\n"), ([], None))


BB_CONSOLE = textwrap.dedent("""\
    SUITE-BEGIN busybox part1
    BBTS-APPLET cat
    PASS: cat-prints-a-file
    FAIL: cat -n   with  spaces
    + busybox cat -n
    cat: read error
    BBTS-APPLET-END cat 1
    BBTS-APPLET sed
    ======================
    echo -ne '' | sed n
    PASS: sed n
    PASS: sed n
    SKIPPED: sed -z
    UNTESTED: sed-old
    BBTS-APPLET-END sed 0
    BBTS-APPLET wget
    SKIPPED: wget (not built)
    BBTS-APPLET-END wget 0
    PASS: stray line outside an applet
    BBTS-APPLET tar
    PASS: tar one
    """)


class ParseBusybox(unittest.TestCase):
    def test_results(self):
        res, running, finished = suitetest.parse_busybox(BB_CONSOLE)
        self.assertEqual([(r[0], r[1]) for r in res], [
            ("cat/cat-prints-a-file", "pass"),
            ("cat/cat -n with spaces", "fail"),
            ("sed/sed n", "pass"),
            ("sed/sed n #2", "pass"),
            ("sed/sed -z", "skip"),
            ("sed/sed-old", "skip"),
            ("wget/wget", "skip"),
            ("tar/tar one", "pass"),
        ])
        self.assertEqual(running, "tar")
        self.assertEqual(finished, {"cat": 1, "sed": 0, "wget": 0})

    def test_failure_details_follow_the_fail_line(self):
        res, _, _ = suitetest.parse_busybox(BB_CONSOLE)
        out = {r[0]: r[3] for r in res}
        self.assertEqual(out["cat/cat -n with spaces"], ["+ busybox cat -n", "cat: read error"])
        self.assertEqual(out["sed/sed n"], ["======================", "echo -ne '' | sed n"])
        self.assertEqual(out["cat/cat-prints-a-file"], [])

    def test_no_pass_is_counted_from_a_skip(self):
        res, _, _ = suitetest.parse_busybox(BB_CONSOLE)
        self.assertFalse(any(r[1] == "pass" for r in res if "skip" in r[0] or "-z" in r[0]))


class Judge(unittest.TestCase):
    def test_linux(self):
        results = {"a": ("pass", ""), "b": ("fail", "exit=1"), "c": ("pass", ""), "d": ("fail", "x")}
        lines, np_, nf = suitetest.judge("linux", "k", results, ["a", "b", "e"], set())
        self.assertEqual((np_, nf), (2, 2))   # a, c (new) pass; b failed, e not run
        self.assertIn("PASS k/a", lines)
        self.assertTrue(any(l.startswith("FAIL k/b: failed: exit=1") for l in lines))
        self.assertTrue(any(l.startswith("FAIL k/e: not run") for l in lines))
        self.assertTrue(any(l.startswith("NEW k/c:") for l in lines))
        self.assertFalse(any("k/d" in l for l in lines))  # fails on Linux, not expected: not judged

    def test_menuos(self):
        results = {"a": ("pass", ""), "b": ("fail", "exit=1"), "c": ("skip", "SKIP"),
                   "x1": ("fail", ""), "x2": ("pass", ""), "z": ("pass", "")}
        xfail = {"k/x1", "k/x2", "k/x3", "k/z", "other/b"}
        lines, np_, nf = suitetest.judge("menuos", "k", results, ["a", "b", "c", "x1", "x2", "x3"], xfail)
        self.assertIn("PASS k/a", lines)
        self.assertTrue(any(l.startswith("FAIL k/b: failed") for l in lines))
        self.assertTrue(any(l.startswith("FAIL k/c: skipped") for l in lines))   # a skip is no pass
        self.assertIn("XFAIL k/x1 (known gap)", lines)
        self.assertIn("XFAIL k/x3 (known gap)", lines)                          # not run: still a gap
        self.assertIn("XPASS k/x2: remove it from menuos-xfail.txt", lines)
        self.assertTrue(any(l.startswith("FAIL k/z: in menuos-xfail.txt but not in") for l in lines))
        # passed: a; failed: b, c, XPASS x2, stale z; XFAILs count neither way
        self.assertEqual((np_, nf), (1, 4))

    def test_menuos_does_not_count_unexpected(self):
        lines, np_, nf = suitetest.judge("menuos", "k", {"n": ("pass", ""), "m": ("fail", "")}, [], set())
        self.assertEqual((lines, np_, nf), ([], 0, 0))


class Lists(unittest.TestCase):
    def test_read_list(self):
        with tempfile.NamedTemporaryFile("w", suffix=".pass", delete=False) as f:
            f.write("# comment\n\npidfd:pidfd_test\nsed/sed  n \n  # indented comment\n")
        try:
            self.assertEqual(suitetest.read_list(f.name), ["pidfd:pidfd_test", "sed/sed n"])
        finally:
            os.unlink(f.name)
        self.assertEqual(suitetest.read_list("/nonexistent/x.pass"), [])


class LineTimes(unittest.TestCase):
    def test_line_times(self):
        b = suitetest.Boot()
        b.output = b"ab\ncd\nef"
        b.stamps = [(4, 1.0), (8, 2.0)]   # "ab\nc" by 1 s, the rest by 2 s
        b.seconds = 3.0
        self.assertEqual(b.line_times(), [1.0, 2.0, 2.0])


class Guest(unittest.TestCase):
    def test_kselftest_init_overrides(self):
        k = suitetest.Kselftest()
        k.listing = [("timers", "nanosleep"), ("timers", "raw_skew"), ("core", "close_range_test")]
        spec = suitetest.BootSpec("kselftest", "timers", ["timers"], 100, 100)
        # the archive needs the build; only the script text is checked here
        script = suitetest.INIT_HEAD
        self.assertIn("/dev/stdout", script)
        self.assertIn("./run_kselftest.sh -c timers", self._init(k, spec))

    def _init(self, k, spec):
        captured = {}

        class A:
            def file(self, path, data=None, src=None, mode=0o644):
                if path == "init":
                    captured["init"] = data

            def __getattr__(self, name):
                return lambda *a, **kw: None

        orig_base, orig_tree = suitetest.base_archive, suitetest.add_tree
        suitetest.base_archive = lambda: A()
        suitetest.add_tree = lambda *a, **kw: None
        try:
            k.archive(spec, {"timers:nanosleep", "timers:raw_skew"})
        finally:
            suitetest.base_archive, suitetest.add_tree = orig_base, orig_tree
        s = captured["init"]
        self.assertIn("echo timeout=%d >>/kselftest/timers/settings" % suitetest.KSFT_TIMEOUTS["timers"], s)
        self.assertIn("export KSELFTEST_INCONSISTENCY_CHECK_ARGS='-t 3'", s)
        self.assertTrue(s.rstrip().endswith('echo "poweroff -f returned $?"'))
        return s


if __name__ == "__main__":
    unittest.main()
