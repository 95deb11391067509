//! /proc/uptime.  Linux: fs/proc/uptime.c (uptime_proc_show).

use alloc::string::String;
use core::fmt::Write;

const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Linux: uptime_proc_show(): "%lu.%02lu %lu.%02lu\n": the time since boot, and the time the
/// CPUs were idle (summed over CPUs: one here), both in hundredths of a second.
pub fn uptime_proc_show(s: &mut String) {
    let ns = crate::kernel::time::uptime_ns();
    let idle = crate::arch::riscv::time::cycles_to_ns(crate::kernel::sched::cputime::cpustat().2);
    let _ = writeln!(
        s,
        "{}.{:02} {}.{:02}",
        ns / NSEC_PER_SEC,
        (ns % NSEC_PER_SEC) / (NSEC_PER_SEC / 100),
        idle / NSEC_PER_SEC,
        (idle % NSEC_PER_SEC) / (NSEC_PER_SEC / 100)
    );
}
