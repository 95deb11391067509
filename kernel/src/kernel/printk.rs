//! printk: kernel messages with Linux's `[    0.001234]` timestamps, kept in a ring buffer
//! that syslog(2)/dmesg reads.  Linux: kernel/printk/printk.c.

use crate::kernel::locking::{class, SpinLock};
use core::fmt::{self, Write};

pub const LOG_BUF_LEN: usize = 64 * 1024;

pub struct LogBuf {
    buf: [u8; LOG_BUF_LEN],
    /// Total bytes ever written; the buffer holds the last LOG_BUF_LEN of them.
    head: usize,
}

static LOG: SpinLock<LogBuf, class::Printk> = SpinLock::new(LogBuf { buf: [0; LOG_BUF_LEN], head: 0 });
/// Console log level (Linux: console_loglevel, default 7: everything but debug).
pub static CONSOLE_LOGLEVEL: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(7);

impl LogBuf {
    fn push(&mut self, s: &[u8]) {
        for &b in s {
            self.buf[self.head % LOG_BUF_LEN] = b;
            self.head += 1;
        }
    }
}

struct LineWriter<'a> {
    log: &'a mut LogBuf,
    console: bool,
}

impl Write for LineWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.log.push(s.as_bytes());
        if self.console {
            crate::drivers::console_write(s.as_bytes());
        }
        Ok(())
    }
}

/// One message at `level` (0 emerg .. 7 debug), timestamped.
pub fn vprintk(level: usize, args: fmt::Arguments) {
    let ns = crate::arch::riscv::time::cycles_to_ns(crate::kernel::time::uptime_cycles());
    // On the panic path the lock may be held by the code that panicked: then the message
    // goes to the console alone.
    let mut guard = if crate::kernel::panic::panicking() { LOG.try_lock() } else { Some(LOG.lock()) };
    let Some(log) = guard.as_deref_mut() else {
        let mut w = ConsoleOnly;
        let _ = write!(w, "[{:5}.{:06}] ", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000);
        let _ = w.write_fmt(args);
        let _ = w.write_str("\n");
        return;
    };
    let console = level < CONSOLE_LOGLEVEL.load(core::sync::atomic::Ordering::Relaxed);
    let mut w = LineWriter { log, console };
    let _ = write!(w, "[{:5}.{:06}] ", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000);
    let _ = w.write_fmt(args);
    let _ = w.write_str("\n");
}

/// The whole buffer as it stands (oldest first), for syslog(SYSLOG_ACTION_READ_ALL).
pub fn read_all(out: &mut alloc::vec::Vec<u8>) {
    let log = LOG.lock();
    let start = log.head.saturating_sub(LOG_BUF_LEN);
    for i in start..log.head {
        out.push(log.buf[i % LOG_BUF_LEN]);
    }
}

pub fn log_len() -> usize {
    let log = LOG.lock();
    log.head.min(LOG_BUF_LEN)
}

struct ConsoleOnly;
impl Write for ConsoleOnly {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::drivers::console_write(s.as_bytes());
        Ok(())
    }
}

#[macro_export]
macro_rules! printk {
    ($lvl:expr, $($arg:tt)*) => { $crate::kernel::printk::vprintk($lvl, format_args!($($arg)*)) };
}
#[macro_export]
macro_rules! pr_emerg { ($($arg:tt)*) => { $crate::printk!(0, $($arg)*) }; }
#[macro_export]
macro_rules! pr_err { ($($arg:tt)*) => { $crate::printk!(3, $($arg)*) }; }
#[macro_export]
macro_rules! pr_warn { ($($arg:tt)*) => { $crate::printk!(4, $($arg)*) }; }
#[macro_export]
macro_rules! pr_notice { ($($arg:tt)*) => { $crate::printk!(5, $($arg)*) }; }
#[macro_export]
macro_rules! pr_info { ($($arg:tt)*) => { $crate::printk!(6, $($arg)*) }; }
#[macro_export]
macro_rules! pr_debug { ($($arg:tt)*) => { $crate::printk!(7, $($arg)*) }; }
