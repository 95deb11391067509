//! Process exit and wait.  Linux: kernel/exit.c (do_exit, exit_notify, release_task,
//! do_wait, wait4, waitid), kernel/fork.c (mm_release, complete_vfork_done).

use crate::errno::*;
use crate::kernel::fork::{tasklist_lock, TasklistGuard};
use crate::kernel::signal::*;
use crate::kernel::sys::{getrusage, RusageSums, RUSAGE_BOTH};
use crate::kernel::task::*;
use crate::mm::uaccess::{write_user, UserPtr};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// Linux: complete_vfork_done(): release a CLONE_VFORK parent.
#[no_mangle]
#[inline(never)]
fn complete_vfork_done(t: &TaskStruct) {
    if let Some(c) = t.vfork_done.lock().take() {
        c.complete();
    }
}

/// Linux: mm_release(): on exit or exec, the old mm is let go of: clear_child_tid is
/// cleared and futex-woken (pthread_join), and a vfork parent is released.
#[no_mangle]
#[inline(never)]
pub fn mm_release(t: &TaskStruct) {
    let tid = t.clear_child_tid.swap(0, Ordering::Relaxed);
    // Linux: only when another task shares the mm (mm_users > 1): nobody else could see it.
    let shared = t.mm.lock().as_ref().is_some_and(|mm| Arc::strong_count(mm) > 1);
    if tid != 0 && shared && write_user(tid, &0i32).is_ok() {
        crate::kernel::futex::futex_wake_tid(tid);
    }
    complete_vfork_done(t);
}

/// Linux: exit_mm_release() (kernel/fork.c): robust futexes and PI futexes the task holds are
/// released (futex_exit_release), then mm_release.
#[no_mangle]
#[inline(never)]
pub fn exit_mm_release(t: &TaskStruct) {
    crate::kernel::futex::futex_exit_release(t);
    mm_release(t);
}

/// Linux: exec_mm_release() (kernel/fork.c): as exit_mm_release, for the image exec replaces.
#[no_mangle]
#[inline(never)]
pub fn exec_mm_release(t: &TaskStruct) {
    crate::kernel::futex::futex_exec_release(t);
    mm_release(t);
}

/// Linux: exit_mm()
#[no_mangle]
#[inline(never)]
fn exit_mm(t: &TaskStruct) {
    exit_mm_release(t);
    let mm = t.set_mm(None);
    // Switch to the kernel's page table before the last reference can free ours.
    crate::arch::riscv::switch_mm((8 << 60) | crate::mm::pgtable::kernel_root_pfn());
    drop(mm);
}

/// Linux: do_exit() — never returns.
#[no_mangle]
#[inline(never)]
pub fn do_exit(code: i32) -> ! {
    let cur = current();
    // (never returns: an entry without a guard)
    crate::trace_enter!(do_exit, cur.pid(), code);
    crate::trace_event!(sched_process_exit, cur.pid());
    crate::kernel::ptrace::ptrace_exit_notify(code);
    if cur.tgid() == 1 && cur.signal.live.load(Ordering::Relaxed) <= 1 {
        // Linux: panic("Attempted to kill init! exitcode=0x%08x\n", ...)
        crate::kernel::panic::kill_init(code);
    }
    synchronize_group_exit(&cur, code);
    cur.flags.fetch_or(PF_EXITING, Ordering::Relaxed);
    cur.exit_code.store(code, Ordering::Relaxed);
    // Linux: group_dead: the last thread stops the process's timers (hrtimer_cancel of
    // real_timer, exit_itimers()).
    if cur.signal.live.load(Ordering::Relaxed) <= 1 {
        crate::kernel::time::itimer::exit_itimer_real(&cur.signal);
        crate::kernel::time::posix_timers::exit_itimers(&cur.signal);
    }
    exit_mm(&cur);
    // Linux: exit_sem(), exit_files(), exit_fs(), exit_task_namespaces()
    crate::ipc::sem::exit_sem(&cur);
    let files = cur.files.lock().take();
    drop(files);
    let fs = cur.fs.lock().take();
    drop(fs);
    crate::kernel::nsproxy::exit_task_namespaces(&cur);
    // Linux: find_child_reaper(): the init of a pid namespace hands the role to another
    // thread of its process, or, the last one, takes the namespace down with it.
    if let Some(ns) = crate::kernel::pid_namespace::reaper_ns_of(&cur) {
        let other = crate::kernel::pid::all_tasks()
            .into_iter()
            .find(|t| t.tgid() == cur.tgid() && !Arc::ptr_eq(t, &cur) && !t.has_flag(PF_EXITING));
        match other {
            Some(t) => crate::kernel::pid_namespace::hand_over_reaper(&ns, &t),
            None => crate::kernel::pid_namespace::zap_pid_ns_processes(&ns),
        }
    }
    exit_notify(&cur);
    drop(cur);
    // Linux: do_task_dead(): TASK_DEAD, and the last schedule().
    with_current(|c| c.set_state(TASK_DEAD));
    crate::kernel::sched::schedule();
    unreachable!("do_exit: dead task scheduled again");
}

