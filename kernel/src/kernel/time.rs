//! Time: the tick, sleeping with a timeout, clock_gettime, nanosleep.
//! Linux: kernel/time/ (tick-common.c, hrtimer.c, posix-timers.c), kernel/sched/core.c.

use crate::arch::riscv::time::{cycles_to_ns, get_cycles, ns_to_cycles, set_next_event};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{Task, TaskStruct, TASK_INTERRUPTIBLE, TASK_RUNNING};
use crate::mm::uaccess::UserPtr;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};

pub const HZ: u64 = 100;
static BOOT_CYCLES: AtomicU64 = AtomicU64::new(0);
static NEXT_TICK: AtomicU64 = AtomicU64::new(0);
pub static JIFFIES: AtomicU64 = AtomicU64::new(0);
/// Processes with an armed ITIMER_REAL, by (expiry, sequence).
static ALARMS: SpinLock<BTreeMap<(u64, u64), Weak<TaskStruct>>, class::Timers> = SpinLock::new(BTreeMap::new());
/// Sleepers by (deadline, sequence).
static TIMEOUTS: SpinLock<BTreeMap<(u64, u64), Weak<TaskStruct>>, class::Timers> = SpinLock::new(BTreeMap::new());
static SEQ: AtomicU64 = AtomicU64::new(0);

pub fn time_init() {
    BOOT_CYCLES.store(get_cycles(), Ordering::Relaxed);
    let next = get_cycles() + tick_cycles();
    NEXT_TICK.store(next, Ordering::Relaxed);
    set_next_event(next);
}

fn tick_cycles() -> u64 {
    crate::arch::riscv::time::freq() / HZ
}

pub fn uptime_cycles() -> u64 {
    get_cycles().saturating_sub(BOOT_CYCLES.load(Ordering::Relaxed))
}

pub fn uptime_ns() -> u64 {
    cycles_to_ns(uptime_cycles())
}

fn program_next() {
    let tick = NEXT_TICK.load(Ordering::Relaxed);
    let first = TIMEOUTS.lock().keys().next().map(|k| k.0).unwrap_or(u64::MAX);
    let alarm = ALARMS.lock().keys().next().map(|k| k.0).unwrap_or(u64::MAX);
    set_next_event(tick.min(first).min(alarm));
}

pub fn add_alarm(t: &Task, at: u64) {
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    ALARMS.lock().insert((at, seq), Arc::downgrade(t));
    program_next();
}

/// Linux: it_real_fn(): SIGALRM to the process whose ITIMER_REAL expired (stale entries of
/// re-armed or cancelled timers are skipped by comparing the expiry).
fn run_alarms(now: u64) {
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
            crate::kernel::signal::SIGALRM,
            crate::kernel::signal::SigInfo { signo: 14, code: 0x80, ..Default::default() },
        );
        if let Some(n) = rearm {
            add_alarm(&t, n);
        }
    }
}

/// Wakes `t` at `deadline` (cycles) unless it is woken before; the key cancels it.
pub fn add_timeout(t: &Task, deadline: u64) -> (u64, u64) {
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    TIMEOUTS.lock().insert((deadline, seq), Arc::downgrade(t));
    program_next();
    (deadline, seq)
}

/// Linux: hrtimer_cancel() — a sleeper woken early drops its timer, so it cannot be woken
/// spuriously later while it sleeps on something else.
pub fn cancel_timeout(key: (u64, u64)) {
    TIMEOUTS.lock().remove(&key);
}

