//! The ptrace access check, which /proc, pidfd_getfd, kcmp and process_vm_* ask before they
//! show or take another process's state.  Linux: kernel/ptrace.c (__ptrace_may_access,
//! ptrace_may_access), security/commoncap.c (cap_ptrace_access_check), include/linux/ptrace.h
//! (the PTRACE_MODE_* bits).
//!
//! And ptrace(2) itself (kernel/ptrace.c, include/linux/ptrace.h, the ptrace parts of
//! kernel/signal.c and kernel/exit.c): the tracer attaches (TRACEME, ATTACH, SEIZE, or a
//! traced parent's CLONE_PTRACE / PTRACE_O_TRACE* child), becomes the tracee's `parent` while
//! `real_parent` stays, and sees the tracee's stops through wait(2) with Linux's status
//! encoding: signal-delivery stops (ptrace_signal), group stops (ptrace_group_stop), syscall
//! entry and exit (syscall_trace), the PTRACE_EVENT_* stops (ptrace_event) and PTRACE_INTERRUPT's
//! trap (do_jobctl_trap).  A stopped tracee sits in ptrace_stop() with a copy of its user
//! registers and FPU state published in its PtraceStop, which the tracer reads and writes
//! (GETREGSET/SETREGSET) and which the tracee takes back when it resumes: no task ever touches
//! another's kernel stack.  The registers' layout is arch/riscv/ptrace.rs's (the regsets).

use crate::arch::riscv::process::FpState;
use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::kernel::capability::{cap_capable, CAP_SYS_PTRACE};
use crate::kernel::cred::{current_cred, task_cred, Cred};
use crate::kernel::exit::{WaitOpts, WaitResult, WaitTarget, WEXITED, WNOWAIT};
use crate::kernel::fork::TasklistGuard;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::signal::*;
use crate::kernel::task::{
    current, with_current, Task, TaskStruct, EXIT_ZOMBIE, PF_EXITING, TASK_RUNNING, TASK_TRACED,
};
use crate::mm::mm_types::SUID_DUMP_USER;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

// Linux: include/linux/ptrace.h — the modes of ptrace_may_access().
pub const PTRACE_MODE_READ: u32 = 0x01;
pub const PTRACE_MODE_ATTACH: u32 = 0x02;
pub const PTRACE_MODE_NOAUDIT: u32 = 0x04;
/// Compare the caller's fsuid/fsgid (a filesystem access: /proc).
pub const PTRACE_MODE_FSCREDS: u32 = 0x08;
/// Compare the caller's real uid/gid (a syscall aimed at another process).
pub const PTRACE_MODE_REALCREDS: u32 = 0x10;
pub const PTRACE_MODE_READ_FSCREDS: u32 = PTRACE_MODE_READ | PTRACE_MODE_FSCREDS;
pub const PTRACE_MODE_READ_REALCREDS: u32 = PTRACE_MODE_READ | PTRACE_MODE_REALCREDS;
pub const PTRACE_MODE_ATTACH_FSCREDS: u32 = PTRACE_MODE_ATTACH | PTRACE_MODE_FSCREDS;
pub const PTRACE_MODE_ATTACH_REALCREDS: u32 = PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS;

/// Linux: ptrace_has_cap() — CAP_SYS_PTRACE in the target's user namespace.
fn ptrace_has_cap(cred: &Cred, tcred: &Cred) -> bool {
    cap_capable(cred, &tcred.user_ns, CAP_SYS_PTRACE)
}

/// Linux: __ptrace_may_access() — the caller may inspect `t` if it is in the same thread
/// group, or if every one of `t`'s real, effective and saved ids is the caller's (fs or real,
/// by `mode`) id and `t` is dumpable, or with CAP_SYS_PTRACE; and commoncap's
/// cap_ptrace_access_check(): `t`'s permitted capabilities must be within the caller's
/// (effective with FSCREDS, permitted with REALCREDS), unless CAP_SYS_PTRACE.  EPERM.
pub fn ptrace_may_access_err(t: &TaskStruct, mode: u32) -> KResult<()> {
    if (mode & PTRACE_MODE_FSCREDS == 0) == (mode & PTRACE_MODE_REALCREDS == 0) {
        return Err(EPERM);
    }
    if current().tgid() == t.tgid() {
        return Ok(());
    }
    let cred = current_cred();
    let tcred = task_cred(t);
    let (uid, gid) = if mode & PTRACE_MODE_FSCREDS != 0 { (cred.fsuid, cred.fsgid) } else { (cred.uid, cred.gid) };
    let same = uid == tcred.euid
        && uid == tcred.suid
        && uid == tcred.uid
        && gid == tcred.egid
        && gid == tcred.sgid
        && gid == tcred.gid;
    if !same && !ptrace_has_cap(&cred, &tcred) {
        return Err(EPERM);
    }
    // Linux: task_still_dumpable()
    let mm = t.mm.lock().clone();
    if let Some(mm) = mm {
        if mm.get_dumpable() != SUID_DUMP_USER && !ptrace_has_cap(&cred, &tcred) {
            return Err(EPERM);
        }
    }
    // Linux: cap_ptrace_access_check()
    let caller_caps = if mode & PTRACE_MODE_FSCREDS != 0 { cred.cap_effective } else { cred.cap_permitted };
    if alloc::sync::Arc::ptr_eq(&cred.user_ns, &tcred.user_ns) && tcred.cap_permitted.is_subset(caller_caps) {
        return Ok(());
    }
    if ptrace_has_cap(&cred, &tcred) {
        return Ok(());
    }
    Err(EPERM)
}

/// Linux: ptrace_may_access()
pub fn ptrace_may_access(t: &TaskStruct, mode: u32) -> bool {
    ptrace_may_access_err(t, mode).is_ok()
}

// Linux: include/uapi/linux/ptrace.h — the requests.
pub const PTRACE_TRACEME: i64 = 0;
pub const PTRACE_PEEKTEXT: i64 = 1;
pub const PTRACE_PEEKDATA: i64 = 2;
pub const PTRACE_POKETEXT: i64 = 4;
pub const PTRACE_POKEDATA: i64 = 5;
pub const PTRACE_CONT: i64 = 7;
pub const PTRACE_KILL: i64 = 8;
pub const PTRACE_SINGLESTEP: i64 = 9;
pub const PTRACE_ATTACH: i64 = 16;
pub const PTRACE_DETACH: i64 = 17;
pub const PTRACE_SYSCALL: i64 = 24;
pub const PTRACE_SETOPTIONS: i64 = 0x4200;
pub const PTRACE_GETEVENTMSG: i64 = 0x4201;
pub const PTRACE_GETSIGINFO: i64 = 0x4202;
pub const PTRACE_SETSIGINFO: i64 = 0x4203;
pub const PTRACE_GETREGSET: i64 = 0x4204;
pub const PTRACE_SETREGSET: i64 = 0x4205;
pub const PTRACE_SEIZE: i64 = 0x4206;
pub const PTRACE_INTERRUPT: i64 = 0x4207;
pub const PTRACE_LISTEN: i64 = 0x4208;
pub const PTRACE_PEEKSIGINFO: i64 = 0x4209;
pub const PTRACE_GETSIGMASK: i64 = 0x420a;
pub const PTRACE_SETSIGMASK: i64 = 0x420b;
pub const PTRACE_GET_SYSCALL_INFO: i64 = 0x420e;

