//! Kernel buffers sized by a user request.  Linux: mm/util.c (kvmalloc_array, kvcalloc) and
//! include/linux/slab.h (kmalloc_array).
//!
//! A size a user chose must never reach an aborting allocation: these allocate fallibly and
//! turn failure into the caller's errno, because Linux's callers differ in what they report
//! (ENOMEM for most, ENOBUFS for sockets, ENOLCK for locks).

use crate::errno::{Errno, KResult};
use alloc::vec::Vec;

/// An empty vector with room for `n` elements, or `err` when the heap cannot give it.
/// Linux: kmalloc_array(n, size, GFP_KERNEL), NULL -> the caller's errno.
pub fn kmalloc_array<T>(n: usize, err: Errno) -> KResult<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| err)?;
    Ok(v)
}

/// `n` zeroed elements (`T::default()`), or `err` when the heap cannot give them.
/// Linux: kvcalloc(n, size, GFP_KERNEL).
pub fn kvcalloc<T: Clone + Default>(n: usize, err: Errno) -> KResult<Vec<T>> {
    let mut v = kmalloc_array(n, err)?;
    v.resize(n, T::default());
    Ok(v)
}
