//! Process creation: clone, clone3, kernel_clone, copy_process.  Linux: kernel/fork.c.
//!
//! The path a fork takes, in Linux's order and under Linux's names (each a real, unmangled
//! symbol: `break copy_process` works in gdb):
//!
//!   ecall (a7 = 220) -> do_trap -> do_syscall -> sys_clone -> kernel_clone -> copy_process
//!     -> dup_task_struct (task + kernel stack) -> copy_creds -> sched_fork
//!     -> copy_files, copy_fs, copy_sighand, copy_signal, copy_mm (dup_mm -> dup_mmap),
//!        copy_namespaces
//!     -> copy_thread (arch/riscv/process.rs: child pt_regs = parent's with a0 = 0,
//!        thread.ra = ret_from_fork, thread.sp = the child's pt_regs)
//!     -> alloc_pid -> (pidfd) -> link into the parent's children
//!   -> wake_up_new_task -> (CLONE_VFORK: wait_for_vfork_done)
//! and the child, once scheduled: __switch_to -> ret_from_fork -> schedule_tail -> user mode,
//! where fork returns 0.
//!
//! Failure anywhere in copy_process drops what was built so far (RAII replaces Linux's goto
//! ladder of bad_fork_* labels): the Arcs of the half-built task release its stack, files,
//! mm and pid.

use crate::arch::riscv::process::{copy_thread, with_current_pt_regs, KernelStack, ThreadArgs, THREAD_SIZE};
use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::kernel::capability::{capable, CAP_SYS_ADMIN, CAP_SYS_RESOURCE};
use crate::kernel::cred::{copy_creds, GLOBAL_ROOT_UID};
use crate::kernel::locking::{class, SpinLock, SpinLockGuard};
use crate::kernel::pid::alloc_pid;
use crate::kernel::ptrace::{
    ptrace_event_enabled, ptrace_event_pid, ptrace_init_task, PTRACE_EVENT_CLONE, PTRACE_EVENT_FORK,
    PTRACE_EVENT_VFORK, PTRACE_EVENT_VFORK_DONE,
};
use crate::kernel::sched::wait::Completion;
use crate::kernel::sched::wake_up_new_task;
use crate::kernel::signal_types::{SigHand, SignalStruct, RLIMIT_NPROC, RLIMIT_SIGPENDING, SIGCHLD, SS_DISABLE};
use crate::kernel::task::*;
use crate::kernel::ucount::RlimitType;
use crate::mm::uaccess::{write_user, UserPtr};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::*;

// Linux: include/uapi/linux/sched.h — the flag values and the pure argument checks live in
// the host-tested `clonecheck` crate; this file calls them at the points Linux does.
pub use clonecheck::{
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_CLEAR_SIGHAND, CLONE_DETACHED, CLONE_FILES, CLONE_FS,
    CLONE_INTO_CGROUP, CLONE_IO, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME,
    CLONE_NEWUSER, CLONE_NEWUTS, CLONE_PARENT, CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_PTRACE, CLONE_SETTLS,
    CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_UNTRACED, CLONE_VFORK, CLONE_VM, CSIGNAL,
};

fn errno(e: clonecheck::Errno) -> Errno {
    Errno(e as i32)
}

/// Linux: tasklist_lock (DEFINE_RWLOCK in kernel/fork.c): held while tasks are linked into or
/// out of the task tree (copy_process, exit_notify, release_task, reparenting) and while
/// do_wait walks a parent's children, so each of those is one step for all the others.
/// Lock order: the outermost lock (kernel/locking/mod.rs).
static TASKLIST_LOCK: SpinLock<(), class::Tasklist> = SpinLock::new(());

/// Proof that tasklist_lock is held: the functions that change the task tree take one.
pub struct TasklistGuard<'a>(#[allow(dead_code)] SpinLockGuard<'a, ()>);

/// Linux: write_lock_irq(&tasklist_lock).
pub fn tasklist_lock() -> TasklistGuard<'static> {
    TasklistGuard(TASKLIST_LOCK.lock())
}

/// Linux: max_threads (/proc/sys/kernel/threads-max): copy_process() refuses a new task
/// (EAGAIN) while this many exist.  Set from the memory size by fork_init().
pub static MAX_THREADS: AtomicI32 = AtomicI32::new(MIN_THREADS);
/// Linux: MIN_THREADS and MAX_THREADS (FUTEX_TID_MASK: a tid must fit a futex word's tid bits).
const MIN_THREADS: i32 = 20;
const MAX_THREADS_LIMIT: i32 = linux_raw_sys::general::FUTEX_TID_MASK as i32;

/// Linux: set_max_threads(): the thread structures (a kernel stack each) may take at most an
/// eighth of the memory: totalram / (8 * THREAD_SIZE), within [MIN_THREADS, suggested].
fn set_max_threads(max_threads_suggested: i32) {
    let nr_pages = crate::mm::page_alloc::totalram_pages() as u64;
    let threads = nr_pages * crate::mm::PAGE_SIZE as u64 / (THREAD_SIZE as u64 * 8);
    let threads = threads.min(max_threads_suggested as u64).clamp(MIN_THREADS as u64, MAX_THREADS_LIMIT as u64);
    MAX_THREADS.store(threads as i32, Ordering::Relaxed);
}

