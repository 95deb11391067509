//! The VMAs of an address space: find_vma, get_unmapped_area, mmap_region, munmap, brk, and
//! the mmap, munmap and brk syscalls; dup_mmap, fork's copy of an address space.  Linux:
//! mm/mmap.c (do_mmap, mmap_region, get_unmapped_area, find_vma, do_munmap, brk),
//! include/linux/mman.h (calc_vm_prot_bits), mm/util.c (mmap_base), and kernel/fork.c for
//! dup_mmap: MenuOS keeps it here, beside the VMA tree and the page-table calls it makes,
//! since it is mm-internal (kernel/fork.rs calls it through copy_mm -> dup_mm).
//!
//! mprotect, mremap, madvise, mincore, mlock and msync are in the files Linux names after them.

use super::mm_types::{Backing, MmInner, MmStruct, VmFlags, Vma, VmaTree};
use super::page_alloc::get_page;
use super::pgtable::{Pte, PteFlags, PMD_SIZE};
use super::shmem::{ShmObject, WritableMap};
use super::vma_prealloc::VmaPrealloc;
use super::{page_align_up, PAGE_SIZE, TASK_SIZE};
use crate::drivers::char::mem::ZERO_MINOR;
use crate::errno::*;
use crate::fs::char_dev::MEM_MAJOR;
use crate::kernel::task::current;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicI32, Ordering};
use linux_raw_sys::general as uapi;

const PROT_READ: usize = uapi::PROT_READ as usize;
pub(super) const PROT_WRITE: usize = uapi::PROT_WRITE as usize;
const PROT_EXEC: usize = uapi::PROT_EXEC as usize;
const PROT_GROWSDOWN: usize = uapi::PROT_GROWSDOWN as usize;
const PROT_GROWSUP: usize = uapi::PROT_GROWSUP as usize;
const MAP_SHARED: usize = uapi::MAP_SHARED as usize;
const MAP_PRIVATE: usize = uapi::MAP_PRIVATE as usize;
const MAP_SHARED_VALIDATE: usize = uapi::MAP_SHARED_VALIDATE as usize;
const MAP_TYPE: usize = uapi::MAP_TYPE as usize;
const MAP_FIXED: usize = uapi::MAP_FIXED as usize;
const MAP_ANONYMOUS: usize = uapi::MAP_ANONYMOUS as usize;
const MAP_FIXED_NOREPLACE: usize = uapi::MAP_FIXED_NOREPLACE as usize;
const MAP_GROWSDOWN: usize = uapi::MAP_GROWSDOWN as usize;
const MAP_LOCKED: usize = uapi::MAP_LOCKED as usize;
const MAP_POPULATE: usize = uapi::MAP_POPULATE as usize;
const MAP_NONBLOCK: usize = uapi::MAP_NONBLOCK as usize;

/// Linux: sysctl_max_map_count (/proc/sys/vm/max_map_count): DEFAULT_MAX_MAP_COUNT, USHRT_MAX
/// less MAPCOUNT_ELF_CORE_MARGIN: the most VMAs an address space may have; mmap, and the
/// splits of munmap, mprotect, madvise and mlock, fail with ENOMEM past it
/// (sysctl_max_map_count() reads it).
pub static SYSCTL_MAX_MAP_COUNT: [AtomicI32; 1] = [AtomicI32::new(DEFAULT_MAX_MAP_COUNT as i32)];
/// Linux: sysctl_overcommit_memory (OVERCOMMIT_GUESS = 0) and sysctl_overcommit_ratio (50)
/// (mm/util.c, /proc/sys/vm/overcommit_*).  MenuOS does not account commitments yet: every
/// mapping is allowed and backed on demand, as Linux's OVERCOMMIT_ALWAYS would; the values are
/// kept for programs that read them.
pub static SYSCTL_OVERCOMMIT_MEMORY: [AtomicI32; 1] = [AtomicI32::new(0)];
pub static SYSCTL_OVERCOMMIT_RATIO: [AtomicI32; 1] = [AtomicI32::new(50)];

/// Where get_unmapped_area starts in an mm that exec has not laid out (exec sets mm/util.rs's
/// arch_pick_mmap_layout()): below the stack gap.
pub const MMAP_BASE: usize = TASK_SIZE - 128 * 1024 * 1024 - 8 * 1024 * 1024;

