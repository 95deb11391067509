//! Signals: sending (send_signal, force_sig_fault, kill/tkill/tgkill), dequeueing, the
//! decision get_signal() makes for each (ignore, stop, kill, or run a handler), job-control
//! stops, and the sigaction / sigprocmask / sigpending / sigsuspend / sigaltstack syscalls.
//! Linux: kernel/signal.c, include/linux/sched/signal.h (signal_pending).
//!
//! Pending signals are a bitmask per task (standard signals are not queued, as in Linux; RT
//! signals are not queued either yet).  A signal to a process goes to its thread-group
//! leader.  Stop signals stop the whole process until SIGCONT (do_signal_stop), and the
//! parent hears of both through SIGCHLD and wait.
//!
//! The rest of signal handling lives where Linux keeps it: the types and numbers in
//! signal_types.rs, the loop that delivers signals on the way back to user mode in
//! kernel/entry/common.rs, and the user-mode frame, syscall restarts and rt_sigreturn in
//! arch/riscv/signal.rs.

pub use super::signal_types::*;

use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::kernel::task::*;
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;

/// Linux: do_notify_parent_cldstop(): SIGCHLD with CLD_STOPPED / CLD_CONTINUED to the parent
/// (not with SA_NOCLDSTOP), and a wake-up of its wait4.
pub fn do_notify_parent_cldstop(t: &TaskStruct, parent: &Task, why: i32, status: i32) {
    let act = parent.sighand.lock().get(SIGCHLD);
    if act.handler != SIG_IGN && act.flags & SA_NOCLDSTOP == 0 {
        let info = SigInfo { signo: SIGCHLD, code: why, pid: t.tgid(), status, ..Default::default() };
        kill_process(parent, SIGCHLD, info);
    }
    parent.signal.wait_chldexit.wake_up_all();
}

/// Linux: do_signal_stop(): the process stops until SIGCONT (or SIGKILL).
fn do_signal_stop(cur: &Task, sig: i32) {
    {
        let mut st = cur.signal.stop.lock();
        st.stopped = true;
        st.report_stop = sig;
        st.report_cont = false;
    }
    if let Some(p) = cur.parent() {
        do_notify_parent_cldstop(cur, &p, CLD_STOPPED, sig);
    }
    loop {
        cur.set_state(TASK_STOPPED);
        if !cur.signal.stop.lock().stopped || fatal_signal_pending(cur) {
            break;
        }
        crate::kernel::sched::schedule();
    }
    cur.set_state(TASK_RUNNING);
}

/// Linux: signal_pending(): an unblocked signal (or SIGKILL) is pending, so a sleep should end.
pub fn signal_pending(t: &TaskStruct) -> bool {
    let p = t.pending_mask.load(Ordering::Acquire);
    p != 0 && (p & !t.blocked.load(Ordering::Relaxed) != 0 || p & sigmask(SIGKILL) != 0)
}

/// Linux: fatal_signal_pending(): SIGKILL is pending.
pub fn fatal_signal_pending(t: &TaskStruct) -> bool {
    t.pending_mask.load(Ordering::Acquire) & sigmask(SIGKILL) != 0
}

/// Changes `t`'s pending signals under its lock, keeping the lock-free mirror in step.
pub fn with_pending<R>(t: &TaskStruct, f: impl FnOnce(&mut SigPending) -> R) -> R {
    let mut p = t.pending.lock();
    let r = f(&mut p);
    t.pending_mask.store(p.set, Ordering::Release);
    r
}

/// What a signal does with SIG_DFL (Linux: sig_kernel_ignore / sig_kernel_stop /
/// sig_kernel_coredump in include/linux/signal.h; everything else terminates).
enum Default_ {
    Term,
    Core,
    Ignore,
    Stop,
}

fn default_action(sig: i32) -> Default_ {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH | SIGCONT => Default_::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => Default_::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => Default_::Core,
        _ => Default_::Term,
    }
}

