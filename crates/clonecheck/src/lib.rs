//! The argument checks of Linux 6.1's process-creation path, as pure
//! functions, in Linux's order and with Linux's errno values (`u32`, from
//! `linux_raw_sys::errno`).
//!
//! Linux counterpart: `kernel/fork.c` — `sys_clone()` (CONFIG_CLONE_BACKWARDS,
//! as riscv), `sys_fork()`, `sys_vfork()`, `copy_clone_args_from_user()`,
//! `clone3_stack_valid()`, `clone3_args_valid()`, `kernel_clone()`,
//! `copy_process()`; `include/linux/uaccess.h` `copy_struct_from_user()`;
//! `kernel/nsproxy.c` `copy_namespaces()`; `kernel/cred.c` `copy_creds()`.
//!
//! A syscall runs, in order:
//! 1. clone3 only: [`copy_clone_args_from_user`] (E2BIG/EINVAL), then the
//!    caller copies the `set_tid` array (EFAULT), then [`clone3_args_valid`]
//!    (EINVAL, and `stack += stack_size`);
//!    legacy clone: [`sys_clone_args`]; fork/vfork: [`fork_args`]/[`vfork_args`];
//! 2. [`kernel_clone_check`] (CLONE_PIDFD with CLONE_PARENT_SETTID on the same
//!    address: EINVAL);
//! 3. [`copy_process_flag_checks`] (EINVAL), before anything is allocated;
//!    then Linux returns ERESTARTNOINTR if a signal is pending;
//! 4. [`copy_process_late_checks`] at Linux's places: RLIMIT_NPROC and `max_threads`
//!    (EAGAIN); then [`copy_namespaces_check`] (EPERM without CAP_SYS_ADMIN, EINVAL for
//!    CLONE_NEWIPC with CLONE_SYSVSEM and for the namespace types MenuOS does not have:
//!    net, cgroup, time, as Linux without CONFIG_NET_NS, CONFIG_CGROUPS, CONFIG_TIME_NS);
//! 5. pid allocation with `set_tid`: [`set_tid_size_check`] against the new pid's
//!    namespace level, then per level [`set_tid_level_check`] (EINVAL/EPERM), then
//!    the allocator (EEXIST/EAGAIN, see the `pidmap` crate).
//!
//! unshare(2) and setns(2) (`kernel/fork.c` `ksys_unshare()`, `check_unshare_flags()`;
//! `kernel/nsproxy.c` `check_setns_flags()`): [`unshare_implied_flags`],
//! [`check_unshare_flags`], [`check_setns_flags`].
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use linux_raw_sys::errno::{E2BIG, EAGAIN, EINVAL, EPERM};

pub type Errno = u32;

pub const CSIGNAL: u64 = 0x0000_00ff;
pub const CLONE_NEWTIME: u64 = 0x0000_0080;
pub const CLONE_VM: u64 = 0x0000_0100;
pub const CLONE_FS: u64 = 0x0000_0200;
pub const CLONE_FILES: u64 = 0x0000_0400;
pub const CLONE_SIGHAND: u64 = 0x0000_0800;
pub const CLONE_PIDFD: u64 = 0x0000_1000;
pub const CLONE_PTRACE: u64 = 0x0000_2000;
pub const CLONE_VFORK: u64 = 0x0000_4000;
pub const CLONE_PARENT: u64 = 0x0000_8000;
pub const CLONE_THREAD: u64 = 0x0001_0000;
pub const CLONE_NEWNS: u64 = 0x0002_0000;
pub const CLONE_SYSVSEM: u64 = 0x0004_0000;
pub const CLONE_SETTLS: u64 = 0x0008_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
pub const CLONE_DETACHED: u64 = 0x0040_0000;
pub const CLONE_UNTRACED: u64 = 0x0080_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
/// The 32 bits legacy clone() can carry.
pub const CLONE_LEGACY_FLAGS: u64 = 0xffff_ffff;

