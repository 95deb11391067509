//! The process-creation tracer: a fixed ring buffer of function entry/exit events with cycle
//! timestamps, read through tracefs (fs/tracefs/) in ftrace's function_graph format.
//! Linux: kernel/trace/ (ring_buffer.c, trace_functions_graph.c, trace_events.c).
//!
//! Every function of the fork path opens a guard:
//!
//!     let mut _t = crate::trace_func!(copy_process, args.flags);   // entry (flags)
//!     ...
//!     _t.ret(pid);                                 // the exit, now, with the value returned
//!     // without ret(), the exit is recorded when _t is dropped (any return path)
//!
//! With tracing off the guard costs one relaxed atomic load and a branch: the arguments are
//! not even evaluated (the guard is a bool).  With tracing on an event is 48 bytes copied into a static ring under a
//! spin lock: no allocation.  The timestamp is the cycle counter (rdcycle); under QEMU
//! -icount it counts guest instructions (with shift=0 that is also the guest's nanoseconds).
//!
//! A function must be listed in FUNCS (its index is its id: set_ftrace_filter is a bitmask);
//! a name missing there is a compile-time error.
use crate::kernel::locking::{class, SpinLock};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// tracing_on (Linux: tracer_tracing_is_on()).  The only thing the fast path reads.
pub static TRACING_ON: AtomicBool = AtomicBool::new(false);
/// current_tracer is function_graph (false: nop: only the event points are recorded).
pub static GRAPH_TRACER: AtomicBool = AtomicBool::new(true);
/// set_ftrace_filter as a bitmask of FUNCS ids; all ones = empty filter = every function.
pub static FILTER: AtomicU64 = AtomicU64::new(u64::MAX);

/// One function the tracer knows: its name, what its entry records, what its exit records.
pub struct FuncInfo {
    pub name: &'static str,
    pub args: &'static [&'static str],
    pub rets: &'static [&'static str],
}

const fn f(name: &'static str, args: &'static [&'static str], rets: &'static [&'static str]) -> FuncInfo {
    FuncInfo { name, args, rets }
}

/// available_filter_functions, in the order a fork goes through them.
pub static FUNCS: [FuncInfo; 26] = [
    f("sys_clone", &["flags", "newsp"], &["ret"]),
    f("sys_clone3", &["flags", "size"], &["ret"]),
    f("kernel_clone", &["flags", "exit_signal"], &["pid"]),
    f("copy_process", &["flags"], &["pid"]),
    f("dup_task_struct", &["orig_pid"], &[]),
    f("copy_creds", &["clone_thread"], &[]),
    f("sched_fork", &[], &[]),
    f("copy_files", &["clone_files"], &[]),
    f("copy_fs", &["clone_fs"], &[]),
    f("copy_sighand", &["clone_sighand"], &[]),
    f("copy_signal", &["clone_thread"], &[]),
    f("copy_mm", &["clone_vm"], &[]),
    f("dup_mm", &[], &[]),
    f("copy_thread", &[], &["ra", "sp"]),
    f("alloc_pid", &[], &["pid"]),
    f("wake_up_new_task", &["pid"], &[]),
    f("schedule", &[], &[]),
    f("__switch_to", &["prev", "next"], &[]),
    f("ret_from_fork", &["pid", "a0"], &[]),
    f("schedule_tail", &[], &[]),
    f("ret_from_fork_user", &[], &["epc", "sp", "a0"]),
    f("do_exit", &["pid", "code"], &[]),
    f("do_wait", &["pid"], &["ret"]),
    f("sys_execve", &[], &["ret"]),
    f("execve", &["pid", "entry"], &[]),
    f("kernel_init", &["pid"], &[]),
];

/// Whether two strings are equal, in a const context.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut j = 0;
    while j < a.len() {
        if a[j] != b[j] {
            return false;
        }
        j += 1;
    }
    true
}

/// The id of a function by name, at compile time (a name not in FUNCS does not compile).
pub const fn func_id(name: &str) -> u8 {
    let mut i = 0;
    while i < FUNCS.len() {
        if str_eq(FUNCS[i].name, name) {
            return i as u8;
        }
        i += 1;
    }
    panic!("trace: function not in kernel::trace::FUNCS")
}

/// Trace events (Linux: include/trace/events/sched.h, task.h): (system, name).  Each has an
/// enable file under events/; what they record is in fs/tracefs/trace_output.rs event_text().
pub static EVENTS: [(&str, &str); 6] = [
    ("sched", "sched_process_fork"),
    ("task", "task_newtask"),
    ("sched", "sched_wakeup_new"),
    ("sched", "sched_process_exec"),
    ("sched", "sched_process_exit"),
    ("sched", "sched_switch"),
];
/// The enabled events, a bitmask of EVENTS ids (events/.../enable).
pub static EVENTS_ON: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

pub const fn event_id(name: &str) -> u8 {
    let mut i = 0;
    while i < EVENTS.len() {
        if str_eq(EVENTS[i].1, name) {
            return i as u8;
        }
        i += 1;
    }
    panic!("trace: event not in kernel::trace::EVENTS")
}

pub const KIND_ENTRY: u8 = b'E';
/// A trace event: `func` is its EVENTS id.
pub const KIND_EVENT: u8 = b'V';
pub const KIND_EXIT: u8 = b'X';
pub const KIND_POINT: u8 = b'P';

#[derive(Clone, Copy)]
pub struct Event {
    pub ts: u64,
    pub pid: i32,
    pub func: u8,
    pub kind: u8,
    /// how many of `a` are set (an exit whose function returned early has none)
    pub n: u8,
    pub a: [u64; 3],
}

impl Event {
    const EMPTY: Event = Event { ts: 0, pid: 0, func: 0, kind: 0, n: 0, a: [0; 3] };
    pub fn info(&self) -> &'static FuncInfo {
        &FUNCS[self.func as usize]
    }
}

