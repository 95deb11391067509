//! The capability rules of the commoncap LSM, which every Linux runs: what setuid does to
//! the capability sets, capset's rules, the capability prctls, and the credentials an exec
//! computes.  Linux: security/commoncap.c (cap_task_fix_setuid, cap_emulate_setxuid,
//! cap_capset, cap_task_prctl, cap_bprm_creds_from_file, handle_privileged_root),
//! fs/exec.c (bprm_fill_uid).

use crate::caps::*;
use crate::cred::Cred;
use crate::Errno;
use linux_raw_sys::errno::{EINVAL, EPERM};
use linux_raw_sys::general::{S_ISGID, S_ISUID, S_IXGRP};
use linux_raw_sys::prctl::{
    PR_CAPBSET_DROP, PR_CAPBSET_READ, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, PR_CAP_AMBIENT_IS_SET,
    PR_CAP_AMBIENT_LOWER, PR_CAP_AMBIENT_RAISE, PR_GET_KEEPCAPS, PR_GET_SECUREBITS, PR_SET_KEEPCAPS, PR_SET_SECUREBITS,
};

/// Which set*id call (Linux: LSM_SETID_ID, LSM_SETID_RE, LSM_SETID_RES, LSM_SETID_FS).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SetidKind {
    Id,
    Re,
    Res,
    Fs,
}

/// Linux: cap_emulate_setxuid() — leaving uid 0 (every one of real, effective and saved)
/// clears the permitted and effective sets (unless SECURE_KEEP_CAPS) and the ambient set; an
/// effective uid leaving 0 clears the effective set, one coming back to 0 raises it to the
/// permitted set.
fn cap_emulate_setxuid(new: &mut Cred, old: &Cred, root_uid: u32) {
    let was_root = old.uid == root_uid || old.euid == root_uid || old.suid == root_uid;
    let is_root = new.uid == root_uid || new.euid == root_uid || new.suid == root_uid;
    if was_root && !is_root {
        if !old.issecure(SECURE_KEEP_CAPS) {
            new.cap_permitted = KernelCap::EMPTY;
            new.cap_effective = KernelCap::EMPTY;
        }
        new.cap_ambient = KernelCap::EMPTY;
    }
    if old.euid == root_uid && new.euid != root_uid {
        new.cap_effective = KernelCap::EMPTY;
    }
    if old.euid != root_uid && new.euid == root_uid {
        new.cap_effective = new.cap_permitted;
    }
}

/// Linux: cap_task_fix_setuid() (security_task_fix_setuid()).  `issecure()` reads the
/// caller's securebits, which are `old`'s.
pub fn cap_task_fix_setuid(new: &mut Cred, old: &Cred, kind: SetidKind, root_uid: u32) {
    if old.issecure(SECURE_NO_SETUID_FIXUP) {
        return;
    }
    match kind {
        SetidKind::Id | SetidKind::Re | SetidKind::Res => cap_emulate_setxuid(new, old, root_uid),
        SetidKind::Fs => {
            // fsuid leaving 0 drops the filesystem capabilities from the effective set;
            // coming back raises those of them that are permitted.
            if old.fsuid == root_uid && new.fsuid != root_uid {
                new.cap_effective = new.cap_effective.drop_fs_set();
            }
            if old.fsuid != root_uid && new.fsuid == root_uid {
                new.cap_effective = new.cap_effective.raise_fs_set(new.cap_permitted);
            }
        }
    }
}

