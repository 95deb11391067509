//! The kernel heap (Box, Vec, Arc): a buddy allocator that starts with a slice of RAM and
//! grows on demand with runs of free page frames.  Linux: mm/slub.c (kmalloc) over the page
//! allocator — here the well-kept buddy_system_allocator crate's Heap, fed by page_alloc.
//!
//! The buddy heap keeps the frames it grows by (it cannot give a run back while any block in
//! it is live), so a big allocation that came and went would cost MemFree for good.  As Linux's
//! kmalloc_large() does, allocations above KMALLOC_MAX_CACHE_SIZE skip it: they are runs of
//! frames straight from the page allocator, and go back to it when freed.

use crate::kernel::locking::{class, SpinLock};
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

struct KernelHeap {
    heap: SpinLock<Heap<32>, class::Heap>,
    in_use: AtomicUsize,
    total: AtomicUsize,
}

#[global_allocator]
static HEAP: KernelHeap =
    KernelHeap { heap: SpinLock::new(Heap::<32>::new()), in_use: AtomicUsize::new(0), total: AtomicUsize::new(0) };

/// Linux: KMALLOC_MAX_CACHE_SIZE: bigger allocations are kmalloc_large()'s runs of frames.
/// Above the 64 KiB read/write/splice bounce buffers, so that the common I/O path stays on the
/// buddy heap (a run costs a scan of the free list).
const KMALLOC_MAX_CACHE_SIZE: usize = 64 << 10;

/// Whether `layout` is served by kmalloc_large (a page-aligned run of whole frames).
fn is_large(layout: &Layout) -> bool {
    layout.size() > KMALLOC_MAX_CACHE_SIZE && layout.align() <= super::PAGE_SIZE
}

/// Linux: kmalloc_large(): a run of frames for `layout` (is_large), or null.
fn kmalloc_large(layout: &Layout) -> *mut u8 {
    match super::page_alloc::alloc_contiguous(layout.size().div_ceil(super::PAGE_SIZE)) {
        Some(pfn) => super::pfn_to_virt(pfn) as *mut u8,
        None => core::ptr::null_mut(),
    }
}

/// Linux: kfree() of a kmalloc_large() block: its frames go back to the page allocator.
fn kfree_large(ptr: *mut u8, layout: &Layout) {
    let pfn = super::virt_to_phys(ptr as usize) >> super::PAGE_SHIFT;
    super::page_alloc::free_contiguous(pfn, layout.size().div_ceil(super::PAGE_SIZE));
}

/// The heap grows by at least this much at a time.
const GROW_MIN: usize = 4 << 20;

/// Adds a run of page frames big enough for `layout` (twice its power-of-two size, so an
/// aligned block of that size lies inside) to the heap.  Called with the heap locked; takes
/// only the page allocator's lock, which never allocates from the heap.
///
/// The heap may take every free frame, the page allocator's reserve (min_free_pages) too; it
/// grows by GROW_MIN while the reserve is untouched, and by the least that fits `layout`
/// inside it or when no GROW_MIN run is left (a single page fits any block up to a page).
fn grow(heap: &mut Heap<32>, layout: &Layout) -> bool {
    let block = layout.size().max(layout.align()).next_power_of_two();
    let least = if block <= super::PAGE_SIZE { super::PAGE_SIZE } else { 2 * block };
    let roomy = super::page_alloc::nr_free_pages() >= super::page_alloc::min_free_pages() + GROW_MIN / super::PAGE_SIZE;
    let run = if roomy { least.max(GROW_MIN) } else { least };
    let (pfn, pages) = match super::page_alloc::alloc_contiguous(run / super::PAGE_SIZE) {
        Some(pfn) => (pfn, run / super::PAGE_SIZE),
        None if run > least => match super::page_alloc::alloc_contiguous(least / super::PAGE_SIZE) {
            Some(pfn) => (pfn, least / super::PAGE_SIZE),
            None => return false,
        },
        None => return false,
    };
    let start = super::pfn_to_virt(pfn);
    // SAFETY: the frames were just taken out of the page allocator for good; they are RAM
    // in the linear map and nothing else refers to them.
    unsafe { heap.add_to_heap(start, start + pages * super::PAGE_SIZE) };
    HEAP.total.fetch_add(pages * super::PAGE_SIZE, Ordering::Relaxed);
    true
}

// SAFETY: delegates to the buddy allocator, which is a sound allocator over the regions we
// hand it (each handed over exactly once); the counters are bookkeeping.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // (no fault injection here: fallible allocations are failed by their helpers,
        // failslab.rs, so that infallible ones, which would abort, never are)
        if is_large(&layout) {
            let p = kmalloc_large(&layout);
            if !p.is_null() {
                self.in_use.fetch_add(layout.size(), Ordering::Relaxed);
            }
            return p;
        }
        let mut heap = self.heap.lock();
        let p = match heap.alloc(layout) {
            Ok(p) => p.as_ptr(),
            Err(()) if grow(&mut heap, &layout) => heap.alloc(layout).map_or(core::ptr::null_mut(), |p| p.as_ptr()),
            Err(()) => core::ptr::null_mut(),
        };
        if !p.is_null() {
            self.in_use.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.in_use.fetch_sub(layout.size(), Ordering::Relaxed);
        if is_large(&layout) {
            return kfree_large(ptr, &layout);
        }
        // SAFETY: ptr came from alloc() with this layout.
        self.heap.lock().dealloc(unsafe { core::ptr::NonNull::new_unchecked(ptr) }, layout)
    }
}

/// Gives [start, start+size) (kernel virtual) to the heap: its first region, at boot.
pub fn init(start: usize, size: usize) {
    // SAFETY: the caller hands over a region of RAM nothing else uses, mapped in the linear map.
    unsafe { HEAP.heap.lock().init(start, size) };
    HEAP.total.fetch_add(size, Ordering::Relaxed);
}

pub fn bytes_in_use() -> usize {
    HEAP.in_use.load(Ordering::Relaxed)
}

pub fn total_bytes() -> usize {
    HEAP.total.load(Ordering::Relaxed)
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
