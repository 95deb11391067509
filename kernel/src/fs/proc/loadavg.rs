//! /proc/loadavg.  Linux: fs/proc/loadavg.c (loadavg_proc_show).

use crate::kernel::task::TASK_RUNNING;
use alloc::string::String;
use core::fmt::Write;

/// Linux: loadavg_proc_show(): no load average is kept here (0.00), then the tasks running,
/// the tasks, and the last pid.
pub fn loadavg_proc_show(s: &mut String) {
    let tasks = crate::kernel::pid::all_tasks();
    let running = tasks.iter().filter(|t| t.exit_state() == 0 && t.state() == TASK_RUNNING).count();
    let _ = writeln!(s, "0.00 0.00 0.00 {}/{} {}", running, tasks.len(), crate::kernel::pid::last_pid());
}
