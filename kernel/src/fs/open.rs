//! Opening and closing files, and the syscalls on an inode's attributes.  Linux: fs/open.c
//! (ftruncate, faccessat, chdir, fchdir, chroot, fchmod(at), fchown(at), do_dentry_open,
//! do_sys_openat2, openat, close).

use super::attr::{notify_change, should_drop_sgid, Iattr, ATTR_CTIME, ATTR_GID, ATTR_KILL_SUID, ATTR_MODE, ATTR_UID};
use super::char_dev::{chrdev_ops, TTYAUX_CONSOLE_MINOR, TTYAUX_MAJOR, TTYAUX_TTY_MINOR, TTYS0_MINOR, TTY_MAJOR};
use super::file::{close_fd, fd_get, fd_install};
use super::file_table::{File, FileOps};
use super::fs_struct::{current_umask, set_fs_dir};
use super::inode::*;
use super::namei::{
    inode_permission, lookup_parent, may_create, may_open, namei_at, open_acc_mode, vfs_prepare_mode, MAY_ACCESS,
    MAY_CHDIR, MAY_EXEC,
};
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::drivers::char::mem::NullOps;
use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SYS_CHROOT};
use crate::kernel::cred::{current_cred, override_creds, prepare_creds, OverrideCreds};
use crate::kernel::task::current;
use crate::mm::uaccess::UserCStr;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    AT_EACCESS, O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY, O_TRUNC, S_IRWXO,
};

pub fn sys_ftruncate(fd: u32, length: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.writable() {
        return Err(EINVAL);
    }
    let ino = f.inode.as_ref().ok_or(EINVAL)?;
    // Linux: do_truncate(): a truncate clears set-id bits as a write does.
    super::attr::file_remove_privs(ino)?;
    ino.truncate(length)?;
    Ok(0)
}

/// Linux: access_override_creds() — faccessat checks with the real ids: fsuid and fsgid
/// become the real uid and gid, and the capabilities are root's only for a real root.
fn access_override_creds() -> OverrideCreds {
    let mut c = prepare_creds();
    c.fsuid = c.uid;
    c.fsgid = c.gid;
    if !c.issecure(credcheck::SECURE_NO_SETUID_FIXUP) {
        if c.uid != c.root_uid() {
            c.cap_effective = credcheck::KernelCap::EMPTY;
        } else {
            c.cap_effective = c.cap_permitted;
        }
    }
    override_creds(Arc::new(c))
}