/// Linux: synchronize_group_exit(): the last thread of a group to exit, when no exit_group()
/// is under way, gives the group its exit code: wait(2) reports it even when the leader exited
/// first with another.
fn synchronize_group_exit(cur: &TaskStruct, code: i32) {
    let sig = &cur.signal;
    if sig.live.load(Ordering::Acquire) == 1 && !sig.group_exit.swap(true, Ordering::AcqRel) {
        sig.group_exit_code.store(code, Ordering::Relaxed);
    }
}

/// Linux: do_group_exit(): exit_group(2) and fatal signals kill every thread of the group.
#[no_mangle]
#[inline(never)]
pub fn do_group_exit(code: i32) -> ! {
    let cur = current();
    let sig = &cur.signal;
    let code = if sig.group_exit.swap(true, Ordering::AcqRel) {
        sig.group_exit_code.load(Ordering::Relaxed)
    } else {
        sig.group_exit_code.store(code, Ordering::Relaxed);
        code
    };
    if sig.live.load(Ordering::Relaxed) > 1 {
        for t in crate::kernel::pid::all_tasks() {
            if t.tgid() == cur.tgid() && !Arc::ptr_eq(&t, &cur) {
                send_signal(&t, SIGKILL, SigInfo { code: SI_KERNEL, ..Default::default() });
            }
        }
    }
    drop(cur);
    do_exit(code)
}

/// Linux: find_new_reaper(): a child subreaper ancestor inside the father's pid namespace,
/// else the namespace's init (child_reaper).
#[no_mangle]
#[inline(never)]
fn find_new_reaper(father: &TaskStruct, _tl: &TasklistGuard) -> Option<Task> {
    let ns = crate::kernel::pid::task_active_pid_ns(father);
    let reaper = ns.child_reaper();
    let mut p = father.parent();
    while let Some(t) = p {
        if t.pid() <= 1 || reaper.as_ref().is_some_and(|r| Arc::ptr_eq(r, &t)) {
            break;
        }
        if crate::kernel::pid::task_pid_nr_ns(&t, &ns) == 0 {
            break; // out of the father's namespace
        }
        if t.signal.is_child_subreaper.load(Ordering::Relaxed) && t.exit_state() == 0 && !t.has_flag(PF_EXITING) {
            return Some(t);
        }
        p = t.parent();
    }
    reaper.or_else(|| crate::kernel::pid::find_task_by_pid(1))
}

