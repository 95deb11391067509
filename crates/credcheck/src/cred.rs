//! The plain data of a `struct cred`: the ids, the capability sets, securebits and the
//! supplementary groups.  Linux: include/linux/cred.h (struct cred, init_cred in
//! kernel/cred.c), kernel/groups.c (groups_sort, groups_search, in_group_p).

use crate::caps::{issecure_mask, KernelCap};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Linux: struct group_info — the supplementary groups, sorted (groups_sort()), shared between
/// creds by reference as Linux shares it (get_group_info).
pub type Groups = Arc<[u32]>;

/// Linux: NGROUPS_MAX (include/uapi/linux/limits.h).
pub const NGROUPS_MAX: usize = linux_raw_sys::general::NGROUPS_MAX as usize;

/// The plain data of Linux's struct cred, in its order.  Cloning is prepare_creds()'s copy.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Cred {
    /// real UID of the task
    pub uid: u32,
    /// real GID of the task
    pub gid: u32,
    /// saved UID of the task
    pub suid: u32,
    /// saved GID of the task
    pub sgid: u32,
    /// effective UID of the task
    pub euid: u32,
    /// effective GID of the task
    pub egid: u32,
    /// UID for VFS ops
    pub fsuid: u32,
    /// GID for VFS ops
    pub fsgid: u32,
    /// SUID-less security management
    pub securebits: u32,
    /// caps our children can inherit
    pub cap_inheritable: KernelCap,
    /// caps we're permitted
    pub cap_permitted: KernelCap,
    /// caps we can actually use
    pub cap_effective: KernelCap,
    /// capability bounding set
    pub cap_bset: KernelCap,
    /// Ambient capability set
    pub cap_ambient: KernelCap,
    /// supplementary groups for euid/fsgid (sorted)
    pub groups: Groups,
}

impl Cred {
    /// Linux: init_cred — root with every capability, no supplementary groups.
    pub fn init() -> Cred {
        Cred {
            uid: 0,
            gid: 0,
            suid: 0,
            sgid: 0,
            euid: 0,
            egid: 0,
            fsuid: 0,
            fsgid: 0,
            securebits: 0,
            cap_inheritable: KernelCap::EMPTY,
            cap_permitted: KernelCap::FULL,
            cap_effective: KernelCap::FULL,
            cap_bset: KernelCap::FULL,
            cap_ambient: KernelCap::EMPTY,
            groups: Arc::from(Vec::new()),
        }
    }

    /// Linux: issecure(X) — a securebit of this cred.
    pub fn issecure(&self, x: u32) -> bool {
        self.securebits & issecure_mask(x) != 0
    }

    /// Linux: in_group_p() — fsgid, or one of the supplementary groups.
    pub fn in_group_p(&self, gid: u32) -> bool {
        gid == self.fsgid || groups_search(&self.groups, gid)
    }

    /// Linux: in_egroup_p() — egid, or one of the supplementary groups.
    pub fn in_egroup_p(&self, gid: u32) -> bool {
        gid == self.egid || groups_search(&self.groups, gid)
    }

    /// Linux: cap_capable() for a check in the cred's own user namespace: the effective bit.
    pub fn has_cap(&self, cap: u32) -> bool {
        self.cap_effective.raised(cap)
    }

    /// Linux: cap_ambient_invariant_ok() — ambient ⊆ permitted ∩ inheritable.
    pub fn ambient_invariant_ok(&self) -> bool {
        self.cap_ambient.is_subset(self.cap_permitted.intersect(self.cap_inheritable))
    }
}

/// Linux: groups_sort() + the group_info a setgroups() installs.
pub fn groups_from(mut v: Vec<u32>) -> Groups {
    v.sort_unstable();
    Arc::from(v)
}

/// Linux: groups_search() — binary search of the sorted groups.
pub fn groups_search(groups: &[u32], gid: u32) -> bool {
    groups.binary_search(&gid).is_ok()
}
