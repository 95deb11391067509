//! nsfs: the files that stand for namespaces — what /proc/PID/ns/* lead to, what setns(2)
//! takes, and their ioctls.  Linux: fs/nsfs.c (ns_get_path, ns_ioctl, open_related_ns,
//! proc_ns_file), include/linux/ns_common.h, fs/proc/generic.c (proc_alloc_inum: the
//! namespaces' inode numbers, kept here with the files they number).
//!
//! A namespace is named by `type:[inode]` ("uts:[4026531838]"); two files name the same
//! namespace when their st_dev (nsfs's) and st_ino (the namespace's inode number) agree.
//! The initial namespaces have Linux's fixed numbers (PROC_*_INIT_INO); the others get the
//! lowest free number from 0xF0000000 up, freed with the namespace.

use super::file_table::{File, FileOps};
use super::inode::{Inode, InodeKind, S_IFREG};
use crate::errno::*;
use crate::fs::namespace::MntNamespace;
use crate::ipc::namespace::IpcNamespace;
use crate::kernel::fork::{
    CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::pid_namespace::PidNamespace;
use crate::kernel::time::namespace::TimeNamespace;
use crate::kernel::user_namespace::{self as userns, UserNamespace};
use crate::kernel::utsname::UtsNamespace;
use crate::mm::uaccess::UserPtr;
use crate::net::core::net_namespace::Net;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use linux_raw_sys::ioctl::{NS_GET_NSTYPE, NS_GET_OWNER_UID, NS_GET_PARENT, NS_GET_USERNS};

/// Linux: PROC_DYNAMIC_FIRST, the first inode number proc_alloc_inum() hands out.
const PROC_DYNAMIC_FIRST: u32 = 0xF000_0000;

/// The numbers in use (Linux: proc_inum_ida).
static INUMS: SpinLock<BTreeSet<u32>, class::ProcInum> = SpinLock::new(BTreeSet::new());

/// Linux: proc_alloc_inum(): the lowest free number (ENOSPC when all 2^28 are taken).
pub fn proc_alloc_inum() -> KResult<u32> {
    let mut s = INUMS.lock();
    let mut n = PROC_DYNAMIC_FIRST;
    for &used in s.iter() {
        if used != n {
            break;
        }
        n = n.checked_add(1).ok_or(ENOSPC)?;
    }
    s.insert(n);
    Ok(n)
}

/// Linux: proc_free_inum().
pub fn proc_free_inum(inum: u32) {
    INUMS.lock().remove(&inum);
}

/// Linux: struct ns_common with its ns_operations: one namespace, of any type.
#[derive(Clone)]
pub enum NsCommon {
    Mnt(Arc<MntNamespace>),
    Uts(Arc<UtsNamespace>),
    Ipc(Arc<IpcNamespace>),
    /// The caller's own pid namespace (/proc/PID/ns/pid).
    Pid(Arc<PidNamespace>),
    /// The namespace of the caller's future children (/proc/PID/ns/pid_for_children).
    PidForChildren(Arc<PidNamespace>),
    User(Arc<UserNamespace>),
    Net(Arc<Net>),
    /// The caller's own time namespace (/proc/PID/ns/time).
    Time(Arc<TimeNamespace>),
    /// The time namespace of the caller's future children (/proc/PID/ns/time_for_children).
    TimeForChildren(Arc<TimeNamespace>),
}

impl NsCommon {
    /// Linux: ns->ops->type.
    pub fn nstype(&self) -> u64 {
        match self {
            NsCommon::Mnt(_) => CLONE_NEWNS,
            NsCommon::Uts(_) => CLONE_NEWUTS,
            NsCommon::Ipc(_) => CLONE_NEWIPC,
            NsCommon::Pid(_) | NsCommon::PidForChildren(_) => CLONE_NEWPID,
            NsCommon::User(_) => CLONE_NEWUSER,
            NsCommon::Net(_) => CLONE_NEWNET,
            NsCommon::Time(_) | NsCommon::TimeForChildren(_) => CLONE_NEWTIME,
        }
    }
    /// Linux: ns->ops->name (the link's type before ":[N]").
    pub fn name(&self) -> &'static str {
        match self {
            NsCommon::Mnt(_) => "mnt",
            NsCommon::Uts(_) => "uts",
            NsCommon::Ipc(_) => "ipc",
            NsCommon::Pid(_) | NsCommon::PidForChildren(_) => "pid",
            NsCommon::User(_) => "user",
            NsCommon::Net(_) => "net",
            NsCommon::Time(_) | NsCommon::TimeForChildren(_) => "time",
        }
    }
    /// Linux: ns->inum.
    pub fn inum(&self) -> u32 {
        match self {
            NsCommon::Mnt(n) => n.inum,
            NsCommon::Uts(n) => n.inum,
            NsCommon::Ipc(n) => n.inum,
            NsCommon::Pid(n) | NsCommon::PidForChildren(n) => n.inum,
            NsCommon::User(n) => n.inum,
            NsCommon::Net(n) => n.inum,
            NsCommon::Time(n) | NsCommon::TimeForChildren(n) => n.inum,
        }
    }
    /// Linux: ns->ops->owner(): the user namespace that owns it (a user namespace's parent).
    fn owner(&self) -> Option<Arc<UserNamespace>> {
        match self {
            NsCommon::Mnt(n) => Some(n.user_ns.clone()),
            NsCommon::Uts(n) => Some(n.user_ns.clone()),
            NsCommon::Ipc(n) => Some(n.user_ns.clone()),
            NsCommon::Pid(n) | NsCommon::PidForChildren(n) => Some(n.user_ns.clone()),
            NsCommon::User(n) => n.parent.clone(),
            NsCommon::Net(n) => Some(n.user_ns.clone()),
            NsCommon::Time(n) | NsCommon::TimeForChildren(n) => Some(n.user_ns.clone()),
        }
    }
    /// "uts:[4026531838]": the target of its /proc/PID/ns link (Linux: ns_get_name()).
    pub fn link_name(&self) -> String {
        format!("{}:[{}]", self.name(), self.inum())
    }
}