/// Linux: fork_init(): max_threads from the memory size, and init's RLIMIT_NPROC and
/// RLIMIT_SIGPENDING at half of it (every process inherits them).
#[no_mangle]
#[inline(never)]
pub fn fork_init() {
    set_max_threads(MAX_THREADS_LIMIT);
    let half = (MAX_THREADS.load(Ordering::Relaxed) / 2) as u64;
    let cur = current();
    let mut r = cur.signal.rlimits.lock();
    r[RLIMIT_NPROC] = [half, half];
    r[RLIMIT_SIGPENDING] = [half, half];
}

/// Linux: sysctl_max_threads() (/proc/sys/kernel/threads-max): proc_dointvec_minmax over
/// [1, FUTEX_TID_MASK]; a write sets max_threads as given.
pub fn sysctl_max_threads(
    _t: &crate::kernel::sysctl::CtlTable,
    io: crate::kernel::sysctl::Io,
    pos: &mut u64,
) -> KResult<usize> {
    let threads = [AtomicI32::new(MAX_THREADS.load(Ordering::Relaxed))];
    let write = matches!(io, crate::kernel::sysctl::Io::Write(_));
    let r = crate::kernel::sysctl::do_proc_dointvec(&threads, io, pos, Some(1), Some(MAX_THREADS_LIMIT as i64))?;
    if write {
        MAX_THREADS.store(threads[0].load(Ordering::Relaxed), Ordering::Relaxed);
    }
    Ok(r)
}

/// Linux: total_forks, the processes and threads created since boot (/proc/stat's processes).
static TOTAL_FORKS: AtomicU64 = AtomicU64::new(0);

pub fn total_forks() -> u64 {
    TOTAL_FORKS.load(Ordering::Relaxed)
}

/// Linux: struct kernel_clone_args
#[derive(Clone, Default)]
pub struct KernelCloneArgs {
    pub flags: u64,
    pub pidfd: usize,
    pub child_tid: usize,
    pub parent_tid: usize,
    pub exit_signal: i32,
    pub stack: usize,
    pub stack_size: usize,
    pub tls: usize,
    pub set_tid: Vec<i32>,
    pub cgroup: u64,
    pub kthread: bool,
    pub fn_: Option<(extern "C" fn(usize) -> usize, usize)>,
}

/// Linux: SYSCALL_DEFINE5(clone, ...) with CONFIG_CLONE_BACKWARDS (riscv): flags, newsp,
/// parent_tidptr, tls, child_tidptr.
#[no_mangle]
#[inline(never)]
pub fn sys_clone(
    clone_flags: usize,
    newsp: usize,
    parent_tidptr: UserPtr<i32>,
    tls: usize,
    child_tidptr: UserPtr<i32>,
) -> KResult<usize> {
    let mut _t = crate::trace_func!(sys_clone, clone_flags, newsp);
    let k = clonecheck::sys_clone_args(
        clone_flags as u64,
        newsp as u64,
        parent_tidptr.addr() as u64,
        tls as u64,
        child_tidptr.addr() as u64,
    );
    let r = kernel_clone(&KernelCloneArgs::from_user(&k, Vec::new())).map(|p| p as usize);
    _t.ret_result(&r);
    r
}

impl KernelCloneArgs {
    fn from_user(k: &clonecheck::KernelCloneArgs, set_tid: Vec<i32>) -> Self {
        KernelCloneArgs {
            flags: k.flags,
            pidfd: k.pidfd as usize,
            child_tid: k.child_tid as usize,
            parent_tid: k.parent_tid as usize,
            exit_signal: k.exit_signal as i32,
            stack: k.stack as usize,
            stack_size: k.stack_size as usize,
            tls: k.tls as usize,
            set_tid,
            cgroup: k.cgroup,
            ..Default::default()
        }
    }
    fn checkable(&self) -> clonecheck::KernelCloneArgs {
        clonecheck::KernelCloneArgs {
            flags: self.flags,
            pidfd: self.pidfd as u64,
            child_tid: self.child_tid as u64,
            parent_tid: self.parent_tid as u64,
            exit_signal: self.exit_signal as u32,
            stack: self.stack as u64,
            stack_size: self.stack_size as u64,
            tls: self.tls as u64,
            set_tid: 0,
            set_tid_size: self.set_tid.len() as u64,
            cgroup: self.cgroup,
        }
    }
}

/// Linux: SYSCALL_DEFINE2(clone3, struct clone_args __user *, uargs, size_t, size):
/// copy_clone_args_from_user() (size checks before the copy, then the struct's own checks),
/// then clone3_args_valid().
#[no_mangle]
#[inline(never)]
pub fn sys_clone3(uargs: UserPtr<u8>, size: usize) -> KResult<usize> {
    clonecheck::clone3_size_check(size).map_err(errno)?;
    let mut bytes = crate::mm::util::kvcalloc(size, ENOMEM)?;
    uargs.copy_in(&mut bytes)?;
    let mut k = clonecheck::copy_clone_args_from_user(&bytes).map_err(errno)?;
    // (set_tid_size is bounded by the checks above: at most MAX_PID_NS_LEVEL)
    let set_tid = UserPtr::<i32>::new(k.set_tid as usize).read_array(k.set_tid_size as usize)?;
    // (the entry is recorded once the flags are known)
    let mut _t = crate::trace_func!(sys_clone3, k.flags, size);
    if let Err(e) = clonecheck::clone3_args_valid(&mut k, crate::mm::TASK_SIZE as u64) {
        _t.ret(-(errno(e).0 as i64));
        return Err(errno(e));
    }
    let r = kernel_clone(&KernelCloneArgs::from_user(&k, set_tid)).map(|p| p as usize);
    _t.ret_result(&r);
    r
}