/// Linux: buffer_size_kb is per CPU; here one ring of RING_SIZE events (overwrite mode: the
/// oldest event goes when it is full).
pub const RING_SIZE: usize = 4096;

struct Ring {
    buf: [Event; RING_SIZE],
    head: usize,
    len: usize,
    overrun: u64,
}

static RING: SpinLock<Ring, class::Trace> =
    SpinLock::new(Ring { buf: [Event::EMPTY; RING_SIZE], head: 0, len: 0, overrun: 0 });

/// pid -> comm, filled as events are recorded (Linux: saved_cmdlines).
const CMDLINES: usize = 32;
/// (pid, comm) slots and the next slot to overwrite.
type SavedCmdlines = ([(i32, [u8; 16]); CMDLINES], usize);
static SAVED_CMDLINES: SpinLock<SavedCmdlines, class::Trace> = SpinLock::new(([(-1, [0; 16]); CMDLINES], 0));
static LAST_PID: core::sync::atomic::AtomicI32 = core::sync::atomic::AtomicI32::new(-1);

/// The clock at the last tracing_on write: (cycles, ns since boot), to turn cycles into ns.
static CAL_CYCLES: AtomicU64 = AtomicU64::new(0);
static CAL_NS: AtomicU64 = AtomicU64::new(0);

#[inline(always)]
pub fn tracing_on() -> bool {
    TRACING_ON.load(Ordering::Relaxed)
}

/// tracing_on = on (Linux: tracer_tracing_on/off); remembers the clock for cycles_to_ns.
pub fn set_tracing_on(on: bool) {
    if on && !tracing_on() {
        CAL_CYCLES.store(crate::arch::riscv::time::read_cycles(), Ordering::Relaxed);
        CAL_NS.store(crate::kernel::time::uptime_ns(), Ordering::Relaxed);
    }
    TRACING_ON.store(on, Ordering::Relaxed);
}

/// Turns event timestamps (cycles) into ns since boot, calibrated against the timer between
/// the last tracing_on=1 and now.  When the two agree within 1% (QEMU -icount shift=0, where
/// the cycle counter is the guest's ns), one cycle is one ns exactly.
pub struct Clock {
    c0: u64,
    n0: u64,
    num: u64,
    den: u64,
}

impl Clock {
    pub fn now() -> Clock {
        let (c0, n0) = (CAL_CYCLES.load(Ordering::Relaxed), CAL_NS.load(Ordering::Relaxed));
        let (c1, n1) = (crate::arch::riscv::time::read_cycles(), crate::kernel::time::uptime_ns());
        let (dc, dn) = (c1.wrapping_sub(c0), n1.saturating_sub(n0));
        let (num, den) = if dc == 0 || dn == 0 || dn.abs_diff(dc) * 100 < dc { (1, 1) } else { (dn, dc) };
        Clock { c0, n0, num, den }
    }
    pub fn ns(&self, ts: u64) -> u64 {
        let d = ts as i128 - self.c0 as i128;
        let v = self.n0 as i128 + d * self.num as i128 / self.den as i128;
        v.max(0) as u64
    }
    pub fn dur_ns(&self, d: u64) -> u64 {
        (d as u128 * self.num as u128 / self.den as u128) as u64
    }
}

#[inline(always)]
fn filtered(id: u8) -> bool {
    FILTER.load(Ordering::Relaxed) & (1u64 << id) != 0
}

