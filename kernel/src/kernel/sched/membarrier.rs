//! membarrier(2): memory barriers on every CPU that runs a thread of the caller's process (or
//! of any process).  Linux: kernel/sched/membarrier.c.
//!
//! On one CPU every barrier is already there: the caller's own syscall entry and exit order
//! its memory accesses, and no other thread runs concurrently to need an IPI — Linux itself
//! returns at once when num_online_cpus() == 1.  What remains, and what this file keeps
//! exactly as Linux does, is the registration state machine per mm (the expedited commands
//! are EPERM until the process registered for them) and the errors.  The SYNC_CORE commands
//! are EINVAL as on the reference riscv Linux 6.1, which has no
//! CONFIG_ARCH_HAS_MEMBARRIER_SYNC_CORE (riscv gained it in 6.9).

use crate::errno::*;
use crate::kernel::task::current;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::membarrier_cmd::*;
use linux_raw_sys::general::membarrier_cmd_flag::MEMBARRIER_CMD_FLAG_CPU;

const CMD_QUERY: i32 = MEMBARRIER_CMD_QUERY as i32;
const CMD_GLOBAL: i32 = MEMBARRIER_CMD_GLOBAL as i32;
const CMD_GLOBAL_EXPEDITED: i32 = MEMBARRIER_CMD_GLOBAL_EXPEDITED as i32;
const CMD_REGISTER_GLOBAL_EXPEDITED: i32 = MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED as i32;
const CMD_PRIVATE_EXPEDITED: i32 = MEMBARRIER_CMD_PRIVATE_EXPEDITED as i32;
const CMD_REGISTER_PRIVATE_EXPEDITED: i32 = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED as i32;
const CMD_PRIVATE_EXPEDITED_SYNC_CORE: i32 = MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE as i32;
const CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: i32 = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE as i32;
const CMD_PRIVATE_EXPEDITED_RSEQ: i32 = MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ as i32;
const CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ: i32 = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ as i32;
const CMD_FLAG_CPU: u32 = MEMBARRIER_CMD_FLAG_CPU as u32;

/// Linux: MEMBARRIER_CMD_BITMASK without the SYNC_CORE commands (see the header).
const MEMBARRIER_CMD_BITMASK: i32 = CMD_GLOBAL
    | CMD_GLOBAL_EXPEDITED
    | CMD_REGISTER_GLOBAL_EXPEDITED
    | CMD_PRIVATE_EXPEDITED
    | CMD_REGISTER_PRIVATE_EXPEDITED
    | CMD_PRIVATE_EXPEDITED_RSEQ
    | CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ;

// Linux: enum membarrier_state bits in mm->membarrier_state (include/linux/sched/mm.h).
pub const MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY: u32 = 1 << 0;
pub const MEMBARRIER_STATE_PRIVATE_EXPEDITED: u32 = 1 << 1;
pub const MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY: u32 = 1 << 2;
pub const MEMBARRIER_STATE_GLOBAL_EXPEDITED: u32 = 1 << 3;
pub const MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY: u32 = 1 << 4;
pub const MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE: u32 = 1 << 5;
pub const MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY: u32 = 1 << 6;
pub const MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ: u32 = 1 << 7;

/// Linux: the flags of membarrier_private_expedited / membarrier_register_private_expedited.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Plain,
    SyncCore,
    Rseq,
}

/// Linux: membarrier_register_global_expedited().
fn register_global_expedited() -> KResult<usize> {
    let mm = current().mm.lock().clone().ok_or(EINVAL)?;
    let st = &mm.membarrier_state;
    if st.load(Ordering::Acquire) & MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY != 0 {
        return Ok(0);
    }
    st.fetch_or(MEMBARRIER_STATE_GLOBAL_EXPEDITED, Ordering::AcqRel);
    // Linux: sync_runqueues_membarrier_state(): nothing to sync on one CPU.
    st.fetch_or(MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY, Ordering::AcqRel);
    Ok(0)
}

/// Linux: membarrier_register_private_expedited().
fn register_private_expedited(f: Flavor) -> KResult<usize> {
    let (ready, extra) = match f {
        Flavor::SyncCore => return Err(EINVAL),
        Flavor::Rseq => (MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY, MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ),
        Flavor::Plain => (MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY, 0),
    };
    let mm = current().mm.lock().clone().ok_or(EINVAL)?;
    let st = &mm.membarrier_state;
    // We need to consider threads belonging to different thread groups, which use the same
    // mm (CLONE_VM but not CLONE_THREAD).
    if st.load(Ordering::Acquire) & ready == ready {
        return Ok(0);
    }
    st.fetch_or(MEMBARRIER_STATE_PRIVATE_EXPEDITED | extra, Ordering::AcqRel);
    st.fetch_or(ready, Ordering::AcqRel);
    Ok(0)
}

/// Linux: membarrier_private_expedited(): EPERM unless registered; then the barrier, which on
/// one CPU is the syscall itself (Linux: `if (num_online_cpus() == 1) return 0`).
fn private_expedited(f: Flavor, _cpu_id: i32) -> KResult<usize> {
    let ready = match f {
        Flavor::SyncCore => return Err(EINVAL),
        Flavor::Rseq => MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY,
        Flavor::Plain => MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY,
    };
    let mm = current().mm.lock().clone().ok_or(EINVAL)?;
    if mm.membarrier_state.load(Ordering::Acquire) & ready == 0 {
        return Err(EPERM);
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE3(membarrier, int, cmd, unsigned int, flags, int, cpu_id)
pub fn sys_membarrier(cmd: i32, flags: u32, cpu_id: i32) -> KResult<usize> {
    match cmd {
        CMD_PRIVATE_EXPEDITED_RSEQ => {
            if flags != 0 && flags != CMD_FLAG_CPU {
                return Err(EINVAL);
            }
        }
        _ => {
            if flags != 0 {
                return Err(EINVAL);
            }
        }
    }
    let cpu_id = if flags & CMD_FLAG_CPU == 0 { -1 } else { cpu_id };
    match cmd {
        CMD_QUERY => Ok(MEMBARRIER_CMD_BITMASK as usize),
        // Linux: synchronize_rcu() when more than one CPU is online.
        CMD_GLOBAL => Ok(0),
        // Linux: membarrier_global_expedited(): `if (num_online_cpus() == 1) return 0`.
        CMD_GLOBAL_EXPEDITED => Ok(0),
        CMD_REGISTER_GLOBAL_EXPEDITED => register_global_expedited(),
        CMD_PRIVATE_EXPEDITED => private_expedited(Flavor::Plain, cpu_id),
        CMD_REGISTER_PRIVATE_EXPEDITED => register_private_expedited(Flavor::Plain),
        CMD_PRIVATE_EXPEDITED_SYNC_CORE => private_expedited(Flavor::SyncCore, cpu_id),
        CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE => register_private_expedited(Flavor::SyncCore),
        CMD_PRIVATE_EXPEDITED_RSEQ => private_expedited(Flavor::Rseq, cpu_id),
        CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ => register_private_expedited(Flavor::Rseq),
        _ => Err(EINVAL),
    }
}
