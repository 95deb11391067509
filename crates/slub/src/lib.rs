//! kmalloc's size classes and the slab bookkeeping of each class, as pure logic over an
//! abstract page source.  Linux: mm/slub.c (kmem_cache, allocate_slab, ___slab_alloc,
//! __slab_free, calculate_order, set_min_partial), include/linux/slab.h (kmalloc_index,
//! KMALLOC_MAX_CACHE_SIZE).
//!
//! The kernel (kernel/src/mm/slub.rs) keeps one `Cache` per class under a lock and hands it a
//! `SlabMem` whose pages are page frames and whose loads and stores are the frames' words; the
//! host tests below hand it an arena.
//!
//! A slab is 2^order naturally aligned pages (as a buddy block is in Linux), so the slab of an
//! object is its address rounded down to the slab size.  Its objects fill it from offset 0 (so
//! a power-of-two class is naturally aligned, 96 is 32-aligned, 192 64-aligned) and its header
//! (Linux keeps it in struct slab, overlaid on struct page) is the last HDR bytes:
//!
//!   freelist: the first free object (0: none); each free object's first word is the next.
//!   inuse:    objects handed out.
//!   prev, next: the slab's links in the cache's partial or empty list (0: none).
//!
//! A full slab is on no list (as in SLUB).  A partially used one is on `partial`, which
//! allocation takes from first, an unused one on `empty`; when a slab becomes unused it goes
//! back to the page source unless the cache holds fewer than `min_partial` slabs on its lists
//! (Linux: __slab_free's discard_slab when n->nr_partial >= s->min_partial).
#![cfg_attr(not(test), no_std)]

pub const PAGE_SIZE: usize = 4096;

/// Linux: the kmalloc caches kmalloc-8 .. kmalloc-8k (KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1 for
/// SLUB), with kmalloc-96 and kmalloc-192.
pub const KMALLOC_SIZES: [usize; 13] = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
pub const NR_KMALLOC_CACHES: usize = KMALLOC_SIZES.len();
/// Linux: KMALLOC_MAX_CACHE_SIZE.
pub const KMALLOC_MAX_CACHE_SIZE: usize = 8192;

/// The slab header at the end of every slab: freelist, inuse, prev, next.
pub const HDR: usize = 4 * core::mem::size_of::<usize>();
const FREELIST: usize = 0;
const INUSE: usize = core::mem::size_of::<usize>();
const PREV: usize = 2 * core::mem::size_of::<usize>();
const NEXT: usize = 3 * core::mem::size_of::<usize>();

/// Linux: size_index[] for sizes up to 192: the class of (size - 1) / 8.
const SIZE_INDEX: [u8; 24] = [
    0, // 8
    1, // 16
    2, 2, // 32
    3, 3, 3, 3, // 64
    4, 4, 4, 4, // 96
    5, 5, 5, 5, // 128
    6, 6, 6, 6, 6, 6, 6, 6, // 192
];

/// Linux: kmalloc_index(): the class that serves `size` bytes aligned to `align` (a power of
/// two), or None when no class does (bigger than KMALLOC_MAX_CACHE_SIZE: kmalloc_large).  An
/// object of class c lies at a multiple of c from a page boundary, so the class must be a
/// multiple of `align` (Linux guarantees power-of-two classes their natural alignment and
/// creates no 96/192 cache when ARCH_KMALLOC_MINALIGN exceeds them).
#[inline]
pub fn kmalloc_index(size: usize, align: usize) -> Option<usize> {
    let s = size.max(align);
    if s <= 192 {
        let i = SIZE_INDEX[(s.max(1) - 1) / 8] as usize;
        // 96 and 192 hold 32- and 64-aligned objects only: the next power of two does.
        return Some(match i {
            4 if align > 32 => 5,
            6 if align > 64 => 7,
            _ => i,
        });
    }
    if s > KMALLOC_MAX_CACHE_SIZE {
        return None;
    }
    // 256 = 2^8 is index 7.
    Some(s.next_power_of_two().trailing_zeros() as usize - 1)
}

/// Objects of `size` in a slab of 2^order pages (the header takes the end).
pub const fn objects_per_slab(size: usize, order: u32) -> usize {
    ((PAGE_SIZE << order) - HDR) / size
}

