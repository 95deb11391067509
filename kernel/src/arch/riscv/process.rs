//! Thread state and the arch half of fork/exec.  Linux: arch/riscv/kernel/process.c
//! (copy_thread, start_thread, arch_dup_task_struct), arch/riscv/include/asm/processor.h
//! (struct thread_struct).

use super::ptrace::{PtRegs, PT_SIZE, SR_FS, SR_FS_CLEAN, SR_FS_DIRTY, SR_FS_INITIAL, SR_SPIE, SR_UXL_64};
use crate::errno::*;
use crate::kernel::task::{TaskStruct, TASK_NEW};
use core::cell::UnsafeCell;

/// Linux: THREAD_SIZE (16 KiB on riscv64), THREAD_SHIFT, and THREAD_ALIGN (CONFIG_VMAP_STACK:
/// stacks are THREAD_ALIGN-aligned, so bit THREAD_SHIFT is clear inside one and set in the
/// THREAD_SIZE below it, which entry.S's overflow check relies on).
pub const THREAD_SIZE: usize = 16384;
pub const THREAD_SHIFT: usize = 14;
pub const THREAD_ALIGN: usize = 2 * THREAD_SIZE;
const _: () = assert!(1 << THREAD_SHIFT == THREAD_SIZE);
/// Linux: STACK_END_MAGIC, written at the far end of every kernel stack.
pub const STACK_END_MAGIC: u64 = 0x57AC6E9D;

/// Linux: struct __riscv_d_ext_state
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FpState {
    pub f: [u64; 32],
    pub fcsr: u32,
}

/// Linux: struct thread_struct — what __switch_to saves: ra, sp, s0-s11, and the FPU.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ThreadStruct {
    pub ra: usize,
    pub sp: usize,
    pub s: [usize; 12],
    pub fstate: FpState,
    pub bad_cause: usize,
    /// Set while with_current_pt_regs lends this task's pt_regs out (a RefCell's flag).
    pub pt_regs_borrowed: bool,
}

impl ThreadStruct {
    pub const fn zeroed() -> Self {
        ThreadStruct {
            ra: 0,
            sp: 0,
            s: [0; 12],
            fstate: FpState { f: [0; 32], fcsr: 0 },
            bad_cause: 0,
            pt_regs_borrowed: false,
        }
    }
}

/// A cell for per-task state that only the CPU running (or creating) the task touches:
/// thread_info and thread_struct, read and written by entry.S and __switch_to.
#[repr(transparent)]
pub struct ArchCell<T>(UnsafeCell<T>);
// SAFETY: accessed only by the CPU that runs the task, or by copy_process before the task is
// visible to any scheduler.
unsafe impl<T> Sync for ArchCell<T> {}
impl<T> ArchCell<T> {
    pub const fn new(v: T) -> Self {
        ArchCell(UnsafeCell::new(v))
    }
    pub fn get(&self) -> *mut T {
        self.0.get()
    }
}

/// A task's kernel stack: THREAD_SIZE bytes, THREAD_ALIGN-aligned in the vmalloc area with an
/// unmapped THREAD_SIZE below it (mm/vmalloc.rs), STACK_END_MAGIC at its lowest word and
/// struct pt_regs at its top.  Linux: alloc_thread_stack_node() with CONFIG_VMAP_STACK.
#[repr(C)]
pub struct KernelStack {
    base: usize,
    owned: bool,
}

impl KernelStack {
    /// Linux: alloc_thread_stack_node(): a stack from the vmalloc area (ENOMEM without one).
    pub fn alloc() -> KResult<KernelStack> {
        let s = KernelStack { base: crate::mm::vmalloc::vmalloc_stack()?, owned: true };
        s.set_end_magic();
        Ok(s)
    }

    /// The boot stack (init_stack in head.S), for the idle task.
    pub fn boot() -> KernelStack {
        extern "C" {
            static init_stack: [u8; THREAD_SIZE];
        }
        // SAFETY: address of a linker symbol.
        let base = core::ptr::addr_of!(init_stack) as usize;
        let s = KernelStack { base, owned: false };
        s.set_end_magic();
        s
    }

    /// Linux: set_task_stack_end_magic()
    fn set_end_magic(&self) {
        // SAFETY: `base` is the 8-aligned start of the THREAD_SIZE bytes this KernelStack owns
        // (allocated in alloc(), or the boot stack); frames grow down from the top and never
        // reach the lowest word unless the stack overflowed, which this magic detects.
        unsafe { (self.base as *mut u64).write_volatile(STACK_END_MAGIC) };
    }

    /// Linux: task_stack_end_corrupted()
    pub fn end_corrupted(&self) -> bool {
        // SAFETY: as in set_end_magic: the lowest word of the stack this KernelStack owns.
        unsafe { (self.base as *const u64).read_volatile() != STACK_END_MAGIC }
    }

