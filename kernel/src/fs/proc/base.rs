//! /proc/PID and /proc/PID/task: the per-process directory, its small files and links.
//! Linux: fs/proc/base.c (proc_tgid_base_lookup/readdir, proc_task_lookup/readdir,
//! proc_pid_cmdline_read, environ_read, comm_show/comm_write, proc_fail_nth_read/write,
//! proc_cwd_link, proc_root_link, proc_exe_link).  stat, status and statm are array.rs,
//! maps task_mmu.rs, fd/ fd.rs.

use super::{array, mk, parse_num, task_mmu, task_of, ProcNode};
use crate::errno::*;
use crate::fs::inode::*;
use crate::fs::readdir::{DT_DIR, DT_LNK, DT_REG};
use crate::kernel::task::*;
use crate::mm::mm_types::{Backing, MmInner};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

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

pub(super) const PID_FILES: [(&str, PidFile); 8] = [
    ("fail-nth", PidFile::FailNth),
    ("environ", PidFile::Environ),
    ("status", PidFile::Status),
    ("comm", PidFile::Comm),
    ("cmdline", PidFile::Cmdline),
    ("stat", PidFile::Stat),
    ("statm", PidFile::Statm),
    ("maps", PidFile::Maps),
];

/// Linux: TASK_COMM_LEN, the size of task->comm with its NUL.
const TASK_COMM_LEN: usize = 16;

/// Links of /proc/PID (Linux: proc_cwd_link, proc_root_link, proc_exe_link).
const PID_LINKS: [&str; 3] = ["cwd", "root", "exe"];

// Inode numbers of /proc/PID's entries: pid_ino(pid, INO_*), then INO_FILES + the index in
// PID_FILES and INO_LINKS + the index in PID_LINKS.
pub(super) const INO_DIR: u64 = 0;
const INO_FD: u64 = 1;
const INO_TASK: u64 = 2;
const INO_FILES: u64 = 0x10;
const INO_LINKS: u64 = 0x20;

pub(super) fn pid_ino(pid: i32, idx: u64) -> u64 {
    0x8000_0000 + ((pid as u64) << 8) + idx
}

/// Linux: proc_tgid_base_readdir(): task, fd, the files, the links.
pub(super) fn proc_tgid_base_readdir(p: i32) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if task_of(p).is_err() {
        return v;
    }
    v.push((String::from("task"), pid_ino(p, INO_TASK), DT_DIR));
    v.push((String::from("fd"), pid_ino(p, INO_FD), DT_DIR));
    for (i, (name, _)) in PID_FILES.iter().enumerate() {
        v.push((String::from(*name), pid_ino(p, INO_FILES + i as u64), DT_REG));
    }
    for (i, name) in PID_LINKS.iter().enumerate() {
        v.push((String::from(*name), pid_ino(p, INO_LINKS + i as u64), DT_LNK));
    }
    v.extend(super::namespaces::pid_entries(p));
    v
}

/// Linux: proc_tgid_base_lookup()
pub(super) fn proc_tgid_base_lookup(p: i32, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    if name == "fd" {
        return Ok(mk(pid_ino(p, INO_FD), S_IFDIR | 0o500, InodeKind::Proc(ProcNode::FdDir(p))));
    }
    if name == "task" {
        return Ok(mk(pid_ino(p, INO_TASK), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::TaskDir(p))));
    }
    if let Some(i) = PID_FILES.iter().position(|(f, _)| *f == name) {
        let f = PID_FILES[i].1;
        let mode = match f {
            PidFile::Comm | PidFile::FailNth => 0o644,
            PidFile::Environ => 0o400,
            _ => 0o444,
        };
        return Ok(mk(pid_ino(p, INO_FILES + i as u64), S_IFREG | mode, InodeKind::Proc(ProcNode::PidFile(p, f))));
    }
    if let Some(i) = PID_LINKS.iter().position(|l| *l == name) {
        let target = match name {
            "cwd" => fs_path(&t, false),
            "root" => fs_path(&t, true),
            _ => exe_path(&t),
        }
        .ok_or(ENOENT)?;
        return Ok(mk(pid_ino(p, INO_LINKS + i as u64), S_IFLNK | 0o777, InodeKind::Symlink(target)));
    }
    super::namespaces::pid_entry_lookup(p, name)
}

/// Linux: proc_task_readdir(): a directory per thread of the group.
pub(super) fn proc_task_readdir(p: i32) -> Vec<(String, u64, u8)> {
    let mut v = Vec::new();
    if let Ok(t) = task_of(p) {
        for x in threads_of(&t) {
            v.push((format!("{}", x.pid()), pid_ino(x.pid(), INO_DIR), DT_DIR));
        }
    }
    v
}

/// Linux: proc_task_lookup()
pub(super) fn proc_task_lookup(p: i32, name: &str) -> KResult<Arc<Inode>> {
    let t = task_of(p)?;
    let tid: i32 = parse_num(name).ok_or(ENOENT)?;
    let x = threads_of(&t).into_iter().find(|x| x.pid() == tid).ok_or(ENOENT)?;
    Ok(mk(pid_ino(x.pid(), INO_DIR), S_IFDIR | 0o555, InodeKind::Proc(ProcNode::PidDir(x.pid()))))
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

/// Linux: mm->exe_file.  Here: the file mapped at the start of the text.
fn exe_inode(m: &MmInner) -> Option<Arc<Inode>> {
    let v = m.find_vma(m.start_code).or_else(|| m.vmas.values().find(|v| matches!(v.backing, Backing::File { .. })))?;
    match &v.backing {
        Backing::File { inode, .. } => Some(inode.clone()),
        _ => None,
    }
}

/// Linux: proc_exe_link()
fn exe_path(t: &TaskStruct) -> Option<String> {
    let mm = t.mm.lock().clone()?;
    let ino = exe_inode(&mm.inner.lock())?;
    crate::fs::d_path::inode_path(&ino)
}

/// The text of a /proc/PID file, made when it is opened.
pub(super) fn pid_text(t: &TaskStruct, f: PidFile) -> Vec<u8> {
    match f {
        PidFile::Stat => array::stat_text(t).into_bytes(),
        PidFile::Status => array::status_text(t).into_bytes(),
        // Linux: comm_show()
        PidFile::Comm => format!("{}\n", t.comm_string()).into_bytes(),
        // Linux: proc_fail_nth_read()
        PidFile::FailNth => format!("{}", t.fail_nth.load(Ordering::Relaxed)).into_bytes(),
        PidFile::Maps => task_mmu::maps_text(t).into_bytes(),
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
        PidFile::Statm => array::statm_text(t),
    }
}

/// A write to a /proc/PID file: comm and fail-nth take one, the others are EINVAL.
pub(super) fn pid_write(pid: i32, f: PidFile, buf: &[u8]) -> KResult<usize> {
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
        _ => Err(EINVAL),
    }
}
