//! MenuOS: a Linux-compatible kernel for 64-bit RISC-V.
//! Linux: init/main.c is start_kernel(); this file is only the crate root.
#![no_std]
#![no_main]

use core::arch::global_asm;

global_asm!(include_str!("arch/riscv/head.S"));

#[no_mangle]
pub extern "C" fn start_kernel(hartid: usize, dtb: usize) -> ! {
    for b in b"MenuOS booting\n" {
        #[allow(deprecated)]
        sbi_rt::legacy::console_putchar(*b as usize);
    }
    let _ = (hartid, dtb);
    sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::NoReason);
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
