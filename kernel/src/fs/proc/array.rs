//! /proc/PID/stat, status and statm.  Linux: fs/proc/array.c (do_task_stat,
//! proc_pid_status, proc_pid_statm, task_state_array, collect_sigign_sigcatch).
//! The address-space numbers come from task_mmu.rs.

use super::base::threads_of;
use super::task_mmu::{mm_stats, task_mem};
use crate::fs::char_dev::{TTYS0_MINOR, TTY_MAJOR};
use crate::fs::file::NR_OPEN_DEFAULT;
use crate::fs::stat::encode_dev;
use crate::kernel::cred::task_cred;
use crate::kernel::signal::{SIG_DFL, SIG_IGN};
use crate::kernel::task::*;
use crate::mm::PAGE_SIZE;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{RLIMIT_RSS, RLIMIT_SIGPENDING};

/// Linux: do_task_stat() shows the first 31 signals of each set (the old int-sized fields).
const SIG_MASK_31: u64 = 0x7fff_ffff;
/// Linux: USER_HZ, the unit of the times in /proc/PID/stat.
const USER_HZ: u64 = 100;
const NSEC_PER_SEC: u64 = 1_000_000_000;

fn cycles_to_ticks(c: u64) -> u64 {
    // Linux: nsec_to_clock_t()
    crate::arch::riscv::time::cycles_to_ns(c) / (NSEC_PER_SEC / USER_HZ)
}

/// Linux: task_state_to_char(): the letter of state_of() (R, S, D, T, t, X, Z, I), as SysRq's
/// show-task-states prints it.
pub fn task_state_to_char(t: &TaskStruct) -> char {
    state_of(t).as_bytes()[0] as char
}

/// Linux: task_state_array[] / task_state_index().
fn state_of(t: &TaskStruct) -> &'static str {
    let es = t.exit_state();
    if es & EXIT_ZOMBIE != 0 {
        return "Z (zombie)";
    }
    if es & EXIT_DEAD != 0 {
        return "X (dead)";
    }
    let s = t.state();
    if s & TASK_INTERRUPTIBLE != 0 {
        "S (sleeping)"
    } else if s & TASK_UNINTERRUPTIBLE != 0 {
        if t.is_kthread() {
            "I (idle)"
        } else {
            "D (disk sleep)"
        }
    } else if s & TASK_STOPPED != 0 {
        "T (stopped)"
    } else if s & TASK_TRACED != 0 {
        "t (tracing stop)"
    } else if s & TASK_DEAD != 0 {
        "X (dead)"
    } else {
        "R (running)"
    }
}

fn thread_count(t: &TaskStruct) -> usize {
    threads_of(t).iter().filter(|x| x.exit_state() == 0).count().max(1)
}

/// Linux: collect_sigign_sigcatch().
fn sig_ign_catch(t: &TaskStruct) -> (u64, u64) {
    let acts = *t.sighand.lock().action.lock();
    let (mut ign, mut cat) = (0u64, 0u64);
    for (i, a) in acts.iter().enumerate() {
        match a.handler {
            SIG_DFL => {}
            SIG_IGN => ign |= 1 << i,
            _ => cat |= 1 << i,
        }
    }
    (ign, cat)
}

/// Linux: the tty of the controlling terminal (ttyS0, 4:64, new_encode_dev) and its
/// foreground process group; 0 and -1 without one.
fn tty_of(t: &TaskStruct) -> (i64, i64) {
    if t.signal.tty_controlling.load(Ordering::Relaxed) {
        (encode_dev(TTY_MAJOR, TTYS0_MINOR) as i64, crate::drivers::tty::foreground_pgrp() as i64)
    } else {
        (0, -1)
    }
}