// The events (the stop status's bits 16..23) and the options.
pub const PTRACE_EVENT_FORK: i32 = 1;
pub const PTRACE_EVENT_VFORK: i32 = 2;
pub const PTRACE_EVENT_CLONE: i32 = 3;
pub const PTRACE_EVENT_EXEC: i32 = 4;
pub const PTRACE_EVENT_VFORK_DONE: i32 = 5;
pub const PTRACE_EVENT_EXIT: i32 = 6;
pub const PTRACE_EVENT_STOP: i32 = 128;
pub const PTRACE_O_TRACESYSGOOD: u32 = 1;
pub const PTRACE_O_EXITKILL: u32 = 1 << 20;
pub const PTRACE_O_SUSPEND_SECCOMP: u32 = 1 << 21;
pub const PTRACE_O_MASK: u32 = 0xff | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP;
pub const PTRACE_PEEKSIGINFO_SHARED: u32 = 1;
pub const PTRACE_SYSCALL_INFO_NONE: u8 = 0;
pub const PTRACE_SYSCALL_INFO_ENTRY: u8 = 1;
pub const PTRACE_SYSCALL_INFO_EXIT: u8 = 2;
/// Linux: ptrace_message at a syscall stop (PTRACE_EVENTMSG_SYSCALL_ENTRY/EXIT).
const PTRACE_EVENTMSG_SYSCALL_ENTRY: usize = 1;
const PTRACE_EVENTMSG_SYSCALL_EXIT: usize = 2;
/// Linux: AUDIT_ARCH_RISCV64 (EM_RISCV | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
pub const AUDIT_ARCH_RISCV64: u32 = 243 | 0x8000_0000 | 0x4000_0000;

// Linux: include/linux/ptrace.h — task->ptrace.
pub const PT_PTRACED: u32 = 0x0000_0001;
pub const PT_SEIZED: u32 = 0x0001_0000;
const PT_OPT_FLAG_SHIFT: u32 = 3;
pub const PT_TRACESYSGOOD: u32 = PTRACE_O_TRACESYSGOOD << PT_OPT_FLAG_SHIFT;
pub const PT_EXITKILL: u32 = PTRACE_O_EXITKILL << PT_OPT_FLAG_SHIFT;
/// Linux: SYSCALL_WORK_SYSCALL_TRACE (TIF_SYSCALL_TRACE): PTRACE_SYSCALL asked for the next
/// syscall stops.  Kept in the same word: the syscall path reads one word for both.
pub const PT_SYSCALL_TRACE: u32 = 0x8000_0000;

// Linux: include/linux/sched/jobctl.h — the bits of jobctl that ptrace uses.
pub const JOBCTL_TRAP_STOP: u32 = 1 << 19;
pub const JOBCTL_LISTENING: u32 = 1 << 22;

/// Linux: PT_EVENT_FLAG(event)
const fn pt_event_flag(event: i32) -> u32 {
    1 << (PT_OPT_FLAG_SHIFT + event as u32)
}

/// A stopped tracee as its tracer sees it.  Linux keeps these in task_struct (exit_code,
/// last_siginfo, ptrace_message) and reads the registers off the tracee's stack; here the
/// tracee publishes copies for the length of the stop.
#[derive(Default)]
pub struct PtraceStop {
    /// In ptrace_stop(), until resumed (Linux: TASK_TRACED and JOBCTL_TRACED).
    pub stopped: bool,
    /// Linux: exit_code: the stop's code until wait reports it (then 0); on resume, the
    /// signal the tracer gives the tracee (PTRACE_CONT's data).
    pub exit_code: i32,
    /// Linux: last_siginfo — the siginfo of this stop, None for a group stop of a tracee
    /// not seized.
    pub last_siginfo: Option<SigInfo>,
    /// Linux: ptrace_message (PTRACE_GETEVENTMSG).
    pub message: usize,
    /// The registers at the stop (allocated by the first stop: an untraced task pays nothing).
    pub frame: Option<alloc::boxed::Box<StopFrame>>,
}

/// The user registers and FPU state of a stopped tracee, and whether the tracer changed them.
#[derive(Clone, Copy)]
pub struct StopFrame {
    pub regs: PtRegs,
    pub fp: FpState,
    pub regs_dirty: bool,
    pub fp_dirty: bool,
}

/// Linux: task->ptrace, the ptrace bits of task->jobctl, and the stop state.
pub struct PtraceState {
    /// PT_PTRACED | PT_SEIZED | the options | PT_SYSCALL_TRACE; 0 when not traced.
    pub flags: AtomicU32,
    /// JOBCTL_TRAP_STOP | JOBCTL_LISTENING.
    pub jobctl: AtomicU32,
    pub stop: SpinLock<PtraceStop, class::Ptrace>,
}

impl Default for PtraceState {
    fn default() -> Self {
        Self::new()
    }
}

impl PtraceState {
    pub fn new() -> Self {
        PtraceState { flags: AtomicU32::new(0), jobctl: AtomicU32::new(0), stop: SpinLock::new(PtraceStop::default()) }
    }
    #[inline(always)]
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }
    #[inline(always)]
    pub fn is_traced(&self) -> bool {
        self.flags() & PT_PTRACED != 0
    }
    /// The syscall path's one test: a syscall stop is asked for.
    #[inline(always)]
    pub fn syscall_work(&self) -> bool {
        self.flags() & PT_SYSCALL_TRACE != 0
    }
    /// The way back to user mode's test: a PTRACE_INTERRUPT / SEIZE trap is pending.
    #[inline(always)]
    pub fn trap_pending(&self) -> bool {
        self.jobctl.load(Ordering::Relaxed) & JOBCTL_TRAP_STOP != 0
    }
}

/// Linux: ptrace_parent() — the tracer of a traced task.
pub fn ptrace_parent(t: &TaskStruct) -> Option<Task> {
    if !t.ptrace.is_traced() {
        return None;
    }
    t.rel.lock().parent.as_ref().and_then(|w| w.upgrade())
}

