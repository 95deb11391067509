//! Priority-inheritance futexes: FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, the PI state
//! the other operations attach to, and what happens to it when its owner exits.  Linux:
//! kernel/futex/pi.c (futex_lock_pi_atomic, attach_to_pi_state, attach_to_pi_owner,
//! wake_futex_pi, fixup_pi_state_owner, exit_pi_state_list), kernel/locking/rtmutex.c for the
//! priority boost.
//!
//! The user word holds the owner's TID, FUTEX_WAITERS when someone waits in the kernel and
//! FUTEX_OWNER_DIED after a robust owner died.  A contended futex has a PiState in its key's
//! bucket naming the owner task (found by TID, checked against the word); its waiters are the
//! bucket's `pi` entries of that key, in priority order (Linux: the rt_mutex's waiter tree).
//! Unlock hands the lock to the top waiter directly (the word gets its TID | FUTEX_WAITERS),
//! so there is no lock stealing.  While others wait, the owner runs at the best priority
//! among them (rt_mutex_adjust_prio: its `pi_prio`), which the scheduler honours; the boost
//! does not follow chains of PI futexes (a boosted owner blocked on another PI futex does not
//! pass the boost on).

use super::core::*;
use crate::errno::*;
use crate::kernel::sched::prio::MAX_PRIO;
use crate::kernel::task::{current, Task, TaskStruct};
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

fn is_task(t: &Task, p: &TaskStruct) -> bool {
    core::ptr::eq(Arc::as_ptr(t), p)
}

/// What futex_lock_pi_atomic() did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LockPi {
    /// The word was free: it now names the locker (Linux: return 1).
    Acquired,
    /// Owned by another task: a PiState names it, FUTEX_WAITERS is set (Linux: return 0).
    Contended,
}

/// Linux: rt_mutex_adjust_prio() on `owner`: its PI boost is the best priority waiting on any
/// PI futex it owns; `top` is the new best of `key` (None: nobody waits on it any more).
fn pi_owner_set(owner: &TaskStruct, key: FutexKey, top: Option<i32>) {
    let best = {
        let mut l = owner.futex.pi_state_list.lock();
        match (l.iter().position(|e| e.0 == key), top) {
            (Some(i), Some(p)) => l[i].1 = p,
            (Some(i), None) => {
                l.remove(i);
            }
            (None, Some(p)) => {
                if l.try_reserve(1).is_ok() {
                    l.push((key, p));
                }
            }
            (None, None) => {}
        }
        l.iter().map(|e| e.1).min().unwrap_or(MAX_PRIO)
    };
    owner.se.pi_prio.store(best, Ordering::Relaxed);
    let eff = owner.se.effective_prio();
    if eff != owner.se.prio() {
        crate::kernel::sched::core::set_prio(owner, eff);
    }
}

/// After PI waiters of `key` came or went: the owner's boost follows the best of them; with
/// none left the PiState goes (Linux: put_pi_state() of the last reference).
pub fn pi_waiters_changed(hb: &mut Bucket, key: &FutexKey) {
    let Some(i) = hb.pi.iter().position(|p| p.key == *key) else { return };
    let top = hb.chain.iter().filter(|q| q.pi && q.key.k == *key).map(|q| q.task.se.prio()).min();
    match top {
        Some(prio) => {
            let owner = hb.pi[i].owner.clone();
            pi_owner_set(&owner, *key, Some(prio));
        }
        None => {
            let ps = hb.pi.remove(i);
            pi_owner_set(&ps.owner, *key, None);
        }
    }
}

/// Makes a PiState for `key` owned by `owner` (Linux: alloc_pi_state + __attach_to_pi_owner).
fn attach_pi_state(hb: &mut Bucket, key: &FutexKey, owner: Task) -> KResult<()> {
    if hb.pi_state(key).is_none() {
        hb.pi.try_reserve(1).map_err(|_| ENOMEM)?;
        hb.pi.push(PiState { key: *key, owner });
    }
    Ok(())
}

