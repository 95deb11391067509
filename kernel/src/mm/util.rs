//! Linux: mm/util.c — two things it keeps together:
//! - kernel buffers sized by a user request (kvmalloc_array, kvcalloc; kmalloc_array from
//!   include/linux/slab.h).  A size a user chose must never reach an aborting allocation:
//!   these allocate fallibly and turn failure into the caller's errno, because Linux's callers
//!   differ in what they report (ENOMEM for most, ENOBUFS for sockets, ENOLCK for locks);
//! - the address-space layout a new image gets, randomised as Linux randomises it
//!   (randomize_stack_top, randomize_page, arch_randomize_brk, arch_mmap_rnd, mmap_base,
//!   arch_pick_mmap_layout with both of its layouts), with riscv64's constants.

use super::{page_align_up, PAGE_SHIFT, PAGE_SIZE, STACK_TOP};
use crate::errno::{Errno, KResult};
use alloc::vec::Vec;

/// An empty vector with room for `n` elements, or `err` when the heap cannot give it.
/// Linux: kmalloc_array(n, size, GFP_KERNEL), NULL -> the caller's errno.
/// A fault-injection site (failslab.rs) when it allocates.
pub fn kmalloc_array<T>(n: usize, err: Errno) -> KResult<Vec<T>> {
    let mut v = Vec::new();
    if n != 0 && core::mem::size_of::<T>() != 0 && super::failslab::should_failslab() {
        return Err(err);
    }
    v.try_reserve_exact(n).map_err(|_| err)?;
    Ok(v)
}

/// `n` zeroed elements (`T::default()`), or `err` when the heap cannot give them.
/// Linux: kvcalloc(n, size, GFP_KERNEL).
pub fn kvcalloc<T: Clone + Default>(n: usize, err: Errno) -> KResult<Vec<T>> {
    let mut v = kmalloc_array(n, err)?;
    v.resize(n, T::default());
    Ok(v)
}

/// Linux riscv64: STACK_RND_MASK (arch/riscv/include/asm/elf.h), in pages: 1 GiB of stack
/// positions.
pub const STACK_RND_MASK: usize = 0x3ffff;
/// Linux riscv64: CONFIG_ARCH_MMAP_RND_BITS (ARCH_MMAP_RND_BITS_MIN for 64-bit, the reference
/// kernel's value; /proc/sys/vm/mmap_rnd_bits): bits of page-granular mmap_base randomness.
pub const MMAP_RND_BITS: u32 = 18;
/// Linux: mmap_base()'s MIN_GAP, the least room left for the stack below STACK_TOP.
const MIN_GAP: usize = 128 << 20;
/// Linux: mmap_base()'s MAX_GAP.
const MAX_GAP: usize = STACK_TOP / 6 * 5;

/// Linux: get_random_long()
pub fn get_random_long() -> usize {
    let mut b = [0u8; 8];
    crate::drivers::char::random::get_random_bytes(&mut b);
    usize::from_le_bytes(b)
}

/// Linux: randomize_stack_top(): STACK_TOP lowered by up to STACK_RND_MASK pages when the
/// image is randomised (PF_RANDOMIZE).
pub fn randomize_stack_top(stack_top: usize, randomize: bool) -> usize {
    let r = if randomize { (get_random_long() & STACK_RND_MASK) << PAGE_SHIFT } else { 0 };
    page_align_up(stack_top) - r
}

/// Linux: randomize_page(): a page-aligned address in [start, start + range), or `start`
/// when the range holds no page.
pub fn randomize_page(mut start: usize, mut range: usize) -> usize {
    if start & (PAGE_SIZE - 1) != 0 {
        range = range.saturating_sub(page_align_up(start) - start);
        start = page_align_up(start);
    }
    if start > usize::MAX - range {
        range = usize::MAX - start;
    }
    let pages = range >> PAGE_SHIFT;
    if pages == 0 {
        return start;
    }
    start + ((get_random_long() % pages) << PAGE_SHIFT)
}

