//! Process ids.  Linux: kernel/pid.c (alloc_pid, free_pid, find_task_by_vpid).
//!
//! Allocation is cyclic like Linux's idr_alloc_cyclic(): the next pid after the last one
//! handed out, wrapping at pid_max to RESERVED_PIDS (300), EAGAIN when none is free.  The
//! table maps pid -> task for every task that has not been released (zombies included).

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sysctl::{CtlTable, Io};
use crate::kernel::task::Task;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, Ordering};

pub const PID_MAX_DEFAULT: i32 = pidmap::PID_MAX_DEFAULT as i32;
pub const RESERVED_PIDS: i32 = pidmap::RESERVED_PIDS as i32;
/// Linux: pid_max_min and pid_max_max, the bounds of /proc/sys/kernel/pid_max.
pub const PID_MAX_MIN: i32 = RESERVED_PIDS + 1;
pub const PID_MAX_LIMIT: i32 = pidmap::PID_MAX_LIMIT as i32;

/// Linux: pid_max, /proc/sys/kernel/pid_max: pids are below it.  alloc_pid() reads it at
/// each allocation (a lowered limit leaves higher pids alive until they are freed).
pub static PID_MAX: [AtomicI32; 1] = [AtomicI32::new(PID_MAX_DEFAULT)];

/// The pid_max new pids must stay below.
pub fn pid_max() -> i32 {
    PID_MAX[0].load(Ordering::Relaxed)
}

struct PidTable {
    tasks: BTreeMap<i32, Task>,
    /// The cyclic allocator (host-tested crate pidmap; Linux: idr_alloc_cyclic).
    map: Option<pidmap::PidMap>,
}

static PIDS: SpinLock<PidTable, class::Pids> = SpinLock::new(PidTable { tasks: BTreeMap::new(), map: None });

impl PidTable {
    fn map(&mut self) -> &mut pidmap::PidMap {
        self.map.get_or_insert_with(|| pidmap::PidMap::new(PID_MAX_DEFAULT as u32))
    }
    /// The allocator, with the pid_max the sysctl last set (Linux reads pid_max in
    /// alloc_pid(); the bitmap here grows to it).
    fn map_at_pid_max(&mut self) -> KResult<&mut pidmap::PidMap> {
        let m = pid_max() as u32;
        let map = self.map();
        if map.pid_max() != m {
            map.set_pid_max(m).map_err(|e| Errno(e as i32))?;
        }
        Ok(map)
    }
}

/// A pid number allocated for a task that does not have it yet: freed when dropped, so every
/// error path of copy_process gives it back (Linux: free_pid() under bad_fork_free_pid).
#[must_use]
pub struct NewPid(i32);

impl NewPid {
    pub fn nr(&self) -> i32 {
        self.0
    }
    /// Linux: attach_pid(): the task becomes findable by its pid; the number is its now.
    pub fn attach(self, task: &Task, _tl: &crate::kernel::fork::TasklistGuard) {
        PIDS.lock().tasks.insert(self.0, task.clone());
        core::mem::forget(self);
    }
}

impl Drop for NewPid {
    fn drop(&mut self) {
        PIDS.lock().map().free(self.0 as u32);
    }
}

/// Linux: alloc_pid().  Reserves a number; NewPid::attach() makes the task findable.
#[no_mangle]
#[inline(never)]
pub fn alloc_pid() -> KResult<NewPid> {
    let mut _t = crate::trace_func!(alloc_pid);
    let pid = PIDS.lock().map_at_pid_max()?.alloc().map_err(|e| Errno(e as i32))? as i32;
    _t.ret(pid);
    Ok(NewPid(pid))
}

/// alloc_pid() for a clone3 set_tid: exactly that number, EEXIST when taken.
pub fn alloc_pid_at(pid: i32) -> KResult<NewPid> {
    PIDS.lock().map_at_pid_max()?.alloc_at(pid as u32).map(|p| NewPid(p as i32)).map_err(|e| Errno(e as i32))
}

/// Linux: free_pid() (from release_task, under tasklist_lock).
pub fn detach_pid(pid: i32, _tl: &crate::kernel::fork::TasklistGuard) {
    let t = {
        let mut p = PIDS.lock();
        p.map().free(pid as u32);
        p.tasks.remove(&pid)
    };
    drop(t);
}

/// Linux: find_task_by_vpid()
pub fn find_task_by_pid(pid: i32) -> Option<Task> {
    PIDS.lock().tasks.get(&pid).cloned()
}

/// Every thread-group leader, in pid order (for kill(-1), /proc).
pub fn all_processes() -> Vec<Task> {
    PIDS.lock().tasks.values().filter(|t| t.pid() == t.tgid()).cloned().collect()
}