/// Linux: capset(2) after cap_validate_magic(): cap_capset()'s rules.  The new inheritable
/// set may only add bits that are permitted (unless CAP_SETPCAP) and in the bounding set;
/// the permitted set may only shrink; effective ⊆ new permitted.  Ambient bits no longer both
/// permitted and inheritable go.
pub fn cap_capset(
    old: &Cred,
    effective: KernelCap,
    inheritable: KernelCap,
    permitted: KernelCap,
) -> Result<Cred, Errno> {
    // Linux: cap_inh_is_capped(): capped unless CAP_SETPCAP.
    if !old.has_cap(CAP_SETPCAP) && !inheritable.is_subset(old.cap_inheritable.combine(old.cap_permitted)) {
        return Err(EPERM);
    }
    if !inheritable.is_subset(old.cap_inheritable.combine(old.cap_bset)) {
        return Err(EPERM);
    }
    if !permitted.is_subset(old.cap_permitted) {
        return Err(EPERM);
    }
    if !effective.is_subset(permitted) {
        return Err(EPERM);
    }
    let mut new = old.clone();
    new.cap_effective = effective;
    new.cap_inheritable = inheritable;
    new.cap_permitted = permitted;
    new.cap_ambient = new.cap_ambient.intersect(permitted.intersect(inheritable));
    if !new.ambient_invariant_ok() {
        return Err(EINVAL);
    }
    Ok(new)
}

/// What a capability prctl asks of its caller (Linux: cap_task_prctl()'s return value:
/// a number, or commit_creds(new), or -ENOSYS for options it does not handle).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PrctlOutcome {
    /// The option's result.
    Value(usize),
    /// Commit this cred; the result is 0.
    Commit(Cred),
    /// Not a capability prctl: prctl's own switch handles it.
    NotMine,
}

/// Linux: cap_task_prctl(): PR_CAPBSET_READ/DROP, PR_SET/GET_SECUREBITS, PR_SET/GET_KEEPCAPS,
/// PR_CAP_AMBIENT.
pub fn cap_task_prctl(
    old: &Cred,
    option: u32,
    arg2: u64,
    arg3: u64,
    arg4: u64,
    arg5: u64,
) -> Result<PrctlOutcome, Errno> {
    use PrctlOutcome::*;
    match option {
        PR_CAPBSET_READ => {
            if !cap_valid(arg2) {
                return Err(EINVAL);
            }
            Ok(Value(old.cap_bset.raised(arg2 as u32) as usize))
        }
        PR_CAPBSET_DROP => {
            // Linux: cap_prctl_drop(): the privilege first, then the number.
            if !old.has_cap(CAP_SETPCAP) {
                return Err(EPERM);
            }
            if !cap_valid(arg2) {
                return Err(EINVAL);
            }
            let mut new = old.clone();
            new.cap_bset.lower(arg2 as u32);
            Ok(Commit(new))
        }
        PR_SET_SECUREBITS => {
            let cur = old.securebits as u64;
            let locks = SECURE_ALL_LOCKS as u64;
            // [1] a locked bit may not change, [2] a lock may not be released, [3] only known
            // bits, [4] CAP_SETPCAP.
            if ((cur & locks) >> 1) & (cur ^ arg2) != 0
                || cur & locks & !arg2 != 0
                || arg2 & !((SECURE_ALL_LOCKS | SECURE_ALL_BITS) as u64) != 0
                || !old.has_cap(CAP_SETPCAP)
            {
                return Err(EPERM);
            }
            let mut new = old.clone();
            new.securebits = arg2 as u32;
            Ok(Commit(new))
        }
        PR_GET_SECUREBITS => Ok(Value(old.securebits as usize)),
        PR_GET_KEEPCAPS => Ok(Value(old.issecure(SECURE_KEEP_CAPS) as usize)),
        PR_SET_KEEPCAPS => {
            if arg2 > 1 {
                return Err(EINVAL);
            }
            if old.issecure(SECURE_KEEP_CAPS_LOCKED) {
                return Err(EPERM);
            }
            let mut new = old.clone();
            if arg2 != 0 {
                new.securebits |= issecure_mask(SECURE_KEEP_CAPS);
            } else {
                new.securebits &= !issecure_mask(SECURE_KEEP_CAPS);
            }
            Ok(Commit(new))
        }
        PR_CAP_AMBIENT => {
            if arg2 == PR_CAP_AMBIENT_CLEAR_ALL as u64 {
                if arg3 | arg4 | arg5 != 0 {
                    return Err(EINVAL);
                }
                let mut new = old.clone();
                new.cap_ambient = KernelCap::EMPTY;
                return Ok(Commit(new));
            }
            if !cap_valid(arg3) || arg4 != 0 || arg5 != 0 {
                return Err(EINVAL);
            }
            let cap = arg3 as u32;
            if arg2 == PR_CAP_AMBIENT_IS_SET as u64 {
                return Ok(Value(old.cap_ambient.raised(cap) as usize));
            }
            if arg2 != PR_CAP_AMBIENT_RAISE as u64 && arg2 != PR_CAP_AMBIENT_LOWER as u64 {
                return Err(EINVAL);
            }
            if arg2 == PR_CAP_AMBIENT_RAISE as u64
                && (!old.cap_permitted.raised(cap)
                    || !old.cap_inheritable.raised(cap)
                    || old.issecure(SECURE_NO_CAP_AMBIENT_RAISE))
            {
                return Err(EPERM);
            }
            let mut new = old.clone();
            if arg2 == PR_CAP_AMBIENT_RAISE as u64 {
                new.cap_ambient.raise(cap);
            } else {
                new.cap_ambient.lower(cap);
            }
            Ok(Commit(new))
        }
        _ => Ok(NotMine),
    }
}

