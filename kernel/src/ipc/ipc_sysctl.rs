//! The IPC limits as sysctls: /proc/sys/kernel/{shmmax, shmall, shmmni, shm_rmid_forced,
//! msgmax, msgmni, auto_msgmni, msgmnb, sem, *_next_id} and /proc/sys/fs/mqueue/*, each the
//! value of the reader's (writer's) IPC namespace.  Linux: ipc/ipc_sysctl.c (ipc_sysctls,
//! proc_ipc_dointvec_minmax_orphans, proc_ipc_auto_msgmni, proc_ipc_sem_dointvec),
//! ipc/mq_sysctl.c (mq_sysctls).
//!
//! This file is the storage side: their modes and bounds, and the values as numbers.  The
//! /proc/sys side (kernel/sysctl.rs's tables and its proc_ipc_sysctl handler, shown by
//! fs/proc/proc_sysctl.rs) turns them into text and back.

use super::namespace::current_ipc_ns;
use crate::errno::*;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// One IPC sysctl.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IpcCtl {
    Shmmax,
    Shmall,
    Shmmni,
    ShmRmidForced,
    Msgmax,
    Msgmni,
    AutoMsgmni,
    Msgmnb,
    /// semmsl, semmns, semopm, semmni
    Sem,
    SemNextId,
    MsgNextId,
    ShmNextId,
    MqQueuesMax,
    MqMsgMax,
    MqMsgsizeMax,
    MqMsgDefault,
    MqMsgsizeDefault,
}

/// The entry's mode (Linux: ipc_sysctls[], mq_sysctls[]): the *_next_id entries are read-only
/// here (Linux makes them writable with CONFIG_CHECKPOINT_RESTORE, to those with
/// CAP_CHECKPOINT_RESTORE), the others 0644.
pub const fn mode_of(c: IpcCtl) -> u32 {
    match c {
        IpcCtl::SemNextId | IpcCtl::MsgNextId | IpcCtl::ShmNextId => 0o444,
        _ => 0o644,
    }
}

/// Linux: IPCMNI and the mqueue limits' bounds (MIN_MSGMAX..HARD_MSGMAX,
/// MIN_MSGSIZEMAX..HARD_MSGSIZEMAX).
const IPC_MNI: i64 = sysvipc::IPCMNI as i64;
pub const MIN_MSGMAX: i64 = 1;
pub const HARD_MSGMAX: i64 = 65536;
pub const MIN_MSGSIZEMAX: i64 = 128;
pub const HARD_MSGSIZEMAX: i64 = 16 * 1024 * 1024;

/// Whether the entry is an unsigned long (shmmax, shmall: proc_doulongvec_minmax) rather
/// than ints.
pub fn is_ulong(c: IpcCtl) -> bool {
    matches!(c, IpcCtl::Shmmax | IpcCtl::Shmall)
}

/// The [min, max] each value written must lie in (Linux: extra1/extra2), None for no bound.
pub fn bounds(c: IpcCtl) -> (Option<i64>, Option<i64>) {
    match c {
        IpcCtl::Shmmax | IpcCtl::Shmall | IpcCtl::Sem | IpcCtl::MqQueuesMax => (None, None),
        IpcCtl::Shmmni | IpcCtl::Msgmni => (Some(0), Some(IPC_MNI)),
        IpcCtl::ShmRmidForced | IpcCtl::AutoMsgmni => (Some(0), Some(1)),
        IpcCtl::Msgmax | IpcCtl::Msgmnb | IpcCtl::SemNextId | IpcCtl::MsgNextId | IpcCtl::ShmNextId => {
            (Some(0), Some(i32::MAX as i64))
        }
        IpcCtl::MqMsgMax | IpcCtl::MqMsgDefault => (Some(MIN_MSGMAX), Some(HARD_MSGMAX)),
        IpcCtl::MqMsgsizeMax | IpcCtl::MqMsgsizeDefault => (Some(MIN_MSGSIZEMAX), Some(HARD_MSGSIZEMAX)),
    }
}

