//! schedule(), wake-ups, the tick and the run queue.  Linux: kernel/sched/core.c, with the
//! class code where Linux keeps it: the real-time lists in rt.rs (kernel/sched/rt.c) and the
//! CFS pick in fair.rs (kernel/sched/fair.c).
//!
//! One run queue per CPU (one CPU today) holding three classes, picked in Linux's order:
//!   - real-time (SCHED_FIFO, SCHED_RR, and PI-boosted tasks): 100 FIFO lists by priority
//!     and a bitmap (rt.rs); the best priority runs; FIFO until it blocks or yields, RR rotates
//!     every RR_TIMESLICE; RT time is throttled to 950 ms a second (sched_rt_runtime_us) so a
//!     spinning FIFO task cannot lock everything else out;
//!   - CFS (SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE): the smallest weighted run time (vruntime)
//!     runs, weights by nice from Linux's sched_prio_to_weight (SCHED_IDLE weighs 3), so a
//!     nice-0 task gets ~68 times the CPU of a nice-19 one (fair.rs);
//!   - the idle task.
//!
//! The kernel is not preemptible (Linux: CONFIG_PREEMPT_NONE): a task gives up the CPU when it
//! sleeps, or on its way back to user mode when need_resched is set — by the tick (slice or
//! vruntime), or by a wake-up of a real-time task of better priority (check_preempt_curr).
//! `curr` holds the strong reference that keeps the running task alive; `prev` holds the
//! task just switched away from until finish_task_switch() runs on the next task's stack, so
//! a dead task's stack is freed only once nobody runs on it (Linux: put_task_struct in
//! finish_task_switch for TASK_DEAD).

use super::fair::CfsRq;
use super::prio::*;
use super::rt::RtRq;
use crate::arch::riscv as arch;
use crate::arch::riscv::time::{get_cycles, ns_to_cycles};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::*;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Linux: sysctl_sched_child_runs_first (kernel/sched/fair.c;
/// /proc/sys/kernel/sched_child_runs_first): 0, the default, leaves the parent running after
/// fork (the child waits its turn on the run queue); non-zero lets a new child run first
/// (kernel_clone asks the parent to reschedule).
pub static SYSCTL_SCHED_CHILD_RUNS_FIRST: [core::sync::atomic::AtomicI32; 1] = [core::sync::atomic::AtomicI32::new(0)];

pub struct RunQueue {
    pub(super) rt: RtRq,
    pub(super) cfs: CfsRq,
    curr: Option<Task>,
    idle: Option<Task>,
    prev: Option<Task>,
    pub nr_switches: u64,
}

static RQ: SpinLock<RunQueue, class::Runqueue> =
    SpinLock::new(RunQueue { rt: RtRq::new(), cfs: CfsRq::new(), curr: None, idle: None, prev: None, nr_switches: 0 });

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
    let rq = RQ.lock();
    rq.rt.nr_running + rq.cfs.nr_running()
}

pub fn nr_switches() -> u64 {
    RQ.lock().nr_switches
}

impl RunQueue {
    fn is_curr(&self, p: &TaskStruct) -> bool {
        self.curr.as_ref().is_some_and(|c| core::ptr::eq(Arc::as_ptr(c), p))
    }
    fn is_idle(&self, p: &TaskStruct) -> bool {
        self.idle.as_ref().is_some_and(|c| core::ptr::eq(Arc::as_ptr(c), p))
    }
}

/// How a task comes onto the run queue (Linux: ENQUEUE_WAKEUP and friends).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Enqueue {
    /// Woken from a sleep, or new: CFS places its vruntime near the queue's (place_entity).
    Wakeup,
    /// Still runnable, switched away from: a preempted real-time task keeps its place at the
    /// head of its list (Linux: put_prev_task_rt), unless it yielded or used up its RR slice.
    Preempted,
    /// Moved for a change of priority: a real-time task goes to the head of its new list when
    /// its priority got worse, to the tail when it got better (Linux: ENQUEUE_HEAD in
    /// __sched_setscheduler).
    Requeue { head: bool },
}

