//! /proc/loadavg.  Linux: fs/proc/loadavg.c (loadavg_proc_show).

use crate::kernel::task::TASK_RUNNING;
use alloc::string::String;
use core::fmt::Write;

/// Linux: loadavg_proc_show(): no load average is kept here (0.00), then the tasks running,
/// the tasks, and the last pid handed out in the reader's pid namespace
/// (idr_get_cursor(&task_active_pid_ns(current)->idr) - 1).
pub fn loadavg_proc_show(s: &mut String) {
    let tasks = crate::kernel::pid::all_tasks();
    let running = tasks.iter().filter(|t| t.exit_state() == 0 && t.state() == TASK_RUNNING).count();
    let last = crate::kernel::pid::task_active_pid_ns(&crate::kernel::task::current()).last_pid();
    let _ = writeln!(s, "0.00 0.00 0.00 {}/{} {}", running, tasks.len(), last);
}
