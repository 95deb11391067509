#!/usr/bin/env python3
"""bench.py - process-creation cost on MenuOS beside the reference Linux, in guest instructions.

    python3 tools/bench.py [--no-build] [--kernels menuos,linux] [--timeout 600] [--stall 120]
                           [--menuos build/vmlinux] [--linux build/linux-ref/Image]
                           [--json build/bench/results.json] [--doc docs/bench.md | --no-doc]

Builds build/bench.cpio (tools/build-bench.sh: /bench/bench, /bin/true, /bin/true-tiny,
/bin/true-dyn with /lib's ld.so and libc.so.6,
/dev/console), makes sure the reference Linux exists (tools/linux-ref.sh, a no-op when cached),
then boots each kernel with

    qemu-system-riscv64 -machine virt -bios default -nographic -m 512M -smp 1 \
        -icount shift=0,sleep=off -kernel K -initrd build/bench.cpio \
        -append "console=ttyS0 rdinit=/bench/bench norandmaps"

(the same line for both; under -icount shift=0 guest time is the instruction count, so the
figures are deterministic).  /bench/bench (user/bench/bench.c) prints "BENCH <name> <ns>" per
figure and "BENCH-INFO <key> <value>" boot facts, then powers off.

Every boot is timed out (--timeout in total, --stall without console output).  When a boot
ends without BENCH-DONE (kernel panic, hang, QEMU exit), the benchmark that was running is
recorded as "unsupported (<why>)" with the last console lines, and the kernel is booted again
with "benchskip=<names>" appended so that the remaining benchmarks still run.

Prints a table MenuOS | Linux | ratio and writes build/bench/results.json and docs/bench.md.
Console logs: build/bench/logs/<kernel>-<n>.log.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (the boot contract's line: qemu.boot_argv, qemu.run)

APPEND = "console=ttyS0 rdinit=/bench/bench norandmaps"
BENCH_CPIO = os.path.join(ROOT, "build", "bench.cpio")

# name, label, Linux 6.1 (Sv39) figure of /work/shared/linux-reference.md (None: not given there)
FIGURES = [
    ("fork_exit_wait", "fork + exit + wait", 109700),
    ("vfork_exit_wait", "vfork + exit + wait", 30600),
    ("fork_exec_tiny_wait", "fork + execve (728-byte static true) + wait", 187400),
    ("fork_exec_glibc_wait", "fork + execve (static glibc true) + wait", 333750),
    ("posix_spawn_wait", "posix_spawn (728-byte true) + wait", 192900),
    ("posix_spawn_glibc_wait", "posix_spawn (static glibc true) + wait", None),
    ("fork_exec_dyn_wait", "fork + execve (dynamically linked true) + wait", None),
    ("posix_spawn_dyn_wait", "posix_spawn (dynamically linked true) + wait", None),
    ("pthread_create_join", "pthread_create + join", 30200),
    ("fork_exit_wait_1m", "fork + exit + wait, parent has 1 MiB touched", 209500),
    ("fork_exit_wait_16m", "fork + exit + wait, parent has 16 MiB touched", 1279900),
    ("fork_exit_wait_64m", "fork + exit + wait, parent has 64 MiB touched", 4694450),
    ("fork_exit_wait_256m", "fork + exit + wait, parent has 256 MiB touched", 18307900),
]
NAMES = [f[0] for f in FIGURES]

BENCH_RE = re.compile(r"^BENCH (\S+) (.*)$")
START_RE = re.compile(r"^BENCH-START (\S+)")
INFO_RE = re.compile(r"^BENCH-INFO (\S+) (.*)$")
DETAIL_RE = re.compile(r"^BENCH-DETAIL (\S+) (.*)$")
PANIC_RE = qemu.PANIC_RE
clean = qemu.clean_line
shq = qemu.shq


def qemu_cmd(kernel, initrd, append):
    """The boot contract's line under -icount shift=0,sleep=off."""
    return qemu.boot_argv(kernel, initrd, append, icount=True)


def boot(cmd, timeout, stall, log_path):
    """Runs QEMU until it exits, BENCH-DONE + grace, a panic + grace, `timeout` seconds in all
    or `stall` seconds without output (qemu.run).  Returns (output bytes, reason)."""

    def stop(out):
        if b"\nBENCH-DONE" in out:
            return ("grace", 15, "done")  # power-off grace
        if PANIC_RE.search(out):
            return ("grace", 2, "kernel panic")
        return None

    b = qemu.run(cmd, timeout, stop_when=stop, stall=stall)
    if b.reason == "exited":
        reason = b.grace or "QEMU exited"
    elif b.reason == "timeout":
        reason = "timeout after %d s" % timeout
    elif b.reason == "stall":
        reason = "hang: no console output for %d s" % stall
    else:
        reason = b.reason  # a grace period ran out: done / kernel panic
    qemu.write_log(log_path, cmd, b.output, "end: %s after %.1f s" % (reason, b.seconds))
    return b.output, reason, b.seconds


