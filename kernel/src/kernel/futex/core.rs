//! Futex keys, the hash of wait queues, struct futex_q, and what every operation shares:
//! reading and updating the user word under a bucket lock, timeouts, the sleep; and the
//! exit-time cleanup (robust lists, PI state).  Linux: kernel/futex/core.c, kernel/futex/futex.h.
//!
//! A futex is named by a key, as Linux's get_futex_key() makes it:
//!   - private futexes (FUTEX_PRIVATE_FLAG): (mm, address);
//!   - shared futexes in MAP_SHARED memory (anonymous shared memory, a shared file mapping,
//!     and so a SysV shm segment): (the shared object, page index, offset) — the same page
//!     seen by every process that maps it, wherever it maps it;
//!   - shared futexes in private memory (a private anonymous page, or a private file page):
//!     (mm, address) again, with FUT_OFF_MMSHARED set, so that they do not match the private
//!     key of the same word (Linux's keys differ there too).  Linux keys a private file page
//!     that was never written by its page-cache page; MenuOS keys every private page by mm.
//!
//! Waiters sleep in one of FUTEX_HASHSIZE buckets chosen by a hash of the key, each a spin
//! lock over a list ordered by priority (real-time waiters first, FIFO among equals: Linux's
//! plist).  The value check and the queueing happen under the bucket lock, so a wake between
//! them is never lost; the user word is read there with page faults disabled
//! (futex_get_value_locked), and a fault is taken after unlocking, then the operation retried.

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock, SpinLockGuard};
use crate::kernel::sched::prio::MAX_RT_PRIO;
use crate::kernel::task::{current, Task, TaskStruct, TASK_INTERRUPTIBLE, TASK_RUNNING};
use crate::mm::mm_types::{Backing, VmFlags};
use crate::mm::shmem::ShmObject;
use crate::mm::uaccess::{access_ok, futex_atomic_cmpxchg, pagefault_disable, UserPtr};
use crate::mm::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use linux_raw_sys::general as uapi;

pub const FUTEX_WAITERS: u32 = uapi::FUTEX_WAITERS;
pub const FUTEX_OWNER_DIED: u32 = uapi::FUTEX_OWNER_DIED;
pub const FUTEX_TID_MASK: u32 = uapi::FUTEX_TID_MASK;
pub const FUTEX_BITSET_MATCH_ANY: u32 = uapi::FUTEX_BITSET_MATCH_ANY;

/// Linux: FUT_OFF_INODE / FUT_OFF_MMSHARED, or'ed into the key's offset.
const FUT_OFF_INODE: u32 = 1;
const FUT_OFF_MMSHARED: u32 = 2;

/// Linux: union futex_key: (the mm or the shared object, the address or page index, the
/// offset in the page with the FUT_OFF_* kind bits).  The mm is named by its satp, a shared
/// object by its address: a waiter's own mm is alive while it waits, and a shared object is
/// pinned by its Key (below).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FutexKey {
    ptr: usize,
    word: usize,
    offset: u32,
}

/// A key with what keeps its shared object (and so its address) alive while it is used.
#[derive(Clone)]
pub struct Key {
    pub k: FutexKey,
    _pin: Option<Arc<ShmObject>>,
}

/// Linux: enum futex_access: whether the operation will write the word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rw {
    Read,
    Write,
}

/// Linux: get_futex_key(): EINVAL for a misaligned word, EFAULT for one outside user space
/// or (shared) not mapped with the access the operation needs.
pub fn get_futex_key(uaddr: UserPtr<u32>, shared: bool, rw: Rw) -> KResult<Key> {
    let address = uaddr.addr();
    let offset = (address % PAGE_SIZE) as u32;
    // The futex address must be "naturally" aligned.
    if !address.is_multiple_of(core::mem::size_of::<u32>()) {
        return Err(EINVAL);
    }
    let page = address - offset as usize;
    if !access_ok(address, core::mem::size_of::<u32>()) {
        return Err(EFAULT);
    }
    // The mm's identity is its satp: the root page table's frame is the mm's own while it
    // lives (and read without a lock: the futex fast path).  0: a kernel thread, no mm.
    let mm_id = crate::kernel::task::with_current(|c| c.mm_satp.load(Ordering::Relaxed));
    if mm_id == 0 {
        return Err(EFAULT);
    }
    // PROCESS_PRIVATE futexes are fast: the mm and the address are the key; the mapping is not
    // even looked at (a bad address shows when the word is read).
    if !shared {
        return Ok(Key { k: FutexKey { ptr: mm_id, word: page, offset }, _pin: None });
    }
    let cur = current();
    let mm_guard = cur.mm.lock();
    let mm = mm_guard.as_ref().ok_or(EFAULT)?;
    let m = mm.inner.lock();
    let vma = m.find_vma(address).ok_or(EFAULT)?;
    // Linux: get_user_pages_fast(): FOLL_WRITE for FUTEX_WRITE, read access otherwise.
    let access = match rw {
        Rw::Read => VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC,
        Rw::Write => VmFlags::WRITE,
    };
    if !vma.flags.intersects(access) {
        return Err(EFAULT);
    }
    match &vma.backing {
        Backing::Shared { obj, pgoff, .. } => {
            let idx = pgoff + (page - vma.start) / PAGE_SIZE;
            if !obj.contains(idx) {
                return Err(EFAULT);
            }
            let k = FutexKey { ptr: Arc::as_ptr(obj) as usize, word: idx, offset: offset | FUT_OFF_INODE };
            Ok(Key { k, _pin: Some(obj.clone()) })
        }
        Backing::Anon | Backing::File { .. } => {
            Ok(Key { k: FutexKey { ptr: mm_id, word: page, offset: offset | FUT_OFF_MMSHARED }, _pin: None })
        }
    }
}

