//! /proc/PID, /proc/PID/task and /proc/PID/task/TID: the per-process and per-thread
//! directories, their small files and links, and map_files.  Linux: fs/proc/base.c
//! (tgid_base_stuff / tid_base_stuff, proc_pid_permission, has_pid_permissions,
//! proc_pid_cmdline_read, environ_read, comm_show/comm_write, proc_pid_limits,
//! proc_pid_syscall, proc_pid_wchan, mem_open/mem_rw/mem_lseek, proc_oom_score,
//! oom_adj/oom_score_adj, proc_cwd_link, proc_root_link, proc_exe_link, proc_map_files_*,
//! proc_fail_nth_*), fs/proc/array.c (children).  stat, status and statm are array.rs, maps
//! task_mmu.rs, fd/ and fdinfo/ fd.rs, mounts and mountinfo fs/proc_namespace.rs.

use super::ProcPid;
use super::{array, mk, mk_link, mk_pid_link, parse_num, task_mmu, task_of, ProcFsInfo, ProcNode};
use super::{HIDEPID_INVISIBLE, HIDEPID_NOT_PTRACEABLE, HIDEPID_NO_ACCESS};
use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use crate::fs::inode::*;
use crate::fs::readdir::{DT_DIR, DT_LNK, DT_REG};
use crate::kernel::cred::{task_cred, GLOBAL_ROOT_UID};
use crate::kernel::fork::mm_access;
use crate::kernel::ptrace::{ptrace_may_access, PTRACE_MODE_ATTACH_FSCREDS, PTRACE_MODE_READ_FSCREDS};
use crate::kernel::signal::{RLIM_INFINITY, RLIM_NLIMITS};
use crate::kernel::task::*;
use crate::mm::mm_types::{Backing, MmStruct, SUID_DUMP_USER};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{SEEK_CUR, SEEK_SET};

/// Files of /proc/PID and /proc/PID/task/TID.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PidFile {
    Children,
    Cmdline,
    Comm,
    Environ,
    /// Linux: /proc/PID/fail-nth (CONFIG_FAULT_INJECTION): the Nth next page allocation of
    /// this task fails.
    FailNth,
    Limits,
    Maps,
    /// Linux: /proc/PID/mem (proc_mem_operations): the address space itself, by address.
    Mem,
    Mountinfo,
    Mounts,
    OomAdj,
    OomScore,
    OomScoreAdj,
    Stat,
    Statm,
    Status,
    Syscall,
    Wchan,
}

/// Where a file appears: in the thread group's directory, a thread's, or both.
const TGID: u8 = 1;
const TID: u8 = 2;

/// The files, in Linux's tgid_base_stuff / tid_base_stuff order: (name, file, mode, where).
pub(super) const PID_FILES: [(&str, PidFile, u32, u8); 18] = [
    ("environ", PidFile::Environ, 0o400, TGID | TID),
    ("status", PidFile::Status, 0o444, TGID | TID),
    ("limits", PidFile::Limits, 0o444, TGID | TID),
    ("comm", PidFile::Comm, 0o644, TGID | TID),
    ("syscall", PidFile::Syscall, 0o400, TGID | TID),
    ("cmdline", PidFile::Cmdline, 0o444, TGID | TID),
    ("stat", PidFile::Stat, 0o444, TGID | TID),
    ("statm", PidFile::Statm, 0o444, TGID | TID),
    ("maps", PidFile::Maps, 0o444, TGID | TID),
    ("mem", PidFile::Mem, 0o600, TGID | TID),
    ("children", PidFile::Children, 0o444, TID),
    ("mounts", PidFile::Mounts, 0o444, TGID | TID),
    ("mountinfo", PidFile::Mountinfo, 0o444, TGID | TID),
    ("wchan", PidFile::Wchan, 0o444, TGID | TID),
    ("oom_score", PidFile::OomScore, 0o444, TGID | TID),
    ("oom_adj", PidFile::OomAdj, 0o644, TGID | TID),
    ("oom_score_adj", PidFile::OomScoreAdj, 0o644, TGID | TID),
    ("fail-nth", PidFile::FailNth, 0o644, TGID | TID),
];

/// Links of /proc/PID (Linux: proc_cwd_link, proc_root_link, proc_exe_link).
const PID_LINKS: [&str; 3] = ["cwd", "root", "exe"];