/// Linux: handle_exit_race(): the TID in the word names no live task.  EBUSY while the task is
/// still exiting, EAGAIN if the word changed meanwhile, else ESRCH (the owner died without
/// a robust list, or the word is simply bogus).
fn handle_exit_race(uaddr: UserPtr<u32>, uval: u32, tsk: Option<&Task>) -> KResult<()> {
    if tsk.is_some_and(|t| t.futex.state.load(Ordering::Acquire) != FUTEX_STATE_DEAD) {
        return Err(EBUSY);
    }
    let uval2 = futex_get_value_locked(uaddr)?;
    if uval2 != uval {
        return Err(EAGAIN);
    }
    Err(ESRCH)
}

/// The owner a TID names, looked up outside the bucket lock (the pid table's lock ranks below
/// it; Linux does find_get_task_by_vpid() under RCU there).  attach_to_pi_owner() asks for a
/// TID with EAGAIN, and the caller's retry loop looks it up before locking again.
#[derive(Default)]
pub struct OwnerLookup {
    want: Option<u32>,
    found: Option<(u32, Option<Task>)>,
}

impl OwnerLookup {
    /// Whether the last attempt only needs a lookup (no reason to wait before retrying).
    pub fn pending(&self) -> bool {
        self.want.is_some()
    }
    /// Before (re)taking the bucket lock: look up the TID asked for.
    pub fn fill(&mut self) {
        if let Some(pid) = self.want.take() {
            self.found = Some((pid, crate::kernel::pid::find_task_by_pid(pid as i32)));
        }
    }
}

/// Linux: attach_to_pi_owner(): we are the first waiter: find the owner by the word's TID
/// and make the PiState.  EPERM for a kernel thread.
fn attach_to_pi_owner(
    uaddr: UserPtr<u32>,
    uval: u32,
    hb: &mut Bucket,
    key: &FutexKey,
    lookup: &mut OwnerLookup,
) -> KResult<()> {
    let pid = uval & FUTEX_TID_MASK;
    if pid == 0 {
        return Err(EAGAIN);
    }
    let found = match &lookup.found {
        Some((p, t)) if *p == pid => t.clone(),
        _ => {
            lookup.want = Some(pid);
            return Err(EAGAIN);
        }
    };
    let Some(p) = found else {
        return handle_exit_race(uaddr, uval, None);
    };
    if p.is_kthread() {
        return Err(EPERM);
    }
    if p.futex.state.load(Ordering::Acquire) != FUTEX_STATE_OK {
        return handle_exit_race(uaddr, uval, Some(&p));
    }
    attach_pi_state(hb, key, p)
}

/// Linux: attach_to_pi_state(): waiters exist: the word and the PiState must agree about the
/// owner, EINVAL when user space fiddled with the word (or mixed PI and non-PI operations).
fn attach_to_pi_state(uaddr: UserPtr<u32>, uval: u32, hb: &Bucket, key: &FutexKey) -> KResult<()> {
    let pid = uval & FUTEX_TID_MASK;
    let ps = hb.pi_state(key).ok_or(EINVAL)?;
    let uval2 = futex_get_value_locked(uaddr)?;
    if uval != uval2 {
        return Err(EAGAIN);
    }
    // Owner died with the TID already cleared (by the robust list walk): attach [6].
    if uval & FUTEX_OWNER_DIED != 0 && pid == 0 {
        return Ok(());
    }
    // The owner TID must be the same as the user space TID [9/10].
    if pid != ps.owner.pid() as u32 {
        return Err(EINVAL);
    }
    Ok(())
}

/// Linux: lock_pi_update_atomic().
fn lock_pi_update_atomic(uaddr: UserPtr<u32>, uval: u32, newval: u32) -> KResult<()> {
    let curval = futex_cmpxchg_value_locked(uaddr, uval, newval)?;
    if curval != uval {
        return Err(EAGAIN);
    }
    Ok(())
}

