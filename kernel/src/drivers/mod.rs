//! Device drivers.  Linux: drivers/.
pub mod base;
pub mod char;
pub mod plic;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod rtc;
#[allow(unsafe_code)] // #[no_mangle] only (__handle_sysrq, for gdb)
pub mod sysrq;
pub mod tty;
pub mod uart;

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static UART_READY: AtomicBool = AtomicBool::new(false);
/// The virt test device (sifive,test0) for power-off with an exit code.
static TEST_DEV: AtomicUsize = AtomicUsize::new(0x100000);

pub fn set_test_dev(pa: usize) {
    TEST_DEV.store(pa, Ordering::Relaxed);
}

/// Console output: the 8250 UART once probed, SBI before (Linux: earlycon=sbi).
pub fn console_write(s: &[u8]) {
    if UART_READY.load(Ordering::Relaxed) {
        uart::write_bytes(s);
    } else {
        for &b in s {
            if b == b'\n' {
                crate::arch::riscv::sbi::console_putchar(b'\r');
            }
            crate::arch::riscv::sbi::console_putchar(b);
        }
    }
}

pub fn uart_ready() {
    UART_READY.store(true, Ordering::Relaxed);
}

fn test_dev_write(v: u32) {
    // One 32-bit register (Linux: syscon-poweroff's regmap write at offset 0).
    if let Some(dev) = crate::mm::mmio::Mmio::new(TEST_DEV.load(Ordering::Relaxed), 4) {
        dev.write32(0, v);
    }
}

/// Makes QEMU exit with status `code` (FINISHER_FAIL).
pub fn virt_test_exit(code: u32) {
    test_dev_write((code << 16) | 0x3333);
}

pub fn virt_test_poweroff() {
    test_dev_write(0x5555);
}
