//! utimensat: setting a file's access and modification times.  Linux: fs/utimes.c
//! (SYSCALL_DEFINE4(utimensat), do_utimes, do_utimes_path, do_utimes_fd, vfs_utimes).  Who may
//! set the times is fs/attr.rs's notify_change(): "now" (NULL, or UTIME_NOW twice) needs
//! ownership or write permission, explicit times ownership or CAP_FOWNER.
//!
//! futimens(fd, times) is utimensat(fd, NULL, times, 0); touch(1) is utimensat(AT_FDCWD, path,
//! NULL, 0), which fails with ENOENT for a missing file so that touch creates it.

use super::attr::{notify_change, Iattr, ATTR_ATIME, ATTR_ATIME_SET, ATTR_CTIME, ATTR_MTIME, ATTR_MTIME_SET};
use super::attr::{ATTR_TIMES_SET, ATTR_TOUCH};
use super::file::fd_get;
use super::inode::Inode;
use super::namei::{namei_at_empty, LookupFlags};
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::errno::*;
use crate::kernel::time::Timespec;
use crate::mm::uaccess::{UserCStr, UserPtr};
use linux_raw_sys::general::{UTIME_NOW, UTIME_OMIT};

const NOW: i64 = UTIME_NOW as i64;
const OMIT: i64 = UTIME_OMIT as i64;

/// Linux: nsec_valid(): [0, 1e9) or one of the two special values.
fn nsec_valid(nsec: i64) -> bool {
    nsec == NOW || nsec == OMIT || (0..1_000_000_000).contains(&nsec)
}

/// Linux: vfs_utimes() — the times as an attribute change: EINVAL for a bad nanosecond
/// field; NULL times (or both UTIME_NOW) are a "touch"; ctime always moves to now.
pub fn vfs_utimes(ino: &Inode, times: Option<&[Timespec; 2]>) -> KResult<()> {
    let mut times = times;
    if let Some(t) = times {
        if !nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec) {
            return Err(EINVAL);
        }
        if t[0].tv_nsec == NOW && t[1].tv_nsec == NOW {
            times = None;
        }
    }
    let mut attr = Iattr { valid: ATTR_CTIME | ATTR_MTIME | ATTR_ATIME, ..Default::default() };
    match times {
        Some(t) => {
            if t[0].tv_nsec == OMIT {
                attr.valid &= !ATTR_ATIME;
            } else if t[0].tv_nsec != NOW {
                attr.atime = (t[0].tv_sec, t[0].tv_nsec);
                attr.valid |= ATTR_ATIME_SET;
            }
            if t[1].tv_nsec == OMIT {
                attr.valid &= !ATTR_MTIME;
            } else if t[1].tv_nsec != NOW {
                attr.mtime = (t[1].tv_sec, t[1].tv_nsec);
                attr.valid |= ATTR_MTIME_SET;
            }
            // Linux: an explicit update even when neither time is given ("now" for one).
            attr.valid |= ATTR_TIMES_SET;
        }
        None => attr.valid |= ATTR_TOUCH,
    }
    notify_change(ino, attr)
}

/// Linux: SYSCALL_DEFINE4(utimensat) -> do_utimes(): a NULL filename with a real dfd is
/// futimens (flags must be 0); otherwise a path lookup (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH).
/// Both times UTIME_OMIT: nothing to do, not even the lookup.
pub fn sys_utimensat(
    dfd: i32,
    filename: UserCStr,
    utimes: Option<UserPtr<[Timespec; 2]>>,
    flags: i32,
) -> KResult<usize> {
    let times = utimes.map(|u| u.read()).transpose()?;
    if let Some(t) = &times {
        if t[0].tv_nsec == OMIT && t[1].tv_nsec == OMIT {
            return Ok(0);
        }
    }
    let flags = flags as u32;
    if filename.is_null() && dfd != AT_FDCWD {
        // Linux: do_utimes_fd()
        if flags != 0 {
            return Err(EINVAL);
        }
        let f = fd_get(dfd as u32)?;
        let ino = f.inode.clone().ok_or(EBADF)?;
        vfs_utimes(&ino, times.as_ref())?;
        return Ok(0);
    }
    // Linux: do_utimes_path()
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    let lf = LookupFlags { follow: flags & AT_SYMLINK_NOFOLLOW == 0, empty: flags & AT_EMPTY_PATH != 0 };
    let ino = namei_at_empty(dfd, &path, lf)?;
    vfs_utimes(&ino, times.as_ref())?;
    Ok(0)
}
