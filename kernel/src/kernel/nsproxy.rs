//! struct nsproxy: the namespaces a task is in, shared by the tasks that did not ask for new
//! ones; unshare(2) and setns(2).  Linux: kernel/nsproxy.c (create_new_namespaces,
//! copy_namespaces, unshare_nsproxy_namespaces, switch_task_namespaces, setns and its nsset),
//! kernel/fork.c (ksys_unshare, which lives here beside the namespace steps it mostly is).
//!
//! MenuOS has mount, UTS, IPC, pid and user namespaces.  It has no network stack, no cgroups
//! and no time namespaces: CLONE_NEWNET, CLONE_NEWCGROUP and CLONE_NEWTIME are EINVAL, as on
//! a Linux built without CONFIG_NET_NS, CONFIG_CGROUPS and CONFIG_TIME_NS, and /proc/PID/ns
//! has no net, cgroup or time links.  The user namespace is not in the nsproxy: it belongs to
//! the task's credentials (kernel/user_namespace.rs).

use super::pid_namespace::PidNamespace;
use super::user_namespace::{self as userns, ns_capable, UserNamespace, CAP_SYS_ADMIN};
use super::utsname::UtsNamespace;
use crate::errno::*;
use crate::fs::namespace::MntNamespace;
use crate::fs::nsfs::NsCommon;
use crate::ipc::namespace::IpcNamespace;
use crate::kernel::fork::*;
use crate::kernel::task::{current, TaskStruct};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

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
    let old = t.nsproxy.lock().take();
    drop(old);
}

fn errno(e: clonecheck::Errno) -> Errno {
    Errno(e as i32)
}

/// Linux: SYSCALL_DEFINE1(unshare) -> ksys_unshare(): the caller leaves the namespaces (and
/// shared fs information, fd table, undo list) named in `unshare_flags` for new ones.
#[no_mangle]
#[inline(never)]
pub fn sys_unshare(unshare_flags: usize) -> KResult<usize> {
    let cur = current();
    let flags = clonecheck::unshare_implied_flags(unshare_flags as u64);
    // (each of these task_lock-class locks is taken and released on its own)
    let sighand_shared = Arc::strong_count(&cur.sighand.lock().clone()) > 2;
    let mm = cur.mm.lock().clone();
    let st = clonecheck::UnshareState {
        has_other_threads: cur.signal.live.load(Ordering::Relaxed) > 1,
        sighand_shared,
        mm_shared: mm.as_ref().is_some_and(|m| Arc::strong_count(m) > 2),
    };
    drop(mm);
    clonecheck::check_unshare_flags(flags, &st).map_err(errno)?;
    // Linux: unshare_fs(): a private copy of root/cwd when they are shared or the mount
    // namespace changes.
    let fs = cur.fs.lock().clone();
    let new_fs = match fs {
        Some(fs) if flags & CLONE_FS != 0 && (flags & CLONE_NEWNS != 0 || Arc::strong_count(&fs) > 2) => Some(fs.dup()),
        _ => None,
    };
    // Linux: unshare_fd()
    let files = cur.files.lock().clone();
    let new_fd = match files {
        Some(f) if flags & CLONE_FILES != 0 && Arc::strong_count(&f) > 2 => Some(f.dup()?),
        _ => None,
    };
    let new_user_ns = userns::unshare_userns(flags)?;
    // Linux: unshare_nsproxy_namespaces(), with the new user namespace's capabilities.
    let new_nsproxy = if flags & clonecheck::CLONE_NS_FLAGS != 0 {
        let user_ns = new_user_ns.clone().unwrap_or_else(userns::current_user_ns);
        let cap = ns_capable(&user_ns, CAP_SYS_ADMIN);
        clonecheck::copy_namespaces_check(flags & !CLONE_SYSVSEM, cap).map_err(errno)?;
        Some(create_new_namespaces(flags, &current_nsproxy(), &user_ns)?)
    } else {
        None
    };
    // The point of no return.
    if flags & (CLONE_NEWIPC | CLONE_SYSVSEM) != 0 {
        // Linux: exit_sem(): CLONE_SYSVSEM is equivalent to exit for the undo list.
        crate::ipc::sem::exit_sem(&cur);
    }
    if let Some(n) = new_nsproxy {
        let old = cur.nsproxy.lock().replace(n);
        drop(old);
    }
    if let Some(fs) = new_fs {
        let old = cur.fs.lock().replace(fs);
        drop(old);
    }
    if let Some(fd) = new_fd {
        let old = cur.files.lock().replace(fd);
        drop(old);
    }
    if let Some(ns) = new_user_ns {
        userns::set_current_user_ns(ns);
    }
    Ok(0)
}

/// Linux: struct nsset — what setns() builds before it commits: a copy of the caller's
/// nsproxy with the requested namespaces swapped in, and the user namespace to enter.
struct NsSet {
    flags: u64,
    uts_ns: Arc<UtsNamespace>,
    ipc_ns: Arc<IpcNamespace>,
    mnt_ns: Arc<MntNamespace>,
    pid_ns_for_children: Arc<PidNamespace>,
    user_ns: Arc<UserNamespace>,
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
    }
}

/// Linux: validate_ns() -> ns->ops->install(nsset, ns): checks and records one namespace.
fn validate_ns(nsset: &mut NsSet, ns: &NsCommon) -> KResult<()> {
    match ns {
        NsCommon::User(u) => {
            userns::userns_install(u)?;
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
fn commit_nsset(nsset: NsSet) {
    let cur = current();
    let flags = nsset.flags;
    if flags & CLONE_NEWUSER != 0 {
        userns::set_current_user_ns(nsset.user_ns.clone());
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
    let old = cur.nsproxy.lock().replace(new);
    drop(old);
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
        commit_nsset(nsset);
        return Ok(0);
    }
    let Some(tsk) = file.ops.pidfd_task() else { return Err(EINVAL) };
    clonecheck::check_setns_flags(flags).map_err(errno)?;
    let mut nsset = prepare_nsset(flags);
    validate_nsset(&mut nsset, &tsk)?;
    commit_nsset(nsset);
    Ok(0)
}
