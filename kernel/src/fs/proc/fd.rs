//! /proc/PID/fd: a link per open fd.  Linux: fs/proc/fd.c (proc_readfd, proc_lookupfd,
//! proc_fd_instantiate, proc_fd_link).
//!
//! A file opened by path links to that path (a plain symlink, so path walking follows it);
//! a file without one (a pipe, a pidfd) is a `ProcNode::FdLink`, whose open opens the same
//! file and whose readlink is the pipefs / anon_inode name.

use super::base::PID_FILES;
use super::root::GLOBALS;
use super::{mk, parse_num, task_of, ProcNode};
use crate::errno::*;
use crate::fs::d_path::inode_path;
use crate::fs::file_table::{File, FileOps};
use crate::fs::inode::*;
use crate::fs::readdir::DT_LNK;
use crate::kernel::task::TaskStruct;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use linux_raw_sys::general::O_PATH;

fn fd_ino(pid: i32, fd: usize) -> u64 {
    0x1_0000_0000 + ((pid as u64) << 20) + fd as u64
}

fn task_fds(t: &TaskStruct) -> Vec<(usize, Arc<File>)> {
    let files = t.files.lock().clone();
    files.map_or(Vec::new(), |f| f.open_fds())
}

fn task_file(t: &TaskStruct, fd: usize) -> KResult<Arc<File>> {
    let files = t.files.lock().clone().ok_or(ENOENT)?;
    files.get(fd).map_err(|_| ENOENT)
}

/// Linux: proc_readfd()
pub(super) fn proc_readfd(p: i32) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if let Ok(t) = task_of(p) {
        for (fd, _) in task_fds(&t) {
            v.push((format!("{}", fd), fd_ino(p, fd), DT_LNK));
        }
    }
    v
}

/// Linux: proc_lookupfd() -> proc_fd_instantiate()
pub(super) fn proc_lookupfd(p: i32, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    let fd: usize = parse_num(name).ok_or(ENOENT)?;
    let f = task_file(&t, fd)?;
    // Linux: proc_fd_instantiate(): the link's mode tells how the file is open.
    let mut mode = S_IFLNK;
    if f.flags() & O_PATH == 0 {
        if f.readable() {
            mode |= 0o500;
        }
        if f.writable() {
            mode |= 0o300;
        }
    }
    let ino = fd_ino(p, fd);
    Ok(match file_path(&f) {
        Some(path) => mk(ino, mode, InodeKind::Symlink(path)),
        None => mk(ino, mode, InodeKind::Proc(ProcNode::FdLink(p, fd))),
    })
}

/// Linux: proc_fd_link(): opening the magic link opens the file itself.
pub(super) fn proc_fd_open(p: i32, fd: usize) -> KResult<Arc<dyn FileOps>> {
    let file = task_file(&*task_of(p)?, fd)?;
    Ok(file.ops.clone())
}

/// The target of the link of a file without a path.
pub(super) fn proc_fd_readlink(p: i32, fd: usize) -> KResult<String> {
    let f = task_file(&*task_of(p)?, fd)?;
    Ok(file_path(&f).unwrap_or_else(|| anon_name(&f)))
}

/// What /proc/PID/fd/N points at for a file with a path: the inode's path, or the path it
/// was opened by when it is no longer linked (Linux adds " (deleted)").
fn file_path(f: &File) -> Option<String> {
    let ino = f.inode.as_ref()?;
    if let InodeKind::Proc(n) = &ino.kind {
        return Some(proc_node_path(n));
    }
    match inode_path(ino) {
        Some(p) => Some(p),
        None if f.path.starts_with('/') => Some(format!("{} (deleted)", f.path)),
        None => Some(f.path.clone()),
    }
}

/// The path of a /proc node (the /proc tree is not in the rootfs's directories).
fn proc_node_path(n: &ProcNode) -> String {
    match n {
        ProcNode::Root => String::from("/proc"),
        ProcNode::Global(g) => format!("/proc/{}", GLOBALS.iter().find(|(_, x)| x == g).map_or("", |(s, _)| *s)),
        ProcNode::PidDir(p) => format!("/proc/{}", p),
        ProcNode::PidFile(p, f) => {
            format!("/proc/{}/{}", p, PID_FILES.iter().find(|(_, x)| x == f).map_or("", |(s, _)| *s))
        }
        ProcNode::FdDir(p) => format!("/proc/{}/fd", p),
        ProcNode::TaskDir(p) => format!("/proc/{}/task", p),
        ProcNode::FdLink(p, fd) => format!("/proc/{}/fd/{}", p, fd),
        ProcNode::Ns(p, e) => format!("/proc/{}/{}", p, super::namespaces::entry_name(e)),
        ProcNode::Sysvipc(None) => String::from("/proc/sysvipc"),
        ProcNode::Sysvipc(Some(f)) => format!(
            "/proc/sysvipc/{}",
            crate::ipc::util::SYSVIPC_FILES.iter().find(|(_, x)| x == f).map_or("", |(s, _)| *s)
        ),
    }
}

/// Linux: the pipefs / anon_inodefs dentry names: "pipe:[ino]", "anon_inode:[pidfd]".
fn anon_name(f: &File) -> String {
    match f.ops.name() {
        "pipe" => format!("pipe:[{}]", crate::fs::stat::anon_ino(f)),
        _ if f.path.starts_with("anon_inode:") => f.path.clone(),
        n => format!("anon_inode:[{}]", n),
    }
}
