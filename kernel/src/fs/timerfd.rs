//! timerfd: a timer read as a file.  Linux: fs/timerfd.c (timerfd_triggered,
//! timerfd_clock_was_set, timerfd_setup, timerfd_poll, timerfd_read, timerfd_ioctl and the
//! syscalls).
//!
//! Each expiry adds a tick; read() returns the ticks as a u64 (blocking while there are none)
//! and clears them.  A periodic timer is moved on by read() and timerfd_gettime() — the
//! intervals it missed meanwhile become ticks — not by its expiry, so a tiny interval cannot
//! keep the CPU busy.  An absolute CLOCK_REALTIME timer set with TFD_TIMER_CANCEL_ON_SET is
//! cancelled (ECANCELED) when the clock is set.  The alarm clocks run as their plain clocks:
//! there is no suspend to wake from.

use super::file_table::*;
use super::select::{poll_wait, PollTable};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::kernel::time::posix_cpu_timers::forward;
use crate::kernel::time::posix_timers::{
    watch_clock_was_set, Base, ClockWasSet, Itimerspec, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC,
    CLOCK_REALTIME, CLOCK_REALTIME_ALARM,
};
use crate::kernel::time::timer::{hrtimer_cancel, hrtimer_start, HrTimerCallback, TimerKey};
use crate::kernel::time::Timespec;
use crate::mm::uaccess::UserPtr;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use linux_raw_sys::general::{
    O_RDWR, TFD_CLOEXEC, TFD_CREATE_FLAGS, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET,
};

/// Linux: TFD_SETTIME_FLAGS of include/linux/timerfd.h (the uapi's lacks CANCEL_ON_SET).
const TFD_SETTIME_FLAGS: u32 = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;

/// Linux: TFD_IOC_SET_TICKS = _IOW('T', 0, u64) (include/uapi/linux/timerfd.h).
const TFD_IOC_SET_TICKS: usize = 0x4008_5400;

/// Linux: struct timerfd_ctx's state under wqh.lock.
struct TfdState {
    /// The next expiry on `base`, in ns (0: disarmed), and the interval.
    expires: u64,
    base: Base,
    tintv: u64,
    /// Linux: ticks (expirations not read yet) and expired (the timer fired since it was
    /// last moved on).
    ticks: u64,
    expired: bool,
    key: Option<TimerKey>,
    /// Linux: might_cancel and moffs: TFD_TIMER_CANCEL_ON_SET's CLOCK_REALTIME offset when
    /// set, None once the clock was set since (cancelled).
    might_cancel: bool,
    moffs: Option<i64>,
}

/// Linux: struct timerfd_ctx.
pub struct TimerFd {
    clockid: i32,
    st: SpinLock<TfdState, class::TimerFd>,
    wqh: WaitQueue,
    me: Weak<TimerFd>,
}

impl TimerFd {
    fn arm(&self, st: &mut TfdState) {
        if let Some(k) = st.key.take() {
            hrtimer_cancel(k);
        }
        if st.expires != 0 {
            let cb: Weak<dyn HrTimerCallback> = self.me.clone();
            st.key = Some(hrtimer_start(cb, st.base.to_cycles(st.expires)));
        }
    }

    /// Linux: timerfd_canceled(): the clock was set since TFD_TIMER_CANCEL_ON_SET; looking
    /// re-arms the check.
    fn canceled(st: &mut TfdState) -> bool {
        if !st.might_cancel || st.moffs.is_some() {
            return false;
        }
        st.moffs = Some(crate::kernel::time::timekeeping::realtime_offset());
        true
    }

    /// Linux: hrtimer_forward_now() + hrtimer_restart() of an expired periodic timer: the
    /// intervals it missed, as extra ticks.
    fn forward_now(&self, st: &mut TfdState) -> u64 {
        let now = st.base.now();
        let tintv = st.tintv;
        let n = forward(&mut st.expires, tintv, now);
        self.arm(st);
        n
    }

    /// Linux: timerfd_get_remaining(): to the expiry, 0 once past (or disarmed).
    fn remaining(st: &TfdState) -> u64 {
        if st.expires == 0 {
            return 0;
        }
        st.expires.saturating_sub(st.base.now())
    }
}

