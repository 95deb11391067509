//! Process ids.  Linux: kernel/pid.c (struct pid, alloc_pid, free_pid, attach_pid,
//! find_task_by_pid_ns, find_task_by_vpid, pid_nr_ns, task_pid_nr_ns).
//!
//! A task has one number in every pid namespace from its own up to the initial one (Linux's
//! struct pid with numbers[level]).  `TaskStruct::pid` and `tgid` hold the numbers in the
//! initial namespace: the kernel's own name for a task, what the tables below are keyed by.
//! User space sees the numbers of its own (active) namespace: getpid, kill, wait, clone's
//! result and /proc translate through `task_pid_vnr` / `find_task_by_vpid`.  A task below
//! the initial namespace keeps its other numbers in `TaskStruct::ns_pids`; a task of the
//! initial namespace has none, so fork there allocates nothing more than before.
//!
//! Allocation is cyclic like Linux's idr_alloc_cyclic(): the next pid after the last one
//! handed out, wrapping at pid_max to RESERVED_PIDS (300), EAGAIN when none is free (crate
//! pidmap).  Each namespace's table maps number -> task for every task that has not been
//! released (zombies included).

use super::pid_namespace::{init_pid_ns, PidNamespace};
use crate::errno::*;
use crate::kernel::task::{Task, TaskStruct};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, Ordering};

pub const PID_MAX_DEFAULT: i32 = pidmap::PID_MAX_DEFAULT as i32;
pub const RESERVED_PIDS: i32 = pidmap::RESERVED_PIDS as i32;
/// Linux: pid_max_min and pid_max_max, the bounds of /proc/sys/kernel/pid_max.
pub const PID_MAX_MIN: i32 = RESERVED_PIDS + 1;
pub const PID_MAX_LIMIT: i32 = pidmap::PID_MAX_LIMIT as i32;

/// Linux: pid_max, /proc/sys/kernel/pid_max: pids are below it.  alloc_pid() reads it at
/// each allocation (a lowered limit leaves higher pids alive until they are freed).
pub static PID_MAX: [AtomicI32; 1] = [AtomicI32::new(PID_MAX_DEFAULT)];

/// The pid_max new pids must stay below.
pub fn pid_max() -> i32 {
    PID_MAX[0].load(Ordering::Relaxed)
}

/// Linux: ns->idr, the radix tree behind idr_alloc()/idr_replace()/idr_remove(): number ->
/// task for one pid namespace, as leaves of IDR_LEAF slots under a top array.  A number has
/// its slot from alloc_pid() on (Linux: idr_alloc(&ns->idr, NULL, ...), whose node allocation
/// is alloc_pid's ENOMEM), empty until attach_pid() fills it (idr_replace(), which cannot
/// fail): so copy_process's last table insert, past its point of no return, allocates
/// nothing.  A leaf goes when its last number is freed, but the last leaf to go is kept for
/// the next one needed (Linux: the radix tree's per-CPU node preload): a process forking
/// children one at a time, each alone in its leaf as the pids move on, would otherwise make
/// and free a leaf per fork (make bench: vfork + exit + wait 15,100 -> 17,200).  The top
/// array is made for the whole of pid_max at once (8 bytes a leaf: 1 KiB for the default
/// 32768), so that its size does not follow the pids as they move up (t_exhaust: MemFree back
/// after a round of 8,000 processes and threads).
pub struct PidIdr {
    leaves: Vec<Option<Box<IdrLeaf>>>,
    /// Slots filled (tasks attached): nr_tasks().
    len: usize,
    /// An emptied leaf (its slots all None), for the next leaf.
    spare: Option<Box<IdrLeaf>>,
}

/// Linux: a radix_tree_node of the idr (RADIX_TREE_MAP_SIZE slots).
struct IdrLeaf {
    /// Numbers of this leaf allocated (filled or not): the leaf is freed at 0.
    reserved: u32,
    slots: Vec<Option<Task>>,
}

const IDR_LEAF: usize = 256;