/// Linux: forget_original_parent(): our children go to the reaper (a subreaper, or init).
#[no_mangle]
#[inline(never)]
fn forget_original_parent(father: &Task, tl: &TasklistGuard) {
    let children: Vec<Task> = core::mem::take(&mut father.rel.lock().children);
    if children.is_empty() {
        return;
    }
    let reaper = find_new_reaper(father, tl);
    for c in children {
        // Linux: reparent_leader() -> pdeath_signal to children whose parent died.
        let pds = c.pdeath_signal.load(Ordering::Relaxed);
        if pds != 0 && c.exit_state() == 0 {
            send_signal(&c, pds, SigInfo { signo: pds, code: SI_USER, pid: father.tgid(), ..Default::default() });
        }
        match &reaper {
            Some(r) if !Arc::ptr_eq(r, father) => {
                c.rel.lock().real_parent = Some(Arc::downgrade(r));
                // Linux: reparent_leader(): a process's exit signal goes back to SIGCHLD
                // (threads keep -1), so the new parent is never sent anything else.
                if c.exit_signal.load(Ordering::Relaxed) != -1 {
                    c.exit_signal.store(SIGCHLD, Ordering::Relaxed);
                }
                let zombie = c.exit_state() == EXIT_ZOMBIE;
                r.rel.lock().children.push(c.clone());
                if zombie {
                    do_notify_parent(&c, r);
                    r.signal.wait_chldexit.wake_up_all();
                }
                kill_orphaned_pgrp(&c, Some(father), tl);
            }
            _ => {}
        }
    }
}

/// Linux: kill_orphaned_pgrp() over will_become_orphaned_pgrp() and has_stopped_jobs(): when
/// `tsk`'s process group becomes orphaned (no member, `tsk` aside on exit, has a parent in
/// another group of the same session; init as a parent does not count) and one of its members
/// is stopped, the whole group gets SIGHUP and then SIGCONT (POSIX: nothing would ever
/// continue a stopped job nobody controls).  `father`: None when `tsk` exits (its parent is
/// looked at), or the dying parent `tsk` was just reparented away from.  The checks that cost
/// nothing come first, so a child in its parent's group (the fork/exit/wait path) pays two loads.
fn kill_orphaned_pgrp(tsk: &Task, father: Option<&Task>, _tl: &TasklistGuard) {
    let pgrp = tsk.signal.pgrp.load(Ordering::Relaxed);
    let session = tsk.signal.session.load(Ordering::Relaxed);
    let (parent, ignored) = match father {
        None => (tsk.parent(), Some(tsk)),
        Some(f) => (Some(f.clone()), None),
    };
    let Some(parent) = parent else { return };
    if parent.signal.pgrp.load(Ordering::Relaxed) == pgrp || parent.signal.session.load(Ordering::Relaxed) != session {
        return;
    }
    let members: Vec<Task> = crate::kernel::pid::all_processes()
        .into_iter()
        .filter(|p| p.signal.pgrp.load(Ordering::Relaxed) == pgrp)
        .collect();
    let mut stopped = false;
    for p in &members {
        stopped |= p.signal.stop.lock().stopped;
        if ignored.is_some_and(|i| Arc::ptr_eq(i, p))
            || (p.exit_state() != 0 && p.signal.live.load(Ordering::Relaxed) == 0)
        {
            continue;
        }
        let Some(pp) = p.parent() else { continue };
        if pp.tgid() == 1 {
            continue;
        }
        if pp.signal.pgrp.load(Ordering::Relaxed) != pgrp
            && pp.signal.session.load(Ordering::Relaxed) == p.signal.session.load(Ordering::Relaxed)
        {
            return; // still connected to its session through p's parent
        }
    }
    if !stopped {
        return;
    }
    // Linux: __kill_pgrp_info(SIGHUP, SEND_SIG_PRIV) then (SIGCONT, SEND_SIG_PRIV)
    for sig in [SIGHUP, SIGCONT] {
        for p in &members {
            let _ =
                do_send_sig_info(sig, SigInfo { signo: sig, code: SI_KERNEL, ..Default::default() }, p, PidType::Tgid);
        }
    }
}

