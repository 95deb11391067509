//! struct timespec and gettimeofday.  Linux: kernel/time/time.c (SYSCALL_DEFINE2(gettimeofday),
//! ns_to_timespec64, timespec64_to_ns), include/uapi/linux/time_types.h (__kernel_timespec).

use super::posix_timers::{clock_ns, CLOCK_REALTIME};
use crate::errno::*;
use crate::mm::uaccess::UserPtr;

crate::user_pod! {
    /// Linux: struct __kernel_timespec.
    #[derive(Clone, Copy, Default)]
    pub struct Timespec {
        pub tv_sec: i64,
        pub tv_nsec: i64,
    }
}

impl Timespec {
    /// Linux: ns_to_timespec64().
    pub fn from_ns(ns: u64) -> Self {
        Timespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
    }
    /// Linux: timespec64_valid() + timespec64_to_ns(): EINVAL for a negative time or
    /// nanoseconds out of [0, 1e9).
    pub fn to_ns(&self) -> KResult<u64> {
        if self.tv_sec < 0 || !(0..1_000_000_000).contains(&self.tv_nsec) {
            return Err(EINVAL);
        }
        Ok(self.tv_sec as u64 * 1_000_000_000 + self.tv_nsec as u64)
    }
}

pub fn sys_gettimeofday(tv: Option<UserPtr<[i64; 2]>>, _tz: UserPtr<u8>) -> KResult<usize> {
    if let Some(tv) = tv {
        let ns = clock_ns(CLOCK_REALTIME)?;
        tv.write(&[(ns / 1_000_000_000) as i64, ((ns % 1_000_000_000) / 1000) as i64])?;
    }
    Ok(0)
}
