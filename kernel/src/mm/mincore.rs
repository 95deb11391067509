//! mincore(2): which pages of a range are resident.  Linux: mm/mincore.c.
//!
//! As Linux does, the answer is built one page of bytes at a time (PAGE_SIZE pages per round,
//! inside one VMA) and copied out before the next round: the kernel buffer is one page
//! whatever `len` is.  A Vec of len / PAGE_SIZE bytes would let one call take 64 MiB of kernel
//! memory (len up to TASK_SIZE), which is how the soak's mincore(0, 256 GiB, ...) grew the heap
//! by 128 MiB for good.

use super::mmap::{current_mm, user_end};
use super::uaccess::{access_ok, UserPtr};
use super::PAGE_SIZE;
use crate::errno::*;

/// Linux: do_mincore(): the residency of up to `pages` pages from `addr`, all inside the VMA
/// that holds `addr`, into `vec`; how many pages were done.  ENOMEM when no VMA holds `addr`.
fn do_mincore(mm: &super::mm_types::MmStruct, addr: usize, pages: usize, vec: &mut [u8]) -> KResult<usize> {
    let m = mm.inner.lock();
    let vma = m.find_vma(addr).ok_or(ENOMEM)?;
    let end = vma.end.min(addr + pages * PAGE_SIZE);
    let n = (end - addr) / PAGE_SIZE;
    for (i, b) in vec[..n].iter_mut().enumerate() {
        *b = m.pgt.lookup(addr + i * PAGE_SIZE).is_some() as u8;
    }
    Ok(n)
}

/// Linux: sys_mincore(): one byte per page, 1 when resident; EINVAL for an unaligned start,
/// ENOMEM for a range outside user space or with a hole (the bytes of the pages before the
/// hole are written), EFAULT when `vec` cannot hold the answer, EAGAIN without a page of
/// kernel memory.
pub fn sys_mincore(addr: usize, len: usize, vec: UserPtr<u8>) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    if user_end(addr, len).is_err() {
        return Err(ENOMEM);
    }
    let mut pages = len / PAGE_SIZE + !len.is_multiple_of(PAGE_SIZE) as usize;
    if !access_ok(vec.addr(), pages) {
        return Err(EFAULT);
    }
    let mm = current_mm()?;
    // Linux: tmp = __get_free_page(GFP_USER), -EAGAIN without it
    let mut tmp = super::util::kvcalloc::<u8>(PAGE_SIZE, EAGAIN)?;
    let (mut start, mut vec) = (addr, vec);
    while pages > 0 {
        let n = do_mincore(&mm, start, pages.min(PAGE_SIZE), &mut tmp)?;
        vec.copy_out(&tmp[..n])?;
        pages -= n;
        vec = vec.byte_add(n);
        start += n * PAGE_SIZE;
        // a range of millions of mapped pages: let SIGKILL end it
        if pages > 0 && crate::kernel::signal::fatal_signal_pending(&crate::kernel::task::current()) {
            return Err(EINTR);
        }
    }
    Ok(0)
}
