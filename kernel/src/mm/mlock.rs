//! mlock(2), mlock2, munlock, mlockall, munlockall: VM_LOCKED on the VMAs, the RLIMIT_MEMLOCK
//! accounting, and populating locked memory.  Linux: mm/mlock.c (do_mlock,
//! apply_vma_lock_flags, mlock_fixup, apply_mlockall_flags, can_do_mlock), mm/gup.c
//! (__mm_populate, populate_vma_page_range), mm/mmap.c (mlock_future_check).
//!
//! There is no swap, so every page is resident whether locked or not; what locking changes
//! is visible all the same: locked ranges are populated at once (unless MLOCK_ONFAULT /
//! MCL_ONFAULT), VmLck in /proc/PID/status counts them (MmInner::locked_vm, the sum of the
//! VM_LOCKED VMAs: Linux's mm->locked_vm), the limit is enforced, locks are not inherited
//! by fork, and madvise(MADV_DONTNEED) refuses locked memory.  Every task is root until struct
//! cred: root has CAP_IPC_LOCK, which Linux lets past RLIMIT_MEMLOCK — capable_ipc_lock()
//! is the one place the credential check goes.

use super::memory::{handle_mm_fault, Access};
use super::mm_types::{MmInner, MmStruct, VmFlags};
use super::mmap::current_mm;
use super::{PAGE_SHIFT, PAGE_SIZE, TASK_SIZE};
use crate::errno::*;
use crate::kernel::signal::RLIMIT_MEMLOCK;
use alloc::sync::Arc;
use linux_raw_sys::general as uapi;

const MLOCK_ONFAULT: i32 = uapi::MLOCK_ONFAULT as i32;
const MCL_CURRENT: i32 = uapi::MCL_CURRENT as i32;
const MCL_FUTURE: i32 = uapi::MCL_FUTURE as i32;
const MCL_ONFAULT: i32 = uapi::MCL_ONFAULT as i32;
const LOCK_FLAGS: VmFlags = VmFlags::LOCKED.union(VmFlags::LOCKONFAULT);

/// Linux: capable(CAP_IPC_LOCK): root may lock past RLIMIT_MEMLOCK.
fn capable_ipc_lock() -> bool {
    true
}

/// RLIMIT_MEMLOCK in pages, or no limit for a caller with CAP_IPC_LOCK (read before the mm
/// lock: the rlimits rank below it; not read at all when it cannot matter).
pub fn memlock_limit_pages() -> usize {
    if capable_ipc_lock() {
        return usize::MAX;
    }
    (crate::kernel::task::current().signal.rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT) as usize
}

/// Linux: can_do_mlock(): a non-zero RLIMIT_MEMLOCK, or CAP_IPC_LOCK.
pub fn can_do_mlock() -> bool {
    crate::kernel::task::current().signal.rlimit(RLIMIT_MEMLOCK) != 0 || capable_ipc_lock()
}

/// Linux: mlock_future_check(): `len` more locked bytes (a VM_LOCKED mmap or brk) past
/// RLIMIT_MEMLOCK (`limit` pages) are EAGAIN.
pub fn mlock_future_check(m: &MmInner, len: usize, limit: usize) -> KResult<()> {
    let locked = (len >> PAGE_SHIFT) + m.locked_vm();
    if locked > limit && !capable_ipc_lock() {
        return Err(EAGAIN);
    }
    Ok(())
}

