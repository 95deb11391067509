//! fcntl.  Linux: fs/fcntl.c (do_fcntl, setfl), include/uapi/asm-generic/fcntl.h (F_*).

use super::pipe::PIPE_BUF_SIZE;
use crate::errno::*;
use crate::kernel::task::current;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    FD_CLOEXEC, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_GETPIPE_SZ, F_SETFD, F_SETFL, F_SETLK, F_SETLKW,
    F_SETPIPE_SZ, O_APPEND, O_DIRECT, O_LARGEFILE, O_NOATIME, O_NONBLOCK, RLIMIT_NOFILE,
};

/// Linux: setfl(): the flags F_SETFL changes (O_NDELAY is O_NONBLOCK here).
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;

/// Linux: do_fcntl().  Locks (F_GETLK, F_SETLK, F_SETLKW) succeed without locking anything.
pub fn sys_fcntl(fd: u32, cmd: u32, arg: usize) -> KResult<usize> {
    let fd = fd as usize;
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let e = files.get_entry(fd)?;
    let limit = cur.signal.rlimit(RLIMIT_NOFILE as usize) as usize;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            if arg >= limit {
                return Err(EINVAL);
            }
            files.install_from(arg, e.file, cmd == F_DUPFD_CLOEXEC, limit)
        }
        F_GETFD => Ok(e.cloexec as usize),
        F_SETFD => files.set_cloexec(fd, arg as u32 & FD_CLOEXEC != 0).map(|_| 0),
        F_GETFL => Ok(e.file.flags() as usize | if e.file.inode.is_some() { O_LARGEFILE as usize } else { 0 }),
        F_SETFL => {
            let old = e.file.flags();
            e.file.flags.store((old & !SETFL_MASK) | (arg as u32 & SETFL_MASK), Ordering::Relaxed);
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW => Ok(0),
        F_GETPIPE_SZ | F_SETPIPE_SZ => {
            if e.file.ops.name() == "pipe" {
                Ok(PIPE_BUF_SIZE)
            } else {
                Err(EBADF)
            }
        }
        _ => Err(EINVAL),
    }
}
