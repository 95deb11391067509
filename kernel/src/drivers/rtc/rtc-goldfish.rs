//! The goldfish RTC of QEMU's virt machine.  Linux: drivers/rtc/rtc-goldfish.c,
//! include/clocksource/timer-goldfish.h (the registers).
//!
//! Reading TIMER_TIME_LOW latches the time (nanoseconds since the epoch, the host's clock) and
//! gives its low half; TIMER_TIME_HIGH then gives the high half.  The alarm registers are not
//! used: nothing here wakes the system from suspend.

use crate::mm::mmio::Mmio;

/// Linux: TIMER_TIME_LOW, TIMER_TIME_HIGH (include/clocksource/timer-goldfish.h).
const TIMER_TIME_LOW: usize = 0x00;
const TIMER_TIME_HIGH: usize = 0x04;
/// The register block (through TIMER_CLEAR_INTERRUPT at 0x1c).
const GOLDFISH_RTC_SIZE: usize = 0x20;

pub struct GoldfishRtc {
    base: Mmio,
}

impl GoldfishRtc {
    /// Linux: goldfish_rtc_probe(): the device tree's register block.
    pub fn probe(pa: usize) -> Option<Self> {
        Mmio::new(pa, GOLDFISH_RTC_SIZE).map(|base| GoldfishRtc { base })
    }

    /// Linux: goldfish_rtc_read_time(), in nanoseconds since the epoch (Linux keeps seconds).
    pub fn read_time(&self) -> u64 {
        let low = self.base.read32(TIMER_TIME_LOW) as u64;
        let high = self.base.read32(TIMER_TIME_HIGH) as u64;
        (high << 32) | low
    }
}
