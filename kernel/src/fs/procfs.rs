//! /proc.  Linux: fs/proc/ (root.c, base.c, array.c, fd.c, task_mmu.c, meminfo.c,
//! uptime.c, loadavg.c, version.c, self.c) and arch/riscv/kernel/cpu.c (cpuinfo).
//!
//! The tree is not stored: every name is made on lookup from the pid table.  Directories
//! (the root, /proc/PID, /proc/PID/fd, /proc/PID/task) are `InodeKind::Proc` nodes with
//! S_IFDIR; files are
//! `InodeKind::Proc` nodes whose text is generated when they are opened and read from that
//! snapshot at the file position (Linux's seq_file for small files: single_open()).  Links
//! whose target is a path (/proc/self, exe, cwd, root, an fd open on a path) are plain
//! `InodeKind::Symlink`s, so that path walking follows them; an fd link without a path
//! ("pipe:[N]", "anon_inode:[pidfd]") is a `ProcNode::FdLink`, which opens the same file.
//!
//! Inode numbers are stable (a function of pid and entry), as Linux's are while the task lives.

use super::file::*;
use super::inode::*;
use crate::errno::*;
use crate::kernel::task::*;
use crate::mm::mm_types::{Backing, MmInner, VmFlags};
use crate::mm::{page_align_down, page_align_up, PAGE_SIZE};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

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

const GLOBALS: [(&str, Global); 7] = [
    ("cpuinfo", Global::Cpuinfo),
    ("filesystems", Global::Filesystems),
    ("loadavg", Global::Loadavg),
    ("meminfo", Global::Meminfo),
    ("stat", Global::Stat),
    ("uptime", Global::Uptime),
    ("version", Global::Version),
];

/// Files of /proc/PID.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PidFile {
    Cmdline,
    Comm,
    Environ,
    Maps,
    Stat,
    Statm,
    Status,
    /// Linux: /proc/PID/fail-nth (CONFIG_FAULT_INJECTION): the Nth next page allocation of
    /// this task fails.
    FailNth,
}

const PID_FILES: [(&str, PidFile); 8] = [
    ("fail-nth", PidFile::FailNth),
    ("environ", PidFile::Environ),
    ("status", PidFile::Status),
    ("comm", PidFile::Comm),
    ("cmdline", PidFile::Cmdline),
    ("stat", PidFile::Stat),
    ("statm", PidFile::Statm),
    ("maps", PidFile::Maps),
];

/// Links of /proc/PID (Linux: proc_cwd_link, proc_root_link, proc_exe_link).
const PID_LINKS: [&str; 3] = ["cwd", "root", "exe"];

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
}

const ROOT_INO: u64 = 0xf000_0000;

fn pid_ino(pid: i32, idx: u64) -> u64 {
    0x8000_0000 + ((pid as u64) << 8) + idx
}

fn fd_ino(pid: i32, fd: usize) -> u64 {
    0x1_0000_0000 + ((pid as u64) << 20) + fd as u64
}

/// An inode with a chosen number (Inode::new numbers from the rootfs counter).
fn mk(ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
    Inode::new_with_ino(ino, mode, kind)
}

static PROC_ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// Linux: proc_root_init() + the mount on /proc: the rootfs's /proc becomes the proc root.
pub fn mount(root: &Arc<Inode>) {
    let _ = root.unlink("proc", true);
    let _ = root.unlink("proc", false);
    let r = PROC_ROOT.call_once(|| mk(ROOT_INO, S_IFDIR | 0o555, InodeKind::Proc(ProcNode::Root)));
    let _ = root.link("proc", r.clone());
}

/// The directory holding a /proc directory node (path walking's "..", getdents' "..").
pub fn parent(n: &ProcNode) -> Option<Arc<Inode>> {
    match n {
        ProcNode::Root => Some(super::root()),
        ProcNode::PidDir(_) => PROC_ROOT.get().cloned(),
        ProcNode::FdDir(p) | ProcNode::TaskDir(p) => lookup(&ProcNode::Root, &format!("{}", p)).ok(),
        _ => None,
    }
}