/// The namespace flags `copy_namespaces()` handles (CLONE_NEWUSER is `copy_creds()`'s).
pub const CLONE_NS_FLAGS: u64 =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;
/// The namespace type MenuOS does not have: no cgroups.  Linux without CONFIG_CGROUPS lets
/// clone and unshare ask for it and change nothing (its `copy_cgroup_ns()` stub returns the
/// old namespace: there is no cgroup state to separate), and setns() refuses it (EINVAL in
/// `check_setns_flags()`).
pub const CLONE_NS_UNSUPPORTED: u64 = CLONE_NEWCGROUP;

pub const CLONE_ARGS_SIZE_VER0: usize = 64;
pub const CLONE_ARGS_SIZE_VER1: usize = 80;
pub const CLONE_ARGS_SIZE_VER2: usize = 88;
/// sizeof(struct clone_args) in 6.1.
pub const CLONE_ARGS_SIZE: usize = CLONE_ARGS_SIZE_VER2;
pub const MAX_PID_NS_LEVEL: u64 = 32;
pub const PAGE_SIZE: usize = 4096;
/// `_NSIG`.
pub const NSIG: u64 = 64;
pub const SIGCHLD: u32 = 17;
pub const INT_MAX: u64 = i32::MAX as u64;

/// Linux's `struct kernel_clone_args` (the fields user space controls).
/// Pointers are user addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KernelCloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u32,
    /// For clone3, after [`clone3_args_valid`]: the stack *top*
    /// (`stack + stack_size`), as Linux stores it.
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    /// User address of the `set_tid` array (clone3), 0 if none.
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}

/// `struct clone_args` of clone3 (all u64, little endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}

impl CloneArgs {
    /// Serialise (for tests and callers building one).
    pub fn to_bytes(&self) -> [u8; CLONE_ARGS_SIZE] {
        let f = [
            self.flags,
            self.pidfd,
            self.child_tid,
            self.parent_tid,
            self.exit_signal,
            self.stack,
            self.stack_size,
            self.tls,
            self.set_tid,
            self.set_tid_size,
            self.cgroup,
        ];
        let mut b = [0u8; CLONE_ARGS_SIZE];
        for (i, v) in f.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        b
    }
}

/// `copy_struct_from_user()` on bytes already read: `user` holds the `usize`
/// bytes user space passed. Shorter structs are zero-extended; a longer one
/// must have only zero bytes past `sizeof(struct clone_args)` (else E2BIG).
pub fn copy_struct(user: &[u8]) -> Result<CloneArgs, Errno> {
    if user.len() > CLONE_ARGS_SIZE && user[CLONE_ARGS_SIZE..].iter().any(|&b| b != 0) {
        return Err(E2BIG);
    }
    let mut b = [0u8; CLONE_ARGS_SIZE];
    let n = user.len().min(CLONE_ARGS_SIZE);
    b[..n].copy_from_slice(&user[..n]);
    let g = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
    Ok(CloneArgs {
        flags: g(0),
        pidfd: g(1),
        child_tid: g(2),
        parent_tid: g(3),
        exit_signal: g(4),
        stack: g(5),
        stack_size: g(6),
        tls: g(7),
        set_tid: g(8),
        set_tid_size: g(9),
        cgroup: g(10),
    })
}

