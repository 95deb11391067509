//! The VMA tree's node preallocation.  Linux: lib/maple_tree.c (mas_preallocate(),
//! mas_alloc_nodes(), mas_expected_entries()) and mm/internal.h (vma_iter_prealloc()).
//!
//! An mm's VMAs are a `BTreeMap` (mm_types.rs `VmaTree`, Linux's maple tree).  An insert into
//! a `BTreeMap` allocates its nodes itself and cannot report a failure: it would abort the
//! kernel.  Linux's maple tree has the same problem and solves it by allocating, before the
//! point of no return, every node a modification can need (mas_preallocate(), ENOMEM), so that
//! the store itself cannot fail.  MenuOS does the same: the tree's allocator, `VmaNodeAlloc`,
//! takes a node from a reserve of preallocated blocks, and `vma_prealloc()` fills that reserve
//! fallibly before the caller changes anything (mmap, munmap, brk, mprotect/madvise/mlock
//! splits, stack growth, mremap, exec's mappings, dup_mmap).
//!
//! Node sizes: std's node layouts are private, so every node is one block of `NODE_BLOCK`, a
//! size that bounds both (leaf: parent, two u16 and 11 keys and values; internal: the same and
//! 12 edges).  The decision "node block or not" is a function of the `Layout` alone, taken
//! alike by allocate and deallocate, so a block is always freed with the layout it was
//! allocated with; a layout bigger than the bound (a std change) goes to the heap as asked,
//! still sound, only no longer preallocated (`VMA_NODE_MISSES` counts every node the reserve
//! could not give).
//!
//! How many: an insert into a B-tree of height h splits at most every node on its path and
//! adds a root: 1 leaf + h + 1 internal nodes.  Every non-root node of std's BTreeMap holds at
//! least 5 keys (an internal one has 6 edges) and a root of height h >= 1 has two children,
//! so a tree of height h holds at least 10 * 6^(h-1) + 1 entries: `nodes_per_insert` bounds h
//! from the length.
//!
//! One reserve, not one per mm: the kernel runs on one hart and is not preemptible, and each
//! caller holds its mm's mmap_lock (a spin lock, never held across schedule()) from
//! vma_prealloc() to its last insert, so no other task can take from the reserve in between.
//! (On SMP this would be a per-CPU reserve under the same rule.)  Between operations the
//! reserve keeps up to `RESERVE_KEEP` blocks (freed nodes refill it), so that the common
//! operation finds its nodes there and pays a lock and a compare, not a kmalloc and a kfree
//! per node (emptying it after every operation, as Linux's mas_destroy() frees what was not
//! used, cost exec 5% in `make bench`: ~6 preallocations of up to 6 nodes each).  The
//! `VmaPrealloc` that vma_prealloc() returns trims the reserve back to RESERVE_KEEP when the
//! caller drops it, so a big operation's leftovers do not stay.

use super::failslab::should_failslab;
use super::mm_types::Vma;
use crate::errno::{KResult, ENOMEM};
use crate::kernel::locking::{class, SpinLock};
use alloc::alloc::Global;
use core::alloc::{AllocError, Allocator, Layout};
use core::mem::size_of;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

/// std's BTreeMap: B = 6, CAPACITY = 2B - 1 keys per node, 2B edges per internal node.
const CAPACITY: usize = 11;
/// A bound on both node layouts of `BTreeMap<usize, Vma>` (fields, padding, edges).
const NODE_BOUND: usize = 16 + CAPACITY * (size_of::<usize>() + size_of::<Vma>()) + (CAPACITY + 1) * 8 + 16;
/// The block every node of a VMA tree lives in.
const NODE_BLOCK: Layout = match Layout::from_size_align(NODE_BOUND.next_multiple_of(64), 16) {
    Ok(l) => l,
    Err(_) => panic!("NODE_BLOCK"),
};

/// The most blocks the reserve holds (a prealloc asks for at most 5 inserts (mremap) of 13
/// nodes, for a tree of 2^31 VMAs).
const RESERVE_MAX: usize = 72;
/// Blocks kept between operations: three inserts into a tree of up to 359 VMAs.
const RESERVE_KEEP: usize = 12;

/// Nodes the reserve could not give (an insert without vma_prealloc(), or an unknown layout).
pub static VMA_NODE_MISSES: AtomicUsize = AtomicUsize::new(0);

/// A node the reserve could not give: counted, and in lockdep builds (the kernel make test
/// boots) reported once with a backtrace (Linux: the WARN_ON of a maple-tree store without
/// its preallocation), since it names an insert that skipped vma_prealloc() and could abort.
fn node_miss() {
    if VMA_NODE_MISSES.fetch_add(1, Ordering::Relaxed) == 0 && cfg!(feature = "lockdep") {
        crate::pr_warn!("vma_prealloc: a VMA tree node not preallocated");
        crate::arch::riscv::stacktrace::dump_stack();
    }
}

struct NodeReserve {
    n: usize,
    blocks: [Option<NonNull<u8>>; RESERVE_MAX],
}

// SAFETY: the blocks are heap memory owned by the reserve alone (each handed out once, by
// pop); nothing about them is tied to a hart or a task.
unsafe impl Send for NodeReserve {}

