//! Restartable sequences: rseq(2) registration, the cpu_id fields the kernel keeps up to date
//! in the registered struct rseq, and the abort of a critical section that was preempted or
//! interrupted by a signal.  Linux: kernel/rseq.c, include/linux/sched.h (rseq_preempt,
//! rseq_signal_deliver, rseq_fork, rseq_execve), include/uapi/linux/rseq.h (the ABI).
//!
//! A thread registers a struct rseq (32 bytes, 32-aligned: Linux 6.1's size) and a signature.
//! When it is switched away from (rseq_preempt) or gets a signal (rseq_signal_deliver), an
//! event is recorded; on its way back to user mode (exit_to_user_mode_loop's notify-resume
//! step, only when an event is pending, so the return path of a task without rseq work costs
//! one load) the kernel:
//!   - looks at rseq->rseq_cs: if the interrupted pc lies in [start_ip, start_ip +
//!     post_commit_offset) and an event happened, the sequence is aborted: pc = abort_ip, whose
//!     preceding 4 bytes must be the registered signature (SIGSEGV otherwise, and for a
//!     malformed descriptor);
//!   - clears rseq->rseq_cs and writes cpu_id_start, cpu_id (0: one CPU), node_id (0) and
//!     mm_cid (0: one CPU gives one concurrency id).

use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::kernel::signal::{force_sig, KSignal, SIGSEGV};
use crate::kernel::task::{current, TaskStruct, PF_EXITING};
use crate::mm::uaccess::{access_ok, UserPtr};
use crate::mm::TASK_SIZE;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

// Linux: include/uapi/linux/rseq.h (not in linux-raw-sys).
/// enum rseq_flags: RSEQ_FLAG_UNREGISTER.
const RSEQ_FLAG_UNREGISTER: i32 = 1;
/// enum rseq_cpu_id_state: RSEQ_CPU_ID_UNINITIALIZED.
const RSEQ_CPU_ID_UNINITIALIZED: i32 = -1;
/// sizeof(struct rseq) and its alignment in Linux 6.1 (ORIG_RSEQ_SIZE).
const RSEQ_SIZE: u32 = 32;
/// The deprecated RSEQ_CS_FLAG_NO_RESTART_ON_{PREEMPT,SIGNAL,MIGRATE}.
const RSEQ_CS_NO_RESTART_FLAGS: u32 = 0x7;
// struct rseq's fields.
const OFF_CPU_ID_START: usize = 0;
const OFF_CPU_ID: usize = 4;
const OFF_RSEQ_CS: usize = 8;
const OFF_FLAGS: usize = 16;
const OFF_NODE_ID: usize = 20;
const OFF_MM_CID: usize = 24;

// Linux: enum rseq_event_mask_bits, and the notify-resume request (TIF_NOTIFY_RESUME).
const RSEQ_EVENT_PREEMPT: u32 = 1 << 0;
const RSEQ_EVENT_SIGNAL: u32 = 1 << 1;
const RSEQ_EVENT_MASK: u32 = 0x7;
const NOTIFY_RESUME: u32 = 1 << 31;

crate::user_pod! {
    /// Linux: struct rseq_cs.
    #[derive(Clone, Copy, Default)]
    pub struct RseqCs {
        pub version: u32,
        pub flags: u32,
        pub start_ip: u64,
        pub post_commit_offset: u64,
        pub abort_ip: u64,
    }
}

/// A task's registration (Linux: task_struct's rseq, rseq_len, rseq_sig, rseq_event_mask).
pub struct RseqState {
    /// The registered struct rseq, 0: none.
    area: AtomicUsize,
    len: AtomicU32,
    sig: AtomicU32,
    /// RSEQ_EVENT_* bits, and NOTIFY_RESUME: work for the way back to user mode.
    event_mask: AtomicU32,
}

impl Default for RseqState {
    fn default() -> Self {
        Self::new()
    }
}

impl RseqState {
    pub const fn new() -> Self {
        RseqState {
            area: AtomicUsize::new(0),
            len: AtomicU32::new(0),
            sig: AtomicU32::new(0),
            event_mask: AtomicU32::new(0),
        }
    }
    fn area(&self) -> usize {
        self.area.load(Ordering::Relaxed)
    }
    /// Whether the way back to user mode has rseq work (Linux: TIF_NOTIFY_RESUME).
    #[inline(always)]
    pub fn needs_resume(&self) -> bool {
        self.event_mask.load(Ordering::Relaxed) & NOTIFY_RESUME != 0
    }
}

/// Linux: rseq_preempt(): `t` is being switched away from.
#[inline(always)]
pub fn rseq_preempt(t: &TaskStruct) {
    if t.rseq.area() != 0 {
        t.rseq.event_mask.fetch_or(RSEQ_EVENT_PREEMPT | NOTIFY_RESUME, Ordering::Relaxed);
    }
}

