use credcheck::commoncap::*;
use credcheck::perm::*;
use credcheck::setid::*;
use credcheck::*;

const EPERM: u32 = 1;
const EACCES: u32 = 13;
const EINVAL: u32 = 22;

fn root() -> Cred {
    Cred::init()
}

/// An ordinary user as login leaves it: every id the same, no capabilities.
fn user(uid: u32, gid: u32) -> Cred {
    let r = root();
    let c = setgid(&r, gid).unwrap();
    setuid(&c, uid, 0).unwrap()
}

fn ids(c: &Cred) -> [u32; 8] {
    [c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid]
}

#[test]
fn root_setuid_drops_everything() {
    let c = user(1000, 100);
    assert_eq!(ids(&c), [1000, 1000, 1000, 1000, 100, 100, 100, 100]);
    assert!(c.cap_permitted.is_clear() && c.cap_effective.is_clear() && c.cap_ambient.is_clear());
    assert_eq!(c.cap_bset, KernelCap::FULL); // the bounding set stays
                                             // and there is no way back
    assert_eq!(setuid(&c, 0, 0), Err(EPERM));
    assert_eq!(setgid(&c, 0), Err(EPERM));
    assert_eq!(setresuid(&c, Some(0), None, None, 0), Err(EPERM));
    assert_eq!(setreuid(&c, None, Some(0), 0), Err(EPERM));
}

#[test]
fn invalid_ids() {
    let r = root();
    assert_eq!(setuid(&r, INVALID_ID, 0), Err(EINVAL));
    assert_eq!(setgid(&r, INVALID_ID), Err(EINVAL));
    assert_eq!(setreuid(&r, Some(INVALID_ID), None, 0), Err(EINVAL));
    assert_eq!(setresgid(&r, None, None, Some(INVALID_ID)), Err(EINVAL));
    assert_eq!(setfsuid(&r, INVALID_ID, 0), (0, None));
}

#[test]
fn unprivileged_setuid_to_real_or_saved() {
    // a set-user-ID program: real 1000, effective and saved 0, no capabilities kept
    let r = root();
    let mut c = setresuid(&r, Some(1000), Some(2000), Some(3000), 0).unwrap();
    assert_eq!([c.uid, c.euid, c.suid, c.fsuid], [1000, 2000, 3000, 2000]);
    assert!(c.cap_effective.is_clear() && c.cap_permitted.is_clear());
    // setuid without CAP_SETUID changes euid (and fsuid) only, to the real or saved uid
    c = setuid(&c, 3000, 0).unwrap();
    assert_eq!([c.uid, c.euid, c.suid, c.fsuid], [1000, 3000, 3000, 3000]);
    c = setuid(&c, 1000, 0).unwrap();
    assert_eq!([c.uid, c.euid, c.suid, c.fsuid], [1000, 1000, 3000, 1000]);
    assert_eq!(setuid(&c, 2000, 0), Err(EPERM));
}

#[test]
fn setreuid_saved_uid_rule() {
    let r = root();
    let c = setresuid(&r, Some(1), Some(2), Some(3), 0).unwrap();
    // swapping real and effective: ruid set, so suid = new euid
    let s = setreuid(&c, Some(2), Some(1), 0).unwrap();
    assert_eq!([s.uid, s.euid, s.suid, s.fsuid], [2, 1, 1, 1]);
    // euid to the saved uid without touching ruid: euid != old ruid, so suid = euid
    let s = setreuid(&c, None, Some(3), 0).unwrap();
    assert_eq!([s.uid, s.euid, s.suid], [1, 3, 3]);
    // euid back to the real uid: suid kept
    let s = setreuid(&c, None, Some(1), 0).unwrap();
    assert_eq!([s.uid, s.euid, s.suid], [1, 1, 3]);
    // ruid may become the euid but not the saved uid
    assert_eq!(setreuid(&c, Some(3), None, 0), Err(EPERM));
    assert!(setreuid(&c, Some(2), None, 0).is_ok());
    // -1, -1 changes nothing
    assert_eq!(ids(&setreuid(&c, None, None, 0).unwrap()), ids(&c));
}

