//! Miscellaneous syscalls.  Linux: kernel/sys.c (uname, getpid..., prlimit64, setpgid,
//! setsid, sysinfo, prctl), kernel/reboot.c, drivers/char/random.c (getrandom),
//! kernel/printk/printk.c (syslog).

use crate::errno::*;
use crate::kernel::signal::RLIM_INFINITY;
use crate::kernel::task::current;
use crate::mm::uaccess::{UserCStr, UserPtr};
use core::sync::atomic::{AtomicU64, Ordering};

pub const UTS_RELEASE: &str = "6.1.0-menuos";
pub const UTS_VERSION: &str = "#1 SMP MenuOS";

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    f[..s.len()].copy_from_slice(s.as_bytes());
    f
}

pub fn sys_uname(name: UserPtr<[u8; 65 * 6]>) -> KResult<usize> {
    let mut u = [0u8; 65 * 6];
    for (i, s) in ["Linux", "(none)", UTS_RELEASE, UTS_VERSION, "riscv64", "(none)"].iter().enumerate() {
        u[i * 65..(i + 1) * 65].copy_from_slice(&field(s));
    }
    name.write(&u)?;
    Ok(0)
}

/// xorshift-based generator seeded from the timer; good enough for AT_RANDOM and
/// getrandom() in a teaching kernel (not cryptographic).
static RNG: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

pub fn get_random_bytes(buf: &mut [u8]) {
    let mut x = RNG.load(Ordering::Relaxed) ^ crate::arch::riscv::time::get_cycles().rotate_left(17);
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
    RNG.store(x, Ordering::Relaxed);
}

pub fn sys_getrandom(ubuf: UserPtr<u8>, len: usize, flags: u32) -> KResult<usize> {
    if flags & !7 != 0 {
        return Err(EINVAL);
    }
    if (flags & 4 != 0) && (flags & 2 != 0) {
        // GRND_INSECURE | GRND_RANDOM
        return Err(EINVAL);
    }
    let n = len.min(33554431);
    let mut k = alloc::vec![0u8; n.min(1 << 16)];
    let mut done = 0;
    while done < n {
        let c = (n - done).min(k.len());
        get_random_bytes(&mut k[..c]);
        ubuf.byte_add(done).copy_out(&k[..c])?;
        done += c;
    }
    Ok(n)
}

pub fn sys_prlimit64(
    pid: i32,
    resource: u32,
    new_rlim: Option<UserPtr<[u64; 2]>>,
    old_rlim: Option<UserPtr<[u64; 2]>>,
) -> KResult<usize> {
    let resource = resource as usize;
    if resource >= 16 {
        return Err(EINVAL);
    }
    let t = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)? };
    let newv = new_rlim.map(|p| p.read()).transpose()?;
    if let Some(n) = newv {
        if n[0] > n[1] {
            return Err(EINVAL);
        }
    }
    let mut r = t.signal.rlimits.lock();
    let oldv = r[resource];
    if let Some(n) = newv {
        if resource == crate::kernel::signal::RLIMIT_NOFILE && n[1] != RLIM_INFINITY && n[1] > 1024 * 1024 {
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
    let t = if pid == 0 { cur.clone() } else { crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)? };
    if pgid < 0 {
        return Err(EINVAL);
    }
    if !alloc::sync::Arc::ptr_eq(&t, &cur) && t.ppid() != cur.tgid() {
        return Err(ESRCH);
    }
    let g = if pgid == 0 { t.tgid() } else { pgid };
    t.signal.pgrp.store(g, Ordering::Relaxed);
    Ok(0)
}

pub fn sys_getpgid(pid: i32) -> KResult<usize> {
    let t = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)? };
    Ok(t.signal.pgrp.load(Ordering::Relaxed) as usize)
}

pub fn sys_getsid(pid: i32) -> KResult<usize> {
    let t = if pid == 0 { current() } else { crate::kernel::pid::find_task_by_pid(pid).ok_or(ESRCH)? };
    Ok(t.signal.session.load(Ordering::Relaxed) as usize)
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
    Ok(pid as usize)
}

