//! The signal API's types and numbers: signal numbers and SA_* flags, struct sigaction, the
//! pending set, siginfo (the kernel's and the user's), stack_t, and the two structures a task
//! shares with others: sighand_struct (CLONE_SIGHAND) and signal_struct (the thread group,
//! with its rlimits, process group, job-control state and ITIMER_REAL).
//! Linux: include/linux/signal_types.h (k_sigaction, sigpending, ksignal),
//! include/linux/sched/signal.h (signal_struct, sighand_struct), include/linux/signal.h
//! (sigmask, SIG_KERNEL_ONLY_MASK), include/uapi/asm-generic/signal.h and siginfo.h (numbers,
//! flags, stack_t, siginfo_t), include/asm-generic/resource.h (INIT_RLIMITS).
//!
//! The numbers come from linux-raw-sys.  kernel/signal.rs re-exports everything here (as
//! kernel/signal.c includes <linux/signal.h>), so `kernel::signal::SIGCHLD` names the same item.

use crate::kernel::locking::{class, SpinLock};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicUsize, Ordering};
use linux_raw_sys::general as uapi;

pub const SIGHUP: i32 = uapi::SIGHUP as i32;
pub const SIGINT: i32 = uapi::SIGINT as i32;
pub const SIGQUIT: i32 = uapi::SIGQUIT as i32;
pub const SIGILL: i32 = uapi::SIGILL as i32;
pub const SIGTRAP: i32 = uapi::SIGTRAP as i32;
pub const SIGABRT: i32 = uapi::SIGABRT as i32;
pub const SIGBUS: i32 = uapi::SIGBUS as i32;
pub const SIGFPE: i32 = uapi::SIGFPE as i32;
pub const SIGKILL: i32 = uapi::SIGKILL as i32;
pub const SIGUSR1: i32 = uapi::SIGUSR1 as i32;
pub const SIGSEGV: i32 = uapi::SIGSEGV as i32;
pub const SIGUSR2: i32 = uapi::SIGUSR2 as i32;
pub const SIGPIPE: i32 = uapi::SIGPIPE as i32;
pub const SIGALRM: i32 = uapi::SIGALRM as i32;
pub const SIGTERM: i32 = uapi::SIGTERM as i32;
pub const SIGCHLD: i32 = uapi::SIGCHLD as i32;
pub const SIGCONT: i32 = uapi::SIGCONT as i32;
pub const SIGSTOP: i32 = uapi::SIGSTOP as i32;
pub const SIGTSTP: i32 = uapi::SIGTSTP as i32;
pub const SIGTTIN: i32 = uapi::SIGTTIN as i32;
pub const SIGTTOU: i32 = uapi::SIGTTOU as i32;
pub const SIGURG: i32 = uapi::SIGURG as i32;
pub const SIGXCPU: i32 = uapi::SIGXCPU as i32;
pub const SIGXFSZ: i32 = uapi::SIGXFSZ as i32;
pub const SIGWINCH: i32 = uapi::SIGWINCH as i32;
pub const SIGVTALRM: i32 = uapi::SIGVTALRM as i32;
pub const SIGPROF: i32 = uapi::SIGPROF as i32;
pub const SIGIO: i32 = uapi::SIGIO as i32;
pub const SIGSYS: i32 = uapi::SIGSYS as i32;
/// Linux: _NSIG — signals are 1..=64.
pub const NSIG: i32 = uapi::_NSIG as i32;

// Linux: include/uapi/asm-generic/signal-defs.h (SIG_DFL, SIG_IGN are handler values).
pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;

// rt_sigprocmask(2)'s `how`.
pub const SIG_BLOCK: i32 = uapi::SIG_BLOCK as i32;
pub const SIG_UNBLOCK: i32 = uapi::SIG_UNBLOCK as i32;
pub const SIG_SETMASK: i32 = uapi::SIG_SETMASK as i32;

pub const SA_NOCLDSTOP: u64 = uapi::SA_NOCLDSTOP as u64;
pub const SA_NOCLDWAIT: u64 = uapi::SA_NOCLDWAIT as u64;
pub const SA_SIGINFO: u64 = uapi::SA_SIGINFO as u64;
pub const SA_ONSTACK: u64 = uapi::SA_ONSTACK as u64;
pub const SA_RESTART: u64 = uapi::SA_RESTART as u64;
pub const SA_NODEFER: u64 = uapi::SA_NODEFER as u64;
pub const SA_RESETHAND: u64 = uapi::SA_RESETHAND as u64;