def parse_value(v):
    v = v.strip()
    try:
        return float(v) if "." in v else int(v)
    except ValueError:
        return v  # "unsupported (...)"


def run_kernel(kind, kernel, initrd, timeout, stall, logdir, extra=""):
    """Boots `kernel` until every benchmark has a result.  Returns a dict."""
    res = {"kernel": os.path.relpath(kernel, ROOT), "figures": {}, "info": {}, "detail": {},
           "boots": [], "powered_off": None}
    skip = []
    for attempt in range(1, len(NAMES) + 2):
        append = APPEND + extra + (" benchskip=" + ",".join(skip) if skip else "")
        cmd = qemu_cmd(kernel, initrd, append)
        log = os.path.join(logdir, "%s-%d.log" % (kind, attempt))
        print("bench: booting %s (%s)%s" % (kind, os.path.relpath(kernel, ROOT),
                                            " skipping " + ",".join(skip) if skip else ""),
              flush=True)
        out, reason, secs = boot(cmd, timeout, stall, log)
        res["boots"].append({"append": append, "end": reason, "seconds": round(secs, 1),
                             "log": os.path.relpath(log, ROOT)})
        lines = [clean(l) for l in out.splitlines()]
        running, done = None, False
        for l in lines:
            # a result can share its line with a kernel message that cut in: search, not match
            m = START_RE.search(l)
            if m:
                running = m.group(1)
                continue
            m = INFO_RE.search(l)
            if m:
                res["info"].setdefault(m.group(1), parse_value(m.group(2)))
                continue
            m = DETAIL_RE.search(l)
            if m:
                res["detail"].setdefault(m.group(1), []).append(m.group(2))
                continue
            m = BENCH_RE.search(l)
            if m and m.group(1) in NAMES:
                name, val = m.group(1), parse_value(m.group(2))
                # the first boot's figure stands (later boots run with benchskip=, so a longer
                # environment; a skipped one keeps the reason it was skipped for)
                res["figures"].setdefault(name, val)
                if name == running:
                    running = None
                continue
            if l.startswith("BENCH-DONE"):
                done = True
        if done:
            res["powered_off"] = reason == "done"
            if reason != "done":
                res["poweroff_note"] = "no power-off after BENCH-DONE (%s)" % reason
            break
        # the boot ended early: blame the benchmark that was running
        tail = [l for l in lines if l.strip()][-12:]
        if running is None:
            # nothing was running: the boot failed before (or between) benchmarks
            missing = [n for n in NAMES if n not in res["figures"]]
            why = "boot ended before any result (%s)" % reason
            for n in missing:
                res["figures"][n] = "unsupported (%s)" % why
            res["failure_tail"] = tail
            break
        why = reason
        for l in lines:
            if PANIC_RE.search(l.encode()):
                why = "kernel panic: " + l.strip()[:160]
                break
        res["figures"][running] = "unsupported (%s during this benchmark; log %s)" % (
            why, os.path.relpath(log, ROOT))
        res.setdefault("crash_tails", {})[running] = tail
        skip.append(running)
        if all(n in res["figures"] for n in NAMES):
            break
    return res


def elf_sizes(path):
    """(text, data, bss, loadable-bytes) of an ELF: riscv64-linux-gnu-size, PT_LOAD memsz sum."""
    r = {}
    try:
        out = subprocess.run(["riscv64-linux-gnu-size", path], capture_output=True, text=True,
                             check=True).stdout.splitlines()
        t, d, b = out[1].split()[:3]
        r.update(text=int(t), data=int(d), bss=int(b))
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        pass
    try:
        out = subprocess.run(["riscv64-linux-gnu-readelf", "-lW", path], capture_output=True,
                             text=True, check=True).stdout
        filesz = memsz = 0
        for l in out.splitlines():
            f = l.split()
            if f and f[0] == "LOAD":
                filesz += int(f[4], 16)
                memsz += int(f[5], 16)
        r.update(load_filesz=filesz, load_memsz=memsz)
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        pass
    try:
        r["file_bytes"] = os.path.getsize(path)
    except OSError:
        pass
    return r


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, (int, float)):
        return "{:,.0f}".format(v) if float(v).is_integer() else "{:,.1f}".format(v)
    return str(v)


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return a / b
    return None


