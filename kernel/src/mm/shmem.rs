//! Shared memory objects and tmpfs file pages: the one set of pages that read(), write() and
//! every mapping of a file use.  Linux: mm/shmem.c (shmem_file_read_iter, shmem_write_begin /
//! shmem_write_end, shmem_getpage, shmem_fault, shmem_setattr's truncation, shmem_fallocate,
//! shmem_zero_setup) over the page cache of mm/filemap.c (struct address_space,
//! filemap_add_folio, mapping_seek_hole_data), and the seals of mm/memfd.c.
//!
//! A [`ShmObject`] is an inode's address_space: page index -> page frame, and the size.  A page
//! that is not there reads as zeros (a hole: a sparse file costs only the pages written), except
//! below `initrd`: an initramfs file keeps pointing into the initrd image, and a page of it
//! is copied into a frame only when written or mapped.  MAP_SHARED mappings map the frames
//! themselves; MAP_PRIVATE mappings map them read-only and copy on write (mm/memory.rs).  The
//! frames go back to the page allocator when the object goes: with the inode, once no name,
//! open file or mapping holds it; a mapped frame lives on in its page-table entries until they
//! go too (every holder owns one reference).
//!
//! Also the object behind MAP_SHARED|MAP_ANONYMOUS (Linux: shmem_zero_setup()).

use super::highmem::{NewPage, Page};
use super::PAGE_SIZE;
use crate::errno::*;
use crate::fs::Inode;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicUsize, Ordering};
use linux_raw_sys::general::{F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE};

const PAGE: u64 = PAGE_SIZE as u64;

/// Linux: F_ALL_SEALS (mm/memfd.c).
pub const F_ALL_SEALS: u32 = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;

/// A tmpfs's size limits and use (Linux: struct shmem_sb_info: max_blocks, used_blocks,
/// max_inodes, free_inodes).  The rootfs has Linux's defaults: half of RAM in pages, and as
/// many inodes (shmem_default_max_blocks(), shmem_default_max_inodes()); memfd's internal
/// mount has no limit.
pub struct ShmSbInfo {
    used_blocks: AtomicUsize,
    used_inodes: AtomicUsize,
}

pub static ROOTFS_SB: ShmSbInfo = ShmSbInfo { used_blocks: AtomicUsize::new(0), used_inodes: AtomicUsize::new(0) };

impl ShmSbInfo {
    pub fn max_blocks(&self) -> usize {
        super::page_alloc::nr_total_pages() / 2
    }
    pub fn max_inodes(&self) -> usize {
        self.max_blocks()
    }
    pub fn used_blocks(&self) -> usize {
        self.used_blocks.load(Ordering::Relaxed)
    }
    pub fn used_inodes(&self) -> usize {
        self.used_inodes.load(Ordering::Relaxed)
    }
    /// Counts new inodes (the caller checked there was room: may_create_inode()).
    pub fn used_inodes_add(&self, n: usize) {
        self.used_inodes.fetch_add(n, Ordering::Relaxed);
    }
    /// Linux: shmem_free_inode().
    pub fn free_inode(&self) {
        let _ = self.used_inodes.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| u.checked_sub(1));
    }
}

/// An address_space: the pages of a tmpfs file or of a shared anonymous mapping.
pub struct ShmObject {
    state: SpinLock<ShmState, class::ShmPages>,
    /// The file these are the pages of (None: a MAP_SHARED|MAP_ANONYMOUS object), for
    /// /proc/PID/maps.  A file's pages are made before its inode (Linux: shmem_get_inode()
    /// sets up the mapping inside the inode it allocated; here the inode is one allocation
    /// that holds them, and failing it must free them): Inode's constructors set the slot
    /// once the inode exists, before anyone else can see either.
    source: Option<spin::Once<Weak<Inode>>>,
    /// Mappings that are shared and may be written (Linux: mapping->i_mmap_writable, one per
    /// VMA, counted by [`WritableMap`]): F_SEAL_WRITE needs none.
    writable_maps: AtomicUsize,
}

