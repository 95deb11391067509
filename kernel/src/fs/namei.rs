//! Path lookup and the syscalls that make and remove names.  Linux: fs/namei.c (path_lookupat,
//! filename_parentat, link_path_walk, may_open, do_mknodat, do_mkdirat, do_unlinkat/do_rmdir,
//! do_symlinkat, do_linkat, do_renameat2).
//!
//! The rootfs keeps names only in directories (no dentry cache), so a walk goes from inode to
//! inode; /proc directories answer lookups themselves (fs/proc/).
//!
//! Permission checks are Linux's, at Linux's places: search (MAY_EXEC) on every directory a
//! walk passes through (may_lookup), fs.protected_symlinks on following a link
//! (may_follow_link), write and search on a directory to create in it (may_create) or delete
//! from it (may_delete, with the sticky bit), the access mode on open (may_open).  The
//! decisions are the host-tested credcheck::perm; inode_permission() applies them to an inode
//! with the caller's cred.

use super::inode::*;
use super::namespace::root;
use super::{AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, PATH_MAX};
use crate::errno::*;
use crate::fs::file::fd_get;
use crate::fs::fs_struct::current_umask;
use crate::kernel::capability::{capable_wrt_inode_uidgid, CAP_FOWNER, CAP_FSETID};
use crate::kernel::cred::{current_cred, Cred};
use crate::kernel::task::current;
use crate::mm::uaccess::UserCStr;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use credcheck::perm::{self, InodeIds};
use linux_raw_sys::general::{O_ACCMODE, O_APPEND, O_DIRECTORY, O_NOATIME, O_PATH, O_RDONLY, O_TRUNC, O_WRONLY};

/// Linux: NAME_MAX, the longest name of one path component.
const NAME_MAX: usize = linux_raw_sys::general::NAME_MAX as usize;
/// Linux: MAXSYMLINKS (include/linux/namei.h), the most symlinks one lookup follows.
const MAXSYMLINKS: usize = 40;

pub use credcheck::perm::{MAY_ACCESS, MAY_APPEND, MAY_CHDIR, MAY_EXEC, MAY_OPEN, MAY_READ, MAY_WRITE};

/// What the permission rules read of an inode.
pub fn inode_ids(ino: &Inode) -> InodeIds {
    InodeIds { mode: ino.mode(), uid: ino.uid.load(Ordering::Relaxed), gid: ino.gid.load(Ordering::Relaxed) }
}

/// Linux: generic_permission() — the mode bits for `cred`, then its DAC capabilities
/// (capable_wrt_inode_uidgid()).
pub fn generic_permission(cred: &Cred, ino: &Inode, mask: u32) -> KResult<()> {
    let ids = inode_ids(ino);
    let cap = |c: u32| capable_wrt_inode_uidgid(cred, ids.uid, ids.gid, c);
    perm::generic_permission(cred, &ids, mask, &cap).map_err(|e| Errno(e as i32))
}

/// Linux: inode_permission() with a given cred: a /proc inode's own ->permission (its fd
/// directory is always open to the process itself: proc_fd_permission), else
/// generic_permission().
pub fn inode_permission_cred(cred: &Cred, ino: &Inode, mask: u32) -> KResult<()> {
    let r = generic_permission(cred, ino, mask);
    if r.is_err() {
        if let InodeKind::Proc(pi) = &ino.kind {
            if crate::fs::proc::permission_override(pi) {
                return Ok(());
            }
        }
    }
    r
}

/// Linux: inode_permission() — may the caller (its subjective cred) read, write or execute
/// (MAY_READ/MAY_WRITE/MAY_EXEC, with MAY_OPEN/MAY_ACCESS/MAY_CHDIR telling why) `ino`?
pub fn inode_permission(ino: &Inode, mask: u32) -> KResult<()> {
    inode_permission_cred(&current_cred(), ino, mask)
}

