//! Opening and closing files, and the syscalls on an inode's attributes.  Linux: fs/open.c
//! (ftruncate, faccessat, chdir, fchdir, chroot, fchmod(at), fchown(at), do_dentry_open,
//! do_sys_openat2, openat, close).

use super::attr::{notify_change, should_drop_sgid, Iattr, ATTR_CTIME, ATTR_GID, ATTR_KILL_SUID, ATTR_MODE, ATTR_UID};
use super::char_dev::{chrdev_ops, TTYAUX_CONSOLE_MINOR, TTYAUX_MAJOR, TTYAUX_TTY_MINOR, TTYS0_MINOR, TTY_MAJOR};
use super::file::{close_fd, fd_get, fd_install};
use super::file_table::{File, FileOps};
use super::filesystems::FsType;
use super::fs_struct::{current_umask, set_fs_dir};
use super::inode::*;
use super::namei::{
    inode_permission, may_create, may_open, mnt_want_write, namei_at, namei_path_at, namei_path_at_empty,
    open_acc_mode, open_lookup, vfs_prepare_mode, LookupFlags, MAY_ACCESS, MAY_CHDIR, MAY_EXEC, MAY_WRITE,
};
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SYS_CHROOT};
use crate::kernel::cred::{current_cred, override_creds, prepare_creds, OverrideCreds};
use crate::mm::slab::ArcSlot;
use crate::mm::uaccess::UserCStr;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    AT_EACCESS, FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_NO_HIDE_STALE,
    FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_ZERO_RANGE, O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY,
    O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY, O_TRUNC, S_IRWXO,
};

/// Linux: vfs_truncate() (truncate(2) by path): EISDIR for a directory, EINVAL for other
/// non-regular files, EROFS on a read-only mount, ETXTBSY while the file runs; times move
/// only when the size does.
pub fn sys_truncate(path: UserCStr, length: i64) -> KResult<usize> {
    if length < 0 {
        return Err(EINVAL);
    }
    let path = path.read_path()?;
    let p = namei_path_at(AT_FDCWD, &path, true)?;
    let ino = p.inode.clone();
    if ino.is_dir() {
        return Err(EISDIR);
    }
    if !ino.is_reg() {
        return Err(EINVAL);
    }
    mnt_want_write(&p)?;
    inode_permission(&ino, MAY_WRITE)?;
    ino.get_write_access()?;
    // Linux: do_truncate(): a truncate clears set-id bits as a write does.
    let r = super::attr::file_remove_privs(&ino).and_then(|_| ino.truncate(length as u64));
    ino.put_write_access();
    r.map(|_| 0)
}

/// Linux: do_sys_ftruncate(): EINVAL for a negative length, EBADF for a bad or O_PATH fd,
/// EINVAL unless a regular file open for writing; mtime and ctime move even when the size
/// does not (ATTR_MTIME | ATTR_CTIME).
pub fn sys_ftruncate(fd: u32, length: i64) -> KResult<usize> {
    if length < 0 {
        return Err(EINVAL);
    }
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let ino = f.inode.as_ref().ok_or(EINVAL)?;
    if !f.writable() || !(ino.is_reg() || matches!(ino.kind, InodeKind::Trace(_))) {
        return Err(EINVAL);
    }
    super::attr::file_remove_privs(ino)?;
    ino.truncate(length as u64)?;
    ino.touch_mtime();
    Ok(0)
}

