//! The periodic tick and the timer queue.  Linux: kernel/time/tick-common.c
//! (tick_handle_periodic), kernel/time/timer.c (jiffies, update_process_times,
//! schedule_timeout, the timer wheel), kernel/time/hrtimer.c (the hrtimer queue,
//! hrtimer_interrupt), kernel/time/clockevents.c (programming the next event).
//!
//! One timer interrupt serves the tick (HZ = 100: time accounting, CPU-time timers and the
//! scheduler's slice) and the timer queue: sleepers' timeouts and timers with a callback
//! (ITIMER_REAL, POSIX timers, timerfds), ordered by (expiry in timer cycles, sequence) in a
//! BTreeMap — O(log n) to add or cancel, and the interrupt only looks at what has expired.
//! The next event is whichever of the tick and the first queued timer comes first.

use crate::arch::riscv::time::{get_cycles, set_next_event};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{Task, TaskStruct, TASK_INTERRUPTIBLE, TASK_RUNNING};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

pub const HZ: u64 = 100;
/// Linux: TICK_NSEC.
pub const TICK_NSEC: u64 = 1_000_000_000 / HZ;
static NEXT_TICK: AtomicU64 = AtomicU64::new(0);
pub static JIFFIES: AtomicU64 = AtomicU64::new(0);

/// Linux: struct hrtimer's function: what a queued timer does when it expires (in interrupt
/// context, with the queue unlocked).  A periodic owner re-arms itself from here.
pub trait HrTimerCallback: Send + Sync {
    fn expire(&self, now: u64);
}

/// What a queue entry wakes: a sleeping task (schedule_timeout) or a timer's owner.
enum TimerTarget {
    Wake(Weak<TaskStruct>),
    Callback(Weak<dyn HrTimerCallback>),
}

/// The key of a queued timer: (expiry in timer cycles, sequence number).
pub type TimerKey = (u64, u64);

/// The timer queue, by (expiry, sequence).
static TIMERS: SpinLock<BTreeMap<TimerKey, TimerTarget>, class::Timers> = SpinLock::new(BTreeMap::new());
/// Makes the keys unique, and tells the interrupt which entries were queued before it.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Linux: time_init() (arch/riscv/kernel/time.c) with timekeeping_init() and
/// tick_setup_periodic(): the clock counts from now and the first tick is one period away.
pub fn time_init() {
    super::timekeeping::timekeeping_init();
    let next = get_cycles() + tick_cycles();
    NEXT_TICK.store(next, Ordering::Relaxed);
    set_next_event(next);
}

pub fn tick_cycles() -> u64 {
    crate::arch::riscv::time::freq() / HZ
}

/// Linux: the riscv timer's clock event min_delta_ticks (drivers/clocksource/timer-riscv.c
/// registers it with 100): an event is never programmed sooner than this many cycles from now
/// (10 µs at QEMU virt's 10 MHz), so a timer in the past cannot keep the CPU in interrupts.
const MIN_DELTA_CYCLES: u64 = 100;

/// Programs the timer for the first of: the next tick, the first queued timer (Linux:
/// clockevents_program_event(), with its min_delta).
fn program_next() {
    let tick = NEXT_TICK.load(Ordering::Relaxed);
    let first = TIMERS.lock().keys().next().map(|k| k.0).unwrap_or(u64::MAX);
    set_next_event(tick.min(first).max(get_cycles() + MIN_DELTA_CYCLES));
}

fn enqueue(at: u64, target: TimerTarget) -> TimerKey {
    let key = (at, SEQ.fetch_add(1, Ordering::Relaxed));
    let first = {
        let mut q = TIMERS.lock();
        q.insert(key, target);
        q.keys().next() == Some(&key)
    };
    if first {
        program_next();
    }
    key
}

/// Wakes `t` at `deadline` (cycles) unless it is woken before; the key cancels it.
pub fn add_timeout(t: &Task, deadline: u64) -> TimerKey {
    enqueue(deadline, TimerTarget::Wake(Arc::downgrade(t)))
}

/// Linux: hrtimer_cancel() — a sleeper woken early drops its timer, so it cannot be woken
/// spuriously later while it sleeps on something else.
pub fn cancel_timeout(key: TimerKey) {
    TIMERS.lock().remove(&key);
}

/// Linux: hrtimer_start(): `cb` runs at `expires` (timer cycles) unless cancelled with the key
/// returned (hrtimer_cancel).  The queue holds the owner weakly: a timer whose owner is gone
/// does nothing.
pub fn hrtimer_start(cb: Weak<dyn HrTimerCallback>, expires: u64) -> TimerKey {
    enqueue(expires, TimerTarget::Callback(cb))
}

/// Linux: hrtimer_cancel().
pub fn hrtimer_cancel(key: TimerKey) {
    cancel_timeout(key)
}

/// Linux: tick_handle_periodic() + hrtimer_interrupt().  The queue is run up to the entries
/// that were there when the interrupt came: a callback that re-arms in the past waits for
/// the next interrupt, so none can keep the CPU in here.
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
            let idle = c.has_flag(crate::kernel::task::PF_IDLE);
            if !idle {
                let (t, g) =
                    if from_user { (&c.utime, &c.signal.timers.utime) } else { (&c.stime, &c.signal.timers.stime) };
                t.fetch_add(ticks * tick_cycles(), Ordering::Relaxed);
                g.fetch_add(ticks * tick_cycles(), Ordering::Relaxed);
            }
            crate::kernel::sched::cputime::account_cpu_tick(from_user, idle, ticks * tick_cycles());
        });
        NEXT_TICK.store(tick, Ordering::Relaxed);
        update_process_times(ticks * tick_cycles(), from_user);
        crate::kernel::sched::core::scheduler_tick();
        // Linux: irq_work_tick() — deferred work that may not run where it was raised.
        crate::kernel::printk::wake_up_klogd_work();
    }
    let seq_end = SEQ.load(Ordering::Relaxed);
    loop {
        let e = {
            let mut t = TIMERS.lock();
            let first = t.iter().find(|(k, _)| k.1 < seq_end).map(|(k, _)| *k);
            match first {
                Some(k) if k.0 <= now => t.remove(&k),
                _ => None,
            }
        };
        match e {
            Some(TimerTarget::Wake(w)) => {
                if let Some(task) = w.upgrade() {
                    crate::kernel::sched::wake_up_process(&task);
                }
            }
            Some(TimerTarget::Callback(w)) => {
                if let Some(cb) = w.upgrade() {
                    cb.expire(now);
                }
            }
            None => break,
        }
    }
    program_next();
}

/// Linux: update_process_times()'s run_posix_cpu_timers() (the accounting is done above): the
/// CPU-time timers of the interrupted task's process (ITIMER_VIRTUAL, ITIMER_PROF, CPU-clock
/// POSIX timers).
fn update_process_times(_cycles: u64, user: bool) {
    let cur = crate::kernel::task::with_current(|c| {
        if c.has_flag(crate::kernel::task::PF_IDLE) {
            return None;
        }
        c.signal.timers.cpu_timers_armed().then(crate::kernel::task::current)
    });
    if let Some(c) = cur {
        super::posix_cpu_timers::run_posix_cpu_timers(&c, user);
    }
}

/// Sleep until `deadline` (cycles) or a signal: ERESTARTSYS (interrupted) or Ok.
/// Linux: schedule_timeout_interruptible().
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

/// The queued timers' expiries (for tests of the queue and /proc/timer_list-like views).
pub fn queued() -> Vec<u64> {
    TIMERS.lock().keys().map(|k| k.0).collect()
}
