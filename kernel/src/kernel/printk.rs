//! printk: kernel messages with Linux's `[    0.001234]` timestamps, kept in a ring buffer
//! that syslog(2)/dmesg reads; and syslog(2) itself.  Linux: kernel/printk/printk.c.

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::mm::uaccess::UserPtr;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicI32, Ordering};

pub const LOG_BUF_LEN: usize = 64 * 1024;

pub struct LogBuf {
    buf: [u8; LOG_BUF_LEN],
    /// Total bytes ever written; the buffer holds the last LOG_BUF_LEN of them.
    head: usize,
}

static LOG: SpinLock<LogBuf, class::Printk> = SpinLock::new(LogBuf { buf: [0; LOG_BUF_LEN], head: 0 });
/// Linux: console_printk[4] (/proc/sys/kernel/printk): console_loglevel (messages below it
/// reach the console; 7: all but debug), default_message_loglevel, minimum_console_loglevel,
/// default_console_loglevel.
pub static CONSOLE_PRINTK: [AtomicI32; 4] = [
    AtomicI32::new(CONSOLE_LOGLEVEL_DEFAULT),
    AtomicI32::new(MESSAGE_LOGLEVEL_DEFAULT),
    AtomicI32::new(CONSOLE_LOGLEVEL_MIN),
    AtomicI32::new(CONSOLE_LOGLEVEL_DEFAULT),
];
const CONSOLE_LOGLEVEL_DEFAULT: i32 = 7;
const MESSAGE_LOGLEVEL_DEFAULT: i32 = 4;
const CONSOLE_LOGLEVEL_MIN: i32 = 1;

/// Linux: console_loglevel.
fn console_loglevel() -> i32 {
    CONSOLE_PRINTK[0].load(Ordering::Relaxed)
}

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
    // On the oops and panic paths the lock may be held by the code that failed: then the
    // message goes to the console alone.
    let mut guard = if crate::kernel::panic::oops_in_progress() { LOG.try_lock() } else { Some(LOG.lock()) };
    let Some(log) = guard.as_deref_mut() else {
        let mut w = ConsoleOnly;
        let _ = write!(w, "[{:5}.{:06}] ", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000);
        let _ = w.write_fmt(args);
        let _ = w.write_str("\n");
        return;
    };
    let console = (level as i32) < console_loglevel();
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

// syslog(2)'s actions.  Linux: include/linux/syslog.h.
const SYSLOG_ACTION_CLOSE: i32 = 0;
const SYSLOG_ACTION_OPEN: i32 = 1;
const SYSLOG_ACTION_READ: i32 = 2;
const SYSLOG_ACTION_READ_ALL: i32 = 3;
const SYSLOG_ACTION_READ_CLEAR: i32 = 4;
const SYSLOG_ACTION_CLEAR: i32 = 5;
const SYSLOG_ACTION_CONSOLE_OFF: i32 = 6;
const SYSLOG_ACTION_CONSOLE_ON: i32 = 7;
const SYSLOG_ACTION_CONSOLE_LEVEL: i32 = 8;
const SYSLOG_ACTION_SIZE_UNREAD: i32 = 9;
const SYSLOG_ACTION_SIZE_BUFFER: i32 = 10;

/// Linux: SYSCALL_DEFINE3(syslog) -> do_syslog(): the reads return the newest `len` bytes of
/// the buffer (READ and READ_CLEAR as READ_ALL: nothing is consumed or cleared), the console
/// level can be set, the rest succeed doing nothing.
pub fn sys_syslog(ty: i32, buf: UserPtr<u8>, len: i32) -> KResult<usize> {
    // Linux: check_syslog_permissions(): with dmesg_restrict off (the default), everyone may
    // read the whole log and ask its size; the rest needs CAP_SYSLOG (or, deprecated,
    // CAP_SYS_ADMIN).
    use crate::kernel::capability::{capable, CAP_SYSLOG, CAP_SYS_ADMIN};
    if ty != SYSLOG_ACTION_READ_ALL
        && ty != SYSLOG_ACTION_SIZE_BUFFER
        && !capable(CAP_SYSLOG)
        && !capable(CAP_SYS_ADMIN)
    {
        return Err(EPERM);
    }
    match ty {
        SYSLOG_ACTION_CLOSE | SYSLOG_ACTION_OPEN => Ok(0),
        SYSLOG_ACTION_READ | SYSLOG_ACTION_READ_ALL | SYSLOG_ACTION_READ_CLEAR => {
            if len < 0 {
                return Err(EINVAL);
            }
            if len == 0 {
                return Ok(0);
            }
            let mut v = alloc::vec::Vec::new();
            read_all(&mut v);
            let start = v.len().saturating_sub(len as usize);
            buf.copy_out(&v[start..])?;
            Ok(v.len() - start)
        }
        SYSLOG_ACTION_CLEAR => Ok(0),
        SYSLOG_ACTION_CONSOLE_OFF | SYSLOG_ACTION_CONSOLE_ON => Ok(0),
        SYSLOG_ACTION_CONSOLE_LEVEL => {
            // Linux: levels 1..=8 (0 emerg .. 7 debug; a console shows those below its level),
            // raised to minimum_console_loglevel.
            if !(1..=8).contains(&len) {
                return Err(EINVAL);
            }
            let min = CONSOLE_PRINTK[2].load(Ordering::Relaxed);
            CONSOLE_PRINTK[0].store(len.max(min), Ordering::Relaxed);
            Ok(0)
        }
        SYSLOG_ACTION_SIZE_UNREAD => Ok(0),
        SYSLOG_ACTION_SIZE_BUFFER => Ok(LOG_BUF_LEN),
        _ => Err(EINVAL),
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