/// Linux: DEFAULT_MAX_MAP_COUNT (USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN).
pub const DEFAULT_MAX_MAP_COUNT: usize = 65530;

/// The current vm.max_map_count (Linux: sysctl_max_map_count; the sysctl keeps it >= 0).
pub fn sysctl_max_map_count() -> usize {
    SYSCTL_MAX_MAP_COUNT[0].load(Ordering::Relaxed).max(0) as usize
}

/// Linux: mmap_min_addr (vm.mmap_min_addr, CONFIG_DEFAULT_MMAP_MIN_ADDR): mmap hints are never
/// placed below it.
pub const MMAP_MIN_ADDR: usize = 4096;
/// Linux: stack_guard_gap (256 pages): nothing is mapped that close below a VM_GROWSDOWN
/// mapping, which may grow down into the gap.
pub const STACK_GUARD_GAP: usize = 256 * PAGE_SIZE;

/// Linux: calc_vm_prot_bits(), after mmap's and mprotect's check of the PROT_* bits.
pub(super) fn prot_flags(prot: usize) -> KResult<VmFlags> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
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

/// Linux: current->personality & READ_IMPLIES_EXEC (kernel/exec_domain.rs).
fn read_implies_exec() -> bool {
    current().personality.load(Ordering::Relaxed) & crate::kernel::exec_domain::READ_IMPLIES_EXEC != 0
}

/// The end of a user range, EINVAL when it wraps or leaves user space.
pub(super) fn user_end(addr: usize, len: usize) -> KResult<usize> {
    addr.checked_add(len).filter(|&e| e <= TASK_SIZE).ok_or(EINVAL)
}

/// The caller's address space (EINVAL for a kernel thread, which has none).
pub(super) fn current_mm() -> KResult<Arc<MmStruct>> {
    current().mm.lock().clone().ok_or(EINVAL)
}

