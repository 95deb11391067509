//! The kmalloc caches: size classes over slabs of page frames.  Linux: mm/slub.c (kmalloc
//! caches kmalloc-8 .. kmalloc-8k, slab_alloc_node, slab_free, discard_slab),
//! include/linux/slab.h (kmalloc_index).
//!
//! The size classes and each cache's slab bookkeeping (free lists, partial and empty lists,
//! when an emptied slab goes back) are the host-tested `slub` crate (crates/slub); this file
//! gives it page frames from page_alloc and the words of those frames, one lock per cache
//! (Linux: kmem_cache_node->list_lock).  A slab is 2^order naturally aligned frames
//! (page_alloc::alloc_pages_order), PG_RESERVED while the cache holds it, so that no
//! Page::get hands out a frame objects live in.

use crate::kernel::locking::{class, SpinLock};
use ::slub::{Cache, SlabMem};
use core::sync::atomic::{AtomicUsize, Ordering};

pub use ::slub::{kmalloc_index, KMALLOC_MAX_CACHE_SIZE};

/// The page frames and their words (kernel virtual addresses in the linear map).
struct Frames;

/// Bytes of frames the caches hold (for heap::total_bytes).
static SLAB_BYTES: AtomicUsize = AtomicUsize::new(0);

impl SlabMem for Frames {
    #[inline]
    fn alloc_pages(&mut self, order: u32) -> Option<usize> {
        let pfn = super::page_alloc::alloc_pages_order(order)?;
        SLAB_BYTES.fetch_add(super::PAGE_SIZE << order, Ordering::Relaxed);
        Some(super::pfn_to_virt(pfn))
    }
    #[inline]
    fn free_pages(&mut self, addr: usize, order: u32) {
        SLAB_BYTES.fetch_sub(super::PAGE_SIZE << order, Ordering::Relaxed);
        super::page_alloc::free_contiguous(super::virt_to_phys(addr) >> super::PAGE_SHIFT, 1 << order);
    }
    #[inline]
    fn load(&self, addr: usize) -> usize {
        // SAFETY: the cache reads only words of slabs it holds (frames alloc_pages gave it,
        // in the linear map, word-aligned: objects are multiples of 8 bytes from a page
        // boundary, the header is at the slab's end): a free object's link or a header word,
        // which no one else refers to; the cache's lock is held.
        unsafe { (addr as *const usize).read() }
    }
    #[inline]
    fn store(&mut self, addr: usize, val: usize) {
        // SAFETY: as in load: a word of a free object or of a header of a slab the cache holds,
        // under its lock; a live object is never written.
        unsafe { (addr as *mut usize).write(val) }
    }
}

type CacheLock = SpinLock<Cache, class::Heap>;

/// Linux: kmalloc_caches[KMALLOC_NORMAL][].
static KMALLOC_CACHES: [CacheLock; ::slub::NR_KMALLOC_CACHES] = [
    SpinLock::new(Cache::kmalloc(0)),
    SpinLock::new(Cache::kmalloc(1)),
    SpinLock::new(Cache::kmalloc(2)),
    SpinLock::new(Cache::kmalloc(3)),
    SpinLock::new(Cache::kmalloc(4)),
    SpinLock::new(Cache::kmalloc(5)),
    SpinLock::new(Cache::kmalloc(6)),
    SpinLock::new(Cache::kmalloc(7)),
    SpinLock::new(Cache::kmalloc(8)),
    SpinLock::new(Cache::kmalloc(9)),
    SpinLock::new(Cache::kmalloc(10)),
    SpinLock::new(Cache::kmalloc(11)),
    SpinLock::new(Cache::kmalloc(12)),
];

/// Linux: kmalloc_trace() / slab_alloc(): an object of class `index` (kmalloc_index), or null
/// when no frame is left for a new slab.
#[inline]
pub fn kmem_cache_alloc(index: usize) -> *mut u8 {
    match KMALLOC_CACHES[index].lock().alloc(&mut Frames) {
        Some(p) => p as *mut u8,
        None => core::ptr::null_mut(),
    }
}

/// Linux: kmem_cache_free(): `ptr`, from kmem_cache_alloc(index), back to its slab.
#[inline]
pub fn kmem_cache_free(index: usize, ptr: *mut u8) {
    KMALLOC_CACHES[index].lock().free(&mut Frames, ptr as usize)
}

/// Bytes of page frames the kmalloc caches hold.
pub fn slab_bytes() -> usize {
    SLAB_BYTES.load(Ordering::Relaxed)
}
