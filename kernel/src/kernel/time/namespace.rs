//! Time namespaces.  Linux: kernel/time/namespace.c (copy_time_ns, timens_install,
//! timens_on_fork, the timens and timens_for_children ns_operations),
//! include/linux/time_namespace.h.
//!
//! A time namespace is Linux's per-namespace offset of CLOCK_MONOTONIC and CLOCK_BOOTTIME.
//! The offsets are set through /proc/PID/timens_offsets, which MenuOS does not have, so every
//! namespace has Linux's initial offsets, zero: its clocks read what the initial
//! namespace's read (clock_gettime needs no change), and a namespace is its identity
//! (/proc/PID/ns/time, time_for_children) and its owning user namespace.
//!
//! As in Linux, unshare(CLONE_NEWTIME) changes only the namespace of the caller's future
//! children (nsproxy->time_ns_for_children); they enter it at fork (timens_on_fork), and
//! setns() to one moves the caller and its future children.

use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SYS_ADMIN};
use crate::kernel::user_namespace::UserNamespace;
use alloc::sync::Arc;

/// Linux: PROC_TIME_INIT_INO.
pub const PROC_TIME_INIT_INO: u32 = 0xEFFF_FFFA;

/// Linux: struct time_namespace (its offsets are all zero: see the header).
pub struct TimeNamespace {
    pub user_ns: Arc<UserNamespace>,
    pub inum: u32,
}

impl Drop for TimeNamespace {
    fn drop(&mut self) {
        if self.inum != PROC_TIME_INIT_INO {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

static INIT_TIME_NS: spin::Once<Arc<TimeNamespace>> = spin::Once::new();

/// Linux: init_time_ns.
pub fn init_time_ns() -> &'static Arc<TimeNamespace> {
    INIT_TIME_NS.call_once(|| {
        Arc::new(TimeNamespace {
            user_ns: crate::kernel::user_namespace::init_user_ns().clone(),
            inum: PROC_TIME_INIT_INO,
        })
    })
}

/// Linux: copy_time_ns(): a new namespace owned by `user_ns` for CLONE_NEWTIME (clone_time_ns:
/// the offsets of the old one, zero here), else the old one.
pub fn copy_time_ns(flags: u64, user_ns: &Arc<UserNamespace>, old: &Arc<TimeNamespace>) -> KResult<Arc<TimeNamespace>> {
    if flags & crate::kernel::fork::CLONE_NEWTIME == 0 {
        return Ok(old.clone());
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    Ok(Arc::new(TimeNamespace { user_ns: user_ns.clone(), inum }))
}

/// Linux: timens_install(): only a single-threaded caller (EUSERS: its threads would see
/// different clocks) with CAP_SYS_ADMIN over the namespace and over the user namespace being
/// installed with it.  `single_threaded` is current_is_single_threaded().
pub fn timens_install(
    ns: &Arc<TimeNamespace>,
    cred_user_ns: &Arc<UserNamespace>,
    single_threaded: bool,
) -> KResult<()> {
    if !single_threaded {
        return Err(EUSERS);
    }
    if !ns_capable(&ns.user_ns, CAP_SYS_ADMIN) || !ns_capable(cred_user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    Ok(())
}
