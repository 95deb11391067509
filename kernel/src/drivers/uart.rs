//! The ns16550a UART of QEMU virt.  Linux: drivers/tty/serial/8250/.
//! Output is polled (THR empty); input arrives by interrupt through the PLIC.

use crate::mm::mmio::Mmio;
use spin::Once;

static UART: Once<Mmio> = Once::new();

const RBR: usize = 0;
const THR: usize = 0;
const IER: usize = 1;
const FCR: usize = 2;
const LCR: usize = 3;
const MCR: usize = 4;
const LSR: usize = 5;
const LSR_DR: u8 = 0x01;
const LSR_THRE: u8 = 0x20;
/// The eight 8250 registers (reg-shift 0).
const UART_REGS: usize = 8;

fn read(off: usize) -> u8 {
    UART.get().map_or(0, |u| u.read8(off))
}
fn write(off: usize, v: u8) {
    if let Some(u) = UART.get() {
        u.write8(off, v)
    }
}

pub fn init(pa: usize) {
    let Some(regs) = Mmio::new(pa, UART_REGS) else { return };
    UART.call_once(|| regs);
    write(LCR, 0x03); // 8N1
    write(FCR, 0x01); // FIFO on
    write(MCR, 0x08); // OUT2: interrupts to the PLIC
    write(IER, 0x01); // receive interrupts
    super::uart_ready();
}

pub fn putc(c: u8) {
    while read(LSR) & LSR_THRE == 0 {}
    write(THR, c);
}

pub fn write_bytes(s: &[u8]) {
    for &b in s {
        if b == b'\n' {
            putc(b'\r');
        }
        putc(b);
    }
}

/// Raw output (the tty layer already did the \n -> \r\n translation).
pub fn write_raw(s: &[u8]) {
    for &b in s {
        putc(b);
    }
}

/// Linux: serial8250_break_ctl(): LCR's break bit holds the line in the break state.
pub fn break_ctl(on: bool) {
    const LCR_SBC: u8 = 0x40;
    let lcr = read(LCR);
    write(LCR, if on { lcr | LCR_SBC } else { lcr & !LCR_SBC });
}

/// Linux: serial8250_handle_irq(): hand every received byte to the tty.
/// A BREAK (LSR_BI, with a NUL byte) arms the magic SysRq key for the next byte
/// (serial8250_rx_chars -> uart_handle_break / uart_handle_sysrq_char).
pub fn handle_irq() {
    const LSR_BI: u8 = 0x10;
    loop {
        let lsr = read(LSR);
        if lsr & LSR_DR == 0 {
            break;
        }
        let c = read(RBR);
        if lsr & LSR_BI != 0 {
            super::sysrq::uart_handle_break();
            continue;
        }
        if super::sysrq::uart_handle_sysrq_char(c) {
            continue;
        }
        super::tty::receive_char(c);
    }
}
