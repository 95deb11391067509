//! The OOM killer.  Linux: mm/oom_kill.c (out_of_memory, select_bad_process, oom_badness,
//! oom_kill_process, __oom_kill_process, the oom reaper's oom_reap_task_mm,
//! pagefault_out_of_memory).
//!
//! When a page fault cannot get a frame (the free frames are down to the reserve the page
//! allocator keeps for the kernel heap, page_alloc::min_free_pages), do_page_fault drops every
//! lock and calls pagefault_out_of_memory(): the process with the highest oom_badness (its
//! resident pages plus its page tables, moved by oom_score_adj in thousandths of memory) is
//! sent SIGKILL, and its private memory is reaped at once, here, without waiting for it to run
//! (Linux's oom reaper does the same from a kernel thread): the faulting task then retries and
//! finds frames.  Init, kernel threads and processes with oom_score_adj -1000 are never
//! chosen.  The console gets Linux's lines:
//!
//!   hog invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
//!   Out of memory: Killed process 42 (hog) total-vm:..kB, anon-rss:..kB, file-rss:..kB, shmem-rss:..kB, UID:0 pgtables:..kB oom_score_adj:0
//!   oom_reaper: reaped process 42 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
//!
//! Nothing here waits for the victim, and nothing is called with a lock held: the victim's
//! mm lock is the only lock the reap takes.

use super::mm_types::{MmInner, MmStruct, VmFlags, MMF_OOM_SKIP};
use super::PAGE_SIZE;
use crate::kernel::signal::{kill_process, SIGKILL};
use crate::kernel::signal_types::{SigInfo, SI_KERNEL};
use crate::kernel::task::{current, Task, TaskStruct, PF_EXITING};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

/// Linux: OOM_SCORE_ADJ_MIN (include/uapi/linux/oom.h): never chosen.
pub const OOM_SCORE_ADJ_MIN: i32 = -1000;

/// Processes killed by the OOM killer since boot (Linux: /proc/vmstat's oom_kill).
static OOM_KILLS: AtomicU64 = AtomicU64::new(0);

pub fn oom_kill_count() -> u64 {
    OOM_KILLS.load(Ordering::Relaxed)
}

/// The resident pages of an address space by kind, and its page-table pages (Linux:
/// get_mm_counter(MM_ANONPAGES / MM_FILEPAGES / MM_SHMEMPAGES), mm_pgtables_bytes).
#[derive(Default, Clone, Copy)]
pub struct MmCounters {
    pub total_vm: usize,
    pub anon: usize,
    pub file: usize,
    pub shmem: usize,
    pub pgtables: usize,
}

/// Counts an mm's resident pages (a walk of its leaf tables: the OOM killer and /proc are
/// the only callers, neither on a fast path).
pub fn mm_counters(m: &MmInner) -> MmCounters {
    use super::mm_types::Backing;
    let mut c = MmCounters::default();
    let mut tables = 0usize;
    let mut last_table = usize::MAX;
    for v in m.vmas.values() {
        c.total_vm += (v.end - v.start) / PAGE_SIZE;
        if v.start == m.vdso {
            continue; // a special mapping, in no rss counter (Linux: the vDSO)
        }
        let mut n = 0;
        m.pgt.for_each_leaf_ro(v.start, v.end, |va, _| {
            n += 1;
            if va >> 21 != last_table {
                last_table = va >> 21;
                tables += 1;
            }
        });
        match v.backing {
            Backing::Anon => c.anon += n,
            Backing::Shared { .. } => c.shmem += n,
            Backing::File { .. } => c.file += n,
        }
    }
    // the root, a middle table (or a few), a leaf table per 2 MiB in use
    c.pgtables = 2 + tables;
    c
}

/// Linux: oom_badness(): how much the system would gain by killing `p`, in pages: its resident
/// pages and page tables (no swap here), plus oom_score_adj thousandths of `totalpages`.
/// None for what is never killed: init, kernel threads, oom_score_adj -1000, a process
/// without memory or already on its way out (exiting, or its mm already reaped: MMF_OOM_SKIP).
pub fn oom_badness(p: &TaskStruct, totalpages: usize) -> Option<i64> {
    let adj = p.signal.oom_score_adj.load(Ordering::Relaxed);
    if p.tgid() == 1 || p.is_kthread() || adj == OOM_SCORE_ADJ_MIN || p.exit_state() != 0 {
        return None;
    }
    let mm = p.mm.lock().clone()?;
    if mm.flags.load(Ordering::Relaxed) & MMF_OOM_SKIP != 0 {
        return None;
    }
    let c = mm_counters(&mm.inner.lock());
    let points = (c.anon + c.file + c.shmem + c.pgtables) as i64;
    Some(points + adj as i64 * (totalpages as i64 / 1000))
}

/// Linux: proc_oom_score(): oom_badness scaled to [0, 2000] (0 for the unkillable).
pub fn oom_score(p: &TaskStruct) -> u64 {
    let totalpages = super::page_alloc::totalram_pages().max(1);
    match oom_badness(p, totalpages) {
        None => 0,
        Some(points) => ((1000 + points * 1000 / totalpages as i64) * 2 / 3).max(0) as u64,
    }
}

