//! MenuOS: a Linux-compatible kernel for 64-bit RISC-V.
//!
//! The file map follows Linux's: arch/riscv (head.S, entry.S, traps, process.rs with
//! copy_thread), kernel/ (fork.rs, exit.rs, pid.rs, sched/, signal.rs), mm/, fs/,
//! drivers/, init/ (start_kernel).  See docs/ for the tour.
#![no_std]
#![no_main]
#![allow(clippy::missing_safety_doc)]

extern crate alloc;

pub mod arch;
pub mod drivers;
pub mod errno;
pub mod fs;
pub mod init;
pub mod kernel;
pub mod mm;