struct ShmState {
    /// Page index -> the page (one reference each).
    pages: BTreeMap<usize, Page>,
    /// i_size in bytes.
    size: u64,
    /// The initramfs bytes the file started as: an index below their end that has no page
    /// reads from here (never written: the first write copies the page in).
    initrd: &'static [u8],
    /// How many entries of `pages` lie below the end of `initrd` (for st_blocks).
    initrd_cached: usize,
    /// memfd seals (Linux: shmem_inode_info.seals); F_SEAL_SEAL for any file that was not made
    /// by memfd_create(MFD_ALLOW_SEALING), so that no seal can be added to it.
    seals: u32,
    /// The tmpfs whose blocks these pages count in (None: no limit), and how many they are
    /// counted as there.
    sb: Option<&'static ShmSbInfo>,
    accounted: usize,
}

fn page_of(off: u64) -> usize {
    (off / PAGE) as usize
}

impl ShmState {
    fn initrd_pages(&self) -> usize {
        self.initrd.len().div_ceil(PAGE_SIZE)
    }

    /// Pages in use: those made, and the initrd's that have none yet.
    fn nr_blocks(&self) -> usize {
        self.pages.len() + self.initrd_pages() - self.initrd_cached
    }

    /// Brings the tmpfs's count of used blocks in step with this file's.
    fn reaccount(&mut self) {
        let now = self.nr_blocks();
        if let Some(sb) = self.sb {
            if now > self.accounted {
                sb.used_blocks.fetch_add(now - self.accounted, Ordering::Relaxed);
            } else {
                sb.used_blocks.fetch_sub(self.accounted - now, Ordering::Relaxed);
            }
        }
        self.accounted = now;
    }

    /// Linux: shmem_inode_acct_block(): ENOSPC when the tmpfs has no block left for a new
    /// page (or the kernel's memory is down to its reserve).
    fn may_add_page(&self) -> KResult<()> {
        if let Some(sb) = self.sb {
            if sb.used_blocks() >= sb.max_blocks() {
                return Err(ENOSPC);
            }
        }
        may_grow()
    }

    /// Copies the bytes of page `idx` at [poff, poff + dst.len()) into `dst`: the page, the
    /// initrd, or zeros.
    fn read_page(&self, idx: usize, poff: usize, dst: &mut [u8]) {
        if let Some(p) = self.pages.get(&idx) {
            p.read(poff, dst);
            return;
        }
        let start = idx * PAGE_SIZE + poff;
        let n = self.initrd.len().saturating_sub(start).min(dst.len());
        if n > 0 {
            dst[..n].copy_from_slice(&self.initrd[start..start + n]);
        }
        dst[n..].fill(0);
    }

    /// Page `idx`, made on first use (Linux: shmem_getpage()): the initrd's bytes or zeros.
    fn page(&mut self, idx: usize) -> KResult<&Page> {
        self.page_with(idx, None)
    }

    /// Page `idx`; when it is new and `fill` is given, the page's bytes are `fill` (a whole
    /// page about to be written: nothing to zero or copy first).
    fn page_with(&mut self, idx: usize, fill: Option<&[u8]>) -> KResult<&Page> {
        if !self.pages.contains_key(&idx) {
            let start = idx * PAGE_SIZE;
            let p = match fill {
                Some(data) => {
                    let mut p = NewPage::alloc()?;
                    p.copy_from_slice(data);
                    p
                }
                None if start < self.initrd.len() => {
                    let mut p = NewPage::alloc()?;
                    let n = (self.initrd.len() - start).min(PAGE_SIZE);
                    p[..n].copy_from_slice(&self.initrd[start..start + n]);
                    p[n..].fill(0);
                    p
                }
                None => NewPage::alloc_zeroed()?,
            };
            if start < self.initrd.len() {
                self.initrd_cached += 1;
            }
            self.pages.insert(idx, p.into_page());
        } else if let Some(data) = fill {
            self.pages.get(&idx).ok_or(ENOMEM)?.write(0, data);
        }
        self.pages.get(&idx).ok_or(ENOMEM)
    }

    fn remove_page(&mut self, idx: usize) {
        if self.pages.remove(&idx).is_some() && idx < self.initrd_pages() {
            self.initrd_cached -= 1;
        }
    }

    /// Zeroes [from, to) of page `idx` where it holds data (a page, or initrd bytes, which
    /// then get a page of their own).
    fn zero_range(&mut self, idx: usize, from: usize, to: usize) -> KResult<()> {
        if from >= to {
            return Ok(());
        }
        if self.pages.contains_key(&idx) || idx * PAGE_SIZE + from < self.initrd.len() {
            let zeros = [0u8; PAGE_SIZE];
            self.page(idx)?.write(from, &zeros[..to - from]);
        }
        Ok(())
    }

