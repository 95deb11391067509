//! The console tty and its line discipline.  Linux: drivers/tty/n_tty.c, tty_io.c,
//! tty_ioctl.c.  Canonical mode with echo, erase (backspace/DEL), kill (^U), EOF (^D), and
//! ISIG (^C -> SIGINT, ^\ -> SIGQUIT to the foreground process group); raw mode when
//! ICANON is cleared (the menu's line editor).  Output does OPOST|ONLCR.

use crate::errno::*;
use crate::fs::file_table::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::mm::uaccess::{read_user, write_user};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

crate::user_pod! {
    #[derive(Clone, Copy)]
    pub struct Termios {
        pub c_iflag: u32,
        pub c_oflag: u32,
        pub c_cflag: u32,
        pub c_lflag: u32,
        pub c_line: u8,
        pub c_cc: [u8; 19],
    }
}

const ICRNL: u32 = 0o400;
const IXON: u32 = 0o2000;
const OPOST: u32 = 1;
const ONLCR: u32 = 4;
const ISIG: u32 = 1;
const ICANON: u32 = 2;
const ECHO: u32 = 0o10;
const ECHOE: u32 = 0o20;
const ECHOK: u32 = 0o40;
const ECHOCTL: u32 = 0o1000;
const ECHOKE: u32 = 0o4000;
const IEXTEN: u32 = 0o100000;
const VINTR: usize = 0;
const VQUIT: usize = 1;
const VERASE: usize = 2;
const VKILL: usize = 3;
const VEOF: usize = 4;
const VTIME: usize = 5;
const VMIN: usize = 6;
const VSTART: usize = 8;
const VSTOP: usize = 9;
const VSUSP: usize = 10;
const IXANY: u32 = 0o4000;
/// Linux: UART_XMIT_SIZE — the serial driver's transmit buffer (a circular buffer of one
/// page, one slot kept free), where a stopped tty's output waits.
const XMIT_SIZE: usize = 4096;
/// Linux: WAKEUP_CHARS — poll reports POLLOUT below this much queued output.
const WAKEUP_CHARS: usize = 256;

/// Linux: tty_std_termios for the serial console (B115200 | CS8 | CREAD | HUPCL | CLOCAL).
const DEFAULT_TERMIOS: Termios = Termios {
    c_iflag: ICRNL | IXON,
    c_oflag: OPOST | ONLCR,
    c_cflag: 0o10002 | 0o60 | 0o200 | 0o2000 | 0o4000,
    c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    c_line: 0,
    c_cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0],
};

struct Tty {
    termios: Termios,
    /// Completed input (canonical: whole lines; raw: bytes).
    read_buf: VecDeque<u8>,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Number of line ends / EOFs in read_buf (canonical mode).
    lines: usize,
    eof_pending: usize,
    pgrp: i32,
    /// The session this is the controlling tty of (0: none).  Linux: tty->session
    session: i32,
    winsize: [u16; 4],
    /// Linux: tty->flow.stopped — output stopped, by ^S (IXON) or TCXONC TCOOFF.
    stopped: bool,
    /// Linux: tty->flow.tco_stopped — stopped by TCOOFF: only TCOON starts it again.
    tco_stopped: bool,
    /// Output written while stopped, already processed (ONLCR), sent when output starts
    /// (Linux: the uart_port's xmit buffer).
    xmit: VecDeque<u8>,
}

