//! /sys/devices/system/cpu: which CPUs exist and run.  Linux: drivers/base/cpu.c
//! (cpu_root_attrs: online, possible, present via show_cpus_attr, offline, kernel_max,
//! isolated; register_cpu for cpuN/).
//!
//! MenuOS runs on one hart, CPU 0: it is possible, present and online, and can never go
//! offline (cpu0 has no `online` file, as on Linux where the boot CPU cannot be unplugged).
//! glibc's get_nprocs() and sysconf(_SC_NPROCESSORS_ONLN) read `online`.

use alloc::string::String;
use core::fmt::Write;

/// Linux: NR_CPUS, the CPUs this kernel can handle (kernel_max is NR_CPUS - 1).
pub const NR_CPUS: u32 = 1;
/// The CPUs there are: 0 .. NR_ONLINE - 1.
const NR_ONLINE: u32 = 1;

/// A cpumask as a list ("%*pbl"): "0", "0-3".
fn cpulist(s: &mut String, n: u32) {
    match n {
        0 => {}
        1 => s.push('0'),
        n => {
            let _ = write!(s, "0-{}", n - 1);
        }
    }
}

/// Linux: show_cpus_attr() for cpu_online_mask / cpu_possible_mask / cpu_present_mask.
pub fn show_cpus_online(s: &mut String) {
    cpulist(s, NR_ONLINE);
    s.push('\n');
}

/// Linux: print_cpus_offline(): the possible CPUs not online (none), then a newline.
pub fn show_cpus_offline(s: &mut String) {
    s.push('\n');
}

/// Linux: print_cpus_isolated(): none.
pub fn show_cpus_isolated(s: &mut String) {
    s.push('\n');
}

/// Linux: print_cpus_kernel_max(): NR_CPUS - 1.
pub fn show_cpus_kernel_max(s: &mut String) {
    let _ = writeln!(s, "{}", NR_CPUS - 1);
}
