//! Process creation: clone, clone3, kernel_clone, copy_process.  Linux: kernel/fork.c.
//!
//! The path a fork takes, in Linux's order and under Linux's names (each a real, unmangled
//! symbol: `break copy_process` works in gdb):
//!
//!   ecall (a7 = 220) -> do_trap -> do_syscall -> sys_clone -> kernel_clone -> copy_process
//!     -> dup_task_struct (task + kernel stack)  -> sched_fork
//!     -> copy_creds -> copy_files, copy_fs, copy_sighand, copy_signal, copy_mm (dup_mm -> dup_mmap),
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

use crate::arch::riscv::process::{copy_thread, with_current_pt_regs, KernelStack, ThreadArgs};
use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock, SpinLockGuard};
use crate::kernel::pid::alloc_pid;
use crate::kernel::sched::wait::Completion;
use crate::kernel::sched::wake_up_new_task;
use crate::kernel::signal_types::{SigHand, SignalStruct, SIGCHLD, SS_DISABLE};
use crate::kernel::task::*;
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
    let mut bytes = alloc::vec![0u8; size];
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

/// Linux: kernel_clone() — the common body of fork, vfork, clone, clone3 and kernel threads.
#[no_mangle]
#[inline(never)]
pub fn kernel_clone(args: &KernelCloneArgs) -> KResult<i32> {
    let mut _t = crate::trace_func!(kernel_clone, args.flags, args.exit_signal);
    let clone_flags = args.flags;
    // For legacy clone() calls, CLONE_PIDFD uses the parent_tid argument to return the pidfd,
    // so CLONE_PIDFD and CLONE_PARENT_SETTID are mutually exclusive there.
    clonecheck::kernel_clone_check(&args.checkable()).map_err(errno)?;
    let p = match copy_process(args) {
        Ok(p) => p,
        Err(e) => {
            _t.ret(-(e.0 as i64));
            return Err(e);
        }
    };
    // The child's number as the parent sees it (Linux: pid_vnr(pid)).
    let nr = crate::kernel::pid::task_pid_vnr(&p);
    crate::trace_event!(sched_process_fork, p.pid());
    if clone_flags & CLONE_PARENT_SETTID != 0 {
        // Linux ignores a fault here (put_user's result is not checked).
        let _ = write_user(args.parent_tid, &nr);
    }
    let vfork = if clone_flags & CLONE_VFORK != 0 {
        let c = Arc::new(Completion::new());
        *p.vfork_done.lock() = Some(c.clone());
        Some(c)
    } else {
        None
    };
    wake_up_new_task(&p);
    // The child runs first (Linux's old sched_child_runs_first): a child that execs or exits
    // at once then releases the copy-on-write sharing before the parent writes, so neither
    // side copies pages it is about to drop.
    if !args.kthread && args.fn_.is_none() {
        with_current(|c| c.need_resched.store(true, Ordering::Relaxed));
    }
    if let Some(c) = vfork {
        wait_for_vfork_done(&p, &c);
    }
    _t.ret(nr);
    Ok(nr)
}

/// Linux: wait_for_vfork_done(): the parent sleeps (killable) until the child releases its
/// mm by exec or exit (mm_release -> complete_vfork_done).
#[no_mangle]
#[inline(never)]
fn wait_for_vfork_done(child: &Task, c: &Completion) {
    if c.wait_killable().is_err() {
        // Killed while waiting: the child no longer signals us.
        *child.vfork_done.lock() = None;
    }
}

