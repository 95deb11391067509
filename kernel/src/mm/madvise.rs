//! madvise(2): the advice that changes behaviour (DONTNEED, DONTFORK, WIPEONFORK, ...); the
//! rest is accepted and ignored.  Linux: mm/madvise.c (do_madvise, madvise_update_vma,
//! madvise_dontneed_free).

use super::mm_types::{Backing, MmInner, VmFlags};
use super::mmap::current_mm;
use super::{page_align_up, PAGE_SIZE};
use crate::errno::*;
use linux_raw_sys::general as uapi;

const MADV_NORMAL: usize = uapi::MADV_NORMAL as usize;
const MADV_DONTNEED: usize = uapi::MADV_DONTNEED as usize;
const MADV_FREE: usize = uapi::MADV_FREE as usize;
const MADV_REMOVE: usize = uapi::MADV_REMOVE as usize;
const MADV_DONTFORK: usize = uapi::MADV_DONTFORK as usize;
const MADV_DOFORK: usize = uapi::MADV_DOFORK as usize;
const MADV_KEEPONFORK: usize = uapi::MADV_KEEPONFORK as usize;
const MADV_WIPEONFORK: usize = uapi::MADV_WIPEONFORK as usize;
const MADV_COLD: usize = uapi::MADV_COLD as usize;
const MADV_POPULATE_WRITE: usize = uapi::MADV_POPULATE_WRITE as usize;
const MADV_HWPOISON: usize = uapi::MADV_HWPOISON as usize;
const MADV_SOFT_OFFLINE: usize = uapi::MADV_SOFT_OFFLINE as usize;

/// Linux: madvise() — the advice that changes behaviour; the rest is accepted and ignored.
pub fn sys_madvise(addr: usize, len: usize, advice: usize) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    // Linux: madvise_behavior_valid().
    let known = matches!(
        advice,
        MADV_NORMAL..=MADV_DONTNEED
            | MADV_FREE..=MADV_KEEPONFORK
            | MADV_COLD..=MADV_POPULATE_WRITE
            | MADV_HWPOISON
            | MADV_SOFT_OFFLINE
    );
    if !known {
        return Err(EINVAL);
    }
    let end = addr.checked_add(page_align_up(len)).ok_or(EINVAL)?;
    if end == addr {
        return Ok(0);
    }
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    match advice {
        MADV_DONTNEED | MADV_FREE | MADV_REMOVE => {
            m.all_mapped(addr, end)?;
            m.zap_range(addr, end);
        }
        MADV_DONTFORK => m.vma_set_flags(addr, end, VmFlags::DONTCOPY, VmFlags::empty())?,
        MADV_DOFORK => m.vma_set_flags(addr, end, VmFlags::empty(), VmFlags::DONTCOPY)?,
        MADV_WIPEONFORK => {
            // Linux: only for private anonymous memory.
            if m.find_vma(addr)
                .is_some_and(|v| !matches!(v.backing, Backing::Anon) || v.flags.contains(VmFlags::SHARED))
            {
                return Err(EINVAL);
            }
            m.vma_set_flags(addr, end, VmFlags::WIPEONFORK, VmFlags::empty())?
        }
        MADV_KEEPONFORK => m.vma_set_flags(addr, end, VmFlags::empty(), VmFlags::WIPEONFORK)?,
        _ => m.all_mapped(addr, end)?, // MADV_NORMAL and the rest (see the header)
    }
    Ok(0)
}

impl MmInner {
    /// Linux: madvise_update_vma(): set or clear flags on [start, end), splitting VMAs.
    pub fn vma_set_flags(&mut self, start: usize, end: usize, set: VmFlags, clear: VmFlags) -> KResult<()> {
        self.all_mapped(start, end)?;
        self.split_at(start);
        self.split_at(end);
        for (_, v) in self.vmas.range_mut(start..end) {
            v.flags = (v.flags - clear) | set;
        }
        Ok(())
    }

    /// Linux: MADV_DONTNEED: drop the pages; private anonymous memory reads back as zero.
    pub fn zap_range(&mut self, start: usize, end: usize) {
        self.pgt.unmap_range(start, end);
        crate::arch::riscv::flush_tlb_all();
    }
}
