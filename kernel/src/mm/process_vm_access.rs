//! process_vm_readv(2) and process_vm_writev(2): copy between the caller's memory and another
//! process's, without either stopping.  Linux: mm/process_vm_access.c.

use crate::errno::*;
use crate::fs::read_write::{read_iovec, IoVec};
use crate::kernel::ptrace::{ptrace_may_access_err, PTRACE_MODE_ATTACH_REALCREDS};
use crate::mm::uaccess::UserPtr;
use linux_raw_sys::general::UIO_MAXIOV;

/// Linux: process_vm_rw(): `liovcnt` local and `riovcnt` remote iovecs (at most UIO_MAXIOV
/// each: EINVAL); the remote ones are only lengths and addresses in the other process, checked
/// as they are reached.  Flags must be 0 (EINVAL).  The target: ESRCH if there is none, EPERM
/// unless ptrace_may_access(ATTACH, REALCREDS) (Linux: mm_access()).  Copies remote segment by
/// remote segment until one cannot be accessed; returns the bytes copied, or EFAULT when none.
fn process_vm_rw(
    pid: i32,
    lvec: UserPtr<IoVec>,
    liovcnt: usize,
    rvec: UserPtr<IoVec>,
    riovcnt: usize,
    flags: usize,
    write: bool,
) -> KResult<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    if liovcnt > UIO_MAXIOV as usize || riovcnt > UIO_MAXIOV as usize {
        return Err(EINVAL);
    }
    let local = read_iovec(lvec, liovcnt)?;
    let remote = rvec.read_array(riovcnt)?;
    if remote.iter().any(|r| r.len > isize::MAX as usize) {
        return Err(EINVAL);
    }
    let total_local: usize = local.iter().map(|l| l.len).sum();
    if total_local == 0 {
        return Ok(0);
    }
    let task = crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)?;
    let mm = task.mm.lock().clone().ok_or(EINVAL)?;
    ptrace_may_access_err(&task, PTRACE_MODE_ATTACH_REALCREDS)?;
    drop(task);
    let (mut li, mut loff) = (0usize, 0usize);
    let mut done = 0usize;
    let mut buf = alloc::vec![0u8; crate::mm::PAGE_SIZE];
    'outer: for r in remote.iter() {
        let mut roff = 0;
        while roff < r.len {
            while li < local.len() && loff == local[li].len {
                li += 1;
                loff = 0;
            }
            if li == local.len() {
                break 'outer;
            }
            let n = (r.len - roff).min(local[li].len - loff).min(buf.len());
            let raddr = r.base.addr().wrapping_add(roff);
            let lptr = local[li].base.byte_add(loff);
            let chunk = &mut buf[..n];
            let got = if write {
                if lptr.copy_in(chunk).is_err() {
                    break 'outer;
                }
                crate::mm::memory::access_process_vm(&mm, raddr, chunk, true, false)
            } else {
                let got = crate::mm::memory::access_process_vm(&mm, raddr, chunk, false, false);
                if lptr.copy_out(&chunk[..got]).is_err() {
                    break 'outer;
                }
                got
            };
            done += got;
            if got < n {
                break 'outer;
            }
            roff += n;
            loff += n;
        }
    }
    if done == 0 {
        return Err(EFAULT);
    }
    Ok(done)
}

/// Linux: SYSCALL_DEFINE6(process_vm_readv, ...)
pub fn sys_process_vm_readv(
    pid: i32,
    lvec: UserPtr<IoVec>,
    liovcnt: usize,
    rvec: UserPtr<IoVec>,
    riovcnt: usize,
    flags: usize,
) -> KResult<usize> {
    process_vm_rw(pid, lvec, liovcnt, rvec, riovcnt, flags, false)
}

/// Linux: SYSCALL_DEFINE6(process_vm_writev, ...)
pub fn sys_process_vm_writev(
    pid: i32,
    lvec: UserPtr<IoVec>,
    liovcnt: usize,
    rvec: UserPtr<IoVec>,
    riovcnt: usize,
    flags: usize,
) -> KResult<usize> {
    process_vm_rw(pid, lvec, liovcnt, rvec, riovcnt, flags, true)
}
