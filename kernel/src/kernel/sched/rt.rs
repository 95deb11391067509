//! The real-time class: SCHED_FIFO and SCHED_RR.  Linux: kernel/sched/rt.c (struct rt_prio_array,
//! enqueue_task_rt, pick_next_rt_entity, task_tick_rt, sched_rt_runtime_exceeded).
//!
//! One FIFO list per priority (0 is the best) and a bitmap of the non-empty ones, so the pick
//! is a find-first-set.  A FIFO task runs until it blocks, yields or a better one wakes; an RR
//! task also goes to the tail of its list after RR_TIMESLICE ticks when others share its
//! priority.  Bandwidth: real-time tasks may run sched_rt_runtime_us (950 ms) of every
//! sched_rt_period_us (1 s); past it the class is throttled and CFS tasks run until the
//! period ends (Linux: sched_rt_runtime_exceeded), so a spinning FIFO task cannot hang the
//! machine.

use super::prio::{MAX_RT_PRIO, RR_TIMESLICE, SCHED_RR};
use crate::kernel::task::{Task, TaskStruct};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Linux: sysctl_sched_rt_period (1 s) and sysctl_sched_rt_runtime (950 ms), in microseconds.
const RT_PERIOD_US: u64 = 1_000_000;
const RT_RUNTIME_US: u64 = 950_000;

/// Linux: struct rt_rq with its rt_prio_array.
pub struct RtRq {
    queues: [VecDeque<Task>; MAX_RT_PRIO as usize],
    /// Bit n: queues[n] is not empty.
    bitmap: u128,
    pub nr_running: usize,
    /// Real-time run time in the current period, and when the period ends (timer cycles).
    rt_time: u64,
    period_end: u64,
    /// Linux: rt_rq->rt_throttled.
    pub throttled: bool,
}

impl Default for RtRq {
    fn default() -> Self {
        Self::new()
    }
}

impl RtRq {
    pub const fn new() -> Self {
        RtRq {
            queues: [const { VecDeque::new() }; MAX_RT_PRIO as usize],
            bitmap: 0,
            nr_running: 0,
            rt_time: 0,
            period_end: 0,
            throttled: false,
        }
    }

    /// Whether a real-time task may be picked now.
    pub fn runnable(&self) -> bool {
        self.bitmap != 0 && !self.throttled
    }

    /// Linux: enqueue_rt_entity(): at the tail of its priority's list, or at the head for a
    /// task that was preempted (it keeps its place, as POSIX says for SCHED_FIFO).
    pub fn enqueue(&mut self, t: Task, prio: i32, head: bool) {
        let i = prio.clamp(0, MAX_RT_PRIO - 1) as usize;
        if head {
            self.queues[i].push_front(t);
        } else {
            self.queues[i].push_back(t);
        }
        self.bitmap |= 1 << i;
        self.nr_running += 1;
    }

    pub fn dequeue(&mut self, t: &TaskStruct, prio: i32) -> Option<Task> {
        let i = prio.clamp(0, MAX_RT_PRIO - 1) as usize;
        let q = &mut self.queues[i];
        let pos = q.iter().position(|x| core::ptr::eq(Arc::as_ptr(x), t))?;
        let r = q.remove(pos);
        if q.is_empty() {
            self.bitmap &= !(1 << i);
        }
        self.nr_running -= 1;
        r
    }

    /// Linux: pick_next_rt_entity(): the head of the best non-empty list.
    pub fn pick(&mut self) -> Option<Task> {
        if self.bitmap == 0 {
            return None;
        }
        let i = self.bitmap.trailing_zeros() as usize;
        let q = &mut self.queues[i];
        let t = q.pop_front();
        if q.is_empty() {
            self.bitmap &= !(1 << i);
        }
        if t.is_some() {
            self.nr_running -= 1;
        }
        t
    }

    /// Linux: update_curr_rt()'s bandwidth accounting.
    pub fn account(&mut self, delta: u64) {
        self.rt_time += delta;
        let runtime = super::core::sched_ns(RT_RUNTIME_US * 1000);
        if self.rt_time > runtime {
            self.throttled = true;
        }
    }

    /// Starts a new bandwidth period when the last one is over (Linux: the rt_period_timer).
    pub fn tick_period(&mut self, now: u64) {
        if now >= self.period_end {
            self.period_end = now + super::core::sched_ns(RT_PERIOD_US * 1000);
            self.rt_time = 0;
            self.throttled = false;
        }
    }

    /// Linux: task_tick_rt(): whether the running real-time task `c` should give way: the
    /// class is throttled, a better priority waits, or its RR slice is used up and another
    /// task of its priority waits (it then goes to the tail: `yielded`).
    pub fn task_tick(&mut self, c: &TaskStruct) -> bool {
        if self.throttled {
            return true;
        }
        let prio = c.se.prio();
        if self.bitmap != 0 && (self.bitmap.trailing_zeros() as i32) < prio {
            return true;
        }
        if c.se.policy() != SCHED_RR {
            return false;
        }
        let left = c.se.time_slice.load(Ordering::Relaxed).saturating_sub(1);
        if left > 0 {
            c.se.time_slice.store(left, Ordering::Relaxed);
            return false;
        }
        c.se.time_slice.store(RR_TIMESLICE, Ordering::Relaxed);
        let i = prio.clamp(0, MAX_RT_PRIO - 1) as usize;
        if self.queues[i].is_empty() {
            return false;
        }
        c.se.yielded.store(true, Ordering::Relaxed);
        true
    }
}