/// Subdirectories: (name, mode, where).
const PID_DIRS: [(&str, u32, u8); 5] = [
    ("task", 0o555, TGID),
    ("fd", 0o500, TGID | TID),
    ("map_files", 0o500, TGID),
    ("fdinfo", 0o555, TGID | TID),
    ("net", 0o555, TGID | TID),
];

// Inode numbers of /proc/PID's entries: pid_ino(pid, INO_*), then INO_DIRS + the index in
// PID_DIRS, INO_FILES + the index in PID_FILES and INO_LINKS + the index in PID_LINKS.  A
// thread directory (task/TID) has its own numbers: INO_TID + the same offsets.
pub(super) const INO_DIR: u64 = 0;
const INO_DIRS: u64 = 0x08;
const INO_FILES: u64 = 0x20;
const INO_LINKS: u64 = 0x50;
const INO_TID: u64 = 0x80;

/// Linux: TASK_COMM_LEN, the size of task->comm with its NUL.
const TASK_COMM_LEN: usize = 16;

pub(super) fn pid_ino(pid: i32, idx: u64) -> u64 {
    0x8000_0000 + ((pid as u64) << 8) + idx
}

/// Linux: has_pid_permissions(): whether this mount lets the caller see `task`, given the
/// least hidepid level that would hide it (hidepid=ptraceable always asks ptrace).
pub(super) fn has_pid_permissions(fs: &ProcFsInfo, task: &TaskStruct, hide_pid_min: u32) -> bool {
    let hide = fs.hide_pid();
    if hide == HIDEPID_NOT_PTRACEABLE {
        return ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS);
    }
    if hide < hide_pid_min {
        return true;
    }
    // Linux: in_group_p(fs_info->pid_gid): members of the mount's gid= group see everything.
    if crate::kernel::groups::in_group_p(fs.pid_gid.load(Ordering::Relaxed)) {
        return true;
    }
    ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS)
}

/// Linux: proc_pid_permission(): entering /proc/PID under hidepid=1 (EPERM) or =2 (ENOENT).
fn proc_pid_permission(fs: &ProcFsInfo, task: &TaskStruct) -> KResult<()> {
    if has_pid_permissions(fs, task, HIDEPID_NO_ACCESS) {
        return Ok(());
    }
    Err(if fs.hide_pid() == HIDEPID_INVISIBLE { ENOENT } else { EPERM })
}

/// The directory a /proc/PID subdirectory, /proc/PID/task or a task/TID directory is in.
pub(super) fn pid_dir_of(fs: &Arc<ProcFsInfo>, p: &ProcPid, tid_dir: bool) -> Option<Arc<Inode>> {
    let t = task_of(p).ok()?;
    if tid_dir {
        // task/TID is in the group's task/
        let g = crate::kernel::pid::find_task_by_pid(t.tgid())?;
        return Some(mk(fs, pid_ino(g.pid(), INO_DIRS), S_IFDIR | 0o555, ProcNode::TaskDir(ProcPid::new(&g))));
    }
    Some(mk(fs, pid_ino(p.nr(), INO_DIR), S_IFDIR | 0o555, ProcNode::PidDir(p.clone())))
}

fn here(tid: bool) -> u8 {
    if tid {
        TID
    } else {
        TGID
    }
}

fn ino_base(tid: bool) -> u64 {
    if tid {
        INO_TID
    } else {
        0
    }
}

/// Linux: proc_tgid_base_readdir() / proc_tid_base_readdir(): the subdirectories, the
/// files, the links.
pub(super) fn proc_pid_dir_readdir(p: &ProcPid, tid: bool) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if task_of(p).is_err() {
        return v;
    }
    let b = ino_base(tid);
    for (i, (name, _, w)) in PID_DIRS.iter().enumerate() {
        if w & here(tid) != 0 {
            v.push((String::from(*name), pid_ino(p.nr(), b + INO_DIRS + i as u64), DT_DIR));
        }
    }
    for (i, (name, _, _, w)) in PID_FILES.iter().enumerate() {
        if w & here(tid) != 0 {
            v.push((String::from(*name), pid_ino(p.nr(), b + INO_FILES + i as u64), DT_REG));
        }
    }
    for (i, name) in PID_LINKS.iter().enumerate() {
        v.push((String::from(*name), pid_ino(p.nr(), b + INO_LINKS + i as u64), DT_LNK));
    }
    v.extend(super::namespaces::pid_entries(p, b));
    v
}

