//! ioctl: the commands every fd takes, then the file's own.  Linux: fs/ioctl.c (do_vfs_ioctl,
//! ioctl_fionbio, vfs_ioctl).

use super::file::fd_get;
use crate::errno::*;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{O_NONBLOCK, O_PATH};
use linux_raw_sys::ioctl::{FIOCLEX, FIONBIO, FIONCLEX, FIONREAD};

/// Linux: SYSCALL_DEFINE3(ioctl) -> do_vfs_ioctl(): the commands every file takes (EBADF for
/// an O_PATH fd), FIONREAD for a regular file (the bytes past the position, as an int), then
/// the file's own.
pub fn sys_ioctl(fd: u32, cmd: u32, arg: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    match cmd {
        FIOCLEX => {
            let files = current().files.lock().clone().ok_or(EBADF)?;
            files.set_cloexec(fd as usize, true).map(|_| 0)
        }
        FIONCLEX => {
            let files = current().files.lock().clone().ok_or(EBADF)?;
            files.set_cloexec(fd as usize, false).map(|_| 0)
        }
        // Linux: ioctl_fionbio()
        FIONBIO => {
            let on: i32 = UserPtr::<i32>::new(arg).read()?;
            let old = f.flags();
            f.flags.store(if on != 0 { old | O_NONBLOCK } else { old & !O_NONBLOCK }, Ordering::Relaxed);
            Ok(0)
        }
        FIONREAD if f.inode.as_ref().is_some_and(|i| i.is_reg()) => {
            let size = f.inode.as_ref().map_or(0, |i| i.size()) as i64;
            let n = size.wrapping_sub(*f.pos.lock() as i64) as i32;
            UserPtr::<i32>::new(arg).write(&n)?;
            Ok(0)
        }
        _ => f.ops.ioctl(&f, cmd as usize, arg),
    }
}
