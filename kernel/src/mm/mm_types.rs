//! struct mm_struct and struct vm_area_struct, with the VMA flags.  Linux:
//! include/linux/mm_types.h (mm_struct, vm_area_struct), include/linux/mm.h (VM_* flags),
//! kernel/fork.c (mm_alloc, set_mm_exe_file).
//!
//! The address space is an `MmStruct`: its page table and VMAs (a `BTreeMap` keyed by start,
//! Linux's maple tree, whose nodes are preallocated before a change: vma_prealloc.rs) under
//! one lock, `MmInner` (Linux: mmap_lock).  What the VMAs do is in
//! mmap.rs (find_vma, mmap_region, munmap, brk, dup_mmap) and the syscall files beside it.

use super::mmap::MMAP_BASE;
use super::pgtable::{PageTable, PteFlags};
use super::shmem::{ShmObject, WritableMap};
use super::vma_prealloc::VmaNodeAlloc;
use super::PAGE_SIZE;
use crate::errno::*;
use crate::fs::Inode;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use bitflags::bitflags;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

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
        /// Linux: VM_LOCKED (mlock, MAP_LOCKED, mlockall) and VM_LOCKONFAULT (MLOCK_ONFAULT,
        /// MCL_ONFAULT: locked, but populated by faults rather than at once)
        const LOCKED = 0x2000;
        const LOCKONFAULT = 0x8_0000;
        /// Linux: VM_MAYWRITE clear — a shared mapping that mprotect may not make writable
        /// (its file is not open for writing, or a memfd is write-sealed).
        const NOMAYWRITE = 0x1_0000;
        /// Linux: VM_DONTCOPY (MADV_DONTFORK), VM_WIPEONFORK (MADV_WIPEONFORK)
        const DONTCOPY = 0x2_0000;
        const WIPEONFORK = 0x4_0000;
    }
}

