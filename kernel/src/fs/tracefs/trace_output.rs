//! The trace buffer as text without the graph tracer (current_tracer nop), and the pieces the
//! graph text shares: event lines and argument lists.  Linux: kernel/trace/trace_output.c
//! (trace_print_context, the events' TP_printk output), kernel/trace/trace.c
//! (print_trace_header).

use crate::kernel::trace::{self, Event, KIND_EVENT, KIND_POINT};
use alloc::string::String;
use core::fmt::Write;

pub(super) fn comm_of(pid: i32) -> String {
    let (comm, known) = trace::find_cmdline(pid);
    if !known {
        return String::from("<...>");
    }
    let n = comm.iter().position(|&b| b == 0).unwrap_or(16);
    String::from_utf8_lossy(&comm[..n]).into_owned()
}

/// "name: fields" of a trace event, in Linux's TP_printk formats.
pub(super) fn event_text(e: &Event) -> String {
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
pub(super) fn render_events(ev: &[Event], overrun: u64, clk: &trace::Clock) -> String {
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

/// Values printed in hex (flags and addresses); the others are signed decimals.
fn is_hex(name: &str) -> bool {
    matches!(name, "flags" | "newsp" | "ra" | "sp" | "epc" | "entry")
}

pub(super) fn put_values(s: &mut String, names: &[&str], e: &Event) {
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