pub fn sys_brk(addr: usize) -> KResult<usize> {
    let memlock = super::mlock::memlock_limit_pages();
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    let old = page_align_up(m.brk);
    let new = m.brk(addr, memlock);
    let locked = m.def_flags.contains(VmFlags::LOCKED) && !m.def_flags.contains(VmFlags::LOCKONFAULT);
    drop(m);
    // Linux: brk's mm_populate() of new memory after mlockall(MCL_FUTURE).
    if locked && page_align_up(new) > old {
        let _ = super::mlock::populate(&mm, old, page_align_up(new), true);
    }
    Ok(new)
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
    // Linux: get_unmapped_area() -> security_mmap_addr() -> cap_mmap_addr(): a mapping
    // below vm.mmap_min_addr (the NULL page) needs CAP_SYS_RAWIO.  (Hints are never placed
    // there: hint_free.)
    if fixed && addr < MMAP_MIN_ADDR && !crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_RAWIO) {
        return Err(EPERM);
    }
    let shared = typ != MAP_PRIVATE;
    // Linux: calc_vm_flag_bits(): MAP_GROWSDOWN, MAP_LOCKED.
    if flags & MAP_GROWSDOWN != 0 {
        // Only private anonymous memory can grow down.
        if shared || flags & MAP_ANONYMOUS == 0 {
            return Err(EINVAL);
        }
        vf |= VmFlags::GROWSDOWN;
    }
    if flags & MAP_LOCKED != 0 {
        if !super::mlock::can_do_mlock() {
            return Err(EPERM);
        }
        vf |= VmFlags::LOCKED;
    }
    // Linux: do_mmap(): READ_IMPLIES_EXEC makes PROT_READ executable.  (Linux excepts a file
    // on a noexec mount; a MenuOS struct file does not record its mount, the gap exec by fd
    // has too, so it is not excepted here.)
    if prot & PROT_READ != 0 && read_implies_exec() {
        vf |= VmFlags::EXEC;
    }
    let backing = if flags & MAP_ANONYMOUS != 0 {
        if shared {
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ShmObject::try_anon(len)?, pgoff: 0, wmap: None }
        } else {
            Backing::Anon
        }
    } else {
        let f = crate::fs::fd_get(fd as u32)?;
        let ino = f.inode.clone().ok_or(ENODEV)?;

        let dev_zero = matches!(ino.kind, crate::fs::inode::InodeKind::CharDev(MEM_MAJOR, ZERO_MINOR));
        if !ino.is_reg() && !dev_zero {
            return Err(ENODEV);
        }
        if !f.readable() {
            return Err(EACCES);
        }
        if dev_zero && shared {
            // Linux: mmap_zero() -> shmem_zero_setup(): shared anonymous memory.
            vf |= VmFlags::SHARED;
            Backing::Shared { obj: ShmObject::try_anon(len)?, pgoff: 0, wmap: None }
        } else if dev_zero {
            // Linux: mmap_zero(): private zero pages (vma_set_anonymous), the VMA still names
            // /dev/zero (maps, map_files): a mapping of a file whose bytes all lie past its
            // end.
            Backing::File { inode: ino, off, file_end: 0 }
        } else if shared {
            // Linux: EACCES for a shared writable mapping of a file not open for writing.
            if prot & PROT_WRITE != 0 && !f.writable() {
                return Err(EACCES);
            }
            let obj = ino.shared_pages()?;
            vf |= VmFlags::SHARED;
            // Linux: shmem_mmap()'s seal_check_write(): a write-sealed memfd maps shared only
            // read-only, and never becomes writable (VM_MAYWRITE cleared, as for a file not
            // open for writing); a mapping that may be written counts (mapping_map_writable).
            let wmap = if !f.writable() || (obj.write_sealed() && prot & PROT_WRITE == 0) {
                vf |= VmFlags::NOMAYWRITE;
                None
            } else if obj.write_sealed() {
                return Err(EPERM);
            } else {
                Some(WritableMap::new(&obj)?)
            };
            Backing::Shared { obj, pgoff: off / PAGE_SIZE, wmap }
        } else {
            Backing::File { inode: ino, off, file_end: usize::MAX }
        }
    };
    let memlock = super::mlock::memlock_limit_pages();
    let mm = current_mm()?;
    let mut m = mm.inner.lock();
    // Too many mappings? (Linux: do_mmap's `mm->map_count > sysctl_max_map_count`.)
    if m.vmas.len() > sysctl_max_map_count() {
        return Err(ENOMEM);
    }
    vf |= m.def_flags;
    // Linux: mlock_future_check(): locked memory past RLIMIT_MEMLOCK is EAGAIN.
    if vf.contains(VmFlags::LOCKED) {
        super::mlock::mlock_future_check(&m, len, memlock)?;
    }
    if flags & MAP_FIXED_NOREPLACE != 0 && !m.is_free(addr, user_end(addr, len)?) {
        return Err(EEXIST);
    }
    let start = m.mmap_region(addr, len, vf, backing, flags & MAP_FIXED != 0)?;
    // File mappings: bytes past EOF read as zero.
    if let Some(v) = m.vmas.get_mut(&start) {
        if let Backing::File { inode, off, file_end } = &mut v.backing {
            let size = inode.size();
            *file_end = start + size.saturating_sub(*off);
        }
    }
    drop(m);
    // Linux: vm_mmap_pgoff()'s mm_populate() for VM_LOCKED and MAP_POPULATE (errors ignored).
    let populate = (vf.contains(VmFlags::LOCKED) && !vf.contains(VmFlags::LOCKONFAULT))
        || flags & (MAP_POPULATE | MAP_NONBLOCK) == MAP_POPULATE;
    if populate {
        let _ = super::mlock::populate(&mm, start, start + len, true);
    }
    Ok(start)
}

pub fn sys_munmap(addr: usize, len: usize) -> KResult<usize> {
    if addr & (PAGE_SIZE - 1) != 0 || len == 0 {
        return Err(EINVAL);
    }
    let end = user_end(addr, page_align_up(len))?;
    let mm = current_mm()?;
    mm.inner.lock().do_munmap(addr, end)?;
    Ok(0)
}

/// Linux: vm_start_gap(): where a mapping begins for placement, its guard gap included.
fn vm_start_gap(v: &Vma) -> usize {
    if v.flags.contains(VmFlags::GROWSDOWN) {
        v.start.saturating_sub(STACK_GUARD_GAP)
    } else {
        v.start
    }
}

fn page_align_down_(x: usize) -> usize {
    super::page_align_down(x)
}

/// The VMA containing `addr` (Linux: vma_lookup()).
pub fn vma_at(vmas: &VmaTree, addr: usize) -> Option<&Vma> {
    vmas.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
}

