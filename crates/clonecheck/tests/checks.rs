use clonecheck::*;

const TS: u64 = 0x40_0000_0000;
const EINVAL: u32 = 22;
const E2BIG: u32 = 7;
const EPERM: u32 = 1;
const EAGAIN: u32 = 11;

fn c3(a: CloneArgs) -> Result<KernelCloneArgs, u32> {
    clone3(&a.to_bytes(), TS)
}
fn base() -> CloneArgs {
    CloneArgs { exit_signal: 17, ..Default::default() }
}

#[test]
fn sizes() {
    let b = base().to_bytes();
    assert_eq!(clone3(&b[..63], TS), Err(EINVAL));
    assert!(clone3(&b[..64], TS).is_ok());
    assert!(clone3(&b[..80], TS).is_ok());
    let mut big = vec![0u8; 4096];
    big[..88].copy_from_slice(&b);
    assert!(clone3(&big, TS).is_ok()); // zero tail is fine
    big[100] = 1;
    assert_eq!(clone3(&big, TS), Err(E2BIG)); // non-zero tail
    let mut huge = vec![0u8; 4097];
    huge[..88].copy_from_slice(&b);
    assert_eq!(clone3(&huge, TS), Err(E2BIG)); // > PAGE_SIZE first
    assert_eq!(clone3(&[0u8; 4097][..], TS), Err(E2BIG));
    assert_eq!(clone3_size_check(10), Err(EINVAL));
    assert_eq!(clone3_size_check(5000), Err(E2BIG));
    // a short struct reads the missing fields as 0
    let mut a = base();
    a.cgroup = 5;
    a.set_tid = 0x1000;
    a.set_tid_size = 1;
    let k = copy_clone_args_from_user(&a.to_bytes()[..64]).unwrap();
    assert_eq!((k.set_tid, k.set_tid_size, k.cgroup), (0, 0, 0));
}

