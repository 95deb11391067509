//! Changing an inode's attributes: who may chown, chmod, set times or truncate, and which
//! set-user-ID and set-group-ID bits a change clears.  Linux: fs/attr.c (notify_change,
//! may_setattr, setattr_prepare, setattr_copy, chown_ok, chgrp_ok,
//! setattr_should_drop_sgid, setattr_should_drop_suidgid), fs/inode.c (file_remove_privs,
//! inode_owner_or_capable).  The decisions are the host-tested credcheck::perm.
//!
//! Every attribute change goes through notify_change() with a `struct iattr` saying what
//! changes (chmod_common, chown_common and utimes in fs/open.rs and fs/utimes.rs; a write's
//! file_remove_privs() here), as in Linux: the checks are made once, in one place.

use super::inode::*;
use super::namei::{inode_ids, inode_permission_cred, MAY_WRITE};
use crate::errno::*;
use crate::kernel::capability::{capable, capable_wrt_inode_uidgid, CAP_CHOWN, CAP_FOWNER, CAP_FSETID};
use crate::kernel::cred::{current_cred, Cred};
use core::sync::atomic::Ordering;
use credcheck::perm;
use linux_raw_sys::general::{S_ISGID, S_ISUID};

// Linux: include/linux/fs.h — the ia_valid bits.
pub const ATTR_MODE: u32 = 1 << 0;
pub const ATTR_UID: u32 = 1 << 1;
pub const ATTR_GID: u32 = 1 << 2;
pub const ATTR_SIZE: u32 = 1 << 3;
pub const ATTR_ATIME: u32 = 1 << 4;
pub const ATTR_MTIME: u32 = 1 << 5;
pub const ATTR_CTIME: u32 = 1 << 6;
pub const ATTR_ATIME_SET: u32 = 1 << 7;
pub const ATTR_MTIME_SET: u32 = 1 << 8;
/// Not a change: skip the permission checks (the kernel's own: file_remove_privs).
pub const ATTR_FORCE: u32 = 1 << 9;
pub const ATTR_KILL_SUID: u32 = perm::ATTR_KILL_SUID;
pub const ATTR_KILL_SGID: u32 = perm::ATTR_KILL_SGID;
pub const ATTR_TIMES_SET: u32 = 1 << 16;
/// Times set to "now" by someone who may only need write permission (utimes with NULL).
pub const ATTR_TOUCH: u32 = 1 << 17;

/// Linux: struct iattr — the change asked for.
#[derive(Clone, Copy, Default, Debug)]
pub struct Iattr {
    pub valid: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// (seconds, nanoseconds), with ATTR_ATIME_SET / ATTR_MTIME_SET; otherwise "now".
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
}

fn cap_wrt(cred: &Cred, ino: &Inode, cap: u32) -> bool {
    let ids = inode_ids(ino);
    capable_wrt_inode_uidgid(cred, ids.uid, ids.gid, cap)
}

/// Linux: may_setattr() — times set to "now" (ATTR_TOUCH) need ownership or CAP_FOWNER, or
/// else write permission (EACCES).
fn may_setattr(cred: &Cred, ino: &Inode, valid: u32) -> KResult<()> {
    if valid & ATTR_TOUCH != 0 && !perm::inode_owner_or_capable(cred, &inode_ids(ino), cap_wrt(cred, ino, CAP_FOWNER)) {
        inode_permission_cred(cred, ino, MAY_WRITE)?;
    }
    Ok(())
}

/// Linux: setattr_prepare() — may the caller make this change?  A new owner needs CAP_CHOWN
/// (the owner may only "give" the file to itself); a new group needs ownership and
/// membership, or CAP_CHOWN; a mode or explicit times need ownership or CAP_FOWNER (EPERM);
/// a new mode keeps S_ISGID only for members of the file's group or CAP_FSETID.
pub fn setattr_prepare(cred: &Cred, ino: &Inode, attr: &mut Iattr) -> KResult<()> {
    if attr.valid & ATTR_FORCE != 0 {
        return Ok(());
    }
    let ids = inode_ids(ino);
    if attr.valid & ATTR_UID != 0 && !perm::chown_ok(cred, &ids, attr.uid, cap_wrt(cred, ino, CAP_CHOWN)) {
        return Err(EPERM);
    }
    if attr.valid & ATTR_GID != 0 && !perm::chgrp_ok(cred, &ids, attr.gid, cap_wrt(cred, ino, CAP_CHOWN)) {
        return Err(EPERM);
    }
    let fowner = perm::inode_owner_or_capable(cred, &ids, cap_wrt(cred, ino, CAP_FOWNER));
    if attr.valid & ATTR_MODE != 0 {
        if !fowner {
            return Err(EPERM);
        }
        let gid = if attr.valid & ATTR_GID != 0 { attr.gid } else { ids.gid };
        if !perm::in_group_or_capable(cred, gid, cap_wrt(cred, ino, CAP_FSETID)) {
            attr.mode &= !S_ISGID;
        }
    }
    if attr.valid & (ATTR_MTIME_SET | ATTR_ATIME_SET | ATTR_TIMES_SET) != 0 && !fowner {
        return Err(EPERM);
    }
    Ok(())
}

