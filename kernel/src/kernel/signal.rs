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
use crate::kernel::capability::CAP_KILL;
use crate::kernel::cred::{current_cred, task_cred};
use crate::kernel::task::*;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Linux: do_notify_parent_cldstop(): SIGCHLD with CLD_STOPPED / CLD_CONTINUED to the parent
/// (not with SA_NOCLDSTOP), and a wake-up of its wait4.
pub fn do_notify_parent_cldstop(t: &TaskStruct, parent: &Task, why: i32, status: i32) {
    let act = parent.sighand.lock().get(SIGCHLD);
    if act.handler != SIG_IGN && act.flags & SA_NOCLDSTOP == 0 {
        let info = SigInfo {
            signo: SIGCHLD,
            code: why,
            pid: t.tgid(),
            uid: task_uid(t, parent),
            status,
            ..Default::default()
        };
        kill_process(parent, SIGCHLD, info);
    }
    parent.signal.wait_chldexit.wake_up_all();
}

/// Linux: from_kuid_munged(task_cred_xxx(viewer, user_ns), task_uid(t)): a task's real uid
/// as `viewer`'s user namespace names it, for si_uid in the SIGCHLD (the parent's view) and
/// wait (the waiter's) reports about it.
pub fn task_uid(t: &TaskStruct, viewer: &TaskStruct) -> u32 {
    let uid = task_cred(t).uid;
    task_cred(viewer).user_ns.from_kuid_munged(uid)
}

/// Linux: do_signal_stop(): the process stops until SIGCONT (or SIGKILL).
fn do_signal_stop(cur: &Task, sig: i32) {
    {
        let mut st = cur.signal.stop.lock();
        st.stopped = true;
        st.report_stop = sig;
        st.report_cont = false;
    }
    if crate::kernel::ptrace::ptrace_group_stop(cur, sig) {
        return;
    }
    if let Some(p) = cur.parent() {
        do_notify_parent_cldstop(cur, &p, CLD_STOPPED, sig);
    }
    loop {
        cur.set_state(TASK_STOPPED);
        if !cur.signal.stop.lock().stopped || fatal_signal_pending(cur) || cur.ptrace.trap_pending() {
            break;
        }
        crate::kernel::sched::schedule();
    }
    cur.set_state(TASK_RUNNING);
}

