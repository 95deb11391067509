"""Host checks of tools/stracetest.py's normalization (python3 -m unittest tools/test_stracetest.py):
the stored Linux transcript equals itself, and what the comparison forgives (pids, addresses,
timing, interleaving, the KNOWN_DIFFERENCES) is all it forgives."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stracetest  # noqa: E402

LINUX = open(stracetest.TRANSCRIPT).read()


def renumber(text, old, new):
    """The transcript with pid `old` at the line starts (and in results) replaced by `new`."""
    return text.replace("%d " % old, "%d " % new).replace("= %d\n" % old, "= %d\n" % new) \
        .replace("si_pid=%d" % old, "si_pid=%d" % new).replace("(%d," % old, "(%d," % new)


def ok(linux, menuos):
    return all(r[0] for r in stracetest.compare(linux, menuos))


class Normalize(unittest.TestCase):
    def test_two_processes(self):
        p = stracetest.normalize(LINUX)
        self.assertEqual(sorted(p), ["P1", "P2"])
        self.assertTrue(any(l.startswith("clone(") and l.endswith("= P2") for l in p["P1"]))
        self.assertTrue(any(l.startswith("--- SIGCHLD") for l in p["P1"]))
        self.assertEqual(p["P2"][-2:], ["exit_group(0) = ?", "+++ exited with 0 +++"])

    def test_itself_and_other_pids(self):
        self.assertTrue(ok(LINUX, LINUX))
        pids = sorted({p for p, _ in stracetest.split_processes(LINUX)})
        other = renumber(renumber(LINUX, pids[1], 91), pids[0], 90)
        self.assertTrue(ok(LINUX, other))

    def test_unfinished_joined(self):
        t = ("5 clone(child_stack=NULL, flags=SIGCHLD) = 6\n"
             "5 wait4(-1,  <unfinished ...>\n6 write(1, \"x\", 1) = 1\n"
             "6 exit_group(0) = ?\n5 <... wait4 resumed>NULL, 0, NULL) = 6\n")
        p = stracetest.normalize(t)
        self.assertEqual(p["P1"][1], "wait4(-1, NULL, 0, NULL) = P2")

    def test_signal_stop_anywhere_after(self):
        # the child ran to its exit before the parent's write: the SIGCHLD stop comes first
        lines = LINUX.splitlines()
        sig = next(i for i, l in enumerate(lines) if "--- SIGCHLD" in l)
        write = next(i for i, l in enumerate(lines) if "This is Parent" in l)
        early = lines[:write] + [lines[sig]] + [l for i, l in enumerate(lines[write:], write) if i != sig]
        self.assertTrue(ok(LINUX, "\n".join(early) + "\n"))

    def test_known_differences(self):
        t = ('5 getrandom(0xdef50, 8, GRND_NONBLOCK) = -1 EAGAIN (Resource temporarily unavailable)\n'
             '5 clock_gettime(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=1}) = 0\n'
             '5 clock_gettime(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=2}) = 0\n5 getpid() = 5\n')
        u = '7 getrandom("\\x55\\xca", 8, GRND_NONBLOCK) = 8\n7 getpid() = 7\n'
        self.assertTrue(ok(t, u))

    def test_what_it_does_not_forgive(self):
        # a missing SIGCHLD stop (MenuOS before the tracee kept ignored signals), another
        # errno, an extra syscall, another argument
        no_sigchld = "\n".join(l for l in LINUX.splitlines() if "SIGCHLD {" not in l)
        self.assertFalse(ok(LINUX, no_sigchld))
        self.assertFalse(ok(LINUX, LINUX.replace("= 24\n", "= -1 EIO (Input/output error)\n", 1)))
        self.assertFalse(ok(LINUX, LINUX.replace("exit_group(0)", "exit_group(1)")))
        first = LINUX.split()[0]
        self.assertFalse(ok(LINUX, LINUX + "%s    getppid()  = 1\n" % first))
        self.assertFalse(ok(LINUX, LINUX.replace(", 1024) =", ", 4096) =")))


if __name__ == "__main__":
    unittest.main()
