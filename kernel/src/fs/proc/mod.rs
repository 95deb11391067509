//! /proc.  Linux: fs/proc/ (one file per concept, as here) and arch/riscv/kernel/cpu.c
//! (cpuinfo).
//!
//! The tree is not stored: every name is made on lookup from the pid table.  Directories
//! (the root, /proc/PID, /proc/PID/task/TID, fd, fdinfo, map_files, /proc/sys/...) are
//! `InodeKind::Proc` nodes with S_IFDIR; files are `InodeKind::Proc` nodes whose text is made
//! by the read that starts at position 0 (Linux's seq_file single_open(), fs/seq_file.rs), or
//! whose read and write go to a handler (/proc/sys).  Links whose target is a path
//! (/proc/self, exe, cwd, root, an fd open on a path) are plain `InodeKind::Symlink`s, so that
//! path walking follows them; an fd link without a path ("pipe:[N]", "anon_inode:[pidfd]") is
//! a `ProcNode::FdLink`, which opens the same file.
//!
//! Every /proc inode carries its instance's [`ProcFsInfo`] (Linux: proc_sb_info(inode->i_sb)):
//! its superblock, the pid namespace it shows (the mounter's: /proc/PID is named by the
//! process's number there), and the hidepid= and subset=pid options.  Lookups and directory
//! listings are handed it, so two procfs mounts can show the same tasks differently.
//! [`proc_fill_super`] makes a new instance's root (fs/fs_context.rs's get_tree); the boot
//! mounts one on /proc (fs/namespace.rs).
//!
//! A node of /proc/PID holds the task it was made for, as Linux's /proc inodes hold a struct
//! pid ([`ProcPid`], Linux: proc_pid(inode)), not just its number: once that task has been
//! reaped, everything reached through an old /proc/PID directory or file fails (ENOENT,
//! ESRCH), even after its number has been handed to a new process.
//!
//! Inode numbers are stable (a function of pid and entry), as Linux's are while the task lives.
//!
//!   mod.rs          the node type, the mount options, and the operations the VFS calls
//!                   (lookup, readdir, open, readlink, parent), dispatched to the directory's file
//!   root.rs         the /proc root: its files, self, thread-self, the pid directories
//!   base.rs         /proc/PID and /proc/PID/task/TID: their files and links, map_files
//!   fd.rs           /proc/PID/fd and /proc/PID/fdinfo
//!   array.rs        /proc/PID/stat, status, statm
//!   task_mmu.rs     /proc/PID/maps and the address-space numbers
//!   proc_sysctl.rs  /proc/sys (the tables are kernel/sysctl.rs)
//!   namespaces.rs   /proc/PID/ns and the user namespace's map files
//!   proc_net.rs     /proc/PID/net (and the /proc/net link): the network namespace's files
//!   sysvipc.rs      /proc/sysvipc (the texts are ipc/)
//!   meminfo.rs, cpuinfo.rs, version.rs, uptime.rs, loadavg.rs, stat.rs, filesystems.rs,
//!   cmdline.rs

pub mod array;
pub mod base;
pub mod cmdline;
pub mod cpuinfo;
pub mod fd;
pub mod filesystems;
pub mod loadavg;
pub mod meminfo;
pub mod namespaces;
pub mod proc_net;
pub mod proc_sysctl;
pub mod root;
pub mod stat;
pub mod sysvipc;
pub mod task_mmu;
pub mod uptime;
pub mod version;

use super::file_table::{File, FileOps};
use super::inode::*;
use super::seq_file::SeqText;
use crate::errno::*;
use crate::fs::super_block::SuperBlock;
use crate::kernel::pid_namespace::PidNamespace;
use crate::kernel::sysctl::CtlTable;
use crate::kernel::task::{Task, TaskStruct};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use base::PidFile;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use root::Global;

