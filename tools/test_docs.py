#!/usr/bin/env python3
"""docs/fork.md is generated from docs/src/fork.md.in against the code (tools/render_fork_doc.py):
every source link must still name code that exists, and the committed document must be what
the template renders to now (run `make docs` after moving code it links to)."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ForkDocUpToDate(unittest.TestCase):
    def test_fork_md_matches_code(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "fork.md")
            r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "render_fork_doc.py"),
                                os.path.join(ROOT, "docs", "src", "fork.md.in"), out],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, "a link names code that is gone:\n" + r.stderr)
            with open(out, encoding="utf-8") as f:
                want = f.read()
        with open(os.path.join(ROOT, "docs", "fork.md"), encoding="utf-8") as f:
            have = f.read()
        self.assertTrue(have == want, "docs/fork.md is out of date with the code: run `make docs`")


def table_rows(text, prefix):
    """The markdown table rows (lines starting with '|') of text, after stripping prefix."""
    rows = []
    for line in text.split("\n"):
        if line.startswith(prefix + "|"):
            rows.append(line[len(prefix):].strip())
    return rows


class LockOrderDocumented(unittest.TestCase):
    """docs/kernel.md's lock-order table is kernel/src/kernel/locking/mod.rs's, row for row, and
    every class declared in the lock_classes! invocation has a row with its rank."""

    def test_kernel_md_has_the_lock_order(self):
        with open(os.path.join(ROOT, "kernel", "src", "kernel", "locking", "mod.rs"), encoding="utf-8") as f:
            src = f.read()
        with open(os.path.join(ROOT, "docs", "kernel.md"), encoding="utf-8") as f:
            doc = f.read()
        want = table_rows(src, "//! ")
        self.assertGreater(len(want), 10, "no lock table in locking/mod.rs")
        self.assertEqual([r for r in want if r not in table_rows(doc, "")], [],
                         "docs/kernel.md's lock order differs from kernel/locking/mod.rs: copy the table")
        import re
        declared = re.findall(r"^\s+(\w+) = (\d+), \"", src, re.M)
        self.assertGreater(len(declared), 10)
        for name, rank in declared:
            self.assertTrue(any(re.match(r"\|\s*%s\s*\|\s*%s\s*\|" % (rank, name), r) for r in want),
                            "class %s (rank %s) has no row in locking/mod.rs's table" % (name, rank))


if __name__ == "__main__":
    unittest.main()