fn task_of(pid: i32) -> KResult<Task> {
    crate::kernel::pid::find_task_by_pid(pid).ok_or(ENOENT)
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
        let mut pos = f.pos.lock();
        let off = (*pos as usize).min(self.data.len());
        let n = buf.len().min(self.data.len() - off);
        buf[..n].copy_from_slice(&self.data[off..off + n]);
        *pos += n as u64;
        Ok(n)
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        match &self.node {
            ProcNode::PidFile(pid, PidFile::Comm) => {
                // Linux: comm_write(): only within the writer's own thread group.
                let t = task_of(*pid).map_err(|_| ESRCH)?;
                let cur = current();
                if t.tgid() != cur.tgid() {
                    return Err(EINVAL);
                }
                // Linux keeps the bytes as written (a trailing newline too), up to a NUL.
                let mut name: &[u8] = buf;
                if let Some(i) = name.iter().position(|&b| b == 0) {
                    name = &name[..i];
                }
                let mut c = [0u8; 16];
                let n = name.len().min(15);
                c[..n].copy_from_slice(&name[..n]);
                *t.comm.lock() = c;
                Ok(buf.len())
            }
            ProcNode::PidFile(pid, PidFile::FailNth) => {
                // Linux: proc_fail_nth_write(): a decimal N; 0 disarms.
                let t = task_of(*pid).map_err(|_| ESRCH)?;
                let text = core::str::from_utf8(buf).map_err(|_| EINVAL)?;
                let n: u32 = text.trim().parse().map_err(|_| EINVAL)?;
                t.fail_nth.store(n, Ordering::Relaxed);
                Ok(buf.len())
            }
            ProcNode::Global(_) => Err(EIO),
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

pub fn open(n: &ProcNode) -> KResult<Arc<dyn FileOps>> {
    match n {
        ProcNode::Root => Ok(Arc::new(super::syscalls::DirOps)),
        ProcNode::PidDir(p) | ProcNode::FdDir(p) | ProcNode::TaskDir(p) => {
            task_of(*p)?;
            Ok(Arc::new(super::syscalls::DirOps))
        }
        ProcNode::Global(g) => Ok(Arc::new(SeqFile { data: global_text(*g).into_bytes(), node: n.clone() })),
        ProcNode::PidFile(p, f) => {
            let t = task_of(*p)?;
            Ok(Arc::new(SeqFile { data: pid_text(&t, *f), node: n.clone() }))
        }
        ProcNode::FdLink(p, fd) => {
            // Linux: proc_fd_link(): opening the magic link opens the file itself.
            let file = task_file(&*task_of(*p)?, *fd)?;
            Ok(file.ops.clone())
        }
    }
}

pub fn readdir(n: &ProcNode) -> Vec<(String, u64, u8)> {
    const DT_DIR: u8 = 4;
    const DT_REG: u8 = 8;
    const DT_LNK: u8 = 10;
    let mut v = Vec::new();
    match n {
        ProcNode::Root => {
            for (i, (name, _)) in GLOBALS.iter().enumerate() {
                v.push((String::from(*name), ROOT_INO + 1 + i as u64, DT_REG));
            }
            v.push((String::from("self"), ROOT_INO + 0x100, DT_LNK));
            v.push((String::from("thread-self"), ROOT_INO + 0x101, DT_LNK));
            for t in crate::kernel::pid::all_processes() {
                if t.pid() > 0 {
                    v.push((format!("{}", t.pid()), pid_ino(t.pid(), 0), DT_DIR));
                }
            }
        }
        ProcNode::PidDir(p) => {
            if task_of(*p).is_err() {
                return v;
            }
            v.push((String::from("task"), pid_ino(*p, 2), DT_DIR));
            v.push((String::from("fd"), pid_ino(*p, 1), DT_DIR));
            for (i, (name, _)) in PID_FILES.iter().enumerate() {
                v.push((String::from(*name), pid_ino(*p, 0x10 + i as u64), DT_REG));
            }
            for (i, name) in PID_LINKS.iter().enumerate() {
                v.push((String::from(*name), pid_ino(*p, 0x20 + i as u64), DT_LNK));
            }
        }
        ProcNode::TaskDir(p) => {
            if let Ok(t) = task_of(*p) {
                for x in threads_of(&t) {
                    v.push((format!("{}", x.pid()), pid_ino(x.pid(), 0), DT_DIR));
                }
            }
        }
        ProcNode::FdDir(p) => {
            if let Ok(t) = task_of(*p) {
                for (fd, _) in task_fds(&t) {
                    v.push((format!("{}", fd), fd_ino(*p, fd), DT_LNK));
                }
            }
        }
        _ => {}
    }
    v
}

/// A name inside a /proc directory node (ENOENT when absent, ENOTDIR for a file node).
pub fn lookup(n: &ProcNode, name: &str) -> KResult<Arc<Inode>> {
    match n {
        ProcNode::Root => {
            if let Some(i) = GLOBALS.iter().position(|(g, _)| *g == name) {
                return Ok(mk(
                    ROOT_INO + 1 + i as u64,
                    S_IFREG | 0o444,
                    InodeKind::Proc(ProcNode::Global(GLOBALS[i].1)),
                ));
            }
            if name == "self" {
                // Linux: proc_self_get_link(): the caller's tgid.
                let me = current().tgid();
                return Ok(mk(ROOT_INO + 0x100, S_IFLNK | 0o777, InodeKind::Symlink(format!("{}", me))));
            }
            if name == "thread-self" {
                // Linux: proc_thread_self_get_link(): "tgid/task/tid".
                let cur = current();
                let target = format!("{}/task/{}", cur.tgid(), cur.pid());
                return Ok(mk(ROOT_INO + 0x101, S_IFLNK | 0o777, InodeKind::Symlink(target)));
            }
            let pid: i32 = parse_num(name).ok_or(ENOENT)?;
            task_of(pid)?;
            Ok(mk(pid_ino(pid, 0), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::PidDir(pid))))
        }
        ProcNode::PidDir(p) => {
            let t = task_of(*p)?;
            if name == "fd" {
                return Ok(mk(pid_ino(*p, 1), S_IFDIR | 0o500, InodeKind::Proc(ProcNode::FdDir(*p))));
            }
            if name == "task" {
                return Ok(mk(pid_ino(*p, 2), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::TaskDir(*p))));
            }
            if let Some(i) = PID_FILES.iter().position(|(f, _)| *f == name) {
                let f = PID_FILES[i].1;
                let mode = match f {
                    PidFile::Comm | PidFile::FailNth => 0o644,
                    PidFile::Environ => 0o400,
                    _ => 0o444,
                };
                return Ok(mk(pid_ino(*p, 0x10 + i as u64), S_IFREG | mode, InodeKind::Proc(ProcNode::PidFile(*p, f))));
            }
            if let Some(i) = PID_LINKS.iter().position(|l| *l == name) {
                let target = match name {
                    "cwd" => fs_path(&t, false),
                    "root" => fs_path(&t, true),
                    _ => exe_path(&t),
                }
                .ok_or(ENOENT)?;
                return Ok(mk(pid_ino(*p, 0x20 + i as u64), S_IFLNK | 0o777, InodeKind::Symlink(target)));
            }
            Err(ENOENT)
        }
        ProcNode::TaskDir(p) => {
            let t = task_of(*p)?;
            let tid: i32 = parse_num(name).ok_or(ENOENT)?;
            let x = threads_of(&t).into_iter().find(|x| x.pid() == tid).ok_or(ENOENT)?;
            Ok(mk(pid_ino(x.pid(), 0), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::PidDir(x.pid()))))
        }
        ProcNode::FdDir(p) => {
            let t = task_of(*p)?;
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
            let ino = fd_ino(*p, fd);
            Ok(match file_path(&f) {
                Some(path) => mk(ino, mode, InodeKind::Symlink(path)),
                None => mk(ino, mode, InodeKind::Proc(ProcNode::FdLink(*p, fd))),
            })
        }
        _ => Err(ENOTDIR),
    }
}

