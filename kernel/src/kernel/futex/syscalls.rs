//! The futex syscalls: futex(2) and its operations, futex_waitv(2), set_robust_list(2),
//! get_robust_list(2).  Linux: kernel/futex/syscalls.c (do_futex, futex_init_timeout,
//! SYSCALL_DEFINE6(futex), SYSCALL_DEFINE5(futex_waitv), the robust-list calls).
//!
//! Timeouts become a deadline in timer cycles at entry: FUTEX_WAIT's is relative (to
//! CLOCK_MONOTONIC), the others' absolute on CLOCK_MONOTONIC, or on CLOCK_REALTIME with
//! FUTEX_CLOCK_REALTIME (and always for FUTEX_LOCK_PI, for historical reasons).

use super::core::{RobustListHead, FUTEX_BITSET_MATCH_ANY};
use super::pi::{futex_lock_pi, futex_unlock_pi};
use super::requeue::{futex_requeue, futex_wait_requeue_pi};
use super::waitwake::{futex_parse_waitv, futex_wait, futex_wait_multiple, futex_wake, futex_wake_op};
use crate::arch::riscv::time::{get_cycles, ns_to_cycles};
use crate::errno::*;
use crate::kernel::task::current;
use crate::kernel::time::timekeeping::{ktime_get_real_ns, uptime_ns};
use crate::kernel::time::Timespec;
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;
use linux_raw_sys::general as uapi;

const FUTEX_WAIT: u32 = uapi::FUTEX_WAIT;
const FUTEX_WAKE: u32 = uapi::FUTEX_WAKE;
const FUTEX_REQUEUE: u32 = uapi::FUTEX_REQUEUE;
const FUTEX_CMP_REQUEUE: u32 = uapi::FUTEX_CMP_REQUEUE;
const FUTEX_WAKE_OP: u32 = uapi::FUTEX_WAKE_OP;
const FUTEX_LOCK_PI: u32 = uapi::FUTEX_LOCK_PI;
const FUTEX_UNLOCK_PI: u32 = uapi::FUTEX_UNLOCK_PI;
const FUTEX_TRYLOCK_PI: u32 = uapi::FUTEX_TRYLOCK_PI;
const FUTEX_WAIT_BITSET: u32 = uapi::FUTEX_WAIT_BITSET;
const FUTEX_WAKE_BITSET: u32 = uapi::FUTEX_WAKE_BITSET;
const FUTEX_WAIT_REQUEUE_PI: u32 = uapi::FUTEX_WAIT_REQUEUE_PI;
const FUTEX_CMP_REQUEUE_PI: u32 = uapi::FUTEX_CMP_REQUEUE_PI;
const FUTEX_LOCK_PI2: u32 = uapi::FUTEX_LOCK_PI2;
const FUTEX_PRIVATE_FLAG: u32 = uapi::FUTEX_PRIVATE_FLAG;
const FUTEX_CLOCK_REALTIME: u32 = uapi::FUTEX_CLOCK_REALTIME;
const FUTEX_CMD_MASK: u32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
const CLOCK_REALTIME: i32 = uapi::CLOCK_REALTIME as i32;
const CLOCK_MONOTONIC: i32 = uapi::CLOCK_MONOTONIC as i32;

/// Linux: futex_cmd_has_timeout().
fn futex_cmd_has_timeout(cmd: u32) -> bool {
    matches!(cmd, FUTEX_WAIT | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI)
}

/// Linux: futex_init_timeout(): EINVAL for an invalid timespec; the deadline in timer cycles.
fn futex_init_timeout(cmd: u32, op: u32, ts: &Timespec) -> KResult<u64> {
    // Linux: timespec64_valid().
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(EINVAL);
    }
    let ns = (ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64);
    let now = get_cycles();
    if cmd == FUTEX_WAIT {
        return Ok(now.saturating_add(ns_to_cycles(ns)));
    }
    let clock_now =
        if cmd == FUTEX_LOCK_PI || op & FUTEX_CLOCK_REALTIME != 0 { ktime_get_real_ns() } else { uptime_ns() };
    Ok(now.saturating_add(ns_to_cycles(ns.saturating_sub(clock_now))))
}

/// Linux: do_futex().
fn do_futex(
    uaddr: UserPtr<u32>,
    op: u32,
    val: u32,
    deadline: Option<u64>,
    uaddr2: UserPtr<u32>,
    val2: u32,
    val3: u32,
) -> KResult<usize> {
    let cmd = op & FUTEX_CMD_MASK;
    let shared = op & FUTEX_PRIVATE_FLAG == 0;
    if op & FUTEX_CLOCK_REALTIME != 0 && !matches!(cmd, FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2) {
        return Err(ENOSYS);
    }
    match cmd {
        FUTEX_WAIT => futex_wait(uaddr, shared, val, deadline, FUTEX_BITSET_MATCH_ANY),
        FUTEX_WAIT_BITSET => futex_wait(uaddr, shared, val, deadline, val3),
        FUTEX_WAKE => futex_wake(uaddr, shared, val as i32, FUTEX_BITSET_MATCH_ANY),
        FUTEX_WAKE_BITSET => futex_wake(uaddr, shared, val as i32, val3),
        FUTEX_REQUEUE => futex_requeue(uaddr, shared, uaddr2, val as i32, val2 as i32, None, false),
        FUTEX_CMP_REQUEUE => futex_requeue(uaddr, shared, uaddr2, val as i32, val2 as i32, Some(val3), false),
        FUTEX_WAKE_OP => futex_wake_op(uaddr, shared, uaddr2, val as i32, val2 as i32, val3),
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 => futex_lock_pi(uaddr, shared, deadline, false),
        FUTEX_UNLOCK_PI => futex_unlock_pi(uaddr, shared),
        FUTEX_TRYLOCK_PI => futex_lock_pi(uaddr, shared, None, true),
        FUTEX_WAIT_REQUEUE_PI => futex_wait_requeue_pi(uaddr, shared, val, deadline, FUTEX_BITSET_MATCH_ANY, uaddr2),
        FUTEX_CMP_REQUEUE_PI => futex_requeue(uaddr, shared, uaddr2, val as i32, val2 as i32, Some(val3), true),
        _ => Err(ENOSYS),
    }
}

