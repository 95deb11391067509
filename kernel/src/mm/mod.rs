//! Memory management.  Linux: mm/ and arch/riscv/mm/.
//!
//! Address layout (Sv39), fixed at boot by head.S:
//!   0x0000_0000_0000_0000 .. TASK_SIZE (256 GiB)   user space, one page table per mm
//!   PAGE_OFFSET = 0xffff_ffc0_0000_0000 + pa       linear map of physical [0, 4 GiB)
//!   0xffff_fffe_8000_0000 .. +4 GiB                 vmalloc area: kernel stacks (vmalloc.rs)
//!   0xffff_ffff_8000_0000 + (pa - 0x8000_0000)     the kernel image (link address)
//! All `unsafe` that touches raw physical memory lives in this module and arch/.
//!
//! The files, as Linux names them:
//!   page_alloc.rs  frames and their reference counts   mm/page_alloc.c, include/linux/mm.h
//!   heap.rs        the kernel heap: GlobalAlloc, kmalloc  mm/slab_common.c (kmalloc, kmalloc_large)
//!   slub.rs        kmalloc's size classes over slabs    mm/slub.c
//!   slab.rs        fallible objects: try_box, try_arc   include/linux/slab.h (kmalloc -> NULL)
//!   failslab.rs    fail-nth for heap allocations        mm/failslab.c
//!   highmem.rs     a page's bytes: NewPage, Page        include/linux/highmem.h
//!   pgtable.rs     Sv39 page tables                     arch/riscv/include/asm/pgtable.h
//!   mm_types.rs    mm_struct, vm_area_struct, VM_*      include/linux/mm_types.h
//!   mmap.rs        VMAs: mmap, munmap, brk, dup_mmap    mm/mmap.c (dup_mmap: kernel/fork.c)
//!   node_prealloc.rs  a BTreeMap's preallocated nodes  lib/maple_tree.c (mas_preallocate)
//!   vma_prealloc.rs  the VMA tree's preallocated nodes lib/maple_tree.c (vma_iter_prealloc)
//!   mprotect.rs    mprotect                             mm/mprotect.c
//!   mremap.rs      mremap                               mm/mremap.c
//!   madvise.rs     madvise                              mm/madvise.c
//!   mincore.rs     mincore                              mm/mincore.c
//!   mlock.rs       mlock, munlock, mlockall             mm/mlock.c
//!   msync.rs       msync                                mm/msync.c
//!   shmem.rs       tmpfs file pages, MAP_SHARED objects  mm/shmem.c, mm/filemap.c
//!   memfd.rs       memfd_create, seals                  mm/memfd.c
//!   memory.rs      page faults, copy-on-write           mm/memory.c, arch/riscv/mm/fault.c
//!   oom_kill.rs    the OOM killer and its reaper        mm/oom_kill.c
//!   uaccess.rs     user memory, Pod                     include/linux/uaccess.h
//!   util.rs        kernel buffers sized by users; ASLR  mm/util.c (kvmalloc_array, mmap_base)
//!   mmio.rs        device registers, boot memory        include/asm-generic/io.h
//!   vmalloc.rs     kernel stacks with guard pages       mm/vmalloc.c (CONFIG_VMAP_STACK)

// The files that need `unsafe` (the crate denies it) allow it here; every block in them has
// its SAFETY comment.  memory.rs and mmap.rs need it only for #[no_mangle].
pub mod failslab;
#[allow(unsafe_code)]
pub mod heap;
#[allow(unsafe_code)]
pub mod highmem;
pub mod madvise;
pub mod memfd;
#[allow(unsafe_code)] // #[no_mangle] handle_mm_fault
pub mod memory;
pub mod mincore;
pub mod mlock;
pub mod mm_types;
#[allow(unsafe_code)] // #[no_mangle] dup_mmap
pub mod mmap;
#[allow(unsafe_code)]
pub mod mmio;
pub mod mprotect;
pub mod mremap;
pub mod msync;
#[allow(unsafe_code)]
pub mod node_prealloc;
#[allow(unsafe_code)] // #[no_mangle] out_of_memory, pagefault_out_of_memory
pub mod oom_kill;
#[allow(unsafe_code)]
pub mod page_alloc;
#[allow(unsafe_code)]
pub mod pgtable;
pub mod process_vm_access;
pub mod shmem;
#[allow(unsafe_code)]
pub mod slab;
#[allow(unsafe_code)]
pub mod slub;
#[allow(unsafe_code)]
pub mod uaccess;
pub mod util;
pub mod vma_prealloc;
pub mod vmalloc;

pub use mm_types::MmStruct;

pub const PAGE_SIZE: usize = 4096;
pub const PAGE_SHIFT: usize = 12;
pub const PAGE_OFFSET: usize = 0xffff_ffc0_0000_0000;
pub const KERNEL_OFFSET: usize = 0xffff_ffff_0000_0000;
/// Linux: TASK_SIZE_64 for Sv39 = PGDIR_SIZE * PTRS_PER_PGD / 2.
pub const TASK_SIZE: usize = 0x40_0000_0000;
/// Linux: STACK_TOP = TASK_SIZE on riscv64.
pub const STACK_TOP: usize = TASK_SIZE;
/// Linux riscv64: ELF_ET_DYN_BASE = (TASK_SIZE / 3) * 2, where PIE programs (ET_DYN with an
/// interpreter) load; page-aligned down here, as load_bias's ELF_PAGESTART makes it.
pub const ELF_ET_DYN_BASE: usize = ((TASK_SIZE / 3) * 2) & !(PAGE_SIZE - 1);

#[inline]
pub fn phys_to_virt(pa: usize) -> usize {
    pa + PAGE_OFFSET
}
#[inline]
pub fn virt_to_phys(va: usize) -> usize {
    if va >= KERNEL_OFFSET + 0x8000_0000 {
        va - KERNEL_OFFSET
    } else {
        va - PAGE_OFFSET
    }
}
#[inline]
pub fn pfn_to_virt(pfn: usize) -> usize {
    phys_to_virt(pfn << PAGE_SHIFT)
}
#[inline]
pub const fn page_align_up(x: usize) -> usize {
    x.saturating_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}
#[inline]
pub const fn page_align_down(x: usize) -> usize {
    x & !(PAGE_SIZE - 1)
}
