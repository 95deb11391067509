//! Process id allocation as Linux 6.1's `kernel/pid.c` `alloc_pid()` does it
//! with `idr_alloc_cyclic()` (lib/idr.c), on a bitmap.
//!
//! Rules:
//! * ids are in `[1, pid_max)`; pid 0 is never handed out;
//! * a new id is the lowest free id at or after the cursor (`idr_next`, one
//!   past the last id handed out by cyclic allocation), wrapping once to
//!   the low bound if none is free up to `pid_max - 1`;
//! * the low bound is 1 while the cursor is `<= RESERVED_PIDS` (300) and
//!   `RESERVED_PIDS` after (`if (idr_get_cursor(&tmp->idr) > RESERVED_PIDS)
//!   pid_min = RESERVED_PIDS;`): after the first wrap, pids below 300 are
//!   not reused;
//! * nothing free: EAGAIN (Linux maps the idr's ENOSPC to EAGAIN);
//! * [`PidMap::alloc_at`] is clone3's `set_tid` path (`idr_alloc(tid, tid+1)`):
//!   EINVAL outside `[1, pid_max)`, EEXIST if taken, and the cursor does not
//!   move;
//! * freeing (`free_pid()` → `idr_remove()`) does not move the cursor.
//!
//! `pid_max` defaults to `PID_MAX_DEFAULT` (32768); Linux raises it to
//! `1024 * possible CPUs` when that is larger (not for 2 CPUs) and lets
//! `/proc/sys/kernel/pid_max` set it within `[RESERVED_PIDS + 1, PID_MAX_LIMIT]`
//! ([`PidMap::set_pid_max`]).
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use linux_raw_sys::errno::{EAGAIN, EEXIST, EINVAL, ENOMEM};

pub type Errno = u32;

/// `PID_MAX_DEFAULT`.
pub const PID_MAX_DEFAULT: u32 = 0x8000;
/// `PID_MAX_LIMIT` on 64-bit (4 * 1024 * 1024).
pub const PID_MAX_LIMIT: u32 = 4 * 1024 * 1024;
/// `RESERVED_PIDS`.
pub const RESERVED_PIDS: u32 = 300;

/// A pid namespace's id allocator.
#[derive(Debug, Clone)]
pub struct PidMap {
    bits: Vec<u64>,
    pid_max: u32,
    /// `idr_next`.
    next: u32,
    count: u32,
}

impl Default for PidMap {
    fn default() -> Self {
        Self::new(PID_MAX_DEFAULT)
    }
}

impl PidMap {
    /// An empty map with ids `[1, pid_max)` (`pid_max` clamped to
    /// `[RESERVED_PIDS + 1, PID_MAX_LIMIT]`, as the sysctl bounds).
    pub fn new(pid_max: u32) -> Self {
        let pid_max = pid_max.clamp(RESERVED_PIDS + 1, PID_MAX_LIMIT);
        PidMap { bits: vec![0; (pid_max as usize).div_ceil(64)], pid_max, next: 0, count: 0 }
    }

    pub fn pid_max(&self) -> u32 {
        self.pid_max
    }

    /// Number of ids in use.
    pub fn allocated(&self) -> u32 {
        self.count
    }

    /// The cursor (`idr_get_cursor()`): one past the last cyclically
    /// allocated pid (0 before the first). `cursor() - 1` is Linux's "last
    /// pid" (/proc/loadavg, ns_last_pid).
    pub fn cursor(&self) -> u32 {
        self.next
    }

    /// Set the cursor (writing `/proc/sys/kernel/ns_last_pid` sets it to
    /// value + 1).
    pub fn set_cursor(&mut self, next: u32) {
        self.next = next;
    }

    pub fn is_allocated(&self, pid: u32) -> bool {
        (pid as usize) < self.bits.len() * 64 && self.bits[(pid / 64) as usize] & (1 << (pid % 64)) != 0
    }

    /// Change `pid_max` (`/proc/sys/kernel/pid_max`): EINVAL outside
    /// `[RESERVED_PIDS + 1, PID_MAX_LIMIT]`, ENOMEM when the bitmap cannot
    /// grow to it. Ids already above a lowered limit stay allocated until
    /// freed, as in Linux.
    pub fn set_pid_max(&mut self, pid_max: u32) -> Result<(), Errno> {
        if !(RESERVED_PIDS + 1..=PID_MAX_LIMIT).contains(&pid_max) {
            return Err(EINVAL);
        }
        let words = (pid_max as usize).div_ceil(64);
        if words > self.bits.len() {
            self.bits.try_reserve(words - self.bits.len()).map_err(|_| ENOMEM)?;
            self.bits.resize(words, 0);
        }
        self.pid_max = pid_max;
        Ok(())
    }

    /// Lowest free id in `[from, to]`.
    fn find_free(&self, from: u32, to: u32) -> Option<u32> {
        if from > to {
            return None;
        }
        let mut w = (from / 64) as usize;
        let last_w = (to / 64) as usize;
        let mut word = !self.bits[w] & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                let id = (w as u32) * 64 + word.trailing_zeros();
                return (id <= to).then_some(id);
            }
            w += 1;
            if w > last_w {
                return None;
            }
            word = !self.bits[w];
        }
    }

    fn set(&mut self, pid: u32) {
        self.bits[(pid / 64) as usize] |= 1 << (pid % 64);
        self.count += 1;
    }

    /// `alloc_pid()`'s cyclic allocation: EAGAIN when every id is taken.
    pub fn alloc(&mut self) -> Result<u32, Errno> {
        let start = if self.next > RESERVED_PIDS { RESERVED_PIDS } else { 1 };
        let max = self.pid_max - 1;
        let id = self.next.max(start);
        let found = match self.find_free(id, max) {
            Some(p) => Some(p),
            None if id > start => self.find_free(start, max),
            None => None,
        };
        let pid = found.ok_or(EAGAIN)?;
        self.set(pid);
        self.next = pid + 1;
        Ok(pid)
    }

    /// Take a specific id (clone3 `set_tid`).
    pub fn alloc_at(&mut self, pid: u32) -> Result<u32, Errno> {
        if pid < 1 || pid >= self.pid_max {
            return Err(EINVAL);
        }
        if self.is_allocated(pid) {
            return Err(EEXIST);
        }
        self.set(pid);
        Ok(pid)
    }

    /// Release an id; returns whether it was allocated.
    pub fn free(&mut self, pid: u32) -> bool {
        if (pid as usize) >= self.bits.len() * 64 {
            return false;
        }
        let (w, b) = ((pid / 64) as usize, pid % 64);
        if self.bits[w] & (1 << b) == 0 {
            return false;
        }
        self.bits[w] &= !(1 << b);
        self.count -= 1;
        true
    }
}
