//! The POSIX clocks and timers: clock_gettime, clock_settime, clock_getres, clock_nanosleep,
//! timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete.  Linux:
//! kernel/time/posix-timers.c (clockid_to_kclock and the k_clocks, do_timer_create,
//! common_timer_set/get, posix_timer_fn, posix_timer_event, posixtimer_rearm, exit_itimers),
//! kernel/time/posix-clock.c for the dynamic clocks MenuOS does not have.
//!
//! A timer lives in its process's [`SignalTimers`] and sends its signal through one
//! preallocated queue entry: while that entry is pending, further expiries only count
//! overruns, and a periodic timer is rearmed when its signal is dequeued (posixtimer_rearm),
//! not when it fires — a timer with a 2 µs interval fires once per signal the process
//! takes, whatever its interval.  Timers on CPU-time clocks are posix_cpu_timers.rs's to fire.

use super::hrtimer::do_clock_nanosleep;
use super::posix_cpu_timers::{forward, group_cputime_ns, thread_cputime_ns, CPUCLOCK_MAX, CPUCLOCK_SCHED};
use super::time::Timespec;
use super::timekeeping::{
    do_settimeofday64, ktime_get_coarse_ns, ktime_get_coarse_real_ns, ktime_get_real_ns, mono_ns_to_cycles,
    real_to_mono, uptime_ns,
};
use super::timer::{hrtimer_cancel, hrtimer_start, HrTimerCallback, TimerKey, TICK_NSEC};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::signal_types::{
    SigInfo, SigQueue, SignalStruct, SigpendingCharge, RLIMIT_SIGPENDING, SIGALRM, SIGRTMAX, SI_TIMER,
};
use crate::kernel::task::{current, Task, TaskStruct};
use crate::mm::uaccess::UserPtr;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use linux_raw_sys::general as uapi;

pub const CLOCK_REALTIME: i32 = uapi::CLOCK_REALTIME as i32;
pub const CLOCK_MONOTONIC: i32 = uapi::CLOCK_MONOTONIC as i32;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = uapi::CLOCK_PROCESS_CPUTIME_ID as i32;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = uapi::CLOCK_THREAD_CPUTIME_ID as i32;
pub const CLOCK_MONOTONIC_RAW: i32 = uapi::CLOCK_MONOTONIC_RAW as i32;
pub const CLOCK_REALTIME_COARSE: i32 = uapi::CLOCK_REALTIME_COARSE as i32;
pub const CLOCK_MONOTONIC_COARSE: i32 = uapi::CLOCK_MONOTONIC_COARSE as i32;
pub const CLOCK_BOOTTIME: i32 = uapi::CLOCK_BOOTTIME as i32;
pub const CLOCK_REALTIME_ALARM: i32 = uapi::CLOCK_REALTIME_ALARM as i32;
pub const CLOCK_BOOTTIME_ALARM: i32 = uapi::CLOCK_BOOTTIME_ALARM as i32;
pub const CLOCK_TAI: i32 = uapi::CLOCK_TAI as i32;
/// clock_nanosleep(2), timer_settime(2): the time is absolute.
pub const TIMER_ABSTIME: i32 = uapi::TIMER_ABSTIME as i32;
/// Linux: CLOCKFD and CLOCKFD_MASK — negative clock ids naming a dynamic (PTP) clock's fd.
const CLOCKFD: i32 = 3;
const CLOCKFD_MASK: i32 = 7;
/// Linux: CPUCLOCK_PERTHREAD_MASK.
const CPUCLOCK_PERTHREAD_MASK: i32 = 4;
/// Linux: REQUEUE_PENDING — the low bit of it_requeue_pending: a signal is on its way.
const REQUEUE_PENDING: u64 = 1;

/// The hrtimer base a clock's timers run on (Linux: the hrtimer clock bases): CLOCK_REALTIME
/// (and CLOCK_TAI) for absolute times on those clocks, CLOCK_MONOTONIC for everything else.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Base {
    Mono,
    Real,
}

impl Base {
    /// Linux: base->get_time().
    pub fn now(self) -> u64 {
        match self {
            Base::Mono => uptime_ns(),
            Base::Real => ktime_get_real_ns(),
        }
    }
    /// The timer-cycle count at which this base reads `ns`.
    pub fn to_cycles(self, ns: u64) -> u64 {
        match self {
            Base::Mono => mono_ns_to_cycles(ns),
            Base::Real => mono_ns_to_cycles(real_to_mono(ns)),
        }
    }
}

/// Linux: struct k_clock — what a clock id names, resolved (a CPU clock to its task).
#[derive(Clone)]
pub enum KClock {
    Realtime,
    Monotonic,
    Boottime,
    Tai,
    MonotonicRaw,
    RealtimeCoarse,
    MonotonicCoarse,
    /// CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM: they need an RTC that can wake the
    /// system (Linux: alarmtimer_get_rtcdev()); there is none, as on the reference Linux.
    Alarm,
    /// A CPU-time clock: a thread's or a process's (`task` is the thread, or one of the
    /// process's), counting `which` (CPUCLOCK_PROF, _VIRT or _SCHED).
    Cpu {
        thread: bool,
        which: u32,
        task: Task,
    },
}