/// Linux: do_task_stat(): the 52 fields of /proc/PID/stat.
pub(super) fn stat_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    let state = state_of(t).as_bytes()[0] as char;
    let sig = &t.signal;
    let (tty_nr, tpgid) = tty_of(t);
    let mm = t.mm.lock().clone();
    let (vsize, rss, mmv) = match &mm {
        Some(mm) => {
            let m = mm.inner.lock();
            let st = mm_stats(&m);
            let v = [
                m.start_code,
                m.end_code,
                m.start_stack,
                m.start_data,
                m.end_data,
                m.start_brk,
                m.arg_start,
                m.arg_end,
                m.env_start,
                m.env_end,
            ];
            (st.vsize, st.rss, Some(v))
        }
        None => (0, 0, None),
    };
    let (ign, cat) = sig_ign_catch(t);
    let pending = t.pending.lock().set;
    let wchan = (t.state() != TASK_RUNNING || t.exit_state() != 0) as u64;
    let rsslim = sig.rlimit(RLIMIT_RSS as usize);
    let ns = crate::kernel::pid::task_active_pid_ns(&current());
    let _ = write!(
        s,
        "{} ({}) {} {} {} {} {} {} {} {} 0 0 0 {} {} {} {} {} {} {} 0 {} {} {} {}",
        crate::kernel::pid::task_pid_nr_ns(t, &ns),
        t.comm_string(),
        state,
        t.parent().map_or(0, |p| crate::kernel::pid::task_tgid_nr_ns(&p, &ns)),
        crate::kernel::pid::global_nr_ns(sig.pgrp.load(Ordering::Relaxed), &ns),
        crate::kernel::pid::global_nr_ns(sig.session.load(Ordering::Relaxed), &ns),
        tty_nr,
        tpgid,
        t.flags.load(Ordering::Relaxed),
        t.min_flt.load(Ordering::Relaxed),
        cycles_to_ticks(t.utime.load(Ordering::Relaxed)),
        cycles_to_ticks(t.stime.load(Ordering::Relaxed)),
        cycles_to_ticks(sig.cutime.load(Ordering::Relaxed)),
        cycles_to_ticks(sig.cstime.load(Ordering::Relaxed)),
        t.se.proc_priority(),
        t.se.nice(),
        thread_count(t),
        cycles_to_ticks(t.start_time),
        vsize,
        rss,
        rsslim,
    );
    match &mmv {
        Some(v) => {
            let _ = write!(s, " {} {} {}", v[0], v[1], v[2]);
        }
        None => s.push_str(" 0 0 0"),
    }
    let m31 = SIG_MASK_31;
    let _ = write!(
        s,
        " 0 0 {} {} {} {} {} 0 0 {} 0 {} {} 0 0 0",
        pending & m31,
        t.blocked.load(Ordering::Relaxed) & m31,
        ign & m31,
        cat & m31,
        wchan,
        t.exit_signal.load(Ordering::Relaxed),
        t.se.rt_priority(),
        t.se.policy(),
    );
    match &mmv {
        Some(v) => {
            let _ = write!(s, " {} {} {} {} {} {} {}", v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
        }
        None => s.push_str(" 0 0 0 0 0 0 0"),
    }
    let code = if t.exit_state() != 0 { t.exit_code.load(Ordering::Relaxed) } else { 0 };
    let _ = writeln!(s, " {}", code);
    s
}

