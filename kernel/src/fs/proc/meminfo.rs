//! /proc/meminfo.  Linux: fs/proc/meminfo.c (meminfo_proc_show).

use crate::mm::PAGE_SIZE;
use alloc::string::String;
use core::fmt::Write;

/// Linux: meminfo_proc_show(): "%-16s%8lu kB" lines (show_val_kb()).
pub fn meminfo_proc_show(s: &mut String) {
    let total = crate::mm::page_alloc::nr_total_pages() * PAGE_SIZE;
    let free = crate::mm::page_alloc::nr_free_pages() * PAGE_SIZE;
    // Kernel heap in use (Linux: slab) and kernel stacks: what a leak would grow.
    let slab = crate::mm::heap::bytes_in_use();
    let kstack = crate::kernel::pid::nr_tasks() * crate::arch::riscv::process::THREAD_SIZE;
    let rows: [(&str, usize); 37] = [
        ("MemTotal:", total),
        ("MemFree:", free),
        ("MemAvailable:", free),
        ("Buffers:", 0),
        ("Cached:", 0),
        ("SwapCached:", 0),
        ("Active:", 0),
        ("Inactive:", 0),
        ("Active(anon):", 0),
        ("Inactive(anon):", 0),
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
        ("Shmem:", 0),
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
        ("CommitLimit:", total / 2),
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