pub fn readlink(n: &ProcNode) -> KResult<String> {
    match n {
        ProcNode::FdLink(p, fd) => {
            let f = task_file(&*task_of(*p)?, *fd)?;
            Ok(file_path(&f).unwrap_or_else(|| anon_name(&f)))
        }
        _ => Err(EINVAL),
    }
}

fn parse_num<T: core::str::FromStr>(s: &str) -> Option<T> {
    // Linux: name_to_int(): decimal digits only, no leading zero (except "0").
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

// ---------------------------------------------------------------------------------------
// Paths: Linux keeps a dentry per file and prints it with d_path(); the rootfs here keeps
// names only in directories, so a file's path is found by searching the tree for its inode.

/// The absolute path of `target` in the rootfs (Linux: d_path()), None when unlinked.
pub fn inode_path(target: &Arc<Inode>) -> Option<String> {
    if target.is_dir() {
        return Some(target.dir_path());
    }
    fn search(dir: &Arc<Inode>, target: &Arc<Inode>, prefix: &mut String, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        let entries: Vec<(String, Arc<Inode>)> = match &dir.kind {
            InodeKind::Dir(d) => d.lock().entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => return false,
        };
        for (name, child) in entries.iter() {
            if Arc::ptr_eq(child, target) {
                prefix.push('/');
                prefix.push_str(name);
                return true;
            }
        }
        for (name, child) in entries.iter() {
            if matches!(child.kind, InodeKind::Dir(_)) {
                let len = prefix.len();
                prefix.push('/');
                prefix.push_str(name);
                if search(child, target, prefix, depth + 1) {
                    return true;
                }
                prefix.truncate(len);
            }
        }
        false
    }
    let mut s = String::new();
    if search(&super::root(), target, &mut s, 0) {
        Some(s)
    } else {
        None
    }
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
    }
}

/// Linux: the pipefs / anon_inodefs dentry names: "pipe:[ino]", "anon_inode:[pidfd]".
fn anon_name(f: &File) -> String {
    match f.ops.name() {
        "pipe" => format!("pipe:[{}]", super::syscalls::anon_ino(f)),
        _ if f.path.starts_with("anon_inode:") => f.path.clone(),
        n => format!("anon_inode:[{}]", n),
    }
}

fn task_fds(t: &TaskStruct) -> Vec<(usize, Arc<File>)> {
    let files = t.files.lock().clone();
    files.map_or(Vec::new(), |f| f.open_fds())
}