/// The executable, as bprm_fill_uid() sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExecFile {
    /// i_mode
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// inode_permission(MAY_EXEC) passed (it is checked again under the inode lock: "did the
    /// exec bit vanish out from under us?").
    pub exec_ok: bool,
    /// The owner and group have mappings in the new cred's user namespace.
    pub ids_mapped: bool,
    /// The file is on a nosuid mount (mnt_may_suid() is false).
    pub nosuid: bool,
}

/// The facts about the caller exec's credential computation reads (Linux: bprm->unsafe from
/// check_unsafe_exec(), and task_no_new_privs()).
#[derive(Clone, Copy, Debug, Default)]
pub struct ExecCtx {
    /// PR_SET_NO_NEW_PRIVS is set (LSM_UNSAFE_NO_NEW_PRIVS).
    pub no_new_privs: bool,
    /// fs_struct shared with a task outside the thread group (LSM_UNSAFE_SHARE).
    pub unsafe_share: bool,
}

/// What exec computed: the cred to commit at the point of no return, and AT_SECURE.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExecCreds {
    pub cred: Cred,
    /// Linux: bprm->secureexec — AT_SECURE in the auxiliary vector, pdeath_signal cleared.
    pub secureexec: bool,
    /// Linux: bprm->per_clear has PER_CLEAR_ON_SETID (the personality bits to clear).
    pub per_clear: bool,
    /// The exec changes ids or gains capabilities (is_setid || __cap_gained(permitted)): the
    /// case where ExecCtx's unsafe conditions matter, so the caller need only find out
    /// whether its fs_struct is shared when this is set.
    pub elevates: bool,
}

/// Linux: bprm_fill_uid() — set-user-ID and set-group-ID files (the group bit only with the
/// group execute bit: without it, S_ISGID means mandatory locking).
fn bprm_fill_uid(new: &mut Cred, per_clear: &mut bool, f: &ExecFile, ctx: &ExecCtx) {
    if f.nosuid || ctx.no_new_privs || f.mode & (S_ISUID | S_ISGID) == 0 {
        return;
    }
    if !f.exec_ok || !f.ids_mapped {
        return;
    }
    if f.mode & S_ISUID != 0 {
        *per_clear = true;
        new.euid = f.uid;
    }
    if f.mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
        *per_clear = true;
        new.egid = f.gid;
    }
}

