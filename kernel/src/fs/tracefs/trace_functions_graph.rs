//! The trace buffer as function_graph text.  Linux: kernel/trace/trace_functions_graph.c
//! (print_graph_function_flags and its helpers: print_graph_proc, trace_find_mark,
//! trace_print_graph_duration, __print_graph_headers_flags).

use super::trace_output::{event_text, put_values, render_events};
use super::{OPTIONS, OPT_ABSTIME, OPT_ARGS, OPT_CPU, OPT_DURATION, OPT_OVERHEAD, OPT_PROC, OPT_RETVAL};
use crate::kernel::trace::{self, Event, KIND_ENTRY, KIND_EVENT, KIND_EXIT, KIND_POINT};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

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