/// Linux: exit_notify(): reparent our children, tell our parent, become a zombie (or be
/// released at once when nobody will wait: SIGCHLD ignored / SA_NOCLDWAIT, or a thread).
/// A group leader whose other threads still run stays a zombie without telling its parent
/// (Linux: delay_group_leader): the last of those threads does it, in release_thread_notify.
/// All under tasklist_lock, as in Linux.
#[no_mangle]
#[inline(never)]
fn exit_notify(cur: &Task) {
    let tl = tasklist_lock();
    crate::kernel::ptrace::exit_ptrace(cur, &tl);
    forget_original_parent(cur, &tl);
    let parent = cur.parent();
    // the group's threads still running once this one is gone (Linux: !thread_group_empty)
    let others = cur.signal.live.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
    if others == 0 {
        kill_orphaned_pgrp(cur, None, &tl);
    }
    let leader = cur.pid() == cur.tgid();
    let autoreap = if !leader && crate::kernel::ptrace::exit_notify_tracer(cur) {
        false // a traced thread: a zombie until its tracer's wait
    } else if !leader || cur.exit_signal.load(Ordering::Relaxed) == -1 {
        true
    } else if others > 0 || crate::kernel::ptrace::exit_notify_tracer(cur) {
        false
    } else {
        parent.as_ref().is_none_or(|p| do_notify_parent(cur, p))
    };
    if autoreap {
        cur.exit_state.store(EXIT_DEAD, Ordering::Release);
        release_task(cur, &tl);
    } else {
        cur.exit_state.store(EXIT_ZOMBIE, Ordering::Release);
    }
    if !leader && others == 0 {
        release_thread_notify(cur, &tl);
    }
    drop(tl);
    if let Some(p) = parent {
        p.signal.wait_chldexit.wake_up_all();
    }
    // Linux: do_notify_pidfd(): pidfd pollers see each exit of the group (readable once the
    // whole group is gone).
    cur.signal.wait_pidfd.wake_up_all();
}

/// Linux: the end of release_task() for the last thread of a group whose leader is already a
/// zombie: the leader's parent hears of the group's exit now (and reaps the leader at once
/// when it ignores SIGCHLD).
fn release_thread_notify(thread: &TaskStruct, tl: &TasklistGuard) {
    let leader = thread.rel.lock().group_leader.as_ref().and_then(|w| w.upgrade());
    let Some(leader) = leader.filter(|l| l.pid() != thread.pid() && l.exit_state() == EXIT_ZOMBIE) else {
        return;
    };
    let Some(p) = leader.parent() else { return };
    if do_notify_parent(&leader, &p) {
        leader.exit_state.store(EXIT_DEAD, Ordering::Release);
        release_task(&leader, tl);
    }
    p.signal.wait_chldexit.wake_up_all();
}

/// Linux: do_notify_parent(): send the exit signal; returns true when the child should be
/// reaped at once (the parent ignores SIGCHLD or set SA_NOCLDWAIT).
#[no_mangle]
#[inline(never)]
pub(crate) fn do_notify_parent(t: &TaskStruct, parent: &Task) -> bool {
    let sig = t.exit_signal.load(Ordering::Relaxed);
    let code = t.exit_code.load(Ordering::Relaxed);
    let (si_code, status) = if code & 0x7f != 0 { (CLD_KILLED, code & 0x7f) } else { (CLD_EXITED, (code >> 8) & 0xff) };
    let info =
        SigInfo { signo: sig, code: si_code, pid: t.tgid(), uid: task_uid(t, parent), status, ..Default::default() };
    let act = parent.sighand.lock().get(SIGCHLD);
    let autoreap = sig == SIGCHLD && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
    // Linux: `if (valid_signal(sig) && sig)`: an exit signal clone() accepted but that is no
    // signal (above _NSIG) is not sent.
    if valid_signal(sig) && sig > 0 && !(sig == SIGCHLD && act.handler == SIG_IGN) {
        kill_process(parent, sig, info);
    }
    autoreap
}

