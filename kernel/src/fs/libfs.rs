//! Helpers shared by the in-memory filesystems.  Linux: fs/libfs.c (simple_dir_operations,
//! generic_read_dir).

use super::file_table::{File, FileOps};
use crate::errno::*;

/// An open directory: read() is EISDIR, entries come from getdents64 (fs/readdir.rs).
/// Linux: simple_dir_operations, which the rootfs and /proc's directories use here.
pub struct DirOps;
impl FileOps for DirOps {
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Err(EISDIR)
    }
    fn write(&self, _f: &File, _buf: &[u8]) -> KResult<usize> {
        Err(EBADF)
    }
    fn seekable(&self) -> bool {
        true
    }
}
