//! System V semaphores: semget, semop/semtimedop, semctl, and the undo lists (SEM_UNDO)
//! applied when the last task sharing one exits.  Linux: ipc/sem.c (newary,
//! do_semtimedop, perform_atomic_semop, semctl_main, semctl_setval, freeary, find_alloc_undo,
//! copy_semundo, exit_sem, sysvipc_sem_proc_show), include/uapi/linux/sem.h,
//! include/uapi/asm-generic/sembuf.h.
//!
//! The all-or-nothing application of a semop is the host-tested `sysvipc` crate.  A blocked
//! semop sleeps on its namespace's wait queue and tries again after every change of any array
//! there (Linux keeps a queue per array and per semaphore; the outcome is the same: each
//! sleeper retries its whole operation, in the order they went to sleep).

use super::namespace::{IpcNamespace, SemIds};
use super::util::*;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{current, TaskStruct};
use crate::kernel::time::Timespec;
use crate::mm::uaccess::UserPtr;
use crate::mm::util::kvcalloc;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use sysvipc::{SemBuf, SemopResult, SEMAEM, SEMVMX, SEM_UNDO};

// Linux: include/uapi/linux/sem.h.
pub const GETPID: i32 = 11;
pub const GETVAL: i32 = 12;
pub const GETALL: i32 = 13;
pub const GETNCNT: i32 = 14;
pub const GETZCNT: i32 = 15;
pub const SETVAL: i32 = 16;
pub const SETALL: i32 = 17;
pub const SEM_STAT: i32 = 18;
pub const SEM_INFO: i32 = 19;
pub const SEM_STAT_ANY: i32 = 20;
const SEMMNU: i32 = super::namespace::SEMMNS;
const SEMMAP: i32 = super::namespace::SEMMNS;
const SEMUME: i32 = super::namespace::SEMOPM;
const SEMUSZ: i32 = 20;

crate::user_pod! {
    /// Linux: struct sembuf.
    #[derive(Clone, Copy, Default)]
    pub struct UserSemBuf {
        pub sem_num: u16,
        pub sem_op: i16,
        pub sem_flg: i16,
    }
}

crate::user_pod! {
    /// Linux: struct semid64_ds (asm-generic, 64-bit).
    #[derive(Clone, Copy, Default)]
    pub struct SemidDs {
        pub sem_perm: Ipc64Perm,
        pub sem_otime: i64,
        pub sem_ctime: i64,
        pub sem_nsems: u64,
        pub unused3: u64,
        pub unused4: u64,
    }
}

crate::user_pod! {
    /// Linux: struct seminfo (IPC_INFO, SEM_INFO).
    #[derive(Clone, Copy, Default)]
    pub struct Seminfo {
        pub semmap: i32,
        pub semmni: i32,
        pub semmns: i32,
        pub semmnu: i32,
        pub semmsl: i32,
        pub semopm: i32,
        pub semume: i32,
        pub semusz: i32,
        pub semvmx: i32,
        pub semaem: i32,
    }
}

/// Linux: struct sem_array.
pub struct SemArray {
    pub perm: KernIpcPerm,
    pub vals: Vec<i32>,
    /// Linux: sem->sempid, the last process to change each (initial pid namespace numbers).
    pub pids: Vec<i32>,
    pub otime: i64,
    pub ctime: i64,
    /// The tasks asleep in semop() on it: (task, the semaphore they wait on, waiting for 0).
    pub waiters: Vec<(usize, u16, bool)>,
    /// The undo lists with an entry for it (SETVAL and SETALL clear their adjustments).
    pub undos: Vec<Weak<SemUndoList>>,
}

impl IpcObject for SemArray {
    fn perm(&self) -> &KernIpcPerm {
        &self.perm
    }
    fn perm_mut(&mut self) -> &mut KernIpcPerm {
        &mut self.perm
    }
}

/// Linux: struct sem_undo — the adjustments one process has made to one array.
pub struct SemUndo {
    pub ns: Weak<IpcNamespace>,
    pub semid: i32,
    pub semadj: Vec<i32>,
}

/// Linux: struct sem_undo_list — shared by the tasks of a CLONE_SYSVSEM family.
pub struct SemUndoList {
    pub entries: SpinLock<Vec<SemUndo>, class::SemUndo>,
}