    /// Cuts the initrd bytes at `len` (a truncation or a hole there).
    fn clamp_initrd(&mut self, len: usize) {
        if len < self.initrd.len() {
            self.initrd = &self.initrd[..len];
            let n = self.initrd_pages();
            self.initrd_cached = self.pages.range(..n).count();
        }
    }

    /// Drops every page at or after index `from` (Linux: truncate_inode_pages_range()).
    fn drop_pages_from(&mut self, from: usize) {
        let gone = self.pages.split_off(&from);
        drop(gone);
        let n = self.initrd_pages().min(from);
        self.initrd_cached = self.pages.range(..n).count();
    }
}

/// The state locked for a change of its pages: the tmpfs's block count follows when the
/// change is done (Linux: shmem_recalc_inode()).
struct Acct<'a>(crate::kernel::locking::SpinLockGuard<'a, ShmState>);

impl core::ops::Deref for Acct<'_> {
    type Target = ShmState;
    fn deref(&self) -> &ShmState {
        &self.0
    }
}
impl core::ops::DerefMut for Acct<'_> {
    fn deref_mut(&mut self) -> &mut ShmState {
        &mut self.0
    }
}
impl Drop for Acct<'_> {
    fn drop(&mut self) {
        self.0.reaccount();
    }
}

/// Whether tmpfs may take one more page frame: it stops short of the memory the kernel keeps
/// for itself (mm/heap.rs's reserve), answering ENOSPC as a full tmpfs does (Linux bounds a
/// tmpfs with size=; the rootfs has none, and the OOM killer would act instead).
fn may_grow() -> KResult<()> {
    if crate::mm::heap::can_grow(PAGE_SIZE) {
        Ok(())
    } else {
        Err(ENOSPC)
    }
}

impl ShmObject {
    fn with(
        size: u64,
        initrd: &'static [u8],
        seals: u32,
        file: bool,
        sb: Option<&'static ShmSbInfo>,
    ) -> Arc<ShmObject> {
        Arc::new(ShmObject::init(size, initrd, seals, file, sb))
    }
    fn init(size: u64, initrd: &'static [u8], seals: u32, file: bool, sb: Option<&'static ShmSbInfo>) -> ShmObject {
        let mut st = ShmState { pages: BTreeMap::new(), size, initrd, initrd_cached: 0, seals, sb, accounted: 0 };
        st.reaccount();
        let source = if file { Some(spin::Once::new()) } else { None };
        ShmObject { source, state: SpinLock::new(st), writable_maps: AtomicUsize::new(0) }
    }

    /// The object behind a MAP_SHARED|MAP_ANONYMOUS mapping of `len` bytes (Linux:
    /// shmem_zero_setup()); a fault past it is SIGBUS.
    pub fn anon(len: usize) -> Arc<ShmObject> {
        ShmObject::with(len as u64, &[], F_SEAL_SEAL, false, None)
    }
    /// anon() for mmap: ENOMEM (shmem_zero_setup()'s shmem_kernel_file_setup() failing; a
    /// fault-injection site; dropped, the object gives back its accounting).
    pub fn try_anon(len: usize) -> KResult<Arc<ShmObject>> {
        super::slab::try_arc(ShmObject::init(len as u64, &[], F_SEAL_SEAL, false, None))
    }

    /// An empty tmpfs file (Linux: shmem_get_inode() for S_IFREG); `sealable` for memfd's
    /// MFD_ALLOW_SEALING.  Its inode is given by Inode::new_reg / try_new_reg.
    pub fn file(sealable: bool, sb: Option<&'static ShmSbInfo>) -> Arc<ShmObject> {
        ShmObject::with(0, &[], if sealable { 0 } else { F_SEAL_SEAL }, true, sb)
    }
    /// file() for a syscall: ENOMEM (shmem_get_inode()'s allocation failing; a
    /// fault-injection site).
    pub fn try_file(sealable: bool, sb: Option<&'static ShmSbInfo>) -> KResult<Arc<ShmObject>> {
        super::slab::try_arc(ShmObject::init(0, &[], if sealable { 0 } else { F_SEAL_SEAL }, true, sb))
    }

    /// A rootfs file whose bytes are the initramfs image's `data`, left where they are.
    pub fn from_initrd(data: &'static [u8]) -> Arc<ShmObject> {
        ShmObject::with(data.len() as u64, data, F_SEAL_SEAL, true, Some(&ROOTFS_SB))
    }

