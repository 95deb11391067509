//! The file operations of the rootfs's regular files (and memfd's).  Linux: mm/shmem.c
//! (shmem_file_operations: shmem_file_read_iter, generic_file_write_iter over
//! shmem_write_begin/end), mm/filemap.c (generic_write_checks, generic_write_check_limits).
//!
//! The bytes are the inode's page cache (mm/shmem.rs); here are the file position, O_APPEND,
//! the size limits and the times.

use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use crate::fs::inode::Inode;
use crate::kernel::task::current;
use linux_raw_sys::general::{O_APPEND, RLIMIT_FSIZE};

/// Linux: MAX_LFS_FILESIZE, the largest size tmpfs takes (s_maxbytes).
pub const MAX_LFS_FILESIZE: u64 = i64::MAX as u64;

/// Linux: generic_write_check_limits() / inode_newsize_ok(): how much of a write of `len` at
/// `pos` may happen.  Past RLIMIT_FSIZE: SIGXFSZ and EFBIG (a write that starts below the limit
/// is cut at it); past MAX_LFS_FILESIZE: EFBIG.
pub fn write_check_limits(pos: u64, len: usize) -> KResult<usize> {
    let limit = current().signal.rlimit(RLIMIT_FSIZE as usize);
    if pos >= limit {
        crate::kernel::signal::send_signal(
            &current(),
            crate::kernel::signal_types::SIGXFSZ,
            crate::kernel::signal::SigInfo { code: 0, ..Default::default() },
        );
        return Err(EFBIG);
    }
    if pos >= MAX_LFS_FILESIZE {
        return Err(EFBIG);
    }
    let max = limit.min(MAX_LFS_FILESIZE) - pos;
    Ok(len.min(usize::try_from(max).unwrap_or(usize::MAX)))
}

/// Regular files: bytes at the file position, O_APPEND writes at the end.
pub struct RegOps;

impl RegOps {
    fn inode(f: &File) -> KResult<&Inode> {
        f.inode.as_deref().ok_or(EBADF)
    }

    /// Linux: generic_file_write_iter(): the write at `pos` (the end with O_APPEND, even for
    /// pwrite, as Linux does); returns the bytes written and the position after them.  mtime
    /// and ctime move when something was written (file_update_time()).
    fn do_write(f: &File, buf: &[u8], pos: u64) -> KResult<(usize, u64)> {
        let ino = Self::inode(f)?;
        let m = ino.mapping().ok_or(EINVAL)?;
        let pos = if f.flags() & O_APPEND != 0 { m.size() } else { pos };
        if buf.is_empty() {
            return Ok((0, pos));
        }
        let len = write_check_limits(pos, buf.len())?;
        // Linux: __generic_file_write_iter() -> file_remove_privs(): a write by someone
        // without CAP_FSETID clears the set-id bits (fs/attr.rs).
        crate::fs::attr::file_remove_privs(ino)?;
        let n = m.write(pos, &buf[..len])?;
        if n > 0 {
            ino.touch_mtime();
        }
        Ok((n, pos + n as u64))
    }
}

impl FileOps for RegOps {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let mut pos = f.pos.lock();
        let n = self.read_at(f, buf, *pos).unwrap_or(Err(EINVAL))?;
        *pos += n as u64;
        Ok(n)
    }
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        let mut pos = f.pos.lock();
        let (n, end) = Self::do_write(f, buf, *pos)?;
        *pos = end;
        Ok(n)
    }
    /// Linux: shmem_file_read_iter(); atime moves (touch_atime()).
    fn read_at(&self, f: &File, buf: &mut [u8], pos: u64) -> Option<KResult<usize>> {
        let ino = match Self::inode(f) {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let n = ino.mapping().map_or(0, |m| m.read(pos, buf));
        ino.touch_atime();
        Some(Ok(n))
    }
    fn write_at(&self, f: &File, buf: &[u8], pos: u64) -> Option<KResult<usize>> {
        Some(Self::do_write(f, buf, pos).map(|x| x.0))
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "file"
    }
}
