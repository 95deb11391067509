//! A task's scheduling parameters: policy, nice, real-time priority, the priority numbers the
//! scheduler orders by, and the CFS load weights.  Linux: include/linux/sched/prio.h (MAX_PRIO,
//! NICE_TO_PRIO), include/uapi/linux/sched.h (SCHED_*), include/linux/sched.h (the policy
//! fields of task_struct, struct sched_entity, struct sched_rt_entity), kernel/sched/core.c
//! (sched_prio_to_weight, sched_prio_to_wmult, normal_prio, effective_prio).
//!
//! Priorities are Linux's numbers: 0..99 are real-time (prio = 99 - rt_priority, lower runs
//! first), 100..139 are the nice levels (120 + nice).  `prio` is what the run queue orders by:
//! `normal_prio`, or a better one while the task owns a PI futex a higher-priority task waits
//! for (futex/pi.rs boosts it, Linux: rt_mutex_setprio).

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};
use linux_raw_sys::general as uapi;

pub const SCHED_NORMAL: u32 = uapi::SCHED_NORMAL;
pub const SCHED_FIFO: u32 = uapi::SCHED_FIFO;
pub const SCHED_RR: u32 = uapi::SCHED_RR;
pub const SCHED_BATCH: u32 = uapi::SCHED_BATCH;
pub const SCHED_IDLE: u32 = uapi::SCHED_IDLE;
pub const SCHED_DEADLINE: u32 = uapi::SCHED_DEADLINE;
/// sched_setscheduler(2)'s flag in the policy argument (Linux: SCHED_RESET_ON_FORK).
pub const SCHED_RESET_ON_FORK: u32 = uapi::SCHED_RESET_ON_FORK;

pub const MAX_NICE: i32 = 19;
pub const MIN_NICE: i32 = -20;
pub const NICE_WIDTH: i32 = MAX_NICE - MIN_NICE + 1;
/// Linux: MAX_RT_PRIO — real-time priorities are 1..MAX_RT_PRIO-1.
pub const MAX_RT_PRIO: i32 = 100;
pub const MAX_PRIO: i32 = MAX_RT_PRIO + NICE_WIDTH;
pub const DEFAULT_PRIO: i32 = MAX_RT_PRIO + NICE_WIDTH / 2;

/// Linux: NICE_TO_PRIO / PRIO_TO_NICE.
pub const fn nice_to_prio(nice: i32) -> i32 {
    nice + DEFAULT_PRIO
}
pub const fn prio_to_nice(prio: i32) -> i32 {
    prio - DEFAULT_PRIO
}

/// Linux: rt_policy() / fair_policy() / valid_policy().
pub const fn rt_policy(policy: u32) -> bool {
    policy == SCHED_FIFO || policy == SCHED_RR
}
pub const fn fair_policy(policy: u32) -> bool {
    policy == SCHED_NORMAL || policy == SCHED_BATCH || policy == SCHED_IDLE
}
pub const fn valid_policy(policy: u32) -> bool {
    fair_policy(policy) || rt_policy(policy) || policy == SCHED_DEADLINE
}

/// Linux: sched_prio_to_weight[]: nice -20..19.  Each nice level is ~10% of CPU time against
/// a task one level away; nice 0 is 1024 (NICE_0_LOAD).
pub const SCHED_PRIO_TO_WEIGHT: [u32; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501,
    1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];
/// Linux: sched_prio_to_wmult[]: 2^32 / weight, so that dividing by a weight is a multiply.
pub const SCHED_PRIO_TO_WMULT: [u32; 40] = [
    48388, 59856, 76040, 92818, 118348, 147320, 184698, 229616, 287308, 360437, 449829, 563644, 704093, 875809,
    1099582, 1376151, 1717300, 2157191, 2708050, 3363326, 4194304, 5237765, 6557202, 8165337, 10153587, 12820798,
    15790321, 19976592, 24970740, 31350126, 39045157, 49367440, 61356676, 76695844, 95443717, 119304647, 148102320,
    186737708, 238609294, 286331153,
];
/// Linux: WEIGHT_IDLEPRIO / WMULT_IDLEPRIO: SCHED_IDLE tasks weigh 3 (about 0.3% of a nice-0 task).
pub const WEIGHT_IDLEPRIO: u32 = 3;
pub const WMULT_IDLEPRIO: u32 = 1431655765;
pub const NICE_0_LOAD: u32 = 1024;

