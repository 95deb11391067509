//! tracefs at /sys/kernel/tracing: the control files of the fork-path tracer
//! (kernel/trace.rs) and its buffer in ftrace's function_graph text format.
//! Linux: kernel/trace/trace.c (tracing_on, trace, current_tracer, set_ftrace_filter),
//! kernel/trace/trace_functions_graph.c (the output format), fs/tracefs/.
//!
//!   tracing_on                  0/1 (read, write)
//!   trace                       the buffer as a call graph; opening it with O_TRUNC
//!                               (`echo > trace`) or truncating it empties the buffer
//!   current_tracer              function_graph (the boot default here) or nop
//!   available_tracers           function_graph nop
//!   set_ftrace_filter           functions to record (glob `*`, `!name` removes); empty: all
//!   available_filter_functions  what can be recorded (kernel::trace::FUNCS)
//!   buffer_size_kb              the ring's size (fixed: writes are EINVAL)
//!   options/funcgraph-*         cpu, proc, abstime, duration, overhead, args, retval (0/1)
//!   events/[SYSTEM/[EVENT/]]enable  trace events (sched_process_fork, task_newtask,
//!                               sched_wakeup_new, sched_process_exec, sched_process_exit,
//!                               sched_switch): 0/1, "X" when mixed; comments in the graph,
//!                               or Linux's one-line-per-event format under nop
//!
//! Differences from Linux: one tracer (function_graph, on by default, over the process
//! functions only); funcgraph-proc, -abstime, -args (Linux 6.15) and -retval are on by
//! default so that the text carries everything tools/trace.py needs; abstime has ns digits.
//! Writing a file that does not exist here (another event's enable) fails with ENOENT, as on
//! a Linux without that event.

use super::file::*;
use super::inode::*;
use crate::errno::*;
use crate::kernel::trace::{self, Event, KIND_ENTRY, KIND_EVENT, KIND_EXIT, KIND_POINT};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TraceNode {
    TracingOn,
    Trace,
    CurrentTracer,
    AvailableTracers,
    SetFtraceFilter,
    AvailableFilterFunctions,
    BufferSizeKb,
    Option(u32),
    /// events/enable, events/SYSTEM/enable, events/SYSTEM/EVENT/enable: the EVENTS bits
    EventEnable(u32),
}

// options/ (Linux: TRACE_GRAPH_PRINT_*)
pub const OPT_CPU: u32 = 1 << 0;
pub const OPT_PROC: u32 = 1 << 1;
pub const OPT_ABSTIME: u32 = 1 << 2;
pub const OPT_DURATION: u32 = 1 << 3;
pub const OPT_OVERHEAD: u32 = 1 << 4;
pub const OPT_ARGS: u32 = 1 << 5;
pub const OPT_RETVAL: u32 = 1 << 6;
const OPTIONS_LIST: [(&str, u32); 7] = [
    ("funcgraph-cpu", OPT_CPU),
    ("funcgraph-proc", OPT_PROC),
    ("funcgraph-abstime", OPT_ABSTIME),
    ("funcgraph-duration", OPT_DURATION),
    ("funcgraph-overhead", OPT_OVERHEAD),
    ("funcgraph-args", OPT_ARGS),
    ("funcgraph-retval", OPT_RETVAL),
];
static OPTIONS: AtomicU32 =
    AtomicU32::new(OPT_CPU | OPT_PROC | OPT_ABSTIME | OPT_DURATION | OPT_OVERHEAD | OPT_ARGS | OPT_RETVAL);
/// The functions named in set_ftrace_filter (0: none named = every function).
static SELECTED: AtomicU64 = AtomicU64::new(0);

fn set_selected(m: u64) {
    SELECTED.store(m, Ordering::Relaxed);
    trace::FILTER.store(if m == 0 { u64::MAX } else { m }, Ordering::Relaxed);
}

fn add_file(dir: &Arc<Inode>, name: &str, mode: u32, node: TraceNode) {
    if dir.lookup(name).is_err() {
        let _ = dir.link(name, Inode::new(S_IFREG | mode, InodeKind::Trace(node)));
    }
}

fn subdir(dir: &Arc<Inode>, name: &str) -> Arc<Inode> {
    if let Ok(d) = dir.lookup(name) {
        return d;
    }
    let d = Inode::new_dir(0o755, Arc::downgrade(dir), name);
    let _ = dir.link(name, d.clone());
    d
}

