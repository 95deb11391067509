//! struct task_struct.  Linux: include/linux/sched.h, arch/riscv/include/asm/thread_info.h.
//!
//! Fields are grouped by what guards them (as xv6's struct proc):
//!   - thread_info, thread: only the CPU running the task (entry.S, __switch_to);
//!   - pid, tgid, stack, signal: set in copy_process, then immutable (exec of a thread-group
//!     leader keeps them);
//!   - state, flags, exit_*: atomics, written by the task itself or by the scheduler;
//!   - rel (real_parent, children): the per-task lock, taken parent-then-child;
//!   - mm, files, fs, sighand: each its own lock (Linux: task_lock), so exec and exit can
//!     swap them while others read;
//!   - real_cred, cred: their own lock; the creds they point to never change (kernel/cred.rs).

use super::cred::Cred;
use super::signal_types::{SigHand, SigPending, SignalStruct};
use crate::arch::riscv::process::{ArchCell, KernelStack, ThreadStruct};
use crate::fs::{FilesStruct, FsStruct};
use crate::kernel::locking::{class, SpinLock};
use crate::mm::MmStruct;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Linux: struct thread_info (riscv): entry.S reads kernel_sp/user_sp at fixed offsets.
#[repr(C)]
pub struct ThreadInfo {
    pub flags: usize,
    pub preempt_count: usize,
    pub kernel_sp: usize,
    pub user_sp: usize,
    pub cpu: usize,
}

// Task states.  Linux: include/linux/sched.h
pub const TASK_RUNNING: u32 = 0x0000;
pub const TASK_INTERRUPTIBLE: u32 = 0x0001;
pub const TASK_UNINTERRUPTIBLE: u32 = 0x0002;
pub const TASK_STOPPED: u32 = 0x0004;
/// Linux: __TASK_TRACED — stopped for the tracer (kernel/ptrace.rs, ptrace_stop).
pub const TASK_TRACED: u32 = 0x0008;
pub const TASK_DEAD: u32 = 0x0080;
pub const TASK_NEW: u32 = 0x0800;
// exit_state
pub const EXIT_DEAD: u32 = 0x0010;
pub const EXIT_ZOMBIE: u32 = 0x0020;
// flags
pub const PF_EXITING: u32 = 0x0000_0004;
pub const PF_FORKNOEXEC: u32 = 0x0000_0040;
/// set*uid found the new user over RLIMIT_NPROC: the next execve fails with EAGAIN.
pub const PF_NPROC_EXCEEDED: u32 = 0x0000_1000;
pub const PF_KTHREAD: u32 = 0x0020_0000;
/// Linux: PF_RANDOMIZE — this image's address space was randomised (set by exec).
pub const PF_RANDOMIZE: u32 = 0x0040_0000;
pub const PF_MCE_PROCESS: u32 = 0x0000_0080;
pub const PF_MEMALLOC_NOIO: u32 = 0x0008_0000;
pub const PF_LOCAL_THROTTLE: u32 = 0x0010_0000;
pub const PF_MCE_EARLY: u32 = 0x0800_0000;
pub const PF_IDLE: u32 = 0x0000_0002;

pub struct Relatives {
    /// Linux: real_parent (parent == real_parent without ptrace).  None for idle.
    pub real_parent: Option<Weak<TaskStruct>>,
    /// Linux: children / sibling lists.  A child stays here (and alive) until reaped.
    pub children: Vec<Arc<TaskStruct>>,
    /// Linux: group_leader
    pub group_leader: Option<Weak<TaskStruct>>,
    /// Linux: parent — the tracer while the task is ptraced (None: real_parent is the parent).
    pub parent: Option<Weak<TaskStruct>>,
    /// Linux: ptraced — the tasks this one traces (kernel/ptrace.rs).
    pub ptraced: Vec<Arc<TaskStruct>>,
}

#[repr(C)]
pub struct TaskStruct {
    pub thread_info: ArchCell<ThreadInfo>,
    pub thread: ArchCell<ThreadStruct>,
    pub stack: KernelStack,

    pub pid: AtomicI32,
    pub tgid: AtomicI32,
    pub state: AtomicU32,
    pub exit_state: AtomicU32,
    pub flags: AtomicU32,
    pub exit_code: AtomicI32,
    /// Signal sent to the parent at exit (Linux: exit_signal; -1 for threads).
    pub exit_signal: AtomicI32,
    pub on_rq: AtomicBool,
    pub need_resched: AtomicBool,
    pub comm: SpinLock<[u8; 16], class::TaskLock>,

