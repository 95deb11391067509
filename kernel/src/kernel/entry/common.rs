//! Back to user mode: before a trap returns to user space, reschedule if the tick asked for it
//! and deliver pending signals.  Linux: kernel/entry/common.c (exit_to_user_mode,
//! exit_to_user_mode_loop).
//!
//! Called at the end of do_trap (arch/riscv/traps.rs) and by a new task in ret_from_fork_user
//! (kernel/fork.rs).  The signal work itself is arch_do_signal_or_restart
//! (arch/riscv/signal.rs) over get_signal (kernel/signal.rs).

use crate::arch::riscv::ptrace::PtRegs;
use crate::arch::riscv::signal::{arch_do_signal_or_restart, restart_interrupted_syscall};
use crate::arch::riscv::traps::EXC_SYSCALL;
use crate::errno::{ENOPARAM, ERESTARTSYS};
use crate::kernel::signal::signal_pending;
use crate::kernel::task::with_current;
use core::sync::atomic::Ordering;

/// Linux: exit_to_user_mode(): the common case (nothing to do) inline and cheap; the loop
/// that reschedules and delivers signals out of line.  A syscall that returned one of the
/// kernel-internal errnos (ERESTARTSYS..=ENOPARAM) takes the loop too, to be restarted or
/// turned into EINTR.
#[inline(always)]
pub fn exit_to_user_mode(regs: &mut PtRegs) {
    let work = with_current(|c| {
        c.need_resched.load(Ordering::Relaxed)
            || (c.pending_mask.load(Ordering::Acquire) | c.signal.shared_mask.load(Ordering::Acquire)) != 0
            || c.rseq.needs_resume()
            || c.ptrace.trap_pending()
    });
    let internal_errno = -(ENOPARAM.0 as isize)..=-(ERESTARTSYS.0 as isize);
    if work || regs.cause == EXC_SYSCALL && internal_errno.contains(&(regs.a0 as isize)) {
        exit_to_user_mode_loop(regs);
    } else {
        regs.cause = usize::MAX;
    }
}

/// Linux: exit_to_user_mode_loop(): reschedule and deliver signals before returning to user.
#[inline(never)]
fn exit_to_user_mode_loop(regs: &mut PtRegs) {
    loop {
        if crate::kernel::sched::core::need_resched() {
            crate::kernel::sched::yield_now();
            continue;
        }
        // Linux: get_signal()'s do_jobctl_trap(): PTRACE_INTERRUPT's stop, before signals.
        if with_current(|c| c.ptrace.trap_pending()) {
            crate::kernel::ptrace::do_jobctl_trap(regs);
            continue;
        }
        let has = with_current(signal_pending);
        if has {
            arch_do_signal_or_restart(regs);
            continue;
        }
        // Linux: resume_user_mode_work() for TIF_NOTIFY_RESUME: rseq's fix-up.
        if with_current(|c| c.rseq.needs_resume()) {
            crate::kernel::rseq::rseq_handle_notify_resume(regs);
            continue;
        }
        break;
    }
    // A syscall interrupted by a signal that was then ignored or discarded is restarted.
    restart_interrupted_syscall(regs);
}
