//! The page-frame allocator and struct page reference counts.
//! Linux: mm/page_alloc.c (alloc_pages, __free_pages), mm/memblock.c (boot reservations),
//! include/linux/mm.h (get_page, put_page, page_count).
//!
//! Single 4 KiB frames come from a LIFO free list (O(1), cache-warm: fork and page faults
//! are the hot users).  Every RAM frame has a reference count (Linux's page->_refcount):
//! a page-table entry holds one reference, so copy-on-write knows when a page is shared.
//! Free-frame counts feed /proc/meminfo and the fork-stress leak check.
//!
//! Frames are numbers here (pfn); the functions that take a reference or free one are for mm/
//! only, whose callers own the reference they pass.  Outside mm/, a frame is a
//! highmem::NewPage or highmem::Page, which own their reference; `page_flags` records what each
//! allocated frame is, so that Page::get never hands out a frame someone holds a Rust reference
//! into (a page table, a NewPage, the heap, the kernel image).

use super::highmem::clear_page;
use super::{PAGE_SHIFT, PAGE_SIZE};
use crate::errno::{KResult, ENOMEM};
use crate::kernel::locking::{class, SpinLock};
use core::sync::atomic::{AtomicU32, AtomicU8, AtomicUsize, Ordering};
use spin::Once;

/// The free frames, a stack of frame numbers (LIFO: the last freed, cache-warm frame goes out
/// first).  Its storage is carved from RAM at boot, one slot per frame, so pushing never
/// allocates: put_page runs under any lock, the heap's included.  `pos` is each free frame's
/// slot (indexed by pfn - base), so that a contiguous run (a slab, kmalloc_large) comes out of
/// the stack in O(its length), not O(free frames).
struct FreeList {
    frames: &'static mut [u32],
    pos: &'static mut [u32],
    base: u32,
    len: usize,
}

impl FreeList {
    fn pop(&mut self) -> Option<u32> {
        self.len = self.len.checked_sub(1)?;
        Some(self.frames[self.len])
    }
    fn push(&mut self, pfn: u32) {
        self.frames[self.len] = pfn;
        self.pos[(pfn - self.base) as usize] = self.len as u32;
        self.len += 1;
    }
    /// Takes the free frames [lo, hi) out of the stack (the last slot fills each hole).
    fn remove_range(&mut self, lo: u32, hi: u32) {
        for pfn in lo..hi {
            let i = self.pos[(pfn - self.base) as usize] as usize;
            debug_assert!(i < self.len && self.frames[i] == pfn, "free list: pfn {:#x} not free", pfn);
            self.len -= 1;
            let last = self.frames[self.len];
            self.frames[i] = last;
            self.pos[(last - self.base) as usize] = i as u32;
        }
    }
}

static FREE: SpinLock<FreeList, class::PageAlloc> =
    SpinLock::new(FreeList { frames: &mut [], pos: &mut [], base: 0, len: 0 });
static MEM_MAP: Once<MemMap> = Once::new();
static NR_FREE: AtomicUsize = AtomicUsize::new(0);
static NR_TOTAL: AtomicUsize = AtomicUsize::new(0);
/// Linux: _totalram_pages: RAM less what the kernel image, the firmware below it, the DTB and
/// the struct-page arrays hold (set once by mm_init); the initrd and the heap are counted (they
/// hold file data and kernel objects, as Linux's tmpfs pages and slab are).
static TOTALRAM: AtomicUsize = AtomicUsize::new(0);

/// Linux: mem_map, the struct page array: one entry per RAM frame, sized from the device
/// tree's RAM at boot and carved out of RAM itself (memblock_alloc), never from the heap.
struct MemMap {
    base_pfn: usize,
    refs: &'static [AtomicU32],
    /// For page-table pages: the range of entry indices that may be valid (lo | hi << 16;
    /// lo > hi when empty), so scans of a table skip its empty ends.  Linux keeps per-page
    /// page-table state in struct page (ptdesc) the same way.
    aux: &'static [AtomicU32],
    /// What each frame is: 0 (a plain frame, or free) or one of the PG_* values below.
    flags: &'static [AtomicU8],
}