/// Linux: release_task(): the task is gone from its parent's list and the pid table.
#[no_mangle]
#[inline(never)]
pub fn release_task(t: &Task, tl: &TasklistGuard) {
    crate::kernel::ptrace::ptrace_release_task(t, tl);
    crate::kernel::cred::exit_creds_count(t);
    let pid = t.pid();
    if let Some(p) = t.parent() {
        p.rel.lock().children.retain(|c| c.pid() != pid);
    }
    // Linux: __exit_signal(): the thread's counts join its process's sums of released threads
    // (its CPU time is already in signal->timers).
    let sig = &t.signal;
    sig.min_flt.fetch_add(t.min_flt.load(Ordering::Relaxed), Ordering::Relaxed);
    sig.nvcsw.fetch_add(t.nvcsw.load(Ordering::Relaxed), Ordering::Relaxed);
    sig.nivcsw.fetch_add(t.nivcsw.load(Ordering::Relaxed), Ordering::Relaxed);
    crate::kernel::pid::detach_pid(t, tl);
}

pub fn sys_exit(error_code: i32) -> KResult<usize> {
    do_exit((error_code & 0xff) << 8)
}

pub fn sys_exit_group(error_code: i32) -> KResult<usize> {
    do_group_exit((error_code & 0xff) << 8)
}

// wait options
pub const WNOHANG: usize = 0x0000_0001;
pub const WUNTRACED: usize = 0x0000_0002;
pub const WSTOPPED: usize = WUNTRACED;
pub const WEXITED: usize = 0x0000_0004;
pub const WCONTINUED: usize = 0x0000_0008;
pub const WNOWAIT: usize = 0x0100_0000;
pub const __WNOTHREAD: usize = 0x2000_0000;
pub const __WALL: usize = 0x4000_0000;
pub const __WCLONE: usize = 0x8000_0000;

pub const P_ALL: usize = 0;
pub const P_PID: usize = 1;
pub const P_PGID: usize = 2;
pub const P_PIDFD: usize = 3;

#[derive(Clone)]
pub enum WaitTarget {
    All,
    Pid(i32),
    Pgid(i32),
    Task(Task),
}

pub struct WaitOpts {
    pub target: WaitTarget,
    pub flags: usize,
}

pub struct WaitResult {
    pub pid: i32,
    pub status: i32,
    pub info: SigInfo,
    /// What wait4's and waitid's rusage get: the child's getrusage(p, RUSAGE_BOTH).
    pub ru: RusageSums,
}

/// Linux: eligible_pid() + eligible_child()
fn eligible_child(wo: &WaitOpts, p: &TaskStruct) -> bool {
    let ok = match &wo.target {
        WaitTarget::All => true,
        WaitTarget::Pid(pid) => p.tgid() == *pid,
        WaitTarget::Pgid(g) => p.signal.pgrp.load(Ordering::Relaxed) == *g,
        WaitTarget::Task(t) => core::ptr::eq(Arc::as_ptr(t), p),
    };
    if !ok {
        return false;
    }
    // Threads are waited for through their leader only.
    if p.pid() != p.tgid() {
        return false;
    }
    // Wait for all children (clone and not) if __WALL is set, otherwise wait for clone
    // children *only* if __WCLONE is set, otherwise wait for non-clone children only.
    let is_clone = p.exit_signal.load(Ordering::Relaxed) != SIGCHLD;
    if (is_clone ^ (wo.flags & __WCLONE != 0)) && wo.flags & __WALL == 0 {
        return false;
    }
    true
}