/// Bumped at every change of a namespace's semaphores: what sleepers wait to see move.
static SEM_CHANGES: AtomicU64 = AtomicU64::new(0);

fn changed(ns: &IpcNamespace) {
    SEM_CHANGES.fetch_add(1, Ordering::Release);
    ns.sem_wq.wake_up_all();
}

/// Linux: newary().
fn newary(ns: &IpcNamespace, g: &mut SemIds, key: i32, nsems: i32, semflg: i32) -> KResult<i32> {
    if nsems == 0 {
        return Err(EINVAL);
    }
    let semmns = ns.lim.sem_ctls[1].load(Ordering::Relaxed);
    if g.used_sems.checked_add(nsems).is_none_or(|u| u > semmns) {
        return Err(ENOSPC);
    }
    let n = nsems as usize;
    let arr = SemArray {
        perm: KernIpcPerm::new(key, semflg),
        vals: kvcalloc(n, ENOMEM)?,
        pids: kvcalloc(n, ENOMEM)?,
        otime: 0,
        ctime: now_secs(),
        waiters: Vec::new(),
        undos: Vec::new(),
    };
    let limit = ns.lim.sem_ctls[3].load(Ordering::Relaxed).max(0) as usize;
    let id = g.ids.add(arr, limit)?;
    g.used_sems += nsems;
    Ok(id)
}

/// Linux: SYSCALL_DEFINE3(semget).
pub fn sys_semget(key: i32, nsems: i32, semflg: i32) -> KResult<usize> {
    let ns = ns();
    if nsems < 0 || nsems > ns.lim.sem_ctls[0].load(Ordering::Relaxed) {
        return Err(EINVAL);
    }
    let mut g = ns.sem.lock();
    // Linux: sem_more_checks(): an existing array with fewer semaphores is EINVAL.
    match ipcget(&ns, &g.ids, key, semflg, |a| if nsems as usize > a.vals.len() { Err(EINVAL) } else { Ok(()) })? {
        GetOutcome::Existing(id) => Ok(id as usize),
        GetOutcome::New => newary(&ns, &mut g, key, nsems, semflg).map(|id| id as usize),
    }
}

/// The caller's undo list, made on first use (Linux: get_undo_list()).
fn get_undo_list(t: &TaskStruct) -> Arc<SemUndoList> {
    let mut g = t.sysvsem.lock();
    g.get_or_insert_with(|| Arc::new(SemUndoList { entries: SpinLock::new(Vec::new()) })).clone()
}

/// Linux: SYSCALL_DEFINE3(semop): semtimedop() without a timeout.
pub fn sys_semop(semid: i32, tsops: UserPtr<UserSemBuf>, nsops: usize) -> KResult<usize> {
    do_semtimedop(semid, tsops, nsops, None)
}

/// Linux: SYSCALL_DEFINE4(semtimedop).
pub fn sys_semtimedop(
    semid: i32,
    tsops: UserPtr<UserSemBuf>,
    nsops: usize,
    timeout: Option<UserPtr<Timespec>>,
) -> KResult<usize> {
    do_semtimedop(semid, tsops, nsops, timeout)
}

