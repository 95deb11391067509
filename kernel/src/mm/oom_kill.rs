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
//!
//! A kernel heap allocation that finds no frame (page_alloc.rs alloc_pages_may_oom, Linux's
//! __alloc_pages_slowpath -> __alloc_pages_may_oom) runs the killer too, as kmalloc_may_oom():
//! there any lock may be held (the caller's own mm lock, the pid table's, a siglock, a pipe's)
//! and it may be an interrupt, so it allocates nothing, only tries each lock it needs (a victim
//! whose locks are busy is skipped: the next one is tried), and runs once at a time (OOM_LOCK,
//! Linux's oom_lock trylock; it also stops re-entry, Linux's PF_MEMALLOC).  It picks the victim
//! and reaps its private memory there and then, and the allocation is retried; the SIGKILL and
//! the console lines, which take locks in their order and may allocate, wait for the next
//! schedule() (oom_deferred_kills), which holds no lock and comes before the victim, or anyone
//! sharing its mm, can run again (one hart, a non-preemptible kernel: the allocating task asks
//! for it with need_resched, so it also comes before that task returns to user mode).  Linux
//! sends the signal first and reaps from the oom_reaper thread; the order is reversed here
//! because the signal path cannot be run under the caller's locks, and no one can notice it.

use super::mm_types::{MmInner, MmStruct, VmFlags, MMF_OOM_SKIP};
use super::PAGE_SIZE;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::signal::{kill_process, SIGKILL};
use crate::kernel::signal_types::{SigInfo, SI_KERNEL};
use crate::kernel::task::{current, with_current, CommName, Task, TaskStruct, PF_EXITING};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    Some(badness_points(&c, adj, totalpages))
}

fn badness_points(c: &MmCounters, adj: i32, totalpages: usize) -> i64 {
    let points = (c.anon + c.file + c.shmem + c.pgtables) as i64;
    points + adj as i64 * (totalpages as i64 / 1000)
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
    pr_killed(message, victim, &c, adj);
    kill_mm_sharers(victim, mm, kill);
    oom_reap_task_mm(mm);
    pr_reaped(victim, &mm_counters(&mm.inner.lock()));
}

/// Linux's line for a kill (__oom_kill_process): `message` is "Out of memory" or the like.
fn pr_killed(message: &str, victim: &TaskStruct, c: &MmCounters, adj: i32) {
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
}

/// Linux's line after the reap (oom_reap_task_mm), with what the victim still holds.
fn pr_reaped(victim: &TaskStruct, after: &MmCounters) {
    crate::pr_info!(
        "oom_reaper: reaped process {} ({}), now anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB",
        victim.tgid(),
        victim.comm_name(),
        kb(after.anon),
        kb(after.file),
        kb(after.shmem)
    );
}

/// Linux: other processes sharing the victim's mm (CLONE_VM without CLONE_THREAD) die too,
/// or the memory would not come back.
fn kill_mm_sharers(victim: &Task, mm: &Arc<MmStruct>, kill: SigInfo) {
    for p in crate::kernel::pid::all_processes() {
        if p.tgid() != victim.tgid() && p.mm.lock().as_ref().is_some_and(|m| Arc::ptr_eq(m, mm)) {
            if p.tgid() == 1 || p.is_kthread() {
                continue;
            }
            kill_process(&p, SIGKILL, kill);
        }
    }
}

/// Linux: oom_reap_task_mm(): unmaps the pages of every private VMA (shared memory stays: other
/// processes may map it).
fn oom_reap_task_mm(mm: &MmStruct) {
    mm.flags.fetch_or(MMF_OOM_SKIP, Ordering::Relaxed);
    reap_locked(&mut mm.inner.lock());
}

/// The reap with the mm's lock held.  It allocates nothing (the heap's slow path runs it): the
/// VMA tree is walked in place while the page table, a separate field, is unmapped; a leaf
/// table shared with another mm since fork is dropped (whole) or unshared with a frame from
/// the page allocator (never the heap), which, when it has none, leaves that part for exit.
fn reap_locked(m: &mut MmInner) {
    let MmInner { vmas, pgt, .. } = m;
    for v in vmas.values().filter(|v| !v.flags.contains(VmFlags::SHARED)) {
        pgt.unmap_range(v.start, v.end);
    }
    crate::arch::riscv::flush_tlb_all();
}

