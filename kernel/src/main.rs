//! MenuOS: a Linux-compatible kernel for 64-bit RISC-V.
//!
//! The file map follows Linux's: arch/riscv (head.S, entry.S, traps, process.rs with
//! copy_thread), kernel/ (fork.rs, exit.rs, pid.rs, sched/, signal.rs), mm/, fs/,
//! drivers/, init/ (start_kernel).  See docs/ for the tour.
//!
//! `unsafe` lives in arch/ and mm/ only, behind safe functions that are sound for any
//! argument.  The compiler holds the line: the crate denies `unsafe_code`, and only the files
//! that need it allow it, at their `mod` line (arch/riscv/mod.rs, mm/mod.rs).  Outside arch/
//! and mm/ the one exception is `#[no_mangle]`, which the lint also counts: the files with
//! Linux-named symbols (start_kernel, copy_process, do_exit, ...) allow it at their `mod`
//! line, and `make test` (tools/test.sh, lint/unsafe) rejects the word `unsafe` in them, as
//! anywhere outside arch/ and mm/, and any unsafe block without its `// SAFETY:` comment.
// allocator_api: Box::try_new / Arc::try_new for mm/slab.rs's fallible objects.
#![feature(allocator_api)]
// btreemap_alloc: BTreeMap::new_in for the VMA tree's node allocator (mm/vma_prealloc.rs).
#![feature(btreemap_alloc)]
#![no_std]
#![no_main]
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod arch;
pub mod drivers;
pub mod errno;
pub mod fs;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod init;
pub mod ipc;
pub mod kernel;
pub mod mm;
pub mod net;