/// The size checks done before reading: `usize > PAGE_SIZE` is E2BIG, then
/// `usize < CLONE_ARGS_SIZE_VER0` is EINVAL. Lets the kernel know how many
/// bytes to copy from user space (EFAULT is the kernel's business).
pub fn clone3_size_check(usize: usize) -> Result<(), Errno> {
    if usize > PAGE_SIZE {
        return Err(E2BIG);
    }
    if usize < CLONE_ARGS_SIZE_VER0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// `valid_signal()`.
pub fn valid_signal(sig: u64) -> bool {
    sig <= NSIG
}

/// `copy_clone_args_from_user()` given the `usize` bytes user space passed
/// (`user.len()` is `usize`). The caller then copies `set_tid_size` pids
/// from `set_tid` (EFAULT on failure) before [`clone3_args_valid`].
pub fn copy_clone_args_from_user(user: &[u8]) -> Result<KernelCloneArgs, Errno> {
    let usize = user.len();
    clone3_size_check(usize)?;
    let a = copy_struct(user)?;
    if a.set_tid_size > MAX_PID_NS_LEVEL {
        return Err(EINVAL);
    }
    if a.set_tid == 0 && a.set_tid_size > 0 {
        return Err(EINVAL);
    }
    if a.set_tid != 0 && a.set_tid_size == 0 {
        return Err(EINVAL);
    }
    if (a.exit_signal & !CSIGNAL) != 0 || !valid_signal(a.exit_signal) {
        return Err(EINVAL);
    }
    if a.flags & CLONE_INTO_CGROUP != 0 && (a.cgroup > INT_MAX || usize < CLONE_ARGS_SIZE_VER2) {
        return Err(EINVAL);
    }
    Ok(KernelCloneArgs {
        flags: a.flags,
        pidfd: a.pidfd,
        child_tid: a.child_tid,
        parent_tid: a.parent_tid,
        exit_signal: a.exit_signal as u32,
        stack: a.stack,
        stack_size: a.stack_size,
        tls: a.tls,
        set_tid: a.set_tid,
        set_tid_size: a.set_tid_size,
        cgroup: a.cgroup,
    })
}

/// `access_ok(addr, size)` for a user address space of `task_size` bytes.
pub fn access_ok(addr: u64, size: u64, task_size: u64) -> bool {
    size <= task_size && addr <= task_size - size
}

/// `clone3_args_valid()` (EINVAL on failure), which also turns `stack` into
/// the stack top as `clone3_stack_valid()` does on a stack-grows-down arch.
pub fn clone3_args_valid(k: &mut KernelCloneArgs, task_size: u64) -> Result<(), Errno> {
    if k.flags & !(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) != 0 {
        return Err(EINVAL);
    }
    // CLONE_DETACHED and the CSIGNAL bits are reserved for reuse in clone3
    // (so CLONE_NEWTIME, inside CSIGNAL, cannot be passed to clone3 in 6.1).
    if k.flags & (CLONE_DETACHED | CSIGNAL) != 0 {
        return Err(EINVAL);
    }
    if k.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) {
        return Err(EINVAL);
    }
    if k.flags & (CLONE_THREAD | CLONE_PARENT) != 0 && k.exit_signal != 0 {
        return Err(EINVAL);
    }
    // clone3_stack_valid()
    if k.stack == 0 {
        if k.stack_size > 0 {
            return Err(EINVAL);
        }
    } else {
        if k.stack_size == 0 {
            return Err(EINVAL);
        }
        if !access_ok(k.stack, k.stack_size, task_size) {
            return Err(EINVAL);
        }
        k.stack += k.stack_size;
    }
    Ok(())
}

/// Everything clone3 checks before `kernel_clone()`, for a caller that does
/// not use `set_tid` data here: size, struct, then `clone3_args_valid()`.
pub fn clone3(user: &[u8], task_size: u64) -> Result<KernelCloneArgs, Errno> {
    let mut k = copy_clone_args_from_user(user)?;
    clone3_args_valid(&mut k, task_size)?;
    Ok(k)
}

/// riscv's legacy `clone(flags, newsp, parent_tidptr, tls, child_tidptr)`
/// (CONFIG_CLONE_BACKWARDS): only the low 32 bits of `flags` count; the exit
/// signal is `flags & CSIGNAL` (not validated, as in Linux); `pidfd` is
/// `parent_tidptr`; no flag is rejected here.
pub fn sys_clone_args(
    clone_flags: u64,
    newsp: u64,
    parent_tidptr: u64,
    tls: u64,
    child_tidptr: u64,
) -> KernelCloneArgs {
    let low = clone_flags & 0xffff_ffff;
    KernelCloneArgs {
        flags: low & !CSIGNAL,
        pidfd: parent_tidptr,
        child_tid: child_tidptr,
        parent_tid: parent_tidptr,
        exit_signal: (low & CSIGNAL) as u32,
        stack: newsp,
        tls,
        ..Default::default()
    }
}