/// Linux: do_semtimedop().
fn do_semtimedop(
    semid: i32,
    tsops: UserPtr<UserSemBuf>,
    nsops: usize,
    timeout: Option<UserPtr<Timespec>>,
) -> KResult<usize> {
    let ns = ns();
    if semid < 0 {
        return Err(EINVAL);
    }
    let semopm = ns.lim.sem_ctls[2].load(Ordering::Relaxed).max(0) as usize;
    sysvipc::semop_nsops_check(nsops, semopm).map_err(|e| Errno(e as i32))?;
    let sops: Vec<SemBuf> = tsops
        .read_array(nsops)?
        .into_iter()
        .map(|s| SemBuf { sem_num: s.sem_num, sem_op: s.sem_op, sem_flg: s.sem_flg })
        .collect();
    let deadline = match timeout {
        Some(t) => {
            let ts = t.read()?;
            if ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1_000_000_000 {
                return Err(EINVAL);
            }
            let ns_ = (ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64);
            Some(
                crate::arch::riscv::time::get_cycles()
                    .saturating_add(crate::arch::riscv::time::ns_to_cycles(ns_))
                    .max(1),
            )
        }
        None => None,
    };
    let max = sops.iter().map(|s| s.sem_num).max().unwrap_or(0);
    let undos = sops.iter().any(|s| s.sem_flg & SEM_UNDO != 0);
    let alter = sops.iter().any(|s| s.sem_op != 0);
    let cur = current();
    let me = Arc::as_ptr(&cur) as usize;
    let undo_list = undos.then(|| get_undo_list(&cur));
    {
        let g = ns.sem.lock();
        let a = g.ids.get(semid)?;
        if max as usize >= a.vals.len() {
            return Err(EFBIG);
        }
        if !ipcperms(&ns, &a.perm, if alter { S_IWUGO } else { S_IRUGO }) {
            return Err(EACCES);
        }
    }
    let mut seen = SEM_CHANGES.load(Ordering::Acquire);
    loop {
        let blocked = {
            let mut g = ns.sem.lock();
            let a = g.ids.get_mut(semid).map_err(|_| EIDRM)?;
            // Linux: find_alloc_undo(): the caller's adjustments for this array.
            let list = undo_list.as_ref();
            let mut entries = list.map(|l| l.entries.lock());
            let mut none: Vec<i32> = Vec::new();
            let semadj: &mut Vec<i32> = match entries.as_mut() {
                Some(e) => {
                    let i = match e.iter().position(|u| u.semid == semid && u.ns.ptr_eq(&Arc::downgrade(&ns))) {
                        Some(i) => i,
                        None => {
                            e.push(SemUndo { ns: Arc::downgrade(&ns), semid, semadj: kvcalloc(a.vals.len(), ENOMEM)? });
                            if let Some(l) = list {
                                a.undos.retain(|w| w.strong_count() > 0);
                                a.undos.push(Arc::downgrade(l));
                            }
                            e.len() - 1
                        }
                    };
                    &mut e[i].semadj
                }
                None => {
                    none.resize(a.vals.len(), 0);
                    &mut none
                }
            };
            match sysvipc::semop(&mut a.vals, semadj, &sops).map_err(|e| Errno(e as i32))? {
                SemopResult::Done => {
                    let pid = cur.tgid();
                    for s in sops.iter() {
                        a.pids[s.sem_num as usize] = pid;
                    }
                    a.otime = now_secs();
                    None
                }
                SemopResult::Block(i) => {
                    let s = sops[i];
                    a.waiters.push((me, s.sem_num, s.sem_op == 0));
                    Some(())
                }
            }
        };
        if blocked.is_none() {
            if alter {
                changed(&ns);
            }
            return Ok(0);
        }
        // Sleep until something changes (or a signal, or the timeout).
        let r = match deadline {
            Some(d) => ns.sem_wq.wait_event_timeout(|| SEM_CHANGES.load(Ordering::Acquire) != seen, d),
            None => ns.sem_wq.wait_event_interruptible(|| SEM_CHANGES.load(Ordering::Acquire) != seen),
        };
        seen = SEM_CHANGES.load(Ordering::Acquire);
        {
            let mut g = ns.sem.lock();
            if let Ok(a) = g.ids.get_mut(semid) {
                if let Some(i) = a.waiters.iter().position(|w| w.0 == me) {
                    a.waiters.remove(i);
                }
            }
        }
        match r {
            Ok(()) => continue,
            // Linux: a timed-out semtimedop is EAGAIN; a signal ends it with EINTR (never
            // restarted).
            Err(ETIMEDOUT) => return Err(EAGAIN),
            Err(_) => return Err(EINTR),
        }
    }
}

/// Linux: count_semcnt(): the sleepers waiting for semaphore `n` to rise (or to be 0).
fn count_semcnt(a: &SemArray, n: u16, zero: bool) -> usize {
    a.waiters.iter().filter(|w| w.1 == n && w.2 == zero).count()
}