impl MmInner {
    pub fn find_vma(&self, addr: usize) -> Option<&Vma> {
        vma_at(&self.vmas, addr)
    }

    /// The VMAs that overlap [start, end), in order (Linux: for_each_vma_range()).
    pub fn vmas_range(&self, start: usize, end: usize) -> impl Iterator<Item = &Vma> {
        let from = vma_at(&self.vmas, start).map_or(start, |v| v.start);
        self.vmas.range(from..end.max(from)).map(|(_, v)| v)
    }

    /// Linux: find_vma(): the first VMA that ends above `addr` (containing it, or the next).
    pub fn find_vma_from(&self, addr: usize) -> Option<&Vma> {
        use core::ops::Bound::{Excluded, Unbounded};
        vma_at(&self.vmas, addr).or_else(|| self.vmas.range((Excluded(addr), Unbounded)).next().map(|(_, v)| v))
    }

    fn overlaps(&self, start: usize, end: usize) -> bool {
        self.vmas.range(..end).next_back().is_some_and(|(_, v)| v.end > start)
    }

    /// Linux: get_unmapped_area(): top-down below mmap_base (arch_get_unmapped_area_topdown),
    /// or bottom-up from it in the legacy layout (arch_get_unmapped_area), keeping the stack
    /// guard gap below a VM_GROWSDOWN mapping free (vm_start_gap).
    pub fn get_unmapped_area(&self, len: usize) -> KResult<usize> {
        if self.mmap_legacy {
            return self.get_unmapped_area_bottomup(len);
        }
        if len > self.mmap_base - PAGE_SIZE * 16 {
            return Err(ENOMEM);
        }
        let mut top = self.mmap_base;
        for (_, v) in self.vmas.range(..self.mmap_base).rev() {
            if v.end <= top && top - v.end >= len {
                return Ok(top - len);
            }
            top = core::cmp::min(top, vm_start_gap(v));
        }
        if top >= len + PAGE_SIZE * 16 {
            Ok(top - len)
        } else {
            Err(ENOMEM)
        }
    }

    /// Linux: arch_get_unmapped_area() -> vm_unmapped_area() with low_limit mmap_base and
    /// high_limit TASK_SIZE: the lowest gap of `len` at or above mmap_base.
    fn get_unmapped_area_bottomup(&self, len: usize) -> KResult<usize> {
        if len > TASK_SIZE - MMAP_MIN_ADDR {
            return Err(ENOMEM);
        }
        let mut low = self.mmap_base;
        let from = vma_at(&self.vmas, low).map_or(low, |v| v.start);
        for (_, v) in self.vmas.range(from..) {
            let gap_end = vm_start_gap(v);
            if gap_end >= low && gap_end - low >= len {
                return Ok(low);
            }
            low = low.max(v.end);
        }
        if low <= TASK_SIZE && TASK_SIZE - low >= len {
            Ok(low)
        } else {
            Err(ENOMEM)
        }
    }

    /// Linux: vma_iter_prealloc(): the tree's nodes for `inserts` inserts (new VMAs, splits),
    /// taken before the caller changes anything; ENOMEM (vma_prealloc.rs).  Keep the result
    /// until the last insert.
    pub fn vma_prealloc(&self, inserts: usize) -> KResult<VmaPrealloc> {
        super::vma_prealloc::vma_prealloc(self.vmas.len(), inserts)
    }

    /// Inserts a VMA over [start, end), which must be free.  The caller has preallocated
    /// (vma_prealloc) the nodes of this insert.
    pub fn insert_vma(&mut self, vma: Vma) {
        self.vmas.insert(vma.start, vma);
    }

    /// How many VMAs unmapping or changing [start, end) splits (0, 1 or 2): the inserts a
    /// munmap, mprotect, madvise or mlock of the range makes.
    fn splits_needed(&self, start: usize, end: usize) -> usize {
        [start, end].into_iter().filter(|&a| self.find_vma(a).is_some_and(|v| v.start != a)).count()
    }

    /// Linux: __split_vma(): makes `addr` a VMA boundary, whatever the map count.  Whether it
    /// split one.  The caller has preallocated one insert (vma_prealloc).
    fn __split_vma(&mut self, addr: usize) -> bool {
        let Some(v) = self.find_vma(addr).cloned() else { return false };
        if v.start == addr {
            return false;
        }
        self.vmas.insert(v.start, v.slice(v.start, addr));
        self.vmas.insert(addr, v.slice(addr, v.end));
        true
    }

