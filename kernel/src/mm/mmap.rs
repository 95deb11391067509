//! The VMAs of an address space: find_vma, get_unmapped_area, mmap_region, munmap, brk, and
//! the mmap, munmap and brk syscalls; dup_mmap, fork's copy of an address space.  Linux:
//! mm/mmap.c (do_mmap, mmap_region, get_unmapped_area, find_vma, do_munmap, brk),
//! include/linux/mman.h (calc_vm_prot_bits), mm/util.c (mmap_base), and kernel/fork.c for
//! dup_mmap: MenuOS keeps it here, beside the VMA tree and the page-table calls it makes,
//! since it is mm-internal (kernel/fork.rs calls it through copy_mm -> dup_mm).
//!
//! mprotect, mremap, madvise, mincore, mlock and msync are in the files Linux names after them.

use super::mm_types::{Backing, MmInner, MmStruct, VmFlags, Vma};
use super::page_alloc::get_page;
use super::pgtable::{Pte, PteFlags, PMD_SIZE};
use super::shmem::ShmObject;
use super::{page_align_up, PAGE_SIZE, TASK_SIZE};
use crate::drivers::char::mem::ZERO_MINOR;
use crate::errno::*;
use crate::fs::char_dev::MEM_MAJOR;
use crate::kernel::task::current;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::AtomicI32;
use linux_raw_sys::general as uapi;

const PROT_READ: usize = uapi::PROT_READ as usize;
pub(super) const PROT_WRITE: usize = uapi::PROT_WRITE as usize;
const PROT_EXEC: usize = uapi::PROT_EXEC as usize;
const PROT_GROWSDOWN: usize = uapi::PROT_GROWSDOWN as usize;
const PROT_GROWSUP: usize = uapi::PROT_GROWSUP as usize;
const MAP_SHARED: usize = uapi::MAP_SHARED as usize;
const MAP_PRIVATE: usize = uapi::MAP_PRIVATE as usize;
const MAP_SHARED_VALIDATE: usize = uapi::MAP_SHARED_VALIDATE as usize;
const MAP_TYPE: usize = uapi::MAP_TYPE as usize;
const MAP_FIXED: usize = uapi::MAP_FIXED as usize;
const MAP_ANONYMOUS: usize = uapi::MAP_ANONYMOUS as usize;
const MAP_FIXED_NOREPLACE: usize = uapi::MAP_FIXED_NOREPLACE as usize;

/// Linux: sysctl_max_map_count (/proc/sys/vm/max_map_count): DEFAULT_MAX_MAP_COUNT, USHRT_MAX
/// less MAPCOUNT_ELF_CORE_MARGIN.  Kept for the sysctl; the mm limits check it.
pub static SYSCTL_MAX_MAP_COUNT: [AtomicI32; 1] = [AtomicI32::new(u16::MAX as i32 - 5)];
/// Linux: sysctl_overcommit_memory (OVERCOMMIT_GUESS = 0) and sysctl_overcommit_ratio (50)
/// (mm/util.c, /proc/sys/vm/overcommit_*).  MenuOS does not account commitments yet: every
/// mapping is allowed and backed on demand, as Linux's OVERCOMMIT_ALWAYS would; the values are
/// kept for programs that read them.
pub static SYSCTL_OVERCOMMIT_MEMORY: [AtomicI32; 1] = [AtomicI32::new(0)];
pub static SYSCTL_OVERCOMMIT_RATIO: [AtomicI32; 1] = [AtomicI32::new(50)];

/// Linux: mmap_base() with randomisation off: below the stack gap (at least 128 MiB).
pub const MMAP_BASE: usize = TASK_SIZE - 128 * 1024 * 1024 - 8 * 1024 * 1024;

/// Linux: calc_vm_prot_bits(), after mmap's and mprotect's check of the PROT_* bits.
pub(super) fn prot_flags(prot: usize) -> KResult<VmFlags> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
        return Err(EINVAL);
    }
    let mut f = VmFlags::empty();
    if prot & PROT_READ != 0 {
        f |= VmFlags::READ;
    }
    if prot & PROT_WRITE != 0 {
        f |= VmFlags::WRITE;
    }
    if prot & PROT_EXEC != 0 {
        f |= VmFlags::EXEC;
    }
    Ok(f)
}