/// Linux: do_faccessat(): the permission an open would need, asked with the real ids (or the
/// effective ones with AT_EACCESS); F_OK only asks whether the path resolves.
fn do_faccessat(dfd: i32, filename: UserCStr, mode: i32, flags: u32) -> KResult<usize> {
    // Linux: mode & ~S_IRWXO: only F_OK, R_OK, W_OK, X_OK.
    if mode as u32 & !S_IRWXO != 0 {
        return Err(EINVAL);
    }
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let _creds = if flags & AT_EACCESS == 0 { Some(access_override_creds()) } else { None };
    let path = filename.read_path()?;
    let ino = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        fd_get(dfd as u32)?.inode.clone().ok_or(EBADF)?
    } else {
        namei_at(dfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    inode_permission(&ino, mode as u32 | MAY_ACCESS)?;
    Ok(0)
}

/// Linux: faccessat(2) — faccessat2 without flags.
pub fn sys_faccessat(dfd: i32, filename: UserCStr, mode: i32) -> KResult<usize> {
    do_faccessat(dfd, filename, mode, 0)
}

pub fn sys_faccessat2(dfd: i32, filename: UserCStr, mode: i32, flags: i32) -> KResult<usize> {
    do_faccessat(dfd, filename, mode, flags as u32)
}

/// Linux: chdir(2): a directory (ENOTDIR) the caller may search (MAY_EXEC | MAY_CHDIR).
pub fn sys_chdir(filename: UserCStr) -> KResult<usize> {
    let path = filename.read_path()?;
    let ino = namei_at(AT_FDCWD, &path, true)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    inode_permission(&ino, MAY_EXEC | MAY_CHDIR)?;
    set_fs_dir(ino, false)
}

/// Linux: fchdir(2)
pub fn sys_fchdir(fd: u32) -> KResult<usize> {
    let ino = fd_get(fd)?.inode.clone().ok_or(ENOTDIR)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    inode_permission(&ino, MAY_EXEC | MAY_CHDIR)?;
    set_fs_dir(ino, false)
}

/// Linux: chroot(2): search permission (EACCES), then CAP_SYS_CHROOT (EPERM).
pub fn sys_chroot(filename: UserCStr) -> KResult<usize> {
    let path = filename.read_path()?;
    let ino = namei_at(AT_FDCWD, &path, true)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    inode_permission(&ino, MAY_EXEC | MAY_CHDIR)?;
    if !ns_capable(&current_cred().user_ns, CAP_SYS_CHROOT) {
        return Err(EPERM);
    }
    set_fs_dir(ino, true)
}

/// Linux: chmod_common(): the permission bits change, the type stays (notify_change checks
/// ownership and drops S_ISGID for non-members).
fn chmod_common(ino: &Inode, mode: u32) -> KResult<usize> {
    let new = (mode & S_IALLUGO) | (ino.mode() & !S_IALLUGO);
    notify_change(ino, Iattr { valid: ATTR_MODE | ATTR_CTIME, mode: new, ..Default::default() })?;
    Ok(0)
}

/// Linux: fchmod(2)
pub fn sys_fchmod(fd: u32, mode: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    let ino = f.inode.clone().ok_or(EINVAL)?;
    chmod_common(&ino, mode)
}

/// Linux: fchmodat(2) (no flags: symlinks are followed)
pub fn sys_fchmodat(dfd: i32, filename: UserCStr, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    let ino = namei_at(dfd, &path, true)?;
    chmod_common(&ino, mode)
}

/// Linux: chown_common(): owner and group (-1: unchanged; EINVAL for an id the caller's
/// namespace does not map); a non-directory loses S_ISUID, and S_ISGID where
/// setattr_should_drop_sgid() says — even when root changes it, even to the same owner.
fn chown_common(ino: &Inode, user: u32, group: u32) -> KResult<usize> {
    let cred = current_cred();
    let mut attr = Iattr { valid: ATTR_CTIME, ..Default::default() };
    if user != u32::MAX {
        attr.uid = cred.user_ns.make_kuid(user);
        if !cred.user_ns.kuid_has_mapping(attr.uid) {
            return Err(EINVAL);
        }
        attr.valid |= ATTR_UID;
    }
    if group != u32::MAX {
        attr.gid = cred.user_ns.make_kgid(group);
        if !cred.user_ns.kgid_has_mapping(attr.gid) {
            return Err(EINVAL);
        }
        attr.valid |= ATTR_GID;
    }
    if !ino.is_dir() {
        attr.valid |= ATTR_KILL_SUID | should_drop_sgid(ino);
    }
    drop(cred);
    notify_change(ino, attr)?;
    Ok(0)
}

/// Linux: fchownat(2) / chown(2) / lchown(2)
pub fn sys_fchownat(dfd: i32, filename: UserCStr, user: u32, group: u32, flag: i32) -> KResult<usize> {
    let flag = flag as u32;
    if flag & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    let ino = if path.is_empty() && flag & AT_EMPTY_PATH != 0 {
        if dfd == AT_FDCWD {
            current().fs.lock().clone().ok_or(ENOENT)?.inner.lock().cwd.clone()
        } else {
            fd_get(dfd as u32)?.inode.clone().ok_or(EBADF)?
        }
    } else {
        namei_at(dfd, &path, flag & AT_SYMLINK_NOFOLLOW == 0)?
    };
    chown_common(&ino, user, group)
}

/// Linux: fchown(2)
pub fn sys_fchown(fd: u32, user: u32, group: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    let ino = f.inode.clone().ok_or(EINVAL)?;
    chown_common(&ino, user, group)
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
        InodeKind::Proc(node) => super::proc::open(node, flags)?,
        InodeKind::Sysfs(node) => super::sysfs::open(node, flags)?,
        InodeKind::Trace(node) => super::tracefs::open(node, flags)?,
        InodeKind::Symlink(_) => Arc::new(NullOps), // O_PATH|O_NOFOLLOW only
    };
    Ok(File::new(ops, Some(ino), flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC), path))
}

/// Linux: do_sys_openat2()
pub fn do_open(dirfd: i32, path: &str, flags: u32, mode: u32) -> KResult<usize> {
    let follow = flags & O_NOFOLLOW == 0;
    let mut created = false;
    let ino = match namei_at(dirfd, path, follow) {
        Ok(ino) => {
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
            let (dir, name) = lookup_parent(dirfd, path)?;
            if path.ends_with('/') {
                return Err(EISDIR);
            }
            // Linux: may_o_create(): write and search permission on the directory.
            may_create(&dir)?;
            let mode = vfs_prepare_mode(&dir, S_IFREG | (mode & S_IALLUGO), current_umask());
            let ino = Inode::new(
                S_IFREG | (mode & S_IALLUGO),
                InodeKind::File(crate::kernel::locking::SpinLock::new(FileData::Owned(Vec::new()))),
            );
            ino.inode_init_owner(&dir);
            dir.link(&name, ino.clone())?;
            created = true;
            ino
        }
        Err(e) => return Err(e),
    };
    // Linux: a file this open created is opened without a permission check (its mode may
    // well be read-only), and not truncated.
    may_open(&ino, flags, if created { 0 } else { open_acc_mode(flags) })?;
    let writer = ino.is_reg() && flags & O_ACCMODE != O_RDONLY && flags & O_PATH == 0;
    if writer {
        ino.get_write_access()?;
    }
    if flags & O_TRUNC != 0 && ino.is_reg() && flags & O_ACCMODE != O_RDONLY && !created {
        super::attr::file_remove_privs(&ino)?;
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
