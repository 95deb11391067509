//! Fault injection for the kernel heap.  Linux: mm/failslab.c (should_failslab) over
//! lib/fault-inject.c (should_fail): one counter per task, current->fail_nth, set through
//! /proc/PID/fail-nth, counts down the task's fallible heap allocations and its page
//! allocations alike (page_alloc.rs's should_fail is Linux's fail_page_alloc), and the
//! allocation that takes it from 1 to 0 fails.
//!
//! Only fallible allocations are sites (the helpers of slab.rs and util.rs's kmalloc_array):
//! MenuOS's infallible Box::new/Arc::new abort when they fail, as Linux's __GFP_NOFAIL
//! allocations must not be failed (should_failslab returns false for them).  The decision is
//! made in the helper, before the heap is asked, so the #[global_allocator] itself has no
//! check at all and the hot infallible paths (fork's ~40 allocations) pay nothing.  Interrupt
//! handlers never allocate through these helpers, and the kernel runs with interrupts off
//! outside the idle loop, so the counter is only counted down in task context (Linux:
//! should_fail_ex's in_task()).

/// Linux: should_failslab(): whether this fallible heap allocation of the running task is the
/// one its fail-nth names.
#[inline]
pub fn should_failslab() -> bool {
    crate::arch::riscv::current_fail_nth()
}
