//! The address space: struct mm_struct and its VMAs, mmap/munmap/mprotect/mremap/brk.
//! Linux: include/linux/mm_types.h (mm_struct, vm_area_struct), mm/mmap.c, mm/mprotect.c,
//! mm/mremap.c, kernel/fork.c (dup_mm, dup_mmap).

use super::page_alloc::{get_page, page_count, put_page};
use super::pgtable::{PageTable, Pte, PteFlags, PMD_SIZE};
use super::{page_align_up, PAGE_SIZE, TASK_SIZE};
use crate::errno::*;
use crate::fs::Inode;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use bitflags::bitflags;

bitflags! {
    /// Linux: VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_GROWSDOWN
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct VmFlags: u32 {
        const READ = 1;
        const WRITE = 2;
        const EXEC = 4;
        const SHARED = 8;
        const GROWSDOWN = 0x100;
        const STACK = 0x200;
        const HEAP = 0x400;
        /// Linux: VM_DONTCOPY (MADV_DONTFORK), VM_WIPEONFORK (MADV_WIPEONFORK)
        const DONTCOPY = 0x2_0000;
        const WIPEONFORK = 0x4_0000;
    }
}

/// Pages of a MAP_SHARED|MAP_ANONYMOUS mapping, shared by every mm that maps it (Linux: the
/// shmem inode behind shmem_zero_setup()).
pub struct ShmObject {
    pub pages: SpinLock<BTreeMap<usize, usize>, class::ShmPages>, // page index -> pfn (one reference each)
    /// For MAP_SHARED file mappings: the file whose bytes fill a page on first touch (the
    /// object is that inode's page cache, see Inode::shared_pages).
    pub source: Option<alloc::sync::Weak<Inode>>,
    /// Size in pages of an anonymous shared object (Linux: the shmem inode's size); a fault
    /// past it is SIGBUS.  File objects use the file's size.
    pub size_pages: usize,
}

impl ShmObject {
    pub fn anon(len: usize) -> Arc<ShmObject> {
        Arc::new(ShmObject { pages: SpinLock::new(BTreeMap::new()), source: None, size_pages: len.div_ceil(PAGE_SIZE) })
    }
    /// Page `idx` of the object with one more reference for the caller's mapping, filled
    /// from the file (or zero) on first use.  Linux: filemap_fault() / shmem_fault().
    pub fn get_page(&self, idx: usize) -> KResult<usize> {
        let cached = self.pages.lock().get(&idx).copied();
        if let Some(pfn) = cached {
            get_page(pfn);
            return Ok(pfn);
        }
        // Filled outside the page-list lock (the file's own lock ranks below it), then
        // inserted unless someone else got there first (Linux: filemap_add_folio's -EEXIST).
        let p = super::page_alloc::alloc_zeroed_page()?;
        if let Some(ino) = self.source.as_ref().and_then(|w| w.upgrade()) {
            ino.read_data_only(idx * PAGE_SIZE, &mut super::page_bytes(p)[..]);
        }
        let mut pages = self.pages.lock();
        let pfn = *pages.entry(idx).or_insert(p);
        get_page(pfn);
        drop(pages);
        if pfn != p {
            put_page(p);
        }
        Ok(pfn)
    }

    /// Whether page `idx` lies inside the object.
    pub fn contains(&self, idx: usize) -> bool {
        match self.source.as_ref().and_then(|w| w.upgrade()) {
            Some(ino) => idx < ino.size().div_ceil(PAGE_SIZE),
            None => idx < self.size_pages,
        }
    }
}

impl Drop for ShmObject {
    fn drop(&mut self) {
        for (_, pfn) in self.pages.lock().iter() {
            put_page(*pfn);
        }
    }
}

#[derive(Clone)]
pub enum Backing {
    Anon,
    /// `pgoff`: page index in the object of vma.start
    Shared {
        obj: Arc<ShmObject>,
        pgoff: usize,
    },
    /// A private file mapping: bytes [vma.start, file_end) come from `inode` at `off` + (va -
    /// vma.start); the rest of the VMA is zero (bss).
    File {
        inode: Arc<Inode>,
        off: usize,
        file_end: usize,
    },
}