/// Linux: proc_tgid_base_lookup() / proc_tid_base_lookup().
pub(super) fn proc_pid_dir_lookup(fs: &Arc<ProcFsInfo>, p: &ProcPid, tid: bool, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    proc_pid_permission(fs, &t)?;
    let b = ino_base(tid);
    if let Some(i) = PID_DIRS.iter().position(|(d, _, w)| *d == name && w & here(tid) != 0) {
        let node = match name {
            "task" => ProcNode::TaskDir(p.clone()),
            "fd" => ProcNode::FdDir(p.clone()),
            "fdinfo" => ProcNode::FdInfoDir(p.clone()),
            "net" => ProcNode::Net(p.clone(), None),
            _ => ProcNode::MapFilesDir(p.clone()),
        };
        return Ok(mk(fs, pid_ino(p.nr(), b + INO_DIRS + i as u64), S_IFDIR | PID_DIRS[i].1, node));
    }
    if let Some(i) = PID_FILES.iter().position(|(f, _, _, w)| *f == name && w & here(tid) != 0) {
        let (_, f, mode, _) = PID_FILES[i];
        return Ok(mk(fs, pid_ino(p.nr(), b + INO_FILES + i as u64), S_IFREG | mode, ProcNode::PidFile(p.clone(), f)));
    }
    if let Some(i) = PID_LINKS.iter().position(|l| *l == name) {
        // Linux: proc_fd_access_allowed(): following or reading the link needs
        // ptrace_may_access(PTRACE_MODE_READ_FSCREDS): EACCES.  (Linux still lets lstat see
        // the link; here the name itself is refused.)
        if !ptrace_may_access(&t, PTRACE_MODE_READ_FSCREDS) {
            return Err(EACCES);
        }
        let target = match name {
            "cwd" => fs_path(&t, false),
            "root" => fs_path(&t, true),
            _ => exe_path(&t),
        }
        .ok_or(ENOENT)?;
        return Ok(mk_pid_link(fs, &t, pid_ino(p.nr(), b + INO_LINKS + i as u64), S_IFLNK | 0o777, target));
    }
    super::namespaces::pid_entry_lookup(fs, p, b, name)
}

/// Linux: proc_task_readdir(): a directory per thread of the group.
pub(super) fn proc_task_readdir(fs: &ProcFsInfo, p: &ProcPid) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if let Ok(t) = task_of(p) {
        for x in threads_of(&t) {
            let nr = crate::kernel::pid::task_pid_nr_ns(&x, &fs.pid_ns);
            v.push((format!("{}", nr), pid_ino(x.pid(), INO_TID + INO_DIR), DT_DIR));
        }
    }
    v
}

/// Linux: proc_task_lookup(): task/TID, a thread directory (which has no task/ inside).
pub(super) fn proc_task_lookup(fs: &Arc<ProcFsInfo>, p: &ProcPid, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    let tid: i32 = parse_num(name).ok_or(ENOENT)?;
    let x =
        threads_of(&t).into_iter().find(|x| crate::kernel::pid::task_pid_nr_ns(x, &fs.pid_ns) == tid).ok_or(ENOENT)?;
    Ok(mk(fs, pid_ino(x.pid(), INO_TID + INO_DIR), S_IFDIR | 0o555, ProcNode::TidDir(ProcPid::new(&x))))
}

/// The threads of t's group, in tid order.
pub(super) fn threads_of(t: &TaskStruct) -> Vec<Task> {
    let tgid = t.tgid();
    crate::kernel::pid::all_tasks().into_iter().filter(|x| x.tgid() == tgid).collect()
}

/// Linux: proc_cwd_link() / proc_root_link().
fn fs_path(t: &TaskStruct, root: bool) -> Option<String> {
    let fs = t.fs.lock().clone()?;
    let i = fs.inner.lock().clone();
    Some(if root { i.root.dir_path() } else { i.cwd.dir_path() })
}

/// Linux: proc_exe_link(): mm->exe_file's path.
fn exe_path(t: &TaskStruct) -> Option<String> {
    let mm = t.mm.lock().clone()?;
    let ino = mm.exe.lock().clone()?;
    crate::fs::d_path::inode_path(&ino)
}