/// Linux: vfs_fallocate() -> shmem_fallocate(): mode 0 allocates the pages of a range (the
/// size grows to its end), FALLOC_FL_KEEP_SIZE without growing, FALLOC_FL_PUNCH_HOLE (with
/// KEEP_SIZE) frees them; what tmpfs lacks (COLLAPSE, ZERO, INSERT, UNSHARE) is EOPNOTSUPP.
/// EINVAL for a negative offset or a length <= 0, EBADF unless open for writing, ESPIPE for a
/// pipe, EISDIR for a directory, ENODEV for other non-regular files, EFBIG past
/// MAX_LFS_FILESIZE.  ctime moves.
pub fn sys_fallocate(fd: i32, mode: i32, offset: i64, len: i64) -> KResult<usize> {
    let f = fd_get(fd as u32)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let mode = mode as u32;
    if offset < 0 || len <= 0 {
        return Err(EINVAL);
    }
    const SUPPORTED: u32 = FALLOC_FL_KEEP_SIZE
        | FALLOC_FL_PUNCH_HOLE
        | FALLOC_FL_NO_HIDE_STALE
        | FALLOC_FL_COLLAPSE_RANGE
        | FALLOC_FL_ZERO_RANGE
        | FALLOC_FL_INSERT_RANGE
        | FALLOC_FL_UNSHARE_RANGE;
    if mode & !SUPPORTED != 0 {
        return Err(EOPNOTSUPP);
    }
    if mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE) == FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE {
        return Err(EOPNOTSUPP);
    }
    if mode & FALLOC_FL_PUNCH_HOLE != 0 && mode & FALLOC_FL_KEEP_SIZE == 0 {
        return Err(EOPNOTSUPP);
    }
    if (mode & FALLOC_FL_COLLAPSE_RANGE != 0 && mode & !FALLOC_FL_COLLAPSE_RANGE != 0)
        || (mode & FALLOC_FL_INSERT_RANGE != 0 && mode & !FALLOC_FL_INSERT_RANGE != 0)
        || (mode & FALLOC_FL_UNSHARE_RANGE != 0 && mode & !(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE) != 0)
    {
        return Err(EINVAL);
    }
    if !f.writable() {
        return Err(EBADF);
    }
    let Some(ino) = f.inode.clone() else {
        return Err(if f.ops.pipe().is_some() { ESPIPE } else { ENODEV });
    };
    match ino.mode() & S_IFMT {
        S_IFIFO => return Err(ESPIPE),
        S_IFDIR => return Err(EISDIR),
        S_IFREG => {}
        _ => return Err(ENODEV),
    }
    if offset.checked_add(len).is_none() {
        return Err(EFBIG);
    }
    let m = ino.mapping().ok_or(EOPNOTSUPP)?;
    // Linux: shmem_fallocate() takes KEEP_SIZE and PUNCH_HOLE only.
    if mode & !(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) != 0 {
        return Err(EOPNOTSUPP);
    }
    let (off, len) = (offset as u64, len as u64);
    if mode & FALLOC_FL_PUNCH_HOLE != 0 {
        m.punch_hole(off, len)?;
        if off < m.size() {
            ino.touch_mtime();
        }
        return Ok(0);
    }
    if mode & FALLOC_FL_KEEP_SIZE == 0 && off + len > m.size() {
        super::ramfs::file_mmu::write_check_limits(off + len - 1, 1)?;
    }
    m.allocate(off, len, mode & FALLOC_FL_KEEP_SIZE != 0)?;
    ino.touch_ctime();
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
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let ino = f.inode.clone().ok_or(EBADF)?;
    chmod_common(&ino, mode)
}

/// Linux: fchmodat(2) (no flags: symlinks are followed); chmod_common()'s mnt_want_write():
/// EROFS on a read-only mount.
pub fn sys_fchmodat(dfd: i32, filename: UserCStr, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    let p = namei_path_at(dfd, &path, true)?;
    mnt_want_write(&p)?;
    chmod_common(&p.inode, mode)
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
    let lf = LookupFlags { follow: flag & AT_SYMLINK_NOFOLLOW == 0, empty: flag & AT_EMPTY_PATH != 0 };
    let p = namei_path_at_empty(dfd, &path, lf)?;
    // Linux: do_fchownat()'s mnt_want_write(): EROFS on a read-only mount.
    mnt_want_write(&p)?;
    chown_common(&p.inode, user, group)
}

/// Linux: fchown(2) -> vfs_fchown(): EBADF for an O_PATH fd (fdget without FMODE_PATH).
pub fn sys_fchown(fd: u32, user: u32, group: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let ino = f.inode.clone().ok_or(EBADF)?;
    chown_common(&ino, user, group)
}