/// Linux: copy_process's GFP_KERNEL allocations at the min watermark invoke the OOM killer
/// and retry, so a fork succeeds while a memory hog can be killed.  Here a copy_process that
/// failed with ENOMEM has undone itself and holds no lock: the OOM killer runs and the whole
/// of it is retried (a few times, each after a kill).  Out of line: the fork path stays small.
#[cold]
#[inline(never)]
fn copy_process_after_oom(args: &KernelCloneArgs, trace: i32, e: Errno) -> KResult<Task> {
    let mut r = Err(e);
    for _ in 0..4 {
        if !matches!(r, Err(ENOMEM)) || !crate::mm::oom_kill::alloc_failed_may_oom() {
            break;
        }
        r = copy_process(args, trace);
    }
    r
}

/// Linux: kernel_clone() — the common body of fork, vfork, clone, clone3 and kernel threads.
#[no_mangle]
#[inline(never)]
pub fn kernel_clone(args: &KernelCloneArgs) -> KResult<i32> {
    let mut _t = crate::trace_func!(kernel_clone, args.flags, args.exit_signal);
    let clone_flags = args.flags;
    // For legacy clone() calls, CLONE_PIDFD uses the parent_tid argument to return the pidfd,
    // so CLONE_PIDFD and CLONE_PARENT_SETTID are mutually exclusive there.
    clonecheck::kernel_clone_check(&args.checkable()).map_err(errno)?;
    // Linux: "Determine whether and which event to report to ptracer.  When called from
    // kernel_thread or CLONE_UNTRACED is explicitly requested, no event is reported;
    // otherwise, report if the event for the type of forking is enabled."
    let mut trace = 0;
    if clone_flags & CLONE_UNTRACED == 0 {
        trace = if clone_flags & CLONE_VFORK != 0 {
            PTRACE_EVENT_VFORK
        } else if args.exit_signal != SIGCHLD {
            PTRACE_EVENT_CLONE
        } else {
            PTRACE_EVENT_FORK
        };
        if !with_current(|c| ptrace_event_enabled(c, trace)) {
            trace = 0;
        }
    }
    let p = match copy_process(args, trace) {
        Ok(p) => p,
        Err(e) => match copy_process_after_oom(args, trace, e) {
            Ok(p) => p,
            Err(e) => {
                _t.ret(-(e.0 as i64));
                return Err(e);
            }
        },
    };
    // The child's number as the parent sees it (Linux: pid_vnr(pid)).
    let nr = crate::kernel::pid::task_pid_vnr(&p);
    crate::trace_event!(sched_process_fork, p.pid());
    if clone_flags & CLONE_PARENT_SETTID != 0 {
        // Linux ignores a fault here (put_user's result is not checked).
        let _ = write_user(args.parent_tid, &nr);
    }
    // (the completion was made by copy_process, before its point of no return)
    let vfork = if clone_flags & CLONE_VFORK != 0 { p.vfork_done.lock().clone() } else { None };
    wake_up_new_task(&p);
    // Linux: task_fork_fair() with sysctl_sched_child_runs_first: when set, the child goes
    // first (the parent reschedules on its way out); by default (0) the parent keeps the CPU
    // and the child runs when the parent sleeps or its slice ends.  (A child that runs first
    // and execs or exits at once spares the parent copy-on-write copies: docs/fork.md §12
    // measures the difference.)
    if !args.kthread
        && args.fn_.is_none()
        && crate::kernel::sched::core::SYSCTL_SCHED_CHILD_RUNS_FIRST[0].load(Ordering::Relaxed) != 0
    {
        with_current(|c| c.need_resched.store(true, Ordering::Relaxed));
    }
    // forking complete and child started to run, tell ptracer
    if trace != 0 {
        ptrace_event_pid(trace, &p);
    }
    if let Some(c) = vfork {
        if !wait_for_vfork_done(&p, &c) {
            ptrace_event_pid(PTRACE_EVENT_VFORK_DONE, &p);
        }
    }
    _t.ret(nr);
    Ok(nr)
}

/// Linux: wait_for_vfork_done(): the parent sleeps (killable) until the child releases its
/// mm by exec or exit (mm_release -> complete_vfork_done).  Whether it was killed first.
#[no_mangle]
#[inline(never)]
fn wait_for_vfork_done(child: &Task, c: &Completion) -> bool {
    if c.wait_killable().is_err() {
        // Killed while waiting: the child no longer signals us.
        *child.vfork_done.lock() = None;
        return true;
    }
    false
}