impl Tty {
    /// Linux: __stop_tty().
    fn stop(&mut self) {
        self.stopped = true;
    }
    /// Linux: __start_tty(): output flows again, what waited first.  Whether writers are to
    /// be woken (the caller wakes them once the lock is dropped).
    fn start(&mut self) -> bool {
        if !self.stopped || self.tco_stopped {
            return false;
        }
        self.stopped = false;
        // (sent in place: this may run in the UART interrupt, where nothing is allocated)
        let (a, b) = self.xmit.as_slices();
        super::uart::write_raw(a);
        super::uart::write_raw(b);
        self.xmit.clear();
        true
    }
    /// Room in the transmit buffer.
    fn write_room(&self) -> usize {
        XMIT_SIZE - 1 - self.xmit.len()
    }
    /// Linux: process_output_block() into the stopped driver's buffer: as many bytes of `buf`
    /// as fit with their output processing (ONLCR's "\n" needs two); how many were taken.
    fn buffer_output(&mut self, buf: &[u8]) -> usize {
        let onlcr = self.termios.c_oflag & OPOST != 0 && self.termios.c_oflag & ONLCR != 0;
        let mut n = 0;
        for &c in buf {
            let crlf = onlcr && c == b'\n';
            if self.write_room() < if crlf { 2 } else { 1 } {
                break;
            }
            if crlf {
                self.xmit.push_back(b'\r');
            }
            self.xmit.push_back(c);
            n += 1;
        }
        n
    }
}

/// Writers waiting for a stopped tty to start (Linux: tty->write_wait).
static WRITE_WAIT: WaitQueue = WaitQueue::new();

fn is_ctty() -> bool {
    let s = crate::kernel::task::current().signal.session.load(Ordering::Relaxed);
    let t = TTY.lock();
    t.session != 0 && t.session == s
}

/// Linux: tty_open_proc_set_tty(): a session leader without a controlling tty that opens
/// the tty without O_NOCTTY acquires it.
pub fn open_maybe_acquire(noctty: bool) {
    let cur = crate::kernel::task::current();
    let sid = cur.signal.session.load(Ordering::Relaxed);
    if noctty || sid != cur.tgid() || sid == 0 {
        return;
    }
    let mut t = TTY.lock();
    if t.session == 0 {
        t.session = sid;
        t.pgrp = cur.signal.pgrp.load(Ordering::Relaxed);
    }
}

static TTY: SpinLock<Tty, class::Tty> = SpinLock::new(Tty {
    termios: DEFAULT_TERMIOS,
    read_buf: VecDeque::new(),
    line: Vec::new(),
    lines: 0,
    eof_pending: 0,
    pgrp: 0,
    session: 0,
    winsize: [0; 4],
    stopped: false,
    tco_stopped: false,
    xmit: VecDeque::new(),
});
static READ_WAIT: WaitQueue = WaitQueue::new();

fn echo_out(t: &mut Tty, s: &[u8]) {
    if t.termios.c_lflag & ECHO != 0 {
        tty_out(t, s);
    }
}

/// Output from the line discipline itself (echoes, "^C"): as a write's, it waits in the
/// transmit buffer while output is stopped (Linux: process_echoes() goes through the
/// driver's write room), and what does not fit is dropped.
fn tty_out(t: &mut Tty, s: &[u8]) {
    if t.stopped {
        t.buffer_output(s);
    } else {
        output(&t.termios, s);
    }
}

fn output(tio: &Termios, s: &[u8]) {
    if tio.c_oflag & OPOST != 0 && tio.c_oflag & ONLCR != 0 {
        super::uart::write_bytes(s);
    } else {
        super::uart::write_raw(s);
    }
}

