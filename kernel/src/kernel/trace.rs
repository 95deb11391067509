//! The fork-path tracer: a ring buffer of entry/exit events with cycle timestamps.
//! Linux: kernel/trace/ (ftrace's function_graph tracer and tracefs).
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Mutex;
use alloc::collections::VecDeque;

pub static TRACING_ON: AtomicBool = AtomicBool::new(false);

#[derive(Clone, Copy)]
pub struct Event {
    pub ts: u64,
    pub pid: i32,
    pub func: &'static str,
    pub kind: u8, // b'E' entry, b'X' exit, b'P' point
    pub a: u64,
    pub b: u64,
}

pub static RING: Mutex<VecDeque<Event>> = Mutex::new(VecDeque::new());
pub const RING_MAX: usize = 8192;

pub fn record(func: &'static str, kind: u8, a: u64, b: u64) {
    if !TRACING_ON.load(Ordering::Relaxed) {
        return;
    }
    let ev = Event {
        ts: crate::arch::riscv::time::get_cycles(),
        pid: crate::kernel::task::with_current(|c| c.pid()),
        func,
        kind,
        a,
        b,
    };
    let mut r = RING.lock();
    if r.len() >= RING_MAX {
        r.pop_front();
    }
    r.push_back(ev);
}

#[macro_export]
macro_rules! trace_point {
    ($f:ident, $a:expr, $b:expr) => {
        $crate::kernel::trace::record(stringify!($f), b'P', $a as u64, $b as u64)
    };
}