/// Linux: RR_TIMESLICE (100 ms), in ticks of kernel/time/timer.rs's HZ.
pub const RR_TIMESLICE: u32 = (100 * crate::kernel::time::HZ / 1000) as u32;

/// The scheduling state of one task (Linux: task_struct's policy, static_prio, normal_prio,
/// prio, rt_priority, sched_reset_on_fork, cpus_mask, and its sched_entity / sched_rt_entity).
/// Atomics: written by the task itself through the syscalls (or by a sched_setscheduler on it),
/// read by the scheduler under the run-queue lock; changes that move a queued task between
/// queues happen under that lock (core.rs: __setscheduler).
pub struct SchedEntity {
    /// Linux: policy (SCHED_NORMAL, FIFO, RR, BATCH, IDLE).
    pub policy: AtomicU32,
    /// Linux: static_prio = NICE_TO_PRIO(nice): what setpriority changes.
    pub static_prio: AtomicI32,
    /// Linux: rt_priority, 1..99 for SCHED_FIFO/RR, 0 otherwise.
    pub rt_priority: AtomicU32,
    /// Linux: normal_prio: 99 - rt_priority for RT policies, static_prio otherwise.
    pub normal_prio: AtomicI32,
    /// Linux: prio: normal_prio, or the priority of the top waiter of a PI futex it owns.
    pub prio: AtomicI32,
    /// The priority lent by PI-futex waiters (MAX_PRIO: none).  Linux: pi_top_task's prio.
    pub pi_prio: AtomicI32,
    /// Linux: sched_reset_on_fork.
    pub reset_on_fork: AtomicBool,
    /// Linux: se.vruntime — the weighted run time CFS picks the smallest of, in timer cycles.
    pub vruntime: AtomicU64,
    /// Linux: se.exec_start — when it last started running (timer cycles).
    pub exec_start: AtomicU64,
    /// Linux: se.sum_exec_runtime (timer cycles).
    pub sum_exec_runtime: AtomicU64,
    /// Linux: rt.time_slice — SCHED_RR ticks left.
    pub time_slice: AtomicU32,
    /// Linux: cpus_mask — bit n: may run on CPU n.
    pub cpus_mask: AtomicU64,
    /// sched_yield() was called: the next pick passes over this task once, and a real-time
    /// task goes to the tail of its list (Linux: yield_task_fair's skip buddy, yield_task_rt).
    pub yielded: AtomicBool,
    /// The priority the task was queued with (the run queue's list it is on).
    pub rq_prio: AtomicI32,
    /// 2^32 / the CFS load weight (Linux: se.load.inv_weight), kept by set_load_weight().
    pub wmult: AtomicU32,
}

impl Default for SchedEntity {
    fn default() -> Self {
        Self::new()
    }
}

impl SchedEntity {
    /// A SCHED_NORMAL task at nice 0 (Linux: init_task's values).
    pub const fn new() -> Self {
        SchedEntity {
            policy: AtomicU32::new(SCHED_NORMAL),
            static_prio: AtomicI32::new(DEFAULT_PRIO),
            rt_priority: AtomicU32::new(0),
            normal_prio: AtomicI32::new(DEFAULT_PRIO),
            prio: AtomicI32::new(DEFAULT_PRIO),
            pi_prio: AtomicI32::new(MAX_PRIO),
            reset_on_fork: AtomicBool::new(false),
            vruntime: AtomicU64::new(0),
            exec_start: AtomicU64::new(0),
            sum_exec_runtime: AtomicU64::new(0),
            time_slice: AtomicU32::new(RR_TIMESLICE),
            cpus_mask: AtomicU64::new(u64::MAX),
            yielded: AtomicBool::new(false),
            rq_prio: AtomicI32::new(DEFAULT_PRIO),
            wmult: AtomicU32::new(SCHED_PRIO_TO_WMULT[(DEFAULT_PRIO - MAX_RT_PRIO) as usize]),
        }
    }

