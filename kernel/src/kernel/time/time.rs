//! struct timespec, gettimeofday and settimeofday.  Linux: kernel/time/time.c
//! (SYSCALL_DEFINE2(gettimeofday), SYSCALL_DEFINE2(settimeofday),
//! ns_to_timespec64, timespec64_to_ns), include/uapi/linux/time_types.h (__kernel_timespec).

use super::posix_timers::{clock_ns, CLOCK_REALTIME};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
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

crate::user_pod! {
    /// Linux: struct timezone (include/uapi/linux/time.h).
    #[derive(Clone, Copy, Default)]
    pub struct Timezone {
        pub tz_minuteswest: i32,
        pub tz_dsttime: i32,
    }
}

/// Linux: sys_tz — what settimeofday's timezone set and gettimeofday reports.
static SYS_TZ: SpinLock<Timezone, class::Timers> = SpinLock::new(Timezone { tz_minuteswest: 0, tz_dsttime: 0 });

/// Linux: do_sys_settimeofday64()'s `firsttime`.
static FIRSTTIME: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(true);

/// Linux: SYSCALL_DEFINE2(gettimeofday).
pub fn sys_gettimeofday(tv: Option<UserPtr<[i64; 2]>>, tz: Option<UserPtr<Timezone>>) -> KResult<usize> {
    if let Some(tv) = tv {
        let ns = clock_ns(CLOCK_REALTIME)?;
        tv.write(&[(ns / 1_000_000_000) as i64, ((ns % 1_000_000_000) / 1000) as i64])?;
    }
    if let Some(tz) = tz {
        let z = *SYS_TZ.lock();
        tz.write(&z)?;
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(settimeofday) -> do_sys_settimeofday64(): EINVAL for microseconds
/// outside 0..=1000000 (sic) or a time clock_settime would refuse, and for a timezone more
/// than 15 hours away.
pub fn sys_settimeofday(tv: Option<UserPtr<[i64; 2]>>, tz: Option<UserPtr<Timezone>>) -> KResult<usize> {
    let ts = match tv {
        Some(tv) => {
            let v = tv.read()?;
            if !(0..=1_000_000).contains(&v[1]) {
                return Err(EINVAL);
            }
            Some(Timespec { tv_sec: v[0], tv_nsec: v[1] * 1000 })
        }
        None => None,
    };
    let z = tz.map(|t| t.read()).transpose()?;
    if let Some(z) = z {
        if !(-15 * 60..=15 * 60).contains(&z.tz_minuteswest) {
            return Err(EINVAL);
        }
    }
    if let Some(ts) = &ts {
        if ts.to_ns().is_err() {
            return Err(EINVAL);
        }
    }
    // Linux: security_settime64() before the timezone or the time changes (CAP_SYS_TIME).
    if ts.is_some() || z.is_some() {
        crate::kernel::time::posix_timers::settime_capable()?;
    }
    if let Some(z) = z {
        *SYS_TZ.lock() = z;
        // Linux: timekeeping_warp_clock(): the first timezone set without a time says the
        // RTC keeps local time: the clock moves by the timezone's offset.
        if FIRSTTIME.swap(false, core::sync::atomic::Ordering::Relaxed) && ts.is_none() && z.tz_minuteswest != 0 {
            let real = super::timekeeping::ktime_get_real_ns() as i64;
            let warped = real + z.tz_minuteswest as i64 * 60 * 1_000_000_000;
            super::timekeeping::do_settimeofday64(warped.max(0) as u64);
        }
    }
    if let Some(ts) = ts {
        super::posix_timers::do_settime(&ts)?;
    }
    Ok(0)
}
