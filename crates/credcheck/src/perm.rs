//! Permission decisions: may this cred read, write or search an inode, delete from a sticky
//! directory, follow a symlink, change an owner or a mode, signal a task.
//! Linux: fs/namei.c (acl_permission_check, generic_permission, __check_sticky,
//! may_follow_link, safe_hardlink_source), fs/inode.c (inode_owner_or_capable,
//! in_group_or_capable, mode_strip_sgid), fs/attr.c (chown_ok, chgrp_ok,
//! setattr_should_drop_sgid, setattr_should_drop_suidgid), kernel/signal.c (kill_ok_by_cred),
//! kernel/sys.c (set_one_prio_perm).
//!
//! `cap` is the kernel's `capable_wrt_inode_uidgid(inode, CAP_X)` (or the ns_capable() the
//! rule names): the caller's effective capability in its user namespace, when the inode's
//! owner and group are mapped there.

use crate::caps::*;
use crate::cred::Cred;
use crate::Errno;
use linux_raw_sys::errno::EACCES;
use linux_raw_sys::general::{S_IFDIR, S_IFMT, S_IFREG, S_ISGID, S_ISUID, S_ISVTX, S_IWOTH, S_IXGRP, S_IXOTH, S_IXUSR};

// Linux: include/linux/fs.h — the mask bits of inode_permission().
pub const MAY_EXEC: u32 = 0x0000_0001;
pub const MAY_WRITE: u32 = 0x0000_0002;
pub const MAY_READ: u32 = 0x0000_0004;
pub const MAY_APPEND: u32 = 0x0000_0008;
pub const MAY_ACCESS: u32 = 0x0000_0010;
pub const MAY_OPEN: u32 = 0x0000_0020;
pub const MAY_CHDIR: u32 = 0x0000_0040;

/// What a permission rule reads of an inode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InodeIds {
    /// i_mode (type and permission bits)
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

impl InodeIds {
    fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    fn is_reg(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
}

const S_IXUGO: u32 = S_IXUSR | S_IXGRP | S_IXOTH;

/// Linux: acl_permission_check() without ACLs — the owner's bits if fsuid owns the inode,
/// else the group's if the group bits differ from the others' where it matters and the cred
/// is in the group, else the others'.
pub fn acl_permission_check(cred: &Cred, ino: &InodeIds, mask: u32) -> Result<(), Errno> {
    let mut mode = ino.mode;
    let mask = mask & 7;
    if cred.fsuid == ino.uid {
        mode >>= 6;
        return if mask & !mode != 0 { Err(EACCES) } else { Ok(()) };
    }
    if mask & (mode ^ (mode >> 3)) != 0 && cred.in_group_p(ino.gid) {
        mode >>= 3;
    }
    if mask & !mode != 0 {
        Err(EACCES)
    } else {
        Ok(())
    }
}

/// Linux: generic_permission() — the mode bits, then the overrides: directories are
/// readable and searchable with CAP_DAC_READ_SEARCH and writable with CAP_DAC_OVERRIDE; a
/// file is readable with CAP_DAC_READ_SEARCH, and readable, writable and (if any x bit is
/// set) executable with CAP_DAC_OVERRIDE.
pub fn generic_permission(cred: &Cred, ino: &InodeIds, mask: u32, cap: &dyn Fn(u32) -> bool) -> Result<(), Errno> {
    let r = acl_permission_check(cred, ino, mask);
    if r != Err(EACCES) {
        return r;
    }
    if ino.is_dir() {
        if mask & MAY_WRITE == 0 && cap(CAP_DAC_READ_SEARCH) {
            return Ok(());
        }
        if cap(CAP_DAC_OVERRIDE) {
            return Ok(());
        }
        return Err(EACCES);
    }
    let mask = mask & (MAY_READ | MAY_WRITE | MAY_EXEC);
    if mask == MAY_READ && cap(CAP_DAC_READ_SEARCH) {
        return Ok(());
    }
    if (mask & MAY_EXEC == 0 || ino.mode & S_IXUGO != 0) && cap(CAP_DAC_OVERRIDE) {
        return Ok(());
    }
    Err(EACCES)
}

/// Linux: check_sticky() / __check_sticky(): in a sticky directory only the file's owner,
/// the directory's owner or CAP_FOWNER may delete or rename.  True when refused (EPERM).
pub fn check_sticky(cred: &Cred, dir: &InodeIds, ino: &InodeIds, cap_fowner: bool) -> bool {
    if dir.mode & S_ISVTX == 0 {
        return false;
    }
    if ino.uid == cred.fsuid || dir.uid == cred.fsuid {
        return false;
    }
    !cap_fowner
}

/// Linux: may_follow_link() with fs.protected_symlinks = 1 (Debian's default, and the
/// reference Linux's): in a sticky world-writable directory a symlink is followed only by its
/// owner, or when the directory's owner owns it.  EACCES otherwise.
pub fn may_follow_link(cred: &Cred, dir: &InodeIds, link_uid: u32) -> Result<(), Errno> {
    if cred.fsuid == link_uid {
        return Ok(());
    }
    if dir.mode & (S_ISVTX | S_IWOTH) != S_ISVTX | S_IWOTH {
        return Ok(());
    }
    if dir.uid == link_uid {
        return Ok(());
    }
    Err(EACCES)
}

/// Linux: safe_hardlink_source() with fs.protected_hardlinks = 1: a regular file that is not
/// set-user-ID, not executable set-group-ID, and that the caller may read and write
/// (`rw_ok`: inode_permission(MAY_READ | MAY_WRITE) passed).
pub fn safe_hardlink_source(ino: &InodeIds, rw_ok: bool) -> bool {
    if !ino.is_reg() {
        return false;
    }
    if ino.mode & S_ISUID != 0 {
        return false;
    }
    if ino.mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
        return false;
    }
    rw_ok
}