/// Linux: setattr_copy() (with simple_setattr()'s truncate): store the change.
fn setattr_copy(cred: &Cred, ino: &Inode, attr: &Iattr) -> KResult<()> {
    if attr.valid & ATTR_SIZE != 0 {
        ino.truncate(attr.size)?;
    }
    if attr.valid & ATTR_UID != 0 {
        ino.uid.store(attr.uid, Ordering::Relaxed);
    }
    if attr.valid & ATTR_GID != 0 {
        ino.gid.store(attr.gid, Ordering::Relaxed);
    }
    if attr.valid & ATTR_MODE != 0 {
        let mut mode = attr.mode;
        if !perm::in_group_or_capable(cred, ino.gid.load(Ordering::Relaxed), cap_wrt(cred, ino, CAP_FSETID)) {
            mode &= !S_ISGID;
        }
        ino.mode.store((ino.mode() & S_IFMT) | (mode & !S_IFMT), Ordering::Relaxed);
    }
    // The times: a given one (ATTR_*TIME_SET) or now, and ctime for every change.
    let (t, now) = (|x: (i64, i64)| Timespec64 { sec: x.0, nsec: x.1 as u32 }, current_time());
    if attr.valid & (ATTR_ATIME | ATTR_MTIME | ATTR_CTIME) != 0 {
        let mut tm = ino.times.lock();
        if attr.valid & ATTR_ATIME != 0 {
            tm.atime = if attr.valid & ATTR_ATIME_SET != 0 { t(attr.atime) } else { now };
        }
        if attr.valid & ATTR_MTIME != 0 {
            tm.mtime = if attr.valid & ATTR_MTIME_SET != 0 { t(attr.mtime) } else { now };
        }
        if attr.valid & ATTR_CTIME != 0 {
            tm.ctime = now;
        }
    }
    Ok(())
}

/// Linux: notify_change() — check and make an attribute change.  ATTR_KILL_SUID and
/// ATTR_KILL_SGID become a mode change that drops those bits if they are set.
pub fn notify_change(ino: &Inode, mut attr: Iattr) -> KResult<()> {
    let cred = current_cred();
    may_setattr(&cred, ino, attr.valid)?;
    let mode = ino.mode();
    if attr.valid & ATTR_MODE != 0 && mode & S_IFMT == S_IFLNK {
        return Err(EOPNOTSUPP);
    }
    if attr.valid & ATTR_KILL_SUID != 0 && mode & S_ISUID != 0 {
        attr.valid |= ATTR_MODE;
        attr.mode = mode & !S_ISUID;
    }
    if attr.valid & ATTR_KILL_SGID != 0 && mode & S_ISGID != 0 {
        if attr.valid & ATTR_MODE == 0 {
            attr.valid |= ATTR_MODE;
            attr.mode = mode;
        }
        attr.mode &= !S_ISGID;
    }
    if attr.valid & !(ATTR_KILL_SUID | ATTR_KILL_SGID) == 0 {
        return Ok(());
    }
    // Linux: i_op->setattr = simple_setattr(): setattr_prepare(), then setattr_copy().
    setattr_prepare(&cred, ino, &mut attr)?;
    setattr_copy(&cred, ino, &attr)
}

/// Linux: setattr_should_drop_sgid() for the caller.
pub fn should_drop_sgid(ino: &Inode) -> u32 {
    let cred = current_cred();
    perm::setattr_should_drop_sgid(&cred, &inode_ids(ino), cap_wrt(&cred, ino, CAP_FSETID))
}

/// Linux: file_remove_privs() (dentry_needs_remove_privs() = setattr_should_drop_suidgid()):
/// a write or truncate by someone without CAP_FSETID clears S_ISUID, and S_ISGID where
/// setattr_should_drop_sgid() says, of a regular file.
pub fn file_remove_privs(ino: &Inode) -> KResult<()> {
    let mode = ino.mode();
    if mode & (S_ISUID | S_ISGID) == 0 || mode & S_IFMT != S_IFREG {
        return Ok(());
    }
    let cred = current_cred();
    let kill =
        perm::setattr_should_drop_suidgid(&cred, &inode_ids(ino), capable(CAP_FSETID), cap_wrt(&cred, ino, CAP_FSETID));
    if kill == 0 {
        return Ok(());
    }
    notify_change(ino, Iattr { valid: kill | ATTR_FORCE, ..Default::default() })
}