/// Never handed out by the allocator: the kernel image, the initrd, the DTB, the heap's runs
/// (Linux: PG_reserved).
pub(super) const PG_RESERVED: u8 = 1;
/// A page-table page, written through `&mut [Pte; 512]` by pgtable.rs (Linux: PG_table).
pub(super) const PG_TABLE: u8 = 2;
/// A highmem::NewPage: its owner holds the only reference and may hold `&mut` to its bytes.
pub(super) const PG_EXCLUSIVE: u8 = 4;

/// Linux: memblock_alloc(): `bytes` (page-rounded) taken from the start of the largest free
/// range, which shrinks; the physical address.  Boot only, before the allocator exists.
fn memblock_alloc(free: &mut [(usize, usize)], bytes: usize) -> usize {
    let bytes = super::page_align_up(bytes);
    let r = free.iter_mut().max_by_key(|r| r.1 - r.0).expect("memblock: no free RAM");
    assert!(r.1 - r.0 >= bytes, "memblock: no room for {} bytes", bytes);
    let pa = r.0;
    r.0 += bytes;
    pa
}

/// A boot-time array of `n` values `init`, in RAM taken from `free` for good.
fn memblock_array<T>(free: &mut [(usize, usize)], n: usize, init: impl Fn() -> T) -> &'static mut [T] {
    let pa = memblock_alloc(free, n * core::mem::size_of::<T>());
    let p = super::phys_to_virt(pa) as *mut T;
    for i in 0..n {
        // SAFETY: [pa, pa + n * size_of::<T>()) was just taken out of the free ranges for
        // good (neither the heap nor the page allocator will ever have it), is RAM in the linear
        // map, page-aligned (so aligned for T), and nothing refers to it yet.
        unsafe { p.add(i).write(init()) };
    }
    // SAFETY: the n values were just written (above); the memory is ours alone for the
    // kernel's life, so one &'static mut to it aliases nothing.
    unsafe { core::slice::from_raw_parts_mut(p, n) }
}

/// Hands the free physical ranges to the allocator (Linux: memblock_free_all at the end of
/// mm_init), after carving the struct-page arrays and the free list out of them (sized from
/// RAM: any memory size boots).  Frames outside the ranges (kernel, initrd, DTB, heap, these
/// arrays) keep refcount 1 forever and are PG_RESERVED.  Returns the bytes the arrays took.
pub fn init(free: &mut [(usize, usize)], ram_base_pfn: usize, ram_end_pfn: usize) -> usize {
    let nr = ram_end_pfn - ram_base_pfn;
    let before: usize = free.iter().map(|r| r.1 - r.0).sum();
    let refs = memblock_array(free, nr, || AtomicU32::new(1));
    let flags = memblock_array(free, nr, || AtomicU8::new(PG_RESERVED));
    let aux = memblock_array(free, nr, || AtomicU32::new(PT_RANGE_EMPTY));
    let list = memblock_array(free, nr, || 0u32);
    let pos = memblock_array(free, nr, || 0u32);
    let taken = before - free.iter().map(|r| r.1 - r.0).sum::<usize>();
    let first_pfn = |start: usize| (start + PAGE_SIZE - 1) >> PAGE_SHIFT;
    let mut n = 0;
    // Push high frames first so the low ones are handed out first (deterministic layout).
    for r in free.iter().rev() {
        for pfn in (first_pfn(r.0)..(r.1 >> PAGE_SHIFT)).rev() {
            refs[pfn - ram_base_pfn].store(0, Ordering::Relaxed);
            flags[pfn - ram_base_pfn].store(0, Ordering::Relaxed);
            list[n] = pfn as u32;
            pos[pfn - ram_base_pfn] = n as u32;
            n += 1;
        }
    }
    MEM_MAP.call_once(|| MemMap { base_pfn: ram_base_pfn, refs, aux, flags });
    NR_FREE.store(n, Ordering::Relaxed);
    NR_TOTAL.store(nr, Ordering::Relaxed);
    set_min_free_pages(n);
    *FREE.lock() = FreeList { frames: list, pos, base: ram_base_pfn as u32, len: n };
    taken
}