#[test]
fn setresuid_noop_and_permutations() {
    let r = root();
    let c = setresuid(&r, Some(1), Some(2), Some(3), 0).unwrap();
    assert_eq!(setresuid(&c, None, None, None, 0).unwrap(), c);
    let p = setresuid(&c, Some(3), Some(1), Some(2), 0).unwrap();
    assert_eq!([p.uid, p.euid, p.suid, p.fsuid], [3, 1, 2, 1]);
    assert_eq!(setresuid(&c, Some(4), None, None, 0), Err(EPERM));
}

#[test]
fn setfsuid_returns_old_and_moves_fs_caps() {
    let r = root();
    let (old, new) = setfsuid(&r, 1000, 0);
    assert_eq!(old, 0);
    let n = new.unwrap();
    assert_eq!(n.fsuid, 1000);
    assert!(!n.cap_effective.raised(CAP_DAC_OVERRIDE) && !n.cap_effective.raised(CAP_CHOWN));
    assert!(n.cap_effective.raised(CAP_KILL) && n.cap_effective.raised(CAP_SETUID));
    // back to 0: the fs caps return (they are still permitted)
    let (old, back) = setfsuid(&n, 0, 0);
    assert_eq!(old, 1000);
    assert_eq!(back.unwrap().cap_effective, KernelCap::FULL);
    // an unprivileged user may not pick a stranger's fsuid; the answer is still the old one
    let u = user(1000, 100);
    assert_eq!(setfsuid(&u, 7, 0), (1000, None));
    assert_eq!(setfsuid(&u, 1000, 0), (1000, None)); // no change: nothing to commit
}

#[test]
fn gid_rules() {
    let r = root();
    let c = setresgid(&r, Some(10), Some(20), Some(30)).unwrap();
    let mut u = c.clone();
    u.cap_effective = KernelCap::EMPTY;
    assert_eq!(setgid(&u, 40), Err(EPERM));
    let g = setgid(&u, 30).unwrap();
    assert_eq!([g.gid, g.egid, g.sgid, g.fsgid], [10, 30, 30, 30]);
    let g = setregid(&u, None, Some(30)).unwrap();
    assert_eq!([g.gid, g.egid, g.sgid], [10, 30, 30]);
    assert_eq!(setregid(&u, Some(30), None), Err(EPERM));
    assert_eq!(setresgid(&u, Some(99), None, None), Err(EPERM));
    assert_eq!(setfsgid(&u, 99), (20, None));
    let (old, n) = setfsgid(&u, 10);
    assert_eq!((old, n.unwrap().fsgid), (20, 10));
}

#[test]
fn keepcaps_keeps_permitted_not_effective() {
    let r = root();
    let PrctlOutcome::Commit(k) = cap_task_prctl(&r, 8 /* PR_SET_KEEPCAPS */, 1, 0, 0, 0).unwrap() else { panic!() };
    assert_eq!(cap_task_prctl(&k, 7, 0, 0, 0, 0), Ok(PrctlOutcome::Value(1)));
    let c = setresuid(&k, Some(1000), Some(1000), Some(1000), 0).unwrap();
    assert_eq!(c.cap_permitted, KernelCap::FULL);
    assert!(c.cap_effective.is_clear());
    // capset can raise the effective set again from the permitted one
    let e = cap_capset(&c, KernelCap::FULL, KernelCap::EMPTY, KernelCap::FULL).unwrap();
    assert_eq!(e.cap_effective, KernelCap::FULL);
    // exec clears SECURE_KEEP_CAPS and, as non-root, the permitted set
    let x = bprm_creds_from_file(
        &e,
        &ExecFile { mode: 0o100755, exec_ok: true, ids_mapped: true, ..Default::default() },
        &ExecCtx::default(),
        0,
    )
    .unwrap();
    assert!(x.cred.cap_permitted.is_clear() && !x.cred.issecure(SECURE_KEEP_CAPS));
    assert!(!x.secureexec);
    assert_eq!(cap_task_prctl(&r, 8, 2, 0, 0, 0), Err(EINVAL));
}