    pub fn base(&self) -> usize {
        self.base
    }
    pub fn top(&self) -> usize {
        self.base + THREAD_SIZE
    }
    /// Linux: task_pt_regs(): the pt_regs at the top of the stack.
    pub fn pt_regs(&self) -> *mut PtRegs {
        (self.top() - PT_SIZE) as *mut PtRegs
    }
}

/// Linux: free_thread_stack() -> vfree(): the task is dead and off-CPU.
impl Drop for KernelStack {
    fn drop(&mut self) {
        if self.owned {
            crate::mm::vmalloc::vfree_stack(self.base);
        }
    }
}

/// What copy_thread needs to know about the clone.
pub struct ThreadArgs {
    pub kthread_fn: Option<(extern "C" fn(usize) -> usize, usize)>,
    pub stack: usize,
    pub tls: Option<usize>,
}

/// Linux: copy_thread() in arch/riscv/kernel/process.c.
///
/// Builds the child's kernel stack so that its first __switch_to "returns" into
/// ret_from_fork: thread.ra = ret_from_fork, thread.sp = the child's pt_regs.  For a user task
/// the child's pt_regs are the parent's (epc already past the ecall) with a0 = 0 — this is why
/// fork returns 0 in the child — and sp = newsp / tp = tls when the caller asked.  A kernel
/// thread gets zeroed pt_regs (status: SPP clear so it can later return to user mode after
/// kernel_execve) and s0 = fn, s1 = arg.
#[no_mangle]
#[inline(never)]
pub extern "Rust" fn copy_thread(p: &TaskStruct, parent_regs: Option<&PtRegs>, args: &ThreadArgs) -> KResult<()> {
    let mut _t = crate::trace_func!(copy_thread);
    // Only a new task (copy_process, before wake_up_new_task) has a stack and thread struct
    // nobody else touches.
    assert_eq!(p.state(), TASK_NEW, "copy_thread: not a new task");
    // SAFETY: p is TASK_NEW (checked): not yet visible to the scheduler, never run, so we are
    // the only one touching its stack and thread struct, and nothing borrows them.
    let childregs = unsafe { &mut *p.stack.pt_regs() };
    // SAFETY: as above.
    let thread = unsafe { &mut *p.thread.get() };
    *thread = ThreadStruct::zeroed();
    if let Some((f, arg)) = args.kthread_fn {
        *childregs = PtRegs::default();
        // Linux: childregs->status = SR_PP | SR_PIE; here the status a later return to user
        // mode (kernel_init -> kernel_execve) needs: SPIE, user FPU initial.
        childregs.status = SR_SPIE | SR_FS_INITIAL | SR_UXL_64;
        thread.s[0] = f as usize;
        thread.s[1] = arg;
    } else {
        let regs = parent_regs.ok_or(EINVAL)?;
        *childregs = *regs;
        childregs.a0 = 0; // the child's return value: fork "returns twice"
        if args.stack != 0 {
            childregs.sp = args.stack;
        }
        if let Some(tls) = args.tls {
            childregs.tp = tls;
        }
        // The child inherits the parent's FPU registers (Linux: arch_dup_task_struct saves
        // them first with fstate_save).
        let cur = crate::kernel::task::current();
        if fstate_save(&cur) {
            childregs.status = user_status(&cur);
        }
        // SAFETY: cur is the running task, whose thread struct only it touches; p's (`thread`)
        // is another task's.
        thread.fstate = unsafe { (*cur.thread.get()).fstate };
    }
    thread.ra = super::ret_from_fork as *const () as usize;
    thread.sp = childregs as *mut PtRegs as usize;
    _t.ret2(thread.ra, thread.sp);
    Ok(())
}

/// Linux: start_thread(): point the (new) user image's registers at its entry and stack.
pub fn start_thread(regs: &mut PtRegs, pc: usize, sp: usize) {
    *regs = PtRegs::default();
    regs.status = SR_SPIE | SR_FS_INITIAL | SR_UXL_64;
    regs.epc = pc;
    regs.sp = sp;
}

/// The saved user `status` (sstatus) of `t`, whose FS bits say whether user mode dirtied the
/// FPU.  Read through a raw pointer: no reference to the frame is made.
#[inline]
pub(super) fn user_status(t: &TaskStruct) -> usize {
    // SAFETY: the pt_regs at the top of t's own kernel stack, which lives as long as t; no
    // `&mut PtRegs` to it is lent out (checked), so this read aliases no exclusive borrow.
    unsafe { user_status_ptr(t).read() }
}

#[inline]
fn set_user_status(t: &TaskStruct, v: usize) {
    // SAFETY: as in user_status; t is the running task or one that is not running, so nothing
    // else writes its frame meanwhile.
    unsafe { user_status_ptr(t).write(v) }
}

#[inline]
fn user_status_ptr(t: &TaskStruct) -> *mut usize {
    assert!(!pt_regs_borrowed(t), "pt_regs of pid {} lent out across schedule()", t.pid());
    let regs = t.stack.pt_regs();
    regs.wrapping_byte_add(core::mem::offset_of!(PtRegs, status)) as *mut usize
}

