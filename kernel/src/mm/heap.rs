//! The kernel heap (Box, Vec, Arc): the #[global_allocator].  Linux: kmalloc() / kfree() in
//! include/linux/slab.h and mm/slab_common.c: a request up to KMALLOC_MAX_CACHE_SIZE (8 KiB) is
//! an object of a kmalloc cache (mm/slub.rs, Linux mm/slub.c: size classes over slabs of page
//! frames, which go back to the page allocator once emptied); a bigger one is kmalloc_large(),
//! a run of frames straight from the page allocator, given back when freed.  So MemFree comes
//! back after a workload that grew the heap.
//!
//! When a slab or a run finds no frame, the reserve below the min watermark included, the OOM
//! killer runs from the allocation itself and it is retried (page_alloc.rs
//! alloc_pages_may_oom, Linux's __alloc_pages_slowpath): under memory pressure a process dies,
//! not the kernel.
//!
//! There is no boot heap region: nothing allocates before mm_init() has set up the page
//! allocator (init/mod.rs), which every slab comes from.

use super::slub;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

struct KernelHeap {
    /// Bytes the callers asked for and hold (/proc/meminfo's Slab:).
    in_use: AtomicUsize,
    /// Bytes of kmalloc_large runs held.
    large: AtomicUsize,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap { in_use: AtomicUsize::new(0), large: AtomicUsize::new(0) };

/// Frames in the run kmalloc_large takes for `layout` (no kmalloc cache serves it): whole
/// pages for its size, or, when it asks for more than page alignment, the power of two that
/// an aligned (alloc_pages_order) run of at least its size and alignment has.
fn large_order(layout: &Layout) -> Option<u32> {
    (layout.align() > super::PAGE_SIZE)
        .then(|| (layout.size().max(layout.align()).div_ceil(super::PAGE_SIZE)).next_power_of_two().trailing_zeros())
}

fn large_pages(layout: &Layout) -> usize {
    match large_order(layout) {
        Some(order) => 1 << order,
        None => layout.size().div_ceil(super::PAGE_SIZE),
    }
}

/// Linux: kmalloc_large(): a run of frames for `layout`, or null.
fn kmalloc_large(layout: &Layout) -> *mut u8 {
    let pfn = match large_order(layout) {
        Some(order) => super::page_alloc::alloc_pages_order(order),
        None => super::page_alloc::alloc_contiguous(large_pages(layout)),
    };
    match pfn {
        Some(pfn) => {
            HEAP.large.fetch_add(large_pages(layout) * super::PAGE_SIZE, Ordering::Relaxed);
            super::pfn_to_virt(pfn) as *mut u8
        }
        None => core::ptr::null_mut(),
    }
}

/// Linux: kfree() of a kmalloc_large() block: its frames go back to the page allocator.
fn kfree_large(ptr: *mut u8, layout: &Layout) {
    let pfn = super::virt_to_phys(ptr as usize) >> super::PAGE_SHIFT;
    HEAP.large.fetch_sub(large_pages(layout) * super::PAGE_SIZE, Ordering::Relaxed);
    super::page_alloc::free_contiguous(pfn, large_pages(layout));
}

// SAFETY: every block is an object of a kmalloc cache (slub.rs hands each out once until it is
// freed, at a multiple of its class size from a page boundary: aligned as Layout asks, by
// kmalloc_index) or a run of frames taken from the page allocator for it alone; dealloc gets
// the same layout and so finds the same cache or run.
unsafe impl GlobalAlloc for KernelHeap {
    // Out of line, __rust_alloc's tail call, with the cache's alloc inlined in it (slub's
    // Cache::alloc is inline(always)): the inliner's choices otherwise move with unrelated
    // code, and make bench counts what a heap allocation costs.
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // (no fault injection here: fallible allocations are failed by their helpers,
        // failslab.rs, so that infallible ones, which would abort, never are)
        let p = match slub::kmalloc_index(layout.size(), layout.align()) {
            Some(index) => slub::kmem_cache_alloc(index),
            None => kmalloc_large(&layout),
        };
        if !p.is_null() {
            self.in_use.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.in_use.fetch_sub(layout.size(), Ordering::Relaxed);
        match slub::kmalloc_index(layout.size(), layout.align()) {
            Some(index) => slub::kmem_cache_free(index, ptr),
            None => kfree_large(ptr, &layout),
        }
    }
}

pub fn bytes_in_use() -> usize {
    HEAP.in_use.load(Ordering::Relaxed)
}

/// Bytes of page frames the heap holds: the kmalloc caches' slabs and the kmalloc_large runs.
pub fn total_bytes() -> usize {
    slub::slab_bytes() + HEAP.large.load(Ordering::Relaxed)
}

/// Memory kept for the kernel's own allocations (tasks, stacks, VMAs), whose failure is
/// fatal: user-driven growth (tmpfs file data, pipe buffers) stops short of it.
const RESERVE: usize = 16 << 20;

/// Whether the heap can give `bytes` to user-driven growth and still keep RESERVE of heap and
/// free frames for the kernel.  Callers answer ENOSPC / ENOMEM instead of growing.  Linux
/// bounds the same things with tmpfs size= and pipe-user-pages-soft.
pub fn can_grow(bytes: usize) -> bool {
    let heap_free = total_bytes().saturating_sub(bytes_in_use());
    let frames_free = super::page_alloc::nr_free_pages() * super::PAGE_SIZE;
    heap_free.saturating_add(frames_free) >= bytes.saturating_add(RESERVE)
}
