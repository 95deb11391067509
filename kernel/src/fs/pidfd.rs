//! Process file descriptors (CLONE_PIDFD, pidfd_open, pidfd_send_signal, waitid(P_PIDFD)).
//! Linux has no fs/pidfd.c; it keeps these pieces in kernel/: the file operations
//! (pidfd_fops, pidfd_poll) in kernel/fork.c, pidfd_create(), pidfd_get_task() and
//! sys_pidfd_open in kernel/pid.c, sys_pidfd_send_signal in kernel/signal.c.  They stay
//! together here until kernel/ takes them.

use super::file_table::*;
use crate::errno::*;
use crate::kernel::task::Task;
use alloc::string::String;
use alloc::sync::Arc;
use linux_raw_sys::general::{O_NONBLOCK, O_RDWR};

pub struct PidFd(pub Task);

impl FileOps for PidFd {
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Err(EINVAL)
    }
    /// Readable once the process has exited (Linux: pidfd_poll()).
    fn poll(&self, _f: &File) -> u16 {
        if self.0.exit_state() != 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }
    fn pidfd_task(&self) -> Option<Task> {
        Some(self.0.clone())
    }
    fn name(&self) -> &'static str {
        "pidfd"
    }
}

/// A new pidfd for `p` (always O_CLOEXEC, as Linux's pidfd_create).
pub fn install_pidfd(p: &Task) -> KResult<usize> {
    let f = File::new(Arc::new(PidFd(p.clone())), None, O_RDWR, String::from("anon_inode:[pidfd]"));
    super::file::fd_install(f, true)
}

pub fn pidfd_get_task(fd: i32) -> KResult<Task> {
    let f = super::file::fd_get(fd as u32)?;
    f.ops.pidfd_task().ok_or(EBADF)
}

pub fn sys_pidfd_open(pid: i32, flags: u32) -> KResult<usize> {
    if flags & !O_NONBLOCK != 0 {
        return Err(EINVAL);
    }
    if pid <= 0 {
        return Err(EINVAL);
    }
    let t = crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)?;
    if t.pid() != t.tgid() {
        return Err(ENOENT);
    }
    install_pidfd(&t)
}

pub fn sys_pidfd_send_signal(
    pidfd: i32,
    sig: i32,
    info: Option<crate::mm::uaccess::UserPtr<crate::kernel::signal::UserSigInfo>>,
    flags: u32,
) -> KResult<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let _ = info;
    let t = pidfd_get_task(pidfd)?;
    if t.exit_state() != 0 {
        return Err(ESRCH);
    }
    if !(0..=64).contains(&sig) {
        return Err(EINVAL);
    }
    let cur = crate::kernel::task::current();
    crate::kernel::signal::kill_process(
        &t,
        sig,
        crate::kernel::signal::SigInfo { signo: sig, code: 0, pid: cur.tgid(), ..Default::default() },
    );
    Ok(0)
}
