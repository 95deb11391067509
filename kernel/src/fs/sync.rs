//! sync, fsync, fdatasync.  Linux: fs/sync.c.

use super::file::fd_get;
use crate::errno::*;

/// Linux: sync(2): the in-memory filesystem has nothing to write back.
pub fn sys_sync() -> KResult<usize> {
    Ok(0)
}

/// Linux: fsync(2) / fdatasync(2): ramfs's noop_fsync, after the fd check.
pub fn sys_fsync(fd: u32) -> KResult<usize> {
    fd_get(fd).map(|_| 0)
}
pub fn sys_fdatasync(fd: u32) -> KResult<usize> {
    fd_get(fd).map(|_| 0)
}
