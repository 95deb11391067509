//! Preallocated nodes for a `BTreeMap` whose inserts must not fail.  Linux: lib/maple_tree.c
//! (mas_preallocate(), mas_alloc_nodes()): the nodes a change can need are allocated before
//! its point of no return, so that the store itself cannot fail.
//!
//! An insert into a `BTreeMap` allocates its nodes itself and cannot report a failure: it
//! would abort the kernel.  A map made with `NodeAlloc<P>` takes its nodes from pool `P`'s
//! reserve of preallocated blocks instead, and the caller fills that reserve fallibly
//! (`prealloc`, ENOMEM) before it changes anything.  Two pools use it: the VMA trees
//! (vma_prealloc.rs, Linux's maple tree) and the directories' entries (fs/inode.rs, where
//! Linux's d_alloc() allocates the dentry before the name is linked).
//!
//! Node sizes: std's node layouts are private, so every node of a pool is one block of
//! `P::BLOCK`, a size that bounds both (`node_block`: leaf: parent, two u16 and 11 keys and
//! values; internal: the same and 12 edges).  The decision "node block or not" is a function
//! of the `Layout` alone, taken alike by allocate and deallocate, so a block is always freed
//! with the layout it was allocated with; a layout bigger than the bound (a std change) goes
//! to the heap as asked, still sound, only no longer preallocated (`P::miss` counts it).
//!
//! How many: an insert into a B-tree of height h splits at most every node on its path and
//! adds a root: 1 leaf + h + 1 internal nodes.  Every non-root node of std's BTreeMap holds at
//! least 5 keys (an internal one has 6 edges) and a root of height h >= 1 has two children,
//! so a tree of height h holds at least 10 * 6^(h-1) + 1 entries: `nodes_per_insert` bounds h
//! from the length.
//!
//! One reserve per pool, not one per map: the kernel runs on one hart and is not preemptible,
//! and each caller holds a spin lock (never held across schedule()) from its prealloc() to
//! its last insert (an mm's mmap_lock; a directory's entries lock), so no other task can take
//! from the reserve in between.  (On SMP this would be a per-CPU reserve under the same rule.)
//! Between operations the reserve keeps up to `P::KEEP` blocks (freed nodes refill it), so
//! that the common operation finds its nodes there and pays a lock and a compare, not a
//! kmalloc and a kfree per node (emptying it after every operation, as Linux's mas_destroy()
//! frees what was not used, cost exec 5% in `make bench`).  The `Prealloc` that prealloc()
//! returns trims the reserve back to `P::KEEP` when the caller drops it, so a big operation's
//! leftovers do not stay.

use super::failslab::should_failslab;
use crate::errno::{KResult, ENOMEM};
use crate::kernel::locking::{LockClass, SpinLock};
use alloc::alloc::Global;
use core::alloc::{AllocError, Allocator, Layout};
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

/// std's BTreeMap: B = 6, CAPACITY = 2B - 1 keys per node, 2B edges per internal node.
const CAPACITY: usize = 11;

/// The most blocks a reserve holds (the VMA pool's largest prealloc: 5 inserts (mremap) of 13
/// nodes, for a tree of 2^31 VMAs).
pub const RESERVE_MAX: usize = 72;

/// A block bounding both node layouts of a `BTreeMap` whose key and value together take
/// `kv` bytes, aligned to at most 16 (fields, padding, edges).
pub const fn node_block(kv: usize) -> Layout {
    let bound = 16 + CAPACITY * kv + (CAPACITY + 1) * 8 + 16;
    match Layout::from_size_align(bound.next_multiple_of(64), 16) {
        Ok(l) => l,
        Err(_) => panic!("node_block"),
    }
}

/// A pool's preallocated blocks.
pub struct NodeReserve {
    n: usize,
    blocks: [Option<NonNull<u8>>; RESERVE_MAX],
}

// SAFETY: the blocks are heap memory owned by the reserve alone (each handed out once, by
// pop); nothing about them is tied to a hart or a task.
unsafe impl Send for NodeReserve {}

impl NodeReserve {
    pub const fn new() -> NodeReserve {
        NodeReserve { n: 0, blocks: [None; RESERVE_MAX] }
    }

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

impl Default for NodeReserve {
    fn default() -> NodeReserve {
        NodeReserve::new()
    }
}

/// A pool of preallocated nodes: its block, how many it keeps between operations, its
/// reserve (a leaf lock: nodes are freed under any lock) and what it does on a miss.
pub trait NodePool: 'static {
    type Class: LockClass + 'static;
    /// The block every node of the pool's maps lives in (`node_block`).
    const BLOCK: Layout;
    /// Blocks kept between operations.
    const KEEP: usize;
    /// What a miss report names: the function that preallocates for the pool.
    const PREALLOC: &'static str;
    fn reserve() -> &'static SpinLock<NodeReserve, Self::Class>;
    /// The count of nodes the reserve could not give (an insert without prealloc(), or an
    /// unknown layout).
    fn misses() -> &'static AtomicUsize;
}