/// Linux: arch_randomize_brk() (the generic one riscv uses): brk anywhere in the 1 GiB above
/// where it would start.
pub fn arch_randomize_brk(brk: usize) -> usize {
    randomize_page(brk, 1 << 30)
}

/// Linux: arch_mmap_rnd(): MMAP_RND_BITS random bits, in pages.
pub fn arch_mmap_rnd() -> usize {
    (get_random_long() & ((1 << MMAP_RND_BITS) - 1)) << PAGE_SHIFT
}

/// Linux: mmap_base(): below the stack's room (RLIMIT_STACK, the guard gap and, when
/// randomised, the stack's random range), at least MIN_GAP and at most MAX_GAP below
/// STACK_TOP, then `rnd` lower.
pub fn mmap_base(rnd: usize, rlim_stack: usize, randomize: bool) -> usize {
    let mut gap = rlim_stack;
    let mut pad = super::mmap::STACK_GUARD_GAP;
    if randomize {
        pad += STACK_RND_MASK << PAGE_SHIFT;
    }
    // (values close to RLIM_INFINITY can overflow)
    if let Some(g) = gap.checked_add(pad) {
        gap = g;
    }
    gap = gap.clamp(MIN_GAP, MAX_GAP);
    page_align_up(STACK_TOP - gap - rnd)
}

/// Linux: sysctl_legacy_va_layout (/proc/sys/vm/legacy_va_layout): non-zero makes every
/// new image lay out its mmap area bottom-up.
pub static SYSCTL_LEGACY_VA_LAYOUT: [core::sync::atomic::AtomicI32; 1] = [core::sync::atomic::AtomicI32::new(0)];

/// Linux: TASK_UNMAPPED_BASE (arch/riscv/include/asm/processor.h): where the bottom-up
/// ("legacy") layout starts looking, a third of the way up user space.
pub const TASK_UNMAPPED_BASE: usize = page_align_up(super::TASK_SIZE / 3);

/// Where get_unmapped_area() looks, and in which direction (Linux: mm->mmap_base and
/// mm->get_unmapped_area, arch_get_unmapped_area_topdown or arch_get_unmapped_area).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmapLayout {
    pub base: usize,
    /// bottom-up from `base` (Linux's legacy layout) instead of top-down below it
    pub legacy: bool,
}

/// Linux: mmap_is_legacy(): the bottom-up layout for ADDR_COMPAT_LAYOUT, an unlimited
/// RLIMIT_STACK (the stack could grow down into anything placed below it) or
/// vm.legacy_va_layout.
pub fn mmap_is_legacy(personality: u32, rlim_stack: u64) -> bool {
    personality & crate::kernel::exec_domain::ADDR_COMPAT_LAYOUT != 0
        || rlim_stack == u64::MAX
        || SYSCTL_LEGACY_VA_LAYOUT[0].load(core::sync::atomic::Ordering::Relaxed) != 0
}

/// Linux: arch_pick_mmap_layout() (mm/util.c, ARCH_WANT_DEFAULT_TOPDOWN_MMAP_LAYOUT): the
/// legacy layout starts at TASK_UNMAPPED_BASE and grows up, the default one starts below
/// the stack's room (mmap_base) and grows down; both move by arch_mmap_rnd() when randomised.
pub fn arch_pick_mmap_layout(personality: u32, rlim_stack: u64, randomize: bool) -> MmapLayout {
    let rnd = if randomize { arch_mmap_rnd() } else { 0 };
    if mmap_is_legacy(personality, rlim_stack) {
        MmapLayout { base: TASK_UNMAPPED_BASE + rnd, legacy: true }
    } else {
        MmapLayout { base: mmap_base(rnd, rlim_stack.min(usize::MAX as u64) as usize, randomize), legacy: false }
    }
}