impl PidIdr {
    pub const fn new() -> Self {
        PidIdr { leaves: Vec::new(), len: 0, spare: None }
    }
    /// Linux: idr_alloc()'s node allocation for a number pidmap handed out below `pid_max`:
    /// ENOMEM (a fault-injection site when a leaf or the top array has to be made).
    pub fn reserve(&mut self, nr: i32, pid_max: u32) -> KResult<()> {
        let (l, _) = Self::index(nr);
        if l >= self.leaves.len() {
            let want = (pid_max as usize).div_ceil(IDR_LEAF).max(l + 1);
            let more = want - self.leaves.len();
            crate::mm::slab::try_reserve(&mut self.leaves, more)?;
            self.leaves.resize_with(want, || None);
        }
        if self.leaves[l].is_none() {
            let leaf = match self.spare.take() {
                Some(leaf) => leaf,
                None => {
                    let mut slots = crate::mm::util::kmalloc_array(IDR_LEAF, ENOMEM)?;
                    slots.resize_with(IDR_LEAF, || None);
                    crate::mm::slab::try_box(IdrLeaf { reserved: 0, slots })?
                }
            };
            self.leaves[l] = Some(leaf);
        }
        if let Some(leaf) = self.leaves[l].as_mut() {
            leaf.reserved += 1;
        }
        Ok(())
    }
    /// Linux: idr_replace(): the reserved number `nr` names `task` from now on.
    pub fn insert(&mut self, nr: i32, task: Task) {
        let (l, i) = Self::index(nr);
        let leaf = self.leaves.get_mut(l).and_then(|x| x.as_mut()).expect("pid idr: insert of an unreserved number");
        if leaf.slots[i].replace(task).is_none() {
            self.len += 1;
        }
    }
    /// Linux: idr_remove(): `nr` is freed (its slot, and the leaf with its last number); the
    /// task it named, if it was attached.
    pub fn remove(&mut self, nr: &i32) -> Option<Task> {
        let (l, i) = Self::index(*nr);
        let slot = self.leaves.get_mut(l)?;
        let leaf = slot.as_mut()?;
        let t = leaf.slots[i].take();
        if t.is_some() {
            self.len -= 1;
        }
        leaf.reserved -= 1;
        if leaf.reserved == 0 {
            let empty = slot.take();
            if self.spare.is_none() {
                self.spare = empty;
            }
        }
        t
    }
    /// Linux: idr_find().
    pub fn get(&self, nr: &i32) -> Option<&Task> {
        let (l, i) = Self::index(*nr);
        self.leaves.get(l)?.as_ref()?.slots[i].as_ref()
    }
    /// The attached tasks by number, in order.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &Task)> {
        self.leaves.iter().enumerate().filter_map(|(l, x)| x.as_ref().map(|x| (l, x))).flat_map(|(l, leaf)| {
            leaf.slots.iter().enumerate().filter_map(move |(i, t)| t.as_ref().map(|t| ((l * IDR_LEAF + i) as i32, t)))
        })
    }
    pub fn values(&self) -> impl Iterator<Item = &Task> {
        self.iter().map(|(_, t)| t)
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    fn index(nr: i32) -> (usize, usize) {
        let nr = nr as u32 as usize;
        (nr / IDR_LEAF, nr % IDR_LEAF)
    }
}

impl Default for PidIdr {
    fn default() -> Self {
        Self::new()
    }
}

/// Linux: struct upid — a number and the namespace it is valid in.
pub struct UPid {
    pub nr: i32,
    pub ns: Arc<PidNamespace>,
}

/// Linux: struct pid — the numbers of one task (or thread group) at levels 0..=level.
pub struct Pid {
    pub numbers: Vec<UPid>,
}

impl Pid {
    pub fn level(&self) -> u32 {
        self.numbers.len() as u32 - 1
    }
    /// Linux: pid_nr_ns(): the number in `ns`, 0 when the pid is not visible there.
    pub fn nr_ns(&self, ns: &PidNamespace) -> i32 {
        match self.numbers.get(ns.level as usize) {
            Some(u) if core::ptr::eq(Arc::as_ptr(&u.ns), ns) => u.nr,
            _ => 0,
        }
    }
    /// The namespace the pid was made in (Linux: ns_of_pid()).
    pub fn ns(&self) -> &Arc<PidNamespace> {
        &self.numbers.last().expect("a pid has a number").ns
    }
}

