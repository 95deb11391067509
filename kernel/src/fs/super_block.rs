//! struct super_block: one instance of a filesystem — its type, its device number (st_dev),
//! its read-only state and the user namespace that owns it.  Linux: fs/super.c (alloc_super,
//! get_anon_bdev, free_anon_bdev, sget_fc), include/linux/fs.h.
//!
//! Every inode belongs to a superblock (Inode::sb).  The rootfs, sysfs, tracefs, memfd's
//! internal tmpfs (shm_mnt) and nsfs have one instance each, made at boot; mounting tmpfs,
//! ramfs or proc makes a new one each time (fs/fs_context.rs), numbered by get_anon_bdev().
//! What a type keeps per instance hangs off its inodes: /proc's options and pid namespace
//! are the ProcFsInfo every /proc inode carries (fs/proc/mod.rs), which points here.

use super::filesystems::FsType;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::user_namespace::{init_user_ns, UserNamespace};
use crate::mm::PAGE_SIZE;
use alloc::collections::BTreeSet;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

/// Linux: SB_RDONLY (= MS_RDONLY).
pub const SB_RDONLY: u32 = linux_raw_sys::general::MS_RDONLY;

// The device numbers of the instances made at boot (Linux numbers them early, in its own
// order); get_anon_bdev() hands out the others from ANON_DEV_FIRST.
const ROOTFS_DEV: u64 = 1;
const TRACEFS_DEV: u64 = 2;
const SYSFS_DEV: u64 = 3;
const NSFS_DEV: u64 = 4;
/// memfd's internal tmpfs (shm_mnt).
const SHM_DEV: u64 = 5;
/// pipefs and anon_inodefs: files without an inode here (pipes, pidfds; fs/stat.rs).
pub const ANON_DEV: u64 = 12;
const ANON_DEV_FIRST: u64 = 16;

/// The anonymous device numbers in use (Linux: unnamed_dev_ida).
static ANON_DEVS: SpinLock<BTreeSet<u64>, class::ProcInum> = SpinLock::new(BTreeSet::new());

/// Linux: get_anon_bdev(): the lowest free number.
fn get_anon_bdev() -> u64 {
    let mut s = ANON_DEVS.lock();
    let mut n = ANON_DEV_FIRST;
    for &used in s.iter() {
        if used != n {
            break;
        }
        n += 1;
    }
    s.insert(n);
    n
}

/// Linux: struct super_block.
pub struct SuperBlock {
    /// Linux: s_dev, what stat() reports as st_dev.
    pub dev: u64,
    pub fs_type: FsType,
    /// Linux: s_flags (SB_RDONLY).
    pub flags: AtomicU32,
    /// Linux: s_user_ns — the user namespace whose root may reconfigure it.
    pub user_ns: Arc<UserNamespace>,
}

impl Drop for SuperBlock {
    fn drop(&mut self) {
        // Linux: kill_anon_super() -> free_anon_bdev()
        if self.dev >= ANON_DEV_FIRST {
            ANON_DEVS.lock().remove(&self.dev);
        }
    }
}

impl SuperBlock {
    /// Linux: alloc_super() + set_anon_super(): a new instance with its own device number.
    pub fn new(fs_type: FsType, sb_flags: u32, user_ns: Arc<UserNamespace>) -> Arc<SuperBlock> {
        Arc::new(SuperBlock { dev: get_anon_bdev(), fs_type, flags: AtomicU32::new(sb_flags), user_ns })
    }
    /// An instance made at boot, with its fixed device number.
    fn boot(dev: u64, fs_type: FsType) -> Arc<SuperBlock> {
        Arc::new(SuperBlock { dev, fs_type, flags: AtomicU32::new(0), user_ns: init_user_ns().clone() })
    }
    /// Linux: sb_rdonly().
    pub fn rdonly(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & SB_RDONLY != 0
    }
    /// Linux: s_blocksize, which stat() reports as st_blksize (generic_fillattr:
    /// i_blocksize()): 1024 for /proc (proc_fill_super), a page elsewhere.  stdio sizes its
    /// buffer by it, so a /proc file is read in 1024-byte calls as on Linux.
    pub fn blocksize(&self) -> u32 {
        match self.fs_type {
            FsType::Proc => 1024,
            _ => PAGE_SIZE as u32,
        }
    }
    /// Whether names can be made and removed in its directories (tmpfs and ramfs have the
    /// inode operations; /proc, sysfs, tracefs, mqueue's directory and nsfs do not).
    pub fn has_dir_ops(&self) -> bool {
        matches!(self.fs_type, FsType::Rootfs | FsType::Tmpfs | FsType::Ramfs)
    }
}

static ROOTFS_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();
static TRACEFS_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();
static SYSFS_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();
static NSFS_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();
static SHM_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();

/// The rootfs instance (Linux: init_mount_tree()'s rootfs; tmpfs, whose size limits are
/// mm/shmem.rs's ROOTFS_SB).
pub fn rootfs_sb() -> &'static Arc<SuperBlock> {
    ROOTFS_SB.call_once(|| SuperBlock::boot(ROOTFS_DEV, FsType::Rootfs))
}

/// tracefs's one instance (fs/tracefs/).
pub fn tracefs_sb() -> &'static Arc<SuperBlock> {
    TRACEFS_SB.call_once(|| SuperBlock::boot(TRACEFS_DEV, FsType::Tracefs))
}

/// sysfs's one instance (fs/sysfs/).
pub fn sysfs_sb() -> &'static Arc<SuperBlock> {
    SYSFS_SB.call_once(|| SuperBlock::boot(SYSFS_DEV, FsType::Sysfs))
}

/// Linux: nsfs_mnt's superblock (nsfs_init()).
pub fn nsfs_sb() -> &'static Arc<SuperBlock> {
    NSFS_SB.call_once(|| SuperBlock::boot(NSFS_DEV, FsType::Nsfs))
}

/// Linux: shm_mnt's superblock (shmem_init()): the internal tmpfs memfd files live on.
pub fn shm_sb() -> &'static Arc<SuperBlock> {
    SHM_SB.call_once(|| SuperBlock::boot(SHM_DEV, FsType::Tmpfs))
}

/// Linux: the SB_RDONLY change of reconfigure_super() (the caller has checked for files
/// open for writing: sb_prepare_remount_readonly()).
pub fn set_rdonly(sb: &SuperBlock, ro: bool) {
    if ro {
        sb.flags.fetch_or(SB_RDONLY, Ordering::Relaxed);
    } else {
        sb.flags.fetch_and(!SB_RDONLY, Ordering::Relaxed);
    }
}
