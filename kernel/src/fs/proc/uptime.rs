//! /proc/uptime.  Linux: fs/proc/uptime.c (uptime_proc_show).

use alloc::string::String;
use core::fmt::Write;

const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Linux: uptime_proc_show(): "%lu.%02lu %lu.%02lu" (uptime, idle: summed over CPUs;
/// MenuOS does not account idle time, so idle is shown as 0).
pub fn uptime_proc_show(s: &mut String) {
    let ns = crate::kernel::time::uptime_ns();
    let _ = writeln!(s, "{}.{:02} 0.00", ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / (NSEC_PER_SEC / 100));
}
