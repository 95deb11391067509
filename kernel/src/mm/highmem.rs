//! The bytes of a page frame, reached through a reference that owns it.  Linux:
//! include/linux/highmem.h (kmap_local_page, memcpy_from_page, memcpy_to_page, copy_highpage,
//! clear_highpage) and arch/riscv/include/asm/page.h (copy_page, clear_page).
//!
//! Every RAM frame is in the linear map, so reaching a frame's bytes is an address computation;
//! what needs care is who else may touch them.  A frame's bytes are reached through one of two
//! handles, each holding one reference on the frame (page_alloc's refcount), so the frame
//! cannot be freed while the handle lives:
//!
//! - [`NewPage`]: a frame just allocated, that no page table, page cache or other handle
//!   refers to (page_alloc marks it PG_EXCLUSIVE, so `Page::get` refuses it).  Its bytes are a
//!   `&[u8; PAGE_SIZE]` / `&mut [u8; PAGE_SIZE]` borrowed from the handle (Deref, DerefMut): fill
//!   it in place, then hand it over with `into_pfn()` (to a page-table entry) or `into_page()`.
//! - [`Page`]: a reference on a frame that others may share (user mappings, the page cache).
//!   No Rust reference to its bytes is ever made — another holder, or user space, may write
//!   them — only bounds-checked copies in and out (`read`, `write`).
//!
//! `Page::get(pfn)` takes a reference by frame number only on an allocated plain frame: never a
//! page table, a NewPage, the heap or the kernel image, the frames Rust references point into.
//! So no safe call here, whatever its arguments, aliases a `&mut` or reaches memory that is not
//! RAM.  The hot paths cost what they did: a fault fills a NewPage in place, copy-on-write
//! copies into one with copy_page, and the page cache copies with one memcpy per page.

use super::page_alloc::{self, PG_EXCLUSIVE};
use super::{pfn_to_virt, PAGE_SIZE};
use crate::errno::KResult;
use core::ops::{Deref, DerefMut};

/// A frame fresh from the allocator, reachable only through this handle until it is handed
/// over (Linux: the struct page of alloc_page(), before it is mapped or added to a cache).
pub struct NewPage {
    pfn: usize,
}

impl NewPage {
    /// Linux: alloc_page(GFP_KERNEL): contents undefined (whatever the frame last held).
    pub fn alloc() -> KResult<NewPage> {
        Ok(NewPage { pfn: page_alloc::alloc_page_flags(PG_EXCLUSIVE)? })
    }

    /// Linux: alloc_page(GFP_KERNEL | __GFP_ZERO)
    pub fn alloc_zeroed() -> KResult<NewPage> {
        Ok(NewPage { pfn: page_alloc::alloc_zeroed_page_flags(PG_EXCLUSIVE)? })
    }

    /// Hands the frame and this handle's reference over (a page-table entry takes it): from
    /// now on others may reach the frame, so its bytes are no longer this handle's.
    pub fn into_pfn(self) -> usize {
        let pfn = self.pfn;
        core::mem::forget(self);
        page_alloc::set_page_flags(pfn, 0);
        pfn
    }

    /// The frame as a shared page (a page cache keeps it).
    pub fn into_page(self) -> Page {
        Page { pfn: self.into_pfn() }
    }

    fn bytes_ptr(&self) -> *mut [u8; PAGE_SIZE] {
        pfn_to_virt(self.pfn) as *mut [u8; PAGE_SIZE]
    }
}

impl Deref for NewPage {
    type Target = [u8; PAGE_SIZE];
    fn deref(&self) -> &[u8; PAGE_SIZE] {
        // SAFETY: the frame is RAM (from the page allocator) and in the linear map; this handle
        // holds its only reference and page_alloc marks it PG_EXCLUSIVE, so no page table,
        // cache or Page refers to it and Page::get refuses it: the only way to its bytes is
        // this handle, and the borrow is tied to it.
        unsafe { &*self.bytes_ptr() }
    }
}

impl DerefMut for NewPage {
    fn deref_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        // SAFETY: as in deref; `&mut self` makes this the only borrow of the handle.
        unsafe { &mut *self.bytes_ptr() }
    }
}

