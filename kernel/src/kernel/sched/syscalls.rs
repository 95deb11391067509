//! The scheduling syscalls: policy and priority (sched_setscheduler, sched_setparam,
//! sched_setattr and their getters), the priority ranges, sched_rr_get_interval, CPU affinity,
//! sched_yield; and set_user_nice(), which setpriority(2) (kernel/sys.rs) uses.  Linux:
//! kernel/sched/syscalls.c (since 6.11; kernel/sched/core.c in 6.1): __sched_setscheduler,
//! sched_copy_attr, sched_attr_copy_to_user, sched_getaffinity, set_user_nice.
//!
//! The permission checks Linux makes for an unprivileged caller (CAP_SYS_NICE, RLIMIT_RTPRIO,
//! RLIMIT_NICE, same owner) are user_check_sched_setscheduler(), can_nice() and
//! set_one_prio_perm() below, over the caller's struct cred (kernel/cred.rs).

use super::prio::*;
use crate::errno::*;
use crate::kernel::capability::{cap_capable, capable, CAP_SYS_NICE};
use crate::kernel::cred::{current_cred, task_cred};
use crate::kernel::signal_types::{RLIMIT_NICE, RLIMIT_RTPRIO};
use crate::kernel::task::{current, Task, TaskStruct, PF_IDLE};
use crate::kernel::time::Timespec;
use crate::mm::uaccess::{copy_to_user, UserPtr};
use core::sync::atomic::Ordering;

crate::user_pod! {
    /// Linux: struct sched_param.
    #[derive(Clone, Copy, Default)]
    pub struct SchedParam {
        pub sched_priority: i32,
    }
}

crate::user_pod! {
    /// Linux: struct sched_attr (include/uapi/linux/sched/types.h), SCHED_ATTR_SIZE_VER1.
    #[derive(Clone, Copy, Default)]
    pub struct SchedAttr {
        pub size: u32,
        pub sched_policy: u32,
        pub sched_flags: u64,
        pub sched_nice: i32,
        pub sched_priority: u32,
        pub sched_runtime: u64,
        pub sched_deadline: u64,
        pub sched_period: u64,
        pub sched_util_min: u32,
        pub sched_util_max: u32,
    }
}

/// Linux: SCHED_ATTR_SIZE_VER0 / VER1 (include/uapi/linux/sched/types.h).
const SCHED_ATTR_SIZE_VER0: u32 = 48;
const SCHED_ATTR_SIZE_VER1: u32 = 56;
/// Linux: SETPARAM_POLICY (kernel/sched/sched.h): keep the policy (sched_setparam).
const SETPARAM_POLICY: u32 = u32::MAX;
/// Linux: SCHED_FLAG_SUGOV (kernel/sched/sched.h): the kernel's own schedutil threads only.
const SCHED_FLAG_SUGOV: u64 = 0x1000_0000;
const SCHED_FLAG_RESET_ON_FORK: u64 = linux_raw_sys::general::SCHED_FLAG_RESET_ON_FORK as u64;
const SCHED_FLAG_KEEP_POLICY: u64 = linux_raw_sys::general::SCHED_FLAG_KEEP_POLICY as u64;
const SCHED_FLAG_KEEP_PARAMS: u64 = linux_raw_sys::general::SCHED_FLAG_KEEP_PARAMS as u64;
const SCHED_FLAG_UTIL_CLAMP: u64 = linux_raw_sys::general::SCHED_FLAG_UTIL_CLAMP as u64;
const SCHED_FLAG_ALL: u64 = linux_raw_sys::general::SCHED_FLAG_ALL as u64;
const PAGE_SIZE: u32 = crate::mm::PAGE_SIZE as u32;

/// Linux: find_process_by_pid(): 0 is the caller, otherwise any thread by its id.
pub fn find_process_by_pid(pid: i32) -> KResult<Task> {
    if pid == 0 {
        Ok(current())
    } else {
        crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)
    }
}