/// The numbers of a task below the initial pid namespace (Linux: task->thread_pid and
/// signal->pids[PIDTYPE_TGID]).
pub struct NsPids {
    pub pid: Arc<Pid>,
    pub tgid: Arc<Pid>,
}

/// Pid numbers allocated for a task that does not have them yet: freed when dropped, so every
/// error path of copy_process gives them back (Linux: free_pid() under bad_fork_free_pid).
/// `nr` is the number in the initial namespace, `upper` those of levels 1..=level.
#[must_use]
pub struct NewPid {
    nr: i32,
    upper: Vec<UPid>,
    /// The namespaces' counts include these numbers (Linux: alloc_pid() got to its end).
    committed: bool,
    /// Below the initial namespace: the struct pid, made by alloc_pid() (Linux:
    /// kmem_cache_alloc(ns->pid_cachep)) so that attach() allocates nothing.
    pid: Option<Arc<Pid>>,
}

impl NewPid {
    /// The number in the initial namespace.
    pub fn nr(&self) -> i32 {
        self.nr
    }
    /// The number in the namespace the task is made in (what the child's getpid() returns).
    pub fn innermost_nr(&self) -> i32 {
        self.upper.last().map_or(self.nr, |u| u.nr)
    }
    /// Linux: attach_pid(): the task becomes findable by its numbers; the numbers are its
    /// now.  `tgid` is the thread group's pid (None: the task leads its own group).  The
    /// first task of a new namespace becomes its child reaper.
    pub fn attach(mut self, task: &Task, tgid: Option<Arc<Pid>>, _tl: &crate::kernel::fork::TasklistGuard) {
        {
            let mut g = init_pid_ns().inner.lock();
            g.tasks.insert(self.nr, task.clone());
            if self.upper.is_empty() {
                // the common case: a task of the initial namespace
                if self.nr == 1 {
                    g.child_reaper = Some(Arc::downgrade(task));
                }
                drop(g);
                core::mem::forget(self);
                return;
            }
        }
        // (the numbers are the task's now: forget() below must not free them, and must not
        // leak the vector holding them either)
        let upper = core::mem::take(&mut self.upper);
        let pid = self.pid.take();
        core::mem::forget(self);
        if let (Some(last), Some(pid)) = (upper.last(), pid) {
            for u in upper.iter() {
                u.ns.inner.lock().tasks.insert(u.nr, task.clone());
            }
            // Linux: is_child_reaper(pid): number 1 of its namespace.
            if last.nr == 1 {
                last.ns.inner.lock().child_reaper = Some(Arc::downgrade(task));
            }
            let tgid = tgid.unwrap_or_else(|| pid.clone());
            task.ns_pids.call_once(|| NsPids { pid, tgid });
        }
    }
}

impl Drop for NewPid {
    fn drop(&mut self) {
        let committed = self.committed;
        free_nr(init_pid_ns(), self.nr, committed);
        for u in self.upper.iter().rev() {
            free_nr(&u.ns, u.nr, committed);
        }
    }
}

/// Linux: free_pid() for one level (`committed`), or alloc_pid()'s out_free path.
fn free_nr(ns: &Arc<PidNamespace>, nr: i32, committed: bool) {
    if nr == 0 {
        return;
    }
    let mut g = ns.inner.lock();
    g.map.free(nr as u32);
    g.tasks.remove(&nr);
    if committed {
        g.nr_allocated -= 1;
        // Linux: the first process of a namespace failed to be created: the namespace is
        // unusable (pid_allocated goes from PIDNS_ADDING to 0).
        if g.nr_allocated == 0 && g.adding && g.child_reaper.is_none() && ns.level > 0 {
            g.adding = false;
        }
    } else if g.nr_allocated == 0 && g.adding {
        // On failure to allocate the first pid, reset the state (idr_set_cursor(0)).
        g.map.set_cursor(0);
    }
}