// si_code values (Linux: include/uapi/asm-generic/siginfo.h).
pub const SI_USER: i32 = uapi::SI_USER as i32;
pub const SI_KERNEL: i32 = uapi::SI_KERNEL as i32;
pub const SI_TKILL: i32 = uapi::SI_TKILL;
pub const SI_QUEUE: i32 = uapi::SI_QUEUE;
pub const SI_TIMER: i32 = uapi::SI_TIMER;
pub const SI_MESGQ: i32 = uapi::SI_MESGQ;
/// Linux: SIGRTMIN and SIGRTMAX (the kernel's: glibc keeps 32 and 33 for itself).
pub const SIGRTMIN: i32 = uapi::SIGRTMIN as i32;
pub const SIGRTMAX: i32 = NSIG;
pub const CLD_EXITED: i32 = uapi::CLD_EXITED as i32;
pub const CLD_KILLED: i32 = uapi::CLD_KILLED as i32;
pub const CLD_DUMPED: i32 = uapi::CLD_DUMPED as i32;
pub const CLD_STOPPED: i32 = uapi::CLD_STOPPED as i32;
pub const CLD_CONTINUED: i32 = uapi::CLD_CONTINUED as i32;
pub const CLD_TRAPPED: i32 = uapi::CLD_TRAPPED as i32;

// sigaltstack(2): ss_flags, and the smallest stack it accepts.
pub const SS_ONSTACK: i32 = uapi::SS_ONSTACK as i32;
pub const SS_DISABLE: i32 = uapi::SS_DISABLE as i32;
pub const SS_AUTODISARM: i32 = uapi::SS_AUTODISARM as i32;
pub const MINSIGSTKSZ: usize = uapi::MINSIGSTKSZ as usize;

/// Linux: sizeof(sigset_t), which the rt_sig* syscalls take as `sigsetsize`: one bit a signal.
pub const SIGSET_SIZE: usize = NSIG as usize / 8;

/// Linux: sigmask(): the bit of `sig` in a sigset.
pub fn sigmask(sig: i32) -> u64 {
    1u64 << (sig - 1)
}
/// Linux: SIG_KERNEL_ONLY_MASK — SIGKILL and SIGSTOP can be neither blocked nor caught.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

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
    pub action: SpinLock<[SigAction; NSIG as usize], class::Sighand>,
    /// Linux: sighand->signalfd_wqh — signalfd readers and pollers, woken by every signal
    /// queued to a task sharing these handlers.
    pub signalfd_wqh: crate::kernel::sched::wait::LazyWaitQueue,
}

