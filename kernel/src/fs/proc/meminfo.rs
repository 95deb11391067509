//! /proc/meminfo.  Linux: fs/proc/meminfo.c (meminfo_proc_show), mm/show_mem.c (si_meminfo).

use crate::mm::PAGE_SIZE;
use alloc::string::String;
use core::fmt::Write;

/// Linux: struct sysinfo's memory part as si_meminfo() fills it, in bytes: what meminfo and
/// sysinfo(2) both report, from the page allocator.
pub struct MemInfo {
    /// totalram_pages(): RAM less the kernel image and the DTB
    pub total: usize,
    /// the free-frame list
    pub free: usize,
    /// the rootfs's file data held in the initramfs pages (Linux: its tmpfs pages, NR_SHMEM)
    pub shmem: usize,
    /// block-device buffers: none
    pub buffers: usize,
}

/// Linux: si_meminfo().
pub fn si_meminfo() -> MemInfo {
    MemInfo {
        total: crate::mm::page_alloc::totalram_pages() * PAGE_SIZE,
        // the frames of the stack cache are free memory held for the next fork (mm/vmalloc.rs)
        free: (crate::mm::page_alloc::nr_free_pages() + crate::mm::vmalloc::cached_stack_pages()) * PAGE_SIZE,
        shmem: crate::init::initrd_size().next_multiple_of(PAGE_SIZE),
        buffers: 0,
    }
}

/// Linux: meminfo_proc_show(): "%-16s%8lu kB" lines (show_val_kb()).  Cached counts the
/// in-memory file data (Shmem, as Linux counts tmpfs pages); nothing is reclaimable, so
/// MemAvailable is MemFree.
pub fn meminfo_proc_show(s: &mut String) {
    let m = si_meminfo();
    // Kernel heap in use (Linux: slab) and kernel stacks: what a leak would grow.
    let slab = crate::mm::heap::bytes_in_use();
    let kstack = crate::kernel::pid::nr_tasks() * crate::arch::riscv::process::THREAD_SIZE;
    let rows: [(&str, usize); 37] = [
        ("MemTotal:", m.total),
        ("MemFree:", m.free),
        ("MemAvailable:", m.free),
        ("Buffers:", m.buffers),
        ("Cached:", m.shmem),
        ("SwapCached:", 0),
        ("Active:", 0),
        ("Inactive:", m.shmem),
        ("Active(anon):", 0),
        ("Inactive(anon):", m.shmem),
        ("Active(file):", 0),
        ("Inactive(file):", 0),
        ("Unevictable:", 0),
        ("Mlocked:", 0),
        ("SwapTotal:", 0),
        ("SwapFree:", 0),
        ("Dirty:", 0),
        ("Writeback:", 0),
        ("AnonPages:", 0),
        ("Mapped:", 0),
        ("Shmem:", m.shmem),
        ("KReclaimable:", 0),
        ("Slab:", slab),
        ("SReclaimable:", 0),
        ("SUnreclaim:", slab),
        ("KernelStack:", kstack),
        ("PageTables:", 0),
        ("SecPageTables:", 0),
        ("NFS_Unstable:", 0),
        ("Bounce:", 0),
        ("WritebackTmp:", 0),
        ("CommitLimit:", m.total / 2),
        ("Committed_AS:", 0),
        ("VmallocTotal:", 0),
        ("VmallocUsed:", 0),
        ("VmallocChunk:", 0),
        ("Percpu:", 0),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "{:<16}{:>8} kB", k, v >> 10);
    }
}
