//! Time: the clock since boot, the tick, timeouts and sleeping, the POSIX clocks, interval
//! timers.  Linux: kernel/time/, one file per concept as there:
//!
//!   timekeeping.rs   the clock since boot and the wall clock     (timekeeping.c)
//!   timer.rs         the tick, jiffies, the timeout queue and
//!                    schedule_timeout, the timer interrupt        (timer.c, tick-common.c)
//!   hrtimer.rs       nanosleep                                    (hrtimer.c)
//!   posix_timers.rs  clock_gettime, clock_getres, clock_nanosleep (posix-timers.c)
//!   itimer.rs        getitimer, setitimer: ITIMER_REAL, SIGALRM   (itimer.c)
//!   time.rs          gettimeofday, struct timespec                (time.c)
//!
//! The hardware under it (rdtime, the SBI timer event) is arch/riscv/time.rs.

pub mod hrtimer;
pub mod itimer;
pub mod posix_timers;
#[allow(clippy::module_inception)] // Linux: kernel/time/time.c
pub mod time;
pub mod timekeeping;
pub mod timer;

// What the rest of the kernel uses, by the module's name (Linux: <linux/time.h>,
// <linux/timekeeping.h>, and schedule_timeout() in <linux/sched.h>).
pub use self::time::Timespec;
pub use timekeeping::{uptime_cycles, uptime_ns};
pub use timer::{add_timeout, cancel_timeout, schedule_timeout_interruptible, time_init, HZ};
