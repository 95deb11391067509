//! Time: the clock since boot, the tick, timeouts and sleeping, the POSIX clocks, interval
//! timers.  Linux: kernel/time/, one file per concept as there:
//!
//!   timekeeping.rs   the clock since boot and the wall clock     (timekeeping.c)
//!   timer.rs         the tick, jiffies, the timer queue (timeouts
//!                    and hrtimer callbacks), the interrupt        (timer.c, hrtimer.c)
//!   hrtimer.rs       nanosleep, clock_nanosleep's sleep, restart  (hrtimer.c)
//!   posix_timers.rs  the clocks (clock_gettime, _settime,
//!                    _getres, _nanosleep) and timer_create & co.  (posix-timers.c)
//!   posix_cpu_timers.rs  CPU-time clocks and timers              (posix-cpu-timers.c)
//!   itimer.rs        getitimer, setitimer: ITIMER_REAL, _VIRTUAL,
//!                    _PROF                                        (itimer.c)
//!   namespace.rs     time namespaces (their offsets are zero)    (namespace.c)
//!   time.rs          gettimeofday, settimeofday, struct timespec (time.c)
//!
//! The hardware under it (rdtime, the SBI timer event) is arch/riscv/time.rs.

pub mod hrtimer;
pub mod itimer;
pub mod namespace;
pub mod posix_cpu_timers;
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
