//! The SBI calls MenuOS needs: console, timer, reset.  Linux: arch/riscv/kernel/sbi.c.
//! QEMU 7.2 ships OpenSBI 1.1: legacy console_putchar works; SRST resets the machine.

#[allow(deprecated)]
pub fn console_putchar(c: u8) {
    sbi_rt::legacy::console_putchar(c as usize);
}

pub fn set_timer(stime: u64) {
    sbi_rt::set_timer(stime);
}

/// Power off.  SBI shutdown always exits QEMU with status 0, so a failure is reported first
/// through the virt test device (sifive_test at 0x100000): `(code << 16) | 0x3333` makes QEMU
/// exit with `code`.  Linux: drivers/power/reset/syscon-poweroff.c does the same write for 0x5555.
pub fn shutdown(failure: Option<u32>) -> ! {
    if let Some(code) = failure {
        crate::drivers::virt_test_exit(code);
    }
    sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::NoReason);
    crate::drivers::virt_test_poweroff();
    loop {
        // SAFETY: wfi has no memory effects.
        unsafe { core::arch::asm!("wfi") };
    }
}
