//! /proc/sys: a directory per sysctl table, a file per entry.  Linux: fs/proc/proc_sysctl.c
//! (proc_sys_lookup, proc_sys_readdir, proc_sys_permission, proc_sys_call_handler,
//! proc_sys_read/write, proc_sys_getattr).  The tables and their handlers are
//! kernel/sysctl.rs.
//!
//! A file's mode is its entry's (0644, 0444, ...); a directory is 0555.  Opening checks the
//! entry's mode against the caller ([`proc_sys_permission`]: no root override, so a 0444 entry
//! cannot be opened for writing by anyone: EACCES).  read() and write() go straight to the
//! entry's handler with the file position.

use super::{mk, ProcFsInfo, ProcNode};
use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use crate::fs::inode::*;
use crate::fs::readdir::{DT_DIR, DT_REG};
use crate::kernel::sysctl::{sysctl_perm, sysctl_root, CtlTable, Io, MAY_EXEC, MAY_READ, MAY_WRITE};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use linux_raw_sys::general::{O_ACCMODE, O_PATH, O_RDONLY, O_RDWR, O_WRONLY};

/// The entries of a /proc/sys directory (None: /proc/sys itself).
fn children(t: Option<&'static CtlTable>) -> &'static [CtlTable] {
    match t {
        None => sysctl_root(),
        Some(t) => t.child,
    }
}

/// A stable inode number for an entry: the table lives in the kernel image for good.
fn sys_ino(t: &'static CtlTable) -> u64 {
    super::INO_SPACE_SYSCTL + ((t as *const CtlTable as u64) & 0xffff_ffff)
}

/// Linux: proc_sys_readdir(): the entries in table order.
pub(super) fn proc_sys_readdir(t: Option<&'static CtlTable>) -> Vec<(String, u64, u8)> {
    children(t)
        .iter()
        .map(|c| (String::from(c.procname), sys_ino(c), if c.is_dir() { DT_DIR } else { DT_REG }))
        .collect()
}

/// Linux: proc_sys_lookup() -> proc_sys_make_inode(): S_IFDIR | 0555 for a directory,
/// S_IFREG | the entry's mode for a file.
pub(super) fn proc_sys_lookup(fs: &Arc<ProcFsInfo>, t: Option<&'static CtlTable>, name: &str) -> KResult<Arc<Inode>> {
    let c = children(t).iter().find(|c| c.procname == name).ok_or(ENOENT)?;
    Ok(if c.is_dir() {
        mk(fs, sys_ino(c), S_IFDIR | 0o555, ProcNode::SysDir(Some(c)))
    } else {
        mk(fs, sys_ino(c), S_IFREG | (c.mode & 0o777), ProcNode::SysFile(c))
    })
}

/// The table `target` is an entry of, searched from /proc/sys down: (its directory, path).
fn find_parent(
    dir: Option<&'static CtlTable>,
    target: &'static CtlTable,
    path: &mut String,
) -> Option<Option<&'static CtlTable>> {
    for c in children(dir) {
        if core::ptr::eq(c, target) {
            return Some(dir);
        }
        if c.is_dir() {
            let len = path.len();
            path.push('/');
            path.push_str(c.procname);
            if let Some(found) = find_parent(Some(c), target, path) {
                return Some(found);
            }
            path.truncate(len);
        }
    }
    None
}

/// ".." of a /proc/sys directory.
pub(super) fn parent_dir(fs: &Arc<ProcFsInfo>, t: &'static CtlTable) -> Option<Arc<Inode>> {
    let mut path = String::new();
    Some(match find_parent(None, t, &mut path)? {
        None => mk(fs, super::root::SYS_INO, S_IFDIR | 0o555, ProcNode::SysDir(None)),
        Some(d) => mk(fs, sys_ino(d), S_IFDIR | 0o555, ProcNode::SysDir(Some(d))),
    })
}

/// The path of a /proc/sys node, for /proc/PID/fd links.
pub(super) fn path_of(t: Option<&'static CtlTable>) -> String {
    let Some(t) = t else { return String::from("/proc/sys") };
    let mut path = String::new();
    match find_parent(None, t, &mut path) {
        Some(_) => format!("/proc/sys{}/{}", path, t.procname),
        None => String::from("/proc/sys"),
    }
}

/// Linux: proc_sys_permission(): executable files are not allowed under /proc/sys; otherwise
/// the entry's mode decides (sysctl_perm()).  The one place /proc/sys asks who the caller is.
pub fn proc_sys_permission(t: &CtlTable, mask: u32) -> KResult<()> {
    if mask & MAY_EXEC != 0 {
        return Err(EACCES);
    }
    sysctl_perm(t.mode, mask)
}

/// Opening a /proc/sys file: the permission its open mode asks for.
pub(super) fn proc_sys_open(t: &'static CtlTable, flags: u32) -> KResult<Arc<dyn FileOps>> {
    if flags & O_PATH == 0 {
        let mask = match flags & O_ACCMODE {
            O_RDONLY => MAY_READ,
            O_WRONLY => MAY_WRITE,
            O_RDWR => MAY_READ | MAY_WRITE,
            _ => MAY_READ | MAY_WRITE,
        };
        proc_sys_permission(t, mask)?;
    }
    Ok(Arc::new(SysctlFile(t)))
}

/// An open /proc/sys file (Linux: proc_sys_file_operations).
struct SysctlFile(&'static CtlTable);

impl SysctlFile {
    /// Linux: proc_sys_call_handler(): the permission again (sysctl_perm), then the handler
    /// with the file position.
    fn call(&self, f: &File, io: Io, mask: u32) -> KResult<usize> {
        let t = self.0;
        sysctl_perm(t.mode, mask).map_err(|_| EPERM)?;
        let h = t.proc_handler.ok_or(EINVAL)?;
        let mut pos = f.pos.lock();
        h(t, io, &mut pos)
    }
}

impl FileOps for SysctlFile {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let mut out = Vec::new();
        let n = self.call(f, Io::Read { count: buf.len(), out: &mut out }, MAY_READ)?;
        let n = n.min(out.len()).min(buf.len());
        buf[..n].copy_from_slice(&out[..n]);
        Ok(n)
    }
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        self.call(f, Io::Write(buf), MAY_WRITE)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "proc"
    }
}