/// Linux: timerfd_tmrproc() -> timerfd_triggered().
impl HrTimerCallback for TimerFd {
    fn expire(&self, _now: u64) {
        {
            let mut st = self.st.lock();
            if st.key.take().is_none() {
                return;
            }
            st.expired = true;
            st.ticks += 1;
        }
        self.wqh.wake_up_poll(POLLIN);
    }
}

/// Linux: timerfd_clock_was_set() and the CLOCK_REALTIME base's retrigger: a cancel-on-set
/// timer is cancelled, an absolute one is queued at the clock's new reading.
impl ClockWasSet for TimerFd {
    fn clock_was_set(&self) {
        let wake = {
            let mut st = self.st.lock();
            if st.base == Base::Real && st.key.is_some() {
                self.arm(&mut st);
            }
            let now = crate::kernel::time::timekeeping::realtime_offset();
            if st.might_cancel && st.moffs.is_some_and(|m| m != now) {
                st.moffs = None;
                st.ticks += 1;
                true
            } else {
                false
            }
        };
        if wake {
            self.wqh.wake_up_poll(POLLIN);
        }
    }
}

impl FileOps for TimerFd {
    /// Linux: timerfd_read(): EINVAL below 8 bytes, EAGAIN (non-blocking) or a sleep while no
    /// tick, ECANCELED after the clock was set under TFD_TIMER_CANCEL_ON_SET.
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        if buf.len() < 8 {
            return Err(EINVAL);
        }
        let mut res = Ok(());
        if f.nonblock() {
            res = Err(EAGAIN);
        } else if let Err(e) = self.wqh.wait_event_interruptible(|| self.st.lock().ticks != 0) {
            res = Err(e);
        }
        let mut ticks = 0;
        {
            let mut st = self.st.lock();
            if Self::canceled(&mut st) {
                st.ticks = 0;
                st.expired = false;
                res = Err(ECANCELED);
            }
            if st.ticks != 0 {
                ticks = st.ticks;
                if st.expired && st.tintv != 0 {
                    ticks += self.forward_now(&mut st) - 1;
                }
                st.expired = false;
                st.ticks = 0;
            }
        }
        if ticks != 0 {
            buf[..8].copy_from_slice(&ticks.to_ne_bytes());
            return Ok(8);
        }
        res.map(|_| 0)
    }

    /// Linux: timerfd_poll(): readable with ticks.
    fn poll(&self, _f: &File, pt: Option<&mut PollTable>) -> Option<u32> {
        poll_wait(&self.wqh, pt);
        Some(if self.st.lock().ticks != 0 { POLLIN } else { 0 })
    }

    /// Linux: timerfd_ioctl(): TFD_IOC_SET_TICKS (CONFIG_CHECKPOINT_RESTORE) sets the ticks.
    fn ioctl(&self, _f: &File, cmd: usize, arg: usize) -> KResult<usize> {
        if cmd != TFD_IOC_SET_TICKS {
            return Err(ENOTTY);
        }
        let ticks: u64 = crate::mm::uaccess::read_user(arg)?;
        if ticks == 0 {
            return Err(EINVAL);
        }
        {
            let mut st = self.st.lock();
            if Self::canceled(&mut st) {
                return Err(ECANCELED);
            }
            st.ticks = ticks;
        }
        self.wqh.wake_up_poll(POLLIN);
        Ok(0)
    }

    fn name(&self) -> &'static str {
        "timerfd"
    }
}

/// Linux: SYSCALL_DEFINE2(timerfd_create): EINVAL for other clocks than CLOCK_REALTIME,
/// _MONOTONIC, _BOOTTIME and the two alarm clocks (which need CAP_WAKE_ALARM: everyone is
/// root until credentials exist), or other flags than TFD_CLOEXEC and TFD_NONBLOCK.
pub fn sys_timerfd_create(clockid: i32, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    let ok_clock = [CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM]
        .contains(&clockid);
    if flags & !TFD_CREATE_FLAGS != 0 || !ok_clock {
        return Err(EINVAL);
    }
    let ctx = Arc::new_cyclic(|me| TimerFd {
        clockid,
        st: SpinLock::new(TfdState {
            expires: 0,
            base: Base::Mono,
            tintv: 0,
            ticks: 0,
            expired: false,
            key: None,
            might_cancel: false,
            moffs: Some(crate::kernel::time::timekeeping::realtime_offset()),
        }),
        wqh: WaitQueue::new(),
        me: me.clone(),
    });
    let f = File::new(ctx, None, O_RDWR | (flags & TFD_NONBLOCK), String::from("anon_inode:[timerfd]"));
    super::file::fd_install(f, flags & TFD_CLOEXEC != 0)
}

