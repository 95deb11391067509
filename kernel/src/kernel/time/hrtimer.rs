//! Sleeping for a time: nanosleep.  Linux: kernel/time/hrtimer.c (do_nanosleep,
//! hrtimer_nanosleep, SYSCALL_DEFINE2(nanosleep)).
//!
//! A sleeper's timer is an entry in the timeout queue of timer.rs
//! (schedule_timeout_interruptible), with a deadline in timer cycles rather than jiffies.

use super::time::Timespec;
use crate::arch::riscv::time::{cycles_to_ns, get_cycles, ns_to_cycles};
use crate::errno::*;
use crate::mm::uaccess::UserPtr;

/// Linux: do_nanosleep(): sleep `ns`; interrupted, the time left goes to `rem`.
pub(super) fn do_nanosleep(ns: u64, rem: Option<UserPtr<Timespec>>) -> KResult<usize> {
    let start = get_cycles();
    let deadline = start + ns_to_cycles(ns) + 1;
    match super::timer::schedule_timeout_interruptible(deadline) {
        Ok(()) => Ok(0),
        Err(e) => {
            if let Some(rem) = rem {
                let left = cycles_to_ns(deadline.saturating_sub(get_cycles()));
                rem.write(&Timespec::from_ns(left))?;
            }
            // Linux restarts through restart_block; without SA_RESTART semantics for
            // nanosleep we report EINTR.
            let _ = e;
            Err(EINTR)
        }
    }
}

pub fn sys_nanosleep(rqtp: UserPtr<Timespec>, rmtp: Option<UserPtr<Timespec>>) -> KResult<usize> {
    let ts = rqtp.read()?;
    do_nanosleep(ts.to_ns()?, rmtp)
}
