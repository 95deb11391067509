//! Shared memory objects: the pages of a MAP_SHARED mapping, shared by every mm that maps it.
//! Linux: mm/shmem.c (shmem_zero_setup, shmem_fault) and, for MAP_SHARED file mappings, the
//! file's page cache (mm/filemap.c: filemap_fault, filemap_add_folio).

use super::highmem::{NewPage, Page};
use super::PAGE_SIZE;
use crate::errno::*;
use crate::fs::Inode;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::btree_map::Entry;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

/// Pages of a MAP_SHARED|MAP_ANONYMOUS mapping, shared by every mm that maps it (Linux: the
/// shmem inode behind shmem_zero_setup()).
pub struct ShmObject {
    pub pages: SpinLock<BTreeMap<usize, Page>, class::ShmPages>, // page index -> the page (a reference each)
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
        let cached = self.pages.lock().get(&idx).cloned();
        if let Some(page) = cached {
            return Ok(page.into_pfn());
        }
        // Filled outside the page-list lock (the file's own lock ranks below it), then
        // inserted unless someone else got there first (Linux: filemap_add_folio's -EEXIST).
        let mut p = NewPage::alloc_zeroed()?;
        if let Some(ino) = self.source.as_ref().and_then(|w| w.upgrade()) {
            ino.read_data_only(idx * PAGE_SIZE, &mut p[..]);
        }
        let p = p.into_page();
        let mut pages = self.pages.lock();
        let (page, lost) = match pages.entry(idx) {
            Entry::Occupied(e) => (e.get().clone(), Some(p)),
            Entry::Vacant(e) => (e.insert(p).clone(), None),
        };
        drop(pages);
        drop(lost);
        Ok(page.into_pfn())
    }

    /// Whether page `idx` lies inside the object.
    pub fn contains(&self, idx: usize) -> bool {
        match self.source.as_ref().and_then(|w| w.upgrade()) {
            Some(ino) => idx < ino.size().div_ceil(PAGE_SIZE),
            None => idx < self.size_pages,
        }
    }
}

// Dropping a ShmObject drops its pages' references (Page's Drop is put_page).
