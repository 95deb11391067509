//! msync(2).  Linux: mm/msync.c.

use crate::errno::*;

/// Linux: msync(2).  Not yet checked: the range and flags are not validated, and there is no
/// backing store to write to.
pub fn sys_msync(_start: usize, _len: usize, _flags: i32) -> KResult<usize> {
    Ok(0)
}
