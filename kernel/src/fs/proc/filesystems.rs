//! /proc/filesystems.  Linux: fs/filesystems.c (filesystems_proc_show).

use alloc::string::String;

/// Linux: filesystems_proc_show(): the filesystem types the kernel knows (fs/filesystems.rs).
pub fn filesystems_proc_show(s: &mut String) {
    crate::fs::filesystems::filesystems_proc_show(s);
}
