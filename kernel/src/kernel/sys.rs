//! The process-wide odds and ends of the syscall table: uname, the pid and id calls,
//! resource limits, process groups and sessions, umask, sysinfo, prctl, times, getrusage,
//! get/setpriority.  Linux: kernel/sys.c.
//!
//! Elsewhere, as in Linux: reboot is kernel/reboot.rs, syslog kernel/printk.rs,
//! getitimer/setitimer kernel/time/itimer.rs, getgroups/setgroups kernel/groups.rs.

use crate::errno::*;
use crate::kernel::capability::{cap_capable, capable, ns_capable, CAP_SYS_ADMIN, CAP_SYS_RESOURCE};
use crate::kernel::cred::{
    commit_creds, current_cred, prepare_creds, task_cred, with_current_cred, Cred, GLOBAL_ROOT_UID,
};
use crate::kernel::signal::{RLIMIT_NOFILE, RLIM_NLIMITS};
use crate::kernel::task::{current, TaskStruct, PF_NPROC_EXCEEDED};
use crate::kernel::ucount::{alloc_ucounts, RlimitType};
use crate::kernel::utsname::{NewUtsname, UtsField, NEW_UTS_LEN};
use crate::mm::mm_types::{SUID_DUMP_DISABLE, SUID_DUMP_USER};
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, Ordering};
use credcheck::setid;
use linux_raw_sys::general as uapi;

/// Linux: overflowuid / overflowgid (kernel/sys.c; /proc/sys/kernel/overflow[ug]id): the id
/// shown for an id that does not fit a 16-bit field; fs_overflowuid / fs_overflowgid the same
/// for filesystems with 16-bit ids (/proc/sys/fs/overflow[ug]id).  Linux: DEFAULT_OVERFLOWUID.
pub static OVERFLOWUID: [AtomicI32; 1] = [AtomicI32::new(DEFAULT_OVERFLOWUID)];
pub static OVERFLOWGID: [AtomicI32; 1] = [AtomicI32::new(DEFAULT_OVERFLOWUID)];
pub static FS_OVERFLOWUID: [AtomicI32; 1] = [AtomicI32::new(DEFAULT_OVERFLOWUID)];
pub static FS_OVERFLOWGID: [AtomicI32; 1] = [AtomicI32::new(DEFAULT_OVERFLOWUID)];
const DEFAULT_OVERFLOWUID: i32 = 65534;

/// Linux: SYSCALL_DEFINE1(newuname): the names of the caller's UTS namespace (sysname,
/// nodename, release, version, machine, domainname; kernel/utsname.rs keeps them).
pub fn sys_uname(name: UserPtr<NewUtsname>) -> KResult<usize> {
    let u = super::utsname::utsname();
    name.write(&u)?;
    Ok(0)
}

/// Linux: sethostname(2) / setdomainname(2): EPERM without CAP_SYS_ADMIN over the UTS
/// namespace, EINVAL for a length outside [0, __NEW_UTS_LEN], EFAULT for the name.
fn set_uts(f: UtsField, name: UserPtr<u8>, len: i32) -> KResult<usize> {
    let ns = super::utsname::current_uts_ns();
    if !ns_capable(&ns.user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    if len < 0 || len as usize > NEW_UTS_LEN {
        return Err(EINVAL);
    }
    let mut buf = alloc::vec![0u8; len as usize];
    name.copy_in(&mut buf)?;
    super::utsname::set_field(f, &buf);
    Ok(0)
}

pub fn sys_sethostname(name: UserPtr<u8>, len: i32) -> KResult<usize> {
    set_uts(UtsField::Nodename, name, len)
}

pub fn sys_setdomainname(name: UserPtr<u8>, len: i32) -> KResult<usize> {
    set_uts(UtsField::Domainname, name, len)
}

/// Linux: SYSCALL_DEFINE4(prlimit64) -> do_prlimit().
pub fn sys_prlimit64(
    pid: i32,
    resource: u32,
    new_rlim: Option<UserPtr<[u64; 2]>>,
    old_rlim: Option<UserPtr<[u64; 2]>>,
) -> KResult<usize> {
    let resource = resource as usize;
    if resource >= RLIM_NLIMITS {
        return Err(EINVAL);
    }
    let t = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)? };
    let newv = new_rlim.map(|p| p.read()).transpose()?;
    if let Some(n) = newv {
        if n[0] > n[1] {
            return Err(EINVAL);
        }
    }
    // Linux: check_prlimit_permission(): another process's limits need all of its ids to be
    // the caller's real ids, or CAP_SYS_RESOURCE.
    if !Arc::ptr_eq(&t, &current()) {
        let (cred, tcred) = (current_cred(), task_cred(&t));
        let id_match = [tcred.uid, tcred.euid, tcred.suid].iter().all(|&u| u == cred.uid)
            && [tcred.gid, tcred.egid, tcred.sgid].iter().all(|&g| g == cred.gid);
        if !id_match && !cap_capable(&cred, &tcred.user_ns, CAP_SYS_RESOURCE) {
            return Err(EPERM);
        }
    }
    let mut r = t.signal.rlimits.lock();
    let oldv = r[resource];
    if let Some(n) = newv {
        // Linux: do_prlimit(): the hard limit may not exceed sysctl_nr_open (RLIM_INFINITY
        // included).
        let nr_open = crate::fs::file::SYSCTL_NR_OPEN.load(Ordering::Relaxed) as u64;
        if resource == RLIMIT_NOFILE && n[1] > nr_open {
            return Err(EPERM);
        }
        // Linux: do_prlimit(): raising the hard limit needs CAP_SYS_RESOURCE.
        if n[1] > oldv[1] && !capable(CAP_SYS_RESOURCE) {
            return Err(EPERM);
        }
        r[resource] = n;
    }
    drop(r);
    if let Some(old) = old_rlim {
        old.write(&oldv)?;
    }
    Ok(0)
}