/// Linux: ptrace_reparented() — traced by another process than its real parent.
pub(crate) fn ptrace_reparented(t: &TaskStruct) -> Option<Task> {
    let tracer = ptrace_parent(t)?;
    let real = t.parent();
    if real.is_some_and(|r| r.tgid() == tracer.tgid()) {
        None
    } else {
        Some(tracer)
    }
}

/// Linux: ptrace_event_enabled()
#[inline(always)]
pub fn ptrace_event_enabled(t: &TaskStruct, event: i32) -> bool {
    t.ptrace.flags() & pt_event_flag(event) != 0
}

/// Linux: __ptrace_link(): `child` joins `tracer`'s ptraced list; under tasklist_lock.
fn ptrace_link(child: &Task, tracer: &Task, _tl: &TasklistGuard) {
    child.rel.lock().parent = Some(Arc::downgrade(tracer));
    tracer.rel.lock().ptraced.push(child.clone());
}

/// Linux: __ptrace_unlink(): the child leaves its tracer; its ptrace state is cleared.  A
/// tracee in a ptrace stop is let go (the tracer's resume value, `sig`, is its signal).
fn ptrace_unlink(child: &Task, sig: i32, _tl: &TasklistGuard) {
    let tracer = core::mem::take(&mut child.rel.lock().parent).and_then(|w| w.upgrade());
    if let Some(t) = tracer {
        t.rel.lock().ptraced.retain(|c| !Arc::ptr_eq(c, child));
    }
    child.ptrace.flags.store(0, Ordering::Relaxed);
    child.ptrace.jobctl.store(0, Ordering::Relaxed);
    ptrace_resume_stopped(child, sig);
}

/// Lets a tracee in ptrace_stop() go on, with `sig` as the tracer's answer.
fn ptrace_resume_stopped(child: &Task, sig: i32) {
    let was = {
        let mut st = child.ptrace.stop.lock();
        let was = st.stopped;
        if was {
            st.stopped = false;
            st.exit_code = sig;
        }
        was
    };
    if was {
        crate::kernel::sched::core::wake_up_state(child, TASK_TRACED);
    }
}

/// Linux: ptrace_init_task(), from copy_process() under tasklist_lock: a new task starts
/// untraced, or traced by its parent's tracer when `ptrace` (CLONE_PTRACE, or the event the
/// tracer asked for) and the parent is traced; it then starts with SIGSTOP pending (or, when
/// seized, a PTRACE_EVENT_STOP trap).
pub fn ptrace_init_task(child: &Task, ptrace: bool, tl: &TasklistGuard) {
    let cur = current();
    let flags = cur.ptrace.flags();
    if !ptrace || flags & PT_PTRACED == 0 {
        return;
    }
    let Some(tracer) = ptrace_parent(&cur) else { return };
    // Linux: copy_process() turns syscall tracing off in the child regardless.
    child.ptrace.flags.store(flags & !PT_SYSCALL_TRACE, Ordering::Relaxed);
    ptrace_link(child, &tracer, tl);
    if flags & PT_SEIZED != 0 {
        child.ptrace.jobctl.fetch_or(JOBCTL_TRAP_STOP, Ordering::Relaxed);
    } else {
        with_pending(child, |p| p.set |= sigmask(SIGSTOP));
    }
}

/// Linux: ptrace_release_task() (in release_task()): a tracee reaped leaves its tracer.
pub fn ptrace_release_task(t: &Task, tl: &TasklistGuard) {
    // (flags are set before the link and cleared with it)
    if t.ptrace.flags() != 0 {
        ptrace_unlink(t, 0, tl);
    }
}

/// Linux: exit_ptrace() (from forget_original_parent()): a tracer that exits lets go of its
/// tracees — killed with PTRACE_O_EXITKILL, otherwise resumed as after PTRACE_DETACH; a
/// zombie tracee goes back to its real parent, which now hears of its death.
pub fn exit_ptrace(tracer: &Task, tl: &TasklistGuard) {
    let tracees: Vec<Task> = core::mem::take(&mut tracer.rel.lock().ptraced);
    for t in tracees {
        let exitkill = t.ptrace.flags() & PT_EXITKILL != 0;
        t.rel.lock().parent = None;
        t.ptrace.flags.store(0, Ordering::Relaxed);
        t.ptrace.jobctl.store(0, Ordering::Relaxed);
        if exitkill {
            send_signal(&t, SIGKILL, SigInfo { signo: SIGKILL, code: SI_USER, ..Default::default() });
        }
        ptrace_resume_stopped(&t, 0);
        if t.exit_state() == EXIT_ZOMBIE {
            zombie_back_to_real_parent(&t, tracer, tl);
        }
    }
}

/// A traced zombie whose tracer is done with it: its real parent (if another process) is
/// told now, and reaps it at once when it ignores SIGCHLD (Linux: __ptrace_detach()).
fn zombie_back_to_real_parent(t: &Task, tracer: &Task, tl: &TasklistGuard) {
    if t.pid() != t.tgid() {
        // a thread: nobody else waits for it (Linux: EXIT_DEAD, release_task())
        t.exit_state.store(crate::kernel::task::EXIT_DEAD, Ordering::Release);
        crate::kernel::exit::release_task(t, tl);
        return;
    }
    let Some(real) = t.parent() else { return };
    if real.tgid() == tracer.tgid() {
        return;
    }
    if crate::kernel::exit::do_notify_parent(t, &real) {
        t.exit_state.store(crate::kernel::task::EXIT_DEAD, Ordering::Release);
        crate::kernel::exit::release_task(t, tl);
    }
    real.signal.wait_chldexit.wake_up_all();
}

/// The ptrace part of exit_notify(): a tracee traced by another process than its real parent
/// tells its tracer (SIGCHLD) and stays a zombie for it; true when it did.  (A group leader
/// traced by its real parent goes the ordinary way.)  A traced thread that is not the leader
/// always does, whoever traces it: its tracer's wait reports its exit, then releases it
/// (Linux: exit_notify()'s `if (unlikely(tsk->ptrace))` branch, do_notify_parent(SIGCHLD)).
pub fn exit_notify_tracer(t: &Task) -> bool {
    if !t.ptrace.is_traced() {
        return false;
    }
    let tracer = if t.pid() == t.tgid() { ptrace_reparented(t) } else { ptrace_parent(t) };
    let Some(tracer) = tracer else { return false };
    let info = exit_siginfo(t, &tracer);
    let act = tracer.sighand.lock().get(SIGCHLD);
    if act.handler != SIG_IGN {
        kill_process(&tracer, SIGCHLD, info);
    }
    tracer.signal.wait_chldexit.wake_up_all();
    true
}