/// Linux: pid_for_clock(): the task a CPU clock id names; pid 0 is the caller (its thread or
/// its process); a thread clock must be of a thread of the caller's process.
fn pid_for_clock(clock: i32, gettime: bool) -> KResult<KClock> {
    let which = (clock & 3) as u32;
    let thread = clock & CPUCLOCK_PERTHREAD_MASK != 0;
    if which >= CPUCLOCK_MAX {
        return Err(EINVAL);
    }
    let upid = !(clock >> 3);
    let cur = current();
    if upid == 0 {
        return Ok(KClock::Cpu { thread, which, task: cur });
    }
    let t = crate::kernel::pid::find_task_by_vpid(upid).ok_or(EINVAL)?;
    if thread {
        if t.tgid() != cur.tgid() {
            return Err(EINVAL);
        }
    } else if t.pid() != t.tgid() && !(gettime && Arc::ptr_eq(&t, &cur)) {
        return Err(EINVAL);
    }
    Ok(KClock::Cpu { thread, which, task: t })
}

/// Linux: clockid_to_kclock(): EINVAL for a clock that does not exist.
pub fn clockid_to_kclock(id: i32, gettime: bool) -> KResult<KClock> {
    if id < 0 {
        if id & CLOCKFD_MASK == CLOCKFD {
            return Err(EINVAL);
        }
        return pid_for_clock(id, gettime);
    }
    Ok(match id {
        CLOCK_REALTIME => KClock::Realtime,
        CLOCK_MONOTONIC => KClock::Monotonic,
        CLOCK_PROCESS_CPUTIME_ID => KClock::Cpu { thread: false, which: CPUCLOCK_SCHED, task: current() },
        CLOCK_THREAD_CPUTIME_ID => KClock::Cpu { thread: true, which: CPUCLOCK_SCHED, task: current() },
        CLOCK_MONOTONIC_RAW => KClock::MonotonicRaw,
        CLOCK_REALTIME_COARSE => KClock::RealtimeCoarse,
        CLOCK_MONOTONIC_COARSE => KClock::MonotonicCoarse,
        CLOCK_BOOTTIME => KClock::Boottime,
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => KClock::Alarm,
        CLOCK_TAI => KClock::Tai,
        _ => return Err(EINVAL),
    })
}

impl KClock {
    /// Linux: kc->clock_get_timespec(): the clock now, in ns.
    pub fn now(&self) -> KResult<u64> {
        Ok(match self {
            KClock::Realtime | KClock::Tai => ktime_get_real_ns(),
            KClock::Monotonic | KClock::Boottime | KClock::MonotonicRaw => uptime_ns(),
            KClock::RealtimeCoarse => ktime_get_coarse_real_ns(),
            KClock::MonotonicCoarse => ktime_get_coarse_ns(),
            KClock::Alarm => return Err(EINVAL),
            KClock::Cpu { thread: true, which, task } => thread_cputime_ns(task, *which),
            KClock::Cpu { thread: false, which, task } => group_cputime_ns(&task.signal, *which),
        })
    }

    /// Linux: kc->clock_getres(): the hrtimer clocks tick with the clocksource (10 MHz on
    /// QEMU virt: 100 ns; Linux's high-resolution timers say 1 ns), the coarse ones and CPU
    /// time with the tick (Linux: LOW_RES_NSEC).
    pub fn res(&self) -> KResult<u64> {
        let hr = crate::arch::riscv::time::cycles_to_ns(1).max(1);
        Ok(match self {
            KClock::Alarm => return Err(EINVAL),
            KClock::RealtimeCoarse | KClock::MonotonicCoarse | KClock::Cpu { .. } => TICK_NSEC,
            _ => hr,
        })
    }

    /// The hrtimer base of a timer on this clock (None for the CPU clocks; the alarm clocks
    /// and the raw and coarse clocks have no timers).  Linux: __hrtimer_init() turns
    /// relative CLOCK_REALTIME timers into CLOCK_MONOTONIC ones.
    fn timer_base(&self, abs: bool) -> Option<Base> {
        match self {
            KClock::Realtime | KClock::Tai if abs => Some(Base::Real),
            KClock::Realtime | KClock::Tai | KClock::Monotonic | KClock::Boottime => Some(Base::Mono),
            _ => None,
        }
    }

    fn has_timers(&self) -> bool {
        matches!(self, KClock::Realtime | KClock::Tai | KClock::Monotonic | KClock::Boottime | KClock::Cpu { .. })
    }
}

/// The clock `clk` now, in nanoseconds (gettimeofday, timerfd).
pub fn clock_ns(clk: i32) -> KResult<u64> {
    clockid_to_kclock(clk, true)?.now()
}

