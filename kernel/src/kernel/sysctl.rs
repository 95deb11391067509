//! sysctl: the kernel's tunables, as the files under /proc/sys.  Linux: kernel/sysctl.c (the
//! tables kern_table and vm_table, the proc_handler helpers proc_dointvec and friends),
//! include/linux/sysctl.h (struct ctl_table); fs/proc/proc_sysctl.rs is the /proc/sys
//! directory that shows them.
//!
//! An entry names its value (a static owned by the file of its concept: pid_max in
//! kernel/pid.rs, threads-max in kernel/fork.rs, pipe-max-size in fs/pipe.rs, ...), its mode
//! and its handler: a function that reads the value out as text or parses a write into it,
//! with Linux's formats and errors (crates/sysctl holds the text rules, host-tested):
//!
//!   proc_dointvec            ints, tab-separated, "\n"; EINVAL for a non-number
//!   proc_dointvec_minmax     the same, EINVAL outside [extra1, extra2]
//!   proc_douintvec_minmax    one unsigned int in [extra1, extra2]
//!   proc_doulongvec_minmax   unsigned longs in [extra1, extra2]
//!   proc_dostring            a string (proc_do_uts_string: the utsname fields)
//!
//! and the special ones Linux has (proc_taint, sysctl_max_threads, proc_dopipe_max_size,
//! overcommit_policy_handler).  Reads return the whole value from position 0 only; writes take
//! effect only at position 0 (sysctl_writes_strict = 1).  Permissions: the entry's mode, as the
//! caller's euid sees it ([`sysctl_perm`]): a 0444 entry is not writable even by root.

use crate::errno::*;
use crate::ipc::ipc_sysctl::{self, IpcCtl};
use crate::kernel::utsname::UtsField;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use sysctl::{Done, VecKind};