#[test]
fn capset_rules() {
    let r = root();
    // drop everything but CAP_KILL
    let kill = KernelCap(1 << CAP_KILL);
    let c = cap_capset(&r, kill, KernelCap::EMPTY, kill).unwrap();
    // permitted cannot grow back, effective must be within permitted
    assert_eq!(cap_capset(&c, kill, KernelCap::EMPTY, KernelCap::FULL), Err(EPERM));
    assert_eq!(cap_capset(&c, KernelCap(1 << CAP_CHOWN), KernelCap::EMPTY, kill), Err(EPERM));
    // inheritable: without CAP_SETPCAP only bits already permitted or inheritable
    assert_eq!(cap_capset(&c, kill, KernelCap(1 << CAP_CHOWN), kill), Err(EPERM));
    assert!(cap_capset(&c, kill, kill, kill).is_ok());
    // root with CAP_SETPCAP may add any inheritable bit within the bounding set
    let mut b = r.clone();
    b.cap_bset.lower(CAP_CHOWN);
    assert_eq!(cap_capset(&b, KernelCap::FULL, KernelCap(1 << CAP_CHOWN), KernelCap::FULL), Err(EPERM));
}

#[test]
fn ambient_capabilities() {
    let r = root();
    let net = 1u64 << CAP_NET_RAW;
    // raise needs the bit permitted and inheritable
    assert_eq!(cap_task_prctl(&r, 47, 2, CAP_NET_RAW as u64, 0, 0), Err(EPERM));
    let c = cap_capset(&r, KernelCap::FULL, KernelCap(net), KernelCap::FULL).unwrap();
    let PrctlOutcome::Commit(a) = cap_task_prctl(&c, 47, 2, CAP_NET_RAW as u64, 0, 0).unwrap() else { panic!() };
    assert_eq!(a.cap_ambient, KernelCap(net));
    assert_eq!(cap_task_prctl(&a, 47, 1, CAP_NET_RAW as u64, 0, 0), Ok(PrctlOutcome::Value(1)));
    assert_eq!(cap_task_prctl(&a, 47, 1, 41, 0, 0), Err(EINVAL));
    assert_eq!(cap_task_prctl(&a, 47, 4, 1, 0, 0), Err(EINVAL));
    assert_eq!(cap_task_prctl(&a, 47, 9, 1, 0, 0), Err(EINVAL));
    // with KEEPCAPS, becoming an ordinary user keeps the permitted set but not the ambient one
    let PrctlOutcome::Commit(k) = cap_task_prctl(&a, 8, 1, 0, 0, 0).unwrap() else { panic!() };
    let u = setresuid(&k, Some(1000), Some(1000), Some(1000), 0).unwrap();
    assert!(u.cap_ambient.is_clear());
    // re-raised as that user, the ambient bit survives exec into effective and permitted
    let e = cap_capset(&u, KernelCap(net), KernelCap(net), u.cap_permitted).unwrap();
    let PrctlOutcome::Commit(a2) = cap_task_prctl(&e, 47, 2, CAP_NET_RAW as u64, 0, 0).unwrap() else { panic!() };
    let x = bprm_creds_from_file(
        &a2,
        &ExecFile { mode: 0o100755, exec_ok: true, ids_mapped: true, ..Default::default() },
        &ExecCtx::default(),
        0,
    )
    .unwrap();
    assert_eq!(x.cred.cap_permitted, KernelCap(net));
    assert_eq!(x.cred.cap_effective, KernelCap(net));
    assert!(!x.secureexec); // ambient only: pP' ⊆ pA'
                            // lowering the inheritable bit drops the ambient one (capset's intersection)
    let l = cap_capset(&a2, a2.cap_effective, KernelCap::EMPTY, a2.cap_permitted).unwrap();
    assert!(l.cap_ambient.is_clear());
}

