//! IPC namespaces: each has its own System V IPC objects, POSIX message queues and limits.
//! Linux: ipc/namespace.c (create_ipc_ns, copy_ipcs, free_ipc_ns, ipcns_install),
//! include/linux/ipc_namespace.h, ipc/msgutil.c (init_ipc_ns), ipc/shm.c shm_init_ns,
//! ipc/sem.c sem_init_ns, ipc/msg.c msg_init_ns, ipc/mqueue.c mq_init_ns.
//!
//! The limits are what /proc/sys/kernel/{shmmax, shmall, shmmni, shm_rmid_forced, sem, msgmax,
//! msgmnb, msgmni, {shm,sem,msg}_next_id} and /proc/sys/fs/mqueue/* show for the reader's
//! namespace (ipc/ipc_sysctl.rs, ipc/mq_sysctl.rs read and write them).

use super::msg::MsgQueue;
use super::sem::SemArray;
use super::shm::ShmSegment;
use super::util::IpcIds;
use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SYS_ADMIN};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::kernel::user_namespace::UserNamespace;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicI32, AtomicU64};

/// Linux: PROC_IPC_INIT_INO.
pub const PROC_IPC_INIT_INO: u32 = 0xEFFF_FFFF;

// The defaults (Linux: include/uapi/linux/shm.h, sem.h, msg.h; include/linux/ipc_namespace.h).
/// SHMMAX and SHMALL: ULONG_MAX - 2^24, bytes and pages.
pub const SHMMAX: u64 = u64::MAX - (1 << 24);
pub const SHMALL: u64 = u64::MAX - (1 << 24);
pub const SHMMNI: i32 = 4096;
pub const SEMMSL: i32 = 32000;
pub const SEMMNI: i32 = 32000;
pub const SEMMNS: i32 = SEMMNI * SEMMSL;
pub const SEMOPM: i32 = 500;
pub const MSGMAX: i32 = 8192;
pub const MSGMNB: i32 = 16384;
pub const MSGMNI: i32 = 32000;
pub const DFLT_QUEUESMAX: i32 = 256;
pub const DFLT_MSG: i32 = 10;
pub const DFLT_MSGMAX: i32 = 10;
pub const DFLT_MSGSIZE: i32 = 8192;
pub const DFLT_MSGSIZEMAX: i32 = 8192;

/// The tunables of a namespace (Linux: the ipc_namespace fields the sysctls write).
pub struct IpcLimits {
    pub shm_ctlmax: AtomicU64,
    pub shm_ctlall: AtomicU64,
    pub shm_ctlmni: AtomicI32,
    pub shm_rmid_forced: AtomicI32,
    /// semmsl, semmns, semopm, semmni (Linux: sem_ctls[4]).
    pub sem_ctls: [AtomicI32; 4],
    pub msg_ctlmax: AtomicI32,
    pub msg_ctlmnb: AtomicI32,
    pub msg_ctlmni: AtomicI32,
    pub mq_queues_max: AtomicI32,
    pub mq_msg_max: AtomicI32,
    pub mq_msgsize_max: AtomicI32,
    pub mq_msg_default: AtomicI32,
    pub mq_msgsize_default: AtomicI32,
}

impl IpcLimits {
    fn new() -> IpcLimits {
        IpcLimits {
            shm_ctlmax: AtomicU64::new(SHMMAX),
            shm_ctlall: AtomicU64::new(SHMALL),
            shm_ctlmni: AtomicI32::new(SHMMNI),
            shm_rmid_forced: AtomicI32::new(0),
            sem_ctls: [AtomicI32::new(SEMMSL), AtomicI32::new(SEMMNS), AtomicI32::new(SEMOPM), AtomicI32::new(SEMMNI)],
            msg_ctlmax: AtomicI32::new(MSGMAX),
            msg_ctlmnb: AtomicI32::new(MSGMNB),
            msg_ctlmni: AtomicI32::new(MSGMNI),
            mq_queues_max: AtomicI32::new(DFLT_QUEUESMAX),
            mq_msg_max: AtomicI32::new(DFLT_MSGMAX),
            mq_msgsize_max: AtomicI32::new(DFLT_MSGSIZEMAX),
            mq_msg_default: AtomicI32::new(DFLT_MSG),
            mq_msgsize_default: AtomicI32::new(DFLT_MSGSIZE),
        }
    }
}

