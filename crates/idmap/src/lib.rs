//! The id maps of a user namespace (`/proc/PID/uid_map`, `gid_map`, `projid_map`) as Linux 6.1's
//! `kernel/user_namespace.c` parses, checks and applies them, as pure functions with Linux's
//! errno values (`u32`, from `linux_raw_sys::errno`).
//!
//! A map is a list of extents `first lower_first count`: ids `[first, first + count)` inside the
//! namespace are ids `[lower_first, lower_first + count)` of the parent namespace.  The kernel
//! keeps the lower side already translated to the initial namespace's (global, "kernel") ids, so
//! [`IdMap::down`] gives a kernel id directly.
//!
//! * [`parse_map_write`] is `map_write()`'s parsing: one extent per line, each three decimal
//!   numbers separated by white space, no trailing junk, neither start `(u32)-1`, a count that
//!   does not wrap either side, no overlap with an earlier line on either side, at most
//!   [`UID_GID_MAP_MAX_EXTENTS`] lines: EINVAL otherwise, and EINVAL for an empty write.
//! * [`IdMap::translate_lower`] maps the parsed lower ids through the parent's map (EPERM when
//!   an extent is not wholly mapped there: `map_id_range_down()` returning -1).
//! * [`IdMap::down`] / [`IdMap::up`] are `map_id_down()` / `map_id_up()`: `None` when unmapped
//!   (Linux's `(u32)-1`, which `from_kuid_munged()` shows as the overflow id 65534).
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use linux_raw_sys::errno::{EINVAL, EPERM};

pub type Errno = u32;

/// `UID_GID_MAP_MAX_EXTENTS`.
pub const UID_GID_MAP_MAX_EXTENTS: usize = 340;
/// `overflowuid` / `overflowgid`: what an unmapped id reads as.
pub const OVERFLOW_ID: u32 = 65534;

/// `struct uid_gid_extent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub first: u32,
    pub lower_first: u32,
    pub count: u32,
}

/// `struct uid_gid_map`: the extents in the order they were written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap {
    pub extents: Vec<Extent>,
}

/// The identity map of the initial user namespace (`0 0 4294967295`).
pub fn identity() -> IdMap {
    IdMap { extents: alloc::vec![Extent { first: 0, lower_first: 0, count: u32::MAX }] }
}

/// `mappings_overlap()`: does `e` overlap an extent of `map` on the upper or the lower side?
fn overlaps(map: &[Extent], e: &Extent) -> bool {
    let (upper_first, lower_first) = (e.first, e.lower_first);
    let upper_last = upper_first as u64 + e.count as u64 - 1;
    let lower_last = lower_first as u64 + e.count as u64 - 1;
    map.iter().any(|p| {
        let pu_last = p.first as u64 + p.count as u64 - 1;
        let pl_last = p.lower_first as u64 + p.count as u64 - 1;
        (p.first as u64 <= upper_last && pu_last >= upper_first as u64)
            || (p.lower_first as u64 <= lower_last && pl_last >= lower_first as u64)
    })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    &s[n..]
}

/// `simple_strtoul(s, &end, 10)` truncated to u32 as Linux stores it: the number (0 when
/// there are no digits) and the rest.
fn strtoul(s: &[u8]) -> (u32, &[u8]) {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut v: u64 = 0;
    for &b in &s[..n] {
        v = v.wrapping_mul(10).wrapping_add((b - b'0') as u64);
    }
    (v as u32, &s[n..])
}

/// `map_write()`'s parse of the bytes written (the caller has checked the offset and size).
pub fn parse_map_write(buf: &[u8]) -> Result<IdMap, Errno> {
    // memdup_user_nul(): the text ends at the first NUL.
    let text = &buf[..buf.iter().position(|&b| b == 0).unwrap_or(buf.len())];
    let mut map = IdMap::default();
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut rest = text;
    // Linux splits at '\n'; an empty remainder after the last '\n' ends the loop.
    loop {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                lines.push(&rest[..i]);
                rest = &rest[i + 1..];
                if rest.is_empty() {
                    break;
                }
            }
            None => {
                lines.push(rest);
                break;
            }
        }
    }
    let nlines = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let pos = skip_spaces(line);
        let (first, pos) = strtoul(pos);
        if pos.first().is_none_or(|&b| !is_space(b)) {
            return Err(EINVAL);
        }
        let (lower_first, pos) = strtoul(skip_spaces(pos));
        if pos.first().is_none_or(|&b| !is_space(b)) {
            return Err(EINVAL);
        }
        let (count, pos) = strtoul(skip_spaces(pos));
        if pos.first().is_some_and(|&b| !is_space(b)) {
            return Err(EINVAL);
        }
        if !skip_spaces(pos).is_empty() {
            return Err(EINVAL);
        }
        if first == u32::MAX || lower_first == u32::MAX {
            return Err(EINVAL);
        }
        if wraps(first, count) || wraps(lower_first, count) {
            return Err(EINVAL);
        }
        let e = Extent { first, lower_first, count };
        if overlaps(&map.extents, &e) {
            return Err(EINVAL);
        }
        if map.extents.len() + 1 == UID_GID_MAP_MAX_EXTENTS && i + 1 < nlines {
            return Err(EINVAL);
        }
        map.extents.push(e);
    }
    if map.extents.is_empty() {
        return Err(EINVAL);
    }
    Ok(map)
}

/// Linux's `(first + count) <= first` in u32 arithmetic: a zero count, or an extent that
/// wraps past 2^32.
fn wraps(first: u32, count: u32) -> bool {
    first.checked_add(count).is_none_or(|end| end <= first)
}

impl IdMap {
    /// `map_id_range_down()`: the lower id of `[id, id + count)`, which must lie inside one
    /// extent.
    pub fn down_range(&self, id: u32, count: u32) -> Option<u32> {
        let last = id as u64 + count as u64 - 1;
        self.extents
            .iter()
            .find(|e| id >= e.first && last < e.first as u64 + e.count as u64)
            .map(|e| id - e.first + e.lower_first)
    }

    /// `map_id_down()`: the kernel id of namespace id `id`.
    pub fn down(&self, id: u32) -> Option<u32> {
        self.down_range(id, 1)
    }

    /// `map_id_up()`: the namespace id of kernel id `id`.
    pub fn up(&self, id: u32) -> Option<u32> {
        self.extents
            .iter()
            .find(|e| id >= e.lower_first && (id as u64) < e.lower_first as u64 + e.count as u64)
            .map(|e| id - e.lower_first + e.first)
    }

    /// `map_write()`'s last step: each extent's lower ids, given in the parent namespace,
    /// become kernel ids through the parent's map; EPERM if one is not wholly mapped there.
    pub fn translate_lower(mut self, parent: &IdMap) -> Result<IdMap, Errno> {
        for e in self.extents.iter_mut() {
            e.lower_first = parent.down_range(e.lower_first, e.count).ok_or(EPERM)?;
        }
        Ok(self)
    }

    /// The text of the map file as `uid_m_show()` prints it: `lower_view` turns a kernel id
    /// into the id the reader's namespace (or, for a reader inside this namespace, its parent)
    /// calls it (`from_kuid()`, `(u32)-1` when unmapped).
    pub fn show(&self, lower_view: impl Fn(u32) -> Option<u32>) -> String {
        let mut s = String::new();
        for e in &self.extents {
            let lower = lower_view(e.lower_first).unwrap_or(u32::MAX);
            let _ = writeln!(s, "{:>10} {:>10} {:>10}", e.first, lower, e.count);
        }
        s
    }
}