/// Clears the undo adjustments of semaphore `n` (all when None) of array `semid`, in every
/// undo list (Linux: SETVAL's and SETALL's "clear undo entries" loops).
fn clear_semadj(a: &SemArray, ns: &Arc<IpcNamespace>, semid: i32, n: Option<usize>) {
    for l in a.undos.iter().filter_map(|w| w.upgrade()) {
        let mut e = l.entries.lock();
        for u in e.iter_mut().filter(|u| u.semid == semid && u.ns.ptr_eq(&Arc::downgrade(ns))) {
            match n {
                Some(i) => u.semadj[i] = 0,
                None => u.semadj.iter_mut().for_each(|x| *x = 0),
            }
        }
    }
}

/// Linux: SYSCALL_DEFINE4(semctl) -> ksys_semctl() (IPC_64).
pub fn sys_semctl(semid: i32, semnum: i32, cmd: i32, arg: usize) -> KResult<usize> {
    if semid < 0 {
        return Err(EINVAL);
    }
    let ns = ns();
    let ptr = UserPtr::<u8>::new(arg);
    match cmd {
        IPC_INFO | SEM_INFO => {
            let l = &ns.lim.sem_ctls;
            let mut info = Seminfo {
                semmni: l[3].load(Ordering::Relaxed),
                semmns: l[1].load(Ordering::Relaxed),
                semmsl: l[0].load(Ordering::Relaxed),
                semopm: l[2].load(Ordering::Relaxed),
                semvmx: SEMVMX,
                semmnu: SEMMNU,
                semmap: SEMMAP,
                semume: SEMUME,
                semusz: SEMUSZ,
                semaem: SEMAEM,
            };
            let max = {
                let g = ns.sem.lock();
                if cmd == SEM_INFO {
                    info.semusz = g.ids.in_use() as i32;
                    info.semaem = g.used_sems;
                }
                g.ids.max_idx()
            };
            ptr.cast::<Seminfo>().write(&info)?;
            Ok(max.max(0) as usize)
        }
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            let (ds, ret) = {
                let g = ns.sem.lock();
                let a = if cmd == IPC_STAT { g.ids.get(semid)? } else { g.ids.get_idx(semid)? };
                if cmd != SEM_STAT_ANY && !ipcperms(&ns, &a.perm, S_IRUGO) {
                    return Err(EACCES);
                }
                let ds = SemidDs {
                    sem_perm: a.perm.to_user(),
                    sem_otime: a.otime,
                    sem_ctime: a.ctime,
                    sem_nsems: a.vals.len() as u64,
                    ..Default::default()
                };
                (ds, if cmd == IPC_STAT { 0 } else { a.perm.id as usize })
            };
            ptr.cast::<SemidDs>().write(&ds)?;
            Ok(ret)
        }
        GETALL | GETVAL | GETPID | GETNCNT | GETZCNT => {
            let (vals, one) = {
                let g = ns.sem.lock();
                let a = g.ids.get(semid)?;
                if !ipcperms(&ns, &a.perm, S_IRUGO) {
                    return Err(EACCES);
                }
                if cmd == GETALL {
                    (a.vals.iter().map(|&v| v as u16).collect::<Vec<u16>>(), 0)
                } else {
                    if semnum < 0 || semnum as usize >= a.vals.len() {
                        return Err(EINVAL);
                    }
                    let n = semnum as usize;
                    let one = match cmd {
                        GETVAL => a.vals[n] as usize,
                        GETPID => pid_vnr(a.pids[n]) as usize,
                        GETNCNT => count_semcnt(a, n as u16, false),
                        _ => count_semcnt(a, n as u16, true),
                    };
                    (Vec::new(), one)
                }
            };
            if cmd == GETALL {
                ptr.cast::<u16>().write_array(&vals)?;
                return Ok(0);
            }
            Ok(one)
        }
        SETVAL => {
            let val = arg as i32;
            if !(0..=SEMVMX).contains(&val) {
                return Err(ERANGE);
            }
            {
                let mut g = ns.sem.lock();
                let a = g.ids.get_mut(semid)?;
                if semnum < 0 || semnum as usize >= a.vals.len() {
                    return Err(EINVAL);
                }
                if !ipcperms(&ns, &a.perm, S_IWUGO) {
                    return Err(EACCES);
                }
                let n = semnum as usize;
                clear_semadj(a, &ns, semid, Some(n));
                a.vals[n] = val;
                a.pids[n] = current_tgid();
                a.ctime = now_secs();
            }
            changed(&ns);
            Ok(0)
        }
        SETALL => {
            let nsems = {
                let g = ns.sem.lock();
                let a = g.ids.get(semid)?;
                if !ipcperms(&ns, &a.perm, S_IWUGO) {
                    return Err(EACCES);
                }
                a.vals.len()
            };
            let vals: Vec<u16> = ptr.cast::<u16>().read_array(nsems)?;
            if vals.iter().any(|&v| v as i32 > SEMVMX) {
                return Err(ERANGE);
            }
            {
                let mut g = ns.sem.lock();
                let a = g.ids.get_mut(semid).map_err(|_| EIDRM)?;
                if a.vals.len() != nsems {
                    return Err(EIDRM);
                }
                clear_semadj(a, &ns, semid, None);
                let pid = current_tgid();
                for (i, v) in vals.iter().enumerate() {
                    a.vals[i] = *v as i32;
                    a.pids[i] = pid;
                }
                a.ctime = now_secs();
            }
            changed(&ns);
            Ok(0)
        }
        IPC_SET => {
            let new = ptr.cast::<SemidDs>().read()?;
            let mut g = ns.sem.lock();
            let a = g.ids.get_mut(semid)?;
            may_ipcctl(&ns, &a.perm)?;
            a.perm.update(&new.sem_perm)?;
            a.ctime = now_secs();
            Ok(0)
        }
        IPC_RMID => {
            {
                let mut g = ns.sem.lock();
                let a = g.ids.get(semid)?;
                may_ipcctl(&ns, &a.perm)?;
                // Linux: freeary(): sleepers get EIDRM; the undo entries die with it.
                if let Some(a) = g.ids.remove(semid) {
                    g.used_sems -= a.vals.len() as i32;
                    for l in a.undos.iter().filter_map(|w| w.upgrade()) {
                        l.entries.lock().retain(|u| !(u.semid == semid && u.ns.ptr_eq(&Arc::downgrade(&ns))));
                    }
                }
            }
            changed(&ns);
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

/// Linux: copy_semundo(): with CLONE_SYSVSEM the child shares the caller's undo list (made
/// now if it has none); otherwise it starts with none.
pub fn copy_semundo(clone_flags: u64, cur: &TaskStruct, p: &TaskStruct) {
    if clone_flags & crate::kernel::fork::CLONE_SYSVSEM != 0 {
        *p.sysvsem.lock() = Some(get_undo_list(cur));
    }
}

/// Linux: exit_sem(): a task leaves its undo list (exit, unshare(CLONE_SYSVSEM), a new IPC
/// namespace); the last to leave applies its adjustments, each value kept in [0, SEMVMX].
pub fn exit_sem(t: &TaskStruct) {
    let Some(list) = t.sysvsem.lock().take() else { return };
    // (Arc::into_inner: of two sharers leaving at once exactly one is the last)
    let Some(list) = Arc::into_inner(list) else { return };
    let entries = list.entries.into_inner();
    for u in entries {
        let Some(ns) = u.ns.upgrade() else { continue };
        {
            let mut g = ns.sem.lock();
            let Ok(a) = g.ids.get_mut(u.semid) else { continue };
            if a.vals.len() != u.semadj.len() {
                continue;
            }
            for (i, adj) in u.semadj.iter().enumerate() {
                if *adj != 0 {
                    a.vals[i] = (a.vals[i] + adj).clamp(0, SEMVMX);
                    a.pids[i] = t.tgid();
                }
            }
            a.otime = now_secs();
        }
        changed(&ns);
    }
}

/// Linux: sysvipc_sem_proc_show() with its header.
pub fn proc_show(ns: &IpcNamespace) -> String {
    let mut s = String::from("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
    let g = ns.sem.lock();
    for a in g.ids.entries.values() {
        let p = a.perm.to_user();
        let _ = writeln!(
            s,
            "{:>10} {:>10}  {:>4o} {:>10} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10}",
            p.key,
            a.perm.id,
            a.perm.mode,
            a.vals.len(),
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            a.otime,
            a.ctime
        );
    }
    s
}
