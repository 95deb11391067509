//! Path lookup and the syscalls that make and remove names.  Linux: fs/namei.c (path_lookupat,
//! filename_parentat, link_path_walk, may_open, do_mknodat, do_mkdirat, do_unlinkat/do_rmdir,
//! do_symlinkat, do_linkat, do_renameat2).
//!
//! The rootfs keeps names only in directories (no dentry cache), so a walk goes from inode to
//! inode; /proc directories answer lookups themselves (fs/proc/).  The walk also carries the
//! mount it is in (a [`Path`]): the mount layer (fs/namespace.rs) says at each step whether a
//! mount covers the inode reached (follow_mount) and where ".." leads out of a mount's root
//! (follow_dotdot).

use super::inode::*;
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

/// Linux: struct path — an inode and the mount it was reached through.
#[derive(Clone)]
pub struct Path {
    pub mnt: super::namespace::MntId,
    pub inode: Arc<Inode>,
}

/// What a walk needs from the caller: its mount namespace and its root.
struct Walk {
    ns: Arc<super::namespace::MntNamespace>,
    root: Path,
}

/// The directory a relative path starts from: cwd, or the directory open at `dirfd`; and the
/// walk's namespace and root.
fn start_dir(dirfd: i32, path: &str) -> KResult<(Walk, Path)> {
    let cur = current();
    let fs = cur.fs.lock().clone().ok_or(ENOENT)?;
    let fsi = fs.inner.lock().clone();
    let ns = super::namespace::current_mnt_ns();
    let root = ns.path_of(&fsi.root);
    let start = if path.starts_with('/') {
        root.clone()
    } else if dirfd == AT_FDCWD {
        ns.path_of(&fsi.cwd)
    } else {
        let f = fd_get(dirfd as u32)?;
        let ino = f.inode.clone().ok_or(ENOTDIR)?;
        if !ino.is_dir() {
            return Err(ENOTDIR);
        }
        ns.path_of(&ino)
    };
    Ok((Walk { ns, root }, start))
}

/// Linux: path_lookupat() — resolve `path` to an inode; `follow` follows a final symlink.
pub fn namei_at(dirfd: i32, path: &str, follow: bool) -> KResult<Arc<Inode>> {
    namei_path_at(dirfd, path, follow).map(|p| p.inode)
}

/// path_lookupat() with the mount the inode was found in (mount, umount, and the checks of
/// per-mount flags: read-only, noexec).
pub fn namei_path_at(dirfd: i32, path: &str, follow: bool) -> KResult<Path> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let (w, start) = start_dir(dirfd, path)?;
    walk(&w, start, path, follow, 0)
}

/// Linux: link_path_walk() + walk_component(), with symlinks followed by recursion.
fn walk(w: &Walk, start: Path, path: &str, follow: bool, depth: usize) -> KResult<Path> {
    if depth > MAXSYMLINKS {
        return Err(ELOOP);
    }
    let mut cur = if path.starts_with('/') { w.root.clone() } else { start };
    let comps: alloc::vec::Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let trailing_slash = path.ends_with('/');
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        if !cur.inode.is_dir() {
            return Err(ENOTDIR);
        }
        if c.len() > NAME_MAX {
            return Err(ENAMETOOLONG);
        }
        let next = match *c {
            "." => cur.clone(),
            ".." => w.ns.follow_dotdot(&cur, &w.root),
            name => {
                let inode = cur.inode.lookup(name)?;
                w.ns.follow_mount(Path { mnt: cur.mnt, inode })
            }
        };
        let follow_this = !last || follow || trailing_slash;
        let next = if let InodeKind::Symlink(target) = &next.inode.kind {
            if follow_this {
                walk(w, cur.clone(), target, true, depth + 1)?
            } else {
                next
            }
        } else if let Some(target) = follow_this.then(|| super::proc::get_link(&next.inode)).flatten() {
            // A /proc magic link (a namespace): the file it stands for, in no mount.
            Path { mnt: 0, inode: target? }
        } else {
            next
        };
        cur = next;
    }
    if trailing_slash && !cur.inode.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(cur)
}

/// Linux: filename_parentat() — the directory holding the last component, and its name.
pub fn lookup_parent(dirfd: i32, path: &str) -> KResult<(Arc<Inode>, String)> {
    lookup_parent_path(dirfd, path).map(|(p, n)| (p.inode, n))
}

/// lookup_parent() with the directory's mount (for mnt_want_write()).
pub fn lookup_parent_path(dirfd: i32, path: &str) -> KResult<(Path, String)> {
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
    let (w, start) = start_dir(dirfd, path)?;
    let d = if dir.is_empty() {
        if path.starts_with('/') {
            w.root.clone()
        } else {
            start
        }
    } else {
        walk(&w, start, dir, true, 0)?
    };
    if !d.inode.is_dir() {
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
    let (dirp, name) = lookup_parent_path(dfd, &path)?;
    if name == "." || name == ".." {
        return Err(EEXIST);
    }
    if dirp.inode.lookup(&name).is_ok() {
        return Err(EEXIST);
    }
    super::namespace::mnt_want_write(&dirp)?;
    let dir = dirp.inode;
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
    let (dirp, name) = lookup_parent_path(dfd, &path)?;
    super::namespace::mnt_want_write(&dirp)?;
    let dir = dirp.inode;
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
    let (dirp, name) = lookup_parent_path(newdfd, &path)?;
    if dirp.inode.lookup(&name).is_ok() {
        return Err(EEXIST);
    }
    super::namespace::mnt_want_write(&dirp)?;
    dirp.inode.link(&name, Inode::new(S_IFLNK | 0o777, InodeKind::Symlink(target)))?;
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
    let (dirp, name) = lookup_parent_path(newdfd, &new)?;
    super::namespace::mnt_want_write(&dirp)?;
    dirp.inode.link(&name, ino.clone())?;
    ino.nlink.fetch_add(1, Ordering::Relaxed);
    Ok(0)
}

/// Linux: do_renameat2()
pub fn sys_renameat2(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, _flags: u32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let (odp, on) = lookup_parent_path(olddfd, &old)?;
    let (ndp, nn) = lookup_parent_path(newdfd, &new)?;
    // Linux: do_renameat2(): both names on one mount, else EXDEV.
    if odp.mnt != ndp.mnt {
        return Err(EXDEV);
    }
    super::namespace::mnt_want_write(&odp)?;
    let (od, nd) = (odp.inode, ndp.inode);
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
    nd.link(&nn, ino)?;
    Ok(0)
}
