//! The vmalloc area, for kernel stacks with a guard below each.  Linux: mm/vmalloc.c
//! (__vmalloc_node_range, vfree, the guard page after every vmap area) as kernel/fork.c's
//! alloc_thread_stack_node() uses it under CONFIG_VMAP_STACK.
//!
//! The area ([VMALLOC_START, VMALLOC_END), 4 GiB: pgtable.rs) is cut into slots of
//! THREAD_ALIGN = 2 * THREAD_SIZE.  A stack is the lower half of its slot, mapped page by page
//! from single frames (no contiguous run needed); the upper half is never mapped.  So the
//! THREAD_SIZE below every stack is unmapped (the upper half of the slot below; slot 0 is not
//! used), and an overflow faults instead of writing over whatever lies below.  And, as on
//! Linux/riscv, every address inside a stack has bit THREAD_SHIFT clear, every address in the
//! gap below it has it set: entry.S tells a trap taken on an overflowed stack from any other
//! in two instructions (handle_kernel_stack_overflow).
//!
//! The slots in use are a bitmap (no allocation under the lock; the lowest free slot is taken,
//! so the stacks stay dense), and each 2 MiB leaf table of the area counts its stacks and is
//! freed with the last one: a workload's stacks give back every frame, tables included.

use super::page_alloc::{alloc_pages_bulk, put_pages_bulk, PG_RESERVED};
use super::pgtable::{
    kernel_free_pte_table, kernel_map_pages, kernel_unmap_pages, PMD_SIZE, VMALLOC_END, VMALLOC_START,
};
use super::PAGE_SIZE;
use crate::arch::riscv::process::{THREAD_ALIGN, THREAD_SIZE};
use crate::errno::{KResult, ENOMEM};
use crate::kernel::locking::{class, SpinLock};

const NR_SLOTS: usize = (VMALLOC_END - VMALLOC_START) / THREAD_ALIGN;
const SLOTS_PER_TABLE: usize = PMD_SIZE / THREAD_ALIGN;
const NR_TABLES: usize = NR_SLOTS / SLOTS_PER_TABLE;
const STACK_PAGES: usize = THREAD_SIZE / PAGE_SIZE;

struct VmapArea {
    /// Slot i in use: bit i % 64 of word i / 64.
    used: [u64; NR_SLOTS / 64],
    /// The first word that may have a clear bit.
    hint: usize,
    /// The stacks in each leaf table of the area.
    per_table: [u16; NR_TABLES],
    /// Linux: cached_stacks (kernel/fork.c): stacks of dead tasks kept mapped for the next
    /// forks (0: empty), so that fork+exit does not map and unmap a stack each time.
    cached: [usize; NR_CACHED_STACKS],
}

/// Linux: NR_CACHED_STACKS (kernel/fork.c).
const NR_CACHED_STACKS: usize = 2;

/// The pages of the stacks in the cache: free memory held for the next fork, which MemFree
/// counts (as a tolerance-free leak check needs: the cache fills with the first exits).
static CACHED_PAGES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// The pages held by cached_stacks (see CACHED_PAGES).
pub fn cached_stack_pages() -> usize {
    CACHED_PAGES.load(core::sync::atomic::Ordering::Relaxed)
}

/// Slot 0 is never used: the THREAD_SIZE below its stack would lie outside the area.
const fn initial_used() -> [u64; NR_SLOTS / 64] {
    let mut u = [0; NR_SLOTS / 64];
    u[0] = 1;
    u
}

/// Linux: vmap_area_lock.
static AREA: SpinLock<VmapArea, class::Vmalloc> =
    SpinLock::new(VmapArea { used: initial_used(), hint: 0, per_table: [0; NR_TABLES], cached: [0; NR_CACHED_STACKS] });

fn slot_addr(slot: usize) -> usize {
    VMALLOC_START + slot * THREAD_ALIGN
}

