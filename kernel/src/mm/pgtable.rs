//! Sv39 page tables.  Linux: arch/riscv/include/asm/pgtable.h, pgtable-64.h, mm/memory.c.
//!
//! Three levels (pgd, pmd, pte) of 512 entries.  A user page table's upper half (entries
//! 256..511) is copied from the kernel's root at creation: the kernel mappings are gigapage
//! leaves, so they are shared and never change after boot.  Leaf user entries hold one
//! reference on their frame (page_alloc::get_page/put_page).

use super::page_alloc::{alloc_zeroed_page, put_page};
use super::{pfn_to_virt, virt_to_phys, PAGE_SHIFT};
use crate::errno::KResult;
use bitflags::bitflags;

bitflags! {
    /// Linux: _PAGE_PRESENT, _PAGE_READ, ... in arch/riscv/include/asm/pgtable-bits.h
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct PteFlags: usize {
        const V = 1 << 0;
        const R = 1 << 1;
        const W = 1 << 2;
        const X = 1 << 3;
        const U = 1 << 4;
        const G = 1 << 5;
        const A = 1 << 6;
        const D = 1 << 7;
        /// Software bit: the page is copy-on-write shared (Linux tracks this through the VMA;
        /// we keep the bit for the trace and for mprotect).
        const COW = 1 << 8;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Pte(pub usize);

impl Pte {
    pub const fn new(pfn: usize, flags: PteFlags) -> Pte {
        Pte((pfn << 10) | flags.bits())
    }
    pub fn is_valid(self) -> bool {
        self.0 & PteFlags::V.bits() != 0
    }
    pub fn is_leaf(self) -> bool {
        self.0 & (PteFlags::R | PteFlags::W | PteFlags::X).bits() != 0
    }
    pub fn pfn(self) -> usize {
        (self.0 >> 10) & ((1 << 44) - 1)
    }
    pub fn flags(self) -> PteFlags {
        PteFlags::from_bits_truncate(self.0 & 0x3ff)
    }
}

pub const PTRS_PER_PT: usize = 512;

fn table(pfn: usize) -> &'static mut [Pte; PTRS_PER_PT] {
    // SAFETY: `pfn` is a page-table page owned by the PageTable that asks; page tables are
    // only touched under the owning mm's lock (or before the mm is shared).
    unsafe { &mut *(pfn_to_virt(pfn) as *mut [Pte; PTRS_PER_PT]) }
}

extern "C" {
    static early_pg_dir: [Pte; PTRS_PER_PT];
}

/// The kernel's root table (early_pg_dir from head.S): used by kernel threads and idle.
pub fn kernel_root_pfn() -> usize {
    // SAFETY: taking the address of a linker-provided static.
    let va = core::ptr::addr_of!(early_pg_dir) as usize;
    virt_to_phys(va) >> PAGE_SHIFT
}

/// Linux: paging_init(): drop head.S's identity mapping of the kernel's load address.
pub fn paging_init() {
    table(kernel_root_pfn())[2] = Pte(0);
    crate::arch::riscv::flush_tlb_all();
}

fn vpn(va: usize, level: usize) -> usize {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// An owned page-table tree: the root and all intermediate tables of the user half.
pub struct PageTable {
    pub root: usize,
}

impl PageTable {
    /// Linux: pgd_alloc(): a new root with the kernel half copied in.
    pub fn new() -> KResult<PageTable> {
        let root = alloc_zeroed_page()?;
        let k = table(kernel_root_pfn());
        let t = table(root);
        t[256..].copy_from_slice(&k[256..]);
        Ok(PageTable { root })
    }

    /// The satp value that makes this table current (Sv39, ASID 0).
    pub fn satp(&self) -> usize {
        (8 << 60) | self.root
    }

    /// The leaf entry for `va`, creating the intermediate tables when `alloc`.
    pub fn walk(&mut self, va: usize, alloc: bool) -> KResult<Option<&'static mut Pte>> {
        let mut pfn = self.root;
        for level in [2, 1] {
            let e = &mut table(pfn)[vpn(va, level)];
            if !e.is_valid() {
                if !alloc {
                    return Ok(None);
                }
                let new = alloc_zeroed_page()?;
                *e = Pte::new(new, PteFlags::V);
            }
            pfn = e.pfn();
        }
        Ok(Some(&mut table(pfn)[vpn(va, 0)]))
    }

    /// Looks up the leaf entry without allocating.
    pub fn lookup(&self, va: usize) -> Option<Pte> {
        let mut pfn = self.root;
        for level in [2, 1] {
            let e = table(pfn)[vpn(va, level)];
            if !e.is_valid() {
                return None;
            }
            pfn = e.pfn();
        }
        let e = table(pfn)[vpn(va, 0)];
        e.is_valid().then_some(e)
    }

    /// Calls `f(va, &mut pte)` for every valid leaf in [start, end), walking tables, not
    /// pages, so empty 1 GiB / 2 MiB regions cost one entry each.
    pub fn for_each_leaf(&mut self, start: usize, end: usize, mut f: impl FnMut(usize, &mut Pte)) {
        let root = table(self.root);
        let mut va = start;
        while va < end {
            let l2 = root[vpn(va, 2)];
            if !l2.is_valid() {
                va = (va | ((1 << 30) - 1)) + 1;
                continue;
            }
            let pmd = table(l2.pfn());
            let l1 = pmd[vpn(va, 1)];
            if !l1.is_valid() {
                va = (va | ((1 << 21) - 1)) + 1;
                continue;
            }
            let pt = table(l1.pfn());
            let stop = core::cmp::min(end, (va | ((1 << 21) - 1)) + 1);
            while va < stop {
                let e = &mut pt[vpn(va, 0)];
                if e.is_valid() {
                    f(va, e);
                }
                va += 1 << 12;
            }
        }
    }

    /// Removes and releases every user leaf in [start, end) (Linux: zap_page_range +
    /// free_pgtables for a whole mm when called on [0, TASK_SIZE)).
    pub fn unmap_range(&mut self, start: usize, end: usize) {
        self.for_each_leaf(start, end, |_, e| {
            put_page(e.pfn());
            *e = Pte(0);
        });
    }

    /// Frees the intermediate tables of the user half (after unmap_range of everything).
    fn free_tables(&mut self) {
        let root = table(self.root);
        for e in root[..256].iter_mut() {
            if e.is_valid() {
                let pmd = table(e.pfn());
                for p in pmd.iter_mut() {
                    if p.is_valid() {
                        put_page(p.pfn());
                    }
                }
                put_page(e.pfn());
                *e = Pte(0);
            }
        }
    }
}

impl Drop for PageTable {
    fn drop(&mut self) {
        self.unmap_range(0, super::TASK_SIZE);
        self.free_tables();
        put_page(self.root);
    }
}
