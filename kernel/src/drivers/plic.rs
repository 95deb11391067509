//! The platform-level interrupt controller.  Linux: drivers/irqchip/irq-sifive-plic.c.
//! Context 1 is hart 0's S-mode on QEMU virt.

use core::sync::atomic::{AtomicUsize, Ordering};

static BASE: AtomicUsize = AtomicUsize::new(0);
pub const UART_IRQ: u32 = 10;
const CONTEXT: usize = 1;

fn w(off: usize, v: u32) {
    // SAFETY: a PLIC register in the linear map, probed from the DTB.
    unsafe { ((BASE.load(Ordering::Relaxed) + off) as *mut u32).write_volatile(v) }
}
fn r(off: usize) -> u32 {
    // SAFETY: as above.
    unsafe { ((BASE.load(Ordering::Relaxed) + off) as *const u32).read_volatile() }
}

pub fn init(pa: usize) {
    BASE.store(crate::mm::phys_to_virt(pa), Ordering::Relaxed);
    w(UART_IRQ as usize * 4, 1); // priority
    let en = 0x2000 + CONTEXT * 0x80 + (UART_IRQ as usize / 32) * 4;
    w(en, 1 << (UART_IRQ % 32));
    w(0x20_0000 + CONTEXT * 0x1000, 0); // threshold
}

/// Linux: plic_handle_irq(): claim, dispatch, complete.
pub fn handle_irq() {
    if BASE.load(Ordering::Relaxed) == 0 {
        return;
    }
    let claim = 0x20_0004 + CONTEXT * 0x1000;
    loop {
        let irq = r(claim);
        if irq == 0 {
            break;
        }
        if irq == UART_IRQ {
            super::uart::handle_irq();
        }
        w(claim, irq);
    }
}
