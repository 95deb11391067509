//! Fast user-space mutexes.  Linux: kernel/futex/, file for file:
//!
//!   core.rs      keys, the hash of wait queues, futex_q, robust-list exit   core.c, futex.h
//!   waitwake.rs  WAIT, WAKE, the _BITSET forms, WAKE_OP, futex_waitv's wait waitwake.c
//!   requeue.rs   REQUEUE, CMP_REQUEUE, WAIT_REQUEUE_PI, CMP_REQUEUE_PI       requeue.c
//!   pi.rs        LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, PI state, boost   pi.c
//!   syscalls.rs  futex(2), futex_waitv(2), set/get_robust_list(2)           syscalls.c
//!
//! What the rest of the kernel calls: the clear_child_tid wake at exit and exec (mm_release),
//! the cleanup of robust futexes and PI ownership (exit_mm_release, exec_mm_release), and the
//! per-task state (task_struct's robust_list, pi_state_list, futex_state).
#[allow(clippy::module_inception)]
pub mod core;
pub mod pi;
pub mod requeue;
pub mod syscalls;
pub mod waitwake;

pub use self::core::{futex_exec_release, futex_exit_release, FutexState};
pub use syscalls::{sys_futex, sys_futex_waitv, sys_get_robust_list, sys_set_robust_list};

/// The wake mm_release() does for CLONE_CHILD_CLEARTID (Linux: do_futex(tsk->clear_child_tid,
/// FUTEX_WAKE, 1, ...)): one waiter, a shared futex (pthread_join waits on it shared).
pub fn futex_wake_tid(uaddr: usize) {
    if !self::core::futex_waiters_pending() {
        return;
    }
    let _ = waitwake::futex_wake(crate::mm::uaccess::UserPtr::new(uaddr), true, 1, self::core::FUTEX_BITSET_MATCH_ANY);
}
