//! Per-user counts: how many processes (and, later, pending signals, message-queue bytes,
//! locked memory) each user has, for the per-user rlimits.  Linux: kernel/ucount.c
//! (alloc_ucounts, put_ucounts, inc_rlimit_ucounts, dec_rlimit_ucounts,
//! is_rlimit_overlimit), include/linux/user_namespace.h (enum rlimit_type).
//!
//! A cred holds the `UCounts` of its real uid (Linux: cred->ucounts); commit_creds() moves a
//! task's process count to the new one when the real uid changes, copy_process() counts the
//! child, release_task() uncounts it.  Linux counts per (user namespace, uid); the table is
//! keyed the same way, with the namespace's address.

use crate::kernel::cred::UserNamespace;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicI64, Ordering};

/// Linux: enum rlimit_type — the rlimits counted per user.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RlimitType {
    Nproc = 0,
    Msgqueue = 1,
    Sigpending = 2,
    Memlock = 3,
}
const UCOUNT_RLIMIT_COUNTS: usize = 4;

/// Linux: struct ucounts.
pub struct UCounts {
    pub ns: Arc<UserNamespace>,
    pub uid: u32,
    /// Linux: ucounts->rlimit[]
    rlimit: [AtomicI64; UCOUNT_RLIMIT_COUNTS],
}

/// Linux: ucounts_hashtable, under ucounts_lock.  Entries are weak: a UCounts lives as long
/// as a cred holds it, and leaves the table when the last one goes.
static UCOUNTS: SpinLock<BTreeMap<(usize, u32), Weak<UCounts>>, class::Ucounts> = SpinLock::new(BTreeMap::new());

fn key(ns: &Arc<UserNamespace>, uid: u32) -> (usize, u32) {
    (Arc::as_ptr(ns) as usize, uid)
}

/// Linux: alloc_ucounts() — the counts of `uid` in `ns`, made on first use.
pub fn alloc_ucounts(ns: &Arc<UserNamespace>, uid: u32) -> Arc<UCounts> {
    let k = key(ns, uid);
    let mut t = UCOUNTS.lock();
    if let Some(u) = t.get(&k).and_then(|w| w.upgrade()) {
        return u;
    }
    let u = Arc::new(UCounts { ns: ns.clone(), uid, rlimit: Default::default() });
    t.insert(k, Arc::downgrade(&u));
    u
}

impl Drop for UCounts {
    /// Linux: put_ucounts() — the last reference takes the entry out of the table (unless a
    /// new UCounts for the same user already replaced it).
    fn drop(&mut self) {
        let k = (Arc::as_ptr(&self.ns) as usize, self.uid);
        let mut t = UCOUNTS.lock();
        if t.get(&k).is_some_and(|w| w.strong_count() == 0) {
            t.remove(&k);
        }
    }
}

impl UCounts {
    /// Linux: inc_rlimit_ucounts()
    pub fn inc_rlimit(&self, ty: RlimitType, v: i64) -> i64 {
        self.rlimit[ty as usize].fetch_add(v, Ordering::Relaxed) + v
    }
    /// Linux: dec_rlimit_ucounts()
    pub fn dec_rlimit(&self, ty: RlimitType, v: i64) {
        self.rlimit[ty as usize].fetch_sub(v, Ordering::Relaxed);
    }
    /// Linux: get_rlimit_value()
    pub fn rlimit_value(&self, ty: RlimitType) -> i64 {
        self.rlimit[ty as usize].load(Ordering::Relaxed)
    }
    /// Linux: is_rlimit_overlimit() — the count is above the rlimit (of the initial user
    /// namespace: every namespace's own maximum is unlimited until user namespaces land).
    pub fn is_rlimit_overlimit(&self, ty: RlimitType, rlimit: u64) -> bool {
        let max = rlimit.min(i64::MAX as u64) as i64;
        self.rlimit_value(ty) > max
    }
}