/// Linux: do_wait(): Ok(None) for WNOHANG with live children; ECHILD with none.
#[no_mangle]
#[inline(never)]
pub fn do_wait(wo: &WaitOpts) -> KResult<Option<WaitResult>> {
    let mut _t = crate::trace_func!(
        do_wait,
        match &wo.target {
            WaitTarget::All => -1,
            WaitTarget::Pid(p) => *p,
            WaitTarget::Pgid(g) => -*g,
            WaitTarget::Task(t) => t.pid(),
        }
    );
    let cur = current();
    let wq = &cur.signal.wait_chldexit;
    let mut result = None;
    let mut err = None;
    let r = wq.wait_event_interruptible(|| {
        // Linux: read_lock(&tasklist_lock) around do_wait_thread(): the children cannot be
        // reparented or released while we look at them.
        let tl = tasklist_lock();
        let children: Vec<Task> = cur.rel.lock().children.clone();
        let mut any = false;
        for c in children.iter() {
            if !eligible_child(wo, c) {
                continue;
            }
            if crate::kernel::ptrace::wait_skip_child(&cur, c) {
                any = true;
                continue;
            }
            any = true;
            // Linux: wait_consider_task(): a zombie leader whose threads run is not ready yet
            // (delay_group_leader).
            let delay_group_leader = c.signal.live.load(Ordering::Relaxed) > 0;
            if c.exit_state() == EXIT_ZOMBIE && wo.flags & WEXITED != 0 && !delay_group_leader {
                result = Some(wait_task_zombie(wo, c, &tl));
                return true;
            }
            if c.exit_state() == 0 {
                result = wait_task_stopped(wo, c).or_else(|| wait_task_continued(wo, c));
                if result.is_some() {
                    return true;
                }
            }
        }
        if let Some(r) = crate::kernel::ptrace::ptrace_do_wait(wo, &cur, &tl, &mut any) {
            result = Some(r);
            return true;
        }
        if !any {
            err = Some(ECHILD);
            return true;
        }
        wo.flags & WNOHANG != 0
    });
    if let Some(e) = err {
        _t.ret(-(e.0 as i64));
        return Err(e);
    }
    r?;
    _t.ret(result.as_ref().map_or(0, |w| w.pid));
    Ok(result)
}

/// A ptrace report (kernel/ptrace.rs): `status` for wait4, `info` for waitid, `t`'s times.
pub(crate) fn wait_result(pid: i32, status: i32, info: SigInfo, t: &TaskStruct) -> WaitResult {
    WaitResult { pid, status, info, ru: getrusage(t, RUSAGE_BOTH) }
}

/// A stop or continue report: the status wait4 gives and the siginfo waitid gives.
fn job_control_result(c: &TaskStruct, status: i32, code: i32, sig: i32) -> WaitResult {
    let vpid = crate::kernel::pid::task_tgid_vnr(c);
    WaitResult {
        pid: vpid,
        status,
        info: SigInfo {
            signo: SIGCHLD,
            code,
            pid: vpid,
            uid: task_uid(c, &current()),
            status: sig,
            ..Default::default()
        },
        // Linux: wait_task_stopped() and wait_task_continued() fill rusage with
        // getrusage(p, RUSAGE_BOTH).
        ru: getrusage(c, RUSAGE_BOTH),
    }
}

/// Linux: wait_task_stopped(): a stopped child not yet reported (WUNTRACED / WSTOPPED).
#[no_mangle]
#[inline(never)]
fn wait_task_stopped(wo: &WaitOpts, c: &TaskStruct) -> Option<WaitResult> {
    if wo.flags & WUNTRACED == 0 {
        return None;
    }
    let mut st = c.signal.stop.lock();
    if st.report_stop == 0 {
        return None;
    }
    let sig = st.report_stop;
    if wo.flags & WNOWAIT == 0 {
        st.report_stop = 0;
    }
    Some(job_control_result(c, (sig << 8) | 0x7f, CLD_STOPPED, sig))
}

