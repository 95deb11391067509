//! Supplementary groups: getgroups/setgroups.  Linux: kernel/groups.c.
//!
//! Not yet: there is no struct cred, so every process is root with no supplementary groups;
//! getgroups reports none and setgroups claims success without keeping anything.

use crate::errno::*;
use crate::mm::uaccess::UserPtr;

pub fn sys_getgroups(_gidsetsize: i32, _grouplist: UserPtr<u32>) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setgroups(_gidsetsize: i32, _grouplist: UserPtr<u32>) -> KResult<usize> {
    Ok(0)
}
