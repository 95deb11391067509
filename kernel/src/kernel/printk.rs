//! printk: kernel messages with Linux's `[    0.001234]` timestamps, kept in a ring buffer
//! that syslog(2)/dmesg reads; and syslog(2) itself.  Linux: kernel/printk/printk.c.

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::mm::uaccess::UserPtr;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicI32, Ordering};

pub const LOG_BUF_LEN: usize = 64 * 1024;

/// The log as a byte stream of records, one per line, each "<level>[timestamp] text\n" (the
/// text syslog(2) gives; the console gets it without "<level>").  Positions count bytes
/// ever written; the buffer holds the last LOG_BUF_LEN of them.
pub struct LogBuf {
    buf: [u8; LOG_BUF_LEN],
    /// Total bytes ever written (Linux: prb_next_seq(), in bytes).
    head: usize,
    /// Where READ_ALL starts (Linux: clear_seq): CLEAR and READ_CLEAR move it to the head.
    clear_pos: usize,
    /// What SYSLOG_ACTION_READ has consumed (Linux: syslog_seq with syslog_partial).
    syslog_pos: usize,
}

static LOG: SpinLock<LogBuf, class::Printk> =
    SpinLock::new(LogBuf { buf: [0; LOG_BUF_LEN], head: 0, clear_pos: 0, syslog_pos: 0 });
/// Linux: log_wait — SYSLOG_ACTION_READ sleeps here for a new record.  Never woken from
/// printk itself (which may run under any lock, the wait queue's own included): printk sets
/// KLOGD_PENDING and the next tick wakes the readers (Linux: wake_up_klogd() through
/// irq_work, which runs from the tick on machines without an irq_work interrupt).
static LOG_WAIT: crate::kernel::sched::wait::WaitQueue = crate::kernel::sched::wait::WaitQueue::new();
static KLOGD_PENDING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
/// Linux: LOGLEVEL_DEFAULT, saved_console_loglevel (CONSOLE_OFF keeps the level here).
const LOGLEVEL_DEFAULT: i32 = -1;
static SAVED_CONSOLE_LOGLEVEL: AtomicI32 = AtomicI32::new(LOGLEVEL_DEFAULT);
/// Linux: console_printk[4] (/proc/sys/kernel/printk): console_loglevel (messages below it
/// reach the console; 7: all but debug), default_message_loglevel, minimum_console_loglevel,
/// default_console_loglevel.
pub static CONSOLE_PRINTK: [AtomicI32; 4] = [
    AtomicI32::new(CONSOLE_LOGLEVEL_DEFAULT),
    AtomicI32::new(MESSAGE_LOGLEVEL_DEFAULT),
    AtomicI32::new(CONSOLE_LOGLEVEL_MIN),
    AtomicI32::new(CONSOLE_LOGLEVEL_DEFAULT),
];
pub const CONSOLE_LOGLEVEL_DEFAULT: i32 = 7;
const MESSAGE_LOGLEVEL_DEFAULT: i32 = 4;
const CONSOLE_LOGLEVEL_MIN: i32 = 1;

/// Linux: console_loglevel.
pub fn console_loglevel() -> i32 {
    CONSOLE_PRINTK[0].load(Ordering::Relaxed)
}

/// Sets console_loglevel (SysRq's 0-9 and its raised header level).
pub fn set_console_loglevel(level: i32) {
    CONSOLE_PRINTK[0].store(level, Ordering::Relaxed);
}

impl LogBuf {
    fn push(&mut self, s: &[u8]) {
        for &b in s {
            self.buf[self.head % LOG_BUF_LEN] = b;
            self.head += 1;
        }
    }
    fn at(&self, pos: usize) -> u8 {
        self.buf[pos % LOG_BUF_LEN]
    }
    /// The start of the oldest whole record still in the buffer (Linux: the first valid seq).
    fn oldest(&self) -> usize {
        if self.head <= LOG_BUF_LEN {
            return 0;
        }
        let from = self.head - LOG_BUF_LEN;
        if from == 0 || self.at(from - 1) == b'\n' {
            return from;
        }
        (from..self.head).find(|&p| self.at(p) == b'\n').map_or(self.head, |p| p + 1)
    }
    /// `pos`, or the oldest record when what it pointed at has been overwritten.
    fn valid(&self, pos: usize) -> usize {
        pos.max(self.oldest()).min(self.head)
    }
    fn copy(&self, from: usize, to: usize, out: &mut alloc::vec::Vec<u8>) {
        out.extend((from..to).map(|p| self.at(p)));
    }
    /// Linux: syslog_print_all()'s find_first_fitting_seq(): the first record from `from` on
    /// such that it and all after it fit in `size` bytes (the head when none does).
    fn first_fitting(&self, from: usize, size: usize) -> usize {
        if self.head - from <= size {
            return from;
        }
        let min = self.head - size;
        (min..self.head).find(|&p| p >= from && (p == from || self.at(p - 1) == b'\n')).unwrap_or(self.head)
    }
}

struct LineWriter<'a> {
    log: &'a mut LogBuf,
    console: bool,
}

/// The "<level>" of a record: syslog(2)'s text has it, the console's does not.
struct LevelPrefix(usize);
impl fmt::Display for LevelPrefix {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
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
    let _ = write!(LineWriter { log, console: false }, "{}", LevelPrefix(level));
    let mut w = LineWriter { log, console };
    let _ = write!(w, "[{:5}.{:06}] ", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000);
    let _ = w.write_fmt(args);
    let _ = w.write_str("\n");
    drop(guard);
    KLOGD_PENDING.store(true, Ordering::Release);
}

