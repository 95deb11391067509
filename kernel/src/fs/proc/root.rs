//! The /proc root: mounting it, and its entries — the global files, self, thread-self and one
//! directory per process.  Linux: fs/proc/root.c (proc_root_init, proc_root_lookup,
//! proc_root_readdir), fs/proc/self.c, fs/proc/thread_self.c, proc_pid_readdir() and
//! proc_pid_lookup() of fs/proc/base.c for the numbers.

use super::base::{pid_ino, INO_DIR};
use super::{mk, parse_num, ProcNode};
use crate::errno::*;
use crate::fs::inode::*;
use crate::fs::readdir::{DT_DIR, DT_LNK, DT_REG};
use crate::kernel::task::current;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Files of the /proc root.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Cpuinfo,
    Filesystems,
    Loadavg,
    Meminfo,
    Stat,
    Uptime,
    Version,
}

pub(super) const GLOBALS: [(&str, Global); 7] = [
    ("cpuinfo", Global::Cpuinfo),
    ("filesystems", Global::Filesystems),
    ("loadavg", Global::Loadavg),
    ("meminfo", Global::Meminfo),
    ("stat", Global::Stat),
    ("uptime", Global::Uptime),
    ("version", Global::Version),
];

// Inode numbers of the root's own entries: the root, then the files of GLOBALS in order.
const ROOT_INO: u64 = 0xf000_0000;
const SELF_INO: u64 = ROOT_INO + 0x100;
const THREAD_SELF_INO: u64 = ROOT_INO + 0x101;

/// Linux: proc_fill_super(): the root directory of a new /proc instance (mount(2),
/// fs/fs_context.rs), which finds its pid namespace and options through its superblock.
pub fn proc_fill_super(sb: &Arc<crate::fs::super_block::SuperBlock>) -> Arc<Inode> {
    let r = mk(ROOT_INO, S_IFDIR | 0o555, InodeKind::Proc(ProcNode::Root));
    r.set_sb(sb);
    r
}

/// A /proc root directory node (its superblock comes from the inode it is reached from).
pub(super) fn proc_root() -> Option<Arc<Inode>> {
    Some(mk(ROOT_INO, S_IFDIR | 0o555, InodeKind::Proc(ProcNode::Root)))
}

/// The instance a /proc directory belongs to: its pid namespace and options (the initial
/// namespace's, unfiltered, for a node outside any instance).
pub(super) struct Instance {
    pub ns: Arc<crate::kernel::pid_namespace::PidNamespace>,
    pub hidepid: u32,
    pub pidonly: bool,
}

pub(super) fn instance_of(dir: &Inode) -> Instance {
    match dir.sb().proc_info() {
        Some(i) => Instance {
            ns: i.pid_ns.clone(),
            hidepid: i.hidepid.load(core::sync::atomic::Ordering::Relaxed),
            pidonly: i.pidonly.load(core::sync::atomic::Ordering::Relaxed),
        },
        None => Instance { ns: crate::kernel::pid_namespace::init_pid_ns().clone(), hidepid: 0, pidonly: false },
    }
}

/// Linux: has_pid_permissions(): with hidepid at or above `min`, only the processes the
/// reader may ptrace are shown.
fn has_pid_permissions(inst: &Instance, t: &crate::kernel::task::TaskStruct, min: u32) -> bool {
    inst.hidepid < min || ptrace_may_access_read(t)
}

/// Linux: ptrace_may_access(t, PTRACE_MODE_READ_FSCREDS).  Every process is root's until
/// struct cred, and root may ptrace every process.
fn ptrace_may_access_read(_t: &crate::kernel::task::TaskStruct) -> bool {
    true
}

/// The text of a root file, made when it is opened.
pub(super) fn global_text(g: Global) -> String {
    let mut s = String::new();
    match g {
        Global::Meminfo => super::meminfo::meminfo_proc_show(&mut s),
        Global::Uptime => super::uptime::uptime_proc_show(&mut s),
        Global::Loadavg => super::loadavg::loadavg_proc_show(&mut s),
        Global::Cpuinfo => super::cpuinfo::c_show(&mut s),
        Global::Version => super::version::version_proc_show(&mut s),
        Global::Filesystems => super::filesystems::filesystems_proc_show(&mut s),
        Global::Stat => super::stat::show_stat(&mut s),
    }
    s
}

/// Linux: proc_root_readdir(): the files (not with subset=pid), self, thread-self, then a
/// directory per process of the instance's pid namespace, by its number there.
pub(super) fn proc_root_readdir(inst: &Instance) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if !inst.pidonly {
        for (i, (name, _)) in GLOBALS.iter().enumerate() {
            v.push((String::from(*name), ROOT_INO + 1 + i as u64, DT_REG));
        }
        v.push((String::from("sysvipc"), super::sysvipc::SYSVIPC_INO, DT_DIR));
    }
    v.push((String::from("self"), SELF_INO, DT_LNK));
    v.push((String::from("thread-self"), THREAD_SELF_INO, DT_LNK));
    // Linux: proc_pid_readdir(): thread-group leaders, hidden ones left out (hidepid=2).
    for (nr, t) in crate::kernel::pid::tasks_of_ns(&inst.ns) {
        if t.pid() > 0
            && t.pid() == t.tgid()
            && has_pid_permissions(inst, &t, super::super::fs_context::HIDEPID_INVISIBLE)
        {
            v.push((format!("{}", nr), pid_ino(t.pid(), INO_DIR), DT_DIR));
        }
    }
    v
}

/// Linux: proc_root_lookup(): a file of the root (not with subset=pid), self, thread-self
/// or a pid of the instance's namespace.
pub(super) fn proc_root_lookup(inst: &Instance, name: &str) -> KResult<Arc<Inode>> {
    if let Some(i) = GLOBALS.iter().position(|(g, _)| *g == name).filter(|_| !inst.pidonly) {
        return Ok(mk(ROOT_INO + 1 + i as u64, S_IFREG | 0o444, InodeKind::Proc(ProcNode::Global(GLOBALS[i].1))));
    }
    if name == "sysvipc" && !inst.pidonly {
        return Ok(super::sysvipc::sysvipc_dir());
    }
    let cur = current();
    if name == "self" {
        // Linux: proc_self_get_link(): the caller's tgid in the instance's namespace.
        let me = crate::kernel::pid::task_tgid_nr_ns(&cur, &inst.ns);
        if me == 0 {
            return Err(ENOENT);
        }
        return Ok(mk(SELF_INO, S_IFLNK | 0o777, InodeKind::Symlink(format!("{}", me))));
    }
    if name == "thread-self" {
        // Linux: proc_thread_self_get_link(): "tgid/task/tid".
        let tgid = crate::kernel::pid::task_tgid_nr_ns(&cur, &inst.ns);
        let pid = crate::kernel::pid::task_pid_nr_ns(&cur, &inst.ns);
        if pid == 0 {
            return Err(ENOENT);
        }
        let target = format!("{}/task/{}", tgid, pid);
        return Ok(mk(THREAD_SELF_INO, S_IFLNK | 0o777, InodeKind::Symlink(target)));
    }
    // Linux: proc_pid_lookup(): the task numbered so in the instance's namespace.
    let pid: i32 = parse_num(name).ok_or(ENOENT)?;
    let t = crate::kernel::pid::find_task_by_pid_ns(pid, &inst.ns).ok_or(ENOENT)?;
    if !has_pid_permissions(inst, &t, super::super::fs_context::HIDEPID_INVISIBLE) {
        return Err(ENOENT);
    }
    let g = t.pid();
    Ok(mk(pid_ino(g, INO_DIR), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::PidDir(g))))
}
