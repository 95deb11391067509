//! The root of the tree, mount and umount.  Linux: fs/namespace.c (init_mount_tree, the
//! mount and umount syscalls), init/do_mounts.c (the rootfs).
//!
//! There is one tree, the rootfs, and no mount table: /proc and /sys (with tracefs at
//! /sys/kernel/tracing) are linked into it at boot (fs/proc/root.rs, fs/sysfs/), so mount(2)
//! only checks its arguments.  A procfs instance with its own options is
//! fs::proc::proc_fill_super(); /proc/PID/mounts shows the tree (fs/proc_namespace.rs).

use super::inode::Inode;
use super::namei::namei_at;
use super::AT_FDCWD;
use crate::errno::*;
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::string::String;
use alloc::sync::Arc;
use spin::Once;

static ROOT: Once<Arc<Inode>> = Once::new();

/// The rootfs's root directory (Linux: init_mount_tree(): the root of init's namespace).
pub fn root() -> Arc<Inode> {
    ROOT.call_once(|| Inode::new_dir(0o755, alloc::sync::Weak::new(), "")).clone()
}

/// The longest filesystem type name read (Linux's copy_mount_string() takes up to PATH_MAX).
const FSTYPE_MAX: usize = 256;

/// mount(2): MenuOS's pseudo filesystems (/proc, /sys, tracefs, devtmpfs) are always there;
/// mounting them again succeeds, as a remount would.  Other filesystems: ENODEV.
pub fn sys_mount(
    _dev_name: UserCStr,
    dir_name: UserCStr,
    fstype: UserCStr,
    _flags: usize,
    _data: UserPtr<u8>,
) -> KResult<usize> {
    let t = dir_name.read_path()?;
    let ino = namei_at(AT_FDCWD, &t, true)?;
    // Linux: path_mount() -> may_mount(): CAP_SYS_ADMIN.
    if !crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    let ty = if !fstype.is_null() { fstype.read_string(FSTYPE_MAX)? } else { String::new() };
    match ty.as_str() {
        "proc" | "sysfs" | "tracefs" | "devtmpfs" | "tmpfs" | "ramfs" | "debugfs" | "devpts" | "" => Ok(0),
        _ => Err(ENODEV),
    }
}

/// Linux: umount2(2) (SYSCALL_DEFINE2(umount)).  The pseudo filesystems stay (see sys_mount).
pub fn sys_umount(_name: UserCStr, _flags: i32) -> KResult<usize> {
    Ok(0)
}