#[test]
fn field_checks_in_order() {
    // set_tid_size > MAX_PID_NS_LEVEL before anything else field-wise
    let a = CloneArgs { set_tid_size: 33, set_tid: 8, exit_signal: 1000, ..Default::default() };
    assert_eq!(c3(a), Err(EINVAL));
    assert_eq!(c3(CloneArgs { set_tid_size: 1, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { set_tid: 0x1000, ..base() }), Err(EINVAL));
    let k = c3(CloneArgs { set_tid: 0x1000, set_tid_size: 1, ..base() }).unwrap();
    assert_eq!((k.set_tid, k.set_tid_size), (0x1000, 1));
    assert_eq!(c3(CloneArgs { exit_signal: 65, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { exit_signal: 1 << 32, ..base() }), Err(EINVAL));
    assert!(c3(CloneArgs { exit_signal: 64, ..base() }).is_ok());
    assert!(c3(CloneArgs { exit_signal: 0, ..base() }).is_ok());
    // CLONE_INTO_CGROUP: cgroup > INT_MAX or a VER0/VER1 struct
    assert_eq!(c3(CloneArgs { flags: CLONE_INTO_CGROUP, cgroup: 1 << 31, ..base() }), Err(EINVAL));
    let a = CloneArgs { flags: CLONE_INTO_CGROUP, cgroup: 3, ..base() };
    assert!(clone3(&a.to_bytes(), TS).is_ok());
    assert_eq!(clone3(&a.to_bytes()[..80], TS), Err(EINVAL));
}

#[test]
fn clone3_args_valid_checks() {
    assert_eq!(c3(CloneArgs { flags: 1 << 34, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { flags: CLONE_DETACHED, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { flags: CLONE_NEWTIME, ..base() }), Err(EINVAL)); // inside CSIGNAL
    assert_eq!(c3(CloneArgs { flags: 17, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { flags: CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND, ..base() }), Err(EINVAL));
    assert!(c3(CloneArgs { flags: CLONE_CLEAR_SIGHAND, ..base() }).is_ok());
    assert_eq!(c3(CloneArgs { flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { flags: CLONE_PARENT, ..base() }), Err(EINVAL));
    assert!(c3(CloneArgs { flags: CLONE_PARENT, exit_signal: 0, ..Default::default() }).is_ok());
    // stack rules
    assert_eq!(c3(CloneArgs { stack_size: 10, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { stack: 0x1000, ..base() }), Err(EINVAL));
    assert_eq!(c3(CloneArgs { stack: TS - 0x1000, stack_size: 0x2000, ..base() }), Err(EINVAL));
    let k = c3(CloneArgs { stack: 0x10_0000, stack_size: 0x4000, ..base() }).unwrap();
    assert_eq!(k.stack, 0x10_4000);
    assert_eq!(k.stack_size, 0x4000);
}

#[test]
fn legacy_clone_mapping() {
    let k = sys_clone_args(
        0xdead_0000_0000_0000 | CLONE_VM | CLONE_SETTLS | CLONE_DETACHED | 17,
        0x5000,
        0x6000,
        0x7000,
        0x8000,
    );
    assert_eq!(k.flags, CLONE_VM | CLONE_SETTLS | CLONE_DETACHED);
    assert_eq!(k.exit_signal, 17);
    assert_eq!((k.stack, k.parent_tid, k.pidfd, k.tls, k.child_tid), (0x5000, 0x6000, 0x6000, 0x7000, 0x8000));
    assert_eq!(k.stack_size, 0);
    // legacy exit signal is not validated
    assert_eq!(sys_clone_args(200, 0, 0, 0, 0).exit_signal, 200);
    assert_eq!(fork_args(), KernelCloneArgs { exit_signal: 17, ..Default::default() });
    assert_eq!(vfork_args().flags, CLONE_VM | CLONE_VFORK);
}

#[test]
fn kernel_clone_pidfd_parent_tid() {
    let k = sys_clone_args(CLONE_PIDFD | CLONE_PARENT_SETTID, 0, 0x6000, 0, 0);
    assert_eq!(kernel_clone_check(&k), Err(EINVAL));
    let k = sys_clone_args(CLONE_PIDFD, 0, 0x6000, 0, 0);
    assert_eq!(kernel_clone_check(&k), Ok(()));
    let mut a = base();
    a.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    a.pidfd = 0x100;
    a.parent_tid = 0x200;
    assert_eq!(kernel_clone_check(&c3(a).unwrap()), Ok(()));
    a.parent_tid = 0x100;
    assert_eq!(kernel_clone_check(&c3(a).unwrap()), Err(EINVAL));
    assert_eq!(ptrace_event(&fork_args()), 1);
    assert_eq!(ptrace_event(&vfork_args()), 2);
    assert_eq!(ptrace_event(&sys_clone_args(CLONE_VM, 0, 0, 0, 0)), 3);
    assert_eq!(ptrace_event(&sys_clone_args(CLONE_UNTRACED | 17, 0, 0, 0, 0)), 0);
}

#[test]
fn copy_process_order() {
    let c = CurrentTask::default();
    let init = CurrentTask { signal_unkillable: true, ..Default::default() };
    let setns_pid = CurrentTask { pid_ns_for_children_differs: true, ..Default::default() };
    let newtime = CurrentTask { time_ns_for_children_differs: true, ..Default::default() };
    assert_eq!(copy_process_flag_checks(CLONE_VM, &newtime), Err(EINVAL));
    assert_eq!(copy_process_flag_checks(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, &newtime), Err(EINVAL));
    assert_eq!(copy_process_flag_checks(CLONE_FILES, &newtime), Ok(()));
    let f = copy_process_flag_checks;
    assert_eq!(f(CLONE_NEWNS | CLONE_FS, &c), Err(EINVAL));
    assert_eq!(f(CLONE_NEWUSER | CLONE_FS, &c), Err(EINVAL));
    assert_eq!(f(CLONE_THREAD | CLONE_VM, &c), Err(EINVAL));
    assert_eq!(f(CLONE_SIGHAND, &c), Err(EINVAL));
    assert_eq!(f(CLONE_PARENT, &init), Err(EINVAL));
    assert_eq!(f(CLONE_PARENT, &c), Ok(()));
    assert_eq!(f(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, &init), Ok(())); // threads of init are fine
    assert_eq!(f(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, &c), Err(EINVAL));
    assert_eq!(f(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWUSER, &c), Err(EINVAL));
    assert_eq!(f(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, &setns_pid), Err(EINVAL));
    assert_eq!(f(CLONE_VM, &setns_pid), Ok(()));
    assert_eq!(f(CLONE_PIDFD | CLONE_DETACHED, &c), Err(EINVAL));
    assert_eq!(f(CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, &c), Err(EINVAL));
    assert_eq!(f(CLONE_PIDFD, &c), Ok(()));
    assert_eq!(
        f(
            CLONE_VM
                | CLONE_FS
                | CLONE_FILES
                | CLONE_SIGHAND
                | CLONE_THREAD
                | CLONE_SYSVSEM
                | CLONE_SETTLS
                | CLONE_PARENT_SETTID
                | CLONE_CHILD_CLEARTID,
            &c
        ),
        Ok(())
    );
    assert_eq!(f(CLONE_DETACHED, &c), Ok(())); // legacy: ignored
}

#[test]
fn late_checks() {
    let root = ResourceState { nproc_exempt: true, ..Default::default() };
    let user = ResourceState::default();
    let l = copy_process_late_checks;
    assert_eq!(l(CLONE_NEWUSER, &root), Ok(()));
    assert_eq!(l(0, &ResourceState { nproc_over_limit: true, ..user }), Err(EAGAIN));
    assert_eq!(l(0, &ResourceState { nproc_over_limit: true, ..root }), Ok(()));
    assert_eq!(l(0, &ResourceState { threads_at_max: true, ..root }), Err(EAGAIN));
    assert_eq!(l(CLONE_VM | CLONE_FILES, &user), Ok(()));
}

#[test]
fn namespaces() {
    let c = copy_namespaces_check;
    assert_eq!(c(0, false), Ok(false));
    assert_eq!(c(CLONE_VM | CLONE_NEWUSER, false), Ok(false));
    for ns in [CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME, CLONE_NEWCGROUP] {
        assert_eq!(c(ns, false), Err(EPERM));
        assert_eq!(c(ns, true), Ok(true));
    }
    assert_eq!(c(CLONE_NEWIPC | CLONE_SYSVSEM, true), Err(EINVAL));
    assert_eq!(c(CLONE_NEWUTS | CLONE_SYSVSEM, true), Ok(true));
}

#[test]
fn unshare() {
    assert_eq!(unshare_implied_flags(CLONE_NEWUSER), CLONE_NEWUSER | CLONE_THREAD | CLONE_FS);
    assert_eq!(unshare_implied_flags(CLONE_VM), CLONE_VM | CLONE_SIGHAND | CLONE_THREAD);
    assert_eq!(unshare_implied_flags(CLONE_NEWNS), CLONE_NEWNS | CLONE_FS);
    assert_eq!(unshare_implied_flags(CLONE_FILES), CLONE_FILES);
    let alone = UnshareState::default();
    let threads = UnshareState { has_other_threads: true, sighand_shared: true, mm_shared: true };
    let vfork_child = UnshareState { mm_shared: true, ..alone };
    let u = |f| check_unshare_flags(unshare_implied_flags(f), &alone);
    assert_eq!(u(0), Ok(()));
    assert_eq!(u(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS), Ok(()));
    assert_eq!(u(CLONE_VM | CLONE_FILES | CLONE_SYSVSEM), Ok(()));
    assert_eq!(u(CLONE_SETTLS), Err(EINVAL));
    assert_eq!(u(CLONE_PIDFD), Err(EINVAL));
    assert_eq!(u(1 << 40), Err(EINVAL));
    let t = |f| check_unshare_flags(unshare_implied_flags(f), &threads);
    assert_eq!(t(CLONE_NEWUSER), Err(EINVAL));
    assert_eq!(t(CLONE_THREAD), Err(EINVAL));
    assert_eq!(t(CLONE_NEWNS | CLONE_FILES), Ok(()));
    assert_eq!(check_unshare_flags(unshare_implied_flags(CLONE_VM), &vfork_child), Err(EINVAL));
    assert_eq!(check_unshare_flags(unshare_implied_flags(CLONE_SIGHAND), &vfork_child), Ok(()));
}

#[test]
fn setns() {
    assert_eq!(check_setns_flags(0), Err(EINVAL));
    assert_eq!(check_setns_flags(u32::MAX as u64), Err(EINVAL));
    assert_eq!(check_setns_flags(CLONE_VM), Err(EINVAL));
    assert_eq!(check_setns_flags(CLONE_NEWUSER | CLONE_VM), Err(EINVAL));
    assert_eq!(check_setns_flags(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC), Ok(()));
    assert_eq!(check_setns_flags(CLONE_NEWNET | CLONE_NEWTIME), Ok(()));
    assert_eq!(check_setns_flags(CLONE_NEWCGROUP), Err(EINVAL));
    assert_eq!(check_setns_flags(CLONE_NEWUTS | CLONE_NEWCGROUP), Err(EINVAL));
}

#[test]
fn set_tid() {
    assert_eq!(set_tid_check(&[], 32768, true, false), Ok(()));
    assert_eq!(set_tid_check(&[5, 6], 32768, true, true), Err(EINVAL));
    assert_eq!(set_tid_check(&[0], 32768, true, true), Err(EINVAL));
    assert_eq!(set_tid_check(&[32768], 32768, true, true), Err(EINVAL));
    assert_eq!(set_tid_check(&[5], 32768, false, true), Err(EINVAL));
    assert_eq!(set_tid_check(&[1], 32768, false, true), Ok(()));
    assert_eq!(set_tid_check(&[5], 32768, true, false), Err(EPERM));
    assert_eq!(set_tid_check(&[5], 32768, true, true), Ok(()));
    assert_eq!(set_tid_size_check(2, 1), Ok(()));
    assert_eq!(set_tid_size_check(3, 1), Err(EINVAL));
    assert_eq!(set_tid_size_check(33, 32), Ok(()));
    assert_eq!(set_tid_level_check(-1, 32768, true, true), Err(EINVAL));
    assert_eq!(set_tid_level_check(1, 32768, false, false), Err(EPERM));
}

#[test]
fn exit_signal_of_child() {
    assert_eq!(child_exit_signal(&fork_args(), 9), 17);
    assert_eq!(child_exit_signal(&sys_clone_args(CLONE_PARENT, 0, 0, 0, 0), 9), 9);
    assert_eq!(child_exit_signal(&sys_clone_args(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | 17, 0, 0, 0, 0), 9), -1);
}