/// Linux: out_of_memory(): chooses a victim and kills it.  Whether one was killed (false: no
/// process may be killed).  Called with no lock held.
#[no_mangle]
#[inline(never)]
pub fn out_of_memory() -> bool {
    oom_deferred_kills();
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

// ---- the kernel heap's OOM killer (Linux: __alloc_pages_may_oom from __alloc_pages_slowpath) --

/// Linux: oom_lock, taken by mutex_trylock in __alloc_pages_may_oom: one OOM kill at a time
/// from the heap's slow path, and none from inside it (the kill allocates nothing, but a
/// nested allocation failure must not choose again while a choice is half made; Linux:
/// PF_MEMALLOC).
static OOM_LOCK: AtomicBool = AtomicBool::new(false);

/// Set when a victim or a report waits in OOM_VICTIMS for oom_deferred_kills (schedule() tests
/// it: one load on the fast path).
pub static OOM_DEFERRED: AtomicBool = AtomicBool::new(false);

/// Set by the slow path when no process could be killed; the panic of an infallible
/// allocation then says so in Linux's words (kernel/panic.rs), and oom_deferred_kills prints
/// the warning line of a fallible one.
static NO_KILLABLE: AtomicBool = AtomicBool::new(false);

/// A victim chosen and reaped by the heap's slow path, waiting for its SIGKILL and its lines.
struct OomVictim {
    victim: Task,
    mm: Arc<MmStruct>,
    before: MmCounters,
    after: MmCounters,
    adj: i32,
    /// the allocating task's name and oom_score_adj, and the allocation's order (the
    /// "invoked oom-killer" line)
    invoker: CommName,
    invoker_adj: i32,
    order: u32,
    /// free frames when the allocation failed (the Mem-Info line)
    free: usize,
}

/// Linux keeps at most a few victims in flight (oom_victims); a slow path that finds every
/// slot taken fails its allocation rather than choose more before those are signalled.
const MAX_PENDING: usize = 4;

static OOM_VICTIMS: SpinLock<[Option<OomVictim>; MAX_PENDING], class::OomVictims> =
    SpinLock::new([None, None, None, None]);

/// Linux: __alloc_pages_may_oom() + out_of_memory() for an allocation of 2^`order` frames by
/// the kernel heap that found none.  Whether a victim was killed and its memory reaped (the
/// caller retries).  Any lock may be held: every lock taken here is tried (a busy one skips
/// the victim it guards, or the whole kill), nothing is allocated, and in an interrupt
/// nothing is done at all.
#[inline(never)]
pub fn kmalloc_may_oom(order: u32) -> bool {
    // Linux: the OOM killer does not help costly orders (PAGE_ALLOC_COSTLY_ORDER 3), which fail;
    // and a run that failed with frames above the min watermark is fragmentation, not a
    // shortage.  Before the first task, or from an interrupt (Linux: GFP_ATOMIC never kills),
    // nothing is tried.
    if order > 3
        || super::page_alloc::nr_free_pages() > super::page_alloc::min_free_pages()
        || crate::arch::riscv::current_ptr().is_null()
        || crate::arch::riscv::traps::in_hardirq()
    {
        return false;
    }
    if OOM_LOCK.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        return false;
    }
    let killed = oom_kill_atomic(order);
    OOM_LOCK.store(false, Ordering::Release);
    killed
}

