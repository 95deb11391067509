//! mprotect(2): change the access of a range of VMAs.  Linux: mm/mprotect.c (do_mprotect_pkey,
//! mprotect_fixup, change_protection).

use super::mm_types::{MmInner, VmFlags};
use super::mmap::{current_mm, prot_flags, user_end};
use super::page_alloc::page_count;
use super::pgtable::{Pte, PteFlags};
use super::{page_align_up, PAGE_SIZE};
use crate::errno::*;

pub fn sys_mprotect(addr: usize, len: usize, prot: usize) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let vf = prot_flags(prot)?;
    let len = page_align_up(len);
    if len == 0 {
        return Ok(0);
    }
    let end = user_end(addr, len).map_err(|_| ENOMEM)?;
    let mm = current_mm()?;
    mm.inner.lock().mprotect(addr, end, vf)?;
    Ok(0)
}

impl MmInner {
    /// Linux: mprotect_fixup() over [start, end): every page must be mapped by a VMA.
    pub fn mprotect(&mut self, start: usize, end: usize, prot: VmFlags) -> KResult<()> {
        self.all_mapped(start, end)?;
        // Linux: do_mprotect_pkey(): write access a mapping may not have is EACCES.
        if prot.contains(VmFlags::WRITE)
            && self
                .vmas
                .range(..end)
                .rev()
                .take_while(|(_, v)| v.end > start)
                .any(|(_, v)| v.flags.contains(VmFlags::NOMAYWRITE))
        {
            return Err(EACCES);
        }
        self.split_range(start, end)?;
        let keys: alloc::vec::Vec<usize> = self.vmas.range(start..end).map(|(k, _)| *k).collect();
        for k in keys {
            let v = self.vmas.get_mut(&k).unwrap();
            v.flags = (v.flags - (VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC)) | prot;
            let shared = v.flags.contains(VmFlags::SHARED);
            let newf = v.pte_flags();
            let (s, e) = (v.start, v.end);
            self.pgt.for_each_leaf(s, e, |_, pte| {
                let mut f = newf;
                // A private page shared with another mm stays read-only: the write fault
                // breaks the sharing (copy-on-write).
                if !shared && f.contains(PteFlags::W) && page_count(pte.pfn()) > 1 {
                    f -= PteFlags::W;
                }
                *pte = Pte::new(pte.pfn(), f);
            });
        }
        crate::arch::riscv::flush_tlb_all();
        Ok(())
    }
}
