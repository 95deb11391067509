//! struct nsproxy: the namespaces a task is in, shared by the tasks that did not ask for new
//! ones; setns(2).  Linux: kernel/nsproxy.c (create_new_namespaces, copy_namespaces,
//! unshare_nsproxy_namespaces, switch_task_namespaces, setns and its nsset).  unshare(2),
//! their other caller, is ksys_unshare in kernel/fork.rs, as in Linux.
//!
//! MenuOS has mount, UTS, IPC, pid and user namespaces.  It has no network stack, no cgroups
//! and no time namespaces: CLONE_NEWNET, CLONE_NEWCGROUP and CLONE_NEWTIME are EINVAL, as on
//! a Linux built without CONFIG_NET_NS, CONFIG_CGROUPS and CONFIG_TIME_NS, and /proc/PID/ns
//! has no net, cgroup or time links.  The user namespace is not in the nsproxy: it belongs to
//! the task's credentials (cred->user_ns, kernel/cred.rs and kernel/user_namespace.rs), so
//! entering one is a commit_creds().

use super::capability::{ns_capable, CAP_SYS_ADMIN};
use super::cred::{commit_creds, Cred};

use super::pid_namespace::PidNamespace;
use super::user_namespace::{self as userns, UserNamespace};
use super::utsname::UtsNamespace;
use crate::errno::*;
use crate::fs::namespace::MntNamespace;
use crate::fs::nsfs::NsCommon;
use crate::ipc::namespace::IpcNamespace;
use crate::kernel::fork::*;
use crate::kernel::task::{current, TaskStruct};
use alloc::sync::Arc;

/// Linux: struct nsproxy.
pub struct NsProxy {
    pub uts_ns: Arc<UtsNamespace>,
    pub ipc_ns: Arc<IpcNamespace>,
    pub mnt_ns: Arc<MntNamespace>,
    pub pid_ns_for_children: Arc<PidNamespace>,
}

static INIT_NSPROXY: spin::Once<Arc<NsProxy>> = spin::Once::new();

/// Linux: init_nsproxy — the namespaces of the idle task, and of every task until one asks
/// for new ones.  The initial mount namespace exists once the rootfs does (mnt_init).
pub fn init_nsproxy() -> &'static Arc<NsProxy> {
    INIT_NSPROXY.call_once(|| {
        Arc::new(NsProxy {
            uts_ns: super::utsname::init_uts_ns().clone(),
            ipc_ns: crate::ipc::namespace::init_ipc_ns().clone(),
            mnt_ns: crate::fs::namespace::init_mnt_ns().clone(),
            pid_ns_for_children: super::pid_namespace::init_pid_ns().clone(),
        })
    })
}

/// The caller's namespaces (kernel threads and exiting tasks: the initial ones).
pub fn current_nsproxy() -> Arc<NsProxy> {
    crate::kernel::task::with_current(task_nsproxy).unwrap_or_else(|| init_nsproxy().clone())
}

/// Linux: task->nsproxy under task_lock; None once the task has exited.
pub fn task_nsproxy(t: &TaskStruct) -> Option<Arc<NsProxy>> {
    t.nsproxy.lock().clone()
}

/// Linux: create_new_namespaces(): a new nsproxy holding new namespaces of the types in
/// `flags` (owned by `user_ns`) and the caller's others.  The caller has checked the flags
/// (clonecheck::copy_namespaces_check).
fn create_new_namespaces(flags: u64, old: &NsProxy, user_ns: &Arc<UserNamespace>) -> KResult<Arc<NsProxy>> {
    let mnt_ns = crate::fs::namespace::copy_mnt_ns(flags, &old.mnt_ns, user_ns)?;
    let uts_ns = super::utsname::copy_utsname(flags, user_ns, &old.uts_ns)?;
    let ipc_ns = crate::ipc::namespace::copy_ipcs(flags, user_ns, &old.ipc_ns)?;
    let pid_ns_for_children = super::pid_namespace::copy_pid_ns(flags, user_ns, &old.pid_ns_for_children)?;
    Ok(Arc::new(NsProxy { uts_ns, ipc_ns, mnt_ns, pid_ns_for_children }))
}