/// Linux: getrlimit(2) / setrlimit(2): prlimit64 on the caller.
pub fn sys_getrlimit(resource: u32, rlim: UserPtr<[u64; 2]>) -> KResult<usize> {
    sys_prlimit64(0, resource, None, Some(rlim))
}
pub fn sys_setrlimit(resource: u32, rlim: UserPtr<[u64; 2]>) -> KResult<usize> {
    sys_prlimit64(0, resource, Some(rlim), None)
}

pub fn sys_setpgid(pid: i32, pgid: i32) -> KResult<usize> {
    let cur = current();
    let t = if pid == 0 { cur.clone() } else { crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)? };
    if pgid < 0 {
        return Err(EINVAL);
    }
    if !alloc::sync::Arc::ptr_eq(&t, &cur) && t.ppid() != cur.tgid() {
        return Err(ESRCH);
    }
    let g = if pgid == 0 { t.tgid() } else { crate::kernel::pid::vnr_to_global(pgid).unwrap_or(pgid) };
    t.signal.pgrp.store(g, Ordering::Relaxed);
    Ok(0)
}

pub fn sys_getpgid(pid: i32) -> KResult<usize> {
    let t = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)? };
    Ok(crate::kernel::pid::pid_vnr(t.signal.pgrp.load(Ordering::Relaxed)) as usize)
}

pub fn sys_getsid(pid: i32) -> KResult<usize> {
    let t = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_vpid(pid).ok_or(ESRCH)? };
    Ok(crate::kernel::pid::pid_vnr(t.signal.session.load(Ordering::Relaxed)) as usize)
}

/// Linux: ksys_setsid(): EPERM for a process-group leader, and when a process group whose id
/// is the caller's pid exists (the new session's id would name it).
pub fn sys_setsid() -> KResult<usize> {
    let cur = current();
    let pid = cur.tgid();
    if cur.signal.pgrp.load(Ordering::Relaxed) == pid {
        return Err(EPERM);
    }
    // Fail if a process group id already exists that equals the proposed session id.
    if crate::kernel::pid::all_processes().iter().any(|t| t.signal.pgrp.load(Ordering::Relaxed) == pid) {
        return Err(EPERM);
    }
    cur.signal.pgrp.store(pid, Ordering::Relaxed);
    cur.signal.session.store(pid, Ordering::Relaxed);
    Ok(crate::kernel::pid::current_pid_tgid_vnr(&cur).1 as usize)
}

/// Linux: S_IRWXUGO (include/linux/stat.h): the permission bits umask keeps.
const S_IRWXUGO: u32 = 0o777;

/// Linux: SYSCALL_DEFINE1(umask): sets the creation mask, returns the old one.
pub fn sys_umask(mask: i32) -> KResult<usize> {
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let mut i = fs.inner.lock();
    let old = i.umask;
    i.umask = mask as u32 & S_IRWXUGO;
    Ok(old as usize)
}

