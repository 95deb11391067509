#!/usr/bin/env bash
# Builds the reference Linux 6.1 (the oracle for MenuOS tests), as /work/shared/linux-reference.md
# describes: Debian's linux-source-6.1, tinyconfig + the options below (merge_config.sh -m,
# olddefconfig), Sv39 forced in setup_vm(), `make -j2 Image vmlinux`.
#
# Outputs build/linux-ref/Image and build/linux-ref/vmlinux.  Cached: when both exist and the
# stamp (hash of this recipe: options + patch) matches, it does nothing.
# FORCE=1 rebuilds (incrementally, in build/linux-ref/src).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/linux-ref
SRC=$OUT/src
TARBALL=/usr/src/linux-source-6.1.tar.xz
JOBS=${JOBS:-2}
MAKEARGS=(ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-)

OPTIONS="64BIT ARCH_RV64I MMU SOC_VIRT SMP FPU RISCV_ISA_C RISCV_SBI RISCV_SBI_V01 CMODEL_MEDANY
CC_OPTIMIZE_FOR_PERFORMANCE SLUB PRINTK PRINTK_TIME EXPERT MULTIUSER POSIX_TIMERS FUTEX EPOLL
SIGNALFD TIMERFD EVENTFD SHMEM TMPFS ADVISE_SYSCALLS MEMBARRIER RSEQ FILE_LOCKING NAMESPACES
UTS_NS IPC_NS PID_NS USER_NS CHECKPOINT_RESTORE HIGH_RES_TIMERS TTY UNIX98_PTYS SERIAL_8250
SERIAL_8250_CONSOLE SERIAL_OF_PLATFORM SERIAL_EARLYCON_RISCV_SBI HVC_RISCV_SBI BLK_DEV_INITRD
RD_GZIP BINFMT_ELF BINFMT_SCRIPT PROC_FS PROC_SYSCTL SYSFS DEVTMPFS DEVTMPFS_MOUNT POWER_RESET
POWER_RESET_SYSCON POWER_RESET_SYSCON_POWEROFF DEBUG_KERNEL DEBUG_INFO DEBUG_INFO_DWARF4
KALLSYMS FRAME_POINTER FTRACE FUNCTION_TRACER FUNCTION_GRAPH_TRACER MAGIC_SYSRQ MAGIC_SYSRQ_SERIAL"
# What the external suites (tools/suitetest.py: kselftests, busybox's testsuite) need and a normal
# distro kernel has.  Unlike OPTIONS above, each of these must survive olddefconfig (an error):
#   SYSVIPC, POSIX_MQUEUE (needs NET): System V IPC and mq_* (mqueue, proc/setns-sysvipc); with
#     them IPC_NS sticks.  NET, UNIX, NET_NS: what pidfd_setns_test and a distro kernel have.
#   RTC_CLASS, RTC_INTF_DEV, RTC_DRV_GOLDFISH: /dev/rtc0 (QEMU virt's goldfish RTC; timers/rtcpie,
#     and the alarm timers of timers' CLOCK_*_ALARM, built in with RTC_CLASS).
#   PROC_PAGE_MONITOR: /proc/PID/smaps, pagemap, clear_refs (proc/proc-pid-vm).
#   CGROUPS: the cgroup namespace (pidfd_setns_test).
#   FUTEX_PI (FUTEX implies RT_MUTEXES): futex/functional's requeue_pi tests.
SUITE_OPTIONS="SYSVIPC NET UNIX NET_NS POSIX_MQUEUE IPC_NS RTC_CLASS RTC_INTF_DEV RTC_DRV_GOLDFISH
PROC_PAGE_MONITOR CGROUPS FUTEX_PI"
PATCH_FROM='set_satp_mode();'
PATCH_TO='disable_pgtable_l5(); disable_pgtable_l4();'

fragment() {
	for o in $OPTIONS $SUITE_OPTIONS; do echo "CONFIG_$o=y"; done
	echo "# CONFIG_MODULES is not set"
}