/// Linux: select_bad_process(): the process with the highest badness (the first of equals).
fn select_bad_process(totalpages: usize) -> Option<(Task, i64)> {
    let mut best: Option<(Task, i64)> = None;
    for p in crate::kernel::pid::all_processes() {
        if p.has_flag(PF_EXITING) {
            continue;
        }
        let Some(points) = oom_badness(&p, totalpages) else { continue };
        if best.as_ref().is_none_or(|(_, b)| points > *b) {
            best = Some((p, points));
        }
    }
    best
}

fn kb(pages: usize) -> usize {
    pages * (PAGE_SIZE / 1024)
}

/// Linux: __oom_kill_process() + oom_reap_task_mm(): SIGKILL to the victim and to every other
/// process that shares its mm, then its private memory is freed at once (the VMAs stay, empty,
/// until the process exits; it never runs in user mode again).
fn oom_kill_process(victim: &Task, mm: &Arc<MmStruct>, message: &str) {
    let c = mm_counters(&mm.inner.lock());
    let adj = victim.signal.oom_score_adj.load(Ordering::Relaxed);
    let kill = SigInfo { signo: SIGKILL, code: SI_KERNEL, ..Default::default() };
    kill_process(victim, SIGKILL, kill);
    OOM_KILLS.fetch_add(1, Ordering::Relaxed);
    crate::pr_err!(
        "{}: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB, UID:0 pgtables:{}kB oom_score_adj:{}",
        message,
        victim.tgid(),
        victim.comm_name(),
        kb(c.total_vm),
        kb(c.anon),
        kb(c.file),
        kb(c.shmem),
        kb(c.pgtables),
        adj
    );
    // Linux: other processes sharing the victim's mm (CLONE_VM without CLONE_THREAD) die too,
    // or the memory would not come back.
    for p in crate::kernel::pid::all_processes() {
        if p.tgid() != victim.tgid() && p.mm.lock().as_ref().is_some_and(|m| Arc::ptr_eq(m, mm)) {
            if p.tgid() == 1 || p.is_kthread() {
                continue;
            }
            kill_process(&p, SIGKILL, kill);
        }
    }
    oom_reap_task_mm(mm);
    let after = mm_counters(&mm.inner.lock());
    crate::pr_info!(
        "oom_reaper: reaped process {} ({}), now anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB",
        victim.tgid(),
        victim.comm_name(),
        kb(after.anon),
        kb(after.file),
        kb(after.shmem)
    );
}

/// Linux: oom_reap_task_mm(): unmaps the pages of every private VMA (shared memory stays: other
/// processes may map it).
fn oom_reap_task_mm(mm: &MmStruct) {
    mm.flags.fetch_or(MMF_OOM_SKIP, Ordering::Relaxed);
    let mut m = mm.inner.lock();
    let ranges: alloc::vec::Vec<(usize, usize)> =
        m.vmas.values().filter(|v| !v.flags.contains(VmFlags::SHARED)).map(|v| (v.start, v.end)).collect();
    for (s, e) in ranges {
        m.pgt.unmap_range(s, e);
    }
    crate::arch::riscv::flush_tlb_all();
}

/// Linux: out_of_memory(): chooses a victim and kills it.  Whether one was killed (false: no
/// process may be killed).  Called with no lock held.
#[no_mangle]
#[inline(never)]
pub fn out_of_memory() -> bool {
    let cur = current();
    crate::pr_warn!(
        "{} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj={}",
        cur.comm_name(),
        cur.signal.oom_score_adj.load(Ordering::Relaxed)
    );
    crate::pr_warn!(
        "Mem-Info: free:{} min:{} (pages)",
        super::page_alloc::nr_free_pages(),
        super::page_alloc::min_free_pages()
    );
    drop(cur);
    let totalpages = super::page_alloc::totalram_pages();
    let Some((victim, _)) = select_bad_process(totalpages) else {
        crate::pr_err!("Out of memory and no killable processes...");
        return false;
    };
    let Some(mm) = victim.mm.lock().clone() else { return false };
    oom_kill_process(&victim, &mm, "Out of memory");
    true
}

/// Linux: pagefault_out_of_memory(): a page fault found no frame.  Whether the fault may be
/// retried with a chance of success: a victim was killed and reaped, and the faulting task is
/// not dying itself.  Called by do_page_fault with no lock held.
#[no_mangle]
#[inline(never)]
pub fn pagefault_out_of_memory() -> bool {
    if crate::kernel::signal::fatal_signal_pending(&current()) {
        return false;
    }
    out_of_memory() && !crate::kernel::signal::fatal_signal_pending(&current())
}

/// Linux: __alloc_pages_may_oom() for a kernel allocation that failed with the free frames at
/// the min watermark (copy_process's stack, page tables, heap growth): the OOM killer runs and
/// the caller retries.  Whether to retry: memory was short (free frames within 4 MiB of the
/// min watermark: an ENOMEM with plenty free is no allocation failure), a victim was killed
/// and reaped, and the caller is not dying.  Called with no lock held.
pub fn alloc_failed_may_oom() -> bool {
    use super::page_alloc::{min_free_pages, nr_free_pages};
    if nr_free_pages() >= min_free_pages() + (4 << 20) / PAGE_SIZE {
        return false;
    }
    pagefault_out_of_memory()
}
