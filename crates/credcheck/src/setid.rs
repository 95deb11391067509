//! The set*id rules.  Linux: kernel/sys.c (__sys_setregid, __sys_setgid, __sys_setreuid,
//! __sys_setuid, __sys_setresuid, __sys_setresgid, __sys_setfsuid, __sys_setfsgid), with
//! security_task_fix_setuid() = commoncap's cap_task_fix_setuid() applied as Linux does.
//!
//! Each function takes the caller's cred (`old`) and returns the cred to commit, or the
//! errno.  `None` stands for an argument of -1 ("unchanged"); `Some(INVALID_ID)` for a number
//! with no mapping in the caller's user namespace (EINVAL).  `root_uid` is uid 0 of the
//! caller's user namespace (`make_kuid(old->user_ns, 0)`), for the capability fix-ups.
//! CAP_SETUID and CAP_SETGID are checked in the caller's own namespace (ns_capable_setid on
//! old->user_ns): the effective bit.
//!
//! The kernel adds what is not plain data: a new per-user count when the real uid changed
//! (set_user, EAGAIN), PF_NPROC_EXCEEDED (flag_nproc_exceeded), and commit_creds().

use crate::caps::{CAP_SETGID, CAP_SETUID};
use crate::commoncap::{cap_task_fix_setuid, SetidKind};
use crate::cred::Cred;
use crate::{Errno, INVALID_ID};
use linux_raw_sys::errno::{EINVAL, EPERM};

fn valid(id: Option<u32>) -> Result<(), Errno> {
    if id == Some(INVALID_ID) {
        Err(EINVAL)
    } else {
        Ok(())
    }
}

/// Linux: __sys_setuid().  With CAP_SETUID: real, effective, saved and fs uid; without: the
/// effective (and fs) uid, to the real or the saved one only.
pub fn setuid(old: &Cred, kuid: u32, root_uid: u32) -> Result<Cred, Errno> {
    valid(Some(kuid))?;
    let mut new = old.clone();
    if old.has_cap(CAP_SETUID) {
        new.uid = kuid;
        new.suid = kuid;
    } else if kuid != old.uid && kuid != new.suid {
        return Err(EPERM);
    }
    new.fsuid = kuid;
    new.euid = kuid;
    cap_task_fix_setuid(&mut new, old, SetidKind::Id, root_uid);
    Ok(new)
}

/// Linux: __sys_setreuid().  Unprivileged: the real uid to the real or effective one, the
/// effective uid to the real, effective or saved one.  The saved uid follows the effective
/// one when the real uid is set or the effective one leaves the old real uid.
pub fn setreuid(old: &Cred, ruid: Option<u32>, euid: Option<u32>, root_uid: u32) -> Result<Cred, Errno> {
    valid(ruid)?;
    valid(euid)?;
    let mut new = old.clone();
    let cap = old.has_cap(CAP_SETUID);
    if let Some(r) = ruid {
        new.uid = r;
        if old.uid != r && old.euid != r && !cap {
            return Err(EPERM);
        }
    }
    if let Some(e) = euid {
        new.euid = e;
        if old.uid != e && old.euid != e && old.suid != e && !cap {
            return Err(EPERM);
        }
    }
    if ruid.is_some() || euid.is_some_and(|e| e != old.uid) {
        new.suid = new.euid;
    }
    new.fsuid = new.euid;
    cap_task_fix_setuid(&mut new, old, SetidKind::Re, root_uid);
    Ok(new)
}

/// Linux: __sys_setresuid().  Unprivileged: each id to one of the current real, effective
/// or saved uids.  A call that changes nothing succeeds at once.
pub fn setresuid(
    old: &Cred,
    ruid: Option<u32>,
    euid: Option<u32>,
    suid: Option<u32>,
    root_uid: u32,
) -> Result<Cred, Errno> {
    valid(ruid)?;
    valid(euid)?;
    valid(suid)?;
    if ruid.is_none_or(|r| r == old.uid)
        && euid.is_none_or(|e| e == old.euid && e == old.fsuid)
        && suid.is_none_or(|s| s == old.suid)
    {
        return Ok(old.clone());
    }
    let is_new = |id: Option<u32>| id.is_some_and(|i| i != old.uid && i != old.euid && i != old.suid);
    if (is_new(ruid) || is_new(euid) || is_new(suid)) && !old.has_cap(CAP_SETUID) {
        return Err(EPERM);
    }
    let mut new = old.clone();
    if let Some(r) = ruid {
        new.uid = r;
    }
    if let Some(e) = euid {
        new.euid = e;
    }
    if let Some(s) = suid {
        new.suid = s;
    }
    new.fsuid = new.euid;
    cap_task_fix_setuid(&mut new, old, SetidKind::Res, root_uid);
    Ok(new)
}