/// Linux: copy_namespaces(): the child shares its parent's nsproxy unless it asked for new
/// namespaces (EPERM without CAP_SYS_ADMIN in its user namespace, which copy_creds made
/// first).  Returns the child's nsproxy (alloc_pid() numbers it in its pid_ns_for_children).
#[no_mangle]
#[inline(never)]
pub fn copy_namespaces(clone_flags: u64, cur: &TaskStruct, p: &TaskStruct) -> KResult<Arc<NsProxy>> {
    let old = task_nsproxy(cur).unwrap_or_else(|| init_nsproxy().clone());
    if clone_flags & clonecheck::CLONE_NS_FLAGS == 0 {
        // the common case: the child shares its parent's namespaces
        *p.nsproxy.lock() = Some(old.clone());
        return Ok(old);
    }
    let user_ns = userns::task_user_ns(p);
    let cap = clone_flags & clonecheck::CLONE_NS_FLAGS == 0 || ns_capable(&user_ns, CAP_SYS_ADMIN);
    let new = if clonecheck::copy_namespaces_check(clone_flags, cap).map_err(errno)? {
        create_new_namespaces(clone_flags, &old, &user_ns)?
    } else {
        old
    };
    *p.nsproxy.lock() = Some(new.clone());
    Ok(new)
}

/// Linux: exit_task_namespaces() (switch_task_namespaces(p, NULL)).
pub fn exit_task_namespaces(t: &TaskStruct) {
    switch_task_namespaces(t, None);
}

fn errno(e: clonecheck::Errno) -> Errno {
    Errno(e as i32)
}

/// Linux: unshare_nsproxy_namespaces(): the nsproxy unshare(2) installs when it asks for
/// new namespaces, owned by `new_cred`'s user namespace (unshare(CLONE_NEWUSER)'s, in which
/// the caller, its creator, has every capability) or the caller's.
pub fn unshare_nsproxy_namespaces(flags: u64, new_cred: Option<&Cred>) -> KResult<Option<Arc<NsProxy>>> {
    if flags & clonecheck::CLONE_NS_FLAGS == 0 {
        return Ok(None);
    }
    let user_ns = new_cred.map_or_else(userns::current_user_ns, |c| c.user_ns.clone());
    let cap = ns_capable(&user_ns, CAP_SYS_ADMIN);
    clonecheck::copy_namespaces_check(flags & !CLONE_SYSVSEM, cap).map_err(errno)?;
    Ok(Some(create_new_namespaces(flags, &current_nsproxy(), &user_ns)?))
}

/// Linux: switch_task_namespaces(): `t` moves to `new` (None: exit_task_namespaces); the old
/// nsproxy is dropped after task_lock is released.
pub fn switch_task_namespaces(t: &TaskStruct, new: Option<Arc<NsProxy>>) {
    let old = core::mem::replace(&mut *t.nsproxy.lock(), new);
    drop(old);
}

/// Linux: struct nsset — what setns() builds before it commits: a copy of the caller's
/// nsproxy with the requested namespaces swapped in, the user namespace the others are
/// checked against, and the cred that enters it (userns_install).
struct NsSet {
    flags: u64,
    uts_ns: Arc<UtsNamespace>,
    ipc_ns: Arc<IpcNamespace>,
    mnt_ns: Arc<MntNamespace>,
    pid_ns_for_children: Arc<PidNamespace>,
    user_ns: Arc<UserNamespace>,
    cred: Option<Cred>,
}

/// Linux: prepare_nsset().
fn prepare_nsset(flags: u64) -> NsSet {
    let n = current_nsproxy();
    NsSet {
        flags,
        uts_ns: n.uts_ns.clone(),
        ipc_ns: n.ipc_ns.clone(),
        mnt_ns: n.mnt_ns.clone(),
        pid_ns_for_children: n.pid_ns_for_children.clone(),
        user_ns: userns::current_user_ns(),
        cred: None,
    }
}

