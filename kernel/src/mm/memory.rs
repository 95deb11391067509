//! Page faults: demand paging and copy-on-write.  Linux: mm/memory.c (handle_mm_fault,
//! do_anonymous_page, do_fault, do_wp_page), arch/riscv/mm/fault.c (do_page_fault).

use super::highmem::{copy_page, NewPage, Page};
use super::mm_types::{Backing, MmInner, VmFlags};
use super::page_alloc::{alloc_zeroed_page, page_count, put_page};
use super::pgtable::{Pte, PteFlags};
use super::{page_align_down, PAGE_SIZE};
use crate::errno::*;

/// Linux: randomize_va_space (/proc/sys/kernel/randomize_va_space): 0 no randomisation; 1 the
/// stack, mmap_base (so the interpreter, libraries and the signal-trampoline page) and PIE
/// programs; 2 also brk.  2 by default (CONFIG_COMPAT_BRK is off), 0 with the `norandmaps`
/// boot parameter.  exec reads it (fs/binfmt_elf.rs, the layout in mm/util.rs).
pub static RANDOMIZE_VA_SPACE: [core::sync::atomic::AtomicI32; 1] = [core::sync::atomic::AtomicI32::new(2)];

/// Linux: disable_randmaps(), __setup("norandmaps", ...).
pub fn disable_randmaps() {
    RANDOMIZE_VA_SPACE[0].store(0, core::sync::atomic::Ordering::Relaxed);
}

/// Linux: READ_ONCE(randomize_va_space), the snapshot load_elf_binary takes.
pub fn randomize_va_space() -> i32 {
    RANDOMIZE_VA_SPACE[0].load(core::sync::atomic::Ordering::Relaxed)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Read,
    Write,
    Exec,
}

