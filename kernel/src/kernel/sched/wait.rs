//! Wait queues and completions.  Linux: kernel/sched/wait.c, kernel/sched/completion.c,
//! include/linux/wait.h.
//!
//! A queue holds two kinds of entries, as Linux's wait_queue_entry does with its `func`:
//! sleeping tasks (autoremove_wake_function: woken and dropped from the queue), and wake
//! functions ([`WakeFn`]: poll's pollwake, epoll's ep_poll_callback), which stay until their
//! owner lets them go and are called on every wake-up with the event key (the poll bits the
//! waker reports, 0 for "anything").  A wake function is held by a `Weak`: its owner (a poll
//! call's table, an epoll item) frees it by dropping its `Arc`, and the queue forgets dead
//! entries the next time it adds or wakes.

use super::core::{schedule, wake_up_process};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::*;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

/// Linux: wait_queue_func_t — what a non-task entry does when its queue is woken.
pub trait WakeFn: Send + Sync {
    /// Called with the wake-up's key (poll bits; 0: any event).  Returns whether it woke
    /// somebody, which is what an exclusive wake-up counts (Linux: the func's return value).
    fn wake(&self, key: u32) -> bool;
}

struct FuncEntry {
    func: Weak<dyn WakeFn>,
    /// Linux: WQ_FLAG_EXCLUSIVE (EPOLLEXCLUSIVE): a wake-up runs the non-exclusive entries
    /// and then exclusive ones only until one of them woke somebody.
    exclusive: bool,
}

struct Waiters {
    tasks: Vec<Task>,
    funcs: Vec<FuncEntry>,
}

pub struct WaitQueue {
    waiters: SpinLock<Waiters, class::WaitQueue>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    pub const fn new() -> Self {
        WaitQueue { waiters: SpinLock::new(Waiters { tasks: Vec::new(), funcs: Vec::new() }) }
    }

    fn add(&self, t: &Task) {
        let mut w = self.waiters.lock();
        if !w.tasks.iter().any(|x| Arc::ptr_eq(x, t)) {
            w.tasks.push(t.clone());
        }
    }

    fn remove(&self, t: &Task) {
        self.waiters.lock().tasks.retain(|x| !Arc::ptr_eq(x, t));
    }

    /// Linux: add_wait_queue() / add_wait_queue_exclusive() with a wake function: `func` is
    /// called on every wake-up until its owner drops it.  Dead entries go first, so a queue
    /// holds no more of them than it had live ones.
    pub fn add_wake_fn(&self, func: Weak<dyn WakeFn>, exclusive: bool) {
        let mut w = self.waiters.lock();
        w.funcs.retain(|e| e.func.strong_count() > 0);
        w.funcs.push(FuncEntry { func, exclusive });
    }

    /// Linux: waitqueue_active(): anybody (task or wake function) waiting.
    pub fn active(&self) -> bool {
        let w = self.waiters.lock();
        !w.tasks.is_empty() || w.funcs.iter().any(|e| e.func.strong_count() > 0)
    }

    /// Linux: wake_up_all()
    pub fn wake_up_all(&self) {
        self.wake_up_poll(0);
    }

    /// Linux: wake_up_poll() / wake_up_interruptible_poll(): every sleeping task, every
    /// non-exclusive wake function, and exclusive ones until one of them woke somebody; `key`
    /// says which poll events happened (0: any).  The functions run with the queue unlocked,
    /// so they may take their own locks and wake other queues (nested epoll).
    pub fn wake_up_poll(&self, key: u32) {
        let (tasks, funcs) = {
            let mut w = self.waiters.lock();
            let tasks = core::mem::take(&mut w.tasks);
            let funcs: Vec<(Arc<dyn WakeFn>, bool)> = if w.funcs.is_empty() {
                Vec::new()
            } else {
                w.funcs.retain(|e| e.func.strong_count() > 0);
                w.funcs.iter().filter_map(|e| e.func.upgrade().map(|f| (f, e.exclusive))).collect()
            };
            (tasks, funcs)
        };
        for t in tasks {
            wake_up_process(&t);
        }
        if funcs.is_empty() {
            return;
        }
        for (f, _) in funcs.iter().filter(|(_, excl)| !excl) {
            f.wake(key);
        }
        for (f, _) in funcs.iter().filter(|(_, excl)| *excl) {
            if f.wake(key) {
                break;
            }
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

/// A wait queue made on first use: for the queues most objects never wait on (a process's
/// pidfd pollers, signalfd readers), so that making the object costs nothing.  Waking one that
/// was never made does nothing.
pub struct LazyWaitQueue(spin::Once<alloc::boxed::Box<WaitQueue>>);

impl Default for LazyWaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl LazyWaitQueue {
    pub const fn new() -> Self {
        LazyWaitQueue(spin::Once::new())
    }
    /// The queue, made now if needed (to wait on it, or to add a poll entry).
    pub fn get(&self) -> &WaitQueue {
        self.0.call_once(|| alloc::boxed::Box::new(WaitQueue::new()))
    }
    pub fn wake_up_poll(&self, key: u32) {
        if let Some(q) = self.0.get() {
            q.wake_up_poll(key);
        }
    }
    pub fn wake_up_all(&self) {
        self.wake_up_poll(0);
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