crate::user_pod! {
    /// Linux: struct sysinfo (include/uapi/linux/sysinfo.h).
    #[derive(Clone, Copy, Default)]
    pub struct Sysinfo {
        uptime: i64,
        loads: [u64; 3],
        totalram: u64,
        freeram: u64,
        sharedram: u64,
        bufferram: u64,
        totalswap: u64,
        freeswap: u64,
        procs: u16,
        pad: u16,
        pad2: u32,
        totalhigh: u64,
        freehigh: u64,
        mem_unit: u32,
        _f: [u8; 4],
    }
}

/// Linux: do_sysinfo(): uptime (boot time, rounded up), no load averages kept (0), the memory
/// numbers of si_meminfo() (the same as /proc/meminfo's), the number of tasks, unit 1 byte.
pub fn sys_sysinfo(info: UserPtr<Sysinfo>) -> KResult<usize> {
    let ns = crate::kernel::time::uptime_ns();
    let m = crate::fs::proc::meminfo::si_meminfo();
    let s = Sysinfo {
        uptime: ns.div_ceil(1_000_000_000) as i64,
        totalram: m.total as u64,
        freeram: m.free as u64,
        sharedram: m.shmem as u64,
        bufferram: m.buffers as u64,
        procs: crate::kernel::pid::nr_tasks() as u16,
        mem_unit: 1,
        ..Default::default()
    };
    info.write(&s)?;
    Ok(0)
}

use linux_raw_sys::prctl as pr;

/// Linux: PR_IO_FLUSHER (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE).
const PR_IO_FLUSHER: u32 = crate::kernel::task::PF_MEMALLOC_NOIO | crate::kernel::task::PF_LOCAL_THROTTLE;