def mib(v):
    return "%.1f MiB" % (v / 1048576.0) if isinstance(v, (int, float)) else fmt(v)


def ms(v):
    return "%.2f ms (%s)" % (v / 1e6, fmt(v)) if isinstance(v, (int, float)) else fmt(v)


def build_rows(results):
    m = results.get("menuos", {})
    l = results.get("linux", {})
    rows = []
    for name, label, ref in FIGURES:
        a = m.get("figures", {}).get(name)
        b = l.get("figures", {}).get(name)
        rows.append((label, a, b, ratio(a, b), ref, ratio(b, ref)))
    return rows


def extra_rows(results):
    m = results.get("menuos", {})
    l = results.get("linux", {})
    mi, li = m.get("info", {}), l.get("info", {})
    rows = [
        ("boot to /init: time CSR (since machine reset, includes OpenSBI), ns",
         mi.get("time_csr_at_init_ns"), li.get("time_csr_at_init_ns")),
        ("boot to /init: CLOCK_MONOTONIC at /init's start, ns",
         mi.get("init_monotonic_ns"), li.get("init_monotonic_ns")),
        ("boot to /init: CLOCK_BOOTTIME at /init's start, ns",
         mi.get("init_boottime_ns"), li.get("init_boottime_ns")),
        ("free memory after boot (sysinfo freeram), bytes",
         mi.get("sysinfo_freeram_bytes"), li.get("sysinfo_freeram_bytes")),
        ("total memory (sysinfo totalram), bytes",
         mi.get("sysinfo_totalram_bytes"), li.get("sysinfo_totalram_bytes")),
    ]
    ms_, ls_ = results.get("image", {}).get("menuos", {}), results.get("image", {}).get("linux", {})
    rows += [
        ("kernel image: loadable segments (PT_LOAD memsz), bytes", ms_.get("load_memsz"),
         ls_.get("load_memsz")),
        ("kernel image: text + data (riscv64-linux-gnu-size)",
         (ms_["text"] + ms_["data"]) if "text" in ms_ else None,
         (ls_["text"] + ls_["data"]) if "text" in ls_ else None),
        ("kernel image: bss", ms_.get("bss"), ls_.get("bss")),
    ]
    return rows


def print_table(results):
    rows = build_rows(results)
    w = max(len(r[0]) for r in rows + extra_rows(results))
    print()
    print("%-*s  %14s  %14s  %7s  %12s" % (w, "guest instructions (median)", "MenuOS", "Linux",
                                           "ratio", "Linux (ref)"))
    for label, a, b, r, ref, _ in rows:
        print("%-*s  %14s  %14s  %7s  %12s" % (w, label, fmt(a) if not isinstance(a, str) else "",
                                               fmt(b) if not isinstance(b, str) else "",
                                               "%.2f" % r if r is not None else "-", fmt(ref)))
        for who, v in (("MenuOS", a), ("Linux", b)):
            if isinstance(v, str):
                print("    %s: %s" % (who, v))
    print()
    for label, a, b in extra_rows(results):
        r = ratio(a, b)
        print("%-*s  %14s  %14s  %7s" % (w, label, fmt(a), fmt(b), "%.2f" % r if r is not None else "-"))
    print()


