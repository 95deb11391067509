//! Signals: sending, delivery with a Linux rt_sigframe, sigreturn, sigaction, masks.
//! Linux: kernel/signal.c, arch/riscv/kernel/signal.c, include/linux/sched/signal.h.
//!
//! Pending signals are a bitmask per task (standard signals are not queued, as in Linux; RT
//! signals are not queued either yet).  A signal to a process goes to its thread-group
//! leader.  Stop signals are treated as ignored: job control is not implemented yet.

use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::*;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGABRT: i32 = 6;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGKILL: i32 = 9;
pub const SIGUSR1: i32 = 10;
pub const SIGSEGV: i32 = 11;
pub const SIGUSR2: i32 = 12;
pub const SIGPIPE: i32 = 13;
pub const SIGALRM: i32 = 14;
pub const SIGTERM: i32 = 15;
pub const SIGCHLD: i32 = 17;
pub const SIGCONT: i32 = 18;
pub const SIGSTOP: i32 = 19;
pub const SIGTSTP: i32 = 20;
pub const SIGTTIN: i32 = 21;
pub const SIGTTOU: i32 = 22;
pub const SIGURG: i32 = 23;
pub const SIGWINCH: i32 = 28;
pub const SIGSYS: i32 = 31;
pub const NSIG: i32 = 64;

pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;

pub const SA_NOCLDSTOP: u64 = 1;
pub const SA_NOCLDWAIT: u64 = 2;
pub const SA_SIGINFO: u64 = 4;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_TKILL: i32 = -6;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

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

pub fn sigmask(sig: i32) -> u64 {
    1u64 << (sig - 1)
}
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

crate::user_pod! {
    /// Linux: struct k_sigaction (asm-generic layout: handler, flags, mask — riscv has no
    /// sa_restorer).
    #[derive(Clone, Copy, Default)]
    pub struct SigAction {
        pub handler: usize,
        pub flags: u64,
        pub mask: u64,
    }
}

/// Linux: struct sighand_struct — shared with CLONE_SIGHAND.
pub struct SigHand {
    pub action: SpinLock<[SigAction; 64], class::Sighand>,
}

impl SigHand {
    pub fn new() -> Arc<SigHand> {
        Arc::new(SigHand { action: SpinLock::new([SigAction::default(); 64]) })
    }
    /// Linux: copy_sighand() without CLONE_SIGHAND.  Never inlined: inlined, the 1.5 KiB copy's
    /// stack temporary lands wherever the caller's frame puts it, and at an address misaligned
    /// with the heap copy memcpy goes the slow (shifting) way: ~2,000 instructions per fork.
    #[inline(never)]
    pub fn dup(&self) -> Arc<SigHand> {
        Arc::new(SigHand { action: SpinLock::new(*self.action.lock()) })
    }
    pub fn get(&self, sig: i32) -> SigAction {
        self.action.lock()[(sig - 1) as usize]
    }
    /// Linux: flush_signal_handlers(): exec resets caught signals to SIG_DFL (ignored stay).
    pub fn flush_handlers(&self, force_default: bool) {
        for a in self.action.lock().iter_mut() {
            if force_default || a.handler != SIG_IGN {
                a.handler = SIG_DFL;
            }
            a.flags = 0;
            a.mask = 0;
        }
    }
}

/// siginfo as the kernel keeps it.
#[derive(Clone, Copy, Default)]
pub struct SigInfo {
    pub signo: i32,
    pub code: i32,
    pub errno: i32,
    pub pid: i32,
    pub uid: u32,
    pub status: i32,
    pub addr: usize,
}

pub struct SigPending {
    pub set: u64,
    /// siginfo of each pending signal (standard signals are not queued: one each).
    pub info: alloc::collections::BTreeMap<i32, SigInfo>,
}

impl SigPending {
    /// Drops the pending signals in `mask` (and their siginfo).
    pub fn discard(&mut self, mask: u64) {
        self.set &= !mask;
        if !self.info.is_empty() {
            self.info.retain(|&sig, _| mask & sigmask(sig) == 0);
        }
    }
}

impl Default for SigPending {
    fn default() -> Self {
        SigPending { set: 0, info: alloc::collections::BTreeMap::new() }
    }
}

