//! getdents64.  Linux: fs/readdir.c (filldir64, getdents64), include/linux/fs.h (DT_*,
//! fs_umode_to_dtype).

use super::file::fd_get;
use super::inode::*;
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use linux_raw_sys::general as uapi;

// d_type values (Linux: include/linux/fs.h DT_*), as the byte struct linux_dirent64 holds.
pub const DT_UNKNOWN: u8 = uapi::DT_UNKNOWN as u8;
pub const DT_FIFO: u8 = uapi::DT_FIFO as u8;
pub const DT_CHR: u8 = uapi::DT_CHR as u8;
pub const DT_DIR: u8 = uapi::DT_DIR as u8;
pub const DT_REG: u8 = uapi::DT_REG as u8;
pub const DT_LNK: u8 = uapi::DT_LNK as u8;

/// Linux: offsetof(struct linux_dirent64, d_name): d_ino, d_off, d_reclen, d_type.
const DIRENT64_NAME: usize = 8 + 8 + 2 + 1;

/// Linux: getdents64() — struct linux_dirent64 records; the file position is the index of
/// the next entry ("." and ".." first).
pub fn sys_getdents64(fd: u32, dirent: UserPtr<u8>, count: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    let ino = f.inode.clone().ok_or(ENOTDIR)?;
    let entries: Vec<(String, u64, u8)> = {
        let mut v = Vec::new();
        v.push((String::from("."), ino.ino, DT_DIR));
        let p = ino.parent().unwrap_or_else(|| ino.clone());
        v.push((String::from(".."), p.ino, DT_DIR));
        match &ino.kind {
            InodeKind::Dir(d) => {
                for (name, c) in d.lock().entries.iter() {
                    v.push((name.clone(), c.ino, dtype(c)));
                }
            }
            InodeKind::Proc(node) => {
                for (name, i, t) in super::proc::readdir(&ino, node) {
                    v.push((name, i, t));
                }
            }
            _ => return Err(ENOTDIR),
        }
        v
    };
    let mut pos = f.pos.lock();
    let mut out: Vec<u8> = Vec::new();
    let mut i = *pos as usize;
    while i < entries.len() {
        let (name, ino_nr, t) = &entries[i];
        let reclen = (DIRENT64_NAME + name.len() + 1 + 7) & !7;
        if out.len() + reclen > count as usize {
            break;
        }
        let mut rec = vec![0u8; reclen];
        rec[0..8].copy_from_slice(&ino_nr.to_le_bytes());
        rec[8..16].copy_from_slice(&((i + 1) as u64).to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = *t;
        rec[DIRENT64_NAME..DIRENT64_NAME + name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&rec);
        i += 1;
    }
    if out.is_empty() && i < entries.len() {
        return Err(EINVAL);
    }
    dirent.copy_out(&out)?;
    *pos = i as u64;
    Ok(out.len())
}

/// Linux: fs_umode_to_dtype()
fn dtype(i: &Inode) -> u8 {
    match i.mode() & S_IFMT {
        S_IFDIR => DT_DIR,
        S_IFREG => DT_REG,
        S_IFLNK => DT_LNK,
        S_IFCHR => DT_CHR,
        S_IFIFO => DT_FIFO,
        _ => DT_UNKNOWN,
    }
}