def write_doc(results, path):
    rows = build_rows(results)
    d = results["date"]
    out = []
    out.append("# Benchmarks: process creation on MenuOS and on Linux 6.1\n")
    out.append("Generated by `python3 tools/bench.py` (`make bench`) on %s; do not edit by hand "
               "(the notes at the end are part of tools/bench.py).\n" % d)
    out.append("Both kernels boot the same initramfs (build/bench.cpio: /bench/bench, "
               "/bin/true, /bin/true-tiny, /bin/true-dyn with ld.so and libc.so.6 in /lib, "
               "/dev/console) with the same command line:\n")
    out.append("    " + " ".join(shq(c) for c in qemu_cmd("KERNEL", "build/bench.cpio", APPEND)) + "\n")
    out.append("KERNEL is %s (MenuOS, tree at commit %s, %s) and %s (Linux 6.1, Sv39, "
               "tools/linux-ref.sh).  Under `-icount shift=0,sleep=off` guest time is the guest "
               "instruction count (1 ns = 1 instruction, 100-instruction granularity), so every "
               "figure is deterministic.  Each figure is the median over N rounds after a warm-up, "
               "timed with clock_gettime(CLOCK_MONOTONIC) in a static glibc program "
               "(user/bench/bench.c) that runs each benchmark in its own freshly exec'd process. "
               "Ratio = MenuOS / Linux (MenuOS aims at 0.5 or less).\n"
               % (results.get("menuos", {}).get("kernel", "build/vmlinux"), results.get("commit", "?"),
                  results.get("menuos_id", "?"),
                  results.get("linux", {}).get("kernel", "build/linux-ref/Image")))
    out.append("| guest instructions (median) | MenuOS | Linux | ratio | Linux in linux-reference.md |")
    out.append("|---|---:|---:|---:|---:|")
    notes = []
    for label, a, b, r, ref, _ in rows:
        cells = []
        for who, v in (("MenuOS", a), ("Linux", b)):
            if isinstance(v, str):
                notes.append("- %s, %s: %s" % (label, who, v))
                cells.append("unsupported")
            else:
                cells.append(fmt(v))
        out.append("| %s | %s | %s | %s | %s |" % (label, cells[0], cells[1],
                                                   "%.2f" % r if r is not None else "-", fmt(ref)))
    out.append("")
    if notes:
        out.append("Unsupported:\n")
        out.extend(notes)
        out.append("")
    out.append("| boot and size | MenuOS | Linux | ratio |")
    out.append("|---|---:|---:|---:|")
    for label, a, b in extra_rows(results):
        r = ratio(a, b)
        if "ns" in label.split(",")[-1]:
            va, vb = ms(a), ms(b)
        elif "memory" in label:
            va, vb = "%s (%s)" % (mib(a), fmt(a)), "%s (%s)" % (mib(b), fmt(b))
        else:
            va, vb = fmt(a), fmt(b)
        out.append("| %s | %s | %s | %s |" % (label, va, vb, "%.2f" % r if r is not None else "-"))
    out.append("")
    out.append(DOC_NOTES)
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)


DOC_NOTES = """## How to read these figures

- One round of `fork + exit + wait` is fork(), the child's _exit(0), the parent's waitpid(); vfork
  the same with vfork(); `fork + execve` has the child execve /bin/true-tiny (user/bench/true-tiny.c:
  no libc, `_start` does exit(0) with ecall; 728 bytes), /bin/true (static glibc) or /bin/true-dyn
  (the same source linked dynamically: ld.so maps and relocates libc.so.6 first); posix_spawn
  spawns the same programs; pthread_create + join starts a thread that returns at once.  The
  memory lines first touch (one store per page) a private anonymous mapping of 1/16/64/256 MiB in
  the parent, then time fork + exit + wait (fewer rounds for the big ones: 200/50/20/10).
- The "Linux in linux-reference.md" column is the figure given in /work/shared/linux-reference.md
  for the same Linux; the "Linux" column is this program on that kernel.
- Boot to /init: `time CSR` is the RISC-V time counter (10 MHz, from machine reset, so it includes
  OpenSBI and the kernel's own start) as /init starts; CLOCK_MONOTONIC and CLOCK_BOOTTIME are each
  kernel's own clocks (Linux's start at its timer initialisation, not at reset).
- Free memory is sysinfo(2)'s freeram right after boot (/proc/meminfo is used too when it exists).
- Kernel image size: the sum of the PT_LOAD segments' sizes in memory of build/vmlinux (and of the
  reference Linux's vmlinux), and riscv64-linux-gnu-size's text + data and bss.
- Raw results: build/bench/results.json (with BENCH-DETAIL: min/max/mean and page faults per
  round from getrusage); console logs: build/bench/logs/.

## This Linux beside the figures of linux-reference.md

Checked on 2026-12-01 with this benchmark binary: every line is within 4% of linux-reference.md's
figure except the 1 MiB and 16 MiB lines (-11% and -2%), for these reasons:

- Fork figures move by whole page faults when the benchmark binary's code moves.  Linux does not
  copy the page-table entries of file-backed text at fork: the child faults in the code it runs
  (glibc's fork child path, _exit), 64 KiB (fault_around_bytes) per fault, so a build of bench.c in
  which glibc's fork code straddles a 64 KiB boundary costs one fault (about 9,000 instructions)
  more on every fork line.  bench.c therefore ends with a 64 KiB-aligned function, so that glibc's
  code sits at the same addresses whatever bench.c's size (before that, two builds of bench.c that
  differed only in unrelated code gave 108,300 and 117,400 for fork + exit + wait).  The pages the
  parent and the child write between fork and waitpid are copied on write and counted too.
- linux-reference.md's memory lines were evidently measured in one process after the other
  benchmarks: once a thread has been created, glibc's fork takes and releases its malloc and stdio
  locks, so the parent writes about 4 more pages per round (getrusage minflt 2 -> 6), about 27,000
  instructions whatever the memory size.  `python3 tools/bench.py --inproc` (every benchmark in
  PID 1, one after the other) reproduces it: 218,000 / 1,288,400 / 4,702,550 / 18,313,400 against
  209,500 / 1,279,900 / 4,694,450 / 18,307,900.  Here each benchmark runs in its own fresh process.
- An assembler-only true-tiny has no PT_GNU_STACK; user/bench/true-tiny.c (728 bytes, like the
  reference's) has one.
- Boot to /init depends mostly on the initramfs (the kernel copies or unpacks it): this Linux
  reaches /init at 0.057 s of CLOCK_MONOTONIC (0.104 s since reset) with the 1.1 MB bench.cpio,
  0.086 s with the 18 MB test initramfs and 0.42 s with that one gzipped; linux-reference.md's
  "about 0.23 s" is not this measurement.  Compare the two kernels with the same cpio, as here.
"""


