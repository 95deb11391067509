//! The /proc root: mounting it, and its entries — the global files, self, thread-self and one
//! directory per process.  Linux: fs/proc/root.c (proc_root_init, proc_root_lookup,
//! proc_root_readdir), fs/proc/self.c, fs/proc/thread_self.c, proc_pid_readdir() and
//! proc_pid_lookup() of fs/proc/base.c for the numbers.

use super::base::{pid_ino, INO_DIR};
use super::{mk, parse_num, task_of, ProcNode};
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

static PROC_ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// Linux: proc_root_init() + the mount on /proc: the rootfs's /proc becomes the proc root.
pub fn mount(root: &Arc<Inode>) {
    let _ = root.unlink("proc", true);
    let _ = root.unlink("proc", false);
    let r = PROC_ROOT.call_once(|| mk(ROOT_INO, S_IFDIR | 0o555, InodeKind::Proc(ProcNode::Root)));
    let _ = root.link("proc", r.clone());
}

/// The /proc root directory, once mounted.
pub(super) fn proc_root() -> Option<Arc<Inode>> {
    PROC_ROOT.get().cloned()
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

/// Linux: proc_root_readdir(): the files, self, thread-self, then a directory per process.
pub(super) fn proc_root_readdir() -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    for (i, (name, _)) in GLOBALS.iter().enumerate() {
        v.push((String::from(*name), ROOT_INO + 1 + i as u64, DT_REG));
    }
    v.push((String::from("self"), SELF_INO, DT_LNK));
    v.push((String::from("thread-self"), THREAD_SELF_INO, DT_LNK));
    for t in crate::kernel::pid::all_processes() {
        if t.pid() > 0 {
            v.push((format!("{}", t.pid()), pid_ino(t.pid(), INO_DIR), DT_DIR));
        }
    }
    v
}

/// Linux: proc_root_lookup(): a file of the root, self, thread-self or a pid.
pub(super) fn proc_root_lookup(name: &str) -> KResult<Arc<Inode>> {
    if let Some(i) = GLOBALS.iter().position(|(g, _)| *g == name) {
        return Ok(mk(ROOT_INO + 1 + i as u64, S_IFREG | 0o444, InodeKind::Proc(ProcNode::Global(GLOBALS[i].1))));
    }
    if name == "self" {
        // Linux: proc_self_get_link(): the caller's tgid.
        let me = current().tgid();
        return Ok(mk(SELF_INO, S_IFLNK | 0o777, InodeKind::Symlink(format!("{}", me).into())));
    }
    if name == "thread-self" {
        // Linux: proc_thread_self_get_link(): "tgid/task/tid".
        let cur = current();
        let target = format!("{}/task/{}", cur.tgid(), cur.pid());
        return Ok(mk(THREAD_SELF_INO, S_IFLNK | 0o777, InodeKind::Symlink(target.into())));
    }
    // Linux: proc_pid_lookup()
    let pid: i32 = parse_num(name).ok_or(ENOENT)?;
    task_of(pid)?;
    Ok(mk(pid_ino(pid, INO_DIR), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::PidDir(pid))))
}