#[cold]
#[inline(never)]
fn record(id: u8, kind: u8, n: usize, a: &[u64; 3]) {
    let ts = crate::arch::riscv::time::read_cycles();
    let pid = crate::kernel::task::with_current(|c| c.pid());
    if LAST_PID.swap(pid, Ordering::Relaxed) != pid {
        save_cmdline(pid);
    }
    let ev = Event { ts, pid, func: id, kind, n: n as u8, a: *a };
    let mut r = RING.lock();
    let i = (r.head + r.len) % RING_SIZE;
    r.buf[i] = ev;
    if r.len == RING_SIZE {
        r.head = (r.head + 1) % RING_SIZE;
        r.overrun += 1;
    } else {
        r.len += 1;
    }
}

fn save_cmdline(pid: i32) {
    let comm = crate::kernel::task::with_current(|c| *c.comm.lock());
    let mut s = SAVED_CMDLINES.lock();
    if let Some(e) = s.0.iter_mut().find(|e| e.0 == pid) {
        e.1 = comm;
        return;
    }
    let i = s.1;
    s.0[i] = (pid, comm);
    s.1 = (i + 1) % CMDLINES;
}

/// The comm last seen for pid (Linux: trace_find_cmdline; "<...>" when unknown).
pub fn find_cmdline(pid: i32) -> ([u8; 16], bool) {
    let s = SAVED_CMDLINES.lock();
    match s.0.iter().find(|e| e.0 == pid) {
        Some(e) => (e.1, true),
        None => ([0; 16], false),
    }
}

/// The events in the buffer, oldest first, and how many were overwritten.
pub fn snapshot() -> (alloc::vec::Vec<Event>, u64) {
    let r = RING.lock();
    let mut v = alloc::vec::Vec::with_capacity(r.len);
    for k in 0..r.len {
        v.push(r.buf[(r.head + k) % RING_SIZE]);
    }
    (v, r.overrun)
}

/// Empties the buffer (Linux: tracing_reset_online_cpus, on `echo > trace`).
pub fn clear() {
    let mut r = RING.lock();
    r.head = 0;
    r.len = 0;
    r.overrun = 0;
}

/// Entry of a traced function: the guard records the exit when it is dropped, or at once
/// with a value by ret()/ret2()/ret3()/ret_result() (called just before the function
/// returns).  The guard is one bool and the function id a constant, so that a traced
/// function's frame hardly changes: its other stack temporaries keep their alignment.
pub struct FuncGuard<const ID: u8> {
    active: bool,
}

impl<const ID: u8> FuncGuard<ID> {
    #[inline(always)]
    pub const fn off() -> Self {
        FuncGuard { active: false }
    }
    /// Slow path of trace_func!: tracing is on.
    #[cold]
    #[inline(never)]
    pub fn enter(args: &[u64]) -> Self {
        if !GRAPH_TRACER.load(Ordering::Relaxed) || !filtered(ID) {
            return FuncGuard::off();
        }
        let mut a = [0u64; 3];
        let n = args.len().min(3);
        a[..n].copy_from_slice(&args[..n]);
        record(ID, KIND_ENTRY, n, &a);
        FuncGuard { active: true }
    }
    /// The exit, now, with the value it returns.
    #[inline(always)]
    pub fn ret(&mut self, v: impl TraceValue) {
        if self.active {
            self.active = false;
            exit_vals(ID, 1, v.trace_value(), 0, 0);
        }
    }
    #[inline(always)]
    pub fn ret2(&mut self, a: impl TraceValue, b: impl TraceValue) {
        if self.active {
            self.active = false;
            exit_vals(ID, 2, a.trace_value(), b.trace_value(), 0);
        }
    }
    #[inline(always)]
    pub fn ret3(&mut self, a: impl TraceValue, b: impl TraceValue, c: impl TraceValue) {
        if self.active {
            self.active = false;
            exit_vals(ID, 3, a.trace_value(), b.trace_value(), c.trace_value());
        }
    }
    /// A Result: the Ok value, or -errno.
    #[inline(always)]
    pub fn ret_result<T: TraceValue + Copy>(&mut self, r: &crate::errno::KResult<T>) {
        match r {
            Ok(v) => self.ret(*v),
            Err(e) => self.ret(-(e.0 as i64)),
        }
    }
}

impl<const ID: u8> Drop for FuncGuard<ID> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.active {
            exit_vals(ID, 0, 0, 0, 0);
        }
    }
}

#[cold]
#[inline(never)]
fn exit_vals(id: u8, n: u8, a: u64, b: u64, c: u64) {
    if tracing_on() {
        record(id, KIND_EXIT, n as usize, &[a, b, c]);
    }
}

