//! Fallible kernel objects: Linux's kmalloc(GFP_KERNEL) / kmem_cache_alloc(), whose NULL the
//! caller turns into an errno (include/linux/slab.h).  MenuOS's plain Box::new/Arc::new are
//! Linux's "too small to fail" allocations: they abort on failure (after the heap has grown
//! from the page allocator and the OOM killer has run, oom_kill.rs).  The objects a user can
//! make the kernel allocate at will (tasks, mms, fd tables, files, pipes, inodes) come from
//! these helpers instead, so that their failure is an error path: each is a fault-injection
//! site (failslab.rs) that /proc/PID/fail-nth can fail, and each error path is tested to free
//! what it took (user/tests/c/t_failslab.c).
//!
//! Box::try_new and Arc::try_new are the allocator_api feature's (main.rs enables it under
//! RUSTC_BOOTSTRAP): stable Rust has no fallible Box/Arc constructor, and building one from
//! the raw allocator would need unsafe code that the standard library already has.

use super::failslab::should_failslab;
use crate::errno::{KResult, ENOMEM};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Linux: kmalloc(sizeof(*x)) for a shared object (kmem_cache_alloc of its cache), ENOMEM.
#[inline]
pub fn try_arc<T>(x: T) -> KResult<Arc<T>> {
    if should_failslab() {
        return Err(ENOMEM);
    }
    Arc::try_new(x).map_err(|_| ENOMEM)
}

/// try_arc() for a big object: `f` builds it straight into the new allocation, made first.
/// Arc::new builds in place (Box::new's box_new), but Arc::try_new builds on the stack and
/// copies: for task_struct and the 1.5 KiB sighand table that copy was ~4,000 instructions of
/// a 45,000-instruction fork (make bench).  Nothing is built when the allocation fails.
#[inline(always)]
pub fn try_arc_with<T>(f: impl FnOnce() -> T) -> KResult<Arc<T>> {
    if should_failslab() {
        return Err(ENOMEM);
    }
    let mut a = Arc::<T>::try_new_uninit().map_err(|_| ENOMEM)?;
    // A new Arc is unique: get_mut cannot fail.
    Arc::get_mut(&mut a).expect("try_arc_with: a new Arc is shared").write(f());
    // SAFETY: the value was written just above.
    Ok(unsafe { a.assume_init() })
}

/// A shared object's memory, taken before its value can be made (Linux: alloc_empty_file()
/// at the top of path_openat(), before an O_CREAT open makes the inode): the allocation's
/// ENOMEM comes first, while failing leaves nothing behind; `fill` cannot fail.  Dropped
/// unfilled, the memory is freed (no value was ever there to drop).
pub struct ArcSlot<T>(Arc<core::mem::MaybeUninit<T>>);

impl<T> ArcSlot<T> {
    /// Linux: kmem_cache_alloc(): ENOMEM (a fault-injection site).
    #[inline]
    pub fn try_new() -> KResult<Self> {
        if should_failslab() {
            return Err(ENOMEM);
        }
        Ok(ArcSlot(Arc::<T>::try_new_uninit().map_err(|_| ENOMEM)?))
    }
    /// The object, `x` in the memory taken earlier.
    #[inline(always)]
    pub fn fill(mut self, x: T) -> Arc<T> {
        // The slot's Arc was never shared: get_mut cannot fail.
        Arc::get_mut(&mut self.0).expect("ArcSlot: the slot is shared").write(x);
        // SAFETY: the value was written just above.
        unsafe { self.0.assume_init() }
    }
}

/// Linux: kmalloc(sizeof(*x)) for an owned object, ENOMEM.
#[inline]
pub fn try_box<T>(x: T) -> KResult<Box<T>> {
    if should_failslab() {
        return Err(ENOMEM);
    }
    Box::try_new(x).map_err(|_| ENOMEM)
}

/// Linux: kmemdup(): a copy of `s` in a new buffer, ENOMEM.
pub fn try_vec_from_slice<T: Clone>(s: &[T]) -> KResult<Vec<T>> {
    let mut v = super::util::kmalloc_array(s.len(), ENOMEM)?;
    v.extend_from_slice(s);
    Ok(v)
}

/// Room in `v` for `additional` more elements, ENOMEM: a fault-injection site when it has to
/// grow (Linux: krealloc()).
pub fn try_reserve<T>(v: &mut Vec<T>, additional: usize) -> KResult<()> {
    if v.capacity() - v.len() >= additional {
        return Ok(());
    }
    if should_failslab() {
        return Err(ENOMEM);
    }
    v.try_reserve(additional).map_err(|_| ENOMEM)
}

/// `v.push(x)` that fails with ENOMEM instead of aborting (try_reserve's site).
pub fn try_push<T>(v: &mut Vec<T>, x: T) -> KResult<()> {
    try_reserve(v, 1)?;
    v.push(x);
    Ok(())
}

/// Linux: kstrdup(): a copy of `s`, ENOMEM.
pub fn try_string(s: &str) -> KResult<String> {
    let mut v = String::new();
    if should_failslab() {
        return Err(ENOMEM);
    }
    v.try_reserve_exact(s.len()).map_err(|_| ENOMEM)?;
    v.push_str(s);
    Ok(v)
}