/// Linux: signal_pending(): an unblocked signal (or SIGKILL) is pending for the thread or its
/// process, so a sleep should end.
pub fn signal_pending(t: &TaskStruct) -> bool {
    let own = t.pending_mask.load(Ordering::Acquire);
    let p = own | t.signal.shared_mask.load(Ordering::Acquire);
    // (Linux: recalc_sigpending_tsk() counts a pending ptrace trap: PTRACE_INTERRUPT ends sleeps)
    p != 0 && (p & !t.blocked.load(Ordering::Relaxed) != 0 || own & sigmask(SIGKILL) != 0) || t.ptrace.trap_pending()
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

/// The same for the process's shared pending signals.
pub fn with_shared_pending<R>(sig: &SignalStruct, f: impl FnOnce(&mut SigPending) -> R) -> R {
    let mut p = sig.shared_pending.lock();
    let r = f(&mut p);
    sig.shared_mask.store(p.set, Ordering::Release);
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

/// Linux: sig_ignored() and sig_task_ignored(), with the handler table locked by the caller:
/// a blocked signal (or one rt_sigtimedwait waits for: real_blocked) is never ignored, it may
/// be waited for; init (pid 1) ignores the signals it has no handler for (SIGNAL_UNKILLABLE),
/// unless the kernel sends them.
fn sig_ignored(t: &TaskStruct, acts: &[SigAction; NSIG as usize], sig: i32, info: &SigInfo) -> bool {
    if (t.blocked.load(Ordering::Relaxed) | t.real_blocked.load(Ordering::Relaxed)) & sigmask(sig) != 0 {
        return false;
    }
    // Linux: a tracer may want to know about an ignored signal too (it stops the tracee in
    // get_signal's ptrace_signal, where strace prints `--- SIGCHLD ... ---`), but for SIGKILL.
    if sig != SIGKILL && t.ptrace.is_traced() {
        return false;
    }
    let a = acts[(sig - 1) as usize];
    if t.tgid() == 1 && a.handler == SIG_DFL && info.code != SI_KERNEL {
        return true;
    }
    // Linux: SIGNAL_UNKILLABLE: the init of a pid namespace takes only the signals it has a
    // handler for, but for SIGKILL and SIGSTOP from an ancestor namespace (`force`).
    if a.handler == SIG_DFL
        && info.code != SI_KERNEL
        && crate::kernel::pid_namespace::is_container_init(t)
        && !crate::kernel::pid_namespace::init_signal_forced(t, sig)
    {
        return true;
    }
    a.handler == SIG_IGN || (a.handler == SIG_DFL && matches!(default_action(sig), Default_::Ignore))
}

/// Linux: enum pid_type, as far as signals go: to one thread (tkill, faults) or to the
/// process (kill, SIGCHLD, its timers): the shared pending set, for any thread to take.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PidType {
    Pid,
    Tgid,
}

/// The other live threads of `t`'s process (none, without a look at the pid table, while it
/// is alone).
fn other_threads(t: &Task) -> alloc::vec::Vec<Task> {
    if t.signal.live.load(Ordering::Relaxed) <= 1 {
        return alloc::vec::Vec::new();
    }
    crate::kernel::pid::all_tasks()
        .into_iter()
        .filter(|x| x.tgid() == t.tgid() && x.exit_state() == 0 && !Arc::ptr_eq(x, t))
        .collect()
}

/// Linux: wants_signal(): a thread that may take `sig` now.
fn wants_signal(sig: i32, t: &TaskStruct) -> bool {
    t.blocked.load(Ordering::Relaxed) & sigmask(sig) == 0 && t.exit_state() == 0 && !t.has_flag(PF_EXITING)
}

/// Linux: complete_signal(): wake a thread that will take the signal — `t`, or for a
/// process-wide one another thread when `t` blocks it.  SIGKILL to a process kills every
/// thread (Linux's group-exit shortcut for fatal signals).
fn complete_signal(sig: i32, t: &Task, ty: PidType) {
    const ALL: u32 = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE | TASK_STOPPED | TASK_TRACED;
    if sig == SIGKILL {
        // Linux: a fatal group signal is added to every thread's own pending set, the
        // target's too, so that fatal_signal_pending() (killable sleeps: the vfork wait)
        // sees it.
        if ty == PidType::Tgid {
            with_pending(t, |p| p.set |= sigmask(SIGKILL));
        }
        crate::kernel::sched::core::wake_up_state(t, ALL);
        if ty == PidType::Tgid {
            for x in other_threads(t) {
                with_pending(&x, |p| p.set |= sigmask(SIGKILL));
                crate::kernel::sched::core::wake_up_state(&x, ALL);
            }
        }
        return;
    }
    if wants_signal(sig, t) {
        crate::kernel::sched::core::wake_up_state(t, TASK_INTERRUPTIBLE);
    } else if ty == PidType::Tgid {
        if let Some(x) = other_threads(t).into_iter().find(|x| wants_signal(sig, x)) {
            crate::kernel::sched::core::wake_up_state(&x, TASK_INTERRUPTIBLE);
        }
    }
}

/// Linux: signalfd_notify(): signalfd readers and pollers of the handlers' owners hear of
/// every signal queued.
fn signalfd_notify(t: &TaskStruct) {
    t.sighand.lock().signalfd_wqh.wake_up_poll(crate::fs::file_table::POLLIN);
}

/// Linux: __send_signal_locked() with prepare_signal() and complete_signal(): the decisions
/// (is it ignored? does it resume a stopped process?) and the queueing are one critical
/// section under the target's siglock, so a sigaction() in between cannot make a signal be
/// queued after it was found ignored, or lost after it was found caught.  Wake-ups and the
/// parent's notification follow once the lock is dropped.
///
/// Queueing: a standard signal already pending is not queued again; every other one gets a
/// queue entry with its siginfo, counted against the user's RLIMIT_SIGPENDING — beyond it, a
/// real-time signal from sigqueue() and friends fails with EAGAIN, anything else is still
/// sent without its siginfo.
pub fn do_send_sig_info(sig: i32, info: SigInfo, t: &Task, ty: PidType) -> KResult<()> {
    if sig <= 0 || !valid_signal(sig) {
        return Ok(());
    }
    if t.exit_state() != 0 && (ty == PidType::Pid || t.signal.live.load(Ordering::Relaxed) == 0) {
        return Ok(());
    }
    // Linux: kernel threads ignore signals unless they allow them (allow_signal()).
    if t.is_kthread() {
        return Ok(());
    }
    // Linux: the sender's pid and uid as the receiver's pid and user namespaces name them.
    let info = if t.ns_pids.get().is_some() { SigInfo { pid: sender_pid_in(t, info.pid), ..info } } else { info };
    let info = sender_uid_in(t, info);
    // The seized tracees of the process, whom SIGCONT has re-trap (below).
    let seized: alloc::vec::Vec<Task> = if sig == SIGCONT && !t.signal.group_exit.load(Ordering::Acquire) {
        core::iter::once(t.clone())
            .chain(other_threads(t))
            .filter(|x| x.ptrace.flags() & crate::kernel::ptrace::PT_SEIZED != 0)
            .collect()
    } else {
        alloc::vec::Vec::new()
    };
    let sighand = t.sighand.lock().clone();
    let mut resumed = false;
    {
        let acts = sighand.action.lock();
        // Linux: prepare_signal(): SIGCONT (and SIGKILL) resumes a stopped process and flushes
        // pending stop signals; a stop signal flushes a pending SIGCONT.
        const STOPS: [i32; 4] = [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU];
        let stop_mask = STOPS.iter().fold(0, |m, &s| m | sigmask(s));
        if sig == SIGCONT || sig == SIGKILL {
            with_shared_pending(&t.signal, |p| p.discard(stop_mask));
            with_pending(t, |p| p.discard(stop_mask));
            let mut st = t.signal.stop.lock();
            if st.stopped {
                st.stopped = false;
                st.report_stop = 0;
                st.report_cont = sig == SIGCONT;
                resumed = true;
            }
            drop(st);
            // (once the group stop is over, so that the re-trap reports SIGTRAP, not it)
            for x in &seized {
                crate::kernel::ptrace::ptrace_trap_notify(x);
            }
        } else if STOPS.contains(&sig) {
            with_shared_pending(&t.signal, |p| p.discard(sigmask(SIGCONT)));
            with_pending(t, |p| p.discard(sigmask(SIGCONT)));
        }
        if (sig == SIGKILL && t.tgid() != 1 && !crate::kernel::pid_namespace::is_container_init(t))
            || !sig_ignored(t, &acts, sig, &info)
        {
            let queue = |p: &mut SigPending| -> KResult<bool> {
                // Linux: legacy_queue(): a standard signal is pending at most once.
                if sig < SIGRTMIN && p.set & sigmask(sig) != 0 {
                    return Ok(false);
                }
                if sig != SIGKILL {
                    let special = info.code == SI_KERNEL;
                    let override_rlimit = sig < SIGRTMIN && (special || info.code >= 0);
                    let limit = || t.signal.rlimit(RLIMIT_SIGPENDING);
                    match SigpendingCharge::try_new(limit, override_rlimit) {
                        Some(c) => p.list.push_back(SigQueue {
                            info: SigInfo { signo: sig, ..info },
                            charge: Some(c),
                            timer: None,
                        }),
                        None if !special && sig >= SIGRTMIN && info.code != SI_USER => return Err(EAGAIN),
                        None => {}
                    }
                }
                p.set |= sigmask(sig);
                Ok(true)
            };
            let queued = match ty {
                PidType::Pid => with_pending(t, queue)?,
                PidType::Tgid => with_shared_pending(&t.signal, queue)?,
            };
            if !queued && !resumed {
                return Ok(());
            }
        } else if !resumed {
            return Ok(());
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
    signalfd_notify(t);
    complete_signal(sig, t, ty);
    Ok(())
}

/// Sends `sig` to the thread `t` (Linux: send_signal_locked(.., PIDTYPE_PID)).
pub fn send_signal(t: &Task, sig: i32, info: SigInfo) {
    let _ = do_send_sig_info(sig, info, t, PidType::Pid);
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

/// Linux: send_signal_locked()'s has_si_pid_and_uid() step: the uid of a kill, tkill,
/// sigqueue or mq_notify siginfo, which the sender wrote as its own user namespace names it,
/// as `t`'s names it (make_kuid in the sender's, from_kuid_munged in the target's).
fn sender_uid_in(t: &TaskStruct, info: SigInfo) -> SigInfo {
    if info.fields.is_some() || !matches!(info.code, SI_USER | SI_TKILL | SI_QUEUE | SI_MESGQ) {
        return info;
    }
    let t_ns = crate::kernel::user_namespace::task_user_ns(t);
    let cur_ns = crate::kernel::user_namespace::current_user_ns();
    if Arc::ptr_eq(&t_ns, &cur_ns) {
        return info;
    }
    SigInfo { uid: t_ns.from_kuid_munged(cur_ns.make_kuid(info.uid)), ..info }
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
        if p.set & sigmask(sig) == 0 {
            let info = SigInfo { signo: sig, code, addr, ..Default::default() };
            p.list.push_back(SigQueue { info, charge: SigpendingCharge::try_new(|| 0, true), timer: None });
        }
        p.set |= sigmask(sig);
    });
}

/// Sends `sig` to the process `target` belongs to (Linux: kill_pid_info ->
/// group_send_sig_info, PIDTYPE_TGID).
pub fn kill_process(target: &Task, sig: i32, info: SigInfo) {
    let _ = do_group_send_sig_info(target, sig, info);
}

/// The sending half of Linux's group_send_sig_info(): to the process, through its leader
/// (EAGAIN when a real-time signal finds the queue full).  No permission check: the kernel's
/// own signals come here directly, user space's through group_send_sig_info().
pub fn do_group_send_sig_info(target: &Task, sig: i32, info: SigInfo) -> KResult<()> {
    let leader = target.rel.lock().group_leader.as_ref().and_then(|w| w.upgrade()).unwrap_or_else(|| target.clone());
    do_send_sig_info(sig, info, &leader, PidType::Tgid)
}

/// Linux: send_sigqueue(): a POSIX timer's signal through its preallocated entry.  Returns
/// true when the signal is ignored (the timer then rearms itself); while the entry is still
/// queued, the expiry only counts as an overrun.
pub fn send_sigqueue(
    t: &Task,
    thread: bool,
    sig: i32,
    entry: impl FnOnce() -> SigQueue,
    queued: &core::sync::atomic::AtomicBool,
    overrun: &core::sync::atomic::AtomicI32,
) -> bool {
    let ty = if thread { PidType::Pid } else { PidType::Tgid };
    if t.exit_state() != 0 && (thread || t.signal.live.load(Ordering::Relaxed) == 0) {
        return true;
    }
    let sighand = t.sighand.lock().clone();
    {
        let acts = sighand.action.lock();
        let info = SigInfo { signo: sig, code: SI_TIMER, ..Default::default() };
        if sig_ignored(t, &acts, sig, &info) {
            return true;
        }
        if queued.load(Ordering::Acquire) {
            overrun.fetch_add(1, Ordering::AcqRel);
            return false;
        }
        overrun.store(0, Ordering::Release);
        queued.store(true, Ordering::Release);
        let q = entry();
        let add = |p: &mut SigPending| {
            p.list.push_back(q);
            p.set |= sigmask(sig);
        };
        match ty {
            PidType::Pid => with_pending(t, add),
            PidType::Tgid => with_shared_pending(&t.signal, add),
        }
    }
    signalfd_notify(t);
    complete_signal(sig, t, ty);
    false
}

/// Linux: dequeue_signal(): the next signal not in `blocked`, the thread's own first, then
/// its process's.  A periodic ITIMER_REAL or POSIX timer whose signal this is goes on
/// (Linux: the itimer and posixtimer_rearm() parts).
pub fn dequeue_signal(t: &Task, blocked: u64) -> Option<SigInfo> {
    let mut shared = false;
    let q = with_pending(t, |p| p.next_signal(blocked).map(|sig| p.collect_signal(sig))).or_else(|| {
        shared = true;
        with_shared_pending(&t.signal, |p| p.next_signal(blocked).map(|sig| p.collect_signal(sig)))
    })?;
    let SigQueue { mut info, charge, timer } = q;
    drop(charge);
    if shared && info.signo == SIGALRM {
        crate::kernel::time::itimer::itimer_real_rearm(&t.signal);
    }
    if let Some(token) = timer {
        crate::kernel::time::posix_timers::posixtimer_rearm(token, &mut info);
    }
    Some(info)
}

/// Linux: get_signal(): takes the next pending signal and acts on it.  A default action is
/// taken here (ignore, stop the process, or kill it); a signal with a handler is returned, for
/// the arch code to deliver (arch_do_signal_or_restart in arch/riscv/signal.rs).  One signal
/// per call: the caller (exit_to_user_mode_loop) calls again while signals are pending.
/// It works on `current` and holds no reference to it when it kills the process: do_exit()
/// never returns, so a reference a caller's frame held would never be dropped.
pub fn get_signal() -> Option<KSignal> {
    let cur = current();
    let mut info = dequeue_signal(&cur, cur.blocked.load(Ordering::Relaxed) & !sigmask(SIGKILL))?;
    // Linux: ptrace_signal(): a tracee stops first; its tracer may cancel or change it.
    if info.signo != SIGKILL && cur.ptrace.is_traced() {
        info = crate::kernel::ptrace::ptrace_signal(&cur, info)?;
    }
    let sig = info.signo;
    let ka = cur.sighand.lock().get(sig);
    if ka.handler == SIG_IGN && sig != SIGKILL {
        return None;
    }
    if ka.handler == SIG_DFL || sig == SIGKILL {
        match default_action(sig) {
            Default_::Ignore => return None,
            Default_::Stop => {
                do_signal_stop(&cur, sig);
                return None;
            }
            Default_::Term | Default_::Core => {
                // Linux: do_group_exit(sig): a core dump would set 0x80, but RLIMIT_CORE is 0.
                drop(cur);
                crate::kernel::exit::do_group_exit(sig);
            }
        }
    }
    Some(KSignal { ka, info, sig })
}

/// Linux: signal_setup_done(): the end of delivering a signal to a handler.  A frame that
/// could not be written gets the process a SIGSEGV (Linux: force_sigsegv(): with SIG_DFL
/// when the failed signal was SIGSEGV itself), which the delivery loop then acts on;
/// otherwise signal_delivered() blocks sa_mask (and the signal itself unless SA_NODEFER) and
/// makes an SA_RESETHAND handler one-shot.
pub fn signal_setup_done(failed: bool, cur: &Task, ksig: &KSignal) {
    if failed {
        if ksig.sig == SIGSEGV {
            cur.sighand.lock().action.lock()[(SIGSEGV - 1) as usize].handler = SIG_DFL;
        }
        force_sig(SIGSEGV);
        return;
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

/// Linux: set_current_blocked(): the caller's new mask (SIGKILL and SIGSTOP stay unblocked).
pub fn set_current_blocked(t: &TaskStruct, mask: u64) {
    t.blocked.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
}

/// Linux: set_user_sigmask(): a syscall that sleeps with a temporary mask (ppoll, pselect6,
/// epoll_pwait) installs it and keeps the caller's in saved_sigmask (set_restore_sigmask()).
/// No mask: nothing to do; a mask of another size than sigset_t: EINVAL.
pub fn set_user_sigmask(umask: Option<UserPtr<u64>>, sigsetsize: usize) -> KResult<()> {
    let Some(umask) = umask else { return Ok(()) };
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let m = umask.read()?;
    let cur = current();
    *cur.saved_sigmask.lock() = Some(cur.blocked.load(Ordering::Relaxed));
    set_current_blocked(&cur, m);
    Ok(())
}

/// Linux: restore_saved_sigmask(): the mask saved by set_user_sigmask() or sigsuspend comes
/// back (when no signal handler is about to run with it in its frame).
pub fn restore_saved_sigmask(t: &TaskStruct) {
    let saved = t.saved_sigmask.lock().take();
    if let Some(m) = saved {
        set_current_blocked(t, m);
    }
}

/// Linux: restore_saved_sigmask_unless(): unless the call was interrupted by a signal, whose
/// delivery restores the mask (from the signal frame, or restore_saved_sigmask() when no
/// handler runs), the saved mask comes back now.
pub fn restore_saved_sigmask_unless(interrupted: bool) {
    if !interrupted {
        restore_saved_sigmask(&current());
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
            with_shared_pending(&cur.signal, |p| p.discard(sigmask(sig)));
            with_pending(&cur, |p| p.discard(sigmask(sig)));
            for t in other_threads(&cur) {
                with_pending(&t, |p| p.discard(sigmask(sig)));
            }
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
        set_current_blocked(&cur, new);
    }
    if let Some(oset) = oset {
        oset.write(&old)?;
    }
    Ok(0)
}

/// Linux: do_sigpending(): the blocked signals pending for the thread or its process.
pub fn sys_rt_sigpending(uset: UserPtr<u64>, sigsetsize: usize) -> KResult<usize> {
    if sigsetsize > SIGSET_SIZE {
        return Err(EINVAL);
    }
    let cur = current();
    let own = cur.pending.lock().set;
    let pending = own | cur.signal.shared_pending.lock().set;
    uset.write(&(pending & cur.blocked.load(Ordering::Relaxed)))?;
    Ok(0)
}

/// Linux: sys_rt_sigsuspend(): wait for a signal with a temporary mask.  The caller's mask
/// comes back through the signal frame when a handler runs, or by restore_saved_sigmask()
/// on the way out when none does (the call is then restarted).
pub fn sys_rt_sigsuspend(unewset: UserPtr<u64>, sigsetsize: usize) -> KResult<usize> {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let m = unewset.read()?;
    let cur = current();
    *cur.saved_sigmask.lock() = Some(cur.blocked.load(Ordering::Relaxed));
    set_current_blocked(&cur, m);
    loop {
        if signal_pending(&cur) {
            break;
        }
        cur.set_state(TASK_INTERRUPTIBLE);
        crate::kernel::sched::schedule();
    }
    Err(ERESTARTNOHAND) // becomes EINTR after the handler
}

/// Linux: on_sig_stack(): `sp` is on the alternate signal stack (never with SS_AUTODISARM:
/// the stack is given up as a handler starts on it).
pub fn on_sig_stack(t: &TaskStruct, sp: usize) -> bool {
    let (ss_sp, ss_size, flags) = *t.sigaltstack.lock();
    flags & SS_AUTODISARM == 0 && sp > ss_sp && sp - ss_sp <= ss_size
}

/// Linux: sas_ss_flags(): SS_DISABLE without an alternate stack, SS_ONSTACK on it, else 0.
pub fn sas_ss_flags(t: &TaskStruct, sp: usize) -> i32 {
    if t.sigaltstack.lock().1 == 0 {
        SS_DISABLE
    } else if on_sig_stack(t, sp) {
        SS_ONSTACK
    } else {
        0
    }
}

/// Linux: do_sigaltstack(): EPERM while running on the alternate stack, EINVAL for a mode
/// other than 0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM may come with them), ENOMEM for a
/// stack smaller than `min_ss_size`.
pub fn do_sigaltstack(new: Option<&StackT>, sp: usize, min_ss_size: usize) -> KResult<StackT> {
    let cur = current();
    let (ss_sp, ss_size, flags) = *cur.sigaltstack.lock();
    let old = StackT {
        ss_sp: ss_sp as u64,
        ss_flags: sas_ss_flags(&cur, sp) | (flags & SS_AUTODISARM),
        _pad: 0,
        ss_size: ss_size as u64,
    };
    if let Some(n) = new {
        if on_sig_stack(&cur, sp) {
            return Err(EPERM);
        }
        let mode = n.ss_flags & !SS_AUTODISARM;
        if mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0 {
            return Err(EINVAL);
        }
        if mode == SS_DISABLE {
            *cur.sigaltstack.lock() = (0, 0, n.ss_flags);
        } else {
            if (n.ss_size as usize) < min_ss_size {
                return Err(ENOMEM);
            }
            *cur.sigaltstack.lock() = (n.ss_sp as usize, n.ss_size as usize, n.ss_flags);
        }
    }
    Ok(old)
}

/// Linux: restore_altstack(): rt_sigreturn puts back the alternate stack the frame saved (one
/// SS_AUTODISARM gave up as the handler started); only a bad pointer is an error.
pub fn restore_altstack(uss: &StackT, sp: usize) {
    let _ = do_sigaltstack(Some(uss), sp, MINSIGSTKSZ);
}

/// Linux: SYSCALL_DEFINE2(sigaltstack).
pub fn sys_sigaltstack(
    regs: &mut PtRegs,
    uss: Option<UserPtr<StackT>>,
    uoss: Option<UserPtr<StackT>>,
) -> KResult<usize> {
    let new = uss.map(|u| u.read()).transpose()?;
    let old = do_sigaltstack(new.as_ref(), regs.sp, MINSIGSTKSZ)?;
    if let Some(uoss) = uoss {
        uoss.write(&old)?;
    }
    Ok(0)
}

/// Linux: check_kill_permission() — a signal from user space (kill, tkill, tgkill,
/// pidfd_send_signal) to another thread group needs kill_ok_by_cred(): the sender's real or
/// effective uid is the target's real or saved uid, or CAP_KILL in the target's user
/// namespace.  SIGCONT is also allowed within the sender's session (job control).
pub fn check_kill_permission(sig: i32, t: &TaskStruct) -> KResult<()> {
    if !valid_signal(sig) {
        return Err(EINVAL);
    }
    let cur = current();
    if cur.tgid() == t.tgid() {
        return Ok(());
    }
    let cred = current_cred();
    let tcred = task_cred(t);
    let cap_kill = crate::kernel::capability::cap_capable(&cred, &tcred.user_ns, CAP_KILL);
    if credcheck::perm::kill_ok_by_cred(&cred, &tcred, cap_kill) {
        return Ok(());
    }
    if sig == SIGCONT && t.signal.session.load(Ordering::Relaxed) == cur.signal.session.load(Ordering::Relaxed) {
        return Ok(());
    }
    Err(EPERM)
}

/// Linux: group_send_sig_info(): the permission check, then (for a real signal) the sending.
pub fn group_send_sig_info(sig: i32, info: SigInfo, t: &Task) -> KResult<()> {
    check_kill_permission(sig, t)?;
    if sig != 0 {
        do_group_send_sig_info(t, sig, info)?;
    }
    Ok(())
}

/// The sender's uid for si_uid, as its own user namespace names it (Linux:
/// from_kuid_munged(current_user_ns(), current_uid())); the send translates it to the
/// target's (sender_uid_in).
pub fn sender_uid() -> u32 {
    crate::kernel::cred::with_current_cred(|c| c.user_ns.from_kuid_munged(c.uid))
}

/// Linux: sys_kill() -> kill_something_info()
pub fn sys_kill(pid: i32, sig: i32) -> KResult<usize> {
    if !(0..=NSIG).contains(&sig) {
        return Err(EINVAL);
    }
    // Linux: kill_something_info(): -INT_MIN is undefined.
    if pid == i32::MIN {
        return Err(ESRCH);
    }
    let cur = current();
    let info = SigInfo { signo: sig, code: SI_USER, pid: cur.tgid(), uid: sender_uid(), ..Default::default() };
    if pid > 0 {
        let t = crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)?;
        group_send_sig_info(sig, info, &t)?;
        return Ok(0);
    }
    // The caller's pid namespace: only the processes it can see are signalled.
    let ns = crate::kernel::pid::task_active_pid_ns(&cur);
    if pid == -1 {
        // Everyone but init and ourselves: success if any could be signalled or all refused
        // with EPERM (Linux counts EPERM as neither), ESRCH if there was nobody.
        let (mut count, mut retval) = (0, Ok(()));
        for t in crate::kernel::pid::all_processes() {
            if crate::kernel::pid::task_tgid_nr_ns(&t, &ns) > 1 && t.tgid() != cur.tgid() {
                count += 1;
                let err = group_send_sig_info(sig, info, &t);
                if err != Err(EPERM) {
                    retval = err;
                }
            }
        }
        return if count == 0 { Err(ESRCH) } else { retval.map(|_| 0) };
    }
    // A process group (0: ours; else -pid in the caller's numbers): success if any member
    // was signalled, else the last error (Linux: __kill_pgrp_info()).
    let pgrp = if pid == 0 {
        cur.signal.pgrp.load(Ordering::Relaxed)
    } else {
        crate::kernel::pid::vnr_to_global(-pid).unwrap_or(i32::MIN)
    };
    let (mut success, mut retval) = (false, Err(ESRCH));
    for t in crate::kernel::pid::all_processes() {
        if t.signal.pgrp.load(Ordering::Relaxed) == pgrp && crate::kernel::pid::task_tgid_nr_ns(&t, &ns) > 0 {
            let err = group_send_sig_info(sig, info, &t);
            success |= err.is_ok();
            retval = err;
        }
    }
    if success {
        Ok(0)
    } else {
        retval.map(|_| 0)
    }
}

/// Linux: do_send_specific(): a signal to one thread, ESRCH unless it is in process `tgid`
/// (any process for tgid <= 0).
fn do_send_specific(tgid: i32, pid: i32, sig: i32, info: SigInfo) -> KResult<usize> {
    let t = crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)?;
    if tgid > 0 && crate::kernel::pid::task_tgid_vnr(&t) != tgid {
        return Err(ESRCH);
    }
    // Linux: check_kill_permission() (EINVAL for a bad signal, EPERM).
    check_kill_permission(sig, &t)?;
    if sig != 0 {
        match do_send_sig_info(sig, info, &t, PidType::Pid) {
            Err(ESRCH) | Ok(()) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE2(tkill).
pub fn sys_tkill(tid: i32, sig: i32) -> KResult<usize> {
    if tid <= 0 {
        return Err(EINVAL);
    }
    let info = SigInfo { signo: sig, code: SI_TKILL, pid: current().tgid(), uid: sender_uid(), ..Default::default() };
    do_send_specific(0, tid, sig, info)
}

/// Linux: SYSCALL_DEFINE3(tgkill): EINVAL for a pid or tgid <= 0.
pub fn sys_tgkill(tgid: i32, pid: i32, sig: i32) -> KResult<usize> {
    if pid <= 0 || tgid <= 0 {
        return Err(EINVAL);
    }
    let info = SigInfo { signo: sig, code: SI_TKILL, pid: current().tgid(), uid: sender_uid(), ..Default::default() };
    do_send_specific(tgid, pid, sig, info)
}

/// Linux: copy_siginfo_from_user(): a user's siginfo as the kernel keeps it — its first 48
/// bytes; for an si_code the kernel does not know, E2BIG unless the rest is zero (so that it
/// can be delivered exactly as it was given).
/// `signo` replaces the user's si_signo first (Linux: __copy_siginfo_from_user(signo, ...)).
pub fn copy_siginfo_from_user(from: UserPtr<UserSigInfo>, signo: Option<i32>) -> KResult<SigInfo> {
    let mut u = from.read()?;
    if let Some(s) = signo {
        u.si_signo = s;
    }
    if !known_siginfo_layout(u.si_signo, u.si_code) && u.f[4..].iter().any(|&x| x != 0) {
        return Err(E2BIG);
    }
    let mut fields = [0u64; 4];
    fields.copy_from_slice(&u.f[..4]);
    Ok(SigInfo { signo: u.si_signo, errno: u.si_errno, code: u.si_code, fields: Some(fields), ..Default::default() })
}

/// Linux: the check of do_rt_sigqueueinfo() and do_rt_tgsigqueueinfo(): nobody may send
/// another task a siginfo that claims to come from the kernel (si_code >= 0) or from
/// kill/tgkill (SI_TKILL) — EPERM; to oneself anything goes.
fn sigqueueinfo_allowed(info: &SigInfo, pid: i32) -> KResult<()> {
    if (info.code >= 0 || info.code == SI_TKILL) && crate::kernel::pid::current_pid_tgid_vnr(&current()).0 != pid {
        return Err(EPERM);
    }
    Ok(())
}

/// Linux: SYSCALL_DEFINE3(rt_sigqueueinfo): `sig` with the caller's siginfo to a process
/// (glibc's sigqueue()); EAGAIN when a real-time signal's queue is full (RLIMIT_SIGPENDING).
pub fn sys_rt_sigqueueinfo(pid: i32, sig: i32, uinfo: UserPtr<UserSigInfo>) -> KResult<usize> {
    let info = copy_siginfo_from_user(uinfo, Some(sig))?;
    sigqueueinfo_allowed(&info, pid)?;
    // Linux: kill_proc_info() -> kill_pid_info(): the pid names a process (or a thread of
    // one), POSIX.1b has no process groups here.
    let t = if pid > 0 { crate::kernel::pid::find_task_by_vpid(pid) } else { None }.ok_or(ESRCH)?;
    group_send_sig_info(sig, info, &t)?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(rt_tgsigqueueinfo): the same to one thread; EINVAL for a pid or
/// tgid <= 0.
pub fn sys_rt_tgsigqueueinfo(tgid: i32, pid: i32, sig: i32, uinfo: UserPtr<UserSigInfo>) -> KResult<usize> {
    let info = copy_siginfo_from_user(uinfo, Some(sig))?;
    if pid <= 0 || tgid <= 0 {
        return Err(EINVAL);
    }
    sigqueueinfo_allowed(&info, pid)?;
    do_send_specific(tgid, pid, sig, info)
}

/// Linux: do_sigtimedwait(): take one of `which` (waiting at most `timeout` ns; None: for
/// ever), unblocking them for the wait.  EAGAIN when the time is up, EINTR when another
/// signal came (never restarted).
fn do_sigtimedwait(which: u64, timeout: Option<u64>) -> KResult<SigInfo> {
    let cur = current();
    let mask = which & !UNBLOCKABLE;
    if let Some(info) = dequeue_signal(&cur, !mask) {
        return Ok(info);
    }
    let mut interrupted = false;
    if timeout != Some(0) {
        let blocked = cur.blocked.load(Ordering::Relaxed);
        cur.real_blocked.store(blocked, Ordering::Relaxed);
        cur.blocked.store(blocked & !mask, Ordering::Relaxed);
        let deadline = timeout.map(|ns| {
            crate::arch::riscv::time::get_cycles().saturating_add(crate::arch::riscv::time::ns_to_cycles(ns))
        });
        cur.set_state(TASK_INTERRUPTIBLE);
        if !signal_pending(&cur) {
            let key = deadline.map(|d| crate::kernel::time::add_timeout(&cur, d));
            crate::kernel::sched::schedule();
            if let Some(k) = key {
                crate::kernel::time::cancel_timeout(k);
            }
        }
        cur.set_state(TASK_RUNNING);
        interrupted = deadline.is_none_or(|d| crate::arch::riscv::time::get_cycles() < d);
        cur.blocked.store(cur.real_blocked.swap(0, Ordering::Relaxed), Ordering::Relaxed);
        if let Some(info) = dequeue_signal(&cur, !mask) {
            return Ok(info);
        }
    }
    Err(if interrupted { EINTR } else { EAGAIN })
}

/// Linux: SYSCALL_DEFINE4(rt_sigtimedwait): sigwaitinfo/sigtimedwait; returns the signal and
/// fills `uinfo`.
pub fn sys_rt_sigtimedwait(
    uthese: UserPtr<u64>,
    uinfo: Option<UserPtr<UserSigInfo>>,
    uts: Option<UserPtr<crate::kernel::time::Timespec>>,
    sigsetsize: usize,
) -> KResult<usize> {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let these = uthese.read()?;
    let ts = uts.map(|t| t.read()).transpose()?;
    let timeout = ts.map(|t| t.to_ns()).transpose()?;
    let info = do_sigtimedwait(these, timeout)?;
    if let Some(u) = uinfo {
        copy_siginfo_to_user(u, &info)?;
    }
    Ok(info.signo as usize)
}

/// Linux: SYSCALL_DEFINE0(restart_syscall): continue what the restart block says (an
/// interrupted nanosleep); EINTR when there is nothing to continue.
pub fn sys_restart_syscall() -> KResult<usize> {
    let rb = core::mem::take(&mut *current().restart_block.lock());
    crate::kernel::time::hrtimer::nanosleep_restart(rb)
}

/// Copies a siginfo to user space (waitid, pidfd).
pub fn copy_siginfo_to_user(to: UserPtr<UserSigInfo>, info: &SigInfo) -> KResult<()> {
    to.write(&UserSigInfo::from(info))
}

/// Linux: pidfd_to_pid(): a pidfd's process, or the process of an open /proc/PID directory
/// (tgid_pidfd_to_pid); EBADF for any other file.
fn pidfd_to_task(fd: i32) -> KResult<Task> {
    let f = crate::fs::fd_get(fd as u32)?;
    if let Some(t) = f.ops.pidfd_task() {
        return Ok(t);
    }
    f.inode.as_deref().and_then(crate::fs::proc::proc_pid_dir_task).unwrap_or(Err(EBADF))
}

/// Linux: SYSCALL_DEFINE4(pidfd_send_signal) (kernel/signal.c): `sig` to the process a pidfd
/// refers to.  EINVAL for any flag; with `info`, EINVAL unless its si_signo is `sig`, and EPERM
/// when a process other than the caller's own thread would get a forged si_code (>= 0, or
/// SI_TKILL): only sigqueue-style codes may go elsewhere.  ESRCH once the process has been
/// reaped (a zombie still takes the signal, which does nothing).
pub fn sys_pidfd_send_signal(pidfd: i32, sig: i32, info: Option<UserPtr<UserSigInfo>>, flags: u32) -> KResult<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let t = pidfd_to_task(pidfd)?;
    let cur = current();
    let kinfo = match info {
        Some(u) => {
            // Linux: copy_siginfo_from_user_any(): delivered as given (E2BIG for an si_code
            // the kernel does not know with more than it keeps)
            let ui = copy_siginfo_from_user(u, None)?;
            if ui.signo != sig {
                return Err(EINVAL);
            }
            if cur.pid() != t.pid() && (ui.code >= 0 || ui.code == SI_TKILL) {
                return Err(EPERM);
            }
            ui
        }
        // Linux: prepare_kill_siginfo()
        None => SigInfo { signo: sig, code: SI_USER, pid: cur.tgid(), uid: sender_uid(), ..Default::default() },
    };
    // Linux: kill_pid_info(): pid_task() is gone once the process is reaped.
    if !crate::kernel::pid::find_task_by_pid(t.pid()).is_some_and(|x| alloc::sync::Arc::ptr_eq(&x, &t)) {
        return Err(ESRCH);
    }
    // Linux: group_send_sig_info() -> check_kill_permission() (EINVAL, EPERM), then the signal.
    group_send_sig_info(sig, kinfo, &t)?;
    Ok(0)
}