/// Linux: enum proc_hidepid (include/linux/proc_fs.h): who sees other users' /proc/PID.
pub const HIDEPID_OFF: u32 = 0;
/// Directories listed, their contents not accessible (EPERM).
pub const HIDEPID_NO_ACCESS: u32 = 1;
/// Directories neither listed nor found (ENOENT).
pub const HIDEPID_INVISIBLE: u32 = 2;
/// Only the processes the reader may ptrace.
pub const HIDEPID_NOT_PTRACEABLE: u32 = 4;

/// Linux: struct proc_fs_info — one procfs instance: its superblock, the pid namespace whose
/// processes it shows (the mounter's), and its options.  Changing them (a remount) takes
/// effect at once for every inode of the instance.
pub struct ProcFsInfo {
    /// The instance's superblock (st_dev, read-only state); every inode made here is on it.
    pub sb: Arc<SuperBlock>,
    /// Linux: pid_ns — the /proc/PID directories are its processes, by their numbers there.
    pub pid_ns: Arc<PidNamespace>,
    /// hidepid=
    pub hide_pid: AtomicU32,
    /// gid= (the group exempt from hidepid)
    pub pid_gid: AtomicU32,
    /// subset=pid: only the pid directories, self and thread-self
    pub pidonly: AtomicBool,
}

impl ProcFsInfo {
    /// A new instance on `sb` showing `pid_ns`, with no options (fs/fs_context.rs).
    pub fn new(sb: Arc<SuperBlock>, pid_ns: Arc<PidNamespace>) -> Arc<ProcFsInfo> {
        Arc::new(ProcFsInfo {
            sb,
            pid_ns,
            hide_pid: AtomicU32::new(HIDEPID_OFF),
            pid_gid: AtomicU32::new(0),
            pidonly: AtomicBool::new(false),
        })
    }
    pub fn hide_pid(&self) -> u32 {
        self.hide_pid.load(Ordering::Relaxed)
    }
    pub fn pidonly(&self) -> bool {
        self.pidonly.load(Ordering::Relaxed)
    }

    /// Linux: proc_apply_options(): the options a mount or remount gave (None: unchanged).
    pub fn apply(&self, hidepid: Option<u32>, pidonly: Option<bool>, gid: Option<u32>) {
        if let Some(h) = hidepid {
            self.hide_pid.store(h, Ordering::Relaxed);
        }
        if let Some(g) = gid {
            self.pid_gid.store(g, Ordering::Relaxed);
        }
        if let Some(p) = pidonly {
            self.pidonly.store(p, Ordering::Relaxed);
        }
    }
}

/// Linux: proc_parse_hidepid_param(): a number (0, 1, 2, 4, as kstrtouint with base 0 reads
/// it) or a name; EINVAL for anything else.
pub fn parse_hidepid(val: &str) -> KResult<u32> {
    let h = match val {
        "off" => HIDEPID_OFF,
        "noaccess" => HIDEPID_NO_ACCESS,
        "invisible" => HIDEPID_INVISIBLE,
        "ptraceable" => HIDEPID_NOT_PTRACEABLE,
        _ => crate::fs::fs_context::parse_uint(val, 0).ok_or(EINVAL)?,
    };
    match h {
        HIDEPID_OFF | HIDEPID_NO_ACCESS | HIDEPID_INVISIBLE | HIDEPID_NOT_PTRACEABLE => Ok(h),
        _ => Err(EINVAL),
    }
}

/// Linux: proc_fill_super(): the root directory of a new procfs instance (mount(2), fsmount(2):
/// fs/fs_context.rs).
pub fn proc_fill_super(fs: Arc<ProcFsInfo>) -> Arc<Inode> {
    root::proc_root_inode(fs)
}

/// What an `InodeKind::Proc` inode is: its mount and its node.
#[derive(Clone)]
pub struct ProcInode {
    pub fs: Arc<ProcFsInfo>,
    pub node: ProcNode,
}