/// Linux: valid_signal(): 0 (the null signal) up to _NSIG.
pub fn valid_signal(sig: i32) -> bool {
    (0..=NSIG).contains(&sig)
}

/// Linux: sig_ignored(), with the handler table locked by the caller.
fn sig_ignored(t: &TaskStruct, acts: &[SigAction; NSIG as usize], sig: i32) -> bool {
    if t.blocked.load(Ordering::Relaxed) & sigmask(sig) != 0 {
        return false;
    }
    let a = acts[(sig - 1) as usize];
    a.handler == SIG_IGN || (a.handler == SIG_DFL && matches!(default_action(sig), Default_::Ignore))
}

/// Linux: send_signal_locked() + signal_wake_up(): the decisions (is it ignored? does it
/// resume a stopped process?) and the queueing are one critical section under the target's
/// siglock, so a sigaction() in between cannot make a signal be queued after it was found
/// ignored, or lost after it was found caught.  Wake-ups and the parent's notification follow
/// once the lock is dropped.
pub fn send_signal(t: &Task, sig: i32, info: SigInfo) {
    if sig <= 0 || !valid_signal(sig) {
        return;
    }
    if t.exit_state() != 0 {
        return;
    }
    // Linux: kernel threads ignore signals unless they allow them (allow_signal()).
    if t.is_kthread() {
        return;
    }
    // Linux: the sender's pid as the receiver's pid namespace numbers it.
    let info = if t.ns_pids.get().is_some() { SigInfo { pid: sender_pid_in(t, info.pid), ..info } } else { info };
    let sighand = t.sighand.lock().clone();
    let mut resumed = false;
    {
        let acts = sighand.action.lock();
        // Linux: init (pid 1) gets only the signals it has a handler for (SIGNAL_UNKILLABLE);
        // so does the init of a pid namespace, but for SIGKILL and SIGSTOP from outside it.
        if info.code != SI_KERNEL && acts[(sig - 1) as usize].handler == SIG_DFL {
            if t.tgid() == 1 {
                return;
            }
            if crate::kernel::pid_namespace::is_container_init(t)
                && !crate::kernel::pid_namespace::init_signal_forced(t, sig)
            {
                return;
            }
        }
        // Linux: prepare_signal(): SIGCONT (and SIGKILL) resumes a stopped process and flushes
        // pending stop signals; a stop signal flushes a pending SIGCONT.
        if sig == SIGCONT || sig == SIGKILL {
            with_pending(t, |p| p.discard(sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU)));
            let mut st = t.signal.stop.lock();
            if st.stopped {
                st.stopped = false;
                st.report_stop = 0;
                st.report_cont = sig == SIGCONT;
                resumed = true;
            }
        } else if matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU) {
            with_pending(t, |p| p.discard(sigmask(SIGCONT)));
        }
        if sig == SIGKILL || !sig_ignored(t, &acts, sig) {
            with_pending(t, |p| {
                if p.set & sigmask(sig) == 0 {
                    p.info.insert(sig, SigInfo { signo: sig, ..info });
                }
                p.set |= sigmask(sig);
            });
        } else if !resumed {
            return;
        }
    }
    if resumed {
        crate::kernel::sched::core::wake_up_state(t, TASK_STOPPED);
        if sig == SIGCONT {
            if let Some(p) = t.parent() {
                do_notify_parent_cldstop(t, &p, CLD_CONTINUED, SIGCONT);
            }
        }
    }
    if t.pending_mask.load(Ordering::Acquire) & sigmask(sig) == 0 {
        return;
    }
    if sig == SIGKILL {
        crate::kernel::sched::core::wake_up_state(t, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE | TASK_STOPPED);
    } else if t.blocked.load(Ordering::Relaxed) & sigmask(sig) == 0 {
        crate::kernel::sched::core::wake_up_state(t, TASK_INTERRUPTIBLE);
    }
}

