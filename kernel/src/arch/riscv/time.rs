//! The timer: rdtime and the SBI timer.  Linux: drivers/clocksource/timer-riscv.c.

use core::sync::atomic::{AtomicU64, Ordering};

/// timebase-frequency from the DTB (10 MHz on QEMU virt).
pub static TIMEBASE_FREQ: AtomicU64 = AtomicU64::new(10_000_000);

pub fn get_cycles() -> u64 {
    super::read_time()
}

/// The cycle counter: the tracer's clock (under QEMU -icount: guest instructions).
pub fn read_cycles() -> u64 {
    super::read_cycle()
}

pub fn freq() -> u64 {
    TIMEBASE_FREQ.load(Ordering::Relaxed)
}

pub fn cycles_to_ns(c: u64) -> u64 {
    let f = freq();
    (c / f) * 1_000_000_000 + (c % f) * 1_000_000_000 / f
}

pub fn ns_to_cycles(ns: u64) -> u64 {
    let f = freq();
    (ns / 1_000_000_000) * f + (ns % 1_000_000_000) * f / 1_000_000_000
}

/// Programs the next timer interrupt at absolute time `t` (Linux: riscv_clock_next_event).
pub fn set_next_event(t: u64) {
    super::sbi::set_timer(t);
}
