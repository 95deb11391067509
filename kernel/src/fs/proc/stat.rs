//! /proc/stat.  Linux: fs/proc/stat.c (show_stat).

use crate::kernel::task::TASK_RUNNING;
use alloc::string::String;
use core::fmt::Write;

/// Linux: USER_HZ, the unit of the cpu lines.
const USER_HZ: u64 = 100;
const NSEC_PER_SEC: u64 = 1_000_000_000;

fn ticks(cycles: u64) -> u64 {
    // Linux: nsec_to_clock_t()
    crate::arch::riscv::time::cycles_to_ns(cycles) / (NSEC_PER_SEC / USER_HZ)
}

/// Linux: show_stat(): the CPU times (user nice system idle iowait irq softirq steal guest
/// guest_nice, in USER_HZ ticks) for all CPUs and for each of them (one: cpu0), the context
/// switches, the boot time, the processes forked, running and blocked.
pub fn show_stat(s: &mut String) {
    let tasks = crate::kernel::pid::all_tasks();
    let running = tasks.iter().filter(|t| t.exit_state() == 0 && t.state() == TASK_RUNNING).count();
    let (user, system, idle) = crate::kernel::sched::cputime::cpustat();
    let (user, system, idle) = (ticks(user), ticks(system), ticks(idle));
    let _ = writeln!(s, "cpu  {} 0 {} {} 0 0 0 0 0 0", user, system, idle);
    let _ = writeln!(s, "cpu0 {} 0 {} {} 0 0 0 0 0 0", user, system, idle);
    let boot = crate::kernel::time::timekeeping::ktime_get_real_ns().saturating_sub(crate::kernel::time::uptime_ns())
        / NSEC_PER_SEC;
    let _ = writeln!(
        s,
        "intr 0\nctxt {}\nbtime {}\nprocesses {}",
        crate::kernel::sched::core::nr_switches(),
        boot,
        crate::kernel::fork::total_forks()
    );
    let _ = writeln!(s, "procs_running {}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0", running);
}