/// Linux: wake_up_klogd_work_func() — from the tick: wakes syslog(READ) readers after
/// printk has logged something.
pub fn wake_up_klogd_work() {
    if KLOGD_PENDING.load(Ordering::Relaxed) && KLOGD_PENDING.swap(false, Ordering::Acquire) {
        LOG_WAIT.wake_up_all();
    }
}

/// Linux: syslog_print_all(): the newest whole records since the last clear that fit in
/// `size` bytes; READ_CLEAR (`clear`) then clears up to what it returned.
fn syslog_print_all(size: usize, clear: bool, out: &mut alloc::vec::Vec<u8>) {
    let mut log = LOG.lock();
    let from = log.valid(log.clear_pos);
    let start = log.first_fitting(from, size);
    let end = log.head;
    log.copy(start, end, out);
    if clear {
        log.clear_pos = end;
    }
}

/// Linux: syslog_print(): the oldest unread records, consumed, as many whole ones as fit
/// (the first one in part when it alone does not: the rest comes with the next read).
/// Sleeps until there is one (ERESTARTSYS on a signal).
fn syslog_print(size: usize, out: &mut alloc::vec::Vec<u8>) -> KResult<()> {
    LOG_WAIT.wait_event_interruptible(|| {
        let log = LOG.lock();
        log.valid(log.syslog_pos) < log.head
    })?;
    let mut log = LOG.lock();
    let from = log.valid(log.syslog_pos);
    let avail = log.head - from;
    let n = if avail <= size {
        avail
    } else {
        // the last record end within `size`, or `size` bytes of a record too long for it
        (from..from + size).rev().find(|&p| log.at(p) == b'\n').map_or(size, |p| p + 1 - from)
    };
    log.copy(from, from + n, out);
    log.syslog_pos = from + n;
    Ok(())
}

/// Linux: SYSLOG_ACTION_SIZE_UNREAD: the bytes syslog(READ) has still to return.
fn syslog_size_unread() -> usize {
    let log = LOG.lock();
    log.head - log.valid(log.syslog_pos)
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

/// Linux: SYSCALL_DEFINE3(syslog) -> do_syslog() in kernel/printk/printk.c: READ consumes
/// records (and sleeps for one), READ_ALL and READ_CLEAR return the newest records since the
/// last clear, CLEAR clears, CONSOLE_OFF/ON save and restore the console level.
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
        // Linux: "Close log" and "Open log" do nothing.
        SYSLOG_ACTION_CLOSE | SYSLOG_ACTION_OPEN => Ok(0),
        SYSLOG_ACTION_READ | SYSLOG_ACTION_READ_ALL | SYSLOG_ACTION_READ_CLEAR => {
            if buf.is_null() || len < 0 {
                return Err(EINVAL);
            }
            if len == 0 {
                return Ok(0);
            }
            buf.check(len as usize)?;
            // Linux copies record by record; here through one kernel buffer of at most the
            // log's size.
            let size = (len as usize).min(LOG_BUF_LEN);
            let mut v = crate::mm::util::kmalloc_array(size, ENOMEM)?;
            if ty == SYSLOG_ACTION_READ {
                syslog_print(size, &mut v)?;
            } else {
                syslog_print_all(size, ty == SYSLOG_ACTION_READ_CLEAR, &mut v);
            }
            buf.copy_out(&v)?;
            Ok(v.len())
        }
        SYSLOG_ACTION_CLEAR => {
            let mut log = LOG.lock();
            log.clear_pos = log.head;
            Ok(0)
        }
        SYSLOG_ACTION_CONSOLE_OFF => {
            if SAVED_CONSOLE_LOGLEVEL.load(Ordering::Relaxed) == LOGLEVEL_DEFAULT {
                SAVED_CONSOLE_LOGLEVEL.store(console_loglevel(), Ordering::Relaxed);
            }
            CONSOLE_PRINTK[0].store(CONSOLE_PRINTK[2].load(Ordering::Relaxed), Ordering::Relaxed);
            Ok(0)
        }
        SYSLOG_ACTION_CONSOLE_ON => {
            let saved = SAVED_CONSOLE_LOGLEVEL.swap(LOGLEVEL_DEFAULT, Ordering::Relaxed);
            if saved != LOGLEVEL_DEFAULT {
                CONSOLE_PRINTK[0].store(saved, Ordering::Relaxed);
            }
            Ok(0)
        }
        SYSLOG_ACTION_CONSOLE_LEVEL => {
            // Linux: levels 1..=8 (0 emerg .. 7 debug; a console shows those below its level),
            // raised to minimum_console_loglevel; and the console is on again.
            if !(1..=8).contains(&len) {
                return Err(EINVAL);
            }
            let min = CONSOLE_PRINTK[2].load(Ordering::Relaxed);
            CONSOLE_PRINTK[0].store(len.max(min), Ordering::Relaxed);
            SAVED_CONSOLE_LOGLEVEL.store(LOGLEVEL_DEFAULT, Ordering::Relaxed);
            Ok(0)
        }
        SYSLOG_ACTION_SIZE_UNREAD => Ok(syslog_size_unread()),
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
