//! Inter-process communication: System V shared memory, semaphores and message queues, and
//! POSIX message queues, each set per IPC namespace.  Linux: ipc/ (one file per concept, as
//! here).
//!
//!   namespace.rs   struct ipc_namespace: copy_ipcs, setns      ipc/namespace.c
//!   sem.rs         the semaphore undo lists (exit_sem)         ipc/sem.c
//!   mqueue.rs      the mqueue filesystem                       ipc/mqueue.c

pub mod mqueue;
pub mod namespace;
pub mod sem;