/// Linux: alloc_pid(ns, set_tid, set_tid_size): a number in `ns` and in each of its
/// ancestors; clone3's `set_tid` names them, innermost first.  ENOMEM once the namespace's
/// init has exited (no more processes may enter it).
#[no_mangle]
#[inline(never)]
pub fn alloc_pid(ns: &Arc<PidNamespace>, set_tid: &[i32]) -> KResult<NewPid> {
    let mut _t = crate::trace_func!(alloc_pid);
    let errno = |e: clonecheck::Errno| Errno(e as i32);
    if ns.level == 0 && set_tid.is_empty() {
        // The common case, under one lock: a number of the initial namespace.
        let mut g = ns.inner.lock();
        let nr = map_at_pid_max(&mut g.map)?.alloc().map_err(errno)? as i32;
        let pm = g.map.pid_max();
        if let Err(e) = g.tasks.reserve(nr, pm) {
            g.map.free(nr as u32);
            return Err(e);
        }
        g.nr_allocated += 1;
        drop(g);
        _t.ret(nr);
        return Ok(NewPid { nr, upper: Vec::new(), committed: true, pid: None });
    }
    clonecheck::set_tid_size_check(set_tid.len(), ns.level).map_err(errno)?;
    let mut new = NewPid { nr: 0, upper: Vec::new(), committed: false, pid: None };
    if ns.level > 0 {
        new.upper.reserve_exact(ns.level as usize);
    }
    let mut tmp = ns.clone();
    for i in (0..=ns.level).rev() {
        let tid = set_tid.get((ns.level - i) as usize).copied().unwrap_or(0);
        let nr = {
            if tid != 0 {
                let has_reaper = tmp.inner.lock().child_reaper.is_some();
                let cap = crate::kernel::pid_namespace::checkpoint_restore_ns_capable(&tmp.user_ns);
                clonecheck::set_tid_level_check(tid, pid_max(), has_reaper, cap).map_err(errno)?;
            }
            let mut g = tmp.inner.lock();
            let map = map_at_pid_max(&mut g.map)?;
            let r = if tid != 0 { map.alloc_at(tid as u32) } else { map.alloc() };
            let nr = r.map_err(errno)? as i32;
            let pm = g.map.pid_max();
            if let Err(e) = g.tasks.reserve(nr, pm) {
                g.map.free(nr as u32);
                return Err(e);
            }
            nr
        };
        if i == 0 {
            new.nr = nr;
        } else {
            new.upper.push(UPid { nr, ns: tmp.clone() });
        }
        if let Some(p) = tmp.parent.clone() {
            tmp = p;
        }
    }
    new.upper.reverse();
    if ns.level > 0 {
        let mut numbers = crate::mm::util::kmalloc_array(new.upper.len() + 1, ENOMEM)?;
        numbers.push(UPid { nr: new.nr, ns: init_pid_ns().clone() });
        numbers.extend(new.upper.iter().map(|u| UPid { nr: u.nr, ns: u.ns.clone() }));
        new.pid = Some(crate::mm::slab::try_arc(Pid { numbers })?);
    }
    // Make the numbers count (Linux: the PIDNS_ADDING check, then pid_allocated++ per level).
    {
        let mut g = ns.inner.lock();
        if !g.adding {
            drop(g);
            return Err(ENOMEM);
        }
        g.nr_allocated += 1;
    }
    if ns.level > 0 {
        init_pid_ns().inner.lock().nr_allocated += 1;
        for u in new.upper.iter().filter(|u| !Arc::ptr_eq(&u.ns, ns)) {
            u.ns.inner.lock().nr_allocated += 1;
        }
    }
    new.committed = true;
    _t.ret(new.nr);
    Ok(new)
}

