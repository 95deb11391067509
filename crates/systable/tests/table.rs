//! The kernel's syscall table against linux-raw-sys's riscv64 numbers: every riscv64 syscall has
//! exactly one line, in number order, no line names a number riscv64 lacks, and each handler is
//! the function of that syscall (`sys_<name>`, or a listed Linux alias).  Prints the table's
//! status (implemented / -ENOSYS) so the count is visible in the test log.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use systable::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap()
}

fn table() -> Vec<Entry> {
    let p = root().join("kernel/src/arch/riscv/syscall_table.rs");
    parse_table(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn numbers() -> BTreeMap<String, u32> {
    let lock = std::fs::read_to_string(root().join("kernel/Cargo.lock")).unwrap();
    let v = locked_version(&lock, "linux-raw-sys").expect("kernel/Cargo.lock pins linux-raw-sys");
    // The root workspace's dev-dependency must be the same version, or the registry may lack it.
    let root_lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    assert_eq!(
        locked_version(&root_lock, "linux-raw-sys").as_deref(),
        Some(v.as_str()),
        "Cargo.lock and kernel/Cargo.lock pin different linux-raw-sys versions"
    );
    let p = find_riscv64_general(&v).unwrap();
    parse_linux_raw_sys(&std::fs::read_to_string(p).unwrap())
}

/// Handlers whose name is not sys_<syscall> (Linux names them so too, or shares one body).
const ALIASES: &[(&str, &str)] = &[("umount2", "sys_umount")];

#[test]
fn every_riscv64_syscall_has_one_line() {
    let t = table();
    let nrs = numbers();
    assert!(nrs.len() > 300, "parsed only {} numbers from linux-raw-sys", nrs.len());
    let mut seen = BTreeSet::new();
    for e in &t {
        assert!(seen.insert(e.name.clone()), "__NR_{} is listed twice", e.name);
        assert!(nrs.contains_key(&e.name), "__NR_{} is not a riscv64 syscall in linux-raw-sys", e.name);
    }
    let missing: Vec<_> = nrs.keys().filter(|n| !seen.contains(*n)).collect();
    assert!(missing.is_empty(), "riscv64 syscalls without a line: {missing:?}");
}

#[test]
fn lines_are_in_number_order() {
    let nrs = numbers();
    let t = table();
    for w in t.windows(2) {
        let (a, b) = (nrs[&w[0].name], nrs[&w[1].name]);
        assert!(a < b, "__NR_{} ({a}) is listed before __NR_{} ({b})", w[0].name, w[1].name);
    }
}

#[test]
fn handlers_are_named_after_their_syscall() {
    for e in table() {
        if e.is_ni() {
            continue;
        }
        let want =
            ALIASES.iter().find(|(n, _)| *n == e.name).map(|(_, h)| h.to_string()).unwrap_or(format!("sys_{}", e.name));
        assert_eq!(e.handler_fn(), want, "__NR_{} is wired to {}", e.name, e.handler);
    }
}

#[test]
fn status_report() {
    let nrs = numbers();
    let t = table();
    let implemented = t.iter().filter(|e| !e.is_ni()).count();
    println!(
        "syscall table: {} riscv64 syscalls, {} with a handler, {} -ENOSYS (sys_ni_syscall)",
        t.len(),
        implemented,
        t.len() - implemented
    );
    for e in &t {
        println!("  {:4} {:24} {}", nrs[&e.name], e.name, if e.is_ni() { "ENOSYS" } else { &e.handler });
    }
    assert_eq!(t.len(), nrs.len());
}

#[test]
fn parser_rejects_what_it_should() {
    assert!(parse_table("no table here").is_err());
    assert!(parse_table("syscall_table! {\n    read => sys_read,\n}").is_err());
    let t =
        parse_table("syscall_table! {\n    // c\n    __NR_read => fs::sys_read,\n    __NR_x => sys_ni_syscall,\n}\n")
            .unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].handler_fn(), "sys_read");
    assert!(t[1].is_ni());
    let n = parse_linux_raw_sys("pub const __NR_read: u32 = 63;\npub const __NR_syscalls: u32 = 462;\n");
    assert_eq!(n.len(), 1);
    assert_eq!(n["read"], 63);
}