#[test]
fn securebits_locks() {
    let r = root();
    let bits = issecure_mask(SECURE_KEEP_CAPS) | issecure_mask(SECURE_KEEP_CAPS_LOCKED);
    let PrctlOutcome::Commit(s) = cap_task_prctl(&r, 28, bits as u64, 0, 0, 0).unwrap() else { panic!() };
    assert_eq!(cap_task_prctl(&s, 27, 0, 0, 0, 0), Ok(PrctlOutcome::Value(bits as usize)));
    // a locked bit cannot change, a lock cannot be released
    assert_eq!(cap_task_prctl(&s, 28, issecure_mask(SECURE_KEEP_CAPS_LOCKED) as u64, 0, 0, 0), Err(EPERM));
    assert_eq!(cap_task_prctl(&s, 28, issecure_mask(SECURE_KEEP_CAPS) as u64, 0, 0, 0), Err(EPERM));
    assert_eq!(cap_task_prctl(&s, 8, 0, 0, 0, 0), Err(EPERM));
    // unknown bits
    assert_eq!(cap_task_prctl(&r, 28, 1 << 8, 0, 0, 0), Err(EPERM));
    assert_eq!(cap_task_prctl(&r, 28, 1 << 40, 0, 0, 0), Err(EPERM));
    // without CAP_SETPCAP
    assert_eq!(cap_task_prctl(&user(1, 1), 28, 0, 0, 0, 0), Err(EPERM));
}

#[test]
fn bounding_set() {
    let r = root();
    assert_eq!(cap_task_prctl(&r, 23, CAP_CHOWN as u64, 0, 0, 0), Ok(PrctlOutcome::Value(1)));
    assert_eq!(cap_task_prctl(&r, 23, 41, 0, 0, 0), Err(EINVAL));
    let PrctlOutcome::Commit(d) = cap_task_prctl(&r, 24, CAP_CHOWN as u64, 0, 0, 0).unwrap() else { panic!() };
    assert_eq!(cap_task_prctl(&d, 23, CAP_CHOWN as u64, 0, 0, 0), Ok(PrctlOutcome::Value(0)));
    // root's exec takes the bounding set: CAP_CHOWN is gone from the new image
    let x = bprm_creds_from_file(
        &d,
        &ExecFile { mode: 0o100755, exec_ok: true, ids_mapped: true, ..Default::default() },
        &ExecCtx::default(),
        0,
    )
    .unwrap();
    assert!(!x.cred.cap_permitted.raised(CAP_CHOWN) && x.cred.cap_permitted.raised(CAP_KILL));
    // EPERM comes before EINVAL for an unprivileged caller
    assert_eq!(cap_task_prctl(&user(1, 1), 24, 99, 0, 0, 0), Err(EPERM));
    assert_eq!(cap_task_prctl(&r, 24, 99, 0, 0, 0), Err(EINVAL));
    assert_eq!(cap_task_prctl(&r, 1, 0, 0, 0, 0), Ok(PrctlOutcome::NotMine));
}

fn file(mode: u32, uid: u32, gid: u32) -> ExecFile {
    ExecFile { mode: 0o100000 | mode, uid, gid, exec_ok: true, ids_mapped: true, nosuid: false }
}