/// Linux: __vmalloc_node_range(THREAD_SIZE, THREAD_ALIGN, VMALLOC_START, VMALLOC_END, ...)
/// for a kernel stack: THREAD_SIZE bytes of fresh frames mapped at a THREAD_ALIGN-aligned
/// address with THREAD_SIZE unmapped below.  The address; ENOMEM without frames or slots.
/// On the fork path: one bitmap word, one bulk allocation, one leaf table.
pub fn vmalloc_stack() -> KResult<usize> {
    let mut a = AREA.lock();
    // Linux: alloc_thread_stack_node() tries this CPU's cached_stacks first
    if let Some(c) = a.cached.iter_mut().find(|c| **c != 0) {
        CACHED_PAGES.fetch_sub(STACK_PAGES, core::sync::atomic::Ordering::Relaxed);
        return Ok(core::mem::take(c));
    }
    let w = (a.hint..a.used.len()).find(|&w| a.used[w] != u64::MAX).ok_or(ENOMEM)?;
    let slot = w * 64 + a.used[w].trailing_ones() as usize;
    let va = slot_addr(slot);
    let mut pfns = [0usize; STACK_PAGES];
    alloc_pages_bulk(PG_RESERVED, &mut pfns)?;
    if let Err(e) = kernel_map_pages(va, &pfns) {
        put_pages_bulk(&pfns);
        return Err(e);
    }
    a.used[w] |= 1 << (slot % 64);
    a.hint = w;
    a.per_table[slot / SLOTS_PER_TABLE] += 1;
    Ok(va)
}

/// Linux: free_thread_stack() -> vfree() of a stack from vmalloc_stack(); nothing may run on
/// it any more.  Kept in cached_stacks when there is room; otherwise its pages are unmapped
/// and freed, and its leaf table with the last stack in it.
pub fn vfree_stack(va: usize) {
    debug_assert!((VMALLOC_START..VMALLOC_END).contains(&va) && (va - VMALLOC_START).is_multiple_of(THREAD_ALIGN));
    let slot = (va - VMALLOC_START) / THREAD_ALIGN;
    let mut a = AREA.lock();
    // Linux: free_thread_stack() keeps it in cached_stacks when there is room
    if let Some(c) = a.cached.iter_mut().find(|c| **c == 0) {
        *c = va;
        CACHED_PAGES.fetch_add(STACK_PAGES, core::sync::atomic::Ordering::Relaxed);
        return;
    }
    let mut pfns = [0usize; STACK_PAGES];
    kernel_unmap_pages(va, &mut pfns);
    for i in 0..STACK_PAGES {
        crate::arch::riscv::flush_tlb_page(va + i * PAGE_SIZE);
    }
    put_pages_bulk(&pfns);
    a.per_table[slot / SLOTS_PER_TABLE] -= 1;
    if a.per_table[slot / SLOTS_PER_TABLE] == 0 {
        kernel_free_pte_table(va);
    }
    a.used[slot / 64] &= !(1 << (slot % 64));
    a.hint = a.hint.min(slot / 64);
}

/// Whether `va` lies in the vmalloc area and is mapped there (the guard-page checks).
pub fn vmalloc_mapped(va: usize) -> bool {
    let _a = AREA.lock();
    super::pgtable::kernel_lookup(va).is_some()
}

/// The debug kernel's check of the guard (make test boots it; cargo feature lockdep), run by
/// kernel_init on pid 1's own stack from the vmalloc area: every page of the stack is mapped,
/// the THREAD_SIZE below it is not, and bit THREAD_SHIFT separates the two as entry.S assumes.
/// With `vmap_stack_test=overflow` on the command line it then overflows that stack on purpose
/// (the expect test vmap_stack_overflow_oops): the oops must name the task, then panic.
#[cfg(feature = "lockdep")]
pub fn vmap_stack_selftest(base: usize, top: usize) {
    let stack_mapped = (base..top).step_by(PAGE_SIZE).all(vmalloc_mapped);
    let guard_unmapped = (base - THREAD_SIZE..base).step_by(PAGE_SIZE).all(|va| !vmalloc_mapped(va));
    let bits = (base >> crate::arch::riscv::process::THREAD_SHIFT) & 1 == 0
        && ((base - 1) >> crate::arch::riscv::process::THREAD_SHIFT) & 1 == 1;
    assert!(
        stack_mapped && guard_unmapped && bits,
        "vmap_stack: stack {:#x}..{:#x}: mapped {} guard unmapped {} bit {}",
        base,
        top,
        stack_mapped,
        guard_unmapped,
        bits
    );
    if crate::init::saved_command_line().split(' ').any(|w| w == "vmap_stack_test=overflow") {
        crate::pr_info!("vmap_stack: guard below {:#x} unmapped; overflowing the stack", base);
        crate::pr_info!("vmap_stack: depth {}", overflow(0));
    }
}

/// Recurses until the stack runs into its guard (each frame keeps 512 bytes live).
#[cfg(feature = "lockdep")]
#[inline(never)]
#[allow(unconditional_recursion)]
fn overflow(depth: usize) -> usize {
    let mut pad = [0u8; 512];
    pad[depth % 512] = depth as u8;
    let r = overflow(core::hint::black_box(depth + 1));
    core::hint::black_box(&pad);
    r + pad[depth % 512] as usize
}