/// Makes /sys/kernel/tracing (and /sys, /sys/kernel) with the tracefs files.
pub fn mount(root: &Arc<Inode>) {
    let t = subdir(&subdir(&subdir(root, "sys"), "kernel"), "tracing");
    add_file(&t, "tracing_on", 0o644, TraceNode::TracingOn);
    add_file(&t, "trace", 0o644, TraceNode::Trace);
    add_file(&t, "current_tracer", 0o644, TraceNode::CurrentTracer);
    add_file(&t, "available_tracers", 0o444, TraceNode::AvailableTracers);
    add_file(&t, "set_ftrace_filter", 0o644, TraceNode::SetFtraceFilter);
    add_file(&t, "available_filter_functions", 0o444, TraceNode::AvailableFilterFunctions);
    add_file(&t, "buffer_size_kb", 0o644, TraceNode::BufferSizeKb);
    let o = subdir(&t, "options");
    for (name, bit) in OPTIONS_LIST {
        add_file(&o, name, 0o644, TraceNode::Option(bit));
    }
    let ev = subdir(&t, "events");
    add_file(&ev, "enable", 0o644, TraceNode::EventEnable((1 << trace::EVENTS.len()) - 1));
    for (i, (sys, name)) in trace::EVENTS.iter().enumerate() {
        let sd = subdir(&ev, sys);
        let mask: u32 = trace::EVENTS.iter().enumerate().filter(|(_, e)| e.0 == *sys).map(|(k, _)| 1 << k).sum();
        add_file(&sd, "enable", 0o644, TraceNode::EventEnable(mask));
        add_file(&subdir(&sd, name), "enable", 0o644, TraceNode::EventEnable(1 << i));
    }
}

/// O_TRUNC on open, or ftruncate (Linux: tracing_open with O_TRUNC resets the buffer;
/// ftrace_regex_open with O_TRUNC resets the filter).
pub fn truncate(n: &TraceNode) -> KResult<()> {
    match n {
        TraceNode::Trace => trace::clear(),
        TraceNode::SetFtraceFilter => set_selected(0),
        _ => {}
    }
    Ok(())
}

/// The file operations of an open tracefs file: what it reads is made at open (a snapshot,
/// as seq_file does per read), writes act at once.
pub fn open(n: &TraceNode, flags: u32) -> KResult<Arc<dyn FileOps>> {
    let readable = flags & O_PATH == 0 && flags & O_ACCMODE != O_WRONLY;
    let text = if readable { content(n) } else { String::new() };
    Ok(Arc::new(TraceFile { node: *n, text: text.into_bytes() }))
}

struct TraceFile {
    node: TraceNode,
    text: Vec<u8>,
}

impl FileOps for TraceFile {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let mut pos = f.pos.lock();
        let p = (*pos as usize).min(self.text.len());
        let n = buf.len().min(self.text.len() - p);
        buf[..n].copy_from_slice(&self.text[p..p + n]);
        *pos += n as u64;
        Ok(n)
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        write_node(&self.node, buf)?;
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "tracefs"
    }
}

/// Linux: kstrtoul_from_user(): a decimal number, one trailing newline allowed.
fn parse_ulong(buf: &[u8]) -> KResult<u64> {
    let s = core::str::from_utf8(buf).map_err(|_| EINVAL)?;
    let s = s.strip_suffix('\n').unwrap_or(s);
    s.parse::<u64>().map_err(|_| EINVAL)
}

fn glob(pat: &[u8], s: &[u8]) -> bool {
    match pat.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}