/// Linux: handle_mm_fault().  Ok when the access may now be retried; EFAULT when the address
/// is not mapped for this access (the caller sends SIGSEGV or takes the uaccess fixup);
/// ENOMEM when a frame could not be had.
#[no_mangle]
#[inline(never)]
pub fn handle_mm_fault(mm: &mut MmInner, addr: usize, access: Access) -> KResult<()> {
    let va = page_align_down(addr);
    // The VMA tree and the page table are separate fields: borrow both, copy nothing (this
    // runs on every fault).
    let MmInner { vmas, pgt, .. } = mm;
    let vma = super::mmap::vma_at(vmas, addr).ok_or(EFAULT)?;
    // Linux: access_error() in arch/riscv/mm/fault.c: a load needs VM_READ or VM_WRITE (an
    // execute-only page is mapped X alone, which a load cannot use: allowing it here would
    // map the page and fault again on the retry, for ever).
    let ok = match access {
        Access::Read => vma.flags.intersects(VmFlags::READ | VmFlags::WRITE),
        Access::Write => vma.flags.contains(VmFlags::WRITE),
        Access::Exec => vma.flags.contains(VmFlags::EXEC),
    };
    if !ok {
        return Err(EFAULT);
    }
    let flags = vma.pte_flags();
    let slot = pgt.walk(va, true)?.ok_or(ENOMEM)?;
    let pte = *slot;
    if !pte.is_valid() {
        // Linux: do_anonymous_page() / do_fault() / shmem_fault()
        let (pfn, map_flags) = match &vma.backing {
            Backing::Anon => (alloc_zeroed_page()?, flags),
            Backing::Shared { obj, pgoff, .. } => {
                let idx = pgoff + (va - vma.start) / PAGE_SIZE;
                if !obj.contains(idx) {
                    return Err(EIO); // past the object: SIGBUS
                }
                (obj.get_page(idx)?, flags)
            }
            Backing::File { inode, off, file_end } => {
                let foff = off.saturating_add(va - vma.start);
                // Linux: filemap_fault(): a page of the file's part that starts at or past
                // the end of the file is VM_FAULT_SIGBUS (an ELF segment whose p_filesz runs
                // past the file; the bss beyond file_end is anonymous zeros).
                if va < *file_end && foff >= page_align_up_sat(inode.size()) {
                    return Err(EIO);
                }
                let whole_page =
                    va + PAGE_SIZE <= *file_end && foff.is_multiple_of(PAGE_SIZE) && foff + PAGE_SIZE <= inode.size();
                if whole_page {
                    // Linux: filemap_fault(): map the page-cache page itself, read-only; a
                    // write (now or later) copies it (do_cow_fault / do_wp_page).
                    let cache = inode.shared_pages()?;
                    let cached = cache.get_page(foff / PAGE_SIZE)?;
                    if access == Access::Write {
                        let new = copy_page(cached)?;
                        put_page(cached);
                        (new, flags)
                    } else {
                        *slot = Pte::new(cached, flags - PteFlags::W);
                        let range = (vma.start, vma.end, *file_end);
                        do_fault_around(pgt, &cache, va, foff, range, inode.size(), flags - PteFlags::W);
                        crate::arch::riscv::flush_tlb_page(va);
                        return Ok(());
                    }
                } else {
                    // A page the file only partly fills (the bss boundary): a private copy.
                    // The zeros past the file's bytes come from clear_page when they are
                    // most of the page (it is several times faster than a byte fill).
                    let valid = file_end.saturating_sub(va).min(PAGE_SIZE);
                    let mostly_zero = valid <= PAGE_SIZE / 2;
                    let mut page = if mostly_zero { NewPage::alloc_zeroed()? } else { NewPage::alloc()? };
                    let n = inode.read_at_raw(foff, &mut page[..valid]);
                    if !mostly_zero {
                        page[n..].fill(0);
                    } else if n < valid {
                        page[n..valid].fill(0);
                    }
                    (page.into_pfn(), flags)
                }
            }
        };
        *slot = Pte::new(pfn, map_flags);
    } else if access == Access::Write && !pte.flags().contains(PteFlags::W) {
        // Linux: do_wp_page(): the page is shared copy-on-write.  The last user just gets
        // the write bit back (wp_page_reuse); otherwise copy (wp_page_copy).
        let old = pte.pfn();
        if cow::write_fault(vma.flags.contains(VmFlags::SHARED), page_count(old)) == cow::WriteFault::Reuse {
            *slot = Pte::new(old, flags);
        } else {
            let new = copy_page(old)?;
            *slot = Pte::new(new, flags);
            put_page(old);
        }
    } else {
        // Spurious (another path mapped it, or an A/D update): make sure the bits are there.
        *slot = Pte(pte.0 | (PteFlags::A | PteFlags::D).bits());
    }
    crate::arch::riscv::flush_tlb_page(va);
    Ok(())
}

/// Linux: fault_around_bytes (64 KiB): a read fault on a file mapping maps this many bytes
/// of the page cache around the address at once.
const FAULT_AROUND_PAGES: usize = 16;

/// Linux: do_fault_around() -> filemap_map_pages(): after a read fault at `va` (file offset
/// `foff`) of a private file mapping [start, end) whose file part ends at `file_end`, the
/// pages of the 64 KiB-aligned window around `va` that are already in the page cache are
/// mapped read-only where nothing is mapped yet: within the VMA and the leaf table of `va`,
/// and only whole pages of the file's part (a page that the file only partly fills is a
/// private copy: its own fault makes it).  Nothing is read and nothing allocated; a write
/// later copies the page as after any read fault.
fn do_fault_around(
    pgt: &mut super::pgtable::PageTable,
    cache: &super::shmem::ShmObject,
    va: usize,
    foff: usize,
    (start, end, file_end): (usize, usize, usize),
    size: usize,
    flags: PteFlags,
) {
    const WINDOW: usize = FAULT_AROUND_PAGES * PAGE_SIZE;
    let lo = (va & !(WINDOW - 1)).max(start);
    let table_end = (va | (super::pgtable::PMD_SIZE - 1)) + 1;
    // Whole file pages only: below file_end and the file's size (both cut to a page).
    let file_pages_end = va + (size & !(PAGE_SIZE - 1)).saturating_sub(foff);
    let hi = (lo + WINDOW).min(end).min(table_end).min(file_end & !(PAGE_SIZE - 1)).min(file_pages_end);
    if hi <= lo + PAGE_SIZE {
        return;
    }
    let Ok(ptes) = pgt.walk_range(lo, (hi - lo) / PAGE_SIZE) else { return };
    let first = (foff - (va - lo)) / PAGE_SIZE;
    cache.map_pages(first, ptes.len(), |idx, pfn| {
        let e = &mut ptes[idx - first];
        if e.is_valid() {
            put_page(pfn); // the faulting page, or one mapped before
        } else {
            *e = Pte::new(pfn, flags);
            // Linux: do_set_pte() -> update_mmu_cache() (an sfence.vma per page on RISC-V).
            crate::arch::riscv::flush_tlb_page(lo + (idx - first) * PAGE_SIZE);
        }
    });
}