/// Checks made when a /proc/PID file is opened (Linux: the files' open ops): environ
/// (environ_open) and maps (proc_maps_open) go through proc_mem_open() -> mm_access():
/// another process's mm needs ptrace_may_access(PTRACE_MODE_READ_FSCREDS), else EACCES (a
/// task without an mm has nothing to refuse).
pub(super) fn pid_file_open(p: &ProcPid, f: PidFile) -> KResult<()> {
    let t = task_of(p)?;
    if !matches!(f, PidFile::Environ | PidFile::Maps) {
        return Ok(());
    }
    let Some(mm) = t.mm.lock().clone() else { return Ok(()) };
    let mine = current().mm.lock().as_ref().is_some_and(|m| Arc::ptr_eq(m, &mm));
    if !mine && !ptrace_may_access(&t, PTRACE_MODE_READ_FSCREDS) {
        return Err(EACCES);
    }
    Ok(())
}

/// Linux: proc_mem_operations — an open /proc/PID/mem: the address space taken at open, held
/// as Linux's mmgrab() holds it (the struct, not its memory: a Weak), so that the file keeps
/// reading the mm it was opened on, and reads 0 bytes once that mm is gone (the task exec'd
/// or exited).  None: the task had no mm at open (Linux: private_data NULL, reads give 0).
struct MemFile {
    mm: Option<alloc::sync::Weak<MmStruct>>,
}

/// Linux: mem_open(): proc_mem_open(inode, PTRACE_MODE_ATTACH) -> mm_access(): ESRCH once
/// the task is gone, EACCES unless the caller may ptrace-attach to it (its own mm always);
/// the file takes offsets above 2^63 (FMODE_UNSIGNED_OFFSET: an address is not a size).
pub(super) fn mem_open(p: &ProcPid) -> KResult<Arc<dyn FileOps>> {
    let t = task_of(p).map_err(|_| ESRCH)?;
    let mm = mm_access(&t, PTRACE_MODE_ATTACH_FSCREDS)?;
    Ok(Arc::new(MemFile { mm: mm.as_ref().map(Arc::downgrade) }))
}

/// Linux: mem_rw(): `buf.len()` bytes at `addr` of the mm, a page at a time, through
/// access_remote_vm() with FOLL_FORCE (the access ptrace's PEEKDATA/POKEDATA make: a write to
/// a read-only private mapping lands in a private copy of the page).  0 once the mm is gone
/// (mmget_not_zero() failed); EIO when not a byte could be copied (an unmapped address, one
/// past TASK_SIZE), a short count when the access stopped later; EINTR for a caller killed
/// before the first page.
fn mem_rw(file: &MemFile, addr: u64, buf: &mut [u8], write: bool) -> KResult<usize> {
    let Some(mm) = file.mm.as_ref().and_then(|w| w.upgrade()) else { return Ok(0) };
    let mut copied = 0;
    while copied < buf.len() {
        if crate::kernel::signal::fatal_signal_pending(&current()) {
            return if copied == 0 { Err(EINTR) } else { Ok(copied) };
        }
        let n = (buf.len() - copied).min(crate::mm::PAGE_SIZE);
        let va = (addr as usize).wrapping_add(copied);
        let chunk = &mut buf[copied..copied + n];
        let got = crate::mm::memory::access_process_vm(&mm, va, chunk, write, true);
        if got == 0 {
            return if copied == 0 { Err(EIO) } else { Ok(copied) };
        }
        copied += got;
    }
    Ok(copied)
}

/// A copy of the bytes a write brings (the VFS hands at most a chunk of 64 KiB), since the
/// remote access takes its buffer mutably for either direction (Linux: mem_rw's page).
fn bounce(buf: &[u8]) -> KResult<Vec<u8>> {
    let mut b = crate::mm::util::kmalloc_array(buf.len(), ENOMEM)?;
    b.extend_from_slice(buf);
    Ok(b)
}

impl MemFile {
    /// read()/write() at the file position, which moves by the bytes done (Linux: *ppos = addr).
    fn rw_pos(&self, f: &File, buf: &mut [u8], write: bool) -> KResult<usize> {
        let pos = *f.pos.lock();
        let n = mem_rw(self, pos, buf, write)?;
        *f.pos.lock() = pos.wrapping_add(n as u64);
        Ok(n)
    }
}