/// The entry's value(s) in the caller's IPC namespace (auto_msgmni always reads 0).
pub fn get(c: IpcCtl) -> Vec<i64> {
    let ns = current_ipc_ns();
    let l = &ns.lim;
    let r = |a: &core::sync::atomic::AtomicI32| a.load(Ordering::Relaxed) as i64;
    match c {
        IpcCtl::Shmmax => vec![l.shm_ctlmax.load(Ordering::Relaxed) as i64],
        IpcCtl::Shmall => vec![l.shm_ctlall.load(Ordering::Relaxed) as i64],
        IpcCtl::Shmmni => vec![r(&l.shm_ctlmni)],
        IpcCtl::ShmRmidForced => vec![r(&l.shm_rmid_forced)],
        IpcCtl::Msgmax => vec![r(&l.msg_ctlmax)],
        IpcCtl::Msgmni => vec![r(&l.msg_ctlmni)],
        IpcCtl::AutoMsgmni => vec![0],
        IpcCtl::Msgmnb => vec![r(&l.msg_ctlmnb)],
        IpcCtl::Sem => l.sem_ctls.iter().map(r).collect(),
        IpcCtl::SemNextId => vec![ns.sem.lock().ids.next_id as i64],
        IpcCtl::MsgNextId => vec![ns.msg.lock().ids.next_id as i64],
        IpcCtl::ShmNextId => vec![ns.shm.lock().ids.next_id as i64],
        IpcCtl::MqQueuesMax => vec![r(&l.mq_queues_max)],
        IpcCtl::MqMsgMax => vec![r(&l.mq_msg_max)],
        IpcCtl::MqMsgsizeMax => vec![r(&l.mq_msgsize_max)],
        IpcCtl::MqMsgDefault => vec![r(&l.mq_msg_default)],
        IpcCtl::MqMsgsizeDefault => vec![r(&l.mq_msgsize_default)],
    }
}

/// Sets the entry in the caller's IPC namespace: each value within bounds (EINVAL), as many
/// as it has (fewer leave the rest); sem's semmni in [0, IPCMNI]; writing shm_rmid_forced = 1
/// removes the orphaned segments at once (shm_destroy_orphaned()); auto_msgmni takes 0 or 1
/// and does nothing (Linux: "ignored since 3.19").
pub fn set(c: IpcCtl, vals: &[i64]) -> KResult<()> {
    let (min, max) = bounds(c);
    if vals.iter().any(|v| min.is_some_and(|m| *v < m) || max.is_some_and(|m| *v > m)) {
        return Err(EINVAL);
    }
    let Some(&v) = vals.first() else { return Ok(()) };
    let ns = current_ipc_ns();
    let l = &ns.lim;
    let w = |a: &core::sync::atomic::AtomicI32, v: i64| a.store(v as i32, Ordering::Relaxed);
    match c {
        IpcCtl::Shmmax => l.shm_ctlmax.store(v as u64, Ordering::Relaxed),
        IpcCtl::Shmall => l.shm_ctlall.store(v as u64, Ordering::Relaxed),
        IpcCtl::Shmmni => w(&l.shm_ctlmni, v),
        IpcCtl::ShmRmidForced => {
            w(&l.shm_rmid_forced, v);
            if v != 0 {
                super::shm::shm_destroy_orphaned(&ns);
            }
        }
        IpcCtl::Msgmax => w(&l.msg_ctlmax, v),
        IpcCtl::Msgmni => w(&l.msg_ctlmni, v),
        IpcCtl::AutoMsgmni => {}
        IpcCtl::Msgmnb => w(&l.msg_ctlmnb, v),
        IpcCtl::Sem => {
            if vals.len() > 3 && !(0..=IPC_MNI).contains(&vals[3]) {
                return Err(EINVAL);
            }
            for (a, v) in l.sem_ctls.iter().zip(vals.iter()) {
                w(a, *v);
            }
        }
        IpcCtl::SemNextId => ns.sem.lock().ids.next_id = v as i32,
        IpcCtl::MsgNextId => ns.msg.lock().ids.next_id = v as i32,
        IpcCtl::ShmNextId => ns.shm.lock().ids.next_id = v as i32,
        IpcCtl::MqQueuesMax => w(&l.mq_queues_max, v),
        IpcCtl::MqMsgMax => w(&l.mq_msg_max, v),
        IpcCtl::MqMsgsizeMax => w(&l.mq_msgsize_max, v),
        IpcCtl::MqMsgDefault => w(&l.mq_msg_default, v),
        IpcCtl::MqMsgsizeDefault => w(&l.mq_msgsize_default, v),
    }
    Ok(())
}