#[test]
fn exec_setuid_root_binary() {
    let u = user(1000, 100);
    let x = bprm_creds_from_file(&u, &file(0o4755, 0, 0), &ExecCtx::default(), 0).unwrap();
    assert_eq!([x.cred.uid, x.cred.euid, x.cred.suid, x.cred.fsuid], [1000, 0, 0, 0]);
    assert_eq!(x.cred.cap_permitted, KernelCap::FULL);
    assert_eq!(x.cred.cap_effective, KernelCap::FULL);
    assert!(x.secureexec && x.per_clear);
    // no_new_privs: the bit is ignored
    let n =
        bprm_creds_from_file(&u, &file(0o4755, 0, 0), &ExecCtx { no_new_privs: true, unsafe_share: false }, 0).unwrap();
    assert_eq!(ids(&n.cred), ids(&u));
    assert!(n.cred.cap_permitted.is_clear() && !n.secureexec);
    // a shared fs_struct: no elevation for an unprivileged caller
    let s =
        bprm_creds_from_file(&u, &file(0o4755, 0, 0), &ExecCtx { no_new_privs: false, unsafe_share: true }, 0).unwrap();
    assert_eq!(s.cred.euid, 1000);
    assert!(s.cred.cap_permitted.is_clear());
    // nosuid mount, or no exec permission: ignored
    let mut f = file(0o4755, 0, 0);
    f.nosuid = true;
    assert_eq!(bprm_creds_from_file(&u, &f, &ExecCtx::default(), 0).unwrap().cred.euid, 1000);
}

#[test]
fn exec_setuid_user_binary_and_setgid() {
    let u = user(1000, 100);
    let x = bprm_creds_from_file(&u, &file(0o4755, 2000, 0), &ExecCtx::default(), 0).unwrap();
    assert_eq!([x.cred.uid, x.cred.euid, x.cred.suid], [1000, 2000, 2000]);
    assert!(x.cred.cap_permitted.is_clear() && x.secureexec);
    // S_ISGID with S_IXGRP: the group; without: not set-group-ID (mandatory locking)
    let g = bprm_creds_from_file(&u, &file(0o2755, 0, 50), &ExecCtx::default(), 0).unwrap();
    assert_eq!([g.cred.gid, g.cred.egid, g.cred.sgid, g.cred.fsgid], [100, 50, 50, 50]);
    assert!(g.secureexec);
    let l = bprm_creds_from_file(&u, &file(0o2745, 0, 50), &ExecCtx::default(), 0).unwrap();
    assert_eq!(l.cred.egid, 100);
    assert!(!l.secureexec);
}

#[test]
fn exec_as_root_and_after_dropping() {
    let r = root();
    let x = bprm_creds_from_file(&r, &file(0o755, 1000, 100), &ExecCtx::default(), 0).unwrap();
    assert_eq!(x.cred.cap_effective, KernelCap::FULL);
    assert!(!x.secureexec);
    // real root, effective user (after seteuid): permitted full, effective empty
    let s = setresuid(&r, None, Some(1000), None, 0).unwrap();
    let y = bprm_creds_from_file(&s, &file(0o755, 1000, 100), &ExecCtx::default(), 0).unwrap();
    // exec of a non-set-user-ID file by euid 1000 is "setid" (euid != ruid): secure
    assert!(y.secureexec);
    // a setuid binary owned by the same user as the caller changes nothing
    let u = user(1000, 100);
    let z = bprm_creds_from_file(&u, &file(0o4755, 1000, 100), &ExecCtx::default(), 0).unwrap();
    assert_eq!(ids(&z.cred), ids(&u));
    assert!(!z.secureexec);
}

fn ino(mode: u32, uid: u32, gid: u32) -> InodeIds {
    InodeIds { mode, uid, gid }
}

fn nocap(_: u32) -> bool {
    false
}