fn mem_map() -> &'static MemMap {
    MEM_MAP.get().expect("page allocator not initialised")
}

fn page_ref(pfn: usize) -> &'static AtomicU32 {
    let mm = mem_map();
    &mm.refs[pfn - mm.base_pfn]
}

fn page_flags(pfn: usize) -> &'static AtomicU8 {
    let mm = mem_map();
    &mm.flags[pfn - mm.base_pfn]
}

/// Marks an allocated frame as what it now is (PG_TABLE, PG_EXCLUSIVE, or 0 once a NewPage is
/// handed over).
#[inline]
pub(super) fn set_page_flags(pfn: usize, f: u8) {
    page_flags(pfn).store(f, Ordering::Relaxed);
}

/// Whether `pfn` is a RAM frame that no Rust reference can point into: allocated or free, but
/// not a page table, a NewPage, the heap or the kernel image.  A copy through a raw pointer to
/// or from such a frame aliases nothing.
#[inline]
pub(super) fn is_plain_frame(pfn: usize) -> bool {
    MEM_MAP.get().is_some_and(|mm| {
        pfn.checked_sub(mm.base_pfn).and_then(|i| mm.flags.get(i)).is_some_and(|f| f.load(Ordering::Relaxed) == 0)
    })
}

/// Linux: get_page_unless_zero() for a plain frame: one more reference on `pfn` if it is an
/// allocated plain frame (see is_plain_frame); false, and nothing taken, otherwise.
pub(super) fn try_get_page(pfn: usize) -> bool {
    is_plain_frame(pfn)
        && page_ref(pfn).fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| (c != 0).then(|| c + 1)).is_ok()
}

const PT_RANGE_EMPTY: u32 = 512;

fn page_aux(pfn: usize) -> &'static AtomicU32 {
    let mm = mem_map();
    &mm.aux[pfn - mm.base_pfn]
}

/// The indices [lo, hi] of a page table that may hold valid entries (empty: lo > hi).
#[inline]
pub fn pt_range(pfn: usize) -> (usize, usize) {
    let v = page_aux(pfn).load(Ordering::Relaxed);
    ((v & 0xffff) as usize, (v >> 16) as usize)
}

#[inline]
pub fn pt_range_set(pfn: usize, lo: usize, hi: usize) {
    page_aux(pfn).store((lo as u32) | ((hi as u32) << 16), Ordering::Relaxed);
}

/// Entry `idx` of a page table may become valid.
#[inline]
pub fn pt_range_add(pfn: usize, idx: usize) {
    let a = page_aux(pfn);
    let v = a.load(Ordering::Relaxed);
    let (lo, hi) = ((v & 0xffff) as usize, (v >> 16) as usize);
    if idx < lo || idx > hi || lo > hi {
        let (nlo, nhi) = if lo > hi { (idx, idx) } else { (lo.min(idx), hi.max(idx)) };
        a.store((nlo as u32) | ((nhi as u32) << 16), Ordering::Relaxed);
    }
}

pub fn is_ram_pfn(pfn: usize) -> bool {
    MEM_MAP.get().is_some_and(|mm| pfn >= mm.base_pfn && pfn < mm.base_pfn + mm.refs.len())
}

/// Linux: should_fail_alloc_page() (fail_page_alloc): the running task's fail-nth, the
/// counter failslab.rs counts down too.
fn should_fail() -> bool {
    crate::arch::riscv::current_fail_nth()
}