/// `sys_fork()`: exit_signal SIGCHLD, no flags.
pub fn fork_args() -> KernelCloneArgs {
    KernelCloneArgs { exit_signal: SIGCHLD, ..Default::default() }
}

/// `sys_vfork()`: CLONE_VFORK | CLONE_VM, SIGCHLD.
pub fn vfork_args() -> KernelCloneArgs {
    KernelCloneArgs { flags: CLONE_VFORK | CLONE_VM, exit_signal: SIGCHLD, ..Default::default() }
}

/// `kernel_clone()`'s own check: CLONE_PIDFD and CLONE_PARENT_SETTID writing
/// to the same address is EINVAL (always the case for legacy clone).
pub fn kernel_clone_check(k: &KernelCloneArgs) -> Result<(), Errno> {
    if k.flags & CLONE_PIDFD != 0 && k.flags & CLONE_PARENT_SETTID != 0 && k.pidfd == k.parent_tid {
        return Err(EINVAL);
    }
    Ok(())
}

/// The ptrace event `kernel_clone()` would report (0 with CLONE_UNTRACED):
/// 2 = PTRACE_EVENT_VFORK, 3 = PTRACE_EVENT_CLONE, 1 = PTRACE_EVENT_FORK.
/// (Linux then reports it only if the tracer enabled it.)
pub fn ptrace_event(k: &KernelCloneArgs) -> u32 {
    if k.flags & CLONE_UNTRACED != 0 {
        0
    } else if k.flags & CLONE_VFORK != 0 {
        2
    } else if k.exit_signal != SIGCHLD {
        3
    } else {
        1
    }
}

/// What [`copy_process_flag_checks`] needs to know about the calling task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CurrentTask {
    /// `current->signal->flags & SIGNAL_UNKILLABLE`: set for global init
    /// (and container inits).
    pub signal_unkillable: bool,
    /// `task_active_pid_ns(current) != current->nsproxy->pid_ns_for_children` (after
    /// unshare(CLONE_NEWPID) or setns() to a pid namespace).
    pub pid_ns_for_children_differs: bool,
    /// `current->nsproxy->time_ns != time_ns_for_children` (after unshare(CLONE_NEWTIME)).
    pub time_ns_for_children_differs: bool,
}

