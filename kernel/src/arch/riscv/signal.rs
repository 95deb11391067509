//! Delivering a signal to a user handler and returning from it: the signal frame, the
//! syscall-restart decisions, and rt_sigreturn.  Linux: arch/riscv/kernel/signal.c.
//!
//! The frame is Linux's struct rt_sigframe, so glibc's handlers and debuggers read it as on
//! Linux: siginfo, then a ucontext whose sigcontext holds the user registers and the
//! D-extension FP state.  The handler returns through the one-page trampoline that stands in
//! for the vDSO's __vdso_rt_sigreturn (fs/exec.rs, vdso_sigreturn).  Which signal to deliver
//! is kernel/signal.rs's get_signal(); the loop that calls in here on the way back to user
//! mode is kernel/entry/common.rs.

use super::ptrace::PtRegs;
use super::traps::EXC_SYSCALL;
use crate::errno::*;
use crate::kernel::signal::*;
use crate::kernel::task::*;
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;

crate::user_pod! {
    /// Linux: struct rt_sigframe — siginfo, then struct ucontext with struct sigcontext
    /// (user_regs_struct + FP state).
    #[repr(align(16))]
    #[derive(Clone, Copy)]
    struct RtSigframe {
        info: UserSigInfo, // 0
        uc_flags: u64,     // 128
        uc_link: u64,      // 136
        ss_sp: u64,        // 144
        ss_flags: u32,     // 152
        _ss_pad: u32,
        ss_size: u64,         // 160
        uc_sigmask: u64,      // 168
        _unused: [u8; 120],   // 176
        _align: u64,          // 296: sigcontext is 16-aligned (at 304 = 128 + 176)
        sc_regs: [u64; 32],   // 304: pc, ra, sp, gp, tp, t0..t6 as user_regs_struct
        sc_fpregs: [u64; 66], // f[32] + fcsr (d-ext), padded to the q-ext union size (528 B)
    }
}
const _: () = assert!(core::mem::offset_of!(RtSigframe, sc_regs) == 128 + 176);

/// Linux: get_sigframe(): below the user's sp, or at the top of the alternate stack for an
/// SA_ONSTACK handler when not on it already (a nested signal on it goes on below the frame
/// before).  A frame that would run off the bottom of the alternate stack gets an address
/// that cannot be written, so the process dies of SIGSEGV as on Linux.
fn get_sigframe(cur: &Task, ka: &SigAction, sp: usize, size: usize) -> usize {
    if on_sig_stack(cur, sp) && !on_sig_stack(cur, sp.wrapping_sub(size)) {
        return usize::MAX;
    }
    let mut sp = sp;
    if ka.flags & SA_ONSTACK != 0 && sas_ss_flags(cur, sp) == 0 {
        let (ss_sp, ss_size, _) = *cur.sigaltstack.lock();
        sp = ss_sp + ss_size;
    }
    sp.wrapping_sub(size) & !15
}

/// Linux: setup_rt_frame(): the frame (siginfo, ucontext with the registers, the mask to
/// restore and the alternate stack as it was), and the handler starts with a0 = sig,
/// a1 = &frame->info, a2 = &frame->uc, ra = the sigreturn trampoline.
fn setup_rt_frame(cur: &Task, sig: i32, info: &SigInfo, ka: &SigAction, regs: &mut PtRegs) -> KResult<()> {
    let size = core::mem::size_of::<RtSigframe>();
    let sp = get_sigframe(cur, ka, regs.sp, size);
    // Linux: __save_altstack(): the alternate stack with its flags as they are.
    let (ss_sp, ss_size, ss_flags) = *cur.sigaltstack.lock();
    let mut frame = RtSigframe {
        info: UserSigInfo::from(info),
        uc_flags: 0,
        uc_link: 0,
        ss_sp: ss_sp as u64,
        ss_flags: ss_flags as u32,
        _ss_pad: 0,
        ss_size: ss_size as u64,
        uc_sigmask: cur.saved_sigmask.lock().take().unwrap_or(cur.blocked.load(Ordering::Relaxed)),
        _unused: [0; 120],
        _align: 0,
        sc_regs: [0; 32],
        sc_fpregs: [0; 66],
    };
    for (i, r) in regs.as_array().iter().enumerate() {
        frame.sc_regs[i] = *r as u64;
    }
    let fp = crate::arch::riscv::process::save_user_fpu(cur);
    frame.sc_fpregs[..32].copy_from_slice(&fp.f);
    frame.sc_fpregs[32] = fp.fcsr as u64;
    UserPtr::<RtSigframe>::new(sp).write(&frame)?;
    regs.epc = ka.handler;
    regs.a0 = sig as usize;
    regs.a1 = sp; // &frame->info
    regs.a2 = sp + core::mem::offset_of!(RtSigframe, uc_flags); // &frame->uc
    regs.sp = sp;
    regs.ra = crate::fs::exec::vdso_sigreturn(cur);
    Ok(())
}