/// Linux: SYSCALL_DEFINE5(prctl, int, option, unsigned long, arg2, unsigned long, arg3,
/// unsigned long, arg4, unsigned long, arg5): the options Linux 6.1 on riscv64 has without
/// seccomp or perf; every other option is EINVAL, as Linux answers an option it does not know
/// or was built without (PR_SET_MM and PR_SET_VMA are not implemented).  The capability
/// options (KEEPCAPS, CAPBSET, SECUREBITS, CAP_AMBIENT) are commoncap's, first.
pub fn sys_prctl(option: i32, arg2: usize, arg3: usize, arg4: usize, arg5: usize) -> KResult<usize> {
    use crate::kernel::task::{PF_MCE_EARLY, PF_MCE_PROCESS};
    // Linux: security_task_prctl() first — commoncap's capability options
    // (kernel/capability.rs over credcheck's cap_task_prctl()).
    {
        use credcheck::commoncap::{cap_task_prctl, PrctlOutcome};
        let old = current_cred();
        match cap_task_prctl(&old, option as u32, arg2 as u64, arg3 as u64, arg4 as u64, arg5 as u64) {
            Err(e) => return Err(cc_err(e)),
            Ok(PrctlOutcome::Value(v)) => return Ok(v),
            Ok(PrctlOutcome::Commit(new)) => return commit_creds(old.with(new)),
            Ok(PrctlOutcome::NotMine) => {}
        }
    }
    let cur = current();
    let option = option as u32;
    match option {
        pr::PR_SET_PDEATHSIG => {
            // Linux: valid_signal(arg2): 0..=_NSIG.
            if arg2 > crate::kernel::signal::NSIG as usize {
                return Err(EINVAL);
            }
            cur.pdeath_signal.store(arg2 as i32, Ordering::Relaxed);
            Ok(0)
        }
        pr::PR_GET_PDEATHSIG => {
            UserPtr::<i32>::new(arg2).write(&cur.pdeath_signal.load(Ordering::Relaxed))?;
            Ok(0)
        }
        pr::PR_GET_DUMPABLE => Ok(cur.mm.lock().as_ref().map_or(0, |m| m.get_dumpable()) as usize),
        pr::PR_SET_DUMPABLE => {
            if arg2 != SUID_DUMP_DISABLE as usize && arg2 != SUID_DUMP_USER as usize {
                return Err(EINVAL);
            }
            if let Some(m) = cur.mm.lock().as_ref() {
                m.set_dumpable(arg2 as u32);
            }
            Ok(0)
        }
        // Linux: timing is always statistical (PR_TIMING_TIMESTAMP was never implemented).
        pr::PR_GET_TIMING => Ok(pr::PR_TIMING_STATISTICAL as usize),
        pr::PR_SET_TIMING => {
            if arg2 != pr::PR_TIMING_STATISTICAL as usize {
                return Err(EINVAL);
            }
            Ok(0)
        }
        pr::PR_SET_NAME => {
            let s = UserCStr::new(arg2).read_bytes(16).or_else(|_| {
                let mut b = [0u8; 16];
                UserPtr::<u8>::new(arg2).copy_in(&mut b[..15])?;
                Ok::<_, Errno>(b[..b.iter().position(|&c| c == 0).unwrap_or(15)].to_vec())
            })?;
            let mut c = [0u8; 16];
            let n = s.len().min(15);
            c[..n].copy_from_slice(&s[..n]);
            *cur.comm.lock() = c;
            Ok(0)
        }
        pr::PR_GET_NAME => {
            let c = *cur.comm.lock();
            UserPtr::<[u8; 16]>::new(arg2).write(&c)?;
            Ok(0)
        }
        pr::PR_SET_TIMERSLACK => {
            let v = if arg2 == 0 { cur.default_timer_slack_ns.load(Ordering::Relaxed) } else { arg2 as u64 };
            cur.timer_slack_ns.store(v, Ordering::Relaxed);
            Ok(0)
        }
        pr::PR_GET_TIMERSLACK => Ok(cur.timer_slack_ns.load(Ordering::Relaxed) as usize),
        pr::PR_MCE_KILL => {
            if arg4 | arg5 != 0 {
                return Err(EINVAL);
            }
            match arg2 as u32 {
                pr::PR_MCE_KILL_CLEAR if arg2 <= u32::MAX as usize => {
                    if arg3 != 0 {
                        return Err(EINVAL);
                    }
                    cur.flags.fetch_and(!PF_MCE_PROCESS, Ordering::Relaxed);
                }
                pr::PR_MCE_KILL_SET if arg2 <= u32::MAX as usize => {
                    cur.flags.fetch_or(PF_MCE_PROCESS, Ordering::Relaxed);
                    match arg3 {
                        a if a == pr::PR_MCE_KILL_EARLY as usize => {
                            cur.flags.fetch_or(PF_MCE_EARLY, Ordering::Relaxed);
                        }
                        a if a == pr::PR_MCE_KILL_LATE as usize => {
                            cur.flags.fetch_and(!PF_MCE_EARLY, Ordering::Relaxed);
                        }
                        a if a == pr::PR_MCE_KILL_DEFAULT as usize => {
                            cur.flags.fetch_and(!(PF_MCE_EARLY | PF_MCE_PROCESS), Ordering::Relaxed);
                        }
                        _ => return Err(EINVAL),
                    }
                }
                _ => return Err(EINVAL),
            }
            Ok(0)
        }
        pr::PR_MCE_KILL_GET => {
            if arg2 | arg3 | arg4 | arg5 != 0 {
                return Err(EINVAL);
            }
            let f = cur.flags.load(Ordering::Relaxed);
            Ok(if f & PF_MCE_PROCESS != 0 {
                if f & PF_MCE_EARLY != 0 {
                    pr::PR_MCE_KILL_EARLY
                } else {
                    pr::PR_MCE_KILL_LATE
                }
            } else {
                pr::PR_MCE_KILL_DEFAULT
            } as usize)
        }
        pr::PR_SET_CHILD_SUBREAPER => {
            cur.signal.is_child_subreaper.store(arg2 != 0, Ordering::Relaxed);
            Ok(0)
        }
        pr::PR_GET_CHILD_SUBREAPER => {
            let v = cur.signal.is_child_subreaper.load(Ordering::Relaxed) as i32;
            UserPtr::<i32>::new(arg2).write(&v)?;
            Ok(0)
        }
        // Linux (CONFIG_CHECKPOINT_RESTORE): the clear_child_tid address.
        pr::PR_GET_TID_ADDRESS => {
            UserPtr::<usize>::new(arg2).write(&cur.clear_child_tid.load(Ordering::Relaxed))?;
            Ok(0)
        }
        pr::PR_SET_NO_NEW_PRIVS => {
            if arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(EINVAL);
            }
            cur.no_new_privs.store(true, Ordering::Relaxed);
            Ok(0)
        }
        pr::PR_GET_NO_NEW_PRIVS => {
            if arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(EINVAL);
            }
            Ok(cur.no_new_privs.load(Ordering::Relaxed) as usize)
        }
        pr::PR_SET_THP_DISABLE => {
            if arg3 | arg4 | arg5 != 0 {
                return Err(EINVAL);
            }
            if let Some(m) = cur.mm.lock().as_ref() {
                m.set_thp_disable(arg2 != 0);
            }
            Ok(0)
        }
        pr::PR_GET_THP_DISABLE => {
            if arg2 | arg3 | arg4 | arg5 != 0 {
                return Err(EINVAL);
            }
            Ok(cur.mm.lock().as_ref().is_some_and(|m| m.thp_disabled()) as usize)
        }
        pr::PR_SET_IO_FLUSHER => {
            if !capable(CAP_SYS_RESOURCE) {
                return Err(EPERM);
            }
            if arg3 | arg4 | arg5 != 0 {
                return Err(EINVAL);
            }
            match arg2 {
                1 => cur.flags.fetch_or(PR_IO_FLUSHER, Ordering::Relaxed),
                0 => cur.flags.fetch_and(!PR_IO_FLUSHER, Ordering::Relaxed),
                _ => return Err(EINVAL),
            };
            Ok(0)
        }
        pr::PR_GET_IO_FLUSHER => {
            if !capable(CAP_SYS_RESOURCE) {
                return Err(EPERM);
            }
            if arg2 | arg3 | arg4 | arg5 != 0 {
                return Err(EINVAL);
            }
            Ok((cur.flags.load(Ordering::Relaxed) & PR_IO_FLUSHER == PR_IO_FLUSHER) as usize)
        }
        _ => Err(EINVAL),
    }
}