    pub rel: SpinLock<Relatives, class::TaskRel>,

    pub mm: SpinLock<Option<Arc<MmStruct>>, class::TaskLock>,
    /// The satp value of `mm` (0 for none), for schedule(), which reads it without taking
    /// task_lock under the run-queue lock (Linux reads next->mm the same way: it cannot
    /// change while the task is not running).  Written only by set_mm().
    pub mm_satp: AtomicUsize,
    pub files: SpinLock<Option<Arc<FilesStruct>>, class::TaskLock>,
    pub fs: SpinLock<Option<Arc<FsStruct>>, class::TaskLock>,
    pub sighand: SpinLock<Arc<SigHand>, class::TaskLock>,
    pub signal: Arc<SignalStruct>,
    /// Linux: real_cred — the objective cred, what others see when they act on this task
    /// (kill, /proc, capget); and cred — the subjective one it acts with.  They differ only
    /// under override_creds().  Replaced whole by commit_creds(), never edited (kernel/cred.rs).
    pub real_cred: SpinLock<Arc<Cred>, class::TaskCred>,
    pub cred: SpinLock<Arc<Cred>, class::TaskCred>,
    /// Linux: PFA_NO_NEW_PRIVS (prctl PR_SET_NO_NEW_PRIVS): exec grants nothing; inherited by
    /// fork, kept across exec, never cleared.
    pub no_new_privs: AtomicBool,
    pub pending: SpinLock<SigPending, class::Pending>,
    /// A copy of pending.set for the lock-free check on every return to user mode (Linux:
    /// TIF_SIGPENDING); written only under the pending lock.
    pub pending_mask: AtomicU64,
    /// Linux: blocked (sigset_t)
    pub blocked: AtomicU64,
    pub saved_sigmask: SpinLock<Option<u64>, class::SignalMisc>,
    /// Linux: real_blocked — the mask before rt_sigtimedwait unblocked what it waits for.
    pub real_blocked: AtomicU64,
    pub sigaltstack: SpinLock<(usize, usize, i32), class::SignalMisc>,
    /// Linux: restart_block — how restart_syscall(2) continues an interrupted sleep.
    pub restart_block: SpinLock<super::signal_types::RestartBlock, class::SignalMisc>,

    /// Linux: vfork_done — the parent of a CLONE_VFORK child sleeps on it.
    pub vfork_done: SpinLock<Option<Arc<super::sched::wait::Completion>>, class::TaskLock>,
    pub set_child_tid: AtomicUsize,
    pub clear_child_tid: AtomicUsize,

    /// Accounting for /proc/PID/stat and rusage, in timer cycles.
    pub start_time: u64,
    pub utime: AtomicU64,
    pub stime: AtomicU64,
    pub nvcsw: AtomicU64,
    pub nivcsw: AtomicU64,
    /// Page faults handled without I/O (Linux: min_flt), for getrusage and /proc/PID/stat.
    pub min_flt: AtomicU64,
    /// Linux: pdeath_signal (prctl PR_SET_PDEATHSIG): sent when the parent dies.
    pub pdeath_signal: AtomicI32,
    /// Fault injection (Linux: current->fail_nth): when N > 0, this task's Nth next page
    /// allocation or fallible heap allocation fails (/proc/PID/fail-nth; mm/failslab.rs).
    pub fail_nth: AtomicU32,
    /// Linux: personality (kernel/exec_domain.rs), copied by fork, adjusted by exec.
    pub personality: AtomicU32,