/// Linux: tick_handle_periodic() + hrtimer_interrupt().
#[inline(never)]
pub fn timer_interrupt(from_user: bool) {
    let now = get_cycles();
    let mut tick = NEXT_TICK.load(Ordering::Relaxed);
    if now >= tick {
        let mut ticks = 0;
        while tick <= now {
            tick += tick_cycles();
            ticks += 1;
            JIFFIES.fetch_add(1, Ordering::Relaxed);
        }
        // Linux: account_process_tick(): the tick goes to whatever was interrupted.
        crate::kernel::task::with_current(|c| {
            if !c.has_flag(crate::kernel::task::PF_IDLE) {
                let t = if from_user { &c.utime } else { &c.stime };
                t.fetch_add(ticks * tick_cycles(), Ordering::Relaxed);
            }
        });
        NEXT_TICK.store(tick, Ordering::Relaxed);
        crate::kernel::sched::core::scheduler_tick();
    }
    run_alarms(now);
    loop {
        let e = {
            let mut t = TIMEOUTS.lock();
            match t.keys().next().copied() {
                Some(k) if k.0 <= now => t.remove(&k),
                _ => None,
            }
        };
        match e {
            Some(w) => {
                if let Some(task) = w.upgrade() {
                    crate::kernel::sched::wake_up_process(&task);
                }
            }
            None => break,
        }
    }
    program_next();
}

/// Sleep until `deadline` (cycles) or a signal: ERESTARTSYS (interrupted) or Ok.
pub fn schedule_timeout_interruptible(deadline: u64) -> KResult<()> {
    let cur = crate::kernel::task::current();
    loop {
        if get_cycles() >= deadline {
            return Ok(());
        }
        if crate::kernel::signal::signal_pending(&cur) {
            return Err(ERESTARTSYS);
        }
        cur.set_state(TASK_INTERRUPTIBLE);
        let key = add_timeout(&cur, deadline);
        crate::kernel::sched::schedule();
        cancel_timeout(key);
        cur.set_state(TASK_RUNNING);
    }
}

crate::user_pod! {
    #[derive(Clone, Copy, Default)]
    pub struct Timespec {
        pub tv_sec: i64,
        pub tv_nsec: i64,
    }
}

impl Timespec {
    pub fn from_ns(ns: u64) -> Self {
        Timespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
    }
    pub fn to_ns(&self) -> KResult<u64> {
        if self.tv_sec < 0 || !(0..1_000_000_000).contains(&self.tv_nsec) {
            return Err(EINVAL);
        }
        Ok(self.tv_sec as u64 * 1_000_000_000 + self.tv_nsec as u64)
    }
}

/// The wall clock: MenuOS has no RTC driver yet, so realtime starts at the epoch plus the
/// value of the goldfish RTC if present (not yet): boot time = 0.
static REALTIME_OFFSET_NS: AtomicU64 = AtomicU64::new(0);

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
pub const CLOCK_REALTIME_COARSE: i32 = 5;
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;

fn clock_ns(clk: i32) -> KResult<u64> {
    match clk {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(uptime_ns() + REALTIME_OFFSET_NS.load(Ordering::Relaxed)),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(uptime_ns()),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            let c = crate::kernel::task::current();
            Ok(cycles_to_ns(c.utime.load(Ordering::Relaxed) + c.stime.load(Ordering::Relaxed)))
        }
        _ => Err(EINVAL),
    }
}

pub fn set_realtime_offset(ns: u64) {
    REALTIME_OFFSET_NS.store(ns, Ordering::Relaxed);
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

pub fn sys_gettimeofday(tv: Option<UserPtr<[i64; 2]>>, _tz: UserPtr<u8>) -> KResult<usize> {
    if let Some(tv) = tv {
        let ns = clock_ns(CLOCK_REALTIME)?;
        tv.write(&[(ns / 1_000_000_000) as i64, ((ns % 1_000_000_000) / 1000) as i64])?;
    }
    Ok(0)
}

fn do_nanosleep(ns: u64, rem: Option<UserPtr<Timespec>>) -> KResult<usize> {
    let start = get_cycles();
    let deadline = start + ns_to_cycles(ns) + 1;
    match schedule_timeout_interruptible(deadline) {
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

pub fn sys_clock_nanosleep(
    which_clock: i32,
    flags: i32,
    rqtp: UserPtr<Timespec>,
    rmtp: Option<UserPtr<Timespec>>,
) -> KResult<usize> {
    let ts = rqtp.read()?;
    let mut ns = ts.to_ns()?;
    let now = clock_ns(which_clock)?;
    if flags & 1 != 0 {
        // TIMER_ABSTIME
        ns = ns.saturating_sub(now);
        return do_nanosleep(ns, None);
    }
    do_nanosleep(ns, rmtp)
}