/// An entry without a guard (a function entered in one place and left in another:
/// ret_from_fork starts in schedule_tail and ends in ret_from_fork_user).
#[cold]
#[inline(never)]
pub fn enter_raw(id: u8, args: &[u64]) {
    if GRAPH_TRACER.load(Ordering::Relaxed) && filtered(id) {
        let mut a = [0u64; 3];
        let n = args.len().min(3);
        a[..n].copy_from_slice(&args[..n]);
        record(id, KIND_ENTRY, n, &a);
    }
}

#[cold]
#[inline(never)]
pub fn exit_raw(id: u8, rets: &[u64]) {
    if GRAPH_TRACER.load(Ordering::Relaxed) && filtered(id) {
        let mut a = [0u64; 3];
        let n = rets.len().min(3);
        a[..n].copy_from_slice(&rets[..n]);
        record(id, KIND_EXIT, n, &a);
    }
}

/// A point event (shown as a comment in the graph).  Recorded with any tracer.
#[cold]
#[inline(never)]
pub fn point(id: u8, a: u64, b: u64) {
    if filtered(id) {
        record(id, KIND_POINT, 2, &[a, b, 0]);
    }
}

/// A trace event, if enabled (tracing is on: the trace_event! macro checked).
#[cold]
#[inline(never)]
pub fn event(id: u8, args: &[u64]) {
    if EVENTS_ON.load(Ordering::Relaxed) & (1 << id) != 0 {
        let mut a = [0u64; 3];
        let n = args.len().min(3);
        a[..n].copy_from_slice(&args[..n]);
        record(id, KIND_EVENT, n, &a);
    }
}

/// A comm (16 bytes) as two trace values.
pub fn comm_words(c: &[u8; 16]) -> (u64, u64) {
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    a.copy_from_slice(&c[..8]);
    b.copy_from_slice(&c[8..]);
    (u64::from_le_bytes(a), u64::from_le_bytes(b))
}

/// What a traced value turns into (pointers, pids, flags, errnos: all fit in a u64).
pub trait TraceValue {
    fn trace_value(self) -> u64;
}
macro_rules! tv {
    ($($t:ty),*) => { $(impl TraceValue for $t { #[inline(always)] fn trace_value(self) -> u64 { self as u64 } })* };
}
tv!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, bool);

/// Record entry now and exit when the returned guard is dropped:
/// `let mut _t = trace_func!(copy_process, flags);`
#[macro_export]
macro_rules! trace_func {
    ($f:ident $(, $a:expr)* $(,)?) => {{
        const ID: u8 = $crate::kernel::trace::func_id(stringify!($f));
        if $crate::kernel::trace::tracing_on() {
            $crate::kernel::trace::FuncGuard::<ID>::enter(&[$($crate::kernel::trace::TraceValue::trace_value($a)),*])
        } else {
            $crate::kernel::trace::FuncGuard::<ID>::off()
        }
    }};
}

/// Entry or exit of a function entered and left in different places (see enter_raw).
#[macro_export]
macro_rules! trace_enter {
    ($f:ident $(, $a:expr)* $(,)?) => {{
        const ID: u8 = $crate::kernel::trace::func_id(stringify!($f));
        if $crate::kernel::trace::tracing_on() {
            $crate::kernel::trace::enter_raw(ID, &[$($crate::kernel::trace::TraceValue::trace_value($a)),*]);
        }
    }};
}

#[macro_export]
macro_rules! trace_exit {
    ($f:ident $(, $a:expr)* $(,)?) => {{
        const ID: u8 = $crate::kernel::trace::func_id(stringify!($f));
        if $crate::kernel::trace::tracing_on() {
            $crate::kernel::trace::exit_raw(ID, &[$($crate::kernel::trace::TraceValue::trace_value($a)),*]);
        }
    }};
}

/// A point event with two values: `trace_point!(execve, pid, entry)`.
#[macro_export]
macro_rules! trace_point {
    ($f:ident, $a:expr, $b:expr) => {{
        const ID: u8 = $crate::kernel::trace::func_id(stringify!($f));
        if $crate::kernel::trace::tracing_on() {
            $crate::kernel::trace::point(
                ID,
                $crate::kernel::trace::TraceValue::trace_value($a),
                $crate::kernel::trace::TraceValue::trace_value($b),
            );
        }
    }};
}

/// A trace event with up to three values: `trace_event!(sched_process_fork, child_pid)`.
#[macro_export]
macro_rules! trace_event {
    ($e:ident $(, $a:expr)* $(,)?) => {{
        const ID: u8 = $crate::kernel::trace::event_id(stringify!($e));
        if $crate::kernel::trace::tracing_on() {
            $crate::kernel::trace::event(ID, &[$($crate::kernel::trace::TraceValue::trace_value($a)),*]);
        }
    }};
}
