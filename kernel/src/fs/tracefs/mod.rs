//! tracefs at /sys/kernel/tracing: the control files of the fork-path tracer
//! (kernel/trace.rs) and its buffer in ftrace's function_graph text format.
//! Linux: fs/tracefs/ (the filesystem), kernel/trace/trace.c (tracing_on, trace,
//! current_tracer, buffer_size_kb, options/), kernel/trace/ftrace.c (set_ftrace_filter,
//! available_filter_functions), kernel/trace/trace_events.c (events/).  What `trace` reads
//! is made by trace_functions_graph.rs (current_tracer function_graph) or trace_output.rs (nop).
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

pub mod trace_functions_graph;
pub mod trace_output;

use super::file_table::{File, FileOps};
use super::inode::*;
use super::seq_file::seq_read;
use crate::errno::*;
use crate::kernel::trace::{self, Event};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use linux_raw_sys::general::{O_ACCMODE, O_PATH, O_WRONLY};
use trace_functions_graph::render;

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
pub(super) static OPTIONS: AtomicU32 =
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
    // tracing/ and below are tracefs's (EXDEV, EPERM for new names); /sys and /sys/kernel the
    // rootfs's, made here only when the initramfs has no /sys.
    let fs = if dir.fs == FsType::Tracefs || name == "tracing" { FsType::Tracefs } else { FsType::Rootfs };
    let d = Inode::new_dir_in(fs, 0o755, Arc::downgrade(dir), name);
    let _ = dir.link(name, d.clone());
    d
}

/// The tracefs root with its files, for sysfs to mount at /sys/kernel/tracing (`parent`).
pub fn tracefs_root(parent: alloc::sync::Weak<Inode>) -> Arc<Inode> {
    let t = Inode::new_dir(0o755, parent, "tracing");
    fill(&t);
    t
}

/// Makes the tracefs files in `t`.
fn fill(t: &Arc<Inode>) {
    let t = t.clone();
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
        seq_read(&self.text, f, buf)
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