/// The exit report of tracee `t` for `viewer` (its tracer): si_uid as the viewer's user
/// namespace names it (si_pid is translated by the send, or by the wait).
fn exit_siginfo(t: &TaskStruct, viewer: &TaskStruct) -> SigInfo {
    let code = t.exit_code.load(Ordering::Relaxed);
    let (si_code, status) = if code & 0x7f != 0 { (CLD_KILLED, code & 0x7f) } else { (CLD_EXITED, (code >> 8) & 0xff) };
    SigInfo { signo: SIGCHLD, code: si_code, pid: t.pid(), uid: task_uid(t, viewer), status, ..Default::default() }
}

/// Linux: ptrace_do_wait() with wait_consider_task(ptrace = 1): the tracer's wait looks at
/// its tracees — a stopped one reports (status << 8 | 0x7f, CLD_TRAPPED) whether or not
/// WUNTRACED was asked, a dead one its exit status, after which a tracee of another real
/// parent goes back to it.  `any` is set when there is a tracee the wait may report.
pub fn ptrace_do_wait(wo: &WaitOpts, cur: &Task, tl: &TasklistGuard, any: &mut bool) -> Option<WaitResult> {
    let tracees: Vec<Task> = {
        let rel = cur.rel.lock();
        if rel.ptraced.is_empty() {
            return None;
        }
        rel.ptraced.clone()
    };
    for p in tracees {
        let ok = match &wo.target {
            WaitTarget::All => true,
            WaitTarget::Pid(pid) => p.pid() == *pid,
            WaitTarget::Pgid(g) => p.signal.pgrp.load(Ordering::Relaxed) == *g,
            WaitTarget::Task(t) => Arc::ptr_eq(t, &p),
        };
        if !ok {
            continue;
        }
        *any = true;
        if p.exit_state() == EXIT_ZOMBIE {
            if wo.flags & WEXITED == 0 {
                continue;
            }
            if p.pid() == p.tgid() && p.signal.live.load(Ordering::Relaxed) > 0 {
                continue; // delay_group_leader
            }
            if ptrace_reparented(&p).is_none() && p.pid() == p.tgid() {
                return Some(crate::kernel::exit::wait_task_zombie(wo, &p, tl));
            }
            // Linux: wait_task_zombie() with EXIT_TRACE: report, then hand the zombie back.
            let code = if p.signal.group_exit.load(Ordering::Acquire) {
                p.signal.group_exit_code.load(Ordering::Relaxed)
            } else {
                p.exit_code.load(Ordering::Relaxed)
            };
            // (the waiter's view of the number)
            let vpid = crate::kernel::pid::task_pid_vnr(&p);
            let info = SigInfo { pid: vpid, ..exit_siginfo(&p, cur) };
            let res = crate::kernel::exit::wait_result(vpid, code, info, &p);
            if wo.flags & WNOWAIT == 0 {
                ptrace_unlink(&p, 0, tl);
                zombie_back_to_real_parent(&p, cur, tl);
            }
            return Some(res);
        }
        if p.exit_state() != 0 || p.ptrace.jobctl.load(Ordering::Relaxed) & JOBCTL_LISTENING != 0 {
            continue;
        }
        // Linux: wait_task_stopped(ptrace = 1)
        let code = {
            let mut st = p.ptrace.stop.lock();
            if !st.stopped || st.exit_code == 0 {
                continue;
            }
            let c = st.exit_code;
            if wo.flags & WNOWAIT == 0 {
                st.exit_code = 0;
            }
            c
        };
        let info = SigInfo {
            signo: SIGCHLD,
            code: CLD_TRAPPED,
            pid: crate::kernel::pid::task_pid_vnr(&p),
            uid: task_uid(&p, &current()),
            status: code,
            ..Default::default()
        };
        return Some(crate::kernel::exit::wait_result(
            crate::kernel::pid::task_pid_vnr(&p),
            (code << 8) | 0x7f,
            info,
            &p,
        ));
    }
    None
}

/// Whether the children loop of do_wait should leave `c` to ptrace_do_wait (traced by the
/// waiter itself) or not report it yet (a zombie still traced by another process).
pub fn wait_skip_child(cur: &TaskStruct, c: &TaskStruct) -> bool {
    if c.ptrace.flags() == 0 {
        return false;
    }
    match ptrace_parent(c) {
        Some(t) if t.tgid() == cur.tgid() => true,
        Some(_) => c.exit_state() == EXIT_ZOMBIE,
        None => false,
    }
}

/// Linux: ptrace_stop(): the running task stops for its tracer with `exit_code` (the status
/// wait reports), `info` as last_siginfo and `message` as ptrace_message, and tells the
/// tracer (SIGCHLD with `why`, a wake-up of its wait).  Returns, once resumed, the signal
/// the tracer gave (0: none) and the siginfo as the tracer left it.  `regs`: the trap frame
/// when the caller holds it (the syscall path), else the task's own saved registers.
pub fn ptrace_stop(
    exit_code: i32,
    why: i32,
    message: usize,
    info: Option<SigInfo>,
    regs: Option<&mut PtRegs>,
) -> (i32, Option<SigInfo>) {
    let cur = current();
    if !cur.ptrace.is_traced() || fatal_signal_pending(&cur) {
        return (exit_code, info);
    }
    let Some(tracer) = ptrace_parent(&cur) else { return (exit_code, info) };
    let snapshot = match regs.as_deref() {
        Some(r) => *r,
        None => crate::arch::riscv::process::with_current_pt_regs(|r| *r),
    };
    let fp = crate::arch::riscv::process::save_user_fpu(&cur);
    {
        let mut st = cur.ptrace.stop.lock();
        st.stopped = true;
        st.exit_code = exit_code;
        st.last_siginfo = info;
        st.message = message;
        let frame = StopFrame { regs: snapshot, fp, regs_dirty: false, fp_dirty: false };
        match st.frame.as_deref_mut() {
            Some(f) => *f = frame,
            None => st.frame = Some(alloc::boxed::Box::new(frame)),
        }
    }
    cur.set_state(TASK_TRACED);
    // Linux: do_notify_parent_cldstop(current, true, why): si_status is the stop's signal.
    let act = tracer.sighand.lock().get(SIGCHLD);
    if act.handler != SIG_IGN && act.flags & SA_NOCLDSTOP == 0 {
        let si = SigInfo {
            signo: SIGCHLD,
            code: why,
            pid: cur.pid(),
            uid: task_uid(&cur, &tracer),
            status: exit_code & 0x7f,
            ..Default::default()
        };
        kill_process(&tracer, SIGCHLD, si);
    }
    tracer.signal.wait_chldexit.wake_up_all();
    drop(tracer);
    loop {
        crate::kernel::sched::schedule();
        if !cur.ptrace.stop.lock().stopped || fatal_signal_pending(&cur) {
            break;
        }
        cur.set_state(TASK_TRACED);
    }
    cur.set_state(TASK_RUNNING);
    let mut st = cur.ptrace.stop.lock();
    st.stopped = false;
    let code = core::mem::take(&mut st.exit_code);
    let info = st.last_siginfo.take();
    st.message = 0;
    let (new_regs, new_fp) = match st.frame.as_deref_mut() {
        Some(f) => {
            let r = (f.regs_dirty.then_some(f.regs), f.fp_dirty.then_some(f.fp));
            f.regs_dirty = false;
            f.fp_dirty = false;
            r
        }
        None => (None, None),
    };
    drop(st);
    if let Some(r) = new_regs {
        match regs {
            Some(regs) => *regs = r,
            None => crate::arch::riscv::process::with_current_pt_regs(|x| *x = r),
        }
    }
    if let Some(fp) = new_fp {
        crate::arch::riscv::process::restore_user_fpu(&cur, &fp);
    }
    (code, info)
}

