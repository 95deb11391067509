//! Path lookup and the syscalls that make and remove names.  Linux: fs/namei.c (path_lookupat,
//! filename_parentat, link_path_walk, may_open, do_mknodat, do_mkdirat, do_unlinkat/do_rmdir,
//! do_symlinkat, do_linkat, do_renameat2).
//!
//! The rootfs keeps names only in directories (no dentry cache), so a walk goes from inode to
//! inode; /proc directories answer lookups themselves (fs/proc/).

use super::inode::*;
use super::namespace::root;
use super::{AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, PATH_MAX};
use crate::errno::*;
use crate::fs::file::fd_get;
use crate::fs::fs_struct::current_umask;
use crate::kernel::task::current;
use crate::mm::uaccess::UserCStr;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{O_ACCMODE, O_DIRECTORY, O_PATH, O_RDONLY, O_TRUNC};

/// Linux: NAME_MAX, the longest name of one path component.
const NAME_MAX: usize = linux_raw_sys::general::NAME_MAX as usize;
/// Linux: MAXSYMLINKS (include/linux/namei.h), the most symlinks one lookup follows.
const MAXSYMLINKS: usize = 40;

/// The directory a relative path starts from: cwd, or the directory open at `dirfd`.
fn start_dir(dirfd: i32, path: &str) -> KResult<Arc<Inode>> {
    let cur = current();
    let fs = cur.fs.lock().clone().ok_or(ENOENT)?;
    let fsi = fs.inner.lock().clone();
    if path.starts_with('/') {
        return Ok(fsi.root);
    }
    if dirfd == AT_FDCWD {
        return Ok(fsi.cwd);
    }
    let f = fd_get(dirfd as u32)?;
    let ino = f.inode.clone().ok_or(ENOTDIR)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(ino)
}

fn parent_of(d: &Arc<Inode>) -> Arc<Inode> {
    d.parent().unwrap_or_else(|| d.clone())
}

/// How a lookup treats its path (Linux: LOOKUP_FOLLOW, LOOKUP_EMPTY).
#[derive(Clone, Copy, Default)]
pub struct LookupFlags {
    /// Follow a final symlink (AT_SYMLINK_NOFOLLOW clears it).
    pub follow: bool,
    /// An empty path names `dirfd` itself (AT_EMPTY_PATH), or the cwd for AT_FDCWD.
    pub empty: bool,
}

/// Linux: user_path_at() with LOOKUP_EMPTY: like namei_at, but with `flags.empty` an empty
/// path is the file open at `dirfd` (any kind: a pipe's or an O_PATH fd's inode too).
pub fn namei_at_empty(dirfd: i32, path: &str, flags: LookupFlags) -> KResult<Arc<Inode>> {
    if path.is_empty() && flags.empty {
        if dirfd == AT_FDCWD {
            let fs = current().fs.lock().clone().ok_or(ENOENT)?;
            let cwd = fs.inner.lock().cwd.clone();
            return Ok(cwd);
        }
        return fd_get(dirfd as u32)?.inode.clone().ok_or(EBADF);
    }
    namei_at(dirfd, path, flags.follow)
}

/// Linux: path_lookupat() — resolve `path` to an inode; `follow` follows a final symlink.
pub fn namei_at(dirfd: i32, path: &str, follow: bool) -> KResult<Arc<Inode>> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let start = start_dir(dirfd, path)?;
    walk(start, path, follow, 0)
}

/// Linux: link_path_walk() + walk_component(), with symlinks followed by recursion.
fn walk(start: Arc<Inode>, path: &str, follow: bool, depth: usize) -> KResult<Arc<Inode>> {
    if depth > MAXSYMLINKS {
        return Err(ELOOP);
    }
    let mut cur = if path.starts_with('/') { root() } else { start };
    let comps: alloc::vec::Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let trailing_slash = path.ends_with('/');
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        if !cur.is_dir() {
            return Err(ENOTDIR);
        }
        if c.len() > NAME_MAX {
            return Err(ENAMETOOLONG);
        }
        let next = match *c {
            "." => cur.clone(),
            ".." => parent_of(&cur),
            name => cur.lookup(name)?,
        };
        let next = if let InodeKind::Symlink(target) = &next.kind {
            if !last || follow || trailing_slash {
                walk(cur.clone(), target, true, depth + 1)?
            } else {
                next
            }
        } else {
            next
        };
        cur = next;
    }
    if trailing_slash && !cur.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(cur)
}

