//! The scheduler.  Linux: kernel/sched/ (core.c, fair.c, rt.c, idle.c, wait.c, completion.c,
//! membarrier.c, syscalls.c) and include/linux/sched/prio.h.
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod core;
pub mod cputime;
pub mod fair;
pub mod idle;
pub mod membarrier;
pub mod prio;
pub mod rt;
pub mod syscalls;
pub mod wait;

pub use self::core::{schedule, wake_up_new_task, wake_up_process, yield_now};