/// A sender's pid (a number of the initial namespace) as `t`'s pid namespace numbers it: 0
/// from outside that namespace (Linux: task_tgid_nr_ns(current, task_active_pid_ns(t))).
fn sender_pid_in(t: &TaskStruct, pid: i32) -> i32 {
    if pid <= 0 {
        return pid;
    }
    let ns = crate::kernel::pid::task_active_pid_ns(t);
    crate::kernel::pid::find_task_by_pid(pid).map_or(0, |s| crate::kernel::pid::task_tgid_nr_ns(&s, &ns))
}

/// Linux: force_sig(): from the kernel, cannot be ignored or blocked.
pub fn force_sig(sig: i32) {
    force_sig_fault(sig, SI_KERNEL, 0);
}

/// Linux: force_sig_fault(): a synchronous fault signal for current.  A blocked or ignored
/// fault signal is reset to SIG_DFL and unblocked, so it kills (Linux: force_sig_info_to_task).
pub fn force_sig_fault(sig: i32, code: i32, addr: usize) {
    let cur = current();
    {
        let sh = cur.sighand.lock();
        let mut acts = sh.action.lock();
        let a = &mut acts[(sig - 1) as usize];
        let blocked = cur.blocked.load(Ordering::Relaxed) & sigmask(sig) != 0;
        if a.handler == SIG_IGN || blocked {
            a.handler = SIG_DFL;
        }
        if blocked {
            cur.blocked.fetch_and(!sigmask(sig), Ordering::Relaxed);
        }
    }
    with_pending(&cur, |p| {
        p.info.insert(sig, SigInfo { signo: sig, code, addr, ..Default::default() });
        p.set |= sigmask(sig);
    });
}

/// Sends `sig` to the process `tgid` (Linux: kill_pid_info -> group_send_sig_info).
pub fn kill_process(target: &Task, sig: i32, info: SigInfo) {
    let leader = target.rel.lock().group_leader.as_ref().and_then(|w| w.upgrade()).unwrap_or_else(|| target.clone());
    send_signal(&leader, sig, info);
}

fn dequeue_signal(t: &TaskStruct) -> Option<SigInfo> {
    let blocked = t.blocked.load(Ordering::Relaxed);
    with_pending(t, |p| dequeue_locked(p, blocked))
}

fn dequeue_locked(p: &mut SigPending, blocked: u64) -> Option<SigInfo> {
    let avail = p.set & (!blocked | sigmask(SIGKILL));
    if avail == 0 {
        return None;
    }
    // Synchronous faults first (Linux: SYNCHRONOUS_MASK), then the lowest number.
    let sync = avail
        & (sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | sigmask(SIGFPE) | sigmask(SIGSYS));
    let pick = if sync != 0 { sync } else { avail };
    let sig = pick.trailing_zeros() as i32 + 1;
    p.set &= !sigmask(sig);
    Some(p.info.remove(&sig).unwrap_or(SigInfo { signo: sig, ..Default::default() }))
}

/// Linux: get_signal(): takes the next pending signal and acts on it.  A default action is
/// taken here (ignore, stop the process, or kill it); a signal with a handler is returned, for
/// the arch code to deliver (arch_do_signal_or_restart in arch/riscv/signal.rs).  One signal
/// per call: the caller (exit_to_user_mode_loop) calls again while signals are pending.
pub fn get_signal(cur: &Task) -> Option<KSignal> {
    let info = dequeue_signal(cur)?;
    let sig = info.signo;
    let ka = cur.sighand.lock().get(sig);
    if ka.handler == SIG_IGN && sig != SIGKILL {
        return None;
    }
    if ka.handler == SIG_DFL || sig == SIGKILL {
        match default_action(sig) {
            Default_::Ignore => return None,
            Default_::Stop => {
                do_signal_stop(cur, sig);
                return None;
            }
            Default_::Term | Default_::Core => {
                // Linux: do_group_exit(sig): a core dump would set 0x80, but RLIMIT_CORE is 0.
                crate::kernel::exit::do_group_exit(sig);
            }
        }
    }
    Some(KSignal { ka, info, sig })
}

