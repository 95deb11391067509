//! Core kernel: processes, scheduling, signals, time.  Linux: kernel/.
pub mod capability;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod cred;
pub mod entry;
pub mod exec_domain;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod exit;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod fork;
pub mod futex;
pub mod groups;
pub mod kcmp;
pub mod locking;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod nsproxy;
pub mod panic;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod pid;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod pid_namespace;
pub mod printk;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod ptrace;
pub mod reboot;
pub mod rseq;
pub mod sched;
pub mod signal;
pub mod signal_types;
pub mod sys;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod syscall;
pub mod sysctl;
pub mod task;
pub mod time;
pub mod trace;
pub mod ucount;
pub mod user;
pub mod user_namespace;
pub mod utsname;
