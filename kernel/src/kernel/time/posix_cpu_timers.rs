//! CPU-time clocks and the timers that run on them: CLOCK_PROCESS_CPUTIME_ID,
//! CLOCK_THREAD_CPUTIME_ID and the clocks of clock_getcpuclockid(), ITIMER_VIRTUAL and
//! ITIMER_PROF, and POSIX timers on a CPU clock.  Linux: kernel/time/posix-cpu-timers.c
//! (cpu_clock_sample, thread_group_sample_cputime, run_posix_cpu_timers, check_cpu_itimer,
//! bump_cpu_timer, cpu_timer_fire).
//!
//! CPU time is counted by the tick (timer.rs update_process_times()): each tick goes to the
//! task it interrupted and to its process.  The tick then looks at the CPU-time timers of that
//! process: at most one signal per timer per tick, so a tiny interval cannot flood anything.

use super::posix_timers::KItimer;
use crate::arch::riscv::time::cycles_to_ns;
use crate::kernel::signal::{kill_process, SigInfo, SIGPROF, SIGVTALRM, SI_KERNEL};
use crate::kernel::signal_types::SignalStruct;
use crate::kernel::task::{Task, TaskStruct};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// Linux: CPUCLOCK_PROF, CPUCLOCK_VIRT, CPUCLOCK_SCHED — what a CPU clock counts.
pub const CPUCLOCK_PROF: u32 = 0;
pub const CPUCLOCK_VIRT: u32 = 1;
pub const CPUCLOCK_SCHED: u32 = 2;
/// Linux: CPUCLOCK_MAX.
pub const CPUCLOCK_MAX: u32 = 3;

/// Linux: cpu_clock_sample(): a thread's CPU time in ns.
pub fn thread_cputime_ns(t: &TaskStruct, which: u32) -> u64 {
    let u = t.utime.load(Ordering::Relaxed);
    let s = t.stime.load(Ordering::Relaxed);
    cycles_to_ns(if which == CPUCLOCK_VIRT { u } else { u + s })
}

/// Linux: thread_group_sample_cputime(): the CPU time of a whole process (its live and
/// dead threads) in ns.
pub fn group_cputime_ns(sig: &SignalStruct, which: u32) -> u64 {
    let u = sig.timers.utime.load(Ordering::Relaxed);
    let s = sig.timers.stime.load(Ordering::Relaxed);
    cycles_to_ns(if which == CPUCLOCK_VIRT { u } else { u + s })
}

/// Linux: check_cpu_itimer(): ITIMER_PROF or ITIMER_VIRTUAL expired: the next expiry is one
/// interval later (or the timer is off) and the process gets its signal.
fn check_cpu_itimer(t: &Task, idx: usize, now: u64, sig: i32) {
    let Some(pt) = t.signal.timers.try_timers() else { return };
    let fire = {
        let mut it = pt.it_cpu.lock();
        let (expires, incr) = it[idx];
        if expires == 0 || now < expires {
            false
        } else {
            it[idx].0 = if incr != 0 { expires + incr } else { 0 };
            true
        }
    };
    if fire {
        kill_process(t, sig, SigInfo { signo: sig, code: SI_KERNEL, ..Default::default() });
    }
}

/// Linux: run_posix_cpu_timers(): from the tick, for the task it interrupted.
pub fn run_posix_cpu_timers(t: &Task, _user: bool) {
    let sig = &t.signal;
    check_cpu_itimer(t, 0, group_cputime_ns(sig, CPUCLOCK_PROF), SIGPROF);
    check_cpu_itimer(t, 1, group_cputime_ns(sig, CPUCLOCK_VIRT), SIGVTALRM);
    let timers: Vec<Arc<KItimer>> = sig.timers.cpu_timers();
    for timer in timers {
        timer.check_cpu_timer(t);
    }
}

/// Linux: bump_cpu_timer() and hrtimer_forward(): move `expires` past `now` by whole
/// intervals; how many it took (the overrun).
pub fn forward(expires: &mut u64, interval: u64, now: u64) -> u64 {
    if interval == 0 || now < *expires {
        return 0;
    }
    let n = (now - *expires) / interval + 1;
    *expires = expires.saturating_add(n.saturating_mul(interval));
    n
}