/// Linux: signal_setup_done(): the end of delivering a signal to a handler.  A frame that
/// could not be written kills the process (Linux: force_sigsegv()); otherwise
/// signal_delivered() blocks sa_mask (and the signal itself unless SA_NODEFER) and makes an
/// SA_RESETHAND handler one-shot.
pub fn signal_setup_done(failed: bool, cur: &Task, ksig: &KSignal) {
    if failed {
        crate::kernel::exit::do_group_exit(SIGSEGV);
    }
    let (sig, ka) = (ksig.sig, &ksig.ka);
    let mut add = ka.mask;
    if ka.flags & SA_NODEFER == 0 {
        add |= sigmask(sig);
    }
    cur.blocked.fetch_or(add & !UNBLOCKABLE, Ordering::Relaxed);
    if ka.flags & SA_RESETHAND != 0 {
        cur.sighand.lock().action.lock()[(sig - 1) as usize].handler = SIG_DFL;
    }
}

pub fn sys_rt_sigaction(
    sig: i32,
    act: Option<UserPtr<SigAction>>,
    oact: Option<UserPtr<SigAction>>,
    sigsetsize: usize,
) -> KResult<usize> {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    if !(1..=NSIG).contains(&sig) {
        return Err(EINVAL);
    }
    let new = act.map(|a| a.read()).transpose()?;
    if new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(EINVAL);
    }
    let cur = current();
    let old = {
        let sh = cur.sighand.lock();
        let mut acts = sh.action.lock();
        let old = acts[(sig - 1) as usize];
        if let Some(mut n) = new {
            n.mask &= !UNBLOCKABLE;
            acts[(sig - 1) as usize] = n;
        }
        old
    };
    // Linux: setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards pending ones.
    if let Some(n) = new {
        if n.handler == SIG_IGN || (n.handler == SIG_DFL && matches!(default_action(sig), Default_::Ignore)) {
            with_pending(&cur, |p| p.discard(sigmask(sig)));
        }
    }
    if let Some(oact) = oact {
        oact.write(&old)?;
    }
    Ok(0)
}

pub fn sys_rt_sigprocmask(
    how: i32,
    nset: Option<UserPtr<u64>>,
    oset: Option<UserPtr<u64>>,
    sigsetsize: usize,
) -> KResult<usize> {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let cur = current();
    let old = cur.blocked.load(Ordering::Relaxed);
    if let Some(nset) = nset {
        let s = nset.read()?;
        let new = match how {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(EINVAL),
        };
        cur.blocked.store(new & !UNBLOCKABLE, Ordering::Relaxed);
    }
    if let Some(oset) = oset {
        oset.write(&old)?;
    }
    Ok(0)
}

pub fn sys_rt_sigpending(uset: UserPtr<u64>, sigsetsize: usize) -> KResult<usize> {
    if sigsetsize > SIGSET_SIZE {
        return Err(EINVAL);
    }
    let cur = current();
    let p = cur.pending.lock().set & cur.blocked.load(Ordering::Relaxed);
    uset.write(&p)?;
    Ok(0)
}

/// Linux: sys_rt_sigsuspend(): wait for a signal with a temporary mask.
pub fn sys_rt_sigsuspend(unewset: UserPtr<u64>, sigsetsize: usize) -> KResult<usize> {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let m = unewset.read()?;
    let cur = current();
    let old = cur.blocked.swap(m & !UNBLOCKABLE, Ordering::Relaxed);
    *cur.saved_sigmask.lock() = Some(old);
    loop {
        if signal_pending(&cur) {
            break;
        }
        cur.set_state(TASK_INTERRUPTIBLE);
        crate::kernel::sched::schedule();
    }
    // The old mask comes back through the signal frame (saved_sigmask) once delivered.
    Err(ERESTARTNOHAND) // becomes EINTR after the handler
}