/// Linux: nice_to_rlimit(): nice 19..-20 as RLIMIT_NICE's 1..40.
fn nice_to_rlimit(nice: i32) -> u64 {
    (MAX_NICE - nice + 1) as u64
}

/// Linux: is_nice_reduction(): may `p` go to `nice` within its RLIMIT_NICE?
fn is_nice_reduction(p: &TaskStruct, nice: i32) -> bool {
    nice_to_rlimit(nice) <= p.signal.rlimit(RLIMIT_NICE)
}

/// Linux: check_same_owner(): the caller's euid is `p`'s uid or euid.
fn check_same_owner(p: &TaskStruct) -> bool {
    let (cred, pcred) = (current_cred(), task_cred(p));
    cred.euid == pcred.euid || cred.euid == pcred.uid
}

/// Linux: user_check_sched_setscheduler(): what an unprivileged caller may not do (a lower
/// nice than RLIMIT_NICE allows, an RT policy or a higher RT priority than RLIMIT_RTPRIO
/// allows, SCHED_DEADLINE, leaving SCHED_IDLE past RLIMIT_NICE, another user's task, clearing
/// reset-on-fork) is EPERM unless capable(CAP_SYS_NICE).
fn user_check_sched_setscheduler(p: &TaskStruct, policy: u32, attr: &SchedAttr, reset_on_fork: bool) -> KResult<()> {
    let se = &p.se;
    let req_priv = (fair_policy(policy) && attr.sched_nice < se.nice() && !is_nice_reduction(p, attr.sched_nice))
        || (rt_policy(policy) && {
            let rlim_rtprio = p.signal.rlimit(RLIMIT_RTPRIO);
            (policy != se.policy() && rlim_rtprio == 0)
                || (attr.sched_priority > se.rt_priority() && attr.sched_priority as u64 > rlim_rtprio)
        })
        || policy == SCHED_DEADLINE
        || (se.policy() == SCHED_IDLE && policy != SCHED_IDLE && !is_nice_reduction(p, se.nice()))
        || !check_same_owner(p)
        || (se.reset_on_fork.load(Ordering::Relaxed) && !reset_on_fork);
    if req_priv && !capable(CAP_SYS_NICE) {
        return Err(EPERM);
    }
    Ok(())
}

/// Linux: can_nice(): may `p` get nice `nice` (within RLIMIT_NICE, or CAP_SYS_NICE)?
pub fn can_nice(p: &TaskStruct, nice: i32) -> bool {
    is_nice_reduction(p, nice) || capable(CAP_SYS_NICE)
}

/// Linux: set_one_prio_perm(): may the caller renice `p` (its uid or euid is the caller's
/// euid, or CAP_SYS_NICE in `p`'s user namespace)?
pub fn set_one_prio_perm(p: &TaskStruct) -> bool {
    let (cred, pcred) = (current_cred(), task_cred(p));
    credcheck::perm::set_one_prio_perm(&cred, &pcred, cap_capable(&cred, &pcred.user_ns, CAP_SYS_NICE))
}