/// Linux: min_free_kbytes (init_per_zone_wmark_min: sqrt(16 * lowmem kB), within
/// [128 kB, 256 MiB]), in pages, set by init.  Single frames (user pages, page tables, page
/// cache) stop this far above zero: the rest is the kernel heap's reserve, so that a kernel
/// allocation made under memory pressure finds memory while the OOM killer frees some.
static MIN_FREE_PAGES: AtomicUsize = AtomicUsize::new(0);

pub fn min_free_pages() -> usize {
    MIN_FREE_PAGES.load(Ordering::Relaxed)
}

/// Linux: init_per_zone_wmark_min(), from the frames the allocator was given.
fn set_min_free_pages(free_pages: usize) {
    let kb = (free_pages * (PAGE_SIZE / 1024) * 16).isqrt().clamp(1024, 256 * 1024);
    MIN_FREE_PAGES.store(kb / (PAGE_SIZE / 1024), Ordering::Relaxed);
}

/// A frame with refcount 1 and page flags `flags`, contents undefined.  Linux:
/// alloc_page(GFP_KERNEL).  ENOMEM when the free frames are down to min_free_pages (the
/// page-fault path then calls the OOM killer).
pub(super) fn alloc_page_flags(flags: u8) -> KResult<usize> {
    if should_fail() {
        return Err(ENOMEM);
    }
    let pfn = {
        let mut free = FREE.lock();
        if free.len <= min_free_pages() {
            return Err(ENOMEM);
        }
        free.pop().ok_or(ENOMEM)? as usize
    };
    NR_FREE.fetch_sub(1, Ordering::Relaxed);
    let mm = mem_map();
    let i = pfn - mm.base_pfn;
    mm.refs[i].store(1, Ordering::Relaxed);
    mm.flags[i].store(flags, Ordering::Relaxed);
    if flags == PG_TABLE {
        // A fresh page table: no valid entries yet.
        mm.aux[i].store(PT_RANGE_EMPTY, Ordering::Relaxed);
    }
    Ok(pfn)
}

/// Linux: alloc_pages_bulk(): fills `out` with frames as alloc_page_flags would, under one
/// lock (a kernel stack's pages); all or none.
pub(super) fn alloc_pages_bulk(flags: u8, out: &mut [usize]) -> KResult<()> {
    if should_fail() {
        return Err(ENOMEM);
    }
    {
        let mut free = FREE.lock();
        if free.len <= min_free_pages() + out.len() {
            return Err(ENOMEM);
        }
        for o in out.iter_mut() {
            *o = free.pop().ok_or(ENOMEM)? as usize;
        }
    }
    NR_FREE.fetch_sub(out.len(), Ordering::Relaxed);
    let mm = mem_map();
    for &pfn in out.iter() {
        mm.refs[pfn - mm.base_pfn].store(1, Ordering::Relaxed);
        mm.flags[pfn - mm.base_pfn].store(flags, Ordering::Relaxed);
    }
    Ok(())
}

/// Linux: release_pages(): put_page() of each frame, under one lock.
pub(super) fn put_pages_bulk(pfns: &[usize]) {
    let mut free = FREE.lock();
    let mut n = 0;
    for &pfn in pfns {
        let old = page_ref(pfn).fetch_sub(1, Ordering::AcqRel);
        assert!(old != 0, "put_pages_bulk: pfn {:#x} already free", pfn);
        if old == 1 {
            free.push(pfn as u32);
            n += 1;
        }
    }
    drop(free);
    NR_FREE.fetch_add(n, Ordering::Relaxed);
}

/// A zero-filled frame with refcount 1 and page flags `flags`.  Linux: alloc_page(GFP_KERNEL |
/// __GFP_ZERO).
pub(super) fn alloc_zeroed_page_flags(flags: u8) -> KResult<usize> {
    let pfn = alloc_page_flags(flags)?;
    clear_page(pfn);
    Ok(pfn)
}

/// A zero-filled plain frame with refcount 1 (an anonymous page).
pub(super) fn alloc_zeroed_page() -> KResult<usize> {
    alloc_zeroed_page_flags(0)
}