    /// Linux: split_vma() at both ends of [start, end) (mprotect_fixup(), madvise_update_vma(),
    /// mlock_fixup()): the nodes of both splits are preallocated first, so a failure there is
    /// ENOMEM with nothing changed; then each split as split_vma().
    pub(super) fn split_range(&mut self, start: usize, end: usize) -> KResult<()> {
        let _nodes = self.munmap_prealloc(start, end)?;
        self.split_vma(start)?;
        self.split_vma(end)
    }

    /// Linux: split_vma(): as __split_vma, ENOMEM when the split would pass vm.max_map_count.
    /// The caller has preallocated (split_range).
    fn split_vma(&mut self, addr: usize) -> KResult<()> {
        if self.vmas.len() >= sysctl_max_map_count() && self.find_vma(addr).is_some_and(|v| v.start != addr) {
            return Err(ENOMEM);
        }
        self.__split_vma(addr);
        Ok(())
    }

    /// Linux: vma_merge() for a range whose flags just changed: the VMA starting at `addr`
    /// joins the one ending there when nothing tells them apart (same flags, contiguous
    /// backing), so mprotect/mlock/madvise and back leave one VMA, as on Linux.
    pub(super) fn merge_at(&mut self, addr: usize) {
        let Some(next) = self.vmas.get(&addr) else { return };
        let Some((&pstart, prev)) = self.vmas.range(..addr).next_back() else { return };
        if prev.end != addr || prev.flags != next.flags {
            return;
        }
        let plen = prev.end - prev.start;
        let compatible = match (&prev.backing, &next.backing) {
            (Backing::Anon, Backing::Anon) => true,
            (Backing::Shared { obj: a, pgoff: pa, .. }, Backing::Shared { obj: b, pgoff: pb, .. }) => {
                Arc::ptr_eq(a, b) && pa + plen / PAGE_SIZE == *pb
            }
            (Backing::File { inode: a, off: oa, file_end: fa }, Backing::File { inode: b, off: ob, file_end: fb }) => {
                Arc::ptr_eq(a, b) && oa + plen == *ob && fa == fb
            }
            _ => false,
        };
        if compatible {
            if let Some(n) = self.vmas.remove(&addr) {
                if let Some(p) = self.vmas.get_mut(&pstart) {
                    p.end = n.end;
                }
            }
        }
    }

    /// merge_at() for every VMA boundary in [start, end], from the top down.
    pub(super) fn merge_range(&mut self, start: usize, end: usize) {
        let mut k = end;
        loop {
            self.merge_at(k);
            match self.vmas.range(start..k).next_back() {
                Some((&p, _)) => k = p,
                None => break,
            }
        }
    }

    /// Linux: do_vmi_munmap(): munmap with vm.max_map_count honoured: splitting a VMA in
    /// two (unmapping its middle) at the limit is ENOMEM.
    pub fn do_munmap(&mut self, start: usize, end: usize) -> KResult<()> {
        self.munmap_count_check(start, end)?;
        let _nodes = self.munmap_prealloc(start, end)?;
        self.munmap(start, end);
        Ok(())
    }

    /// do_munmap()'s vm.max_map_count check: ENOMEM for a split in two at the limit.
    fn munmap_count_check(&self, start: usize, end: usize) -> KResult<()> {
        if self.vmas.len() >= sysctl_max_map_count() {
            if let Some(v) = self.find_vma(start) {
                if v.start < start && end < v.end {
                    return Err(ENOMEM);
                }
            }
        }
        Ok(())
    }

    /// The nodes munmap(start, end) needs for its splits, ENOMEM (Linux: __split_vma()'s
    /// vma_iter_prealloc() in do_vmi_align_munmap()); nothing when it splits nothing.
    pub fn munmap_prealloc(&self, start: usize, end: usize) -> KResult<Option<VmaPrealloc>> {
        match self.splits_needed(start, end) {
            0 => Ok(None),
            n => self.vma_prealloc(n).map(Some),
        }
    }

