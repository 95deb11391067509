//! madvise(2).  Linux: mm/madvise.c (do_madvise, madvise_behavior_valid, madvise_update_vma,
//! madvise_dontneed_free, madvise_populate, madvise_remove, madvise_willneed).
//!
//! The advice Linux 6.1 on riscv64 knows (the reference's configuration: no KSM, no
//! transparent huge pages, no memory-failure injection, no swap) and what each does here:
//!   - DONTNEED, DONTNEED_LOCKED, FREE: the pages go (private anonymous memory reads back as
//!     zero); locked memory only with DONTNEED_LOCKED; FREE only on private anonymous memory;
//!   - REMOVE: a shared anonymous mapping's pages read back as zero in every mapping (zeroed
//!     in place: see madvise_remove); EINVAL without a shared object, EACCES unless shared and
//!     writable; a shared file mapping is EOPNOTSUPP (punching holes in files is not
//!     implemented: Linux's ramfs answers the same);
//!   - DONTFORK/DOFORK, WIPEONFORK/KEEPONFORK: VMA flags fork honours;
//!   - POPULATE_READ/WRITE: the pages are faulted in (EINVAL without the access, EFAULT for a
//!     fault that fails, ENOMEM for a hole);
//!   - WILLNEED: readahead of a file mapping (its pages are in memory already); on anonymous
//!     memory EBADF, as Linux without swap;
//!   - NORMAL, RANDOM, SEQUENTIAL, COLD, PAGEOUT, DONTDUMP, DODUMP: hints for readahead,
//!     reclaim and core dumps, none of which MenuOS has, so there is nothing they could change;
//!     COLD and PAGEOUT refuse locked memory, as Linux does.
//!
//! Anything else is EINVAL.

use super::memory::{handle_mm_fault, Access};
use super::mm_types::{Backing, MmInner, VmFlags};
use super::mmap::current_mm;
use super::{PAGE_SIZE, TASK_SIZE};
use crate::errno::*;
use linux_raw_sys::general as uapi;

const MADV_NORMAL: usize = uapi::MADV_NORMAL as usize;
const MADV_RANDOM: usize = uapi::MADV_RANDOM as usize;
const MADV_SEQUENTIAL: usize = uapi::MADV_SEQUENTIAL as usize;
const MADV_WILLNEED: usize = uapi::MADV_WILLNEED as usize;
const MADV_DONTNEED: usize = uapi::MADV_DONTNEED as usize;
const MADV_FREE: usize = uapi::MADV_FREE as usize;
const MADV_REMOVE: usize = uapi::MADV_REMOVE as usize;
const MADV_DONTFORK: usize = uapi::MADV_DONTFORK as usize;
const MADV_DOFORK: usize = uapi::MADV_DOFORK as usize;
const MADV_DONTDUMP: usize = uapi::MADV_DONTDUMP as usize;
const MADV_DODUMP: usize = uapi::MADV_DODUMP as usize;
const MADV_WIPEONFORK: usize = uapi::MADV_WIPEONFORK as usize;
const MADV_KEEPONFORK: usize = uapi::MADV_KEEPONFORK as usize;
const MADV_COLD: usize = uapi::MADV_COLD as usize;
const MADV_PAGEOUT: usize = uapi::MADV_PAGEOUT as usize;
const MADV_POPULATE_READ: usize = uapi::MADV_POPULATE_READ as usize;
const MADV_POPULATE_WRITE: usize = uapi::MADV_POPULATE_WRITE as usize;
const MADV_DONTNEED_LOCKED: usize = uapi::MADV_DONTNEED_LOCKED as usize;

/// Linux: madvise_behavior_valid() for the reference's configuration (see the header).
fn madvise_behavior_valid(advice: usize) -> bool {
    matches!(
        advice,
        MADV_NORMAL
            | MADV_RANDOM
            | MADV_SEQUENTIAL
            | MADV_WILLNEED
            | MADV_DONTNEED
            | MADV_DONTNEED_LOCKED
            | MADV_FREE
            | MADV_REMOVE
            | MADV_DONTFORK
            | MADV_DOFORK
            | MADV_DONTDUMP
            | MADV_DODUMP
            | MADV_WIPEONFORK
            | MADV_KEEPONFORK
            | MADV_COLD
            | MADV_PAGEOUT
            | MADV_POPULATE_READ
            | MADV_POPULATE_WRITE
    )
}