fn write_node(n: &TraceNode, buf: &[u8]) -> KResult<()> {
    match n {
        TraceNode::TracingOn => trace::set_tracing_on(parse_ulong(buf)? != 0),
        // Linux: tracing_write_stub(): accepted and ignored (O_TRUNC did the clearing)
        TraceNode::Trace => {}
        TraceNode::CurrentTracer => {
            let s = core::str::from_utf8(buf).map_err(|_| EINVAL)?.trim_end();
            let graph = match s {
                "function_graph" => true,
                "nop" => false,
                _ => return Err(EINVAL),
            };
            // Linux: tracing_set_tracer() -> tracer_init() resets the buffer on a change
            if trace::GRAPH_TRACER.swap(graph, Ordering::Relaxed) != graph {
                trace::clear();
            }
        }
        TraceNode::SetFtraceFilter => {
            let s = core::str::from_utf8(buf).map_err(|_| EINVAL)?;
            let mut sel = SELECTED.load(Ordering::Relaxed);
            for tok in s.split_whitespace() {
                let (neg, pat) = match tok.strip_prefix('!') {
                    Some(p) => (true, p),
                    None => (false, tok),
                };
                let mut hit = 0u64;
                for (i, fi) in trace::FUNCS.iter().enumerate() {
                    if glob(pat.as_bytes(), fi.name.as_bytes()) {
                        hit |= 1 << i;
                    }
                }
                if hit == 0 && !neg {
                    return Err(EINVAL); // Linux: no function matches the filter
                }
                if neg {
                    sel &= !hit
                } else {
                    sel |= hit
                }
            }
            set_selected(sel);
        }
        TraceNode::Option(bit) => {
            if parse_ulong(buf)? != 0 {
                OPTIONS.fetch_or(*bit, Ordering::Relaxed);
            } else {
                OPTIONS.fetch_and(!*bit, Ordering::Relaxed);
            }
        }
        TraceNode::EventEnable(mask) => match parse_ulong(buf)? {
            // Linux: event_enable_write() / system_enable_write(): 0 or 1
            0 => {
                trace::EVENTS_ON.fetch_and(!*mask, Ordering::Relaxed);
            }
            1 => {
                trace::EVENTS_ON.fetch_or(*mask, Ordering::Relaxed);
            }
            _ => return Err(EINVAL),
        },
        TraceNode::AvailableTracers | TraceNode::AvailableFilterFunctions | TraceNode::BufferSizeKb => {
            return Err(EINVAL)
        }
    }
    Ok(())
}

fn content(n: &TraceNode) -> String {
    let mut s = String::new();
    match n {
        TraceNode::TracingOn => s.push_str(if trace::tracing_on() { "1\n" } else { "0\n" }),
        TraceNode::Trace => return render(),
        TraceNode::CurrentTracer => {
            s.push_str(if trace::GRAPH_TRACER.load(Ordering::Relaxed) { "function_graph\n" } else { "nop\n" })
        }
        TraceNode::AvailableTracers => s.push_str("function_graph nop\n"),
        TraceNode::SetFtraceFilter => {
            let sel = SELECTED.load(Ordering::Relaxed);
            if sel == 0 {
                s.push_str("#### all functions enabled ####\n");
            }
            for (i, fi) in trace::FUNCS.iter().enumerate() {
                if sel & (1 << i) != 0 {
                    s.push_str(fi.name);
                    s.push('\n');
                }
            }
        }
        TraceNode::AvailableFilterFunctions => {
            for fi in trace::FUNCS.iter() {
                s.push_str(fi.name);
                s.push('\n');
            }
        }
        TraceNode::BufferSizeKb => {
            let _ = writeln!(s, "{}", trace::RING_SIZE * core::mem::size_of::<Event>() / 1024);
        }
        TraceNode::Option(bit) => s.push_str(if OPTIONS.load(Ordering::Relaxed) & bit != 0 { "1\n" } else { "0\n" }),
        TraceNode::EventEnable(mask) => {
            // Linux: "X" when some of a system's events are on and some off
            let on = trace::EVENTS_ON.load(Ordering::Relaxed) & mask;
            s.push_str(if on == 0 {
                "0\n"
            } else if on == *mask {
                "1\n"
            } else {
                "X\n"
            });
        }
    }
    s
}

fn comm_of(pid: i32) -> String {
    let (comm, known) = trace::find_cmdline(pid);
    if !known {
        return String::from("<...>");
    }
    let n = comm.iter().position(|&b| b == 0).unwrap_or(16);
    String::from_utf8_lossy(&comm[..n]).into_owned()
}