/// Linux: may_lookup() — search permission on a directory a walk passes through.  (Out of
/// line: walk() recurses once per symlink, and its frame must stay small.)
#[inline(never)]
fn may_lookup(cred: &Cred, dir: &Inode) -> KResult<()> {
    inode_permission_cred(cred, dir, MAY_EXEC)
}

/// Linux: may_follow_link() (fs.protected_symlinks = 1): in a sticky world-writable
/// directory, only links owned by the follower or by the directory's owner are followed.
#[inline(never)]
fn may_follow_link(cred: &Cred, dir: &Inode, link: &Inode) -> KResult<()> {
    perm::may_follow_link(cred, &inode_ids(dir), link.uid.load(Ordering::Relaxed)).map_err(|e| Errno(e as i32))
}

/// Linux: may_create() — write and search permission on the directory a name is made in.
pub fn may_create(dir: &Inode) -> KResult<()> {
    inode_permission(dir, MAY_WRITE | MAY_EXEC)
}

/// Linux: may_delete() — write and search permission on the directory, and in a sticky
/// directory ownership of the file or the directory (or CAP_FOWNER): EPERM.  Then the type
/// rules (ENOTDIR, EISDIR) the caller's unlink also makes.
pub fn may_delete(dir: &Inode, victim: &Inode, isdir: bool) -> KResult<()> {
    let cred = current_cred();
    inode_permission_cred(&cred, dir, MAY_WRITE | MAY_EXEC)?;
    let v = inode_ids(victim);
    if perm::check_sticky(&cred, &inode_ids(dir), &v, capable_wrt_inode_uidgid(&cred, v.uid, v.gid, CAP_FOWNER)) {
        return Err(EPERM);
    }
    if isdir {
        if !victim.is_dir() {
            return Err(ENOTDIR);
        }
    } else if victim.is_dir() {
        return Err(EISDIR);
    }
    Ok(())
}

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

/// Linux: path_lookupat() — resolve `path` to an inode; `follow` follows a final symlink.
pub fn namei_at(dirfd: i32, path: &str, follow: bool) -> KResult<Arc<Inode>> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let start = start_dir(dirfd, path)?;
    walk(&current_cred(), start, path, follow, &mut 0)
}