/// Linux: free_pid() from release_task() (under tasklist_lock): every number of `t` goes,
/// and the reaper of a dying namespace is woken when its last other process is gone.
pub fn detach_pid(t: &TaskStruct, _tl: &crate::kernel::fork::TasklistGuard) {
    let removed = {
        let mut g = init_pid_ns().inner.lock();
        g.map.free(t.pid() as u32);
        g.nr_allocated -= 1;
        g.tasks.remove(&t.pid())
    };
    if let Some(p) = t.ns_pids.get() {
        for u in p.pid.numbers.iter().skip(1) {
            let reaper = {
                let mut g = u.ns.inner.lock();
                g.map.free(u.nr as u32);
                g.tasks.remove(&u.nr);
                g.nr_allocated -= 1;
                if g.nr_allocated <= 2 {
                    g.child_reaper.as_ref().and_then(|w| w.upgrade())
                } else {
                    None
                }
            };
            if let Some(r) = reaper {
                crate::kernel::sched::wake_up_process(&r);
            }
        }
    }
    drop(removed);
}

/// A namespace's allocator, with the pid_max the sysctl last set (Linux reads pid_max in
/// alloc_pid(); the bitmap here grows to it).
fn map_at_pid_max(map: &mut pidmap::PidMap) -> KResult<&mut pidmap::PidMap> {
    let m = pid_max() as u32;
    if map.pid_max() != m {
        map.set_pid_max(m).map_err(|e| Errno(e as i32))?;
    }
    Ok(map)
}

/// Linux: find_task_by_pid_ns(): the task numbered `nr` in `ns`.
pub fn find_task_by_pid_ns(nr: i32, ns: &PidNamespace) -> Option<Task> {
    ns.inner.lock().tasks.get(&nr).cloned()
}

/// The task whose number in the initial namespace is `pid` (the kernel's own name for it).
pub fn find_task_by_pid(pid: i32) -> Option<Task> {
    find_task_by_pid_ns(pid, init_pid_ns())
}

/// Linux: find_task_by_vpid(): the task the caller calls `nr`.
pub fn find_task_by_vpid(nr: i32) -> Option<Task> {
    let ns = crate::kernel::task::with_current(|c| c.ns_pids.get().map(|p| p.pid.ns().clone()));
    match ns {
        None => find_task_by_pid(nr),
        Some(ns) => find_task_by_pid_ns(nr, &ns),
    }
}

/// Linux: task_active_pid_ns(): the namespace `t` was made in (its pids are numbered there).
pub fn task_active_pid_ns(t: &TaskStruct) -> Arc<PidNamespace> {
    t.ns_pids.get().map_or_else(|| init_pid_ns().clone(), |p| p.pid.ns().clone())
}

/// Linux: task_pid_nr_ns(): `t`'s number in `ns` (0 when `t` is not visible there).
pub fn task_pid_nr_ns(t: &TaskStruct, ns: &PidNamespace) -> i32 {
    match t.ns_pids.get() {
        _ if ns.level == 0 => t.pid(),
        Some(p) => p.pid.nr_ns(ns),
        None => 0,
    }
}

/// Linux: task_tgid_nr_ns().
pub fn task_tgid_nr_ns(t: &TaskStruct, ns: &PidNamespace) -> i32 {
    match t.ns_pids.get() {
        _ if ns.level == 0 => t.tgid(),
        Some(p) => p.tgid.nr_ns(ns),
        None => 0,
    }
}

/// Linux: task_pid_vnr(): `t`'s number as the caller sees it.
pub fn task_pid_vnr(t: &TaskStruct) -> i32 {
    match crate::kernel::task::with_current(|c| c.ns_pids.get().map(|p| p.pid.ns().clone())) {
        None => t.pid(),
        Some(ns) => task_pid_nr_ns(t, &ns),
    }
}

/// Linux: task_tgid_vnr().
pub fn task_tgid_vnr(t: &TaskStruct) -> i32 {
    match crate::kernel::task::with_current(|c| c.ns_pids.get().map(|p| p.pid.ns().clone())) {
        None => t.tgid(),
        Some(ns) => task_tgid_nr_ns(t, &ns),
    }
}