pub fn sys_clock_gettime(which_clock: i32, tp: UserPtr<Timespec>) -> KResult<usize> {
    let ns = clockid_to_kclock(which_clock, true)?.now()?;
    tp.write(&Timespec::from_ns(ns))?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(clock_getres).
pub fn sys_clock_getres(which_clock: i32, tp: Option<UserPtr<Timespec>>) -> KResult<usize> {
    let res = clockid_to_kclock(which_clock, true)?.res()?;
    if let Some(tp) = tp {
        tp.write(&Timespec::from_ns(res))?;
    }
    Ok(0)
}

/// Linux: cap_settime() (security_settime64()): setting the clock or the timezone needs
/// CAP_SYS_TIME (EPERM).
pub fn settime_capable() -> KResult<()> {
    if crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_TIME) {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// Linux: TIME_SETTOD_SEC_MAX: the wall clock is not set within 30 years of the end of ktime.
const TIME_SETTOD_SEC_MAX: i64 = i64::MAX / 1_000_000_000 - 30 * 31_536_000;

/// Linux: do_sys_settimeofday64() -> do_settimeofday64(): EINVAL for a time that is not
/// valid, too late, or before the machine booted (the wall clock may not go below the
/// monotonic clock).  Then security_settime64() -> cap_settime(): EPERM without
/// CAP_SYS_TIME.
pub fn do_settime(ts: &Timespec) -> KResult<()> {
    let ns = ts.to_ns()?;
    if ts.tv_sec >= TIME_SETTOD_SEC_MAX || ns < uptime_ns() {
        return Err(EINVAL);
    }
    settime_capable()?;
    do_settimeofday64(ns);
    Ok(())
}

/// Linux: SYSCALL_DEFINE2(clock_settime): only CLOCK_REALTIME can be set (EINVAL for the
/// others, as posix_clock_realtime_set is the only clock_set).
pub fn sys_clock_settime(which_clock: i32, tp: UserPtr<Timespec>) -> KResult<usize> {
    let kc = clockid_to_kclock(which_clock, false)?;
    let ts = tp.read()?;
    match kc {
        KClock::Realtime => do_settime(&ts).map(|_| 0),
        _ => Err(EINVAL),
    }
}

/// Linux: SYSCALL_DEFINE4(clock_nanosleep): EINVAL for a bad clock or timespec and for the
/// caller's own thread CPU clock by its dynamic id, EOPNOTSUPP for clocks without sleeping
/// (CLOCK_THREAD_CPUTIME_ID, the raw and coarse clocks, the alarm clocks without an RTC).
pub fn sys_clock_nanosleep(
    which_clock: i32,
    flags: i32,
    rqtp: UserPtr<Timespec>,
    rmtp: Option<UserPtr<Timespec>>,
) -> KResult<usize> {
    let kc = clockid_to_kclock(which_clock, false)?;
    // (CLOCK_THREAD_CPUTIME_ID itself is Linux's clock_thread, which has no nsleep)
    if matches!(kc, KClock::MonotonicRaw | KClock::RealtimeCoarse | KClock::MonotonicCoarse | KClock::Alarm)
        || which_clock == CLOCK_THREAD_CPUTIME_ID
    {
        return Err(EOPNOTSUPP);
    }
    let ts = rqtp.read()?;
    let ns = ts.to_ns()?;
    // Linux: posix_cpu_nsleep(): not on the caller's own thread clock (it would never move).
    if let KClock::Cpu { thread: true, task, .. } = &kc {
        if Arc::ptr_eq(task, &current()) {
            return Err(EINVAL);
        }
    }
    let rmtp = if flags & TIMER_ABSTIME != 0 { None } else { rmtp };
    do_clock_nanosleep(which_clock, kc, flags & TIMER_ABSTIME != 0, ns, rmtp)
}

// --- the timers ---

/// Linux: signal_struct's timer and CPU-time fields.  The timers themselves are made on first
/// use ([`SignalTimers::timers`]): most processes never arm one, and fork should not pay for them.
pub struct SignalTimers {
    /// CPU time of the whole process, its live and dead threads, in timer cycles (Linux:
    /// signal->utime/stime and the threads' sums).
    pub utime: AtomicU64,
    pub stime: AtomicU64,
    timers: spin::Once<alloc::boxed::Box<ProcessTimers>>,
}

/// A process's timers, once it has used one.
pub struct ProcessTimers {
    /// ITIMER_REAL (Linux: signal->real_timer, it_real_incr).
    pub it_real: SpinLock<super::itimer::ItReal, class::SignalMisc>,
    /// ITIMER_PROF and ITIMER_VIRTUAL as (expiry, interval) in ns of the process's CPU time;
    /// expiry 0: off (Linux: signal->it[CPUCLOCK_PROF], it[CPUCLOCK_VIRT]).
    pub it_cpu: SpinLock<[(u64, u64); 2], class::SignalMisc>,
    /// Linux: signal->posix_timers, next_posix_timer_id.
    posix: SpinLock<PosixTimers, class::SignalMisc>,
}

#[derive(Default)]
struct PosixTimers {
    by_id: BTreeMap<i32, Arc<KItimer>>,
    next_id: i32,
    /// The timers on CPU-time clocks (of timer_create and of clock_nanosleep), for the tick.
    cpu: Vec<Weak<KItimer>>,
}

impl Default for SignalTimers {
    fn default() -> Self {
        Self::new()
    }
}

impl SignalTimers {
    pub const fn new() -> Self {
        SignalTimers { utime: AtomicU64::new(0), stime: AtomicU64::new(0), timers: spin::Once::new() }
    }

    /// The process's timers, made now if it has none yet.
    pub fn timers(&self) -> &ProcessTimers {
        self.timers.call_once(|| {
            alloc::boxed::Box::new(ProcessTimers {
                it_real: SpinLock::new(super::itimer::ItReal::new()),
                it_cpu: SpinLock::new([(0, 0); 2]),
                posix: SpinLock::new(PosixTimers { by_id: BTreeMap::new(), next_id: 0, cpu: Vec::new() }),
            })
        })
    }

    /// The process's timers, if it ever had one.
    pub fn try_timers(&self) -> Option<&ProcessTimers> {
        self.timers.get().map(|b| &**b)
    }

    /// Whether the tick has CPU-time timers to look at for this process.
    pub fn cpu_timers_armed(&self) -> bool {
        let Some(t) = self.try_timers() else { return false };
        if !t.posix.lock().cpu.is_empty() {
            return true;
        }
        let it = t.it_cpu.lock();
        it[0].0 != 0 || it[1].0 != 0
    }

    /// The live timers on CPU-time clocks.
    pub fn cpu_timers(&self) -> Vec<Arc<KItimer>> {
        let Some(t) = self.try_timers() else { return Vec::new() };
        let mut p = t.posix.lock();
        p.cpu.retain(|w| w.strong_count() > 0);
        p.cpu.iter().filter_map(|w| w.upgrade()).collect()
    }

    fn add_cpu_timer(&self, t: &Arc<KItimer>) {
        let mut p = self.timers().posix.lock();
        p.cpu.retain(|w| w.strong_count() > 0);
        p.cpu.push(Arc::downgrade(t));
    }

    fn find(&self, id: i32) -> KResult<Arc<KItimer>> {
        self.try_timers().and_then(|t| t.posix.lock().by_id.get(&id).cloned()).ok_or(EINVAL)
    }

    /// Every POSIX timer of the process.
    fn all(&self) -> Vec<Arc<KItimer>> {
        self.try_timers().map_or(Vec::new(), |t| t.posix.lock().by_id.values().cloned().collect())
    }
}

/// How a timer's expiry is measured.
#[derive(Clone)]
enum TimerClock {
    /// On an hrtimer base (CLOCK_REALTIME, _MONOTONIC, _BOOTTIME, _TAI).
    Hr,
    /// On a CPU-time clock of a thread or of a process (by one of its tasks).
    Cpu { thread: bool, which: u32, task: Weak<TaskStruct> },
}

/// Linux: struct k_itimer's state under it_lock.
struct ItState {
    /// The next expiry: base ns for hrtimer clocks, CPU ns for CPU clocks; 0: disarmed.
    expires: u64,
    base: Base,
    interval: u64,
    /// Linux: it_overrun (-1 until the first forward), it_overrun_last.
    overrun: i64,
    overrun_last: i64,
    /// Linux: it_requeue_pending: bumped by each setting and each expiry; its low bit set
    /// while a periodic timer's signal is on its way.
    requeue_pending: u64,
    /// Linux: it_active: queued on its clock.
    active: bool,
    /// The entry in the timer queue (hrtimer clocks).
    key: Option<TimerKey>,
    deleted: bool,
}

/// Linux: struct k_itimer — one POSIX timer.
pub struct KItimer {
    pub id: i32,
    clock: TimerClock,
    /// The clock id it was created on (Linux: it_clock).
    clockid: i32,
    /// Linux: it_sigev_notify, the signal and its sigev_value.
    notify: i32,
    signo: i32,
    sigval: u64,
    /// Linux: it_pid: the process (its leader) or, with SIGEV_THREAD_ID, the thread.
    target: Weak<TaskStruct>,
    thread_directed: bool,
    /// clock_nanosleep on a CPU clock: the sleeper to wake instead of a signal.
    sleeper: Option<Weak<TaskStruct>>,
    st: SpinLock<ItState, class::KItimer>,
    /// Linux: the preallocated sigqueue's state: queued, its si_overrun, its si_sys_private.
    sigq_queued: AtomicBool,
    si_overrun: AtomicI32,
    si_sys_private: AtomicU64,
    /// The preallocated sigqueue counts against RLIMIT_SIGPENDING for the timer's life.
    _charge: Option<SigpendingCharge>,
    me: Weak<KItimer>,
}

/// A timer's signal in a pending queue (Linux: the SIGQUEUE_PREALLOC sigqueue): when it
/// leaves the queue, however it leaves, the timer may queue it again.
pub struct TimerSigq(Weak<KItimer>);

impl Drop for TimerSigq {
    fn drop(&mut self) {
        if let Some(t) = self.0.upgrade() {
            t.sigq_queued.store(false, Ordering::Release);
        }
    }
}

/// Linux: timer_overrun_to_int(): the overrun as an int, capped at INT_MAX (DELAYTIMER_MAX).
fn timer_overrun_to_int(overrun_last: i64, baseval: i32) -> i32 {
    overrun_last.saturating_add(baseval as i64).clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

impl KItimer {
    fn sigev_none(&self) -> bool {
        self.notify & !(uapi::SIGEV_THREAD_ID as i32) == uapi::SIGEV_NONE as i32
    }

    /// The timer's clock now (in its expiry's unit).
    fn clock_now(&self, base: Base) -> Option<u64> {
        match &self.clock {
            TimerClock::Hr => Some(base.now()),
            TimerClock::Cpu { thread, which, task } => {
                let t = task.upgrade()?;
                Some(if *thread { thread_cputime_ns(&t, *which) } else { group_cputime_ns(&t.signal, *which) })
            }
        }
    }

    /// Queue the timer at its expiry (hrtimer clocks; CPU timers are looked at by the tick).
    fn arm(&self, st: &mut ItState) {
        if let Some(k) = st.key.take() {
            hrtimer_cancel(k);
        }
        if matches!(self.clock, TimerClock::Hr) && st.expires != 0 {
            let cb: Weak<dyn HrTimerCallback> = self.me.clone();
            st.key = Some(hrtimer_start(cb, st.base.to_cycles(st.expires)));
        }
    }

    /// Linux: posix_timer_event(): the timer's signal; true when it was ignored.
    fn posix_timer_event(&self, si_private: u64) -> bool {
        self.si_sys_private.store(si_private, Ordering::Relaxed);
        if let Some(s) = self.sleeper.as_ref() {
            if let Some(t) = s.upgrade() {
                crate::kernel::sched::wake_up_process(&t);
            }
            return false;
        }
        let Some(t) = self.target.upgrade() else { return false };
        let info = SigInfo {
            signo: self.signo,
            code: SI_TIMER,
            fields: Some([self.id as u32 as u64, self.sigval, 0, 0]),
            ..Default::default()
        };
        let me = self.me.clone();
        crate::kernel::signal::send_sigqueue(
            &t,
            self.thread_directed,
            self.signo,
            || SigQueue { info, charge: None, timer: Some(TimerSigq(me)) },
            &self.sigq_queued,
            &self.si_overrun,
        )
    }

    /// Linux: posix_timer_fn() (hrtimer clocks) and cpu_timer_fire() (CPU clocks): the timer
    /// expired.  A periodic timer waits to be rearmed by its signal's dequeue, unless the
    /// signal was ignored: then it keeps ticking here, at least a tick apart.
    fn fire(&self) {
        let cpu = !matches!(self.clock, TimerClock::Hr);
        let si_private = {
            let mut st = self.st.lock();
            if st.deleted || st.expires == 0 {
                return;
            }
            st.key = None;
            st.active = false;
            if self.sigev_none() {
                // (only a CPU timer gets here: SIGEV_NONE hrtimers are never queued)
                st.expires = 0;
                return;
            }
            if st.interval != 0 {
                st.requeue_pending += 1;
                st.requeue_pending
            } else {
                if cpu {
                    st.expires = 0;
                }
                0
            }
        };
        if !self.posix_timer_event(si_private) || si_private == 0 {
            return;
        }
        let mut st = self.st.lock();
        if st.deleted || st.requeue_pending != si_private {
            return;
        }
        let Some(mut now) = self.clock_now(st.base) else { return };
        if st.interval < TICK_NSEC {
            now += TICK_NSEC;
        }
        let interval = st.interval;
        st.overrun += forward(&mut st.expires, interval, now) as i64;
        st.requeue_pending += 1;
        st.active = true;
        self.arm(&mut st);
    }

    /// From the tick: a CPU-clock timer whose clock has reached its expiry fires.
    pub fn check_cpu_timer(&self, cur: &TaskStruct) {
        let TimerClock::Cpu { thread, task, .. } = &self.clock else { return };
        if *thread && !core::ptr::eq(task.as_ptr(), cur) {
            return;
        }
        let due = {
            let st = self.st.lock();
            st.active && st.expires != 0 && !st.deleted && self.clock_now(st.base).is_some_and(|n| n >= st.expires)
        };
        if due {
            self.fire();
            if self.sleeper.is_some() {
                self.st.lock().expires = 0;
            }
        }
    }

    /// Linux: common_timer_get() / posix_cpu_timer_get(): the time to the next expiry and the
    /// interval.  A periodic timer whose signal is on its way (or a SIGEV_NONE one) is moved
    /// past now first; a timer that fired but whose signal is not taken yet reports 1 ns.
    fn get(&self, st: &mut ItState) -> (u64, u64) {
        let iv = st.interval;
        let sig_none = self.sigev_none();
        if st.expires == 0 || (iv == 0 && !st.active && !sig_none && matches!(self.clock, TimerClock::Hr)) {
            return (0, iv);
        }
        let Some(now) = self.clock_now(st.base) else { return (0, iv) };
        if iv != 0 && (st.requeue_pending & REQUEUE_PENDING != 0 || sig_none) {
            st.overrun += forward(&mut st.expires, iv, now) as i64;
        }
        if st.expires > now {
            (st.expires - now, iv)
        } else if sig_none {
            (0, iv)
        } else {
            (1, iv)
        }
    }

    /// Linux: common_timer_set() / posix_cpu_timer_set().
    fn set(&self, flags: i32, value: u64, interval: u64) -> KResult<(u64, u64)> {
        let abs = flags & TIMER_ABSTIME != 0;
        let mut st = self.st.lock();
        let old = self.get(&mut st);
        if let Some(k) = st.key.take() {
            hrtimer_cancel(k);
        }
        st.interval = 0;
        st.active = false;
        st.requeue_pending = (st.requeue_pending + 2) & !REQUEUE_PENDING;
        st.overrun_last = 0;
        st.overrun = -1;
        st.expires = 0;
        if value == 0 {
            return Ok(old);
        }
        st.interval = interval;
        let fire_now = match &self.clock {
            TimerClock::Hr => {
                let kc = clockid_to_kclock(self.clockid, false)?;
                st.base = kc.timer_base(abs).unwrap_or(Base::Mono);
                st.expires = if abs { value } else { st.base.now().saturating_add(value) };
                if !self.sigev_none() {
                    self.arm(&mut st);
                    st.active = true;
                }
                false
            }
            TimerClock::Cpu { .. } => {
                let now = self.clock_now(st.base).ok_or(ESRCH)?;
                st.expires = if abs { value } else { now.saturating_add(value) };
                st.active = true;
                now >= st.expires
            }
        };
        drop(st);
        if fire_now {
            self.fire();
        }
        Ok(old)
    }

    /// The realtime clock was set: an absolute CLOCK_REALTIME timer is queued again at the
    /// new cycle count for its time (Linux: clock_was_set() -> retrigger_next_event()).
    fn clock_was_set(&self) {
        let mut st = self.st.lock();
        if st.base == Base::Real && st.key.is_some() {
            self.arm(&mut st);
        }
    }
}

/// Linux: posix_timer_fn(): an hrtimer-clock timer expired.
impl HrTimerCallback for KItimer {
    fn expire(&self, _now: u64) {
        self.fire();
    }
}

/// Linux: posixtimer_rearm(): a timer's signal was dequeued: a periodic timer goes on from
/// its last expiry (the intervals it missed become its overrun), and the siginfo gets the
/// overrun.  `info` is the dequeued signal's.
pub fn posixtimer_rearm(token: TimerSigq, info: &mut SigInfo) {
    let Some(timer) = token.0.upgrade() else { return };
    drop(token);
    let si_overrun = timer.si_overrun.swap(0, Ordering::AcqRel);
    let mut overrun = si_overrun;
    {
        let mut st = timer.st.lock();
        let si_private = timer.si_sys_private.load(Ordering::Relaxed);
        if !st.deleted && st.interval != 0 && si_private != 0 && st.requeue_pending == si_private {
            if let Some(now) = timer.clock_now(st.base) {
                let iv = st.interval;
                st.overrun += forward(&mut st.expires, iv, now) as i64;
                timer.arm(&mut st);
                st.active = true;
                st.overrun_last = st.overrun;
                st.overrun = -1;
                st.requeue_pending += 1;
                overrun = timer_overrun_to_int(st.overrun_last, si_overrun);
            }
        }
    }
    if let Some(f) = info.fields.as_mut() {
        f[0] = (f[0] & 0xffff_ffff) | ((overrun as u32 as u64) << 32);
    }
}

crate::user_pod! {
    /// Linux: struct sigevent (64 bytes): the value, the signal, how to notify, then a union
    /// whose first int is the thread id for SIGEV_THREAD_ID.
    #[derive(Clone, Copy)]
    pub struct Sigevent {
        pub sigev_value: u64,
        pub sigev_signo: i32,
        pub sigev_notify: i32,
        pub sigev_notify_thread_id: i32,
        pub _pad: [i32; 11],
    }
}

crate::user_pod! {
    /// Linux: struct __kernel_itimerspec.
    #[derive(Clone, Copy, Default)]
    pub struct Itimerspec {
        pub it_interval: Timespec,
        pub it_value: Timespec,
    }
}

const SIGEV_SIGNAL: i32 = uapi::SIGEV_SIGNAL as i32;
const SIGEV_NONE: i32 = uapi::SIGEV_NONE as i32;
const SIGEV_THREAD: i32 = uapi::SIGEV_THREAD as i32;
const SIGEV_THREAD_ID: i32 = uapi::SIGEV_THREAD_ID as i32;

/// Linux: good_sigevent(): the task the timer signals — the caller's process, or with
/// SIGEV_THREAD_ID a thread of it; None (EINVAL) for a bad notification or signal.
fn good_sigevent(ev: &Sigevent, cur: &Task) -> Option<(Task, bool)> {
    let leader = || cur.rel.lock().group_leader.as_ref().and_then(|w| w.upgrade()).unwrap_or_else(|| cur.clone());
    let signo_ok = ev.sigev_signo > 0 && ev.sigev_signo <= SIGRTMAX;
    match ev.sigev_notify {
        n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID => {
            let t = crate::kernel::pid::find_task_by_vpid(ev.sigev_notify_thread_id)?;
            (t.tgid() == cur.tgid() && signo_ok).then_some((t, true))
        }
        SIGEV_SIGNAL | SIGEV_THREAD => signo_ok.then(|| (leader(), false)),
        SIGEV_NONE => Some((leader(), false)),
        _ => None,
    }
}

/// Linux: do_timer_create() / SYSCALL_DEFINE3(timer_create): EINVAL for a bad clock or
/// sigevent, EOPNOTSUPP for clocks without timers, EAGAIN when RLIMIT_SIGPENDING has no room
/// for the timer's queue entry.  Without a sigevent: SIGALRM to the process, with the timer
/// id as its value.
pub fn sys_timer_create(
    which_clock: i32,
    timer_event_spec: Option<UserPtr<Sigevent>>,
    created_timer_id: UserPtr<i32>,
) -> KResult<usize> {
    let kc = clockid_to_kclock(which_clock, false)?;
    if !kc.has_timers() && !matches!(kc, KClock::Alarm) {
        return Err(EOPNOTSUPP);
    }
    let ev = timer_event_spec.map(|e| e.read()).transpose()?;
    let cur = current();
    let charge = SigpendingCharge::try_new(|| cur.signal.rlimit(RLIMIT_SIGPENDING), false).ok_or(EAGAIN)?;
    let sig: &SignalStruct = &cur.signal;
    let id = {
        let mut p = sig.timers.timers().posix.lock();
        let mut id = p.next_id;
        let mut tries = 0u64;
        while p.by_id.contains_key(&id) {
            id = (id + 1) & i32::MAX;
            tries += 1;
            if tries > i32::MAX as u64 {
                return Err(EAGAIN);
            }
        }
        p.next_id = (id + 1) & i32::MAX;
        id
    };
    // (from here on the id is used, even if the timer is not made: as Linux's posix_timer_add)
    let (target, thread_directed, notify, signo, sigval) = match ev {
        Some(ev) => {
            let (t, th) = good_sigevent(&ev, &cur).ok_or(EINVAL)?;
            (t, th, ev.sigev_notify, ev.sigev_signo, ev.sigev_value)
        }
        None => {
            let (t, _) = good_sigevent(
                &Sigevent {
                    sigev_value: 0,
                    sigev_signo: SIGALRM,
                    sigev_notify: SIGEV_SIGNAL,
                    sigev_notify_thread_id: 0,
                    _pad: [0; 11],
                },
                &cur,
            )
            .ok_or(EINVAL)?;
            (t, false, SIGEV_SIGNAL, SIGALRM, id as u64)
        }
    };
    let clock = match &kc {
        KClock::Cpu { thread, which, task } => {
            TimerClock::Cpu { thread: *thread, which: *which, task: Arc::downgrade(task) }
        }
        _ => TimerClock::Hr,
    };
    let timer = new_timer(id, which_clock, clock, notify, signo, sigval, &target, thread_directed, None, Some(charge));
    created_timer_id.write(&id)?;
    // Linux: alarm_timer_create(): no RTC to wake the system.
    if matches!(kc, KClock::Alarm) {
        return Err(EOPNOTSUPP);
    }
    if matches!(kc, KClock::Cpu { .. }) {
        sig.timers.add_cpu_timer(&timer);
    }
    sig.timers.timers().posix.lock().by_id.insert(id, timer);
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
fn new_timer(
    id: i32,
    clockid: i32,
    clock: TimerClock,
    notify: i32,
    signo: i32,
    sigval: u64,
    target: &Task,
    thread_directed: bool,
    sleeper: Option<Weak<TaskStruct>>,
    charge: Option<SigpendingCharge>,
) -> Arc<KItimer> {
    Arc::new_cyclic(|me| KItimer {
        id,
        clock,
        clockid,
        notify,
        signo,
        sigval,
        target: Arc::downgrade(target),
        thread_directed,
        sleeper,
        st: SpinLock::new(ItState {
            expires: 0,
            base: Base::Mono,
            interval: 0,
            overrun: -1,
            overrun_last: 0,
            requeue_pending: 0,
            active: false,
            key: None,
            deleted: false,
        }),
        sigq_queued: AtomicBool::new(false),
        si_overrun: AtomicI32::new(0),
        si_sys_private: AtomicU64::new(0),
        _charge: charge,
        me: me.clone(),
    })
}

/// Linux: do_timer_settime(): EINVAL for an unknown timer or an invalid itimerspec.
pub fn sys_timer_settime(
    timer_id: i32,
    flags: i32,
    new_setting: UserPtr<Itimerspec>,
    old_setting: Option<UserPtr<Itimerspec>>,
) -> KResult<usize> {
    let new = new_setting.read()?;
    let value = new.it_value.to_ns()?;
    let interval = new.it_interval.to_ns()?;
    let timer = current().signal.timers.find(timer_id)?;
    let (ov, oi) = timer.set(flags, value, interval)?;
    if let Some(o) = old_setting {
        o.write(&Itimerspec { it_interval: Timespec::from_ns(oi), it_value: Timespec::from_ns(ov) })?;
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(timer_gettime).
pub fn sys_timer_gettime(timer_id: i32, setting: UserPtr<Itimerspec>) -> KResult<usize> {
    let timer = current().signal.timers.find(timer_id)?;
    let (v, i) = timer.get(&mut timer.st.lock());
    setting.write(&Itimerspec { it_interval: Timespec::from_ns(i), it_value: Timespec::from_ns(v) })?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE1(timer_getoverrun): the overrun of the last signal taken, capped at
/// INT_MAX (DELAYTIMER_MAX).
pub fn sys_timer_getoverrun(timer_id: i32) -> KResult<usize> {
    let timer = current().signal.timers.find(timer_id)?;
    let o = timer_overrun_to_int(timer.st.lock().overrun_last, 0);
    Ok(o as usize)
}

/// Linux: itimer_delete(): the timer stops; a signal of it already pending stays pending.
fn itimer_delete(timer: &KItimer) {
    let mut st = timer.st.lock();
    st.deleted = true;
    st.expires = 0;
    if let Some(k) = st.key.take() {
        hrtimer_cancel(k);
    }
}

/// Linux: SYSCALL_DEFINE1(timer_delete).
pub fn sys_timer_delete(timer_id: i32) -> KResult<usize> {
    let cur = current();
    let timer = cur.signal.timers.try_timers().and_then(|t| t.posix.lock().by_id.remove(&timer_id)).ok_or(EINVAL)?;
    itimer_delete(&timer);
    Ok(0)
}

/// Linux: exit_itimers(): exec and the last thread's exit delete the process's POSIX timers.
pub fn exit_itimers(sig: &SignalStruct) {
    let Some(pt) = sig.timers.try_timers() else { return };
    let timers = core::mem::take(&mut pt.posix.lock().by_id);
    for t in timers.values() {
        itimer_delete(t);
    }
}

/// The absolute CLOCK_REALTIME timers and timerfds, told when the clock is set.
pub trait ClockWasSet: Send + Sync {
    fn clock_was_set(&self);
}

impl ClockWasSet for KItimer {
    fn clock_was_set(&self) {
        KItimer::clock_was_set(self)
    }
}

static REALTIME_WATCHERS: SpinLock<Vec<Weak<dyn ClockWasSet>>, class::Timers> = SpinLock::new(Vec::new());

/// Registers a timer to hear of clock_settime(CLOCK_REALTIME) (dead ones are forgotten).
pub fn watch_clock_was_set(w: Weak<dyn ClockWasSet>) {
    let mut v = REALTIME_WATCHERS.lock();
    v.retain(|x| x.strong_count() > 0);
    v.push(w);
}

/// Linux: clock_was_set(): CLOCK_REALTIME jumped.
pub fn clock_was_set() {
    // every process's absolute realtime timers, and the registered timerfds
    for p in crate::kernel::pid::all_processes() {
        for t in p.signal.timers.all() {
            t.clock_was_set();
        }
    }
    let ws: Vec<Arc<dyn ClockWasSet>> = REALTIME_WATCHERS.lock().iter().filter_map(|w| w.upgrade()).collect();
    for w in ws {
        w.clock_was_set();
    }
}

/// Linux: do_cpu_nanosleep(): sleep until a CPU clock reaches `ns` (absolute) — another thread
/// of the process has to use the time.  Err(ERESTARTSYS) when a signal came first, with the
/// CPU time that was left.
pub fn cpu_nanosleep(kc: &KClock, clockid: i32, ns: u64) -> Result<(), u64> {
    let KClock::Cpu { thread, which, task } = kc else { return Ok(()) };
    let cur = current();
    let timer = new_timer(
        -1,
        clockid,
        TimerClock::Cpu { thread: *thread, which: *which, task: Arc::downgrade(task) },
        SIGEV_SIGNAL,
        0,
        0,
        &cur,
        false,
        Some(Arc::downgrade(&cur)),
        None,
    );
    if timer.set(TIMER_ABSTIME, ns, 0).is_err() {
        return Ok(());
    }
    cur.signal.timers.add_cpu_timer(&timer);
    loop {
        if timer.st.lock().expires == 0 {
            return Ok(());
        }
        if crate::kernel::signal::signal_pending(&cur) {
            let left = {
                let st = timer.st.lock();
                timer.clock_now(st.base).map_or(0, |n| st.expires.saturating_sub(n))
            };
            itimer_delete(&timer);
            return if left == 0 { Ok(()) } else { Err(left) };
        }
        cur.set_state(crate::kernel::task::TASK_INTERRUPTIBLE);
        crate::kernel::sched::schedule();
        cur.set_state(crate::kernel::task::TASK_RUNNING);
    }
}