/// Linux: futex_lock_pi_atomic(): with `key`'s bucket locked, take the futex for `task` if it
/// is free (setting FUTEX_WAITERS and a PiState when `set_waiters`: requeue-PI is about to add
/// waiters), or mark it contended and attach to its owner.  EDEADLK when `task` owns it.
pub fn futex_lock_pi_atomic(
    uaddr: UserPtr<u32>,
    hb: &mut Bucket,
    key: &FutexKey,
    task: &Task,
    set_waiters: bool,
    lookup: &mut OwnerLookup,
) -> KResult<LockPi> {
    let uval = futex_get_value_locked(uaddr)?;
    let vpid = task.pid() as u32;
    // Detect deadlocks.
    if uval & FUTEX_TID_MASK == vpid {
        return Err(EDEADLK);
    }
    // Lookup existing state first.  If it exists, try to attach to its pi_state.
    if hb.top_waiter(key).is_some() {
        attach_to_pi_state(uaddr, uval, hb, key)?;
        return Ok(LockPi::Contended);
    }
    // No waiter and user TID is 0: we take over the futex, keeping the owner died bit.
    if uval & FUTEX_TID_MASK == 0 {
        let mut newval = (uval & FUTEX_OWNER_DIED) | vpid;
        if set_waiters {
            newval |= FUTEX_WAITERS;
        }
        lock_pi_update_atomic(uaddr, uval, newval)?;
        if set_waiters {
            attach_pi_state(hb, key, task.clone())?;
        }
        return Ok(LockPi::Acquired);
    }
    // First waiter.  Set the waiters bit before attaching ourself to the owner: if the owner
    // tries to unlock, it will be forced into the kernel and blocked on the bucket lock.
    let newval = uval | FUTEX_WAITERS;
    lock_pi_update_atomic(uaddr, uval, newval)?;
    attach_to_pi_owner(uaddr, newval, hb, key, lookup)?;
    Ok(LockPi::Contended)
}

/// Linux: futex_unqueue_pi(): take our PI-waiter entry off (a timeout or a signal), the owner's
/// boost recomputed.  False when a hand-off took it first (we own the futex after all).
fn futex_unqueue_pi(w: &Arc<Waiter>) -> bool {
    loop {
        let Some(b) = w.bucket() else { return false };
        let mut hb = lock_bucket(b);
        if w.bucket() != Some(b) {
            continue;
        }
        let q = hb.remove(w);
        if let Some(q) = &q {
            pi_waiters_changed(&mut hb, &q.key.k);
        }
        drop(hb);
        drop(q);
        return true;
    }
}

fn handed_off(w: &Waiter) -> bool {
    matches!(w.state(), Q_HANDOFF | Q_HANDOFF_OWNER_DIED)
}

/// Linux: fixup_pi_state_owner() for an owner that died: we were handed the futex by
/// exit_pi_state_list(); the word gets our TID with FUTEX_WAITERS and FUTEX_OWNER_DIED.
fn fixup_owner_died(uaddr: UserPtr<u32>, key: &FutexKey) -> KResult<()> {
    let newtid = current().pid() as u32 | FUTEX_WAITERS | FUTEX_OWNER_DIED;
    loop {
        let hb = lock_bucket(futex_hash(key));
        let r = (|| -> KResult<()> {
            let mut uval = futex_get_value_locked(uaddr)?;
            loop {
                let newval = (uval & FUTEX_OWNER_DIED) | newtid;
                let cur = futex_cmpxchg_value_locked(uaddr, uval, newval)?;
                if cur == uval {
                    return Ok(());
                }
                uval = cur;
            }
        })();
        drop(hb);
        match r {
            Ok(()) => return Ok(()),
            Err(_) => fault_in_user_writeable(uaddr)?,
        }
    }
}