/// Linux: vm_insert_page(): maps the kernel's page `pfn` at `va` of `mm` (the page table's
/// entry takes a reference of its own: the caller keeps its).
pub fn vm_insert_page(mm: &mut MmInner, va: usize, pfn: usize, flags: PteFlags) -> KResult<()> {
    let slot = mm.pgt.walk(va, true)?.ok_or(ENOMEM)?;
    if slot.is_valid() {
        return Err(EBUSY);
    }
    super::page_alloc::get_page(pfn);
    *slot = Pte::new(pfn, flags);
    Ok(())
}

/// Drops a reference the caller holds on frame `pfn` (Linux: put_page()).
pub fn put_page_ref(pfn: usize) {
    put_page(pfn);
}

/// Linux: access_remote_vm() (for /proc/PID/cmdline and environ): the bytes [addr, addr + len)
/// of a possibly foreign address space, read through its page table and the kernel's linear
/// map, page by page, never through the current satp (no copy_from_user).  Stops at the
/// first page that is not present (Linux would fault it in; argv and envp pages always are).
pub fn access_remote_vm(mm: &MmInner, addr: usize, len: usize) -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec::Vec::new();
    let end = addr.saturating_add(len).min(super::TASK_SIZE);
    let mut va = addr;
    while va < end {
        let Some(pte) = mm.pgt.lookup(va) else { break };
        if !pte.is_leaf() || !pte.flags().contains(PteFlags::U) {
            break;
        }
        let Some(page) = Page::get(pte.pfn()) else { break };
        let off = va & (PAGE_SIZE - 1);
        let n = (PAGE_SIZE - off).min(end - va);
        let at = out.len();
        out.resize(at + n, 0);
        page.read(off, &mut out[at..]);
        va += n;
    }
    out
}

/// Linux: do_page_fault()'s lock_mm_and_find_vma() + expand_stack() + handle_mm_fault(): a
/// fault at `addr` in `mm`; a fault just below a VM_GROWSDOWN mapping first grows it down
/// (within RLIMIT_STACK and the guard gap: mmap.rs, expand_stack).
pub fn handle_user_fault(mm: &super::MmStruct, addr: usize, access: Access) -> KResult<()> {
    {
        let mut m = mm.inner.lock();
        match handle_mm_fault(&mut m, addr, access) {
            Err(EFAULT) if m.find_vma(addr).is_none() && m.growsdown_above(addr) => {}
            r => return r,
        }
    }
    // The rlimits rank below the mm lock: read the stack limit first, then look again.
    let stack_limit = crate::kernel::task::current().signal.rlimit(crate::kernel::signal::RLIMIT_STACK);
    let mut m = mm.inner.lock();
    if m.find_vma(addr).is_none() {
        m.expand_stack(addr, stack_limit)?;
    }
    handle_mm_fault(&mut m, addr, access)
}

