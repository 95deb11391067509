//! RISC-V architecture support.  Linux: arch/riscv/.
//! Everything here that must be `unsafe` (CSRs, asm, raw stack memory) is wrapped in small
//! safe functions so that process logic in kernel/ stays safe code; the few `unsafe fn`s
//! (copy_page, clear_page) are for mm/, which states why each call keeps their contract.

pub mod process;
pub mod ptrace;
pub mod sbi;
pub mod setup;
pub mod signal;
pub mod stacktrace;
#[deny(unsafe_code)]
pub mod syscall_table;
#[deny(unsafe_code)]
pub mod time;
pub mod traps;

use crate::kernel::locking::SpinLockGuard;
use crate::kernel::task::{TaskStruct, ThreadInfo};
use core::arch::{asm, global_asm};
use core::mem::offset_of;
use process::ThreadStruct;
use ptrace::PtRegs;

global_asm!(include_str!("head.S"));
global_asm!(include_str!("uaccess.S"));
global_asm!(include_str!("page.S"));
global_asm!(include_str!("string.S"));
// Linux: arch/riscv/kernel/asm-offsets.c — the offsets entry.S uses, computed by the compiler.
global_asm!(
    include_str!("entry.S"),
    TI_KERNEL_SP = const offset_of!(ThreadInfo, kernel_sp),
    TI_USER_SP = const offset_of!(ThreadInfo, user_sp),
    TASK_THREAD = const offset_of!(TaskStruct, thread),
    THREAD_RA = const offset_of!(ThreadStruct, ra),
    THREAD_SP = const offset_of!(ThreadStruct, sp),
    THREAD_S0 = const offset_of!(ThreadStruct, s),
    PT_SIZE = const ptrace::PT_SIZE,
    THREAD_SHIFT = const process::THREAD_SHIFT,
    PT_EPC = const offset_of!(PtRegs, epc),
    PT_RA = const offset_of!(PtRegs, ra),
    PT_SP = const offset_of!(PtRegs, sp),
    PT_GP = const offset_of!(PtRegs, gp),
    PT_TP = const offset_of!(PtRegs, tp),
    PT_T0 = const offset_of!(PtRegs, t0),
    PT_T1 = const offset_of!(PtRegs, t1),
    PT_T2 = const offset_of!(PtRegs, t2),
    PT_S0 = const offset_of!(PtRegs, s0),
    PT_S1 = const offset_of!(PtRegs, s1),
    PT_A0 = const offset_of!(PtRegs, a0),
    PT_A1 = const offset_of!(PtRegs, a1),
    PT_A2 = const offset_of!(PtRegs, a2),
    PT_A3 = const offset_of!(PtRegs, a3),
    PT_A4 = const offset_of!(PtRegs, a4),
    PT_A5 = const offset_of!(PtRegs, a5),
    PT_A6 = const offset_of!(PtRegs, a6),
    PT_A7 = const offset_of!(PtRegs, a7),
    PT_S2 = const offset_of!(PtRegs, s2),
    PT_S3 = const offset_of!(PtRegs, s3),
    PT_S4 = const offset_of!(PtRegs, s4),
    PT_S5 = const offset_of!(PtRegs, s5),
    PT_S6 = const offset_of!(PtRegs, s6),
    PT_S7 = const offset_of!(PtRegs, s7),
    PT_S8 = const offset_of!(PtRegs, s8),
    PT_S9 = const offset_of!(PtRegs, s9),
    PT_S10 = const offset_of!(PtRegs, s10),
    PT_S11 = const offset_of!(PtRegs, s11),
    PT_T3 = const offset_of!(PtRegs, t3),
    PT_T4 = const offset_of!(PtRegs, t4),
    PT_T5 = const offset_of!(PtRegs, t5),
    PT_T6 = const offset_of!(PtRegs, t6),
    PT_STATUS = const offset_of!(PtRegs, status),
    PT_BADADDR = const offset_of!(PtRegs, badaddr),
    PT_CAUSE = const offset_of!(PtRegs, cause),
);
const _: () = assert!(offset_of!(TaskStruct, thread_info) == 0);

extern "C" {
    fn handle_exception();
    pub fn ret_from_fork();
    // Pointers only: entry.S reads the fields at the asm-offsets computed above.
    #[allow(improper_ctypes)]
    fn __switch_to(prev: *const TaskStruct, next: *const TaskStruct) -> *const TaskStruct;
    fn __fstate_save(f: *mut process::FpState);
    fn __fstate_restore(f: *const process::FpState);
    fn __copy_page(dst: usize, src: usize);
    fn __call_on_stack(arg: usize, f: extern "C" fn(usize) -> usize, stack_top: usize) -> usize;
    fn __clear_page(dst: usize);
}