/// Linux: futex_hashsize = roundup_pow_of_two(256 * num_possible_cpus()).
const FUTEX_HASHSIZE: usize = 256;

/// Linux: hash_futex() (jhash2 of the key): a multiplicative hash of its three words.
pub fn futex_hash(k: &FutexKey) -> usize {
    let h = (k.ptr as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (k.word as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
        ^ (k.offset as u64).wrapping_mul(0x1656_67b1_9e37_79f9);
    ((h ^ (h >> 29) ^ (h >> 47)) as usize) & (FUTEX_HASHSIZE - 1)
}

// What happened to a queued waiter (Linux: q->lock_ptr == NULL after a wake, and
// q->requeue_state for requeue-PI).  Written by the waker under the bucket lock.
/// Still queued (or woken by a timeout or a signal, not by a futex operation).
pub const Q_QUEUED: u8 = 0;
/// Woken by FUTEX_WAKE / WAKE_OP / REQUEUE.
pub const Q_WOKEN: u8 = 1;
/// futex_wait_requeue_pi(): moved onto the PI futex, now waiting for it (Q_REQUEUE_PI_DONE).
pub const Q_REQUEUED_PI: u8 = 2;
/// futex_wait_requeue_pi(): the requeue took the PI futex for it (Q_REQUEUE_PI_LOCKED).
pub const Q_LOCKED: u8 = 3;
/// A PI waiter that was handed the lock by FUTEX_UNLOCK_PI (the word already names it).
pub const Q_HANDOFF: u8 = 4;
/// A PI waiter that was handed the lock because its owner died (exit_pi_state_list); it
/// writes its TID with FUTEX_OWNER_DIED into the word itself (Linux: fixup_pi_state_owner).
pub const Q_HANDOFF_OWNER_DIED: u8 = 5;

const NOT_QUEUED: usize = usize::MAX;

/// The half of a futex_q the sleeping task keeps: where its entry is and what happened to it.
pub struct Waiter {
    /// The bucket its entry is in (requeue moves it), NOT_QUEUED once a waker took it out.
    bucket: AtomicUsize,
    state: AtomicU8,
}

impl Waiter {
    pub fn new() -> Arc<Waiter> {
        Arc::new(Waiter { bucket: AtomicUsize::new(NOT_QUEUED), state: AtomicU8::new(Q_QUEUED) })
    }
    /// Still on a bucket's list (Linux: q->lock_ptr != NULL).
    pub fn queued(&self) -> bool {
        self.bucket.load(Ordering::Acquire) != NOT_QUEUED
    }
    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }
    pub fn bucket(&self) -> Option<usize> {
        Some(self.bucket.load(Ordering::Acquire)).filter(|&b| b != NOT_QUEUED)
    }
    /// Records what a waker did (under the bucket lock).
    pub fn state_store(&self, s: u8) {
        self.state.store(s, Ordering::Release);
    }
}

/// Linux: struct futex_q — one waiter's entry on a bucket's list.
pub struct FutexQ {
    pub key: Key,
    /// Linux: the plist priority: the task's normal priority, all non-real-time ones equal.
    pub prio: i32,
    pub bitset: u32,
    pub task: Task,
    pub w: Arc<Waiter>,
    /// Linux: rt_waiter + requeue_pi_key: waiting in futex_wait_requeue_pi() for this PI futex.
    pub requeue_pi_key: Option<FutexKey>,
    /// Linux: pi_state != NULL: blocked on a PI futex (the rt_mutex of its pi_state).
    pub pi: bool,
}

impl FutexQ {
    pub fn new(key: Key, bitset: u32, task: Task, w: Arc<Waiter>) -> FutexQ {
        let prio = task.se.normal_prio().min(MAX_RT_PRIO);
        FutexQ { key, prio, bitset, task, w, requeue_pi_key: None, pi: false }
    }
}

/// Linux: struct futex_pi_state, kept in the bucket of its key while PI waiters exist (the
/// user word then has FUTEX_WAITERS set and names `owner`).
pub struct PiState {
    pub key: FutexKey,
    pub owner: Task,
}

/// Linux: struct futex_hash_bucket.
pub struct Bucket {
    pub chain: Vec<FutexQ>,
    pub pi: Vec<PiState>,
}

impl Bucket {
    const fn new() -> Self {
        Bucket { chain: Vec::new(), pi: Vec::new() }
    }

    /// Linux: __futex_queue(): by priority, FIFO among equals.  ENOMEM if the list cannot grow.
    pub fn queue(&mut self, idx: usize, q: FutexQ) -> KResult<()> {
        self.chain.try_reserve(1).map_err(|_| ENOMEM)?;
        let pos = self.chain.iter().position(|e| e.prio > q.prio).unwrap_or(self.chain.len());
        q.w.bucket.store(idx, Ordering::Release);
        self.chain.insert(pos, q);
        NR_WAITERS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Takes the entry at `i` off the list (Linux: __futex_unqueue()).
    pub fn take(&mut self, i: usize) -> FutexQ {
        NR_WAITERS.fetch_sub(1, Ordering::Relaxed);
        self.chain.remove(i)
    }

    /// Linux: futex_top_waiter(): the first waiter of `key`.
    pub fn top_waiter(&self, key: &FutexKey) -> Option<usize> {
        self.chain.iter().position(|q| q.key.k == *key)
    }

    /// Takes the entry of `w` off the list (it is then on none).
    pub fn remove(&mut self, w: &Arc<Waiter>) -> Option<FutexQ> {
        let i = self.chain.iter().position(|q| Arc::ptr_eq(&q.w, w))?;
        let q = self.take(i);
        q.w.bucket.store(NOT_QUEUED, Ordering::Release);
        Some(q)
    }

    pub fn pi_state(&self, key: &FutexKey) -> Option<&PiState> {
        self.pi.iter().find(|p| p.key == *key)
    }
    pub fn pi_state_mut(&mut self, key: &FutexKey) -> Option<&mut PiState> {
        self.pi.iter_mut().find(|p| p.key == *key)
    }
}

/// How many waiters are queued in all the buckets (Linux keeps such a count per bucket,
/// futex_hb_waiters_pending): the exit-time clear_child_tid wake skips its key lookup when
/// nobody waits anywhere.
static NR_WAITERS: AtomicUsize = AtomicUsize::new(0);

/// Whether any task waits on any futex.
pub fn futex_waiters_pending() -> bool {
    NR_WAITERS.load(Ordering::Relaxed) != 0
}

static FUTEX_QUEUES: [SpinLock<Bucket, class::Futex>; FUTEX_HASHSIZE] =
    [const { SpinLock::new(Bucket::new()) }; FUTEX_HASHSIZE];

/// Linux: futex_q_lock() / spin_lock(&hb->lock).
pub fn lock_bucket(i: usize) -> SpinLockGuard<'static, Bucket> {
    FUTEX_QUEUES[i].lock()
}

/// Linux: double_lock_hb(): two buckets, lower index first (one lock when they are the same).
pub struct DoubleLock {
    first: SpinLockGuard<'static, Bucket>,
    second: Option<SpinLockGuard<'static, Bucket>>,
    swapped: bool,
}

impl DoubleLock {
    pub fn new(b1: usize, b2: usize) -> DoubleLock {
        if b1 == b2 {
            return DoubleLock { first: lock_bucket(b1), second: None, swapped: false };
        }
        let (lo, hi) = if b1 < b2 { (b1, b2) } else { (b2, b1) };
        let first = FUTEX_QUEUES[lo].lock();
        let second = Some(FUTEX_QUEUES[hi].lock_nested(1));
        DoubleLock { first, second, swapped: b1 > b2 }
    }
    pub fn hb1(&mut self) -> &mut Bucket {
        match (&mut self.second, self.swapped) {
            (Some(s), true) => s,
            _ => &mut self.first,
        }
    }
    pub fn hb2(&mut self) -> &mut Bucket {
        match (&mut self.second, self.swapped) {
            (Some(s), false) => s,
            _ => &mut self.first,
        }
    }
}

/// Linux: futex_wake_mark(): take the waiter off its list (done by the caller) and wake it,
/// telling it what happened.
pub fn wake_futex(q: FutexQ, state: u8) {
    q.w.state.store(state, Ordering::Release);
    q.w.bucket.store(NOT_QUEUED, Ordering::Release);
    crate::kernel::sched::wake_up_process(&q.task);
}

/// Linux: futex_unqueue(): take our own entry off whatever list it is on now (a requeue may
/// have moved it).  True when it was still queued; false when a waker took it out first.
pub fn futex_unqueue(w: &Arc<Waiter>) -> bool {
    loop {
        let Some(b) = w.bucket() else { return false };
        let mut hb = lock_bucket(b);
        if w.bucket.load(Ordering::Acquire) != b {
            continue;
        }
        let q = hb.remove(w);
        w.bucket.store(NOT_QUEUED, Ordering::Release);
        drop(hb);
        drop(q);
        return true;
    }
}

/// Linux: futex_get_value_locked(): the user word, read with page faults disabled (under a
/// bucket lock); EFAULT when it is not present.
pub fn futex_get_value_locked(uaddr: UserPtr<u32>) -> KResult<u32> {
    let _pf = pagefault_disable();
    uaddr.read()
}

/// Linux: futex_cmpxchg_value_locked().
pub fn futex_cmpxchg_value_locked(uaddr: UserPtr<u32>, old: u32, new: u32) -> KResult<u32> {
    let _pf = pagefault_disable();
    futex_atomic_cmpxchg(uaddr, old, new)
}

/// Linux: fault_in_user_writeable().
pub fn fault_in_user_writeable(uaddr: UserPtr<u32>) -> KResult<()> {
    crate::mm::memory::fixup_user_fault_write(uaddr.addr())
}

/// Whether the deadline (timer cycles) has passed (Linux: the hrtimer_sleeper fired).
pub fn timed_out(deadline: Option<u64>) -> bool {
    deadline.is_some_and(|d| crate::arch::riscv::time::get_cycles() >= d)
}

/// Linux: futex_wait_queue()'s sleep: the caller set TASK_INTERRUPTIBLE before queueing (a
/// wake since then made it TASK_RUNNING); sleep while `waiting()` holds and neither the
/// deadline nor a signal ends it.
pub fn futex_sleep(deadline: Option<u64>, waiting: impl Fn() -> bool) {
    let cur = current();
    if waiting() && !timed_out(deadline) && !crate::kernel::signal::signal_pending(&cur) {
        let t = deadline.map(|d| crate::kernel::time::add_timeout(&cur, d));
        crate::kernel::sched::schedule();
        if let Some(t) = t {
            crate::kernel::time::cancel_timeout(t);
        }
    }
    cur.set_state(TASK_RUNNING);
}

/// Sets the caller's state before it queues itself (Linux: set_current_state()).
pub fn prepare_to_sleep() {
    crate::kernel::task::with_current(|c| c.set_state(TASK_INTERRUPTIBLE));
}

pub fn not_sleeping() {
    crate::kernel::task::with_current(|c| c.set_state(TASK_RUNNING));
}

// The task's futex state.  Linux: task_struct's robust_list, pi_state_list, futex_state.

/// Linux: enum futex_state: the owner of PI futexes is alive, on its way out, or gone.
pub const FUTEX_STATE_OK: u8 = 0;
pub const FUTEX_STATE_EXITING: u8 = 1;
pub const FUTEX_STATE_DEAD: u8 = 2;

/// Linux: a task's futex fields.
pub struct FutexState {
    /// Linux: robust_list — the user's struct robust_list_head (set_robust_list), 0: none.
    pub robust_list: AtomicUsize,
    /// Linux: pi_state_list — the PI futexes this task owns while others wait for them, with
    /// the best priority waiting on each (what its PI boost is made of).
    pub pi_state_list: SpinLock<Vec<(FutexKey, i32)>, class::PiLock>,
    /// Linux: futex_state.
    pub state: AtomicU8,
}

impl Default for FutexState {
    fn default() -> Self {
        Self::new()
    }
}

impl FutexState {
    pub const fn new() -> Self {
        FutexState {
            robust_list: AtomicUsize::new(0),
            pi_state_list: SpinLock::new(Vec::new()),
            state: AtomicU8::new(FUTEX_STATE_OK),
        }
    }
}

crate::user_pod! {
    /// Linux: struct robust_list_head (include/uapi/linux/futex.h).
    #[derive(Clone, Copy, Default)]
    pub struct RobustListHead {
        pub list_next: usize,
        pub futex_offset: isize,
        pub list_op_pending: usize,
    }
}

/// Linux: fetch_robust_entry(): a list pointer, its low bit saying "PI futex".
fn fetch_robust_entry(head: usize) -> KResult<(usize, bool)> {
    let v: usize = UserPtr::<usize>::new(head).read()?;
    Ok((v & !1, v & 1 != 0))
}

/// Linux: handle_futex_death(): a robust futex the dying task `curr` still holds gets
/// FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and one waiter is woken; a pending lock
/// operation on a free non-PI futex just wakes one waiter.  Err: stop walking.
fn handle_futex_death(uaddr: usize, curr: &TaskStruct, pi: bool, pending_op: bool) -> Result<(), ()> {
    // Futex address must be 32bit aligned.
    if !uaddr.is_multiple_of(4) {
        return Err(());
    }
    let ua = UserPtr::<u32>::new(uaddr);
    loop {
        let uval = ua.read().map_err(|_| ())?;
        let owner = uval & FUTEX_TID_MASK;
        if pending_op && !pi && owner == 0 {
            let _ = super::waitwake::futex_wake(ua, true, 1, FUTEX_BITSET_MATCH_ANY);
            return Ok(());
        }
        if owner != curr.pid() as u32 {
            return Ok(());
        }
        // Ok, this dying thread is truly holding a futex of interest.  Set the OWNER_DIED bit
        // atomically, and if the value had FUTEX_WAITERS set, wake up a waiter (if any).
        let mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        let nval = match futex_cmpxchg_value_locked(ua, uval, mval) {
            Ok(v) => v,
            Err(_) => {
                fault_in_user_writeable(ua).map_err(|_| ())?;
                continue;
            }
        };
        if nval != uval {
            continue;
        }
        // Wake robust non-PI futexes here.  The wakeup of PI futexes happens in
        // exit_pi_state_list().
        if !pi && uval & FUTEX_WAITERS != 0 {
            let _ = super::waitwake::futex_wake(ua, true, 1, FUTEX_BITSET_MATCH_ANY);
        }
        return Ok(());
    }
}

/// Linux: exit_robust_list(): walk the dying task's list of held robust futexes (at most
/// ROBUST_LIST_LIMIT entries: a circular or endless list stops there), then the pending one.
fn exit_robust_list(curr: &TaskStruct, head: usize) {
    // The head in one copy: the list, the futex offset, the pending entry.
    let Ok(h) = UserPtr::<RobustListHead>::new(head).read() else { return };
    let (mut entry, mut pi) = (h.list_next & !1, h.list_next & 1 != 0);
    let futex_offset = h.futex_offset;
    let (pending, pip) = (h.list_op_pending & !1, h.list_op_pending & 1 != 0);
    let mut limit = uapi::ROBUST_LIST_LIMIT;
    while entry != head {
        // Fetch the next entry in the list before calling handle_futex_death.
        let next = fetch_robust_entry(entry);
        // A pending lock might already be on the list, so don't process it twice.
        if entry != pending && handle_futex_death(entry.wrapping_add(futex_offset as usize), curr, pi, false).is_err() {
            return;
        }
        let Ok((n, npi)) = next else { return };
        entry = n;
        pi = npi;
        limit -= 1;
        if limit == 0 {
            break;
        }
    }
    if pending != 0 {
        let _ = handle_futex_death(pending.wrapping_add(futex_offset as usize), curr, pip, true);
    }
}

/// Linux: futex_cleanup(): the robust list, then the PI futexes still owned.
fn futex_cleanup(t: &TaskStruct) {
    let head = t.futex.robust_list.swap(0, Ordering::Relaxed);
    if head != 0 {
        exit_robust_list(t, head);
    }
    super::pi::exit_pi_state_list(t);
}

/// Linux: futex_exit_release() (from exit_mm_release): at exit, with the mm still there.
pub fn futex_exit_release(t: &TaskStruct) {
    t.futex.state.store(FUTEX_STATE_EXITING, Ordering::Release);
    futex_cleanup(t);
    t.futex.state.store(FUTEX_STATE_DEAD, Ordering::Release);
}

/// Linux: futex_exec_release() (from exec_mm_release): exec ends the old image's robust
/// futexes and PI ownership as exit does, and the task goes on.
pub fn futex_exec_release(t: &TaskStruct) {
    t.futex.state.store(FUTEX_STATE_EXITING, Ordering::Release);
    futex_cleanup(t);
    t.futex.state.store(FUTEX_STATE_OK, Ordering::Release);
}