/// Linux: proc_pid(inode) — the task a /proc/PID node stands for: its number in the initial
/// pid namespace (the kernel's own name for it, which inode numbers and paths are made of)
/// and the task itself, held weakly as Linux's inode holds the struct pid and not the task:
/// [`ProcPid::task`] (Linux: pid_task(proc_pid(inode), PIDTYPE_PID)) finds it only while
/// that very task is still the one attached to the number.
#[derive(Clone)]
pub struct ProcPid {
    nr: i32,
    task: Weak<TaskStruct>,
}

impl ProcPid {
    /// Linux: get_task_pid(task, PIDTYPE_PID), as proc_pid_make_inode() takes it.
    pub fn new(t: &Task) -> ProcPid {
        ProcPid { nr: t.pid(), task: Arc::downgrade(t) }
    }
    /// The number in the initial pid namespace.
    pub fn nr(&self) -> i32 {
        self.nr
    }
    /// Linux: pid_task(proc_pid(inode), PIDTYPE_PID): the task, while it has not been
    /// released (ENOENT after; a new task with the same number is not it).
    pub fn task(&self) -> KResult<Task> {
        crate::kernel::pid::find_task_by_pid(self.nr)
            .filter(|t| core::ptr::eq(Arc::as_ptr(t), self.task.as_ptr()))
            .ok_or(ENOENT)
    }
}

impl core::fmt::Display for ProcPid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.nr)
    }
}