fn task_file(t: &TaskStruct, fd: usize) -> KResult<Arc<File>> {
    let files = t.files.lock().clone().ok_or(ENOENT)?;
    files.get(fd).map_err(|_| ENOENT)
}

fn fs_path(t: &TaskStruct, root: bool) -> Option<String> {
    let fs = t.fs.lock().clone()?;
    let i = fs.inner.lock().clone();
    Some(if root { i.root.dir_path() } else { i.cwd.dir_path() })
}

/// Linux: mm->exe_file.  Here: the file mapped at the start of the text.
fn exe_inode(m: &MmInner) -> Option<Arc<Inode>> {
    let v = m.find_vma(m.start_code).or_else(|| m.vmas.values().find(|v| matches!(v.backing, Backing::File { .. })))?;
    match &v.backing {
        Backing::File { inode, .. } => Some(inode.clone()),
        _ => None,
    }
}

fn exe_path(t: &TaskStruct) -> Option<String> {
    let mm = t.mm.lock().clone()?;
    let ino = exe_inode(&mm.inner.lock())?;
    inode_path(&ino)
}

// ---------------------------------------------------------------------------------------
// The text of the files.

fn cycles_to_ticks(c: u64) -> u64 {
    // Linux: nsec_to_clock_t() with USER_HZ = 100.
    crate::arch::riscv::time::cycles_to_ns(c) / (1_000_000_000 / 100)
}

/// Linux: task_state_array[] / task_state_index().
fn state_of(t: &TaskStruct) -> &'static str {
    let es = t.exit_state();
    if es & EXIT_ZOMBIE != 0 {
        return "Z (zombie)";
    }
    if es & EXIT_DEAD != 0 {
        return "X (dead)";
    }
    let s = t.state();
    if s & TASK_INTERRUPTIBLE != 0 {
        "S (sleeping)"
    } else if s & TASK_UNINTERRUPTIBLE != 0 {
        if t.is_kthread() {
            "I (idle)"
        } else {
            "D (disk sleep)"
        }
    } else if s & TASK_STOPPED != 0 {
        "T (stopped)"
    } else if s & TASK_DEAD != 0 {
        "X (dead)"
    } else {
        "R (running)"
    }
}

/// The threads of t's group, in tid order.
fn threads_of(t: &TaskStruct) -> Vec<Task> {
    let tgid = t.tgid();
    crate::kernel::pid::all_tasks().into_iter().filter(|x| x.tgid() == tgid).collect()
}

fn thread_count(t: &TaskStruct) -> usize {
    threads_of(t).iter().filter(|x| x.exit_state() == 0).count().max(1)
}

/// Address-space numbers (in bytes, rss in pages).  Linux: task_mem(), task_statm().
#[derive(Default)]
struct MmStats {
    vsize: usize,
    rss: usize,
    data: usize,
    stack: usize,
    exe: usize,
    pte: usize,
    shmem: usize,
    file: usize,
}

fn mm_stats(m: &MmInner) -> MmStats {
    let mut s = MmStats::default();
    for v in m.vmas.values() {
        let len = v.end.saturating_sub(v.start);
        s.vsize += len;
        if v.flags.contains(VmFlags::STACK) || v.flags.contains(VmFlags::GROWSDOWN) {
            s.stack += len;
        } else if v.flags.contains(VmFlags::WRITE) && !v.flags.contains(VmFlags::SHARED) {
            s.data += len;
        }
    }
    let mut kinds: Vec<(usize, usize, u8)> = Vec::new();
    for v in m.vmas.values() {
        let k = match v.backing {
            Backing::Anon => 0,
            Backing::Shared { .. } => 1,
            Backing::File { .. } => 2,
        };
        kinds.push((v.start, v.end, k));
    }
    let mut tables = alloc::collections::BTreeSet::new();
    for (start, end, k) in kinds {
        let mut n = 0;
        m.pgt.for_each_leaf_ro(start, end, |va, _| {
            n += 1;
            tables.insert(va >> 21);
        });
        s.rss += n;
        match k {
            1 => s.shmem += n,
            2 => s.file += n,
            _ => {}
        }
    }
    // Page-table pages: one root, a middle table per 1 GiB in use, a leaf table per 2 MiB.
    let mids: alloc::collections::BTreeSet<usize> = tables.iter().map(|t| t >> 9).collect();
    s.pte = (1 + mids.len() + tables.len()) * PAGE_SIZE;
    if m.end_code > m.start_code {
        s.exe = page_align_up(m.end_code) - page_align_down(m.start_code);
    }
    s
}

