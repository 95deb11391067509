//! /proc/PID/mounts and /proc/PID/mountinfo: the mount table of the task's namespace as seen
//! from its root.  Linux: fs/proc_namespace.c (show_vfsmnt, show_mountinfo, show_mnt_opts,
//! show_sb_opts).

use super::file_table::File;
use super::namespace::{fs_opts, mangle, mnt_opts, mounts_of, MNT_READONLY};
use crate::kernel::task::TaskStruct;
use alloc::string::String;
use core::fmt::Write;

/// Linux: show_sb_opts(): the superblock flags mount(2) can set, after "rw"/"ro".
fn sb_opts(flags: u32) -> String {
    let mut s = String::new();
    for (f, name) in [
        (linux_raw_sys::general::MS_SYNCHRONOUS, ",sync"),
        (linux_raw_sys::general::MS_DIRSYNC, ",dirsync"),
        (linux_raw_sys::general::MS_MANDLOCK, ",mand"),
        (linux_raw_sys::general::MS_LAZYTIME, ",lazytime"),
    ] {
        if flags & f != 0 {
            s.push_str(name);
        }
    }
    s
}

/// Linux: the device number as "major:minor" (MAJOR/MINOR of new_decode_dev()).
fn dev_str(dev: u64) -> String {
    let major = (dev >> 8) & 0xfff;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    alloc::format!("{}:{}", major, minor)
}

/// Linux: show_vfsmnt(): "source mountpoint type options 0 0" per mount.
pub fn show_mounts(t: &TaskStruct) -> Option<String> {
    let mut s = String::new();
    for m in mounts_of(t)? {
        let sbf = m.sb.flags.load(core::sync::atomic::Ordering::Relaxed);
        let ro = m.sb.rdonly() || m.mnt_flags & MNT_READONLY != 0;
        let _ = writeln!(
            s,
            "{} {} {} {}{}{}{} 0 0",
            mangle(&m.devname),
            mangle(&m.mountpoint),
            m.fs_type.name(),
            if ro { "ro" } else { "rw" },
            sb_opts(sbf),
            mnt_opts(m.mnt_flags),
            fs_opts(&m.root_inode)
        );
    }
    Some(s)
}

/// Linux: show_mountinfo(): "id parent major:minor root mountpoint mntopts [optional] -
/// type source superopts" per mount.
pub fn show_mountinfo(t: &TaskStruct) -> Option<String> {
    let mut s = String::new();
    for m in mounts_of(t)? {
        let sbf = m.sb.flags.load(core::sync::atomic::Ordering::Relaxed);
        let _ = write!(
            s,
            "{} {} {} {} {} {}{}",
            m.id,
            m.parent,
            dev_str(m.dev),
            mangle(&m.root),
            mangle(&m.mountpoint),
            if m.mnt_flags & MNT_READONLY != 0 { "ro" } else { "rw" },
            mnt_opts(m.mnt_flags)
        );
        // Linux: the optional fields (propagate_from is not kept: MenuOS's slaves name
        // their master's group only).
        if let Some(g) = m.shared {
            let _ = write!(s, " shared:{}", g);
        }
        if let Some(g) = m.master {
            let _ = write!(s, " master:{}", g);
        }
        if m.unbindable {
            s.push_str(" unbindable");
        }
        let _ = writeln!(
            s,
            " - {} {} {}{}{}",
            m.fs_type.name(),
            mangle(&m.devname),
            if m.sb.rdonly() { "ro" } else { "rw" },
            sb_opts(sbf),
            fs_opts(&m.root_inode)
        );
    }
    Some(s)
}

/// The mount id of pipefs and anon_inodefs, kernel-internal mounts outside every namespace
/// (what a pipe's or a pidfd's fdinfo shows).
pub const ANON_MNT_ID: u32 = 10;

/// Linux: real_mount(file->f_path.mnt)->mnt_id (/proc/PID/fdinfo's mnt_id): the mount of the
/// caller's namespace the file's inode lies in.
pub fn mnt_id_of(f: &File) -> u32 {
    match f.inode.as_ref() {
        Some(i) => crate::fs::namespace::current_mnt_ns().path_of(i).mnt,
        None => ANON_MNT_ID,
    }
}