/// Whether an exec of a file with `mode` leaves `old` exactly as it is, with secureexec off —
/// what most execs are (no set-id bits; ids that agree; the capability sets exec would give
/// anyway).  A quick answer for the kernel's hot path, equal to running
/// [`bprm_creds_from_file`] and comparing (the tests check it against that).
pub fn exec_keeps_creds(old: &Cred, mode: u32, root_uid: u32) -> bool {
    if mode & (S_ISUID | S_ISGID) != 0 || old.securebits & issecure_mask(SECURE_KEEP_CAPS) != 0 {
        return false;
    }
    let u = old.uid;
    let g = old.gid;
    if old.euid != u || old.suid != u || old.fsuid != u || old.egid != g || old.sgid != g || old.fsgid != g {
        return false;
    }
    if !old.ambient_invariant_ok() {
        return false;
    }
    if u == root_uid && !old.issecure(SECURE_NOROOT) {
        // pP' = bset | pI (| pA, within it), pE' = pP'
        let p = old.cap_bset.combine(old.cap_inheritable).combine(old.cap_ambient);
        old.cap_permitted == p && old.cap_effective == p
    } else {
        // pP' = pE' = pA'; not secure as long as pP' does not grow beyond pA'
        old.cap_permitted == old.cap_ambient && old.cap_effective == old.cap_ambient
    }
}

/// Linux: prepare_exec_creds() + bprm_creds_from_file() = bprm_fill_uid() +
/// cap_bprm_creds_from_file(), for a file without file capabilities (the rootfs keeps no
/// security.capability xattrs).  `root_uid` is uid 0 of the cred's user namespace.
pub fn bprm_creds_from_file(old: &Cred, f: &ExecFile, ctx: &ExecCtx, root_uid: u32) -> Result<ExecCreds, Errno> {
    let mut new = old.clone();
    let mut per_clear = false;
    bprm_fill_uid(&mut new, &mut per_clear, f, ctx);

    if !old.ambient_invariant_ok() {
        return Err(EPERM);
    }
    // Linux: get_file_caps(): the permitted set starts empty; no file capabilities.
    new.cap_permitted = KernelCap::EMPTY;
    let has_fcap = false;
    let mut effective = false;

    // Linux: handle_privileged_root(): root (real or effective) gets the bounding set plus
    // the inheritable set; an effective root gets them effective too.
    if !old.issecure(SECURE_NOROOT) {
        let is_eff = new.euid == root_uid;
        let is_real = new.uid == root_uid;
        if !(has_fcap && !is_real && is_eff) {
            if is_eff || is_real {
                new.cap_permitted = old.cap_bset.combine(old.cap_inheritable);
            }
            if is_eff {
                effective = true;
            }
        }
    }

    let gained_permitted = !new.cap_permitted.is_subset(old.cap_permitted);
    if gained_permitted {
        per_clear = true;
    }
    let is_setid = new.euid != old.uid || new.egid != old.gid;

    // Don't let someone trace a set[ug]id/setpcap binary with the revised credentials, nor
    // run one from a shared fs_struct or under no_new_privs (the ptracer case needs ptrace).
    let elevates = is_setid || gained_permitted;
    if elevates && (ctx.unsafe_share || ctx.no_new_privs) {
        if !old.has_cap(CAP_SETUID) || ctx.no_new_privs {
            new.euid = new.uid;
            new.egid = new.gid;
        }
        new.cap_permitted = new.cap_permitted.intersect(old.cap_permitted);
    }

    new.suid = new.euid;
    new.fsuid = new.euid;
    new.sgid = new.egid;
    new.fsgid = new.egid;

    if has_fcap || is_setid {
        new.cap_ambient = KernelCap::EMPTY;
    }
    // pP' = (X & fP) | (pI & fI) | pA'
    new.cap_permitted = new.cap_permitted.combine(new.cap_ambient);
    // pE' = (fE ? pP' : pA')
    new.cap_effective = if effective { new.cap_permitted } else { new.cap_ambient };
    if !new.ambient_invariant_ok() {
        return Err(EPERM);
    }
    new.securebits &= !issecure_mask(SECURE_KEEP_CAPS);

    let secureexec = is_setid || (new.uid != root_uid && (effective || !new.cap_permitted.is_subset(new.cap_ambient)));
    Ok(ExecCreds { cred: new, secureexec, per_clear, elevates })
}
