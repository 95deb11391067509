//! What Linux keeps per kernel uid, across user namespaces: struct user_struct.  Linux:
//! kernel/user.c (uid_hash_find, alloc_uid, free_uid), include/linux/sched/user.h.
//!
//! MenuOS keeps here what Linux counts there and nowhere else: the pipe buffer pages a user
//! holds (user->pipe_bufs, against fs.pipe-user-pages-soft and -hard: fs/pipe.rs).  The
//! per-user rlimit counts Linux moved to ucounts are kernel/ucount.rs.  Like Linux's
//! cred->user, the user is the one of the real uid.

use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::AtomicUsize;

/// Linux: struct user_struct.
pub struct UserStruct {
    pub uid: u32,
    /// Linux: user->pipe_bufs: pipe buffer pages (slots) this user's pipes hold.
    pub pipe_bufs: AtomicUsize,
}

/// Linux: uidhash_table under uidhash_lock.  Entries are weak: a user_struct lives while a
/// pipe (or anything else) holds it.
static UIDHASH: SpinLock<BTreeMap<u32, Weak<UserStruct>>, class::UidHash> = SpinLock::new(BTreeMap::new());

/// Linux: alloc_uid(): the user_struct of kernel uid `uid`, made on first use.
pub fn alloc_uid(uid: u32) -> Arc<UserStruct> {
    let mut t = UIDHASH.lock();
    if let Some(u) = t.get(&uid).and_then(|w| w.upgrade()) {
        return u;
    }
    let u = Arc::new(UserStruct { uid, pipe_bufs: AtomicUsize::new(0) });
    t.insert(uid, Arc::downgrade(&u));
    u
}

/// Linux: get_current_user(): the user of the caller's real uid.
pub fn get_current_user() -> Arc<UserStruct> {
    alloc_uid(crate::kernel::cred::with_current_cred(|c| c.uid))
}

impl Drop for UserStruct {
    /// Linux: free_uid(): the last reference takes the entry out of the table (unless a new
    /// user_struct for the same uid already replaced it).
    fn drop(&mut self) {
        let mut t = UIDHASH.lock();
        if t.get(&self.uid).is_some_and(|w| w.strong_count() == 0) {
            t.remove(&self.uid);
        }
    }
}
