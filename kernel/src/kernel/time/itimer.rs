//! Interval timers: getitimer and setitimer (glibc's alarm(2) is setitimer).  Linux:
//! kernel/time/itimer.c (do_setitimer, do_getitimer, it_real_fn, set_cpu_itimer,
//! get_cpu_itimer).
//!
//! ITIMER_REAL runs on CLOCK_MONOTONIC in the timer queue and sends SIGALRM; like Linux, a
//! periodic one is started again when its SIGALRM is dequeued (itimer_real_rearm(), from
//! dequeue_signal), so however short its interval it sends one signal per signal taken.
//! ITIMER_VIRTUAL (user time, SIGVTALRM) and ITIMER_PROF (user and system time, SIGPROF) count
//! the process's CPU time and are looked at by the tick (posix_cpu_timers.rs).

use super::posix_cpu_timers::{forward, group_cputime_ns, CPUCLOCK_PROF, CPUCLOCK_VIRT};
use super::timekeeping::{mono_ns_to_cycles, uptime_ns};
use super::timer::{hrtimer_cancel, hrtimer_start, HrTimerCallback, TimerKey, TICK_NSEC};
use crate::errno::*;
use crate::kernel::signal::{kill_process, SigInfo, SIGALRM, SI_KERNEL};
use crate::kernel::signal_types::SignalStruct;
use crate::kernel::task::{current, TaskStruct};
use crate::mm::uaccess::UserPtr;
use alloc::sync::{Arc, Weak};
use linux_raw_sys::general as uapi;

const ITIMER_REAL: i32 = uapi::ITIMER_REAL as i32;
const ITIMER_VIRTUAL: i32 = uapi::ITIMER_VIRTUAL as i32;
const ITIMER_PROF: i32 = uapi::ITIMER_PROF as i32;

/// Linux: signal->real_timer and it_real_incr.
pub struct ItReal {
    /// The expiry in CLOCK_MONOTONIC ns; 0: off.
    expires: u64,
    /// Linux: it_real_incr, in ns.
    incr: u64,
    /// The entry in the timer queue while armed.
    key: Option<TimerKey>,
    /// The process to signal (its leader).
    leader: Weak<TaskStruct>,
}

impl ItReal {
    pub fn new() -> Self {
        ItReal { expires: 0, incr: 0, key: None, leader: Weak::new() }
    }
}

impl Default for ItReal {
    fn default() -> Self {
        Self::new()
    }
}

/// Queue a process's ITIMER_REAL at its expiry (`me`: its signal_struct).
fn arm_real(it: &mut ItReal, me: Weak<SignalStruct>) {
    if let Some(k) = it.key.take() {
        hrtimer_cancel(k);
    }
    if it.expires != 0 {
        let cb: Weak<dyn HrTimerCallback> = me;
        it.key = Some(hrtimer_start(cb, mono_ns_to_cycles(it.expires)));
    }
}

/// Linux: it_real_fn(): SIGALRM to the process; not restarted here.
impl HrTimerCallback for SignalStruct {
    fn expire(&self, _now: u64) {
        let Some(pt) = self.timers.try_timers() else { return };
        let leader = {
            let mut it = pt.it_real.lock();
            if it.key.take().is_none() {
                return;
            }
            if it.incr == 0 {
                it.expires = 0;
            }
            it.leader.upgrade()
        };
        if let Some(t) = leader {
            kill_process(&t, SIGALRM, SigInfo { signo: SIGALRM, code: SI_KERNEL, ..Default::default() });
        }
    }
}

/// Linux: the ITIMER_REAL part of dequeue_signal(): a periodic ITIMER_REAL whose SIGALRM was
/// just taken goes on from its last expiry, past now.
pub fn itimer_real_rearm(sig: &Arc<SignalStruct>) {
    let Some(pt) = sig.timers.try_timers() else { return };
    let mut it = pt.it_real.lock();
    if it.key.is_some() || it.incr == 0 || it.expires == 0 {
        return;
    }
    let incr = it.incr;
    forward(&mut it.expires, incr, uptime_ns());
    arm_real(&mut it, Arc::downgrade(sig));
}

/// Linux: itimer_get_remtime(): the time left, at least 1 µs while queued (0 once it fired,
/// until its SIGALRM is taken and it is queued again).
fn real_get(it: &ItReal) -> (u64, u64) {
    if it.key.is_none() {
        return (0, it.incr);
    }
    let left = it.expires.saturating_sub(uptime_ns());
    (if left == 0 { 1000 } else { left }, it.incr)
}

/// Linux: get_cpu_itimer(): a CPU itimer about to fire says one tick.
fn cpu_get(sig: &SignalStruct, idx: usize) -> (u64, u64) {
    let now = group_cputime_ns(sig, if idx == 0 { CPUCLOCK_PROF } else { CPUCLOCK_VIRT });
    let Some(pt) = sig.timers.try_timers() else { return (0, 0) };
    let (expires, incr) = pt.it_cpu.lock()[idx];
    if expires == 0 {
        return (0, incr);
    }
    (if expires < now { TICK_NSEC } else { expires - now }, incr)
}

