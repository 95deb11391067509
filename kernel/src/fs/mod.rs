//! The virtual filesystem: rootfs, path lookup, and the file syscalls.
//! Linux: fs/namei.c, fs/open.c, fs/read_write.c, fs/stat.c, fs/readdir.c, fs/fcntl.c,
//! fs/ioctl.c, fs/select.c, fs/d_path.c, init/initramfs.c.

#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod exec;
pub mod file;
pub mod inode;
pub mod pidfd;
pub mod pipe;
pub mod procfs;
pub mod syscalls;
pub mod tracefs;

pub use file::{File, FileOps, FilesStruct, FsStruct};
pub use inode::Inode;

use crate::errno::*;
use crate::kernel::task::current;
use alloc::string::String;
use alloc::sync::Arc;
use inode::*;
use spin::Once;

static ROOT: Once<Arc<Inode>> = Once::new();

pub fn root() -> Arc<Inode> {
    ROOT.call_once(|| {
        let r = Inode::new_dir(0o755, alloc::sync::Weak::new(), "");
        r
    })
    .clone()
}

pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
pub const AT_REMOVEDIR: u32 = 0x200;
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
pub const AT_EMPTY_PATH: u32 = 0x1000;
pub const PATH_MAX: usize = 4096;

/// The directory a relative path starts from: cwd, or the directory open at `dirfd`.
fn start_dir(dirfd: i32, path: &str) -> KResult<Arc<Inode>> {
    let cur = current();
    let fs = cur.fs.lock().clone().ok_or(ENOENT)?;
    let fsi = fs.inner.lock().clone();
    if path.starts_with('/') {
        return Ok(fsi.root);
    }
    if dirfd == AT_FDCWD {
        return Ok(fsi.cwd);
    }
    let f = fd_get(dirfd as u32)?;
    let ino = f.inode.clone().ok_or(ENOTDIR)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(ino)
}

fn parent_of(d: &Arc<Inode>) -> Arc<Inode> {
    d.parent().unwrap_or_else(|| d.clone())
}

/// Linux: path_lookupat() — resolve `path` to an inode; `follow` follows a final symlink.
pub fn namei_at(dirfd: i32, path: &str, follow: bool) -> KResult<Arc<Inode>> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let start = start_dir(dirfd, path)?;
    walk(start, path, follow, 0)
}

fn walk(start: Arc<Inode>, path: &str, follow: bool, depth: usize) -> KResult<Arc<Inode>> {
    if depth > 40 {
        return Err(ELOOP);
    }
    let mut cur = if path.starts_with('/') { root() } else { start };
    let comps: alloc::vec::Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let trailing_slash = path.ends_with('/');
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        if !cur.is_dir() {
            return Err(ENOTDIR);
        }
        if c.len() > 255 {
            return Err(ENAMETOOLONG);
        }
        let next = match *c {
            "." => cur.clone(),
            ".." => parent_of(&cur),
            name => cur.lookup(name)?,
        };
        let next = if let InodeKind::Symlink(target) = &next.kind {
            if !last || follow || trailing_slash {
                walk(cur.clone(), target, true, depth + 1)?
            } else {
                next
            }
        } else {
            next
        };
        cur = next;
    }
    if trailing_slash && !cur.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(cur)
}

/// Linux: filename_parentat() — the directory holding the last component, and its name.
pub fn lookup_parent(dirfd: i32, path: &str) -> KResult<(Arc<Inode>, String)> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let trimmed = path.trim_end_matches('/');
    let (dir, name) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i.max(if trimmed.starts_with('/') { 1 } else { 0 })], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    let start = start_dir(dirfd, path)?;
    let d = if dir.is_empty() {
        if path.starts_with('/') {
            root()
        } else {
            start
        }
    } else {
        walk(start, dir, true, 0)?
    };
    if !d.is_dir() {
        return Err(ENOTDIR);
    }
    if name.len() > 255 {
        return Err(ENAMETOOLONG);
    }
    Ok((d, String::from(if name.is_empty() { "." } else { name })))
}

pub fn fd_get(fd: u32) -> KResult<Arc<File>> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    files.get(fd as usize)
}

pub fn fd_install(file: Arc<File>, cloexec: bool) -> KResult<usize> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EMFILE)?;
    let limit = cur.signal.rlimit(crate::kernel::signal::RLIMIT_NOFILE) as usize;
    files.install_from(0, file, cloexec, limit)
}

pub fn close_fd(fd: u32) -> KResult<()> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let f = files.close(fd as usize)?;
    drop(f);
    Ok(())
}

/// Linux: populate_rootfs() / unpack_to_rootfs(): the initramfs becomes the root tree.
/// File contents stay where the bootloader put them (a 'static slice), copied on first write.
pub fn populate_rootfs(image: &'static [u8]) -> KResult<usize> {
    let entries = initramfs::parse(image).map_err(|e| {
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
        ("console", 5, 1, 0o600),
        ("null", 1, 3, 0o666),
        ("zero", 1, 5, 0o666),
        ("tty", 5, 0, 0o666),
        ("urandom", 1, 9, 0o666),
        ("random", 1, 8, 0o666),
    ] {
        if dev.lookup(name).is_err() {
            let _ = dev.link(name, Inode::new(S_IFCHR | mode, InodeKind::CharDev(ma, mi)));
        }
    }
    let _ = mkdir_p(&r, "root");
    let _ = mkdir_p(&r, "tmp");
    procfs::mount(&r);
    tracefs::mount(&r);
}
