//! FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_WAKE_OP, and futex_waitv's wait on many
//! futexes.  Linux: kernel/futex/waitwake.c.
//!
//! The waiter: look the key up, lock its bucket, read the word (faults disabled: a fault
//! unlocks, takes the fault, retries), compare, queue itself, set TASK_INTERRUPTIBLE, unlock,
//! sleep.  The waker: lock the bucket, take up to nr_wake waiters of the key (and bitset) off
//! the list in order, wake them.  Both sides hold the bucket lock across their check, which is
//! what makes a wake between the waiter's check and its sleep impossible to lose.

use super::core::*;
use crate::errno::*;
use crate::kernel::task::current;
use crate::mm::uaccess::{futex_atomic_op, pagefault_disable, UserPtr};
use alloc::sync::Arc;
use alloc::vec::Vec;
use linux_raw_sys::general as uapi;

/// Linux: futex_wake(): wakes up to `nr_wake` waiters of the futex whose bitset shares a bit
/// with `bitset` (at least one: Linux's `++ret >= nr_wake` test); EINVAL when one of them is a
/// PI waiter (user space mixed PI and non-PI operations on one futex).
pub fn futex_wake(uaddr: UserPtr<u32>, shared: bool, nr_wake: i32, bitset: u32) -> KResult<usize> {
    if bitset == 0 {
        return Err(EINVAL);
    }
    let key = get_futex_key(uaddr, shared, Rw::Read)?;
    let mut hb = lock_bucket(futex_hash(&key.k));
    wake_key(&mut hb, &key.k, nr_wake, bitset).map(|n| n as usize)
}

/// The wake loop of futex_wake and futex_wake_op over one bucket.
fn wake_key(hb: &mut Bucket, key: &FutexKey, nr_wake: i32, bitset: u32) -> KResult<i32> {
    let mut ret = 0;
    let mut i = 0;
    while i < hb.chain.len() {
        let q = &hb.chain[i];
        if q.key.k != *key {
            i += 1;
            continue;
        }
        if q.pi || q.requeue_pi_key.is_some() {
            return Err(EINVAL);
        }
        // Check if one of the bits is set in both bitsets.
        if q.bitset & bitset == 0 {
            i += 1;
            continue;
        }
        let q = hb.take(i);
        wake_futex(q, Q_WOKEN);
        ret += 1;
        if ret >= nr_wake {
            break;
        }
    }
    Ok(ret)
}

/// Linux: sign_extend32(value, index).
fn sign_extend32(value: u32, index: u32) -> i32 {
    let shift = 31 - index;
    ((value << shift) as i32) >> shift
}

/// Linux: futex_atomic_op_inuser(): apply FUTEX_WAKE_OP's operation to *uaddr (page faults
/// disabled) and compare the old value as its comparison says.  ENOSYS for an unknown
/// operation (nothing written) or comparison (written).
fn futex_atomic_op_inuser(encoded_op: u32, uaddr: UserPtr<u32>) -> KResult<bool> {
    let op = (encoded_op & 0x7000_0000) >> 28;
    let cmp = (encoded_op & 0x0f00_0000) >> 24;
    let mut oparg = sign_extend32((encoded_op & 0x00ff_f000) >> 12, 11);
    let cmparg = sign_extend32(encoded_op & 0x0000_0fff, 11);
    if encoded_op & (uapi::FUTEX_OP_OPARG_SHIFT << 28) != 0 {
        // Linux prints a warning and masks a shift out of 0..31.
        if !(0..=31).contains(&oparg) {
            oparg &= 31;
        }
        oparg = (1u32 << oparg) as i32;
    }
    let oldval = {
        let _pf = pagefault_disable();
        futex_atomic_op(op, oparg as u32, uaddr)? as i32
    };
    match cmp {
        uapi::FUTEX_OP_CMP_EQ => Ok(oldval == cmparg),
        uapi::FUTEX_OP_CMP_NE => Ok(oldval != cmparg),
        uapi::FUTEX_OP_CMP_LT => Ok(oldval < cmparg),
        uapi::FUTEX_OP_CMP_GE => Ok(oldval >= cmparg),
        uapi::FUTEX_OP_CMP_LE => Ok(oldval <= cmparg),
        uapi::FUTEX_OP_CMP_GT => Ok(oldval > cmparg),
        _ => Err(ENOSYS),
    }
}

