//! fstat, newfstatat, statx and readlinkat.  Linux: fs/stat.c (vfs_getattr, cp_new_stat,
//! cp_statx, do_readlinkat), include/uapi/asm-generic/stat.h (struct stat),
//! include/uapi/linux/stat.h (struct statx).

use super::file::fd_get;
use super::file_table::File;
use super::inode::*;
use super::namei::{namei_at, namei_at_empty, LookupFlags};
use super::super_block::ANON_DEV;
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::errno::*;
use crate::mm::uaccess::{UserCStr, UserPtr};
use crate::mm::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, STATX_BASIC_STATS, STATX_BTIME, STATX__RESERVED};

// The st_dev of a file is its filesystem instance's (Inode::sb, fs/super_block.rs), numbered
// as Linux numbers them when it mounts them (get_anon_bdev()).
crate::user_pod! {
    /// Linux: struct stat (asm-generic, riscv64).
    #[derive(Clone, Copy, Default)]
    pub struct Stat {
        pub st_dev: u64,
        pub st_ino: u64,
        pub st_mode: u32,
        pub st_nlink: u32,
        pub st_uid: u32,
        pub st_gid: u32,
        pub st_rdev: u64,
        pub __pad1: u64,
        pub st_size: i64,
        pub st_blksize: i32,
        pub __pad2: i32,
        pub st_blocks: i64,
        pub st_atime: i64,
        pub st_atime_nsec: u64,
        pub st_mtime: i64,
        pub st_mtime_nsec: u64,
        pub st_ctime: i64,
        pub st_ctime_nsec: u64,
        pub __unused: [u32; 2],
    }
}

/// Linux: new_encode_dev()
pub fn encode_dev(ma: u32, mi: u32) -> u64 {
    ((mi & 0xff) | (ma << 8) | ((mi & !0xff) << 12)) as u64
}

/// Linux: generic_fillattr() + cp_new_stat(): the owner and group as the caller's user
/// namespace names them (from_kuid_munged: 65534 when it has no name for them).
pub fn stat_of(ino: &Inode) -> Stat {
    let (ma, mi) = ino.rdev();
    let size = ino.size() as i64;
    let t = ino.times();
    let ns = crate::kernel::user_namespace::current_user_ns();
    Stat {
        st_dev: ino.sb().dev,
        st_ino: ino.ino,
        st_mode: ino.mode(),
        st_nlink: ino.nlink.load(Ordering::Relaxed),
        st_uid: ns.from_kuid_munged(ino.uid.load(Ordering::Relaxed)),
        st_gid: ns.from_kgid_munged(ino.gid.load(Ordering::Relaxed)),
        st_rdev: encode_dev(ma, mi),
        st_size: size,
        st_blksize: ino.sb().blocksize() as i32,
        st_blocks: ino.blocks() as i64,
        st_atime: t.atime.sec,
        st_atime_nsec: t.atime.nsec as u64,
        st_mtime: t.mtime.sec,
        st_mtime_nsec: t.mtime.nsec as u64,
        st_ctime: t.ctime.sec,
        st_ctime_nsec: t.ctime.nsec as u64,
        ..Default::default()
    }
}

/// The inode number of a file without an inode (fstat, and /proc/PID/fd's "pipe:[N]").
pub fn anon_ino(f: &File) -> u64 {
    Arc::as_ptr(&f.ops) as *const u8 as u64 & 0xffff_ffff
}

/// A stat for files without an inode (pipes, pidfds): Linux reports a FIFO on pipefs.
fn stat_anon(f: &File) -> Stat {
    let mode = match f.ops.name() {
        "pipe" => S_IFIFO | 0o600,
        // Linux: sock_alloc_inode(): S_IFSOCK | S_IRWXUGO on sockfs.
        "socket" => S_IFSOCK | 0o777,
        _ => 0o600,
    };
    Stat {
        st_dev: ANON_DEV,
        st_ino: anon_ino(f),
        st_mode: mode,
        st_nlink: 1,
        st_blksize: PAGE_SIZE as i32,
        ..Default::default()
    }
}

pub fn sys_fstat(fd: u32, statbuf: UserPtr<Stat>) -> KResult<usize> {
    let f = fd_get(fd)?;
    let st = match &f.inode {
        Some(i) => stat_of(i),
        None => stat_anon(&f),
    };
    statbuf.write(&st)?;
    Ok(0)
}