/// The st_dev of every nsfs file (Linux: nsfs's anonymous device, mounted at boot).
pub fn nsfs_dev() -> u64 {
    super::super_block::nsfs_sb().dev
}

/// Linux: ns_get_path(): the nsfs inode of `ns` — a regular file, readable by all, numbered
/// with the namespace's inode number.
pub fn ns_inode(ns: &NsCommon) -> Arc<Inode> {
    Inode::new_in(super::super_block::nsfs_sb(), ns.inum() as u64, S_IFREG | 0o444, InodeKind::Nsfs(ns.clone()))
}

/// An open nsfs file (Linux: ns_file_operations: no read or write, the ioctls below).
pub struct NsFile(pub NsCommon);

impl FileOps for NsFile {
    fn ioctl(&self, _f: &File, cmd: usize, arg: usize) -> KResult<usize> {
        ns_ioctl(&self.0, cmd as u32, arg)
    }
    fn name(&self) -> &'static str {
        "nsfs"
    }
}

/// Opens the nsfs inode of a namespace (Linux: ns_file_operations' open).
pub fn open(ns: &NsCommon) -> KResult<Arc<dyn FileOps>> {
    Ok(Arc::new(NsFile(ns.clone())))
}

/// Linux: proc_ns_file() + get_proc_ns(): the namespace an open file stands for, if it is
/// an nsfs file.
pub fn proc_ns_file(f: &File) -> Option<NsCommon> {
    match f.inode.as_ref().map(|i| &i.kind) {
        Some(InodeKind::Nsfs(ns)) => Some(ns.clone()),
        _ => None,
    }
}

/// Linux: open_related_ns(): a new O_RDONLY, close-on-exec fd on a related namespace.
fn open_related_ns(ns: NsCommon) -> KResult<usize> {
    let path = ns.link_name();
    let ino = ns_inode(&ns);
    let f = File::new(Arc::new(NsFile(ns)), Some(ino), linux_raw_sys::general::O_RDONLY, path);
    super::file::fd_install(f, true)
}

/// Linux: ns_get_owner(): the owner, if the caller's user namespace is it or an ancestor of
/// it (EPERM otherwise: a namespace outside the caller's view).
fn ns_get_owner(ns: &NsCommon) -> KResult<Arc<UserNamespace>> {
    let owner = ns.owner().ok_or(EPERM)?;
    if userns::current_user_ns().is_ancestor_of(&owner) {
        Ok(owner)
    } else {
        Err(EPERM)
    }
}

/// Linux: ns_ioctl().
fn ns_ioctl(ns: &NsCommon, cmd: u32, arg: usize) -> KResult<usize> {
    match cmd {
        NS_GET_USERNS => open_related_ns(NsCommon::User(ns_get_owner(ns)?)),
        NS_GET_PARENT => match ns {
            // Linux: pidns_get_parent(): the parent, if the caller can see it.
            NsCommon::Pid(p) | NsCommon::PidForChildren(p) => {
                let parent = p.parent.clone().ok_or(EPERM)?;
                let active = crate::kernel::pid::task_active_pid_ns(&crate::kernel::task::current());
                if !active.is_ancestor_of(&parent) {
                    return Err(EPERM);
                }
                open_related_ns(NsCommon::Pid(parent))
            }
            // Linux: userns_get_parent() = ns_get_owner().
            NsCommon::User(_) => open_related_ns(NsCommon::User(ns_get_owner(ns)?)),
            _ => Err(EINVAL),
        },
        NS_GET_NSTYPE => Ok(ns.nstype() as usize),
        NS_GET_OWNER_UID => match ns {
            NsCommon::User(u) => {
                let uid = userns::current_user_ns().from_kuid_munged(u.owner);
                UserPtr::<u32>::new(arg).write(&uid)?;
                Ok(0)
            }
            _ => Err(EINVAL),
        },
        _ => Err(ENOTTY),
    }
}