/// Linux: ptrace_do_notify(): a trap stop (SIGTRAP with an event, or a syscall stop) whose
/// siginfo says where it came from.
fn ptrace_do_notify(signr: i32, exit_code: i32, why: i32, message: usize, regs: Option<&mut PtRegs>) -> i32 {
    // Linux: si_pid = task_pid_vnr(current), si_uid in current's own user namespace.
    let (pid, uid) = with_current(|c| (crate::kernel::pid::task_pid_vnr(c), task_uid(c, c)));
    let info = SigInfo { signo: signr, code: exit_code, pid, uid, ..Default::default() };
    ptrace_stop(exit_code, why, message, Some(info), regs).0
}

/// Linux: ptrace_notify()
fn ptrace_notify(exit_code: i32, message: usize) -> i32 {
    ptrace_do_notify(SIGTRAP, exit_code, CLD_TRAPPED, message, None)
}

/// Linux: ptrace_event(): an event stop when the tracer asked for `event`; exec's legacy
/// SIGTRAP for a tracee attached without SEIZE that did not.
#[inline(never)]
pub fn ptrace_event(event: i32, message: usize) {
    let flags = with_current(|c| c.ptrace.flags());
    if flags & pt_event_flag(event) != 0 {
        ptrace_notify((event << 8) | SIGTRAP, message);
    } else if event == PTRACE_EVENT_EXEC && flags & (PT_PTRACED | PT_SEIZED) == PT_PTRACED {
        send_signal(&current(), SIGTRAP, SigInfo { signo: SIGTRAP, code: SI_USER, ..Default::default() });
    }
}

/// `t`'s number in its tracer's pid namespace (0 when the tracer cannot see it, or there is
/// none).
pub fn pid_in_tracer_ns(t: &TaskStruct) -> i32 {
    ptrace_parent(t).map_or(0, |tr| crate::kernel::pid::task_pid_nr_ns(t, &crate::kernel::pid::task_active_pid_ns(&tr)))
}

/// Linux: ptrace_event_pid(): an event whose message is the pid of `child`, as the caller's
/// tracer's pid namespace numbers it.
#[no_mangle]
#[inline(never)]
pub fn ptrace_event_pid(event: i32, child: &TaskStruct) {
    let message = ptrace_parent(&current())
        .map_or(0, |tr| crate::kernel::pid::task_pid_nr_ns(child, &crate::kernel::pid::task_active_pid_ns(&tr)));
    ptrace_event(event, message as usize);
}

/// The exec event (Linux: exec_binprm()'s ptrace_event(PTRACE_EVENT_EXEC, old_vpid)), for a
/// traced task only.
#[inline(always)]
pub fn ptrace_exec_notify(old_pid: i32) {
    if with_current(|c| c.ptrace.is_traced()) {
        ptrace_event(PTRACE_EVENT_EXEC, old_pid as usize);
    }
}

/// The exit event (Linux: do_exit()'s ptrace_event(PTRACE_EVENT_EXIT, code)).
#[inline(always)]
pub fn ptrace_exit_notify(code: i32) {
    if with_current(|c| ptrace_event_enabled(c, PTRACE_EVENT_EXIT)) {
        ptrace_event(PTRACE_EVENT_EXIT, code as usize);
    }
}

/// Linux: ptrace_report_syscall(): a syscall stop (SIGTRAP, | 0x80 with TRACESYSGOOD); a
/// signal the tracer answers with is sent.  Whether the task is being killed.
fn ptrace_report_syscall(message: usize, regs: &mut PtRegs) -> bool {
    let flags = with_current(|c| c.ptrace.flags());
    let code = SIGTRAP | if flags & PT_TRACESYSGOOD != 0 { 0x80 } else { 0 };
    let sig = ptrace_do_notify(SIGTRAP, code, CLD_TRAPPED, message, Some(regs));
    let cur = current();
    if sig != 0 {
        send_signal(&cur, sig, SigInfo { signo: sig, code: SI_USER, ..Default::default() });
    }
    fatal_signal_pending(&cur)
}

/// Linux: syscall_trace_enter() + the syscall + syscall_exit_work() for a task with
/// PTRACE_SYSCALL on (the arch's do_trap_ecall_u takes this way only then): the entry stop,
/// where the tracer may change the number and arguments (number -1: skip the call, a0 as
/// the tracer left it), the call, the exit stop.
#[no_mangle]
#[inline(never)]
pub fn syscall_trace(regs: &mut PtRegs) {
    if ptrace_report_syscall(PTRACE_EVENTMSG_SYSCALL_ENTRY, regs) {
        return;
    }
    if regs.a7 != usize::MAX {
        regs.a0 = crate::kernel::syscall::do_syscall(regs);
    }
    if with_current(|c| c.ptrace.syscall_work()) {
        ptrace_report_syscall(PTRACE_EVENTMSG_SYSCALL_EXIT, regs);
    }
}

/// Linux: ptrace_signal() (from get_signal()): a signal about to be delivered to a tracee
/// stops it first; the tracer may cancel it (0), change it, or change its siginfo.  The
/// signal to act on, or None; a changed signal now blocked goes back to the queue.
pub fn ptrace_signal(cur: &Task, info: SigInfo) -> Option<SigInfo> {
    let signr = info.signo;
    let (sig, info) = ptrace_stop(signr, CLD_TRAPPED, 0, Some(info), None);
    if sig == 0 {
        return None;
    }
    let mut info = info.unwrap_or_default();
    if sig != info.signo {
        let tracer = ptrace_parent(cur);
        info = SigInfo {
            signo: sig,
            code: SI_USER,
            // Linux: task_pid_vnr(current->parent), its uid in current's user namespace
            pid: tracer.as_ref().map_or(0, |t| crate::kernel::pid::task_tgid_vnr(t)),
            uid: tracer.as_ref().map_or(0, |t| task_uid(t, cur)),
            ..Default::default()
        };
    }
    if cur.blocked.load(Ordering::Relaxed) & sigmask(sig) != 0 || fatal_signal_pending(cur) {
        let _ = do_send_sig_info(sig, info, cur, PidType::Pid);
        return None;
    }
    Some(info)
}