    /// The number of pages in VM_LOCKED mappings (Linux: mm->locked_vm, VmLck).
    pub fn locked_vm(&self) -> usize {
        self.vmas.values().filter(|v| v.flags.contains(VmFlags::LOCKED)).map(|v| (v.end - v.start) / PAGE_SIZE).sum()
    }

    /// The number of mapped pages (Linux: mm->total_vm).
    pub fn total_vm(&self) -> usize {
        self.vmas.values().map(|v| (v.end - v.start) / PAGE_SIZE).sum()
    }

    /// Linux: expand_stack() -> expand_downwards(): a fault at `addr` below a VM_GROWSDOWN
    /// mapping grows it down to the page of `addr` — if the stack stays within RLIMIT_STACK
    /// (`stack_limit` bytes) and at least stack_guard_gap above the mapping below.  EFAULT
    /// (SIGSEGV) otherwise.
    pub fn expand_stack(&mut self, addr: usize, stack_limit: u64) -> KResult<()> {
        let address = page_align_down_(addr);
        let Some((&vstart, vma)) = self.vmas.range(addr..).next() else { return Err(EFAULT) };
        if !vma.flags.contains(VmFlags::GROWSDOWN) || address < MMAP_MIN_ADDR {
            return Err(EFAULT);
        }
        // Enforce stack_guard_gap against an accessible mapping below.
        if let Some((_, prev)) = self.vmas.range(..vstart).next_back() {
            if !prev.flags.contains(VmFlags::GROWSDOWN)
                && prev.flags.intersects(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC)
                && address.saturating_sub(prev.end) < STACK_GUARD_GAP
            {
                return Err(EFAULT);
            }
            if prev.end > address {
                return Err(EFAULT);
            }
        }
        // Linux: acct_stack_growth(): the stack limit.
        if (vma.end - address) as u64 > stack_limit {
            return Err(EFAULT);
        }
        // Linux: expand_downwards()'s vma_iter_prealloc(): without the node, a failed
        // expansion (SIGSEGV).
        let _nodes = self.vma_prealloc(1).map_err(|_| EFAULT)?;
        let mut v = self.vmas.remove(&vstart).ok_or(EFAULT)?;
        v.start = address;
        self.vmas.insert(address, v);
        Ok(())
    }

    /// Whether a fault at `addr` (in no VMA) is below a VM_GROWSDOWN mapping that may grow.
    pub fn growsdown_above(&self, addr: usize) -> bool {
        self.vmas.range(addr..).next().is_some_and(|(_, v)| v.flags.contains(VmFlags::GROWSDOWN))
    }

    /// Linux: do_munmap() without the map-count check (exec, mremap, brk: their splits only
    /// ever make one piece): removes [start, end) from the VMAs and the page table.  The
    /// caller has preallocated its splits (munmap_prealloc).
    pub fn munmap(&mut self, start: usize, end: usize) {
        self.__split_vma(start);
        self.__split_vma(end);
        let keys: alloc::vec::Vec<usize> = self.vmas.range(start..end).map(|(k, _)| *k).collect();
        for k in keys {
            self.vmas.remove(&k);
        }
        self.pgt.unmap_range(start, end);
        crate::arch::riscv::flush_tlb_all();
    }

    /// ENOMEM unless every page of [start, end) lies in a VMA (Linux's check in mprotect,
    /// madvise, mincore).
    pub fn all_mapped(&self, start: usize, end: usize) -> KResult<()> {
        let mut a = start;
        while a < end {
            a = self.find_vma(a).ok_or(ENOMEM)?.end;
        }
        Ok(())
    }

    /// Checks and maps a new VMA (Linux: mmap_region()).  MAP_FIXED replaces what was there.
    pub fn mmap_region(
        &mut self,
        addr: usize,
        len: usize,
        flags: VmFlags,
        backing: Backing,
        fixed: bool,
    ) -> KResult<usize> {
        // Linux: mmap_region(): a MAP_FIXED mapping first unmaps what was there (its splits);
        // the nodes of those splits and of the new VMA are preallocated before anything
        // changes, so ENOMEM here leaves the old mappings in place.
        let (start, _nodes) = if fixed {
            self.munmap_count_check(addr, addr + len)?;
            let nodes = self.vma_prealloc(self.splits_needed(addr, addr + len) + 1)?;
            self.munmap(addr, addr + len);
            (addr, nodes)
        } else if let Some(hint) = self.hint_free(addr, len) {
            (hint, self.vma_prealloc(1)?)
        } else {
            let start = self.get_unmapped_area(len)?;
            (start, self.vma_prealloc(1)?)
        };
        self.insert_vma(Vma { start, end: start + len, flags, backing });
        Ok(start)
    }