crate::user_pod! {
    /// Linux: struct tms — utime, stime, cutime, cstime in clock ticks.
    #[derive(Clone, Copy)]
    pub struct Tms {
        t: [i64; 4],
    }
}

/// Linux: USER_HZ — times(2) counts in clock_t ticks of 1/100 s (nsec_to_clock_t()).
const USER_HZ: u64 = 100;
const NSEC_PER_CLOCK_T: u64 = 1_000_000_000 / USER_HZ;

/// Linux: SYSCALL_DEFINE1(times): the CPU times in clock ticks; returns the ticks since boot.
pub fn sys_times(tbuf: Option<UserPtr<Tms>>) -> KResult<usize> {
    let cur = current();
    let to_ticks = |c: u64| (crate::arch::riscv::time::cycles_to_ns(c) / NSEC_PER_CLOCK_T) as i64;
    if let Some(tbuf) = tbuf {
        let t = Tms {
            t: [
                // Linux: thread_group_cputime_adjusted(): the whole process's.
                to_ticks(cur.signal.timers.utime.load(Ordering::Relaxed)),
                to_ticks(cur.signal.timers.stime.load(Ordering::Relaxed)),
                to_ticks(cur.signal.cutime.load(Ordering::Relaxed)),
                to_ticks(cur.signal.cstime.load(Ordering::Relaxed)),
            ],
        };
        tbuf.write(&t)?;
    }
    Ok((crate::kernel::time::uptime_ns() / NSEC_PER_CLOCK_T) as usize)
}

pub const RUSAGE_SELF: i32 = uapi::RUSAGE_SELF as i32;
pub const RUSAGE_CHILDREN: i32 = uapi::RUSAGE_CHILDREN;
pub const RUSAGE_THREAD: i32 = uapi::RUSAGE_THREAD as i32;
/// Linux: RUSAGE_BOTH (kernel-internal: the process and its reaped children, for wait).
pub const RUSAGE_BOTH: i32 = -2;

/// The counts of a struct rusage MenuOS keeps, times in timer cycles.
#[derive(Clone, Copy, Default)]
pub struct RusageSums {
    pub utime: u64,
    pub stime: u64,
    pub minflt: u64,
    pub nvcsw: u64,
    pub nivcsw: u64,
}

impl RusageSums {
    fn of_task(t: &TaskStruct) -> RusageSums {
        RusageSums {
            utime: t.utime.load(Ordering::Relaxed),
            stime: t.stime.load(Ordering::Relaxed),
            minflt: t.min_flt.load(Ordering::Relaxed),
            nvcsw: t.nvcsw.load(Ordering::Relaxed),
            nivcsw: t.nivcsw.load(Ordering::Relaxed),
        }
    }
}

