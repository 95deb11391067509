//! Wait queues and completions.  Linux: kernel/sched/wait.c, kernel/sched/completion.c.

use super::core::{schedule, wake_up_process};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::*;
use alloc::sync::Arc;
use alloc::vec::Vec;

pub struct WaitQueue {
    waiters: SpinLock<Vec<Task>, class::WaitQueue>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    pub const fn new() -> Self {
        WaitQueue { waiters: SpinLock::new(Vec::new()) }
    }

    fn add(&self, t: &Task) {
        let mut w = self.waiters.lock();
        if !w.iter().any(|x| Arc::ptr_eq(x, t)) {
            w.push(t.clone());
        }
    }

    fn remove(&self, t: &Task) {
        self.waiters.lock().retain(|x| !Arc::ptr_eq(x, t));
    }

    /// Linux: wake_up_all()
    pub fn wake_up_all(&self) {
        let w = core::mem::take(&mut *self.waiters.lock());
        for t in w {
            wake_up_process(&t);
        }
    }

    /// Linux: wait_event_interruptible(): sleep until `cond` holds or a signal arrives
    /// (ERESTARTSYS; the syscall layer turns it into EINTR or a restart).
    pub fn wait_event_interruptible(&self, mut cond: impl FnMut() -> bool) -> KResult<()> {
        self.wait_event_state(TASK_INTERRUPTIBLE, &mut cond, 0)
    }

    /// Like wait_event_interruptible with a deadline in timer cycles (0: none); ETIMEDOUT.
    pub fn wait_event_timeout(&self, mut cond: impl FnMut() -> bool, deadline: u64) -> KResult<()> {
        self.wait_event_state(TASK_INTERRUPTIBLE, &mut cond, deadline)
    }

    /// Linux: wait_event_killable(): only a fatal signal interrupts.
    pub fn wait_event_killable(&self, mut cond: impl FnMut() -> bool) -> KResult<()> {
        self.wait_event_state(TASK_UNINTERRUPTIBLE, &mut cond, 0)
    }

    fn wait_event_state(&self, state: u32, cond: &mut dyn FnMut() -> bool, deadline: u64) -> KResult<()> {
        let cur = current();
        let r = loop {
            self.add(&cur);
            cur.set_state(state);
            if cond() {
                break Ok(());
            }
            let pending = if state == TASK_INTERRUPTIBLE {
                crate::kernel::signal::signal_pending(&cur)
            } else {
                crate::kernel::signal::fatal_signal_pending(&cur)
            };
            if pending {
                break Err(ERESTARTSYS);
            }
            if deadline != 0 && crate::arch::riscv::time::get_cycles() >= deadline {
                break Err(ETIMEDOUT);
            }
            let key = (deadline != 0).then(|| crate::kernel::time::add_timeout(&cur, deadline));
            schedule();
            if let Some(k) = key {
                crate::kernel::time::cancel_timeout(k);
            }
        };
        cur.set_state(TASK_RUNNING);
        self.remove(&cur);
        r
    }
}

/// Linux: struct completion
pub struct Completion {
    done: SpinLock<bool, class::Completion>,
    wq: WaitQueue,
}

impl Default for Completion {
    fn default() -> Self {
        Self::new()
    }
}

impl Completion {
    pub const fn new() -> Self {
        Completion { done: SpinLock::new(false), wq: WaitQueue::new() }
    }
    /// Linux: complete_all()
    pub fn complete(&self) {
        *self.done.lock() = true;
        self.wq.wake_up_all();
    }
    /// Linux: wait_for_completion_killable()
    pub fn wait_killable(&self) -> KResult<()> {
        self.wq.wait_event_killable(|| *self.done.lock())
    }
    pub fn is_done(&self) -> bool {
        *self.done.lock()
    }
}
