//! The kernel heap (Box, Vec, Arc): a buddy allocator that starts with a slice of RAM and
//! grows on demand with runs of free page frames.  Linux: mm/slub.c (kmalloc) over the page
//! allocator — here the well-kept buddy_system_allocator crate's Heap, fed by page_alloc.
//!
//! In front of the buddy heap, as Linux's kmalloc caches have their per-CPU object arrays
//! (SLAB's array_cache), each block size up to KMALLOC_CACHED_MAX (4 KiB) keeps a short LIFO of
//! freed blocks: an allocation of that size takes the last one freed, without the buddy's
//! split, and a free puts the block there, without its merge (a walk of a free list).  The
//! arrays are bounded (OBJ_CACHE_LIMIT blocks each), so at most a few hundred KiB wait there;
//! beyond the limit a free goes back to the buddy heap.
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
    heap: SpinLock<HeapState, class::Heap>,
    in_use: AtomicUsize,
    total: AtomicUsize,
}

/// The buddy heap and the freed blocks kept in front of it, under one lock.
struct HeapState {
    buddy: Heap<32>,
    /// caches[i]: freed blocks of MIN_BLOCK << i bytes (the buddy's size for the layout).
    caches: [ObjCache; NR_CACHES],
}

/// The smallest block the buddy heap hands out (one usize: its free-list link).
const MIN_BLOCK: usize = core::mem::size_of::<usize>();
/// Blocks of 8 B .. 4 KiB have an object array.
const NR_CACHES: usize = 10;
/// Linux: the array_cache's `limit`: freed blocks kept per size.
const OBJ_CACHE_LIMIT: usize = 32;

/// The largest block with an object array.
const KMALLOC_CACHED_MAX: usize = MIN_BLOCK << (NR_CACHES - 1);

/// SIZE_INDEX[(n - 1) / MIN_BLOCK]: the object array of the blocks that hold n bytes (1 <= n
/// <= KMALLOC_CACHED_MAX): the least i with MIN_BLOCK << i >= n.
static SIZE_INDEX: [u8; KMALLOC_CACHED_MAX / MIN_BLOCK] = {
    let mut t = [0u8; KMALLOC_CACHED_MAX / MIN_BLOCK];
    let mut k = 0;
    while k < t.len() {
        let n = (k + 1) * MIN_BLOCK; // the largest size with this entry
        let mut i = 0;
        while MIN_BLOCK << i < n {
            i += 1;
        }
        t[k] = i as u8;
        k += 1;
    }
    t
};

/// Linux: struct array_cache (mm/slab.c): the last freed blocks of one size, LIFO.
struct ObjCache {
    n: usize,
    objs: [usize; OBJ_CACHE_LIMIT],
}

impl HeapState {
    const fn new() -> HeapState {
        HeapState {
            buddy: Heap::<32>::new(),
            caches: [const { ObjCache { n: 0, objs: [0; OBJ_CACHE_LIMIT] } }; NR_CACHES],
        }
    }

    /// The object array for `layout`'s blocks: the buddy's block size (a power of two, at
    /// least the alignment and MIN_BLOCK), when it has one.  A table look-up (Linux:
    /// kmalloc's size_index[]): this target has no count-leading-zeros instruction.
    #[inline(always)]
    fn cache_index(layout: &Layout) -> Option<usize> {
        let need = layout.size().max(layout.align()).max(1);
        SIZE_INDEX.get((need - 1) / MIN_BLOCK).map(|&i| i as usize)
    }

    fn alloc(&mut self, layout: Layout) -> Result<core::ptr::NonNull<u8>, ()> {
        if let Some(i) = Self::cache_index(&layout) {
            let c = &mut self.caches[i];
            if c.n > 0 {
                c.n -= 1;
                // a block of this size freed before: non-null
                return core::ptr::NonNull::new(c.objs[c.n] as *mut u8).ok_or(());
            }
        }
        self.buddy.alloc(layout)
    }

    fn dealloc(&mut self, ptr: core::ptr::NonNull<u8>, layout: Layout) {
        if let Some(i) = Self::cache_index(&layout) {
            let c = &mut self.caches[i];
            if c.n < OBJ_CACHE_LIMIT {
                c.objs[c.n] = ptr.as_ptr() as usize;
                c.n += 1;
                return;
            }
        }
        self.buddy.dealloc(ptr, layout)
    }
}

#[global_allocator]
static HEAP: KernelHeap =
    KernelHeap { heap: SpinLock::new(HeapState::new()), in_use: AtomicUsize::new(0), total: AtomicUsize::new(0) };

/// Failure injection for kmalloc (Linux: failslab): the Nth next allocation fails when set.
pub static FAIL_NTH: AtomicUsize = AtomicUsize::new(0);

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
fn grow(heap: &mut HeapState, layout: &Layout) -> bool {
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
    unsafe { heap.buddy.add_to_heap(start, start + pages * super::PAGE_SIZE) };
    HEAP.total.fetch_add(pages * super::PAGE_SIZE, Ordering::Relaxed);
    true
}

// SAFETY: delegates to the buddy allocator, which is a sound allocator over the regions we
// hand it (each handed over exactly once); the counters are bookkeeping.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let n = FAIL_NTH.load(Ordering::Relaxed);
        if n != 0 {
            FAIL_NTH.store(n - 1, Ordering::Relaxed);
            if n == 1 {
                return core::ptr::null_mut();
            }
        }
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
        // SAFETY: ptr came from alloc() with this layout (a block of the buddy's size for it,
        // whether the buddy or an object array handed it out).
        self.heap.lock().dealloc(unsafe { core::ptr::NonNull::new_unchecked(ptr) }, layout)
    }
}

/// Gives [start, start+size) (kernel virtual) to the heap: its first region, at boot.
pub fn init(start: usize, size: usize) {
    // SAFETY: the caller hands over a region of RAM nothing else uses, mapped in the linear map.
    unsafe { HEAP.heap.lock().buddy.init(start, size) };
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
