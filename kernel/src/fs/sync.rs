//! sync, syncfs, fsync, fdatasync.  Linux: fs/sync.c.
//!
//! Every filesystem here lives in memory: there is nothing to write back (tmpfs's
//! noop_fsync), so these check their fd and succeed, as Linux does on tmpfs.

use super::file::fd_get;
use crate::errno::*;
use linux_raw_sys::general::O_PATH;

/// fdget(): a bad fd, or an O_PATH one, is EBADF.
fn fd_check(fd: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    Ok(0)
}

/// Linux: sync(2): the in-memory filesystems have nothing to write back.
pub fn sys_sync() -> KResult<usize> {
    Ok(0)
}

/// Linux: syncfs(2): sync_filesystem() of the fd's filesystem (nothing for tmpfs and /proc).
pub fn sys_syncfs(fd: i32) -> KResult<usize> {
    fd_check(fd as u32)
}

/// Linux: fsync(2) / fdatasync(2): ramfs's noop_fsync, after the fd check.
pub fn sys_fsync(fd: u32) -> KResult<usize> {
    fd_check(fd)
}
pub fn sys_fdatasync(fd: u32) -> KResult<usize> {
    fd_check(fd)
}