/// Linux: copy_process() — creates a new process as a copy of the old one, but does not
/// actually start it yet.
#[no_mangle]
#[inline(never)]
pub fn copy_process(args: &KernelCloneArgs, trace: i32) -> KResult<Task> {
    let mut _t = crate::trace_func!(copy_process, args.flags);
    let cur = current();
    let clone_flags = args.flags;
    // Linux: the flag checks at the top of copy_process(), in its order (clonecheck).
    let signal_unkillable = cur.tgid() == 1 || crate::kernel::pid_namespace::is_container_init(&cur);
    let (mut pid_ns_for_children_differs, mut time_ns_for_children_differs) = (false, false);
    if clone_flags & (CLONE_THREAD | CLONE_VM) != 0 {
        // (looked at under task_lock, without taking a reference: vfork and threads pass here)
        if let Some(n) = cur.nsproxy.lock().as_ref() {
            time_ns_for_children_differs = !Arc::ptr_eq(&n.time_ns, &n.time_ns_for_children);
            pid_ns_for_children_differs = clone_flags & CLONE_THREAD != 0
                && !Arc::ptr_eq(&n.pid_ns_for_children, &crate::kernel::pid::task_active_pid_ns(&cur));
        }
    }
    clonecheck::copy_process_flag_checks(
        clone_flags,
        &clonecheck::CurrentTask { signal_unkillable, pid_ns_for_children_differs, time_ns_for_children_differs },
    )
    .map_err(errno)?;

    let p = dup_task_struct(&cur, args)?;
    // Linux: copy_creds() (CLONE_NEWUSER: the child's cred moves into a new user namespace,
    // kernel/user_namespace.rs), then the RLIMIT_NPROC check — the user's processes, this one
    // counted, against the caller's limit; root and CAP_SYS_RESOURCE/CAP_SYS_ADMIN are
    // exempt — and max_threads.
    let nproc = copy_creds(&p, clone_flags)?;
    let (nproc_over_limit, nproc_exempt) = nproc_check(&p);
    if (!nproc_over_limit || nproc_exempt) && cur.has_flag(PF_NPROC_EXCEEDED) {
        cur.flags.fetch_and(!PF_NPROC_EXCEEDED, Ordering::Relaxed);
    }
    clonecheck::copy_process_late_checks(
        clone_flags,
        &clonecheck::ResourceState {
            nproc_over_limit,
            nproc_exempt,
            threads_at_max: crate::kernel::pid::nr_tasks() >= MAX_THREADS.load(Ordering::Relaxed) as usize,
        },
    )
    .map_err(errno)?;
    sched_fork(&cur, &p);

    // Linux: the copy_* helpers, in order.  Each stores into p; on error, p is dropped and
    // everything it owns goes with it.
    crate::ipc::sem::copy_semundo(clone_flags, &cur, &p);
    copy_files(clone_flags, &cur, &p)?;
    copy_fs(clone_flags, &cur, &p)?;
    copy_sighand(clone_flags, &cur, &p)?;
    // copy_signal is folded into dup_task_struct: `signal` is immutable in the task.
    copy_mm(clone_flags, &cur, &p)?;
    let nsp = crate::kernel::nsproxy::copy_namespaces(clone_flags, &cur, &p)?;
    // Linux: rseq_fork(), and the timer slack (p->default_timer_slack_ns = current->timer_slack_ns).
    crate::kernel::rseq::rseq_fork(&p, &cur, clone_flags & CLONE_VM != 0);
    let slack = cur.timer_slack_ns.load(Ordering::Relaxed);
    p.timer_slack_ns.store(slack, Ordering::Relaxed);
    p.default_timer_slack_ns.store(slack, Ordering::Relaxed);

    let targs = ThreadArgs {
        kthread_fn: args.fn_,
        stack: args.stack,
        tls: if clone_flags & CLONE_SETTLS != 0 { Some(args.tls) } else { None },
    };
    let parent_regs = if args.fn_.is_some() { None } else { Some(with_current_pt_regs(|r| *r)) };
    copy_thread(&p, parent_regs.as_ref(), &targs)?;
    // Linux: kernel_clone()'s `struct completion vfork` is on the parent's stack; here it is
    // shared with the child (which may outlive a killed parent's wait), so it is an
    // allocation, made while a failure can still unwind: ENOMEM.
    if clone_flags & CLONE_VFORK != 0 {
        *p.vfork_done.lock() = Some(crate::mm::slab::try_arc(Completion::new())?);
    }

    // Linux: alloc_pid(p->nsproxy->pid_ns_for_children, set_tid): a number in the child's pid
    // namespace and each of its ancestors.  They are freed on every error path below until
    // attach_pid() gives them to the task (NewPid's Drop).
    let new_pid = alloc_pid(&nsp.pid_ns_for_children, &args.set_tid)?;
    drop(nsp);
    let pid = new_pid.nr();
    p.pid.store(pid, Ordering::Relaxed);
    if clone_flags & CLONE_THREAD != 0 {
        p.tgid.store(cur.tgid(), Ordering::Relaxed);
    } else {
        p.tgid.store(pid, Ordering::Relaxed);
    }

    // Linux: pidfd_prepare() + put_user(pidfd, args->pidfd): the number reserved and the file
    // made, installed after the point of no return (fd_install below); dropped on an error.
    let mut pidfd = None;
    if clone_flags & CLONE_PIDFD != 0 {
        let (fd, file) = crate::kernel::pid::pidfd_prepare(&p, 0)?;
        write_user(args.pidfd, &(fd.fd() as i32))?;
        pidfd = Some((fd, file));
    }

    if clone_flags & CLONE_CHILD_SETTID != 0 {
        p.set_child_tid.store(args.child_tid, Ordering::Relaxed);
    }
    if clone_flags & CLONE_CHILD_CLEARTID != 0 {
        p.clear_child_tid.store(args.child_tid, Ordering::Relaxed);
    }

    // Linux: CLONE_PARENT and CLONE_THREAD keep the parent's parent, and a CLONE_PARENT child
    // gets the exit signal of the parent's group leader; threads have none.
    let group_leader =
        if clone_flags & CLONE_THREAD != 0 { cur.rel.lock().group_leader.clone() } else { Some(Arc::downgrade(&p)) };
    if clone_flags & CLONE_THREAD != 0 {
        p.exit_signal.store(-1, Ordering::Relaxed);
    } else if clone_flags & CLONE_PARENT != 0 {
        let leader = cur.rel.lock().group_leader.as_ref().and_then(|g| g.upgrade());
        let sig = leader.map_or(SIGCHLD, |g| g.exit_signal.load(Ordering::Relaxed));
        p.exit_signal.store(sig, Ordering::Relaxed);
    }

    // Linux: write_lock_irq(&tasklist_lock) — pick the parent, link the child, attach the pid,
    // as one step for everyone who walks the task tree (wait, exit, kill).
    let tl = tasklist_lock();
    let parent = if clone_flags & (CLONE_PARENT | CLONE_THREAD) != 0 {
        cur.parent().unwrap_or_else(|| cur.clone())
    } else {
        cur.clone()
    };
    {
        let mut rel = p.rel.lock();
        rel.real_parent = Some(Arc::downgrade(&parent));
        rel.group_leader = group_leader;
    }
    {
        // Linux: list_add_tail(&p->sibling, &p->real_parent->children) cannot fail (the list
        // is intrusive); here the children vector may have to grow, so it grows before
        // anything is linked: ENOMEM unwinds as every step above does.
        let mut prel = parent.rel.lock();
        if let Err(e) = crate::mm::slab::try_push(&mut prel.children, p.clone()) {
            drop(prel);
            drop(tl);
            p.rel.lock().real_parent = None;
            // (Linux: bad_fork_put_pidfd: fput + put_unused_fd — dropping pidfd does both)
            return Err(e);
        }
    }
    if clone_flags & CLONE_THREAD != 0 {
        p.signal.live.fetch_add(1, Ordering::Relaxed);
    }
    // Linux: ptrace_init_task(p, (clone_flags & CLONE_PTRACE) || trace)
    if clone_flags & CLONE_PTRACE != 0 || trace != 0 {
        ptrace_init_task(&p, true, &tl);
    }
    let tgid_pid = if clone_flags & CLONE_THREAD != 0 { cur.ns_pids.get().map(|n| n.tgid.clone()) } else { None };
    new_pid.attach(&p, tgid_pid, &tl);
    TOTAL_FORKS.fetch_add(1, Ordering::Relaxed);
    drop(tl);
    nproc.keep();
    // Linux: fd_install(pidfd, pidfile), past the point of no return: the reserved number
    // gets its file (a pidfd is close-on-exec).
    if let Some((fd, file)) = pidfd {
        fd.install(file, true);
    }
    crate::trace_event!(task_newtask, pid, clone_flags);
    _t.ret(pid);
    Ok(p)
}

