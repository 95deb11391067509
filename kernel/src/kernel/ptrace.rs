//! The ptrace access check, which /proc, pidfd_getfd, kcmp and process_vm_* ask before they
//! show or take another process's state.  Linux: kernel/ptrace.c (__ptrace_may_access,
//! ptrace_may_access), security/commoncap.c (cap_ptrace_access_check), include/linux/ptrace.h
//! (the PTRACE_MODE_* bits).
//!
//! The ptrace(2) requests themselves are not here yet.

use crate::errno::*;
use crate::kernel::capability::{cap_capable, CAP_SYS_PTRACE};
use crate::kernel::cred::{current_cred, task_cred, Cred};
use crate::kernel::task::{current, TaskStruct};
use crate::mm::mm_types::SUID_DUMP_USER;

// Linux: include/linux/ptrace.h — the modes of ptrace_may_access().
pub const PTRACE_MODE_READ: u32 = 0x01;
pub const PTRACE_MODE_ATTACH: u32 = 0x02;
pub const PTRACE_MODE_NOAUDIT: u32 = 0x04;
/// Compare the caller's fsuid/fsgid (a filesystem access: /proc).
pub const PTRACE_MODE_FSCREDS: u32 = 0x08;
/// Compare the caller's real uid/gid (a syscall aimed at another process).
pub const PTRACE_MODE_REALCREDS: u32 = 0x10;
pub const PTRACE_MODE_READ_FSCREDS: u32 = PTRACE_MODE_READ | PTRACE_MODE_FSCREDS;
pub const PTRACE_MODE_READ_REALCREDS: u32 = PTRACE_MODE_READ | PTRACE_MODE_REALCREDS;
pub const PTRACE_MODE_ATTACH_FSCREDS: u32 = PTRACE_MODE_ATTACH | PTRACE_MODE_FSCREDS;
pub const PTRACE_MODE_ATTACH_REALCREDS: u32 = PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS;

/// Linux: ptrace_has_cap() — CAP_SYS_PTRACE in the target's user namespace.
fn ptrace_has_cap(cred: &Cred, tcred: &Cred) -> bool {
    cap_capable(cred, &tcred.user_ns, CAP_SYS_PTRACE)
}

/// Linux: __ptrace_may_access() — the caller may inspect `t` if it is in the same thread
/// group, or if every one of `t`'s real, effective and saved ids is the caller's (fs or real,
/// by `mode`) id and `t` is dumpable, or with CAP_SYS_PTRACE; and commoncap's
/// cap_ptrace_access_check(): `t`'s permitted capabilities must be within the caller's
/// (effective with FSCREDS, permitted with REALCREDS), unless CAP_SYS_PTRACE.  EPERM.
pub fn ptrace_may_access_err(t: &TaskStruct, mode: u32) -> KResult<()> {
    if (mode & PTRACE_MODE_FSCREDS == 0) == (mode & PTRACE_MODE_REALCREDS == 0) {
        return Err(EPERM);
    }
    if current().tgid() == t.tgid() {
        return Ok(());
    }
    let cred = current_cred();
    let tcred = task_cred(t);
    let (uid, gid) = if mode & PTRACE_MODE_FSCREDS != 0 { (cred.fsuid, cred.fsgid) } else { (cred.uid, cred.gid) };
    let same = uid == tcred.euid
        && uid == tcred.suid
        && uid == tcred.uid
        && gid == tcred.egid
        && gid == tcred.sgid
        && gid == tcred.gid;
    if !same && !ptrace_has_cap(&cred, &tcred) {
        return Err(EPERM);
    }
    // Linux: task_still_dumpable()
    let mm = t.mm.lock().clone();
    if let Some(mm) = mm {
        if mm.get_dumpable() != SUID_DUMP_USER && !ptrace_has_cap(&cred, &tcred) {
            return Err(EPERM);
        }
    }
    // Linux: cap_ptrace_access_check()
    let caller_caps = if mode & PTRACE_MODE_FSCREDS != 0 { cred.cap_effective } else { cred.cap_permitted };
    if alloc::sync::Arc::ptr_eq(&cred.user_ns, &tcred.user_ns) && tcred.cap_permitted.is_subset(caller_caps) {
        return Ok(());
    }
    if ptrace_has_cap(&cred, &tcred) {
        return Ok(());
    }
    Err(EPERM)
}

/// Linux: ptrace_may_access()
pub fn ptrace_may_access(t: &TaskStruct, mode: u32) -> bool {
    ptrace_may_access_err(t, mode).is_ok()
}
