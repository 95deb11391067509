//! /proc/cpuinfo.  Linux: arch/riscv/kernel/cpu.c (c_show, print_isa); the file itself is
//! fs/proc/cpuinfo.c.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// Linux: c_show(): one block per CPU of the device tree (MenuOS runs on the first).  hart:
/// the cpu node's reg; isa: Linux 6.1's print_isa(); mvendorid/marchid/mimpid from SBI as on
/// Linux (sbi_get_mvendorid()...).
pub fn c_show(s: &mut String) {
    let (hart, isa) = crate::init::device_tree()
        .and_then(|dt| {
            let cpu = dt.cpus().next()?;
            let isa =
                cpu.property("riscv,isa").and_then(|p| p.as_str()).map(|s| String::from(s.trim_end_matches('\0')));
            Some((cpu.ids().first(), isa))
        })
        .unwrap_or((0, None));
    let _ = writeln!(s, "processor\t: 0\nhart\t\t: {}", hart);
    if let Some(isa) = isa {
        let _ = writeln!(s, "isa\t\t: {}", linux_isa(&isa));
    }
    s.push_str("mmu\t\t: sv39\n");
    let _ = write!(
        s,
        "mvendorid\t: {:#x}\nmarchid\t\t: {:#x}\nmimpid\t\t: {:#x}\n\n",
        sbi_rt::get_mvendorid(),
        sbi_rt::get_marchid(),
        sbi_rt::get_mimpid()
    );
}

/// Linux 6.1 print_isa(): "rv64", the single-letter extensions it knows in its order
/// ("imafdqcbkjpvh"), then the multi-letter ones it knows (isa_ext_arr[]), each after '_'.
fn linux_isa(dt: &str) -> String {
    let lower = dt.to_ascii_lowercase();
    let mut parts = lower.split('_');
    let first = parts.next().unwrap_or("");
    let (base, letters) = if first.len() >= 4 { first.split_at(4) } else { (first, "") };
    let mut s = String::from(base);
    // The first multi-letter extension may follow the letters without '_' ("...hzicsr").
    let (letters, first_multi) = match letters.find(['z', 's', 'x']) {
        Some(i) => (&letters[..i], Some(&letters[i..])),
        None => (letters, None),
    };
    // "g" is imafd + zicsr + zifencei.
    let has = |c: char| letters.contains(c) || (letters.contains('g') && "imafd".contains(c));
    for c in "imafdqcbkjpvh".chars() {
        if has(c) {
            s.push(c);
        }
    }
    let multi: Vec<&str> = first_multi.into_iter().chain(parts).collect();
    for ext in ["sscofpmf", "sstc", "svinval", "svpbmt", "zicbom", "zihintpause"] {
        if multi.contains(&ext) {
            s.push('_');
            s.push_str(ext);
        }
    }
    s
}