/// Linux: copy_process()'s RLIMIT_NPROC test: (over the limit, exempt).  The root user is
/// exempt without looking (Linux: p->real_cred->user != INIT_USER, tested second there; the
/// user_struct is per kernel uid, so kernel uid 0 in any user namespace).
fn nproc_check(p: &TaskStruct) -> (bool, bool) {
    let ucounts = {
        let cred = p.real_cred.lock();
        if cred.uid == GLOBAL_ROOT_UID {
            return (false, true);
        }
        cred.ucounts.clone()
    };
    let over = ucounts.is_rlimit_overlimit(RlimitType::Nproc, p.signal.rlimit(RLIMIT_NPROC));
    (over, over && (capable(CAP_SYS_RESOURCE) || capable(CAP_SYS_ADMIN)))
}

/// Linux: dup_task_struct() — a new task_struct and kernel stack, copying the parent's
/// fields (Linux does `*tsk = *orig` then fixes up; we build the struct field by field).
#[no_mangle]
#[inline(never)]
fn dup_task_struct(orig: &TaskStruct, args: &KernelCloneArgs) -> KResult<Task> {
    let _t = crate::trace_func!(dup_task_struct, orig.pid());
    let stack = KernelStack::alloc()?;
    let clone_flags = args.flags;
    let signal = if clone_flags & CLONE_THREAD != 0 { orig.signal.clone() } else { orig.signal.dup()? };
    let mut flags = orig.flags.load(Ordering::Relaxed) & !(PF_EXITING | PF_IDLE);
    flags |= PF_FORKNOEXEC;
    if args.kthread {
        flags |= PF_KTHREAD;
    } else {
        flags &= !PF_KTHREAD;
    }
    // (each lock is taken and released on its own: they are of one class, task_lock)
    let comm = *orig.comm.lock();
    let sighand = orig.sighand.lock().clone();
    let sigaltstack = *orig.sigaltstack.lock();
    // Linux: `*tsk = *orig` copies the cred pointers; copy_creds() takes the references.  The
    // child starts with the parent's subjective cred as both (prepare_creds()'s source).
    let cred = orig.cred.lock().clone();
    let t = TaskStruct::try_new(TaskInit {
        stack,
        // Linux: p->pid still holds the parent's pid until alloc_pid (the seed notes this).
        pid: orig.pid(),
        tgid: orig.tgid(),
        state: TASK_NEW,
        flags,
        exit_signal: args.exit_signal,
        comm,
        sighand,
        signal,
        cred,
        no_new_privs: orig.no_new_privs.load(Ordering::Relaxed),
        blocked: orig.blocked.load(Ordering::Relaxed),
        sigaltstack: if clone_flags & (CLONE_VM | CLONE_VFORK) == CLONE_VM { (0, 0, SS_DISABLE) } else { sigaltstack },
        start_time: crate::kernel::time::uptime_cycles(),
        personality: orig.personality.load(Ordering::Relaxed),
    })?;
    Ok(t)
}

