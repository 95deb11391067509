//! The magic SysRq key.  Linux: drivers/tty/sysrq.c (__handle_sysrq, the key table,
//! write_sysrq_trigger, sysrq_toggle_support) and the serial core's break handling
//! (uart_handle_break / uart_handle_sysrq_char in include/linux/serial_core.h).
//!
//! Two ways in, as on Linux:
//!   - root writes a key to /proc/sysrq-trigger (fs/proc/root.rs): run at once, in the
//!     writer's context, whatever /proc/sys/kernel/sysrq says;
//!   - a BREAK on the console's serial line, then the key within 5 seconds (QEMU: Ctrl-A b,
//!     then the key), run only if /proc/sys/kernel/sysrq allows it.  This is how a hung
//!     kernel is asked what its tasks are doing: the test harness sends BREAK t when a boot
//!     stops printing (tools/qemu.py).
//!
//! A key from the serial line arrives in the UART interrupt, which may have interrupted code
//! holding any lock (the task list's, the heap's, printk's own): the dump runs later, on the
//! next interrupt taken from user mode or in the idle loop, where no kernel lock is held.  A
//! kernel spinning with interrupts off never gets there (Linux would need an NMI as well).

use crate::kernel::printk::{console_loglevel, set_console_loglevel, CONSOLE_LOGLEVEL_DEFAULT};
use crate::kernel::task::{current, TASK_UNINTERRUPTIBLE};
use core::sync::atomic::{AtomicI32, AtomicU64, AtomicU8, Ordering};

/// Linux: sysrq_enabled (/proc/sys/kernel/sysrq): 1 allows every function, 0 none, another
/// value the functions whose SYSRQ_ENABLE_* bits it has.  Linux's default is
/// CONFIG_MAGIC_SYSRQ_DEFAULT_ENABLE, 0x1.
pub static SYSRQ_ENABLED: [AtomicI32; 1] = [AtomicI32::new(1)];

// Linux: include/linux/sysrq.h, the bits of sysrq_enabled.
const SYSRQ_ENABLE_LOG: i32 = 0x0002;
const SYSRQ_ENABLE_DUMP: i32 = 0x0008;
const SYSRQ_ENABLE_SIGNAL: i32 = 0x0040;
const SYSRQ_ENABLE_BOOT: i32 = 0x0080;

/// Linux: CONSOLE_LOGLEVEL_DEBUG.
const CONSOLE_LOGLEVEL_DEBUG: i32 = 10;

/// Linux: struct sysrq_key_op.
struct SysrqKeyOp {
    handler: fn(u8),
    help_msg: &'static str,
    action_msg: &'static str,
    enable_mask: i32,
}

const LOGLEVEL_OP: SysrqKeyOp = SysrqKeyOp {
    handler: sysrq_handle_loglevel,
    help_msg: "loglevel(0-9)",
    action_msg: "Changing Loglevel",
    enable_mask: SYSRQ_ENABLE_LOG,
};

/// Linux: sysrq_key_table[], for the keys MenuOS has: 0-9, b, c, e, i, l, m, t, w.  Any
/// other key prints the help line (h is "reserved for help").
fn sysrq_get_key_op(key: u8) -> Option<SysrqKeyOp> {
    let op = |handler, help_msg, action_msg, enable_mask| SysrqKeyOp { handler, help_msg, action_msg, enable_mask };
    Some(match key {
        b'0'..=b'9' => LOGLEVEL_OP,
        b'b' => op(sysrq_handle_reboot, "reboot(b)", "Resetting", SYSRQ_ENABLE_BOOT),
        b'c' => op(sysrq_handle_crash, "crash(c)", "Trigger a crash", SYSRQ_ENABLE_DUMP),
        b'e' => op(sysrq_handle_term, "terminate-all-tasks(e)", "Terminate All Tasks", SYSRQ_ENABLE_SIGNAL),
        b'i' => op(sysrq_handle_kill, "kill-all-tasks(i)", "Kill All Tasks", SYSRQ_ENABLE_SIGNAL),
        b'l' => op(
            sysrq_handle_showallcpus,
            "show-backtrace-all-active-cpus(l)",
            "Show backtrace of all active CPUs",
            SYSRQ_ENABLE_DUMP,
        ),
        b'm' => op(sysrq_handle_showmem, "show-memory-usage(m)", "Show Memory", SYSRQ_ENABLE_DUMP),
        b't' => op(sysrq_handle_showstate, "show-task-states(t)", "Show State", SYSRQ_ENABLE_DUMP),
        b'w' => op(sysrq_handle_showstate_blocked, "show-blocked-tasks(w)", "Show Blocked State", SYSRQ_ENABLE_DUMP),
        _ => return None,
    })
}