/// Linux: __sys_setfsuid(): returns the old fsuid, always, and the cred to commit when the
/// change is allowed (to the real, effective, saved or current fs uid, or with CAP_SETUID)
/// and is a change.
pub fn setfsuid(old: &Cred, kuid: u32, root_uid: u32) -> (u32, Option<Cred>) {
    if kuid == INVALID_ID {
        return (old.fsuid, None);
    }
    // (Linux also allows the current fsuid, which changes nothing.)
    if kuid != old.fsuid && (kuid == old.uid || kuid == old.euid || kuid == old.suid || old.has_cap(CAP_SETUID)) {
        let mut new = old.clone();
        new.fsuid = kuid;
        cap_task_fix_setuid(&mut new, old, SetidKind::Fs, root_uid);
        return (old.fsuid, Some(new));
    }
    (old.fsuid, None)
}

/// Linux: __sys_setgid().
pub fn setgid(old: &Cred, kgid: u32) -> Result<Cred, Errno> {
    valid(Some(kgid))?;
    let mut new = old.clone();
    if old.has_cap(CAP_SETGID) {
        new.gid = kgid;
        new.egid = kgid;
        new.sgid = kgid;
        new.fsgid = kgid;
    } else if kgid == old.gid || kgid == old.sgid {
        new.egid = kgid;
        new.fsgid = kgid;
    } else {
        return Err(EPERM);
    }
    Ok(new)
}

/// Linux: __sys_setregid().
pub fn setregid(old: &Cred, rgid: Option<u32>, egid: Option<u32>) -> Result<Cred, Errno> {
    valid(rgid)?;
    valid(egid)?;
    let mut new = old.clone();
    let cap = old.has_cap(CAP_SETGID);
    if let Some(r) = rgid {
        if old.gid == r || old.egid == r || cap {
            new.gid = r;
        } else {
            return Err(EPERM);
        }
    }
    if let Some(e) = egid {
        if old.gid == e || old.egid == e || old.sgid == e || cap {
            new.egid = e;
        } else {
            return Err(EPERM);
        }
    }
    if rgid.is_some() || egid.is_some_and(|e| e != old.gid) {
        new.sgid = new.egid;
    }
    new.fsgid = new.egid;
    Ok(new)
}

/// Linux: __sys_setresgid().
pub fn setresgid(old: &Cred, rgid: Option<u32>, egid: Option<u32>, sgid: Option<u32>) -> Result<Cred, Errno> {
    valid(rgid)?;
    valid(egid)?;
    valid(sgid)?;
    if rgid.is_none_or(|r| r == old.gid)
        && egid.is_none_or(|e| e == old.egid && e == old.fsgid)
        && sgid.is_none_or(|s| s == old.sgid)
    {
        return Ok(old.clone());
    }
    let is_new = |id: Option<u32>| id.is_some_and(|i| i != old.gid && i != old.egid && i != old.sgid);
    if (is_new(rgid) || is_new(egid) || is_new(sgid)) && !old.has_cap(CAP_SETGID) {
        return Err(EPERM);
    }
    let mut new = old.clone();
    if let Some(r) = rgid {
        new.gid = r;
    }
    if let Some(e) = egid {
        new.egid = e;
    }
    if let Some(s) = sgid {
        new.sgid = s;
    }
    new.fsgid = new.egid;
    Ok(new)
}

/// Linux: __sys_setfsgid(): returns the old fsgid, always, and the cred to commit.
pub fn setfsgid(old: &Cred, kgid: u32) -> (u32, Option<Cred>) {
    if kgid == INVALID_ID {
        return (old.fsgid, None);
    }
    if kgid != old.fsgid && (kgid == old.gid || kgid == old.egid || kgid == old.sgid || old.has_cap(CAP_SETGID)) {
        let mut new = old.clone();
        new.fsgid = kgid;
        return (old.fsgid, Some(new));
    }
    (old.fsgid, None)
}