/// Linux: sched_fork(): the child is TASK_NEW, off every run queue, until wake_up_new_task;
/// it takes the parent's policy and priority (kernel/sched/core.rs).
#[no_mangle]
#[inline(never)]
fn sched_fork(cur: &TaskStruct, p: &Task) {
    let _t = crate::trace_func!(sched_fork);
    p.set_state(TASK_NEW);
    p.on_rq.store(false, Ordering::Relaxed);
    crate::kernel::sched::core::sched_fork(cur, p);
}

/// Linux: copy_files(): share the fd table (CLONE_FILES) or copy it (dup_fd).
#[no_mangle]
#[inline(never)]
fn copy_files(clone_flags: u64, cur: &TaskStruct, p: &Task) -> KResult<()> {
    let _t = crate::trace_func!(copy_files, clone_flags & CLONE_FILES != 0);
    let files = cur.files.lock().clone();
    *p.files.lock() = match files {
        None => None,
        Some(f) if clone_flags & CLONE_FILES != 0 => Some(f),
        Some(f) => Some(f.dup()?),
    };
    Ok(())
}

/// Linux: copy_fs(): share root/cwd (CLONE_FS) or copy them.
#[no_mangle]
#[inline(never)]
fn copy_fs(clone_flags: u64, cur: &TaskStruct, p: &Task) -> KResult<()> {
    let _t = crate::trace_func!(copy_fs, clone_flags & CLONE_FS != 0);
    let fs = cur.fs.lock().clone();
    *p.fs.lock() = match fs {
        None => None,
        Some(f) if clone_flags & CLONE_FS != 0 => Some(f),
        Some(f) => Some(f.dup()?),
    };
    Ok(())
}

/// Linux: copy_sighand(): share the handler table (CLONE_SIGHAND) or copy it;
/// CLONE_CLEAR_SIGHAND resets every handler but SIG_IGN to SIG_DFL.
#[no_mangle]
#[inline(never)]
fn copy_sighand(clone_flags: u64, cur: &TaskStruct, p: &Task) -> KResult<()> {
    let _t = crate::trace_func!(copy_sighand, clone_flags & CLONE_SIGHAND != 0);
    let sh = cur.sighand.lock().clone();
    let new = if clone_flags & CLONE_SIGHAND != 0 {
        sh
    } else {
        let d = sh.dup()?;
        if clone_flags & CLONE_CLEAR_SIGHAND != 0 {
            d.flush_handlers(false);
        }
        d
    };
    *p.sighand.lock() = new;
    copy_signal(clone_flags, p);
    Ok(())
}

/// Linux: copy_signal(): the thread-group state; new processes get a fresh one (made in
/// dup_task_struct, since `signal` is immutable once the task exists).
#[no_mangle]
#[inline(never)]
fn copy_signal(clone_flags: u64, p: &Task) {
    let _t = crate::trace_func!(copy_signal, clone_flags & CLONE_THREAD != 0);
    let _ = p;
}

/// Linux: copy_mm(): share the mm (CLONE_VM) or duplicate it copy-on-write (dup_mm).
#[no_mangle]
#[inline(never)]
fn copy_mm(clone_flags: u64, cur: &TaskStruct, p: &Task) -> KResult<()> {
    let _t = crate::trace_func!(copy_mm, clone_flags & CLONE_VM != 0);
    let mm = cur.mm.lock().clone();
    p.set_mm(match mm {
        None => None,
        Some(m) if clone_flags & CLONE_VM != 0 => Some(m),
        Some(m) => Some(dup_mm(&m)?),
    });
    Ok(())
}

/// Linux: dup_mm()
#[no_mangle]
#[inline(never)]
fn dup_mm(oldmm: &Arc<crate::mm::MmStruct>) -> KResult<Arc<crate::mm::MmStruct>> {
    // (no guard: dup_mmap is inlined here, and a guard's frame slot changes its code)
    crate::trace_enter!(dup_mm);
    let r = oldmm.dup_mmap();
    crate::trace_exit!(dup_mm);
    r
}