/// Linux: SYSCALL_DEFINE3(madvise, unsigned long, start, size_t, len_in, int, behavior)
pub fn sys_madvise(addr: usize, len: usize, advice: i32) -> KResult<usize> {
    let advice = advice as u32 as usize;
    if !madvise_behavior_valid(advice) {
        return Err(EINVAL);
    }
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let alen = len.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    // Check to see whether len was rounded up from small -ve to zero.
    if len != 0 && alen == 0 {
        return Err(EINVAL);
    }
    let end = addr.checked_add(alen).ok_or(EINVAL)?;
    if end == addr {
        return Ok(0);
    }
    if end > TASK_SIZE {
        return Err(ENOMEM);
    }
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    m.all_mapped(addr, end)?;
    let r = match advice {
        MADV_DONTNEED | MADV_DONTNEED_LOCKED | MADV_FREE => {
            for v in m.vmas_range(addr, end) {
                let forbidden = if advice == MADV_DONTNEED_LOCKED { VmFlags::empty() } else { VmFlags::LOCKED };
                if v.flags.intersects(forbidden) {
                    return Err(EINVAL);
                }
                if advice == MADV_FREE && !matches!(v.backing, Backing::Anon) {
                    return Err(EINVAL);
                }
            }
            m.zap_range(addr, end);
            Ok(())
        }
        MADV_REMOVE => madvise_remove(&mut m, addr, end),
        MADV_DONTFORK => m.vma_set_flags(addr, end, VmFlags::DONTCOPY, VmFlags::empty()),
        MADV_DOFORK => m.vma_set_flags(addr, end, VmFlags::empty(), VmFlags::DONTCOPY),
        MADV_WIPEONFORK => {
            // Linux: only for private anonymous memory.
            if m.vmas_range(addr, end).any(|v| !matches!(v.backing, Backing::Anon)) {
                return Err(EINVAL);
            }
            m.vma_set_flags(addr, end, VmFlags::WIPEONFORK, VmFlags::empty())
        }
        MADV_KEEPONFORK => m.vma_set_flags(addr, end, VmFlags::empty(), VmFlags::WIPEONFORK),
        MADV_POPULATE_READ | MADV_POPULATE_WRITE => madvise_populate(&mut m, addr, end, advice == MADV_POPULATE_WRITE),
        MADV_WILLNEED => {
            // Linux without CONFIG_SWAP: madvise_willneed() needs a file.
            if m.vmas_range(addr, end).any(|v| matches!(v.backing, Backing::Anon)) {
                return Err(EBADF);
            }
            Ok(())
        }
        MADV_COLD | MADV_PAGEOUT => {
            // Linux: can_madv_lru_vma().
            if m.vmas_range(addr, end).any(|v| v.flags.contains(VmFlags::LOCKED)) {
                return Err(EINVAL);
            }
            Ok(())
        }
        _ => Ok(()), // NORMAL, RANDOM, SEQUENTIAL, DONTDUMP, DODUMP (see the header)
    };
    // Linux: madvise() returns EAGAIN if kernel resources (here: a VMA split past
    // vm.max_map_count) are temporarily unavailable.
    r.map(|()| 0).map_err(|e| {
        if e == ENOMEM && advice != MADV_POPULATE_READ && advice != MADV_POPULATE_WRITE {
            EAGAIN
        } else {
            e
        }
    })
}

/// Linux: madvise_remove(): free the pages of a shared writable mapping's object.
fn madvise_remove(m: &mut MmInner, start: usize, end: usize) -> KResult<()> {
    let vmas: alloc::vec::Vec<super::mm_types::Vma> = m.vmas_range(start, end).cloned().collect();
    for v in vmas {
        if v.flags.contains(VmFlags::LOCKED) {
            return Err(EINVAL);
        }
        let Backing::Shared { obj, pgoff, .. } = &v.backing else { return Err(EINVAL) };
        if !v.flags.contains(VmFlags::SHARED | VmFlags::WRITE) {
            return Err(EACCES);
        }
        if obj.is_file() {
            return Err(EOPNOTSUPP);
        }
        let (s, e) = (v.start.max(start), v.end.min(end));
        let first = pgoff + (s - v.start) / PAGE_SIZE;
        let last = pgoff + (e - v.start) / PAGE_SIZE;
        // Linux frees the pages and zaps every mapping of them (through the rmap).  MenuOS has
        // no rmap, so other mms' page tables still point at the pages: they are zeroed where
        // they are instead, which every mapping then reads — the contents are gone, the
        // frames stay the object's until it goes.
        obj.zero_pages(first, last);
    }
    Ok(())
}

/// Linux: madvise_populate(): fault in [start, end) for reading or writing; EINVAL when a
/// mapping lacks the access, EFAULT when a fault fails (SIGBUS past a file's end).
fn madvise_populate(m: &mut MmInner, start: usize, end: usize, write: bool) -> KResult<()> {
    for v in m.vmas_range(start, end) {
        let ok = if write {
            v.flags.contains(VmFlags::WRITE)
        } else {
            v.flags.intersects(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC)
        };
        if !ok {
            return Err(EINVAL);
        }
    }
    let access = if write { Access::Write } else { Access::Read };
    let mut a = start;
    while a < end {
        match handle_mm_fault(m, a, access) {
            Ok(()) => {}
            Err(ENOMEM) => return Err(ENOMEM),
            Err(_) => return Err(EFAULT),
        }
        a += PAGE_SIZE;
    }
    Ok(())
}

impl MmInner {
    /// Linux: madvise_update_vma(): set or clear flags on [start, end), splitting VMAs (ENOMEM
    /// past vm.max_map_count) and merging them back when they agree again.
    pub fn vma_set_flags(&mut self, start: usize, end: usize, set: VmFlags, clear: VmFlags) -> KResult<()> {
        self.all_mapped(start, end)?;
        self.split_range(start, end)?;
        for (_, v) in self.vmas.range_mut(start..end) {
            v.flags = (v.flags - clear) | set;
        }
        self.merge_range(start, end);
        Ok(())
    }

    /// Linux: MADV_DONTNEED: drop the pages; private anonymous memory reads back as zero.
    pub fn zap_range(&mut self, start: usize, end: usize) {
        self.pgt.unmap_range(start, end);
        crate::arch::riscv::flush_tlb_all();
    }
}
