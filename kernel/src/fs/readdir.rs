//! getdents64.  Linux: fs/readdir.c (filldir64, getdents64), include/linux/fs.h (DT_*,
//! fs_umode_to_dtype).

use super::file::fd_get;
use super::inode::*;
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;
use alloc::vec::Vec;
use linux_raw_sys::general as uapi;
use linux_raw_sys::general::O_PATH;

// d_type values (Linux: include/linux/fs.h DT_*), as the byte struct linux_dirent64 holds.
pub const DT_UNKNOWN: u8 = uapi::DT_UNKNOWN as u8;
pub const DT_FIFO: u8 = uapi::DT_FIFO as u8;
pub const DT_CHR: u8 = uapi::DT_CHR as u8;
pub const DT_DIR: u8 = uapi::DT_DIR as u8;
pub const DT_REG: u8 = uapi::DT_REG as u8;
pub const DT_LNK: u8 = uapi::DT_LNK as u8;
pub const DT_BLK: u8 = uapi::DT_BLK as u8;
pub const DT_SOCK: u8 = uapi::DT_SOCK as u8;

/// Linux: offsetof(struct linux_dirent64, d_name): d_ino, d_off, d_reclen, d_type.
const DIRENT64_NAME: usize = 8 + 8 + 2 + 1;

/// Linux: getdents64() (iterate_dir -> dcache_readdir for tmpfs) — struct linux_dirent64
/// records.  The file position is 0 for ".", 1 for "..", then a rootfs entry's cookie
/// (DirEntries: newest first, unmoved by other entries coming and going), or 2 + the index
/// of a /proc entry.  EINVAL when not even one record fits.
pub fn sys_getdents64(fd: u32, dirent: UserPtr<u8>, count: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let ino = f.inode.clone().ok_or(ENOTDIR)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    if let InodeKind::Proc(node) = &ino.kind {
        super::proc::readdir_check(node)?;
    }
    let mut pos = f.pos.lock();
    let start = *pos;
    let count = count as usize;
    let mut out: Vec<u8> = Vec::new();
    let mut next = start;
    // Appends one record; false when it does not fit.
    let emit = |out: &mut Vec<u8>, name: &[u8], ino_nr: u64, t: u8, next_pos: u64| -> bool {
        let reclen = (DIRENT64_NAME + name.len() + 1 + 7) & !7;
        if out.len() + reclen > count {
            return false;
        }
        let at = out.len();
        out.resize(at + reclen, 0);
        let rec = &mut out[at..];
        rec[0..8].copy_from_slice(&ino_nr.to_le_bytes());
        rec[8..16].copy_from_slice(&next_pos.to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = t;
        rec[DIRENT64_NAME..DIRENT64_NAME + name.len()].copy_from_slice(name);
        true
    };
    let mut full = false;
    if next == 0 {
        if emit(&mut out, b".", ino.ino, DT_DIR, 1) {
            next = 1;
        } else {
            full = true;
        }
    }
    if !full && next == 1 {
        // ".." of the process's root is the root itself (a chroot stays confined).
        let p = if Arc::ptr_eq(&ino, &super::namei::current_root()) { None } else { ino.parent() };
        let p = p.unwrap_or_else(|| ino.clone());
        if emit(&mut out, b"..", p.ino, DT_DIR, 2) {
            next = 2;
        } else {
            full = true;
        }
    }
    if !full {
        match &ino.kind {
            InodeKind::Dir(d) => {
                let e = d.entries.lock();
                for (p, name, c) in e.from_pos(next) {
                    if !emit(&mut out, name, c.ino, dtype(c), p + 1) {
                        break;
                    }
                    next = p + 1;
                }
            }
            InodeKind::Proc(_) | InodeKind::Sysfs(_) => {
                let list = match &ino.kind {
                    InodeKind::Proc(node) => super::proc::readdir(node),
                    InodeKind::Sysfs(node) => super::sysfs::readdir(node),
                    _ => Vec::new(),
                };
                let mut i = (next - 2) as usize;
                while i < list.len() {
                    let (name, n, t) = &list[i];
                    if !emit(&mut out, name.as_bytes(), *n, *t, i as u64 + 3) {
                        break;
                    }
                    i += 1;
                }
                next = i as u64 + 2;
            }
            _ => return Err(ENOTDIR),
        }
    }
    if out.is_empty() && next == start && has_more(&ino, next) {
        return Err(EINVAL);
    }
    dirent.copy_out(&out)?;
    *pos = next;
    drop(pos);
    ino.touch_atime();
    Ok(out.len())
}

/// Whether a record remains at directory position `pos`.
fn has_more(ino: &Inode, pos: u64) -> bool {
    if pos < 2 {
        return true;
    }
    match &ino.kind {
        InodeKind::Dir(d) => d.entries.lock().from_pos(pos).next().is_some(),
        InodeKind::Proc(node) => ((pos - 2) as usize) < super::proc::readdir(node).len(),
        InodeKind::Sysfs(node) => ((pos - 2) as usize) < super::sysfs::readdir(node).len(),
        _ => false,
    }
}

/// Linux: fs_umode_to_dtype()
fn dtype(i: &Inode) -> u8 {
    match i.mode() & S_IFMT {
        S_IFDIR => DT_DIR,
        S_IFREG => DT_REG,
        S_IFLNK => DT_LNK,
        S_IFCHR => DT_CHR,
        S_IFIFO => DT_FIFO,
        S_IFBLK => DT_BLK,
        S_IFSOCK => DT_SOCK,
        _ => DT_UNKNOWN,
    }
}
