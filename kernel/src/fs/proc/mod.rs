//! /proc.  Linux: fs/proc/ (one file per concept, as here) and arch/riscv/kernel/cpu.c
//! (cpuinfo).
//!
//! The tree is not stored: every name is made on lookup from the pid table.  Directories
//! (the root, /proc/PID, /proc/PID/fd, /proc/PID/task) are `InodeKind::Proc` nodes with
//! S_IFDIR; files are `InodeKind::Proc` nodes whose text is generated when they are opened
//! and read from that snapshot at the file position (Linux's seq_file for small files:
//! single_open(), fs/seq_file.rs).  Links whose target is a path (/proc/self, exe, cwd, root,
//! an fd open on a path) are plain `InodeKind::Symlink`s, so that path walking follows them;
//! an fd link without a path ("pipe:[N]", "anon_inode:[pidfd]") is a `ProcNode::FdLink`,
//! which opens the same file.
//!
//! Inode numbers are stable (a function of pid and entry), as Linux's are while the task lives.
//!
//!   mod.rs          the node type and the operations the VFS calls (lookup, readdir, open,
//!                   readlink, parent), dispatched to the directory's file
//!   root.rs         the /proc root: its files, self, thread-self, the pid directories
//!   base.rs         /proc/PID and /proc/PID/task (cmdline, comm, environ, fail-nth, links)
//!   fd.rs           /proc/PID/fd
//!   array.rs        /proc/PID/stat, status, statm
//!   task_mmu.rs     /proc/PID/maps and the address-space numbers
//!   meminfo.rs, cpuinfo.rs, version.rs, uptime.rs, loadavg.rs, stat.rs, filesystems.rs

pub mod array;
pub mod base;
pub mod cpuinfo;
pub mod fd;
pub mod filesystems;
pub mod loadavg;
pub mod meminfo;
pub mod namespaces;
pub mod root;
pub mod stat;
pub mod sysvipc;
pub mod task_mmu;
pub mod uptime;
pub mod version;

use super::file_table::{File, FileOps};
use super::inode::*;
use super::seq_file::seq_read;
use crate::errno::*;
use crate::kernel::task::Task;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use base::PidFile;
use root::Global;

#[derive(Clone)]
pub enum ProcNode {
    Root,
    Global(Global),
    PidDir(i32),
    PidFile(i32, PidFile),
    FdDir(i32),
    /// /proc/PID/task: one directory per thread of the group (Linux: proc_task_lookup()).
    TaskDir(i32),
    /// /proc/PID/fd/N for a file without a path (pipe, pidfd).
    FdLink(i32, usize),
    /// /proc/PID/ns, its links, and the namespace files of /proc/PID (namespaces.rs).
    Ns(i32, namespaces::NsEntry),
    /// /proc/sysvipc (None) and its files (sysvipc.rs).
    Sysvipc(Option<crate::ipc::util::SysvipcFile>),
}

/// An inode with a chosen number (Inode::new numbers from the rootfs counter).
fn mk(ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
    Inode::new_with_ino(ino, mode, kind)
}

fn task_of(pid: i32) -> KResult<Task> {
    crate::kernel::pid::find_task_by_pid(pid).ok_or(ENOENT)
}

fn parse_num<T: core::str::FromStr>(s: &str) -> Option<T> {
    // Linux: name_to_int(): decimal digits only, no leading zero (except "0").
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// The directory holding a /proc directory node (path walking's "..", getdents' "..").
pub fn parent(n: &ProcNode) -> Option<Arc<Inode>> {
    match n {
        ProcNode::Root => Some(super::namespace::root()),
        ProcNode::Sysvipc(None) => root::proc_root(),
        ProcNode::PidDir(_) => root::proc_root(),
        ProcNode::FdDir(p) | ProcNode::TaskDir(p) | ProcNode::Ns(p, namespaces::NsEntry::Dir) => {
            task_of(*p).ok()?;
            Some(mk(base::pid_ino(*p, base::INO_DIR), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::PidDir(*p))))
        }
        _ => None,
    }
}

/// A generated file: the text made at open, read at the file position.
struct SeqFile {
    data: Vec<u8>,
    /// Linux: /proc root files (proc_reg_write without ->write) give EIO; /proc/PID files
    /// without a write op give EINVAL (vfs_write without FMODE_CAN_WRITE); comm is writable.
    node: ProcNode,
}

