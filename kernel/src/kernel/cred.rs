//! Task credentials: struct cred and its life cycle.  Linux: kernel/cred.c (prepare_creds,
//! commit_creds, abort_creds, override_creds, revert_creds, copy_creds, set_cred_ucounts,
//! cred_cap_issubset), include/linux/cred.h (current_cred(), current_fsuid(), ...).  The
//! user namespace a cred is in, and its id mappings, are kernel/user_namespace.rs.
//!
//! A cred is immutable once a task uses it, and shared: a fork gives the child the parent's
//! cred (an Arc, Linux's get_cred()); a change makes a new one with prepare_creds() (a copy
//! of the caller's), edits it, and installs it with commit_creds(), which replaces the task's
//! pointers.  Nobody ever edits a cred another task may be reading.
//!
//! A task has two pointers (task.rs): `real_cred`, what others see when they act on it (kill,
//! /proc, ptrace), and `cred`, what it acts with.  They differ only inside override_creds()
//! (faccessat checks with the real ids that way).
//!
//! The plain data (ids, capability sets, securebits, groups) is `credcheck::Cred`, where the
//! rules that compute new creds are host-tested; `Cred` here adds what is not plain data: the
//! user namespace and the per-user counts.  It dereferences to the data, so `cred.euid` reads
//! as in Linux.

use crate::errno::*;
use crate::kernel::locking::SpinLockGuard;
use crate::kernel::task::{current, with_current, TaskStruct};
use crate::kernel::ucount::{alloc_ucounts, RlimitType, UCounts};
use alloc::sync::Arc;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::Ordering;
use spin::Once;

pub use super::user_namespace::{init_user_ns, UserNamespace};
pub use credcheck::{KernelCap, GLOBAL_ROOT_UID, INVALID_ID};

/// Linux: struct cred.
#[derive(Clone)]
pub struct Cred {
    data: credcheck::Cred,
    /// Linux: cred->ucounts — the counts of the real uid (kernel/ucount.rs).
    pub ucounts: Arc<UCounts>,
    /// Linux: cred->user_ns — the namespace the ids and capabilities are in.
    pub user_ns: Arc<UserNamespace>,
}

impl Deref for Cred {
    type Target = credcheck::Cred;
    fn deref(&self) -> &credcheck::Cred {
        &self.data
    }
}
impl DerefMut for Cred {
    fn deref_mut(&mut self) -> &mut credcheck::Cred {
        &mut self.data
    }
}

impl Cred {
    /// The same cred with the data a rule computed (the namespace and counts are fixed up by
    /// commit_creds() when the real uid changed).
    pub fn with(&self, data: credcheck::Cred) -> Cred {
        Cred { data, ucounts: self.ucounts.clone(), user_ns: self.user_ns.clone() }
    }
    /// The user namespace's root, as the capability rules need it (make_kuid(ns, 0)).
    pub fn root_uid(&self) -> u32 {
        self.user_ns.make_kuid(0)
    }
}

static INIT_CRED: Once<Arc<Cred>> = Once::new();

/// Linux: init_cred — root with every capability (the idle task's, and so everyone's until
/// someone changes theirs).
pub fn init_cred() -> Arc<Cred> {
    INIT_CRED
        .call_once(|| {
            let ns = init_user_ns().clone();
            Arc::new(Cred { data: credcheck::Cred::init(), ucounts: alloc_ucounts(&ns, GLOBAL_ROOT_UID), user_ns: ns })
        })
        .clone()
}

/// Linux: current_cred() — the caller's subjective cred.
pub fn current_cred() -> Arc<Cred> {
    with_current(|c| c.cred.lock().clone())
}

/// Runs `f` on the caller's subjective cred without taking a reference (the hot checks).
pub fn with_current_cred<R>(f: impl FnOnce(&Cred) -> R) -> R {
    with_current(|c| {
        let g: SpinLockGuard<'_, Arc<Cred>> = c.cred.lock();
        f(&g)
    })
}

/// Linux: __task_cred() / get_task_cred() — a task's objective cred (what others see).
pub fn task_cred(t: &TaskStruct) -> Arc<Cred> {
    t.real_cred.lock().clone()
}

/// Linux: current_ucounts() — the caller's per-user counts (of its real uid).
pub fn current_ucounts() -> Arc<UCounts> {
    with_current_cred(|c| c.ucounts.clone())
}

/// Linux: current_fsuid() — the uid a new file gets and file permission checks use.
pub fn current_fsuid() -> u32 {
    with_current_cred(|c| c.fsuid)
}
/// Linux: current_fsgid()
pub fn current_fsgid() -> u32 {
    with_current_cred(|c| c.fsgid)
}
/// Linux: current_uid()
pub fn current_uid() -> u32 {
    with_current_cred(|c| c.uid)
}
/// Linux: current_euid()
pub fn current_euid() -> u32 {
    with_current_cred(|c| c.euid)
}
/// Linux: current_egid()
pub fn current_egid() -> u32 {
    with_current_cred(|c| c.egid)
}

/// Linux: prepare_creds() — a copy of the caller's cred to change and commit.
#[no_mangle]
#[inline(never)]
pub fn prepare_creds() -> Cred {
    with_current_cred(|c| c.clone())
}

/// Linux: set_cred_ucounts() — the counts follow the real uid.
fn set_cred_ucounts(new: &mut Cred) {
    if Arc::ptr_eq(&new.ucounts.ns, &new.user_ns) && new.ucounts.uid == new.uid {
        return;
    }
    new.ucounts = alloc_ucounts(&new.user_ns, new.uid);
}