/// Linux: validate_ns() -> ns->ops->install(nsset, ns): checks and records one namespace.
fn validate_ns(nsset: &mut NsSet, ns: &NsCommon) -> KResult<()> {
    match ns {
        NsCommon::User(u) => {
            nsset.cred = Some(userns::userns_install(u)?);
            nsset.user_ns = u.clone();
        }
        NsCommon::Mnt(m) => {
            crate::fs::namespace::mntns_install(m, &nsset.user_ns)?;
            nsset.mnt_ns = m.clone();
        }
        NsCommon::Uts(u) => {
            super::utsname::utsns_install(u, &nsset.user_ns)?;
            nsset.uts_ns = u.clone();
        }
        NsCommon::Ipc(i) => {
            crate::ipc::namespace::ipcns_install(i, &nsset.user_ns)?;
            nsset.ipc_ns = i.clone();
        }
        NsCommon::Pid(p) | NsCommon::PidForChildren(p) => {
            super::pid_namespace::pidns_install(p, &nsset.user_ns)?;
            nsset.pid_ns_for_children = p.clone();
        }
    }
    Ok(())
}

/// Linux: validate_nsset(): setns() through a pidfd — the target's namespaces of the types
/// asked for, in the order unshare and clone make them (user first).
fn validate_nsset(nsset: &mut NsSet, tsk: &TaskStruct) -> KResult<()> {
    if tsk.exit_state() != 0 {
        return Err(ESRCH);
    }
    let nsp = task_nsproxy(tsk).ok_or(ESRCH)?;
    let flags = nsset.flags;
    if flags & CLONE_NEWUSER != 0 {
        validate_ns(nsset, &NsCommon::User(userns::task_user_ns(tsk)))?;
    }
    if flags & CLONE_NEWNS != 0 {
        validate_ns(nsset, &NsCommon::Mnt(nsp.mnt_ns.clone()))?;
    }
    if flags & CLONE_NEWUTS != 0 {
        validate_ns(nsset, &NsCommon::Uts(nsp.uts_ns.clone()))?;
    }
    if flags & CLONE_NEWIPC != 0 {
        validate_ns(nsset, &NsCommon::Ipc(nsp.ipc_ns.clone()))?;
    }
    if flags & CLONE_NEWPID != 0 {
        validate_ns(nsset, &NsCommon::Pid(crate::kernel::pid::task_active_pid_ns(tsk)))?;
    }
    Ok(())
}

/// Linux: commit_nsset(): the point of no return.
fn commit_nsset(nsset: NsSet) -> KResult<()> {
    let cur = current();
    let flags = nsset.flags;
    if let Some(cred) = nsset.cred {
        // transfer ownership
        commit_creds(cred)?;
    }
    if flags & CLONE_NEWNS != 0 {
        // Linux: mntns_install() moves root and cwd to the root of the new namespace.
        crate::fs::namespace::mntns_commit(&cur, &nsset.mnt_ns);
    }
    if flags & CLONE_NEWIPC != 0 {
        crate::ipc::sem::exit_sem(&cur);
    }
    let new = Arc::new(NsProxy {
        uts_ns: nsset.uts_ns,
        ipc_ns: nsset.ipc_ns,
        mnt_ns: nsset.mnt_ns,
        pid_ns_for_children: nsset.pid_ns_for_children,
    });
    switch_task_namespaces(&cur, Some(new));
    Ok(())
}

/// Linux: SYSCALL_DEFINE2(setns): join the namespace an nsfs file (/proc/PID/ns/*) names,
/// or, through a pidfd, the namespaces of the types in `flags` of that process.
#[no_mangle]
#[inline(never)]
pub fn sys_setns(fd: i32, flags: i32) -> KResult<usize> {
    let file = crate::fs::fd_get(fd as u32)?;
    let flags = flags as u32 as u64;
    if let Some(ns) = crate::fs::nsfs::proc_ns_file(&file) {
        if flags != 0 && ns.nstype() != flags {
            return Err(EINVAL);
        }
        let mut nsset = prepare_nsset(ns.nstype());
        validate_ns(&mut nsset, &ns)?;
        commit_nsset(nsset)?;
        return Ok(0);
    }
    let Some(tsk) = file.ops.pidfd_task() else { return Err(EINVAL) };
    clonecheck::check_setns_flags(flags).map_err(errno)?;
    let mut nsset = prepare_nsset(flags);
    validate_nsset(&mut nsset, &tsk)?;
    commit_nsset(nsset)?;
    Ok(0)
}