crate::user_pod! {
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
        totalram: (crate::mm::page_alloc::nr_total_pages() * 4096) as u64,
        freeram: (crate::mm::page_alloc::nr_free_pages() * 4096) as u64,
        procs: crate::kernel::pid::nr_tasks() as u16,
        mem_unit: 1,
        ..Default::default()
    };
    info.write(&s)?;
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(reboot) in kernel/reboot.c
pub fn sys_reboot(magic1: i32, magic2: i32, cmd: u32, _arg: UserPtr<u8>) -> KResult<usize> {
    if magic1 as u32 != 0xfee1dead || ![672274793u32, 85072278, 369367448, 537993216].contains(&(magic2 as u32)) {
        return Err(EINVAL);
    }
    match cmd {
        0x4321FEDC => {
            // LINUX_REBOOT_CMD_POWER_OFF
            crate::pr_notice!("reboot: Power down");
            crate::arch::riscv::sbi::shutdown(None);
        }
        0xCDEF0123 => {
            crate::pr_notice!("reboot: System halted");
            crate::arch::riscv::sbi::shutdown(None);
        }
        0x01234567 | 0xA1B2C3D4 => {
            crate::pr_notice!("reboot: Restarting system");
            sbi_rt::system_reset(sbi_rt::ColdReboot, sbi_rt::NoReason);
            crate::arch::riscv::sbi::shutdown(None);
        }
        0x89ABCDEF | 0 => Ok(0), // CAD_ON / CAD_OFF
        _ => Err(EINVAL),
    }
}

/// Linux: do_syslog(): READ_ALL (3), SIZE_BUFFER (10), CONSOLE_LEVEL (8)...
pub fn sys_syslog(ty: i32, buf: UserPtr<u8>, len: i32) -> KResult<usize> {
    match ty {
        0 | 1 => Ok(0),
        2 | 3 | 4 => {
            if len < 0 {
                return Err(EINVAL);
            }
            if len == 0 {
                return Ok(0);
            }
            let mut v = alloc::vec::Vec::new();
            crate::kernel::printk::read_all(&mut v);
            let start = v.len().saturating_sub(len as usize);
            buf.copy_out(&v[start..])?;
            Ok(v.len() - start)
        }
        5 => Ok(0),
        6 | 7 => Ok(0),
        8 => {
            if !(1..=8).contains(&len) {
                return Err(EINVAL);
            }
            crate::kernel::printk::CONSOLE_LOGLEVEL.store(len.max(1) as usize, Ordering::Relaxed);
            Ok(0)
        }
        9 => Ok(0),
        10 => Ok(crate::kernel::printk::LOG_BUF_LEN),
        _ => Err(EINVAL),
    }
}

