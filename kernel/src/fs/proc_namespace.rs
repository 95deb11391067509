//! /proc/PID/mounts and /proc/PID/mountinfo: the mounts a process sees.  Linux:
//! fs/proc_namespace.c (show_vfsmnt, show_mountinfo, mounts_open_common).
//!
//! MenuOS has one mount tree with no table yet (fs/namespace.rs): the rootfs, with procfs on
//! /proc, sysfs on /sys and tracefs on /sys/kernel/tracing set up at boot.  [`mounts`] lists
//! that tree; when the mount code keeps a table, it is the one place to read it from.

use super::file_table::File;
use super::inode::{Inode, InodeKind};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// One mount as /proc shows it (Linux: struct mount / vfsmount and its superblock).
pub struct MountEntry {
    /// Linux: mnt_id and the parent's
    pub id: u32,
    pub parent: u32,
    /// st_dev of its files (major, minor)
    pub dev: (u32, u32),
    pub mountpoint: &'static str,
    /// per-mount options (show_mnt_opts)
    pub mnt_opts: &'static str,
    pub fstype: &'static str,
    pub source: &'static str,
    /// per-superblock options (show_sb_opts + the filesystem's show_options)
    pub sb_opts: &'static str,
}

// Mount ids as the reference Linux numbers its boot mounts (1 the rootfs; procfs and sysfs
// mounted by init later).
pub const ROOTFS_MNT_ID: u32 = 1;
pub const PROC_MNT_ID: u32 = 12;
pub const SYSFS_MNT_ID: u32 = 13;
pub const TRACEFS_MNT_ID: u32 = 14;
/// pipefs and anon_inodefs: kernel-internal mounts, not in the tree.
pub const ANON_MNT_ID: u32 = 10;

/// The mount tree, parents before children.
pub fn mounts() -> Vec<MountEntry> {
    alloc::vec![
        MountEntry {
            id: ROOTFS_MNT_ID,
            parent: ROOTFS_MNT_ID,
            dev: (0, super::stat::ROOTFS_DEV as u32),
            mountpoint: "/",
            mnt_opts: "rw",
            fstype: "rootfs",
            source: "rootfs",
            sb_opts: "rw",
        },
        MountEntry {
            id: PROC_MNT_ID,
            parent: ROOTFS_MNT_ID,
            dev: (0, super::stat::PROC_DEV as u32),
            mountpoint: "/proc",
            mnt_opts: "rw,relatime",
            fstype: "proc",
            source: "proc",
            sb_opts: "rw",
        },
        MountEntry {
            id: SYSFS_MNT_ID,
            parent: ROOTFS_MNT_ID,
            dev: (0, super::stat::SYSFS_DEV as u32),
            mountpoint: "/sys",
            mnt_opts: "rw,relatime",
            fstype: "sysfs",
            source: "sysfs",
            sb_opts: "rw",
        },
        MountEntry {
            id: TRACEFS_MNT_ID,
            parent: SYSFS_MNT_ID,
            dev: (0, super::stat::TRACEFS_DEV as u32),
            mountpoint: "/sys/kernel/tracing",
            mnt_opts: "rw,relatime",
            fstype: "tracefs",
            source: "tracefs",
            sb_opts: "rw",
        },
    ]
}

/// Linux: show_vfsmnt(): "source mountpoint fstype options 0 0" (the /etc/mtab format).
pub fn show_vfsmnt() -> String {
    let mut s = String::new();
    for m in mounts() {
        let _ = writeln!(s, "{} {} {} {} 0 0", m.source, m.mountpoint, m.fstype, m.mnt_opts);
    }
    s
}

/// Linux: show_mountinfo(): "id parent major:minor root mountpoint options - fstype source
/// superoptions".
pub fn show_mountinfo() -> String {
    let mut s = String::new();
    for m in mounts() {
        let _ = writeln!(
            s,
            "{} {} {}:{} / {} {} - {} {} {}",
            m.id, m.parent, m.dev.0, m.dev.1, m.mountpoint, m.mnt_opts, m.fstype, m.source, m.sb_opts
        );
    }
    s
}

/// The mount an inode belongs to (by its filesystem).
pub fn mnt_id_of_inode(i: &Inode) -> u32 {
    match &i.kind {
        InodeKind::Proc(_) => PROC_MNT_ID,
        InodeKind::Sysfs(_) => SYSFS_MNT_ID,
        InodeKind::Trace(_) => TRACEFS_MNT_ID,
        _ => ROOTFS_MNT_ID,
    }
}

/// Linux: real_mount(file->f_path.mnt)->mnt_id (/proc/PID/fdinfo's mnt_id).
pub fn mnt_id_of(f: &File) -> u32 {
    f.inode.as_deref().map_or(ANON_MNT_ID, mnt_id_of_inode)
}