/// Linux: rt_mutex_wait_proxy_lock() + fixup_pi_owner() + futex_unqueue_pi(): a queued PI
/// waiter of `key` (at `uaddr`) sleeps until the futex is handed to it (Ok), the deadline
/// passes (ETIMEDOUT) or a signal comes (EINTR; callers map it to their own errno).
pub fn pi_wait(uaddr: UserPtr<u32>, key: &FutexKey, w: &Arc<Waiter>, deadline: Option<u64>) -> KResult<()> {
    loop {
        prepare_to_sleep();
        futex_sleep(deadline, || !handed_off(w));
        match w.state() {
            Q_HANDOFF => return Ok(()),
            Q_HANDOFF_OWNER_DIED => return fixup_owner_died(uaddr, key),
            _ => {}
        }
        let timeout = timed_out(deadline);
        if !timeout && !crate::kernel::signal::signal_pending(&current()) {
            continue; // a spurious wake-up
        }
        if futex_unqueue_pi(w) {
            return Err(if timeout { ETIMEDOUT } else { EINTR });
        }
        // A hand-off raced with the timeout or the signal: the futex is ours.
    }
}

/// Linux: futex_lock_pi(): FUTEX_LOCK_PI (absolute CLOCK_REALTIME deadline), LOCK_PI2
/// (CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME) and TRYLOCK_PI (EWOULDBLOCK when owned).
/// A signal restarts it (ERESTARTNOINTR) after its handler.
pub fn futex_lock_pi(uaddr: UserPtr<u32>, shared: bool, deadline: Option<u64>, trylock: bool) -> KResult<usize> {
    let cur = current();
    let mut lookup = OwnerLookup::default();
    let (key, w) = loop {
        lookup.fill();
        let key = get_futex_key(uaddr, shared, Rw::Write)?;
        let b = futex_hash(&key.k);
        let mut hb = lock_bucket(b);
        match futex_lock_pi_atomic(uaddr, &mut hb, &key.k, &cur, false, &mut lookup) {
            Ok(LockPi::Acquired) => return Ok(0),
            Ok(LockPi::Contended) => {}
            Err(EFAULT) => {
                drop(hb);
                fault_in_user_writeable(uaddr)?;
                continue;
            }
            Err(EAGAIN) | Err(EBUSY) => {
                // The word changed under us, or its owner is exiting: try again.
                drop(hb);
                if crate::kernel::signal::fatal_signal_pending(&cur) {
                    return Err(EINTR);
                }
                if !lookup.pending() {
                    crate::kernel::sched::yield_now();
                }
                continue;
            }
            Err(e) => return Err(e),
        }
        if trylock {
            // Linux: rt_mutex_futex_trylock() on an owned lock fails.
            pi_waiters_changed(&mut hb, &key.k);
            return Err(EAGAIN);
        }
        let w = Waiter::new();
        let mut q = FutexQ::new(key.clone(), FUTEX_BITSET_MATCH_ANY, cur.clone(), w.clone());
        q.pi = true;
        prepare_to_sleep();
        if let Err(e) = hb.queue(b, q) {
            not_sleeping();
            pi_waiters_changed(&mut hb, &key.k);
            return Err(e);
        }
        pi_waiters_changed(&mut hb, &key.k);
        break (key, w);
    };
    match pi_wait(uaddr, &key.k, &w, deadline) {
        Ok(()) => Ok(0),
        Err(EINTR) => Err(ERESTARTNOINTR),
        Err(e) => Err(e),
    }
}

