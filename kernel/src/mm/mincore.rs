//! mincore(2): which pages of a range are resident.  Linux: mm/mincore.c.

use super::mmap::{current_mm, user_end};
use super::uaccess::UserPtr;
use super::{page_align_up, PAGE_SIZE};
use crate::errno::*;

/// Linux: mincore(): one byte per page, 1 when resident; ENOMEM for unmapped ranges.
pub fn sys_mincore(addr: usize, len: usize, vec: UserPtr<u8>) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let len = page_align_up(len);
    if user_end(addr, len).is_err() {
        return Err(ENOMEM);
    }
    let mm = current_mm()?;
    let mut out = alloc::vec![0u8; len / PAGE_SIZE];
    {
        let m = mm.inner.lock();
        for (i, b) in out.iter_mut().enumerate() {
            let va = addr + i * PAGE_SIZE;
            if m.find_vma(va).is_none() {
                return Err(ENOMEM);
            }
            *b = m.pgt.lookup(va).is_some() as u8;
        }
    }
    vec.copy_out(&out)?;
    Ok(0)
}