pub fn all_tasks() -> Vec<Task> {
    PIDS.lock().tasks.values().cloned().collect()
}

pub fn nr_tasks() -> usize {
    PIDS.lock().tasks.len()
}

/// The last pid handed out (Linux: the last field of /proc/loadavg).
pub fn last_pid() -> i32 {
    // the allocator's cursor is the next candidate: the last one handed out is just below
    (PIDS.lock().map().cursor() as i32 - 1).max(0)
}

/// Linux: pid_ns_ctl_handler() (kernel/pid_namespace.c), /proc/sys/kernel/ns_last_pid: the
/// last pid handed out; writing N (CAP_CHECKPOINT_RESTORE, so root) makes the next search
/// start at N + 1.  Values in [0, pid_max].
pub fn pid_ns_ctl_handler(_t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    let next = [AtomicI32::new(last_pid())];
    let write = matches!(io, Io::Write(_));
    let r = crate::kernel::sysctl::do_proc_dointvec(&next, io, pos, Some(0), Some(pid_max() as i64))?;
    if write {
        PIDS.lock().map().set_cursor(next[0].load(Ordering::Relaxed) as u32 + 1);
    }
    Ok(r)
}

// ---- pidfds (Linux: pidfd_create, pidfd_get_pid, pidfd_open, pidfd_getfd in kernel/pid.c) --

/// Linux: PIDFD_NONBLOCK (O_NONBLOCK): waitid() on the pidfd does not block.
pub const PIDFD_NONBLOCK: u32 = linux_raw_sys::general::O_NONBLOCK;

/// Linux: pidfd_create(): a pidfd for the thread-group leader `p` (anon_inode "[pidfd]",
/// O_RDWR, always close-on-exec; `flags` may add O_NONBLOCK).
pub fn pidfd_create(p: &Task, flags: u32) -> KResult<usize> {
    use linux_raw_sys::general::{O_NONBLOCK, O_RDWR};
    let f = crate::fs::File::new(
        alloc::sync::Arc::new(crate::kernel::fork::PidFd(p.clone())),
        None,
        O_RDWR | (flags & O_NONBLOCK),
        alloc::string::String::from("anon_inode:[pidfd]"),
    );
    crate::fs::fd_install(f, true)
}

/// Linux: pidfd_get_pid(): the process a pidfd refers to, and the pidfd's file flags (EBADF
/// for an fd that is not a pidfd).
pub fn pidfd_get_task(fd: u32) -> KResult<(Task, u32)> {
    let f = crate::fs::fd_get(fd)?;
    let t = f.ops.pidfd_task().ok_or(EBADF)?;
    Ok((t, f.flags()))
}

/// Linux: SYSCALL_DEFINE2(pidfd_open): a pidfd for the process `pid`: EINVAL for unknown
/// flags, pid <= 0, or a pid that is not a thread-group leader's; ESRCH for no such pid.
pub fn sys_pidfd_open(pid: i32, flags: u32) -> KResult<usize> {
    if flags & !PIDFD_NONBLOCK != 0 {
        return Err(EINVAL);
    }
    if pid <= 0 {
        return Err(EINVAL);
    }
    let t = find_task_by_pid(pid).ok_or(ESRCH)?;
    // Linux: pidfd_create(): pid_has_task(pid, PIDTYPE_TGID).
    if t.pid() != t.tgid() {
        return Err(EINVAL);
    }
    pidfd_create(&t, flags)
}

/// Linux: SYSCALL_DEFINE3(pidfd_getfd): a duplicate of the process's file `fd`, installed
/// close-on-exec in the caller's table (as SCM_RIGHTS receives one).  EINVAL for any flag,
/// EBADF for a non-pidfd or an fd the target does not have, ESRCH once the target is exiting
/// or reaped, EPERM without ptrace access to it.
pub fn sys_pidfd_getfd(pidfd: i32, fd: i32, flags: u32) -> KResult<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let (t, _) = pidfd_get_task(pidfd as u32)?;
    // Linux: get_pid_task(pid, PIDTYPE_PID) (ESRCH once reaped), then __pidfd_fget().
    if !find_task_by_pid(t.pid()).is_some_and(|x| alloc::sync::Arc::ptr_eq(&x, &t)) {
        return Err(ESRCH);
    }
    if !crate::kernel::ptrace::ptrace_may_access(&t, crate::kernel::ptrace::PTRACE_MODE_ATTACH_REALCREDS) {
        return Err(EPERM);
    }
    if t.has_flag(crate::kernel::task::PF_EXITING) {
        return Err(ESRCH);
    }
    let files = t.files.lock().clone().ok_or(EBADF)?;
    let file = files.get(fd as u32 as usize).map_err(|_| EBADF)?;
    crate::fs::fd_install(file, true)
}