#[derive(Clone)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub flags: VmFlags,
    pub backing: Backing,
}

impl Vma {
    /// The part [start, end) of this VMA, offsets adjusted.
    fn slice(&self, start: usize, end: usize) -> Vma {
        let d = start - self.start;
        let backing = match &self.backing {
            Backing::Anon => Backing::Anon,
            Backing::Shared { obj, pgoff } => Backing::Shared { obj: obj.clone(), pgoff: pgoff + d / PAGE_SIZE },
            Backing::File { inode, off, file_end } => {
                Backing::File { inode: inode.clone(), off: off + d, file_end: *file_end }
            }
        };
        Vma { start, end, flags: self.flags, backing }
    }

    /// What the `cow` crate's fork decisions look at.
    pub fn cow_desc(&self) -> cow::VmaDesc {
        cow::VmaDesc {
            start: self.start,
            end: self.end,
            shared: self.flags.contains(VmFlags::SHARED),
            dontcopy: self.flags.contains(VmFlags::DONTCOPY),
            wipeonfork: self.flags.contains(VmFlags::WIPEONFORK),
        }
    }

    pub fn pte_flags(&self) -> PteFlags {
        let mut f = PteFlags::V | PteFlags::U | PteFlags::A | PteFlags::D;
        if self.flags.contains(VmFlags::READ) {
            f |= PteFlags::R;
        }
        if self.flags.contains(VmFlags::WRITE) {
            f |= PteFlags::W | PteFlags::R;
        }
        if self.flags.contains(VmFlags::EXEC) {
            f |= PteFlags::X;
        }
        f
    }
}

pub struct MmInner {
    pub pgt: PageTable,
    pub vmas: BTreeMap<usize, Vma>,
    pub start_code: usize,
    pub end_code: usize,
    pub start_data: usize,
    pub end_data: usize,
    pub start_brk: usize,
    pub brk: usize,
    pub start_stack: usize,
    pub arg_start: usize,
    pub arg_end: usize,
    pub env_start: usize,
    pub env_end: usize,
    pub mmap_base: usize,
    /// The signal trampoline page (Linux: mm->context.vdso)
    pub vdso: usize,
}

/// Linux: struct mm_struct.  `satp` is fixed at creation so switch_mm needs no lock.
pub struct MmStruct {
    pub inner: SpinLock<MmInner, class::MmapLock>,
    satp: usize,
    /// Linux: mm->exe_file — the executable, write-denied while this mm lives (ETXTBSY).
    pub exe: SpinLock<Option<Arc<Inode>>, class::MmapLock>,
}

impl Drop for MmStruct {
    fn drop(&mut self) {
        if let Some(i) = self.exe.lock().take() {
            i.writecount.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
        }
    }
}

/// Linux: mmap_base() with randomisation off: below the stack gap (at least 128 MiB).
pub const MMAP_BASE: usize = TASK_SIZE - 128 * 1024 * 1024 - 8 * 1024 * 1024;

impl MmStruct {
    /// Linux: mm_alloc()
    pub fn new() -> KResult<Arc<MmStruct>> {
        let pgt = PageTable::new()?;
        let satp = pgt.satp();
        Ok(Arc::new(MmStruct {
            inner: SpinLock::new(MmInner {
                pgt,
                vmas: BTreeMap::new(),
                start_code: 0,
                end_code: 0,
                start_data: 0,
                end_data: 0,
                start_brk: 0,
                brk: 0,
                start_stack: 0,
                arg_start: 0,
                arg_end: 0,
                env_start: 0,
                env_end: 0,
                mmap_base: MMAP_BASE,
                vdso: 0,
            }),
            satp,
            exe: SpinLock::new(None),
        }))
    }

    /// Linux: set_mm_exe_file(): takes a deny-write reference on the executable.
    pub fn set_exe(&self, ino: &Arc<Inode>) -> KResult<()> {
        ino.deny_write_access()?;
        if let Some(old) = self.exe.lock().replace(ino.clone()) {
            old.writecount.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
        }
        Ok(())
    }

    pub fn satp(&self) -> usize {
        self.satp
    }