/// `n` physically contiguous frames, refcount 1, PG_RESERVED: kmalloc_large's runs and the
/// single-page slabs (mm/slub.rs), given back with free_contiguous.  A scan of the refcounts
/// for a free run, from the top of RAM down (the free list hands out low frames first, so the top stays unfragmented longest).
/// Linux: alloc_contig_pages().
// (out of line: inlined into the heap's kmalloc_large, it would cost every heap allocation
// the registers it saves)
#[inline(never)]
pub(super) fn alloc_contiguous(n: usize) -> Option<usize> {
    rmqueue_contiguous(n)
        .or_else(|| alloc_pages_may_oom(n.next_power_of_two().trailing_zeros(), || rmqueue_contiguous(n)))
}

/// alloc_contiguous() without the slow path.
#[inline(always)]
fn rmqueue_contiguous(n: usize) -> Option<usize> {
    let mm = MEM_MAP.get()?;
    let mut free = FREE.lock();
    if n == 1 {
        // Any free frame will do: the top of the free list, the reserve included.
        let pfn = free.pop()? as usize;
        mm.refs[pfn - mm.base_pfn].store(1, Ordering::Relaxed);
        mm.flags[pfn - mm.base_pfn].store(PG_RESERVED, Ordering::Relaxed);
        NR_FREE.fetch_sub(1, Ordering::Relaxed);
        return Some(pfn);
    }
    let (mut run, mut i, mut found) = (0usize, mm.refs.len(), None);
    while i > 0 {
        i -= 1;
        if mm.refs[i].load(Ordering::Relaxed) == 0 {
            run += 1;
            if run == n {
                found = Some(i);
                break;
            }
        } else {
            run = 0;
        }
    }
    let start = found?;
    for r in &mm.refs[start..start + n] {
        r.store(1, Ordering::Relaxed);
    }
    for f in &mm.flags[start..start + n] {
        f.store(PG_RESERVED, Ordering::Relaxed);
    }
    let (lo, hi) = ((mm.base_pfn + start) as u32, (mm.base_pfn + start + n) as u32);
    free.remove_range(lo, hi);
    NR_FREE.fetch_sub(n, Ordering::Relaxed);
    Some(mm.base_pfn + start)
}

/// 2^`order` contiguous frames aligned to their size (as a buddy block of that order is), refcount
/// 1, PG_RESERVED: a slab (mm/slub.rs); given back with free_contiguous(pfn, 1 << order).
/// Order 0 is alloc_contiguous(1) (the free list's top, O(1)); bigger orders scan the
/// refcounts from the top of RAM down for a free aligned run.  Linux: alloc_pages(order).
// (out of line: inlined into the heap's kmalloc_large, it would cost every heap allocation
// the registers it saves)
#[inline(never)]
pub(super) fn alloc_pages_order(order: u32) -> Option<usize> {
    rmqueue_order(order).or_else(|| alloc_pages_may_oom(order, || rmqueue_order(order)))
}

/// alloc_pages_order() without the slow path.
#[inline(always)]
fn rmqueue_order(order: u32) -> Option<usize> {
    let n = 1usize << order;
    if n == 1 {
        return rmqueue_contiguous(1);
    }
    let mm = MEM_MAP.get()?;
    let mut free = FREE.lock();
    let (mut run, mut i, mut found) = (0usize, mm.refs.len(), None);
    while i > 0 {
        i -= 1;
        if mm.refs[i].load(Ordering::Relaxed) != 0 {
            run = 0;
            continue;
        }
        run += 1;
        // [i, i + n) is free when the run from i up is n long; it must start aligned.
        if run >= n && (mm.base_pfn + i) % n == 0 {
            found = Some(i);
            break;
        }
    }
    let start = found?;
    for r in &mm.refs[start..start + n] {
        r.store(1, Ordering::Relaxed);
    }
    for f in &mm.flags[start..start + n] {
        f.store(PG_RESERVED, Ordering::Relaxed);
    }
    let (lo, hi) = ((mm.base_pfn + start) as u32, (mm.base_pfn + start + n) as u32);
    free.remove_range(lo, hi);
    NR_FREE.fetch_sub(n, Ordering::Relaxed);
    Some(mm.base_pfn + start)
}

