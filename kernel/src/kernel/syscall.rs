//! The syscall table.  Linux: arch/riscv/kernel/syscall_table.c over
//! include/uapi/asm-generic/unistd.h — a7 is the number, a0-a5 the arguments, the result
//! (or -errno) goes back in a0.  Anything not here returns -ENOSYS and is logged once.

use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::fs::syscalls as fs;
use crate::kernel::task::current;
use crate::mm::syscalls as mm;
use core::sync::atomic::{AtomicU64, Ordering};

static ENOSYS_SEEN: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

fn enosys(nr: usize) -> KResult<usize> {
    if nr < 512 {
        let bit = 1u64 << (nr % 64);
        if ENOSYS_SEEN[nr / 64].fetch_or(bit, Ordering::Relaxed) & bit == 0 {
            crate::pr_warn!(
                "{}[{}]: syscall {} ({}) not implemented: -ENOSYS",
                current().comm_string(),
                current().pid(),
                nr,
                super::syscall_names::syscall_name(nr)
            );
        }
    }
    Err(ENOSYS)
}

/// Linux: do_trap_ecall_u() -> syscall_handler()
#[no_mangle]
pub fn do_syscall(regs: &mut PtRegs) -> usize {
    match do_syscall_inner(regs) {
        Ok(v) => v,
        Err(e) => e.as_ret(),
    }
}

