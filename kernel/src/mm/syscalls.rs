//! brk, mmap, munmap, mprotect, mremap, madvise.  Linux: mm/mmap.c, mm/mprotect.c,
//! mm/mremap.c, mm/madvise.c.

use super::mmap::{Backing, ShmObject, VmFlags};
use super::{page_align_up, PAGE_SIZE, TASK_SIZE};
use crate::errno::*;
use crate::kernel::task::current;
use alloc::sync::Arc;

const PROT_READ: usize = 1;
const PROT_WRITE: usize = 2;
const PROT_EXEC: usize = 4;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const MAP_SHARED_VALIDATE: usize = 0x03;
const MAP_TYPE: usize = 0x0f;
const MAP_FIXED: usize = 0x10;
const MAP_ANONYMOUS: usize = 0x20;
const MAP_FIXED_NOREPLACE: usize = 0x100000;

fn prot_flags(prot: usize) -> KResult<VmFlags> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | 0x0100_0000 | 0x0200_0000) != 0 {
        return Err(EINVAL);
    }
    let mut f = VmFlags::empty();
    if prot & PROT_READ != 0 {
        f |= VmFlags::READ;
    }
    if prot & PROT_WRITE != 0 {
        f |= VmFlags::WRITE;
    }
    if prot & PROT_EXEC != 0 {
        f |= VmFlags::EXEC;
    }
    Ok(f)
}

/// The end of a user range, EINVAL when it wraps or leaves user space.
fn user_end(addr: usize, len: usize) -> KResult<usize> {
    addr.checked_add(len).filter(|&e| e <= TASK_SIZE).ok_or(EINVAL)
}

fn mm() -> KResult<Arc<super::MmStruct>> {
    current().mm.lock().clone().ok_or(EINVAL)
}

pub fn sys_brk(addr: usize) -> KResult<usize> {
    let mm = mm()?;
    let mut m = mm.inner.lock();
    Ok(m.brk(addr))
}

/// Linux: do_mmap()
pub fn sys_mmap(addr: usize, len: usize, prot: usize, flags: usize, fd: usize, off: usize) -> KResult<usize> {
    if off & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    if len == 0 {
        return Err(EINVAL);
    }
    let len = page_align_up(len);
    if len == 0 || len > TASK_SIZE {
        return Err(ENOMEM);
    }
    let typ = flags & MAP_TYPE;
    if typ != MAP_SHARED && typ != MAP_PRIVATE && typ != MAP_SHARED_VALIDATE {
        return Err(EINVAL);
    }
    let mut vf = prot_flags(prot)?;
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    // Linux: an unaligned MAP_FIXED address is EINVAL; one whose range leaves user space,
    // ENOMEM (get_unmapped_area()).
    if fixed && addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    if fixed && user_end(addr, len).is_err() {
        return Err(ENOMEM);
    }
    let shared = typ != MAP_PRIVATE;
    let backing = if flags & MAP_ANONYMOUS != 0 {
        if shared {
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ShmObject::anon(len), pgoff: 0 }
        } else {
            Backing::Anon
        }
    } else {
        let f = crate::fs::fd_get(fd as u32)?;
        let ino = f.inode.clone().ok_or(ENODEV)?;
        if !ino.is_reg() {
            return Err(ENODEV);
        }
        if !f.readable() {
            return Err(EACCES);
        }
        if shared {
            // Linux: EACCES for a shared writable mapping of a file not open for writing.
            if prot & PROT_WRITE != 0 && !f.writable() {
                return Err(EACCES);
            }
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ino.shared_pages(), pgoff: off / PAGE_SIZE }
        } else {
            Backing::File { inode: ino, off, file_end: usize::MAX }
        }
    };
    let mm = mm()?;
    let mut m = mm.inner.lock();
    if flags & MAP_FIXED_NOREPLACE != 0 && !m.is_free(addr, user_end(addr, len)?) {
        return Err(EEXIST);
    }
    let start = m.mmap_region(addr & !(PAGE_SIZE - 1), len, vf, backing, flags & MAP_FIXED != 0)?;
    // File mappings: bytes past EOF read as zero.
    if let Some(v) = m.vmas.get_mut(&start) {
        if let Backing::File { inode, off, file_end } = &mut v.backing {
            let size = inode.size();
            *file_end = start + size.saturating_sub(*off);
        }
    }
    Ok(start)
}