/// Linux: collect_sigign_sigcatch().
fn sig_ign_catch(t: &TaskStruct) -> (u64, u64) {
    let acts = *t.sighand.lock().action.lock();
    let (mut ign, mut cat) = (0u64, 0u64);
    for (i, a) in acts.iter().enumerate() {
        match a.handler {
            0 => {}
            1 => ign |= 1 << i,
            _ => cat |= 1 << i,
        }
    }
    (ign, cat)
}

/// Linux: the tty of the controlling terminal (ttyS0, 4:64, new_encode_dev) and its
/// foreground process group; 0 and -1 without one.
fn tty_of(t: &TaskStruct) -> (i64, i64) {
    if t.signal.tty_controlling.load(Ordering::Relaxed) {
        ((4 << 8) | 64, crate::drivers::tty::foreground_pgrp() as i64)
    } else {
        (0, -1)
    }
}

/// Linux: do_task_stat(): the 52 fields of /proc/PID/stat.
fn stat_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    let state = state_of(t).as_bytes()[0] as char;
    let sig = &t.signal;
    let (tty_nr, tpgid) = tty_of(t);
    let mm = t.mm.lock().clone();
    let (vsize, rss, mmv) = match &mm {
        Some(mm) => {
            let m = mm.inner.lock();
            let st = mm_stats(&m);
            let v = [
                m.start_code,
                m.end_code,
                m.start_stack,
                m.start_data,
                m.end_data,
                m.start_brk,
                m.arg_start,
                m.arg_end,
                m.env_start,
                m.env_end,
            ];
            (st.vsize, st.rss, Some(v))
        }
        None => (0, 0, None),
    };
    let (ign, cat) = sig_ign_catch(t);
    let pending = t.pending.lock().set;
    let wchan = (t.state() != TASK_RUNNING || t.exit_state() != 0) as u64;
    let rsslim = sig.rlimit(5);
    let _ = write!(
        s,
        "{} ({}) {} {} {} {} {} {} {} {} 0 0 0 {} {} {} {} 20 0 {} 0 {} {} {} {}",
        t.pid(),
        t.comm_string(),
        state,
        t.ppid(),
        sig.pgrp.load(Ordering::Relaxed),
        sig.session.load(Ordering::Relaxed),
        tty_nr,
        tpgid,
        t.flags.load(Ordering::Relaxed),
        t.min_flt.load(Ordering::Relaxed),
        cycles_to_ticks(t.utime.load(Ordering::Relaxed)),
        cycles_to_ticks(t.stime.load(Ordering::Relaxed)),
        cycles_to_ticks(sig.cutime.load(Ordering::Relaxed)),
        cycles_to_ticks(sig.cstime.load(Ordering::Relaxed)),
        thread_count(t),
        cycles_to_ticks(t.start_time),
        vsize,
        rss,
        rsslim,
    );
    match &mmv {
        Some(v) => {
            let _ = write!(s, " {} {} {}", v[0], v[1], v[2]);
        }
        None => s.push_str(" 0 0 0"),
    }
    let m31 = 0x7fff_ffffu64;
    let _ = write!(
        s,
        " 0 0 {} {} {} {} {} 0 0 {} 0 0 0 0 0 0",
        pending & m31,
        t.blocked.load(Ordering::Relaxed) & m31,
        ign & m31,
        cat & m31,
        wchan,
        t.exit_signal.load(Ordering::Relaxed),
    );
    match &mmv {
        Some(v) => {
            let _ = write!(s, " {} {} {} {} {} {} {}", v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
        }
        None => s.push_str(" 0 0 0 0 0 0 0"),
    }
    let code = if t.exit_state() != 0 { t.exit_code.load(Ordering::Relaxed) } else { 0 };
    let _ = writeln!(s, " {}", code);
    s
}

fn kb(s: &mut String, key: &str, bytes: usize) {
    let _ = writeln!(s, "{}\t{:>8} kB", key, bytes >> 10);
}