/// Linux: cred_cap_issubset() — are `subset`'s permitted capabilities within `set`'s?
fn cred_cap_issubset(set: &Cred, subset: &Cred) -> bool {
    if Arc::ptr_eq(&set.user_ns, &subset.user_ns) {
        return subset.cap_permitted.is_subset(set.cap_permitted);
    }
    // The creator of a child namespace owns everything in it.
    let mut ns = subset.user_ns.clone();
    while let Some(parent) = ns.parent.clone() {
        if Arc::ptr_eq(&parent, &set.user_ns) && ns.owner == set.euid {
            return true;
        }
        ns = parent;
    }
    false
}

/// Linux: suid_dumpable (fs.suid_dumpable): what a task whose ids changed becomes (0:
/// SUID_DUMP_DISABLE — not dumpable, and so not ptraceable nor /proc-readable by its user).
pub const SUID_DUMPABLE: u32 = 0;

/// Linux: commit_creds() — install `new` as the caller's real and subjective cred.  A change
/// of effective or fs ids (or fewer capabilities) makes the task non-dumpable and clears its
/// parent-death signal; a change of real uid moves its process count to the new user.
#[no_mangle]
#[inline(never)]
pub fn commit_creds(mut new: Cred) -> KResult<usize> {
    let task = current();
    set_cred_ucounts(&mut new);
    let old = task.real_cred.lock().clone();
    if old.euid != new.euid
        || old.egid != new.egid
        || old.fsuid != new.fsuid
        || old.fsgid != new.fsgid
        || !cred_cap_issubset(&old, &new)
    {
        if let Some(mm) = task.mm.lock().clone() {
            mm.set_dumpable(SUID_DUMPABLE);
        }
        task.pdeath_signal.store(0, Ordering::Relaxed);
    }
    let moved = !Arc::ptr_eq(&new.ucounts, &old.ucounts);
    if moved {
        new.ucounts.inc_rlimit(RlimitType::Nproc, 1);
    }
    let new = Arc::new(new);
    // (the old creds are dropped after the locks are released: the last reference to a cred
    // frees it, and maybe its user's counts)
    let old_real = core::mem::replace(&mut *task.real_cred.lock(), new.clone());
    let old_subj = core::mem::replace(&mut *task.cred.lock(), new);
    if moved {
        old.ucounts.dec_rlimit(RlimitType::Nproc, 1);
    }
    drop((old_real, old_subj));
    Ok(0)
}

/// Linux: override_creds() / revert_creds(): act with `new` until the guard is dropped (the
/// real cred, which others see, stays).
pub struct OverrideCreds {
    old: Option<Arc<Cred>>,
}

pub fn override_creds(new: Arc<Cred>) -> OverrideCreds {
    let old = with_current(|c| core::mem::replace(&mut *c.cred.lock(), new));
    OverrideCreds { old: Some(old) }
}

impl Drop for OverrideCreds {
    /// Linux: revert_creds()
    fn drop(&mut self) {
        if let Some(old) = self.old.take() {
            let cur = with_current(|c| core::mem::replace(&mut *c.cred.lock(), old));
            drop(cur);
        }
    }
}

/// The process count a new task adds to its user, given back if the fork fails (Linux:
/// copy_creds()'s inc_rlimit_ucounts, undone at bad_fork_cleanup_count) and otherwise at
/// release_task().
pub struct NprocCharge<'a>(Option<&'a TaskStruct>);

impl NprocCharge<'_> {
    /// The fork succeeded: the count stays until release_task().
    pub fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for NprocCharge<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            exit_creds_count(p);
        }
    }
}

/// Linux: copy_creds() — the child shares its parent's cred (dup_task_struct copied the
/// pointer); its user counts one more process.  CLONE_NEWUSER gives it a cred of its own in
/// a new user namespace below the parent's (create_user_ns), counted as its (namespace,
/// uid).  (Linux also copies the cred when the child needs keyrings of its own; MenuOS has
/// none, so the copy would equal the original and sharing it is the same.)
#[no_mangle]
#[inline(never)]
pub fn copy_creds(p: &TaskStruct, clone_flags: u64) -> KResult<NprocCharge<'_>> {
    let _t = crate::trace_func!(copy_creds, clone_flags & crate::kernel::fork::CLONE_THREAD != 0);
    if clone_flags & crate::kernel::fork::CLONE_NEWUSER != 0 {
        let mut new = (**p.real_cred.lock()).clone();
        super::user_namespace::create_user_ns(&mut new)?;
        set_cred_ucounts(&mut new);
        // Linux: prepare_creds()'s kmem_cache_alloc(cred_jar): ENOMEM (a fault-injection site).
        let new = crate::mm::slab::try_arc(new)?;
        let old_real = core::mem::replace(&mut *p.real_cred.lock(), new.clone());
        let old_subj = core::mem::replace(&mut *p.cred.lock(), new);
        drop((old_real, old_subj));
    }
    p.real_cred.lock().ucounts.inc_rlimit(RlimitType::Nproc, 1);
    Ok(NprocCharge(Some(p)))
}

/// Linux: release_task()'s dec_rlimit_ucounts(): a reaped task no longer counts for its user.
pub fn exit_creds_count(t: &TaskStruct) {
    t.real_cred.lock().ucounts.dec_rlimit(RlimitType::Nproc, 1);
}
