//! Supplementary groups: getgroups/setgroups and in_group_p().  Linux: kernel/groups.c.
//! The groups are part of the cred (sorted, shared between creds as Linux's group_info is);
//! the search is credcheck's groups_search().

use crate::errno::*;
use crate::kernel::capability::CAP_SETGID;
use crate::kernel::cred::{commit_creds, current_cred, prepare_creds, with_current_cred};
use crate::mm::uaccess::UserPtr;
use alloc::vec::Vec;
use credcheck::NGROUPS_MAX;

/// Linux: in_group_p() — the caller's fsgid, or one of its supplementary groups.
pub fn in_group_p(gid: u32) -> bool {
    with_current_cred(|c| c.in_group_p(gid))
}

/// Linux: in_egroup_p() — the caller's egid, or one of its supplementary groups.
pub fn in_egroup_p(gid: u32) -> bool {
    with_current_cred(|c| c.in_egroup_p(gid))
}

/// Linux: SYSCALL_DEFINE2(getgroups): with size 0, how many; else that many groups (EINVAL if
/// the buffer is smaller than the list).
pub fn sys_getgroups(gidsetsize: i32, grouplist: UserPtr<u32>) -> KResult<usize> {
    if gidsetsize < 0 {
        return Err(EINVAL);
    }
    let c = current_cred();
    let n = c.groups.len();
    if gidsetsize != 0 {
        if n > gidsetsize as usize {
            return Err(EINVAL);
        }
        let v: Vec<u32> = c.groups.iter().map(|&g| c.user_ns.from_kgid_munged(g)).collect();
        grouplist.write_array(&v)?;
    }
    Ok(n)
}

/// Linux: SYSCALL_DEFINE2(setgroups): CAP_SETGID (may_setgroups()) first, then the size
/// (at most NGROUPS_MAX), then the list (EFAULT; EINVAL for an unmapped gid).
pub fn sys_setgroups(gidsetsize: i32, grouplist: UserPtr<u32>) -> KResult<usize> {
    let old = prepare_creds();
    // Linux: may_setgroups(): ns_capable_setid(current_user_ns(), CAP_SETGID) (and the
    // namespace's setgroups permission, "allow" in the initial one).
    if !old.has_cap(CAP_SETGID) {
        return Err(EPERM);
    }
    if gidsetsize as u32 as usize > NGROUPS_MAX {
        return Err(EINVAL);
    }
    let n = gidsetsize as usize;
    let mut v = crate::mm::util::kmalloc_array(n, ENOMEM)?;
    for i in 0..n {
        let kgid = old.user_ns.make_kgid(grouplist.add(i).read()?);
        if !old.user_ns.kgid_has_mapping(kgid) {
            return Err(EINVAL);
        }
        v.push(kgid);
    }
    let mut new = old.clone();
    new.groups = credcheck::groups_from(v);
    commit_creds(new)
}
