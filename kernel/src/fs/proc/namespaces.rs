//! The namespace files of /proc/PID: the ns/ directory with a link per namespace, and the
//! user namespace's uid_map, gid_map, projid_map and setgroups.  Linux: fs/proc/namespaces.c
//! (proc_ns_dir_readdir, proc_ns_dir_lookup, proc_ns_get_link, proc_ns_readlink),
//! fs/proc/base.c (the map files, whose operations are kernel/user_namespace.c's).  mounts and
//! mountinfo are base.rs's files over fs/proc_namespace.rs.
//!
//! A link reads "type:[inode]" and leads (when a walk follows it) to the namespace's nsfs file
//! (fs/nsfs.rs), which setns(2) takes.  MenuOS has no cgroups, so there is no cgroup link (as
//! on a Linux without CONFIG_CGROUPS).

use super::ProcPid;
use super::{mk, task_of, ProcFsInfo, ProcNode};
use crate::errno::*;
use crate::fs::inode::*;
use crate::fs::nsfs::NsCommon;
use crate::fs::readdir::{DT_DIR, DT_LNK, DT_REG};
use crate::kernel::task::TaskStruct;
use crate::kernel::user_namespace::{self as userns, MapKind};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The namespace types with a link in /proc/PID/ns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NsKind {
    Net,
    Uts,
    Ipc,
    Pid,
    PidForChildren,
    User,
    Mnt,
    Time,
    TimeForChildren,
}

/// Linux: ns_entries[], in its order (cgroup is missing here).
const NS_ENTRIES: [(&str, NsKind); 9] = [
    ("net", NsKind::Net),
    ("uts", NsKind::Uts),
    ("ipc", NsKind::Ipc),
    ("pid", NsKind::Pid),
    ("pid_for_children", NsKind::PidForChildren),
    ("user", NsKind::User),
    ("mnt", NsKind::Mnt),
    ("time", NsKind::Time),
    ("time_for_children", NsKind::TimeForChildren),
];

/// The entries this file adds to /proc/PID.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NsEntry {
    /// /proc/PID/ns
    Dir,
    /// /proc/PID/ns/<type>
    Link(NsKind),
    UidMap,
    GidMap,
    ProjidMap,
    Setgroups,
}

// Inode numbers: base.rs's pid_ino(pid, base + INO_NS + ...), between base.rs's files and its
// links (a thread directory's base is base.rs's INO_TID); the ns/ links after base.rs's links.
const INO_NS: u64 = 0x38;
const INO_NS_LINKS: u64 = 0x58;
const INO_FILES: u64 = 0x40;

/// The files of /proc/PID this adds (Linux: tgid_base_stuff's DIR("ns"), uid_map, ...).
const PID_ENTRIES: [(&str, NsEntry, u32); 5] = [
    ("ns", NsEntry::Dir, S_IFDIR | 0o511),
    ("uid_map", NsEntry::UidMap, S_IFREG | 0o644),
    ("gid_map", NsEntry::GidMap, S_IFREG | 0o644),
    ("projid_map", NsEntry::ProjidMap, S_IFREG | 0o644),
    ("setgroups", NsEntry::Setgroups, S_IFREG | 0o644),
];

fn entry_ino(pid: i32, base: u64, i: usize) -> u64 {
    super::base::pid_ino(pid, base + if i == 0 { INO_NS } else { INO_FILES + i as u64 })
}

/// The path of an entry below /proc/PID ("ns/uts", "uid_map").
pub(super) fn entry_name(e: &NsEntry) -> String {
    match e {
        NsEntry::Link(k) => alloc::format!("ns/{}", NS_ENTRIES.iter().find(|(_, x)| x == k).map_or("", |(n, _)| *n)),
        _ => String::from(PID_ENTRIES.iter().find(|(_, x, _)| x == e).map_or("", |(n, ..)| *n)),
    }
}

/// /proc/PID's entries from here, for its readdir.
pub(super) fn pid_entries(pid: &ProcPid, base: u64) -> Vec<(String, u64, u8)> {
    PID_ENTRIES
        .iter()
        .enumerate()
        .map(|(i, (name, _, mode))| {
            (String::from(*name), entry_ino(pid.nr(), base, i), if mode & S_IFDIR != 0 { DT_DIR } else { DT_REG })
        })
        .collect()
}

/// /proc/PID's lookup of the names from here (ENOENT for the others).
pub(super) fn pid_entry_lookup(fs: &Arc<ProcFsInfo>, pid: &ProcPid, base: u64, name: &str) -> KResult<Arc<Inode>> {
    let i = PID_ENTRIES.iter().position(|(n, ..)| *n == name).ok_or(ENOENT)?;
    let (_, e, mode) = PID_ENTRIES[i];
    Ok(mk(fs, entry_ino(pid.nr(), base, i), mode, ProcNode::Ns(pid.clone(), e)))
}