#[inline]
fn pt_regs_borrowed(t: &TaskStruct) -> bool {
    // SAFETY: a byte of t's thread struct, written only by t itself (with_current_pt_regs) and
    // by copy_thread before t exists for anyone else; one CPU.
    unsafe { core::ptr::addr_of!((*t.thread.get()).pt_regs_borrowed).read() }
}

/// Linux: fstate_save(): if user mode dirtied the FPU of `t` (the running task), saves its
/// registers into t's thread struct and marks them clean.  Whether it saved.
#[inline]
pub(super) fn fstate_save(t: &TaskStruct) -> bool {
    let status = user_status(t);
    if status & SR_FS != SR_FS_DIRTY {
        return false;
    }
    // SAFETY: t is the running task (the callers'), so the live FPU registers and its thread
    // struct are its own; nothing else borrows t's thread struct.
    unsafe { super::__fstate_save(&mut (*t.thread.get()).fstate) };
    set_user_status(t, (status & !SR_FS) | SR_FS_CLEAN);
    true
}

/// Saves the user FPU registers of `t` (the running task) into its thread struct and returns
/// them (signal frames, fork).
pub fn save_user_fpu(t: &TaskStruct) -> FpState {
    fstate_save(t);
    // SAFETY: a copy out of t's thread struct, which nothing borrows across a call (see
    // restore_user_fpu); one CPU.
    unsafe { (*t.thread.get()).fstate }
}

/// Loads `fp` as the user FPU registers of `t` (the running task): rt_sigreturn.
pub fn restore_user_fpu(t: &TaskStruct, fp: &FpState) {
    // SAFETY: t's thread struct, through its ArchCell: no reference into a thread struct is
    // held across a call anywhere (arch/ borrows them only within one function), and one CPU
    // runs, so this write aliases nothing; loading the FPU registers has no memory effect.
    unsafe {
        (*t.thread.get()).fstate = *fp;
        super::__fstate_restore(&(*t.thread.get()).fstate);
    }
    set_user_status(t, (user_status(t) & !SR_FS) | SR_FS_CLEAN);
}

/// Linux: current_pt_regs(): runs `f` on the saved user registers of the running task.
///
/// Sound by construction: only the running task's own registers are lent (the pt_regs at the
/// top of its kernel stack, which lives as long as the task), only for the closure's duration,
/// and a nested call panics (the task's pt_regs_borrowed flag, as a RefCell's), so this never
/// makes two `&mut PtRegs` to one frame; `f` must not sleep (switch_to panics on a lent frame).
/// The trap path holds the frame too (do_trap's `regs`): a syscall handler that needs the
/// registers takes them from there (`&mut PtRegs` first); this is for code that is not handed
/// them: exec's start_thread, fork's copy of the parent's registers, schedule_tail.
#[inline]
pub fn with_current_pt_regs<R>(f: impl FnOnce(&mut PtRegs) -> R) -> R {
    super::with_current_task(|t| {
        let flag = t.thread.get().wrapping_byte_add(core::mem::offset_of!(ThreadStruct, pt_regs_borrowed)) as *mut bool;
        // SAFETY: the flag byte of the running task's thread struct, which only the task itself
        // touches here; no reference to it is held.
        let busy = unsafe { flag.replace(true) };
        assert!(!busy, "with_current_pt_regs: pt_regs already lent out");
        // SAFETY: t's pt_regs, on its own live kernel stack; the flag (just set) guarantees no
        // other borrow of them made here is live, and they are lent only until `f` returns.
        let r = f(unsafe { &mut *t.stack.pt_regs() });
        // SAFETY: as above; `f`'s borrow has ended.
        unsafe { flag.write(false) };
        r
    })
}

/// thread.ra and thread.sp of a task (what __switch_to will load): for the tracer, /proc
/// and the gdb helpers' self-checks.
pub fn thread_ra_sp(t: &TaskStruct) -> (usize, usize) {
    // SAFETY: two word reads of the task's thread struct; on one CPU nothing writes them
    // concurrently (__switch_to runs only in schedule()).
    unsafe { ((*t.thread.get()).ra, (*t.thread.get()).sp) }
}

/// A copy of a task's saved user registers (Linux: task_pt_regs(), as collect_syscall() and
/// /proc/PID/syscall read them): the running task's through with_current_pt_regs, another
/// task's from the top of its kernel stack.
pub fn task_user_regs(t: &TaskStruct) -> PtRegs {
    if super::with_current_task(|c| core::ptr::eq(c, t)) {
        return with_current_pt_regs(|r| *r);
    }
    // SAFETY: t is not the running task, and on one CPU nothing else runs: its pt_regs, at
    // the top of its own live kernel stack (t holds the stack), are not written until it is
    // switched to again, which cannot happen during this read.  A plain copy of Copy data.
    unsafe { core::ptr::read(t.stack.pt_regs()) }
}