/// Linux: copy_process() — creates a new process as a copy of the old one, but does not
/// actually start it yet.
#[no_mangle]
#[inline(never)]
pub fn copy_process(args: &KernelCloneArgs) -> KResult<Task> {
    let mut _t = crate::trace_func!(copy_process, args.flags);
    let cur = current();
    let clone_flags = args.flags;
    // Linux: the flag checks at the top of copy_process(), in its order (clonecheck).
    let signal_unkillable = cur.tgid() == 1 || crate::kernel::pid_namespace::is_container_init(&cur);
    let pid_ns_for_children_differs = clone_flags & CLONE_THREAD != 0 && {
        let nsp = crate::kernel::nsproxy::task_nsproxy(&cur);
        let active = crate::kernel::pid::task_active_pid_ns(&cur);
        nsp.is_some_and(|n| !Arc::ptr_eq(&n.pid_ns_for_children, &active))
    };
    clonecheck::copy_process_flag_checks(
        clone_flags,
        &clonecheck::CurrentTask { signal_unkillable, pid_ns_for_children_differs },
    )
    .map_err(errno)?;

    let p = dup_task_struct(&cur, args)?;
    // Linux: copy_creds(): with CLONE_NEWUSER the child's credentials move into a new user
    // namespace (kernel/user_namespace.rs); then the RLIMIT_NPROC and max_threads checks.
    crate::kernel::user_namespace::copy_creds_user_ns(clone_flags, &p)?;
    clonecheck::copy_process_late_checks(
        clone_flags,
        &clonecheck::ResourceState {
            nproc_over_limit: false,
            nproc_exempt: true,
            threads_at_max: crate::kernel::pid::nr_tasks() >= crate::kernel::pid::PID_MAX_DEFAULT as usize,
            cap_sys_admin: true,
        },
    )
    .map_err(errno)?;
    sched_fork(&p);

    // Linux: the copy_* helpers, in order.  Each stores into p; on error, p is dropped and
    // everything it owns goes with it.
    crate::ipc::sem::copy_semundo(clone_flags, &cur, &p);
    copy_files(clone_flags, &cur, &p)?;
    copy_fs(clone_flags, &cur, &p)?;
    copy_sighand(clone_flags, &cur, &p)?;
    // copy_signal is folded into dup_task_struct: `signal` is immutable in the task.
    copy_mm(clone_flags, &cur, &p)?;
    let nsp = crate::kernel::nsproxy::copy_namespaces(clone_flags, &cur, &p)?;

    let targs = ThreadArgs {
        kthread_fn: args.fn_,
        stack: args.stack,
        tls: if clone_flags & CLONE_SETTLS != 0 { Some(args.tls) } else { None },
    };
    let parent_regs = if args.fn_.is_some() { None } else { Some(with_current_pt_regs(|r| *r)) };
    copy_thread(&p, parent_regs.as_ref(), &targs)?;

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

    // Linux: pidfd_prepare() + put_user(pidfd, args->pidfd).  The last step that can fail.
    if clone_flags & CLONE_PIDFD != 0 {
        let fd = crate::fs::pidfd::install_pidfd(&p)?;
        if let Err(e) = write_user(args.pidfd, &(fd as i32)) {
            let _ = crate::fs::close_fd(fd as u32);
            return Err(e);
        }
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
        p.signal.live.fetch_add(1, Ordering::Relaxed);
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
    parent.rel.lock().children.push(p.clone());
    let tgid_pid = if clone_flags & CLONE_THREAD != 0 { cur.ns_pids.get().map(|n| n.tgid.clone()) } else { None };
    new_pid.attach(&p, tgid_pid, &tl);
    drop(tl);
    crate::trace_event!(task_newtask, pid, clone_flags);
    _t.ret(pid);
    Ok(p)
}

/// Linux: dup_task_struct() — a new task_struct and kernel stack, copying the parent's
/// fields (Linux does `*tsk = *orig` then fixes up; we build the struct field by field).
#[no_mangle]
#[inline(never)]
fn dup_task_struct(orig: &TaskStruct, args: &KernelCloneArgs) -> KResult<Task> {
    let _t = crate::trace_func!(dup_task_struct, orig.pid());
    let stack = KernelStack::alloc()?;
    let clone_flags = args.flags;
    let signal = if clone_flags & CLONE_THREAD != 0 { orig.signal.clone() } else { orig.signal.dup() };
    let mut flags = orig.flags.load(Ordering::Relaxed) & !(PF_EXITING | PF_IDLE);
    flags |= PF_FORKNOEXEC;
    if args.kthread {
        flags |= PF_KTHREAD;
    } else {
        flags &= !PF_KTHREAD;
    }
    // (each lock is taken and released on its own: they are of one class, task_lock)
    let comm = *orig.comm.lock();
    let user_ns = orig.user_ns.lock().clone();
    let sighand = orig.sighand.lock().clone();
    let sigaltstack = *orig.sigaltstack.lock();
    let t = TaskStruct::new(TaskInit {
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
        blocked: orig.blocked.load(Ordering::Relaxed),
        sigaltstack: if clone_flags & (CLONE_VM | CLONE_VFORK) == CLONE_VM { (0, 0, SS_DISABLE) } else { sigaltstack },
        start_time: crate::kernel::time::uptime_cycles(),
        user_ns,
    });
    Ok(t)
}

/// Linux: sched_fork(): the child is TASK_NEW, off every run queue, until wake_up_new_task.
#[no_mangle]
#[inline(never)]
fn sched_fork(p: &Task) {
    let _t = crate::trace_func!(sched_fork);
    p.set_state(TASK_NEW);
    p.on_rq.store(false, Ordering::Relaxed);
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
        Some(f) => Some(f.dup()),
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
        let d = sh.dup();
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
    let t = TaskStruct::new(TaskInit {
        stack: KernelStack::boot(),
        pid: 0,
        tgid: 0,
        state: TASK_RUNNING,
        flags: PF_KTHREAD | PF_IDLE,
        exit_signal: 0,
        comm: *b"swapper\0\0\0\0\0\0\0\0\0",
        sighand: SigHand::new(),
        signal: SignalStruct::new(),
        blocked: 0,
        sigaltstack: (0, 0, SS_DISABLE),
        start_time: 0,
        user_ns: crate::kernel::user_namespace::init_user_ns().clone(),
    });
    // Linux: init_task.nsproxy = &init_nsproxy
    *t.nsproxy.lock() = Some(crate::kernel::nsproxy::init_nsproxy().clone());
    t
}
