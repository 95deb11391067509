//! /proc/filesystems.  Linux: fs/filesystems.c (filesystems_proc_show).

use alloc::string::String;

/// Linux: filesystems_proc_show(): the filesystem types the kernel knows.
pub fn filesystems_proc_show(s: &mut String) {
    s.push_str("nodev\tramfs\nnodev\tproc\nnodev\tpipefs\n");
}