impl FileOps for MemFile {
    /// Linux: mem_read()
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        self.rw_pos(f, buf, false)
    }
    /// Linux: mem_write()
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        self.rw_pos(f, &mut bounce(buf)?, true)
    }
    fn read_at(&self, _f: &File, buf: &mut [u8], pos: u64) -> Option<KResult<usize>> {
        Some(mem_rw(self, pos, buf, false))
    }
    fn write_at(&self, _f: &File, buf: &[u8], pos: u64) -> Option<KResult<usize>> {
        Some(bounce(buf).and_then(|mut b| mem_rw(self, pos, &mut b, true)))
    }
    fn seekable(&self) -> bool {
        true
    }
    fn unsigned_offsets(&self) -> bool {
        true
    }
    /// Linux: mem_lseek(): SEEK_SET and SEEK_CUR only (EINVAL otherwise), any 64-bit result:
    /// a position is an address, and one above 2^63 is not an error.
    fn llseek(&self, f: &File, offset: i64, whence: u32) -> Option<KResult<u64>> {
        Some(match whence {
            SEEK_SET => Ok(offset as u64),
            SEEK_CUR => Ok(f.pos.lock().wrapping_add(offset as u64)),
            _ => Err(EINVAL),
        })
    }
    fn name(&self) -> &'static str {
        "proc"
    }
}

/// Linux: task_dump_owner() — who owns a task's /proc files: its effective uid and gid; root
/// for a kernel thread, and, except for the world-readable directories, for a task that is
/// not dumpable (its ids changed: kernel/cred.rs commit_creds()) or has no mm.
pub(super) fn task_dump_owner(t: &TaskStruct, mode: u32) -> (u32, u32) {
    if t.is_kthread() {
        return (GLOBAL_ROOT_UID, GLOBAL_ROOT_UID);
    }
    let cred = task_cred(t);
    let (mut uid, mut gid) = (cred.euid, cred.egid);
    if mode != S_IFDIR | 0o555 {
        let dumpable = t.mm.lock().as_ref().map(|m| m.get_dumpable() == SUID_DUMP_USER);
        if dumpable != Some(true) {
            // (root of the task's user namespace, or the global root when it has none)
            uid = cred.user_ns.make_kuid(0);
            gid = cred.user_ns.make_kgid(0);
            if uid == crate::kernel::cred::INVALID_ID {
                uid = GLOBAL_ROOT_UID;
            }
            if gid == crate::kernel::cred::INVALID_ID {
                gid = GLOBAL_ROOT_UID;
            }
        }
    }
    (uid, gid)
}

/// The text of a /proc/PID file, made by the read from position 0.  ESRCH once the task is
/// gone (Linux: proc_single_show()'s get_pid_task()).
pub(super) fn pid_text(p: &ProcPid, f: PidFile) -> KResult<Vec<u8>> {
    let t = task_of(p).map_err(|_| ESRCH)?;
    let t = &*t;
    Ok(match f {
        PidFile::Stat => array::stat_text(t).into_bytes(),
        PidFile::Status => array::status_text(t).into_bytes(),
        // Linux: comm_show()
        PidFile::Comm => format!("{}\n", t.comm_string()).into_bytes(),
        // Linux: proc_fail_nth_read()
        PidFile::FailNth => format!("{}", t.fail_nth.load(Ordering::Relaxed)).into_bytes(),
        PidFile::Maps => task_mmu::maps_text(t).into_bytes(),
        PidFile::Cmdline | PidFile::Environ => {
            // Linux: get_mm_cmdline() / environ_read(): the bytes of the target's stack.
            let Some(mm) = t.mm.lock().clone() else { return Ok(Vec::new()) };
            let m = mm.inner.lock();
            let (a, b) = if f == PidFile::Cmdline { (m.arg_start, m.arg_end) } else { (m.env_start, m.env_end) };
            if b <= a {
                return Ok(Vec::new());
            }
            crate::mm::memory::access_remote_vm(&m, a, b - a)
        }
        PidFile::Statm => array::statm_text(t),
        PidFile::Limits => proc_pid_limits(t).into_bytes(),
        PidFile::Syscall => proc_pid_syscall(t)?.into_bytes(),
        PidFile::Wchan => proc_pid_wchan(t).into_bytes(),
        PidFile::OomScore => format!("{}\n", proc_oom_score(t)).into_bytes(),
        PidFile::OomScoreAdj => format!("{}\n", t.signal.oom_score_adj.load(Ordering::Relaxed)).into_bytes(),
        PidFile::OomAdj => format!("{}\n", oom_adj_of(t.signal.oom_score_adj.load(Ordering::Relaxed))).into_bytes(),
        PidFile::Mounts => crate::fs::proc_namespace::show_mounts(t).ok_or(ESRCH)?.into_bytes(),
        PidFile::Mountinfo => crate::fs::proc_namespace::show_mountinfo(t).ok_or(ESRCH)?.into_bytes(),
        PidFile::Children => children_text(t).into_bytes(),
        // (an open mem file has its own operations: MemFile)
        PidFile::Mem => return Err(EINVAL),
    })
}