/// Linux: struct signal_struct — shared by a thread group.
pub struct SignalStruct {
    pub pgrp: AtomicI32,
    pub session: AtomicI32,
    pub group_exit: AtomicBool,
    pub group_exit_code: AtomicI32,
    pub live: AtomicU32,
    pub rlimits: SpinLock<[[u64; 2]; 16], class::SignalMisc>,
    /// Linux: signal->wait_chldexit — parents sleep here in wait4/waitid.
    pub wait_chldexit: crate::kernel::sched::wait::WaitQueue,
    /// Linux: is_child_subreaper / has_child_subreaper (prctl)
    pub is_child_subreaper: AtomicBool,
    pub cutime: core::sync::atomic::AtomicU64,
    pub cstime: core::sync::atomic::AtomicU64,
    pub tty_controlling: AtomicBool,
    /// Job control (Linux: signal->flags SIGNAL_STOP_STOPPED / SIGNAL_CLD_*, group_exit_code):
    /// (stopped, stop to report with this signal (0: none), continue to report)
    pub stop: SpinLock<StopState, class::SignalMisc>,
    /// ITIMER_REAL: (expiry in timer cycles, 0 = off; interval in cycles)
    pub itimer_real: SpinLock<(u64, u64), class::SignalMisc>,
}

#[derive(Clone, Copy, Default)]
pub struct StopState {
    pub stopped: bool,
    pub report_stop: i32,
    pub report_cont: bool,
}

pub const RLIM_INFINITY: u64 = u64::MAX;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_CORE: usize = 4;

impl SignalStruct {
    pub fn new() -> Arc<SignalStruct> {
        // Linux: INIT_RLIMITS in include/asm-generic/resource.h
        let inf = [RLIM_INFINITY, RLIM_INFINITY];
        let mut r = [inf; 16];
        r[RLIMIT_STACK] = [8 * 1024 * 1024, RLIM_INFINITY];
        r[RLIMIT_CORE] = [0, RLIM_INFINITY];
        r[RLIMIT_NOFILE] = [1024, 4096];
        r[RLIMIT_NPROC] = [3806, 3806];
        r[8] = [8 * 1024 * 1024, 8 * 1024 * 1024]; // MEMLOCK
        r[9] = inf;
        r[11] = [3806, 3806]; // SIGPENDING
        r[12] = [819200, 819200]; // MSGQUEUE
        r[13] = [0, 0]; // NICE
        r[14] = [0, 0]; // RTPRIO
        Arc::new(SignalStruct {
            pgrp: AtomicI32::new(0),
            session: AtomicI32::new(0),
            group_exit: AtomicBool::new(false),
            group_exit_code: AtomicI32::new(0),
            live: AtomicU32::new(1),
            rlimits: SpinLock::new(r),
            wait_chldexit: crate::kernel::sched::wait::WaitQueue::new(),
            is_child_subreaper: AtomicBool::new(false),
            cutime: Default::default(),
            cstime: Default::default(),
            tty_controlling: AtomicBool::new(false),
            stop: SpinLock::new(StopState::default()),
            itimer_real: SpinLock::new((0, 0)),
        })
    }
    /// Linux: copy_signal(): a new process inherits limits, process group and session.
    pub fn dup(&self) -> Arc<SignalStruct> {
        let s = SignalStruct::new();
        let r = *self.rlimits.lock();
        *s.rlimits.lock() = r;
        s.pgrp.store(self.pgrp.load(Ordering::Relaxed), Ordering::Relaxed);
        s.session.store(self.session.load(Ordering::Relaxed), Ordering::Relaxed);
        s
    }
    pub fn rlimit(&self, r: usize) -> u64 {
        self.rlimits.lock()[r][0]
    }
}

pub fn signal_pending(t: &TaskStruct) -> bool {
    let p = t.pending_mask.load(Ordering::Acquire);
    p != 0 && (p & !t.blocked.load(Ordering::Relaxed) != 0 || p & sigmask(SIGKILL) != 0)
}

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
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | 24 | 25 | SIGSYS => Default_::Core,
        _ => Default_::Term,
    }
}

/// Linux: valid_signal(): 0 (the null signal) up to _NSIG.
pub fn valid_signal(sig: i32) -> bool {
    (0..=NSIG).contains(&sig)
}

