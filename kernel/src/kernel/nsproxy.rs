//! struct nsproxy: the namespaces a task is in, shared by the tasks that did not ask for new
//! ones; setns(2).  Linux: kernel/nsproxy.c (create_new_namespaces, copy_namespaces,
//! unshare_nsproxy_namespaces, switch_task_namespaces, setns and its nsset).  unshare(2),
//! their other caller, is ksys_unshare in kernel/fork.rs, as in Linux.
//!
//! MenuOS has mount, UTS, IPC, pid, network, time and user namespaces.  It has no cgroups:
//! as on a Linux built without CONFIG_CGROUPS, clone and unshare take CLONE_NEWCGROUP (with
//! CAP_SYS_ADMIN) and separate nothing, setns() refuses it (EINVAL), and /proc/PID/ns has no
//! cgroup link.  The user namespace is not in the nsproxy: it belongs to
//! the task's credentials (cred->user_ns, kernel/cred.rs and kernel/user_namespace.rs), so
//! entering one is a commit_creds().

use super::capability::{ns_capable, CAP_SYS_ADMIN};
use super::cred::{commit_creds, Cred};

use super::pid_namespace::PidNamespace;
use super::time::namespace::TimeNamespace;
use super::user_namespace::{self as userns, UserNamespace};
use super::utsname::UtsNamespace;
use crate::errno::*;
use crate::fs::namespace::MntNamespace;
use crate::fs::nsfs::NsCommon;
use crate::ipc::namespace::IpcNamespace;
use crate::kernel::fork::*;
use crate::kernel::task::{current, TaskStruct};
use crate::net::core::net_namespace::Net;
use alloc::sync::Arc;

/// Linux: struct nsproxy.
pub struct NsProxy {
    pub uts_ns: Arc<UtsNamespace>,
    pub ipc_ns: Arc<IpcNamespace>,
    pub mnt_ns: Arc<MntNamespace>,
    pub pid_ns_for_children: Arc<PidNamespace>,
    pub net_ns: Arc<Net>,
    pub time_ns: Arc<TimeNamespace>,
    /// The time namespace the task's children are made in (unshare(CLONE_NEWTIME) sets it).
    pub time_ns_for_children: Arc<TimeNamespace>,
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
            net_ns: crate::net::core::net_namespace::init_net().clone(),
            time_ns: super::time::namespace::init_time_ns().clone(),
            time_ns_for_children: super::time::namespace::init_time_ns().clone(),
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
    let time_ns_for_children = super::time::namespace::copy_time_ns(flags, user_ns, &old.time_ns_for_children)?;
    let net_ns = crate::net::core::net_namespace::copy_net_ns(flags, user_ns, &old.net_ns)?;
    Ok(Arc::new(NsProxy {
        uts_ns,
        ipc_ns,
        mnt_ns,
        pid_ns_for_children,
        net_ns,
        time_ns: old.time_ns.clone(),
        time_ns_for_children,
    }))
}

/// Linux: copy_namespaces(): the child shares its parent's nsproxy unless it asked for new
/// namespaces (EPERM without CAP_SYS_ADMIN in its user namespace, which copy_creds made
/// first).  A child made after unshare(CLONE_NEWTIME) gets an nsproxy of its own in any case:
/// it enters its parent's time_ns_for_children (timens_on_fork), unless it shares the mm
/// (CLONE_VM: the two could not read the clock apart).  Returns the child's nsproxy
/// (alloc_pid() numbers it in its pid_ns_for_children).
#[no_mangle]
#[inline(never)]
pub fn copy_namespaces(clone_flags: u64, cur: &TaskStruct, p: &TaskStruct) -> KResult<Arc<NsProxy>> {
    let old = task_nsproxy(cur).unwrap_or_else(|| init_nsproxy().clone());
    let same_time = Arc::ptr_eq(&old.time_ns, &old.time_ns_for_children);
    if clone_flags & clonecheck::CLONE_NS_FLAGS == 0 && (same_time || clone_flags & CLONE_VM != 0) {
        // the common case: the child shares its parent's namespaces
        *p.nsproxy.lock() = Some(old.clone());
        return Ok(old);
    }
    let user_ns = userns::task_user_ns(p);
    let cap = clone_flags & clonecheck::CLONE_NS_FLAGS == 0 || ns_capable(&user_ns, CAP_SYS_ADMIN);
    clonecheck::copy_namespaces_check(clone_flags, cap).map_err(errno)?;
    let new = timens_on_fork(create_new_namespaces(clone_flags, &old, &user_ns)?);
    *p.nsproxy.lock() = Some(new.clone());
    Ok(new)
}

/// Linux: timens_on_fork(): the child of a new nsproxy is in its parent's
/// time_ns_for_children.
fn timens_on_fork(new: Arc<NsProxy>) -> Arc<NsProxy> {
    if Arc::ptr_eq(&new.time_ns, &new.time_ns_for_children) {
        return new;
    }
    let mut n = Arc::try_unwrap(new).unwrap_or_else(|a| a.dup());
    n.time_ns = n.time_ns_for_children.clone();
    Arc::new(n)
}

impl NsProxy {
    /// A copy sharing every namespace.
    fn dup(&self) -> NsProxy {
        NsProxy {
            uts_ns: self.uts_ns.clone(),
            ipc_ns: self.ipc_ns.clone(),
            mnt_ns: self.mnt_ns.clone(),
            pid_ns_for_children: self.pid_ns_for_children.clone(),
            net_ns: self.net_ns.clone(),
            time_ns: self.time_ns.clone(),
            time_ns_for_children: self.time_ns_for_children.clone(),
        }
    }
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
    net_ns: Arc<Net>,
    time_ns: Arc<TimeNamespace>,
    time_ns_for_children: Arc<TimeNamespace>,
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
        net_ns: n.net_ns.clone(),
        time_ns: n.time_ns.clone(),
        time_ns_for_children: n.time_ns_for_children.clone(),
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
        NsCommon::Net(n) => {
            crate::net::core::net_namespace::netns_install(n, &nsset.user_ns)?;
            nsset.net_ns = n.clone();
        }
        NsCommon::Time(t) | NsCommon::TimeForChildren(t) => {
            super::time::namespace::timens_install(t, &nsset.user_ns, current_is_single_threaded())?;
            nsset.time_ns = t.clone();
            nsset.time_ns_for_children = t.clone();
        }
    }
    Ok(())
}

/// Linux: current_is_single_threaded(): no other thread in the group, and the mm used by no
/// other process (a vfork parent, CLONE_VM).
fn current_is_single_threaded() -> bool {
    let cur = current();
    let mm = cur.mm.lock().clone();
    cur.signal.live.load(core::sync::atomic::Ordering::Relaxed) <= 1
        && mm.as_ref().is_none_or(|m| Arc::strong_count(m) <= 2)
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
    if flags & CLONE_NEWNET != 0 {
        validate_ns(nsset, &NsCommon::Net(nsp.net_ns.clone()))?;
    }
    if flags & CLONE_NEWTIME != 0 {
        validate_ns(nsset, &NsCommon::Time(nsp.time_ns.clone()))?;
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
        net_ns: nsset.net_ns,
        time_ns: nsset.time_ns,
        time_ns_for_children: nsset.time_ns_for_children,
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