/// Linux: SYSCALL_DEFINE6(futex, u32 __user *, uaddr, int, op, u32, val, const struct
/// __kernel_timespec __user *, utime, u32 __user *, uaddr2, u32, val3).  `utime` is a count
/// (val2) for the requeue operations, so it stays a number until the op says it is a pointer.
pub fn sys_futex(
    uaddr: UserPtr<u32>,
    op: i32,
    val: u32,
    utime: usize,
    uaddr2: UserPtr<u32>,
    val3: u32,
) -> KResult<usize> {
    let op = op as u32;
    let cmd = op & FUTEX_CMD_MASK;
    let mut deadline = None;
    if utime != 0 && futex_cmd_has_timeout(cmd) {
        let ts = UserPtr::<Timespec>::new(utime).read()?;
        deadline = Some(futex_init_timeout(cmd, op, &ts)?);
    }
    do_futex(uaddr, op, val, deadline, uaddr2, utime as u32, val3)
}

/// Linux: SYSCALL_DEFINE5(futex_waitv, struct futex_waitv __user *, waiters, unsigned int,
/// nr_futexes, unsigned int, flags, struct __kernel_timespec __user *, timeout, clockid_t,
/// clockid): wait on up to FUTEX_WAITV_MAX futexes; returns the index of one that was woken.
pub fn sys_futex_waitv(
    waiters: UserPtr<uapi::futex_waitv>,
    nr_futexes: u32,
    flags: u32,
    timeout: Option<UserPtr<Timespec>>,
    clockid: i32,
) -> KResult<usize> {
    // This syscall supports no flags for now.
    if flags != 0 {
        return Err(EINVAL);
    }
    if nr_futexes == 0 || nr_futexes > uapi::FUTEX_WAITV_MAX || waiters.is_null() {
        return Err(EINVAL);
    }
    let mut deadline = None;
    if let Some(t) = timeout {
        if clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC {
            return Err(EINVAL);
        }
        let ts = t.read()?;
        let flag = if clockid == CLOCK_REALTIME { FUTEX_CLOCK_REALTIME } else { 0 };
        // Since there's no opcode for futex_waitv, use FUTEX_WAIT_BITSET that uses absolute
        // timeout as well.
        deadline = Some(futex_init_timeout(FUTEX_WAIT_BITSET, flag, &ts)?);
    }
    let mut vs = futex_parse_waitv(waiters, nr_futexes as usize)?;
    futex_wait_multiple(&mut vs, deadline)
}

/// Linux: SYSCALL_DEFINE2(set_robust_list, struct robust_list_head __user *, head, size_t, len):
/// the list the kernel walks at exit (EINVAL for a len that is not the struct's size).
pub fn sys_set_robust_list(head: UserPtr<RobustListHead>, len: usize) -> KResult<usize> {
    if len != core::mem::size_of::<RobustListHead>() {
        return Err(EINVAL);
    }
    crate::kernel::task::with_current(|c| c.futex.robust_list.store(head.addr(), Ordering::Relaxed));
    Ok(0)
}

/// Linux: ptrace_may_access(p, PTRACE_MODE_READ_REALCREDS): a task may always read its own;
/// another's needs the same credentials or CAP_SYS_PTRACE (kernel/ptrace.rs).
fn may_read_robust_list(p: &crate::kernel::task::TaskStruct) -> bool {
    crate::kernel::ptrace::ptrace_may_access(p, crate::kernel::ptrace::PTRACE_MODE_READ_REALCREDS)
}

/// Linux: SYSCALL_DEFINE3(get_robust_list, int, pid, struct robust_list_head __user * __user *,
/// head_ptr, size_t __user *, len_ptr): ESRCH for no such thread, EPERM without access.
pub fn sys_get_robust_list(pid: i32, head_ptr: UserPtr<usize>, len_ptr: UserPtr<usize>) -> KResult<usize> {
    let p = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)? };
    if !may_read_robust_list(&p) {
        return Err(EPERM);
    }
    let head = p.futex.robust_list.load(Ordering::Relaxed);
    len_ptr.write(&core::mem::size_of::<RobustListHead>())?;
    head_ptr.write(&head)?;
    Ok(0)
}
