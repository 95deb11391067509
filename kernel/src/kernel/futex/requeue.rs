//! FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, and the requeue-PI pair FUTEX_WAIT_REQUEUE_PI /
//! FUTEX_CMP_REQUEUE_PI that PI condition variables are made of.  Linux: kernel/futex/requeue.c.
//!
//! A requeue wakes nr_wake waiters of uaddr1 and moves up to nr_requeue more onto uaddr2
//! (they then wait there, without waking).  With PI, the waiters are moved onto a PI futex:
//! the first one takes it at once if it is free (it wakes owning it), the others become its
//! PI waiters, as if they had called FUTEX_LOCK_PI.

use super::core::*;
use super::pi::{futex_lock_pi_atomic, pi_wait, pi_waiters_changed, LockPi, OwnerLookup};
use super::waitwake::futex_wait_setup;
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;

/// Linux: futex_proxy_trylock_atomic(): take the PI futex for the top waiter of key1, waking
/// it (1), or attach to its owner (0).  EINVAL when that waiter is not a matching
/// futex_wait_requeue_pi() one.
fn futex_proxy_trylock_atomic(
    pifutex: UserPtr<u32>,
    hbs: &mut DoubleLock,
    key1: &FutexKey,
    key2: &FutexKey,
    set_waiters: bool,
    lookup: &mut OwnerLookup,
) -> KResult<i32> {
    futex_get_value_locked(pifutex)?;
    // There are no waiters, nothing for us to do.
    let Some(i) = hbs.hb1().top_waiter(key1) else { return Ok(0) };
    let top = &hbs.hb1().chain[i];
    // Ensure that this is a waiter sitting in futex_wait_requeue_pi() and waiting on the
    // 'waitqueue' futex which is always !PI, for the expected PI futex.
    if top.requeue_pi_key != Some(*key2) || top.pi {
        return Err(EINVAL);
    }
    let task = top.task.clone();
    match futex_lock_pi_atomic(pifutex, hbs.hb2(), key2, &task, set_waiters, lookup)? {
        LockPi::Acquired => {
            // Linux: requeue_pi_wake_futex(): the waiter returns owning the PI futex.
            let q = hbs.hb1().take(i);
            wake_futex(q, Q_LOCKED);
            Ok(1)
        }
        LockPi::Contended => Ok(0),
    }
}

/// Linux: requeue_futex(): the entry at `i` of hb1 moves to key2 (in place when both keys
/// hash to one bucket).  Returns whether `i` still names it; ENOMEM (nothing moved) when
/// hb2's list cannot grow.
fn requeue_futex(hbs: &mut DoubleLock, same: bool, b2: usize, i: usize, key2: &Key, state: u8) -> KResult<bool> {
    let retarget = |q: &mut FutexQ| {
        q.key = key2.clone();
        if state == Q_REQUEUED_PI {
            q.pi = true;
            q.requeue_pi_key = None;
        }
        q.w.state_store(state);
    };
    if same {
        retarget(&mut hbs.hb1().chain[i]);
        return Ok(true);
    }
    hbs.hb2().chain.try_reserve(1).map_err(|_| ENOMEM)?;
    let mut q = hbs.hb1().take(i);
    retarget(&mut q);
    hbs.hb2().queue(b2, q)?;
    Ok(false)
}