/// Linux: __sched_setscheduler(p, attr, user = true, pi = true).
fn __sched_setscheduler(p: &TaskStruct, attr: &SchedAttr) -> KResult<()> {
    let se = &p.se;
    let (policy, reset_on_fork) = if attr.sched_policy == SETPARAM_POLICY {
        (se.policy(), se.reset_on_fork.load(Ordering::Relaxed))
    } else {
        if !valid_policy(attr.sched_policy) {
            return Err(EINVAL);
        }
        (attr.sched_policy, attr.sched_flags & SCHED_FLAG_RESET_ON_FORK != 0)
    };
    if attr.sched_flags & !(SCHED_FLAG_ALL | SCHED_FLAG_SUGOV) != 0 {
        return Err(EINVAL);
    }
    // Valid priorities for SCHED_FIFO and SCHED_RR are 1..MAX_RT_PRIO-1, for SCHED_NORMAL,
    // SCHED_BATCH and SCHED_IDLE 0.
    if attr.sched_priority > (MAX_RT_PRIO - 1) as u32 {
        return Err(EINVAL);
    }
    if policy == SCHED_DEADLINE && !checkparam_dl(attr) {
        return Err(EINVAL);
    }
    if policy != SCHED_DEADLINE && rt_policy(policy) != (attr.sched_priority != 0) {
        return Err(EINVAL);
    }
    user_check_sched_setscheduler(p, policy, attr, reset_on_fork)?;
    if attr.sched_flags & SCHED_FLAG_SUGOV != 0 {
        return Err(EINVAL);
    }
    // Linux without CONFIG_UCLAMP_TASK (the reference's config): uclamp_validate().
    if attr.sched_flags & SCHED_FLAG_UTIL_CLAMP != 0 {
        return Err(EOPNOTSUPP);
    }
    if p.has_flag(PF_IDLE) {
        return Err(EINVAL);
    }
    // Linux: sched_dl_overflow() — deadline bandwidth cannot be admitted: there is no
    // SCHED_DEADLINE class, so no task is ever admitted to it.
    if policy == SCHED_DEADLINE {
        return Err(EBUSY);
    }
    // If not changing anything there's no need to proceed further, but store a possible
    // modification of reset_on_fork.
    se.reset_on_fork.store(reset_on_fork, Ordering::Relaxed);
    if policy == se.policy()
        && !(fair_policy(policy) && attr.sched_nice != se.nice())
        && !(rt_policy(policy) && attr.sched_priority != se.rt_priority())
    {
        return Ok(());
    }
    if attr.sched_flags & SCHED_FLAG_KEEP_PARAMS != 0 {
        return Ok(());
    }
    // Linux: __setscheduler_params() + __setscheduler_prio().
    let static_prio = if fair_policy(policy) { nice_to_prio(attr.sched_nice) } else { se.static_prio() };
    let rt_priority = attr.sched_priority;
    let normal = SchedEntity::calc_normal_prio(policy, rt_priority, static_prio);
    let old_policy = se.policy.swap(policy, Ordering::Relaxed);
    se.static_prio.store(static_prio, Ordering::Relaxed);
    se.rt_priority.store(rt_priority, Ordering::Relaxed);
    se.normal_prio.store(normal, Ordering::Relaxed);
    if old_policy != policy && policy == SCHED_RR {
        se.time_slice.store(RR_TIMESLICE, Ordering::Relaxed);
    }
    se.set_load_weight();
    super::core::set_prio(p, se.effective_prio());
    Ok(())
}

/// Linux: __checkparam_dl(): the deadline parameters' own consistency (before admission).
fn checkparam_dl(attr: &SchedAttr) -> bool {
    // deadline != 0 (and it must be at least 1 us, as runtime must be)
    if attr.sched_deadline == 0 {
        return false;
    }
    if attr.sched_runtime < 1 << 10 {
        return false;
    }
    // Since we truncate DL_SCALE bits, make sure we're at least that big.
    if attr.sched_deadline & (1 << 63) != 0 || attr.sched_period & (1 << 63) != 0 {
        return false;
    }
    let period = if attr.sched_period == 0 { attr.sched_deadline } else { attr.sched_period };
    period >= attr.sched_deadline && attr.sched_deadline >= attr.sched_runtime
}