/// Linux: wait_task_continued(): a child resumed by SIGCONT not yet reported (WCONTINUED).
#[no_mangle]
#[inline(never)]
fn wait_task_continued(wo: &WaitOpts, c: &TaskStruct) -> Option<WaitResult> {
    if wo.flags & WCONTINUED == 0 {
        return None;
    }
    let mut st = c.signal.stop.lock();
    if !st.report_cont {
        return None;
    }
    if wo.flags & WNOWAIT == 0 {
        st.report_cont = false;
    }
    Some(job_control_result(c, 0xffff, CLD_CONTINUED, SIGCONT))
}

/// Linux: wait_task_zombie(): collect the status and release the child (unless WNOWAIT).
#[no_mangle]
#[inline(never)]
pub(crate) fn wait_task_zombie(wo: &WaitOpts, p: &Task, tl: &TasklistGuard) -> WaitResult {
    // Linux: the group's exit code after exit_group() (SIGNAL_GROUP_EXIT), else the leader's.
    let code = if p.signal.group_exit.load(Ordering::Acquire) {
        p.signal.group_exit_code.load(Ordering::Relaxed)
    } else {
        p.exit_code.load(Ordering::Relaxed)
    };
    let (si_code, st) = if code & 0x7f != 0 { (CLD_KILLED, code & 0x7f) } else { (CLD_EXITED, (code >> 8) & 0xff) };
    // (the waiter's view of the number, before release frees it)
    let vpid = crate::kernel::pid::task_tgid_vnr(p);
    let res = WaitResult {
        pid: vpid,
        status: code,
        info: SigInfo {
            signo: SIGCHLD,
            code: si_code,
            pid: vpid,
            uid: task_uid(p, &current()),
            status: st,
            ..Default::default()
        },
        ru: getrusage(p, RUSAGE_BOTH),
    };
    if wo.flags & WNOWAIT == 0 {
        // Linux: wait_task_zombie(): a process reaped by its parent (not by a tracer that is
        // not its parent: ptrace_reparented) adds what it and its reaped children used to
        // the waiter's children sums.
        if p.pid() == p.tgid() && crate::kernel::ptrace::ptrace_reparented(p).is_none() {
            let ru = res.ru;
            with_current(|c| {
                let psig = &c.signal;
                psig.cutime.fetch_add(ru.utime, Ordering::Relaxed);
                psig.cstime.fetch_add(ru.stime, Ordering::Relaxed);
                psig.cmin_flt.fetch_add(ru.minflt, Ordering::Relaxed);
                psig.cnvcsw.fetch_add(ru.nvcsw, Ordering::Relaxed);
                psig.cnivcsw.fetch_add(ru.nivcsw, Ordering::Relaxed);
            });
        }
        p.exit_state.store(EXIT_DEAD, Ordering::Release);
        release_task(p, tl);
    }
    res
}

crate::user_pod! {
    /// Linux: struct rusage (riscv64: 18 longs after two timevals).
    #[derive(Clone, Copy, Default)]
    pub struct Rusage {
        pub utime: [i64; 2],
        pub stime: [i64; 2],
        pub rest: [i64; 14],
    }
}

impl Rusage {
    /// Linux: getrusage()'s fields that MenuOS counts.
    /// The user struct of kernel sums (times in timer cycles).  ru_maxrss stays 0: MenuOS
    /// keeps no RSS high-water mark.
    pub fn of(r: &RusageSums) -> Rusage {
        let mut rest = [0i64; 14];
        rest[4] = r.minflt as i64; // ru_minflt
        rest[12] = r.nvcsw as i64; // ru_nvcsw
        rest[13] = r.nivcsw as i64; // ru_nivcsw
        Rusage { utime: cycles_to_tv(r.utime), stime: cycles_to_tv(r.stime), rest }
    }
}

fn cycles_to_tv(c: u64) -> [i64; 2] {
    let us = crate::arch::riscv::time::cycles_to_ns(c) / 1000;
    [(us / 1_000_000) as i64, (us % 1_000_000) as i64]
}