/// Linux: n_tty_receive_char(): called from the UART interrupt.
pub fn receive_char(mut c: u8) {
    let mut sig = 0;
    let mut wake_writers = false;
    {
        let mut t = TTY.lock();
        let tio = t.termios;
        // Linux: n_tty_receive_char_flow_ctrl(): with IXON, ^S stops output and ^Q starts it
        // (neither is input); with IXANY any other character but INTR, QUIT and SUSP starts
        // it too.
        if tio.c_iflag & IXON != 0 {
            let (start, stop) = (tio.c_cc[VSTART], tio.c_cc[VSTOP]);
            if c == start && c == stop {
                if t.stopped {
                    if t.start() {
                        drop(t);
                        WRITE_WAIT.wake_up_all();
                    }
                } else {
                    t.stop();
                }
                return;
            }
            if c == start {
                if t.start() {
                    drop(t);
                    WRITE_WAIT.wake_up_all();
                }
                return;
            }
            if c == stop {
                t.stop();
                return;
            }
            if t.stopped
                && !t.tco_stopped
                && tio.c_iflag & IXANY != 0
                && c != tio.c_cc[VINTR]
                && c != tio.c_cc[VQUIT]
                && c != tio.c_cc[VSUSP]
            {
                wake_writers = t.start();
            }
        }
        if c == b'\r' && tio.c_iflag & ICRNL != 0 {
            c = b'\n';
        }
        if tio.c_lflag & ISIG != 0 && (c == tio.c_cc[VINTR] || c == tio.c_cc[VQUIT]) {
            sig = if c == tio.c_cc[VINTR] { crate::kernel::signal::SIGINT } else { crate::kernel::signal::SIGQUIT };
            if tio.c_lflag & ECHO != 0 {
                tty_out(&mut t, &[b'^', c + 0x40]);
                tty_out(&mut t, b"\n");
            }
            t.line.clear();
        } else if tio.c_lflag & ICANON != 0 {
            if c == tio.c_cc[VERASE] || c == 8 {
                if t.line.pop().is_some() {
                    echo_out(&mut t, b"\x08 \x08");
                }
            } else if c == tio.c_cc[VKILL] {
                while t.line.pop().is_some() {
                    echo_out(&mut t, b"\x08 \x08");
                }
            } else if c == tio.c_cc[VEOF] {
                let line = core::mem::take(&mut t.line);
                t.read_buf.extend(line);
                t.lines += 1;
                t.eof_pending += 1;
            } else if c == b'\n' {
                echo_out(&mut t, b"\n");
                let mut line = core::mem::take(&mut t.line);
                line.push(b'\n');
                t.read_buf.extend(line);
                t.lines += 1;
            } else {
                t.line.push(c);
                if c < 0x20 && tio.c_lflag & ECHOCTL != 0 && c != b'\t' {
                    echo_out(&mut t, &[b'^', c + 0x40]);
                } else {
                    echo_out(&mut t, &[c]);
                }
            }
        } else {
            t.read_buf.push_back(c);
            echo_out(&mut t, &[c]);
        }
    }
    if sig != 0 {
        let pgrp = TTY.lock().pgrp;
        if pgrp > 0 {
            for p in crate::kernel::pid::all_processes() {
                if p.signal.pgrp.load(Ordering::Relaxed) == pgrp {
                    crate::kernel::signal::kill_process(
                        &p,
                        sig,
                        crate::kernel::signal::SigInfo { code: 0x80, ..Default::default() },
                    );
                }
            }
        }
    }
    if wake_writers {
        WRITE_WAIT.wake_up_all();
    }
    READ_WAIT.wake_up_poll(POLLIN | POLLRDNORM);
}

fn input_available(t: &Tty) -> bool {
    if t.termios.c_lflag & ICANON != 0 {
        t.lines > 0
    } else {
        !t.read_buf.is_empty()
    }
}

/// Linux: n_tty_read()
fn tty_read(f: &File, buf: &mut [u8]) -> KResult<usize> {
    loop {
        {
            let mut t = TTY.lock();
            if input_available(&t) {
                let canon = t.termios.c_lflag & ICANON != 0;
                let mut n = 0;
                if canon {
                    // One line at most; an EOF (^D) at the start of a line returns 0.
                    while n < buf.len() {
                        let Some(c) = t.read_buf.pop_front() else { break };
                        buf[n] = c;
                        n += 1;
                        if c == b'\n' {
                            t.lines -= 1;
                            break;
                        }
                    }
                    if (n == 0 || (t.read_buf.is_empty() && t.eof_pending > 0 && buf[n - 1] != b'\n'))
                        && t.eof_pending > 0
                    {
                        t.eof_pending -= 1;
                        t.lines -= 1;
                    }
                } else {
                    while n < buf.len() {
                        match t.read_buf.pop_front() {
                            Some(c) => {
                                buf[n] = c;
                                n += 1;
                            }
                            None => break,
                        }
                    }
                }
                return Ok(n);
            }
            let tio = t.termios;
            if tio.c_lflag & ICANON == 0 && tio.c_cc[VMIN] == 0 && tio.c_cc[VTIME] == 0 {
                return Ok(0);
            }
        }
        if f.nonblock() {
            return Err(EAGAIN);
        }
        READ_WAIT.wait_event_interruptible(|| input_available(&TTY.lock()))?;
    }
}