    pub fn policy(&self) -> u32 {
        self.policy.load(Ordering::Relaxed)
    }
    pub fn prio(&self) -> i32 {
        self.prio.load(Ordering::Relaxed)
    }
    pub fn normal_prio(&self) -> i32 {
        self.normal_prio.load(Ordering::Relaxed)
    }
    pub fn static_prio(&self) -> i32 {
        self.static_prio.load(Ordering::Relaxed)
    }
    pub fn rt_priority(&self) -> u32 {
        self.rt_priority.load(Ordering::Relaxed)
    }
    /// Linux: task_nice().
    pub fn nice(&self) -> i32 {
        prio_to_nice(self.static_prio())
    }
    /// /proc/PID/stat's priority field (Linux: task_prio(): prio - MAX_RT_PRIO, so -2..-100
    /// for real-time tasks and 0..39 (20 + nice) otherwise).
    pub fn proc_priority(&self) -> i32 {
        self.prio() - MAX_RT_PRIO
    }
    /// Linux: rt_prio(p->prio): runs in the real-time class (an RT policy, or PI-boosted).
    pub fn is_rt(&self) -> bool {
        self.prio() < MAX_RT_PRIO
    }

    /// Linux: normal_prio() for this policy / rt_priority / static_prio.
    pub fn calc_normal_prio(policy: u32, rt_priority: u32, static_prio: i32) -> i32 {
        if rt_policy(policy) {
            MAX_RT_PRIO - 1 - rt_priority as i32
        } else {
            static_prio
        }
    }

    /// Linux: effective_prio(): the normal priority, or the PI boost when it is better.
    pub fn effective_prio(&self) -> i32 {
        self.normal_prio().min(self.pi_prio.load(Ordering::Relaxed))
    }

    /// CFS: (weight, 2^32 / weight) of this task's policy and nice.
    pub fn load_weight(&self) -> (u32, u32) {
        if self.policy() == SCHED_IDLE {
            return (WEIGHT_IDLEPRIO, WMULT_IDLEPRIO);
        }
        let i = (self.static_prio() - MAX_RT_PRIO).clamp(0, NICE_WIDTH - 1) as usize;
        (SCHED_PRIO_TO_WEIGHT[i], SCHED_PRIO_TO_WMULT[i])
    }

    /// Linux: set_load_weight(): after a change of policy or nice.
    pub fn set_load_weight(&self) {
        self.wmult.store(self.load_weight().1, Ordering::Relaxed);
    }

    /// Linux: sched_fork()'s copy of the parent's parameters, with SCHED_RESET_ON_FORK: an RT
    /// (or SCHED_IDLE/BATCH...) parent's child goes back to SCHED_NORMAL, a negative nice to 0,
    /// and the child does not keep the flag.  A PI boost is never inherited.
    pub fn fork_from(&self, parent: &SchedEntity) {
        let mut policy = parent.policy();
        let mut static_prio = parent.static_prio();
        let mut rt_priority = parent.rt_priority();
        let reset = parent.reset_on_fork.load(Ordering::Relaxed);
        if reset {
            if rt_policy(policy) {
                policy = SCHED_NORMAL;
                rt_priority = 0;
            }
            if prio_to_nice(static_prio) < 0 {
                static_prio = DEFAULT_PRIO;
            }
        }
        let normal = Self::calc_normal_prio(policy, rt_priority, static_prio);
        self.policy.store(policy, Ordering::Relaxed);
        self.static_prio.store(static_prio, Ordering::Relaxed);
        self.rt_priority.store(rt_priority, Ordering::Relaxed);
        self.normal_prio.store(normal, Ordering::Relaxed);
        self.prio.store(normal, Ordering::Relaxed);
        self.rq_prio.store(normal, Ordering::Relaxed);
        self.cpus_mask.store(parent.cpus_mask.load(Ordering::Relaxed), Ordering::Relaxed);
        self.time_slice.store(RR_TIMESLICE, Ordering::Relaxed);
        self.vruntime.store(parent.vruntime.load(Ordering::Relaxed), Ordering::Relaxed);
        self.set_load_weight();
    }
}

/// Linux: __calc_delta(delta, NICE_0_LOAD, &se->load): `delta` of run time as virtual run time
/// (delta * 1024 / weight), with the 2^32/weight table.
pub fn calc_delta_fair(delta: u64, wmult: u32) -> u64 {
    // NICE_0_LOAD is 2^10: (delta * 2^10 * wmult) >> 32 = (delta * wmult) >> 22, and a nice-0
    // task (wmult 2^22) is charged its run time as it is.
    const NICE_0_WMULT: u32 = 1 << (32 - NICE_0_LOAD.trailing_zeros());
    if wmult == NICE_0_WMULT {
        return delta;
    }
    ((delta as u128 * wmult as u128) >> (32 - NICE_0_LOAD.trailing_zeros())) as u64
}