    /// Scheduling policy, priorities, vruntime, affinity (kernel/sched/prio.rs; atomics).
    pub se: super::sched::prio::SchedEntity,
    /// Robust list, owned PI futexes, futex exit state (kernel/futex/core.rs).
    pub futex: super::futex::FutexState,
    /// The rseq(2) registration and its pending events (kernel/rseq.rs).
    pub rseq: super::rseq::RseqState,
    /// Linux: timer_slack_ns / default_timer_slack_ns (prctl PR_SET_TIMERSLACK,
    /// /proc/PID/timerslack_ns), in nanoseconds.
    pub timer_slack_ns: AtomicU64,
    pub default_timer_slack_ns: AtomicU64,
    /// Linux: nsproxy — the namespaces the task is in (task_lock; None once it has exited).
    pub nsproxy: SpinLock<Option<Arc<super::nsproxy::NsProxy>>, class::TaskLock>,
    /// The task's numbers in the pid namespaces below the initial one (set once, at
    /// attach_pid; unset for a task of the initial namespace, numbered by `pid` and `tgid`).
    pub ns_pids: spin::Once<super::pid::NsPids>,
    /// Linux: sysvsem.undo_list — the SysV semaphore adjustments to undo at exit (task_lock;
    /// shared by CLONE_SYSVSEM, ipc/sem.rs).
    pub sysvsem: SpinLock<Option<Arc<crate::ipc::sem::SemUndoList>>, class::TaskLock>,
    /// Linux: ptrace, jobctl's trap bits, exit_code of a stop, last_siginfo, ptrace_message
    /// (kernel/ptrace.rs).
    pub ptrace: super::ptrace::PtraceState,
}

/// Linux: the initial timer_slack_ns (init_task: 50 us).
pub const DEFAULT_TIMER_SLACK_NS: u64 = 50_000;

pub type Task = Arc<TaskStruct>;

/// What differs between new tasks; everything else starts empty (Linux: what
/// dup_task_struct copies from the parent, or init_task's static initialiser).
pub struct TaskInit {
    pub stack: KernelStack,
    pub pid: i32,
    pub tgid: i32,
    pub state: u32,
    pub flags: u32,
    pub exit_signal: i32,
    pub comm: [u8; 16],
    pub sighand: Arc<SigHand>,
    pub signal: Arc<SignalStruct>,
    pub cred: Arc<Cred>,
    pub no_new_privs: bool,
    pub blocked: u64,
    pub sigaltstack: (usize, usize, i32),
    pub start_time: u64,
    pub personality: u32,
}

impl TaskStruct {
    /// The boot tasks (init_task, the idle tasks): their allocation cannot fail.
    pub fn new(i: TaskInit) -> Task {
        Arc::new(Self::init(i))
    }
    /// Linux: alloc_task_struct_node() in dup_task_struct(): ENOMEM (a fault-injection site).
    pub fn try_new(i: TaskInit) -> crate::errno::KResult<Task> {
        crate::mm::slab::try_arc_with(|| Self::init(i))
    }
    #[inline(always)]
    fn init(i: TaskInit) -> TaskStruct {
        let top = i.stack.top();
        TaskStruct {
            thread_info: ArchCell::new(ThreadInfo { flags: 0, preempt_count: 0, kernel_sp: top, user_sp: 0, cpu: 0 }),
            thread: ArchCell::new(ThreadStruct::zeroed()),
            stack: i.stack,
            pid: AtomicI32::new(i.pid),
            tgid: AtomicI32::new(i.tgid),
            state: AtomicU32::new(i.state),
            exit_state: AtomicU32::new(0),
            flags: AtomicU32::new(i.flags),
            exit_code: AtomicI32::new(0),
            exit_signal: AtomicI32::new(i.exit_signal),
            on_rq: AtomicBool::new(false),
            need_resched: AtomicBool::new(false),
            comm: SpinLock::new(i.comm),
            rel: SpinLock::new(Relatives {
                real_parent: None,
                children: Vec::new(),
                group_leader: None,
                parent: None,
                ptraced: Vec::new(),
            }),
            mm: SpinLock::new(None),
            mm_satp: AtomicUsize::new(0),
            files: SpinLock::new(None),
            fs: SpinLock::new(None),
            sighand: SpinLock::new(i.sighand),
            signal: i.signal,
            real_cred: SpinLock::new(i.cred.clone()),
            cred: SpinLock::new(i.cred),
            no_new_privs: AtomicBool::new(i.no_new_privs),
            pending: SpinLock::new(SigPending::default()),
            pending_mask: AtomicU64::new(0),
            blocked: AtomicU64::new(i.blocked),
            saved_sigmask: SpinLock::new(None),
            real_blocked: AtomicU64::new(0),
            sigaltstack: SpinLock::new(i.sigaltstack),
            restart_block: SpinLock::new(super::signal_types::RestartBlock::None),
            vfork_done: SpinLock::new(None),
            set_child_tid: AtomicUsize::new(0),
            clear_child_tid: AtomicUsize::new(0),
            start_time: i.start_time,
            utime: AtomicU64::new(0),
            stime: AtomicU64::new(0),
            nvcsw: AtomicU64::new(0),
            nivcsw: AtomicU64::new(0),
            min_flt: AtomicU64::new(0),
            pdeath_signal: AtomicI32::new(0),
            fail_nth: AtomicU32::new(0),
            personality: AtomicU32::new(i.personality),
            se: super::sched::prio::SchedEntity::new(),
            futex: super::futex::FutexState::new(),
            rseq: super::rseq::RseqState::new(),
            timer_slack_ns: AtomicU64::new(DEFAULT_TIMER_SLACK_NS),
            default_timer_slack_ns: AtomicU64::new(DEFAULT_TIMER_SLACK_NS),
            nsproxy: SpinLock::new(None),
            ns_pids: spin::Once::new(),
            sysvsem: SpinLock::new(None),
            ptrace: super::ptrace::PtraceState::new(),
        }
    }
}

