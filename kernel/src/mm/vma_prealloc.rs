//! The VMA tree's node preallocation.  Linux: lib/maple_tree.c (mas_preallocate(),
//! mas_alloc_nodes(), mas_expected_entries()) and mm/internal.h (vma_iter_prealloc()).
//!
//! An mm's VMAs are a `BTreeMap` (mm_types.rs `VmaTree`, Linux's maple tree), whose inserts
//! cannot report a failure.  Linux's maple tree has the same problem and solves it by
//! allocating, before the point of no return, every node a modification can need
//! (mas_preallocate(), ENOMEM), so that the store itself cannot fail.  MenuOS does the same
//! with node_prealloc.rs's pool: the tree's allocator, `VmaNodeAlloc`, takes a node from the
//! VMA pool's reserve, and `vma_prealloc()` fills that reserve fallibly before the caller
//! changes anything (mmap, munmap, brk, mprotect/madvise/mlock splits, stack growth, mremap,
//! exec's mappings, dup_mmap).  Each caller holds its mm's mmap_lock from vma_prealloc() to
//! its last insert (node_prealloc.rs: why one reserve is enough).

use super::mm_types::Vma;
use super::node_prealloc::{node_block, nodes_per_insert, prealloc, reserve_fill, NodeAlloc, NodePool, NodeReserve};
use crate::errno::KResult;
use crate::kernel::locking::{class, SpinLock};
use core::alloc::Layout;
use core::mem::size_of;
use core::sync::atomic::AtomicUsize;

/// Nodes the reserve could not give (an insert without vma_prealloc(), or an unknown layout).
pub static VMA_NODE_MISSES: AtomicUsize = AtomicUsize::new(0);

/// The pool of every mm's VMA tree.
pub struct VmaNodes;

static RESERVE: SpinLock<NodeReserve, class::VmaNodes> = SpinLock::new(NodeReserve::new());

impl NodePool for VmaNodes {
    type Class = class::VmaNodes;
    const BLOCK: Layout = node_block(size_of::<usize>() + size_of::<Vma>());
    /// Three inserts into a tree of up to 359 VMAs.
    const KEEP: usize = 12;
    const PREALLOC: &'static str = "vma_prealloc";
    fn reserve() -> &'static SpinLock<NodeReserve, class::VmaNodes> {
        &RESERVE
    }
    fn misses() -> &'static AtomicUsize {
        &VMA_NODE_MISSES
    }
}

/// The allocator of every mm's VMA tree (mm_types.rs `VmaTree`).
pub type VmaNodeAlloc = NodeAlloc<VmaNodes>;

/// The nodes of one VMA tree modification (node_prealloc.rs's Prealloc).
pub type VmaPrealloc = super::node_prealloc::Prealloc<VmaNodes>;

/// Fills the reserve for `inserts` inserts into a tree of `len` VMAs; ENOMEM when the heap
/// has no block.  No fault-injection site of its own (vma_prealloc is); only under a live
/// VmaPrealloc (dup_mmap tops the reserve up insert by insert).
pub fn vma_reserve_fill(len: usize, inserts: usize) -> KResult<()> {
    reserve_fill::<VmaNodes>(nodes_per_insert(len + inserts) * inserts)
}

/// Linux: vma_iter_prealloc() -> mas_preallocate(): room for `inserts` inserts into a tree of
/// `len` VMAs, taken before the caller changes anything; ENOMEM (what was taken is given
/// back).  One fault-injection site per call.
pub fn vma_prealloc(len: usize, inserts: usize) -> KResult<VmaPrealloc> {
    prealloc::<VmaNodes>(nodes_per_insert(len + inserts) * inserts)
}