/// Linux: link_path_walk() + walk_component(), with symlinks followed by recursion (at most
/// MAXSYMLINKS in the whole walk, counted in `links`: ELOOP past them).  Every
/// directory passed through needs search permission, the last one too (may_lookup).
fn walk(cred: &Cred, start: Arc<Inode>, path: &str, follow: bool, links: &mut usize) -> KResult<Arc<Inode>> {
    if *links > MAXSYMLINKS {
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
        may_lookup(cred, &cur)?;
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
                may_follow_link(cred, &cur, &next)?;
                *links += 1;
                if *links > MAXSYMLINKS {
                    return Err(ELOOP);
                }
                walk(cred, cur.clone(), target, true, links)?
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
    let cred = current_cred();
    let d = if dir.is_empty() {
        if path.starts_with('/') {
            root()
        } else {
            start
        }
    } else {
        walk(&cred, start, dir, true, &mut 0)?
    };
    if !d.is_dir() {
        return Err(ENOTDIR);
    }
    // (link_path_walk's may_lookup on the directory holding the last component)
    may_lookup(&cred, &d)?;
    if name.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    Ok((d, String::from(if name.is_empty() { "." } else { name })))
}

/// Linux: ACC_MODE() plus build_open_flags()'s additions: what an open asks of the inode
/// (MAY_READ/MAY_WRITE from the access mode, MAY_WRITE for O_TRUNC, MAY_APPEND; nothing
/// for O_PATH).
pub fn open_acc_mode(flags: u32) -> u32 {
    if flags & O_PATH != 0 {
        return 0;
    }
    let mut acc = match flags & O_ACCMODE {
        O_RDONLY => MAY_READ,
        O_WRONLY => MAY_WRITE,
        _ => MAY_READ | MAY_WRITE,
    };
    if flags & O_TRUNC != 0 {
        acc |= MAY_WRITE;
    }
    if flags & O_APPEND != 0 {
        acc |= MAY_APPEND;
    }
    acc
}

/// Linux: may_open(): a directory opens read-only (or O_PATH); O_DIRECTORY wants one; then
/// the inode's permission for `acc_mode` (open_acc_mode(), or 0 for a file this open just
/// created); O_NOATIME only for the owner or CAP_FOWNER.
pub fn may_open(ino: &Inode, flags: u32, acc_mode: u32) -> KResult<()> {
    let acc = flags & O_ACCMODE;
    if ino.is_dir() && (acc != O_RDONLY || flags & O_TRUNC != 0) && flags & O_PATH == 0 {
        return Err(EISDIR);
    }
    if flags & O_DIRECTORY != 0 && !ino.is_dir() {
        return Err(ENOTDIR);
    }
    if acc_mode != 0 {
        inode_permission(ino, MAY_OPEN | acc_mode)?;
    }
    if flags & O_NOATIME != 0 && flags & O_PATH == 0 {
        let cred = current_cred();
        let ids = inode_ids(ino);
        if !perm::inode_owner_or_capable(&cred, &ids, capable_wrt_inode_uidgid(&cred, ids.uid, ids.gid, CAP_FOWNER)) {
            return Err(EPERM);
        }
    }
    Ok(())
}

/// Linux: mknodat(2).  Not yet: device nodes and FIFOs cannot be made (EPERM, as for a caller
/// without CAP_MKNOD).
pub fn sys_mknodat(_dfd: i32, _filename: UserCStr, _mode: u32, _dev: u32) -> KResult<usize> {
    Err(EPERM)
}

/// Linux: vfs_prepare_mode() — a new inode's mode: S_ISGID stripped for a creator outside a
/// set-group-ID directory's group (mode_strip_sgid), then the umask.
pub fn vfs_prepare_mode(dir: &Inode, mode: u32, umask: u32) -> u32 {
    let cred = current_cred();
    let d = inode_ids(dir);
    let cap = capable_wrt_inode_uidgid(&cred, d.uid, d.gid, CAP_FSETID);
    perm::mode_strip_sgid(&cred, &d, mode, cap) & !umask
}

/// Linux: do_mkdirat() — EEXIST first (filename_create), then may_create.
pub fn sys_mkdirat(dfd: i32, pathname: UserCStr, mode: u32) -> KResult<usize> {
    let path = pathname.read_path()?;
    let (dir, name) = lookup_parent(dfd, &path)?;
    if name == "." || name == ".." || dir.lookup(&name).is_ok() {
        return Err(EEXIST);
    }
    may_create(&dir)?;
    let mode = vfs_prepare_mode(&dir, S_IFDIR | (mode & 0o7777), current_umask());
    let d = Inode::new_dir(mode & 0o7777, Arc::downgrade(&dir), &name);
    d.inode_init_owner(&dir);
    dir.link(&name, d)?;
    Ok(0)
}

/// Linux: do_unlinkat(), or do_rmdir() with AT_REMOVEDIR: the name must exist (ENOENT), then
/// may_delete.
pub fn sys_unlinkat(dfd: i32, pathname: UserCStr, flag: i32) -> KResult<usize> {
    let flags = flag as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let path = pathname.read_path()?;
    let (dir, name) = lookup_parent(dfd, &path)?;
    let rmdir = flags & AT_REMOVEDIR != 0;
    if rmdir {
        if name == "." {
            return Err(EINVAL);
        }
        if name == ".." {
            return Err(ENOTEMPTY);
        }
    }
    let victim = dir.lookup(&name)?;
    may_delete(&dir, &victim, rmdir)?;
    dir.unlink(&name, rmdir)?;
    Ok(0)
}

/// Linux: do_symlinkat()
pub fn sys_symlinkat(oldname: UserCStr, newdfd: i32, newname: UserCStr) -> KResult<usize> {
    let target = oldname.read_path()?;
    let path = newname.read_path()?;
    let (dir, name) = lookup_parent(newdfd, &path)?;
    if dir.lookup(&name).is_ok() {
        return Err(EEXIST);
    }
    may_create(&dir)?;
    let l = Inode::new(S_IFLNK | 0o777, InodeKind::Symlink(target));
    l.inode_init_owner(&dir);
    dir.link(&name, l)?;
    Ok(0)
}

/// Linux: may_linkat() (fs.protected_hardlinks = 1): a hard link to a file the caller does
/// not own (nor has CAP_FOWNER over) only to a "safe" source: a regular, non-set-id file it
/// may read and write.  EPERM otherwise.
fn may_linkat(ino: &Inode) -> KResult<()> {
    let cred = current_cred();
    let ids = inode_ids(ino);
    let rw_ok = ino.is_reg() && inode_permission_cred(&cred, ino, MAY_READ | MAY_WRITE).is_ok();
    if perm::safe_hardlink_source(&ids, rw_ok)
        || perm::inode_owner_or_capable(&cred, &ids, capable_wrt_inode_uidgid(&cred, ids.uid, ids.gid, CAP_FOWNER))
    {
        return Ok(());
    }
    Err(EPERM)
}

/// Linux: do_linkat(): EEXIST (filename_create), may_linkat (EPERM), then vfs_link():
/// may_create, and no links to directories (EPERM).
pub fn sys_linkat(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, flags: i32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let ino = namei_at(olddfd, &old, flags as u32 & AT_SYMLINK_FOLLOW != 0)?;
    let (dir, name) = lookup_parent(newdfd, &new)?;
    if dir.lookup(&name).is_ok() {
        return Err(EEXIST);
    }
    may_linkat(&ino)?;
    may_create(&dir)?;
    if ino.is_dir() {
        return Err(EPERM);
    }
    dir.link(&name, ino.clone())?;
    ino.nlink.fetch_add(1, Ordering::Relaxed);
    Ok(0)
}

/// Linux: do_renameat2() -> vfs_rename(): may_delete on the source, may_delete on a target
/// that exists or may_create where it does not, and write permission on a directory that
/// changes parent (its ".." changes).
pub fn sys_renameat2(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, _flags: u32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let (od, on) = lookup_parent(olddfd, &old)?;
    let (nd, nn) = lookup_parent(newdfd, &new)?;
    let ino = od.lookup(&on)?;
    let target = nd.lookup(&nn).ok();
    if let Some(t) = &target {
        if Arc::ptr_eq(t, &ino) {
            return Ok(0);
        }
    }
    let was_dir = ino.is_dir();
    // Linux: lock_rename()'s trap: a directory cannot move into itself or below itself.
    if was_dir {
        let mut d = Some(nd.clone());
        while let Some(x) = d {
            if Arc::ptr_eq(&x, &ino) {
                return Err(EINVAL);
            }
            d = x.parent().filter(|p| !Arc::ptr_eq(p, &x));
        }
    }
    may_delete(&od, &ino, was_dir)?;
    match &target {
        Some(t) => may_delete(&nd, t, was_dir)?,
        None => may_create(&nd)?,
    }
    if !Arc::ptr_eq(&od, &nd) && was_dir {
        inode_permission(&ino, MAY_WRITE)?;
    }
    if let Some(existing) = target {
        nd.unlink(&nn, existing.is_dir())?;
    }
    if let InodeKind::Dir(d) = &od.kind {
        d.lock().entries.remove(&on);
        if was_dir {
            od.nlink.fetch_sub(1, Ordering::Relaxed);
        }
    }
    nd.link(&nn, ino)?;
    Ok(0)
}