    /// The inode these pages are a file's (Inode's constructors, once it exists).
    pub fn set_source(&self, ino: Weak<Inode>) {
        if let Some(s) = &self.source {
            s.call_once(|| ino);
        }
    }
    /// Whether these are a file's pages (not a MAP_SHARED|MAP_ANONYMOUS object's).
    pub fn is_file(&self) -> bool {
        self.source.is_some()
    }
    /// The file these are the pages of, while it exists.
    pub fn source_inode(&self) -> Option<Arc<Inode>> {
        self.source.as_ref()?.get()?.upgrade()
    }

    pub fn size(&self) -> u64 {
        self.state.lock().size
    }

    /// Whether page `idx` lies inside the object (a fault past the end is SIGBUS).
    pub fn contains(&self, idx: usize) -> bool {
        (idx as u64) < self.size().div_ceil(PAGE)
    }

    /// 512-byte blocks in use (Linux: i_blocks = alloced pages * BLOCKS_PER_PAGE): the pages,
    /// and the initrd's pages that have none yet.
    pub fn blocks(&self) -> u64 {
        let s = self.state.lock();
        let pages = s.pages.len() + s.initrd_pages() - s.initrd_cached;
        pages as u64 * (PAGE / 512)
    }

    /// Whether any page has data (a page, or initrd bytes).
    pub fn has_pages(&self) -> bool {
        let s = self.state.lock();
        !s.pages.is_empty() || !s.initrd.is_empty()
    }

    /// Linux: shmem_file_read_iter(): the bytes at `off` up to the size; 0 at or past it.
    pub fn read(&self, off: u64, buf: &mut [u8]) -> usize {
        let s = self.state.lock();
        if off >= s.size {
            return 0;
        }
        let n = (s.size - off).min(buf.len() as u64) as usize;
        let mut done = 0;
        while done < n {
            let pos = off + done as u64;
            let poff = (pos % PAGE) as usize;
            let k = (PAGE_SIZE - poff).min(n - done);
            s.read_page(page_of(pos), poff, &mut buf[done..done + k]);
            done += k;
        }
        n
    }

