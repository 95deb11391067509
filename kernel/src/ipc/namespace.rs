//! IPC namespaces: each has its own System V IPC objects and POSIX message queues.  Linux:
//! ipc/namespace.c (create_ipc_ns, copy_ipcs, free_ipc_ns, ipcns_install),
//! include/linux/ipc_namespace.h, ipc/msgutil.c (init_ipc_ns).

use crate::errno::*;
use crate::kernel::user_namespace::{ns_capable, UserNamespace, CAP_SYS_ADMIN};
use alloc::sync::Arc;

/// Linux: PROC_IPC_INIT_INO.
pub const PROC_IPC_INIT_INO: u32 = 0xEFFF_FFFF;

/// Linux: struct ipc_namespace.
pub struct IpcNamespace {
    pub user_ns: Arc<UserNamespace>,
    pub inum: u32,
}

impl Drop for IpcNamespace {
    fn drop(&mut self) {
        if self.inum != PROC_IPC_INIT_INO {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

static INIT_IPC_NS: spin::Once<Arc<IpcNamespace>> = spin::Once::new();

/// Linux: init_ipc_ns.
pub fn init_ipc_ns() -> &'static Arc<IpcNamespace> {
    INIT_IPC_NS.call_once(|| {
        Arc::new(IpcNamespace {
            user_ns: crate::kernel::user_namespace::init_user_ns().clone(),
            inum: PROC_IPC_INIT_INO,
        })
    })
}

/// Linux: copy_ipcs(): with CLONE_NEWIPC, an empty namespace owned by `user_ns`.
pub fn copy_ipcs(flags: u64, user_ns: &Arc<UserNamespace>, old: &Arc<IpcNamespace>) -> KResult<Arc<IpcNamespace>> {
    if flags & crate::kernel::fork::CLONE_NEWIPC == 0 {
        return Ok(old.clone());
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    Ok(Arc::new(IpcNamespace { user_ns: user_ns.clone(), inum }))
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