/// Linux: enqueue_task(): onto the list of the task's class (once: on_rq).
fn enqueue(rq: &mut RunQueue, t: Task, how: Enqueue) {
    if t.on_rq.swap(true, Ordering::AcqRel) {
        return;
    }
    let prio = t.se.prio();
    t.se.rq_prio.store(prio, Ordering::Relaxed);
    if prio < MAX_RT_PRIO {
        let head = match how {
            Enqueue::Wakeup => false,
            Enqueue::Preempted => !t.se.yielded.load(Ordering::Relaxed),
            Enqueue::Requeue { head } => head,
        };
        rq.rt.enqueue(t, prio, head);
    } else {
        rq.cfs.enqueue(t, how);
    }
}

/// Linux: dequeue_task(): off its list (for a change of priority or policy while queued).
fn dequeue(rq: &mut RunQueue, t: &TaskStruct) -> Option<Task> {
    if !t.on_rq.load(Ordering::Acquire) {
        return None;
    }
    let prio = t.se.rq_prio.load(Ordering::Relaxed);
    let r = if prio < MAX_RT_PRIO { rq.rt.dequeue(t, prio) } else { rq.cfs.dequeue(t) };
    if r.is_some() {
        t.on_rq.store(false, Ordering::Release);
    }
    r
}

/// Linux: check_preempt_curr() / wakeup_preempt(): a woken real-time task of better priority
/// than the running one gets the CPU at the next return to user mode.  CFS wake-ups do not
/// preempt (the tick does, once the woken task's vruntime is the smallest).
fn check_preempt_curr(rq: &RunQueue, p: &TaskStruct) {
    let Some(c) = rq.curr.as_ref() else { return };
    if rq.is_idle(c) {
        c.need_resched.store(true, Ordering::Relaxed);
        return;
    }
    let prio = p.se.prio();
    if prio < MAX_RT_PRIO && prio < c.se.prio() && !rq.rt.throttled {
        c.need_resched.store(true, Ordering::Relaxed);
    }
}

/// Linux: wake_up_new_task(): the new child becomes runnable.
#[no_mangle]
#[inline(never)]
pub fn wake_up_new_task(p: &Task) {
    let _t = crate::trace_func!(wake_up_new_task, p.pid());
    crate::trace_event!(sched_wakeup_new, p.pid());
    p.set_state(TASK_RUNNING);
    let mut rq = RQ.lock();
    enqueue(&mut rq, p.clone(), Enqueue::Wakeup);
    check_preempt_curr(&rq, p);
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
    if !rq.is_curr(p) {
        enqueue(&mut rq, p.clone(), Enqueue::Wakeup);
        check_preempt_curr(&rq, p);
    }
    true
}

/// Linux: update_curr() / update_curr_rt(): charge the running task for the time since it was
/// last charged (its vruntime for CFS, the period's RT time for throttling).
fn update_curr(rq: &mut RunQueue, curr: &TaskStruct, now: u64) {
    let delta = now.saturating_sub(curr.se.exec_start.swap(now, Ordering::Relaxed));
    if curr.has_flag(PF_IDLE) {
        return;
    }
    curr.se.sum_exec_runtime.fetch_add(delta, Ordering::Relaxed);
    if curr.se.prio() < MAX_RT_PRIO {
        rq.rt.account(delta);
    } else {
        rq.cfs.account(curr, delta);
    }
}