/// Linux: empty_fops: what an O_PATH fd, a symlink or a socket node opens with (the fd
/// checks make read, write, ioctl and the rest EBADF before they get here).
pub struct EmptyOps;
impl FileOps for EmptyOps {}

/// Opens an inode as a file (Linux: do_dentry_open()).  With O_PATH nothing of the file is
/// opened (no driver, no FIFO wait).  A FIFO opens its pipe (fifo_open(): it may wait for a
/// partner); a block device ENODEV (no block layer: fs/no-block.c); a socket node ENXIO
/// (no_open()).
pub fn open_inode(ino: Arc<Inode>, flags: u32, path: String) -> KResult<Arc<File>> {
    open_inode_in(ArcSlot::try_new()?, None, ino, flags, path)
}

/// open_inode() into a file allocated before (Linux: path_openat()'s alloc_empty_file()),
/// with the operations made before too when the caller has them (a file it created).
fn open_inode_in(
    slot: ArcSlot<File>,
    ops: Option<Arc<dyn FileOps>>,
    ino: Arc<Inode>,
    flags: u32,
    path: String,
) -> KResult<Arc<File>> {
    use crate::mm::slab::try_arc;
    let ops: Arc<dyn FileOps> = if let Some(ops) = ops {
        ops
    } else if flags & O_PATH != 0 {
        try_arc(EmptyOps)?
    } else {
        match &ino.kind {
            InodeKind::Dir(_) => try_arc(super::libfs::DirOps)?,
            InodeKind::File(_) => try_arc(super::ramfs::file_mmu::RegOps)?,
            InodeKind::CharDev(a, b) => chrdev_ops(*a, *b)?,
            InodeKind::BlockDev(..) => return Err(ENODEV),
            InodeKind::Fifo(p) => try_arc(super::pipe::fifo_open(p, flags, true)?)?,
            InodeKind::Socket => return Err(ENXIO),
            InodeKind::Proc(node) => super::proc::open(node, flags)?,
            InodeKind::Sysfs(node) => super::sysfs::open(node, flags)?,
            InodeKind::Trace(node) => super::tracefs::open(node, flags)?,
            InodeKind::Symlink(_) => try_arc(EmptyOps)?,
            InodeKind::Nsfs(ns) => super::nsfs::open(ns)?,
            InodeKind::Mqueue(q) => crate::ipc::mqueue::open(q)?,
        }
    };
    let keep = if flags & O_PATH != 0 { O_PATH_FLAGS } else { !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC) };
    Ok(File::new_in(slot, ops, Some(ino), flags & keep, path))
}

/// Linux: O_PATH_FLAGS: what O_PATH keeps of the open flags.
const O_PATH_FLAGS: u32 = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

