//! /proc/stat.  Linux: fs/proc/stat.c (show_stat).

use crate::kernel::task::TASK_RUNNING;
use alloc::string::String;
use core::fmt::Write;

/// Linux: USER_HZ, the unit of the cpu lines.
const USER_HZ: u64 = 100;
const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Linux: show_stat(): the lines procps reads (btime: boot time, seconds).
pub fn show_stat(s: &mut String) {
    let tasks = crate::kernel::pid::all_tasks();
    let running = tasks.iter().filter(|t| t.exit_state() == 0 && t.state() == TASK_RUNNING).count();
    let ticks = crate::kernel::time::uptime_ns() / (NSEC_PER_SEC / USER_HZ);
    let _ = writeln!(s, "cpu  0 0 0 {} 0 0 0 0 0 0", ticks);
    let _ = writeln!(s, "cpu0 0 0 0 {} 0 0 0 0 0 0", ticks);
    let _ = writeln!(s, "intr 0\nctxt 0\nbtime 0\nprocesses {}", crate::kernel::pid::last_pid());
    let _ = writeln!(s, "procs_running {}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0", running);
}