/// Linux: calculate_order(): the smallest order (at most PAGE_ALLOC_COSTLY_ORDER, 3) whose slab
/// wastes at most an eighth of itself; order 3 when none does.  Single pages for the small
/// classes (they come off the page allocator's free list in O(1)); 1k..8k get 2..8 pages.
pub const fn calculate_order(size: usize) -> u32 {
    let mut order = 0;
    while order < 3 {
        let slab = PAGE_SIZE << order;
        let waste = slab - objects_per_slab(size, order) * size;
        if waste * 8 <= slab && objects_per_slab(size, order) >= 1 {
            return order;
        }
        order += 1;
    }
    3
}

/// Linux: set_min_partial(): how many partial or empty slabs a cache keeps before an emptied
/// slab goes back to the page allocator.  Linux keeps ilog2(size) / 2 within [5, 10] per node,
/// plus per-CPU partial lists; MenuOS keeps 2: one slab to allocate from and one spare, so that
/// an alloc/free pair at a slab boundary (fork + exit) does not take and give back pages every
/// round, while what a workload grew goes back (at most 2 slabs a class stay: 13 classes, the
/// big ones 2-8 pages a slab, so a few hundred kB at the very most).
pub const MIN_PARTIAL: usize = 2;

/// Pages and memory for the slabs.  The kernel's are page frames; `load`/`store` read and write
/// one word of an object or header that the cache owns.
pub trait SlabMem {
    /// 2^order free pages, aligned to their size: their address, or None.
    fn alloc_pages(&mut self, order: u32) -> Option<usize>;
    /// Gives back what alloc_pages(order) returned.
    fn free_pages(&mut self, addr: usize, order: u32);
    fn load(&self, addr: usize) -> usize;
    fn store(&mut self, addr: usize, val: usize);
}

/// Linux: struct kmem_cache (with its one node's partial list): one size class.
#[derive(Debug)]
pub struct Cache {
    size: usize,
    order: u32,
    objects: usize,
    min_partial: usize,
    /// Slabs with free and used objects (header addresses are slab + hdr_off).
    partial: usize,
    /// Slabs with no used objects.
    empty: usize,
    nr_partial: usize,
    nr_empty: usize,
    /// Every slab the cache holds (full, partial, empty).
    nr_slabs: usize,
}

impl Cache {
    /// Linux: create_kmalloc_cache() for KMALLOC_SIZES[index].
    pub const fn kmalloc(index: usize) -> Self {
        let size = KMALLOC_SIZES[index];
        let order = calculate_order(size);
        Cache {
            size,
            order,
            objects: objects_per_slab(size, order),
            min_partial: MIN_PARTIAL,
            partial: 0,
            empty: 0,
            nr_partial: 0,
            nr_empty: 0,
            nr_slabs: 0,
        }
    }
    pub fn size(&self) -> usize {
        self.size
    }
    pub fn order(&self) -> u32 {
        self.order
    }
    pub fn objects(&self) -> usize {
        self.objects
    }
    pub fn nr_slabs(&self) -> usize {
        self.nr_slabs
    }
    pub fn nr_partial(&self) -> usize {
        self.nr_partial
    }
    pub fn nr_empty(&self) -> usize {
        self.nr_empty
    }
    /// Bytes of pages the cache holds.
    pub fn bytes(&self) -> usize {
        self.nr_slabs * (PAGE_SIZE << self.order)
    }
    #[inline]
    fn slab_bytes(&self) -> usize {
        PAGE_SIZE << self.order
    }
    #[inline]
    fn hdr(&self, slab: usize) -> usize {
        slab + self.slab_bytes() - HDR
    }
    #[inline]
    fn slab_of(&self, obj: usize) -> usize {
        obj & !(self.slab_bytes() - 1)
    }

    /// Links `slab` at the head of the list `head`.
    #[inline]
    fn push(&self, mem: &mut impl SlabMem, head: &mut usize, slab: usize) {
        let h = self.hdr(slab);
        mem.store(h + PREV, 0);
        mem.store(h + NEXT, *head);
        if *head != 0 {
            mem.store(self.hdr(*head) + PREV, slab);
        }
        *head = slab;
    }

    /// Unlinks `slab` from the list `head`.
    #[inline]
    fn unlink(&self, mem: &mut impl SlabMem, head: &mut usize, slab: usize) {
        let h = self.hdr(slab);
        let (prev, next) = (mem.load(h + PREV), mem.load(h + NEXT));
        if prev != 0 {
            mem.store(self.hdr(prev) + NEXT, next);
        } else {
            *head = next;
        }
        if next != 0 {
            mem.store(self.hdr(next) + PREV, prev);
        }
    }

