//! Capabilities: capget, capset, and the checks the kernel makes (capable(), ns_capable(),
//! has_capability(), capable_wrt_inode_uidgid()).  Linux: kernel/capability.c, and
//! security/commoncap.c's cap_capable() and cap_capget().  The rules that compute new sets
//! (capset's, setuid's, exec's) are the host-tested `credcheck` crate.
//!
//! Every "is the caller root?" question in the kernel is one of these, with a capability
//! named: `capable(CAP_SYS_NICE)`, never `euid == 0`.

use crate::errno::*;
use crate::kernel::cred::{
    commit_creds, init_user_ns, prepare_creds, task_cred, with_current_cred, Cred, UserNamespace,
};
use crate::kernel::task::{current, TaskStruct};
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;

pub use credcheck::caps::*;

/// Linux: cap_capable() — does `cred` have `cap` in `targ_ns`?  In its own namespace: the
/// effective bit.  In a namespace below its own: only as the owner of an ancestor's child.
/// Above its own: never.
pub fn cap_capable(cred: &Cred, targ_ns: &Arc<UserNamespace>, cap: u32) -> bool {
    let mut ns = targ_ns.clone();
    loop {
        if Arc::ptr_eq(&ns, &cred.user_ns) {
            return cred.cap_effective.raised(cap);
        }
        if ns.level <= cred.user_ns.level {
            return false;
        }
        let Some(parent) = ns.parent.clone() else { return false };
        if Arc::ptr_eq(&parent, &cred.user_ns) && ns.owner == cred.euid {
            return true;
        }
        ns = parent;
    }
}

/// Linux: ns_capable() — the caller has `cap` in `ns`.
pub fn ns_capable(ns: &Arc<UserNamespace>, cap: u32) -> bool {
    with_current_cred(|c| cap_capable(c, ns, cap))
}

/// Linux: capable() — the caller has `cap` in the initial user namespace.
pub fn capable(cap: u32) -> bool {
    // (the common case needs no walk: the caller's cred is in the initial namespace)
    with_current_cred(|c| {
        if c.user_ns.level == 0 {
            c.cap_effective.raised(cap)
        } else {
            cap_capable(c, init_user_ns(), cap)
        }
    })
}

/// Linux: has_ns_capability() — task `t` (not the caller) has `cap` in `ns`.
pub fn has_ns_capability(t: &TaskStruct, ns: &Arc<UserNamespace>, cap: u32) -> bool {
    cap_capable(&task_cred(t), ns, cap)
}

/// Linux: has_capability()
pub fn has_capability(t: &TaskStruct, cap: u32) -> bool {
    has_ns_capability(t, init_user_ns(), cap)
}

/// Linux: privileged_wrt_inode_uidgid() — the inode's owner and group are mapped in `ns`.
pub fn privileged_wrt_inode_uidgid(ns: &UserNamespace, uid: u32, gid: u32) -> bool {
    ns.kuid_has_mapping(uid) && ns.kgid_has_mapping(gid)
}

/// Linux: capable_wrt_inode_uidgid() — `cred` has `cap` in its own namespace, and the inode's
/// ids are mapped there (the check the permission rules make; fs/namei.rs passes it down).
pub fn capable_wrt_inode_uidgid(cred: &Cred, uid: u32, gid: u32, cap: u32) -> bool {
    cred.cap_effective.raised(cap) && privileged_wrt_inode_uidgid(&cred.user_ns, uid, gid)
}

crate::user_pod! {
    /// Linux: struct __user_cap_header_struct
    #[derive(Clone, Copy, Default)]
    pub struct CapUserHeader {
        pub version: u32,
        pub pid: i32,
    }
}

crate::user_pod! {
    /// Linux: struct __user_cap_data_struct
    #[derive(Clone, Copy, Default)]
    pub struct CapUserData {
        pub effective: u32,
        pub permitted: u32,
        pub inheritable: u32,
    }
}

/// Linux: cap_validate_magic() — how many data structs the version exchanges (1 for v1, 2
/// for v2 and v3); an unknown version is answered with the kernel's (v3) and EINVAL.
fn cap_validate_magic(header: UserPtr<CapUserHeader>) -> KResult<usize> {
    let version = header.cast::<u32>().read()?;
    match version {
        _LINUX_CAPABILITY_VERSION_1 => Ok(1),
        _LINUX_CAPABILITY_VERSION_2 | _LINUX_CAPABILITY_VERSION_3 => Ok(2),
        _ => {
            header.cast::<u32>().write(&_LINUX_CAPABILITY_VERSION_3)?;
            Err(EINVAL)
        }
    }
}

/// Linux: SYSCALL_DEFINE2(capget): the effective, permitted and inheritable sets of a task
/// (pid 0: the caller).  A NULL data pointer with an unknown version is how user space asks
/// for the kernel's version: 0, with the version written back.
pub fn sys_capget(header: UserPtr<CapUserHeader>, dataptr: Option<UserPtr<CapUserData>>) -> KResult<usize> {
    let r = cap_validate_magic(header);
    let Some(dataptr) = dataptr else {
        return if r == Err(EINVAL) { Ok(0) } else { r.map(|_| 0) };
    };
    let tocopy = r?;
    let pid = header.cast::<i32>().byte_add(4).read()?;
    if pid < 0 {
        return Err(EINVAL);
    }
    let cred = if pid != 0 && pid != current().pid() {
        task_cred(&*crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)?)
    } else {
        // Linux: cap_capget() reads __task_cred(current): the objective cred.
        task_cred(&current())
    };
    let (e, p, i) = (cred.cap_effective.words(), cred.cap_permitted.words(), cred.cap_inheritable.words());
    for k in 0..tocopy {
        dataptr.add(k).write(&CapUserData { effective: e[k], permitted: p[k], inheritable: i[k] })?;
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(capset): sets the caller's own sets (pid 0 or its own pid; any other
/// is EPERM), by cap_capset()'s rules.
pub fn sys_capset(header: UserPtr<CapUserHeader>, data: UserPtr<CapUserData>) -> KResult<usize> {
    let tocopy = cap_validate_magic(header)?;
    let pid = header.cast::<i32>().byte_add(4).read()?;
    if pid != 0 && pid != current().pid() {
        return Err(EPERM);
    }
    // Linux: the words not copied (v1 has one) are 0.
    let mut d = [CapUserData::default(); 2];
    for (k, slot) in d.iter_mut().enumerate().take(tocopy) {
        *slot = data.add(k).read()?;
    }
    let old = prepare_creds();
    let new = credcheck::commoncap::cap_capset(
        &old,
        KernelCap::from_words([d[0].effective, d[1].effective]),
        KernelCap::from_words([d[0].inheritable, d[1].inheritable]),
        KernelCap::from_words([d[0].permitted, d[1].permitted]),
    )
    .map_err(|e| Errno(e as i32))?;
    commit_creds(old.with(new))
}
