//! The platform-level interrupt controller.  Linux: drivers/irqchip/irq-sifive-plic.c.
//! Context 1 is hart 0's S-mode on QEMU virt.

use crate::mm::mmio::Mmio;
use spin::Once;

static PLIC: Once<Mmio> = Once::new();
pub const UART_IRQ: u32 = 10;
const CONTEXT: usize = 1;
/// The registers used, up to our context's claim/complete (Linux: CONTEXT_BASE + (ctx + 1) *
/// CONTEXT_SIZE).
const PLIC_REGS: usize = 0x20_0000 + (CONTEXT + 1) * 0x1000;

fn w(off: usize, v: u32) {
    if let Some(p) = PLIC.get() {
        p.write32(off, v)
    }
}
fn r(off: usize) -> u32 {
    PLIC.get().map_or(0, |p| p.read32(off))
}

pub fn init(pa: usize) {
    let Some(regs) = Mmio::new(pa, PLIC_REGS) else { return };
    PLIC.call_once(|| regs);
    w(UART_IRQ as usize * 4, 1); // priority
    let en = 0x2000 + CONTEXT * 0x80 + (UART_IRQ as usize / 32) * 4;
    w(en, 1 << (UART_IRQ % 32));
    w(0x20_0000 + CONTEXT * 0x1000, 0); // threshold
}

/// Linux: plic_handle_irq(): claim, dispatch, complete.
#[inline(never)]
pub fn handle_irq() {
    if PLIC.get().is_none() {
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