/// Where an entry's value lives.
pub enum Data {
    /// One int, or several (printk's four levels).
    Ints(&'static [AtomicI32]),
    Uint(&'static AtomicU32),
    Ulong(&'static AtomicU64),
    Uts(UtsField),
    /// An IPC limit of the caller's IPC namespace (ipc/ipc_sysctl.rs keeps them).
    Ipc(IpcCtl),
    /// The handler computes the value itself.
    None,
}

/// What a handler is asked to do: fill `out` with at most `count` bytes, or take `buf`.
pub enum Io<'a> {
    Read { count: usize, out: &'a mut Vec<u8> },
    Write(&'a [u8]),
}

/// Linux: proc_handler: returns what read(2)/write(2) return, and moves the position.
pub type ProcHandler = fn(&CtlTable, Io, &mut u64) -> KResult<usize>;

/// Linux: struct ctl_table.  A directory has `child`; a file a handler and data.
pub struct CtlTable {
    pub procname: &'static str,
    pub mode: u32,
    pub data: Data,
    pub proc_handler: Option<ProcHandler>,
    pub child: &'static [CtlTable],
    /// Linux: extra1 / extra2, the bounds of the *_minmax handlers.
    pub extra1: Option<i64>,
    pub extra2: Option<i64>,
}

impl CtlTable {
    pub fn is_dir(&self) -> bool {
        self.proc_handler.is_none()
    }
}

// ---- the handlers (Linux: kernel/sysctl.c) ----------------------------------------------

fn done(d: Done, pos: &mut u64) -> KResult<usize> {
    *pos = d.pos;
    Ok(d.len)
}

fn ints(t: &CtlTable) -> KResult<&'static [AtomicI32]> {
    match t.data {
        Data::Ints(v) => Ok(v),
        _ => Err(EINVAL),
    }
}

/// Linux: __do_proc_dointvec() with do_proc_dointvec_minmax_conv(): each value written is
/// checked against [min, max] before it is stored (handlers that keep their value elsewhere
/// call it on a copy, as Linux's do on a struct ctl_table copy).
pub fn do_proc_dointvec(
    vals: &[AtomicI32],
    io: Io,
    pos: &mut u64,
    min: Option<i64>,
    max: Option<i64>,
) -> KResult<usize> {
    match io {
        Io::Read { count, out } => {
            let v: Vec<(bool, u64)> = vals.iter().map(|a| sysctl::int_val(a.load(Ordering::Relaxed))).collect();
            let (text, d) = sysctl::vec_read(&v, count, *pos);
            *out = text;
            done(d, pos)
        }
        Io::Write(buf) => {
            let d = sysctl::vec_write(buf, *pos, vals.len(), VecKind::Int, |i, neg, v| {
                let x = sysctl::int_conv(neg, v)?;
                if min.is_some_and(|m| (x as i64) < m) || max.is_some_and(|m| (x as i64) > m) {
                    return Err(EINVAL.0 as u32);
                }
                vals[i].store(x, Ordering::Relaxed);
                Ok(())
            })
            .map_err(|e| Errno(e as i32))?;
            done(d, pos)
        }
    }
}

/// Linux: proc_dointvec()
pub fn proc_dointvec(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    do_proc_dointvec(ints(t)?, io, pos, None, None)
}

/// Linux: proc_dointvec_minmax()
pub fn proc_dointvec_minmax(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    do_proc_dointvec(ints(t)?, io, pos, t.extra1, t.extra2)
}

/// Linux: proc_douintvec_minmax(): one unsigned int (do_proc_douintvec_minmax_conv).
pub fn proc_douintvec_minmax(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    let Data::Uint(v) = t.data else { return Err(EINVAL) };
    match io {
        Io::Read { count, out } => {
            let (text, d) = sysctl::uint_read(v.load(Ordering::Relaxed) as u64, count, *pos);
            *out = text;
            done(d, pos)
        }
        Io::Write(buf) => {
            let d = sysctl::uint_write(buf, *pos, |x| {
                let x = sysctl::uint_conv(x)?;
                if t.extra1.is_some_and(|m| (x as i64) < m) || t.extra2.is_some_and(|m| (x as i64) > m) {
                    return Err(ERANGE.0 as u32);
                }
                v.store(x, Ordering::Relaxed);
                Ok(())
            })
            .map_err(|e| Errno(e as i32))?;
            done(d, pos)
        }
    }
}

/// Linux: __do_proc_doulongvec_minmax() on one value held elsewhere (`get`, `set`).
fn do_proc_doulong(
    io: Io,
    pos: &mut u64,
    min: Option<i64>,
    max: Option<i64>,
    get: impl Fn() -> u64,
    set: impl Fn(u64),
) -> KResult<usize> {
    match io {
        Io::Read { count, out } => {
            let (text, d) = sysctl::vec_read(&[(false, get())], count, *pos);
            *out = text;
            done(d, pos)
        }
        Io::Write(buf) => {
            let d = sysctl::vec_write(buf, *pos, 1, VecKind::ULong, |_, _, x| {
                if min.is_some_and(|m| x < m as u64) || max.is_some_and(|m| x > m as u64) {
                    return Err(EINVAL.0 as u32);
                }
                set(x);
                Ok(())
            })
            .map_err(|e| Errno(e as i32))?;
            done(d, pos)
        }
    }
}

/// Linux: proc_ipc_dointvec_minmax() / proc_ipc_doulongvec_minmax() and mq_sysctls' handlers
/// (ipc/ipc_sysctl.c, ipc/mq_sysctl.c): the value of the caller's IPC namespace, in its
/// bounds (ipc/ipc_sysctl.rs), as ints or an unsigned long.
pub fn proc_ipc_sysctl(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    let Data::Ipc(c) = t.data else { return Err(EINVAL) };
    let (min, max) = ipc_sysctl::bounds(c);
    let cur = ipc_sysctl::get(c);
    if ipc_sysctl::is_ulong(c) {
        let set_err = core::cell::Cell::new(Ok(()));
        let r = do_proc_doulong(
            io,
            pos,
            min,
            max,
            || cur.first().copied().unwrap_or(0) as u64,
            |x| set_err.set(ipc_sysctl::set(c, &[x as i64])),
        )?;
        set_err.get()?;
        return Ok(r);
    }
    // (a copy of the values to parse a write into: a shorter write leaves the rest)
    let vals: Vec<AtomicI32> = cur.iter().map(|&v| AtomicI32::new(v as i32)).collect();
    let write = matches!(io, Io::Write(_));
    let r = do_proc_dointvec(&vals, io, pos, min, max)?;
    if write {
        let new: Vec<i64> = vals.iter().map(|a| a.load(Ordering::Relaxed) as i64).collect();
        ipc_sysctl::set(c, &new)?;
    }
    Ok(r)
}

/// Linux: proc_doulongvec_minmax() (one value).
pub fn proc_doulongvec_minmax(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    let Data::Ulong(v) = t.data else { return Err(EINVAL) };
    do_proc_doulong(io, pos, t.extra1, t.extra2, || v.load(Ordering::Relaxed), |x| v.store(x, Ordering::Relaxed))
}

/// Linux: proc_do_uts_string() (kernel/utsname_sysctl.c): proc_dostring() on a copy of the
/// field, written back whole.
pub fn proc_do_uts_string(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    let Data::Uts(f) = t.data else { return Err(EINVAL) };
    let uts = crate::kernel::utsname::utsname();
    let field = uts.get(f);
    let maxlen = field.len();
    match io {
        Io::Read { count, out } => {
            let (text, d) = sysctl::string_read(field, maxlen, count, *pos);
            *out = text;
            done(d, pos)
        }
        Io::Write(buf) => {
            let mut s: Vec<u8> = field.iter().copied().take_while(|&b| b != 0).collect();
            let d = sysctl::string_write(&mut s, maxlen, buf, *pos);
            crate::kernel::utsname::set_field(f, &s);
            done(d, pos)
        }
    }
}

/// Linux: TAINT_FLAGS_COUNT (include/linux/panic.h, 6.1): the taint bits that exist.
const TAINT_FLAGS_COUNT: u32 = 19;

/// Linux: proc_taint(): reads the taint mask; a write (CAP_SYS_ADMIN) can only add flags.
pub fn proc_taint(_t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    use crate::kernel::panic::TAINTED_MASK;
    if matches!(io, Io::Write(_)) && !capable_sys_admin() {
        return Err(EPERM);
    }
    do_proc_doulong(
        io,
        pos,
        None,
        None,
        || TAINTED_MASK.load(Ordering::Relaxed),
        |x| {
            // Linux: add_taint() for each known bit set in the value.
            TAINTED_MASK.fetch_or(x & ((1 << TAINT_FLAGS_COUNT) - 1), Ordering::Relaxed);
        },
    )
}

/// Linux: overcommit_policy_handler() (mm/util.c): proc_dointvec_minmax over 0..2.
pub fn overcommit_policy_handler(t: &CtlTable, io: Io, pos: &mut u64) -> KResult<usize> {
    proc_dointvec_minmax(t, io, pos)
}

// ---- permissions (Linux: fs/proc/proc_sysctl.c test_perm, sysctl_perm) ------------------

/// test_perm()'s question: is the caller's euid root, is it in group root (egid or a
/// supplementary group: in_egroup_p())?
fn euid_egid_root() -> (bool, bool) {
    use crate::kernel::cred::{with_current_cred, GLOBAL_ROOT_UID};
    with_current_cred(|c| (c.euid == GLOBAL_ROOT_UID, c.in_egroup_p(GLOBAL_ROOT_UID)))
}

/// Linux: capable(CAP_SYS_ADMIN) (proc_taint).
fn capable_sys_admin() -> bool {
    crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_ADMIN)
}

/// Linux: MAY_WRITE / MAY_READ / MAY_EXEC.
pub const MAY_EXEC: u32 = 1;
pub const MAY_WRITE: u32 = 2;
pub const MAY_READ: u32 = 4;

/// Linux: test_perm() / sysctl_perm(): the entry's mode bits for the caller — the owner's
/// (root's) bits when the caller's euid is root, the group's when it is in group root, else
/// the others'.  EACCES when `op` asks for more.  Root has no override here: a 0444 entry
/// cannot be written.
pub fn sysctl_perm(mode: u32, op: u32) -> KResult<()> {
    let (euid_root, egid_root) = euid_egid_root();
    let m = if euid_root {
        mode >> 6
    } else if egid_root {
        mode >> 3
    } else {
        mode
    };
    if op & !m & (MAY_READ | MAY_WRITE | MAY_EXEC) == 0 {
        Ok(())
    } else {
        Err(EACCES)
    }
}

// ---- the tables (Linux: kern_table, vm_table in kernel/sysctl.c, fs_table in fs/) --------

const fn entry(
    procname: &'static str,
    mode: u32,
    data: Data,
    h: ProcHandler,
    extra1: Option<i64>,
    extra2: Option<i64>,
) -> CtlTable {
    CtlTable { procname, mode, data, proc_handler: Some(h), child: &[], extra1, extra2 }
}

const fn dir(procname: &'static str, child: &'static [CtlTable]) -> CtlTable {
    CtlTable { procname, mode: 0o555, data: Data::None, proc_handler: None, child, extra1: None, extra2: None }
}

/// An IPC limit (Linux: ipc_sysctls[], mq_sysctls[]): its mode is ipc/ipc_sysctl.rs's.
const fn ipc_entry(procname: &'static str, c: IpcCtl) -> CtlTable {
    entry(procname, ipc_sysctl::mode_of(c), Data::Ipc(c), proc_ipc_sysctl, None, None)
}

/// /proc/sys/fs/mqueue (Linux: mq_sysctls in ipc/mq_sysctl.c).
static MQUEUE_TABLE: [CtlTable; 5] = [
    ipc_entry("msg_default", IpcCtl::MqMsgDefault),
    ipc_entry("msg_max", IpcCtl::MqMsgMax),
    ipc_entry("msgsize_default", IpcCtl::MqMsgsizeDefault),
    ipc_entry("msgsize_max", IpcCtl::MqMsgsizeMax),
    ipc_entry("queues_max", IpcCtl::MqQueuesMax),
];

/// Linux: SYSCTL_MAXOLDUID, the top of the overflow ids' range.
const MAXOLDUID: i64 = 65535;

/// Linux: cap_last_cap and ngroups_max: constants shown read-only.
static CAP_LAST_CAP: [AtomicI32; 1] = [AtomicI32::new(linux_raw_sys::general::CAP_LAST_CAP as i32)];
static NGROUPS_MAX: [AtomicI32; 1] = [AtomicI32::new(linux_raw_sys::general::NGROUPS_MAX as i32)];

/// /proc/sys/kernel (Linux: kern_table, with the entries other files register there).
static KERN_TABLE: [CtlTable; 31] = [
    entry("cap_last_cap", 0o444, Data::Ints(&CAP_LAST_CAP), proc_dointvec, None, None),
    entry("ctrl-alt-del", 0o644, Data::Ints(&crate::kernel::reboot::C_A_D), proc_dointvec, None, None),
    entry("domainname", 0o644, Data::Uts(UtsField::Domainname), proc_do_uts_string, None, None),
    entry("hostname", 0o644, Data::Uts(UtsField::Nodename), proc_do_uts_string, None, None),
    ipc_entry("auto_msgmni", IpcCtl::AutoMsgmni),
    ipc_entry("msg_next_id", IpcCtl::MsgNextId),
    ipc_entry("msgmax", IpcCtl::Msgmax),
    ipc_entry("msgmnb", IpcCtl::Msgmnb),
    ipc_entry("msgmni", IpcCtl::Msgmni),
    entry("ngroups_max", 0o444, Data::Ints(&NGROUPS_MAX), proc_dointvec, None, None),
    entry("ns_last_pid", 0o666, Data::None, crate::kernel::pid_namespace::pid_ns_ctl_handler, None, None),
    entry("osrelease", 0o444, Data::Uts(UtsField::Release), proc_do_uts_string, None, None),
    entry("ostype", 0o444, Data::Uts(UtsField::Sysname), proc_do_uts_string, None, None),
    entry(
        "overflowgid",
        0o644,
        Data::Ints(&crate::kernel::sys::OVERFLOWGID),
        proc_dointvec_minmax,
        Some(0),
        Some(MAXOLDUID),
    ),
    entry(
        "overflowuid",
        0o644,
        Data::Ints(&crate::kernel::sys::OVERFLOWUID),
        proc_dointvec_minmax,
        Some(0),
        Some(MAXOLDUID),
    ),
    entry(
        "pid_max",
        0o644,
        Data::Ints(&crate::kernel::pid::PID_MAX),
        proc_dointvec_minmax,
        Some(crate::kernel::pid::PID_MAX_MIN as i64),
        Some(crate::kernel::pid::PID_MAX_LIMIT as i64),
    ),
    entry("printk", 0o644, Data::Ints(&crate::kernel::printk::CONSOLE_PRINTK), proc_dointvec, None, None),
    entry("randomize_va_space", 0o644, Data::Ints(&crate::mm::memory::RANDOMIZE_VA_SPACE), proc_dointvec, None, None),
    entry(
        "sched_child_runs_first",
        0o644,
        Data::Ints(&crate::kernel::sched::core::SYSCTL_SCHED_CHILD_RUNS_FIRST),
        proc_dointvec,
        None,
        None,
    ),
    ipc_entry("sem", IpcCtl::Sem),
    ipc_entry("sem_next_id", IpcCtl::SemNextId),
    ipc_entry("shm_next_id", IpcCtl::ShmNextId),
    ipc_entry("shm_rmid_forced", IpcCtl::ShmRmidForced),
    ipc_entry("shmall", IpcCtl::Shmall),
    ipc_entry("shmmax", IpcCtl::Shmmax),
    ipc_entry("shmmni", IpcCtl::Shmmni),
    entry("sysctl_writes_strict", 0o644, Data::Ints(&SYSCTL_WRITES_STRICT), proc_dointvec_minmax, Some(1), Some(1)),
    entry("sysrq", 0o644, Data::Ints(&crate::drivers::sysrq::SYSRQ_ENABLED), proc_dointvec, None, None),
    entry("tainted", 0o644, Data::None, proc_taint, None, None),
    entry("threads-max", 0o644, Data::None, crate::kernel::fork::sysctl_max_threads, None, None),
    entry("version", 0o444, Data::Uts(UtsField::Version), proc_do_uts_string, None, None),
];

/// Linux: sysctl_writes_strict: 1 (SYSCTL_WRITES_STRICT), the only mode MenuOS has (the
/// handlers ignore writes past position 0).
static SYSCTL_WRITES_STRICT: [AtomicI32; 1] = [AtomicI32::new(1)];

/// /proc/sys/vm (Linux: vm_table).
static VM_TABLE: [CtlTable; 4] = [
    entry(
        "legacy_va_layout",
        0o644,
        Data::Ints(&crate::mm::util::SYSCTL_LEGACY_VA_LAYOUT),
        proc_dointvec_minmax,
        Some(0),
        None,
    ),
    entry(
        "max_map_count",
        0o644,
        Data::Ints(&crate::mm::mmap::SYSCTL_MAX_MAP_COUNT),
        proc_dointvec_minmax,
        Some(0),
        None,
    ),
    entry(
        "overcommit_memory",
        0o644,
        Data::Ints(&crate::mm::mmap::SYSCTL_OVERCOMMIT_MEMORY),
        overcommit_policy_handler,
        Some(0),
        Some(2),
    ),
    entry("overcommit_ratio", 0o644, Data::Ints(&crate::mm::mmap::SYSCTL_OVERCOMMIT_RATIO), proc_dointvec, None, None),
];

/// /proc/sys/fs (Linux: fs_shared_sysctls in fs/sysctls.c, files_sysctls in fs/file_table.c,
/// fs_pipe_sysctls in fs/pipe.c).
static FS_TABLE: [CtlTable; 8] = [
    entry(
        "file-max",
        0o644,
        Data::Ulong(&crate::fs::file_table::MAX_FILES),
        proc_doulongvec_minmax,
        Some(0),
        Some(i64::MAX),
    ),
    dir("mqueue", &MQUEUE_TABLE),
    entry(
        "nr_open",
        0o644,
        Data::Uint(&crate::fs::file::SYSCTL_NR_OPEN),
        proc_douintvec_minmax,
        Some(crate::fs::file::NR_OPEN_MIN as i64),
        Some(crate::fs::file::NR_OPEN_MAX as i64),
    ),
    entry(
        "overflowgid",
        0o644,
        Data::Ints(&crate::kernel::sys::FS_OVERFLOWGID),
        proc_dointvec_minmax,
        Some(0),
        Some(MAXOLDUID),
    ),
    entry(
        "overflowuid",
        0o644,
        Data::Ints(&crate::kernel::sys::FS_OVERFLOWUID),
        proc_dointvec_minmax,
        Some(0),
        Some(MAXOLDUID),
    ),
    entry(
        "pipe-max-size",
        0o644,
        Data::Uint(&crate::fs::pipe::PIPE_MAX_SIZE),
        crate::fs::pipe::proc_dopipe_max_size,
        None,
        None,
    ),
    entry(
        "pipe-user-pages-hard",
        0o644,
        Data::Ulong(&crate::fs::pipe::PIPE_USER_PAGES_HARD),
        proc_doulongvec_minmax,
        None,
        None,
    ),
    entry(
        "pipe-user-pages-soft",
        0o644,
        Data::Ulong(&crate::fs::pipe::PIPE_USER_PAGES_SOFT),
        proc_doulongvec_minmax,
        None,
        None,
    ),
];

/// Linux: sysctl_base_table: the directories of /proc/sys.
static SYSCTL_BASE_TABLE: [CtlTable; 3] = [dir("fs", &FS_TABLE), dir("kernel", &KERN_TABLE), dir("vm", &VM_TABLE)];

/// The entries of /proc/sys itself.
pub fn sysctl_root() -> &'static [CtlTable] {
    &SYSCTL_BASE_TABLE
}