/// "name: fields" of a trace event, in Linux's TP_printk formats.
fn event_text(e: &Event) -> String {
    let (_, name) = trace::EVENTS[e.func as usize];
    let c = comm_of(e.pid);
    let a = e.a;
    let mut s = String::from(name);
    s.push_str(": ");
    let _ = match name {
        "sched_process_fork" => write!(s, "comm={} pid={} child_comm={} child_pid={}", c, e.pid, c, a[0] as i64),
        "task_newtask" => write!(s, "pid={} comm={} clone_flags={:x} oom_score_adj=0", a[0] as i64, c, a[1]),
        "sched_wakeup_new" => write!(s, "comm={} pid={} prio=120 target_cpu=000", c, a[0] as i64),
        "sched_process_exec" => {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&a[1].to_le_bytes());
            b[8..].copy_from_slice(&a[2].to_le_bytes());
            let n = b.iter().position(|&x| x == 0).unwrap_or(16);
            write!(s, "filename={} pid={} old_pid={}", String::from_utf8_lossy(&b[..n]), a[0] as i64, a[0] as i64)
        }
        "sched_process_exit" => write!(s, "comm={} pid={} prio=120", c, a[0] as i64),
        "sched_switch" => {
            let st = match a[2] as u32 {
                0 => "R",
                1 => "S",
                2 => "D",
                4 => "T",
                _ => "X",
            };
            write!(
                s,
                "prev_comm={} prev_pid={} prev_prio=120 prev_state={} ==> next_comm={} next_pid={} next_prio=120",
                comm_of(a[0] as i32),
                a[0] as i64,
                st,
                comm_of(a[1] as i32),
                a[1] as i64
            )
        }
        _ => Ok(()),
    };
    s
}

/// The buffer without the graph tracer (current_tracer nop): one line per event, in the
/// format of Linux's default output.
fn render_events(ev: &[Event], overrun: u64, clk: &trace::Clock) -> String {
    let mut s = String::with_capacity(ev.len() * 100 + 800);
    let _ = writeln!(
        s,
        "# tracer: nop\n#\n# entries-in-buffer/entries-written: {}/{}   #P:1\n#",
        ev.len(),
        ev.len() as u64 + overrun
    );
    s.push_str("#                                _-----=> irqs-off/BH-disabled\n");
    s.push_str("#                               / _----=> need-resched\n");
    s.push_str("#                              | / _---=> hardirq/softirq\n");
    s.push_str("#                              || / _--=> preempt-depth\n");
    s.push_str("#                              ||| / _-=> migrate-disable\n");
    s.push_str("#                              |||| /     delay\n");
    s.push_str("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n");
    s.push_str("#              | |         |   |||||     |         |\n");
    for e in ev {
        let text = match e.kind {
            KIND_EVENT => event_text(e),
            KIND_POINT => {
                let mut t = String::from(e.info().name);
                t.push_str(": ");
                put_values(&mut t, e.info().args, e);
                t
            }
            _ => continue,
        };
        let ns = clk.ns(e.ts);
        let _ = writeln!(
            s,
            "{:>16}-{:<7} [000] ..... {:5}.{:06}: {}",
            comm_of(e.pid),
            e.pid,
            ns / 1_000_000_000,
            ns % 1_000_000_000 / 1000,
            text
        );
    }
    s
}

// ---------------------------------------------------------------------------------------------
// The function_graph text (Linux: print_graph_function_flags and its helpers).

/// Values printed in hex (flags and addresses); the others are signed decimals.
fn is_hex(name: &str) -> bool {
    matches!(name, "flags" | "newsp" | "ra" | "sp" | "epc" | "entry")
}

fn put_values(s: &mut String, names: &[&str], e: &Event) {
    let n = (e.n as usize).min(names.len());
    for (k, name) in names[..n].iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        if is_hex(name) {
            let _ = write!(s, "{}=0x{:x}", name, e.a[k]);
        } else {
            let _ = write!(s, "{}={}", name, e.a[k] as i64);
        }
    }
}

/// Linux: print_graph_proc(): "comm-pid" centred in 14 columns (comm cut to 7 characters).
fn put_proc(s: &mut String, pid: i32) {
    let (comm, known) = trace::find_cmdline(pid);
    let mut name = String::new();
    if known {
        let n = comm.iter().position(|&b| b == 0).unwrap_or(16).min(7);
        name.push_str(&String::from_utf8_lossy(&comm[..n]));
    } else {
        name.push_str("<...>");
    }
    let _ = write!(name, "-{}", pid);
    let spaces = 14usize.saturating_sub(name.len());
    for _ in 0..spaces / 2 {
        s.push(' ');
    }
    s.push_str(&name);
    for _ in 0..spaces - spaces / 2 {
        s.push(' ');
    }
}

