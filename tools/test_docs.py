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


if __name__ == "__main__":
    unittest.main()