    /// Linux: allocate_slab(): a new slab with every object on its free list, or None.
    fn new_slab(&mut self, mem: &mut impl SlabMem) -> Option<usize> {
        let slab = mem.alloc_pages(self.order)?;
        debug_assert_eq!(slab & (self.slab_bytes() - 1), 0, "slab not aligned to its size");
        let mut next = 0;
        for i in (0..self.objects).rev() {
            let obj = slab + i * self.size;
            mem.store(obj, next);
            next = obj;
        }
        let h = self.hdr(slab);
        mem.store(h + FREELIST, next);
        mem.store(h + INUSE, 0);
        self.nr_slabs += 1;
        Some(slab)
    }

    /// Linux: slab_alloc() (___slab_alloc's get_partial / new_slab): an object, or None when
    /// the page source has no pages.  O(1) unless a new slab must be carved.  Always inlined:
    /// it is the kernel heap's fast path (mm/heap.rs), whose cost make bench counts, and left
    /// to the inliner it moves in and out of line with unrelated changes.
    #[inline(always)]
    pub fn alloc(&mut self, mem: &mut impl SlabMem) -> Option<usize> {
        let slab = if self.partial != 0 {
            self.partial
        } else {
            let slab = if self.empty != 0 {
                let s = self.empty;
                let mut head = self.empty;
                self.unlink(mem, &mut head, s);
                self.empty = head;
                self.nr_empty -= 1;
                s
            } else {
                self.new_slab(mem)?
            };
            let mut head = self.partial;
            self.push(mem, &mut head, slab);
            self.partial = head;
            self.nr_partial += 1;
            slab
        };
        let h = self.hdr(slab);
        let obj = mem.load(h + FREELIST);
        debug_assert!(obj != 0, "slab on the partial list has no free object");
        mem.store(h + FREELIST, mem.load(obj));
        let inuse = mem.load(h + INUSE) + 1;
        mem.store(h + INUSE, inuse);
        if inuse == self.objects {
            // Full: off the lists until an object comes back.
            let mut head = self.partial;
            self.unlink(mem, &mut head, slab);
            self.partial = head;
            self.nr_partial -= 1;
        }
        Some(obj)
    }

    /// Linux: __slab_free(): `obj` (from alloc) back on its slab's free list; a slab that became
    /// unused goes back to the page source when the cache already keeps min_partial slabs
    /// on its lists.  O(1).
    #[inline]
    pub fn free(&mut self, mem: &mut impl SlabMem, obj: usize) {
        let slab = self.slab_of(obj);
        debug_assert_eq!((obj - slab) % self.size, 0, "kfree of a pointer inside an object");
        let h = self.hdr(slab);
        mem.store(obj, mem.load(h + FREELIST));
        mem.store(h + FREELIST, obj);
        let inuse = mem.load(h + INUSE);
        debug_assert!(inuse != 0, "double free");
        mem.store(h + INUSE, inuse - 1);
        if inuse == self.objects {
            // Was full: on no list.
            if inuse > 1 {
                let mut head = self.partial;
                self.push(mem, &mut head, slab);
                self.partial = head;
                self.nr_partial += 1;
                return;
            }
        } else {
            if inuse > 1 {
                return;
            }
            let mut head = self.partial;
            self.unlink(mem, &mut head, slab);
            self.partial = head;
            self.nr_partial -= 1;
        }
        // Now unused.
        if self.nr_partial + self.nr_empty >= self.min_partial {
            // Linux: discard_slab().
            self.nr_slabs -= 1;
            mem.free_pages(slab, self.order);
        } else {
            let mut head = self.empty;
            self.push(mem, &mut head, slab);
            self.empty = head;
            self.nr_empty += 1;
        }
    }

    /// Linux: __kmem_cache_do_shrink(): every unused slab back to the page source.
    pub fn shrink(&mut self, mem: &mut impl SlabMem) {
        while self.empty != 0 {
            let slab = self.empty;
            self.empty = mem.load(self.hdr(slab) + NEXT);
            self.nr_empty -= 1;
            self.nr_slabs -= 1;
            mem.free_pages(slab, self.order);
        }
    }
}

#[cfg(test)]
mod tests;