fn oom_kill_atomic(order: u32) -> bool {
    let Some(mut slots) = OOM_VICTIMS.try_lock() else { return false };
    let Some(slot) = slots.iter_mut().find(|s| s.is_none()) else { return false };
    let totalpages = super::page_alloc::totalram_pages();
    let free = super::page_alloc::nr_free_pages();
    // Linux: select_bad_process(), trying each lock: the pid table, then each process's
    // task_lock and mm lock.  A process whose locks are busy is someone this allocation runs
    // under (one hart: a held lock's holder is on this stack), so it is skipped.
    let mut best: Option<(Task, Arc<MmStruct>, i64)> = None;
    let mut busy = false;
    {
        let Some(pids) = crate::kernel::pid_namespace::init_pid_ns().inner.try_lock() else { return false };
        for p in pids.tasks.values().filter(|t| t.pid() == t.tgid()) {
            let adj = p.signal.oom_score_adj.load(Ordering::Relaxed);
            if p.has_flag(PF_EXITING)
                || p.tgid() == 1
                || p.is_kthread()
                || adj == OOM_SCORE_ADJ_MIN
                || p.exit_state() != 0
            {
                continue;
            }
            let Some(tl) = p.mm.try_lock() else {
                busy = true;
                continue;
            };
            let Some(mm) = tl.as_ref() else { continue };
            if mm.flags.load(Ordering::Relaxed) & MMF_OOM_SKIP != 0 {
                continue;
            }
            let Some(m) = mm.inner.try_lock() else {
                busy = true;
                continue;
            };
            let points = badness_points(&mm_counters(&m), adj, totalpages);
            drop(m);
            if best.as_ref().is_none_or(|(_, _, b)| points > *b) {
                best = Some((p.clone(), mm.clone(), points));
            }
        }
    }
    let Some((victim, mm, _)) = best else {
        if !busy {
            NO_KILLABLE.store(true, Ordering::Relaxed);
            OOM_DEFERRED.store(true, Ordering::Release);
        }
        return false;
    };
    // Linux: oom_reap_task_mm(), here and now (the lock was free a moment ago: one hart).
    let Some(mut m) = mm.inner.try_lock() else { return false };
    mm.flags.fetch_or(MMF_OOM_SKIP, Ordering::Relaxed);
    let before = mm_counters(&m);
    reap_locked(&mut m);
    let after = mm_counters(&m);
    drop(m);
    let (invoker, invoker_adj) = with_current(|c| (c.comm_name(), c.signal.oom_score_adj.load(Ordering::Relaxed)));
    let adj = victim.signal.oom_score_adj.load(Ordering::Relaxed);
    *slot = Some(OomVictim { victim, mm, before, after, adj, invoker, invoker_adj, order, free });
    drop(slots);
    OOM_DEFERRED.store(true, Ordering::Release);
    // the allocating task passes through schedule() before it returns to user mode
    with_current(|c| c.need_resched.store(true, Ordering::Relaxed));
    true
}

/// Whether the last heap slow path found no process to kill (for the panic of an infallible
/// allocation: Linux's "Out of memory and no killable processes...").
pub fn no_killable_processes() -> bool {
    NO_KILLABLE.load(Ordering::Relaxed)
}

/// The second half of the heap's OOM kills: the SIGKILL to each victim chosen and reaped by
/// kmalloc_may_oom (and to the processes sharing its mm), and Linux's lines.  Called by
/// schedule() (and out_of_memory) with no lock held, before any victim can run.
#[cold]
#[inline(never)]
pub fn oom_deferred_kills() {
    if !OOM_DEFERRED.swap(false, Ordering::Acquire) {
        return;
    }
    let pending = core::mem::take(&mut *OOM_VICTIMS.lock());
    for v in pending.into_iter().flatten() {
        crate::pr_warn!(
            "{} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order={}, oom_score_adj={}",
            v.invoker,
            v.order,
            v.invoker_adj
        );
        crate::pr_warn!("Mem-Info: free:{} min:{} (pages)", v.free, super::page_alloc::min_free_pages());
        let kill = SigInfo { signo: SIGKILL, code: SI_KERNEL, ..Default::default() };
        kill_process(&v.victim, SIGKILL, kill);
        OOM_KILLS.fetch_add(1, Ordering::Relaxed);
        pr_killed("Out of memory", &v.victim, &v.before, v.adj);
        kill_mm_sharers(&v.victim, &v.mm, kill);
        pr_reaped(&v.victim, &v.after);
    }
    if NO_KILLABLE.swap(false, Ordering::Relaxed) {
        crate::pr_warn!("Out of memory and no killable processes...");
    }
}