/// Linux: handle_signal(): write the frame for the handler, then signal_setup_done() — and
/// an SS_AUTODISARM alternate stack is given up while the handler runs on it (the frame
/// keeps it for rt_sigreturn).
fn handle_signal(cur: &Task, ksig: &KSignal, regs: &mut PtRegs) {
    // Linux: rseq_signal_deliver(): an interrupted rseq critical section resumes at its abort
    // handler once the handler returns.
    crate::kernel::rseq::rseq_signal_deliver(ksig, regs);
    let failed = setup_rt_frame(cur, ksig.sig, &ksig.info, &ksig.ka, regs).is_err();
    signal_setup_done(failed, cur, ksig);
    let mut ss = cur.sigaltstack.lock();
    if ss.2 & SS_AUTODISARM != 0 {
        *ss = (0, 0, SS_DISABLE);
    }
}

/// Linux: arch_do_signal_or_restart(): get_signal() takes a default action itself, or picks
/// a signal to run a handler for; then a syscall the signal interrupted returns EINTR or
/// is restarted, by the handler's SA_RESTART and the kernel-internal errno it returned,
/// and handle_signal() sets up the handler.  (Linux prepares the restart before
/// get_signal(); when no handler runs, MenuOS restarts after the loop,
/// restart_interrupted_syscall() below.)
pub fn arch_do_signal_or_restart(regs: &mut PtRegs) {
    let Some(ksig) = get_signal() else { return };
    let cur = current();
    // A handler: restart logic for an interrupted syscall first.
    if regs.cause == EXC_SYSCALL {
        let a0 = regs.a0;
        if a0 == ERESTARTSYS.as_ret() {
            if ksig.ka.flags & SA_RESTART != 0 {
                regs.a0 = regs.orig_a0;
                regs.epc -= 4;
            } else {
                regs.a0 = EINTR.as_ret();
            }
        } else if a0 == ERESTARTNOHAND.as_ret() || a0 == ERESTART_RESTARTBLOCK.as_ret() {
            regs.a0 = EINTR.as_ret();
        } else if a0 == ERESTARTNOINTR.as_ret() {
            regs.a0 = regs.orig_a0;
            regs.epc -= 4;
        }
        regs.cause = usize::MAX;
    }
    handle_signal(&cur, &ksig, regs);
}

/// The end of arch_do_signal_or_restart() when no handler ran: a syscall interrupted by a
/// signal that was then ignored, discarded or handled by default (a stop) is restarted — a0
/// gets its first argument back and epc points at the ecall again; one that asked for
/// ERESTART_RESTARTBLOCK continues through restart_syscall(2) (kernel/signal.rs
/// sys_restart_syscall: the rest of a nanosleep, ...).  cause = -1 marks the trap frame as
/// done with, so that nothing restarts it twice.  A mask saved by sigsuspend, ppoll or
/// pselect comes back (Linux: restore_saved_sigmask()): no signal frame will restore it.
pub fn restart_interrupted_syscall(regs: &mut PtRegs) {
    if regs.cause == EXC_SYSCALL {
        let a0 = regs.a0;
        let mut restart = true;
        if a0 == ERESTARTSYS.as_ret() || a0 == ERESTARTNOINTR.as_ret() || a0 == ERESTARTNOHAND.as_ret() {
            regs.a0 = regs.orig_a0;
            regs.epc -= 4;
        } else if a0 == ERESTART_RESTARTBLOCK.as_ret() {
            regs.a0 = regs.orig_a0;
            regs.epc -= 4;
            regs.a7 = linux_raw_sys::general::__NR_restart_syscall as usize;
        } else {
            restart = false;
        }
        regs.cause = usize::MAX;
        // (only an interrupted syscall can have left a mask saved: the others put theirs back)
        if restart {
            with_current(restore_saved_sigmask);
        }
    }
}

/// Linux: SYSCALL_DEFINE0(rt_sigreturn) in arch/riscv/kernel/signal.c.
pub fn sys_rt_sigreturn(regs: &mut PtRegs) -> KResult<usize> {
    let cur = current();
    // Linux: any restart pending is over (do_no_restart_syscall).
    *cur.restart_block.lock() = RestartBlock::None;
    let frame = match UserPtr::<RtSigframe>::new(regs.sp).read() {
        Ok(f) => f,
        Err(_) => {
            force_sig(SIGSEGV);
            return Ok(regs.a0);
        }
    };
    let status = regs.status;
    for (i, r) in regs.as_array_mut().iter_mut().enumerate() {
        *r = frame.sc_regs[i] as usize;
    }
    regs.status = status;
    regs.cause = usize::MAX; // no syscall restart after sigreturn
    let mut fp = crate::arch::riscv::process::FpState { f: [0; 32], fcsr: 0 };
    fp.f.copy_from_slice(&frame.sc_fpregs[..32]);
    fp.fcsr = frame.sc_fpregs[32] as u32;
    crate::arch::riscv::process::restore_user_fpu(&cur, &fp);
    set_current_blocked(&cur, frame.uc_sigmask);
    // Linux: restore_altstack(&frame->uc.uc_stack), against the interrupted context's sp.
    let uss = StackT { ss_sp: frame.ss_sp, ss_flags: frame.ss_flags as i32, _pad: 0, ss_size: frame.ss_size };
    restore_altstack(&uss, regs.sp);
    Ok(regs.a0)
}