/// Linux: wake_futex_pi(): hand the futex to the top PI waiter: the word becomes its TID |
/// FUTEX_WAITERS (EAGAIN if a waiter set FUTEX_WAITERS since `uval` was read, EINVAL if the
/// word is not ours any more), the PiState names it, and it is woken.
fn wake_futex_pi(uaddr: UserPtr<u32>, uval: u32, hb: &mut Bucket, key: &FutexKey, top: usize) -> KResult<()> {
    let new_owner = hb.chain[top].task.clone();
    let newval = FUTEX_WAITERS | new_owner.pid() as u32;
    let curval = futex_cmpxchg_value_locked(uaddr, uval, newval)?;
    if curval != uval {
        // An unconditional UNLOCK_PI raced with a waiter setting FUTEX_WAITERS: retry.
        return Err(if curval & FUTEX_TID_MASK == uval { EAGAIN } else { EINVAL });
    }
    // This is a point of no return: the word names the new owner.
    let q = hb.take(top);
    if let Some(ps) = hb.pi_state_mut(key) {
        let old = core::mem::replace(&mut ps.owner, new_owner);
        pi_owner_set(&old, *key, None);
    }
    wake_futex(q, Q_HANDOFF);
    pi_waiters_changed(hb, key);
    Ok(())
}

/// Linux: futex_unlock_pi(): EPERM unless the word names us; with waiters in the kernel the
/// futex goes to the top one, without it simply becomes 0 (EAGAIN when the word changed).
pub fn futex_unlock_pi(uaddr: UserPtr<u32>, shared: bool) -> KResult<usize> {
    let cur = current();
    let vpid = cur.pid() as u32;
    loop {
        let uval = uaddr.read()?;
        // We release only a lock we actually own.
        if uval & FUTEX_TID_MASK != vpid {
            return Err(EPERM);
        }
        let key = get_futex_key(uaddr, shared, Rw::Write)?;
        let mut hb = lock_bucket(futex_hash(&key.k));
        // Check waiters first: we do not trust user space values at all.
        if let Some(top) = hb.top_waiter(&key.k) {
            if !hb.chain[top].pi {
                return Err(EINVAL);
            }
            // If current does not own the pi_state then the futex is inconsistent.
            if !hb.pi_state(&key.k).is_some_and(|ps| is_task(&ps.owner, &cur)) {
                return Err(EINVAL);
            }
            match wake_futex_pi(uaddr, uval, &mut hb, &key.k, top) {
                Ok(()) => return Ok(0),
                Err(EFAULT) => {
                    drop(hb);
                    fault_in_user_writeable(uaddr)?;
                }
                Err(EAGAIN) => drop(hb),
                Err(e) => return Err(e),
            }
            continue;
        }
        // No waiters in the kernel: we do neither preserve the WAITERS bit nor the OWNER_DIED
        // one.  We are the owner.
        match futex_cmpxchg_value_locked(uaddr, uval, 0) {
            Ok(curval) => return if curval == uval { Ok(0) } else { Err(EAGAIN) },
            Err(_) => {
                drop(hb);
                fault_in_user_writeable(uaddr)?;
            }
        }
    }
}

/// Linux: exit_pi_state_list(): the PI futexes a dying (or exec'ing) task still owns go to
/// their top waiters, which see FUTEX_OWNER_DIED and write their TID into the word themselves.
pub fn exit_pi_state_list(t: &TaskStruct) {
    let list = core::mem::take(&mut *t.futex.pi_state_list.lock());
    if list.is_empty() {
        return;
    }
    t.se.pi_prio.store(MAX_PRIO, Ordering::Relaxed);
    for (key, _) in list {
        let mut hb = lock_bucket(futex_hash(&key));
        let Some(pi) = hb.pi.iter().position(|p| p.key == key && is_task(&p.owner, t)) else { continue };
        match hb.chain.iter().position(|q| q.pi && q.key.k == key) {
            Some(i) => {
                let q = hb.take(i);
                hb.pi[pi].owner = q.task.clone();
                wake_futex(q, Q_HANDOFF_OWNER_DIED);
                pi_waiters_changed(&mut hb, &key);
            }
            None => {
                hb.pi.remove(pi);
            }
        }
    }
}
