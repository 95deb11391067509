//! The clock since boot, and the wall clock as an offset from it.  Linux:
//! kernel/time/timekeeping.c (timekeeping_init, ktime_get, ktime_get_real).
//!
//! The clocksource is the RISC-V time CSR (arch/riscv/time.rs), counted from
//! timekeeping_init().

use crate::arch::riscv::time::{cycles_to_ns, get_cycles};
use core::sync::atomic::{AtomicU64, Ordering};

static BOOT_CYCLES: AtomicU64 = AtomicU64::new(0);

/// The wall clock minus the clock since boot (Linux: tk->offs_real): 0 until an RTC driver
/// (QEMU virt's goldfish RTC) sets it, so realtime starts at the epoch at boot.
static REALTIME_OFFSET_NS: AtomicU64 = AtomicU64::new(0);

/// Linux: timekeeping_init(): the clock since boot counts from now.
pub fn timekeeping_init() {
    BOOT_CYCLES.store(get_cycles(), Ordering::Relaxed);
}

pub fn uptime_cycles() -> u64 {
    get_cycles().saturating_sub(BOOT_CYCLES.load(Ordering::Relaxed))
}

/// Linux: ktime_get_ns() — CLOCK_MONOTONIC, in nanoseconds since boot.
pub fn uptime_ns() -> u64 {
    cycles_to_ns(uptime_cycles())
}

/// Linux: ktime_get_real_ns() — CLOCK_REALTIME.
pub fn ktime_get_real_ns() -> u64 {
    uptime_ns() + REALTIME_OFFSET_NS.load(Ordering::Relaxed)
}

pub fn set_realtime_offset(ns: u64) {
    REALTIME_OFFSET_NS.store(ns, Ordering::Relaxed);
}