/// Linux: fixup_user_fault(mm, addr, FAULT_FLAG_WRITE) (mm/gup.c), as the futex code's
/// fault_in_user_writeable() uses it: make the page at `addr` present and writable in the
/// caller's address space (a write fault: demand paging, copy-on-write), so that a retried
/// atomic update under a lock with page faults disabled succeeds.  EFAULT when the address is
/// not mapped writable.
pub fn fixup_user_fault_write(addr: usize) -> KResult<()> {
    let mm = crate::kernel::task::current().mm.lock().clone().ok_or(EFAULT)?;
    handle_user_fault(&mm, addr, Access::Write).map_err(|_| EFAULT)
}

/// Linux: access_remote_vm() with gup_flags (mm/memory.c __access_remote_vm, mm/gup.c): read
/// or write `buf.len()` bytes at `addr` of `mm`, which need not be the running task's: each
/// page is faulted in as the access needs (demand paging, copy-on-write), then copied through
/// the kernel's linear map.  With `force` (FOLL_FORCE: ptrace's POKETEXT, /proc/PID/mem) a
/// write reaches a private mapping without PROT_WRITE, through a private copy of the page
/// (Linux: the COW'd page of a FOLL_FORCE fault), the mapping staying read-only.  Returns
/// the bytes done: short at the first page that cannot be accessed.
pub fn access_process_vm(mm: &super::MmStruct, addr: usize, buf: &mut [u8], write: bool, force: bool) -> usize {
    let mut done = 0;
    while done < buf.len() {
        let va = addr.wrapping_add(done);
        if va >= super::TASK_SIZE || va < addr {
            break;
        }
        let off = va & (PAGE_SIZE - 1);
        let n = (PAGE_SIZE - off).min(buf.len() - done);
        let mut m = mm.inner.lock();
        let Ok(pfn) = get_user_page(&mut m, va, write, force) else { break };
        let Some(page) = Page::get(pfn) else { break };
        if write {
            page.write(off, &buf[done..done + n]);
        } else {
            page.read(off, &mut buf[done..done + n]);
        }
        drop(m);
        done += n;
    }
    done
}

/// Linux: get_user_pages_remote() for one page: the frame behind `va`, faulted in for the
/// access (a write gets a page of its own, never a shared copy-on-write one).
fn get_user_page(m: &mut MmInner, va: usize, write: bool, force: bool) -> KResult<usize> {
    let vma = super::mmap::vma_at(&m.vmas, va).ok_or(EFAULT)?;
    let (vflags, shared) = (vma.flags, vma.flags.contains(VmFlags::SHARED));
    let forced_cow = write && !vflags.contains(VmFlags::WRITE);
    if forced_cow && (!force || shared) {
        return Err(EFAULT);
    }
    if !write && !vflags.intersects(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC) && !force {
        return Err(EFAULT);
    }
    let access = if write && !forced_cow { Access::Write } else { Access::Read };
    let present = m.pgt.lookup(va).filter(|p| p.is_valid() && p.is_leaf());
    let need_fault = match present {
        None => true,
        Some(p) => access == Access::Write && !p.flags().contains(PteFlags::W),
    };
    if need_fault {
        if !vflags.intersects(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC) {
            return Err(EFAULT);
        }
        handle_mm_fault(m, va, access)?;
    }
    let slot = m.pgt.walk(page_align_down(va), false)?.ok_or(EFAULT)?;
    let pte = *slot;
    if !pte.is_valid() {
        return Err(EFAULT);
    }
    if forced_cow && page_count(pte.pfn()) > 1 {
        // FOLL_FORCE on a read-only private mapping: a private copy, still read-only.
        let new = copy_page(pte.pfn())?;
        *slot = Pte::new(new, pte.flags());
        put_page(pte.pfn());
        crate::arch::riscv::flush_tlb_page(page_align_down(va));
        return Ok(new);
    }
    Ok(pte.pfn())
}

/// `size` rounded up to a page, saturating at the top of the address space.
fn page_align_up_sat(size: usize) -> usize {
    size.checked_add(PAGE_SIZE - 1).map_or(usize::MAX & !(PAGE_SIZE - 1), |s| s & !(PAGE_SIZE - 1))
}