impl Drop for NewPage {
    fn drop(&mut self) {
        page_alloc::put_page(self.pfn);
    }
}

/// One reference on a plain frame that others may share (Linux: a `struct page *` after
/// get_page()).  Dropping it is put_page().
pub struct Page {
    pfn: usize,
}

impl Page {
    /// A new reference on frame `pfn` if it is an allocated plain frame (a user page, a page
    /// cache page); None for a free frame, a page table, a NewPage, the heap, the kernel image
    /// or a number that is not RAM.  Linux: get_page_unless_zero(pfn_to_page(pfn)).
    pub fn get(pfn: usize) -> Option<Page> {
        page_alloc::try_get_page(pfn).then_some(Page { pfn })
    }

    pub fn pfn(&self) -> usize {
        self.pfn
    }

    /// Hands this reference over (a page-table entry takes it).
    pub fn into_pfn(self) -> usize {
        let pfn = self.pfn;
        core::mem::forget(self);
        pfn
    }

    /// The kernel address of byte `off`, after checking that `len` bytes from there lie in
    /// the page.
    fn at(&self, off: usize, len: usize) -> usize {
        assert!(off <= PAGE_SIZE && len <= PAGE_SIZE - off, "page {:#x}: [{:#x}, +{:#x}) outside", self.pfn, off, len);
        pfn_to_virt(self.pfn) + off
    }

    /// Copies bytes [off, off + dst.len()) of the page into `dst`.  Linux: memcpy_from_page().
    pub fn read(&self, off: usize, dst: &mut [u8]) {
        let src = self.at(off, dst.len());
        // SAFETY: [src, src + dst.len()) lies in this page (checked by `at`), a plain RAM frame
        // in the linear map that our reference keeps allocated.  No Rust reference points into
        // a plain frame (only NewPage's do, and this is not one), so `dst` does not overlap it
        // and the read aliases no `&mut`.
        unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst.as_mut_ptr(), dst.len()) }
    }

    /// Copies `src` into bytes [off, off + src.len()) of the page.  Linux: memcpy_to_page().
    pub fn write(&self, off: usize, src: &[u8]) {
        let dst = self.at(off, src.len());
        // SAFETY: as in read: the range lies in a plain frame we hold a reference on, which no
        // Rust reference points into, so the write overlaps neither `src` nor any borrow.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst as *mut u8, src.len()) }
    }
}

impl Clone for Page {
    fn clone(&self) -> Page {
        page_alloc::get_page(self.pfn);
        Page { pfn: self.pfn }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        page_alloc::put_page(self.pfn);
    }
}

/// A new frame holding a copy of the plain frame `src_pfn` (a user page), with one reference
/// for the caller's page-table entry: a copy-on-write break, a private copy of a page-cache
/// page.  A `src_pfn` that is not a plain frame is a bug and panics.  Linux: wp_page_copy()'s
/// alloc_page_vma() + copy_user_highpage() -> copy_page().
pub fn copy_page(src_pfn: usize) -> KResult<usize> {
    assert!(page_alloc::is_plain_frame(src_pfn), "copy_page: pfn {:#x} is not a user page", src_pfn);
    let dst = page_alloc::alloc_page_flags(0)?;
    // SAFETY: dst is fresh from the allocator: nobody else knows its number, so nothing reads
    // or writes it and no reference points into it.  src is a plain RAM frame (checked), which
    // no Rust reference points into, and differs from dst (allocated frames are distinct).
    // Both are page-aligned pages of the linear map.
    unsafe { crate::arch::riscv::copy_page(pfn_to_virt(dst), pfn_to_virt(src_pfn)) };
    Ok(dst)
}

/// Zeroes a frame the caller has just allocated and nobody else can reach yet (page_alloc's
/// alloc_zeroed_page, NewPage::alloc_zeroed).  Linux: clear_highpage() -> clear_page().
pub(super) fn clear_page(pfn: usize) {
    // SAFETY: the callers (mm/ only) pass a frame they have just taken from the page
    // allocator, RAM in the linear map that nobody else knows the number of yet.
    unsafe { crate::arch::riscv::clear_page(pfn_to_virt(pfn)) }
}
