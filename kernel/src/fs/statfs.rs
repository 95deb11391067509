//! statfs and fstatfs.  Linux: fs/statfs.c (vfs_statfs, do_statfs_native, calculate_f_flags),
//! mm/shmem.c (shmem_statfs), fs/libfs.c (simple_statfs), include/uapi/linux/magic.h.
//!
//! The rootfs is tmpfs with Linux's default limits (half of RAM in blocks and in inodes:
//! mm/shmem.rs's ROOTFS_SB); /proc, sysfs, tracefs, pipefs and anon_inodefs answer as
//! simple_statfs does; memfd's internal tmpfs has no limits (all counts 0).

use super::file::fd_get;
use super::inode::{FsType, Inode, NAME_MAX};
use super::namei::namei_at;
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

// Linux: include/linux/statfs.h: f_flags.
const ST_VALID: i64 = 0x0020;
const ST_RELATIME: i64 = 0x1000;

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

/// Linux: vfs_statfs(): the filesystem `ino` is on.
pub fn statfs_of(fs: FsType) -> Statfs {
    let mut s = Statfs {
        f_bsize: PAGE_SIZE as i64,
        f_frsize: PAGE_SIZE as i64,
        f_namelen: NAME_MAX as i64,
        // The rootfs is mounted by the kernel (no MNT_RELATIME); /proc and the rest by
        // mount(2) in a real system, which adds it.
        f_flags: ST_VALID | if matches!(fs, FsType::Rootfs | FsType::Shm | FsType::Pipefs) { 0 } else { ST_RELATIME },
        ..Default::default()
    };
    match fs {
        FsType::Rootfs => {
            // Linux: shmem_statfs().
            let (mb, ub) = (ROOTFS_SB.max_blocks() as u64, ROOTFS_SB.used_blocks() as u64);
            let (mi, ui) = (ROOTFS_SB.max_inodes() as u64, ROOTFS_SB.used_inodes() as u64);
            s.f_type = TMPFS_MAGIC;
            s.f_blocks = mb;
            s.f_bfree = mb.saturating_sub(ub);
            s.f_bavail = s.f_bfree;
            s.f_files = mi;
            s.f_ffree = mi.saturating_sub(ui);
            s.f_fsid = [0x4d65_6e75, 0x4f53_0001];
        }
        FsType::Shm => s.f_type = TMPFS_MAGIC,
        FsType::Proc => s.f_type = PROC_SUPER_MAGIC,
        FsType::Tracefs => s.f_type = TRACEFS_MAGIC,
        FsType::Sysfs => s.f_type = SYSFS_MAGIC,
        FsType::Pipefs => s.f_type = PIPEFS_MAGIC,
    }
    s
}

fn inode_statfs(ino: &Inode) -> Statfs {
    statfs_of(ino.fs)
}

/// Linux: SYSCALL_DEFINE2(statfs): follows symlinks.
pub fn sys_statfs(pathname: UserCStr, buf: UserPtr<Statfs>) -> KResult<usize> {
    let path = pathname.read_path()?;
    let ino = namei_at(super::AT_FDCWD, &path, true)?;
    buf.write(&inode_statfs(&ino))?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(fstatfs): any fd, O_PATH too (fdget_raw); a pipe is on pipefs.
pub fn sys_fstatfs(fd: u32, buf: UserPtr<Statfs>) -> KResult<usize> {
    let f = fd_get(fd)?;
    let st = match &f.inode {
        Some(i) => inode_statfs(i),
        None if f.ops.pipe().is_some() => statfs_of(FsType::Pipefs),
        // anon_inodefs (pidfd): simple_statfs with ANON_INODE_FS_MAGIC.
        None => Statfs { f_type: ANON_INODE_FS_MAGIC, ..statfs_of(FsType::Pipefs) },
    };
    buf.write(&st)?;
    Ok(0)
}