/// The end of a user range, EINVAL when it wraps or leaves user space.
pub(super) fn user_end(addr: usize, len: usize) -> KResult<usize> {
    addr.checked_add(len).filter(|&e| e <= TASK_SIZE).ok_or(EINVAL)
}

/// The caller's address space (EINVAL for a kernel thread, which has none).
pub(super) fn current_mm() -> KResult<Arc<MmStruct>> {
    current().mm.lock().clone().ok_or(EINVAL)
}

pub fn sys_brk(addr: usize) -> KResult<usize> {
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    Ok(m.brk(addr))
}

/// Linux: do_mmap()
pub fn sys_mmap(addr: usize, len: usize, prot: usize, flags: usize, fd: usize, off: usize) -> KResult<usize> {
    if off & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    if len == 0 {
        return Err(EINVAL);
    }
    let len = page_align_up(len);
    if len == 0 || len > TASK_SIZE {
        return Err(ENOMEM);
    }
    let typ = flags & MAP_TYPE;
    if typ != MAP_SHARED && typ != MAP_PRIVATE && typ != MAP_SHARED_VALIDATE {
        return Err(EINVAL);
    }
    let mut vf = prot_flags(prot)?;
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    // Linux: an unaligned MAP_FIXED address is EINVAL; one whose range leaves user space,
    // ENOMEM (get_unmapped_area()).
    if fixed && addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    if fixed && user_end(addr, len).is_err() {
        return Err(ENOMEM);
    }
    let shared = typ != MAP_PRIVATE;
    let backing = if flags & MAP_ANONYMOUS != 0 {
        if shared {
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ShmObject::anon(len), pgoff: 0 }
        } else {
            Backing::Anon
        }
    } else {
        let f = crate::fs::fd_get(fd as u32)?;
        let ino = f.inode.clone().ok_or(ENODEV)?;
        let dev_zero = matches!(ino.kind, crate::fs::inode::InodeKind::CharDev(MEM_MAJOR, ZERO_MINOR));
        if !ino.is_reg() && !dev_zero {
            return Err(ENODEV);
        }
        if !f.readable() {
            return Err(EACCES);
        }
        if dev_zero && shared {
            // Linux: mmap_zero() -> shmem_zero_setup(): shared anonymous memory.
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ShmObject::anon(len), pgoff: 0 }
        } else if dev_zero {
            // Linux: mmap_zero(): private zero pages (vma_set_anonymous), the VMA still names
            // /dev/zero (maps, map_files): a mapping of a file whose bytes all lie past its
            // end.
            Backing::File { inode: ino, off, file_end: 0 }
        } else if shared {
            // Linux: EACCES for a shared writable mapping of a file not open for writing.
            if prot & PROT_WRITE != 0 && !f.writable() {
                return Err(EACCES);
            }
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ino.shared_pages(), pgoff: off / PAGE_SIZE }
        } else {
            Backing::File { inode: ino, off, file_end: usize::MAX }
        }
    };
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    if flags & MAP_FIXED_NOREPLACE != 0 && !m.is_free(addr, user_end(addr, len)?) {
        return Err(EEXIST);
    }
    let start = m.mmap_region(addr & !(PAGE_SIZE - 1), len, vf, backing, flags & MAP_FIXED != 0)?;
    // File mappings: bytes past EOF read as zero.
    if let Some(v) = m.vmas.get_mut(&start) {
        if let Backing::File { inode, off, file_end } = &mut v.backing {
            let size = inode.size();
            *file_end = start + size.saturating_sub(*off);
        }
    }
    Ok(start)
}

pub fn sys_munmap(addr: usize, len: usize) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 || len == 0 {
        return Err(EINVAL);
    }
    let end = user_end(addr, page_align_up(len))?;
    let mm = current_mm()?;
    mm.inner.lock().munmap(addr, end);
    Ok(0)
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

    /// Splits VMAs so that `addr` is a boundary (Linux: split_vma()).
    pub(super) fn split_at(&mut self, addr: usize) {
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
        } else if addr != 0 && user_end(addr, len).is_ok() && !self.overlaps(addr, addr + len) {
            // (a hint is used only when the whole range lies in user space: one near the top
            // of the address space must not wrap past it)
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

impl MmStruct {
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