/// The ptrace part of do_signal_stop(): a traced task's group stop is a stop for its tracer
/// (Linux: do_jobctl_trap() -> ptrace_stop(CLD_STOPPED)): SIGSTOP-like, with
/// PTRACE_EVENT_STOP in the status when seized; a real parent that is not the tracer hears
/// of it too.  False when the task is not traced (or was detached while stopped).
pub fn ptrace_group_stop(cur: &Task, sig: i32) -> bool {
    let flags = cur.ptrace.flags();
    if flags & PT_PTRACED == 0 {
        return false;
    }
    if ptrace_reparented(cur).is_some() {
        if let Some(p) = cur.parent() {
            do_notify_parent_cldstop(cur, &p, CLD_STOPPED, sig);
        }
    }
    if flags & PT_SEIZED != 0 {
        let code = sig | (PTRACE_EVENT_STOP << 8);
        ptrace_do_notify(sig, code, CLD_STOPPED, 0, None);
    } else {
        ptrace_stop(sig, CLD_STOPPED, 0, None, None);
    }
    cur.ptrace.is_traced() || !cur.signal.stop.lock().stopped
}

/// Linux: ptrace_trap_notify() (prepare_signal()'s SIGCONT): a seized tracee is to re-trap
/// with PTRACE_EVENT_STOP (JOBCTL_TRAP_NOTIFY, here the same bit as JOBCTL_TRAP_STOP), so its
/// tracer hears that the group stop is over; one listening (PTRACE_LISTEN) leaves its stop
/// for that now, one in another ptrace stop once its tracer resumes it.
pub fn ptrace_trap_notify(t: &Task) {
    if t.ptrace.flags() & PT_SEIZED == 0 {
        return;
    }
    t.ptrace.jobctl.fetch_or(JOBCTL_TRAP_STOP, Ordering::Relaxed);
    // Linux: ptrace_signal_wake_up(t, t->jobctl & JOBCTL_LISTENING)
    if t.ptrace.jobctl.fetch_and(!JOBCTL_LISTENING, Ordering::Relaxed) & JOBCTL_LISTENING != 0 {
        ptrace_resume_stopped(t, 0);
    } else {
        crate::kernel::sched::core::wake_up_state(t, crate::kernel::task::TASK_INTERRUPTIBLE);
    }
}

/// Linux: do_jobctl_trap(): the trap PTRACE_INTERRUPT (or a seized auto-attach) asked for:
/// SIGTRAP | PTRACE_EVENT_STOP << 8 (the stop signal instead in a group stop).
#[inline(never)]
pub fn do_jobctl_trap(regs: &mut PtRegs) {
    let cur = current();
    cur.ptrace.jobctl.fetch_and(!JOBCTL_TRAP_STOP, Ordering::Relaxed);
    let flags = cur.ptrace.flags();
    if flags & PT_PTRACED == 0 {
        return;
    }
    let gstop = {
        let st = cur.signal.stop.lock();
        if st.stopped {
            st.report_stop.max(SIGSTOP)
        } else {
            0
        }
    };
    drop(cur);
    if flags & PT_SEIZED != 0 {
        let signr = if gstop != 0 { gstop } else { SIGTRAP };
        ptrace_do_notify(signr, signr | (PTRACE_EVENT_STOP << 8), CLD_STOPPED, 0, Some(regs));
    } else {
        ptrace_stop(if gstop != 0 { gstop } else { SIGSTOP }, CLD_STOPPED, 0, None, Some(regs));
    }
}

// ---- the requests ----------------------------------------------------------------------

/// Linux: ptrace_traceme(): the caller's real parent becomes its tracer.
fn ptrace_traceme() -> KResult<usize> {
    let cur = current();
    let tl = crate::kernel::fork::tasklist_lock();
    if cur.ptrace.flags() != 0 {
        return Err(EPERM);
    }
    let parent = cur.parent().ok_or(EPERM)?;
    cur.ptrace.flags.store(PT_PTRACED, Ordering::Relaxed);
    ptrace_link(&cur, &parent, &tl);
    Ok(0)
}

/// Linux: ptrace_attach(): PTRACE_ATTACH (the tracee is sent SIGSTOP) or PTRACE_SEIZE (it
/// goes on running; `flags` are its options).
fn ptrace_attach(task: &Task, request: i64, addr: usize, flags: usize) -> KResult<usize> {
    let seize = request == PTRACE_SEIZE;
    let mut pflags = PT_PTRACED;
    if seize {
        if addr != 0 || flags as u32 as usize != flags || flags as u32 & !PTRACE_O_MASK != 0 {
            return Err(EIO);
        }
        pflags = PT_PTRACED | PT_SEIZED | (flags as u32) << PT_OPT_FLAG_SHIFT;
    }
    let cur = current();
    if task.is_kthread() || task.tgid() == cur.tgid() {
        return Err(EPERM);
    }
    ptrace_may_access_err(task, PTRACE_MODE_ATTACH_REALCREDS)?;
    let stopped = {
        let tl = crate::kernel::fork::tasklist_lock();
        if task.exit_state() != 0 || task.has_flag(PF_EXITING) {
            return Err(EPERM);
        }
        if task.ptrace.flags() != 0 || task.rel.lock().parent.is_some() {
            return Err(EPERM);
        }
        task.ptrace.flags.store(pflags, Ordering::Relaxed);
        ptrace_link(task, &cur, &tl);
        task.signal.stop.lock().stopped
    };
    if !seize {
        let _ = do_send_sig_info(
            SIGSTOP,
            SigInfo { signo: SIGSTOP, code: SI_KERNEL, ..Default::default() },
            task,
            PidType::Pid,
        );
    }
    // Linux: a task already in a group stop re-traps, now as a tracee (JOBCTL_TRAP_STOP).
    if stopped {
        task.ptrace.jobctl.fetch_or(JOBCTL_TRAP_STOP, Ordering::Relaxed);
        crate::kernel::sched::core::wake_up_state(task, crate::kernel::task::TASK_STOPPED);
    }
    Ok(0)
}