/// Linux: SYSCALL_DEFINE1(unshare) -> ksys_unshare(): the caller leaves the namespaces (and
/// shared fs information, fd table, undo list) named in `unshare_flags` for new ones.  A new
/// user namespace comes as a new cred (unshare_userns), committed last; the other namespaces
/// are owned by it (unshare_nsproxy_namespaces, kernel/nsproxy.rs).
#[no_mangle]
#[inline(never)]
pub fn sys_unshare(unshare_flags: usize) -> KResult<usize> {
    let cur = current();
    let flags = clonecheck::unshare_implied_flags(unshare_flags as u64);
    // (each of these task_lock-class locks is taken and released on its own)
    let sighand_shared = Arc::strong_count(&cur.sighand.lock().clone()) > 2;
    let mm = cur.mm.lock().clone();
    let st = clonecheck::UnshareState {
        has_other_threads: cur.signal.live.load(Ordering::Relaxed) > 1,
        sighand_shared,
        mm_shared: mm.as_ref().is_some_and(|m| Arc::strong_count(m) > 2),
    };
    drop(mm);
    clonecheck::check_unshare_flags(flags, &st).map_err(errno)?;
    // Linux: unshare_fs(): a private copy of root/cwd when they are shared or the mount
    // namespace changes.
    let fs = cur.fs.lock().clone();
    let new_fs = match fs {
        Some(fs) if flags & CLONE_FS != 0 && (flags & CLONE_NEWNS != 0 || Arc::strong_count(&fs) > 2) => {
            Some(fs.dup()?)
        }
        _ => None,
    };
    // Linux: unshare_fd()
    let files = cur.files.lock().clone();
    let new_fd = match files {
        Some(f) if flags & CLONE_FILES != 0 && Arc::strong_count(&f) > 2 => Some(f.dup()?),
        _ => None,
    };
    let new_cred = crate::kernel::user_namespace::unshare_userns(flags)?;
    let new_nsproxy = crate::kernel::nsproxy::unshare_nsproxy_namespaces(flags, new_cred.as_ref())?;
    // The point of no return.
    if flags & (CLONE_NEWIPC | CLONE_SYSVSEM) != 0 {
        // Linux: exit_sem(): CLONE_SYSVSEM is equivalent to exit for the undo list.
        crate::ipc::sem::exit_sem(&cur);
    }
    if let Some(n) = new_nsproxy {
        crate::kernel::nsproxy::switch_task_namespaces(&cur, Some(n));
    }
    if let Some(fs) = new_fs {
        let old = cur.fs.lock().replace(fs);
        drop(old);
    }
    if let Some(fd) = new_fd {
        let old = cur.files.lock().replace(fd);
        drop(old);
    }
    if let Some(cred) = new_cred {
        // Install the new user namespace.
        crate::kernel::cred::commit_creds(cred)?;
    }
    Ok(0)
}

/// Linux: set_tid_address(2) in kernel/fork.c: clear_child_tid for this thread; returns the tid.
pub fn sys_set_tid_address(tidptr: UserPtr<i32>) -> KResult<usize> {
    with_current(|c| {
        c.clear_child_tid.store(tidptr.addr(), Ordering::Relaxed);
        Ok(crate::kernel::pid::current_pid_tgid_vnr(c).0 as usize)
    })
}

/// Linux: the tail of ret_from_fork/schedule_tail(): CLONE_CHILD_SETTID writes the tid.
pub fn schedule_tail_child() {
    let cur = current();
    let tid_addr = cur.set_child_tid.swap(0, Ordering::Relaxed);
    if tid_addr != 0 {
        // Linux: put_user(task_pid_vnr(current), ...): the child's own view.
        let _ = write_user(tid_addr, &crate::kernel::pid::current_pid_tgid_vnr(&cur).0);
    }
}

/// Called from ret_from_fork (entry.S) just before a new task first enters user mode.  The
/// tracer records the registers the child's user mode starts with (a0 = 0: fork's return
/// value in the child), then the end of ret_from_fork (entered in schedule_tail).
#[no_mangle]
pub extern "C" fn ret_from_fork_user(regs: &mut PtRegs) {
    {
        let mut _t = crate::trace_func!(ret_from_fork_user);
        crate::kernel::entry::common::exit_to_user_mode(regs);
        _t.ret3(regs.epc, regs.sp, regs.a0);
    }
    crate::trace_exit!(ret_from_fork);
}

/// Linux: kernel_thread(): a kernel thread running fn(arg), sharing the kernel's mm.
pub fn kernel_thread(f: extern "C" fn(usize) -> usize, arg: usize, flags: u64) -> KResult<i32> {
    let args = KernelCloneArgs {
        flags: ((flags as u32 as u64) | CLONE_VM | CLONE_UNTRACED) & !CSIGNAL,
        exit_signal: (flags & CSIGNAL) as i32,
        fn_: Some((f, arg)),
        kthread: true,
        ..Default::default()
    };
    kernel_clone(&args)
}