#[derive(Clone)]
pub enum ProcNode {
    Root,
    Global(Global),
    /// /proc/PID: a thread group (Linux: proc_tgid_base_operations).
    PidDir(ProcPid),
    /// /proc/PID/task/TID: one thread (Linux: proc_tid_base_operations): no task/ inside.
    TidDir(ProcPid),
    /// A file of a PidDir or TidDir (the pid is the task's own: a tgid or a tid).
    PidFile(ProcPid, PidFile),
    FdDir(ProcPid),
    FdInfoDir(ProcPid),
    /// /proc/PID/task: one directory per thread of the group (Linux: proc_task_lookup()).
    TaskDir(ProcPid),
    /// /proc/PID/fd/N for a file without a path (pipe, pidfd).
    FdLink(ProcPid, usize),
    /// /proc/PID/fdinfo/N
    FdInfo(ProcPid, usize),
    /// /proc/PID/map_files and its links, named start-end (Linux: proc_map_files_*).
    MapFilesDir(ProcPid),
    MapFile(ProcPid, usize, usize),
    /// /proc/sys and its directories (None: /proc/sys itself), and its files.
    SysDir(Option<&'static CtlTable>),
    SysFile(&'static CtlTable),
    /// /proc/PID/ns, its links, and the namespace files of /proc/PID (namespaces.rs).
    Ns(ProcPid, namespaces::NsEntry),
    /// /proc/PID/net (None) and its files (proc_net.rs).
    Net(ProcPid, Option<proc_net::NetFile>),
    /// /proc/sysvipc (None) and its files (sysvipc.rs).
    Sysvipc(Option<crate::ipc::util::SysvipcFile>),
}

/// Inode-number spaces of the /proc nodes that are not per-pid entries (those are
/// base::pid_ino, below 2^32): each kind gets its own range above 2^48, so that numbers made
/// from a pid, an fd or an address never collide across kinds.
pub(super) const INO_SPACE_FD: u64 = 1 << 48;
pub(super) const INO_SPACE_FDINFO: u64 = 2 << 48;
pub(super) const INO_SPACE_MAP_FILES: u64 = 3 << 48;
pub(super) const INO_SPACE_SYSCTL: u64 = 4 << 48;

/// An inode with a chosen number (Inode::new numbers from the rootfs counter); one of a
/// /proc/PID directory is owned as Linux's proc_pid_make_inode() owns it (task_dump_owner()).
fn mk(fs: &Arc<ProcFsInfo>, ino: u64, mode: u32, node: ProcNode) -> Arc<Inode> {
    let owner = node_pid(&node).and_then(|p| task_of(p).ok()).map(|t| base::task_dump_owner(&t, mode));
    let i = Inode::new_in(&fs.sb, ino, mode, InodeKind::Proc(ProcInode { fs: fs.clone(), node }));
    // Linux: proc_get_inode() gives every entry that is not a process's the proc_dir_entry's
    // owner, root (GLOBAL_ROOT_UID/GID), not whoever looked it up.
    let (uid, gid) = owner.unwrap_or((0, 0));
    set_owner(&i, uid, gid);
    i
}

/// A symlink inside /proc (self, cwd, exe, an fd open by path): root's, as mk().
fn mk_link(fs: &Arc<ProcFsInfo>, ino: u64, mode: u32, target: String) -> Arc<Inode> {
    let i = Inode::new_in(&fs.sb, ino, mode, InodeKind::Symlink(target.into()));
    set_owner(&i, 0, 0);
    i
}

/// A symlink of /proc/PID (cwd, root, exe, fd/N by path): owned as the task's other entries.
fn mk_pid_link(
    fs: &Arc<ProcFsInfo>,
    t: &crate::kernel::task::TaskStruct,
    ino: u64,
    mode: u32,
    target: String,
) -> Arc<Inode> {
    let i = mk_link(fs, ino, mode, target);
    let (uid, gid) = base::task_dump_owner(t, mode);
    set_owner(&i, uid, gid);
    i
}

fn set_owner(i: &Inode, uid: u32, gid: u32) {
    i.uid.store(uid, core::sync::atomic::Ordering::Relaxed);
    i.gid.store(gid, core::sync::atomic::Ordering::Relaxed);
}

/// The task whose /proc/PID entry a node is (None for /proc itself, its global files, /proc/sys).
fn node_pid(n: &ProcNode) -> Option<&ProcPid> {
    match n {
        ProcNode::PidDir(p)
        | ProcNode::TidDir(p)
        | ProcNode::PidFile(p, _)
        | ProcNode::FdDir(p)
        | ProcNode::FdInfoDir(p)
        | ProcNode::TaskDir(p)
        | ProcNode::FdLink(p, _)
        | ProcNode::FdInfo(p, _)
        | ProcNode::MapFilesDir(p)
        | ProcNode::MapFile(p, _, _)
        | ProcNode::Ns(p, _)
        | ProcNode::Net(p, _) => Some(p),
        _ => None,
    }
}

/// Linux: the /proc inodes' own ->permission, where it grants more than generic_permission():
/// a process may always search its own fd directory (proc_fd_permission()).
pub fn permission_override(n: &ProcInode) -> bool {
    match &n.node {
        ProcNode::FdDir(p) | ProcNode::FdInfoDir(p) => {
            task_of(p).is_ok_and(|t| t.tgid() == crate::kernel::task::with_current(|c| c.tgid()))
        }
        _ => false,
    }
}

/// Linux: proc_pid_permission()'s first step, for /proc/PID, task/ and task/TID: ESRCH once
/// the process the directory was made for is gone (the hidepid= rules are in the lookups).
pub fn proc_pid_permission(n: &ProcInode) -> KResult<()> {
    match &n.node {
        ProcNode::PidDir(p) | ProcNode::TidDir(p) | ProcNode::TaskDir(p) => task_of(p).map(drop).map_err(|_| ESRCH),
        _ => Ok(()),
    }
}

/// Linux: the ->iterate_shared of the per-process directories, before anything is listed
/// (even "." and ".."): ENOENT once the task they were made for is gone
/// (proc_pident_readdir, proc_task_readdir, proc_readfd_common, proc_map_files_readdir,
/// proc_ns_dir_readdir), EINVAL for net/ (proc_tgid_net_readdir finds no net).
pub fn readdir_check(n: &ProcInode) -> KResult<()> {
    match &n.node {
        ProcNode::Net(p, None) => task_of(p).map(drop).map_err(|_| EINVAL),
        ProcNode::PidDir(p)
        | ProcNode::TidDir(p)
        | ProcNode::TaskDir(p)
        | ProcNode::FdDir(p)
        | ProcNode::FdInfoDir(p)
        | ProcNode::MapFilesDir(p)
        | ProcNode::Ns(p, namespaces::NsEntry::Dir) => task_of(p).map(drop).map_err(|_| ENOENT),
        _ => Ok(()),
    }
}

fn task_of(p: &ProcPid) -> KResult<Task> {
    p.task()
}

fn parse_num<T: core::str::FromStr>(s: &str) -> Option<T> {
    // Linux: name_to_int(): decimal digits only, no leading zero (except "0").
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Linux: tgid_pidfd_to_pid(): the process of an open /proc/PID directory (pidfd_send_signal
/// takes one as a pidfd); ESRCH once that process has been reaped (None: not such a
/// directory).
pub fn proc_pid_dir_task(i: &Inode) -> Option<KResult<Task>> {
    match &i.kind {
        InodeKind::Proc(ProcInode { node: ProcNode::PidDir(p), .. }) => Some(task_of(p).map_err(|_| ESRCH)),
        _ => None,
    }
}

/// The directory holding a /proc directory node (path walking's "..", getdents' "..").
pub fn parent(n: &ProcInode) -> Option<Arc<Inode>> {
    let fs = &n.fs;
    match &n.node {
        // (the root of an instance: a walk leaves it through its mount, fs/namespace.rs)
        ProcNode::Root => None,
        ProcNode::PidDir(_) | ProcNode::SysDir(None) | ProcNode::Sysvipc(None) => {
            Some(root::proc_root_inode(fs.clone()))
        }
        ProcNode::FdDir(p)
        | ProcNode::FdInfoDir(p)
        | ProcNode::TaskDir(p)
        | ProcNode::MapFilesDir(p)
        | ProcNode::Ns(p, namespaces::NsEntry::Dir)
        | ProcNode::Net(p, None)
        | ProcNode::TidDir(p) => base::pid_dir_of(fs, p, matches!(n.node, ProcNode::TidDir(_))),
        ProcNode::SysDir(Some(t)) => proc_sysctl::parent_dir(fs, t),
        _ => None,
    }
}

/// Linux: the name of a /proc directory in its parent (getcwd, the links' paths): a process's
/// or a thread's by its number in the instance's pid namespace.
pub fn dir_name(n: &ProcInode) -> Vec<u8> {
    let nr = |p: &ProcPid, tid: bool| {
        task_of(p).map_or(p.nr(), |t| {
            if tid {
                crate::kernel::pid::task_pid_nr_ns(&t, &n.fs.pid_ns)
            } else {
                crate::kernel::pid::task_tgid_nr_ns(&t, &n.fs.pid_ns)
            }
        })
    };
    match &n.node {
        ProcNode::PidDir(p) => alloc::format!("{}", nr(p, false)).into_bytes(),
        ProcNode::TidDir(p) => alloc::format!("{}", nr(p, true)).into_bytes(),
        ProcNode::FdDir(_) => b"fd".to_vec(),
        ProcNode::FdInfoDir(_) => b"fdinfo".to_vec(),
        ProcNode::TaskDir(_) => b"task".to_vec(),
        ProcNode::MapFilesDir(_) => b"map_files".to_vec(),
        ProcNode::SysDir(None) => b"sys".to_vec(),
        ProcNode::SysDir(Some(t)) => t.procname.as_bytes().to_vec(),
        ProcNode::Ns(_, namespaces::NsEntry::Dir) => b"ns".to_vec(),
        ProcNode::Net(_, None) => b"net".to_vec(),
        ProcNode::Sysvipc(None) => b"sysvipc".to_vec(),
        _ => Vec::new(),
    }
}

/// A generated file: the text made by the read from position 0 (see fs/seq_file.rs).
struct SeqFile {
    text: SeqText,
    node: ProcNode,
}

impl FileOps for SeqFile {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        self.text.read(f, buf, || match &self.node {
            // Linux: pde_read() without ->proc_read: EIO
            ProcNode::Global(Global::SysrqTrigger) => Err(EIO),
            ProcNode::Global(g) => Ok(root::global_text(*g).into_bytes()),
            ProcNode::PidFile(p, pf) => base::pid_text(p, *pf),
            ProcNode::FdInfo(p, fd) => fd::proc_fdinfo_text(p, *fd),
            ProcNode::Ns(p, e) => namespaces::ns_text(p, e),
            ProcNode::Sysvipc(Some(f)) => Ok(sysvipc::sysvipc_text(*f)),
            _ => Err(EINVAL),
        })
    }
    /// Linux: /proc root files (proc_reg_write without ->write) give EIO; /proc/PID files
    /// without a write op give EINVAL (vfs_write without FMODE_CAN_WRITE); some are writable.
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        match &self.node {
            ProcNode::PidFile(pid, pf) => base::pid_write(pid, *pf, buf),
            ProcNode::Ns(pid, e) => namespaces::ns_write(pid, e, *f.pos.lock(), buf),
            // Linux: write_sysrq_trigger(): the first byte is the key, run at once without
            // the sysrq_enabled check; the whole write is taken.
            ProcNode::Global(Global::SysrqTrigger) => {
                if let Some(&key) = buf.first() {
                    crate::drivers::sysrq::__handle_sysrq(key, false);
                }
                Ok(buf.len())
            }
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
pub fn open(n: &ProcInode, flags: u32) -> KResult<Arc<dyn FileOps>> {
    match &n.node {
        ProcNode::Root | ProcNode::SysDir(_) => Ok(Arc::new(super::libfs::DirOps)),
        ProcNode::PidDir(p)
        | ProcNode::TidDir(p)
        | ProcNode::FdDir(p)
        | ProcNode::FdInfoDir(p)
        | ProcNode::TaskDir(p)
        | ProcNode::MapFilesDir(p) => {
            task_of(p)?;
            Ok(Arc::new(super::libfs::DirOps))
        }
        ProcNode::Global(_) => Ok(Arc::new(SeqFile { text: SeqText::new(), node: n.node.clone() })),
        ProcNode::PidFile(p, PidFile::Mem) => base::mem_open(p),
        ProcNode::PidFile(p, f) => {
            base::pid_file_open(p, *f)?;
            Ok(Arc::new(SeqFile { text: SeqText::new(), node: n.node.clone() }))
        }
        ProcNode::FdInfo(p, fd) => {
            fd::task_file(&*task_of(p)?, *fd)?;
            Ok(Arc::new(SeqFile { text: SeqText::new(), node: n.node.clone() }))
        }
        ProcNode::FdLink(p, fd) => fd::proc_fd_open(p, *fd),
        ProcNode::MapFile(..) => Err(ENXIO),
        ProcNode::SysFile(t) => proc_sysctl::proc_sys_open(t, flags),
        ProcNode::Ns(p, namespaces::NsEntry::Dir | namespaces::NsEntry::Link(_)) => {
            task_of(p)?;
            Ok(Arc::new(super::libfs::DirOps))
        }
        ProcNode::Ns(p, _) => {
            task_of(p)?;
            Ok(Arc::new(SeqFile { text: SeqText::new(), node: n.node.clone() }))
        }
        ProcNode::Net(p, None) => {
            task_of(p)?;
            Ok(Arc::new(super::libfs::DirOps))
        }
        ProcNode::Net(p, Some(f)) => proc_net::proc_net_open(p, *f),
        ProcNode::Sysvipc(None) => Ok(Arc::new(super::libfs::DirOps)),
        ProcNode::Sysvipc(Some(_)) => Ok(Arc::new(SeqFile { text: SeqText::new(), node: n.node.clone() })),
    }
}

/// The entries of a directory node: (name, inode number, DT_* type).
pub fn readdir(n: &ProcInode) -> Vec<(String, u64, u8)> {
    let fs = &n.fs;
    match &n.node {
        ProcNode::Root => root::proc_root_readdir(fs),
        ProcNode::PidDir(p) => base::proc_pid_dir_readdir(p, false),
        ProcNode::TidDir(p) => base::proc_pid_dir_readdir(p, true),
        ProcNode::TaskDir(p) => base::proc_task_readdir(fs, p),
        ProcNode::FdDir(p) => fd::proc_readfd(p, false),
        ProcNode::FdInfoDir(p) => fd::proc_readfd(p, true),
        ProcNode::MapFilesDir(p) => base::proc_map_files_readdir(p),
        ProcNode::SysDir(t) => proc_sysctl::proc_sys_readdir(*t),
        ProcNode::Ns(p, namespaces::NsEntry::Dir) => namespaces::proc_ns_dir_readdir(p),
        ProcNode::Net(p, None) => proc_net::proc_tgid_net_readdir(p),
        ProcNode::Sysvipc(None) => sysvipc::sysvipc_readdir(),
        _ => Vec::new(),
    }
}

/// A name inside a /proc directory node (ENOENT when absent, ENOTDIR for a file node).
pub fn lookup(n: &ProcInode, name: &str) -> KResult<Arc<Inode>> {
    let fs = &n.fs;
    match &n.node {
        ProcNode::Root => root::proc_root_lookup(fs, name),
        ProcNode::PidDir(p) => base::proc_pid_dir_lookup(fs, p, false, name),
        ProcNode::TidDir(p) => base::proc_pid_dir_lookup(fs, p, true, name),
        ProcNode::TaskDir(p) => base::proc_task_lookup(fs, p, name),
        ProcNode::FdDir(p) => fd::proc_lookupfd(fs, p, name),
        ProcNode::FdInfoDir(p) => fd::proc_lookupfdinfo(fs, p, name),
        ProcNode::MapFilesDir(p) => base::proc_map_files_lookup(fs, p, name),
        ProcNode::SysDir(t) => proc_sysctl::proc_sys_lookup(fs, *t, name),
        ProcNode::Ns(p, namespaces::NsEntry::Dir) => namespaces::proc_ns_dir_lookup(fs, p, name),
        ProcNode::Net(p, None) => proc_net::proc_tgid_net_lookup(fs, p, name),
        ProcNode::Sysvipc(None) => sysvipc::sysvipc_lookup(fs, name),
        _ => Err(ENOTDIR),
    }
}

/// Where walking a magic link leads (Linux: proc_get_link): an fd link to its file's inode, a
/// namespace link to the namespace's nsfs file; None for a node that is not one, or an fd
/// link to a file without an inode.
pub fn get_link(n: &ProcInode) -> Option<KResult<Arc<Inode>>> {
    match &n.node {
        ProcNode::FdLink(p, fd) => fd::proc_fd_get_link(p, *fd),
        ProcNode::Ns(p, e) => namespaces::ns_get_link(p, e),
        _ => None,
    }
}

/// The target of a magic link without a path (Linux: proc_fd_link(), map_files' get_link).
pub fn readlink(n: &ProcInode) -> KResult<String> {
    match &n.node {
        ProcNode::FdLink(p, fd) => fd::proc_fd_readlink(p, *fd),
        ProcNode::MapFile(p, s, e) => base::proc_map_files_readlink(p, *s, *e),
        ProcNode::Ns(p, e) => namespaces::ns_readlink(p, e),
        _ => Err(EINVAL),
    }
}