/// Linux: ptrace_check_attach(): `child` is traced by the caller and, unless `ignore_state`,
/// stopped for it (not listening); ESRCH otherwise.
fn ptrace_check_attach(child: &Task, ignore_state: bool) -> KResult<()> {
    let tracer = ptrace_parent(child).ok_or(ESRCH)?;
    if !with_current(|c| core::ptr::eq(c, Arc::as_ptr(&tracer))) {
        return Err(ESRCH);
    }
    if ignore_state {
        return Ok(());
    }
    if child.exit_state() != 0 || child.ptrace.jobctl.load(Ordering::Relaxed) & JOBCTL_LISTENING != 0 {
        return Err(ESRCH);
    }
    if !child.ptrace.stop.lock().stopped {
        return Err(ESRCH);
    }
    Ok(())
}

/// Linux: ptrace_resume(): PTRACE_CONT / PTRACE_SYSCALL (single-stepping: EIO, riscv has no
/// arch_has_single_step()).
fn ptrace_resume(child: &Task, request: i64, data: usize) -> KResult<usize> {
    if !valid_signal(data as i32) || data > NSIG as usize {
        return Err(EIO);
    }
    if request == PTRACE_SINGLESTEP {
        return Err(EIO);
    }
    if request == PTRACE_SYSCALL {
        child.ptrace.flags.fetch_or(PT_SYSCALL_TRACE, Ordering::Relaxed);
    } else {
        child.ptrace.flags.fetch_and(!PT_SYSCALL_TRACE, Ordering::Relaxed);
    }
    ptrace_resume_stopped(child, data as i32);
    Ok(0)
}

/// Linux: ptrace_detach(): the tracee goes on untraced, with signal `data`.
fn ptrace_detach(child: &Task, data: usize) -> KResult<usize> {
    if !valid_signal(data as i32) || data > NSIG as usize {
        return Err(EIO);
    }
    let tl = crate::kernel::fork::tasklist_lock();
    ptrace_unlink(child, data as i32, &tl);
    Ok(0)
}

/// Linux: ptrace_access_vm() / access_process_vm(FOLL_FORCE): the tracee's memory.
fn access_vm(child: &Task, addr: usize, buf: &mut [u8], write: bool) -> usize {
    let mm = child.mm.lock().clone();
    mm.map_or(0, |mm| crate::mm::memory::access_process_vm(&mm, addr, buf, write, true))
}

/// Linux: ptrace_peeksiginfo(): siginfos still queued for the tracee (its own queue, or its
/// process's with PTRACE_PEEKSIGINFO_SHARED), from `off`, at most `nr`; the number copied,
/// EFAULT only when none could be.
fn ptrace_peeksiginfo(child: &Task, addr: usize, data: usize) -> KResult<usize> {
    crate::user_pod! {
        #[derive(Clone, Copy)]
        struct PeekSiginfoArgs {
            off: u64,
            flags: u32,
            nr: i32,
        }
    }
    let arg = UserPtr::<PeekSiginfoArgs>::new(addr).read()?;
    if arg.flags & !PTRACE_PEEKSIGINFO_SHARED != 0 || arg.nr < 0 {
        return Err(EINVAL);
    }
    let shared = arg.flags & PTRACE_PEEKSIGINFO_SHARED != 0;
    let mut out = UserPtr::<UserSigInfo>::new(data);
    let mut i = 0usize;
    while i < arg.nr as usize {
        let off = (arg.off as usize).saturating_add(i);
        let info = if shared {
            child.signal.shared_pending.lock().list.get(off).map(|q| q.info)
        } else {
            child.pending.lock().list.get(off).map(|q| q.info)
        };
        let Some(info) = info else { break };
        if let Err(e) = copy_siginfo_to_user(out, &info) {
            if i == 0 {
                return Err(e);
            }
            break;
        }
        out = out.add(1);
        i += 1;
    }
    Ok(i)
}

/// Linux: ptrace_get_syscall_info(): what the tracee is doing at this stop — a syscall's
/// entry (number and arguments), its exit (the value, and whether it is an error), or none.
/// Returns the size of the whole answer; copies at most `size` bytes of it.
fn ptrace_get_syscall_info(child: &Task, size: usize, data: usize) -> KResult<usize> {
    let (regs, code, message) = {
        let st = child.ptrace.stop.lock();
        let regs = st.frame.as_ref().map_or_else(PtRegs::default, |f| f.regs);
        (regs, st.last_siginfo.map_or(0, |i| i.code), st.message)
    };
    let mut b = [0u8; 88];
    b[0] = PTRACE_SYSCALL_INFO_NONE;
    b[4..8].copy_from_slice(&AUDIT_ARCH_RISCV64.to_ne_bytes());
    b[8..16].copy_from_slice(&(regs.epc as u64).to_ne_bytes());
    b[16..24].copy_from_slice(&(regs.sp as u64).to_ne_bytes());
    let mut len = 24;
    if code == SIGTRAP | 0x80 {
        if message == PTRACE_EVENTMSG_SYSCALL_ENTRY {
            b[0] = PTRACE_SYSCALL_INFO_ENTRY;
            let args = [regs.a7, regs.orig_a0, regs.a1, regs.a2, regs.a3, regs.a4, regs.a5];
            for (k, a) in args.iter().enumerate() {
                b[24 + 8 * k..32 + 8 * k].copy_from_slice(&(*a as u64).to_ne_bytes());
            }
            len = 80;
        } else if message == PTRACE_EVENTMSG_SYSCALL_EXIT {
            b[0] = PTRACE_SYSCALL_INFO_EXIT;
            let v = regs.a0 as i64;
            let is_error = (-4095..0).contains(&v);
            b[24..32].copy_from_slice(&v.to_ne_bytes());
            b[32] = is_error as u8;
            len = 33;
        }
    }
    UserPtr::<u8>::new(data).copy_out(&b[..len.min(size)])?;
    Ok(len)
}

