//! The copy-on-write decisions of fork and of write faults, as pure functions.
//! Linux: kernel/fork.c dup_mmap() / copy_page_range(), mm/memory.c do_wp_page() /
//! wp_page_reuse() / wp_page_copy().  MenuOS adds On-demand-fork's page-table sharing
//! (EuroSys'21): a leaf page table (2 MiB of address space) is shared between parent and
//! child instead of copied, write-protected once, and unshared by the first write.
//!
//! The kernel (kernel/src/mm/mmap.rs, memory.rs, pgtable.rs) calls these functions at the
//! points Linux decides the same things; the host tests below check them and run a model of
//! fork / write / exit sequences that checks the refcount invariants the kernel relies on.
#![cfg_attr(not(test), no_std)]

/// What fork needs to know about a VMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmaDesc {
    pub start: usize,
    pub end: usize,
    /// MAP_SHARED: parent and child keep writing the same pages.
    pub shared: bool,
    /// MADV_DONTFORK (Linux: VM_DONTCOPY): the child does not get the VMA.
    pub dontcopy: bool,
    /// MADV_WIPEONFORK: the child gets the VMA empty (zero-fill on touch).
    pub wipeonfork: bool,
}

impl VmaDesc {
    /// Plain private memory: its pages may sit in a shared leaf table.
    pub fn plain(&self) -> bool {
        !self.shared && !self.dontcopy && !self.wipeonfork
    }
}

/// How fork treats one VMA's pages (Linux: copy_page_range()'s early-outs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmaFork {
    /// Not in the child at all (VM_DONTCOPY).
    Skip,
    /// In the child, without pages (VM_WIPEONFORK).
    Empty,
    /// The child maps the same pages, writable as in the parent (MAP_SHARED).
    Share,
    /// Both map the pages read-only; the first write copies (private memory).
    Cow,
}

pub fn vma_fork(v: &VmaDesc) -> VmaFork {
    if v.dontcopy {
        VmaFork::Skip
    } else if v.wipeonfork {
        VmaFork::Empty
    } else if v.shared {
        VmaFork::Share
    } else {
        VmaFork::Cow
    }
}

/// Per region of `region` bytes (one leaf table), in address order: whether every VMA in it is
/// plain private memory, so the parent's leaf table can be shared with the child whole.
/// `vmas` must come sorted by start and not overlap (an mm's VMA tree).  An iterator, not a
/// list: a VMA may span millions of regions (a huge PROT_NONE reservation), and fork must not
/// allocate in proportion to address space.
pub fn fork_regions<I: IntoIterator<Item = VmaDesc>>(vmas: I, region: usize) -> ForkRegions<I::IntoIter> {
    ForkRegions { vmas: vmas.into_iter(), region, cur: None, pending: None }
}

/// The iterator of [`fork_regions`].
pub struct ForkRegions<I> {
    vmas: I,
    region: usize,
    /// The current VMA's next region, its end, and whether it is plain.
    cur: Option<(usize, usize, bool)>,
    /// A region seen but not yet given out: the next VMA may share it.
    pending: Option<(usize, bool)>,
}

impl<I: Iterator<Item = VmaDesc>> ForkRegions<I> {
    /// The next region of the next VMA, one VMA after another (a region two VMAs share comes
    /// twice, in a row).
    fn next_raw(&mut self) -> Option<(usize, bool)> {
        loop {
            if let Some((r, end, plain)) = self.cur {
                if r < end {
                    self.cur = r.checked_add(self.region).map(|n| (n, end, plain));
                    return Some((r, plain));
                }
            }
            let v = self.vmas.next()?;
            self.cur = Some((v.start & !(self.region - 1), v.end, v.plain()));
        }
    }
}

impl<I: Iterator<Item = VmaDesc>> Iterator for ForkRegions<I> {
    type Item = (usize, bool);
    fn next(&mut self) -> Option<(usize, bool)> {
        loop {
            match (self.next_raw(), self.pending) {
                (None, p) => {
                    self.pending = None;
                    return p;
                }
                (Some((r, plain)), Some((pr, pplain))) if pr == r => self.pending = Some((r, pplain && plain)),
                (Some(x), Some(p)) => {
                    self.pending = Some(x);
                    return Some(p);
                }
                (Some(x), None) => self.pending = Some(x),
            }
        }
    }
}

/// A private page copied at fork (copy_present_pte()): write access is taken from the parent
/// too, so whichever writes first gets a fault.  Returns (parent writable, child writable).
pub fn fork_pte(writable: bool, fork: VmaFork) -> (bool, bool) {
    match fork {
        VmaFork::Share => (writable, writable),
        _ => (false, false),
    }
}

/// A leaf table referenced by more than one mm must be copied before this mm changes it.
pub fn must_unshare_table(table_refs: u32) -> bool {
    table_refs > 1
}

/// A write to a present, read-only page of a writable VMA (Linux: do_wp_page()).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFault {
    /// Nobody else maps it (or the mapping is shared): give the write bit back
    /// (wp_page_reuse()).
    Reuse,
    /// Others still map it: copy it, drop our reference to the old page (wp_page_copy()).
    Copy,
}

/// `page_refs` counts the tables that map the page, plus the page cache's reference for a
/// file page; the faulting mm's table has already been unshared (must_unshare_table).
pub fn write_fault(shared_vma: bool, page_refs: u32) -> WriteFault {
    if shared_vma || page_refs == 1 {
        WriteFault::Reuse
    } else {
        WriteFault::Copy
    }
}

#[cfg(test)]
mod tests;
