//! The idle task's loop.  Linux: kernel/sched/idle.c (do_idle, cpu_idle_loop).
//!
//! pid 0 runs it once rest_init() has made init and kthreadd: wait for an interrupt with
//! interrupts enabled (arch_cpu_idle: `wfi`), and schedule as soon as something is runnable.

use crate::arch::riscv as arch;

/// The idle loop (Linux: do_idle() in kernel/sched/idle.c).
pub fn cpu_idle_loop() -> ! {
    loop {
        if super::core::nr_running() != 0 {
            super::schedule();
            continue;
        }
        arch::cpu_idle_wait();
        // a SysRq key from the serial line runs here, where no lock is held
        crate::drivers::sysrq::run_pending();
    }
}