/// Linux: kernel_wait4() / SYSCALL_DEFINE4(wait4, ...)
#[no_mangle]
#[inline(never)]
pub fn sys_wait4(
    upid: i32,
    stat_addr: Option<UserPtr<i32>>,
    options: i32,
    ru: Option<UserPtr<Rusage>>,
) -> KResult<usize> {
    let options = options as u32 as usize;
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL) != 0 {
        return Err(EINVAL);
    }
    // -INT_MIN is not defined
    if upid == i32::MIN {
        return Err(ESRCH);
    }
    // (the caller's numbers become the initial namespace's, which the children are keyed by;
    // a number with no process in the caller's namespace matches no child)
    let global = |nr: i32| crate::kernel::pid::vnr_to_global(nr).unwrap_or(-1);
    let target = if upid == -1 {
        WaitTarget::All
    } else if upid < 0 {
        WaitTarget::Pgid(global(-upid))
    } else if upid == 0 {
        WaitTarget::Pgid(current().signal.pgrp.load(Ordering::Relaxed))
    } else {
        WaitTarget::Pid(global(upid))
    };
    let wo = WaitOpts { target, flags: options | WEXITED };
    match do_wait(&wo)? {
        None => Ok(0),
        Some(r) => {
            if let Some(stat_addr) = stat_addr {
                stat_addr.write(&r.status)?;
            }
            if let Some(ru) = ru {
                ru.write(&Rusage::of(&r.ru))?;
            }
            Ok(r.pid as usize)
        }
    }
}

/// Linux: SYSCALL_DEFINE5(waitid, ...)
#[no_mangle]
#[inline(never)]
pub fn sys_waitid(
    which: i32,
    upid: i32,
    infop: Option<UserPtr<UserSigInfo>>,
    options: i32,
    ru: Option<UserPtr<Rusage>>,
) -> KResult<usize> {
    let options = options as u32 as usize;
    if options & !(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL) != 0 {
        return Err(EINVAL);
    }
    if options & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
        return Err(EINVAL);
    }
    let pid = upid;
    let mut nonblock = false;
    let target = match which as usize {
        P_ALL => WaitTarget::All,
        P_PID => {
            if pid <= 0 {
                return Err(EINVAL);
            }
            WaitTarget::Pid(crate::kernel::pid::vnr_to_global(pid).unwrap_or(-1))
        }
        P_PGID => {
            if pid < 0 {
                return Err(EINVAL);
            }
            WaitTarget::Pgid(if pid == 0 {
                current().signal.pgrp.load(Ordering::Relaxed)
            } else {
                crate::kernel::pid::vnr_to_global(pid).unwrap_or(-1)
            })
        }
        P_PIDFD => {
            if pid < 0 {
                return Err(EINVAL);
            }
            let (t, f_flags) = crate::kernel::pid::pidfd_get_task(pid as u32)?;
            nonblock = f_flags & crate::kernel::pid::PIDFD_NONBLOCK != 0;
            WaitTarget::Task(t)
        }
        _ => return Err(EINVAL),
    };
    // Linux: a PIDFD_NONBLOCK pidfd waits as with WNOHANG, and says EAGAIN when the caller did
    // not ask for WNOHANG itself and nothing was ready.
    let wo = WaitOpts { target, flags: options | if nonblock { WNOHANG } else { 0 } };
    let r = do_wait(&wo)?;
    if r.is_none() && nonblock && options & WNOHANG == 0 {
        return Err(EAGAIN);
    }
    if let Some(infop) = infop {
        match &r {
            Some(r) => copy_siginfo_to_user(infop, &r.info)?,
            None => infop.cast::<u8>().clear(core::mem::size_of::<UserSigInfo>())?,
        }
    }
    if let Some(ru) = ru {
        let u = match &r {
            Some(r) => Rusage::of(&r.ru),
            None => Rusage::default(),
        };
        ru.write(&u)?;
    }
    Ok(0)
}
