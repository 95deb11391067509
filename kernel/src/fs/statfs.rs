//! statfs and fstatfs.  Linux: fs/statfs.c (vfs_statfs, do_statfs_native, calculate_f_flags),
//! mm/shmem.c (shmem_statfs), fs/libfs.c (simple_statfs), include/uapi/linux/magic.h.
//!
//! The rootfs is tmpfs with Linux's default limits (half of RAM in blocks and in inodes:
//! mm/shmem.rs's ROOTFS_SB); /proc, sysfs, tracefs, pipefs and anon_inodefs answer as
//! simple_statfs does; other tmpfs instances (mounts, memfd's) keep no counts (all 0).  The
//! flags are the mount's (relatime, ro, noexec, ...) and the superblock's.

use super::file::fd_get;
use super::filesystems::FsType;
use super::inode::NAME_MAX;
use super::namei::{namei_path_at, Path};
use super::super_block::{rootfs_sb, SuperBlock};
use crate::errno::*;
use crate::mm::shmem::ROOTFS_SB;
use crate::mm::uaccess::{UserCStr, UserPtr};
use crate::mm::PAGE_SIZE;
use linux_raw_sys::general as uapi;

// Linux: include/uapi/linux/magic.h.
const TMPFS_MAGIC: i64 = uapi::TMPFS_MAGIC as i64;
const PROC_SUPER_MAGIC: i64 = uapi::PROC_SUPER_MAGIC as i64;
const SYSFS_MAGIC: i64 = uapi::SYSFS_MAGIC as i64;
const TRACEFS_MAGIC: i64 = uapi::TRACEFS_MAGIC as i64;
const PIPEFS_MAGIC: i64 = uapi::PIPEFS_MAGIC as i64;
const ANON_INODE_FS_MAGIC: i64 = uapi::ANON_INODE_FS_MAGIC as i64;
const RAMFS_MAGIC: i64 = uapi::RAMFS_MAGIC as i64;
/// Linux: MQUEUE_MAGIC (ipc/mqueue.c).
const MQUEUE_MAGIC: i64 = 0x1980_0202;
const NSFS_MAGIC: i64 = uapi::NSFS_MAGIC as i64;

// Linux: include/linux/statfs.h: f_flags.
const ST_RDONLY: i64 = 0x0001;
const ST_NOSUID: i64 = 0x0002;
const ST_NODEV: i64 = 0x0004;
const ST_NOEXEC: i64 = 0x0008;
const ST_SYNCHRONOUS: i64 = 0x0010;
const ST_VALID: i64 = 0x0020;
const ST_MANDLOCK: i64 = 0x0040;
const ST_NOATIME: i64 = 0x0400;
const ST_NODIRATIME: i64 = 0x0800;
const ST_RELATIME: i64 = 0x1000;
const ST_NOSYMFOLLOW: i64 = 0x2000;

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

/// Linux: calculate_f_flags(): the mount's flags and the superblock's as statfs shows them
/// (`mnt_flags`: the MNT_* flags of the mount the file was reached through; 0 for the kernel's
/// internal mounts: pipefs, anon_inodefs, memfd's tmpfs).
fn f_flags(sb: Option<&SuperBlock>, mnt_flags: u32) -> i64 {
    use super::namespace::*;
    let mut f = ST_VALID;
    let sbf = sb.map_or(0, |s| s.flags.load(core::sync::atomic::Ordering::Relaxed));
    if sb.is_some_and(|s| s.rdonly()) || mnt_flags & MNT_READONLY != 0 {
        f |= ST_RDONLY;
    }
    if sbf & linux_raw_sys::general::MS_SYNCHRONOUS != 0 {
        f |= ST_SYNCHRONOUS;
    }
    if sbf & linux_raw_sys::general::MS_MANDLOCK != 0 {
        f |= ST_MANDLOCK;
    }
    for (m, st) in [
        (MNT_NOSUID, ST_NOSUID),
        (MNT_NODEV, ST_NODEV),
        (MNT_NOEXEC, ST_NOEXEC),
        (MNT_NOATIME, ST_NOATIME),
        (MNT_NODIRATIME, ST_NODIRATIME),
        (MNT_RELATIME, ST_RELATIME),
        (MNT_NOSYMFOLLOW, ST_NOSYMFOLLOW),
    ] {
        if mnt_flags & m != 0 {
            f |= st;
        }
    }
    f
}