def kernel_id(path):
    """mtime and sha256 prefix of a kernel file: build/vmlinux may come from an uncommitted tree."""
    import hashlib
    try:
        with open(path, "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()[:12]
        t = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
        return "built %s, sha256 %s" % (t.strftime("%Y-%m-%d %H:%M UTC"), h)
    except OSError:
        return "missing"


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description="MenuOS beside Linux: process-creation benchmarks.")
    ap.add_argument("--menuos", default=os.path.join(ROOT, "build", "vmlinux"))
    ap.add_argument("--linux", default=os.path.join(ROOT, "build", "linux-ref", "Image"))
    ap.add_argument("--kernels", default="menuos,linux")
    ap.add_argument("--initrd", default=BENCH_CPIO)
    ap.add_argument("--timeout", type=float, default=600, help="seconds per boot in all")
    ap.add_argument("--stall", type=float, default=120, help="seconds without console output")
    ap.add_argument("--no-build", action="store_true", help="do not run tools/build-bench.sh")
    ap.add_argument("--json", default=os.path.join(ROOT, "build", "bench", "results.json"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "bench.md"))
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--inproc", action="store_true",
                    help="benchmode=inproc: all benchmarks in PID 1, one after the other")
    ap.add_argument("--append", default="", help="more kernel command-line words (testing)")
    a = ap.parse_args(argv)

    if not a.no_build:
        subprocess.run(["bash", os.path.join(ROOT, "tools", "build-bench.sh")], check=True)
    kinds = [k for k in a.kernels.split(",") if k]
    if "linux" in kinds and a.linux == os.path.join(ROOT, "build", "linux-ref", "Image"):
        r = subprocess.run(["bash", os.path.join(ROOT, "tools", "linux-ref.sh")])
        if r.returncode != 0:
            print("bench: tools/linux-ref.sh failed: no Linux column", file=sys.stderr)
    logdir = os.path.join(ROOT, "build", "bench", "logs")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "commit": git_commit(),
               "qemu": " ".join(shq(c) for c in qemu_cmd("KERNEL", os.path.relpath(a.initrd, ROOT), APPEND)),
               "reference": {n: ref for n, _, ref in FIGURES}, "image": {}}
    paths = {"menuos": a.menuos, "linux": a.linux}
    extra = (" benchmode=inproc" if a.inproc else "") + (" " + a.append if a.append else "")
    if extra:
        results["append_extra"] = extra.strip()
    for k in kinds:
        kernel = paths[k]
        if not os.path.exists(kernel):
            results[k] = {"kernel": os.path.relpath(kernel, ROOT),
                          "figures": {n: "unsupported (no kernel: %s missing)" % kernel for n in NAMES},
                          "info": {}}
            continue
        results[k] = run_kernel(k, kernel, a.initrd, a.timeout, a.stall, logdir, extra)
    results["image"]["menuos"] = elf_sizes(a.menuos)
    results["menuos_id"] = kernel_id(a.menuos)
    lv = os.path.join(os.path.dirname(a.linux), "vmlinux")
    if os.path.exists(lv):
        results["image"]["linux"] = elf_sizes(lv)

    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print_table(results)
    print("bench: wrote %s" % os.path.relpath(a.json, ROOT))
    if not a.no_doc:
        os.makedirs(os.path.dirname(a.doc), exist_ok=True)
        write_doc(results, a.doc)
        print("bench: wrote %s" % os.path.relpath(a.doc, ROOT))
    for k in kinds:
        for n, tail in results.get(k, {}).get("crash_tails", {}).items():
            print("bench: %s %s: last console lines:" % (k, n))
            for l in tail:
                print("    " + l)
    return 0


if __name__ == "__main__":
    sys.exit(main())
