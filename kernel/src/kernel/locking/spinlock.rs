//! The spin lock every kernel structure uses.  Linux: include/linux/spinlock.h.
//!
//! A [`SpinLock<T, C>`] is a spin::Mutex (the well-kept crate does the atomics) whose class
//! `C` fixes its place in the lock order (locking/mod.rs); the guard tells lockdep when the
//! lock is taken and released.  One hart and a non-preemptible kernel today: a lock is never
//! contended while held across nothing but straight-line code, and never held across
//! schedule() (lockdep checks that too).

use super::{lockdep, LockClass};
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

pub struct SpinLock<T: ?Sized, C: LockClass> {
    _class: PhantomData<fn() -> C>,
    inner: spin::Mutex<T>,
}

pub struct SpinLockGuard<'a, T: ?Sized> {
    guard: spin::MutexGuard<'a, T>,
    #[cfg(feature = "lockdep")]
    key: u16,
}

impl<T, C: LockClass> SpinLock<T, C> {
    pub const fn new(v: T) -> Self {
        SpinLock { _class: PhantomData, inner: spin::Mutex::new(v) }
    }
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized, C: LockClass> SpinLock<T, C> {
    /// Linux: spin_lock()
    #[inline(always)]
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        self.lock_at(C::RANK, 0)
    }

    /// Linux: spin_lock_nested(): a second lock of the same class, as subclass `sub` (1, 2, ..),
    /// for the places that must hold two at once in a known order.
    #[inline(always)]
    pub fn lock_nested(&self, sub: u8) -> SpinLockGuard<'_, T> {
        self.lock_at(C::RANK, sub)
    }

    #[inline(always)]
    fn lock_at(&self, rank: u8, sub: u8) -> SpinLockGuard<'_, T> {
        #[cfg(feature = "lockdep")]
        let key = lockdep::acquire(rank, sub, C::NAME, self as *const Self as *const u8 as usize);
        #[cfg(not(feature = "lockdep"))]
        let _ = (rank, sub);
        SpinLockGuard {
            guard: self.inner.lock(),
            #[cfg(feature = "lockdep")]
            key,
        }
    }

    /// Linux: spin_trylock(): None when held.  Not checked by lockdep, whatever is held: a try
    /// cannot deadlock, and Linux's lockdep accepts a trylock out of order too (it records no
    /// dependency for it).  The oops path and the heap's OOM killer (mm/oom_kill.rs
    /// kmalloc_may_oom, which runs under any lock) use it.
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        self.inner.try_lock().map(|guard| SpinLockGuard {
            guard,
            #[cfg(feature = "lockdep")]
            key: lockdep::acquire_unchecked(C::RANK, C::NAME, self as *const Self as *const u8 as usize),
        })
    }

    /// Whether someone holds it (for oops paths that must not deadlock, e.g. printk).
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: Default, C: LockClass> Default for SpinLock<T, C> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for SpinLockGuard<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[cfg(feature = "lockdep")]
impl<T: ?Sized> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        lockdep::release(self.key);
    }
}

// Keep the import used when lockdep is off.
#[cfg(not(feature = "lockdep"))]
#[allow(unused_imports)]
use lockdep as _;