/// The keys of the help line, in the table's order (the loglevel keys once).
const HELP_KEYS: &[u8] = b"0bceilmtw";

/// Linux: sysrq_on_mask().
fn sysrq_on_mask(mask: i32) -> bool {
    let e = SYSRQ_ENABLED[0].load(Ordering::Relaxed);
    e == 1 || e & mask != 0
}

/// Linux: sysrq_on().
fn sysrq_on() -> bool {
    SYSRQ_ENABLED[0].load(Ordering::Relaxed) != 0
}

/// Linux: __handle_sysrq(): the key's function (when `check_mask`, only if sysrq_enabled
/// allows it), or the help line for a key without one.  The header is printed with the
/// console level raised to its default, so that it shows whatever the level.
#[no_mangle]
#[inline(never)]
pub fn __handle_sysrq(key: u8, check_mask: bool) {
    let orig_log_level = console_loglevel();
    set_console_loglevel(CONSOLE_LOGLEVEL_DEFAULT);
    match sysrq_get_key_op(key) {
        Some(op) => {
            if !check_mask || sysrq_on_mask(op.enable_mask) {
                crate::pr_info!("sysrq: {}", op.action_msg);
                set_console_loglevel(orig_log_level);
                (op.handler)(key);
            } else {
                crate::pr_info!("sysrq: This sysrq operation is disabled.");
                set_console_loglevel(orig_log_level);
            }
        }
        None => {
            let mut line = alloc::string::String::from("sysrq: HELP : ");
            for &k in HELP_KEYS {
                if let Some(op) = sysrq_get_key_op(k) {
                    line.push_str(op.help_msg);
                    line.push(' ');
                }
            }
            crate::pr_info!("{}", line);
            set_console_loglevel(orig_log_level);
        }
    }
}

/// Linux: handle_sysrq(): a key from a keyboard or serial line, if SysRq is on at all.
fn handle_sysrq(key: u8) {
    if sysrq_on() {
        __handle_sysrq(key, true);
    }
}

fn sysrq_handle_loglevel(key: u8) {
    let i = (key - b'0') as i32;
    set_console_loglevel(CONSOLE_LOGLEVEL_DEFAULT);
    crate::pr_info!("sysrq: Loglevel set to {}", i);
    set_console_loglevel(i);
}

/// Linux: sysrq_handle_reboot() -> emergency_restart(): at once, nothing shut down.
fn sysrq_handle_reboot(_: u8) {
    sbi_rt::system_reset(sbi_rt::ColdReboot, sbi_rt::NoReason);
    crate::arch::riscv::sbi::shutdown(None);
}

/// Linux: sysrq_handle_crash(): panic("sysrq triggered crash\n").
fn sysrq_handle_crash(_: u8) {
    panic!("sysrq triggered crash");
}

/// Linux: send_sig_all(): `sig` to every process but init and kernel threads, as the kernel
/// sends it (SEND_SIG_PRIV: si_code SI_KERNEL, no permission check).
fn send_sig_all(sig: i32) {
    use crate::kernel::signal_types::{SigInfo, SI_KERNEL};
    for p in crate::kernel::pid::all_processes() {
        if p.is_kthread() || p.tgid() == 1 {
            continue;
        }
        crate::kernel::signal::kill_process(&p, sig, SigInfo { signo: sig, code: SI_KERNEL, ..Default::default() });
    }
}

/// Linux: sysrq_handle_term(): SIGTERM to all, and every message to the console after.
fn sysrq_handle_term(_: u8) {
    send_sig_all(crate::kernel::signal_types::SIGTERM);
    set_console_loglevel(CONSOLE_LOGLEVEL_DEBUG);
}

