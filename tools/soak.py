#!/usr/bin/env python3
"""soak.py - `make soak` / `make soak-linux`: the long run of issue 10, not part of make test.

    python3 tools/soak.py --kernel build/vmlinux-lockdep [--kind menuos]
    python3 tools/soak.py --kernel build/linux-ref/Image --kind linux
        [--calls 10000000] [--seeds 20261204,1,77,4242] [--rounds 10] [--only fuzz,exhaust]

1. the fuzzer (user/c/sysfuzz.c, booted as t_fuzz): --calls random syscalls in all, split
   evenly over --seeds, one boot per seed (FUZZ_SEED=, FUZZ_CALLS= on the command line);
2. the exhaustion programs, as the C tests they are (user/tests/c): t_exhaust for --rounds
   rounds (EXHAUST_ROUNDS=: fork bomb until EAGAIN, threads until failure, fds until EMFILE,
   pipes, sparse files; MemFree back to its baseline after every round), t_oom (anonymous
   memory until the OOM killer), t_kmemoom (kernel memory until the heap's OOM killer),
   t_sparse (sparse files), t_badelf (the malformed-ELF corpus),
   t_leak, each once.

Every boot runs under qemutest's watchdog (the test's QEMUTEST-STALL: no console output for
that long is a hang, a failure with the console's last lines) and its panic detection; the
per-check lines and the final "N passed, M failed" are qemutest's.  Boots run one at a time.
Logs: build/soak-logs/<kind>/<run>/<test>.log.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402
import qemutest  # noqa: E402

ROOT = qemutest.ROOT
DEFAULT_SEEDS = "20261204,1,77,4242"
EXHAUST = ["t_exhaust", "t_oom", "t_kmemoom", "t_sparse", "t_badelf", "t_leak"]
# guest calls per second of the fuzzer under TCG is about 5,000; a boot gets 4 times that long
SECONDS_PER_CALL = 4 / 5000.0


def main(argv=None):
    ap = argparse.ArgumentParser(description="The fuzzer for millions of calls and the exhaustion tests.")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--kind", choices=["menuos", "linux"])
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--calls", type=int, default=10_000_000, help="fuzzer calls in all")
    ap.add_argument("--seeds", default=DEFAULT_SEEDS)
    ap.add_argument("--rounds", type=int, default=10, help="t_exhaust rounds")
    ap.add_argument("--only", default="fuzz,exhaust", help="fuzz, exhaust or both")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)

    kind = a.kind or qemu.kernel_kind(os.path.abspath(a.kernel))
    for p in (a.kernel, a.initrd):
        if not os.path.isfile(p):
            print("soak: %s does not exist" % p)
            print("0 passed, 1 failed")
            return 1
    files = qemutest.initrd_entries(os.path.abspath(a.initrd))
    seeds = [int(s) for s in a.seeds.split(",") if s]
    parts = set(a.only.split(","))
    runs = []  # (label, test, extra append, timeout)
    if "fuzz" in parts:
        per = max(1, a.calls // len(seeds))
        for s in seeds:
            runs.append(("fuzz-%d" % s, "t_fuzz", "FUZZ_SEED=%d FUZZ_CALLS=%d" % (s, per),
                         max(600.0, per * SECONDS_PER_CALL)))
    if "exhaust" in parts:
        for t in EXHAUST:
            extra = "EXHAUST_ROUNDS=%d" % a.rounds if t == "t_exhaust" else ""
            runs.append((t, t, extra, max(600.0, 60.0 * a.rounds) if t == "t_exhaust" else None))

    print("soak: %d boots on %s (%s): %s" % (len(runs), a.kernel, kind, ", ".join(r[0] for r in runs)),
          flush=True)
    t0 = time.monotonic()
    total_pass = total_fail = 0
    failed = []
    for label, test, extra, timeout in runs:
        cfg = argparse.Namespace(
            kernel=os.path.abspath(a.kernel), initrd=os.path.abspath(a.initrd), kind=kind,
            srcdir=os.path.join(ROOT, "user", "tests", "c"), timeout=timeout,
            logdir=os.path.join(ROOT, "build", "soak-logs", kind, label), quiet=a.quiet, qemu_extra=[],
            initrd_files=None if files is None else set(files))
        os.makedirs(cfg.logdir, exist_ok=True)
        qemutest.TEST_ARGS[test] = extra
        t1 = time.monotonic()
        lines, np_, nf = qemutest.run_test(cfg, test)
        for l in lines:
            print(l)
        print("soak: %s: %.0f s" % (label, time.monotonic() - t1), flush=True)
        total_pass += np_
        total_fail += nf
        if nf:
            failed.append(label)
    calls = a.calls if "fuzz" in parts else 0
    print("soak: %d fuzzer calls over seeds %s, %d t_exhaust rounds, %.0f s%s" %
          (calls, ",".join(map(str, seeds)), a.rounds if "exhaust" in parts else 0, time.monotonic() - t0,
           "; failing: " + " ".join(failed) if failed else ""))
    print("%d passed, %d failed" % (total_pass, total_fail))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
