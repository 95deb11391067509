//! Pid namespaces.  Linux: kernel/pid_namespace.c (create_pid_namespace, copy_pid_ns,
//! zap_pid_ns_processes, pidns_install, pidns_for_children_get), include/linux/pid_namespace.h.
//!
//! A pid namespace numbers the processes made in it and in its descendants (kernel/pid.rs).
//! The first process made in a new namespace is its pid 1, the child reaper: orphans of the
//! namespace are reparented to it, and when it exits the namespace dies: every other process
//! in it is killed, and no process may enter it any more (fork there is ENOMEM).

use super::capability::{ns_capable, CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN};
use super::sysctl::{CtlTable, Io};
use super::user_namespace::UserNamespace;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{current, Task, TaskStruct, TASK_RUNNING, TASK_UNINTERRUPTIBLE};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, Ordering};

/// Linux: MAX_PID_NS_LEVEL.
pub const MAX_PID_NS_LEVEL: u32 = 32;
/// Linux: PROC_PID_INIT_INO.
pub const PROC_PID_INIT_INO: u32 = 0xEFFF_FFFC;

/// What pidmap_lock guards for one namespace: the numbers in use and their tasks.
pub struct PidNsInner {
    /// Linux: ns->idr: number -> task, for every task attached and not yet released.
    pub tasks: super::pid::PidIdr,
    /// The allocator (host-tested crate pidmap; Linux: idr_alloc_cyclic).
    pub map: pidmap::PidMap,
    /// Linux: child_reaper — pid 1 of the namespace.
    pub child_reaper: Option<Weak<TaskStruct>>,
    /// Linux: PIDNS_ADDING in pid_allocated: processes may still be made here.
    pub adding: bool,
    /// Linux: pid_allocated without the flag: numbers allocated and not yet freed.
    pub nr_allocated: u32,
}

/// Linux: struct pid_namespace.
pub struct PidNamespace {
    pub level: u32,
    pub parent: Option<Arc<PidNamespace>>,
    pub user_ns: Arc<UserNamespace>,
    pub inum: u32,
    pub inner: SpinLock<PidNsInner, class::Pids>,
}