/// Linux: proc_pid_status().
fn status_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{}", t.comm_string());
    let fs = t.fs.lock().clone();
    if let Some(fs) = fs {
        let _ = writeln!(s, "Umask:\t{:04o}", fs.inner.lock().umask);
    }
    let _ = writeln!(s, "State:\t{}", state_of(t));
    let sig = &t.signal;
    let pid = t.pid();
    let _ = writeln!(s, "Tgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0", t.tgid(), pid, t.ppid());
    s.push_str("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
    // Linux: fdt->max_fds: 64 (NR_OPEN_DEFAULT on 64-bit), doubled as the table grows.
    let files = t.files.lock().clone();
    let max_fds = match files {
        Some(f) => {
            let n = f.fds.lock().len();
            let mut m = 64;
            while m < n {
                m *= 2;
            }
            m
        }
        None => 0,
    };
    let _ = writeln!(s, "FDSize:\t{}\nGroups:\t ", max_fds);
    let (pg, sid) = (sig.pgrp.load(Ordering::Relaxed), sig.session.load(Ordering::Relaxed));
    let _ = writeln!(s, "NStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}", t.tgid(), pid, pg, sid);
    let mm = t.mm.lock().clone();
    if let Some(mm) = mm {
        let st = mm_stats(&mm.inner.lock());
        let rss = st.rss * PAGE_SIZE;
        kb(&mut s, "VmPeak:", st.vsize);
        kb(&mut s, "VmSize:", st.vsize);
        kb(&mut s, "VmLck:", 0);
        kb(&mut s, "VmPin:", 0);
        kb(&mut s, "VmHWM:", rss);
        kb(&mut s, "VmRSS:", rss);
        kb(&mut s, "RssAnon:", rss - (st.file + st.shmem) * PAGE_SIZE);
        kb(&mut s, "RssFile:", st.file * PAGE_SIZE);
        kb(&mut s, "RssShmem:", st.shmem * PAGE_SIZE);
        kb(&mut s, "VmData:", st.data);
        kb(&mut s, "VmStk:", st.stack);
        kb(&mut s, "VmExe:", st.exe);
        kb(&mut s, "VmLib:", 0);
        kb(&mut s, "VmPTE:", st.pte);
        kb(&mut s, "VmSwap:", 0);
        s.push_str("CoreDumping:\t0\nTHP_enabled:\t0\n");
    }
    let pending = t.pending.lock().set;
    let (ign, cat) = sig_ign_catch(t);
    let _ = writeln!(s, "Threads:\t{}\nSigQ:\t{}/{}", thread_count(t), pending.count_ones(), sig.rlimit(11));
    let _ = writeln!(s, "SigPnd:\t{:016x}\nShdPnd:\t{:016x}", pending, 0);
    let _ = writeln!(
        s,
        "SigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}",
        t.blocked.load(Ordering::Relaxed),
        ign,
        cat
    );
    // Linux 6.1: CAP_LAST_CAP = 40, so root's full set is 0x1ffffffffff.
    s.push_str("CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n");
    s.push_str("CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n");
    s.push_str("Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n");
    s.push_str("Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
    let _ = writeln!(
        s,
        "voluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t{}",
        t.nvcsw.load(Ordering::Relaxed),
        t.nivcsw.load(Ordering::Relaxed)
    );
    s
}

/// Linux: show_map_vma(): "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu " padded to 73 columns,
/// then the name.
fn maps_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    let Some(mm) = t.mm.lock().clone() else { return s };
    let vmas: Vec<crate::mm::mm_types::Vma> = {
        let m = mm.inner.lock();
        m.vmas.values().cloned().collect()
    };
    let vdso = mm.inner.lock().vdso;
    let line =
        |s: &mut String, start: usize, end: usize, fl: VmFlags, off: usize, dev: u32, ino: u64, name: Option<&str>| {
            let len0 = s.len();
            let _ = write!(
                s,
                "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
                start,
                end,
                if fl.contains(VmFlags::READ) { 'r' } else { '-' },
                if fl.contains(VmFlags::WRITE) { 'w' } else { '-' },
                if fl.contains(VmFlags::EXEC) { 'x' } else { '-' },
                if fl.contains(VmFlags::SHARED) { 's' } else { 'p' },
                off,
                dev >> 8,
                dev & 0xff,
                ino
            );
            if let Some(n) = name {
                while s.len() - len0 < 72 {
                    s.push(' ');
                }
                s.push(' ');
                s.push_str(n);
            }
            s.push('\n');
        };
    // One path per inode (the tree search is not free).
    let mut paths: Vec<(u64, String)> = Vec::new();
    for v in vmas.iter().filter(|v| v.end > v.start) {
        let special = if v.start == vdso {
            Some("[vdso]")
        } else if v.flags.contains(VmFlags::HEAP) {
            Some("[heap]")
        } else if v.flags.contains(VmFlags::STACK) {
            Some("[stack]")
        } else {
            None
        };
        match &v.backing {
            Backing::File { inode, off, file_end } => {
                let path = path_of(&mut paths, inode);
                // The zero-filled part past the file's bytes shows as anonymous (Linux maps
                // it with a separate anonymous VMA, the bss).
                let split = if *file_end >= v.end { v.end } else { page_align_up(*file_end).clamp(v.start, v.end) };
                let split = if split == v.start { v.end } else { split };
                line(&mut s, v.start, split, v.flags, *off, 1, inode.ino, Some(&path));
                if split < v.end {
                    line(&mut s, split, v.end, v.flags, 0, 0, 0, special);
                }
            }
            Backing::Shared { obj, pgoff } => match obj.source.as_ref().and_then(|w| w.upgrade()) {
                // MAP_SHARED of a file: the file's path
                Some(inode) => {
                    let path = path_of(&mut paths, &inode);
                    line(&mut s, v.start, v.end, v.flags, pgoff * PAGE_SIZE, 1, inode.ino, Some(&path));
                }
                // MAP_SHARED|MAP_ANONYMOUS: Linux's shmem file "/dev/zero (deleted)"
                None => line(
                    &mut s,
                    v.start,
                    v.end,
                    v.flags,
                    pgoff * PAGE_SIZE,
                    1,
                    0,
                    Some(special.unwrap_or("/dev/zero (deleted)")),
                ),
            },
            // The trampoline page is mapped shared here; Linux's vdso VMA is private.
            Backing::Anon if v.start == vdso => {
                line(&mut s, v.start, v.end, v.flags - VmFlags::SHARED, 0, 0, 0, special)
            }
            Backing::Anon => line(&mut s, v.start, v.end, v.flags, 0, 0, 0, special),
        }
    }
    s
}