/// The caller's own pid and tgid in its namespace (gettid, getpid: no lookups).
pub fn current_pid_tgid_vnr(c: &TaskStruct) -> (i32, i32) {
    match c.ns_pids.get() {
        None => (c.pid(), c.tgid()),
        Some(p) => (p.pid.numbers.last().map_or(0, |u| u.nr), p.tgid.numbers.last().map_or(0, |u| u.nr)),
    }
}

/// A number of the initial namespace (a task's pid, a process group, a session) as the caller
/// sees it: itself for a caller in the initial namespace, else the number of that task in the
/// caller's namespace (0 when it has none there).
pub fn pid_vnr(global_nr: i32) -> i32 {
    let ns = crate::kernel::task::with_current(|c| c.ns_pids.get().map(|p| p.pid.ns().clone()));
    match ns {
        None => global_nr,
        Some(ns) => find_task_by_pid(global_nr).map_or(0, |t| task_pid_nr_ns(&t, &ns)),
    }
}

/// The reverse of [`pid_vnr`]: what the caller calls `nr`, as a number of the initial
/// namespace (None when no task of the caller's namespace has it).
pub fn vnr_to_global(nr: i32) -> Option<i32> {
    let ns = crate::kernel::task::with_current(|c| c.ns_pids.get().map(|p| p.pid.ns().clone()));
    match ns {
        None => Some(nr),
        Some(ns) => find_task_by_pid_ns(nr, &ns).map(|t| t.pid()),
    }
}

/// The pid namespaces `t` is numbered in from `from` (the reader's, an ancestor of `t`'s
/// own) down to `t`'s own (Linux: pid->numbers[ns->level..=pid->level], /proc/PID/status's
/// NSpid columns); empty when `t` is not visible from `from`.
pub fn pid_ns_chain(t: &TaskStruct, from: &PidNamespace) -> Vec<Arc<PidNamespace>> {
    match t.ns_pids.get() {
        None if from.level == 0 => alloc::vec![init_pid_ns().clone()],
        None => Vec::new(),
        Some(p) => match p.pid.numbers.get(from.level as usize) {
            Some(u) if core::ptr::eq(Arc::as_ptr(&u.ns), from) => {
                p.pid.numbers[from.level as usize..].iter().map(|u| u.ns.clone()).collect()
            }
            _ => Vec::new(),
        },
    }
}

/// A number of the initial namespace (a process group, a session) in `ns`: the number there
/// of the task it names (0 when gone or not visible).
pub fn global_nr_ns(nr: i32, ns: &PidNamespace) -> i32 {
    if ns.level == 0 || nr <= 0 {
        return nr;
    }
    find_task_by_pid(nr).map_or(0, |t| task_pid_nr_ns(&t, ns))
}

/// Every thread-group leader, in pid order (for kill(-1), /proc).
pub fn all_processes() -> Vec<Task> {
    init_pid_ns().inner.lock().tasks.values().filter(|t| t.pid() == t.tgid()).cloned().collect()
}

pub fn all_tasks() -> Vec<Task> {
    init_pid_ns().inner.lock().tasks.values().cloned().collect()
}

/// The tasks numbered in `ns`, by their number there.
pub fn tasks_of_ns(ns: &PidNamespace) -> Vec<(i32, Task)> {
    ns.inner.lock().tasks.iter().map(|(n, t)| (n, t.clone())).collect()
}

pub fn nr_tasks() -> usize {
    init_pid_ns().inner.lock().tasks.len()
}

/// The last pid handed out (Linux: the last field of /proc/loadavg).
pub fn last_pid() -> i32 {
    // the allocator's cursor is the next candidate: the last one handed out is just below
    (init_pid_ns().inner.lock().map.cursor() as i32 - 1).max(0)
}

// ---- pidfds (Linux: pidfd_create, pidfd_get_pid, pidfd_open, pidfd_getfd in kernel/pid.c) --

/// Linux: PIDFD_NONBLOCK (O_NONBLOCK): waitid() on the pidfd does not block.
pub const PIDFD_NONBLOCK: u32 = linux_raw_sys::general::O_NONBLOCK;

