//! /proc/PID/fd, a link per open fd, and /proc/PID/fdinfo, a small file per open fd.  Linux:
//! fs/proc/fd.c (proc_readfd, proc_lookupfd, proc_fd_instantiate, proc_fd_link,
//! proc_readfdinfo, proc_lookupfdinfo, seq_show).
//!
//! A file opened by path links to that path (a plain symlink, so path walking follows it);
//! a file without one (a pipe, a pidfd) is a `ProcNode::FdLink`, whose open opens the same
//! file and whose readlink is the pipefs / anon_inode name.

use super::root::GLOBALS;
use super::ProcPid;
use super::{base, mk, parse_num, task_of, ProcFsInfo, ProcInode, ProcNode};
use crate::errno::*;
use crate::fs::d_path::inode_path;
use crate::fs::file_table::{File, FileOps};
use crate::fs::inode::*;
use crate::fs::readdir::{DT_LNK, DT_REG};
use crate::kernel::ptrace::{ptrace_may_access, PTRACE_MODE_READ_FSCREDS};
use crate::kernel::task::TaskStruct;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use linux_raw_sys::general::{O_CLOEXEC, O_LARGEFILE, O_PATH};

fn fd_ino(pid: i32, fd: usize, info: bool) -> u64 {
    (if info { super::INO_SPACE_FDINFO } else { super::INO_SPACE_FD }) + ((pid as u64) << 20) + (fd as u64 & 0xf_ffff)
}

fn task_fds(t: &TaskStruct) -> Vec<(usize, Arc<File>)> {
    let files = t.files.lock().clone();
    files.map_or(Vec::new(), |f| f.open_fds())
}

pub(super) fn task_file(t: &TaskStruct, fd: usize) -> KResult<Arc<File>> {
    let files = t.files.lock().clone().ok_or(ENOENT)?;
    files.get(fd).map_err(|_| ENOENT)
}

/// Linux: proc_fd_access_allowed(): fd/ and fdinfo/ of another process need ptrace access.
fn fd_access(t: &TaskStruct) -> KResult<()> {
    if ptrace_may_access(t, PTRACE_MODE_READ_FSCREDS) {
        Ok(())
    } else {
        Err(EACCES)
    }
}

/// Linux: proc_readfd() / proc_readfdinfo(): one entry per open fd.
pub(super) fn proc_readfd(p: &ProcPid, info: bool) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if let Ok(t) = task_of(p) {
        if fd_access(&t).is_err() {
            return v;
        }
        for (fd, _) in task_fds(&t) {
            v.push((format!("{}", fd), fd_ino(p.nr(), fd, info), if info { DT_REG } else { DT_LNK }));
        }
    }
    v
}

/// Linux: proc_lookupfd() -> proc_fd_instantiate()
pub(super) fn proc_lookupfd(fs: &Arc<ProcFsInfo>, p: &ProcPid, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    fd_access(&t)?;
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
    let ino = fd_ino(p.nr(), fd, false);
    // A file still reachable by its path links there; one that is not (unlinked, a memfd) is
    // a magic link that opens the file's inode itself (namei's get_link()).
    let live = f.inode.as_ref().is_some_and(|i| !matches!(i.kind, InodeKind::Proc(_)) && inode_path(i).is_some());
    let proc_file = f.inode.as_ref().is_some_and(|i| matches!(i.kind, InodeKind::Proc(_)));
    Ok(match file_path(&f) {
        Some(path) if live || proc_file => super::mk_pid_link(fs, &t, ino, mode, path),
        _ => mk(fs, ino, mode, ProcNode::FdLink(p.clone(), fd)),
    })
}

/// Linux: proc_lookupfdinfo() -> proc_fdinfo_instantiate(): an 0444 file.
pub(super) fn proc_lookupfdinfo(fs: &Arc<ProcFsInfo>, p: &ProcPid, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    fd_access(&t)?;
    let fd: usize = parse_num(name).ok_or(ENOENT)?;
    task_file(&t, fd)?;
    Ok(mk(fs, fd_ino(p.nr(), fd, true), S_IFREG | 0o444, ProcNode::FdInfo(p.clone(), fd)))
}

