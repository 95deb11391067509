# MenuOS build and test driver.  Every target first runs `deps` (tools/deps.sh: idempotent
# apt-get, quick when nothing is missing).  Outputs go to build/.
SHELL := /bin/bash
.DEFAULT_GOAL := run

BUILD      := build
KERNEL_ELF := kernel/target/riscv64gc-unknown-none-elf/release/menuos
# The boot contract (the same line boots MenuOS and Linux) is written once, in tools/qemu.py.
APPEND     ?= console=ttyS0 rdinit=/init

.PHONY: deps kernel kernel-lockdep user initramfs run test test-host test-qemu test-linux soak soak-linux debug debug-qemu debug-gdb bench trace docs clean

deps:
	@bash tools/deps.sh

kernel: deps
	cd kernel && cargo build --release
	@mkdir -p $(BUILD) && cp $(KERNEL_ELF) $(BUILD)/vmlinux.tmp
	@python3 tools/kallsyms.py $(BUILD)/vmlinux.tmp && mv $(BUILD)/vmlinux.tmp $(BUILD)/vmlinux

# The same kernel with the lock-order check (cargo feature lockdep; Linux: CONFIG_PROVE_LOCKING):
# make test boots its QEMU tests on it.  Its own target dir, so neither build undoes the other.
LOCKDEP_ELF := kernel/target/lockdep/riscv64gc-unknown-none-elf/release/menuos
kernel-lockdep: deps
	cd kernel && cargo build --release --features lockdep --target-dir target/lockdep
	@mkdir -p $(BUILD) && cp $(LOCKDEP_ELF) $(BUILD)/vmlinux-lockdep.tmp
	@python3 tools/kallsyms.py $(BUILD)/vmlinux-lockdep.tmp && mv $(BUILD)/vmlinux-lockdep.tmp $(BUILD)/vmlinux-lockdep

# User programs: C tests (static glibc), Rust programs (static Rust std) and busybox (from
# Debian's source package, cross-built once and cached) and strace (the same way), staged in build/user/bin.
user: deps
	@bash tools/build-user-c.sh
	@bash tools/build-user-rust.sh
	@bash tools/build-busybox.sh
	@bash tools/build-strace.sh

# build/initramfs.cpio: the default root (the menu as /init) with the test programs under /tests.
initramfs: user
	@python3 tools/mkinitramfs.py --out $(BUILD)/initramfs.cpio

run: kernel initramfs
	@echo "MenuOS: booting in QEMU. Leave QEMU with Ctrl-A then X."
	@python3 tools/qemu.py --run --kernel $(BUILD)/vmlinux --initrd $(BUILD)/initramfs.cpio --append "$(APPEND)"

test: kernel kernel-lockdep initramfs
	@bash tools/test.sh

test-linux: initramfs
	@bash tools/test-linux.sh

# The long run of issue 10 (not part of make test): the fuzzer for 10,000,000 calls over four
# seeds and the exhaustion tests for many rounds, under qemutest's watchdog (tools/soak.py).
# SOAK_ARGS passes options, e.g. SOAK_ARGS="--calls 1000000 --rounds 3".
soak: kernel-lockdep initramfs
	@python3 tools/soak.py --kernel $(BUILD)/vmlinux-lockdep $(SOAK_ARGS)

soak-linux: initramfs
	@bash tools/linux-ref.sh
	@python3 tools/soak.py --kernel $(BUILD)/linux-ref/Image --kind linux $(SOAK_ARGS)

debug: kernel initramfs
	@bash tools/debug.sh

# Two-terminal variant of the seed's setup: QEMU in one, gdb in the other.
debug-qemu: kernel initramfs
	@bash tools/debug.sh qemu
debug-gdb:
	@bash tools/debug.sh gdb

# Process-creation cost in guest instructions (-icount shift=0,sleep=off), MenuOS beside the
# reference Linux; writes build/bench/results.json and docs/bench.md.
bench: kernel
	@bash tools/linux-ref.sh
	@python3 tools/bench.py

# A trace of the fork path for fork-new: build/trace/fork-new.{trace,json,mmd}
# (ftrace function_graph text, a Chrome/Perfetto trace, a Mermaid sequence diagram).
trace: kernel initramfs
	@python3 tools/trace.py

# docs/fork.md from docs/src/fork.md.in: its source links follow the code (make test checks).
docs:
	@python3 tools/render_fork_doc.py

clean:
	rm -rf $(BUILD) kernel/target user/rust/target target
