//! System V semaphores.  Linux: ipc/sem.c.

use crate::kernel::task::TaskStruct;

/// Linux: exit_sem(): a task leaving its semaphore undo list (exit, unshare(CLONE_SYSVSEM),
/// a new IPC namespace).  No semaphore exists yet, so there is nothing to undo.
pub fn exit_sem(_t: &TaskStruct) {}
