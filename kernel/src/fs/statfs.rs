//! statfs, fstatfs: what filesystem a file is on.  Linux: fs/statfs.c (vfs_statfs,
//! do_statfs_native, calculate_f_flags), fs/libfs.c (simple_statfs), and each filesystem's
//! magic number (include/uapi/linux/magic.h).
//!
//! MenuOS's filesystems keep no block counts: each reports as Linux's simple_statfs() does
//! (ramfs, procfs, sysfs, tracefs, pipefs, anon_inodefs): its magic, 4 KiB blocks, names up to
//! 255 bytes, zero blocks and files.

use super::file::fd_get;
use super::file_table::File;
use super::inode::{Inode, InodeKind};
use super::namei::namei_at;
use super::AT_FDCWD;
use crate::errno::*;
use crate::mm::uaccess::{UserCStr, UserPtr};
use crate::mm::PAGE_SIZE;
use linux_raw_sys::general as uapi;

crate::user_pod! {
    /// Linux: struct statfs (include/uapi/asm-generic/statfs.h, 64-bit).
    #[derive(Clone, Copy, Default)]
    pub struct Statfs {
        pub f_type: i64,
        pub f_bsize: i64,
        pub f_blocks: u64,
        pub f_bfree: u64,
        pub f_bavail: u64,
        pub f_files: u64,
        pub f_ffree: u64,
        pub f_fsid: [i32; 2],
        pub f_namelen: i64,
        pub f_frsize: i64,
        pub f_flags: i64,
        pub f_spare: [i64; 4],
    }
}

/// Linux: ST_VALID (f_flags holds the mount flags) and ST_RELATIME.
const ST_VALID: i64 = 0x0020;
const ST_RELATIME: i64 = 0x1000;
/// Linux: NAME_MAX.
const NAME_MAX: i64 = uapi::NAME_MAX as i64;

/// Linux: simple_statfs() + calculate_f_flags(): the magic of the filesystem, the mount's
/// flags (every pseudo filesystem is mounted relatime, the rootfs plain rw).
fn statfs_of(magic: u32, relatime: bool) -> Statfs {
    Statfs {
        f_type: magic as i64,
        f_bsize: PAGE_SIZE as i64,
        f_namelen: NAME_MAX,
        f_frsize: PAGE_SIZE as i64,
        f_flags: ST_VALID | if relatime { ST_RELATIME } else { 0 },
        ..Default::default()
    }
}

/// Linux: vfs_statfs() for an inode, by the filesystem it is on.
fn inode_statfs(i: &Inode) -> Statfs {
    match &i.kind {
        InodeKind::Proc(_) => statfs_of(uapi::PROC_SUPER_MAGIC, true),
        InodeKind::Sysfs(_) => statfs_of(uapi::SYSFS_MAGIC, true),
        InodeKind::Trace(_) => statfs_of(uapi::TRACEFS_MAGIC, true),
        _ => statfs_of(uapi::RAMFS_MAGIC, false),
    }
}

/// fstatfs of an open file: an inode's filesystem, or pipefs / anon_inodefs.
fn file_statfs(f: &File) -> Statfs {
    match &f.inode {
        Some(i) => inode_statfs(i),
        None if f.ops.name() == "pipe" => statfs_of(uapi::PIPEFS_MAGIC, false),
        None => statfs_of(uapi::ANON_INODE_FS_MAGIC, false),
    }
}

/// Linux: SYSCALL_DEFINE2(statfs): the filesystem of a path (symlinks followed).
pub fn sys_statfs(pathname: UserCStr, buf: UserPtr<Statfs>) -> KResult<usize> {
    let path = pathname.read_path()?;
    let ino = namei_at(AT_FDCWD, &path, true)?;
    buf.write(&inode_statfs(&ino))?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(fstatfs)
pub fn sys_fstatfs(fd: u32, buf: UserPtr<Statfs>) -> KResult<usize> {
    let f = fd_get(fd)?;
    buf.write(&file_statfs(&f))?;
    Ok(0)
}