/// Linux: vfs_statfs() -> the filesystem's ->statfs: what `sb` answers, with the flags of the
/// mount the file was reached through.
pub fn statfs_of(sb: &SuperBlock, mnt_flags: u32) -> Statfs {
    let mut s = Statfs {
        f_bsize: PAGE_SIZE as i64,
        f_frsize: PAGE_SIZE as i64,
        f_namelen: NAME_MAX as i64,
        f_flags: f_flags(Some(sb), mnt_flags),
        ..Default::default()
    };
    s.f_type = match sb.fs_type {
        FsType::Rootfs | FsType::Tmpfs => TMPFS_MAGIC,
        FsType::Ramfs => RAMFS_MAGIC,
        FsType::Proc => PROC_SUPER_MAGIC,
        FsType::Tracefs => TRACEFS_MAGIC,
        FsType::Sysfs => SYSFS_MAGIC,
        FsType::Mqueue => MQUEUE_MAGIC,
        FsType::Nsfs => NSFS_MAGIC,
    };
    if core::ptr::eq(sb, &**rootfs_sb()) {
        // Linux: shmem_statfs() with the rootfs's limits (other tmpfs instances: no limit).
        let (mb, ub) = (ROOTFS_SB.max_blocks() as u64, ROOTFS_SB.used_blocks() as u64);
        let (mi, ui) = (ROOTFS_SB.max_inodes() as u64, ROOTFS_SB.used_inodes() as u64);
        s.f_blocks = mb;
        s.f_bfree = mb.saturating_sub(ub);
        s.f_bavail = s.f_bfree;
        s.f_files = mi;
        s.f_ffree = mi.saturating_sub(ui);
        s.f_fsid = [0x4d65_6e75, 0x4f53_0001];
    }
    s
}

/// Linux: simple_statfs() of pipefs and anon_inodefs (files without an inode here).
fn anon_statfs(f_type: i64) -> Statfs {
    Statfs {
        f_type,
        f_bsize: PAGE_SIZE as i64,
        f_frsize: PAGE_SIZE as i64,
        f_namelen: NAME_MAX as i64,
        f_flags: f_flags(None, 0),
        ..Default::default()
    }
}

fn path_statfs(p: &Path) -> Statfs {
    statfs_of(p.inode.sb(), super::namespace::mnt_flags_of_path(p))
}

/// Linux: SYSCALL_DEFINE2(statfs): follows symlinks.
pub fn sys_statfs(pathname: UserCStr, buf: UserPtr<Statfs>) -> KResult<usize> {
    let path = pathname.read_path()?;
    let p = namei_path_at(super::AT_FDCWD, &path, true)?;
    buf.write(&path_statfs(&p))?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(fstatfs): any fd, O_PATH too (fdget_raw); a pipe is on pipefs.
pub fn sys_fstatfs(fd: u32, buf: UserPtr<Statfs>) -> KResult<usize> {
    let f = fd_get(fd)?;
    let st = match &f.inode {
        Some(i) => path_statfs(&super::namespace::current_mnt_ns().path_of(i)),
        None if f.ops.pipe().is_some() => anon_statfs(PIPEFS_MAGIC),
        // anon_inodefs (pidfd): simple_statfs with ANON_INODE_FS_MAGIC.
        None => anon_statfs(ANON_INODE_FS_MAGIC),
    };
    buf.write(&st)?;
    Ok(0)
}