/// Linux: trace_find_mark()
fn mark(d: u64) -> char {
    for (v, c) in [
        (1_000_000_000u64, '$'),
        (100_000_000, '@'),
        (10_000_000, '*'),
        (1_000_000, '#'),
        (100_000, '!'),
        (10_000, '+'),
    ] {
        if d > v {
            return c;
        }
    }
    ' '
}

/// Linux: trace_print_graph_duration(): "1.234 us" padded to the column.
fn put_duration(s: &mut String, d: u64) {
    let us = d / 1000;
    let rem = d % 1000;
    let mut t = String::new();
    let _ = write!(t, "{}", us);
    let mut len = t.len();
    if len < 7 {
        let digits = (8 - len - 1).min(3);
        let r = alloc::format!("{:03}", rem);
        t.push('.');
        t.push_str(&r[..digits]);
        len += digits + 1;
    }
    s.push_str(&t);
    s.push_str(" us ");
    for _ in len..8 {
        s.push(' ');
    }
}

struct Out<'a> {
    s: String,
    opts: u32,
    clk: &'a trace::Clock,
    last_pid: i32,
}

impl Out<'_> {
    /// The columns before the call graph; `dur` None: the column is filled with spaces.
    fn prologue(&mut self, e: &Event, dur: Option<u64>) {
        if self.last_pid != e.pid {
            if self.last_pid >= 0 {
                // Linux: verif_pid(): a context switch
                self.s.push_str(" ------------------------------------------\n");
                self.s.push_str(" 0) ");
                put_proc(&mut self.s, self.last_pid);
                self.s.push_str(" => ");
                put_proc(&mut self.s, e.pid);
                self.s.push_str("\n ------------------------------------------\n\n");
            }
            self.last_pid = e.pid;
        }
        if self.opts & OPT_ABSTIME != 0 {
            let ns = self.clk.ns(e.ts);
            let _ = write!(self.s, "{:5}.{:09} |  ", ns / 1_000_000_000, ns % 1_000_000_000);
        }
        if self.opts & OPT_CPU != 0 {
            self.s.push_str(" 0) ");
        }
        if self.opts & OPT_PROC != 0 {
            put_proc(&mut self.s, e.pid);
            self.s.push_str(" | ");
        }
        if self.opts & OPT_DURATION != 0 {
            match dur {
                None => self.s.push_str("              |  "),
                Some(d) => {
                    if self.opts & OPT_OVERHEAD != 0 {
                        self.s.push(mark(d));
                        self.s.push(' ');
                    } else {
                        self.s.push_str("  ");
                    }
                    put_duration(&mut self.s, d);
                    self.s.push_str("|  ");
                }
            }
        }
    }
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.s.push_str("  ");
        }
    }
    fn call(&mut self, e: &Event) {
        self.s.push_str(e.info().name);
        self.s.push('(');
        if self.opts & OPT_ARGS != 0 {
            put_values(&mut self.s, e.info().args, e);
        }
        self.s.push(')');
    }
    /// " /* name ret=... */" after a return (Linux: funcgraph-retval / funcgraph-tail).
    fn retval(&mut self, x: &Event, with_name: bool) {
        let show = self.opts & OPT_RETVAL != 0 && x.n > 0 && !x.info().rets.is_empty();
        if !show && !with_name {
            return;
        }
        self.s.push_str(" /* ");
        if with_name {
            self.s.push_str(x.info().name);
            if show {
                self.s.push(' ');
            }
        }
        if show {
            put_values(&mut self.s, x.info().rets, x);
        }
        self.s.push_str(" */");
    }
}

