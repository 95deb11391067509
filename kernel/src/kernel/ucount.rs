//! Per-user resource counts, kept per user namespace: what RLIMIT_MSGQUEUE (and, with struct
//! cred, RLIMIT_NPROC, RLIMIT_SIGPENDING, RLIMIT_MEMLOCK) are checked against.  Linux:
//! kernel/ucount.c (alloc_ucounts, inc_rlimit_ucounts, dec_rlimit_ucounts), the ucounts of
//! include/linux/user_namespace.h.
//!
//! A count belongs to (user namespace, uid): a user's processes in a new user namespace count
//! apart from the same uid's outside it (rlimits-per-userns).  Linux also adds each count to
//! the creator's count in every ancestor namespace; MenuOS counts the one level.

use super::user_namespace::UserNamespace;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

/// Linux: enum rlimit_type.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum RlimitType {
    Nproc,
    MsgQueue,
    SigPending,
    Memlock,
}

/// (namespace, uid, type) -> count.  The namespace is kept alive by whoever holds a count
/// (they hold an Arc to it), so its address names it.
static UCOUNTS: SpinLock<BTreeMap<(usize, u32, RlimitType), i64>, class::Ucounts> = SpinLock::new(BTreeMap::new());

/// The user a count belongs to (Linux: struct ucounts, without the reference counting: the
/// holder keeps the namespace).
#[derive(Clone)]
pub struct Ucounts {
    pub ns: Arc<UserNamespace>,
    pub uid: u32,
}

/// Linux: current_ucounts(): the caller's (user namespace, euid).
pub fn current_ucounts() -> Ucounts {
    Ucounts { ns: super::user_namespace::current_user_ns(), uid: super::user_namespace::current_euid() }
}

impl Ucounts {
    fn key(&self, t: RlimitType) -> (usize, u32, RlimitType) {
        (Arc::as_ptr(&self.ns) as usize, self.uid, t)
    }

    /// Linux: inc_rlimit_ucounts(): adds `v` and returns the new count (i64::MAX on overflow).
    pub fn inc_rlimit(&self, t: RlimitType, v: i64) -> i64 {
        let mut m = UCOUNTS.lock();
        let c = m.entry(self.key(t)).or_insert(0);
        match c.checked_add(v) {
            Some(n) => {
                *c = n;
                n
            }
            None => i64::MAX,
        }
    }

    /// Linux: dec_rlimit_ucounts().
    pub fn dec_rlimit(&self, t: RlimitType, v: i64) {
        let mut m = UCOUNTS.lock();
        let k = self.key(t);
        if let Some(c) = m.get_mut(&k) {
            *c -= v;
            if *c <= 0 {
                m.remove(&k);
            }
        }
    }

    /// The count now.
    pub fn get(&self, t: RlimitType) -> i64 {
        UCOUNTS.lock().get(&self.key(t)).copied().unwrap_or(0)
    }
}