fn timerfd_fget(ufd: i32) -> KResult<(Arc<File>, Arc<TimerFd>)> {
    let f = super::file::fd_get(ufd as u32)?;
    let t = f.ops_arc::<TimerFd>().ok_or(EINVAL)?;
    Ok((f, t))
}

fn itimerspec(value: u64, interval: u64) -> Itimerspec {
    Itimerspec { it_interval: Timespec::from_ns(interval), it_value: Timespec::from_ns(value) }
}

/// Linux: do_timerfd_settime(): EINVAL for other flags than TFD_TIMER_ABSTIME and
/// TFD_TIMER_CANCEL_ON_SET or an invalid itimerspec, EBADF/EINVAL for an fd that is no
/// timerfd, ECANCELED when a cancel-on-set timer's clock was set since.
pub fn sys_timerfd_settime(
    ufd: i32,
    flags: i32,
    utmr: UserPtr<Itimerspec>,
    otmr: Option<UserPtr<Itimerspec>>,
) -> KResult<usize> {
    let new = utmr.read()?;
    let flags = flags as u32;
    if flags & !TFD_SETTIME_FLAGS != 0 {
        return Err(EINVAL);
    }
    let value = new.it_value.to_ns()?;
    let interval = new.it_interval.to_ns()?;
    let (_f, ctx) = timerfd_fget(ufd)?;
    let realtime = ctx.clockid == CLOCK_REALTIME || ctx.clockid == CLOCK_REALTIME_ALARM;
    let abs = flags & TFD_TIMER_ABSTIME != 0;
    let (old, res) = {
        let mut st = ctx.st.lock();
        // Linux: timerfd_setup_cancel().
        st.might_cancel = realtime && abs && flags & TFD_TIMER_CANCEL_ON_SET != 0;
        if let Some(k) = st.key.take() {
            hrtimer_cancel(k);
        }
        if st.expired && st.tintv != 0 {
            let now = st.base.now();
            let tintv = st.tintv;
            forward(&mut st.expires, tintv, now);
        }
        let old = itimerspec(TimerFd::remaining(&st), st.tintv);
        // Linux: timerfd_setup().
        st.expired = false;
        st.ticks = 0;
        st.tintv = interval;
        st.base = if realtime && abs { Base::Real } else { Base::Mono };
        st.expires = 0;
        let mut res = Ok(0);
        if value != 0 {
            st.expires = if abs { value } else { st.base.now().saturating_add(value) };
            ctx.arm(&mut st);
            if TimerFd::canceled(&mut st) {
                res = Err(ECANCELED);
            }
        }
        (old, res)
    };
    if realtime && abs {
        let w: Weak<dyn ClockWasSet> = Arc::downgrade(&ctx) as Weak<dyn ClockWasSet>;
        watch_clock_was_set(w);
    }
    if let Some(o) = otmr {
        o.write(&old)?;
    }
    res
}

/// Linux: do_timerfd_gettime(): an expired periodic timer is moved on first (its missed
/// intervals become ticks).
pub fn sys_timerfd_gettime(ufd: i32, otmr: UserPtr<Itimerspec>) -> KResult<usize> {
    let (_f, ctx) = timerfd_fget(ufd)?;
    let cur = {
        let mut st = ctx.st.lock();
        if st.expired && st.tintv != 0 {
            st.expired = false;
            let n = ctx.forward_now(&mut st);
            st.ticks += n - 1;
        }
        itimerspec(TimerFd::remaining(&st), st.tintv)
    };
    otmr.write(&cur)?;
    Ok(0)
}