impl TaskStruct {
    pub fn pid(&self) -> i32 {
        self.pid.load(Ordering::Relaxed)
    }
    pub fn tgid(&self) -> i32 {
        self.tgid.load(Ordering::Relaxed)
    }
    pub fn state(&self) -> u32 {
        self.state.load(Ordering::Acquire)
    }
    pub fn set_state(&self, s: u32) {
        self.state.store(s, Ordering::Release)
    }
    pub fn exit_state(&self) -> u32 {
        self.exit_state.load(Ordering::Acquire)
    }
    pub fn has_flag(&self, f: u32) -> bool {
        self.flags.load(Ordering::Relaxed) & f != 0
    }
    pub fn is_kthread(&self) -> bool {
        self.has_flag(PF_KTHREAD)
    }

    /// Installs `mm` (exec, fork, exit) and returns the old one; keeps mm_satp in step.
    pub fn set_mm(&self, mm: Option<Arc<MmStruct>>) -> Option<Arc<MmStruct>> {
        let mut g = self.mm.lock();
        self.mm_satp.store(mm.as_ref().map_or(0, |m| m.satp()), Ordering::Release);
        core::mem::replace(&mut *g, mm)
    }

    /// The name for an oops or the OOM killer's lines: a copy that allocates nothing, taken
    /// only if task_lock is free (an oops may interrupt its holder), else "?".
    pub fn comm_name(&self) -> CommName {
        CommName(self.comm.try_lock().map(|c| *c))
    }

    pub fn comm_string(&self) -> String {
        let c = self.comm.lock();
        let n = c.iter().position(|&b| b == 0).unwrap_or(16);
        String::from_utf8_lossy(&c[..n]).into_owned()
    }

    /// Linux: __set_task_comm(): the basename, truncated to TASK_COMM_LEN - 1.
    pub fn set_comm(&self, name: &[u8]) {
        let base = name.rsplit(|&b| b == b'/').next().unwrap_or(name);
        let mut c = [0u8; 16];
        let n = base.len().min(15);
        c[..n].copy_from_slice(&base[..n]);
        *self.comm.lock() = c;
    }

    pub fn parent(&self) -> Option<Task> {
        self.rel.lock().real_parent.as_ref().and_then(|w| w.upgrade())
    }

    /// Linux: task_ppid_nr()
    pub fn ppid(&self) -> i32 {
        self.parent().map_or(0, |p| p.tgid())
    }

    pub fn thread_info(&self) -> *mut ThreadInfo {
        self.thread_info.get()
    }

    /// The user-visible thread struct (for gdb helpers and the tracer).
    pub fn thread_ra_sp(&self) -> (usize, usize) {
        crate::arch::riscv::process::thread_ra_sp(self)
    }
}

/// Linux: `current`.
pub fn current() -> Task {
    crate::arch::riscv::current_task()
}

/// Runs `f` with a reference to current without touching its refcount (hot paths).
pub fn with_current<R>(f: impl FnOnce(&TaskStruct) -> R) -> R {
    crate::arch::riscv::with_current_task(f)
}

/// A task's comm copied out for printing (TaskStruct::comm_name): up to TASK_COMM_LEN - 1
/// bytes, shown as UTF-8 with invalid bytes as U+FFFD, with no allocation.
pub struct CommName(Option<[u8; 16]>);

impl core::fmt::Display for CommName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let Some(c) = &self.0 else { return f.write_str("?") };
        let n = c.iter().position(|&b| b == 0).unwrap_or(16);
        for chunk in c[..n].utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}