/// Linux: getrusage(p, who, r) in kernel/sys.c: RUSAGE_THREAD is `p` alone; RUSAGE_SELF its
/// whole process (the threads not yet released, plus the released threads' sums and the
/// process's CPU time); RUSAGE_CHILDREN what its reaped children used; RUSAGE_BOTH the two.
pub fn getrusage(p: &TaskStruct, who: i32) -> RusageSums {
    if who == RUSAGE_THREAD {
        return RusageSums::of_task(p);
    }
    let sig = &p.signal;
    let mut r = RusageSums::default();
    if who != RUSAGE_SELF {
        r.utime = sig.cutime.load(Ordering::Relaxed);
        r.stime = sig.cstime.load(Ordering::Relaxed);
        r.minflt = sig.cmin_flt.load(Ordering::Relaxed);
        r.nvcsw = sig.cnvcsw.load(Ordering::Relaxed);
        r.nivcsw = sig.cnivcsw.load(Ordering::Relaxed);
    }
    if who == RUSAGE_CHILDREN {
        return r;
    }
    r.utime += sig.timers.utime.load(Ordering::Relaxed);
    r.stime += sig.timers.stime.load(Ordering::Relaxed);
    r.minflt += sig.min_flt.load(Ordering::Relaxed);
    r.nvcsw += sig.nvcsw.load(Ordering::Relaxed);
    r.nivcsw += sig.nivcsw.load(Ordering::Relaxed);
    // The threads not yet released (Linux: for_each_thread).  Non-leader threads are released
    // as they exit, so when `p` leads a process with no other live thread it is the only one.
    let mut add = |t: &TaskStruct| {
        r.minflt += t.min_flt.load(Ordering::Relaxed);
        r.nvcsw += t.nvcsw.load(Ordering::Relaxed);
        r.nivcsw += t.nivcsw.load(Ordering::Relaxed);
    };
    let live = sig.live.load(Ordering::Relaxed);
    if p.pid() == p.tgid() && (live == 0 || (live == 1 && p.exit_state() == 0)) {
        add(p);
    } else {
        for t in crate::kernel::pid::all_tasks().iter().filter(|t| t.tgid() == p.tgid()) {
            add(t);
        }
    }
    r
}

/// Linux: SYSCALL_DEFINE2(getrusage)
pub fn sys_getrusage(who: i32, ru: UserPtr<crate::kernel::exit::Rusage>) -> KResult<usize> {
    if who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD {
        return Err(EINVAL);
    }
    ru.write(&crate::kernel::exit::Rusage::of(&getrusage(&current(), who)))?;
    Ok(0)
}

/// Linux: getpid(2) is the thread-group id, gettid(2) the thread's own, each as the
/// caller's pid namespace numbers it.
pub fn sys_getpid() -> KResult<usize> {
    Ok(crate::kernel::task::with_current(|c| crate::kernel::pid::current_pid_tgid_vnr(c).1) as usize)
}
pub fn sys_gettid() -> KResult<usize> {
    Ok(crate::kernel::task::with_current(|c| crate::kernel::pid::current_pid_tgid_vnr(c).0) as usize)
}
/// Linux: getppid(2): the real parent's thread-group id in the caller's namespace (0 for the
/// init of a namespace, whose parent is outside it).
pub fn sys_getppid() -> KResult<usize> {
    let cur = current();
    let Some(parent) = cur.parent() else { return Ok(0) };
    if cur.ns_pids.get().is_none() {
        return Ok(parent.tgid() as usize);
    }
    let ns = crate::kernel::pid::task_active_pid_ns(&cur);
    Ok(crate::kernel::pid::task_tgid_nr_ns(&parent, &ns) as usize)
}

// The ids.  Linux: kernel/sys.c — each reads the caller's cred, and shows its ids as its user
// namespace maps them (from_kuid_munged).

/// Linux: getuid(2)
pub fn sys_getuid() -> KResult<usize> {
    Ok(with_current_cred(|c| c.user_ns.from_kuid_munged(c.uid)) as usize)
}
/// Linux: geteuid(2)
pub fn sys_geteuid() -> KResult<usize> {
    Ok(with_current_cred(|c| c.user_ns.from_kuid_munged(c.euid)) as usize)
}
/// Linux: getgid(2)
pub fn sys_getgid() -> KResult<usize> {
    Ok(with_current_cred(|c| c.user_ns.from_kgid_munged(c.gid)) as usize)
}
/// Linux: getegid(2)
pub fn sys_getegid() -> KResult<usize> {
    Ok(with_current_cred(|c| c.user_ns.from_kgid_munged(c.egid)) as usize)
}
/// Linux: getresuid(2): real, effective, saved — written in that order, stopping at a fault.
pub fn sys_getresuid(ruidp: UserPtr<u32>, euidp: UserPtr<u32>, suidp: UserPtr<u32>) -> KResult<usize> {
    let c = current_cred();
    let ns = &c.user_ns;
    ruidp.write(&ns.from_kuid_munged(c.uid))?;
    euidp.write(&ns.from_kuid_munged(c.euid))?;
    suidp.write(&ns.from_kuid_munged(c.suid))?;
    Ok(0)
}
/// Linux: getresgid(2)
pub fn sys_getresgid(rgidp: UserPtr<u32>, egidp: UserPtr<u32>, sgidp: UserPtr<u32>) -> KResult<usize> {
    let c = current_cred();
    let ns = &c.user_ns;
    rgidp.write(&ns.from_kgid_munged(c.gid))?;
    egidp.write(&ns.from_kgid_munged(c.egid))?;
    sgidp.write(&ns.from_kgid_munged(c.sgid))?;
    Ok(0)
}