/// Runs `f(arg)` on a temporary stack of `size` bytes (Linux: call_on_irq_stack): for code
/// whose frames do not fit a 16 KiB kernel stack, like the gzip inflater at boot.  A trap taken
/// on it would look like a stack overflow to entry.S (bit THREAD_SHIFT of sp is set in half
/// of it): nothing here traps (interrupts are off, no user memory is touched).
pub fn call_on_stack(size: usize, f: extern "C" fn(usize) -> usize, arg: usize) -> usize {
    let stack: alloc::vec::Vec<u64> = alloc::vec![0; size / 8];
    let top = (stack.as_ptr() as usize + size) & !15;
    // SAFETY: `stack` outlives the call; __call_on_stack restores sp before returning; f is
    // an ordinary function and interrupts are off in the kernel, so nothing else runs on it.
    let r = unsafe { __call_on_stack(arg, f, top) };
    drop(stack);
    r
}

/// Copies one 4 KiB page (kernel virtual, page-aligned).  Linux: copy_page().
///
/// # Safety
/// `dst` and `src` are distinct page-aligned pages of mapped kernel memory; nothing else
/// reads or writes `dst`, or writes `src`, during the copy, and no Rust reference into `dst`
/// is live.  (mm/highmem.rs's copy_page is the safe form.)
pub unsafe fn copy_page(dst: usize, src: usize) {
    debug_assert!(dst & 0xfff == 0 && src & 0xfff == 0);
    // SAFETY: the caller's contract above.
    unsafe { __copy_page(dst, src) }
}

/// Zeroes one 4 KiB page (kernel virtual, page-aligned).  Linux: clear_page().
///
/// # Safety
/// `dst` is a page-aligned page of mapped kernel memory that nothing else reads or writes
/// during the call and that no live Rust reference points into.
pub unsafe fn clear_page(dst: usize) {
    debug_assert!(dst & 0xfff == 0);
    // SAFETY: the caller's contract above.
    unsafe { __clear_page(dst) }
}

/// sie bits: supervisor timer and external interrupts.  Linux: IE_TIE, IE_EIE (asm/csr.h).
const IE_TIE: usize = 1 << 5;
const IE_EIE: usize = 1 << 9;

/// Linux: trap_init(): stvec points at handle_exception; sscratch = 0 means "in the kernel".
#[no_mangle]
#[inline(never)]
pub fn trap_init() {
    // SAFETY: installing the trap vector and clearing sscratch, before any trap can occur.
    unsafe {
        asm!("csrw sscratch, zero");
        asm!("csrw stvec, {}", in(reg) handle_exception as *const () as usize);
        // Timer (STIE) and external (SEIE) interrupts; they are taken only where SIE is set
        // (user mode, and the idle loop).
        asm!("csrs sie, {}", in(reg) IE_TIE | IE_EIE);
    }
}

/// The task running on this CPU: tp holds its task_struct pointer in the kernel.
pub fn current_ptr() -> *const TaskStruct {
    let tp: usize;
    // SAFETY: reading tp has no side effects.
    unsafe { asm!("mv {}, tp", out(reg) tp) };
    tp as *const TaskStruct
}

/// Linux: `current` — a new strong reference to the running task.
pub fn current_task() -> alloc::sync::Arc<TaskStruct> {
    let p = current_ptr();
    // SAFETY: tp always points at the running task, which the scheduler's per-CPU `curr`
    // keeps a strong reference to while it runs; we add one for the returned Arc.
    unsafe {
        alloc::sync::Arc::increment_strong_count(p);
        alloc::sync::Arc::from_raw(p)
    }
}

/// Runs `f` on the running task without touching its refcount (hot paths).
pub fn with_current_task<R>(f: impl FnOnce(&TaskStruct) -> R) -> R {
    // SAFETY: as in current_task(); the reference does not outlive this call.
    f(unsafe { &*current_ptr() })
}

/// Counts down the running task's fail-nth and says whether this allocation must fail (none
/// before the first task exists).
pub fn current_fail_nth() -> bool {
    let p = current_ptr();
    if p.is_null() {
        return false;
    }
    with_current_task(|t| {
        let n = t.fail_nth.load(core::sync::atomic::Ordering::Relaxed);
        if n == 0 {
            return false;
        }
        t.fail_nth.store(n - 1, core::sync::atomic::Ordering::Relaxed);
        n == 1
    })
}