/// Linux: lnames[] of fs/proc/base.c: each limit's name and unit.
const LIMIT_NAMES: [(&str, &str); RLIM_NLIMITS] = [
    ("Max cpu time", "seconds"),
    ("Max file size", "bytes"),
    ("Max data size", "bytes"),
    ("Max stack size", "bytes"),
    ("Max core file size", "bytes"),
    ("Max resident set", "bytes"),
    ("Max processes", "processes"),
    ("Max open files", "files"),
    ("Max locked memory", "bytes"),
    ("Max address space", "bytes"),
    ("Max file locks", "locks"),
    ("Max pending signals", "signals"),
    ("Max msgqueue size", "bytes"),
    ("Max nice priority", ""),
    ("Max realtime priority", ""),
    ("Max realtime timeout", "us"),
];

/// Linux: proc_pid_limits(): a header, then per limit its name, soft and hard values
/// ("unlimited" for RLIM_INFINITY) and unit, in columns of 25, 20, 20 and 10.  Empty for a
/// zombie (lock_task_sighand() fails once the task has exited).
fn proc_pid_limits(t: &TaskStruct) -> String {
    let mut s = String::new();
    if t.exit_state() != 0 {
        return s;
    }
    let rlim = *t.signal.rlimits.lock();
    s.push_str("Limit                     Soft Limit           Hard Limit           Units     \n");
    let val = |v: u64| if v == RLIM_INFINITY { String::from("unlimited") } else { format!("{}", v) };
    for (i, (name, unit)) in LIMIT_NAMES.iter().enumerate() {
        let _ = write!(s, "{:<25} {:<20} {:<20} ", name, val(rlim[i][0]), val(rlim[i][1]));
        if unit.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(s, "{:<10}", unit);
        }
    }
    s
}

/// Linux: proc_pid_syscall() (lock_trace: PTRACE_MODE_ATTACH, else EPERM): the syscall the task is in
/// ("nr a0 .. a5 sp pc", riscv's a7 and orig_a0, a1..a5), "-1 sp pc" when it is in the kernel
/// for something else, "-1 0x0 0x0" once it has exited, "running" for another task that is
/// running or runnable.
fn proc_pid_syscall(t: &TaskStruct) -> KResult<String> {
    if !ptrace_may_access(t, PTRACE_MODE_ATTACH_FSCREDS) {
        return Err(EPERM);
    }
    let is_current = with_current(|c| core::ptr::eq(c, t));
    if t.exit_state() != 0 || t.has_flag(PF_EXITING) {
        return Ok(String::from("-1 0x0 0x0\n"));
    }
    if !is_current && t.state() == TASK_RUNNING {
        return Ok(String::from("running\n"));
    }
    if t.is_kthread() {
        return Ok(String::from("-1 0x0 0x0\n"));
    }
    let r = crate::arch::riscv::process::task_user_regs(t);
    if r.cause != crate::arch::riscv::traps::EXC_SYSCALL {
        return Ok(format!("-1 {:#x} {:#x}\n", r.sp, r.epc));
    }
    Ok(format!(
        "{} {:#x} {:#x} {:#x} {:#x} {:#x} {:#x} {:#x} {:#x}\n",
        r.a7 as i64, r.orig_a0, r.a1, r.a2, r.a3, r.a4, r.a5, r.sp, r.epc
    ))
}

/// Linux: proc_pid_wchan(): the function a sleeping task waits in, "0" for a running one (or
/// one the caller may not inspect).  No newline.
fn proc_pid_wchan(t: &TaskStruct) -> String {
    let running = with_current(|c| core::ptr::eq(c, t)) || t.state() == TASK_RUNNING || t.exit_state() != 0;
    if running || !ptrace_may_access(t, PTRACE_MODE_READ_FSCREDS) {
        return String::from("0");
    }
    match crate::arch::riscv::stacktrace::get_wchan(t) {
        Some(name) => String::from(name),
        None => String::from("0"),
    }
}

// Linux: include/uapi/linux/oom.h.
const OOM_SCORE_ADJ_MIN: i32 = -1000;
const OOM_SCORE_ADJ_MAX: i32 = 1000;
const OOM_DISABLE: i32 = -17;
const OOM_ADJUST_MIN: i32 = -16;
const OOM_ADJUST_MAX: i32 = 15;

