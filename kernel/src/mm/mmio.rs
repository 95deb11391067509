//! Device registers through the linear map.  Linux: include/asm-generic/io.h (readl/writel).
//! The only place drivers touch raw device memory; the addresses come from the device tree.

use super::phys_to_virt;

/// A device register block at physical address `pa` (from the DTB).
#[derive(Clone, Copy)]
pub struct Mmio(usize);

impl Mmio {
    pub const fn null() -> Mmio {
        Mmio(0)
    }
    pub fn new(pa: usize) -> Mmio {
        Mmio(phys_to_virt(pa))
    }
    pub fn is_null(&self) -> bool {
        self.0 == 0
    }
    pub fn read8(&self, off: usize) -> u8 {
        // SAFETY: a register of a device the DTB describes, mapped by the linear map of
        // [0, 4 GiB); MMIO reads have no memory-safety effects on kernel data.
        unsafe { ((self.0 + off) as *const u8).read_volatile() }
    }
    pub fn write8(&self, off: usize, v: u8) {
        // SAFETY: as in read8.
        unsafe { ((self.0 + off) as *mut u8).write_volatile(v) }
    }
    pub fn read32(&self, off: usize) -> u32 {
        // SAFETY: as in read8; the offset is 4-byte aligned by the callers' register maps.
        unsafe { ((self.0 + off) as *const u32).read_volatile() }
    }
    pub fn write32(&self, off: usize, v: u32) {
        // SAFETY: as in read32.
        unsafe { ((self.0 + off) as *mut u32).write_volatile(v) }
    }
}

/// Boot-time memory handed over by the firmware (the initrd, the DTB), which the page
/// allocator never gets: it stays valid, unaliased by any allocation, for the kernel's life.
pub fn boot_region(pa: usize, len: usize) -> &'static [u8] {
    // SAFETY: [pa, pa+len) was reserved in mm_init (kept out of the page allocator and the
    // heap) and is mapped by the linear map; nothing writes it.
    unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u8, len) }
}

/// The flattened device tree OpenSBI passed at `pa`, its length from its own header.
pub fn boot_dtb(pa: usize) -> &'static [u8] {
    let h = boot_region(pa, 8);
    let total = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
    boot_region(pa, total.clamp(8, 1 << 20))
}
