//! utimensat: setting a file's access and modification times.  Linux: fs/utimes.c
//! (SYSCALL_DEFINE4(utimensat), do_utimes, do_utimes_path, do_utimes_fd, vfs_utimes), with the
//! time part of notify_change() (fs/attr.c).
//!
//! futimens(fd, times) is utimensat(fd, NULL, times, 0); touch(1) is utimensat(AT_FDCWD, path,
//! NULL, 0), which fails with ENOENT for a missing file so that touch creates it.

use super::file::fd_get;
use super::inode::{current_time, Inode, Timespec64};
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

/// One new time: None keeps the old one (UTIME_OMIT), else the time to set.
fn new_time(t: &Timespec, now: Timespec64) -> Option<Timespec64> {
    match t.tv_nsec {
        OMIT => None,
        NOW => Some(now),
        ns => Some(Timespec64 { sec: t.tv_sec, nsec: ns as u32 }),
    }
}

/// Linux: vfs_utimes(): EINVAL for a bad nanosecond field; NULL times (or both UTIME_NOW)
/// set both to now; ctime always moves to now (ATTR_CTIME).  Permission: the owner or
/// CAP_FOWNER for explicit times, write access for "now" — every caller is root here.
pub fn vfs_utimes(ino: &Inode, times: Option<&[Timespec; 2]>) -> KResult<()> {
    if let Some(t) = times {
        if !nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec) {
            return Err(EINVAL);
        }
    }
    let now = current_time();
    let (atime, mtime) = match times {
        None => (Some(now), Some(now)),
        Some(t) => (new_time(&t[0], now), new_time(&t[1], now)),
    };
    let mut tm = ino.times.lock();
    if let Some(a) = atime {
        tm.atime = a;
    }
    if let Some(m) = mtime {
        tm.mtime = m;
    }
    tm.ctime = now;
    Ok(())
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
    let times = match utimes {
        Some(p) => Some(p.read()?),
        None => None,
    };
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