fn cc_err(e: credcheck::Errno) -> Errno {
    Errno(e as i32)
}

/// A uid argument: None for -1 ("unchanged"), else its kernel id (INVALID_ID when the
/// caller's namespace does not map it: the rules answer EINVAL).
fn kuid_arg(c: &Cred, uid: u32) -> Option<u32> {
    (uid != u32::MAX).then(|| c.user_ns.make_kuid(uid))
}
fn kgid_arg(c: &Cred, gid: u32) -> Option<u32> {
    (gid != u32::MAX).then(|| c.user_ns.make_kgid(gid))
}

/// Linux: flag_nproc_exceeded() — a set*uid to a user already at RLIMIT_NPROC succeeds, but
/// marks the task so that its next execve fails with EAGAIN (unless the user is root, or by
/// then under the limit).
fn flag_nproc_exceeded(old: &Cred, new: &Cred) {
    if new.uid == old.uid && Arc::ptr_eq(&new.user_ns, &old.user_ns) {
        return;
    }
    let cur = current();
    let ucounts = alloc_ucounts(&new.user_ns, new.uid);
    let limit = cur.signal.rlimit(crate::kernel::signal::RLIMIT_NPROC);
    // (Linux compares the count before commit_creds() moves this task to it)
    if ucounts.is_rlimit_overlimit(RlimitType::Nproc, limit) && new.uid != GLOBAL_ROOT_UID {
        cur.flags.fetch_or(PF_NPROC_EXCEEDED, Ordering::Relaxed);
    } else {
        cur.flags.fetch_and(!PF_NPROC_EXCEEDED, Ordering::Relaxed);
    }
}

/// Commits what a set*uid rule computed (Linux: set_user(), flag_nproc_exceeded(),
/// commit_creds()).
fn commit_setuid(old: Cred, r: Result<credcheck::Cred, credcheck::Errno>) -> KResult<usize> {
    let new = old.with(r.map_err(cc_err)?);
    flag_nproc_exceeded(&old, &new);
    commit_creds(new)
}

/// Linux: SYSCALL_DEFINE1(setuid)
pub fn sys_setuid(uid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let kuid = old.user_ns.make_kuid(uid);
    let r = setid::setuid(&old, kuid, old.root_uid());
    commit_setuid(old, r)
}
/// Linux: SYSCALL_DEFINE2(setreuid)
pub fn sys_setreuid(ruid: u32, euid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let r = setid::setreuid(&old, kuid_arg(&old, ruid), kuid_arg(&old, euid), old.root_uid());
    commit_setuid(old, r)
}
/// Linux: SYSCALL_DEFINE3(setresuid)
pub fn sys_setresuid(ruid: u32, euid: u32, suid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let r = setid::setresuid(&old, kuid_arg(&old, ruid), kuid_arg(&old, euid), kuid_arg(&old, suid), old.root_uid());
    commit_setuid(old, r)
}
/// Linux: SYSCALL_DEFINE1(setgid)
pub fn sys_setgid(gid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let kgid = old.user_ns.make_kgid(gid);
    let new = old.with(setid::setgid(&old, kgid).map_err(cc_err)?);
    commit_creds(new)
}
/// Linux: SYSCALL_DEFINE2(setregid)
pub fn sys_setregid(rgid: u32, egid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let new = old.with(setid::setregid(&old, kgid_arg(&old, rgid), kgid_arg(&old, egid)).map_err(cc_err)?);
    commit_creds(new)
}
/// Linux: SYSCALL_DEFINE3(setresgid)
pub fn sys_setresgid(rgid: u32, egid: u32, sgid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let r = setid::setresgid(&old, kgid_arg(&old, rgid), kgid_arg(&old, egid), kgid_arg(&old, sgid));
    commit_creds(old.with(r.map_err(cc_err)?))
}
/// Linux: SYSCALL_DEFINE1(setfsuid): returns the previous fsuid whether or not it changed.
pub fn sys_setfsuid(uid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let (prev, new) = setid::setfsuid(&old, old.user_ns.make_kuid(uid), old.root_uid());
    if let Some(n) = new {
        commit_creds(old.with(n))?;
    }
    Ok(old.user_ns.from_kuid_munged(prev) as usize)
}
/// Linux: SYSCALL_DEFINE1(setfsgid)
pub fn sys_setfsgid(gid: u32) -> KResult<usize> {
    let old = prepare_creds();
    let (prev, new) = setid::setfsgid(&old, old.user_ns.make_kgid(gid));
    if let Some(n) = new {
        commit_creds(old.with(n))?;
    }
    Ok(old.user_ns.from_kgid_munged(prev) as usize)
}
const PRIO_PROCESS: i32 = uapi::PRIO_PROCESS as i32;
const PRIO_PGRP: i32 = uapi::PRIO_PGRP as i32;
const PRIO_USER: i32 = uapi::PRIO_USER as i32;

