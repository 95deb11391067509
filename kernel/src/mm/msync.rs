//! msync(2).  Linux: mm/msync.c.
//!
//! MenuOS's files live in memory: a MAP_SHARED file mapping's pages are the file's own page
//! cache pages (mm/shmem.rs, Inode::shared_pages), so the data is in the file as soon as it is
//! stored and MS_SYNC's write-back (vfs_fsync_range) has nothing left to do.  What msync
//! checks is Linux's: the flags, the alignment, the range (ENOMEM for unmapped parts, after
//! doing the rest), and MS_INVALIDATE on locked memory (EBUSY).

use super::mm_types::VmFlags;
use super::mmap::current_mm;
use super::PAGE_SIZE;
use crate::errno::*;
use linux_raw_sys::general as uapi;

const MS_ASYNC: i32 = uapi::MS_ASYNC as i32;
const MS_INVALIDATE: i32 = uapi::MS_INVALIDATE as i32;
const MS_SYNC: i32 = uapi::MS_SYNC as i32;

/// Linux: SYSCALL_DEFINE3(msync, unsigned long, start, size_t, len, int, flags)
pub fn sys_msync(start: usize, len: usize, flags: i32) -> KResult<usize> {
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 {
        return Err(EINVAL);
    }
    if start & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    if flags & MS_ASYNC != 0 && flags & MS_SYNC != 0 {
        return Err(EINVAL);
    }
    let len = len.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    let end = start.wrapping_add(len);
    if end < start {
        return Err(ENOMEM);
    }
    if end == start {
        return Ok(0);
    }
    // If the interval [start,end) covers some unmapped address ranges, just ignore them, but
    // return -ENOMEM at the end.  With MS_ASYNC alone the result is ENOMEM at once.
    let mm = current_mm()?;
    let m = mm.inner.lock();
    let mut start = start;
    let mut unmapped_error = Ok(0);
    loop {
        let Some(v) = m.find_vma_from(start) else { return Err(ENOMEM) };
        if start < v.start {
            if flags == MS_ASYNC {
                return Err(ENOMEM);
            }
            start = v.start;
            if start >= end {
                return Err(ENOMEM);
            }
            unmapped_error = Err(ENOMEM);
        }
        if flags & MS_INVALIDATE != 0 && v.flags.contains(VmFlags::LOCKED) {
            return Err(EBUSY);
        }
        start = v.end;
        if start >= end {
            return unmapped_error;
        }
    }
}