fn do_syscall_inner(regs: &mut PtRegs) -> KResult<usize> {
    let nr = regs.a7;
    let (a0, a1, a2, a3, a4, a5) = (regs.a0, regs.a1, regs.a2, regs.a3, regs.a4, regs.a5);
    let i = |x: usize| x as isize;
    let r: KResult<usize> = match nr {
        17 => fs::sys_getcwd(a0, a1),
        23 => fs::sys_dup(a0),
        24 => fs::sys_dup3(a0, a1, a2),
        25 => fs::sys_fcntl(a0, a1, a2),
        29 => fs::sys_ioctl(a0, a1, a2),
        33 => Err(EPERM), // mknodat
        34 => fs::sys_mkdirat(i(a0), a1, a2),
        35 => fs::sys_unlinkat(i(a0), a1, a2),
        36 => fs::sys_symlinkat(a0, i(a1), a2),
        37 => fs::sys_linkat(i(a0), a1, i(a2), a3, a4),
        38 => fs::sys_renameat2(i(a0), a1, i(a2), a3, 0),
        46 => fs::sys_ftruncate(a0, a1),
        48 => fs::sys_faccessat(i(a0), a1, a2, 0),
        49 => fs::sys_chdir(a0),
        50 => fs::sys_fchdir(a0),
        51 => fs::sys_chroot(a0),
        52 => fs::sys_fchmod(a0, a1),
        53 => fs::sys_fchmodat(i(a0), a1, a2),
        54 | 55 => Ok(0), // fchownat, fchown: root owns everything
        56 => fs::sys_openat(i(a0), a1, a2, a3),
        57 => fs::sys_close(a0),
        59 => fs::sys_pipe2(a0, a1),
        61 => fs::sys_getdents64(a0, a1, a2),
        62 => fs::sys_lseek(a0, i(a1), a2),
        63 => fs::sys_read(a0, a1, a2),
        64 => fs::sys_write(a0, a1, a2),
        65 => fs::sys_readv(a0, a1, a2),
        66 => fs::sys_writev(a0, a1, a2),
        67 => fs::sys_pread64(a0, a1, a2, a3),
        68 => fs::sys_pwrite64(a0, a1, a2, a3),
        71 => fs::sys_sendfile(a0, a1, a2, a3),
        73 => fs::sys_ppoll(a0, a1, a2, a3, a4),
        78 => fs::sys_readlinkat(i(a0), a1, a2, a3),
        79 => fs::sys_newfstatat(i(a0), a1, a2, a3),
        80 => fs::sys_fstat(a0, a1),
        81 | 82 | 83 => Ok(0), // sync, fsync, fdatasync
        88 => Ok(0),           // utimensat
        93 => super::exit::sys_exit(a0),
        94 => super::exit::sys_exit_group(a0),
        95 => super::exit::sys_waitid(a0, a1, a2, a3, a4),
        96 => {
            // set_tid_address
            let c = current();
            c.clear_child_tid.store(a0, Ordering::Relaxed);
            Ok(c.pid() as usize)
        }
        98 => super::futex::sys_futex(a0, a1, a2, a3, a4, a5),
        99 => Ok(0), // set_robust_list
        101 => super::time::sys_nanosleep(a0, a1),
        102 => super::sys::sys_getitimer(a0, a1),
        103 => super::sys::sys_setitimer(a0, a1, a2),
        113 => super::time::sys_clock_gettime(a0, a1),
        114 => super::time::sys_clock_getres(a0, a1),
        115 => super::time::sys_clock_nanosleep(a0, a1, a2, a3),
        116 => super::sys::sys_syslog(a0, a1, a2),
        122 => Ok(0), // sched_setaffinity: one CPU
        123 => {
            // sched_getaffinity: CPU 0 only; the size written is the kernel's cpumask (8 bytes)
            if a1 < 8 {
                return Err(EINVAL);
            }
            crate::mm::uaccess::write_user(a2, &1u64).map(|_| 8)
        }
        118..=121 | 125..=128 => Ok(0), // sched_{setparam,setscheduler,getscheduler,getparam,..}
        124 => {
            super::sched::yield_now();
            Ok(0)
        }
        129 => super::signal::sys_kill(i(a0), a1),
        130 => super::signal::sys_tkill(i(a0), a1),
        131 => super::signal::sys_tgkill(i(a0), i(a1), a2),
        132 => super::signal::sys_sigaltstack(a0, a1, regs),
        133 => super::signal::sys_rt_sigsuspend(a0, a1),
        134 => super::signal::sys_rt_sigaction(a0, a1, a2, a3),
        135 => super::signal::sys_rt_sigprocmask(a0, a1, a2, a3),
        136 => super::signal::sys_rt_sigpending(a0, a1),
        139 => super::signal::sys_rt_sigreturn(regs),
        142 => super::sys::sys_reboot(a0, a1, a2, a3),
        153 => super::sys::sys_times(a0),
        154 => super::sys::sys_setpgid(a0, a1),
        155 => super::sys::sys_getpgid(a0),
        156 => super::sys::sys_getsid(a0),
        157 => super::sys::sys_setsid(),
        158 | 159 => Ok(0), // getgroups / setgroups
        160 => super::sys::sys_uname(a0),
        163 => super::sys::sys_prlimit64(0, a0, 0, a1), // getrlimit
        164 => super::sys::sys_prlimit64(0, a0, a1, 0), // setrlimit
        165 => super::sys::sys_getrusage(i(a0), a1),
        166 => fs::sys_umask(a0),
        167 => super::sys::sys_prctl(a0, a1, a2, a3, a4),
        169 => super::time::sys_gettimeofday(a0, a1),
        172 => Ok(current().tgid() as usize),
        173 => Ok(current().ppid() as usize),
        174 | 175 | 176 | 177 => Ok(0), // getuid geteuid getgid getegid
        178 => Ok(current().pid() as usize),
        179 => super::sys::sys_sysinfo(a0),
        148 | 150 => {
            // getresuid / getresgid: all 0 (root)
            for a in [a0, a1, a2] {
                crate::mm::uaccess::write_user(a, &0u32)?;
            }
            Ok(0)
        }
        143..=152 => Ok(0), // setregid..setfsgid: we are root
        140 => Ok(0),       // setpriority
        141 => Ok(20),      // getpriority: 20 - nice (Linux's biased return)
        214 => mm::sys_brk(a0),
        215 => mm::sys_munmap(a0, a1),
        216 => mm::sys_mremap(a0, a1, a2, a3, a4),
        220 => super::fork::sys_clone(a0, a1, a2, a3, a4),
        221 => crate::fs::exec::sys_execve(a0, a1, a2),
        222 => mm::sys_mmap(a0, a1, a2, a3, a4, a5),
        226 => mm::sys_mprotect(a0, a1, a2),
        227 | 228 | 229 | 230 | 231 => Ok(0), // msync, mlock, munlock, mlockall, munlockall
        233 => mm::sys_madvise(a0, a1, a2),
        232 => mm::sys_mincore(a0, a1, a2),
        40 => fs::sys_mount(a0, a1, a2, a3, a4),
        39 => Ok(0), // umount2
        69 => fs::sys_preadv(a0, a1, a2, a3),
        70 => fs::sys_pwritev(a0, a1, a2, a3),
        260 => super::exit::sys_wait4(i(a0), a1, a2, a3),
        261 => super::sys::sys_prlimit64(a0, a1, a2, a3),
        276 => fs::sys_renameat2(i(a0), a1, i(a2), a3, a4),
        278 => super::sys::sys_getrandom(a0, a1, a2),
        281 => crate::fs::exec::sys_execveat(i(a0), a1, a2, a3, a4),
        291 => fs::sys_statx(i(a0), a1, a2, a3, a4),
        424 => crate::fs::pidfd::sys_pidfd_send_signal(a0, a1, a2, a3),
        434 => crate::fs::pidfd::sys_pidfd_open(i(a0), a1),
        435 => super::fork::sys_clone3(a0, a1),
        436 => fs::sys_close_range(a0 as u32, a1 as u32, a2 as u32),
        439 => fs::sys_faccessat(i(a0), a1, a2, a3),
        _ => enosys(nr),
    };
    r
}
