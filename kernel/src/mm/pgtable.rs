//! Sv39 page tables.  Linux: arch/riscv/include/asm/pgtable.h, pgtable-64.h, mm/memory.c.
//!
//! Three levels (pgd, pmd, pte) of 512 entries.  A user page table's upper half (entries
//! 256..511) is copied from the kernel's root at creation: the kernel mappings are gigapage
//! leaves, so they are shared and never change after boot.  Leaf user entries hold one
//! reference on their frame (page_alloc::get_page/put_page).

use super::page_alloc::{alloc_zeroed_page_flags, pt_range, pt_range_add, pt_range_set, put_page, PG_TABLE};
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
/// satp's MODE field for Sv39.  Linux: SATP_MODE_39 (arch/riscv/include/asm/csr.h).
pub const SATP_MODE_39: usize = 8 << 60;

fn table(pfn: usize) -> &'static mut [Pte; PTRS_PER_PT] {
    // SAFETY: `pfn` is a page-table page (PG_TABLE, so highmem's Page::get refuses it) of the
    // PageTable that asks, or the kernel's root; page tables are touched only here, under the
    // owning mm's lock (or before the mm is shared), and each borrow made from this ends
    // before the next of the same table (a walk's entry is tied to `&mut PageTable`).
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

/// Linux: paging_init() (setup_vm_final's linear map): every GiB of RAM the device tree
/// names gets its gigapage in the linear map (head.S maps only [0, 4 GiB), enough to boot:
/// QEMU virt's RAM starts at 2 GiB, so -m 8G and up reach past it), then head.S's identity
/// mapping of the kernel's load address goes.  Runs before any mm exists: every root made
/// later copies these entries.
pub fn paging_init(ram_start: usize, ram_end: usize) {
    let root = table(kernel_root_pfn());
    let first = ram_start / PGDIR_SIZE;
    let last = ram_end.div_ceil(PGDIR_SIZE).min(VMALLOC_PGD_FIRST - LINEAR_PGD_FIRST);
    for gib in first..last {
        let e = &mut root[LINEAR_PGD_FIRST + gib];
        if !e.is_valid() {
            let f = PteFlags::V | PteFlags::R | PteFlags::W | PteFlags::X | PteFlags::A | PteFlags::D | PteFlags::G;
            *e = Pte::new((gib * PGDIR_SIZE) >> PAGE_SHIFT, f);
        }
    }
    root[2] = Pte(0);
    // The vmalloc area's middle tables, shared by every root made later (PageTable::new
    // copies the kernel half): a stack mapped or unmapped below them is seen by every mm.
    for e in &mut root[VMALLOC_PGD_FIRST..KERNEL_PGD_FIRST_IMAGE] {
        let pfn = alloc_table().expect("paging_init: no frame for the vmalloc area's tables");
        *e = Pte::new(pfn, PteFlags::V | PteFlags::G);
    }
    // The kernel half is final now: remember which of its entries are in use.
    let mut n = 0;
    for (i, e) in root.iter().enumerate().skip(256) {
        if e.is_valid() {
            KERNEL_PGD_USED[n].store(i as u16, core::sync::atomic::Ordering::Relaxed);
            n += 1;
        }
    }
    KERNEL_PGD_NR.store(n, core::sync::atomic::Ordering::Release);
    crate::arch::riscv::flush_tlb_all();
}