/// Linux: filename_parentat() — the directory holding the last component, and its name.
pub fn lookup_parent(dirfd: i32, path: &str) -> KResult<(Arc<Inode>, String)> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let trimmed = path.trim_end_matches('/');
    let (dir, name) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i.max(if trimmed.starts_with('/') { 1 } else { 0 })], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    let start = start_dir(dirfd, path)?;
    let d = if dir.is_empty() {
        if path.starts_with('/') {
            root()
        } else {
            start
        }
    } else {
        walk(start, dir, true, 0)?
    };
    if !d.is_dir() {
        return Err(ENOTDIR);
    }
    if name.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    Ok((d, String::from(if name.is_empty() { "." } else { name })))
}

/// Linux: may_open(): a directory opens read-only (or O_PATH); O_DIRECTORY wants one.
pub fn may_open(ino: &Inode, flags: u32) -> KResult<()> {
    let acc = flags & O_ACCMODE;
    if ino.is_dir() && (acc != O_RDONLY || flags & O_TRUNC != 0) && flags & O_PATH == 0 {
        return Err(EISDIR);
    }
    if flags & O_DIRECTORY != 0 && !ino.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(())
}

/// Linux: mknodat(2).  Not yet: device nodes and FIFOs cannot be made (EPERM, as for a caller
/// without CAP_MKNOD).
pub fn sys_mknodat(_dfd: i32, _filename: UserCStr, _mode: u32, _dev: u32) -> KResult<usize> {
    Err(EPERM)
}

/// Linux: do_mkdirat()
pub fn sys_mkdirat(dfd: i32, pathname: UserCStr, mode: u32) -> KResult<usize> {
    let path = pathname.read_path()?;
    let (dir, name) = lookup_parent(dfd, &path)?;
    if name == "." || name == ".." {
        return Err(EEXIST);
    }
    let umask = current_umask();
    let d = Inode::new_dir(mode & 0o7777 & !umask, Arc::downgrade(&dir), &name);
    dir.link(&name, d)?;
    Ok(0)
}

/// Linux: do_unlinkat(), or do_rmdir() with AT_REMOVEDIR.
pub fn sys_unlinkat(dfd: i32, pathname: UserCStr, flag: i32) -> KResult<usize> {
    let flags = flag as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let path = pathname.read_path()?;
    let (dir, name) = lookup_parent(dfd, &path)?;
    if flags & AT_REMOVEDIR != 0 {
        if name == "." {
            return Err(EINVAL);
        }
        if name == ".." {
            return Err(ENOTEMPTY);
        }
    }
    dir.unlink(&name, flags & AT_REMOVEDIR != 0)?;
    Ok(0)
}

/// Linux: do_symlinkat()
pub fn sys_symlinkat(oldname: UserCStr, newdfd: i32, newname: UserCStr) -> KResult<usize> {
    let target = oldname.read_path()?;
    let path = newname.read_path()?;
    let (dir, name) = lookup_parent(newdfd, &path)?;
    dir.link(&name, Inode::new(S_IFLNK | 0o777, InodeKind::Symlink(target)))?;
    Ok(0)
}

/// Linux: do_linkat()
pub fn sys_linkat(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, flags: i32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let ino = namei_at(olddfd, &old, flags as u32 & AT_SYMLINK_FOLLOW != 0)?;
    if ino.is_dir() {
        return Err(EPERM);
    }
    let (dir, name) = lookup_parent(newdfd, &new)?;
    dir.link(&name, ino.clone())?;
    ino.nlink.fetch_add(1, Ordering::Relaxed);
    ino.touch_ctime();
    Ok(0)
}

/// Linux: do_renameat2()
pub fn sys_renameat2(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, _flags: u32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let (od, on) = lookup_parent(olddfd, &old)?;
    let (nd, nn) = lookup_parent(newdfd, &new)?;
    let ino = od.lookup(&on)?;
    if let Ok(existing) = nd.lookup(&nn) {
        if Arc::ptr_eq(&existing, &ino) {
            return Ok(0);
        }
        nd.unlink(&nn, existing.is_dir())?;
    }
    let was_dir = ino.is_dir();
    if let InodeKind::Dir(d) = &od.kind {
        d.lock().entries.remove(&on);
        if was_dir {
            od.nlink.fetch_sub(1, Ordering::Relaxed);
        }
    }
    nd.link(&nn, ino.clone())?;
    ino.touch_ctime();
    od.touch_mtime();
    Ok(0)
}