#[derive(Clone)]
pub enum Backing {
    Anon,
    /// `pgoff`: page index in the object of vma.start; `wmap` when the mapping may be
    /// written (it counts in the object's writable mappings, for F_SEAL_WRITE).
    Shared {
        obj: Arc<ShmObject>,
        pgoff: usize,
        wmap: Option<WritableMap>,
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
            Backing::Shared { obj, pgoff, wmap } => {
                Backing::Shared { obj: obj.clone(), pgoff: pgoff + d / PAGE_SIZE, wmap: wmap.clone() }
            }
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

/// An mm's VMAs by start address (Linux: mm->mm_mt, the maple tree).  Its nodes come from
/// vma_prealloc.rs's reserve: an insert must follow a vma_prealloc() (MmInner::vma_prealloc).
pub type VmaTree = BTreeMap<usize, Vma, VmaNodeAlloc>;

/// What the mm lock guards (Linux: the fields of mm_struct under mmap_lock).
pub struct MmInner {
    pub pgt: PageTable,
    pub vmas: VmaTree,
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
    /// Linux: mm->get_unmapped_area == arch_get_unmapped_area: the bottom-up ("legacy")
    /// layout, mappings placed upwards from mmap_base (mm/util.rs arch_pick_mmap_layout).
    pub mmap_legacy: bool,
    /// The signal trampoline page (Linux: mm->context.vdso)
    pub vdso: usize,
    /// Linux: mm->def_flags: flags every new mapping gets (VM_LOCKED after
    /// mlockall(MCL_FUTURE), with VM_LOCKONFAULT for MCL_ONFAULT).
    pub def_flags: VmFlags,
}

/// Linux: struct mm_struct.  `satp` is fixed at creation so switch_mm needs no lock.
pub struct MmStruct {
    pub inner: SpinLock<MmInner, class::MmapLock>,
    satp: usize,
    /// Linux: mm->exe_file — the executable, write-denied while this mm lives (ETXTBSY).
    pub exe: SpinLock<Option<Arc<Inode>>, class::MmapLock>,
    /// Linux: mm->flags: the dumpable bits (MMF_DUMPABLE_MASK, prctl PR_SET_DUMPABLE) and
    /// MMF_DISABLE_THP (PR_SET_THP_DISABLE); inherited by fork, the latter across exec too.
    pub flags: AtomicU64,
    /// Linux: mm->membarrier_state (kernel/sched/membarrier.rs's MEMBARRIER_STATE_* bits).
    pub membarrier_state: AtomicU32,
}

/// Linux: MMF_DUMPABLE_MASK (the low two bits: SUID_DUMP_*), MMF_DISABLE_THP, MMF_INIT_MASK
/// (what a new mm takes from the old one).
const MMF_DUMPABLE_MASK: u64 = 3;
const MMF_DISABLE_THP: u64 = 1 << 24;
const MMF_INIT_MASK: u64 = MMF_DUMPABLE_MASK | MMF_DISABLE_THP;
/// Linux: MMF_OOM_SKIP: the OOM killer reaped this mm; its owners are dying and are not chosen
/// again (mm/oom_kill.rs).
pub const MMF_OOM_SKIP: u64 = 1 << 21;

impl Drop for MmStruct {
    fn drop(&mut self) {
        if let Some(i) = self.exe.lock().take() {
            i.writecount.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
        }
    }
}

/// Linux: SUID_DUMP_DISABLE, SUID_DUMP_USER (include/linux/sched/coredump.h).
pub const SUID_DUMP_DISABLE: u32 = 0;
pub const SUID_DUMP_USER: u32 = 1;

impl MmStruct {
    /// Linux: mm_alloc()
    pub fn new() -> KResult<Arc<MmStruct>> {
        let pgt = PageTable::new()?;
        let satp = pgt.satp();
        // Linux: allocate_mm(), ENOMEM (a fault-injection site).
        super::slab::try_arc_with(|| MmStruct {
            inner: SpinLock::new(MmInner {
                pgt,
                vmas: BTreeMap::new_in(VmaNodeAlloc::new()),
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
                mmap_legacy: false,
                vdso: 0,
                def_flags: VmFlags::empty(),
            }),
            satp,
            exe: SpinLock::new(None),
            flags: AtomicU64::new(SUID_DUMP_USER as u64),
            membarrier_state: AtomicU32::new(0),
        })
    }

    /// Linux: get_dumpable(): SUID_DUMP_DISABLE (0) or SUID_DUMP_USER (1): whether the owner
    /// may ptrace the process and read its private /proc files.
    pub fn get_dumpable(&self) -> u32 {
        (self.flags.load(Ordering::Relaxed) & MMF_DUMPABLE_MASK) as u32
    }
    /// Linux: set_dumpable(): set by exec and commit_creds() (kernel/cred.rs), PR_SET_DUMPABLE.
    pub fn set_dumpable(&self, v: u32) {
        let f = self.flags.load(Ordering::Relaxed);
        self.flags.store((f & !MMF_DUMPABLE_MASK) | (v as u64 & MMF_DUMPABLE_MASK), Ordering::Relaxed);
    }
    pub fn thp_disabled(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & MMF_DISABLE_THP != 0
    }
    pub fn set_thp_disable(&self, on: bool) {
        if on {
            self.flags.fetch_or(MMF_DISABLE_THP, Ordering::Relaxed);
        } else {
            self.flags.fetch_and(!MMF_DISABLE_THP, Ordering::Relaxed);
        }
    }
    /// Linux: mm_init()'s `mm->flags = current->mm->flags & MMF_INIT_MASK` (fork keeps the
    /// dumpable bits; exec then sets SUID_DUMP_USER: begin_new_exec's set_dumpable).
    pub fn inherit_flags(&self, old: &MmStruct, exec: bool) {
        let mut f = old.flags.load(Ordering::Relaxed) & MMF_INIT_MASK;
        if exec {
            f = (f & !MMF_DUMPABLE_MASK) | SUID_DUMP_USER as u64;
        }
        self.flags.store(f, Ordering::Relaxed);
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