/// What the shm ids lock guards besides the segments: the pages they use (Linux: shm_tot).
pub struct ShmIds {
    pub ids: IpcIds<ShmSegment>,
    pub shm_tot: u64,
}

pub struct SemIds {
    pub ids: IpcIds<SemArray>,
    /// Linux: used_sems.
    pub used_sems: i32,
}

pub struct MsgIds {
    pub ids: IpcIds<MsgQueue>,
    /// Linux: percpu_msg_bytes, percpu_msg_hdrs.
    pub msg_bytes: u64,
    pub msg_hdrs: u64,
}

/// Linux: struct ipc_namespace.
pub struct IpcNamespace {
    pub user_ns: Arc<UserNamespace>,
    pub inum: u32,
    pub shm: SpinLock<ShmIds, class::IpcIds>,
    pub sem: SpinLock<SemIds, class::IpcIds>,
    pub msg: SpinLock<MsgIds, class::IpcIds>,
    pub lim: IpcLimits,
    /// Sleepers in semop() on any array of the namespace, woken by every change.
    pub sem_wq: WaitQueue,
    /// Sleepers in msgsnd()/msgrcv() on any queue of the namespace.
    pub msg_wq: WaitQueue,
    /// The POSIX message queues (ipc/mqueue.rs).
    pub mq: super::mqueue::MqNamespace,
}

impl Drop for IpcNamespace {
    fn drop(&mut self) {
        // Linux: free_ipc_ns(): every object goes with the namespace (sem_exit_ns, msg_exit_ns,
        // shm_exit_ns); the Arcs of the segments' pages die with the tables.
        if self.inum != PROC_IPC_INIT_INO {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

impl IpcNamespace {
    fn new(user_ns: Arc<UserNamespace>, inum: u32) -> Arc<IpcNamespace> {
        Arc::new(IpcNamespace {
            user_ns,
            inum,
            shm: SpinLock::new(ShmIds { ids: IpcIds::default(), shm_tot: 0 }),
            sem: SpinLock::new(SemIds { ids: IpcIds::default(), used_sems: 0 }),
            msg: SpinLock::new(MsgIds { ids: IpcIds::default(), msg_bytes: 0, msg_hdrs: 0 }),
            lim: IpcLimits::new(),
            sem_wq: WaitQueue::new(),
            msg_wq: WaitQueue::new(),
            mq: super::mqueue::MqNamespace::new(),
        })
    }
}

static INIT_IPC_NS: spin::Once<Arc<IpcNamespace>> = spin::Once::new();

/// Linux: init_ipc_ns.
pub fn init_ipc_ns() -> &'static Arc<IpcNamespace> {
    INIT_IPC_NS
        .call_once(|| IpcNamespace::new(crate::kernel::user_namespace::init_user_ns().clone(), PROC_IPC_INIT_INO))
}

/// Linux: copy_ipcs(): with CLONE_NEWIPC, an empty namespace owned by `user_ns`.
pub fn copy_ipcs(flags: u64, user_ns: &Arc<UserNamespace>, old: &Arc<IpcNamespace>) -> KResult<Arc<IpcNamespace>> {
    if flags & crate::kernel::fork::CLONE_NEWIPC == 0 {
        return Ok(old.clone());
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    Ok(IpcNamespace::new(user_ns.clone(), inum))
}

/// Linux: ipcns_install(): setns() to `ns` needs CAP_SYS_ADMIN over it and over the user
/// namespace being installed with it.
pub fn ipcns_install(ns: &Arc<IpcNamespace>, cred_user_ns: &Arc<UserNamespace>) -> KResult<()> {
    if !ns_capable(&ns.user_ns, CAP_SYS_ADMIN) || !ns_capable(cred_user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    Ok(())
}

/// The caller's IPC namespace.
pub fn current_ipc_ns() -> Arc<IpcNamespace> {
    crate::kernel::nsproxy::current_nsproxy().ipc_ns.clone()
}
