#!/usr/bin/env python3
"""Renders docs/src/fork.md.in into docs/fork.md (make docs):
    @@L(path|pattern)@@            -> the line number of pattern in path
    @@LINK(path|pattern|label)@@   -> [label](../path#Lnn)
    @@BENCH:name@@                 -> a figure from docs/bench.md
pattern may be 'anchor>>pattern' (the first match of pattern at or after the first match of
anchor).  Reads the files of this tree, so the links follow the code; a pattern that no longer
matches is an error (the document names code that is gone).

    python3 tools/render_fork_doc.py [TEMPLATE [OUT]]
"""
import os, re, sys
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cache = {}
def lines(path):
    if path not in cache:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            cache[path] = f.read().split("\n")
    return cache[path]
missing = []
ALIAS = {"F": "kernel/src/kernel/fork.rs", "P": "kernel/src/arch/riscv/process.rs", "E": "kernel/src/arch/riscv/entry.S",
         "R": "kernel/src/arch/riscv/ptrace.rs", "T": "kernel/src/arch/riscv/traps.rs", "M": "kernel/src/arch/riscv/mod.rs",
         "S": "kernel/src/kernel/sched/core.rs", "W": "kernel/src/kernel/sched/wait.rs", "PID": "kernel/src/kernel/pid.rs",
         "MM": "kernel/src/mm/mmap.rs", "PG": "kernel/src/mm/pgtable.rs", "ME": "kernel/src/mm/memory.rs",
         "X": "kernel/src/kernel/exit.rs", "EX": "kernel/src/fs/exec.rs", "SC": "kernel/src/kernel/syscall.rs", "ST": "kernel/src/arch/riscv/syscall_table.rs",
         "SG": "kernel/src/kernel/signal.rs", "EC": "kernel/src/kernel/entry/common.rs", "TK": "kernel/src/kernel/task.rs", "CC": "crates/clonecheck/src/lib.rs",
         "IN": "kernel/src/init/mod.rs", "GPY": "tools/gdb/menuos.py", "GDB": "tools/gdb/menuos.gdb", "GT": "tools/gdbtest.py",
         "DS": "tools/debug.sh", "MK": "Makefile", "MENU": "user/rust/menu/src/main.rs", "RAW": "user/rust/menu/src/raw.rs"}
def expand(p):
    return ALIAS.get(p, p)
def find(path, pat):
    ls = lines(path)
    start = 0
    if ">>" in pat:
        anchor, pat = pat.split(">>", 1)
        for i, l in enumerate(ls):
            if anchor in l:
                start = i; break
        else:
            missing.append((path, anchor)); return 0
    for i in range(start, len(ls)):
        if pat in ls[i]:
            return i + 1
    missing.append((path, pat)); return 0
def link(m):
    path, pat, label = m.group(1).split("|", 2)
    path = expand(path)
    n = find(path, pat)
    label = label or "%s:%d" % (path.split("/")[-1], n)
    label = label.replace("{n}", str(n))
    return "[%s](../%s#L%d)" % (label, path, n)
def line(m):
    path, pat = m.group(1).split("|", 1)
    return str(find(expand(path), pat))
TEMPLATE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "src", "fork.md.in")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "fork.md")
src = open(TEMPLATE, encoding="utf-8").read()
bench = lines("docs/bench.md")
def row(label):
    for l in bench:
        cells = [c.strip() for c in l.strip().strip("|").split("|")]
        if cells and cells[0] == label:
            return cells
    missing.append(("docs/bench.md", label)); return ["", "0", "0", "", ""]
def num(x): return int(x.replace(",", ""))
B = {}
labels = {"fork_exit_wait": "fork + exit + wait", "fork_1m": "fork + exit + wait, parent has 1 MiB touched",
          "fork_16m": "fork + exit + wait, parent has 16 MiB touched", "fork_64m": "fork + exit + wait, parent has 64 MiB touched",
          "fork_256m": "fork + exit + wait, parent has 256 MiB touched", "vfork": "vfork + exit + wait", "pthread": "pthread_create + join"}
R = {k: row(v) for k, v in labels.items()}
for k in ("fork_exit_wait", "fork_1m", "fork_16m", "fork_64m", "fork_256m"):
    B[k] = "%s | %s" % (R[k][1], R[k][2])
B["vfork"] = "%s 条指令（Linux %s）" % (R["vfork"][1], R["vfork"][2])
B["vfork_en"] = "%s instructions (Linux %s)" % (R["vfork"][1], R["vfork"][2])
B["pthread"] = "%s 条指令（Linux %s）" % (R["pthread"][1], R["pthread"][2])
B["pthread_en"] = "%s instructions (Linux %s)" % (R["pthread"][1], R["pthread"][2])
m16, m256 = num(R["fork_16m"][1]), num(R["fork_256m"][1])
l16, l256 = num(R["fork_16m"][2]), num(R["fork_256m"][2])
mm = (m256 - m16) / 240.0; lm = (l256 - l16) / 240.0
r = lambda v, q: "{:,}".format(int(round(v / q) * q))
B["slope"] = "MenuOS 每多 1 MiB 约 %s 条指令（每个 2 MiB 区域约 %s 条，折合每页约 %d 条），Linux 每多 1 MiB 约 %s 条（每页约 %d 条）" % (r(mm, 10), r(2 * mm, 10), round(mm / 256), r(lm, 100), round(lm / 256))
B["slope_en"] = "MenuOS about %s instructions per extra MiB (about %s per 2 MiB region, some %d per page), Linux about %s per MiB (about %d per page)" % (r(mm, 10), r(2 * mm, 10), round(mm / 256), r(lm, 100), round(lm / 256))
bc = "?"
for l in bench:
    if "tree at commit" in l:
        bc = l.split("tree at commit")[1].split(",")[0].strip()
B["commit"] = bc
src = re.sub(r"@@BENCH:(\w+)@@", lambda m: B[m.group(1)], src)
src = re.sub(r"@@LINK\((.*?)\)@@", link, src)
src = re.sub(r"@@L\((.*?)\)@@", line, src)
if missing:
    for p in missing: print("MISSING", p, file=sys.stderr)
    sys.exit(1)
with open(OUT, "w", encoding="utf-8") as f:
    f.write(src)
print("render_fork_doc: %s, %d lines" % (os.path.relpath(OUT, ROOT), len(src.split("\n"))))
