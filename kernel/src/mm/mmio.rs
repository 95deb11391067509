//! Device registers through the linear map.  Linux: include/asm-generic/io.h (readl/writel),
//! ioremap(), kernel/resource.c (request_mem_region).  The only place drivers touch raw device
//! memory, and also the boot-time memory the firmware hands over (the initrd, the DTB).
//!
//! A register block is mapped only from its real range (as Asterinas's IoMem): [pa, pa + len)
//! must lie inside a `reg` region of a device-tree node that is not memory, outside every RAM
//! region, and inside the linear map head.S sets up; every access is then checked against
//! that length and its own alignment.  So no argument to Mmio can reach RAM or the kernel.

use super::phys_to_virt;

/// The linear map head.S sets up covers physical [0, 4 GiB).
const LINEAR_MAP_END: usize = 1 << 32;

/// The registers [pa, pa + len) of a device the DTB describes (Linux: the `void __iomem *` of
/// ioremap()).
#[derive(Clone, Copy)]
pub struct Mmio {
    base: usize,
    len: usize,
}

impl Mmio {
    /// Linux: ioremap(pa, len): None unless [pa, pa + len) lies in a device region of the
    /// device tree (a `reg` of a node whose device_type is not "memory") and overlaps no RAM.
    pub fn new(pa: usize, len: usize) -> Option<Mmio> {
        let end = pa.checked_add(len).filter(|&e| len > 0 && e <= LINEAR_MAP_END)?;
        let fdt = crate::init::device_tree()?;
        let span = |r: &fdt::standard_nodes::MemoryRegion| {
            let s = r.starting_address as usize;
            (s, s.saturating_add(r.size.unwrap_or(0)))
        };
        if fdt.memory().regions().map(|r| span(&r)).any(|(s, e)| pa < e && s < end) {
            return None;
        }
        let is_device = fdt
            .all_nodes()
            .filter(|n| n.property("device_type").and_then(|p| p.as_str()) != Some("memory"))
            .flat_map(|n| n.reg().into_iter().flatten())
            .map(|r| span(&r))
            .any(|(s, e)| s <= pa && end <= e);
        is_device.then(|| Mmio { base: phys_to_virt(pa), len })
    }

    /// The kernel address of the register at `off`, `size` bytes wide: inside the block and
    /// naturally aligned, or a panic (a driver bug).
    fn reg(&self, off: usize, size: usize) -> usize {
        assert!(
            off.is_multiple_of(size) && off.checked_add(size).is_some_and(|e| e <= self.len),
            "mmio: {}-byte register at {:#x} outside a {:#x}-byte block",
            size,
            off,
            self.len
        );
        self.base + off
    }

    pub fn read8(&self, off: usize) -> u8 {
        let r = self.reg(off, 1);
        // SAFETY: a register inside a device region of the DTB (checked by new and reg): device
        // memory, never RAM, mapped by the linear map; a volatile read has no memory-safety
        // effect on kernel data.
        unsafe { (r as *const u8).read_volatile() }
    }
    pub fn write8(&self, off: usize, v: u8) {
        let r = self.reg(off, 1);
        // SAFETY: as in read8: the write reaches the device, no Rust object.
        unsafe { (r as *mut u8).write_volatile(v) }
    }
    pub fn read32(&self, off: usize) -> u32 {
        let r = self.reg(off, 4);
        // SAFETY: as in read8; `reg` checked the 4-byte alignment.
        unsafe { (r as *const u32).read_volatile() }
    }
    pub fn write32(&self, off: usize, v: u32) {
        let r = self.reg(off, 4);
        // SAFETY: as in write8; `reg` checked the 4-byte alignment.
        unsafe { (r as *mut u32).write_volatile(v) }
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
