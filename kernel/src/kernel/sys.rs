//! The process-wide odds and ends of the syscall table: uname, the pid and id calls,
//! resource limits, process groups and sessions, umask, sysinfo, prctl, times, getrusage,
//! get/setpriority.  Linux: kernel/sys.c.
//!
//! Elsewhere, as in Linux: reboot is kernel/reboot.rs, syslog kernel/printk.rs,
//! getitimer/setitimer kernel/time/itimer.rs, getgroups/setgroups kernel/groups.rs.

use crate::errno::*;
use crate::kernel::signal::{RLIMIT_NOFILE, RLIM_INFINITY, RLIM_NLIMITS};
use crate::kernel::task::current;
use crate::mm::uaccess::{UserCStr, UserPtr};
use core::sync::atomic::Ordering;
use linux_raw_sys::general as uapi;

use super::utsname::{NewUtsname, UtsField, NEW_UTS_LEN};
pub use super::utsname::{UTS_RELEASE, UTS_VERSION};

/// Linux: SYSCALL_DEFINE1(newuname): the names of the caller's UTS namespace.
pub fn sys_uname(name: UserPtr<NewUtsname>) -> KResult<usize> {
    let u = super::utsname::utsname();
    name.write(&u)?;
    Ok(0)
}

/// Linux: sethostname(2) / setdomainname(2): EPERM without CAP_SYS_ADMIN over the UTS
/// namespace, EINVAL for a length outside [0, __NEW_UTS_LEN], EFAULT for the name.
fn set_uts(f: UtsField, name: UserPtr<u8>, len: i32) -> KResult<usize> {
    let ns = super::utsname::current_uts_ns();
    if !super::user_namespace::ns_capable(&ns.user_ns, super::user_namespace::CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    if len < 0 || len as usize > NEW_UTS_LEN {
        return Err(EINVAL);
    }
    let mut buf = alloc::vec![0u8; len as usize];
    name.copy_in(&mut buf)?;
    super::utsname::set_uts_field(f, &buf)?;
    Ok(0)
}

pub fn sys_sethostname(name: UserPtr<u8>, len: i32) -> KResult<usize> {
    set_uts(UtsField::Nodename, name, len)
}

pub fn sys_setdomainname(name: UserPtr<u8>, len: i32) -> KResult<usize> {
    set_uts(UtsField::Domainname, name, len)
}

/// Linux: sysctl_nr_open (fs/file.c): the largest RLIMIT_NOFILE hard limit.
const NR_OPEN: u64 = 1024 * 1024;

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
    let mut r = t.signal.rlimits.lock();
    let oldv = r[resource];
    if let Some(n) = newv {
        if resource == RLIMIT_NOFILE && n[1] != RLIM_INFINITY && n[1] > NR_OPEN {
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

pub fn sys_setsid() -> KResult<usize> {
    let cur = current();
    let pid = cur.tgid();
    // EPERM when already a process-group leader.
    if cur.signal.pgrp.load(Ordering::Relaxed) == pid {
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

pub fn sys_sysinfo(info: UserPtr<Sysinfo>) -> KResult<usize> {
    let s = Sysinfo {
        uptime: (crate::kernel::time::uptime_ns() / 1_000_000_000) as i64,
        totalram: (crate::mm::page_alloc::nr_total_pages() * crate::mm::PAGE_SIZE) as u64,
        freeram: (crate::mm::page_alloc::nr_free_pages() * crate::mm::PAGE_SIZE) as u64,
        procs: crate::kernel::pid::nr_tasks() as u16,
        mem_unit: 1,
        ..Default::default()
    };
    info.write(&s)?;
    Ok(0)
}

// prctl(2) options.  Linux: include/uapi/linux/prctl.h.
const PR_SET_PDEATHSIG: i32 = 1;
const PR_GET_PDEATHSIG: i32 = 2;
const PR_GET_DUMPABLE: i32 = 3;
const PR_SET_DUMPABLE: i32 = 4;
const PR_SET_NAME: i32 = 15;
const PR_GET_NAME: i32 = 16;
const PR_SET_CHILD_SUBREAPER: i32 = 36;
const PR_GET_CHILD_SUBREAPER: i32 = 37;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const PR_GET_NO_NEW_PRIVS: i32 = 39;

/// Linux: prctl(): PR_SET_NAME/PR_GET_NAME, PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG...
pub fn sys_prctl(option: i32, arg2: usize, _arg3: usize, _arg4: usize, _arg5: usize) -> KResult<usize> {
    let cur = current();
    match option {
        PR_SET_NAME => {
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
        PR_GET_NAME => {
            let c = *cur.comm.lock();
            UserPtr::<[u8; 16]>::new(arg2).write(&c)?;
            Ok(0)
        }
        PR_SET_CHILD_SUBREAPER => {
            cur.signal.is_child_subreaper.store(arg2 != 0, Ordering::Relaxed);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            let v = cur.signal.is_child_subreaper.load(Ordering::Relaxed) as i32;
            UserPtr::<i32>::new(arg2).write(&v)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            if arg2 > crate::kernel::signal::NSIG as usize {
                return Err(EINVAL);
            }
            cur.pdeath_signal.store(arg2 as i32, Ordering::Relaxed);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            UserPtr::<i32>::new(arg2).write(&cur.pdeath_signal.load(Ordering::Relaxed))?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(1),
        PR_SET_DUMPABLE => Ok(0),
        PR_SET_NO_NEW_PRIVS | PR_GET_NO_NEW_PRIVS => Ok(0),
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
                to_ticks(cur.utime.load(Ordering::Relaxed)),
                to_ticks(cur.stime.load(Ordering::Relaxed)),
                to_ticks(cur.signal.cutime.load(Ordering::Relaxed)),
                to_ticks(cur.signal.cstime.load(Ordering::Relaxed)),
            ],
        };
        tbuf.write(&t)?;
    }
    Ok((crate::kernel::time::uptime_ns() / NSEC_PER_CLOCK_T) as usize)
}

const RUSAGE_SELF: i32 = uapi::RUSAGE_SELF as i32;
const RUSAGE_CHILDREN: i32 = uapi::RUSAGE_CHILDREN;
const RUSAGE_THREAD: i32 = uapi::RUSAGE_THREAD as i32;

/// Linux: SYSCALL_DEFINE2(getrusage): RUSAGE_THREAD reads as RUSAGE_SELF (one thread's
/// counters either way).
pub fn sys_getrusage(who: i32, ru: UserPtr<crate::kernel::exit::Rusage>) -> KResult<usize> {
    if who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD {
        return Err(EINVAL);
    }
    let cur = current();
    let u = if who == RUSAGE_CHILDREN {
        // RUSAGE_CHILDREN: what reaped children used (Linux: signal->cutime, cstime)
        crate::kernel::exit::Rusage::of(
            cur.signal.cutime.load(Ordering::Relaxed),
            cur.signal.cstime.load(Ordering::Relaxed),
            0,
            0,
            0,
        )
    } else {
        crate::kernel::exit::Rusage::of(
            cur.utime.load(Ordering::Relaxed),
            cur.stime.load(Ordering::Relaxed),
            cur.min_flt.load(Ordering::Relaxed),
            cur.nvcsw.load(Ordering::Relaxed),
            cur.nivcsw.load(Ordering::Relaxed),
        )
    };
    ru.write(&u)?;
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

// The ids: every process is root (kernel uid and gid 0) until struct cred exists; the caller's
// user namespace names them (Linux: from_kuid_munged(current_user_ns(), ...): 65534 when
// unmapped).
fn uid_vnr() -> u32 {
    super::user_namespace::from_kuid_munged(&super::user_namespace::current_user_ns(), 0)
}
fn gid_vnr() -> u32 {
    super::user_namespace::from_kgid_munged(&super::user_namespace::current_user_ns(), 0)
}
pub fn sys_getuid() -> KResult<usize> {
    Ok(uid_vnr() as usize)
}
pub fn sys_geteuid() -> KResult<usize> {
    Ok(uid_vnr() as usize)
}
pub fn sys_getgid() -> KResult<usize> {
    Ok(gid_vnr() as usize)
}
pub fn sys_getegid() -> KResult<usize> {
    Ok(gid_vnr() as usize)
}
pub fn sys_getresuid(ruid: UserPtr<u32>, euid: UserPtr<u32>, suid: UserPtr<u32>) -> KResult<usize> {
    let u = uid_vnr();
    for p in [ruid, euid, suid] {
        p.write(&u)?;
    }
    Ok(0)
}
pub fn sys_getresgid(rgid: UserPtr<u32>, egid: UserPtr<u32>, sgid: UserPtr<u32>) -> KResult<usize> {
    let g = gid_vnr();
    for p in [rgid, egid, sgid] {
        p.write(&g)?;
    }
    Ok(0)
}
/// Not yet: the set*id calls claim success without changing anything (no struct cred).
pub fn sys_setuid(_uid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setgid(_gid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setreuid(_ruid: u32, _euid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setregid(_rgid: u32, _egid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setresuid(_ruid: u32, _euid: u32, _suid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setresgid(_rgid: u32, _egid: u32, _sgid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setfsuid(_uid: u32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setfsgid(_gid: u32) -> KResult<usize> {
    Ok(0)
}
/// Not yet: nice values are not kept (setpriority claims success; getpriority reports nice 0,
/// as Linux's biased 20 - nice).
pub fn sys_setpriority(_which: i32, _who: i32, _niceval: i32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_getpriority(_which: i32, _who: i32) -> KResult<usize> {
    Ok(20)
}
