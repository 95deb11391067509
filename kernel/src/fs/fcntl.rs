//! fcntl.  Linux: fs/fcntl.c (do_fcntl, setfl), include/uapi/asm-generic/fcntl.h (F_*).

use crate::errno::*;
use crate::kernel::task::current;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    FD_CLOEXEC, F_ADD_SEALS, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETPIPE_SZ, F_GET_SEALS, F_SETFD, F_SETFL,
    F_SETPIPE_SZ, O_APPEND, O_DIRECT, O_LARGEFILE, O_NOATIME, O_NONBLOCK, O_PATH, RLIMIT_NOFILE,
};

/// Linux: setfl(): the flags F_SETFL changes (O_NDELAY is O_NONBLOCK here).
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;

/// Linux: do_fcntl(): fd flags, file status flags, record locks (fs/locks.rs), pipe sizes
/// (fs/pipe.rs) and seals (mm/memfd.rs).
pub fn sys_fcntl(fd: u32, cmd: u32, arg: usize) -> KResult<usize> {
    let fd = fd as usize;
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let e = files.get_entry(fd)?;
    let limit = cur.signal.rlimit(RLIMIT_NOFILE as usize) as usize;
    // Linux: check_fcntl_cmd(): an O_PATH fd takes only these.
    if e.file.flags() & O_PATH != 0 && !matches!(cmd, F_DUPFD | F_DUPFD_CLOEXEC | F_GETFD | F_SETFD | F_GETFL) {
        return Err(EBADF);
    }
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
        c if super::locks::is_lock_cmd(c) => super::locks::fcntl_lock(&e.file, c, arg),
        F_ADD_SEALS | F_GET_SEALS => crate::mm::memfd::memfd_fcntl(&e.file, cmd, arg),
        // Linux: pipe_fcntl(): EBADF for a file that is not a pipe or FIFO.
        F_GETPIPE_SZ => Ok(e.file.ops.pipe().ok_or(EBADF)?.capacity()),
        F_SETPIPE_SZ => e.file.ops.pipe().ok_or(EBADF)?.set_size(arg as u32 as u64),
        _ => Err(EINVAL),
    }
}
