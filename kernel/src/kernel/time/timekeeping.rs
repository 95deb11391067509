//! The clock since boot, and the wall clock as an offset from it.  Linux:
//! kernel/time/timekeeping.c (timekeeping_init, ktime_get, ktime_get_real,
//! do_settimeofday64, ktime_get_coarse), include/linux/timekeeping.h.
//!
//! The clocksource is the RISC-V time CSR (arch/riscv/time.rs), counted from
//! timekeeping_init().  CLOCK_MONOTONIC and CLOCK_BOOTTIME agree (no suspend); CLOCK_REALTIME is
//! CLOCK_MONOTONIC plus an offset that the RTC sets at boot (drivers/rtc/rtc-goldfish.rs,
//! Linux: rtc_hctosys) and clock_settime/settimeofday change; CLOCK_TAI is CLOCK_REALTIME plus
//! the TAI offset, 0 until adjtimex sets one (as Linux).  The coarse clocks are the same clocks
//! read at the last tick.

use crate::arch::riscv::time::{cycles_to_ns, get_cycles, ns_to_cycles};
use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};

static BOOT_CYCLES: AtomicU64 = AtomicU64::new(0);

/// The wall clock minus the clock since boot, in ns (Linux: tk->offs_real).
static REALTIME_OFFSET_NS: AtomicI64 = AtomicI64::new(0);

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

/// Linux: ktime_get_coarse_ns(): CLOCK_MONOTONIC at the last tick.
pub fn ktime_get_coarse_ns() -> u64 {
    let tick = super::timer::tick_cycles().max(1);
    let c = uptime_cycles();
    cycles_to_ns(c - c % tick)
}

/// Linux: ktime_get_real_ns() — CLOCK_REALTIME.
pub fn ktime_get_real_ns() -> u64 {
    mono_to_real(uptime_ns())
}

/// Linux: ktime_get_coarse_real_ts64(): CLOCK_REALTIME_COARSE.
pub fn ktime_get_coarse_real_ns() -> u64 {
    mono_to_real(ktime_get_coarse_ns())
}

/// A CLOCK_MONOTONIC time as CLOCK_REALTIME (never before the epoch).
pub fn mono_to_real(ns: u64) -> u64 {
    (ns as i64).saturating_add(REALTIME_OFFSET_NS.load(Ordering::Relaxed)).max(0) as u64
}

/// A CLOCK_REALTIME time as CLOCK_MONOTONIC (never before boot).
pub fn real_to_mono(ns: u64) -> u64 {
    (ns.min(i64::MAX as u64) as i64).saturating_sub(REALTIME_OFFSET_NS.load(Ordering::Relaxed)).max(0) as u64
}

/// The first timer-cycle count at which CLOCK_MONOTONIC reads `ns` or later (what the timer
/// queue is keyed by).  Rounded up: a timer never expires before its time (Linux: hrtimers
/// expire at or after their soft expiry).
pub fn mono_ns_to_cycles(ns: u64) -> u64 {
    let mut c = ns_to_cycles(ns);
    if cycles_to_ns(c) < ns {
        c += 1;
    }
    BOOT_CYCLES.load(Ordering::Relaxed).saturating_add(c)
}

/// Linux: do_settimeofday64(): CLOCK_REALTIME reads `ns` from now on.  The timers that wait
/// for a CLOCK_REALTIME time are told (Linux: clock_was_set()).
pub fn do_settimeofday64(ns: u64) {
    REALTIME_OFFSET_NS.store(ns as i64 - uptime_ns() as i64, Ordering::Relaxed);
    super::posix_timers::clock_was_set();
}

/// CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns (Linux: ktime_mono_to_real(0)).
pub fn realtime_offset() -> i64 {
    REALTIME_OFFSET_NS.load(Ordering::Relaxed)
}

/// CLOCK_REALTIME reads `ns` now: at boot, from the RTC (Linux: rtc_hctosys()).
pub fn set_realtime(ns: u64) {
    REALTIME_OFFSET_NS.store(ns as i64 - uptime_ns() as i64, Ordering::Relaxed);
}
