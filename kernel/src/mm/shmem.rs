//! Shared memory objects: the pages of a MAP_SHARED mapping, shared by every mm that maps it.
//! Linux: mm/shmem.c (shmem_zero_setup, shmem_fault) and, for MAP_SHARED file mappings, the
//! file's page cache (mm/filemap.c: filemap_fault, filemap_add_folio).

use super::page_alloc::{get_page, put_page};
use super::PAGE_SIZE;
use crate::errno::*;
use crate::fs::Inode;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

/// Pages of a MAP_SHARED|MAP_ANONYMOUS mapping, shared by every mm that maps it (Linux: the
/// shmem inode behind shmem_zero_setup()).
pub struct ShmObject {
    pub pages: SpinLock<BTreeMap<usize, usize>, class::ShmPages>, // page index -> pfn (one reference each)
    /// For MAP_SHARED file mappings: the file whose bytes fill a page on first touch (the
    /// object is that inode's page cache, see Inode::shared_pages).
    pub source: Option<alloc::sync::Weak<Inode>>,
    /// Size in pages of an anonymous shared object (Linux: the shmem inode's size); a fault
    /// past it is SIGBUS.  File objects use the file's size.
    pub size_pages: usize,
}

impl ShmObject {
    pub fn anon(len: usize) -> Arc<ShmObject> {
        Arc::new(ShmObject { pages: SpinLock::new(BTreeMap::new()), source: None, size_pages: len.div_ceil(PAGE_SIZE) })
    }
    /// Page `idx` of the object with one more reference for the caller's mapping, filled
    /// from the file (or zero) on first use.  Linux: filemap_fault() / shmem_fault().
    pub fn get_page(&self, idx: usize) -> KResult<usize> {
        let cached = self.pages.lock().get(&idx).copied();
        if let Some(pfn) = cached {
            get_page(pfn);
            return Ok(pfn);
        }
        // Filled outside the page-list lock (the file's own lock ranks below it), then
        // inserted unless someone else got there first (Linux: filemap_add_folio's -EEXIST).
        let p = super::page_alloc::alloc_zeroed_page()?;
        if let Some(ino) = self.source.as_ref().and_then(|w| w.upgrade()) {
            ino.read_data_only(idx * PAGE_SIZE, &mut super::page_bytes(p)[..]);
        }
        let mut pages = self.pages.lock();
        let pfn = *pages.entry(idx).or_insert(p);
        get_page(pfn);
        drop(pages);
        if pfn != p {
            put_page(p);
        }
        Ok(pfn)
    }

    /// Whether page `idx` lies inside the object.
    pub fn contains(&self, idx: usize) -> bool {
        match self.source.as_ref().and_then(|w| w.upgrade()) {
            Some(ino) => idx < ino.size().div_ceil(PAGE_SIZE),
            None => idx < self.size_pages,
        }
    }
}

impl Drop for ShmObject {
    fn drop(&mut self) {
        for (_, pfn) in self.pages.lock().iter() {
            put_page(*pfn);
        }
    }
}
