//! The file operations of the rootfs's regular files.  Linux: fs/ramfs/file-mmu.c
//! (ramfs_file_operations: generic_file_read_iter / generic_file_write_iter).

use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use linux_raw_sys::general::O_APPEND;

/// Regular files of the rootfs: bytes at the file position, O_APPEND writes at the end.
pub struct RegOps;
impl FileOps for RegOps {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let ino = f.inode.as_ref().unwrap();
        let mut pos = f.pos.lock();
        let n = ino.read_at_raw(*pos as usize, buf);
        *pos += n as u64;
        ino.touch_atime();
        Ok(n)
    }
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        let ino = f.inode.as_ref().unwrap();
        let mut pos = f.pos.lock();
        if f.flags() & O_APPEND != 0 {
            *pos = ino.size() as u64;
        }
        let n = ino.write_at(*pos as usize, buf)?;
        *pos += n as u64;
        ino.touch_mtime();
        Ok(n)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "file"
    }
}