#[test]
fn generic_permission_modes() {
    let mut u = user(1000, 100);
    u.groups = groups_from(vec![300, 200]);
    let f = ino(0o100640, 1000, 100);
    assert_eq!(generic_permission(&u, &f, MAY_READ | MAY_WRITE, &nocap), Ok(()));
    assert_eq!(generic_permission(&u, &f, MAY_EXEC, &nocap), Err(EACCES));
    // the owner's bits decide for the owner, even when others may
    assert_eq!(generic_permission(&u, &ino(0o100077, 1000, 1), MAY_READ, &nocap), Err(EACCES));
    // a supplementary group
    assert_eq!(generic_permission(&u, &ino(0o100040, 1, 200), MAY_READ, &nocap), Ok(()));
    assert_eq!(generic_permission(&u, &ino(0o100004, 1, 200), MAY_READ, &nocap), Err(EACCES));
    assert_eq!(generic_permission(&u, &ino(0o100004, 1, 7), MAY_READ, &nocap), Ok(()));
    // root: DAC overrides, but exec needs an x bit on files
    let r = root();
    let all = |c: u32| r.has_cap(c);
    assert_eq!(generic_permission(&r, &ino(0o100000, 5, 5), MAY_READ | MAY_WRITE, &all), Ok(()));
    assert_eq!(generic_permission(&r, &ino(0o100600, 5, 5), MAY_EXEC, &all), Err(EACCES));
    assert_eq!(generic_permission(&r, &ino(0o100001, 5, 5), MAY_EXEC, &all), Ok(()));
    assert_eq!(generic_permission(&r, &ino(0o040000, 5, 5), MAY_EXEC | MAY_WRITE, &all), Ok(()));
    // CAP_DAC_READ_SEARCH alone: read files, read and search directories
    let rs = |c: u32| c == CAP_DAC_READ_SEARCH;
    assert_eq!(generic_permission(&u, &ino(0o100000, 5, 5), MAY_READ, &rs), Ok(()));
    assert_eq!(generic_permission(&u, &ino(0o100000, 5, 5), MAY_WRITE, &rs), Err(EACCES));
    assert_eq!(generic_permission(&u, &ino(0o040000, 5, 5), MAY_EXEC | MAY_READ, &rs), Ok(()));
}

#[test]
fn sticky_and_links() {
    let u = user(1000, 100);
    let tmp = ino(0o041777, 0, 0);
    assert!(check_sticky(&u, &tmp, &ino(0o100644, 2000, 0), false));
    assert!(!check_sticky(&u, &tmp, &ino(0o100644, 1000, 0), false));
    assert!(!check_sticky(&u, &ino(0o041777, 1000, 0), &ino(0o100644, 2000, 0), false));
    assert!(!check_sticky(&u, &tmp, &ino(0o100644, 2000, 0), true));
    assert!(!check_sticky(&u, &ino(0o040777, 0, 0), &ino(0o100644, 2000, 0), false));
    assert_eq!(may_follow_link(&u, &tmp, 2000), Err(EACCES));
    assert_eq!(may_follow_link(&u, &tmp, 0), Ok(()));
    assert_eq!(may_follow_link(&u, &tmp, 1000), Ok(()));
    assert_eq!(may_follow_link(&u, &ino(0o040777, 0, 0), 2000), Ok(()));
    assert!(safe_hardlink_source(&ino(0o100644, 2000, 0), true));
    assert!(!safe_hardlink_source(&ino(0o104755, 2000, 0), true));
    assert!(!safe_hardlink_source(&ino(0o102750, 2000, 0), true));
    assert!(safe_hardlink_source(&ino(0o102740, 2000, 0), true));
    assert!(!safe_hardlink_source(&ino(0o100644, 2000, 0), false));
}

#[test]
fn attr_rules() {
    let mut u = user(1000, 100);
    u.groups = groups_from(vec![200]);
    let f = ino(0o100644, 1000, 100);
    assert!(chown_ok(&u, &f, 1000, false));
    assert!(!chown_ok(&u, &f, 0, false));
    assert!(chgrp_ok(&u, &f, 200, false));
    assert!(!chgrp_ok(&u, &f, 300, false));
    assert!(!chgrp_ok(&u, &ino(0o100644, 1, 100), 100, false));
    assert!(inode_owner_or_capable(&u, &f, false));
    assert!(!inode_owner_or_capable(&u, &ino(0o100644, 1, 100), false));
    assert_eq!(setattr_should_drop_sgid(&u, &ino(0o102755, 1000, 100), false), ATTR_KILL_SGID);
    assert_eq!(setattr_should_drop_sgid(&u, &ino(0o102745, 1000, 100), false), 0);
    assert_eq!(setattr_should_drop_sgid(&u, &ino(0o102745, 1000, 5), false), ATTR_KILL_SGID);
    assert_eq!(
        setattr_should_drop_suidgid(&u, &ino(0o106755, 1000, 100), false, false),
        ATTR_KILL_SUID | ATTR_KILL_SGID
    );
    assert_eq!(setattr_should_drop_suidgid(&u, &ino(0o106755, 1000, 100), true, true), 0);
    assert_eq!(setattr_should_drop_suidgid(&u, &ino(0o046755, 1000, 100), false, false), 0);
    // mode_strip_sgid: only in a set-group-ID directory, for non-members
    let d = ino(0o042775, 0, 500);
    assert_eq!(mode_strip_sgid(&u, &d, 0o102755, false), 0o100755);
    assert_eq!(mode_strip_sgid(&u, &d, 0o102755, true), 0o102755);
    assert_eq!(mode_strip_sgid(&u, &ino(0o040775, 0, 500), 0o102755, false), 0o102755);
}