    /// Linux: dup_mm() + dup_mmap(): the child's copy of this address space (see the
    /// free function dup_mmap below, the symbol gdb breaks on).  Private
    /// writable pages become copy-on-write in both (write bit cleared, one more reference);
    /// shared pages stay shared.
    pub fn dup_mmap(&self) -> KResult<Arc<MmStruct>> {
        dup_mmap(self)
    }
}

/// Linux: dup_mmap() in kernel/fork.c: the VMAs are copied; per 2 MiB region the leaf page
/// table is shared copy-on-write (write-protected once) or, for regions with shared or
/// DONTFORK/WIPEONFORK memory, copied entry by entry.
#[no_mangle]
#[inline(never)]
pub fn dup_mmap(oldmm: &MmStruct) -> KResult<Arc<MmStruct>> {
    let new = MmStruct::new()?;
    let exe = oldmm.exe.lock().clone();
    if let Some(exe) = exe {
        exe.writecount.fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
        *new.exe.lock() = Some(exe);
    }
    {
        let mut old = oldmm.inner.lock();
        // Linux: mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING): the old mm, then the new.
        let mut child = new.inner.lock_nested(1);
        let o = &mut *old;
        let c = &mut *child;
        c.vmas =
            o.vmas.iter().filter(|(_, v)| !v.flags.contains(VmFlags::DONTCOPY)).map(|(k, v)| (*k, v.clone())).collect();
        c.start_code = o.start_code;
        c.end_code = o.end_code;
        c.start_data = o.start_data;
        c.end_data = o.end_data;
        c.start_brk = o.start_brk;
        c.brk = o.brk;
        c.start_stack = o.start_stack;
        c.arg_start = o.arg_start;
        c.arg_end = o.arg_end;
        c.env_start = o.env_start;
        c.env_end = o.env_end;
        c.mmap_base = o.mmap_base;
        c.vdso = o.vdso;
        // Per 2 MiB region: share the leaf table when every VMA in it is plain private
        // memory (On-demand-fork); otherwise copy entry by entry.  The decisions are the
        // host-tested `cow` crate's.
        let regions = cow::fork_regions(o.vmas.values().map(|v| v.cow_desc()), PMD_SIZE);
        let mut err = None;
        for &(r, plain) in regions.iter() {
            if plain {
                if let Err(e) = o.pgt.share_pte_table(&mut c.pgt, r) {
                    err = Some(e);
                    break;
                }
                continue;
            }
            for vma in o.vmas.range(..r + PMD_SIZE).rev().map(|(_, v)| v).take_while(|v| v.end > r) {
                let action = cow::vma_fork(&vma.cow_desc());
                if matches!(action, cow::VmaFork::Skip | cow::VmaFork::Empty) {
                    continue;
                }
                let cpgt = &mut c.pgt;
                let (s0, e0) = (vma.start.max(r), vma.end.min(r + PMD_SIZE));
                o.pgt.for_each_leaf(s0, e0, |va, pte| {
                    if err.is_some() {
                        return;
                    }
                    let mut e = *pte;
                    let (parent_w, child_w) = cow::fork_pte(e.flags().contains(PteFlags::W), action);
                    if !parent_w {
                        *pte = Pte(pte.0 & !PteFlags::W.bits());
                    }
                    if !child_w {
                        e = Pte(e.0 & !PteFlags::W.bits());
                    }
                    match cpgt.walk(va, true) {
                        Ok(Some(slot)) => {
                            get_page(e.pfn());
                            *slot = e;
                        }
                        _ => err = Some(ENOMEM),
                    }
                });
            }
        }
        crate::arch::riscv::flush_tlb_all();
        if let Some(e) = err {
            return Err(e);
        }
    }
    Ok(new)
}

/// The VMA containing `addr` (Linux: vma_lookup()).
pub fn vma_at(vmas: &BTreeMap<usize, Vma>, addr: usize) -> Option<&Vma> {
    vmas.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
}

impl MmInner {
    pub fn find_vma(&self, addr: usize) -> Option<&Vma> {
        vma_at(&self.vmas, addr)
    }

    fn overlaps(&self, start: usize, end: usize) -> bool {
        self.vmas.range(..end).next_back().is_some_and(|(_, v)| v.end > start)
    }

