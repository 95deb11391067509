//! The ns16550a UART of QEMU virt.  Linux: drivers/tty/serial/8250/.
//! Output is polled (THR empty); input arrives by interrupt through the PLIC.

use core::sync::atomic::{AtomicUsize, Ordering};

static BASE: AtomicUsize = AtomicUsize::new(0);

const RBR: usize = 0;
const THR: usize = 0;
const IER: usize = 1;
const FCR: usize = 2;
const LCR: usize = 3;
const MCR: usize = 4;
const LSR: usize = 5;
const LSR_DR: u8 = 0x01;
const LSR_THRE: u8 = 0x20;

fn reg(off: usize) -> *mut u8 {
    (BASE.load(Ordering::Relaxed) + off) as *mut u8
}

fn read(off: usize) -> u8 {
    // SAFETY: a UART register in the linear map, probed from the DTB.
    unsafe { reg(off).read_volatile() }
}
fn write(off: usize, v: u8) {
    // SAFETY: as above.
    unsafe { reg(off).write_volatile(v) }
}

pub fn init(pa: usize) {
    BASE.store(crate::mm::phys_to_virt(pa), Ordering::Relaxed);
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

/// Linux: serial8250_handle_irq(): hand every received byte to the tty.
pub fn handle_irq() {
    while read(LSR) & LSR_DR != 0 {
        let c = read(RBR);
        super::tty::receive_char(c);
    }
}
