//! sysfs: its one instance, which every mount of "sysfs" shows.  Linux: fs/sysfs/mount.c
//! (sysfs_init, sysfs_get_tree), and kernel/ksysfs.c / kernel/trace/trace.c for the
//! directories below: /sys/kernel, and /sys/kernel/tracing where tracefs is mounted.
//!
//! The tree is an in-memory directory tree; what fills it is /sys's business (MenuOS has no
//! kobjects yet).

use super::filesystems::FsType;
use super::inode::Inode;
use super::super_block::{SbInfo, SuperBlock};
use alloc::sync::{Arc, Weak};

static SYSFS_ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// Linux: sysfs_root_kn's directory, with kernel/ and kernel/tracing (the mountpoint
/// tracefs_create_dir()'s "tracing" is in Linux).
pub fn sysfs_root() -> Arc<Inode> {
    SYSFS_ROOT
        .call_once(|| {
            let sb =
                SuperBlock::new(FsType::Sysfs, 0, SbInfo::None, crate::kernel::user_namespace::init_user_ns().clone());
            let root = Inode::new_dir(0o555, Weak::new(), "");
            root.set_sb(&sb);
            let kernel = Inode::new_dir(0o755, Arc::downgrade(&root), "kernel");
            let _ = root.link("kernel", kernel.clone());
            let tracing = Inode::new_dir(0o700, Arc::downgrade(&kernel), "tracing");
            let _ = kernel.link("tracing", tracing);
            root
        })
        .clone()
}