#[test]
fn kill_and_nice() {
    let a = user(1000, 100);
    let b = user(2000, 100);
    assert!(!kill_ok_by_cred(&a, &b, false));
    assert!(kill_ok_by_cred(&a, &a, false));
    assert!(kill_ok_by_cred(&a, &b, true));
    // a set-user-ID program run by 2000 (saved 1000) may be signalled by 1000
    let s = setresuid(&root(), Some(2000), Some(2000), Some(1000), 0).unwrap();
    assert!(kill_ok_by_cred(&a, &s, false));
    assert!(set_one_prio_perm(&a, &a, false));
    assert!(!set_one_prio_perm(&a, &b, false));
}

#[test]
fn cap_words() {
    assert_eq!(KernelCap::FULL.words(), [0xffff_ffff, 0x1ff]);
    assert_eq!(KernelCap::from_words([0xffff_ffff, 0xffff_ffff]), KernelCap::FULL);
    assert_eq!(KernelCap::FULL.drop_fs_set().raise_fs_set(KernelCap::FULL), KernelCap::FULL);
}

/// exec_keeps_creds() is a shortcut: wherever it says yes, the full computation must give
/// back the same cred, not secure.  Checked over many creds, built by the rules themselves.
#[test]
fn exec_keeps_creds_agrees_with_the_rules() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut yes = 0;
    for _ in 0..20000 {
        let mut c = root();
        let ids = [0u32, 1000, 2000];
        let pick = |r: u64| ids[r as usize];
        c = setresuid(&c, Some(pick(rnd(3))), Some(pick(rnd(3))), Some(pick(rnd(3))), 0).unwrap_or(c);
        c = setresgid(&c, Some(pick(rnd(3))), Some(pick(rnd(3))), Some(pick(rnd(3)))).unwrap_or(c);
        if rnd(4) == 0 {
            c.securebits = (rnd(256) as u32) & (SECURE_ALL_BITS | SECURE_ALL_LOCKS);
        }
        if rnd(3) == 0 {
            c.cap_bset = KernelCap(rnd(1 << 41));
        }
        if rnd(3) == 0 {
            let p = KernelCap(c.cap_permitted.0 & rnd(1 << 41));
            let i = KernelCap(rnd(1 << 41));
            c.cap_permitted = p;
            c.cap_effective = KernelCap(p.0 & rnd(1 << 41));
            c.cap_inheritable = i;
            c.cap_ambient = KernelCap(p.0 & i.0 & rnd(1 << 41));
        }
        for mode in [0o100755, 0o104755, 0o102755, 0o100700] {
            let f = ExecFile { mode, uid: 5, gid: 5, exec_ok: true, ids_mapped: true, nosuid: false };
            if exec_keeps_creds(&c, mode, 0) {
                yes += 1;
                let x = bprm_creds_from_file(&c, &f, &ExecCtx::default(), 0).unwrap();
                assert_eq!(x.cred, c, "{:?}", c);
                assert!(!x.secureexec && !x.elevates);
            }
        }
    }
    assert!(yes > 100, "the shortcut was taken {} times", yes);
}
