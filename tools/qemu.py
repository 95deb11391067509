#!/usr/bin/env python3
"""qemu.py - the one place the boot contract's QEMU line is written.

Every harness (qemutest, gdbtest, menutest, busyboxtest, bench, trace, debug.sh, the Makefile's
run target) builds its QEMU command line here.  The boot contract, the same line for MenuOS and
the reference Linux:

    qemu-system-riscv64 -machine virt -bios default -nographic -m 512M -smp 1 \\
        -kernel K -initrd ROOTFS.cpio -append "console=ttyS0 rdinit=/init"

Python:
    import qemu
    argv = qemu.boot_argv(kernel, initrd, "console=ttyS0 rdinit=/init")
    argv = qemu.boot_argv(k, i, append, icount=True)          # bench/trace: -icount shift=0,sleep=off
    argv = qemu.boot_argv(k, i, None)                         # no -append at all
    argv = qemu.boot_argv(k, i, append, extra=["-S", "-s"])   # extra QEMU options

Shell (debug.sh, the Makefile): one argument per line, or a shell-quoted line:
    python3 tools/qemu.py --print-argv --kernel K --initrd I [--append A | --no-append]
                          [--mem 512M] [--smp 1] [--icount] [--shell] [-- EXTRA...]
"""
import argparse
import shlex
import sys

QEMU = "qemu-system-riscv64"
MACHINE = ["-machine", "virt", "-bios", "default", "-nographic"]
DEFAULT_MEM = "512M"
DEFAULT_SMP = 1
DEFAULT_APPEND = "console=ttyS0 rdinit=/init"
# -icount shift=0: one guest instruction per guest ns (deterministic counts; never with gdb).
ICOUNT = ["-icount", "shift=0,sleep=off"]


def base_argv(mem=DEFAULT_MEM, smp=DEFAULT_SMP):
    """The machine part of the line: qemu-system-riscv64 -machine virt ... -m MEM -smp N."""
    return [QEMU] + MACHINE + ["-m", str(mem), "-smp", str(smp)]


def boot_argv(kernel, initrd, append, mem=DEFAULT_MEM, smp=DEFAULT_SMP, icount=False, extra=()):
    """The full QEMU argv of one boot:

        QEMU -machine virt -bios default -nographic -m MEM -smp SMP [-icount shift=0,sleep=off]
             [EXTRA...] -kernel KERNEL -initrd INITRD [-append APPEND]

    append=None leaves -append out (the seed's line had none); initrd=None leaves -initrd out.
    """
    argv = base_argv(mem, smp)
    if icount:
        argv += ICOUNT
    argv += [str(x) for x in extra]
    argv += ["-kernel", str(kernel)]
    if initrd is not None:
        argv += ["-initrd", str(initrd)]
    if append is not None:
        argv += ["-append", str(append)]
    return argv


def main(argv=None):
    ap = argparse.ArgumentParser(description="Prints the boot contract's QEMU argv.")
    ap.add_argument("--print-argv", action="store_true", help="print the argv (the only action)")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd")
    ap.add_argument("--append", default=DEFAULT_APPEND)
    ap.add_argument("--no-append", action="store_true", help="no -append at all")
    ap.add_argument("--mem", default=DEFAULT_MEM)
    ap.add_argument("--smp", type=int, default=DEFAULT_SMP)
    ap.add_argument("--icount", action="store_true")
    ap.add_argument("--shell", action="store_true", help="one shell-quoted line instead of one argument per line")
    ap.add_argument("extra", nargs="*", help="extra QEMU arguments (after --)")
    a = ap.parse_args(argv)
    out = boot_argv(a.kernel, a.initrd, None if a.no_append else a.append, a.mem, a.smp, a.icount, a.extra)
    if a.shell:
        print(" ".join(shlex.quote(x) for x in out))
    else:
        for x in out:
            print(x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
