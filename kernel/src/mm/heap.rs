//! The kernel heap (Box, Vec, Arc): a buddy allocator over one region carved out of RAM at
//! boot.  Linux: mm/slub.c (kmalloc) — here the well-kept buddy_system_allocator crate.

use buddy_system_allocator::LockedHeap;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

struct KernelHeap {
    heap: LockedHeap<32>,
    in_use: AtomicUsize,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap { heap: LockedHeap::<32>::new(), in_use: AtomicUsize::new(0) };

/// Failure injection for kmalloc (Linux: failslab): the Nth next allocation fails when set.
pub static FAIL_NTH: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates to the buddy allocator, which is a sound GlobalAlloc; the counter is only
// bookkeeping.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let n = FAIL_NTH.load(Ordering::Relaxed);
        if n != 0 {
            FAIL_NTH.store(n - 1, Ordering::Relaxed);
            if n == 1 {
                return core::ptr::null_mut();
            }
        }
        let p = unsafe { self.heap.alloc(layout) };
        if !p.is_null() {
            self.in_use.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.in_use.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { self.heap.dealloc(ptr, layout) }
    }
}

/// Gives [start, start+size) (kernel virtual) to the heap.
pub fn init(start: usize, size: usize) {
    // SAFETY: the caller hands over a region of RAM nothing else uses, mapped in the linear map.
    unsafe { HEAP.heap.lock().init(start, size) };
}

pub fn bytes_in_use() -> usize {
    HEAP.in_use.load(Ordering::Relaxed)
}

pub fn total_bytes() -> usize {
    HEAP.heap.lock().stats_total_bytes()
}

/// Whether the heap can give `bytes` to user-driven growth (tmpfs file data, pipe buffers)
/// and still keep an eighth of itself for the kernel's own allocations (tasks, stacks, VMAs),
/// whose failure would be fatal.  Callers answer ENOSPC / ENOMEM instead of growing.
/// Linux bounds the same things with tmpfs size= and pipe-user-pages-soft.
pub fn can_grow(bytes: usize) -> bool {
    let total = total_bytes();
    let used = bytes_in_use();
    used.saturating_add(bytes).saturating_add(total / 8) <= total
}
