//! Process ids.  Linux: kernel/pid.c (alloc_pid, free_pid, find_task_by_vpid).
//!
//! Allocation is cyclic like Linux's idr_alloc_cyclic(): the next pid after the last one
//! handed out, wrapping at pid_max to RESERVED_PIDS (300), EAGAIN when none is free.  The
//! table maps pid -> task for every task that has not been released (zombies included).

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::Task;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

pub const PID_MAX_DEFAULT: i32 = 32768;
pub const RESERVED_PIDS: i32 = 300;

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
    let pid = PIDS.lock().map().alloc().map_err(|e| Errno(e as i32))? as i32;
    _t.ret(pid);
    Ok(NewPid(pid))
}

/// alloc_pid() for a clone3 set_tid: exactly that number, EEXIST when taken.
pub fn alloc_pid_at(pid: i32) -> KResult<NewPid> {
    PIDS.lock().map().alloc_at(pid as u32).map(|p| NewPid(p as i32)).map_err(|e| Errno(e as i32))
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

pub fn set_pid_max(m: i32) -> KResult<()> {
    PIDS.lock().map().set_pid_max(m as u32).map_err(|e| Errno(e as i32))
}

/// The last pid handed out (Linux: the last field of /proc/loadavg).
pub fn last_pid() -> i32 {
    // the allocator's cursor is the next candidate: the last one handed out is just below
    (PIDS.lock().map().cursor() as i32 - 1).max(0)
}