/// Linux: proc_ns_dir_readdir().
pub(super) fn proc_ns_dir_readdir(pid: &ProcPid) -> Vec<(String, u64, u8)> {
    NS_ENTRIES
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (String::from(*name), super::base::pid_ino(pid.nr(), INO_NS_LINKS + i as u64), DT_LNK))
        .collect()
}

/// Linux: proc_ns_dir_lookup().
pub(super) fn proc_ns_dir_lookup(fs: &Arc<ProcFsInfo>, pid: &ProcPid, name: &str) -> KResult<Arc<Inode>> {
    task_of(pid)?;
    let i = NS_ENTRIES.iter().position(|(n, _)| *n == name).ok_or(ENOENT)?;
    let ino = super::base::pid_ino(pid.nr(), INO_NS_LINKS + i as u64);
    Ok(mk(fs, ino, S_IFLNK | 0o777, ProcNode::Ns(pid.clone(), NsEntry::Link(NS_ENTRIES[i].1))))
}

/// The namespace of type `k` that task `t` is in (ENOENT once it has exited, or for
/// pid_for_children before that namespace has its init).
fn task_ns(t: &TaskStruct, k: NsKind) -> KResult<NsCommon> {
    let nsp = crate::kernel::nsproxy::task_nsproxy(t).ok_or(ENOENT)?;
    Ok(match k {
        NsKind::Uts => NsCommon::Uts(nsp.uts_ns.clone()),
        NsKind::Ipc => NsCommon::Ipc(nsp.ipc_ns.clone()),
        NsKind::Mnt => NsCommon::Mnt(nsp.mnt_ns.clone()),
        NsKind::Pid => NsCommon::Pid(crate::kernel::pid::task_active_pid_ns(t)),
        NsKind::PidForChildren => {
            NsCommon::PidForChildren(crate::kernel::pid_namespace::pid_ns_for_children_of(t).ok_or(ENOENT)?)
        }
        NsKind::User => NsCommon::User(userns::task_user_ns(t)),
        NsKind::Net => NsCommon::Net(nsp.net_ns.clone()),
        NsKind::Time => NsCommon::Time(nsp.time_ns.clone()),
        NsKind::TimeForChildren => NsCommon::TimeForChildren(nsp.time_ns_for_children.clone()),
    })
}

/// Linux: proc_ns_readlink(): "type:[inode]".
pub(super) fn ns_readlink(pid: &ProcPid, e: &NsEntry) -> KResult<String> {
    match e {
        NsEntry::Link(k) => Ok(task_ns(&*task_of(pid)?, *k)?.link_name()),
        _ => Err(EINVAL),
    }
}

/// Linux: proc_ns_get_link(): the nsfs file a walk reaches through the link.
pub(super) fn ns_get_link(pid: &ProcPid, e: &NsEntry) -> Option<KResult<Arc<Inode>>> {
    match e {
        NsEntry::Link(k) => Some(task_of(pid).and_then(|t| task_ns(&t, *k)).map(|ns| crate::fs::nsfs::ns_inode(&ns))),
        _ => None,
    }
}

fn map_kind(e: &NsEntry) -> Option<MapKind> {
    match e {
        NsEntry::UidMap => Some(MapKind::Uid),
        NsEntry::GidMap => Some(MapKind::Gid),
        NsEntry::ProjidMap => Some(MapKind::Projid),
        _ => None,
    }
}

/// The text of a file from here, made by the read from position 0 (ESRCH once the task is
/// gone; EINVAL for a directory or a link).
pub(super) fn ns_text(pid: &ProcPid, e: &NsEntry) -> KResult<Vec<u8>> {
    let t = task_of(pid).map_err(|_| ESRCH)?;
    let ns = userns::task_user_ns(&t);
    let text = match (e, map_kind(e)) {
        (NsEntry::Setgroups, _) => userns::proc_setgroups_show(&ns),
        (_, Some(k)) => userns::proc_map_show(&ns, k),
        _ => return Err(EINVAL),
    };
    Ok(text.into_bytes())
}

/// Writing a map or setgroups file (Linux: proc_uid_map_write() & co.): the writer must be in
/// the namespace or its parent.
pub(super) fn ns_write(pid: &ProcPid, e: &NsEntry, pos: u64, buf: &[u8]) -> KResult<usize> {
    let t = task_of(pid).map_err(|_| ESRCH)?;
    let ns = userns::task_user_ns(&t);
    let me = userns::current_user_ns();
    if let Some(k) = map_kind(e) {
        if ns.parent.is_none() {
            return Err(EPERM);
        }
        if !Arc::ptr_eq(&me, &ns) && !ns.parent.as_ref().is_some_and(|p| Arc::ptr_eq(p, &me)) {
            return Err(EPERM);
        }
        return userns::proc_map_write(&ns, k, pos, buf);
    }
    match e {
        NsEntry::Setgroups => userns::proc_setgroups_write(&ns, pos, buf),
        _ => Err(EINVAL),
    }
}