/// Linux: __alloc_pages_slowpath() -> __alloc_pages_may_oom() for the kernel heap's frames
/// (a kmalloc cache's new slab, mm/slub.rs, or a kmalloc_large run, mm/heap.rs: GFP_KERNEL
/// allocations, "too small to fail"): 2^`order` frames were asked for and none were left, the
/// min watermark's reserve included.  The OOM killer runs from here (mm/oom_kill.rs
/// kmalloc_may_oom: under whatever locks the caller holds, a kmalloc cache's among them; it
/// allocates nothing and frees nothing on the heap) and `alloc` is retried while victims are
/// killed and reaped.  None when nothing more can be killed: a fallible heap caller
/// (mm/slab.rs) answers ENOMEM, an infallible one panics ("Out of memory and no killable
/// processes...", kernel/panic.rs).  Cold and out of line: the heap reaches the page allocator
/// only to refill a cache or for a large block, and pays a test of the result for it.
#[cold]
#[inline(never)]
fn alloc_pages_may_oom(order: u32, mut alloc: impl FnMut() -> Option<usize>) -> Option<usize> {
    while super::oom_kill::kmalloc_may_oom(order) {
        if let Some(pfn) = alloc() {
            return Some(pfn);
        }
    }
    None
}

/// Gives back a run from alloc_contiguous(): `n` frames from `pfn`, each with the one
/// reference alloc_contiguous gave it.  Linux: free_contig_range().
pub(super) fn free_contiguous(pfn: usize, n: usize) {
    let mm = mem_map();
    let mut free = FREE.lock();
    for p in pfn..pfn + n {
        let i = p - mm.base_pfn;
        let old = mm.refs[i].swap(0, Ordering::AcqRel);
        assert!(old == 1, "free_contiguous: pfn {:#x} has {} references", p, old);
        mm.flags[i].store(0, Ordering::Relaxed);
        free.push(p as u32);
    }
    NR_FREE.fetch_add(n, Ordering::Relaxed);
}

/// Linux: get_page(): the caller holds a reference on `pfn` already.
pub(super) fn get_page(pfn: usize) {
    page_ref(pfn).fetch_add(1, Ordering::Relaxed);
}

/// Linux: put_page(): drops a reference the caller holds, frees the frame at zero.
pub(super) fn put_page(pfn: usize) {
    let old = page_ref(pfn).fetch_sub(1, Ordering::AcqRel);
    assert!(old != 0, "put_page: pfn {:#x} already free", pfn);
    if old == 1 {
        FREE.lock().push(pfn as u32);
        NR_FREE.fetch_add(1, Ordering::Relaxed);
    }
}

/// Linux: page_count()
pub(super) fn page_count(pfn: usize) -> u32 {
    page_ref(pfn).load(Ordering::Relaxed)
}

pub fn nr_free_pages() -> usize {
    NR_FREE.load(Ordering::Relaxed)
}
pub fn nr_total_pages() -> usize {
    NR_TOTAL.load(Ordering::Relaxed)
}
/// Linux: totalram_pages() (MemTotal, sysinfo's totalram, the threads-max and file-max
/// defaults).
pub fn totalram_pages() -> usize {
    TOTALRAM.load(Ordering::Relaxed)
}
/// mm_init's count of the frames the kernel manages (see TOTALRAM).
pub fn set_totalram_pages(n: usize) {
    TOTALRAM.store(n, Ordering::Relaxed);
}

#[allow(dead_code)]
pub fn pfn_to_pa(pfn: usize) -> usize {
    pfn << PAGE_SHIFT
}