/// Linux: the tasks setpriority/getpriority's (which, who) names: PRIO_PROCESS a thread (0:
/// the caller), PRIO_PGRP every thread of a process group (0: the caller's), PRIO_USER every
/// task whose real uid is the user (0: the caller's; the uid as the caller's user namespace
/// maps it), the idle task excepted.
fn prio_targets(which: i32, who: i32) -> Vec<crate::kernel::task::Task> {
    use crate::kernel::pid::{all_tasks, find_task_by_vpid};
    match which {
        PRIO_PROCESS => {
            if who == 0 {
                alloc::vec![current()]
            } else {
                find_task_by_vpid(who).into_iter().collect()
            }
        }
        PRIO_PGRP => {
            let pgrp = if who == 0 {
                current().signal.pgrp.load(Ordering::Relaxed)
            } else {
                crate::kernel::pid::vnr_to_global(who).unwrap_or(i32::MIN)
            };
            all_tasks().into_iter().filter(|t| t.signal.pgrp.load(Ordering::Relaxed) == pgrp).collect()
        }
        _ => {
            let uid = with_current_cred(|c| if who == 0 { c.uid } else { c.user_ns.make_kuid(who as u32) });
            all_tasks().into_iter().filter(|t| t.pid() != 0 && task_cred(t).uid == uid).collect()
        }
    }
}

/// Linux: SYSCALL_DEFINE3(setpriority, int, which, int, who, int, niceval): nice clamped to
/// -20..19 for every task named; ESRCH when none is.
pub fn sys_setpriority(which: i32, who: i32, niceval: i32) -> KResult<usize> {
    use crate::kernel::sched::prio::{MAX_NICE, MIN_NICE};
    use crate::kernel::sched::syscalls::{can_nice, set_one_prio_perm, set_user_nice};
    if !(PRIO_PROCESS..=PRIO_USER).contains(&which) {
        return Err(EINVAL);
    }
    let niceval = niceval.clamp(MIN_NICE, MAX_NICE);
    let mut error = Err(ESRCH);
    for p in prio_targets(which, who) {
        // Linux: set_one_prio().
        if !set_one_prio_perm(&p) {
            error = Err(EPERM);
            continue;
        }
        if niceval < p.se.nice() && !can_nice(&p, niceval) {
            error = Err(EACCES);
            continue;
        }
        if error == Err(ESRCH) {
            error = Ok(0);
        }
        set_user_nice(&p, niceval);
    }
    error
}

/// Linux: SYSCALL_DEFINE2(getpriority, int, which, int, who): the best (lowest) nice of the
/// tasks named, as 20 - nice (nice_to_rlimit: 1..40, so no value looks like an error).
pub fn sys_getpriority(which: i32, who: i32) -> KResult<usize> {
    if !(PRIO_PROCESS..=PRIO_USER).contains(&which) {
        return Err(EINVAL);
    }
    prio_targets(which, who)
        .iter()
        .map(|p| (crate::kernel::sched::prio::MAX_NICE - p.se.nice() + 1) as usize)
        .max()
        .ok_or(ESRCH)
}

/// Linux: SYSCALL_DEFINE3(getcpu, unsigned __user *, cpup, unsigned __user *, nodep, struct
/// getcpu_cache __user *, unused): CPU 0, node 0 (each written when asked for; EFAULT if a
/// write failed).
pub fn sys_getcpu(cpup: Option<UserPtr<u32>>, nodep: Option<UserPtr<u32>>, _unused: usize) -> KResult<usize> {
    let mut err = false;
    if let Some(c) = cpup {
        err |= c.write(&0).is_err();
    }
    if let Some(n) = nodep {
        err |= n.write(&0).is_err();
    }
    if err {
        Err(EFAULT)
    } else {
        Ok(0)
    }
}
