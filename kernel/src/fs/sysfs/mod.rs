//! sysfs at /sys: the kernel's objects as directories, their attributes as small read-only
//! files.  Linux: fs/sysfs/ (mount.c, dir.c, file.c over kernfs), with the attributes from
//! their subsystems (drivers/base/cpu.c for /sys/devices/system/cpu).
//!
//! The tree is built once at boot and never changes (MenuOS has no hotplug):
//!
//!   /sys                              0555
//!   /sys/devices/system/cpu/          online possible present offline isolated kernel_max,
//!                                     cpu0/ (no online file: the boot CPU stays)
//!   /sys/kernel/tracing               where tracefs (fs/tracefs/) is mounted
//!
//! Directories are 0755 and attributes 0444, as Linux's; an attribute's text is made when it
//! is read from position 0 (kernfs's seq_file).  Nothing can be created, removed or written:
//! opening an attribute for writing is EACCES, as kernfs_fop_open() answers for a read-only
//! attribute even to root.

use super::file_table::{File, FileOps};
use super::inode::*;
use super::seq_file::SeqText;
use super::super_block::sysfs_sb;
use crate::drivers::base::cpu;
use crate::errno::*;
use crate::fs::readdir::{DT_DIR, DT_LNK, DT_REG};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use linux_raw_sys::general::{O_ACCMODE, O_PATH, O_RDONLY};

/// An attribute's show(): its text.
pub type Show = fn(&mut String);

pub enum SysfsNode {
    Dir(SysfsDir),
    Attr(Show),
}

/// A sysfs directory: its entries (set once, right after it is made) and where it is.
pub struct SysfsDir {
    children: spin::Once<Vec<(&'static str, Arc<Inode>)>>,
    parent: Weak<Inode>,
    name: &'static str,
}

fn new_dir(mode: u32, parent: Weak<Inode>, name: &'static str) -> Arc<Inode> {
    let kind = InodeKind::Sysfs(SysfsNode::Dir(SysfsDir { children: spin::Once::new(), parent, name }));
    Inode::new_in(sysfs_sb(), Inode::next_ino(), S_IFDIR | mode, kind)
}

fn attr(show: Show) -> Arc<Inode> {
    Inode::new_in(sysfs_sb(), Inode::next_ino(), S_IFREG | 0o444, InodeKind::Sysfs(SysfsNode::Attr(show)))
}

fn fill(dir: &Arc<Inode>, entries: Vec<(&'static str, Arc<Inode>)>) {
    if let InodeKind::Sysfs(SysfsNode::Dir(d)) = &dir.kind {
        d.children.call_once(|| entries);
    }
}

static SYSFS_ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// Linux: sysfs_init(): sysfs's one instance, which every mount of "sysfs" shows (the boot
/// mounts it on /sys: fs/namespace.rs).  /sys/kernel/tracing is an empty directory that
/// tracefs is mounted on (Linux: tracefs_create_mount_point() -> sysfs_create_mount_point()).
pub fn sysfs_root() -> Arc<Inode> {
    SYSFS_ROOT.call_once(build).clone()
}

fn build() -> Arc<Inode> {
    let sys = new_dir(0o555, Weak::new(), "");
    let devices = new_dir(0o755, Arc::downgrade(&sys), "devices");
    let system = new_dir(0o755, Arc::downgrade(&devices), "system");
    let cpus = new_dir(0o755, Arc::downgrade(&system), "cpu");
    let cpu0 = new_dir(0o755, Arc::downgrade(&cpus), "cpu0");
    fill(&cpu0, Vec::new());
    fill(
        &cpus,
        alloc::vec![
            ("cpu0", cpu0),
            ("isolated", attr(cpu::show_cpus_isolated)),
            ("kernel_max", attr(cpu::show_cpus_kernel_max)),
            ("offline", attr(cpu::show_cpus_offline)),
            ("online", attr(cpu::show_cpus_online)),
            ("possible", attr(cpu::show_cpus_online)),
            ("present", attr(cpu::show_cpus_online)),
        ],
    );
    fill(&system, alloc::vec![("cpu", cpus)]);
    fill(&devices, alloc::vec![("system", system)]);
    let kernel = new_dir(0o755, Arc::downgrade(&sys), "kernel");
    let tracing = new_dir(0o755, Arc::downgrade(&kernel), "tracing");
    fill(&tracing, Vec::new());
    fill(&kernel, alloc::vec![("tracing", tracing)]);
    fill(&sys, alloc::vec![("devices", devices), ("kernel", kernel)]);
    sys
}

fn entries(d: &SysfsDir) -> &[(&'static str, Arc<Inode>)] {
    d.children.get().map_or(&[], |v| &v[..])
}

/// A name in a sysfs directory.
pub fn lookup(n: &SysfsNode, name: &str) -> KResult<Arc<Inode>> {
    match n {
        SysfsNode::Dir(d) => entries(d).iter().find(|(k, _)| *k == name).map(|(_, i)| i.clone()).ok_or(ENOENT),
        SysfsNode::Attr(_) => Err(ENOTDIR),
    }
}

/// ".." of a sysfs directory.
pub fn parent(n: &SysfsNode) -> Option<Arc<Inode>> {
    match n {
        SysfsNode::Dir(d) => d.parent.upgrade(),
        SysfsNode::Attr(_) => None,
    }
}

/// A directory's name and parent (for paths: getcwd, /proc/PID/cwd).
pub fn name_parent(n: &SysfsNode) -> Option<(&'static str, Option<Arc<Inode>>)> {
    match n {
        SysfsNode::Dir(d) => Some((d.name, d.parent.upgrade())),
        SysfsNode::Attr(_) => None,
    }
}

/// The entries of a directory: (name, inode number, DT_* type).
pub fn readdir(n: &SysfsNode) -> Vec<(String, u64, u8)> {
    let SysfsNode::Dir(d) = n else { return Vec::new() };
    entries(d)
        .iter()
        .map(|(k, i)| {
            let t = match i.mode() & S_IFMT {
                S_IFDIR => DT_DIR,
                S_IFLNK => DT_LNK,
                _ => DT_REG,
            };
            (String::from(*k), i.ino, t)
        })
        .collect()
}

/// Linux: kernfs_fop_open(): a directory, or an attribute opened for reading (EACCES for
/// writing: no attribute here has a store()).
pub fn open(n: &SysfsNode, flags: u32) -> KResult<Arc<dyn FileOps>> {
    match n {
        SysfsNode::Dir(_) => Ok(Arc::new(super::libfs::DirOps)),
        SysfsNode::Attr(show) => {
            if flags & O_PATH == 0 && flags & O_ACCMODE != O_RDONLY {
                return Err(EACCES);
            }
            Ok(Arc::new(AttrFile { show: *show, text: SeqText::new() }))
        }
    }
}

/// An open attribute (Linux: kernfs_seq_show -> sysfs_kf_seq_show -> the attribute's show).
struct AttrFile {
    show: Show,
    text: SeqText,
}

impl FileOps for AttrFile {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        self.text.read(f, buf, || {
            let mut s = String::new();
            (self.show)(&mut s);
            Ok(s.into_bytes())
        })
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "sysfs"
    }
}