/// Linux: user_mode_thread(): like kernel_thread, but the task may exec into user mode (init).
pub fn user_mode_thread(f: extern "C" fn(usize) -> usize, arg: usize, flags: u64) -> KResult<i32> {
    let args = KernelCloneArgs {
        flags: ((flags as u32 as u64) | CLONE_VM | CLONE_UNTRACED) & !CSIGNAL,
        exit_signal: (flags & CSIGNAL) as i32,
        fn_: Some((f, arg)),
        ..Default::default()
    };
    kernel_clone(&args)
}

/// The idle task, pid 0 (Linux: init_task in init/init_task.c, on init_stack).
pub fn make_init_task() -> Task {
    TaskStruct::new(TaskInit {
        stack: KernelStack::boot(),
        pid: 0,
        tgid: 0,
        state: TASK_RUNNING,
        flags: PF_KTHREAD | PF_IDLE,
        exit_signal: 0,
        comm: *b"swapper\0\0\0\0\0\0\0\0\0",
        sighand: SigHand::new(),
        signal: SignalStruct::new(),
        cred: crate::kernel::cred::init_cred(),
        no_new_privs: false,
        blocked: 0,
        sigaltstack: (0, 0, SS_DISABLE),
        start_time: 0,
        personality: crate::kernel::exec_domain::PER_LINUX,
    })
    // (Linux: init_task.nsproxy = &init_nsproxy.  The initial namespaces are made on first
    // use — the mount namespace needs the rootfs, whose inodes need a current task — so the
    // idle task has none: copy_namespaces() gives its children init_nsproxy.)
}

// ---- pidfds: the file a pidfd refers to.  Linux: pidfd_fops, pidfd_poll, pidfd_show_fdinfo
// in kernel/fork.c; pidfd_create and pidfd_open are in kernel/pid.rs, pidfd_send_signal in
// kernel/signal.rs, waitid(P_PIDFD) in kernel/exit.rs. -----------------------------------------

/// Linux: a pidfd file, whose private_data is the struct pid of a thread-group leader: here
/// the leader's task itself, kept (as struct pid is) after the task has been reaped.
pub struct PidFd(pub Task);

impl PidFd {
    /// Linux: pid_task(pid, PIDTYPE_PID) != NULL: the task has not been reaped (a zombie still
    /// has it).
    pub fn has_task(&self) -> bool {
        crate::kernel::pid::find_task_by_pid(self.0.pid()).is_some_and(|t| Arc::ptr_eq(&t, &self.0))
    }
}

impl crate::fs::FileOps for PidFd {
    /// Linux: pidfd_poll(): readable once the whole thread group has exited (a leader that
    /// exits before its other threads does not count), or the process has been reaped.
    /// Pollers wait on pid->wait_pidfd, woken as threads of the group exit (do_notify_pidfd).
    fn poll(&self, _f: &crate::fs::File, pt: Option<&mut crate::fs::select::PollTable>) -> Option<u32> {
        let t = &self.0;
        crate::fs::select::poll_wait(t.signal.wait_pidfd.get(), pt);
        let exited = !self.has_task() || (t.exit_state() != 0 && t.signal.live.load(Ordering::Acquire) == 0);
        Some(if exited { crate::fs::file_table::POLLIN | crate::fs::file_table::POLLRDNORM } else { 0 })
    }
    fn pidfd_task(&self) -> Option<Task> {
        Some(self.0.clone())
    }
    fn name(&self) -> &'static str {
        "pidfd"
    }
    /// Linux: pidfd_show_fdinfo(): "Pid:" — the number in the reader's pid namespace (0 when
    /// it cannot see the process, -1 once the process has been reaped) — and "NSpid:", that
    /// number and the ones of the namespaces below, down to the process's own.
    fn show_fdinfo(&self, _f: &crate::fs::File, m: &mut alloc::string::String) {
        use core::fmt::Write;
        let ns = crate::kernel::pid::task_active_pid_ns(&current());
        let nr = if self.has_task() { crate::kernel::pid::task_pid_nr_ns(&self.0, &ns) } else { -1 };
        let _ = write!(m, "Pid:\t{}\nNSpid:\t{}", nr, nr);
        if nr > 0 {
            for n in crate::kernel::pid::pid_ns_chain(&self.0, &ns).iter().skip(1) {
                let _ = write!(m, "\t{}", crate::kernel::pid::task_pid_nr_ns(&self.0, n));
            }
        }
        m.push('\n');
    }
}

/// Linux: mm_access(): `task`'s address space for a caller that wants to read or change it
/// (/proc/PID/mem): None for a task without one (a zombie, a kernel thread); EACCES unless
/// it is the caller's own or ptrace_may_access(`mode`) allows it.  (Linux holds the task's
/// signal->exec_update_lock across the get and the check, so that an exec cannot install a
/// set-id image's mm between them; MenuOS has no such lock yet.)
pub fn mm_access(task: &TaskStruct, mode: u32) -> KResult<Option<Arc<crate::mm::MmStruct>>> {
    let Some(mm) = task.mm.lock().clone() else { return Ok(None) };
    let mine = current().mm.lock().as_ref().is_some_and(|m| Arc::ptr_eq(m, &mm));
    if !mine && !crate::kernel::ptrace::ptrace_may_access(task, mode) {
        return Err(EACCES);
    }
    Ok(Some(mm))
}