/// Linux: vfs_statx(): the stat of a path, or of `dirfd` itself with AT_EMPTY_PATH; the
/// inode too when there is one (statx's btime).
fn stat_target(dirfd: i32, filename: UserCStr, flags: u32) -> KResult<(Stat, Option<Arc<Inode>>)> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 && dirfd != AT_FDCWD {
        let f = fd_get(dirfd as u32)?;
        return Ok(match &f.inode {
            Some(i) => (stat_of(i), Some(i.clone())),
            None => (stat_anon(&f), None),
        });
    }
    let lf = LookupFlags { follow: flags & AT_SYMLINK_NOFOLLOW == 0, empty: flags & AT_EMPTY_PATH != 0 };
    let ino = namei_at_empty(dirfd, &path, lf)?;
    Ok((stat_of(&ino), Some(ino)))
}

pub fn sys_newfstatat(dfd: i32, filename: UserCStr, statbuf: UserPtr<Stat>, flag: i32) -> KResult<usize> {
    let (st, _) = stat_target(dfd, filename, flag as u32)?;
    statbuf.write(&st)?;
    Ok(0)
}

crate::user_pod! {
    /// Linux: struct statx.
    #[derive(Clone, Copy, Default)]
    pub struct Statx {
        stx_mask: u32,
        stx_blksize: u32,
        stx_attributes: u64,
        stx_nlink: u32,
        stx_uid: u32,
        stx_gid: u32,
        stx_mode: u16,
        __spare0: u16,
        stx_ino: u64,
        stx_size: u64,
        stx_blocks: u64,
        stx_attributes_mask: u64,
        stx_atime: [u64; 2],
        stx_btime: [u64; 2],
        stx_ctime: [u64; 2],
        stx_mtime: [u64; 2],
        stx_rdev_major: u32,
        stx_rdev_minor: u32,
        stx_dev_major: u32,
        stx_dev_minor: u32,
        __spare2: [u64; 14],
    }
}

/// A statx_timestamp: tv_sec, then tv_nsec in the low half of the second word.
fn statx_ts(sec: i64, nsec: u64) -> [u64; 2] {
    [sec as u64, nsec]
}

/// Linux: statx(2): the basic stats, and the creation time where the filesystem keeps one
/// (tmpfs: shmem_getattr()'s STATX_BTIME) when asked for.
pub fn sys_statx(dfd: i32, filename: UserCStr, flags: u32, mask: u32, buffer: UserPtr<Statx>) -> KResult<usize> {
    // Linux: STATX__RESERVED in the mask is EINVAL.
    if mask & STATX__RESERVED != 0 {
        return Err(EINVAL);
    }
    let (st, ino) = stat_target(dfd, filename, flags & !AT_STATX_SYNC_TYPE)?;
    let btime = ino.filter(|i| i.is_tmpfs() && mask & STATX_BTIME != 0).map(|i| i.times().btime);
    let x = Statx {
        stx_mask: STATX_BASIC_STATS | if btime.is_some() { STATX_BTIME } else { 0 },
        stx_atime: statx_ts(st.st_atime, st.st_atime_nsec),
        stx_mtime: statx_ts(st.st_mtime, st.st_mtime_nsec),
        stx_ctime: statx_ts(st.st_ctime, st.st_ctime_nsec),
        stx_btime: btime.map_or([0, 0], |b| statx_ts(b.sec, b.nsec as u64)),
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        // Linux: new_decode_dev() of st_rdev.
        stx_rdev_major: ((st.st_rdev >> 8) & 0xfff) as u32,
        stx_rdev_minor: ((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & !0xff)) as u32,
        stx_dev_major: 0,
        stx_dev_minor: st.st_dev as u32,
        ..Default::default()
    };
    buffer.write(&x)?;
    Ok(0)
}

/// Linux: do_readlinkat(): a symlink's target, or a /proc magic link's.
pub fn sys_readlinkat(dfd: i32, pathname: UserCStr, buf: UserPtr<u8>, bufsiz: i32) -> KResult<usize> {
    let path = pathname.read_path()?;
    if bufsiz <= 0 {
        return Err(EINVAL);
    }
    let size = bufsiz as usize;
    let ino = namei_at(dfd, &path, false)?;
    let target: Vec<u8> = match &ino.kind {
        InodeKind::Symlink(t) => t.clone(),
        InodeKind::Proc(n) => super::proc::readlink(n)?.into_bytes(),
        _ => return Err(EINVAL),
    };
    ino.touch_atime();
    let n = target.len().min(size);
    buf.copy_out(&target[..n])?;
    Ok(n)
}