impl FileOps for SeqFile {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        seq_read(&self.data, f, buf)
    }
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        match &self.node {
            ProcNode::PidFile(pid, f) => base::pid_write(*pid, *f, buf),
            ProcNode::Ns(pid, e) => namespaces::ns_write(*pid, e, *f.pos.lock(), buf),
            ProcNode::Global(_) | ProcNode::Sysvipc(_) => Err(EIO),
            _ => Err(EINVAL),
        }
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "proc"
    }
}

/// Linux: proc_reg_open() and the directories' open: the file operations of an open node.
pub fn open(n: &ProcNode) -> KResult<Arc<dyn FileOps>> {
    match n {
        ProcNode::Root => Ok(Arc::new(super::libfs::DirOps)),
        ProcNode::PidDir(p) | ProcNode::FdDir(p) | ProcNode::TaskDir(p) => {
            task_of(*p)?;
            Ok(Arc::new(super::libfs::DirOps))
        }
        ProcNode::Global(g) => Ok(Arc::new(SeqFile { data: root::global_text(*g).into_bytes(), node: n.clone() })),
        ProcNode::PidFile(p, f) => {
            let t = task_of(*p)?;
            Ok(Arc::new(SeqFile { data: base::pid_text(&t, *f), node: n.clone() }))
        }
        ProcNode::FdLink(p, fd) => fd::proc_fd_open(*p, *fd),
        ProcNode::Ns(p, e) => match namespaces::ns_open(*p, e)? {
            Some(data) => Ok(Arc::new(SeqFile { data, node: n.clone() })),
            None => Ok(Arc::new(super::libfs::DirOps)),
        },
        ProcNode::Sysvipc(None) => Ok(Arc::new(super::libfs::DirOps)),
        ProcNode::Sysvipc(Some(f)) => Ok(Arc::new(SeqFile { data: sysvipc::sysvipc_text(*f), node: n.clone() })),
    }
}

/// The entries of a directory node: (name, inode number, DT_* type).
pub fn readdir(dir: &Inode, n: &ProcNode) -> Vec<(String, u64, u8)> {
    match n {
        ProcNode::Root => root::proc_root_readdir(&root::instance_of(dir)),
        ProcNode::Ns(p, namespaces::NsEntry::Dir) => namespaces::proc_ns_dir_readdir(*p),
        ProcNode::PidDir(p) => base::proc_tgid_base_readdir(*p),
        ProcNode::TaskDir(p) => base::proc_task_readdir(*p),
        ProcNode::FdDir(p) => fd::proc_readfd(*p),
        ProcNode::Sysvipc(None) => sysvipc::sysvipc_readdir(),
        _ => Vec::new(),
    }
}

/// A name inside a /proc directory node `dir` (ENOENT when absent, ENOTDIR for a file node).
pub fn lookup(dir: &Inode, n: &ProcNode, name: &str) -> KResult<Arc<Inode>> {
    match n {
        ProcNode::Root => root::proc_root_lookup(&root::instance_of(dir), name),
        ProcNode::Ns(p, namespaces::NsEntry::Dir) => namespaces::proc_ns_dir_lookup(*p, name),
        ProcNode::PidDir(p) => base::proc_tgid_base_lookup(*p, name),
        ProcNode::TaskDir(p) => base::proc_task_lookup(*p, name),
        ProcNode::FdDir(p) => fd::proc_lookupfd(*p, name),
        ProcNode::Sysvipc(None) => sysvipc::sysvipc_lookup(name),
        _ => Err(ENOTDIR),
    }
}

/// The target of a magic link without a path (Linux: proc_fd_link()).
pub fn readlink(n: &ProcNode) -> KResult<String> {
    match n {
        ProcNode::FdLink(p, fd) => fd::proc_fd_readlink(*p, *fd),
        ProcNode::Ns(p, e) => namespaces::ns_readlink(*p, e),
        _ => Err(EINVAL),
    }
}

/// Linux: ->get_link() of the magic links a walk follows to a file of no path: a namespace
/// link leads to the namespace's nsfs file (None: `ino` is no such link).
pub fn get_link(ino: &Inode) -> Option<KResult<Arc<Inode>>> {
    match &ino.kind {
        InodeKind::Proc(ProcNode::Ns(p, e)) => namespaces::ns_get_link(*p, e),
        _ => None,
    }
}
