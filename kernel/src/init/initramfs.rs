//! Unpacking the initramfs into the rootfs, and the entries every rootfs has.
//! Linux: init/initramfs.c (populate_rootfs, unpack_to_rootfs and its do_* state machine),
//! usr/default_cpio_list and init/noinitramfs.c (the default /dev/console, /root).
//! The cpio (and gzip) parsing is the host-tested `initramfs` crate.

use crate::drivers::char::mem::{NULL_MINOR, RANDOM_MINOR, URANDOM_MINOR, ZERO_MINOR};
use crate::errno::*;
use crate::fs::char_dev::{MEM_MAJOR, TTYAUX_CONSOLE_MINOR, TTYAUX_MAJOR, TTYAUX_TTY_MINOR};
use crate::fs::inode::*;
use crate::fs::namespace::root;
use alloc::string::String;
use alloc::sync::Arc;

/// Linux: populate_rootfs() / unpack_to_rootfs(): the initramfs becomes the root tree.
/// File contents stay where the bootloader put them (a 'static slice), copied on first write.
pub fn populate_rootfs(image: &'static [u8]) -> KResult<usize> {
    let entries = ::initramfs::parse(image).map_err(|e| {
        crate::pr_err!("Initramfs unpacking failed: {}", e.message());
        EINVAL
    })?;
    let r = root();
    let mut n = 0;
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
        let node = match mode & S_IFMT {
            S_IFDIR => {
                if let Ok(existing) = parent.lookup(base) {
                    existing.mode.store(mode, core::sync::atomic::Ordering::Relaxed);
                    continue;
                }
                Inode::new_dir(mode, Arc::downgrade(&parent), base)
            }
            S_IFREG => {
                let data = match e.data {
                    // Plain archive: the bytes stay in the initrd image, never copied.
                    alloc::borrow::Cow::Borrowed(b) => FileData::Static(b),
                    // Decompressed: the entry's own buffer becomes the file.
                    alloc::borrow::Cow::Owned(v) => FileData::Owned(v),
                };
                Inode::new(mode, InodeKind::File(crate::kernel::locking::SpinLock::new(data)))
            }
            S_IFLNK => Inode::new(mode, InodeKind::Symlink(String::from_utf8_lossy(e.data.as_ref()).into_owned())),
            S_IFCHR => {
                let (ma, mi) = (e.rdev_major, e.rdev_minor);
                Inode::new(mode, InodeKind::CharDev(ma, mi))
            }
            _ => continue,
        };
        let _ = parent.unlink(base, false);
        parent.link(base, node)?;
        n += 1;
    }
    Ok(n)
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
/// and /dev/null etc. for programs that expect them, plus /proc and /sys/kernel/tracing.
pub fn populate_defaults() {
    let r = root();
    let dev = mkdir_p(&r, "dev").unwrap();
    for (name, ma, mi, mode) in [
        ("console", TTYAUX_MAJOR, TTYAUX_CONSOLE_MINOR, 0o600),
        ("null", MEM_MAJOR, NULL_MINOR, 0o666),
        ("zero", MEM_MAJOR, ZERO_MINOR, 0o666),
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