/// Linux: pidfd_create(): a pidfd for the thread-group leader `p` (anon_inode "[pidfd]",
/// O_RDWR, always close-on-exec; `flags` may add O_NONBLOCK).
pub fn pidfd_create(p: &Task, flags: u32) -> KResult<usize> {
    let (fd, f) = pidfd_prepare(p, flags)?;
    Ok(fd.install(f, true))
}

/// Linux: pidfd_prepare(): a reserved fd (get_unused_fd_flags(), EMFILE, ENOMEM) and the
/// pidfd's file (anon_inode_getfile()'s alloc_empty_file and the pid reference: ENOMEM), for
/// the caller to fd_install() (always close-on-exec) after its point of no return; dropped,
/// they are given back.
pub fn pidfd_prepare(p: &Task, flags: u32) -> KResult<(crate::fs::file::FdReserved, Arc<crate::fs::File>)> {
    use linux_raw_sys::general::{O_NONBLOCK, O_RDWR};
    let fd = crate::fs::file::get_unused_fd()?;
    let ops: Arc<dyn crate::fs::FileOps> = crate::mm::slab::try_arc(crate::kernel::fork::PidFd(p.clone()))?;
    let path = crate::mm::slab::try_string("anon_inode:[pidfd]")?;
    let f = crate::fs::File::try_new(ops, None, O_RDWR | (flags & O_NONBLOCK), path)?;
    Ok((fd, f))
}

/// Linux: pidfd_get_pid(): the process a pidfd refers to, and the pidfd's file flags (EBADF
/// for an fd that is not a pidfd).
pub fn pidfd_get_task(fd: u32) -> KResult<(Task, u32)> {
    let f = crate::fs::fd_get(fd)?;
    let t = f.ops.pidfd_task().ok_or(EBADF)?;
    Ok((t, f.flags()))
}

/// Linux: SYSCALL_DEFINE2(pidfd_open): a pidfd for the process `pid`: EINVAL for unknown
/// flags, pid <= 0, or a pid that is not a thread-group leader's; ESRCH for no such pid.
pub fn sys_pidfd_open(pid: i32, flags: u32) -> KResult<usize> {
    if flags & !PIDFD_NONBLOCK != 0 {
        return Err(EINVAL);
    }
    if pid <= 0 {
        return Err(EINVAL);
    }
    let t = find_task_by_vpid(pid).ok_or(ESRCH)?;
    // Linux: pidfd_create(): pid_has_task(pid, PIDTYPE_TGID).
    if t.pid() != t.tgid() {
        return Err(EINVAL);
    }
    pidfd_create(&t, flags)
}

/// Linux: SYSCALL_DEFINE3(pidfd_getfd): a duplicate of the process's file `fd`, installed
/// close-on-exec in the caller's table (as SCM_RIGHTS receives one).  EINVAL for any flag,
/// EBADF for a non-pidfd or an fd the target does not have, ESRCH once the target is exiting
/// or reaped, EPERM without ptrace access to it.
pub fn sys_pidfd_getfd(pidfd: i32, fd: i32, flags: u32) -> KResult<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let (t, _) = pidfd_get_task(pidfd as u32)?;
    // Linux: get_pid_task(pid, PIDTYPE_PID) (ESRCH once reaped), then __pidfd_fget().
    if !find_task_by_pid(t.pid()).is_some_and(|x| alloc::sync::Arc::ptr_eq(&x, &t)) {
        return Err(ESRCH);
    }
    if !crate::kernel::ptrace::ptrace_may_access(&t, crate::kernel::ptrace::PTRACE_MODE_ATTACH_REALCREDS) {
        return Err(EPERM);
    }
    if t.has_flag(crate::kernel::task::PF_EXITING) {
        return Err(ESRCH);
    }
    let files = t.files.lock().clone().ok_or(EBADF)?;
    let file = files.get(fd as u32 as usize).map_err(|_| EBADF)?;
    crate::fs::fd_install(file, true)
}