/// Linux: do_sys_openat2() -> path_openat(): the last component is looked up (a final
/// symlink followed unless O_NOFOLLOW), made with O_CREAT when missing (the umask applies;
/// EEXIST with O_EXCL when it exists; EISDIR for a directory or a trailing slash), then
/// may_open, write access (ETXTBSY), O_TRUNC and the open itself.  O_PATH ignores O_CREAT and
/// O_TRUNC, and opens a symlink itself with O_NOFOLLOW (ELOOP without O_PATH).
pub fn do_open(dirfd: i32, path: &(impl AsRef<[u8]> + ?Sized), flags: u32, mode: u32) -> KResult<usize> {
    let path = path.as_ref();
    let flags = if flags & O_PATH != 0 { flags & O_PATH_FLAGS } else { flags };
    let follow = flags & O_NOFOLLOW == 0;
    let creat = flags & O_CREAT != 0;
    let excl = creat && flags & O_EXCL != 0;
    // Linux: path_openat() allocates the file first (alloc_empty_file()), and what it can
    // fail with comes before an O_CREAT open makes the inode: a failed open leaves no file.
    let slot = ArcSlot::<File>::try_new()?;
    let (dirp, last, found) = open_lookup(dirfd, path, follow, excl)?;
    let name = crate::mm::slab::try_string(&String::from_utf8_lossy(path))?;
    let mut created = false;
    let mut new_ops: Option<Arc<dyn FileOps>> = None;
    let mut reserved = None;
    let ino = match found {
        Some(p) => {
            let ino = p.inode.clone();
            if creat {
                if excl {
                    return Err(EEXIST);
                }
                if ino.is_dir() || last.trailing_slash {
                    return Err(EISDIR);
                }
            }
            // Linux: mnt_want_write() for O_TRUNC, and do_dentry_open()'s for a regular file
            // opened for writing: EROFS on a read-only mount.
            if ino.is_reg() && flags & O_PATH == 0 && (flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0) {
                mnt_want_write(&p)?;
            }
            if ino.is_symlink() && flags & O_PATH == 0 {
                return Err(ELOOP);
            }
            if last.trailing_slash && !ino.is_dir() {
                return Err(ENOTDIR);
            }
            ino
        }
        None if creat => {
            if last.trailing_slash {
                return Err(EISDIR);
            }
            // Linux: lookup_open(): EROFS without write access to the mount.
            mnt_want_write(&dirp)?;
            let dir = dirp.inode;
            if !dir.sb().has_dir_ops() {
                return Err(if dir.fs_type() == FsType::Proc { ENOENT } else { EACCES });
            }
            // Linux: may_o_create(): write and search permission on the directory.
            may_create(&dir)?;
            may_create_inode(&dir)?;
            let mode = vfs_prepare_mode(&dir, S_IFREG | (mode & S_IALLUGO), current_umask());
            // Linux: do_sys_openat2()'s get_unused_fd_flags() (before path_openat()), and
            // do_dentry_open()'s operations for the new regular file: had before the inode.
            // The number is reserved, not just known free: a thread sharing the table cannot
            // take it before the install, which then cannot fail after the file is made.
            reserved = Some(super::file::get_unused_fd()?);
            new_ops = Some(crate::mm::slab::try_arc(super::ramfs::file_mmu::RegOps)?);
            // Linux: shmem_get_inode(), ENOMEM.
            let ino = Inode::try_new_file(mode & S_IALLUGO)?;
            ino.inode_init_owner(&dir);
            dir.link_new(&last.name, ino.clone())?;
            created = true;
            ino
        }
        None => return Err(ENOENT),
    };
    // Linux: a file this open created is opened without a permission check (its mode may
    // well be read-only), and not truncated.
    may_open(&ino, flags, if created { 0 } else { open_acc_mode(flags) })?;
    let writer = ino.is_reg() && flags & O_ACCMODE != O_RDONLY && flags & O_PATH == 0;
    if writer {
        ino.get_write_access()?;
    }
    // Linux: handle_truncate() (O_TRUNC of an existing file: ATTR_MTIME | ATTR_CTIME too).
    if flags & O_TRUNC != 0 && ino.is_reg() && flags & O_ACCMODE != O_RDONLY && !created {
        if let Err(e) = super::attr::file_remove_privs(&ino).and_then(|_| ino.truncate(0)) {
            if writer {
                ino.put_write_access();
            }
            return Err(e);
        }
        ino.touch_mtime();
    }
    if flags & O_PATH == 0 {
        if let InodeKind::CharDev(TTYAUX_MAJOR, TTYAUX_TTY_MINOR | TTYAUX_CONSOLE_MINOR)
        | InodeKind::CharDev(TTY_MAJOR, TTYS0_MINOR) = ino.kind
        {
            crate::drivers::tty::open_maybe_acquire(flags & O_NOCTTY != 0);
        }
    }
    let f = match open_inode_in(slot, new_ops, ino.clone(), flags, name) {
        Ok(f) => f,
        Err(e) => {
            if writer {
                ino.put_write_access();
            }
            return Err(e);
        }
    };
    f.write_access.store(writer, Ordering::Relaxed);
    match reserved {
        Some(r) => Ok(r.install(f, flags & O_CLOEXEC != 0)),
        None => fd_install(f, flags & O_CLOEXEC != 0),
    }
}

pub fn sys_openat(dirfd: i32, filename: UserCStr, flags: i32, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    do_open(dirfd, &path, flags as u32, mode)
}

pub fn sys_close(fd: u32) -> KResult<usize> {
    close_fd(fd).map(|_| 0)
}
