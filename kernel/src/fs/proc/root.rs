//! The /proc root: mounting it, and its entries — the global files, sys, self, thread-self and
//! one directory per process.  Linux: fs/proc/root.c (proc_root_init, proc_root_lookup,
//! proc_root_readdir), fs/proc/self.c, fs/proc/thread_self.c, proc_pid_readdir() and
//! proc_pid_lookup() of fs/proc/base.c for the numbers, with the hidepid= and subset=pid rules.

use super::base::{has_pid_permissions, pid_ino, INO_DIR};
use super::{mk, mk_link, parse_num, task_of, ProcFsInfo, ProcNode, HIDEPID_INVISIBLE};
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
    Cmdline,
    Cpuinfo,
    Filesystems,
    Loadavg,
    Meminfo,
    Stat,
    Uptime,
    Version,
}

pub(super) const GLOBALS: [(&str, Global); 8] = [
    ("cmdline", Global::Cmdline),
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
const MOUNTS_INO: u64 = ROOT_INO + 0x102;
pub(super) const SYS_INO: u64 = ROOT_INO + 0x103;

/// The boot instance (mounted on /proc by mount()).
static PROC_FS: spin::Once<Arc<ProcFsInfo>> = spin::Once::new();

/// Linux: proc_root_init() + the mount on /proc: the rootfs's /proc becomes the root of the
/// boot procfs instance (no options).
pub fn mount(root: &Arc<Inode>) {
    let _ = root.unlink("proc", true);
    let _ = root.unlink("proc", false);
    let fs = PROC_FS.call_once(|| ProcFsInfo::new(Arc::downgrade(root)));
    let _ = root.link("proc", proc_root_inode(fs.clone()));
}

/// The boot instance's options (remounting /proc changes them).
pub fn boot_instance() -> Option<Arc<ProcFsInfo>> {
    PROC_FS.get().cloned()
}

/// The root directory inode of an instance.
pub(super) fn proc_root_inode(fs: Arc<ProcFsInfo>) -> Arc<Inode> {
    mk(&fs, ROOT_INO, S_IFDIR | 0o555, ProcNode::Root)
}

/// The text of a root file, made when it is read from position 0.
pub(super) fn global_text(g: Global) -> String {
    let mut s = String::new();
    match g {
        Global::Cmdline => super::cmdline::cmdline_proc_show(&mut s),
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

/// Linux: proc_root_readdir(): the files and sys (not with subset=pid), then self,
/// thread-self and a directory per process the mount lets the reader see.
pub(super) fn proc_root_readdir(fs: &Arc<ProcFsInfo>) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if !fs.pidonly() {
        for (i, (name, _)) in GLOBALS.iter().enumerate() {
            v.push((String::from(*name), ROOT_INO + 1 + i as u64, DT_REG));
        }
        v.push((String::from("mounts"), MOUNTS_INO, DT_LNK));
        v.push((String::from("sys"), SYS_INO, DT_DIR));
    }
    v.push((String::from("self"), SELF_INO, DT_LNK));
    v.push((String::from("thread-self"), THREAD_SELF_INO, DT_LNK));
    // Linux: proc_pid_readdir(): hidepid=invisible (and ptraceable) leave out the processes
    // the reader may not see.
    for t in crate::kernel::pid::all_processes() {
        if t.pid() > 0 && has_pid_permissions(fs, &t, HIDEPID_INVISIBLE) {
            v.push((format!("{}", t.pid()), pid_ino(t.pid(), INO_DIR), DT_DIR));
        }
    }
    v
}

/// Linux: proc_root_lookup(): a file of the root, sys, self, thread-self or a pid.
pub(super) fn proc_root_lookup(fs: &Arc<ProcFsInfo>, name: &str) -> KResult<Arc<Inode>> {
    if !fs.pidonly() {
        if let Some(i) = GLOBALS.iter().position(|(g, _)| *g == name) {
            return Ok(mk(fs, ROOT_INO + 1 + i as u64, S_IFREG | 0o444, ProcNode::Global(GLOBALS[i].1)));
        }
        if name == "mounts" {
            // Linux: proc_symlink("mounts", NULL, "self/mounts")
            return Ok(mk_link(MOUNTS_INO, S_IFLNK | 0o777, String::from("self/mounts")));
        }
        if name == "sys" {
            return Ok(mk(fs, SYS_INO, S_IFDIR | 0o555, ProcNode::SysDir(None)));
        }
    }
    if name == "self" {
        // Linux: proc_self_get_link(): the caller's tgid.
        let me = current().tgid();
        return Ok(mk_link(SELF_INO, S_IFLNK | 0o777, format!("{}", me)));
    }
    if name == "thread-self" {
        // Linux: proc_thread_self_get_link(): "tgid/task/tid".
        let cur = current();
        let target = format!("{}/task/{}", cur.tgid(), cur.pid());
        return Ok(mk_link(THREAD_SELF_INO, S_IFLNK | 0o777, target));
    }
    // Linux: proc_pid_lookup(): any task's id (a thread's too, though only leaders are listed).
    let pid: i32 = parse_num(name).ok_or(ENOENT)?;
    let t = task_of(pid)?;
    if fs.hide_pid() == HIDEPID_INVISIBLE && !has_pid_permissions(fs, &t, HIDEPID_INVISIBLE) {
        return Err(ENOENT);
    }
    Ok(mk(fs, pid_ino(pid, INO_DIR), S_IFDIR | 0o555, ProcNode::PidDir(pid)))
}