/// Linux: scheduler_tick(): called from the timer interrupt (HZ times a second): charge the
/// running task, and ask for a reschedule when its class says another task's turn has come
/// (task_tick_rt: an RR slice used up; task_tick_fair: a smaller vruntime waiting).
pub fn scheduler_tick() {
    let now = get_cycles();
    let mut rq = RQ.lock();
    let Some(c) = rq.curr.clone() else { return };
    update_curr(&mut rq, &c, now);
    rq.rt.tick_period(now);
    let resched = if rq.is_idle(&c) {
        rq.rt.nr_running + rq.cfs.nr_running() != 0
    } else if c.se.is_rt() {
        rq.rt.task_tick(&c)
    } else {
        rq.rt.runnable() || rq.cfs.task_tick(&c)
    };
    if resched {
        c.need_resched.store(true, Ordering::Relaxed);
    }
}

pub fn need_resched() -> bool {
    with_current(|c| c.need_resched.load(Ordering::Relaxed))
}

/// Linux: pick_next_task(): the best real-time task, else the CFS task with the smallest
/// vruntime, else idle.  Entries of tasks that are no longer runnable are dropped.
fn pick_next_task(rq: &mut RunQueue, prev: &TaskStruct) -> Task {
    loop {
        let t = if rq.rt.runnable() {
            rq.rt.pick()
        } else if let Some(t) = rq.cfs.pick(prev) {
            Some(t)
        } else {
            // Throttled real-time tasks still run when nothing else can.
            rq.rt.pick()
        };
        match t {
            Some(t) => {
                t.on_rq.store(false, Ordering::Release);
                if t.state() == TASK_RUNNING {
                    return t;
                }
            }
            None => return rq.idle.clone().unwrap(),
        }
    }
}

