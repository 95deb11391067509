//! The scheduler.  Linux: kernel/sched/ (core.c, idle.c, wait.c, completion.c).
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod core;
pub mod cputime;
pub mod idle;
pub mod wait;

pub use self::core::{schedule, wake_up_new_task, wake_up_process, yield_now};
