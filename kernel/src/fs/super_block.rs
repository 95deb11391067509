//! struct super_block: one instance of a filesystem — its device number (st_dev), its
//! read-only state, and what its type keeps per instance (/proc's pid namespace and options).
//! Linux: fs/super.c (alloc_super, get_anon_bdev, free_anon_bdev, sget_fc), include/linux/fs.h.
//!
//! Every inode points at its superblock (Inode::sb).  The rootfs and nsfs are made at boot;
//! mounting tmpfs, ramfs or proc makes a new instance each time, sysfs and tracefs have one
//! (fs/namespace.rs, fs/fs_context.rs).

use super::filesystems::FsType;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::pid_namespace::PidNamespace;
use crate::kernel::user_namespace::{init_user_ns, UserNamespace};
use alloc::collections::BTreeSet;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Linux: SB_RDONLY (= MS_RDONLY).
pub const SB_RDONLY: u32 = linux_raw_sys::general::MS_RDONLY;

/// The rootfs's device number, and nsfs's (Linux numbers both early, 0:2 and 0:4 on most
/// machines); the others come from get_anon_bdev().
const ROOTFS_DEV: u64 = 1;
const NSFS_DEV: u64 = 3;
/// Where get_anon_bdev() starts (below: the fixed numbers above and the anonymous inodes of
/// pipes and pidfds, fs/stat.rs).
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

/// Linux: struct proc_fs_info (include/linux/proc_fs.h): what one /proc instance shows.
pub struct ProcFsInfo {
    /// The pid namespace whose processes it lists (the mounter's).
    pub pid_ns: Arc<PidNamespace>,
    /// Linux: hide_pid: HIDEPID_OFF (0), NO_ACCESS (1), INVISIBLE (2), NOT_PTRACEABLE (4).
    pub hidepid: AtomicU32,
    /// Linux: pidonly (subset=pid): only the pid directories, self and thread-self.
    pub pidonly: AtomicBool,
    /// Linux: pid_gid (gid=): the group exempt from hidepid.
    pub pid_gid: AtomicU32,
}

/// What a filesystem type keeps per instance.
pub enum SbInfo {
    None,
    Proc(ProcFsInfo),
}

/// Linux: struct super_block.
pub struct SuperBlock {
    /// Linux: s_dev, what stat() reports as st_dev.
    pub dev: u64,
    pub fs_type: FsType,
    /// Linux: s_flags (SB_RDONLY).
    pub flags: AtomicU32,
    pub info: SbInfo,
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
    pub fn new(fs_type: FsType, sb_flags: u32, info: SbInfo, user_ns: Arc<UserNamespace>) -> Arc<SuperBlock> {
        Arc::new(SuperBlock { dev: get_anon_bdev(), fs_type, flags: AtomicU32::new(sb_flags), info, user_ns })
    }
    /// Linux: sb_rdonly().
    pub fn rdonly(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & SB_RDONLY != 0
    }
    pub fn proc_info(&self) -> Option<&ProcFsInfo> {
        match &self.info {
            SbInfo::Proc(p) => Some(p),
            SbInfo::None => None,
        }
    }
}

static ROOTFS_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();
static NSFS_SB: spin::Once<Arc<SuperBlock>> = spin::Once::new();

/// The rootfs instance (Linux: init_mount_tree()'s rootfs).
pub fn rootfs_sb() -> &'static Arc<SuperBlock> {
    ROOTFS_SB.call_once(|| {
        Arc::new(SuperBlock {
            dev: ROOTFS_DEV,
            fs_type: FsType::Rootfs,
            flags: AtomicU32::new(0),
            info: SbInfo::None,
            user_ns: init_user_ns().clone(),
        })
    })
}

/// Linux: nsfs_mnt's superblock (nsfs_init()).
pub fn nsfs_sb() -> &'static Arc<SuperBlock> {
    NSFS_SB.call_once(|| {
        Arc::new(SuperBlock {
            dev: NSFS_DEV,
            fs_type: FsType::Nsfs,
            flags: AtomicU32::new(0),
            info: SbInfo::None,
            user_ns: init_user_ns().clone(),
        })
    })
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