/// Linux: schedule() / __schedule().  The caller has set its state (TASK_RUNNING to yield, a
/// sleeping state to block).
#[no_mangle]
#[inline(never)]
pub fn schedule() {
    crate::kernel::locking::lockdep::assert_none_held("schedule");
    // The SIGKILL of a victim the heap's OOM killer reaped under the allocator's locks: sent
    // here, with none held, before the victim can run (mm/oom_kill.rs).
    if crate::mm::oom_kill::OOM_DEFERRED.load(Ordering::Relaxed) {
        crate::mm::oom_kill::oom_deferred_kills();
    }
    let _t = crate::trace_func!(schedule);
    let now = get_cycles();
    let (rq_locked, next_satp);
    {
        let mut rq = RQ.lock();
        let prev = rq.curr.take().expect("schedule: no current task");
        // Linux: schedule_debug() -> task_stack_end_corrupted()
        if prev.stack.end_corrupted() {
            panic!("corrupted stack end detected inside scheduler");
        }
        prev.need_resched.store(false, Ordering::Relaxed);
        let is_idle = rq.is_idle(&prev);
        // Nothing else can run: the running task goes on (its time is charged at the next
        // switch or tick).
        if prev.state() == TASK_RUNNING && !is_idle && rq.rt.nr_running == 0 && rq.cfs.nr_running() == 0 {
            prev.se.yielded.store(false, Ordering::Relaxed);
            rq.curr = Some(prev);
            return;
        }
        update_curr(&mut rq, &prev, now);
        if prev.state() == TASK_RUNNING && !is_idle {
            enqueue(&mut rq, prev.clone(), Enqueue::Preempted);
        }
        let next = pick_next_task(&mut rq, &prev);
        prev.se.yielded.store(false, Ordering::Relaxed);
        next.se.exec_start.store(now, Ordering::Relaxed);
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
        // Linux: prepare_task_switch() -> rseq_preempt(prev).
        crate::kernel::rseq::rseq_preempt(&prev);
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

/// Gives up the CPU but stays runnable (the preemption point on the way back to user mode,
/// Linux: schedule() from exit_to_user_mode_loop with need_resched).
pub fn yield_now() {
    with_current(|c| c.set_state(TASK_RUNNING));
    schedule();
}

/// Linux: do_sched_yield(): like yield_now, but the task goes behind the others: to the tail
/// of its real-time list, or passed over once by the CFS pick.
pub fn do_sched_yield() {
    with_current(|c| c.se.yielded.store(true, Ordering::Relaxed));
    yield_now();
}

/// Linux: sched_fork(): the child's scheduling parameters, from the parent's (reset when the
/// parent set SCHED_RESET_ON_FORK); its vruntime starts at the parent's as last charged, which
/// is no more than the parent's will be when it is next compared, so the child runs before
/// the parent goes on (kernel_clone sets the parent's need_resched).
pub fn sched_fork(parent: &TaskStruct, p: &TaskStruct) {
    p.se.fork_from(&parent.se);
}

/// Linux: __setscheduler_prio() with the dequeue/enqueue around it (__sched_setscheduler,
/// rt_mutex_setprio, set_user_nice): `p`'s priority becomes `prio`, moving it between the
/// run queue's lists if it is queued, and the CPU is rescheduled when the change may let
/// another task run first.
pub(crate) fn set_prio(p: &TaskStruct, prio: i32) {
    let mut rq = RQ.lock();
    let old = p.se.prio.swap(prio, Ordering::Relaxed);
    if let Some(t) = dequeue(&mut rq, p) {
        enqueue(&mut rq, t, Enqueue::Requeue { head: prio > old });
        check_preempt_curr(&rq, p);
    } else if rq.is_curr(p) && prio > old {
        // The running task got worse: whoever waits may now come first.
        p.need_resched.store(true, Ordering::Relaxed);
    }
}

/// The tick length in nanoseconds (SCHED_NORMAL tasks run at least until a tick: the
/// sched_rr_get_interval of a CFS task).
pub fn tick_ns() -> u64 {
    1_000_000_000 / crate::kernel::time::HZ
}

/// Converts nanoseconds of scheduler time into timer cycles (the run queue's clock).
pub(super) fn sched_ns(ns: u64) -> u64 {
    ns_to_cycles(ns)
}

/// Linux: sched_show_task(): a task's line and its kernel stack, for SysRq's show-task-states
/// (t) and show-blocked-tasks (w).  "stack:" is the unused stack Linux prints with
/// CONFIG_DEBUG_STACK_USAGE, which neither kernel tracks (0); flags are the thread-info bits
/// MenuOS keeps as fields: TIF_SIGPENDING (2) and TIF_NEED_RESCHED (3).
pub fn sched_show_task(p: &TaskStruct) {
    const TIF_SIGPENDING: u32 = 1 << 2;
    const TIF_NEED_RESCHED: u32 = 1 << 3;
    let state = crate::fs::proc::array::task_state_to_char(p);
    let running = if p.state() == TASK_RUNNING { "  running task    " } else { "" };
    let mut flags = 0;
    if p.pending_mask.load(Ordering::Relaxed) & !p.blocked.load(Ordering::Relaxed) != 0 {
        flags |= TIF_SIGPENDING;
    }
    if p.need_resched.load(Ordering::Relaxed) {
        flags |= TIF_NEED_RESCHED;
    }
    crate::pr_info!(
        "task:{:<15.15} state:{}{} stack:{:<5} pid:{:<5} ppid:{:<6} flags:0x{:08x}",
        p.comm_string(),
        state,
        running,
        0,
        p.pid(),
        p.ppid(),
        flags
    );
    arch::stacktrace::show_stack(p);
}

/// Linux: show_state_filter(): sched_show_task() for every task whose state matches
/// `state_filter` (0: all; TASK_UNINTERRUPTIBLE: those in 'D', not idle kernel threads).  A
/// task that has exited has no stack left to show (Linux: try_get_task_stack fails).
pub fn show_state_filter(state_filter: u32) {
    for p in crate::kernel::pid::all_tasks() {
        if p.exit_state() != 0 {
            continue;
        }
        let matches = match state_filter {
            0 => true,
            TASK_UNINTERRUPTIBLE => crate::fs::proc::array::task_state_to_char(&p) == 'D',
            f => p.state() & f != 0,
        };
        if matches {
            sched_show_task(&p);
        }
    }
}