/// Linux: ptrace_regset(): PTRACE_GETREGSET / SETREGSET through the iovec at `data`, for
/// the regsets of arch/riscv/ptrace.rs; the iovec's length comes back as what was copied.
fn ptrace_regset(child: &Task, request: i64, nt_type: usize, data: usize) -> KResult<usize> {
    use crate::arch::riscv::ptrace as arch;
    let uiov = UserPtr::<crate::fs::read_write::IoVec>::new(data);
    let mut iov = uiov.read()?;
    let view = arch::regset(nt_type).ok_or(EINVAL)?;
    if iov.len % view.size != 0 {
        return Err(EINVAL);
    }
    iov.len = iov.len.min(view.n * view.size);
    let mut buf = alloc::vec![0u8; view.n * view.size];
    let frame = child.ptrace.stop.lock().frame.as_deref().copied().ok_or(ESRCH)?;
    arch::regset_get(nt_type, &frame.regs, &frame.fp, &mut buf);
    if request == PTRACE_GETREGSET {
        iov.base.copy_out(&buf[..iov.len])?;
    } else {
        iov.base.copy_in(&mut buf[..iov.len])?;
        let mut st = child.ptrace.stop.lock();
        let f = st.frame.as_deref_mut().ok_or(ESRCH)?;
        if arch::regset_set(nt_type, &mut f.regs, &mut f.fp, &buf[..iov.len]) {
            f.regs_dirty = true;
        } else {
            f.fp_dirty = true;
        }
    }
    uiov.cast::<usize>().byte_add(8).write(&iov.len)?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(ptrace, long, request, long, pid, unsigned long, addr, unsigned
/// long, data) -> ptrace_request() / arch_ptrace() (riscv: only the regsets of its own).
#[no_mangle]
#[inline(never)]
pub fn sys_ptrace(request: i64, pid: i64, addr: usize, data: usize) -> KResult<usize> {
    if request == PTRACE_TRACEME {
        return ptrace_traceme();
    }
    let child = crate::kernel::pid::find_task_by_vpid(pid as i32).ok_or(ESRCH)?;
    if request == PTRACE_ATTACH || request == PTRACE_SEIZE {
        return ptrace_attach(&child, request, addr, data);
    }
    ptrace_check_attach(&child, request == PTRACE_KILL || request == PTRACE_INTERRUPT)?;
    let seized = child.ptrace.flags() & PT_SEIZED != 0;
    match request {
        PTRACE_PEEKTEXT | PTRACE_PEEKDATA => {
            let mut w = [0u8; 8];
            if access_vm(&child, addr, &mut w, false) != 8 {
                return Err(EIO);
            }
            UserPtr::<u64>::new(data).write(&u64::from_ne_bytes(w))?;
            Ok(0)
        }
        PTRACE_POKETEXT | PTRACE_POKEDATA => {
            let mut w = (data as u64).to_ne_bytes();
            if access_vm(&child, addr, &mut w, true) != 8 {
                return Err(EIO);
            }
            Ok(0)
        }
        PTRACE_SETOPTIONS => {
            if data as u32 as usize != data || data as u32 & !PTRACE_O_MASK != 0 {
                return Err(EINVAL);
            }
            let mask = PTRACE_O_MASK << PT_OPT_FLAG_SHIFT;
            let f = child.ptrace.flags();
            child.ptrace.flags.store((f & !mask) | (data as u32) << PT_OPT_FLAG_SHIFT, Ordering::Relaxed);
            Ok(0)
        }
        PTRACE_GETEVENTMSG => {
            let m = child.ptrace.stop.lock().message;
            UserPtr::<usize>::new(data).write(&m)?;
            Ok(0)
        }
        PTRACE_PEEKSIGINFO => ptrace_peeksiginfo(&child, addr, data),
        PTRACE_GETSIGINFO => {
            let si = child.ptrace.stop.lock().last_siginfo.ok_or(EINVAL)?;
            copy_siginfo_to_user(UserPtr::new(data), &si)?;
            Ok(0)
        }
        PTRACE_SETSIGINFO => {
            let si = copy_siginfo_from_user(UserPtr::new(data), None)?;
            let mut st = child.ptrace.stop.lock();
            if st.last_siginfo.is_none() {
                return Err(EINVAL);
            }
            st.last_siginfo = Some(si);
            Ok(0)
        }
        PTRACE_GETSIGMASK | PTRACE_SETSIGMASK => {
            if addr != SIGSET_SIZE {
                return Err(EINVAL);
            }
            let p = UserPtr::<u64>::new(data);
            if request == PTRACE_GETSIGMASK {
                p.write(&child.blocked.load(Ordering::Relaxed))?;
            } else {
                let m = p.read()?;
                child.blocked.store(m & !UNBLOCKABLE, Ordering::Relaxed);
            }
            Ok(0)
        }
        PTRACE_INTERRUPT => {
            if !seized {
                return Err(EIO);
            }
            if child.ptrace.jobctl.fetch_and(!JOBCTL_LISTENING, Ordering::Relaxed) & JOBCTL_LISTENING != 0 {
                // Linux: a listening tracee re-traps: its stop is reported again.
                let mut st = child.ptrace.stop.lock();
                if st.stopped {
                    let sig = st.last_siginfo.map_or(SIGTRAP, |i| i.signo);
                    st.exit_code = sig | (PTRACE_EVENT_STOP << 8);
                    drop(st);
                    current().signal.wait_chldexit.wake_up_all();
                }
                return Ok(0);
            }
            if !child.ptrace.stop.lock().stopped {
                child.ptrace.jobctl.fetch_or(JOBCTL_TRAP_STOP, Ordering::Relaxed);
                crate::kernel::sched::core::wake_up_state(&child, crate::kernel::task::TASK_INTERRUPTIBLE);
            }
            Ok(0)
        }
        PTRACE_LISTEN => {
            let si = child.ptrace.stop.lock().last_siginfo;
            match si {
                Some(si) if seized && si.code >> 8 == PTRACE_EVENT_STOP => {
                    child.ptrace.jobctl.fetch_or(JOBCTL_LISTENING, Ordering::Relaxed);
                    // Linux: "If NOTIFY is set, it means event happened between start of this
                    // trap and now.  Trigger re-trap."  (MenuOS's NOTIFY is the JOBCTL_TRAP_STOP
                    // that ptrace_trap_notify sets.)  strace -f meets this when SIGCONT ends the
                    // group stop of the child it just seized before it answers the seize's
                    // re-trap with LISTEN: without the re-trap, the tracee listens for an event
                    // that has already happened and the tracer waits for it for ever.
                    if child.ptrace.jobctl.load(Ordering::Relaxed) & JOBCTL_TRAP_STOP != 0 {
                        ptrace_trap_notify(&child);
                    }
                    Ok(0)
                }
                _ => Err(EIO),
            }
        }
        PTRACE_DETACH => ptrace_detach(&child, data),
        PTRACE_SINGLESTEP | PTRACE_SYSCALL | PTRACE_CONT => ptrace_resume(&child, request, data),
        PTRACE_KILL => {
            send_signal(&child, SIGKILL, SigInfo { signo: SIGKILL, code: SI_USER, ..Default::default() });
            Ok(0)
        }
        PTRACE_GETREGSET | PTRACE_SETREGSET => ptrace_regset(&child, request, addr, data),
        PTRACE_GET_SYSCALL_INFO => ptrace_get_syscall_info(&child, addr, data),
        _ => Err(EIO),
    }
}