/// Linux: seq_show() of fs/proc/fd.c: "pos:\t%lli\nflags:\t0%o\nmnt_id:\t%i\nino:\t%lu\n", then
/// what the file adds (f_op->show_fdinfo: a pidfd's Pid: and NSpid:).  ENOENT once the fd is
/// closed.
pub(super) fn proc_fdinfo_text(p: &ProcPid, fd: usize) -> KResult<alloc::vec::Vec<u8>> {
    let t = task_of(p)?;
    let files = t.files.lock().clone().ok_or(ENOENT)?;
    let e = files.get_entry(fd).map_err(|_| ENOENT)?;
    let f = &e.file;
    let mut flags = f.flags();
    if e.cloexec {
        flags |= O_CLOEXEC;
    }
    // (F_GETFL's rule: files with an inode were opened with O_LARGEFILE, forced on 64-bit)
    if f.inode.is_some() {
        flags |= O_LARGEFILE;
    }
    let pos = *f.pos.lock();
    let ino = match &f.inode {
        Some(i) => i.ino,
        None => crate::fs::stat::anon_ino(f),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n",
        pos as i64,
        flags,
        crate::fs::proc_namespace::mnt_id_of(f),
        ino
    );
    f.ops.show_fdinfo(f, &mut s);
    Ok(s.into_bytes())
}

/// Linux: proc_fd_link(): opening the magic link opens the file itself.
pub(super) fn proc_fd_open(p: &ProcPid, fd: usize) -> KResult<Arc<dyn FileOps>> {
    let file = task_file(&*task_of(p)?, fd)?;
    Ok(file.ops.clone())
}

/// Linux: proc_fd_link(): the inode a magic link leads to when walked (None: a file without
/// an inode, a pipe or pidfd, which opens as the link's own node).
pub(super) fn proc_fd_get_link(p: &ProcPid, fd: usize) -> Option<KResult<Arc<Inode>>> {
    let f = match task_of(p).and_then(|t| task_file(&t, fd)) {
        Ok(f) => f,
        Err(e) => return Some(Err(e)),
    };
    f.inode.clone().map(Ok)
}

/// The target of the link of a file without a path.
pub(super) fn proc_fd_readlink(p: &ProcPid, fd: usize) -> KResult<String> {
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
fn proc_node_path(n: &ProcInode) -> String {
    match &n.node {
        ProcNode::Root => String::from("/proc"),
        ProcNode::Global(g) => format!("/proc/{}", GLOBALS.iter().find(|(_, x)| x == g).map_or("", |(s, _)| *s)),
        ProcNode::PidDir(p) => format!("/proc/{}", p),
        ProcNode::TidDir(p) => format!("/proc/{}/task/{}", task_of(p).map_or(p.nr(), |t| t.tgid()), p),
        ProcNode::PidFile(p, f) => {
            format!("/proc/{}/{}", p, base::PID_FILES.iter().find(|x| x.1 == *f).map_or("", |x| x.0))
        }
        ProcNode::FdDir(p) => format!("/proc/{}/fd", p),
        ProcNode::FdInfoDir(p) => format!("/proc/{}/fdinfo", p),
        ProcNode::TaskDir(p) => format!("/proc/{}/task", p),
        ProcNode::FdLink(p, fd) => format!("/proc/{}/fd/{}", p, fd),
        ProcNode::FdInfo(p, fd) => format!("/proc/{}/fdinfo/{}", p, fd),
        ProcNode::MapFilesDir(p) => format!("/proc/{}/map_files", p),
        ProcNode::MapFile(p, s, e) => format!("/proc/{}/map_files/{:x}-{:x}", p, s, e),
        ProcNode::SysDir(t) => super::proc_sysctl::path_of(*t),
        ProcNode::SysFile(t) => super::proc_sysctl::path_of(Some(t)),
        ProcNode::Ns(p, e) => format!("/proc/{}/{}", p, super::namespaces::entry_name(e)),
        ProcNode::Net(p, None) => format!("/proc/{}/net", p),
        ProcNode::Net(p, Some(f)) => format!("/proc/{}/net/{}", p, super::proc_net::net_file_name(*f)),
        ProcNode::Sysvipc(None) => String::from("/proc/sysvipc"),
        ProcNode::Sysvipc(Some(f)) => format!(
            "/proc/sysvipc/{}",
            crate::ipc::util::SYSVIPC_FILES.iter().find(|(_, x)| x == f).map_or("", |(s, _)| *s)
        ),
    }
}

/// Linux: the pipefs / sockfs / anon_inodefs dentry names: "pipe:[ino]", "socket:[ino]",
/// "anon_inode:[pidfd]".
fn anon_name(f: &File) -> String {
    match f.ops.name() {
        "pipe" => format!("pipe:[{}]", crate::fs::stat::anon_ino(f)),
        // (a socket's file is made with its sockfs name: net/socket.rs)
        "socket" if f.path.starts_with("socket:[") => f.path.clone(),
        _ if f.path.starts_with("anon_inode:") => f.path.clone(),
        n => format!("anon_inode:[{}]", n),
    }
}