/// The switch of schedule() (Linux: context_switch() -> switch_to()): from the running task to
/// another, given as borrows of the locked run queue `rq` whose slots own both (`pick` returns
/// (prev, next) from it).  The lock is released here, just before the switch, because the next
/// task takes it again (finish_task_switch); on one hart, with interrupts off in the kernel,
/// nothing runs between the unlock and __switch_to, so both tasks are still alive when their
/// registers are saved and loaded, and no reference to either is kept across the switch (this
/// frame may sleep until long after `next` has exited).  Only schedule() calls it.
pub(crate) fn context_switch<T>(rq: SpinLockGuard<'static, T>, pick: impl FnOnce(&T) -> (&TaskStruct, &TaskStruct)) {
    let (prev, next) = pick(&rq);
    let (prev, next) = (prev as *const TaskStruct, next as *const TaskStruct);
    // __switch_to saves the running task's registers into `prev`: it must be that task.
    assert!(core::ptr::eq(prev, current_ptr()), "context_switch: prev is not the running task");
    drop(rq);
    // SAFETY: prev is the running task (checked) and next another task, both alive at the
    // unlock (borrowed from the run queue, or from something that outlives this call) and
    // still alive at the switch, since nothing runs in between (see above).
    unsafe { switch_to(prev, next) };
}

/// Sets tp for the first task (the boot CPU's idle task, init_task).
pub fn set_current_ptr(t: *const TaskStruct) {
    // SAFETY: tp is reserved for `current` by the whole kernel (never allocated by the compiler
    // on this target, which treats tp as the thread pointer).
    unsafe { asm!("mv tp, {}", in(reg) t) };
}

/// Linux: switch_to(prev, next).  Returns the task that ran before us once we run again.
///
/// # Safety
/// `prev` is the running task and `next` a task that is not running; both stay alive until
/// __switch_to has saved prev's registers and loaded next's.  Neither task's pt_regs are
/// borrowed (process::with_current_pt_regs checks that).
unsafe fn switch_to(prev: *const TaskStruct, next: *const TaskStruct) -> *const TaskStruct {
    // SAFETY: both are alive (the contract above); these borrows end before __switch_to.
    let (p, n) = unsafe { (&*prev, &*next) };
    // FPU state: save prev's registers if user mode dirtied them, load next's.
    // Linux: __switch_to_aux() / fstate_save() / fstate_restore().
    process::fstate_save(p);
    if process::user_status(n) & ptrace::SR_FS != 0 {
        // SAFETY: next is not running (single CPU), so its thread struct is ours until it runs.
        unsafe { __fstate_restore(&(*n.thread.get()).fstate) };
    }
    // The entry is recorded by prev; the exit when prev runs again (a new child never returns
    // here: it starts in ret_from_fork).
    let _t = crate::trace_func!(__switch_to, p.pid(), n.pid());
    // SAFETY: both tasks are alive (the contract above); __switch_to saves prev's callee-saved
    // registers and resumes next where it last switched out (or at ret_from_fork).
    unsafe { __switch_to(prev, next) }
}

/// Linux: switch_mm(): make `satp` the active page table.
pub fn switch_mm(satp: usize) {
    // SAFETY: satp is a valid root whose kernel half equals the kernel's.
    unsafe {
        asm!("csrw satp, {}", "sfence.vma", in(reg) satp);
    }
}

pub fn current_satp() -> usize {
    let v: usize;
    // SAFETY: CSR read.
    unsafe { asm!("csrr {}, satp", out(reg) v) };
    v
}

pub fn flush_tlb_all() {
    // SAFETY: TLB maintenance has no memory-safety effects.
    unsafe { asm!("sfence.vma") };
}

pub fn flush_tlb_page(va: usize) {
    // SAFETY: as above.
    unsafe { asm!("sfence.vma {}, zero", in(reg) va) };
}

/// Idle: wait for an interrupt with interrupts enabled, then disable them again.  The pending
/// interrupt is taken between the two csr writes (Linux: arch_cpu_idle()).
pub fn cpu_idle_wait() {
    // SAFETY: enabling interrupts for one wfi; the trap handler runs on idle's stack.
    unsafe {
        asm!("csrsi sstatus, {sie}", "wfi", "csrci sstatus, {sie}", sie = const ptrace::SR_SIE);
    }
}

/// The cycle counter (rdcycle).  Under QEMU -icount it counts guest instructions.
pub fn read_cycle() -> u64 {
    let c: u64;
    // SAFETY: reading the cycle CSR (OpenSBI enables it for S-mode in mcounteren).
    unsafe { asm!("rdcycle {}", out(reg) c) };
    c
}

pub fn read_time() -> u64 {
    let t: u64;
    // SAFETY: the time CSR is readable in S-mode.
    unsafe { asm!("rdtime {}", out(reg) t) };
    t
}
