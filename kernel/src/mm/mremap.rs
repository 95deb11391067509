//! mremap(2): grow, shrink or move a mapping.  Linux: mm/mremap.c (mremap, mremap_to,
//! move_vma, move_page_tables).

use super::mm_types::Backing;
use super::mmap::{current_mm, user_end};
use super::{page_align_up, PAGE_SIZE, TASK_SIZE};
use crate::errno::*;
use linux_raw_sys::general as uapi;

const MREMAP_MAYMOVE: usize = uapi::MREMAP_MAYMOVE as usize;
const MREMAP_FIXED: usize = uapi::MREMAP_FIXED as usize;
const MREMAP_DONTUNMAP: usize = uapi::MREMAP_DONTUNMAP as usize;

/// Linux: mremap() for anonymous mappings: shrink in place, grow in place when free, or
/// move (MREMAP_MAYMOVE) by moving the page-table entries.
pub fn sys_mremap(old: usize, old_len: usize, new_len: usize, flags: usize, new_addr: usize) -> KResult<usize> {
    if old & (PAGE_SIZE - 1) != 0 || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return Err(EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(EINVAL);
    }
    let old_len = page_align_up(old_len);
    let new_len = page_align_up(new_len);
    if new_len == 0 {
        return Err(EINVAL);
    }
    // Linux: mremap_to() checks the target before looking at the old mapping.
    if flags & MREMAP_FIXED != 0 && (new_addr & (PAGE_SIZE - 1) != 0 || user_end(new_addr, new_len).is_err()) {
        return Err(EINVAL);
    }
    if new_len > TASK_SIZE {
        return Err(ENOMEM);
    }
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    let vma = m.find_vma(old).cloned().ok_or(EFAULT)?;
    if old.checked_add(old_len).is_none_or(|e| e > vma.end) {
        return Err(EFAULT);
    }
    if new_len <= old_len && flags & MREMAP_FIXED == 0 {
        // Linux: do_vmi_munmap()'s split: ENOMEM with nothing changed.
        let _nodes = m.munmap_prealloc(old + new_len, old + old_len)?;
        m.munmap(old + new_len, old + old_len);
        return Ok(old);
    }
    if flags & MREMAP_FIXED == 0
        && old + old_len == vma.end
        && user_end(old, new_len).is_ok_and(|e| m.is_free(vma.end, e))
    {
        if let Some(v) = m.vmas.get_mut(&vma.start) {
            v.end = old + new_len;
        }
        return Ok(old);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(ENOMEM);
    }
    // Linux: move_vma(): the new VMA and the splits of unmapping the target (MREMAP_FIXED)
    // and the old range: their nodes first (vma_prealloc.rs), ENOMEM with nothing changed.
    let _nodes = m.vma_prealloc(if flags & MREMAP_FIXED != 0 { 5 } else { 3 })?;
    let dst = if flags & MREMAP_FIXED != 0 {
        m.munmap(new_addr, new_addr + new_len);
        new_addr
    } else {
        m.get_unmapped_area(new_len)?
    };
    // Move the entries (no copy: the frames follow).
    let mut moved = alloc::vec::Vec::new();
    let move_len = old_len.min(new_len);
    m.pgt.for_each_leaf(old, old + move_len, |va, pte| {
        moved.push((va - old, *pte));
        *pte = super::pgtable::Pte(0);
    });
    for (off, pte) in moved {
        *m.pgt.walk(dst + off, true)?.ok_or(ENOMEM)? = pte;
    }
    let mut nv = vma.clone();
    let delta = old - vma.start;
    match &mut nv.backing {
        Backing::File { off, file_end, .. } => {
            *off += delta;
            *file_end = file_end.saturating_sub(old).saturating_add(dst);
        }
        Backing::Shared { pgoff, .. } => *pgoff += delta / PAGE_SIZE,
        Backing::Anon => {}
    }
    nv.start = dst;
    nv.end = dst + new_len;
    m.munmap(old, old + old_len);
    m.insert_vma(nv);
    crate::arch::riscv::flush_tlb_all();
    Ok(dst)
}