pub fn sys_munmap(addr: usize, len: usize) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 || len == 0 {
        return Err(EINVAL);
    }
    let end = user_end(addr, page_align_up(len))?;
    let mm = mm()?;
    mm.inner.lock().munmap(addr, end);
    Ok(0)
}

pub fn sys_mprotect(addr: usize, len: usize, prot: usize) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let vf = prot_flags(prot)?;
    let len = page_align_up(len);
    if len == 0 {
        return Ok(0);
    }
    let end = user_end(addr, len).map_err(|_| ENOMEM)?;
    let mm = mm()?;
    mm.inner.lock().mprotect(addr, end, vf)?;
    Ok(0)
}

/// Linux: mremap() for anonymous mappings: shrink in place, grow in place when free, or
/// move (MREMAP_MAYMOVE) by moving the page-table entries.
pub fn sys_mremap(old: usize, old_len: usize, new_len: usize, flags: usize, new_addr: usize) -> KResult<usize> {
    const MREMAP_MAYMOVE: usize = 1;
    const MREMAP_FIXED: usize = 2;
    if old & (PAGE_SIZE - 1) != 0 || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | 4) != 0 {
        return Err(EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(EINVAL);
    }
    let old_len = page_align_up(old_len);
    let new_len = page_align_up(new_len);
    if new_len == 0 {
        return Err(EINVAL);
    }
    // Linux: mremap_to() checks the target before looking at the old mapping.
    if flags & MREMAP_FIXED != 0 && (new_addr & (PAGE_SIZE - 1) != 0 || user_end(new_addr, new_len).is_err()) {
        return Err(EINVAL);
    }
    if new_len > TASK_SIZE {
        return Err(ENOMEM);
    }
    let mm = mm()?;
    let mut m = mm.inner.lock();
    let vma = m.find_vma(old).cloned().ok_or(EFAULT)?;
    if old.checked_add(old_len).is_none_or(|e| e > vma.end) {
        return Err(EFAULT);
    }
    if new_len <= old_len && flags & MREMAP_FIXED == 0 {
        m.munmap(old + new_len, old + old_len);
        return Ok(old);
    }
    if flags & MREMAP_FIXED == 0
        && old + old_len == vma.end
        && user_end(old, new_len).is_ok_and(|e| m.is_free(vma.end, e))
    {
        if let Some(v) = m.vmas.get_mut(&vma.start) {
            v.end = old + new_len;
        }
        return Ok(old);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(ENOMEM);
    }
    let dst = if flags & MREMAP_FIXED != 0 {
        m.munmap(new_addr, new_addr + new_len);
        new_addr
    } else {
        m.get_unmapped_area(new_len)?
    };
    // Move the entries (no copy: the frames follow).
    let mut moved = alloc::vec::Vec::new();
    let move_len = old_len.min(new_len);
    m.pgt.for_each_leaf(old, old + move_len, |va, pte| {
        moved.push((va - old, *pte));
        *pte = super::pgtable::Pte(0);
    });
    for (off, pte) in moved {
        *m.pgt.walk(dst + off, true)?.ok_or(ENOMEM)? = pte;
    }
    let mut nv = vma.clone();
    let delta = old - vma.start;
    match &mut nv.backing {
        Backing::File { off, file_end, .. } => {
            *off += delta;
            *file_end = file_end.saturating_sub(old).saturating_add(dst);
        }
        Backing::Shared { pgoff, .. } => *pgoff += delta / PAGE_SIZE,
        Backing::Anon => {}
    }
    nv.start = dst;
    nv.end = dst + new_len;
    m.munmap(old, old + old_len);
    m.insert_vma(nv);
    crate::arch::riscv::flush_tlb_all();
    Ok(dst)
}