/// The indices of the kernel root's valid entries in its upper half, and how many, set once
/// by paging_init (after which the kernel half never changes): a new root copies these few
/// entries into its zeroed page instead of all 256 (Linux: pgd_alloc()'s copy of the kernel
/// half, which Linux makes whole).
static KERNEL_PGD_USED: [core::sync::atomic::AtomicU16; 256] = [const { core::sync::atomic::AtomicU16::new(0) }; 256];
static KERNEL_PGD_NR: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// The root entries of the vmalloc area: 4 GiB below the kernel image (Linux: VMALLOC_START
/// .. VMALLOC_END, in the kernel half below the linear map there; above it here, where the
/// linear map's 250 GiB end).
const VMALLOC_PGD_FIRST: usize = 506;
pub const VMALLOC_START: usize = super::PAGE_OFFSET + (VMALLOC_PGD_FIRST - LINEAR_PGD_FIRST) * PGDIR_SIZE;
pub const VMALLOC_END: usize = super::PAGE_OFFSET + (KERNEL_PGD_FIRST_IMAGE - LINEAR_PGD_FIRST) * PGDIR_SIZE;

/// The kernel's leaf entries for the `n` pages from `va` in the vmalloc area, all inside one
/// leaf table (None without one, unless `alloc` makes it).  The caller (vmalloc.rs) serialises
/// every change to the area's tables under its lock; the middle tables exist from paging_init.
fn kernel_ptes(va: usize, n: usize, alloc: bool) -> KResult<Option<&'static mut [Pte]>> {
    debug_assert!((VMALLOC_START..VMALLOC_END).contains(&va) && vpn(va, 0) + n <= PTRS_PER_PT);
    let l2 = table(kernel_root_pfn())[vpn(va, 2)];
    let pmd = &mut table(l2.pfn())[vpn(va, 1)];
    if !pmd.is_valid() {
        if !alloc {
            return Ok(None);
        }
        *pmd = Pte::new(alloc_table()?, PteFlags::V | PteFlags::G);
    }
    let i = vpn(va, 0);
    Ok(Some(&mut table(pmd.pfn())[i..i + n]))
}

/// Linux: vmap_pages_range(): `pfns` mapped from `va` on in the vmalloc area (inside one leaf
/// table), kernel read/write, global.  The frames' references pass to the mapping.
pub(super) fn kernel_map_pages(va: usize, pfns: &[usize]) -> KResult<()> {
    let ptes = kernel_ptes(va, pfns.len(), true)?.expect("kernel_ptes(alloc) gives the entries");
    let f = PteFlags::V | PteFlags::R | PteFlags::W | PteFlags::A | PteFlags::D | PteFlags::G;
    for (e, &pfn) in ptes.iter_mut().zip(pfns) {
        *e = Pte::new(pfn, f);
    }
    Ok(())
}

/// Linux: vunmap_range(): clears the `out.len()` entries from `va` and stores the frames they
/// mapped in `out` (0 where none); the caller flushes the TLB, then drops the references.
pub(super) fn kernel_unmap_pages(va: usize, out: &mut [usize]) {
    if let Ok(Some(ptes)) = kernel_ptes(va, out.len(), false) {
        for (e, o) in ptes.iter_mut().zip(out.iter_mut()) {
            let old = core::mem::replace(e, Pte(0));
            *o = if old.is_valid() { old.pfn() } else { 0 };
        }
    }
}

/// Frees the vmalloc area's leaf table covering `va`, which the caller knows is empty
/// (Linux frees such tables lazily; vmalloc.rs at once, so that MemFree comes back).
pub(super) fn kernel_free_pte_table(va: usize) {
    let l2 = table(kernel_root_pfn())[vpn(va, 2)];
    let pmd = &mut table(l2.pfn())[vpn(va, 1)];
    if pmd.is_valid() {
        let pfn = pmd.pfn();
        *pmd = Pte(0);
        crate::arch::riscv::flush_tlb_all();
        put_page(pfn);
    }
}

/// The kernel's mapping of `va` in the vmalloc area, if any (the guard-page check).
pub fn kernel_lookup(va: usize) -> Option<Pte> {
    if !(VMALLOC_START..VMALLOC_END).contains(&va) {
        return None;
    }
    kernel_ptes(va, 1, false).ok().flatten().map(|e| e[0]).filter(|e| e.is_valid())
}