/// Linux: rseq_fork(): a thread (CLONE_VM) starts unregistered; a forked process keeps the
/// registration (its memory is a copy of the parent's).
pub fn rseq_fork(p: &TaskStruct, parent: &TaskStruct, clone_vm: bool) {
    if clone_vm || parent.rseq.area() == 0 {
        return;
    }
    let r = &parent.rseq;
    p.rseq.area.store(r.area(), Ordering::Relaxed);
    p.rseq.len.store(r.len.load(Ordering::Relaxed), Ordering::Relaxed);
    p.rseq.sig.store(r.sig.load(Ordering::Relaxed), Ordering::Relaxed);
    p.rseq.event_mask.store(r.event_mask.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Linux: rseq_execve(): the new image starts unregistered.
pub fn rseq_execve(t: &TaskStruct) {
    t.rseq.area.store(0, Ordering::Relaxed);
    t.rseq.len.store(0, Ordering::Relaxed);
    t.rseq.sig.store(0, Ordering::Relaxed);
    t.rseq.event_mask.store(0, Ordering::Relaxed);
}

fn put_u32(area: usize, off: usize, v: u32) -> KResult<()> {
    UserPtr::<u32>::new(area + off).write(&v)
}

/// Linux: rseq_update_cpu_node_id(): this is CPU 0, node 0, concurrency id 0.
fn rseq_update_cpu_id(area: usize) -> KResult<()> {
    put_u32(area, OFF_CPU_ID_START, 0)?;
    put_u32(area, OFF_CPU_ID, 0)?;
    put_u32(area, OFF_NODE_ID, 0)?;
    put_u32(area, OFF_MM_CID, 0)
}

/// Linux: rseq_reset_rseq_cpu_id(): what an unregistered area reads.
fn rseq_reset_rseq_cpu_id(area: usize) -> KResult<()> {
    put_u32(area, OFF_CPU_ID_START, 0)?;
    put_u32(area, OFF_CPU_ID, RSEQ_CPU_ID_UNINITIALIZED as u32)?;
    put_u32(area, OFF_NODE_ID, 0)?;
    put_u32(area, OFF_MM_CID, 0)
}

/// Linux: rseq_get_rseq_cs(): the descriptor rseq->rseq_cs points to (None: no critical
/// section), checked: EINVAL for addresses outside user space, a version other than 0, an
/// abort_ip inside the section, or a signature before abort_ip other than the registered one.
fn rseq_get_rseq_cs(t: &TaskStruct, area: usize) -> KResult<Option<RseqCs>> {
    let ptr: u64 = UserPtr::<u64>::new(area + OFF_RSEQ_CS).read()?;
    if ptr == 0 {
        return Ok(None);
    }
    if ptr >= TASK_SIZE as u64 {
        return Err(EINVAL);
    }
    let cs = UserPtr::<RseqCs>::new(ptr as usize).read()?;
    let task_size = TASK_SIZE as u64;
    if cs.start_ip >= task_size
        || cs.start_ip.wrapping_add(cs.post_commit_offset) >= task_size
        || cs.abort_ip >= task_size
        || cs.version > 0
    {
        return Err(EINVAL);
    }
    // Check for overflow.
    if cs.start_ip.wrapping_add(cs.post_commit_offset) < cs.start_ip {
        return Err(EINVAL);
    }
    // Ensure that abort_ip is not in the critical section.
    if cs.abort_ip.wrapping_sub(cs.start_ip) < cs.post_commit_offset {
        return Err(EINVAL);
    }
    let sig: u32 = UserPtr::<u32>::new((cs.abort_ip as usize).wrapping_sub(4)).read()?;
    if sig != t.rseq.sig.load(Ordering::Relaxed) {
        crate::pr_warn!(
            "Possible attack attempt. Unexpected rseq signature 0x{:x}, expecting 0x{:x} (pid={}, addr={:#x}).",
            sig,
            t.rseq.sig.load(Ordering::Relaxed),
            t.pid(),
            cs.abort_ip - 4
        );
        return Err(EINVAL);
    }
    Ok(Some(cs))
}

/// Linux: rseq_need_restart(): any flags (deprecated or unknown) are EINVAL; otherwise whether
/// an event happened since the last check, which consumes it.
fn rseq_need_restart(t: &TaskStruct, area: usize, cs_flags: u32) -> KResult<bool> {
    if cs_flags != 0 {
        if cs_flags & RSEQ_CS_NO_RESTART_FLAGS != 0 {
            crate::pr_warn!("Deprecated flags ({}) in rseq_cs ABI structure", cs_flags & RSEQ_CS_NO_RESTART_FLAGS);
        }
        return Err(EINVAL);
    }
    let flags: u32 = UserPtr::<u32>::new(area + OFF_FLAGS).read()?;
    if flags != 0 {
        return Err(EINVAL);
    }
    let ev = t.rseq.event_mask.fetch_and(!RSEQ_EVENT_MASK, Ordering::Relaxed) & RSEQ_EVENT_MASK;
    Ok(ev != 0)
}

/// Linux: clear_rseq_cs().
fn clear_rseq_cs(area: usize) -> KResult<()> {
    UserPtr::<u64>::new(area + OFF_RSEQ_CS).write(&0)
}

/// Linux: rseq_ip_fixup(): abort the critical section the user pc is in, if an event
/// happened: pc = abort_ip.
fn rseq_ip_fixup(t: &TaskStruct, area: usize, regs: &mut PtRegs) -> KResult<()> {
    let ip = regs.epc as u64;
    let cs = rseq_get_rseq_cs(t, area)?.unwrap_or_default();
    // Handle potentially not being within a critical section.
    if ip.wrapping_sub(cs.start_ip) >= cs.post_commit_offset {
        return clear_rseq_cs(area);
    }
    if !rseq_need_restart(t, area, cs.flags)? {
        return Ok(());
    }
    clear_rseq_cs(area)?;
    regs.epc = cs.abort_ip as usize;
    Ok(())
}

/// Linux: __rseq_handle_notify_resume(): the fix-up and the cpu_id update; a fault or a
/// malformed descriptor is SIGSEGV.
fn rseq_handle(ksig: Option<&KSignal>, regs: &mut PtRegs) {
    let t = current();
    let area = t.rseq.area();
    if area == 0 || t.has_flag(PF_EXITING) {
        return;
    }
    let r = rseq_ip_fixup(&t, area, regs).and_then(|()| rseq_update_cpu_id(area));
    if r.is_err() {
        // Linux: force_sigsegv(ksig ? ksig->sig : 0).
        let _ = ksig;
        force_sig(SIGSEGV);
    }
}

/// Linux: rseq_handle_notify_resume(NULL, regs), from exit_to_user_mode_loop.
pub fn rseq_handle_notify_resume(regs: &mut PtRegs) {
    let pending = crate::kernel::task::with_current(|c| {
        c.rseq.event_mask.fetch_and(!NOTIFY_RESUME, Ordering::Relaxed) & NOTIFY_RESUME != 0
    });
    if pending {
        rseq_handle(None, regs);
    }
}

/// Linux: rseq_signal_deliver(): before a handler's frame is written, the interrupted
/// critical section is aborted, so the frame resumes at abort_ip.
pub fn rseq_signal_deliver(ksig: &KSignal, regs: &mut PtRegs) {
    let registered = crate::kernel::task::with_current(|c| {
        let r = c.rseq.area() != 0;
        if r {
            c.rseq.event_mask.fetch_or(RSEQ_EVENT_SIGNAL, Ordering::Relaxed);
        }
        r
    });
    if registered {
        rseq_handle(Some(ksig), regs);
    }
}

/// Linux: SYSCALL_DEFINE4(rseq, struct rseq __user *, rseq, u32, rseq_len, int, flags, u32, sig)
pub fn sys_rseq(rseq: UserPtr<u8>, rseq_len: u32, flags: i32, sig: u32) -> KResult<usize> {
    let t = current();
    let r = &t.rseq;
    if flags & RSEQ_FLAG_UNREGISTER != 0 {
        if flags & !RSEQ_FLAG_UNREGISTER != 0 {
            return Err(EINVAL);
        }
        // Unregister rseq for current thread.
        if r.area() == 0 || r.area() != rseq.addr() {
            return Err(EINVAL);
        }
        if rseq_len != r.len.load(Ordering::Relaxed) {
            return Err(EINVAL);
        }
        if r.sig.load(Ordering::Relaxed) != sig {
            return Err(EPERM);
        }
        rseq_reset_rseq_cpu_id(r.area())?;
        r.area.store(0, Ordering::Relaxed);
        r.sig.store(0, Ordering::Relaxed);
        r.len.store(0, Ordering::Relaxed);
        r.event_mask.store(0, Ordering::Relaxed);
        return Ok(0);
    }
    if flags != 0 {
        return Err(EINVAL);
    }
    if r.area() != 0 {
        // If rseq is already registered, check whether the provided address differs from the
        // prior one.
        if r.area() != rseq.addr() || rseq_len != r.len.load(Ordering::Relaxed) {
            return Err(EINVAL);
        }
        if r.sig.load(Ordering::Relaxed) != sig {
            return Err(EPERM);
        }
        // Already registered.
        return Err(EBUSY);
    }
    // If there was no rseq previously registered, ensure the provided rseq is properly
    // aligned and valid.
    if !rseq.addr().is_multiple_of(RSEQ_SIZE as usize) || rseq_len != RSEQ_SIZE {
        return Err(EINVAL);
    }
    if !access_ok(rseq.addr(), rseq_len as usize) {
        return Err(EFAULT);
    }
    r.area.store(rseq.addr(), Ordering::Relaxed);
    r.len.store(rseq_len, Ordering::Relaxed);
    r.sig.store(sig, Ordering::Relaxed);
    // If rseq was previously inactive, and has just been registered, ensure the cpu_id_start
    // and cpu_id fields are updated before returning to user-space.
    r.event_mask.fetch_or(NOTIFY_RESUME, Ordering::Relaxed);
    Ok(0)
}