/// An inode's path for maps, looked up once per inode.
fn path_of(paths: &mut Vec<(u64, String)>, inode: &Arc<Inode>) -> String {
    if let Some((_, p)) = paths.iter().find(|(i, _)| *i == inode.ino) {
        return p.clone();
    }
    let p = inode_path(inode).map_or_else(String::new, |p| p);
    paths.push((inode.ino, p.clone()));
    p
}

fn pid_text(t: &TaskStruct, f: PidFile) -> Vec<u8> {
    match f {
        PidFile::Stat => stat_text(t).into_bytes(),
        PidFile::Status => status_text(t).into_bytes(),
        PidFile::Comm => format!("{}\n", t.comm_string()).into_bytes(),
        PidFile::FailNth => format!("{}", t.fail_nth.load(Ordering::Relaxed)).into_bytes(),
        PidFile::Maps => maps_text(t).into_bytes(),
        PidFile::Cmdline | PidFile::Environ => {
            // Linux: get_mm_cmdline() / environ_read(): the bytes of the target's stack.
            let Some(mm) = t.mm.lock().clone() else { return Vec::new() };
            let m = mm.inner.lock();
            let (a, b) = if f == PidFile::Cmdline { (m.arg_start, m.arg_end) } else { (m.env_start, m.env_end) };
            if b <= a {
                return Vec::new();
            }
            crate::mm::memory::access_remote_vm(&m, a, b - a)
        }
        PidFile::Statm => {
            let Some(mm) = t.mm.lock().clone() else { return b"0 0 0 0 0 0 0\n".to_vec() };
            let st = mm_stats(&mm.inner.lock());
            format!(
                "{} {} {} {} 0 {} 0\n",
                st.vsize / PAGE_SIZE,
                st.rss,
                st.file + st.shmem,
                st.exe / PAGE_SIZE,
                (st.data + st.stack) / PAGE_SIZE
            )
            .into_bytes()
        }
    }
}