/// The root entries of the linear map (PAGE_OFFSET) and of the kernel image (head.S).
const LINEAR_PGD_FIRST: usize = 256;
const KERNEL_PGD_FIRST_IMAGE: usize = 510;

fn vpn(va: usize, level: usize) -> usize {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// An owned page-table tree: the root and the intermediate tables of the user half.
///
/// Leaf tables (the last level, 512 PTEs covering 2 MiB) may be shared between the mms of a
/// parent and its children after fork, copy-on-write at table granularity (On-demand-fork,
/// EuroSys'21): the table page's refcount is the number of mms whose PMD entry points at it,
/// and a leaf page's refcount counts tables, not mms.  Every path that changes PTEs goes
/// through `walk`, `for_each_leaf` or `unmap_range`, which first give this mm a private copy
/// of a shared table (`unshare_pte_table`); `lookup` only reads.
pub struct PageTable {
    root: usize,
}

/// A new, empty page-table page.  Out of line: the fault path (walk, pmd_entry) stays small.
#[inline(never)]
fn alloc_table() -> KResult<usize> {
    // PG_TABLE: zeroed, with an empty pt_range (page_alloc sets both).
    alloc_zeroed_page_flags(PG_TABLE)
}

/// The slice of a table's entries that may be valid, with the index of its first entry.
fn live(pfn: usize) -> (usize, &'static mut [Pte]) {
    let (lo, hi) = pt_range(pfn);
    if lo > hi {
        return (0, &mut table(pfn)[0..0]);
    }
    (lo, &mut table(pfn)[lo..=hi])
}

/// Size of the region one leaf table maps.
pub const PMD_SIZE: usize = 1 << 21;
const PGDIR_SIZE: usize = 1 << 30;

impl PageTable {
    /// Linux: pgd_alloc(): a new root with the kernel half copied in.
    pub fn new() -> KResult<PageTable> {
        let root = alloc_table()?;
        let k = table(kernel_root_pfn());
        let t = table(root);
        let n = KERNEL_PGD_NR.load(core::sync::atomic::Ordering::Acquire);
        if n == 0 {
            t[256..].copy_from_slice(&k[256..]); // before paging_init
        }
        for u in &KERNEL_PGD_USED[..n] {
            let i = u.load(core::sync::atomic::Ordering::Relaxed) as usize;
            t[i] = k[i];
        }
        Ok(PageTable { root })
    }

    /// The satp value that makes this table current (Sv39, ASID 0).
    pub fn satp(&self) -> usize {
        SATP_MODE_39 | self.root
    }

    /// The PMD entry (level-1 slot) for `va`, creating the level-1 table when `alloc`.
    fn pmd_entry(&mut self, va: usize, alloc: bool) -> KResult<Option<&'static mut Pte>> {
        let e = &mut table(self.root)[vpn(va, 2)];
        if !e.is_valid() {
            if !alloc {
                return Ok(None);
            }
            *e = Pte::new(alloc_table()?, PteFlags::V);
            pt_range_add(self.root, vpn(va, 2));
        }
        if alloc {
            pt_range_add(e.pfn(), vpn(va, 1));
        }
        Ok(Some(&mut table(e.pfn())[vpn(va, 1)]))
    }

    /// Gives this mm its own copy of a leaf table shared at fork: the copy takes a reference
    /// on every page it maps, then the shared table loses ours.
    fn unshare_pte_table(pmd: &mut Pte) -> KResult<()> {
        let old = pmd.pfn();
        if !cow::must_unshare_table(super::page_alloc::page_count(old)) {
            return Ok(());
        }
        let new = alloc_table()?;
        let (lo, src) = live(old);
        let dst = &mut table(new)[lo..lo + src.len()];
        for (d, s) in dst.iter_mut().zip(src.iter()) {
            if s.is_valid() {
                super::page_alloc::get_page(s.pfn());
            }
            *d = *s;
        }
        if !src.is_empty() {
            pt_range_set(new, lo, lo + src.len() - 1);
        }
        *pmd = Pte::new(new, PteFlags::V);
        put_page(old);
        Ok(())
    }

    /// The leaf entry for `va`, creating the intermediate tables when `alloc`; a shared leaf
    /// table is unshared first, since the caller may write the entry.  The entry is borrowed
    /// from this table: it cannot outlive it.
    pub fn walk(&mut self, va: usize, alloc: bool) -> KResult<Option<&mut Pte>> {
        let Some(pmd) = self.pmd_entry(va, alloc)? else { return Ok(None) };
        if !pmd.is_valid() {
            if !alloc {
                return Ok(None);
            }
            *pmd = Pte::new(alloc_table()?, PteFlags::V);
        } else {
            Self::unshare_pte_table(pmd)?;
        }
        // The caller may make this entry valid.
        pt_range_add(pmd.pfn(), vpn(va, 0));
        Ok(Some(&mut table(pmd.pfn())[vpn(va, 0)]))
    }

    /// The `n` leaf entries from `va` on, which must lie in one leaf table (Linux: the pte
    /// range that do_fault_around() maps under one pte lock): made like `walk`'s, the table
    /// allocated and unshared as needed, every entry of the range marked as one that may be
    /// valid.
    pub fn walk_range(&mut self, va: usize, n: usize) -> KResult<&mut [Pte]> {
        debug_assert!(n >= 1 && vpn(va, 0) + n <= PTRS_PER_PT);
        let Some(pmd) = self.pmd_entry(va, true)? else { return Err(crate::errno::ENOMEM) };
        if !pmd.is_valid() {
            *pmd = Pte::new(alloc_table()?, PteFlags::V);
        } else {
            Self::unshare_pte_table(pmd)?;
        }
        let i = vpn(va, 0);
        pt_range_add(pmd.pfn(), i);
        pt_range_add(pmd.pfn(), i + n - 1);
        Ok(&mut table(pmd.pfn())[i..i + n])
    }

    /// Looks up the leaf entry without allocating or unsharing.
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

    /// Calls `f(pmd, va, stop)` for each present PMD entry covering part of [start, end):
    /// [va, stop) is the part inside that 2 MiB region.  Empty 1 GiB and 2 MiB regions cost one
    /// entry each: the walk is by tables, not pages.
    fn for_each_pmd(&self, start: usize, end: usize, mut f: impl FnMut(&'static mut Pte, usize, usize)) {
        let mut va = start;
        while va < end {
            let l2 = table(self.root)[vpn(va, 2)];
            if !l2.is_valid() {
                va = (va | (PGDIR_SIZE - 1)) + 1;
                continue;
            }
            let pmd = &mut table(l2.pfn())[vpn(va, 1)];
            let stop = core::cmp::min(end, (va | (PMD_SIZE - 1)) + 1);
            if pmd.is_valid() {
                f(pmd, va, stop);
            }
            va = stop;
        }
    }

    /// The indices of leaf table `pt` that [va, stop) covers and that may be valid.
    fn leaf_span(pt: usize, va: usize, stop: usize) -> core::ops::Range<usize> {
        let (lo, hi) = pt_range(pt);
        let (i0, i1) = (vpn(va, 0).max(lo), vpn(stop - 1, 0).min(hi));
        if i0 <= i1 {
            i0..i1 + 1
        } else {
            i0..i0
        }
    }

    /// Calls `f(va, &mut pte)` for every valid leaf in [start, end).  Shared leaf tables are
    /// unshared first (f may change entries).
    pub fn for_each_leaf(&mut self, start: usize, end: usize, mut f: impl FnMut(usize, &mut Pte)) {
        self.for_each_pmd(start, end, |pmd, va, stop| {
            if Self::unshare_pte_table(pmd).is_err() {
                return;
            }
            let span = Self::leaf_span(pmd.pfn(), va, stop);
            let i0 = span.start;
            for (i, e) in table(pmd.pfn())[span].iter_mut().enumerate() {
                if e.is_valid() {
                    f((va & !(PMD_SIZE - 1)) + ((i0 + i) << 12), e);
                }
            }
        });
    }

    /// Calls `f(va, pte)` for every valid leaf in [start, end), reading only: no table is
    /// unshared or changed (/proc/PID/stat, status, statm count pages with it).
    pub fn for_each_leaf_ro(&self, start: usize, end: usize, mut f: impl FnMut(usize, Pte)) {
        self.for_each_pmd(start, end, |pmd, va, stop| {
            let span = Self::leaf_span(pmd.pfn(), va, stop);
            let i0 = span.start;
            for (i, e) in table(pmd.pfn())[span].iter().enumerate() {
                if e.is_valid() {
                    f((va & !(PMD_SIZE - 1)) + ((i0 + i) << 12), *e);
                }
            }
        });
    }

    /// Removes and releases every user leaf in [start, end) (Linux: zap_page_range +
    /// free_pgtables).  A leaf table the range covers whole is dropped whole: a shared one
    /// just loses this mm's reference, without touching its 512 entries.
    pub fn unmap_range(&mut self, start: usize, end: usize) {
        self.for_each_pmd(start, end, |pmd, va, stop| {
            if va & (PMD_SIZE - 1) == 0 && stop - va == PMD_SIZE {
                free_pte_table(pmd.pfn());
                *pmd = Pte(0);
            } else if Self::unshare_pte_table(pmd).is_ok() {
                let span = Self::leaf_span(pmd.pfn(), va, stop);
                for e in table(pmd.pfn())[span].iter_mut() {
                    if e.is_valid() {
                        put_page(e.pfn());
                        *e = Pte(0);
                    }
                }
            }
        });
    }

    /// Fork, for one 2 MiB region whose VMAs are all private: share the parent's leaf table
    /// with the child instead of copying it.  The parent's writable leaves are write-protected
    /// first (skipped when the table is already shared: then they already are).
    pub fn share_pte_table(&mut self, child: &mut PageTable, va: usize) -> KResult<bool> {
        let Some(pmd) = self.pmd_entry(va, false)? else { return Ok(false) };
        if !pmd.is_valid() {
            return Ok(false);
        }
        let pt = pmd.pfn();
        if super::page_alloc::page_count(pt) == 1 {
            for e in live(pt).1.iter_mut() {
                if e.0 & (PteFlags::V | PteFlags::W).bits() == (PteFlags::V | PteFlags::W).bits() {
                    e.0 &= !PteFlags::W.bits();
                }
            }
        }
        let cpmd = child.pmd_entry(va, true)?.ok_or(crate::errno::ENOMEM)?;
        super::page_alloc::get_page(pt);
        *cpmd = Pte::new(pt, PteFlags::V);
        Ok(true)
    }

    /// Frees the level-1 tables of the user half (after every leaf table is gone).
    fn free_tables(&mut self) {
        let (lo, root) = live(self.root);
        let user = 256usize.saturating_sub(lo).min(root.len());
        for e in root[..user].iter_mut() {
            if e.is_valid() {
                for p in live(e.pfn()).1.iter_mut() {
                    if p.is_valid() {
                        free_pte_table(p.pfn());
                        *p = Pte(0);
                    }
                }
                put_page(e.pfn());
                *e = Pte(0);
            }
        }
    }
}

/// Drops one reference to a leaf table; the last one releases the pages it maps.
fn free_pte_table(pt: usize) {
    if super::page_alloc::page_count(pt) == 1 {
        for e in live(pt).1.iter() {
            if e.is_valid() {
                put_page(e.pfn());
            }
        }
    }
    put_page(pt);
}

impl Drop for PageTable {
    fn drop(&mut self) {
        self.free_tables();
        put_page(self.root);
    }
}