pub fn sys_sigaltstack(
    regs: &mut PtRegs,
    uss: Option<UserPtr<StackT>>,
    uoss: Option<UserPtr<StackT>>,
) -> KResult<usize> {
    let cur = current();
    let (sp, size, flags) = *cur.sigaltstack.lock();
    let on = size != 0 && regs.sp > sp && regs.sp <= sp + size;
    if let Some(uoss) = uoss {
        let o = StackT {
            ss_sp: sp as u64,
            ss_flags: if on {
                SS_ONSTACK
            } else if size == 0 {
                SS_DISABLE
            } else {
                flags
            },
            _pad: 0,
            ss_size: size as u64,
        };
        uoss.write(&o)?;
    }
    if let Some(uss) = uss {
        let n = uss.read()?;
        if on {
            return Err(EPERM);
        }
        let mode = n.ss_flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE {
            return Err(EINVAL);
        }
        if mode == SS_DISABLE {
            *cur.sigaltstack.lock() = (0, 0, SS_DISABLE);
        } else {
            // Linux: MINSIGSTKSZ (2048) — ENOMEM below it.
            if (n.ss_size as usize) < MINSIGSTKSZ {
                return Err(ENOMEM);
            }
            *cur.sigaltstack.lock() = (n.ss_sp as usize, n.ss_size as usize, n.ss_flags);
        }
    }
    Ok(0)
}

/// Linux: sys_kill()
pub fn sys_kill(pid: i32, sig: i32) -> KResult<usize> {
    if !(0..=NSIG).contains(&sig) {
        return Err(EINVAL);
    }
    // Linux: kill_something_info(): -INT_MIN is undefined.
    if pid == i32::MIN {
        return Err(ESRCH);
    }
    let cur = current();
    let info = SigInfo { signo: sig, code: SI_USER, pid: cur.tgid(), ..Default::default() };
    if pid > 0 {
        let t = crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)?;
        kill_process(&t, sig, info);
        return Ok(0);
    }
    // Process groups: 0 = ours, -1 = everyone but init and us, < -1 = group -pid (the
    // caller's numbers: only processes of its pid namespace are seen).
    let pgrp = match pid {
        0 => cur.signal.pgrp.load(Ordering::Relaxed),
        -1 => -1,
        p => crate::kernel::pid::vnr_to_global(-p).unwrap_or(i32::MIN),
    };
    let ns = crate::kernel::pid::task_active_pid_ns(&cur);
    let mut found = false;
    for t in crate::kernel::pid::all_processes() {
        let vnr = crate::kernel::pid::task_tgid_nr_ns(&t, &ns);
        let hit = if pgrp == -1 {
            vnr > 1 && t.tgid() != cur.tgid()
        } else {
            vnr > 0 && t.signal.pgrp.load(Ordering::Relaxed) == pgrp
        };
        if hit {
            found = true;
            kill_process(&t, sig, info);
        }
    }
    if found {
        Ok(0)
    } else {
        Err(ESRCH)
    }
}

pub fn sys_tkill(tid: i32, sig: i32) -> KResult<usize> {
    if tid <= 0 || !(0..=NSIG).contains(&sig) {
        return Err(EINVAL);
    }
    let t = crate::kernel::pid::find_task_by_vpid(tid).ok_or(ESRCH)?;
    let cur = current();
    send_signal(&t, sig, SigInfo { signo: sig, code: SI_TKILL, pid: cur.tgid(), ..Default::default() });
    Ok(0)
}

pub fn sys_tgkill(tgid: i32, pid: i32, sig: i32) -> KResult<usize> {
    if tgid <= 0 {
        return Err(EINVAL);
    }
    let tid = pid;
    let t = crate::kernel::pid::find_task_by_vpid(tid).ok_or(ESRCH)?;
    if crate::kernel::pid::task_tgid_vnr(&t) != tgid {
        return Err(ESRCH);
    }
    sys_tkill(tid, sig)
}

/// Copies a siginfo to user space (waitid, pidfd).
pub fn copy_siginfo_to_user(to: UserPtr<UserSigInfo>, info: &SigInfo) -> KResult<()> {
    to.write(&UserSigInfo::from(info))
}