impl Drop for PidNamespace {
    fn drop(&mut self) {
        if self.level > 0 {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

static INIT_PID_NS: spin::Once<Arc<PidNamespace>> = spin::Once::new();

/// Linux: init_pid_ns.
pub fn init_pid_ns() -> &'static Arc<PidNamespace> {
    INIT_PID_NS.call_once(|| {
        Arc::new(PidNamespace {
            level: 0,
            parent: None,
            user_ns: super::user_namespace::init_user_ns().clone(),
            inum: PROC_PID_INIT_INO,
            inner: SpinLock::new(PidNsInner {
                tasks: super::pid::PidIdr::new(),
                map: pidmap::PidMap::new(super::pid::PID_MAX_DEFAULT as u32),
                child_reaper: None,
                adding: true,
                nr_allocated: 0,
            }),
        })
    })
}

impl PidNamespace {
    /// Linux: ns->child_reaper.
    pub fn child_reaper(&self) -> Option<Task> {
        self.inner.lock().child_reaper.as_ref().and_then(|w| w.upgrade())
    }

    /// Whether `self` is `ns` or one of its ancestors: its processes can see `ns`'s.
    pub fn is_ancestor_of(&self, ns: &PidNamespace) -> bool {
        let mut n = ns;
        loop {
            if core::ptr::eq(n, self) {
                return true;
            }
            match &n.parent {
                Some(p) if p.level >= self.level => n = p,
                _ => return false,
            }
        }
    }

    /// The last number handed out here (the allocator's cursor is the next candidate).
    pub fn last_pid(&self) -> i32 {
        (self.inner.lock().map.cursor() as i32 - 1).max(0)
    }
}

/// Linux: checkpoint_restore_ns_capable(): CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over `ns`.
pub fn checkpoint_restore_ns_capable(ns: &Arc<UserNamespace>) -> bool {
    ns_capable(ns, CAP_SYS_ADMIN) || ns_capable(ns, CAP_CHECKPOINT_RESTORE)
}

/// Linux: pid_ns_ctl_handler(), /proc/sys/kernel/ns_last_pid: the last pid handed out in the
/// caller's pid namespace; writing N (checkpoint_restore_ns_capable over the namespace, else
/// EPERM) makes the next search start at N + 1.  Values in [0, pid_max].
pub fn pid_ns_ctl_handler(_t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    let pid_ns = crate::kernel::pid::task_active_pid_ns(&current());
    let write = matches!(io, Io::Write(_));
    if write && !checkpoint_restore_ns_capable(&pid_ns.user_ns) {
        return Err(EPERM);
    }
    let next = [AtomicI32::new(pid_ns.last_pid())];
    let max = crate::kernel::pid::pid_max() as i64;
    let r = crate::kernel::sysctl::do_proc_dointvec(&next, io, pos, Some(0), Some(max))?;
    if write {
        pid_ns.inner.lock().map.set_cursor(next[0].load(Ordering::Relaxed) as u32 + 1);
    }
    Ok(r)
}

/// Linux: create_pid_namespace(): a child of `parent`, owned by `user_ns`, with no process
/// yet (the next one made in it is its pid 1).
fn create_pid_namespace(user_ns: &Arc<UserNamespace>, parent: &Arc<PidNamespace>) -> KResult<Arc<PidNamespace>> {
    if !parent.user_ns.is_ancestor_of(user_ns) {
        return Err(EINVAL);
    }
    let level = parent.level + 1;
    if level > MAX_PID_NS_LEVEL {
        return Err(ENOSPC);
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    let pid_max = crate::kernel::pid::pid_max() as u32;
    Ok(Arc::new(PidNamespace {
        level,
        parent: Some(parent.clone()),
        user_ns: user_ns.clone(),
        inum,
        inner: SpinLock::new(PidNsInner {
            tasks: super::pid::PidIdr::new(),
            map: pidmap::PidMap::new(pid_max),
            child_reaper: None,
            adding: true,
            nr_allocated: 0,
        }),
    }))
}

/// Linux: copy_pid_ns(): with CLONE_NEWPID, a new namespace for the caller's children — only
/// from the caller's own active namespace (not after an earlier unshare or setns).
pub fn copy_pid_ns(flags: u64, user_ns: &Arc<UserNamespace>, old: &Arc<PidNamespace>) -> KResult<Arc<PidNamespace>> {
    if flags & crate::kernel::fork::CLONE_NEWPID == 0 {
        return Ok(old.clone());
    }
    if !Arc::ptr_eq(&crate::kernel::pid::task_active_pid_ns(&current()), old) {
        return Err(EINVAL);
    }
    create_pid_namespace(user_ns, old)
}

/// Linux: pidns_install(): setns() to `new` changes the namespace of the caller's future
/// children, which must be its own active one or a descendant of it.
pub fn pidns_install(new: &Arc<PidNamespace>, cred_user_ns: &Arc<UserNamespace>) -> KResult<()> {
    if !ns_capable(&new.user_ns, CAP_SYS_ADMIN) || !ns_capable(cred_user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let active = crate::kernel::pid::task_active_pid_ns(&current());
    if new.level < active.level || !active.is_ancestor_of(new) {
        return Err(EINVAL);
    }
    Ok(())
}

/// Linux: is_child_reaper() / SIGNAL_UNKILLABLE of a container init: `t` is pid 1 of a
/// namespace below the initial one.
pub fn is_container_init(t: &TaskStruct) -> bool {
    t.ns_pids.get().is_some_and(|p| p.tgid.numbers.last().is_some_and(|u| u.nr == 1))
}

/// Whether `t`, the init of its namespace, must take signal `sig` from the caller although
/// it has no handler: SIGKILL and SIGSTOP from an ancestor namespace (Linux:
/// sig_task_ignored()'s `force` for a sender that cannot see the target's namespace).
pub fn init_signal_forced(t: &TaskStruct, sig: i32) -> bool {
    use crate::kernel::signal_types::{SIGKILL, SIGSTOP};
    if sig != SIGKILL && sig != SIGSTOP {
        return false;
    }
    let ns = crate::kernel::pid::task_active_pid_ns(t);
    crate::kernel::pid::task_pid_nr_ns(&current(), &ns) == 0
}

/// The namespace pid 1 of which is `t`, if `t` is a child reaper and the last live thread
/// of its process (do_exit's cue for zap_pid_ns_processes).
pub fn reaper_ns_of(t: &TaskStruct) -> Option<Arc<PidNamespace>> {
    // (the initial namespace's init never gets here: its exit is a panic)
    t.ns_pids.get()?;
    let ns = crate::kernel::pid::task_active_pid_ns(t);
    let is_reaper = ns.inner.lock().child_reaper.as_ref().is_some_and(|w| core::ptr::eq(w.as_ptr(), t));
    is_reaper.then_some(ns)
}

/// Sleeps uninterruptibly for a little while (the reaper's waits below poll: it may have a
/// SIGKILL pending, which would end any interruptible or killable sleep at once).
fn nap() {
    let cur = current();
    cur.set_state(TASK_UNINTERRUPTIBLE);
    let deadline = crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::freq() / 1000;
    let key = crate::kernel::time::add_timeout(&cur, deadline);
    crate::kernel::sched::schedule();
    crate::kernel::time::cancel_timeout(key);
    cur.set_state(TASK_RUNNING);
}

/// Linux: zap_pid_ns_processes(): the init of `ns` (current) is exiting: no process may enter
/// the namespace any more, every other one is killed, and the init waits until its own
/// children are reaped and every other process of the namespace is released.
#[no_mangle]
#[inline(never)]
pub fn zap_pid_ns_processes(ns: &Arc<PidNamespace>) {
    let me = current();
    ns.inner.lock().adding = false;
    // Ignore SIGCHLD: terminated children are reaped at once.
    {
        let sh = me.sighand.lock().clone();
        sh.action.lock()[(crate::kernel::signal_types::SIGCHLD - 1) as usize].handler = crate::kernel::signal::SIG_IGN;
    }
    let victims: Vec<Task> = ns.inner.lock().tasks.iter().filter(|(nr, _)| *nr >= 2).map(|(_, t)| t.clone()).collect();
    for t in victims {
        if !crate::kernel::signal::fatal_signal_pending(&t) {
            crate::kernel::signal::send_signal(
                &t,
                crate::kernel::signal_types::SIGKILL,
                crate::kernel::signal::SigInfo { code: crate::kernel::signal::SI_KERNEL, ..Default::default() },
            );
        }
    }
    // Reap the zombie children made before SIGCHLD was ignored; wait for the others.
    loop {
        let more = {
            let tl = crate::kernel::fork::tasklist_lock();
            let children: Vec<Task> = me.rel.lock().children.clone();
            for c in children.iter() {
                if c.exit_state() == crate::kernel::task::EXIT_ZOMBIE {
                    c.exit_state.store(crate::kernel::task::EXIT_DEAD, core::sync::atomic::Ordering::Release);
                    crate::kernel::exit::release_task(c, &tl);
                }
            }
            let left = me.rel.lock().children.len();
            left > 0
        };
        if !more {
            break;
        }
        nap();
    }
    // Processes of the namespace whose parents are outside it (setns() + fork()) are reaped
    // by those parents; the namespace stays until they are.
    let init_pids = if me.pid() == me.tgid() { 1 } else { 2 };
    while ns.inner.lock().nr_allocated > init_pids {
        nap();
    }
}

/// Linux: find_child_reaper() when the reaper itself exits with other threads alive: one of
/// them takes over.
pub fn hand_over_reaper(ns: &PidNamespace, to: &Task) {
    ns.inner.lock().child_reaper = Some(Arc::downgrade(to));
}

/// Linux: pidns_for_children_get(): the namespace of the caller's future children, once it
/// has its init (None before: the link of /proc/PID/ns/pid_for_children does not resolve).
pub fn pid_ns_for_children_of(t: &TaskStruct) -> Option<Arc<PidNamespace>> {
    let ns = t.nsproxy.lock().as_ref()?.pid_ns_for_children.clone();
    let has_reaper = ns.inner.lock().child_reaper.is_some();
    has_reaper.then_some(ns)
}
