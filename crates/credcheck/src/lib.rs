//! Linux 6.1's credential rules, as pure functions over plain data, with Linux's errno values
//! (`u32`, from `linux_raw_sys::errno`).  The kernel's `kernel/cred.rs` keeps a [`Cred`] in
//! every `struct cred` (beside the parts that are not plain data: the user namespace and the
//! per-user process count) and calls these rules at the places Linux does; here they run on
//! the host under `cargo test`.
//!
//! | module         | Linux counterpart |
//! |----------------|-------------------|
//! | [`caps`]       | include/linux/capability.h (kernel_cap_t, cap_* set operations), include/uapi/linux/securebits.h |
//! | [`cred`]       | include/linux/cred.h (struct cred), kernel/groups.c (groups_search, set_groups) |
//! | [`setid`]      | kernel/sys.c (setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid, setfsgid) |
//! | [`commoncap`]  | security/commoncap.c (cap_capable, cap_task_fix_setuid, cap_capset, cap_task_prctl, cap_bprm_creds_from_file), fs/exec.c (bprm_fill_uid) |
//! | [`perm`]       | fs/namei.c (acl_permission_check, generic_permission, __check_sticky, may_follow_link, safe_hardlink_source), fs/inode.c (inode_owner_or_capable, mode_strip_sgid), fs/attr.c (chown_ok, chgrp_ok, setattr_should_drop_*), kernel/signal.c (kill_ok_by_cred), kernel/sys.c (set_one_prio_perm) |
//!
//! Ids are kernel ids (`kuid_t`/`kgid_t`): the kernel maps the numbers user space passes
//! through the caller's user namespace first (`make_kuid`), and passes [`INVALID_ID`] for a
//! number without a mapping.  Where user space may pass -1 for "leave unchanged", the rules
//! take `Option<u32>`: `None` is -1.
//!
//! A capability check against the caller's own user namespace is the effective bit
//! (`cap_capable()`'s first step); the permission rules, whose capability checks also depend on
//! the inode's ids (`capable_wrt_inode_uidgid()`), take the kernel's answer as a closure.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

pub mod caps;
pub mod commoncap;
pub mod cred;
pub mod perm;
pub mod setid;

pub use caps::*;
pub use cred::*;

/// An errno value (positive), as `linux_raw_sys::errno` spells them.
pub type Errno = u32;

/// Linux: INVALID_UID / INVALID_GID — `(uid_t)-1`, the id no mapping gives.
pub const INVALID_ID: u32 = u32::MAX;

/// Linux: GLOBAL_ROOT_UID / GLOBAL_ROOT_GID.
pub const GLOBAL_ROOT_UID: u32 = 0;
