//! struct mm_struct and struct vm_area_struct, with the VMA flags.  Linux:
//! include/linux/mm_types.h (mm_struct, vm_area_struct), include/linux/mm.h (VM_* flags),
//! kernel/fork.c (mm_alloc, set_mm_exe_file).
//!
//! The address space is an `MmStruct`: its page table and VMAs (a `BTreeMap` keyed by start,
//! Linux's maple tree) under one lock, `MmInner` (Linux: mmap_lock).  What the VMAs do is in
//! mmap.rs (find_vma, mmap_region, munmap, brk, dup_mmap) and the syscall files beside it.

use super::mmap::MMAP_BASE;
use super::pgtable::{PageTable, PteFlags};
use super::shmem::ShmObject;
use super::PAGE_SIZE;
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

/// Linux: struct vm_area_struct
#[derive(Clone)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub flags: VmFlags,
    pub backing: Backing,
}

impl Vma {
    /// The part [start, end) of this VMA, offsets adjusted.
    pub(super) fn slice(&self, start: usize, end: usize) -> Vma {
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

    /// Linux: vm_get_page_prot()
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

/// What the mm lock guards (Linux: the fields of mm_struct under mmap_lock).
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
    /// Linux: MMF_OOM_SKIP in mm->flags: the OOM killer reaped this mm; its owners are dying
    /// and are not chosen again.
    pub oom_skip: core::sync::atomic::AtomicBool,
}

impl Drop for MmStruct {
    fn drop(&mut self) {
        if let Some(i) = self.exe.lock().take() {
            i.writecount.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
        }
    }
}

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
            oom_skip: core::sync::atomic::AtomicBool::new(false),
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
}
