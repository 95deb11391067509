//! schedule(), wake-ups and the run queue.  Linux: kernel/sched/core.c.
//!
//! One run queue per CPU (one CPU today): a FIFO of runnable tasks, round-robin with a 10 ms
//! slice.  The kernel is not preemptible (Linux: CONFIG_PREEMPT_NONE): a task gives up the
//! CPU when it sleeps, or on its way back to user mode when the tick set need_resched.
//! `curr` holds the strong reference that keeps the running task alive; `prev` holds the
//! task just switched away from until finish_task_switch() runs on the next task's stack, so
//! a dead task's stack is freed only once nobody runs on it (Linux: put_task_struct in
//! finish_task_switch for TASK_DEAD).

use crate::arch::riscv as arch;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::*;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Linux: sysctl_sched_child_runs_first (kernel/sched/fair.c;
/// /proc/sys/kernel/sched_child_runs_first): 0, the default, leaves the parent running after
/// fork (the child waits its turn on the run queue); non-zero lets a new child run first
/// (kernel_clone asks the parent to reschedule).
pub static SYSCTL_SCHED_CHILD_RUNS_FIRST: [core::sync::atomic::AtomicI32; 1] = [core::sync::atomic::AtomicI32::new(0)];

pub struct RunQueue {
    queue: VecDeque<Task>,
    curr: Option<Task>,
    idle: Option<Task>,
    prev: Option<Task>,
    pub nr_switches: u64,
}

static RQ: SpinLock<RunQueue, class::Runqueue> =
    SpinLock::new(RunQueue { queue: VecDeque::new(), curr: None, idle: None, prev: None, nr_switches: 0 });

/// Linux: sched_init(): the run queue starts with the idle task, pid 0 (init_task): the boot
/// context becomes it.
#[no_mangle]
#[inline(never)]
pub fn sched_init() {
    init_idle(crate::kernel::fork::make_init_task());
}

/// Linux: init_idle(): `idle` is this CPU's current and idle task.
pub fn init_idle(idle: Task) {
    arch::set_current_ptr(Arc::as_ptr(&idle));
    let mut rq = RQ.lock();
    rq.curr = Some(idle.clone());
    rq.idle = Some(idle);
}

pub fn nr_running() -> usize {
    RQ.lock().queue.len()
}

pub fn nr_switches() -> u64 {
    RQ.lock().nr_switches
}

fn enqueue(rq: &mut RunQueue, t: Task) {
    if !t.on_rq.swap(true, Ordering::AcqRel) {
        rq.queue.push_back(t);
    }
}

/// Linux: wake_up_new_task(): the new child becomes runnable.
#[no_mangle]
#[inline(never)]
pub fn wake_up_new_task(p: &Task) {
    let _t = crate::trace_func!(wake_up_new_task, p.pid());
    crate::trace_event!(sched_wakeup_new, p.pid());
    p.set_state(TASK_RUNNING);
    enqueue(&mut RQ.lock(), p.clone());
}

/// Linux: try_to_wake_up() for sleeping tasks (TASK_NORMAL).
#[no_mangle]
#[inline(never)]
pub fn wake_up_process(p: &Task) -> bool {
    wake_up_state(p, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)
}

pub fn wake_up_state(p: &Task, mask: u32) -> bool {
    if p.state() & mask == 0 {
        return false;
    }
    p.set_state(TASK_RUNNING);
    let mut rq = RQ.lock();
    let is_curr = rq.curr.as_ref().is_some_and(|c| Arc::ptr_eq(c, p));
    if !is_curr {
        enqueue(&mut rq, p.clone());
    }
    true
}

/// Linux: scheduler_tick(): called from the timer interrupt.
pub fn scheduler_tick() {
    let rq = RQ.lock();
    if let Some(c) = &rq.curr {
        if !rq.queue.is_empty() {
            c.need_resched.store(true, Ordering::Relaxed);
        }
    }
}

pub fn need_resched() -> bool {
    with_current(|c| c.need_resched.load(Ordering::Relaxed))
}

/// Linux: schedule() / __schedule().  The caller has set its state (TASK_RUNNING to yield, a
/// sleeping state to block).
#[no_mangle]
#[inline(never)]
pub fn schedule() {
    crate::kernel::locking::lockdep::assert_none_held("schedule");
    let _t = crate::trace_func!(schedule);
    let (rq_locked, next_satp);
    {
        let mut rq = RQ.lock();
        let prev = rq.curr.take().expect("schedule: no current task");
        // Linux: schedule_debug() -> task_stack_end_corrupted()
        if prev.stack.end_corrupted() {
            panic!("corrupted stack end detected inside scheduler");
        }
        prev.need_resched.store(false, Ordering::Relaxed);
        let is_idle = rq.idle.as_ref().is_some_and(|i| Arc::ptr_eq(i, &prev));
        if prev.state() == TASK_RUNNING && !is_idle {
            enqueue(&mut rq, prev.clone());
        }
        let next = loop {
            match rq.queue.pop_front() {
                Some(t) => {
                    t.on_rq.store(false, Ordering::Release);
                    if t.state() == TASK_RUNNING {
                        break t;
                    }
                }
                None => break rq.idle.clone().unwrap(),
            }
        };
        if Arc::ptr_eq(&prev, &next) {
            rq.curr = Some(prev);
            return;
        }
        rq.nr_switches += 1;
        if prev.state() == TASK_RUNNING {
            prev.nivcsw.fetch_add(1, Ordering::Relaxed);
        } else {
            prev.nvcsw.fetch_add(1, Ordering::Relaxed);
        }
        crate::trace_event!(sched_switch, prev.pid(), next.pid(), prev.state());
        next_satp = Some(next.mm_satp.load(Ordering::Acquire)).filter(|&s| s != 0);
        rq.curr = Some(next);
        rq.prev = Some(prev);
        rq_locked = rq;
    }
    // Linux: context_switch(): switch_mm, then switch_to.  Kernel threads keep whatever page
    // table is loaded (Linux: lazy TLB, active_mm); all share the kernel half.
    if let Some(satp) = next_satp {
        if arch::current_satp() != satp {
            arch::switch_mm(satp);
        }
    }
    // The run queue stays locked until the switch: its prev and curr slots own both tasks, and
    // arch::context_switch borrows them from it, unlocks and switches with nothing run between
    // (finish_task_switch, on the far side, drops prev).
    arch::context_switch(rq_locked, |rq| (rq.prev.as_deref().unwrap(), rq.curr.as_deref().unwrap()));
    finish_task_switch();
}

/// Linux: finish_task_switch(): drop the reference to the task we switched away from.
#[no_mangle]
#[inline(never)]
fn finish_task_switch() {
    let prev = RQ.lock().prev.take();
    drop(prev);
}

/// Linux: schedule_tail(): the first thing a new task does (from ret_from_fork).
#[no_mangle]
pub extern "C" fn schedule_tail(_prev: usize) {
    // ret_from_fork (entry.S) has no Rust frame: its entry is recorded here, its exit in
    // ret_from_fork_user.  a0 = 0 already: the child's return value from fork.
    crate::trace_enter!(
        ret_from_fork,
        crate::kernel::task::with_current(|c| c.pid()),
        arch::process::with_current_pt_regs(|r| r.a0)
    );
    let _t = crate::trace_func!(schedule_tail);
    finish_task_switch();
    crate::kernel::fork::schedule_tail_child();
}

pub fn yield_now() {
    with_current(|c| c.set_state(TASK_RUNNING));
    schedule();
}

// The scheduling syscalls.  Linux: kernel/sched/core.c.

/// Linux: sched_yield(2)
pub fn sys_sched_yield() -> crate::errno::KResult<usize> {
    yield_now();
    Ok(0)
}

/// Linux: sched_getaffinity(2): CPU 0 only; returns the size of the kernel's cpumask (8
/// bytes), EINVAL when the user's buffer is smaller.
pub fn sys_sched_getaffinity(
    _pid: i32,
    len: u32,
    user_mask_ptr: crate::mm::uaccess::UserPtr<u64>,
) -> crate::errno::KResult<usize> {
    if len < 8 {
        return Err(crate::errno::EINVAL);
    }
    user_mask_ptr.write(&1)?;
    Ok(8)
}

// Not yet: policy, priority and affinity are not kept; these claim success (or report the
// defaults of SCHED_OTHER on one CPU) without looking at their arguments.
pub fn sys_sched_setaffinity(
    _pid: i32,
    _len: u32,
    _mask: crate::mm::uaccess::UserPtr<u64>,
) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_setparam(_pid: i32, _param: crate::mm::uaccess::UserPtr<i32>) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_setscheduler(
    _pid: i32,
    _policy: i32,
    _param: crate::mm::uaccess::UserPtr<i32>,
) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_getscheduler(_pid: i32) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_getparam(_pid: i32, _param: crate::mm::uaccess::UserPtr<i32>) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_get_priority_max(_policy: i32) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_get_priority_min(_policy: i32) -> crate::errno::KResult<usize> {
    Ok(0)
}
pub fn sys_sched_rr_get_interval(
    _pid: i32,
    _interval: crate::mm::uaccess::UserPtr<u8>,
) -> crate::errno::KResult<usize> {
    Ok(0)
}
