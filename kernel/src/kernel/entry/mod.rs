//! The generic entry code: the work done on every way back to user mode.  Linux: kernel/entry/.
pub mod common;
