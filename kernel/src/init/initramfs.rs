//! Unpacking the initramfs into the rootfs, and the entries every rootfs has.
//! Linux: init/initramfs.c (populate_rootfs, unpack_to_rootfs and its do_* state machine),
//! usr/default_cpio_list and init/noinitramfs.c (the default /dev/console, /root).
//! The cpio (and gzip) parsing is the host-tested `initramfs` crate.

use crate::drivers::char::mem::{FULL_MINOR, NULL_MINOR, RANDOM_MINOR, URANDOM_MINOR, ZERO_MINOR};
use crate::errno::*;
use crate::fs::char_dev::{MEM_MAJOR, TTYAUX_CONSOLE_MINOR, TTYAUX_MAJOR, TTYAUX_TTY_MINOR};
use crate::fs::inode::*;
use crate::fs::namespace::root;
use crate::mm::shmem::ShmObject;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// Linux: populate_rootfs() / unpack_to_rootfs(): the initramfs becomes the root tree.
/// File contents stay where the bootloader put them (a 'static slice), copied on first write.
/// Owners, modes and mtimes are the archive's (do_name()'s chown and chmod, do_utime() with
/// CONFIG_INITRAMFS_PRESERVE_MTIME, as the reference kernel has it); directories get theirs
/// at the end (dir_utime()), once nothing more is created in them.
pub fn populate_rootfs(image: &'static [u8]) -> KResult<usize> {
    let entries = ::initramfs::parse(image).map_err(|e| {
        crate::pr_err!("Initramfs unpacking failed: {}", e.message());
        EINVAL
    })?;
    let r = root();
    let mut n = 0;
    let mut dirs: Vec<(Arc<Inode>, u64)> = Vec::new();
    for e in entries.into_iter() {
        let name: &str = e.name.as_str();
        if name.is_empty() || name == "." {
            continue;
        }
        let (dir, base) = match name.rfind('/') {
            Some(i) => (&name[..i], &name[i + 1..]),
            None => ("", name),
        };
        let parent = if dir.is_empty() { r.clone() } else { mkdir_p(&r, dir)? };
        let mode = e.mode;
        // Linux: maybe_link(): a later name of an earlier file is a hard link to it.
        if let Some(first) = &e.hardlink_of {
            if let Ok(old) = crate::fs::namei_at(crate::fs::AT_FDCWD, &alloc::format!("/{}", first), false) {
                let _ = parent.unlink(base, false);
                if parent.link(base, old.clone()).is_ok() {
                    old.nlink.fetch_add(1, Ordering::Relaxed);
                    if !e.data.is_empty() {
                        // cpio puts the data with the last link: the shared inode gets it.
                        old.write_at(0, &e.data)?;
                    }
                    set_mtime(&old, e.mtime);
                    n += 1;
                }
            }
            continue;
        }
        let node = match mode & S_IFMT {
            S_IFDIR => {
                if let Ok(existing) = parent.lookup(base) {
                    if existing.is_dir() {
                        existing.mode.store(mode, Ordering::Relaxed);
                        existing.chown(Some(e.uid), Some(e.gid));
                        dirs.push((existing, e.mtime));
                        continue;
                    }
                }
                Inode::new_dir(mode, Arc::downgrade(&parent), base)
            }
            S_IFREG => match e.data {
                // Plain archive: the bytes stay in the initrd image until written.
                alloc::borrow::Cow::Borrowed(b) => Inode::new_reg(None, mode, ShmObject::from_initrd(b)),
                // Decompressed: copied into the file's pages, the buffer freed.
                alloc::borrow::Cow::Owned(v) => {
                    let f = Inode::new_file(mode);
                    f.write_at(0, &v)?;
                    f
                }
            },
            S_IFLNK => Inode::new(mode, InodeKind::Symlink(e.data.to_vec())),
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => Inode::new_special(mode, (e.rdev_major, e.rdev_minor)),
            _ => continue,
        };
        let _ = parent.unlink(base, false);
        let _ = parent.unlink(base, true);
        parent.link(base, node.clone())?;
        // Linux: init/initramfs.c do_name()/do_symlink(): the archive's owner (chown).
        node.uid.store(e.uid, Ordering::Relaxed);
        node.gid.store(e.gid, Ordering::Relaxed);
        if node.is_dir() {
            dirs.push((node, e.mtime));
        } else {
            set_mtime(&node, e.mtime);
        }
        n += 1;
    }
    // Linux: dir_utime(), after every entry is in place.
    for (d, mtime) in dirs {
        set_mtime(&d, mtime);
    }
    Ok(n)
}

/// Linux: do_utime(): atime and mtime from the archive.
fn set_mtime(ino: &Inode, mtime: u64) {
    let t = Timespec64 { sec: mtime as i64, nsec: 0 };
    let mut tm = ino.times.lock();
    tm.atime = t;
    tm.mtime = t;
}

fn mkdir_p(r: &Arc<Inode>, path: &str) -> KResult<Arc<Inode>> {
    let mut cur = r.clone();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        cur = match cur.lookup(c) {
            Ok(d) => d,
            Err(_) => {
                let d = Inode::new_dir(0o755, Arc::downgrade(&cur), c);
                cur.link(c, d.clone())?;
                d
            }
        };
    }
    Ok(cur)
}

/// Linux: the default initramfs always has /dev/console (usr/default_cpio_list); so do we,
/// and what the reference kernel's devtmpfs gives /dev (the test harness mounts it there):
/// null, zero, full, tty, random, urandom; plus /proc and /sys/kernel/tracing.
pub fn populate_defaults() {
    let r = root();
    let dev = mkdir_p(&r, "dev").unwrap();
    for (name, ma, mi, mode) in [
        ("console", TTYAUX_MAJOR, TTYAUX_CONSOLE_MINOR, 0o600),
        ("null", MEM_MAJOR, NULL_MINOR, 0o666),
        ("zero", MEM_MAJOR, ZERO_MINOR, 0o666),
        ("full", MEM_MAJOR, FULL_MINOR, 0o666),
        ("tty", TTYAUX_MAJOR, TTYAUX_TTY_MINOR, 0o666),
        ("urandom", MEM_MAJOR, URANDOM_MINOR, 0o666),
        ("random", MEM_MAJOR, RANDOM_MINOR, 0o666),
    ] {
        if dev.lookup(name).is_err() {
            let _ = dev.link(name, Inode::new(S_IFCHR | mode, InodeKind::CharDev(ma, mi)));
        }
    }
    let _ = mkdir_p(&r, "root");
    let _ = mkdir_p(&r, "tmp");
    crate::fs::namespace::mount_boot_filesystems();
}