pub struct ConsoleOps;

impl FileOps for ConsoleOps {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        tty_read(f, buf)
    }
    /// Linux: n_tty_write() over uart_write(): output goes to the UART at once unless the
    /// tty is stopped; then it waits in the transmit buffer, and when that is full the
    /// writer sleeps until output starts (O_NONBLOCK: what fit, or EAGAIN; a signal: what
    /// was written, or ERESTARTSYS).
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        let mut done = 0;
        loop {
            {
                let mut t = TTY.lock();
                if !t.stopped {
                    let tio = t.termios;
                    drop(t);
                    output(&tio, &buf[done..]);
                    return Ok(buf.len());
                }
                done += t.buffer_output(&buf[done..]);
                if done == buf.len() {
                    return Ok(done);
                }
            }
            if f.nonblock() {
                return if done > 0 { Ok(done) } else { Err(EAGAIN) };
            }
            if let Err(e) = WRITE_WAIT.wait_event_interruptible(|| {
                let t = TTY.lock();
                !t.stopped || t.write_room() >= 2
            }) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }
    /// Linux: n_tty_poll(): readable with a line (or, raw, a byte) to read; writable while
    /// less than WAKEUP_CHARS of output waits (only a stopped tty queues any).
    fn poll(&self, _f: &File, mut pt: Option<&mut crate::fs::select::PollTable>) -> Option<u32> {
        crate::fs::select::poll_wait(&READ_WAIT, pt.as_deref_mut());
        crate::fs::select::poll_wait(&WRITE_WAIT, pt);
        let t = TTY.lock();
        let mut ev = 0;
        if t.xmit.len() < WAKEUP_CHARS && t.write_room() > 0 {
            ev |= POLLOUT | POLLWRNORM;
        }
        if input_available(&t) {
            ev |= POLLIN | POLLRDNORM;
        }
        Some(ev)
    }
    /// Linux: tty_ioctl() / n_tty_ioctl()
    fn ioctl(&self, _f: &File, cmd: usize, arg: usize) -> KResult<usize> {
        match cmd {
            0x5401 => {
                // TCGETS
                let t = TTY.lock().termios;
                write_user(arg, &t)?;
                Ok(0)
            }
            0x5402..=0x5404 => {
                // TCSETS, TCSETSW, TCSETSF
                let n: Termios = read_user(arg)?;
                let mut t = TTY.lock();
                if cmd == 0x5404 {
                    t.read_buf.clear();
                    t.lines = 0;
                }
                let was_canon = t.termios.c_lflag & ICANON != 0;
                t.termios = n;
                if was_canon && n.c_lflag & ICANON == 0 {
                    // Pending partial line becomes readable input.
                    let line = core::mem::take(&mut t.line);
                    t.read_buf.extend(line);
                    t.lines = 0;
                }
                Ok(0)
            }
            0x5413 => {
                // TIOCGWINSZ
                let w = TTY.lock().winsize;
                write_user(arg, &w)?;
                Ok(0)
            }
            0x5414 => {
                // TIOCSWINSZ
                let w: [u16; 4] = read_user(arg)?;
                TTY.lock().winsize = w;
                Ok(0)
            }
            0x540F => {
                // TIOCGPGRP: only on our controlling tty (Linux: tty_check_change / ENOTTY)
                if !is_ctty() {
                    return Err(ENOTTY);
                }
                let p = TTY.lock().pgrp;
                write_user(arg, &p)?;
                Ok(0)
            }
            0x5410 => {
                // TIOCSPGRP
                if !is_ctty() {
                    return Err(ENOTTY);
                }
                let p: i32 = read_user(arg)?;
                if p < 0 {
                    return Err(EINVAL);
                }
                TTY.lock().pgrp = p;
                Ok(0)
            }
            0x540E => {
                // TIOCSCTTY: a session leader takes the console as its controlling tty
                let cur = crate::kernel::task::current();
                let sid = cur.signal.session.load(Ordering::Relaxed);
                if sid != cur.tgid() {
                    return Err(EPERM);
                }
                let mut t = TTY.lock();
                t.session = sid;
                t.pgrp = cur.signal.pgrp.load(Ordering::Relaxed);
                Ok(0)
            }
            0x5429 => {
                // TIOCGSID
                let s = crate::kernel::task::current().signal.session.load(Ordering::Relaxed);
                write_user(arg, &s)?;
                Ok(0)
            }
            0x541B => {
                // FIONREAD
                let n = TTY.lock().read_buf.len() as i32;
                write_user(arg, &n)?;
                Ok(0)
            }
            0x540B => {
                // TCFLSH: TCIFLUSH, TCOFLUSH, TCIOFLUSH
                if arg > 2 {
                    return Err(EINVAL);
                }
                let mut t = TTY.lock();
                if arg != 1 {
                    t.read_buf.clear();
                    t.lines = 0;
                    t.line.clear();
                }
                if arg != 0 {
                    // Linux: tty_driver_flush_buffer(): queued output is dropped.
                    t.xmit.clear();
                    drop(t);
                    WRITE_WAIT.wake_up_all();
                }
                Ok(0)
            }
            0x5409 | 0x5425 => {
                // TCSBRK (tcdrain, or tcsendbreak with arg 0), TCSBRKP (POSIX: arg in
                // tenths of a second): Linux's tty_ioctl waits for queued output to go
                // (tty_wait_until_sent; EINTR on a signal), then send_break().
                if WRITE_WAIT.wait_event_interruptible(|| TTY.lock().xmit.is_empty()).is_err() {
                    return Err(EINTR);
                }
                let ms = match (cmd, arg) {
                    (0x5409, 0) => 250,
                    (0x5409, _) => return Ok(0),
                    (_, 0) => 250,
                    (_, n) => (n as u64).saturating_mul(100),
                };
                send_break(ms)
            }
            0x540A => {
                // TCXONC.  Linux: n_tty_ioctl_helper().
                match arg {
                    0 => {
                        // TCOOFF
                        let mut t = TTY.lock();
                        if !t.tco_stopped {
                            t.tco_stopped = true;
                            t.stop();
                        }
                    }
                    1 => {
                        // TCOON
                        let mut t = TTY.lock();
                        if t.tco_stopped {
                            t.tco_stopped = false;
                            if t.start() {
                                drop(t);
                                WRITE_WAIT.wake_up_all();
                            }
                        }
                    }
                    2 | 3 => {
                        // TCIOFF, TCION: send STOP or START to the terminal, at once (Linux:
                        // tty_send_xchar), unless that character is disabled (0).
                        let c = TTY.lock().termios.c_cc[if arg == 2 { VSTOP } else { VSTART }];
                        if c != 0 {
                            super::uart::putc(c);
                        }
                    }
                    _ => return Err(EINVAL),
                }
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }
    fn name(&self) -> &'static str {
        "tty"
    }
}

/// Linux: send_break(): the line held in the break state for `ms` milliseconds, cut
/// short by a signal (EINTR).
fn send_break(ms: u64) -> KResult<usize> {
    use crate::arch::riscv::time::{get_cycles, ns_to_cycles};
    super::uart::break_ctl(true);
    let deadline = get_cycles() + ns_to_cycles(ms.saturating_mul(1_000_000));
    let r = crate::kernel::time::timer::schedule_timeout_interruptible(deadline);
    super::uart::break_ctl(false);
    match r {
        Ok(()) => Ok(0),
        Err(_) => Err(EINTR),
    }
}

pub fn set_foreground_pgrp(p: i32) {
    TTY.lock().pgrp = p;
}

/// The console's foreground process group (Linux: tty->pgrp; /proc/PID/stat's tpgid).
pub fn foreground_pgrp() -> i32 {
    TTY.lock().pgrp
}