/// Linux: futex_requeue(): wake nr_wake waiters of uaddr1 and requeue up to nr_requeue onto
/// uaddr2 — if *uaddr1 is still `cmpval` (CMP_REQUEUE, EAGAIN if not).  Returns how many
/// were woken or requeued.
pub fn futex_requeue(
    uaddr1: UserPtr<u32>,
    shared: bool,
    uaddr2: UserPtr<u32>,
    nr_wake: i32,
    nr_requeue: i32,
    cmpval: Option<u32>,
    requeue_pi: bool,
) -> KResult<usize> {
    if nr_wake < 0 || nr_requeue < 0 {
        return Err(EINVAL);
    }
    if requeue_pi {
        // Requeue PI only works on two distinct uaddrs, and wakes exactly one (see Linux).
        if uaddr1.addr() == uaddr2.addr() || nr_wake != 1 {
            return Err(EINVAL);
        }
    }
    let mut lookup = OwnerLookup::default();
    loop {
        lookup.fill();
        let key1 = get_futex_key(uaddr1, shared, Rw::Read)?;
        let key2 = get_futex_key(uaddr2, shared, if requeue_pi { Rw::Write } else { Rw::Read })?;
        // The address check above is not sufficient for shared futexes: compare the keys.
        if requeue_pi && key1.k == key2.k {
            return Err(EINVAL);
        }
        let (b1, b2) = (futex_hash(&key1.k), futex_hash(&key2.k));
        let mut hbs = DoubleLock::new(b1, b2);
        if let Some(cmpval) = cmpval {
            match futex_get_value_locked(uaddr1) {
                Ok(cur) if cur != cmpval => return Err(EAGAIN),
                Ok(_) => {}
                Err(_) => {
                    drop(hbs);
                    uaddr1.read()?;
                    continue;
                }
            }
        }
        let mut task_count: i32 = 0;
        if requeue_pi {
            match futex_proxy_trylock_atomic(uaddr2, &mut hbs, &key1.k, &key2.k, nr_requeue > 0, &mut lookup) {
                Ok(n) => task_count += n,
                Err(EFAULT) => {
                    drop(hbs);
                    fault_in_user_writeable(uaddr2)?;
                    continue;
                }
                Err(EAGAIN) | Err(EBUSY) => {
                    drop(hbs);
                    if crate::kernel::signal::fatal_signal_pending(&crate::kernel::task::current()) {
                        return Err(EINTR);
                    }
                    if !lookup.pending() {
                        crate::kernel::sched::yield_now();
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        let same = b1 == b2;
        let mut ret = Ok(());
        let mut i = 0;
        while i < hbs.hb1().chain.len() {
            if task_count - nr_wake >= nr_requeue {
                break;
            }
            let q = &hbs.hb1().chain[i];
            if q.key.k != key1.k {
                i += 1;
                continue;
            }
            // FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI should always be paired with each
            // other and no other futex ops; a PI waiter is never requeued.
            if requeue_pi != q.requeue_pi_key.is_some() || q.pi {
                ret = Err(EINVAL);
                break;
            }
            if !requeue_pi {
                task_count += 1;
                if task_count <= nr_wake {
                    let q = hbs.hb1().take(i);
                    wake_futex(q, Q_WOKEN);
                } else {
                    match requeue_futex(&mut hbs, same, b2, i, &key2, Q_QUEUED) {
                        Ok(true) => i += 1,
                        Ok(false) => {}
                        Err(e) => {
                            ret = Err(e);
                            break;
                        }
                    }
                }
                continue;
            }
            // Ensure we requeue to the expected futex for requeue_pi.
            if q.requeue_pi_key != Some(key2.k) {
                ret = Err(EINVAL);
                break;
            }
            // Linux: rt_mutex_start_proxy_lock(): the waiter queues on the PI futex, whose
            // state futex_proxy_trylock_atomic() attached (EDEADLK if it owns it itself).
            let task = q.task.clone();
            let Some(owner) = hbs.hb2().pi_state(&key2.k).map(|p| p.owner.clone()) else { break };
            if Arc::ptr_eq(&owner, &task) {
                ret = Err(EDEADLK);
                break;
            }
            match requeue_futex(&mut hbs, same, b2, i, &key2, Q_REQUEUED_PI) {
                Ok(true) => i += 1,
                Ok(false) => {}
                Err(e) => {
                    ret = Err(e);
                    break;
                }
            }
            task_count += 1;
        }
        if requeue_pi {
            // The owner's boost follows the new waiters; an unused PI state goes.
            pi_waiters_changed(hbs.hb2(), &key2.k);
        }
        drop(hbs);
        ret?;
        return Ok(task_count as usize);
    }
}

/// Linux: futex_wait_requeue_pi(): wait on the non-PI futex uaddr until FUTEX_CMP_REQUEUE_PI
/// moves us onto the PI futex uaddr2 and we own it (0).  Before the requeue a timeout is
/// ETIMEDOUT and a signal restarts the call (ERESTARTNOINTR); after it, a signal ends the wait
/// for the PI futex with EWOULDBLOCK (Linux: restarting would see the word unchanged).
pub fn futex_wait_requeue_pi(
    uaddr: UserPtr<u32>,
    shared: bool,
    val: u32,
    deadline: Option<u64>,
    bitset: u32,
    uaddr2: UserPtr<u32>,
) -> KResult<usize> {
    if uaddr.addr() == uaddr2.addr() || bitset == 0 {
        return Err(EINVAL);
    }
    let key2 = get_futex_key(uaddr2, shared, Rw::Write)?;
    let (w, _key) = futex_wait_setup(uaddr, val, shared, bitset, Some(key2.k))?;
    futex_sleep(deadline, || w.state() == Q_QUEUED);
    loop {
        match w.state() {
            // The requeue acquired the lock for us.
            Q_LOCKED => return Ok(0),
            // Requeue completed: we are a waiter of the PI futex (or already its owner).
            Q_REQUEUED_PI | Q_HANDOFF | Q_HANDOFF_OWNER_DIED => {
                return match pi_wait(uaddr2, &key2.k, &w, deadline) {
                    Ok(()) => Ok(0),
                    Err(EINTR) => Err(EAGAIN),
                    Err(e) => Err(e),
                };
            }
            _ => {}
        }
        // Linux: handle_early_requeue_pi_wakeup(): still on uaddr — a timeout, a signal, or
        // a spurious wake-up before any requeue.
        let Some(b) = w.bucket() else { return Err(EAGAIN) };
        let mut hb = lock_bucket(b);
        if w.bucket() != Some(b) || w.state() != Q_QUEUED {
            continue;
        }
        let q = hb.remove(&w);
        drop(hb);
        drop(q);
        return Err(if timed_out(deadline) {
            ETIMEDOUT
        } else if crate::kernel::signal::signal_pending(&crate::kernel::task::current()) {
            ERESTARTNOINTR
        } else {
            EAGAIN
        });
    }
}
