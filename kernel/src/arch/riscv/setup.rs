//! setup_arch(): what the device tree says about the machine.  Linux:
//! arch/riscv/kernel/setup.c (setup_arch, parse_dtb), drivers/of/fdt.c (early_init_dt_scan:
//! /memory, /chosen's bootargs and initrd).
//!
//! OpenSBI passes the DTB's physical address in a1, as it does for Linux, and head.S hands it
//! to start_kernel, whose first step this is.  The UART found here is the console from then
//! on; the rest of what was found goes back to start_kernel for mm_init (RAM, and what to keep
//! out of it), init_IRQ (the PLIC) and kernel_init (the command line, the initrd).

/// What setup_arch() found in the device tree.  Linux keeps the same in memblock,
/// boot_command_line, initrd_start/initrd_end and the unflattened tree.
pub struct SetupInfo {
    /// RAM: [ram_start, ram_end), physical.
    pub ram_start: usize,
    pub ram_end: usize,
    /// /chosen bootargs ("" without).
    pub cmdline: &'static str,
    /// /chosen linux,initrd-start / linux,initrd-end, physical.
    pub initrd: Option<(usize, usize)>,
    /// The PLIC's MMIO base.
    pub plic: usize,
    /// The DTB (physical address, size): it stays reserved (/proc/cpuinfo reads it).
    pub dtb_pa: usize,
    pub dtb_size: usize,
    /// The root node's model string.
    pub model: &'static str,
}

/// Linux: setup_arch(): parse the device tree OpenSBI passed at `dtb_pa` (RAM, bootargs,
/// initrd, and the UART, PLIC, RTC and test device by their compatible strings), and bring up the
/// UART as the console.  QEMU virt's addresses are the defaults.
#[no_mangle]
#[inline(never)]
pub fn setup_arch(dtb_pa: usize) -> SetupInfo {
    let fdt = fdt::Fdt::new(crate::mm::mmio::boot_dtb(dtb_pa)).expect("no valid device tree");
    let mem = fdt.memory().regions().next().expect("DTB: no /memory");
    let ram_start = mem.starting_address as usize;
    let ram_end = ram_start + mem.size.unwrap_or(0);
    let chosen = fdt.chosen();
    let cmdline_str: &str = chosen.bootargs().unwrap_or("");
    let initrd = {
        let node = fdt.find_node("/chosen");
        let get = |name: &str| node.as_ref().and_then(|n| n.property(name)).and_then(|p| p.as_usize());
        match (get("linux,initrd-start"), get("linux,initrd-end")) {
            (Some(s), Some(e)) if e > s => Some((s, e)),
            _ => None,
        }
    };
    let mut uart = 0x1000_0000;
    let mut plic = 0x0c00_0000;
    for node in fdt.all_nodes() {
        let compat = node.compatible().map(|c| c.all().any(|s| s == "ns16550a")).unwrap_or(false);
        if compat {
            if let Some(r) = node.reg().and_then(|mut r| r.next()) {
                uart = r.starting_address as usize;
            }
        }
        let is_plic =
            node.compatible().map(|c| c.all().any(|s| s == "riscv,plic0" || s == "sifive,plic-1.0.0")).unwrap_or(false);
        if is_plic {
            if let Some(r) = node.reg().and_then(|mut r| r.next()) {
                plic = r.starting_address as usize;
            }
        }
        let is_rtc = node.compatible().map(|c| c.all().any(|s| s == "google,goldfish-rtc")).unwrap_or(false);
        if is_rtc {
            if let Some(r) = node.reg().and_then(|mut r| r.next()) {
                crate::drivers::rtc::set_goldfish(r.starting_address as usize);
            }
        }
        let is_test = node.compatible().map(|c| c.all().any(|s| s == "sifive,test0")).unwrap_or(false);
        if is_test {
            if let Some(r) = node.reg().and_then(|mut r| r.next()) {
                crate::drivers::set_test_dev(r.starting_address as usize);
            }
        }
    }
    crate::drivers::uart::init(uart);
    SetupInfo {
        ram_start,
        ram_end,
        cmdline: cmdline_str,
        initrd,
        plic,
        dtb_pa,
        dtb_size: fdt.total_size(),
        model: fdt.root().model(),
    }
}