/// `copy_process()`'s flag checks, in Linux 6.1's order, all EINVAL:
/// 1. CLONE_NEWNS with CLONE_FS;
/// 2. CLONE_NEWUSER with CLONE_FS;
/// 3. CLONE_THREAD without CLONE_SIGHAND;
/// 4. CLONE_SIGHAND without CLONE_VM;
/// 5. CLONE_PARENT from a SIGNAL_UNKILLABLE task (init);
/// 6. CLONE_THREAD with CLONE_NEWUSER or CLONE_NEWPID, or when the children's pid
///    namespace is not the caller's own;
/// 7. CLONE_PIDFD with CLONE_DETACHED or CLONE_THREAD.
pub fn copy_process_flag_checks(flags: u64, cur: &CurrentTask) -> Result<(), Errno> {
    if flags & (CLONE_NEWNS | CLONE_FS) == (CLONE_NEWNS | CLONE_FS) {
        return Err(EINVAL);
    }
    if flags & (CLONE_NEWUSER | CLONE_FS) == (CLONE_NEWUSER | CLONE_FS) {
        return Err(EINVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0 {
        return Err(EINVAL);
    }
    if flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0 {
        return Err(EINVAL);
    }
    if flags & CLONE_PARENT != 0 && cur.signal_unkillable {
        return Err(EINVAL);
    }
    if flags & CLONE_THREAD != 0 && (flags & (CLONE_NEWUSER | CLONE_NEWPID) != 0 || cur.pid_ns_for_children_differs) {
        return Err(EINVAL);
    }
    // A child in another time namespace may not share the VM or the thread group: the two
    // would read the clocks differently.
    if flags & (CLONE_THREAD | CLONE_VM) != 0 && cur.time_ns_for_children_differs {
        return Err(EINVAL);
    }
    if flags & CLONE_PIDFD != 0 && flags & (CLONE_DETACHED | CLONE_THREAD) != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// Facts for [`copy_process_late_checks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResourceState {
    /// The user's process count is at or over RLIMIT_NPROC
    /// (`is_rlimit_overlimit()`).
    pub nproc_over_limit: bool,
    /// Exempt from RLIMIT_NPROC: the root user (INIT_USER), CAP_SYS_RESOURCE
    /// or CAP_SYS_ADMIN.
    pub nproc_exempt: bool,
    /// `nr_threads >= max_threads`.
    pub threads_at_max: bool,
}

/// The later `copy_process()` failures that depend only on simple facts, in Linux's
/// order (the kernel's own allocation failures fall in between):
/// 1. RLIMIT_NPROC exceeded and not exempt → EAGAIN;
/// 2. `nr_threads >= max_threads` → EAGAIN.
///
/// (`copy_creds()` comes before them: with CLONE_NEWUSER it creates the user namespace.)
pub fn copy_process_late_checks(_flags: u64, st: &ResourceState) -> Result<(), Errno> {
    if st.nproc_over_limit && !st.nproc_exempt {
        return Err(EAGAIN);
    }
    if st.threads_at_max {
        return Err(EAGAIN);
    }
    Ok(())
}

/// `copy_namespaces()`'s checks: Ok(false) when no new namespace is asked for (the child
/// shares its parent's nsproxy), Ok(true) when `create_new_namespaces()` runs; EPERM without
/// CAP_SYS_ADMIN in the (new) user namespace; EINVAL for CLONE_NEWIPC with CLONE_SYSVSEM (an
/// undo list cannot span two IPC namespaces).  CLONE_NEWCGROUP ([`CLONE_NS_UNSUPPORTED`])
/// passes and makes no namespace, as Linux's `copy_cgroup_ns()` stub without CONFIG_CGROUPS.
pub fn copy_namespaces_check(flags: u64, cap_sys_admin: bool) -> Result<bool, Errno> {
    if flags & CLONE_NS_FLAGS == 0 {
        return Ok(false);
    }
    if !cap_sys_admin {
        return Err(EPERM);
    }
    if flags & (CLONE_NEWIPC | CLONE_SYSVSEM) == CLONE_NEWIPC | CLONE_SYSVSEM {
        return Err(EINVAL);
    }
    Ok(true)
}

/// `ksys_unshare()`'s implications: CLONE_NEWUSER unshares the thread group and the
/// filesystem information, CLONE_VM the signal handlers, CLONE_SIGHAND the thread group,
/// CLONE_NEWNS the filesystem information.
pub fn unshare_implied_flags(mut flags: u64) -> u64 {
    if flags & CLONE_NEWUSER != 0 {
        flags |= CLONE_THREAD | CLONE_FS;
    }
    if flags & CLONE_VM != 0 {
        flags |= CLONE_SIGHAND;
    }
    if flags & CLONE_SIGHAND != 0 {
        flags |= CLONE_THREAD;
    }
    if flags & CLONE_NEWNS != 0 {
        flags |= CLONE_FS;
    }
    flags
}

/// What [`check_unshare_flags`] needs to know about the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnshareState {
    /// `!thread_group_empty(current)`: other threads in the group.
    pub has_other_threads: bool,
    /// `refcount_read(&current->sighand->count) > 1`.
    pub sighand_shared: bool,
    /// `!current_is_single_threaded()`: the mm is shared with another task.
    pub mm_shared: bool,
}

/// `check_unshare_flags()` on the flags after [`unshare_implied_flags`]: unknown flags are
/// EINVAL; CLONE_THREAD, CLONE_SIGHAND and CLONE_VM "work" only when there is nothing to
/// unshare, EINVAL otherwise.
pub fn check_unshare_flags(flags: u64, st: &UnshareState) -> Result<(), Errno> {
    let known = CLONE_THREAD
        | CLONE_FS
        | CLONE_NEWNS
        | CLONE_SIGHAND
        | CLONE_VM
        | CLONE_FILES
        | CLONE_SYSVSEM
        | CLONE_NEWUTS
        | CLONE_NEWIPC
        | CLONE_NEWNET
        | CLONE_NEWUSER
        | CLONE_NEWPID
        | CLONE_NEWCGROUP
        | CLONE_NEWTIME;
    if flags & !known != 0 {
        return Err(EINVAL);
    }
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 && st.has_other_threads {
        return Err(EINVAL);
    }
    if flags & (CLONE_SIGHAND | CLONE_VM) != 0 && st.sighand_shared {
        return Err(EINVAL);
    }
    if flags & CLONE_VM != 0 && st.mm_shared {
        return Err(EINVAL);
    }
    Ok(())
}

/// `check_setns_flags()` for setns() on a pidfd: no flag, or a flag that names no namespace,
/// is EINVAL; so is a namespace type MenuOS does not have.
pub fn check_setns_flags(flags: u64) -> Result<(), Errno> {
    if flags == 0 || flags & !(CLONE_NS_FLAGS | CLONE_NEWUSER) != 0 {
        return Err(EINVAL);
    }
    if flags & CLONE_NS_UNSUPPORTED != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// `alloc_pid()`'s first check of a clone3 `set_tid` array: at most one entry per level of
/// the new pid's namespace (`set_tid_size > ns->level + 1` is EINVAL).
pub fn set_tid_size_check(set_tid_size: usize, level: u32) -> Result<(), Errno> {
    if set_tid_size > level as usize + 1 {
        return Err(EINVAL);
    }
    Ok(())
}

/// `alloc_pid()`'s checks of the `set_tid` entry for one level, before that level's id is
/// taken: `tid < 1 || tid >= pid_max` → EINVAL; `tid != 1` while that namespace has no init
/// (child reaper) → EINVAL; no CAP_CHECKPOINT_RESTORE/CAP_SYS_ADMIN over it → EPERM.  Taking an
/// id that is in use is EEXIST (the allocator's job).
pub fn set_tid_level_check(
    tid: i32,
    pid_max: i32,
    has_child_reaper: bool,
    cap_checkpoint_restore: bool,
) -> Result<(), Errno> {
    if tid < 1 || tid >= pid_max {
        return Err(EINVAL);
    }
    if tid != 1 && !has_child_reaper {
        return Err(EINVAL);
    }
    if !cap_checkpoint_restore {
        return Err(EPERM);
    }
    Ok(())
}

/// The `set_tid` checks for a pid in the initial namespace (level 0): [`set_tid_size_check`]
/// then [`set_tid_level_check`] on the one entry.
pub fn set_tid_check(
    set_tid: &[i32],
    pid_max: i32,
    has_child_reaper: bool,
    cap_checkpoint_restore: bool,
) -> Result<(), Errno> {
    set_tid_size_check(set_tid.len(), 0)?;
    for &tid in set_tid {
        set_tid_level_check(tid, pid_max, has_child_reaper, cap_checkpoint_restore)?;
    }
    Ok(())
}

/// The child's `exit_signal` as `copy_process()` sets it: -1 for
/// CLONE_THREAD, the parent's group leader's for CLONE_PARENT, else the
/// requested one.
pub fn child_exit_signal(k: &KernelCloneArgs, parent_leader_exit_signal: i32) -> i32 {
    if k.flags & CLONE_THREAD != 0 {
        -1
    } else if k.flags & CLONE_PARENT != 0 {
        parent_leader_exit_signal
    } else {
        k.exit_signal as i32
    }
}
