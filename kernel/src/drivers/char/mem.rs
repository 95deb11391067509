//! The memory devices of major 1: /dev/null, /dev/zero, /dev/full, and the minors that lead
//! to drivers/char/random.rs.  Linux: drivers/char/mem.c (devlist[], memory_open, null_fops,
//! zero_fops, full_fops).  A minor without a device (mem and kmem: CONFIG_DEVMEM is off, as on
//! the reference kernel) is ENXIO at open.

use super::random::RandomOps;
use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use alloc::sync::Arc;

// Minors of MEM_MAJOR (Linux: devlist[]).
pub const NULL_MINOR: u32 = 3;
pub const ZERO_MINOR: u32 = 5;
pub const FULL_MINOR: u32 = 7;
pub const RANDOM_MINOR: u32 = 8;
pub const URANDOM_MINOR: u32 = 9;

/// Linux: memory_open(): the minor picks the device.
pub fn memory_open(minor: u32) -> KResult<Arc<dyn FileOps>> {
    Ok(match minor {
        NULL_MINOR => Arc::new(NullOps),
        ZERO_MINOR => Arc::new(ZeroOps),
        FULL_MINOR => Arc::new(FullOps),
        RANDOM_MINOR | URANDOM_MINOR => Arc::new(RandomOps),
        _ => return Err(ENXIO),
    })
}

/// /dev/null (Linux: null_fops: read_null, write_null, null_lseek).
pub struct NullOps;
impl FileOps for NullOps {
    fn discards_writes(&self) -> bool {
        true
    }
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Ok(0)
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: u32) -> Option<KResult<u64>> {
        Some(Ok(0))
    }
}

/// /dev/zero (Linux: zero_fops: read_iter_zero, write_zero, null_lseek; a mapping of it is
/// anonymous memory: mm/mmap.rs's mmap_zero).
pub struct ZeroOps;
impl FileOps for ZeroOps {
    fn read(&self, _f: &File, buf: &mut [u8]) -> KResult<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: u32) -> Option<KResult<u64>> {
        Some(Ok(0))
    }
}

/// /dev/full (Linux: full_fops: read_iter_zero, write_full: every write is ENOSPC).
pub struct FullOps;
impl FileOps for FullOps {
    fn read(&self, _f: &File, buf: &mut [u8]) -> KResult<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, _buf: &[u8]) -> KResult<usize> {
        Err(ENOSPC)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: u32) -> Option<KResult<u64>> {
        Some(Ok(0))
    }
}
