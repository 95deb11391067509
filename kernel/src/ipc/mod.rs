//! Inter-process communication: System V shared memory, semaphores and message queues, and
//! POSIX message queues, each set per IPC namespace.  Linux: ipc/ (one file per concept, as
//! here).
//!
//!   namespace.rs   struct ipc_namespace: copy_ipcs, setns, the limits    ipc/namespace.c
//!   util.rs        ids, keys, permissions, ipcget, /proc/sysvipc        ipc/util.c
//!   shm.rs         shmget, shmat, shmdt, shmctl                          ipc/shm.c
//!   sem.rs         semget, semop, semtimedop, semctl, undo lists         ipc/sem.c
//!   msg.rs         msgget, msgsnd, msgrcv, msgctl                        ipc/msg.c
//!   mqueue.rs      POSIX message queues and their filesystem             ipc/mqueue.c
//!   ipc_sysctl.rs  /proc/sys/kernel's IPC limits                         ipc/ipc_sysctl.c
//!
//! The id arithmetic, permission bits, semop and message search are the host-tested
//! `sysvipc` crate.

pub mod ipc_sysctl;
pub mod mqueue;
pub mod msg;
pub mod namespace;
pub mod sem;
pub mod shm;
pub mod util;