/// Linux: sysrq_handle_kill(): SIGKILL to all, and every message to the console after.
fn sysrq_handle_kill(_: u8) {
    send_sig_all(crate::kernel::signal_types::SIGKILL);
    set_console_loglevel(CONSOLE_LOGLEVEL_DEBUG);
}

/// Linux: sysrq_handle_showallcpus() without an NMI backtrace: the one CPU's stack, here.
fn sysrq_handle_showallcpus(_: u8) {
    crate::pr_info!("CPU0:");
    crate::arch::riscv::stacktrace::show_stack(&current());
}

/// Linux: sysrq_handle_showmem() -> __show_mem() (lib/show_mem.c): the free and in-use
/// counts, then the RAM the page allocator manages and what it keeps out (the kernel image,
/// the DTB, the initramfs until it is freed).
fn sysrq_handle_showmem(_: u8) {
    use crate::mm::page_alloc::{nr_free_pages, nr_total_pages, totalram_pages};
    let kstack = crate::kernel::pid::nr_tasks() * crate::arch::riscv::process::THREAD_SIZE / 1024;
    crate::printk!(4, "Mem-Info:");
    crate::printk!(
        4,
        "free:{} slab_unreclaimable:{} kernel_stack:{}kB",
        nr_free_pages(),
        crate::mm::heap::total_bytes() / crate::mm::PAGE_SIZE,
        kstack
    );
    crate::printk!(4, "{} pages RAM", nr_total_pages());
    crate::printk!(4, "0 pages HighMem/MovableOnly");
    crate::printk!(4, "{} pages reserved", nr_total_pages().saturating_sub(totalram_pages()));
}

/// Linux: sysrq_handle_showstate() -> show_state(): every task and its kernel stack.
fn sysrq_handle_showstate(_: u8) {
    crate::kernel::sched::core::show_state_filter(0);
}

/// Linux: sysrq_handle_showstate_blocked(): the tasks in uninterruptible sleep ('D').
fn sysrq_handle_showstate_blocked(_: u8) {
    crate::kernel::sched::core::show_state_filter(TASK_UNINTERRUPTIBLE);
}

// ---------------------------------------------------------------------------------------------
// The serial line: BREAK, then the key.

/// Linux: SYSRQ_TIMEOUT (HZ * 5): how long a BREAK waits for its key.
const SYSRQ_TIMEOUT_NS: u64 = 5_000_000_000;

/// Linux: uart_port.sysrq: until when (timer cycles) the next byte is a SysRq key; 0: not armed.
static ARMED_UNTIL: AtomicU64 = AtomicU64::new(0);
/// A key received and not yet handled (0: none): see the module's doc.
static PENDING_KEY: AtomicU8 = AtomicU8::new(0);

/// Linux: uart_handle_break(): a BREAK on the console arms SysRq for the next byte (a second
/// BREAK disarms it).  Called from the UART interrupt; the break's NUL byte is dropped.
pub fn uart_handle_break() {
    let now = crate::arch::riscv::time::get_cycles();
    if ARMED_UNTIL.load(Ordering::Relaxed) == 0 {
        ARMED_UNTIL.store(now + crate::arch::riscv::time::ns_to_cycles(SYSRQ_TIMEOUT_NS), Ordering::Relaxed);
    } else {
        ARMED_UNTIL.store(0, Ordering::Relaxed);
    }
}

/// Linux: uart_handle_sysrq_char(): whether `c` was taken as a SysRq key (not input).
pub fn uart_handle_sysrq_char(c: u8) -> bool {
    let until = ARMED_UNTIL.swap(0, Ordering::Relaxed);
    if until == 0 || c == 0 || crate::arch::riscv::time::get_cycles() >= until || !sysrq_on() {
        return false;
    }
    PENDING_KEY.store(c, Ordering::Release);
    true
}

/// Runs a key the serial line delivered, if one waits: from a point where no kernel lock is
/// held (the idle loop; an interrupt taken from user mode).
pub fn run_pending() {
    if PENDING_KEY.load(Ordering::Relaxed) != 0 {
        let key = PENDING_KEY.swap(0, Ordering::Acquire);
        if key != 0 {
            handle_sysrq(key);
        }
    }
}
