//! mlock(2), munlock, mlockall, munlockall.  Linux: mm/mlock.c.

use crate::errno::*;

/// Linux: mlock(2) and friends.  Not yet: nothing is locked or accounted (there is no swap, so
/// every page stays resident anyway).
pub fn sys_mlock(_start: usize, _len: usize) -> KResult<usize> {
    Ok(0)
}
pub fn sys_munlock(_start: usize, _len: usize) -> KResult<usize> {
    Ok(0)
}
pub fn sys_mlockall(_flags: i32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_munlockall() -> KResult<usize> {
    Ok(0)
}