    /// Linux: generic_perform_write() through shmem_write_begin()/shmem_write_end(): page by
    /// page, the size growing behind the data.  A write seal is EPERM; F_SEAL_GROW stops at
    /// the size (EPERM when nothing could be written); no frame left is ENOSPC.  A short count
    /// when a later page fails.
    pub fn write(&self, off: u64, data: &[u8]) -> KResult<usize> {
        let mut s = Acct(self.state.lock());
        if s.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(EPERM);
        }
        let mut done = 0;
        while done < data.len() {
            let pos = off + done as u64;
            let poff = (pos % PAGE) as usize;
            let k = (PAGE_SIZE - poff).min(data.len() - done);
            let chunk = &data[done..done + k];
            let r = if s.seals & F_SEAL_GROW != 0 && pos + k as u64 > s.size {
                Err(EPERM)
            } else if !s.pages.contains_key(&page_of(pos)) && page_of(pos) >= s.initrd_pages() {
                s.may_add_page()
            } else {
                Ok(())
            };
            let r = r.and_then(|_| {
                if k == PAGE_SIZE {
                    s.page_with(page_of(pos), Some(chunk)).map(|_| ())
                } else {
                    s.page(page_of(pos)).map(|p| p.write(poff, chunk))
                }
            });
            if let Err(e) = r {
                if done == 0 {
                    return Err(e);
                }
                break;
            }
            done += k;
            if pos + k as u64 > s.size {
                s.size = pos + k as u64;
            }
        }
        Ok(done)
    }

    /// Linux: shmem_setattr(ATTR_SIZE): the size becomes `len`; shrinking drops the pages
    /// past it and zeroes the tail of the last one (shmem_truncate_range()).  F_SEAL_SHRINK /
    /// F_SEAL_GROW: EPERM.  Returns whether the times move: the size changed, or a cut went
    /// over pages (shmem_undo_range() touches them even when the size stays).
    pub fn set_size(&self, len: u64) -> KResult<bool> {
        let mut s = Acct(self.state.lock());
        if (len < s.size && s.seals & F_SEAL_SHRINK != 0) || (len > s.size && s.seals & F_SEAL_GROW != 0) {
            return Err(EPERM);
        }
        let old = s.size;
        let had_pages = !s.pages.is_empty() || !s.initrd.is_empty();
        if len <= old {
            let keep = len.div_ceil(PAGE);
            s.drop_pages_from(usize::try_from(keep).unwrap_or(usize::MAX));
            if !len.is_multiple_of(PAGE) {
                s.zero_range(page_of(len), (len % PAGE) as usize, PAGE_SIZE)?;
            }
            s.clamp_initrd(usize::try_from(len).unwrap_or(usize::MAX));
        }
        s.size = len;
        Ok(len != old || had_pages)
    }

    /// MADV_REMOVE of a shared anonymous object's pages [first, last): zeroed where they are
    /// (Linux frees them and zaps every mapping through the rmap; without an rmap the other
    /// mms' page tables still point at them, so they keep the frames and read the zeros).
    pub fn zero_pages(&self, first: usize, last: usize) {
        let zero = [0u8; PAGE_SIZE];
        for (_, page) in self.state.lock().pages.range(first..last) {
            page.write(0, &zero);
        }
    }

    /// Linux: shmem_fallocate(FALLOC_FL_PUNCH_HOLE): [off, off + len) reads as zeros; whole
    /// pages in it go back to the allocator.  EPERM under a write seal.  The work is the
    /// pages there are, not the length asked for.
    pub fn punch_hole(&self, off: u64, len: u64) -> KResult<()> {
        let mut s = Acct(self.state.lock());
        if s.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(EPERM);
        }
        let end = off.saturating_add(len).min(s.size);
        if end <= off {
            return Ok(());
        }
        // The partial pages at either end are zeroed in place.
        let first_whole = off.div_ceil(PAGE);
        let end_whole = end / PAGE;
        if first_whole > end_whole {
            // Within one page.
            return s.zero_range(page_of(off), (off % PAGE) as usize, ((end - 1) % PAGE) as usize + 1);
        }
        if !off.is_multiple_of(PAGE) {
            s.zero_range(page_of(off), (off % PAGE) as usize, PAGE_SIZE)?;
        }
        if !end.is_multiple_of(PAGE) {
            s.zero_range(page_of(end), 0, (end % PAGE) as usize)?;
        }
        // The whole pages in between go.
        let (a, b) = (first_whole as usize, end_whole as usize);
        let gone: alloc::vec::Vec<usize> = s.pages.range(a..b).map(|(&i, _)| i).collect();
        for i in gone {
            s.remove_page(i);
        }
        // Initrd bytes in the hole: cut them when the hole reaches their end, else pages of
        // zeros stand for it.
        let n_initrd = s.initrd_pages();
        if a < n_initrd {
            if b >= n_initrd {
                s.clamp_initrd(a * PAGE_SIZE);
            } else {
                for i in a..b {
                    s.zero_range(i, 0, PAGE_SIZE)?;
                }
            }
        }
        Ok(())
    }

    /// Linux: shmem_fallocate() without PUNCH_HOLE: the pages of [off, off + len) are
    /// allocated (zeros where there was a hole); the size grows to off + len unless
    /// `keep_size`.  F_SEAL_GROW: EPERM past the size; no frame left: ENOSPC, and the pages
    /// this call added go again (as shmem_fallocate() undoes them).
    pub fn allocate(&self, off: u64, len: u64, keep_size: bool) -> KResult<()> {
        let mut s = Acct(self.state.lock());
        let end = off.checked_add(len).ok_or(EFBIG)?;
        if s.seals & F_SEAL_GROW != 0 && end > s.size {
            return Err(EPERM);
        }
        let (first, last) = (page_of(off), page_of(end - 1));
        let mut added = alloc::vec::Vec::new();
        for idx in first..=last {
            if s.pages.contains_key(&idx) {
                continue;
            }
            if let Err(e) = s.may_add_page().and_then(|_| s.page(idx).map(|_| ())) {
                for i in added {
                    s.remove_page(i);
                }
                return Err(e);
            }
            if added.try_reserve(1).is_err() {
                s.remove_page(idx);
                for i in added {
                    s.remove_page(i);
                }
                return Err(ENOMEM);
            }
            added.push(idx);
        }
        if !keep_size && end > s.size {
            s.size = end;
        }
        Ok(())
    }

    /// Linux: mapping_seek_hole_data(): from `off`, the first byte of data (a page that
    /// holds some) or of a hole (the size counts as one).  ENXIO at or past the size, or when
    /// no data follows.
    pub fn seek_data_hole(&self, off: u64, data: bool) -> KResult<u64> {
        let s = self.state.lock();
        if off >= s.size {
            return Err(ENXIO);
        }
        let n_initrd = s.initrd_pages();
        let has = |idx: usize| idx < n_initrd || s.pages.contains_key(&idx);
        let mut idx = page_of(off);
        let last = page_of(s.size - 1);
        if data {
            if has(idx) {
                return Ok(off);
            }
            let next = if idx + 1 < n_initrd { Some(idx + 1) } else { None };
            let next = next.or_else(|| s.pages.range(idx + 1..=last).next().map(|(&i, _)| i));
            return next.map(|i| i as u64 * PAGE).ok_or(ENXIO);
        }
        if !has(idx) {
            return Ok(off);
        }
        while idx <= last && has(idx) {
            idx += 1;
        }
        Ok((idx as u64 * PAGE).min(s.size))
    }

    /// Page `idx` with one more reference for the caller's page-table entry, made on first
    /// use (Linux: shmem_fault() -> shmem_getpage(); filemap_fault() for a file mapping).
    pub fn get_page(&self, idx: usize) -> KResult<usize> {
        {
            // The page cache hit (a page mapped before: exec's text) is the common case.
            let s = self.state.lock();
            if let Some(p) = s.pages.get(&idx) {
                return Ok(p.clone().into_pfn());
            }
        }
        let mut s = Acct(self.state.lock());
        Ok(s.page(idx)?.clone().into_pfn())
    }

    /// Linux: filemap_map_pages()'s page-cache walk: `f(idx, pfn)` for each page of
    /// [first, first + n) that is in the cache already, with one more reference for the
    /// caller's page-table entry.  Nothing is read or allocated (an initrd page not yet
    /// copied out is no page yet).
    pub fn map_pages(&self, first: usize, n: usize, mut f: impl FnMut(usize, usize)) {
        let s = self.state.lock();
        for (idx, p) in s.pages.range(first..first + n) {
            f(*idx, p.clone().into_pfn());
        }
    }

    /// Linux: memfd_get_seals() (F_GET_SEALS).
    pub fn seals(&self) -> u32 {
        self.state.lock().seals
    }

    /// Linux: memfd_add_seals() after its checks of the file: EPERM once F_SEAL_SEAL is set,
    /// EBUSY for F_SEAL_WRITE while a shared writable mapping exists (mapping_deny_writable()).
    pub fn add_seals(&self, seals: u32) -> KResult<()> {
        let mut s = self.state.lock();
        if s.seals & F_SEAL_SEAL != 0 {
            return Err(EPERM);
        }
        if seals & F_SEAL_WRITE != 0 && s.seals & F_SEAL_WRITE == 0 && self.writable_maps.load(Ordering::Acquire) > 0 {
            return Err(EBUSY);
        }
        s.seals |= seals;
        Ok(())
    }

    /// Whether a write seal forbids new shared writable mappings (Linux: seal_check_write()).
    pub fn write_sealed(&self) -> bool {
        self.seals() & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0
    }
}