/// Linux: proc_pid_status().
pub(super) fn status_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{}", t.comm_string());
    let fs = t.fs.lock().clone();
    if let Some(fs) = fs {
        let _ = writeln!(s, "Umask:\t{:04o}", fs.inner.lock().umask);
    }
    let _ = writeln!(s, "State:\t{}", state_of(t));
    let sig = &t.signal;
    // Linux: the numbers of the reader's pid namespace (the /proc instance's), and NS* lists
    // from there down to the task's own namespace.
    let pns = crate::kernel::pid::task_active_pid_ns(&current());
    let pid = crate::kernel::pid::task_pid_nr_ns(t, &pns);
    let tgid = crate::kernel::pid::task_tgid_nr_ns(t, &pns);
    let ppid = t.parent().map_or(0, |p| crate::kernel::pid::task_tgid_nr_ns(&p, &pns));
    let tracer = crate::kernel::ptrace::ptrace_parent(t).map_or(0, |p| crate::kernel::pid::task_tgid_nr_ns(&p, &pns));
    let _ = writeln!(s, "Tgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t{}", tgid, pid, ppid, tracer);
    // Linux: task_state(): real, effective, saved and fs ids of the task's (objective) cred,
    // as the reader's user namespace maps them.
    let cred = task_cred(t);
    let ns = crate::kernel::user_namespace::current_user_ns();
    let _ = writeln!(
        s,
        "Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}",
        ns.from_kuid_munged(cred.uid),
        ns.from_kuid_munged(cred.euid),
        ns.from_kuid_munged(cred.suid),
        ns.from_kuid_munged(cred.fsuid),
        ns.from_kgid_munged(cred.gid),
        ns.from_kgid_munged(cred.egid),
        ns.from_kgid_munged(cred.sgid),
        ns.from_kgid_munged(cred.fsgid)
    );
    // Linux: fdt->max_fds: 64 (NR_OPEN_DEFAULT on 64-bit), doubled as the table grows.
    let files = t.files.lock().clone();
    let max_fds = match files {
        Some(f) => {
            let n = f.fds.lock().len();
            let mut m = NR_OPEN_DEFAULT;
            while m < n {
                m *= 2;
            }
            m
        }
        None => 0,
    };
    // Linux: the groups separated by spaces, then a space ("shouldn't have been added in the
    // first place").
    let _ = write!(s, "FDSize:\t{}\nGroups:\t", max_fds);
    for (i, g) in cred.groups.iter().enumerate() {
        let _ = write!(s, "{}{}", if i > 0 { " " } else { "" }, ns.from_kgid_munged(*g));
    }
    s.push_str(" \n");
    let (pg, sid) = (sig.pgrp.load(Ordering::Relaxed), sig.session.load(Ordering::Relaxed));
    let chain = crate::kernel::pid::pid_ns_chain(t, &pns);
    let mut col = |name: &str, f: &dyn Fn(&crate::kernel::pid_namespace::PidNamespace) -> i32| {
        s.push_str(name);
        for n in chain.iter() {
            let _ = write!(s, "\t{}", f(n));
        }
        s.push('\n');
    };
    col("NStgid:", &|n| crate::kernel::pid::task_tgid_nr_ns(t, n));
    col("NSpid:", &|n| crate::kernel::pid::task_pid_nr_ns(t, n));
    col("NSpgid:", &|n| crate::kernel::pid::global_nr_ns(pg, n));
    col("NSsid:", &|n| crate::kernel::pid::global_nr_ns(sid, n));
    let mm = t.mm.lock().clone();
    if let Some(mm) = mm {
        let st = mm_stats(&mm.inner.lock());
        task_mem(&mut s, &st);
        s.push_str("CoreDumping:\t0\nTHP_enabled:\t0\n");
    }
    let pending = t.pending.lock().set;
    let (ign, cat) = sig_ign_catch(t);
    let _ = writeln!(
        s,
        "Threads:\t{}\nSigQ:\t{}/{}",
        thread_count(t),
        crate::kernel::signal_types::sigpending_count(),
        sig.rlimit(RLIMIT_SIGPENDING as usize)
    );
    let shared = t.signal.shared_pending.lock().set;
    let _ = writeln!(s, "SigPnd:\t{:016x}\nShdPnd:\t{:016x}", pending, shared);
    let _ = writeln!(
        s,
        "SigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}",
        t.blocked.load(Ordering::Relaxed),
        ign,
        cat
    );
    // Linux: task_cap() (render_cap_t: 16 hex digits) and task_seccomp()'s NoNewPrivs.
    let _ = writeln!(
        s,
        "CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}",
        cred.cap_inheritable.0, cred.cap_permitted.0, cred.cap_effective.0, cred.cap_bset.0, cred.cap_ambient.0
    );
    let _ = writeln!(s, "NoNewPrivs:\t{}", t.no_new_privs.load(Ordering::Relaxed) as u32);
    s.push_str("Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n");
    s.push_str("Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
    let _ = writeln!(
        s,
        "voluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t{}",
        t.nvcsw.load(Ordering::Relaxed),
        t.nivcsw.load(Ordering::Relaxed)
    );
    s
}

/// Linux: proc_pid_statm(): task_statm()'s numbers, in pages.
pub(super) fn statm_text(t: &TaskStruct) -> Vec<u8> {
    let Some(mm) = t.mm.lock().clone() else { return b"0 0 0 0 0 0 0\n".to_vec() };
    let st = mm_stats(&mm.inner.lock());
    format!(
        "{} {} {} {} 0 {} 0\n",
        st.vsize / PAGE_SIZE,
        st.rss,
        st.file + st.shmem,
        st.exe / PAGE_SIZE,
        (st.data + st.stack) / PAGE_SIZE
    )
    .into_bytes()
}