/// Linux: inode_owner_or_capable() — fsuid owns the inode, or CAP_FOWNER.
pub fn inode_owner_or_capable(cred: &Cred, ino: &InodeIds, cap_fowner: bool) -> bool {
    cred.fsuid == ino.uid || cap_fowner
}

/// Linux: in_group_or_capable() — in the group, or CAP_FSETID.
pub fn in_group_or_capable(cred: &Cred, gid: u32, cap_fsetid: bool) -> bool {
    cred.in_group_p(gid) || cap_fsetid
}

/// Linux: mode_strip_sgid() — a new non-directory created set-group-ID and group-executable in
/// a set-group-ID directory loses S_ISGID unless its creator is in the directory's group or
/// has CAP_FSETID.
pub fn mode_strip_sgid(cred: &Cred, dir: &InodeIds, mode: u32, cap_fsetid: bool) -> u32 {
    if mode & (S_ISGID | S_IXGRP) != S_ISGID | S_IXGRP {
        return mode;
    }
    if mode & S_IFMT == S_IFDIR || dir.mode & S_ISGID == 0 {
        return mode;
    }
    if in_group_or_capable(cred, dir.gid, cap_fsetid) {
        return mode;
    }
    mode & !S_ISGID
}

/// Linux: chown_ok() — the owner may "change" the owner to itself; CAP_CHOWN anything.
pub fn chown_ok(cred: &Cred, ino: &InodeIds, new_uid: u32, cap_chown: bool) -> bool {
    (cred.fsuid == ino.uid && new_uid == ino.uid) || cap_chown
}

/// Linux: chgrp_ok() — the owner may change the group to its current one or to a group it
/// is in; CAP_CHOWN anything.
pub fn chgrp_ok(cred: &Cred, ino: &InodeIds, new_gid: u32, cap_chown: bool) -> bool {
    (cred.fsuid == ino.uid && (new_gid == ino.gid || cred.in_group_p(new_gid))) || cap_chown
}

/// Linux: ATTR_KILL_SUID / ATTR_KILL_SGID (include/linux/fs.h).
pub const ATTR_KILL_SUID: u32 = 1 << 11;
pub const ATTR_KILL_SGID: u32 = 1 << 12;

/// Linux: setattr_should_drop_sgid() — S_ISGID goes with S_IXGRP always, else when the
/// caller is neither in the file's group nor has CAP_FSETID.
pub fn setattr_should_drop_sgid(cred: &Cred, ino: &InodeIds, cap_fsetid: bool) -> u32 {
    if ino.mode & S_ISGID == 0 {
        return 0;
    }
    if ino.mode & S_IXGRP != 0 {
        return ATTR_KILL_SGID;
    }
    if !in_group_or_capable(cred, ino.gid, cap_fsetid) {
        return ATTR_KILL_SGID;
    }
    0
}

/// Linux: setattr_should_drop_suidgid() (what a write does, file_remove_privs()): S_ISUID
/// and the S_ISGID of setattr_should_drop_sgid(), for regular files, unless CAP_FSETID.
/// `cap_fsetid` is capable(CAP_FSETID); `cap_fsetid_wrt_inode` its capable_wrt_inode_uidgid.
pub fn setattr_should_drop_suidgid(cred: &Cred, ino: &InodeIds, cap_fsetid: bool, cap_fsetid_wrt_inode: bool) -> u32 {
    let mut kill = 0;
    if ino.mode & S_ISUID != 0 {
        kill = ATTR_KILL_SUID;
    }
    kill |= setattr_should_drop_sgid(cred, ino, cap_fsetid_wrt_inode);
    if kill != 0 && !cap_fsetid && ino.is_reg() {
        return kill;
    }
    0
}

/// Linux: kill_ok_by_cred() — the sender's real or effective uid is the target's real or
/// saved uid, or CAP_KILL in the target's user namespace.
pub fn kill_ok_by_cred(cred: &Cred, tcred: &Cred, cap_kill: bool) -> bool {
    cred.euid == tcred.suid || cred.euid == tcred.uid || cred.uid == tcred.suid || cred.uid == tcred.uid || cap_kill
}

/// Linux: set_one_prio_perm() — setpriority on a task whose real or effective uid is the
/// caller's effective uid, or CAP_SYS_NICE in the target's user namespace.
pub fn set_one_prio_perm(cred: &Cred, pcred: &Cred, cap_sys_nice: bool) -> bool {
    pcred.uid == cred.euid || pcred.euid == cred.euid || cap_sys_nice
}