/// One shared mapping of an object that may be written (Linux: a VMA with VM_SHARED and
/// VM_MAYWRITE, counted in i_mmap_writable by mapping_map_writable()).  Cloned with its VMA
/// (split, fork), dropped with it.
pub struct WritableMap(Arc<ShmObject>);

impl WritableMap {
    /// Linux: mapping_map_writable(): EPERM while F_SEAL_WRITE is set.
    pub fn new(obj: &Arc<ShmObject>) -> KResult<WritableMap> {
        if obj.seals() & F_SEAL_WRITE != 0 {
            return Err(EPERM);
        }
        obj.writable_maps.fetch_add(1, Ordering::AcqRel);
        Ok(WritableMap(obj.clone()))
    }
}

impl Clone for WritableMap {
    fn clone(&self) -> WritableMap {
        self.0.writable_maps.fetch_add(1, Ordering::AcqRel);
        WritableMap(self.0.clone())
    }
}

impl Drop for WritableMap {
    fn drop(&mut self) {
        self.0.writable_maps.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The pages go back (Page's Drop is put_page), and their blocks to the tmpfs.
impl Drop for ShmObject {
    fn drop(&mut self) {
        let mut s = self.state.lock();
        s.pages.clear();
        s.initrd = &[];
        s.initrd_cached = 0;
        s.reaccount();
    }
}
