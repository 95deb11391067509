//! Real-time clocks.  Linux: drivers/rtc/ (class.c, hctosys.c, lib.c).
//!
//! QEMU virt has a goldfish RTC ("google,goldfish-rtc" in the device tree), which follows the
//! host's clock.  At boot CLOCK_REALTIME is set from it (Linux: rtc_hctosys(), with
//! CONFIG_RTC_HCTOSYS as the reference Linux has), so `date` and file times are right.

#[path = "rtc-goldfish.rs"]
pub mod rtc_goldfish;

use core::sync::atomic::{AtomicUsize, Ordering};

/// The goldfish RTC's registers (physical), found by setup_arch() (0: none).
static GOLDFISH_PA: AtomicUsize = AtomicUsize::new(0);

/// setup_arch() found the RTC's node.
pub fn set_goldfish(pa: usize) {
    GOLDFISH_PA.store(pa, Ordering::Relaxed);
}

/// Linux: rtc_time64_to_tm() (drivers/rtc/lib.c): seconds since the epoch as
/// (year, month 1-12, day 1-31, hour, minute, second), UTC.
pub fn rtc_time64_to_tm(secs: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = secs / 86400;
    let rem = secs % 86400;
    // days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted)
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Linux: rtc_hctosys(): CLOCK_REALTIME from the RTC.
#[no_mangle]
#[inline(never)]
pub fn rtc_hctosys() {
    let pa = GOLDFISH_PA.load(Ordering::Relaxed);
    if pa == 0 {
        return;
    }
    let Some(rtc) = rtc_goldfish::GoldfishRtc::probe(pa) else { return };
    crate::pr_info!("goldfish_rtc {:x}.rtc: registered as rtc0", pa);
    let ns = rtc.read_time();
    let secs = ns / 1_000_000_000;
    let (y, mo, d, h, mi, s) = rtc_time64_to_tm(secs);
    crate::pr_info!(
        "goldfish_rtc {:x}.rtc: setting system clock to {:04}-{:02}-{:02}T{:02}:{:02}:{:02} UTC ({})",
        pa,
        y,
        mo,
        d,
        h,
        mi,
        s,
        secs
    );
    crate::kernel::time::timekeeping::set_realtime(ns);
}
