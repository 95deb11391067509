//! utimensat.  Linux: fs/utimes.c.

use crate::errno::*;
use crate::mm::uaccess::{UserCStr, UserPtr};

/// Linux: utimensat(2).  Not yet: times are not stored.
pub fn sys_utimensat(_dfd: i32, _filename: UserCStr, _utimes: UserPtr<u8>, _flags: i32) -> KResult<usize> {
    Ok(0)
}