    pub fn is_free(&self, start: usize, end: usize) -> bool {
        !self.overlaps(start, end)
    }

    /// Linux: generic_get_unmapped_area_topdown()'s "requesting a specific address": the hint,
    /// rounded up to a page, if the range fits in user space above mmap_min_addr and is free
    /// (with the guard gap below a stack that grows down).
    fn hint_free(&self, addr: usize, len: usize) -> Option<usize> {
        if addr == 0 {
            return None;
        }
        let addr = page_align_up(addr);
        let end = addr.checked_add(len).filter(|&e| e <= TASK_SIZE && addr >= MMAP_MIN_ADDR)?;
        if self.overlaps(addr, end) {
            return None;
        }
        match self.vmas.range(end..).next() {
            Some((_, next)) if end > vm_start_gap(next) => None,
            _ => Some(addr),
        }
    }

    /// Linux: sys_brk() in mm/mmap.c: grows or shrinks the heap VMA; returns the new break,
    /// or the old one when the request cannot be met.
    pub fn brk(&mut self, want: usize, memlock_pages: usize) -> usize {
        // Below the heap's start, or into the mmap area: refused (the old break comes back).
        // (The legacy layout's mmap area lies above the heap's room; only the next
        // mapping's guard gap bounds the heap there, as in Linux's brk.)
        let limit = if self.mmap_legacy { TASK_SIZE } else { self.mmap_base };
        if want < self.start_brk || want > limit {
            return self.brk;
        }
        let old_end = page_align_up(self.brk);
        let new_end = page_align_up(want);
        if new_end > old_end {
            if !self.is_free(old_end, new_end) {
                return self.brk;
            }
            // Linux: the heap stays a page below the next mapping's guard gap.
            if self.vmas.range(old_end..).next().is_some_and(|(_, n)| new_end + PAGE_SIZE > vm_start_gap(n)) {
                return self.brk;
            }
            // Linux: do_brk_flags(): new heap memory gets def_flags (VM_LOCKED after
            // mlockall(MCL_FUTURE)), past RLIMIT_MEMLOCK refused; it extends the heap VMA
            // (created at exec, possibly empty) when the flags agree.
            let flags = VmFlags::READ | VmFlags::WRITE | VmFlags::HEAP | self.def_flags;
            if flags.contains(VmFlags::LOCKED)
                && super::mlock::mlock_future_check(self, new_end - old_end, memlock_pages).is_err()
            {
                return self.brk;
            }
            if self.vmas.len() > sysctl_max_map_count() {
                return self.brk;
            }
            // Linux: do_brk_flags()'s vma_iter_prealloc(), for an expansion too: ENOMEM, the
            // break unchanged.
            let Ok(_nodes) = self.vma_prealloc(1) else { return self.brk };
            let heap = self
                .vmas
                .range(..old_end)
                .next_back()
                .filter(|(_, v)| v.end == old_end && v.flags == flags && v.start >= self.start_brk)
                .map(|(k, _)| *k);
            match heap.and_then(|k| self.vmas.get_mut(&k)) {
                Some(v) => v.end = new_end,
                None => self.insert_vma(Vma { start: old_end, end: new_end, flags, backing: Backing::Anon }),
            }
        } else if new_end < old_end {
            // Linux: do_brk_munmap()'s split: unmapping fails, the break unchanged.
            let Ok(_nodes) = self.munmap_prealloc(new_end, old_end) else { return self.brk };
            self.munmap(new_end, old_end);
        }
        self.brk = want;
        want
    }
}

impl MmStruct {
    /// Linux: dup_mm() + dup_mmap(): the child's copy of this address space (see the
    /// free function dup_mmap below, the symbol gdb breaks on).  Private
    /// writable pages become copy-on-write in both (write bit cleared, one more reference);
    /// shared pages stay shared.
    pub fn dup_mmap(&self) -> KResult<Arc<MmStruct>> {
        dup_mmap(self)
    }
}

