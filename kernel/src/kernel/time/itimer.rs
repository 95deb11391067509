//! Interval timers: getitimer/setitimer, and SIGALRM when ITIMER_REAL expires (glibc's
//! alarm(2) is setitimer).  Linux: kernel/time/itimer.c (do_setitimer, it_real_fn).
//!
//! Only ITIMER_REAL runs: a process's timer is signal->itimer_real (expiry, interval), and an
//! armed one has an entry in ALARMS, which the timer interrupt (timer.rs) runs.
//! ITIMER_VIRTUAL and ITIMER_PROF are accepted and read back as disarmed.

use super::timer::{program_next, SEQ};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::signal::{SigInfo, SIGALRM, SI_KERNEL};
use crate::kernel::task::{current, Task, TaskStruct};
use crate::mm::uaccess::UserPtr;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::Ordering;
use linux_raw_sys::general as uapi;

const ITIMER_REAL: i32 = uapi::ITIMER_REAL as i32;
const ITIMER_PROF: i32 = uapi::ITIMER_PROF as i32;

/// Processes with an armed ITIMER_REAL, by (expiry, sequence).
pub(super) static ALARMS: SpinLock<BTreeMap<(u64, u64), Weak<TaskStruct>>, class::Timers> =
    SpinLock::new(BTreeMap::new());

pub fn add_alarm(t: &Task, at: u64) {
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    ALARMS.lock().insert((at, seq), Arc::downgrade(t));
    program_next();
}

/// Linux: it_real_fn(): SIGALRM to the process whose ITIMER_REAL expired (stale entries of
/// re-armed or cancelled timers are skipped by comparing the expiry).
pub(super) fn run_alarms(now: u64) {
    loop {
        let e = {
            let mut a = ALARMS.lock();
            match a.keys().next().copied() {
                Some(k) if k.0 <= now => a.remove(&k).map(|w| (k.0, w)),
                _ => None,
            }
        };
        let Some((at, w)) = e else { break };
        let Some(t) = w.upgrade() else { continue };
        let rearm = {
            let mut it = t.signal.itimer_real.lock();
            if it.0 != at {
                continue;
            }
            if it.1 != 0 {
                it.0 = at + it.1;
                Some(it.0)
            } else {
                it.0 = 0;
                None
            }
        };
        crate::kernel::signal::kill_process(
            &t,
            SIGALRM,
            SigInfo { signo: SIGALRM, code: SI_KERNEL, ..Default::default() },
        );
        if let Some(n) = rearm {
            add_alarm(&t, n);
        }
    }
}

crate::user_pod! {
    /// Linux: struct __kernel_old_itimerval: (interval, value), each a timeval.
    #[derive(Clone, Copy, Default)]
    pub struct Itimerval {
        interval: [i64; 2],
        value: [i64; 2],
    }
}

fn tv_to_cycles(tv: [i64; 2]) -> KResult<u64> {
    if tv[0] < 0 || !(0..1_000_000).contains(&tv[1]) {
        return Err(EINVAL);
    }
    Ok(crate::arch::riscv::time::ns_to_cycles(tv[0] as u64 * 1_000_000_000 + tv[1] as u64 * 1000))
}
fn cycles_to_tv(c: u64) -> [i64; 2] {
    let us = crate::arch::riscv::time::cycles_to_ns(c).div_ceil(1000);
    [(us / 1_000_000) as i64, (us % 1_000_000) as i64]
}

fn itimer_get(t: &TaskStruct) -> Itimerval {
    let (exp, iv) = *t.signal.itimer_real.lock();
    let now = crate::arch::riscv::time::get_cycles();
    let left = if exp == 0 { 0 } else { exp.saturating_sub(now).max(1) };
    Itimerval { interval: cycles_to_tv(iv), value: cycles_to_tv(left) }
}

pub fn sys_getitimer(which: i32, value: UserPtr<Itimerval>) -> KResult<usize> {
    if which != ITIMER_REAL {
        return if (ITIMER_REAL..=ITIMER_PROF).contains(&which) {
            value.write(&Itimerval::default()).map(|_| 0)
        } else {
            Err(EINVAL)
        };
    }
    value.write(&itimer_get(&current()))?;
    Ok(0)
}

/// Linux: do_setitimer(ITIMER_REAL): SIGALRM at expiry (alarm(2) in glibc is this).
pub fn sys_setitimer(
    which: i32,
    value: Option<UserPtr<Itimerval>>,
    ovalue: Option<UserPtr<Itimerval>>,
) -> KResult<usize> {
    if !(ITIMER_REAL..=ITIMER_PROF).contains(&which) {
        return Err(EINVAL);
    }
    let cur = current();
    let nv = value.map(|v| v.read()).transpose()?;
    if which != ITIMER_REAL {
        if let Some(o) = ovalue {
            o.write(&Itimerval::default())?;
        }
        return Ok(0);
    }
    let oldv = itimer_get(&cur);
    if let Some(n) = nv {
        let val = tv_to_cycles(n.value)?;
        let iv = tv_to_cycles(n.interval)?;
        let exp = if val == 0 { 0 } else { crate::arch::riscv::time::get_cycles() + val };
        *cur.signal.itimer_real.lock() = (exp, iv);
        if exp != 0 {
            add_alarm(&cur, exp);
        }
    }
    if let Some(o) = ovalue {
        o.write(&oldv)?;
    }
    Ok(0)
}
