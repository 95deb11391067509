//! CPU time accounting for the whole CPU: what /proc/stat's cpu lines and /proc/uptime's idle
//! time show.  Linux: kernel/sched/cputime.c (account_user_time, account_system_time,
//! account_idle_time into kcpustat_cpu), tick-based as Linux's !CONFIG_VIRT_CPU_ACCOUNTING.
//!
//! The tick (kernel/time/timer.rs) charges each elapsed tick to what it interrupted: the
//! running task's utime or stime, and the CPU's user, system or (the idle task) idle total.

use core::sync::atomic::{AtomicU64, Ordering};

/// Linux: kcpustat_cpu(0).cpustat[CPUTIME_USER / CPUTIME_SYSTEM / CPUTIME_IDLE], in timer
/// cycles.
static CPUSTAT_USER: AtomicU64 = AtomicU64::new(0);
static CPUSTAT_SYSTEM: AtomicU64 = AtomicU64::new(0);
static CPUSTAT_IDLE: AtomicU64 = AtomicU64::new(0);

/// Linux: account_process_tick(): `cycles` of CPU time go to user, system or idle time.
pub fn account_cpu_tick(user: bool, idle: bool, cycles: u64) {
    let c = if idle {
        &CPUSTAT_IDLE
    } else if user {
        &CPUSTAT_USER
    } else {
        &CPUSTAT_SYSTEM
    };
    c.fetch_add(cycles, Ordering::Relaxed);
}

/// (user, system, idle) CPU time since boot, in timer cycles.
pub fn cpustat() -> (u64, u64, u64) {
    (CPUSTAT_USER.load(Ordering::Relaxed), CPUSTAT_SYSTEM.load(Ordering::Relaxed), CPUSTAT_IDLE.load(Ordering::Relaxed))
}