/// A node P's reserve could not give: counted, and in lockdep builds (the kernel make test
/// boots) reported once with a backtrace (Linux: the WARN_ON of a maple-tree store without its
/// preallocation), since it names an insert that skipped the preallocation and could abort.
fn miss<P: NodePool>() {
    if P::misses().fetch_add(1, Ordering::Relaxed) == 0 && cfg!(feature = "lockdep") {
        crate::pr_warn!("{}: a node not preallocated", P::PREALLOC);
        crate::arch::riscv::stacktrace::dump_stack();
    }
}

/// The allocator of a map whose nodes come from pool `P`.
pub struct NodeAlloc<P>(PhantomData<fn() -> P>);

impl<P> NodeAlloc<P> {
    pub const fn new() -> NodeAlloc<P> {
        NodeAlloc(PhantomData)
    }
}
impl<P> Clone for NodeAlloc<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for NodeAlloc<P> {}
impl<P> Default for NodeAlloc<P> {
    fn default() -> Self {
        NodeAlloc::new()
    }
}

fn is_node<P: NodePool>(layout: Layout) -> bool {
    layout.size() <= P::BLOCK.size() && layout.align() <= P::BLOCK.align()
}

// SAFETY: every block returned is either a fresh allocation of the global allocator or a
// block of P's reserve, which holds only P::BLOCK allocations of the global allocator, each
// handed out once (pop under the lock); a block is at least P::BLOCK.size() bytes aligned
// to P::BLOCK.align(), so it fits any layout is_node() accepts.  deallocate() takes the
// same is_node() decision from the same layout, so a node block goes back to the reserve or
// to the heap as P::BLOCK, and any other block to the heap with the layout it was
// allocated with.  Blocks stay valid until deallocated; the allocator has no state of its
// own, so its copies are interchangeable.
unsafe impl<P: NodePool> Allocator for NodeAlloc<P> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if !is_node::<P>(layout) {
            miss::<P>();
            return Global.allocate(layout);
        }
        let p = P::reserve().lock().pop();
        let p = match p {
            Some(p) => p,
            None => {
                miss::<P>();
                Global.allocate(P::BLOCK)?.cast::<u8>()
            }
        };
        Ok(NonNull::slice_from_raw_parts(p, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if !is_node::<P>(layout) {
            // SAFETY: allocate() gave this block from Global with this layout (the caller's
            // contract: `layout` is the one it was allocated with).
            unsafe { Global.deallocate(ptr, layout) };
            return;
        }
        let back = P::reserve().lock().push(ptr, P::KEEP);
        if let Some(p) = back {
            // SAFETY: a node block is a P::BLOCK allocation of Global (see allocate), no
            // longer used by the map that freed it.
            unsafe { Global.deallocate(p, P::BLOCK) };
        }
    }
}

/// The most nodes one insert into a map of `len` entries allocates: a leaf, each internal
/// node on the path and a new root (h + 2 for a tree of height h; see the file's comment).
pub fn nodes_per_insert(len: usize) -> usize {
    let mut m = len;
    let mut n = 2;
    while m >= 10 {
        m /= 6;
        n += 1;
    }
    n
}

/// Fills P's reserve to `want` blocks (at most RESERVE_MAX); ENOMEM when the heap has no
/// block.  No fault-injection site of its own (prealloc is); only under a live Prealloc.
pub fn reserve_fill<P: NodePool>(want: usize) -> KResult<()> {
    let want = want.min(RESERVE_MAX);
    loop {
        if P::reserve().lock().n >= want {
            return Ok(());
        }
        let p = Global.allocate(P::BLOCK).map_err(|_| ENOMEM)?.cast::<u8>();
        let back = P::reserve().lock().push(p, RESERVE_MAX);
        if let Some(p) = back {
            // SAFETY: allocated just above as P::BLOCK and never handed out.
            unsafe { Global.deallocate(p, P::BLOCK) };
            return Ok(());
        }
    }
}

/// The nodes of one modification, preallocated: the caller keeps it until its last insert;
/// dropping it gives back what is above P::KEEP (Linux: mas_destroy()).
#[must_use = "the reserve is trimmed when this is dropped: keep it until the last insert"]
pub struct Prealloc<P: NodePool>(PhantomData<fn() -> P>);

impl<P: NodePool> Drop for Prealloc<P> {
    fn drop(&mut self) {
        loop {
            let p = {
                let mut r = P::reserve().lock();
                if r.n <= P::KEEP {
                    None
                } else {
                    r.pop()
                }
            };
            let Some(p) = p else { break };
            // SAFETY: the reserve holds only P::BLOCK allocations of Global, and pop handed
            // this one out to nobody else.
            unsafe { Global.deallocate(p, P::BLOCK) };
        }
    }
}

/// Linux: mas_preallocate(): `want` nodes of pool P, taken before the caller changes
/// anything; ENOMEM (what was taken is given back).  One fault-injection site per call, as
/// Linux's mas_preallocate() is one kmem_cache_alloc_bulk() (one should_failslab()).
pub fn prealloc<P: NodePool>(want: usize) -> KResult<Prealloc<P>> {
    if should_failslab() {
        return Err(ENOMEM);
    }
    let p = Prealloc(PhantomData);
    reserve_fill::<P>(want)?;
    Ok(p)
}