/// Linux: futex_wake_op(): atomically change *uaddr2 by `op`, wake up to nr_wake waiters of
/// uaddr1 and, when op's comparison of the old *uaddr2 held, up to nr_wake2 of uaddr2.
pub fn futex_wake_op(
    uaddr1: UserPtr<u32>,
    shared: bool,
    uaddr2: UserPtr<u32>,
    nr_wake: i32,
    nr_wake2: i32,
    op: u32,
) -> KResult<usize> {
    loop {
        let key1 = get_futex_key(uaddr1, shared, Rw::Read)?;
        let key2 = get_futex_key(uaddr2, shared, Rw::Write)?;
        let mut hbs = DoubleLock::new(futex_hash(&key1.k), futex_hash(&key2.k));
        let op_ret = match futex_atomic_op_inuser(op, uaddr2) {
            Ok(r) => r,
            Err(EFAULT) => {
                drop(hbs);
                fault_in_user_writeable(uaddr2)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut ret = wake_key(hbs.hb1(), &key1.k, nr_wake, FUTEX_BITSET_MATCH_ANY)?;
        if op_ret {
            ret += wake_key(hbs.hb2(), &key2.k, nr_wake2, FUTEX_BITSET_MATCH_ANY)?;
        }
        return Ok(ret as usize);
    }
}

/// Linux: futex_wait_setup(): lock the bucket, check *uaddr == val (EWOULDBLOCK if not),
/// and queue a waiter in TASK_INTERRUPTIBLE.  A requeue-PI waiter (requeue_pi_key set)
/// whose two futexes are one is EINVAL.  Returns the waiter and the key it waits on.
pub fn futex_wait_setup(
    uaddr: UserPtr<u32>,
    val: u32,
    shared: bool,
    bitset: u32,
    requeue_pi_key: Option<FutexKey>,
) -> KResult<(Arc<Waiter>, Key)> {
    loop {
        let key = get_futex_key(uaddr, shared, Rw::Read)?;
        let b = futex_hash(&key.k);
        let mut hb = lock_bucket(b);
        let uval = match futex_get_value_locked(uaddr) {
            Ok(v) => v,
            Err(_) => {
                drop(hb);
                uaddr.read()?;
                continue;
            }
        };
        if uval != val {
            return Err(EAGAIN);
        }
        // The check futex_wait_requeue_pi() makes with the bucket locked: the keys, not just
        // the addresses, must differ.
        if requeue_pi_key.is_some_and(|k2| k2 == key.k) {
            return Err(EINVAL);
        }
        let w = Waiter::new();
        let mut q = FutexQ::new(key.clone(), bitset, current(), w.clone());
        q.requeue_pi_key = requeue_pi_key;
        prepare_to_sleep();
        if let Err(e) = hb.queue(b, q) {
            not_sleeping();
            return Err(e);
        }
        return Ok((w, key));
    }
}

/// Linux: futex_wait(): sleep until woken (0), the deadline passes (ETIMEDOUT) or a signal
/// comes (ERESTARTSYS without a timeout; with one ERESTARTNOHAND: EINTR for a handler, a
/// restart with the same absolute deadline otherwise — Linux's restart_block; a relative
/// FUTEX_WAIT timeout is made absolute at entry, so its restart starts the full time again).
pub fn futex_wait(uaddr: UserPtr<u32>, shared: bool, val: u32, deadline: Option<u64>, bitset: u32) -> KResult<usize> {
    if bitset == 0 {
        return Err(EINVAL);
    }
    loop {
        let (w, _key) = futex_wait_setup(uaddr, val, shared, bitset, None)?;
        futex_sleep(deadline, || w.queued());
        // If we were woken (and unqueued), we succeeded, whatever.
        if !futex_unqueue(&w) {
            return Ok(0);
        }
        if timed_out(deadline) {
            return Err(ETIMEDOUT);
        }
        // We expect signal_pending(current), but we might be the victim of a spurious wakeup.
        if !crate::kernel::signal::signal_pending(&current()) {
            continue;
        }
        return Err(if deadline.is_none() { ERESTARTSYS } else { ERESTARTNOHAND });
    }
}

/// One futex of a futex_waitv() call (Linux: struct futex_vector).
pub struct FutexVector {
    pub uaddr: UserPtr<u32>,
    pub val: u32,
    pub shared: bool,
    key: Option<Key>,
    w: Arc<Waiter>,
}

impl FutexVector {
    pub fn new(uaddr: UserPtr<u32>, val: u32, shared: bool) -> FutexVector {
        FutexVector { uaddr, val, shared, key: None, w: Waiter::new() }
    }
}

/// Linux: futex_unqueue_multiple(): unqueue the first `count`; the index of one that was
/// woken (the last such), or None.
fn futex_unqueue_multiple(vs: &[FutexVector], count: usize) -> Option<usize> {
    let mut ret = None;
    for (i, v) in vs[..count].iter().enumerate() {
        if !futex_unqueue(&v.w) {
            ret = Some(i);
        }
    }
    ret
}

/// Linux: futex_wait_multiple_setup(): the keys first (they may take faults), then each
/// futex's check and queueing under its bucket lock.  Ok(Some(i)): futex i was woken already;
/// Ok(None): all queued.
fn futex_wait_multiple_setup(vs: &mut [FutexVector]) -> KResult<Option<usize>> {
    let mut retry = false;
    'retry: loop {
        for v in vs.iter_mut() {
            // Private futexes don't need to recalculate the key on a retry.
            if !v.shared && retry {
                continue;
            }
            v.key = Some(get_futex_key(v.uaddr, v.shared, Rw::Read)?);
            v.w = Waiter::new();
        }
        prepare_to_sleep();
        for i in 0..vs.len() {
            let key = vs[i].key.clone().ok_or(EINVAL)?;
            let b = futex_hash(&key.k);
            let mut hb = lock_bucket(b);
            let r = futex_get_value_locked(vs[i].uaddr);
            if let Ok(uval) = r {
                if uval == vs[i].val {
                    let q = FutexQ::new(key, FUTEX_BITSET_MATCH_ANY, current(), vs[i].w.clone());
                    if let Err(e) = hb.queue(b, q) {
                        drop(hb);
                        not_sleeping();
                        futex_unqueue_multiple(vs, i);
                        return Err(e);
                    }
                    continue;
                }
            }
            drop(hb);
            not_sleeping();
            // Even if something went wrong, if we find out that a futex was woken, we don't
            // return an error and return this index to user space.
            if let Some(woken) = futex_unqueue_multiple(vs, i) {
                return Ok(Some(woken));
            }
            match r {
                Err(_) => {
                    vs[i].uaddr.read()?;
                    retry = true;
                    continue 'retry;
                }
                Ok(_) => return Err(EAGAIN),
            }
        }
        return Ok(None);
    }
}

/// Linux: futex_wait_multiple(): wait on all of `vs` at once; the index of a futex that was
/// woken, ETIMEDOUT, or ERESTARTSYS for a signal.
pub fn futex_wait_multiple(vs: &mut [FutexVector], deadline: Option<u64>) -> KResult<usize> {
    loop {
        if let Some(i) = futex_wait_multiple_setup(vs)? {
            return Ok(i);
        }
        futex_sleep(deadline, || vs.iter().all(|v| v.w.queued()));
        if let Some(i) = futex_unqueue_multiple(vs, vs.len()) {
            return Ok(i);
        }
        if timed_out(deadline) {
            return Err(ETIMEDOUT);
        }
        if crate::kernel::signal::signal_pending(&current()) {
            return Err(ERESTARTSYS);
        }
        // The final case is a spurious wakeup, for which just retry.
    }
}

/// Copies a futex_waitv array in (Linux: futex_parse_waitv()): EINVAL for unknown flags, a
/// non-zero __reserved, or a size other than FUTEX_32.
pub fn futex_parse_waitv(uwaitv: UserPtr<uapi::futex_waitv>, nr: usize) -> KResult<Vec<FutexVector>> {
    let mut v = crate::mm::util::kmalloc_array(nr, ENOMEM)?;
    for i in 0..nr {
        let mut raw = [0u8; 24];
        uwaitv.cast::<u8>().byte_add(i * 24).copy_in(&mut raw)?;
        let val = u64::from_le_bytes(raw[0..8].try_into().unwrap_or_default());
        let uaddr = u64::from_le_bytes(raw[8..16].try_into().unwrap_or_default());
        let flags = u32::from_le_bytes(raw[16..20].try_into().unwrap_or_default());
        let reserved = u32::from_le_bytes(raw[20..24].try_into().unwrap_or_default());
        const FUTEXV_WAITER_MASK: u32 = uapi::FUTEX_32 | uapi::FUTEX_PRIVATE_FLAG;
        if flags & !FUTEXV_WAITER_MASK != 0 || reserved != 0 {
            return Err(EINVAL);
        }
        if flags & uapi::FUTEX_32 == 0 {
            return Err(EINVAL);
        }
        v.push(FutexVector::new(UserPtr::new(uaddr as usize), val as u32, flags & uapi::FUTEX_PRIVATE_FLAG == 0));
    }
    Ok(v)
}