/// Linux: madvise() — the advice that changes behaviour; the rest is accepted and ignored.
pub fn sys_madvise(addr: usize, len: usize, advice: usize) -> KResult<usize> {
    const MADV_NORMAL: usize = 0;
    const MADV_DONTNEED: usize = 4;
    const MADV_FREE: usize = 8;
    const MADV_REMOVE: usize = 9;
    const MADV_DONTFORK: usize = 10;
    const MADV_DOFORK: usize = 11;
    const MADV_WIPEONFORK: usize = 18;
    const MADV_KEEPONFORK: usize = 19;
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let known = matches!(advice, 0..=4 | 8..=19 | 20..=23 | 100 | 101);
    if !known {
        return Err(EINVAL);
    }
    let end = addr.checked_add(page_align_up(len)).ok_or(EINVAL)?;
    if end == addr {
        return Ok(0);
    }
    let mm = mm()?;
    let mut m = mm.inner.lock();
    match advice {
        MADV_DONTNEED | MADV_FREE | MADV_REMOVE => {
            m.all_mapped(addr, end)?;
            m.zap_range(addr, end);
        }
        MADV_DONTFORK => m.vma_set_flags(addr, end, VmFlags::DONTCOPY, VmFlags::empty())?,
        MADV_DOFORK => m.vma_set_flags(addr, end, VmFlags::empty(), VmFlags::DONTCOPY)?,
        MADV_WIPEONFORK => {
            // Linux: only for private anonymous memory.
            if m.find_vma(addr)
                .is_some_and(|v| !matches!(v.backing, Backing::Anon) || v.flags.contains(VmFlags::SHARED))
            {
                return Err(EINVAL);
            }
            m.vma_set_flags(addr, end, VmFlags::WIPEONFORK, VmFlags::empty())?
        }
        MADV_KEEPONFORK => m.vma_set_flags(addr, end, VmFlags::empty(), VmFlags::WIPEONFORK)?,
        MADV_NORMAL | _ => m.all_mapped(addr, end)?,
    }
    Ok(0)
}

/// Linux: mincore(): one byte per page, 1 when resident; ENOMEM for unmapped ranges.
pub fn sys_mincore(addr: usize, len: usize, vec: crate::mm::uaccess::UserPtr<u8>) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let len = page_align_up(len);
    if user_end(addr, len).is_err() {
        return Err(ENOMEM);
    }
    let mm = mm()?;
    let mut out = alloc::vec![0u8; len / PAGE_SIZE];
    {
        let m = mm.inner.lock();
        for (i, b) in out.iter_mut().enumerate() {
            let va = addr + i * PAGE_SIZE;
            if m.find_vma(va).is_none() {
                return Err(ENOMEM);
            }
            *b = m.pgt.lookup(va).is_some() as u8;
        }
    }
    vec.copy_out(&out)?;
    Ok(0)
}

/// Linux: msync(2).  Not yet checked: the range and flags are not validated, and there is no
/// backing store to write to.
pub fn sys_msync(_start: usize, _len: usize, _flags: i32) -> KResult<usize> {
    Ok(0)
}

/// Linux: mlock(2) and friends.  Not yet: nothing is locked or accounted (there is no swap, so
/// every page stays resident anyway).
pub fn sys_mlock(_start: usize, _len: usize) -> KResult<usize> {
    Ok(0)
}
pub fn sys_munlock(_start: usize, _len: usize) -> KResult<usize> {
    Ok(0)
}
pub fn sys_mlockall(_flags: i32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_munlockall() -> KResult<usize> {
    Ok(0)
}