impl SigHand {
    pub fn new() -> Arc<SigHand> {
        Arc::new(SigHand {
            action: SpinLock::new([SigAction::default(); NSIG as usize]),
            signalfd_wqh: crate::kernel::sched::wait::LazyWaitQueue::new(),
        })
    }
    /// dup() for exec, which may not fail (past its point of no return).  Out of line and built
    /// in place by Arc::new, as dup() is (see there).
    #[inline(never)]
    pub fn dup_nofail(&self) -> Arc<SigHand> {
        Arc::new(SigHand {
            action: SpinLock::new(*self.action.lock()),
            signalfd_wqh: crate::kernel::sched::wait::LazyWaitQueue::new(),
        })
    }
    /// Linux: copy_sighand() without CLONE_SIGHAND.  Never inlined: inlined, the 1.5 KiB copy's
    /// stack temporary lands wherever the caller's frame puts it, and at an address misaligned
    /// with the heap copy memcpy goes the slow (shifting) way: ~2,000 instructions per fork.
    /// ENOMEM (kmem_cache_alloc(sighand_cachep), a fault-injection site; try_arc_with builds
    /// the table in place).
    #[inline(never)]
    pub fn dup(&self) -> crate::errno::KResult<Arc<SigHand>> {
        crate::mm::slab::try_arc_with(|| SigHand {
            action: SpinLock::new(*self.action.lock()),
            signalfd_wqh: crate::kernel::sched::wait::LazyWaitQueue::new(),
        })
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

/// siginfo as the kernel keeps it (Linux: kernel_siginfo_t).
#[derive(Clone, Copy, Default)]
pub struct SigInfo {
    pub signo: i32,
    pub code: i32,
    pub errno: i32,
    pub pid: i32,
    pub uid: u32,
    pub status: i32,
    pub addr: usize,
    /// The union as it is (a user's rt_sigqueueinfo, a POSIX timer's SI_TIMER): its first 32
    /// bytes, which Linux's kernel_siginfo keeps; when set, it is delivered instead of the
    /// fields above.
    pub fields: Option<[u64; 4]>,
}

/// Linux: struct restart_block (include/linux/restart_block.h): how restart_syscall(2)
/// continues a syscall that returned ERESTART_RESTARTBLOCK; None: EINTR
/// (do_no_restart_syscall).
#[derive(Clone, Copy, Default)]
pub enum RestartBlock {
    #[default]
    None,
    /// An interrupted relative nanosleep: on to `expires` on `base` (hrtimer_nanosleep_restart).
    Nanosleep {
        base: crate::kernel::time::posix_timers::Base,
        expires: u64,
        rmtp: Option<crate::mm::uaccess::UserPtr<crate::kernel::time::Timespec>>,
    },
    /// The same on a CPU-time clock (posix_cpu_nsleep_restart).
    CpuNanosleep {
        clockid: i32,
        expires: u64,
        rmtp: Option<crate::mm::uaccess::UserPtr<crate::kernel::time::Timespec>>,
    },
}

/// Linux: struct ksignal — a signal get_signal() chose for a handler: its action and siginfo.
#[derive(Clone, Copy)]
pub struct KSignal {
    pub ka: SigAction,
    pub info: SigInfo,
    pub sig: i32,
}

/// Signals queued for the user, against RLIMIT_SIGPENDING (Linux: the ucounts'
/// UCOUNT_RLIMIT_SIGPENDING).  One user until MenuOS has credentials.
static SIGPENDING_COUNT: AtomicUsize = AtomicUsize::new(0);

/// The signals queued for the caller's user (/proc/PID/status's SigQ).
pub fn sigpending_count() -> usize {
    SIGPENDING_COUNT.load(Ordering::Relaxed)
}

/// One queued signal counted against RLIMIT_SIGPENDING, given back when it is dropped
/// (Linux: __sigqueue_alloc()'s inc_rlimit_get_ucounts() and __sigqueue_free()).
pub struct SigpendingCharge(());

impl SigpendingCharge {
    /// None when `limit()` signals are queued already, unless `override_rlimit`.
    pub fn try_new(limit: impl FnOnce() -> u64, override_rlimit: bool) -> Option<Self> {
        let n = SIGPENDING_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
        if override_rlimit || n as u64 <= limit() {
            Some(SigpendingCharge(()))
        } else {
            SIGPENDING_COUNT.fetch_sub(1, Ordering::Relaxed);
            None
        }
    }
}

impl Drop for SigpendingCharge {
    fn drop(&mut self) {
        SIGPENDING_COUNT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Linux: struct sigqueue — one queued instance of a signal and its siginfo.
pub struct SigQueue {
    pub info: SigInfo,
    /// Held while queued (a POSIX timer's preallocated entry has none: SIGQUEUE_PREALLOC).
    pub charge: Option<SigpendingCharge>,
    /// A POSIX timer's own entry: the timer is rearmed when it is dequeued, and hears when it
    /// leaves the queue however it leaves.
    pub timer: Option<crate::kernel::time::posix_timers::TimerSigq>,
}

/// Linux: struct sigpending: the set of pending signals, and their queue in arrival order
/// (each real-time signal once per send, a standard signal at most once).
#[derive(Default)]
pub struct SigPending {
    pub set: u64,
    pub list: alloc::collections::VecDeque<SigQueue>,
}

/// Linux: SYNCHRONOUS_MASK — faults are dequeued before anything else.
pub const SYNCHRONOUS_MASK: u64 = (1 << (SIGSEGV - 1))
    | (1 << (SIGBUS - 1))
    | (1 << (SIGILL - 1))
    | (1 << (SIGTRAP - 1))
    | (1 << (SIGFPE - 1))
    | (1 << (SIGSYS - 1));

impl SigPending {
    /// Drops the pending signals in `mask` and their queue entries (Linux:
    /// flush_sigqueue_mask()).
    pub fn discard(&mut self, mask: u64) {
        self.set &= !mask;
        if !self.list.is_empty() {
            self.list.retain(|q| mask & sigmask(q.info.signo) == 0);
        }
    }

    /// Linux: next_signal(): the signal to take among those not in `blocked`: a synchronous
    /// fault first, then the lowest number.
    pub fn next_signal(&self, blocked: u64) -> Option<i32> {
        let avail = self.set & !blocked;
        if avail == 0 {
            return None;
        }
        let sync = avail & SYNCHRONOUS_MASK;
        let pick = if sync != 0 { sync } else { avail };
        Some(pick.trailing_zeros() as i32 + 1)
    }

    /// Linux: collect_signal(): the first queued instance of `sig` (its bit stays set while
    /// another is queued); without one (a signal whose siginfo was lost to RLIMIT_SIGPENDING),
    /// a siginfo of SI_USER from nobody.
    pub fn collect_signal(&mut self, sig: i32) -> SigQueue {
        let mut first = None;
        let mut more = false;
        for (i, q) in self.list.iter().enumerate() {
            if q.info.signo == sig {
                if first.is_some() {
                    more = true;
                    break;
                }
                first = Some(i);
            }
        }
        if !more {
            self.set &= !sigmask(sig);
        }
        match first.and_then(|i| self.list.remove(i)) {
            Some(q) => q,
            None => SigQueue {
                info: SigInfo { signo: sig, code: SI_USER, ..Default::default() },
                charge: None,
                timer: None,
            },
        }
    }
}

/// Linux: struct signal_struct — shared by a thread group.
pub struct SignalStruct {
    pub pgrp: AtomicI32,
    pub session: AtomicI32,
    pub group_exit: AtomicBool,
    pub group_exit_code: AtomicI32,
    pub live: AtomicU32,
    pub rlimits: SpinLock<[[u64; 2]; RLIM_NLIMITS], class::SignalMisc>,
    /// Linux: signal->wait_chldexit — parents sleep here in wait4/waitid.
    pub wait_chldexit: crate::kernel::sched::wait::WaitQueue,
    /// Linux: pid->wait_pidfd — pidfd pollers, woken when the process exits.
    pub wait_pidfd: crate::kernel::sched::wait::LazyWaitQueue,
    /// Linux: is_child_subreaper / has_child_subreaper (prctl)
    pub is_child_subreaper: AtomicBool,
    /// Linux: signal->cutime, cstime, cmin_flt, cnvcsw, cnivcsw — what the reaped children
    /// (and, through them, their reaped children) used (wait_task_zombie).
    pub cutime: core::sync::atomic::AtomicU64,
    pub cstime: core::sync::atomic::AtomicU64,
    pub cmin_flt: core::sync::atomic::AtomicU64,
    pub cnvcsw: core::sync::atomic::AtomicU64,
    pub cnivcsw: core::sync::atomic::AtomicU64,
    /// Linux: signal->min_flt, nvcsw, nivcsw — the released threads' counts (__exit_signal);
    /// their CPU time is in `timers`.
    pub min_flt: core::sync::atomic::AtomicU64,
    pub nvcsw: core::sync::atomic::AtomicU64,
    pub nivcsw: core::sync::atomic::AtomicU64,
    pub tty_controlling: AtomicBool,
    /// Job control (Linux: signal->flags SIGNAL_STOP_STOPPED / SIGNAL_CLD_*, group_exit_code):
    /// (stopped, stop to report with this signal (0: none), continue to report)
    pub stop: SpinLock<StopState, class::SignalMisc>,
    /// Linux: signal->shared_pending — signals sent to the process (kill, SIGCHLD, its
    /// timers), taken by whichever thread does not block them.
    pub shared_pending: SpinLock<SigPending, class::Pending>,
    /// shared_pending.set, for the lock-free check on the way back to user mode.
    pub shared_mask: core::sync::atomic::AtomicU64,
    /// The process's CPU time, interval timers and POSIX timers (Linux: signal->utime/stime,
    /// real_timer, it[], posix_timers).
    pub timers: crate::kernel::time::posix_timers::SignalTimers,
    /// Linux: oom_score_adj and oom_score_adj_min (/proc/PID/oom_score_adj, -1000..1000),
    /// inherited across fork.
    pub oom_score_adj: AtomicI32,
    pub oom_score_adj_min: AtomicI32,
}

#[derive(Clone, Copy, Default)]
pub struct StopState {
    pub stopped: bool,
    pub report_stop: i32,
    pub report_cont: bool,
}

// Resource limits, kept in signal_struct (Linux: signal->rlim).
// Linux: include/uapi/asm-generic/resource.h.
pub const RLIM_INFINITY: u64 = u64::MAX;
pub const RLIM_NLIMITS: usize = uapi::RLIM_NLIMITS as usize;
pub const RLIMIT_STACK: usize = uapi::RLIMIT_STACK as usize;
pub const RLIMIT_CORE: usize = uapi::RLIMIT_CORE as usize;
pub const RLIMIT_NPROC: usize = uapi::RLIMIT_NPROC as usize;
pub const RLIMIT_NOFILE: usize = uapi::RLIMIT_NOFILE as usize;
pub const RLIMIT_MEMLOCK: usize = uapi::RLIMIT_MEMLOCK as usize;
pub const RLIMIT_AS: usize = uapi::RLIMIT_AS as usize;
pub const RLIMIT_SIGPENDING: usize = uapi::RLIMIT_SIGPENDING as usize;
pub const RLIMIT_MSGQUEUE: usize = uapi::RLIMIT_MSGQUEUE as usize;
pub const RLIMIT_NICE: usize = uapi::RLIMIT_NICE as usize;
pub const RLIMIT_RTPRIO: usize = uapi::RLIMIT_RTPRIO as usize;

impl SignalStruct {
    pub fn new() -> Arc<SignalStruct> {
        Arc::new(Self::init())
    }
    #[inline(always)]
    fn init() -> SignalStruct {
        // Linux: INIT_RLIMITS in include/asm-generic/resource.h
        let inf = [RLIM_INFINITY, RLIM_INFINITY];
        let mut r = [inf; RLIM_NLIMITS];
        r[RLIMIT_STACK] = [8 * 1024 * 1024, RLIM_INFINITY]; // _STK_LIM
        r[RLIMIT_CORE] = [0, RLIM_INFINITY];
        r[RLIMIT_NOFILE] = [1024, 4096]; // INR_OPEN_CUR, INR_OPEN_MAX
        r[RLIMIT_NPROC] = [0, 0]; // fork_init() sets init's: max_threads / 2
        r[RLIMIT_MEMLOCK] = [8 * 1024 * 1024, 8 * 1024 * 1024]; // MLOCK_LIMIT
        r[RLIMIT_AS] = inf;
        r[RLIMIT_SIGPENDING] = [0, 0]; // as RLIMIT_NPROC
        r[RLIMIT_MSGQUEUE] = [819200, 819200]; // MQ_BYTES_MAX
        r[RLIMIT_NICE] = [0, 0];
        r[RLIMIT_RTPRIO] = [0, 0];
        SignalStruct {
            pgrp: AtomicI32::new(0),
            session: AtomicI32::new(0),
            group_exit: AtomicBool::new(false),
            group_exit_code: AtomicI32::new(0),
            live: AtomicU32::new(1),
            rlimits: SpinLock::new(r),
            wait_chldexit: crate::kernel::sched::wait::WaitQueue::new(),
            wait_pidfd: crate::kernel::sched::wait::LazyWaitQueue::new(),
            is_child_subreaper: AtomicBool::new(false),
            cutime: Default::default(),
            cstime: Default::default(),
            cmin_flt: Default::default(),
            cnvcsw: Default::default(),
            cnivcsw: Default::default(),
            min_flt: Default::default(),
            nvcsw: Default::default(),
            nivcsw: Default::default(),
            tty_controlling: AtomicBool::new(false),
            stop: SpinLock::new(StopState::default()),
            shared_pending: SpinLock::new(SigPending::default()),
            shared_mask: core::sync::atomic::AtomicU64::new(0),
            timers: crate::kernel::time::posix_timers::SignalTimers::new(),
            oom_score_adj: AtomicI32::new(0),
            oom_score_adj_min: AtomicI32::new(0),
        }
    }
    /// Linux: copy_signal(): a new process inherits limits, process group and session;
    /// ENOMEM (kmem_cache_zalloc(signal_cachep), a fault-injection site).
    pub fn dup(&self) -> crate::errno::KResult<Arc<SignalStruct>> {
        let s = crate::mm::slab::try_arc_with(Self::init)?;
        let r = *self.rlimits.lock();
        *s.rlimits.lock() = r;
        s.pgrp.store(self.pgrp.load(Ordering::Relaxed), Ordering::Relaxed);
        s.session.store(self.session.load(Ordering::Relaxed), Ordering::Relaxed);
        s.oom_score_adj.store(self.oom_score_adj.load(Ordering::Relaxed), Ordering::Relaxed);
        s.oom_score_adj_min.store(self.oom_score_adj_min.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(s)
    }
    pub fn rlimit(&self, r: usize) -> u64 {
        self.rlimits.lock()[r][0]
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

/// Linux: enum siginfo_layout — which member of siginfo's union a (signal, si_code) uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SigInfoLayout {
    Kill,
    Timer,
    Poll,
    Fault,
    Chld,
    Rt,
    Sys,
}

/// Linux: sig_sicodes[]: the signals with si_codes of their own, and how many they have.
fn sig_specific_limit(sig: i32) -> Option<i32> {
    Some(match sig {
        SIGILL => uapi::NSIGILL,
        SIGFPE => uapi::NSIGFPE,
        SIGSEGV => uapi::NSIGSEGV,
        SIGBUS => uapi::NSIGBUS,
        SIGTRAP => uapi::NSIGTRAP,
        SIGCHLD => uapi::NSIGCHLD,
        SIGIO => uapi::NSIGPOLL,
        SIGSYS => uapi::NSIGSYS,
        _ => return None,
    } as i32)
}

/// Linux: siginfo_layout(): codes above SI_USER and below SI_KERNEL are the signal's own
/// (faults, SIGCHLD's CLD_*, SIGIO's POLL_*, SIGSYS); SI_TIMER is a timer's; other negative
/// codes (SI_QUEUE, SI_TKILL, ...) carry a sigval; the rest is kill's pid and uid.
pub fn siginfo_layout(sig: i32, code: i32) -> SigInfoLayout {
    if code > SI_USER && code < SI_KERNEL {
        match sig_specific_limit(sig) {
            Some(l) if code <= l => match sig {
                SIGCHLD => SigInfoLayout::Chld,
                SIGIO => SigInfoLayout::Poll,
                SIGSYS => SigInfoLayout::Sys,
                _ => SigInfoLayout::Fault,
            },
            _ if code <= uapi::NSIGPOLL as i32 => SigInfoLayout::Poll,
            _ => SigInfoLayout::Kill,
        }
    } else if code == SI_TIMER {
        SigInfoLayout::Timer
    } else if code == uapi::SI_SIGIO {
        SigInfoLayout::Poll
    } else if code < 0 {
        SigInfoLayout::Rt
    } else {
        SigInfoLayout::Kill
    }
}

/// Linux: known_siginfo_layout(): the si_codes whose siginfo fits the kernel's.
pub fn known_siginfo_layout(sig: i32, code: i32) -> bool {
    if code == SI_KERNEL {
        true
    } else if code > SI_USER {
        code <= sig_specific_limit(sig).unwrap_or(uapi::NSIGPOLL as i32)
    } else {
        code >= uapi::SI_DETHREAD || code == uapi::SI_ASYNCNL
    }
}

impl UserSigInfo {
    pub fn from(info: &SigInfo) -> Self {
        let mut s =
            UserSigInfo { si_signo: info.signo, si_errno: info.errno, si_code: info.code, _pad0: 0, f: [0; 14] };
        if let Some(fields) = info.fields {
            s.f[..4].copy_from_slice(&fields);
            return s;
        }
        match siginfo_layout(info.signo, info.code) {
            SigInfoLayout::Fault => s.f[0] = info.addr as u64,
            _ => {
                s.f[0] = (info.pid as u32 as u64) | ((info.uid as u64) << 32);
                s.f[1] = info.status as u32 as u64;
            }
        }
        s
    }
}

crate::user_pod! {
    /// Linux: stack_t (include/uapi/asm-generic/signal.h), for sigaltstack(2).
    #[derive(Clone, Copy, Default)]
    pub struct StackT {
        pub ss_sp: u64,
        pub ss_flags: i32,
        pub _pad: i32,
        pub ss_size: u64,
    }
}
