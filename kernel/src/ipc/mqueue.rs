//! POSIX message queues.  Linux: ipc/mqueue.c.

use crate::errno::*;
use crate::fs::namespace::NewTree;

/// Linux: mqueue_get_tree(): the caller's IPC namespace's mqueue instance.
pub fn mqueue_get_tree() -> KResult<NewTree> {
    Err(ENODEV)
}
