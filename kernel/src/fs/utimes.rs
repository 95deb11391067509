//! utimensat.  Linux: fs/utimes.c (do_utimes, vfs_utimes).  Who may set the times is
//! fs/attr.rs's notify_change(): "now" (NULL, or UTIME_NOW twice) needs ownership or write
//! permission, explicit times ownership or CAP_FOWNER.

use super::attr::{notify_change, Iattr, ATTR_ATIME, ATTR_ATIME_SET, ATTR_CTIME, ATTR_MTIME, ATTR_MTIME_SET};
use super::attr::{ATTR_TIMES_SET, ATTR_TOUCH};
use super::file::fd_get;
use super::inode::Inode;
use super::namei::namei_at;
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::errno::*;
use crate::kernel::task::current;
use crate::kernel::time::time::Timespec;
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::sync::Arc;
use linux_raw_sys::general::{UTIME_NOW, UTIME_OMIT};

const UTIME_NOW_NS: i64 = UTIME_NOW as i64;
const UTIME_OMIT_NS: i64 = UTIME_OMIT as i64;

/// Linux: nsec_valid()
fn nsec_valid(ns: i64) -> bool {
    ns == UTIME_OMIT_NS || ns == UTIME_NOW_NS || (0..=999_999_999).contains(&ns)
}

/// Linux: vfs_utimes() — the times as an attribute change.
fn vfs_utimes(ino: &Inode, times: Option<[Timespec; 2]>) -> KResult<usize> {
    let mut times = times;
    if let Some(t) = &times {
        if !nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec) {
            return Err(EINVAL);
        }
        if t[0].tv_nsec == UTIME_NOW_NS && t[1].tv_nsec == UTIME_NOW_NS {
            times = None;
        }
    }
    let mut attr = Iattr { valid: ATTR_CTIME | ATTR_MTIME | ATTR_ATIME, ..Default::default() };
    match times {
        Some(t) => {
            if t[0].tv_nsec == UTIME_OMIT_NS {
                attr.valid &= !ATTR_ATIME;
            } else if t[0].tv_nsec != UTIME_NOW_NS {
                attr.atime = (t[0].tv_sec, t[0].tv_nsec);
                attr.valid |= ATTR_ATIME_SET;
            }
            if t[1].tv_nsec == UTIME_OMIT_NS {
                attr.valid &= !ATTR_MTIME;
            } else if t[1].tv_nsec != UTIME_NOW_NS {
                attr.mtime = (t[1].tv_sec, t[1].tv_nsec);
                attr.valid |= ATTR_MTIME_SET;
            }
            // Linux: an explicit update even when neither time is given ("now" for one).
            attr.valid |= ATTR_TIMES_SET;
        }
        None => attr.valid |= ATTR_TOUCH,
    }
    notify_change(ino, attr)?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(utimensat): a path (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH), or with a
/// NULL path the file open at `dfd`.  UTIME_OMIT for both times does nothing, not even the
/// lookup.
pub fn sys_utimensat(
    dfd: i32,
    filename: UserCStr,
    utimes: Option<UserPtr<[Timespec; 2]>>,
    flags: i32,
) -> KResult<usize> {
    let times = utimes.map(|u| u.read()).transpose()?;
    if let Some(t) = &times {
        if t[0].tv_nsec == UTIME_OMIT_NS && t[1].tv_nsec == UTIME_OMIT_NS {
            return Ok(0);
        }
    }
    let flags = flags as u32;
    // Linux: do_utimes_fd(): a NULL name with a real fd takes no flags.
    if filename.is_null() && dfd != AT_FDCWD {
        if flags != 0 {
            return Err(EINVAL);
        }
        let ino = fd_get(dfd as u32)?.inode.clone().ok_or(EINVAL)?;
        return vfs_utimes(&ino, times);
    }
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    let ino: Arc<Inode> = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dfd == AT_FDCWD {
            current().fs.lock().clone().ok_or(ENOENT)?.inner.lock().cwd.clone()
        } else {
            fd_get(dfd as u32)?.inode.clone().ok_or(EINVAL)?
        }
    } else {
        namei_at(dfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    vfs_utimes(&ino, times)
}
