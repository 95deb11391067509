//! Process ids.  Linux: kernel/pid.c (alloc_pid, free_pid, find_task_by_vpid).
//!
//! Allocation is cyclic like Linux's idr_alloc_cyclic(): the next pid after the last one
//! handed out, wrapping at pid_max to RESERVED_PIDS (300), EAGAIN when none is free.  The
//! table maps pid -> task for every task that has not been released (zombies included).

use crate::errno::*;
use crate::kernel::task::Task;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use spin::Mutex;

pub const PID_MAX_DEFAULT: i32 = 32768;
pub const RESERVED_PIDS: i32 = 300;

struct PidTable {
    tasks: BTreeMap<i32, Task>,
    last: i32,
    pid_max: i32,
}

static PIDS: Mutex<PidTable> = Mutex::new(PidTable { tasks: BTreeMap::new(), last: 0, pid_max: PID_MAX_DEFAULT });

/// Linux: alloc_pid().  Reserves a number; attach_pid() makes the task findable.
#[no_mangle]
#[inline(never)]
pub fn alloc_pid() -> KResult<i32> {
    let mut t = PIDS.lock();
    let max = t.pid_max;
    let mut cand = t.last + 1;
    for _ in 0..max {
        if cand >= max {
            cand = RESERVED_PIDS;
        }
        if !t.tasks.contains_key(&cand) && !t.reserved(cand) {
            t.last = cand;
            crate::trace_point!(alloc_pid, cand, 0);
            return Ok(cand);
        }
        cand += 1;
    }
    Err(EAGAIN)
}

impl PidTable {
    fn reserved(&self, _pid: i32) -> bool {
        false
    }
}

pub fn attach_pid(pid: i32, task: &Task) {
    PIDS.lock().tasks.insert(pid, task.clone());
}

/// Linux: free_pid() (from release_task).
pub fn detach_pid(pid: i32) {
    let t = PIDS.lock().tasks.remove(&pid);
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

pub fn set_pid_max(m: i32) {
    PIDS.lock().pid_max = m;
}

/// The last pid handed out (Linux: the last field of /proc/loadavg).
pub fn last_pid() -> i32 {
    PIDS.lock().last
}
