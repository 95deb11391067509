//! Opening and closing files, and the syscalls on an inode's attributes.  Linux: fs/open.c
//! (ftruncate, faccessat, chdir, fchdir, chroot, fchmod(at), fchown(at), do_dentry_open,
//! do_sys_openat2, openat, close).

use super::char_dev::{chrdev_ops, TTYAUX_CONSOLE_MINOR, TTYAUX_MAJOR, TTYAUX_TTY_MINOR, TTYS0_MINOR, TTY_MAJOR};
use super::file::{close_fd, fd_get, fd_install};
use super::file_table::{File, FileOps};
use super::fs_struct::{current_umask, set_fs_dir};
use super::inode::*;
use super::namei::{lookup_parent_path, may_open, namei_at, namei_path_at};
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::drivers::char::mem::NullOps;
use crate::errno::*;
use crate::mm::uaccess::UserCStr;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY, O_TRUNC, S_IRWXO, X_OK,
};

pub fn sys_ftruncate(fd: u32, length: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.writable() {
        return Err(EINVAL);
    }
    f.inode.as_ref().ok_or(EINVAL)?.truncate(length)?;
    Ok(0)
}

/// Linux: do_faccessat()
fn do_faccessat(dfd: i32, filename: UserCStr, mode: i32, flags: u32) -> KResult<usize> {
    // Linux: mode & ~S_IRWXO: only F_OK, R_OK, W_OK, X_OK.
    if mode as u32 & !S_IRWXO != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    let ino = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        fd_get(dfd as u32)?.inode.clone().ok_or(EBADF)?
    } else {
        namei_at(dfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    // root: X needs at least one x bit (or a directory).
    if mode as u32 & X_OK != 0 && !ino.is_dir() && ino.mode() & S_IXUGO == 0 {
        return Err(EACCES);
    }
    Ok(0)
}

/// Linux: faccessat(2) — faccessat2 without flags.
pub fn sys_faccessat(dfd: i32, filename: UserCStr, mode: i32) -> KResult<usize> {
    do_faccessat(dfd, filename, mode, 0)
}

pub fn sys_faccessat2(dfd: i32, filename: UserCStr, mode: i32, flags: i32) -> KResult<usize> {
    do_faccessat(dfd, filename, mode, flags as u32)
}

pub fn sys_chdir(filename: UserCStr) -> KResult<usize> {
    let path = filename.read_path()?;
    set_fs_dir(namei_at(AT_FDCWD, &path, true)?, false)
}

pub fn sys_fchdir(fd: u32) -> KResult<usize> {
    set_fs_dir(fd_get(fd)?.inode.clone().ok_or(ENOTDIR)?, false)
}

pub fn sys_chroot(filename: UserCStr) -> KResult<usize> {
    let path = filename.read_path()?;
    set_fs_dir(namei_at(AT_FDCWD, &path, true)?, true)
}

pub fn sys_fchmod(fd: u32, mode: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    let ino = f.inode.clone().ok_or(EINVAL)?;
    let m = ino.mode();
    ino.mode.store((m & S_IFMT) | (mode & S_IALLUGO), Ordering::Relaxed);
    Ok(0)
}

pub fn sys_fchmodat(dfd: i32, filename: UserCStr, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    let ino = namei_at(dfd, &path, true)?;
    let m = ino.mode();
    ino.mode.store((m & S_IFMT) | (mode & S_IALLUGO), Ordering::Relaxed);
    Ok(0)
}

/// Linux: fchownat(2) / fchown(2).  Not yet: owners are not changed (everyone is root).
pub fn sys_fchownat(_dfd: i32, _filename: UserCStr, _user: u32, _group: u32, _flag: i32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_fchown(_fd: u32, _user: u32, _group: u32) -> KResult<usize> {
    Ok(0)
}

/// Opens an inode as a file (Linux: do_dentry_open()).
pub fn open_inode(ino: Arc<Inode>, flags: u32, path: String) -> KResult<Arc<File>> {
    let ops: Arc<dyn FileOps> = match &ino.kind {
        InodeKind::Dir(_) => Arc::new(super::libfs::DirOps),
        InodeKind::File(_) => Arc::new(super::ramfs::file_mmu::RegOps),
        InodeKind::CharDev(a, b) => {
            if flags & O_PATH != 0 {
                Arc::new(NullOps)
            } else {
                chrdev_ops(*a, *b)?
            }
        }
        InodeKind::Proc(node) => super::proc::open(node)?,
        InodeKind::Trace(node) => super::tracefs::open(node, flags)?,
        InodeKind::Symlink(_) => Arc::new(NullOps), // O_PATH|O_NOFOLLOW only
        InodeKind::Nsfs(ns) => super::nsfs::open(ns)?,
        InodeKind::Mqueue(q) => crate::ipc::mqueue::open(q)?,
    };
    Ok(File::new(ops, Some(ino), flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC), path))
}

/// Linux: do_sys_openat2()
pub fn do_open(dirfd: i32, path: &str, flags: u32, mode: u32) -> KResult<usize> {
    let follow = flags & O_NOFOLLOW == 0;
    let ino = match namei_path_at(dirfd, path, follow) {
        Ok(p) => {
            // Linux: may_open() -> mnt_want_write() for writes to a regular file.
            if p.inode.is_reg() && flags & O_PATH == 0 && (flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0) {
                if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                    return Err(EEXIST);
                }
                super::namespace::mnt_want_write(&p)?;
            }
            let ino = p.inode;
            if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                return Err(EEXIST);
            }
            if let InodeKind::Symlink(_) = ino.kind {
                if flags & O_PATH == 0 {
                    return Err(ELOOP);
                }
            }
            ino
        }
        Err(ENOENT) if flags & O_CREAT != 0 => {
            let (dirp, name) = lookup_parent_path(dirfd, path)?;
            if path.ends_with('/') {
                return Err(EISDIR);
            }
            super::namespace::mnt_want_write(&dirp)?;
            let dir = dirp.inode;
            let umask = current_umask();
            let ino = Inode::new(
                S_IFREG | (mode & S_IALLUGO & !umask),
                InodeKind::File(crate::kernel::locking::SpinLock::new(FileData::Owned(Vec::new()))),
            );
            dir.link(&name, ino.clone())?;
            ino
        }
        Err(e) => return Err(e),
    };
    may_open(&ino, flags)?;
    let writer = ino.is_reg() && flags & O_ACCMODE != O_RDONLY && flags & O_PATH == 0;
    if writer {
        ino.get_write_access()?;
    }
    if flags & O_TRUNC != 0 && ino.is_reg() && flags & O_ACCMODE != O_RDONLY {
        ino.truncate(0)?;
    }
    if let InodeKind::CharDev(TTYAUX_MAJOR, TTYAUX_TTY_MINOR | TTYAUX_CONSOLE_MINOR)
    | InodeKind::CharDev(TTY_MAJOR, TTYS0_MINOR) = ino.kind
    {
        crate::drivers::tty::open_maybe_acquire(flags & O_NOCTTY != 0);
    }
    let f = match open_inode(ino.clone(), flags, String::from(path)) {
        Ok(f) => f,
        Err(e) => {
            if writer {
                ino.writecount.fetch_sub(1, Ordering::AcqRel);
            }
            return Err(e);
        }
    };
    f.write_access.store(writer, Ordering::Relaxed);
    fd_install(f, flags & O_CLOEXEC != 0)
}

pub fn sys_openat(dirfd: i32, filename: UserCStr, flags: i32, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    do_open(dirfd, &path, flags as u32, mode)
}

pub fn sys_close(fd: u32) -> KResult<usize> {
    close_fd(fd).map(|_| 0)
}
