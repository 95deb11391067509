//! The ptrace access check, which /proc, pidfd_getfd, kcmp and process_vm_* ask before they
//! show or take another process's state.  Linux: kernel/ptrace.c (__ptrace_may_access,
//! ptrace_may_access), include/linux/ptrace.h (the PTRACE_MODE_* bits).
//!
//! The ptrace(2) requests themselves are not here yet.

use crate::kernel::task::{current, TaskStruct};

/// Linux: PTRACE_MODE_READ / PTRACE_MODE_ATTACH: look at the target, or act on it.
pub const PTRACE_MODE_READ: u32 = 0x01;
pub const PTRACE_MODE_ATTACH: u32 = 0x02;
/// Linux: PTRACE_MODE_FSCREDS / PTRACE_MODE_REALCREDS: which of the caller's ids count.
pub const PTRACE_MODE_FSCREDS: u32 = 0x08;
pub const PTRACE_MODE_REALCREDS: u32 = 0x10;
pub const PTRACE_MODE_READ_FSCREDS: u32 = PTRACE_MODE_READ | PTRACE_MODE_FSCREDS;
pub const PTRACE_MODE_ATTACH_REALCREDS: u32 = PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS;
pub const PTRACE_MODE_ATTACH_FSCREDS: u32 = PTRACE_MODE_ATTACH | PTRACE_MODE_FSCREDS;

/// Linux: ptrace_may_access(): may the caller inspect (or, with ATTACH, act on) `task`?
/// A thread may always reach its own thread group; otherwise the credential checks decide.
pub fn ptrace_may_access(task: &TaskStruct, mode: u32) -> bool {
    task.tgid() == current().tgid() || cred_may_access(task, mode)
}

/// Linux: the rest of __ptrace_may_access(): the caller's uids and gids (fs or real ones, per
/// `mode`) must match all of the target's, or it must have CAP_SYS_PTRACE; and the target
/// must be dumpable, or the caller have CAP_SYS_PTRACE.  MenuOS: every task is root with every
/// capability until struct cred exists, so the answer is yes; the cred work changes it here.
fn cred_may_access(_task: &TaskStruct, _mode: u32) -> bool {
    true
}