/// Linux: __mm_populate(): fault in the pages of the VM_LOCKED (not VM_LOCKONFAULT) or
/// MAP_POPULATE mappings in [start, end) — writable private memory with write faults, to break
/// copy-on-write (populate_vma_page_range).  A mapping without access (PROT_NONE) or a fault
/// that fails is an error (EFAULT, ENOMEM) unless `ignore_errors`, which skips to the next
/// mapping.  A fatal signal stops it (EINTR); the mm lock is dropped every 256 pages.
pub fn populate(mm: &Arc<MmStruct>, start: usize, end: usize, ignore_errors: bool) -> KResult<()> {
    let mut addr = start;
    while addr < end {
        {
            let mut m = mm.inner.lock();
            let mut budget = 256;
            while addr < end && budget > 0 {
                let Some(v) = m.find_vma_from(addr).filter(|v| v.start < end).cloned() else {
                    return Ok(());
                };
                if v.start > addr {
                    addr = v.start;
                    continue;
                }
                let vend = v.end.min(end);
                if v.flags.contains(VmFlags::LOCKONFAULT) {
                    addr = vend;
                    continue;
                }
                if !v.flags.intersects(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC) {
                    if ignore_errors {
                        addr = vend;
                        continue;
                    }
                    return Err(EFAULT);
                }
                let access = if v.flags & (VmFlags::WRITE | VmFlags::SHARED) == VmFlags::WRITE {
                    Access::Write
                } else {
                    Access::Read
                };
                while addr < vend && budget > 0 {
                    if let Err(e) = handle_mm_fault(&mut m, addr, access) {
                        if !ignore_errors {
                            return Err(if e == EIO { EFAULT } else { e });
                        }
                        addr = vend;
                        break;
                    }
                    addr += PAGE_SIZE;
                    budget -= 1;
                }
            }
        }
        if crate::kernel::signal::fatal_signal_pending(&crate::kernel::task::current()) {
            return Err(EINTR);
        }
    }
    Ok(())
}

/// Linux: mlock_fixup(): [start, end), inside one VMA, gets `newflags` (split off, and merged
/// back with its neighbours when they agree).
fn mlock_fixup(m: &mut MmInner, start: usize, end: usize, newflags: VmFlags) -> KResult<()> {
    if m.find_vma(start).is_some_and(|v| v.flags == newflags) {
        return Ok(());
    }
    m.split_range(start, end)?;
    if let Some(v) = m.vmas.get_mut(&start) {
        v.flags = newflags;
    }
    m.merge_range(start, end);
    Ok(())
}

/// Linux: apply_vma_lock_flags(): every VMA of [start, start + len) gets `flags` (VM_LOCKED,
/// VM_LOCKONFAULT, or neither); ENOMEM at the first hole (the VMAs before it keep the change).
fn apply_vma_lock_flags(m: &mut MmInner, start: usize, len: usize, flags: VmFlags) -> KResult<()> {
    let end = start.checked_add(len).ok_or(EINVAL)?;
    if end == start {
        return Ok(());
    }
    let mut nstart = start;
    loop {
        let v = m.find_vma(nstart).ok_or(ENOMEM)?;
        let tmp = v.end.min(end);
        let newflags = (v.flags - LOCK_FLAGS) | flags;
        mlock_fixup(m, nstart, tmp, newflags)?;
        nstart = tmp;
        if nstart >= end {
            return Ok(());
        }
    }
}

/// Linux: count_mm_mlocked_page_nr(): pages of [start, start + len) already locked.
fn count_mm_mlocked_page_nr(m: &MmInner, start: usize, len: usize) -> usize {
    let end = start.saturating_add(len);
    m.vmas
        .values()
        .filter(|v| v.flags.contains(VmFlags::LOCKED) && v.end > start && v.start < end)
        .map(|v| (v.end.min(end) - v.start.max(start)) / PAGE_SIZE)
        .sum()
}

/// Linux: PAGE_ALIGN(len + offset_in_page(start)) and the start's page, as do_mlock computes
/// them (wrapping like Linux: a length near SIZE_MAX rounds to 0).
fn lock_range(start: usize, len: usize) -> (usize, usize) {
    let len = len.wrapping_add(start & (PAGE_SIZE - 1)).wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    (start & !(PAGE_SIZE - 1), len)
}

