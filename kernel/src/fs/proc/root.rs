//! The /proc root and its entries — the global files, sys, self, thread-self and
//! one directory per process.  Linux: fs/proc/root.c (proc_root_init, proc_root_lookup,
//! proc_root_readdir), fs/proc/self.c, fs/proc/thread_self.c, proc_pid_readdir() and
//! proc_pid_lookup() of fs/proc/base.c for the numbers, with the hidepid= and subset=pid rules.

use super::base::{has_pid_permissions, pid_ino, INO_DIR};
use super::{mk, mk_link, parse_num, ProcFsInfo, ProcNode, HIDEPID_INVISIBLE};
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
    /// Linux: /proc/sysrq-trigger (drivers/tty/sysrq.c): write-only, root's.
    SysrqTrigger,
}

pub(super) const GLOBALS: [(&str, Global); 9] = [
    ("cmdline", Global::Cmdline),
    ("cpuinfo", Global::Cpuinfo),
    ("filesystems", Global::Filesystems),
    ("loadavg", Global::Loadavg),
    ("meminfo", Global::Meminfo),
    ("stat", Global::Stat),
    ("uptime", Global::Uptime),
    ("version", Global::Version),
    ("sysrq-trigger", Global::SysrqTrigger),
];

/// A root file's mode: S_IRUGO, sysrq-trigger S_IWUSR.
pub(super) fn global_mode(g: Global) -> u32 {
    S_IFREG | if g == Global::SysrqTrigger { 0o200 } else { 0o444 }
}

// Inode numbers of the root's own entries: the root, then the files of GLOBALS in order.
const ROOT_INO: u64 = 0xf000_0000;
const SELF_INO: u64 = ROOT_INO + 0x100;
const THREAD_SELF_INO: u64 = ROOT_INO + 0x101;
const MOUNTS_INO: u64 = ROOT_INO + 0x102;
pub(super) const SYS_INO: u64 = ROOT_INO + 0x103;

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
        Global::SysrqTrigger => {}
    }
    s
}

/// Linux: proc_root_readdir(): the files, sys and sysvipc (not with subset=pid), then self,
/// thread-self and a directory per process of the instance's pid namespace the mount lets
/// the reader see, by its number there.
pub(super) fn proc_root_readdir(fs: &Arc<ProcFsInfo>) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if !fs.pidonly() {
        for (i, (name, _)) in GLOBALS.iter().enumerate() {
            v.push((String::from(*name), ROOT_INO + 1 + i as u64, DT_REG));
        }
        v.push((String::from("mounts"), MOUNTS_INO, DT_LNK));
        v.push((String::from("net"), super::proc_net::net_link_ino(), DT_LNK));
        v.push((String::from("sys"), SYS_INO, DT_DIR));
        v.push((String::from("sysvipc"), super::sysvipc::SYSVIPC_INO, DT_DIR));
    }
    v.push((String::from("self"), SELF_INO, DT_LNK));
    v.push((String::from("thread-self"), THREAD_SELF_INO, DT_LNK));
    // Linux: proc_pid_readdir(): the thread-group leaders of the namespace; hidepid=invisible
    // (and ptraceable) leave out the processes the reader may not see.
    for (nr, t) in crate::kernel::pid::tasks_of_ns(&fs.pid_ns) {
        if t.pid() > 0 && t.pid() == t.tgid() && has_pid_permissions(fs, &t, HIDEPID_INVISIBLE) {
            v.push((format!("{}", nr), pid_ino(t.pid(), INO_DIR), DT_DIR));
        }
    }
    v
}

/// Linux: proc_root_lookup(): a file of the root, sys, sysvipc, self, thread-self or a pid of
/// the instance's namespace.
pub(super) fn proc_root_lookup(fs: &Arc<ProcFsInfo>, name: &str) -> KResult<Arc<Inode>> {
    if !fs.pidonly() {
        if let Some(i) = GLOBALS.iter().position(|(g, _)| *g == name) {
            return Ok(mk(fs, ROOT_INO + 1 + i as u64, global_mode(GLOBALS[i].1), ProcNode::Global(GLOBALS[i].1)));
        }
        if name == "mounts" {
            // Linux: proc_symlink("mounts", NULL, "self/mounts")
            return Ok(mk_link(fs, MOUNTS_INO, S_IFLNK | 0o777, String::from("self/mounts")));
        }
        if name == "net" {
            return Ok(super::proc_net::proc_net_link(fs));
        }
        if name == "sys" {
            return Ok(mk(fs, SYS_INO, S_IFDIR | 0o555, ProcNode::SysDir(None)));
        }
        if name == "sysvipc" {
            return Ok(super::sysvipc::sysvipc_dir(fs));
        }
    }
    let cur = current();
    if name == "self" {
        // Linux: proc_self_get_link(): the caller's tgid in the instance's namespace.
        let me = crate::kernel::pid::task_tgid_nr_ns(&cur, &fs.pid_ns);
        if me == 0 {
            return Err(ENOENT);
        }
        return Ok(mk_link(fs, SELF_INO, S_IFLNK | 0o777, format!("{}", me)));
    }
    if name == "thread-self" {
        // Linux: proc_thread_self_get_link(): "tgid/task/tid".
        let tgid = crate::kernel::pid::task_tgid_nr_ns(&cur, &fs.pid_ns);
        let pid = crate::kernel::pid::task_pid_nr_ns(&cur, &fs.pid_ns);
        if pid == 0 {
            return Err(ENOENT);
        }
        let target = format!("{}/task/{}", tgid, pid);
        return Ok(mk_link(fs, THREAD_SELF_INO, S_IFLNK | 0o777, target));
    }
    // Linux: proc_pid_lookup(): any task numbered so in the instance's namespace (a thread's
    // too, though only leaders are listed).
    let pid: i32 = parse_num(name).ok_or(ENOENT)?;
    let t = crate::kernel::pid::find_task_by_pid_ns(pid, &fs.pid_ns).ok_or(ENOENT)?;
    if fs.hide_pid() == HIDEPID_INVISIBLE && !has_pid_permissions(fs, &t, HIDEPID_INVISIBLE) {
        return Err(ENOENT);
    }
    let g = t.pid();
    Ok(mk(fs, pid_ino(g, INO_DIR), S_IFDIR | 0o555, ProcNode::PidDir(super::ProcPid::new(&t))))
}