/// Linux: proc_oom_score(): oom_badness() scaled to [0, 2000] (mm/oom_kill.rs).
fn proc_oom_score(t: &TaskStruct) -> u64 {
    crate::mm::oom_kill::oom_score(t)
}

/// Linux: oom_adj_read(): the legacy -17..15 scale of oom_score_adj.
fn oom_adj_of(score_adj: i32) -> i32 {
    if score_adj == OOM_SCORE_ADJ_MAX {
        OOM_ADJUST_MAX
    } else {
        (score_adj * -OOM_DISABLE / OOM_SCORE_ADJ_MAX).min(OOM_ADJUST_MAX)
    }
}

/// Linux: PROC_NUMBUF: the bytes of a write oom_adj and oom_score_adj look at.
const PROC_NUMBUF: usize = 13;

/// Linux: __set_oom_adj(): lowering below oom_score_adj_min needs CAP_SYS_RESOURCE, which
/// also moves the minimum.
fn set_oom_adj(t: &TaskStruct, adj: i32, legacy: bool) -> KResult<()> {
    let cap_sys_resource = crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_RESOURCE);
    let floor = if legacy {
        t.signal.oom_score_adj.load(Ordering::Relaxed)
    } else {
        t.signal.oom_score_adj_min.load(Ordering::Relaxed)
    };
    if adj < floor && !cap_sys_resource {
        return Err(EACCES);
    }
    t.signal.oom_score_adj.store(adj, Ordering::Relaxed);
    if !legacy && cap_sys_resource {
        t.signal.oom_score_adj_min.store(adj, Ordering::Relaxed);
    }
    Ok(())
}

/// Linux: get_children_pid() / children_seq_show(): "pid " for each child of this thread.
fn children_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    for c in t.rel.lock().children.iter() {
        let _ = write!(s, "{} ", c.tgid());
    }
    s
}

/// A write to a /proc/PID file: comm, fail-nth, oom_adj and oom_score_adj take one, the
/// others are EINVAL.
pub(super) fn pid_write(pid: &ProcPid, f: PidFile, buf: &[u8]) -> KResult<usize> {
    match f {
        PidFile::Comm => {
            // Linux: comm_write(): only within the writer's own thread group.
            let t = task_of(pid).map_err(|_| ESRCH)?;
            let cur = current();
            if t.tgid() != cur.tgid() {
                return Err(EINVAL);
            }
            // Linux keeps the bytes as written (a trailing newline too), up to a NUL.
            let mut name: &[u8] = buf;
            if let Some(i) = name.iter().position(|&b| b == 0) {
                name = &name[..i];
            }
            let mut c = [0u8; TASK_COMM_LEN];
            let n = name.len().min(TASK_COMM_LEN - 1);
            c[..n].copy_from_slice(&name[..n]);
            *t.comm.lock() = c;
            Ok(buf.len())
        }
        PidFile::FailNth => {
            // Linux: proc_fail_nth_write(): a decimal N; 0 disarms.
            let t = task_of(pid).map_err(|_| ESRCH)?;
            let text = core::str::from_utf8(buf).map_err(|_| EINVAL)?;
            let n: u32 = text.trim().parse().map_err(|_| EINVAL)?;
            t.fail_nth.store(n, Ordering::Relaxed);
            Ok(buf.len())
        }
        PidFile::OomScoreAdj | PidFile::OomAdj => {
            // Linux: oom_score_adj_write() / oom_adj_write(): the first PROC_NUMBUF - 1 bytes,
            // an int (kstrtoint), its range; the whole count is returned.
            let n = buf.len().min(PROC_NUMBUF - 1);
            let v = sysctl::kstrtoint(&buf[..n]).map_err(|e| Errno(e as i32))?;
            let adj = if f == PidFile::OomScoreAdj {
                if !(OOM_SCORE_ADJ_MIN..=OOM_SCORE_ADJ_MAX).contains(&v) {
                    return Err(EINVAL);
                }
                v
            } else {
                if !(OOM_ADJUST_MIN..=OOM_ADJUST_MAX).contains(&v) && v != OOM_DISABLE {
                    return Err(EINVAL);
                }
                if v == OOM_ADJUST_MAX {
                    OOM_SCORE_ADJ_MAX
                } else {
                    v * OOM_SCORE_ADJ_MAX / -OOM_DISABLE
                }
            };
            let t = task_of(pid).map_err(|_| ESRCH)?;
            set_oom_adj(&t, adj, f == PidFile::OomAdj)?;
            Ok(buf.len())
        }
        _ => Err(EINVAL),
    }
}

