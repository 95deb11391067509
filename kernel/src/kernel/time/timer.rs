//! The periodic tick and the timeout queue.  Linux: kernel/time/tick-common.c
//! (tick_handle_periodic), kernel/time/timer.c (jiffies, update_process_times,
//! schedule_timeout, the timer wheel), kernel/time/clockevents.c (programming the next event).
//!
//! One timer interrupt serves the tick (HZ = 100: time accounting and the scheduler's slice),
//! the sleepers' timeouts kept here, and the ITIMER_REAL alarms of itimer.rs: the next event is
//! whichever of them comes first (program_next).

use crate::arch::riscv::time::{get_cycles, set_next_event};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{Task, TaskStruct, TASK_INTERRUPTIBLE, TASK_RUNNING};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};

pub const HZ: u64 = 100;
static NEXT_TICK: AtomicU64 = AtomicU64::new(0);
pub static JIFFIES: AtomicU64 = AtomicU64::new(0);
/// Sleepers by (deadline, sequence).
static TIMEOUTS: SpinLock<BTreeMap<(u64, u64), Weak<TaskStruct>>, class::Timers> = SpinLock::new(BTreeMap::new());
/// Makes the keys of TIMEOUTS and of itimer.rs's ALARMS unique.
pub(super) static SEQ: AtomicU64 = AtomicU64::new(0);

/// Linux: time_init() (arch/riscv/kernel/time.c) with timekeeping_init() and
/// tick_setup_periodic(): the clock counts from now and the first tick is one period away.
pub fn time_init() {
    super::timekeeping::timekeeping_init();
    let next = get_cycles() + tick_cycles();
    NEXT_TICK.store(next, Ordering::Relaxed);
    set_next_event(next);
}

fn tick_cycles() -> u64 {
    crate::arch::riscv::time::freq() / HZ
}

/// Programs the timer for the first of: the next tick, the first timeout, the first alarm.
pub(super) fn program_next() {
    let tick = NEXT_TICK.load(Ordering::Relaxed);
    let first = TIMEOUTS.lock().keys().next().map(|k| k.0).unwrap_or(u64::MAX);
    let alarm = super::itimer::ALARMS.lock().keys().next().map(|k| k.0).unwrap_or(u64::MAX);
    set_next_event(tick.min(first).min(alarm));
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
            let idle = c.has_flag(crate::kernel::task::PF_IDLE);
            if !idle {
                let t = if from_user { &c.utime } else { &c.stime };
                t.fetch_add(ticks * tick_cycles(), Ordering::Relaxed);
            }
            crate::kernel::sched::cputime::account_cpu_tick(from_user, idle, ticks * tick_cycles());
        });
        NEXT_TICK.store(tick, Ordering::Relaxed);
        crate::kernel::sched::core::scheduler_tick();
    }
    super::itimer::run_alarms(now);
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
