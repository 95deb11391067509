//! Sleeping for a time: nanosleep and clock_nanosleep, and their restart.  Linux:
//! kernel/time/hrtimer.c (do_nanosleep, hrtimer_nanosleep, hrtimer_nanosleep_restart,
//! nanosleep_copyout, SYSCALL_DEFINE2(nanosleep)), kernel/time/posix-cpu-timers.c
//! (posix_cpu_nsleep).
//!
//! A sleeper's timer is an entry in the timer queue of timer.rs. A sleep a signal interrupts
//! writes the time left to `rem` and returns ERESTART_RESTARTBLOCK with the absolute expiry
//! in the task's restart block: a handler turns that into EINTR; without one (the signal was
//! ignored, or stopped the process) restart_syscall(2) goes on sleeping to the same expiry.
//! An absolute sleep is simply restarted (ERESTARTNOHAND).

use super::posix_timers::{cpu_nanosleep, Base, KClock};
use super::time::Timespec;
use super::timer::schedule_timeout_interruptible;
use crate::errno::*;
use crate::kernel::signal_types::RestartBlock;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;

/// Linux: nanosleep_copyout(): the time left to the user's `rem` (EFAULT if it cannot be).
fn nanosleep_copyout(rmtp: Option<UserPtr<Timespec>>, left: u64) -> KResult<()> {
    match rmtp {
        Some(r) => r.write(&Timespec::from_ns(left)),
        None => Ok(()),
    }
}

/// Linux: do_nanosleep() + hrtimer_nanosleep(): sleep until `expires` on `base`.
fn hrtimer_nanosleep(base: Base, expires: u64, abs: bool, rmtp: Option<UserPtr<Timespec>>) -> KResult<usize> {
    if schedule_timeout_interruptible(base.to_cycles(expires).saturating_add(1)).is_ok() {
        return Ok(0);
    }
    let left = expires.saturating_sub(base.now());
    if rmtp.is_some() {
        if left == 0 {
            return Ok(0);
        }
        nanosleep_copyout(rmtp, left)?;
    }
    if abs {
        return Err(ERESTARTNOHAND);
    }
    *current().restart_block.lock() = RestartBlock::Nanosleep { base, expires, rmtp };
    Err(ERESTART_RESTARTBLOCK)
}

/// Linux: kc->nsleep(): the sleep of clock_nanosleep on the clock `kc`; `ns` is absolute
/// with `abs`, else relative.  Relative sleeps on CLOCK_REALTIME count CLOCK_MONOTONIC time
/// (Linux: __hrtimer_init()).
pub(super) fn do_clock_nanosleep(
    clockid: i32,
    kc: KClock,
    abs: bool,
    ns: u64,
    rmtp: Option<UserPtr<Timespec>>,
) -> KResult<usize> {
    *current().restart_block.lock() = RestartBlock::None;
    if let KClock::Cpu { .. } = kc {
        // Linux: posix_cpu_nsleep() -> do_cpu_nanosleep().
        let expires = if abs { ns } else { kc.now()?.saturating_add(ns) };
        return match cpu_nanosleep(&kc, clockid, expires) {
            Ok(()) => Ok(0),
            Err(left) => {
                if abs {
                    return Err(ERESTARTNOHAND);
                }
                nanosleep_copyout(rmtp, left)?;
                *current().restart_block.lock() = RestartBlock::CpuNanosleep { clockid, expires, rmtp };
                Err(ERESTART_RESTARTBLOCK)
            }
        };
    }
    let base = match kc {
        KClock::Realtime | KClock::Tai if abs => Base::Real,
        _ => Base::Mono,
    };
    let expires = if abs { ns } else { base.now().saturating_add(ns) };
    hrtimer_nanosleep(base, expires, abs, rmtp)
}

/// Linux: hrtimer_nanosleep_restart() / posix_cpu_nsleep_restart(): restart_syscall(2) of an
/// interrupted sleep: on to the same expiry.
pub fn nanosleep_restart(rb: RestartBlock) -> KResult<usize> {
    match rb {
        RestartBlock::Nanosleep { base, expires, rmtp } => hrtimer_nanosleep(base, expires, false, rmtp),
        RestartBlock::CpuNanosleep { clockid, expires, rmtp } => {
            let kc = super::posix_timers::clockid_to_kclock(clockid, false)?;
            match cpu_nanosleep(&kc, clockid, expires) {
                Ok(()) => Ok(0),
                Err(left) => {
                    nanosleep_copyout(rmtp, left)?;
                    *current().restart_block.lock() = RestartBlock::CpuNanosleep { clockid, expires, rmtp };
                    Err(ERESTART_RESTARTBLOCK)
                }
            }
        }
        RestartBlock::None => Err(EINTR),
    }
}

/// Linux: SYSCALL_DEFINE2(nanosleep): a relative sleep on CLOCK_MONOTONIC.
pub fn sys_nanosleep(rqtp: UserPtr<Timespec>, rmtp: Option<UserPtr<Timespec>>) -> KResult<usize> {
    let ts = rqtp.read()?;
    let ns = ts.to_ns()?;
    do_clock_nanosleep(super::posix_timers::CLOCK_MONOTONIC, KClock::Monotonic, false, ns, rmtp)
}