/// Linux: sig_ignored(), with the handler table locked by the caller.
fn sig_ignored(t: &TaskStruct, acts: &[SigAction; 64], sig: i32) -> bool {
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
    let sighand = t.sighand.lock().clone();
    let mut resumed = false;
    {
        let acts = sighand.action.lock();
        // Linux: init (pid 1) gets only the signals it has a handler for (SIGNAL_UNKILLABLE).
        if t.tgid() == 1 && info.code != SI_KERNEL && acts[(sig - 1) as usize].handler == SIG_DFL {
            return;
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

const EXC_SYSCALL: usize = 8;

/// Linux: exit_to_user_mode(): the common case (nothing to do) inline and cheap; the loop
/// that reschedules and delivers signals out of line.
#[inline(always)]
pub fn exit_to_user_mode(regs: &mut PtRegs) {
    let work = with_current(|c| c.need_resched.load(Ordering::Relaxed) || c.pending_mask.load(Ordering::Acquire) != 0);
    if work || regs.cause == EXC_SYSCALL && (regs.a0 as isize) < -511 && (regs.a0 as isize) > -520 {
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
        let has = with_current(|c| signal_pending(c));
        if has {
            do_signal(regs);
            continue;
        }
        break;
    }
    // A syscall interrupted by a signal that was then ignored or discarded is restarted.
    if regs.cause == EXC_SYSCALL {
        let a0 = regs.a0 as isize;
        if a0 == -(ERESTARTSYS.0 as isize) || a0 == -512 - 1 || a0 == -512 - 2 {
            regs.a0 = regs.orig_a0;
            regs.epc -= 4;
        }
        regs.cause = usize::MAX;
    }
}

/// Linux: arch_do_signal_or_restart() / get_signal() / handle_signal().
fn do_signal(regs: &mut PtRegs) {
    let cur = current();
    let Some(info) = dequeue_signal(&cur) else { return };
    let sig = info.signo;
    let ka = cur.sighand.lock().get(sig);
    if ka.handler == SIG_IGN && sig != SIGKILL {
        return;
    }
    if ka.handler == SIG_DFL || sig == SIGKILL {
        match default_action(sig) {
            Default_::Ignore => return,
            Default_::Stop => {
                do_signal_stop(&cur, sig);
                return;
            }
            Default_::Term | Default_::Core => {
                // Linux: do_group_exit(sig): a core dump would set 0x80, but RLIMIT_CORE is 0.
                crate::kernel::exit::do_group_exit(sig);
            }
        }
    }
    // A handler: restart logic for an interrupted syscall first.
    if regs.cause == EXC_SYSCALL {
        let a0 = regs.a0 as isize;
        let erestartsys = -(ERESTARTSYS.0 as isize);
        if a0 == erestartsys {
            if ka.flags & SA_RESTART != 0 {
                regs.a0 = regs.orig_a0;
                regs.epc -= 4;
            } else {
                regs.a0 = EINTR.as_ret();
            }
        } else if a0 == -514 /* ERESTARTNOHAND */ || a0 == -516
        /* ERESTART_RESTARTBLOCK */
        {
            regs.a0 = EINTR.as_ret();
        } else if a0 == -513
        /* ERESTARTNOINTR */
        {
            regs.a0 = regs.orig_a0;
            regs.epc -= 4;
        }
        regs.cause = usize::MAX;
    }
    if setup_rt_frame(&cur, sig, &info, &ka, regs).is_err() {
        // Linux: force_sigsegv() when the frame cannot be written.
        crate::kernel::exit::do_group_exit(SIGSEGV);
    }
    // Linux: signal_setup_done(): block sa_mask (and sig unless SA_NODEFER); one-shot reset.
    let mut add = ka.mask;
    if ka.flags & SA_NODEFER == 0 {
        add |= sigmask(sig);
    }
    cur.blocked.fetch_or(add & !UNBLOCKABLE, Ordering::Relaxed);
    if ka.flags & SA_RESETHAND != 0 {
        cur.sighand.lock().action.lock()[(sig - 1) as usize].handler = SIG_DFL;
    }
}

crate::user_pod! {
    /// The user-visible siginfo (128 bytes).  Linux: include/uapi/asm-generic/siginfo.h
    #[derive(Clone, Copy)]
    pub struct UserSigInfo {
        pub si_signo: i32,
        pub si_errno: i32,
        pub si_code: i32,
        pub _pad0: i32,
        /// union: kill {pid, uid}, sigchld {pid, uid, status, _, utime, stime}, fault {addr}
        pub f: [u64; 14],
    }
}

impl UserSigInfo {
    pub fn from(info: &SigInfo) -> Self {
        let mut s =
            UserSigInfo { si_signo: info.signo, si_errno: info.errno, si_code: info.code, _pad0: 0, f: [0; 14] };
        match info.signo {
            SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP => s.f[0] = info.addr as u64,
            _ => {
                s.f[0] = (info.pid as u32 as u64) | ((info.uid as u64) << 32);
                s.f[1] = info.status as u32 as u64;
            }
        }
        s
    }
}

crate::user_pod! {
    /// Linux riscv: struct ucontext with struct sigcontext (user_regs_struct + FP state).
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

fn setup_rt_frame(cur: &Task, sig: i32, info: &SigInfo, ka: &SigAction, regs: &mut PtRegs) -> KResult<()> {
    let (ss_sp, ss_size, ss_flags) = *cur.sigaltstack.lock();
    let on_alt = ss_size != 0 && regs.sp > ss_sp && regs.sp <= ss_sp + ss_size;
    let mut sp = regs.sp;
    if ka.flags & SA_ONSTACK != 0 && ss_size != 0 && !on_alt && ss_flags & 2 == 0 {
        sp = ss_sp + ss_size;
    }
    let size = core::mem::size_of::<RtSigframe>();
    sp = (sp - size) & !15;
    let mut frame = RtSigframe {
        info: UserSigInfo::from(info),
        uc_flags: 0,
        uc_link: 0,
        ss_sp: ss_sp as u64,
        ss_flags: if on_alt {
            1
        } else if ss_size == 0 {
            2
        } else {
            0
        },
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
    regs.a2 = sp + 128; // &frame->uc
    regs.sp = sp;
    regs.ra = crate::fs::exec::vdso_sigreturn(cur);
    Ok(())
}

/// Linux: SYSCALL_DEFINE0(rt_sigreturn) in arch/riscv/kernel/signal.c.
pub fn sys_rt_sigreturn(regs: &mut PtRegs) -> KResult<usize> {
    let cur = current();
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
    cur.blocked.store(frame.uc_sigmask & !UNBLOCKABLE, Ordering::Relaxed);
    Ok(regs.a0)
}

pub fn sys_rt_sigaction(
    sig: i32,
    act: Option<UserPtr<SigAction>>,
    oact: Option<UserPtr<SigAction>>,
    sigsetsize: usize,
) -> KResult<usize> {
    if sigsetsize != 8 {
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
    if sigsetsize != 8 {
        return Err(EINVAL);
    }
    let cur = current();
    let old = cur.blocked.load(Ordering::Relaxed);
    if let Some(nset) = nset {
        let s = nset.read()?;
        let new = match how {
            0 => old | s,  // SIG_BLOCK
            1 => old & !s, // SIG_UNBLOCK
            2 => s,        // SIG_SETMASK
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
    if sigsetsize > 8 {
        return Err(EINVAL);
    }
    let cur = current();
    let p = cur.pending.lock().set & cur.blocked.load(Ordering::Relaxed);
    uset.write(&p)?;
    Ok(0)
}

/// Linux: sys_rt_sigsuspend(): wait for a signal with a temporary mask.
pub fn sys_rt_sigsuspend(unewset: UserPtr<u64>, sigsetsize: usize) -> KResult<usize> {
    if sigsetsize != 8 {
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
    Err(Errno(514)) // ERESTARTNOHAND: becomes EINTR after the handler
}

crate::user_pod! {
    #[derive(Clone, Copy, Default)]
    pub struct StackT {
        ss_sp: u64,
        ss_flags: i32,
        _pad: i32,
        ss_size: u64,
    }
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
                1
            } else if size == 0 {
                2
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
        let mode = n.ss_flags & !(0x8000_0000u32 as i32);
        if mode != 0 && mode != 2 {
            return Err(EINVAL);
        }
        if mode == 2 {
            *cur.sigaltstack.lock() = (0, 0, 2);
        } else {
            // Linux: MINSIGSTKSZ (2048) — ENOMEM below it.
            if (n.ss_size as usize) < 2048 {
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
        let t = crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)?;
        kill_process(&t, sig, info);
        return Ok(0);
    }
    // Process groups: 0 = ours, -1 = everyone but init and us, < -1 = group -pid.
    let pgrp = match pid {
        0 => cur.signal.pgrp.load(Ordering::Relaxed),
        -1 => -1,
        p => -p,
    };
    let mut found = false;
    for t in crate::kernel::pid::all_processes() {
        let hit = if pgrp == -1 {
            t.tgid() > 1 && t.tgid() != cur.tgid()
        } else {
            t.signal.pgrp.load(Ordering::Relaxed) == pgrp
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
    let t = crate::kernel::pid::find_task_by_pid(tid).ok_or(ESRCH)?;
    let cur = current();
    send_signal(&t, sig, SigInfo { signo: sig, code: SI_TKILL, pid: cur.tgid(), ..Default::default() });
    Ok(0)
}

pub fn sys_tgkill(tgid: i32, pid: i32, sig: i32) -> KResult<usize> {
    if tgid <= 0 {
        return Err(EINVAL);
    }
    let tid = pid;
    let t = crate::kernel::pid::find_task_by_pid(tid).ok_or(ESRCH)?;
    if t.tgid() != tgid {
        return Err(ESRCH);
    }
    sys_tkill(tid, sig)
}

/// Copies a siginfo to user space (waitid, pidfd).
pub fn copy_siginfo_to_user(to: UserPtr<UserSigInfo>, info: &SigInfo) -> KResult<()> {
    to.write(&UserSigInfo::from(info))
}
