//! ioctl: the commands every fd takes, then the file's own.  Linux: fs/ioctl.c (do_vfs_ioctl,
//! ioctl_fionbio, vfs_ioctl).

use super::file::fd_get;
use crate::errno::*;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::O_NONBLOCK;
use linux_raw_sys::ioctl::{FIOCLEX, FIONBIO, FIONCLEX};

pub fn sys_ioctl(fd: u32, cmd: u32, arg: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
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
        _ => f.ops.ioctl(&f, cmd as usize, arg),
    }
}