impl NodeReserve {
    fn pop(&mut self) -> Option<NonNull<u8>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        self.blocks[self.n].take()
    }

    /// Keeps `p` if fewer than `limit` blocks are held; gives it back otherwise.
    fn push(&mut self, p: NonNull<u8>, limit: usize) -> Option<NonNull<u8>> {
        if self.n >= limit.min(RESERVE_MAX) {
            return Some(p);
        }
        self.blocks[self.n] = Some(p);
        self.n += 1;
        None
    }
}

static RESERVE: SpinLock<NodeReserve, class::VmaNodes> =
    SpinLock::new(NodeReserve { n: 0, blocks: [None; RESERVE_MAX] });

fn is_node(layout: Layout) -> bool {
    layout.size() <= NODE_BLOCK.size() && layout.align() <= NODE_BLOCK.align()
}

/// The allocator of every mm's VMA tree (mm_types.rs `VmaTree`).
#[derive(Clone, Copy, Default)]
pub struct VmaNodeAlloc;

// SAFETY: every block returned is either a fresh allocation of the global allocator or a
// block of the reserve, which holds only NODE_BLOCK allocations of the global allocator, each
// handed out once (pop under the lock); a block is at least NODE_BLOCK.size() bytes aligned
// to NODE_BLOCK.align(), so it fits any layout is_node() accepts.  deallocate() takes the
// same is_node() decision from the same layout, so a node block goes back to the reserve or
// to the heap as NODE_BLOCK, and any other block to the heap with the layout it was
// allocated with.  Blocks stay valid until deallocated; the allocator has no state of its
// own, so its copies are interchangeable.
unsafe impl Allocator for VmaNodeAlloc {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if !is_node(layout) {
            node_miss();
            return Global.allocate(layout);
        }
        let p = RESERVE.lock().pop();
        let p = match p {
            Some(p) => p,
            None => {
                node_miss();
                Global.allocate(NODE_BLOCK)?.cast::<u8>()
            }
        };
        Ok(NonNull::slice_from_raw_parts(p, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if !is_node(layout) {
            // SAFETY: allocate() gave this block from Global with this layout (the caller's
            // contract: `layout` is the one it was allocated with).
            unsafe { Global.deallocate(ptr, layout) };
            return;
        }
        let back = RESERVE.lock().push(ptr, RESERVE_KEEP);
        if let Some(p) = back {
            // SAFETY: a node block is a NODE_BLOCK allocation of Global (see allocate), no
            // longer used by the tree that freed it.
            unsafe { Global.deallocate(p, NODE_BLOCK) };
        }
    }
}

/// The most nodes one insert into a tree of `len` entries allocates: a leaf, each internal
/// node on the path and a new root (h + 2 for a tree of height h; see the file's comment).
fn nodes_per_insert(len: usize) -> usize {
    let mut m = len;
    let mut n = 2;
    while m >= 10 {
        m /= 6;
        n += 1;
    }
    n
}

/// Fills the reserve for `inserts` inserts into a tree of `len` VMAs; ENOMEM when the heap
/// has no block.  No fault-injection site of its own (vma_prealloc is); only under a live
/// VmaPrealloc (dup_mmap tops the reserve up insert by insert).
pub fn vma_reserve_fill(len: usize, inserts: usize) -> KResult<()> {
    let want = (nodes_per_insert(len + inserts) * inserts).min(RESERVE_MAX);
    loop {
        if RESERVE.lock().n >= want {
            return Ok(());
        }
        let p = Global.allocate(NODE_BLOCK).map_err(|_| ENOMEM)?.cast::<u8>();
        let back = RESERVE.lock().push(p, RESERVE_MAX);
        if let Some(p) = back {
            // SAFETY: allocated just above as NODE_BLOCK and never handed out.
            unsafe { Global.deallocate(p, NODE_BLOCK) };
            return Ok(());
        }
    }
}

/// The nodes of one modification, preallocated: the caller keeps it until its last insert;
/// dropping it gives back what is above RESERVE_KEEP (Linux: mas_destroy()).
#[must_use = "the reserve is trimmed when this is dropped: keep it until the last insert"]
pub struct VmaPrealloc(());

impl Drop for VmaPrealloc {
    fn drop(&mut self) {
        loop {
            let p = {
                let mut r = RESERVE.lock();
                if r.n <= RESERVE_KEEP {
                    None
                } else {
                    r.pop()
                }
            };
            let Some(p) = p else { break };
            // SAFETY: the reserve holds only NODE_BLOCK allocations of Global, and pop handed
            // this one out to nobody else.
            unsafe { Global.deallocate(p, NODE_BLOCK) };
        }
    }
}

/// Linux: vma_iter_prealloc() -> mas_preallocate(): room for `inserts` inserts into a tree of
/// `len` VMAs, taken before the caller changes anything; ENOMEM (what was taken is given
/// back).  One fault-injection site per call, as Linux's mas_preallocate() is one
/// kmem_cache_alloc_bulk() (one should_failslab()).
pub fn vma_prealloc(len: usize, inserts: usize) -> KResult<VmaPrealloc> {
    if should_failslab() {
        return Err(ENOMEM);
    }
    let p = VmaPrealloc(());
    vma_reserve_fill(len, inserts)?;
    Ok(p)
}