stamp() {
	{ fragment; echo "patch: $PATCH_FROM -> $PATCH_TO"; echo "recipe: 2"; } | sha256sum | cut -d' ' -f1
}

STAMP_FILE=$OUT/stamp
want=$(stamp)
cached() {
	[ "${FORCE:-0}" != 1 ] && [ -f "$OUT/Image" ] && [ -f "$OUT/vmlinux" ] && [ -f "$STAMP_FILE" ] &&
		[ "$(cat "$STAMP_FILE")" = "$want" ]
}
cached && exit 0

# one build at a time (two test runs may start together); the winner's result is reused
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "linux-ref: another build is running; waiting for it" >&2
	flock 9
	cached && exit 0
fi

DEPS_LINUX=1 bash "$ROOT/tools/deps.sh"
mkdir -p "$OUT"
start=$(date +%s)

if [ ! -f "$SRC/Makefile" ]; then
	echo "linux-ref: extracting $TARBALL" >&2
	rm -rf "$SRC" "$OUT/src.tmp"
	mkdir -p "$OUT/src.tmp"
	tar -xJf "$TARBALL" -C "$OUT/src.tmp"
	# the tarball holds one top directory (linux-source-6.1)
	top=$(find "$OUT/src.tmp" -mindepth 1 -maxdepth 1 -type d | head -1)
	mv "$top" "$SRC"
	rm -rf "$OUT/src.tmp"
fi

cd "$SRC"

# Sv39 patch (idempotent).
INIT_C=arch/riscv/mm/init.c
if grep -qF "$PATCH_FROM" "$INIT_C"; then
	echo "linux-ref: forcing Sv39 in $INIT_C setup_vm()" >&2
	python3 - "$INIT_C" "$PATCH_FROM" "$PATCH_TO" <<'EOF'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
# the call inside setup_vm() (the definition is `static void __init set_satp_mode(void)`)
call = "\t" + old + "\n"
assert s.count(call) == 1, "expected exactly one set_satp_mode() call"
s = s.replace(call, "\t" + new + "\n")
open(path, "w").write(s)
EOF
fi
grep -qF "$PATCH_TO" "$INIT_C" || { echo "linux-ref: Sv39 patch not applied" >&2; exit 1; }

fragment >"$OUT/menuos.config"
make "${MAKEARGS[@]}" tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$OUT/menuos.config" >"$OUT/merge.log" 2>&1
make "${MAKEARGS[@]}" olddefconfig >/dev/null

# every requested option must have survived olddefconfig: a warning for OPTIONS, an error for
# SUITE_OPTIONS (the suites' expected results depend on them)
for o in $OPTIONS; do
	grep -qx "CONFIG_$o=y" .config || echo "linux-ref: warning: CONFIG_$o not =y after olddefconfig" >&2
done
bad=0
for o in $SUITE_OPTIONS; do
	grep -qx "CONFIG_$o=y" .config || {
		echo "linux-ref: CONFIG_$o not =y after olddefconfig (got: $(grep -E "^(# )?CONFIG_$o[= ]" .config || echo nothing)); fix its dependencies in SUITE_OPTIONS" >&2
		bad=1
	}
done
[ $bad = 0 ] || exit 1
grep -qx "CONFIG_MODULES=y" .config && { echo "linux-ref: CONFIG_MODULES is on" >&2; exit 1; }

echo "linux-ref: make -j$JOBS Image vmlinux (a few minutes)" >&2
make "${MAKEARGS[@]}" -j"$JOBS" Image vmlinux >"$OUT/build.log" 2>&1 || {
	tail -40 "$OUT/build.log" >&2
	exit 1
}
cp arch/riscv/boot/Image "$OUT/Image.tmp" && mv "$OUT/Image.tmp" "$OUT/Image"
cp vmlinux "$OUT/vmlinux.tmp" && mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
cp .config "$OUT/config"
echo "$want" >"$STAMP_FILE"
echo "linux-ref: built $OUT/Image ($(stat -c %s "$OUT/Image") bytes) in $(($(date +%s) - start)) s" >&2
