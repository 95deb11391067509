//! Reads the kernel's syscall table and linux-raw-sys's riscv64 syscall numbers as text, so that
//! a host test can check one against the other (the kernel is built for riscv64 only, and a
//! host build of linux-raw-sys has the host's numbers).  Linux: the check that
//! scripts/checksyscalls.sh makes for a new architecture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line of the table: `__NR_<name> => <handler path>,`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub handler: String,
}

impl Entry {
    /// The handler is Linux's sys_ni_syscall: the number answers -ENOSYS.
    pub fn is_ni(&self) -> bool {
        self.handler == "sys_ni_syscall"
    }
    /// The last path segment: `sys_read` for `fs::read_write::sys_read`.
    pub fn handler_fn(&self) -> &str {
        self.handler.rsplit("::").next().unwrap_or(&self.handler)
    }
}

/// Parses the entries of the `syscall_table! { ... }` invocation, in file order.
pub fn parse_table(src: &str) -> Result<Vec<Entry>, String> {
    let body = src.split("syscall_table! {").nth(1).ok_or("no `syscall_table! {` invocation")?;
    let mut v = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let l = line.trim();
        if l == "}" {
            break;
        }
        if l.is_empty() || l.starts_with("//") {
            continue;
        }
        let (lhs, rhs) = l.split_once("=>").ok_or(format!("table line {}: no `=>`: {l}", i + 1))?;
        let name = lhs.trim().strip_prefix("__NR_").ok_or(format!("table line {}: not an __NR_ name: {l}", i + 1))?;
        let handler = rhs.trim().trim_end_matches(',').trim();
        v.push(Entry { name: name.to_string(), handler: handler.to_string() });
    }
    Ok(v)
}

/// `pub const __NR_<name>: u32 = <nr>;` lines of linux-raw-sys's riscv64/general.rs.  The two
/// that are not syscalls (`__NR_arch_specific_syscall`, the base of arch syscalls, and
/// `__NR_syscalls`, the count) are left out.
pub fn parse_linux_raw_sys(src: &str) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for line in src.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const __NR_") else {
            continue;
        };
        let Some((name, val)) = rest.split_once(": u32 = ") else {
            continue;
        };
        let Ok(nr) = val.trim_end_matches(';').trim().parse::<u32>() else {
            continue;
        };
        if name == "arch_specific_syscall" || name == "syscalls" {
            continue;
        }
        m.insert(name.to_string(), nr);
    }
    m
}

/// The version of linux-raw-sys a Cargo.lock pins.
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let mut it = lock.lines();
    while let Some(l) = it.next() {
        if l.trim() == format!("name = \"{package}\"") {
            let v = it.next()?.trim().strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(v.to_string());
        }
    }
    None
}

/// linux-raw-sys-<version>/src/riscv64/general.rs in the cargo registry ($CARGO_HOME, or
/// ~/.cargo).
pub fn find_riscv64_general(version: &str) -> Result<PathBuf, String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let src = home.join("registry").join("src");
    let dirs = std::fs::read_dir(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    for d in dirs.flatten() {
        let p = d.path().join(format!("linux-raw-sys-{version}")).join("src/riscv64/general.rs");
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(format!("linux-raw-sys-{version} is not in {} (run `cargo fetch` in the root workspace)", src.display()))
}
