//! The POSIX clocks by id: clock_gettime, clock_getres, clock_nanosleep.  Linux:
//! kernel/time/posix-timers.c (clockid_to_kclock and the k_clocks), posix-cpu-timers.c (the
//! CPU-time clocks).
//!
//! CLOCK_REALTIME* read the wall clock, CLOCK_MONOTONIC*/BOOTTIME the clock since boot (no
//! suspend, so they agree), the CPU-time clocks the caller's utime + stime (thread and
//! process alike: the per-thread counters).  timer_create and friends are not implemented.

use super::hrtimer::do_nanosleep;
use super::time::Timespec;
use super::timekeeping::{ktime_get_real_ns, uptime_ns};
use crate::arch::riscv::time::cycles_to_ns;
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;
use linux_raw_sys::general as uapi;

pub const CLOCK_REALTIME: i32 = uapi::CLOCK_REALTIME as i32;
pub const CLOCK_MONOTONIC: i32 = uapi::CLOCK_MONOTONIC as i32;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = uapi::CLOCK_PROCESS_CPUTIME_ID as i32;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = uapi::CLOCK_THREAD_CPUTIME_ID as i32;
pub const CLOCK_MONOTONIC_RAW: i32 = uapi::CLOCK_MONOTONIC_RAW as i32;
pub const CLOCK_REALTIME_COARSE: i32 = uapi::CLOCK_REALTIME_COARSE as i32;
pub const CLOCK_MONOTONIC_COARSE: i32 = uapi::CLOCK_MONOTONIC_COARSE as i32;
pub const CLOCK_BOOTTIME: i32 = uapi::CLOCK_BOOTTIME as i32;
/// clock_nanosleep(2): the request is an absolute time.
const TIMER_ABSTIME: i32 = uapi::TIMER_ABSTIME as i32;

/// The clock `clk` now, in nanoseconds (Linux: clockid_to_kclock(clk)->clock_get_timespec).
pub(super) fn clock_ns(clk: i32) -> KResult<u64> {
    match clk {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(ktime_get_real_ns()),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(uptime_ns()),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            let c = crate::kernel::task::current();
            Ok(cycles_to_ns(c.utime.load(Ordering::Relaxed) + c.stime.load(Ordering::Relaxed)))
        }
        _ => Err(EINVAL),
    }
}

pub fn sys_clock_gettime(which_clock: i32, tp: UserPtr<Timespec>) -> KResult<usize> {
    let ns = clock_ns(which_clock)?;
    tp.write(&Timespec::from_ns(ns))?;
    Ok(0)
}

pub fn sys_clock_getres(which_clock: i32, tp: Option<UserPtr<Timespec>>) -> KResult<usize> {
    clock_ns(which_clock)?;
    if let Some(tp) = tp {
        tp.write(&Timespec { tv_sec: 0, tv_nsec: 1 })?;
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(clock_nanosleep) -> common_nsleep() -> hrtimer_nanosleep().
pub fn sys_clock_nanosleep(
    which_clock: i32,
    flags: i32,
    rqtp: UserPtr<Timespec>,
    rmtp: Option<UserPtr<Timespec>>,
) -> KResult<usize> {
    let ts = rqtp.read()?;
    let mut ns = ts.to_ns()?;
    let now = clock_ns(which_clock)?;
    if flags & TIMER_ABSTIME != 0 {
        ns = ns.saturating_sub(now);
        return do_nanosleep(ns, None);
    }
    do_nanosleep(ns, rmtp)
}