/// The buffer as function_graph text.
pub fn render() -> String {
    let (ev, overrun) = trace::snapshot();
    let clk = trace::Clock::now();
    let opts = OPTIONS.load(Ordering::Relaxed);
    if !trace::GRAPH_TRACER.load(Ordering::Relaxed) {
        return render_events(&ev, overrun, &clk);
    }
    // Pair each exit with its entry: per-pid stacks of open entries.
    let none = usize::MAX;
    let mut mate = alloc::vec![none; ev.len()];
    let mut stacks: Vec<(i32, Vec<usize>)> = Vec::new();
    fn stack_of(stacks: &mut Vec<(i32, Vec<usize>)>, pid: i32) -> &mut Vec<usize> {
        let i = match stacks.iter().position(|s| s.0 == pid) {
            Some(i) => i,
            None => {
                stacks.push((pid, Vec::new()));
                stacks.len() - 1
            }
        };
        &mut stacks[i].1
    }
    for (i, e) in ev.iter().enumerate() {
        match e.kind {
            KIND_ENTRY => stack_of(&mut stacks, e.pid).push(i),
            KIND_EXIT => {
                let st = stack_of(&mut stacks, e.pid);
                if let Some(k) = st.iter().rposition(|&j| ev[j].func == e.func) {
                    let j = st[k];
                    st.truncate(k);
                    mate[i] = j;
                    mate[j] = i;
                }
            }
            _ => {}
        }
    }

    let mut o = Out { s: String::with_capacity(ev.len() * 96 + 512), opts, clk: &clk, last_pid: -1 };
    o.s.push_str("# tracer: ");
    o.s.push_str("function_graph\n");
    o.s.push_str("#\n");
    if overrun > 0 {
        let _ = writeln!(o.s, "# (the buffer overflowed: {} older events were overwritten)", overrun);
    }
    // Linux: __print_graph_headers_flags()
    let mut h1 = String::from("#");
    let mut h2 = String::from("#");
    if opts & OPT_ABSTIME != 0 {
        h1.push_str("       TIME         ");
        h2.push_str("        |           ");
    }
    if opts & OPT_CPU != 0 {
        h1.push_str(" CPU");
        h2.push_str(" |  ");
    }
    if opts & OPT_PROC != 0 {
        h1.push_str("  TASK/PID       ");
        h2.push_str("   |    |        ");
    }
    if opts & OPT_DURATION != 0 {
        h1.push_str("  DURATION   ");
        h2.push_str("   |   |      ");
    }
    h1.push_str("               FUNCTION CALLS\n");
    h2.push_str("               |   |   |   |\n");
    o.s.push_str(&h1);
    o.s.push_str(&h2);

    let mut depths: Vec<(i32, usize)> = Vec::new();
    fn depth_of(d: &mut Vec<(i32, usize)>, pid: i32) -> &mut usize {
        let i = match d.iter().position(|x| x.0 == pid) {
            Some(i) => i,
            None => {
                d.push((pid, 0));
                d.len() - 1
            }
        };
        &mut d[i].1
    }
    let mut i = 0;
    while i < ev.len() {
        let e = &ev[i];
        match e.kind {
            KIND_ENTRY => {
                let j = mate[i];
                if j == i + 1 {
                    // a leaf: entry and return next to each other
                    let x = &ev[j];
                    let d = *depth_of(&mut depths, e.pid);
                    o.prologue(e, Some(clk.dur_ns(x.ts.wrapping_sub(e.ts))));
                    o.indent(d);
                    o.call(e);
                    o.s.push(';');
                    o.retval(x, false);
                    o.s.push('\n');
                    i += 2;
                    continue;
                }
                let d = depth_of(&mut depths, e.pid);
                let dd = *d;
                *d += 1;
                o.prologue(e, None);
                o.indent(dd);
                o.call(e);
                o.s.push_str(" {\n");
            }
            KIND_EXIT => {
                let d = depth_of(&mut depths, e.pid);
                *d = d.saturating_sub(1);
                let dd = *d;
                let j = mate[i];
                let dur = if j != none { Some(clk.dur_ns(e.ts.wrapping_sub(ev[j].ts))) } else { None };
                o.prologue(e, dur);
                o.indent(dd);
                o.s.push('}');
                o.retval(e, true);
                o.s.push('\n');
            }
            KIND_POINT | KIND_EVENT => {
                // Linux: print_graph_comment(): events inside the graph, as comments
                let d = *depth_of(&mut depths, e.pid);
                o.prologue(e, None);
                o.indent(d);
                o.s.push_str("/* ");
                if e.kind == KIND_EVENT {
                    o.s.push_str(&event_text(e));
                } else {
                    o.s.push_str(e.info().name);
                    o.s.push_str(": ");
                    put_values(&mut o.s, e.info().args, e);
                }
                o.s.push_str(" */\n");
            }
            _ => {}
        }
        i += 1;
    }
    o.s
}
