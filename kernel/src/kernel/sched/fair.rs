//! The completely fair class: SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE.  Linux: kernel/sched/fair.c
//! (update_curr, place_entity, pick_next_entity, check_preempt_tick, yield_task_fair).
//!
//! Each task's vruntime grows by its run time scaled by NICE_0_LOAD / weight (weights by nice
//! from prio.rs, Linux's table), and the task with the smallest vruntime runs next: over time
//! every task gets CPU in proportion to its weight.  Linux keeps the queue in a red-black tree
//! ordered by vruntime; here it is a short list kept in that order (run queues hold a handful
//! of tasks, and a queued task's vruntime does not change: insertion walks from the tail, where
//! a preempted task goes, or lands at the head, where a woken one goes; the pick takes the
//! head — cheaper than a tree's allocations).  A task that wakes is placed no more than half
//! a scheduling latency behind the queue's min_vruntime (place_entity with
//! GENTLE_FAIR_SLEEPERS), so a long sleep does not buy a long monopoly.  The tick reschedules
//! when a queued task's vruntime is smaller than the running one's.

use super::core::Enqueue;
use super::prio::calc_delta_fair;
use crate::kernel::task::{Task, TaskStruct};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

/// Linux: sysctl_sched_latency (6 ms on one CPU): a sleeper is placed up to half of it behind.
const SCHED_LATENCY_NS: u64 = 6_000_000;

/// Half a scheduling latency in timer cycles (computed once: the timebase is known by then).
fn place_thresh() -> u64 {
    static THRESH: AtomicU64 = AtomicU64::new(0);
    match THRESH.load(Ordering::Relaxed) {
        0 => {
            let t = super::core::sched_ns(SCHED_LATENCY_NS / 2).max(1);
            THRESH.store(t, Ordering::Relaxed);
            t
        }
        t => t,
    }
}

/// Linux: struct cfs_rq.
pub struct CfsRq {
    tasks: VecDeque<Task>,
    /// Linux: cfs_rq->min_vruntime: never goes backwards.
    min_vruntime: u64,
}

fn vruntime(t: &TaskStruct) -> u64 {
    t.se.vruntime.load(Ordering::Relaxed)
}

impl Default for CfsRq {
    fn default() -> Self {
        Self::new()
    }
}

impl CfsRq {
    pub const fn new() -> Self {
        CfsRq { tasks: VecDeque::new(), min_vruntime: 0 }
    }

    pub fn nr_running(&self) -> usize {
        self.tasks.len()
    }

    /// Linux: enqueue_entity(), with place_entity() for a wake-up.
    pub fn enqueue(&mut self, t: Task, how: Enqueue) {
        if how == Enqueue::Wakeup {
            let floor = self.min_vruntime.saturating_sub(place_thresh());
            if vruntime(&t) < floor {
                t.se.vruntime.store(floor, Ordering::Relaxed);
            }
        }
        // After every task of smaller or equal vruntime: FIFO among equals.
        let v = vruntime(&t);
        if self.tasks.back().is_none_or(|b| vruntime(b) <= v) {
            self.tasks.push_back(t);
            return;
        }
        let mut i = self.tasks.len() - 1;
        while i > 0 && vruntime(&self.tasks[i - 1]) > v {
            i -= 1;
        }
        if i == self.tasks.len() {
            self.tasks.push_back(t);
        } else if i == 0 {
            self.tasks.push_front(t);
        } else {
            self.tasks.insert(i, t);
        }
    }

    pub fn dequeue(&mut self, t: &TaskStruct) -> Option<Task> {
        let pos = self.tasks.iter().position(|x| core::ptr::eq(Arc::as_ptr(x), t))?;
        self.tasks.remove(pos)
    }

    /// Linux: pick_next_entity(): the smallest vruntime (the first of equals: the one queued
    /// first); a task that just called sched_yield() is passed over once when another can run.
    pub fn pick(&mut self, prev: &TaskStruct) -> Option<Task> {
        let head_is_prev = self.tasks.front().is_some_and(|t| core::ptr::eq(Arc::as_ptr(t), prev));
        let t = if head_is_prev && self.tasks.len() > 1 && prev.se.yielded.load(Ordering::Relaxed) {
            self.tasks.remove(1)
        } else {
            self.tasks.pop_front()
        }?;
        self.min_vruntime = self.min_vruntime.max(vruntime(&t));
        Some(t)
    }

    /// Linux: update_curr(): the running task's vruntime grows by its weighted run time.
    pub fn account(&mut self, curr: &TaskStruct, delta: u64) {
        let wmult = curr.se.wmult.load(Ordering::Relaxed);
        curr.se.vruntime.fetch_add(calc_delta_fair(delta, wmult), Ordering::Relaxed);
    }

    /// Linux: task_tick_fair() -> update_min_vruntime() + check_preempt_tick(): whether a
    /// queued task now has a smaller vruntime than the running one.
    pub fn task_tick(&mut self, curr: &TaskStruct) -> bool {
        let cv = vruntime(curr);
        let leftmost = self.tasks.front().map(|t| vruntime(t));
        self.min_vruntime = self.min_vruntime.max(leftmost.map_or(cv, |l| l.min(cv)));
        leftmost.is_some_and(|l| l < cv)
    }
}