/// Linux: do_mlock(): lock [start, start + len) with `flags`, within RLIMIT_MEMLOCK (ENOMEM)
/// unless CAP_IPC_LOCK, then populate it (a failure there: ENOMEM for a fault, EAGAIN when
/// memory ran out).
fn do_mlock(start: usize, len: usize, flags: VmFlags) -> KResult<usize> {
    if !can_do_mlock() {
        return Err(EPERM);
    }
    let (start, len) = lock_range(start, len);
    let lock_limit = memlock_limit_pages();
    let mut locked = len >> PAGE_SHIFT;
    let mm = current_mm()?;
    {
        let mut m = mm.inner.lock();
        locked += m.locked_vm();
        if locked > lock_limit && !capable_ipc_lock() {
            // Pages already locked in the range are not counted twice.
            locked -= count_mm_mlocked_page_nr(&m, start, len);
        }
        if locked > lock_limit && !capable_ipc_lock() {
            return Err(ENOMEM);
        }
        apply_vma_lock_flags(&mut m, start, len, flags)?;
    }
    // Linux: __mlock_posix_error_return().
    populate(&mm, start, start + len, false).map_err(|e| match e {
        EFAULT => ENOMEM,
        ENOMEM => EAGAIN,
        e => e,
    })?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(mlock, unsigned long, start, size_t, len)
pub fn sys_mlock(start: usize, len: usize) -> KResult<usize> {
    do_mlock(start, len, VmFlags::LOCKED)
}

/// Linux: SYSCALL_DEFINE3(mlock2, unsigned long, start, size_t, len, int, flags):
/// MLOCK_ONFAULT locks without populating; other flags are EINVAL.
pub fn sys_mlock2(start: usize, len: usize, flags: i32) -> KResult<usize> {
    if flags & !MLOCK_ONFAULT != 0 {
        return Err(EINVAL);
    }
    let mut vm = VmFlags::LOCKED;
    if flags & MLOCK_ONFAULT != 0 {
        vm |= VmFlags::LOCKONFAULT;
    }
    do_mlock(start, len, vm)
}

/// Linux: SYSCALL_DEFINE2(munlock, unsigned long, start, size_t, len)
pub fn sys_munlock(start: usize, len: usize) -> KResult<usize> {
    let (start, len) = lock_range(start, len);
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    apply_vma_lock_flags(&mut m, start, len, VmFlags::empty())?;
    Ok(0)
}

/// Linux: apply_mlockall_flags(): def_flags for future mappings (MCL_FUTURE), and with
/// MCL_CURRENT every VMA now (errors ignored, as Linux does).
fn apply_mlockall_flags(m: &mut MmInner, flags: i32) {
    m.def_flags -= LOCK_FLAGS;
    if flags & MCL_FUTURE != 0 {
        m.def_flags |= VmFlags::LOCKED;
        if flags & MCL_ONFAULT != 0 {
            m.def_flags |= VmFlags::LOCKONFAULT;
        }
        if flags & MCL_CURRENT == 0 {
            return;
        }
    }
    let mut to_add = VmFlags::empty();
    if flags & MCL_CURRENT != 0 {
        to_add |= VmFlags::LOCKED;
        if flags & MCL_ONFAULT != 0 {
            to_add |= VmFlags::LOCKONFAULT;
        }
    }
    let starts: alloc::vec::Vec<usize> = m.vmas.keys().copied().collect();
    for s in starts {
        if let Some(v) = m.vmas.get_mut(&s) {
            v.flags = (v.flags - LOCK_FLAGS) | to_add;
        }
    }
}

/// Linux: SYSCALL_DEFINE1(mlockall, int, flags): EINVAL for no flags, unknown ones or
/// MCL_ONFAULT alone; with MCL_CURRENT everything mapped must fit RLIMIT_MEMLOCK (ENOMEM)
/// unless CAP_IPC_LOCK, and is populated.
pub fn sys_mlockall(flags: i32) -> KResult<usize> {
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(EINVAL);
    }
    if !can_do_mlock() {
        return Err(EPERM);
    }
    let lock_limit = memlock_limit_pages();
    let mm = current_mm()?;
    {
        let mut m = mm.inner.lock();
        if flags & MCL_CURRENT != 0 && m.total_vm() > lock_limit && !capable_ipc_lock() {
            return Err(ENOMEM);
        }
        apply_mlockall_flags(&mut m, flags);
    }
    if flags & MCL_CURRENT != 0 {
        let _ = populate(&mm, 0, TASK_SIZE, true);
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE0(munlockall)
pub fn sys_munlockall() -> KResult<usize> {
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    apply_mlockall_flags(&mut m, 0);
    Ok(0)
}