crate::user_pod! {
    /// Linux: struct __kernel_old_itimerval: (interval, value), each a timeval.
    #[derive(Clone, Copy, Default)]
    pub struct Itimerval {
        interval: [i64; 2],
        value: [i64; 2],
    }
}

/// Linux: get_itimerval(): timeval_valid() for both, EINVAL otherwise; in ns.
fn tv_to_ns(tv: [i64; 2]) -> KResult<u64> {
    if tv[0] < 0 || !(0..1_000_000).contains(&tv[1]) {
        return Err(EINVAL);
    }
    Ok((tv[0] as u64).saturating_mul(1_000_000_000).saturating_add(tv[1] as u64 * 1000))
}

/// Linux: put_itimerval(): microseconds, truncated.
fn ns_to_tv(ns: u64) -> [i64; 2] {
    [(ns / 1_000_000_000) as i64, ((ns % 1_000_000_000) / 1000) as i64]
}

fn itimerval(v: (u64, u64)) -> Itimerval {
    Itimerval { value: ns_to_tv(v.0), interval: ns_to_tv(v.1) }
}

/// Linux: do_getitimer().
fn do_getitimer(which: i32) -> KResult<(u64, u64)> {
    let cur = current();
    let sig = &cur.signal;
    match which {
        ITIMER_REAL => Ok(sig.timers.try_timers().map_or((0, 0), |t| real_get(&t.it_real.lock()))),
        ITIMER_PROF => Ok(cpu_get(sig, 0)),
        ITIMER_VIRTUAL => Ok(cpu_get(sig, 1)),
        _ => Err(EINVAL),
    }
}

pub fn sys_getitimer(which: i32, value: UserPtr<Itimerval>) -> KResult<usize> {
    let v = do_getitimer(which)?;
    value.write(&itimerval(v))?;
    Ok(0)
}

/// Linux: do_setitimer(): the old setting out, the new one in (value 0: off).  A CPU itimer's
/// first expiry is a tick later than asked (Linux: set_cpu_itimer()'s `nval += TICK_NSEC`).
fn do_setitimer(which: i32, value: u64, interval: u64) -> KResult<(u64, u64)> {
    let cur = current();
    let sig = &cur.signal;
    match which {
        ITIMER_REAL => {
            let leader = cur.rel.lock().group_leader.as_ref().and_then(|w| w.upgrade()).unwrap_or_else(|| cur.clone());
            let mut it = sig.timers.timers().it_real.lock();
            let old = real_get(&it);
            if let Some(k) = it.key.take() {
                hrtimer_cancel(k);
            }
            if value != 0 {
                it.incr = interval;
                it.expires = uptime_ns().saturating_add(value);
                it.leader = Arc::downgrade(&leader);
                arm_real(&mut it, Arc::downgrade(sig));
            } else {
                it.incr = 0;
                it.expires = 0;
            }
            Ok(old)
        }
        ITIMER_PROF | ITIMER_VIRTUAL => {
            let idx = if which == ITIMER_PROF { 0 } else { 1 };
            let old = cpu_get(sig, idx);
            let now = group_cputime_ns(sig, if idx == 0 { CPUCLOCK_PROF } else { CPUCLOCK_VIRT });
            let mut it = sig.timers.timers().it_cpu.lock();
            it[idx] = if value != 0 { (now + value + TICK_NSEC, interval) } else { (0, interval) };
            Ok(old)
        }
        _ => Err(EINVAL),
    }
}

/// Linux: SYSCALL_DEFINE3(setitimer): a NULL new value is taken as zeros (disarming, as Linux
/// 6.1 still does, with a warning).
pub fn sys_setitimer(
    which: i32,
    value: Option<UserPtr<Itimerval>>,
    ovalue: Option<UserPtr<Itimerval>>,
) -> KResult<usize> {
    let (v, i) = match value {
        Some(p) => {
            let n = p.read()?;
            (tv_to_ns(n.value)?, tv_to_ns(n.interval)?)
        }
        None => (0, 0),
    };
    let old = do_setitimer(which, v, i)?;
    if let Some(o) = ovalue {
        o.write(&itimerval(old))?;
    }
    Ok(0)
}

/// The last thread of a process is gone: its ITIMER_REAL stops (Linux: do_exit()'s
/// hrtimer_cancel(&sig->real_timer)).
pub fn exit_itimer_real(sig: &SignalStruct) {
    let Some(pt) = sig.timers.try_timers() else { return };
    let mut it = pt.it_real.lock();
    if let Some(k) = it.key.take() {
        hrtimer_cancel(k);
    }
    it.expires = 0;
    it.incr = 0;
}