// ---- map_files (Linux: proc_map_files_readdir, proc_map_files_lookup) ----------------------

/// The file a VMA maps, for map_files: its inode (None for a shared anonymous mapping, whose
/// file is Linux's "/dev/zero (deleted)" shmem file).
fn vma_file(b: &Backing) -> Option<Option<Arc<Inode>>> {
    match b {
        Backing::File { inode, .. } => Some(Some(inode.clone())),
        Backing::Shared { obj, .. } => Some(obj.source_inode()),
        Backing::Anon => None,
    }
}

/// The file-backed VMAs of a task: (start, end, inode, writable shared mapping).
fn file_vmas(p: &ProcPid) -> Vec<(usize, usize, Option<Arc<Inode>>, bool)> {
    let Ok(t) = task_of(p) else { return Vec::new() };
    let Some(mm) = t.mm.lock().clone() else { return Vec::new() };
    let m = mm.inner.lock();
    let vdso = m.vdso;
    m.vmas
        .values()
        .filter(|v| v.start != vdso)
        .filter_map(|v| {
            let f = vma_file(&v.backing)?;
            let w = v.flags.contains(crate::mm::mm_types::VmFlags::SHARED)
                && v.flags.contains(crate::mm::mm_types::VmFlags::WRITE);
            Some((v.start, v.end, f, w))
        })
        .collect()
}

fn map_file_ino(p: i32, start: usize) -> u64 {
    super::INO_SPACE_MAP_FILES + ((p as u64) << 24) + ((start as u64 >> 12) & 0xff_ffff)
}

/// Linux: proc_map_files_readdir(): "start-end" in lowercase hex for each mapped file.
pub(super) fn proc_map_files_readdir(p: &ProcPid) -> Vec<(String, u64, u8)> {
    file_vmas(p).into_iter().map(|(s, e, _, _)| (format!("{:x}-{:x}", s, e), map_file_ino(p.nr(), s), DT_LNK)).collect()
}

/// Linux: dname_to_vma_addr(): "start-end", hex without leading zeros, nothing else.
fn dname_to_vma_addr(name: &str) -> Option<(usize, usize)> {
    let b = name.as_bytes();
    let hex = |s: &[u8]| -> Option<(usize, usize)> {
        if s.first() == Some(&b'0') && s.get(1).is_some_and(|&c| c != b'-') {
            return None;
        }
        let (v, n) = sysctl::parse_integer(s, 16)?;
        Some((usize::try_from(v).ok()?, n))
    };
    let (start, n) = hex(b)?;
    if b.get(n) != Some(&b'-') || n == 0 {
        return None;
    }
    let rest = &b[n + 1..];
    if rest.first() == Some(&b'0') && rest.len() > 1 {
        return None;
    }
    let (end, m) = hex(rest)?;
    if m == 0 || m != rest.len() {
        return None;
    }
    Some((start, end))
}

/// Linux: proc_map_files_lookup(): the link for an exact VMA [start, end) with a file.
pub(super) fn proc_map_files_lookup(fs: &Arc<ProcFsInfo>, p: &ProcPid, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    proc_pid_permission(fs, &t)?;
    let (s, e) = dname_to_vma_addr(name).ok_or(ENOENT)?;
    let (_, _, ino, w) = file_vmas(p).into_iter().find(|v| v.0 == s && v.1 == e).ok_or(ENOENT)?;
    // Linux: proc_map_files_instantiate(): S_IFLNK with the file's read and write bits.
    let mode = S_IFLNK | 0o400 | if w { 0o200 } else { 0 };
    Ok(match ino.as_ref().and_then(crate::fs::d_path::inode_path) {
        Some(path) => mk_link(fs, map_file_ino(p.nr(), s), mode, path),
        None => mk(fs, map_file_ino(p.nr(), s), mode, ProcNode::MapFile(p.clone(), s, e)),
    })
}

/// The target of a map_files link whose file has no path left.
pub(super) fn proc_map_files_readlink(p: &ProcPid, s: usize, e: usize) -> KResult<String> {
    let (_, _, ino, _) = file_vmas(p).into_iter().find(|v| v.0 == s && v.1 == e).ok_or(ENOENT)?;
    Ok(match ino {
        Some(_) => String::from("(deleted)"),
        None => String::from("/dev/zero (deleted)"),
    })
}