/// Linux: _sched_setscheduler(): the legacy interface, with SCHED_RESET_ON_FORK in the policy.
fn do_sched_setscheduler(pid: i32, policy: u32, param: UserPtr<SchedParam>) -> KResult<usize> {
    if param.is_null() || pid < 0 {
        return Err(EINVAL);
    }
    let lp = param.read()?;
    let p = find_process_by_pid(pid)?;
    let mut attr = SchedAttr {
        sched_policy: policy,
        sched_priority: lp.sched_priority as u32,
        sched_nice: p.se.nice(),
        ..Default::default()
    };
    // Fixup the legacy SCHED_RESET_ON_FORK hack.
    if policy != SETPARAM_POLICY && policy & SCHED_RESET_ON_FORK != 0 {
        attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
        attr.sched_policy = policy & !SCHED_RESET_ON_FORK;
    }
    __sched_setscheduler(&p, &attr)?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE3(sched_setscheduler, pid_t, pid, int, policy, struct sched_param __user *, param)
pub fn sys_sched_setscheduler(pid: i32, policy: i32, param: UserPtr<SchedParam>) -> KResult<usize> {
    if policy < 0 {
        return Err(EINVAL);
    }
    do_sched_setscheduler(pid, policy as u32, param)
}

/// Linux: SYSCALL_DEFINE2(sched_setparam, pid_t, pid, struct sched_param __user *, param)
pub fn sys_sched_setparam(pid: i32, param: UserPtr<SchedParam>) -> KResult<usize> {
    do_sched_setscheduler(pid, SETPARAM_POLICY, param)
}

/// Linux: SYSCALL_DEFINE1(sched_getscheduler, pid_t, pid)
pub fn sys_sched_getscheduler(pid: i32) -> KResult<usize> {
    if pid < 0 {
        return Err(EINVAL);
    }
    let p = find_process_by_pid(pid)?;
    let reset = if p.se.reset_on_fork.load(Ordering::Relaxed) { SCHED_RESET_ON_FORK } else { 0 };
    Ok((p.se.policy() | reset) as usize)
}

/// Linux: SYSCALL_DEFINE2(sched_getparam, pid_t, pid, struct sched_param __user *, param)
pub fn sys_sched_getparam(pid: i32, param: UserPtr<SchedParam>) -> KResult<usize> {
    if param.is_null() || pid < 0 {
        return Err(EINVAL);
    }
    let p = find_process_by_pid(pid)?;
    let prio = if rt_policy(p.se.policy()) { p.se.rt_priority() as i32 } else { 0 };
    param.write(&SchedParam { sched_priority: prio })?;
    Ok(0)
}

/// Linux: get_params(): the current parameters into `attr` (SCHED_FLAG_KEEP_PARAMS, getattr).
fn get_params(p: &TaskStruct, attr: &mut SchedAttr) {
    if rt_policy(p.se.policy()) {
        attr.sched_priority = p.se.rt_priority();
    } else {
        attr.sched_nice = p.se.nice();
    }
}

/// Linux: sched_copy_attr(): a struct sched_attr of any size the ABI has had (E2BIG, with
/// our size written back, for one whose unknown tail is not zero).
fn sched_copy_attr(uattr: UserPtr<SchedAttr>) -> KResult<SchedAttr> {
    let usize_ptr = uattr.cast::<u32>();
    let mut size = usize_ptr.read()?;
    let e2big = || {
        let _ = usize_ptr.write(&(core::mem::size_of::<SchedAttr>() as u32));
        E2BIG
    };
    // ABI compatibility quirk:
    if size == 0 {
        size = SCHED_ATTR_SIZE_VER0;
    }
    if !(SCHED_ATTR_SIZE_VER0..=PAGE_SIZE).contains(&size) {
        return Err(e2big());
    }
    // Linux: copy_struct_from_user(): bytes past what we know must be zero.
    let ksize = core::mem::size_of::<SchedAttr>() as u32;
    let mut buf = [0u8; core::mem::size_of::<SchedAttr>()];
    let n = size.min(ksize) as usize;
    uattr.cast::<u8>().copy_in(&mut buf[..n])?;
    if size > ksize {
        let mut rest = alloc::vec![0u8; (size - ksize) as usize];
        uattr.cast::<u8>().byte_add(ksize as usize).copy_in(&mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(e2big());
        }
    }
    let mut attr = SchedAttr::default();
    crate::mm::uaccess::as_bytes_mut(&mut attr).copy_from_slice(&buf);
    if attr.sched_flags & SCHED_FLAG_UTIL_CLAMP != 0 && size < SCHED_ATTR_SIZE_VER1 {
        return Err(EINVAL);
    }
    attr.sched_nice = attr.sched_nice.clamp(MIN_NICE, MAX_NICE);
    Ok(attr)
}

/// Linux: SYSCALL_DEFINE3(sched_setattr, pid_t, pid, struct sched_attr __user *, uattr, unsigned int, flags)
pub fn sys_sched_setattr(pid: i32, uattr: UserPtr<SchedAttr>, flags: u32) -> KResult<usize> {
    if uattr.is_null() || pid < 0 || flags != 0 {
        return Err(EINVAL);
    }
    let mut attr = sched_copy_attr(uattr)?;
    if (attr.sched_policy as i32) < 0 {
        return Err(EINVAL);
    }
    if attr.sched_flags & SCHED_FLAG_KEEP_POLICY != 0 {
        attr.sched_policy = SETPARAM_POLICY;
    }
    let p = find_process_by_pid(pid)?;
    if attr.sched_flags & SCHED_FLAG_KEEP_PARAMS != 0 {
        get_params(&p, &mut attr);
    }
    __sched_setscheduler(&p, &attr)?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(sched_getattr, pid_t, pid, struct sched_attr __user *, uattr,
/// unsigned int, usize, unsigned int, flags)
pub fn sys_sched_getattr(pid: i32, uattr: UserPtr<SchedAttr>, usize: u32, flags: u32) -> KResult<usize> {
    if uattr.is_null() || pid < 0 || !(SCHED_ATTR_SIZE_VER0..=PAGE_SIZE).contains(&usize) || flags != 0 {
        return Err(EINVAL);
    }
    let p = find_process_by_pid(pid)?;
    let mut k = SchedAttr { sched_policy: p.se.policy(), ..Default::default() };
    if p.se.reset_on_fork.load(Ordering::Relaxed) {
        k.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
    }
    get_params(&p, &mut k);
    // Linux: sched_attr_copy_to_user(): as much as the caller has room for; size says how
    // much the kernel knows.
    uattr.cast::<u8>().check(usize as usize)?;
    k.size = usize.min(core::mem::size_of::<SchedAttr>() as u32);
    copy_to_user(uattr.addr(), &crate::mm::uaccess::as_bytes(&k)[..k.size as usize])?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE1(sched_get_priority_max, int, policy)
pub fn sys_sched_get_priority_max(policy: i32) -> KResult<usize> {
    match policy as u32 {
        SCHED_FIFO | SCHED_RR => Ok((MAX_RT_PRIO - 1) as usize),
        SCHED_DEADLINE | SCHED_NORMAL | SCHED_BATCH | SCHED_IDLE => Ok(0),
        _ => Err(EINVAL),
    }
}

/// Linux: SYSCALL_DEFINE1(sched_get_priority_min, int, policy)
pub fn sys_sched_get_priority_min(policy: i32) -> KResult<usize> {
    match policy as u32 {
        SCHED_FIFO | SCHED_RR => Ok(1),
        SCHED_DEADLINE | SCHED_NORMAL | SCHED_BATCH | SCHED_IDLE => Ok(0),
        _ => Err(EINVAL),
    }
}

/// Linux: SYSCALL_DEFINE2(sched_rr_get_interval, pid_t, pid, struct __kernel_timespec __user *, interval):
/// the class's slice — RR_TIMESLICE for SCHED_RR, 0 for SCHED_FIFO (it has none), and for CFS
/// tasks the tick (the least a CFS task runs before the tick may switch; Linux reports its
/// sched_slice() in jiffies).
pub fn sys_sched_rr_get_interval(pid: i32, interval: UserPtr<Timespec>) -> KResult<usize> {
    if pid < 0 {
        return Err(EINVAL);
    }
    let p = find_process_by_pid(pid)?;
    let ns = if p.se.is_rt() {
        if p.se.policy() == SCHED_RR {
            RR_TIMESLICE as u64 * super::core::tick_ns()
        } else {
            0
        }
    } else {
        super::core::tick_ns()
    };
    interval.write(&Timespec::from_ns(ns))?;
    Ok(0)
}

/// Linux: nr_cpu_ids and cpumask_size() (NR_CPUS <= 64: one unsigned long).
const NR_CPU_IDS: u32 = 1;
const CPUMASK_SIZE: u32 = 8;
/// Linux: cpu_possible_mask / cpu_active_mask: CPU 0.
const CPU_ACTIVE_MASK: u64 = 1;

/// Linux: SYSCALL_DEFINE3(sched_setaffinity, pid_t, pid, unsigned int, len, unsigned long __user *, user_mask_ptr)
/// with get_user_cpu_mask() (a short mask is zero-extended, a long one truncated) and
/// __set_cpus_allowed_ptr(): a mask without any CPU that exists is EINVAL; the mask kept is
/// the part that exists.
pub fn sys_sched_setaffinity(pid: i32, len: u32, user_mask_ptr: UserPtr<u64>) -> KResult<usize> {
    let mut b = [0u8; CPUMASK_SIZE as usize];
    let n = len.min(CPUMASK_SIZE) as usize;
    user_mask_ptr.cast::<u8>().copy_in(&mut b[..n])?;
    let mask = u64::from_le_bytes(b);
    let p = find_process_by_pid(pid)?;
    if !set_one_prio_perm(&p) {
        return Err(EPERM);
    }
    let new = mask & CPU_ACTIVE_MASK;
    if new == 0 {
        return Err(EINVAL);
    }
    p.se.cpus_mask.store(new, Ordering::Relaxed);
    Ok(0)
}

/// Linux: SYSCALL_DEFINE3(sched_getaffinity, pid_t, pid, unsigned int, len, unsigned long __user *, user_mask_ptr):
/// the bytes written (cpumask_size()); EINVAL for a length that is not a whole number of longs
/// or too short for nr_cpu_ids.
pub fn sys_sched_getaffinity(pid: i32, len: u32, user_mask_ptr: UserPtr<u64>) -> KResult<usize> {
    if (len as u64) * 8 < NR_CPU_IDS as u64 {
        return Err(EINVAL);
    }
    if len & (core::mem::size_of::<u64>() as u32 - 1) != 0 {
        return Err(EINVAL);
    }
    let p = find_process_by_pid(pid)?;
    let mask = p.se.cpus_mask.load(Ordering::Relaxed) & CPU_ACTIVE_MASK;
    let retlen = len.min(CPUMASK_SIZE);
    user_mask_ptr.cast::<u8>().copy_out(&mask.to_le_bytes()[..retlen as usize])?;
    Ok(retlen as usize)
}

/// Linux: sched_yield(2) (do_sched_yield).
pub fn sys_sched_yield() -> KResult<usize> {
    super::core::do_sched_yield();
    Ok(0)
}

/// Linux: set_user_nice(): a real-time task only keeps the new nice for later; a CFS task's
/// weight and priority change at once.
pub fn set_user_nice(p: &TaskStruct, nice: i32) {
    if p.se.nice() == nice || !(MIN_NICE..=MAX_NICE).contains(&nice) {
        return;
    }
    let se = &p.se;
    se.static_prio.store(nice_to_prio(nice), Ordering::Relaxed);
    se.set_load_weight();
    if rt_policy(se.policy()) {
        return;
    }
    se.normal_prio.store(nice_to_prio(nice), Ordering::Relaxed);
    super::core::set_prio(p, se.effective_prio());
}