/// Linux: prctl(): PR_SET_NAME/PR_GET_NAME, PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG...
pub fn sys_prctl(option: i32, arg2: usize, _arg3: usize, _arg4: usize, _arg5: usize) -> KResult<usize> {
    let cur = current();
    match option {
        15 => {
            // PR_SET_NAME
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
        16 => {
            let c = *cur.comm.lock();
            UserPtr::<[u8; 16]>::new(arg2).write(&c)?;
            Ok(0)
        }
        36 => {
            cur.signal.is_child_subreaper.store(arg2 != 0, Ordering::Relaxed);
            Ok(0)
        }
        37 => {
            let v = cur.signal.is_child_subreaper.load(Ordering::Relaxed) as i32;
            UserPtr::<i32>::new(arg2).write(&v)?;
            Ok(0)
        }
        1 => {
            // PR_SET_PDEATHSIG
            if arg2 > 64 {
                return Err(EINVAL);
            }
            cur.pdeath_signal.store(arg2 as i32, Ordering::Relaxed);
            Ok(0)
        }
        2 => {
            UserPtr::<i32>::new(arg2).write(&cur.pdeath_signal.load(Ordering::Relaxed))?;
            Ok(0)
        }
        3 => Ok(1),       // PR_GET_DUMPABLE
        4 => Ok(0),       // PR_SET_DUMPABLE
        38 | 39 => Ok(0), // NO_NEW_PRIVS
        _ => Err(EINVAL),
    }
}

crate::user_pod! {
    #[derive(Clone, Copy)]
    pub struct Tms {
        t: [i64; 4],
    }
}

pub fn sys_times(tbuf: Option<UserPtr<Tms>>) -> KResult<usize> {
    let cur = current();
    let to_ticks = |c: u64| (crate::arch::riscv::time::cycles_to_ns(c) / 10_000_000) as i64;
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
    Ok((crate::kernel::time::uptime_ns() / 10_000_000) as usize)
}

pub fn sys_getrusage(who: i32, ru: UserPtr<crate::kernel::exit::Rusage>) -> KResult<usize> {
    if who != 0 && who != -1 && who != 1 {
        return Err(EINVAL);
    }
    let cur = current();
    let u = if who == -1 {
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

crate::user_pod! {
    /// ITIMER_REAL per process (Linux: signal->real_timer): (expiry in cycles, interval cycles).
    #[derive(Clone, Copy, Default)]
    pub struct Itimerval {
        interval: [i64; 2],
        value: [i64; 2],
    }
}

fn tv_to_cycles(tv: [i64; 2]) -> KResult<u64> {
    if tv[0] < 0 || !(0..1_000_000).contains(&tv[1]) {
        return Err(EINVAL);
    }
    Ok(crate::arch::riscv::time::ns_to_cycles(tv[0] as u64 * 1_000_000_000 + tv[1] as u64 * 1000))
}
fn cycles_to_tv(c: u64) -> [i64; 2] {
    let us = crate::arch::riscv::time::cycles_to_ns(c).div_ceil(1000);
    [(us / 1_000_000) as i64, (us % 1_000_000) as i64]
}

fn itimer_get(t: &crate::kernel::task::TaskStruct) -> Itimerval {
    let (exp, iv) = *t.signal.itimer_real.lock();
    let now = crate::arch::riscv::time::get_cycles();
    let left = if exp == 0 { 0 } else { exp.saturating_sub(now).max(1) };
    Itimerval { interval: cycles_to_tv(iv), value: cycles_to_tv(left) }
}

pub fn sys_getitimer(which: i32, value: UserPtr<Itimerval>) -> KResult<usize> {
    if which != 0 {
        return if (0..=2).contains(&which) { value.write(&Itimerval::default()).map(|_| 0) } else { Err(EINVAL) };
    }
    value.write(&itimer_get(&current()))?;
    Ok(0)
}

/// Linux: do_setitimer(ITIMER_REAL): SIGALRM at expiry (alarm(2) in glibc is this).
pub fn sys_setitimer(
    which: i32,
    value: Option<UserPtr<Itimerval>>,
    ovalue: Option<UserPtr<Itimerval>>,
) -> KResult<usize> {
    if !(0..=2).contains(&which) {
        return Err(EINVAL);
    }
    let cur = current();
    let nv = value.map(|v| v.read()).transpose()?;
    if which != 0 {
        if let Some(o) = ovalue {
            o.write(&Itimerval::default())?;
        }
        return Ok(0);
    }
    let oldv = itimer_get(&cur);
    if let Some(n) = nv {
        let val = tv_to_cycles(n.value)?;
        let iv = tv_to_cycles(n.interval)?;
        let exp = if val == 0 { 0 } else { crate::arch::riscv::time::get_cycles() + val };
        *cur.signal.itimer_real.lock() = (exp, iv);
        if exp != 0 {
            crate::kernel::time::add_alarm(&cur, exp);
        }
    }
    if let Some(o) = ovalue {
        o.write(&oldv)?;
    }
    Ok(0)
}

/// Linux: getpid(2) is the thread-group id, gettid(2) the thread's own.
pub fn sys_getpid() -> KResult<usize> {
    Ok(crate::kernel::task::with_current(|c| c.tgid()) as usize)
}
pub fn sys_gettid() -> KResult<usize> {
    Ok(crate::kernel::task::with_current(|c| c.pid()) as usize)
}
/// Linux: getppid(2): the real parent's thread-group id.
pub fn sys_getppid() -> KResult<usize> {
    Ok(current().ppid() as usize)
}

// The ids: every process is root until struct cred exists.
pub fn sys_getuid() -> KResult<usize> {
    Ok(0)
}
pub fn sys_geteuid() -> KResult<usize> {
    Ok(0)
}
pub fn sys_getgid() -> KResult<usize> {
    Ok(0)
}
pub fn sys_getegid() -> KResult<usize> {
    Ok(0)
}
pub fn sys_getresuid(ruid: UserPtr<u32>, euid: UserPtr<u32>, suid: UserPtr<u32>) -> KResult<usize> {
    for p in [ruid, euid, suid] {
        p.write(&0)?;
    }
    Ok(0)
}
pub fn sys_getresgid(rgid: UserPtr<u32>, egid: UserPtr<u32>, sgid: UserPtr<u32>) -> KResult<usize> {
    for p in [rgid, egid, sgid] {
        p.write(&0)?;
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
pub fn sys_getgroups(_gidsetsize: i32, _grouplist: UserPtr<u32>) -> KResult<usize> {
    Ok(0)
}
pub fn sys_setgroups(_gidsetsize: i32, _grouplist: UserPtr<u32>) -> KResult<usize> {
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