    /// Linux: get_unmapped_area(), top-down below mmap_base.
    pub fn get_unmapped_area(&self, len: usize) -> KResult<usize> {
        if len > self.mmap_base - PAGE_SIZE * 16 {
            return Err(ENOMEM);
        }
        let mut top = self.mmap_base;
        for (_, v) in self.vmas.range(..self.mmap_base).rev() {
            if v.end <= top && top - v.end >= len {
                return Ok(top - len);
            }
            top = core::cmp::min(top, v.start);
        }
        if top >= len + PAGE_SIZE * 16 {
            Ok(top - len)
        } else {
            Err(ENOMEM)
        }
    }

    /// Inserts a VMA over [start, end), which must be free.
    pub fn insert_vma(&mut self, vma: Vma) {
        self.vmas.insert(vma.start, vma);
    }

    /// Splits VMAs so that `addr` is a boundary.
    fn split_at(&mut self, addr: usize) {
        let Some(v) = self.find_vma(addr).cloned() else { return };
        if v.start == addr {
            return;
        }
        self.vmas.insert(v.start, v.slice(v.start, addr));
        self.vmas.insert(addr, v.slice(addr, v.end));
    }

    /// Linux: do_munmap(): removes [start, end) from the VMAs and the page table.
    pub fn munmap(&mut self, start: usize, end: usize) {
        self.split_at(start);
        self.split_at(end);
        let keys: alloc::vec::Vec<usize> = self.vmas.range(start..end).map(|(k, _)| *k).collect();
        for k in keys {
            self.vmas.remove(&k);
        }
        self.pgt.unmap_range(start, end);
        crate::arch::riscv::flush_tlb_all();
    }

    /// ENOMEM unless every page of [start, end) lies in a VMA (Linux's check in mprotect,
    /// madvise, mincore).
    pub fn all_mapped(&self, start: usize, end: usize) -> KResult<()> {
        let mut a = start;
        while a < end {
            a = self.find_vma(a).ok_or(ENOMEM)?.end;
        }
        Ok(())
    }

    /// Linux: mprotect_fixup() over [start, end): every page must be mapped by a VMA.
    pub fn mprotect(&mut self, start: usize, end: usize, prot: VmFlags) -> KResult<()> {
        self.all_mapped(start, end)?;
        self.split_at(start);
        self.split_at(end);
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

    /// Checks and maps a new VMA (Linux: mmap_region()).  MAP_FIXED replaces what was there.
    pub fn mmap_region(
        &mut self,
        addr: usize,
        len: usize,
        flags: VmFlags,
        backing: Backing,
        fixed: bool,
    ) -> KResult<usize> {
        let start = if fixed {
            self.munmap(addr, addr + len);
            addr
        } else if addr != 0 && addr + len <= TASK_SIZE && !self.overlaps(addr, addr + len) {
            addr
        } else {
            self.get_unmapped_area(len)?
        };
        self.insert_vma(Vma { start, end: start + len, flags, backing });
        Ok(start)
    }

    pub fn is_free(&self, start: usize, end: usize) -> bool {
        !self.overlaps(start, end)
    }

    /// Linux: sys_brk() in mm/mmap.c: grows or shrinks the heap VMA; returns the new break,
    /// or the old one when the request cannot be met.
    pub fn brk(&mut self, want: usize) -> usize {
        // Below the heap's start, or into the mmap area: refused (the old break comes back).
        if want < self.start_brk || want > self.mmap_base {
            return self.brk;
        }
        let old_end = page_align_up(self.brk);
        let new_end = page_align_up(want);
        if new_end > old_end {
            if !self.is_free(old_end, new_end) {
                return self.brk;
            }
            // Extend the heap VMA (created at exec, possibly empty).
            match self.vmas.get_mut(&self.start_brk) {
                Some(v) if v.end == old_end => v.end = new_end,
                _ => self.insert_vma(Vma {
                    start: old_end,
                    end: new_end,
                    flags: VmFlags::READ | VmFlags::WRITE | VmFlags::HEAP,
                    backing: Backing::Anon,
                }),
            }
        } else if new_end < old_end {
            self.munmap(new_end, old_end);
        }
        self.brk = want;
        want
    }
}
