//! Core kernel: processes, scheduling, signals, time.  Linux: kernel/.
pub mod exit;
pub mod fork;
pub mod futex;
pub mod locking;
pub mod panic;
pub mod pid;
pub mod printk;
pub mod sched;
pub mod signal;
pub mod sys;
pub mod syscall;
pub mod task;
pub mod time;
pub mod trace;