fn global_text(g: Global) -> String {
    let mut s = String::new();
    match g {
        Global::Meminfo => {
            // Linux: meminfo_proc_show(), "%-16s%8lu kB" (show_val_kb()).
            let total = crate::mm::page_alloc::nr_total_pages() * PAGE_SIZE;
            let free = crate::mm::page_alloc::nr_free_pages() * PAGE_SIZE;
            // Kernel heap in use (Linux: slab) and kernel stacks: what a leak would grow.
            let slab = crate::mm::heap::bytes_in_use();
            let kstack = crate::kernel::pid::nr_tasks() * crate::arch::riscv::process::THREAD_SIZE;
            let rows: [(&str, usize); 37] = [
                ("MemTotal:", total),
                ("MemFree:", free),
                ("MemAvailable:", free),
                ("Buffers:", 0),
                ("Cached:", 0),
                ("SwapCached:", 0),
                ("Active:", 0),
                ("Inactive:", 0),
                ("Active(anon):", 0),
                ("Inactive(anon):", 0),
                ("Active(file):", 0),
                ("Inactive(file):", 0),
                ("Unevictable:", 0),
                ("Mlocked:", 0),
                ("SwapTotal:", 0),
                ("SwapFree:", 0),
                ("Dirty:", 0),
                ("Writeback:", 0),
                ("AnonPages:", 0),
                ("Mapped:", 0),
                ("Shmem:", 0),
                ("KReclaimable:", 0),
                ("Slab:", slab),
                ("SReclaimable:", 0),
                ("SUnreclaim:", slab),
                ("KernelStack:", kstack),
                ("PageTables:", 0),
                ("SecPageTables:", 0),
                ("NFS_Unstable:", 0),
                ("Bounce:", 0),
                ("WritebackTmp:", 0),
                ("CommitLimit:", total / 2),
                ("Committed_AS:", 0),
                ("VmallocTotal:", 0),
                ("VmallocUsed:", 0),
                ("VmallocChunk:", 0),
                ("Percpu:", 0),
            ];
            for (k, v) in rows {
                let _ = writeln!(s, "{:<16}{:>8} kB", k, v >> 10);
            }
        }
        Global::Uptime => {
            // Linux: uptime_proc_show(): "%lu.%02lu %lu.%02lu" (uptime, idle: summed over
            // CPUs; MenuOS does not account idle time, so idle is shown as 0).
            let ns = crate::kernel::time::uptime_ns();
            let _ = writeln!(s, "{}.{:02} 0.00", ns / 1_000_000_000, (ns % 1_000_000_000) / 10_000_000);
        }
        Global::Loadavg => {
            // Linux: loadavg_proc_show(): no load average is kept here.
            let tasks = crate::kernel::pid::all_tasks();
            let running = tasks.iter().filter(|t| t.exit_state() == 0 && t.state() == TASK_RUNNING).count();
            let _ = writeln!(s, "0.00 0.00 0.00 {}/{} {}", running, tasks.len(), crate::kernel::pid::last_pid());
        }
        Global::Cpuinfo => {
            // Linux: arch/riscv/kernel/cpu.c c_show().
            // One block per CPU of the device tree (MenuOS runs on the first).  hart: the
            // cpu node's reg; isa: Linux 6.1's print_isa(); mvendorid/marchid/mimpid from
            // SBI as on Linux (sbi_get_mvendorid()...).
            let (hart, isa) = crate::init::device_tree()
                .and_then(|dt| {
                    let cpu = dt.cpus().next()?;
                    let isa = cpu
                        .property("riscv,isa")
                        .and_then(|p| p.as_str())
                        .map(|s| String::from(s.trim_end_matches('\0')));
                    Some((cpu.ids().first(), isa))
                })
                .unwrap_or((0, None));
            let _ = writeln!(s, "processor\t: 0\nhart\t\t: {}", hart);
            if let Some(isa) = isa {
                let _ = writeln!(s, "isa\t\t: {}", linux_isa(&isa));
            }
            s.push_str("mmu\t\t: sv39\n");
            let _ = write!(
                s,
                "mvendorid\t: {:#x}\nmarchid\t\t: {:#x}\nmimpid\t\t: {:#x}\n\n",
                sbi_rt::get_mvendorid(),
                sbi_rt::get_marchid(),
                sbi_rt::get_mimpid()
            );
        }
        Global::Version => {
            // Linux: version_proc_show(): linux_proc_banner.
            let _ = writeln!(
                s,
                "Linux version {} (root@menuos) ({}) {}",
                crate::kernel::sys::UTS_RELEASE,
                crate::init::MENUOS_BANNER,
                crate::kernel::sys::UTS_VERSION
            );
        }
        Global::Filesystems => s.push_str("nodev\tramfs\nnodev\tproc\nnodev\tpipefs\n"),
        Global::Stat => {
            // Linux: show_stat(): the lines procps reads (btime: boot time, seconds).
            let tasks = crate::kernel::pid::all_tasks();
            let running = tasks.iter().filter(|t| t.exit_state() == 0 && t.state() == TASK_RUNNING).count();
            let ticks = crate::kernel::time::uptime_ns() / 10_000_000;
            let _ = writeln!(s, "cpu  0 0 0 {} 0 0 0 0 0 0", ticks);
            let _ = writeln!(s, "cpu0 0 0 0 {} 0 0 0 0 0 0", ticks);
            let _ = writeln!(s, "intr 0\nctxt 0\nbtime 0\nprocesses {}", crate::kernel::pid::last_pid());
            let _ = writeln!(s, "procs_running {}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0", running);
        }
    }
    s
}

/// Linux 6.1 print_isa(): "rv64", the single-letter extensions it knows in its order
/// ("imafdqcbkjpvh"), then the multi-letter ones it knows (isa_ext_arr[]), each after '_'.
fn linux_isa(dt: &str) -> String {
    let lower = dt.to_ascii_lowercase();
    let mut parts = lower.split('_');
    let first = parts.next().unwrap_or("");
    let (base, letters) = if first.len() >= 4 { first.split_at(4) } else { (first, "") };
    let mut s = String::from(base);
    // The first multi-letter extension may follow the letters without '_' ("...hzicsr").
    let (letters, first_multi) = match letters.find(|c| c == 'z' || c == 's' || c == 'x') {
        Some(i) => (&letters[..i], Some(&letters[i..])),
        None => (letters, None),
    };
    // "g" is imafd + zicsr + zifencei.
    let has = |c: char| letters.contains(c) || (letters.contains('g') && "imafd".contains(c));
    for c in "imafdqcbkjpvh".chars() {
        if has(c) {
            s.push(c);
        }
    }
    let multi: Vec<&str> = first_multi.into_iter().chain(parts).collect();
    for ext in ["sscofpmf", "sstc", "svinval", "svpbmt", "zicbom", "zihintpause"] {
        if multi.contains(&ext) {
            s.push('_');
            s.push_str(ext);
        }
    }
    s
}
