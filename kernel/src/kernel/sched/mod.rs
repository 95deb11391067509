//! The scheduler.  Linux: kernel/sched/ (core.c, idle.c, wait.c, completion.c).
pub mod core;
pub mod idle;
pub mod wait;

pub use self::core::{schedule, wake_up_new_task, wake_up_process, yield_now};