/// Linux: dup_mmap() in kernel/fork.c: the VMAs are copied; per 2 MiB region the leaf page
/// table is shared copy-on-write (write-protected once) or, for regions with shared or
/// DONTFORK/WIPEONFORK memory, copied entry by entry.
#[no_mangle]
#[inline(never)]
pub fn dup_mmap(oldmm: &MmStruct) -> KResult<Arc<MmStruct>> {
    let new = MmStruct::new()?;
    // Linux: mm_init() copies MMF_INIT_MASK, which holds the dumpable bits.
    new.inherit_flags(oldmm, false);
    new.membarrier_state.store(oldmm.membarrier_state.load(Ordering::Relaxed), Ordering::Relaxed);
    let exe = oldmm.exe.lock().clone();
    if let Some(exe) = exe {
        exe.writecount.fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
        *new.exe.lock() = Some(exe);
    }
    {
        let mut old = oldmm.inner.lock();
        // Linux: mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING): the old mm, then the new.
        let mut child = new.inner.lock_nested(1);
        let o = &mut *old;
        let c = &mut *child;
        // Linux: dup_mmap() drops VM_LOCKED | VM_LOCKONFAULT in the child (memory locks are
        // not inherited) and mm_init() does not keep def_flags.
        // Linux: dup_mmap()'s mas_expected_entries(): the child's tree is preallocated, ENOMEM
        // (one fault-injection site); the nodes are taken insert by insert from the reserve,
        // which is refilled as it goes (a failure drops the new mm and all it holds).
        let _nodes = super::vma_prealloc::vma_prealloc(0, 1)?;
        for (k, v) in o.vmas.iter().filter(|(_, v)| !v.flags.contains(VmFlags::DONTCOPY)) {
            super::vma_prealloc::vma_reserve_fill(c.vmas.len(), 1)?;
            let mut v = v.clone();
            v.flags -= VmFlags::LOCKED | VmFlags::LOCKONFAULT;
            c.vmas.insert(*k, v);
        }
        c.start_code = o.start_code;
        c.end_code = o.end_code;
        c.start_data = o.start_data;
        c.end_data = o.end_data;
        c.start_brk = o.start_brk;
        c.brk = o.brk;
        c.start_stack = o.start_stack;
        c.arg_start = o.arg_start;
        c.arg_end = o.arg_end;
        c.env_start = o.env_start;
        c.env_end = o.env_end;
        c.mmap_base = o.mmap_base;
        c.mmap_legacy = o.mmap_legacy;
        c.vdso = o.vdso;
        // Per 2 MiB region: share the leaf table when every VMA in it is plain private
        // memory (On-demand-fork); otherwise copy entry by entry.  The decisions are the
        // host-tested `cow` crate's.
        let mut err = None;
        for (r, plain) in cow::fork_regions(o.vmas.values().map(|v| v.cow_desc()), PMD_SIZE) {
            if plain {
                if let Err(e) = o.pgt.share_pte_table(&mut c.pgt, r) {
                    err = Some(e);
                    break;
                }
                continue;
            }
            for vma in o.vmas.range(..r + PMD_SIZE).rev().map(|(_, v)| v).take_while(|v| v.end > r) {
                let action = cow::vma_fork(&vma.cow_desc());
                if matches!(action, cow::VmaFork::Skip | cow::VmaFork::Empty) {
                    continue;
                }
                let cpgt = &mut c.pgt;
                let (s0, e0) = (vma.start.max(r), vma.end.min(r + PMD_SIZE));
                o.pgt.for_each_leaf(s0, e0, |va, pte| {
                    if err.is_some() {
                        return;
                    }
                    let mut e = *pte;
                    let (parent_w, child_w) = cow::fork_pte(e.flags().contains(PteFlags::W), action);
                    if !parent_w {
                        *pte = Pte(pte.0 & !PteFlags::W.bits());
                    }
                    if !child_w {
                        e = Pte(e.0 & !PteFlags::W.bits());
                    }
                    match cpgt.walk(va, true) {
                        Ok(Some(slot)) => {
                            get_page(e.pfn());
                            *slot = e;
                        }
                        _ => err = Some(ENOMEM),
                    }
                });
            }
        }
        crate::arch::riscv::flush_tlb_all();
        if let Some(e) = err {
            return Err(e);
        }
    }
    Ok(new)
}
