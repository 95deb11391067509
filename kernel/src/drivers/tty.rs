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
}

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
});
static READ_WAIT: WaitQueue = WaitQueue::new();

fn echo_out(t: &Tty, s: &[u8]) {
    if t.termios.c_lflag & ECHO != 0 {
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
    {
        let mut t = TTY.lock();
        let tio = t.termios;
        if c == b'\r' && tio.c_iflag & ICRNL != 0 {
            c = b'\n';
        }
        if tio.c_lflag & ISIG != 0 && (c == tio.c_cc[VINTR] || c == tio.c_cc[VQUIT]) {
            sig = if c == tio.c_cc[VINTR] { crate::kernel::signal::SIGINT } else { crate::kernel::signal::SIGQUIT };
            if tio.c_lflag & ECHO != 0 {
                output(&tio, &[b'^', c + 0x40]);
                output(&tio, b"\n");
            }
            t.line.clear();
        } else if tio.c_lflag & ICANON != 0 {
            if c == tio.c_cc[VERASE] || c == 8 {
                if t.line.pop().is_some() {
                    echo_out(&t, b"\x08 \x08");
                }
            } else if c == tio.c_cc[VKILL] {
                while t.line.pop().is_some() {
                    echo_out(&t, b"\x08 \x08");
                }
            } else if c == tio.c_cc[VEOF] {
                let line = core::mem::take(&mut t.line);
                t.read_buf.extend(line);
                t.lines += 1;
                t.eof_pending += 1;
            } else if c == b'\n' {
                echo_out(&t, b"\n");
                let mut line = core::mem::take(&mut t.line);
                line.push(b'\n');
                t.read_buf.extend(line);
                t.lines += 1;
            } else {
                t.line.push(c);
                if c < 0x20 && tio.c_lflag & ECHOCTL != 0 && c != b'\t' {
                    echo_out(&t, &[b'^', c + 0x40]);
                } else {
                    echo_out(&t, &[c]);
                }
            }
        } else {
            t.read_buf.push_back(c);
            echo_out(&t, &[c]);
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
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        let tio = TTY.lock().termios;
        output(&tio, buf);
        Ok(buf.len())
    }
    /// Linux: n_tty_poll(): readable with a line (or, raw, a byte) to read; output never
    /// blocks (the UART is written synchronously).
    fn poll(&self, _f: &File, pt: Option<&mut crate::fs::select::PollTable>) -> Option<u32> {
        crate::fs::select::poll_wait(&READ_WAIT, pt);
        let t = TTY.lock();
        let mut ev = POLLOUT | POLLWRNORM;
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
                if arg != 1 {
                    let mut t = TTY.lock();
                    t.read_buf.clear();
                    t.lines = 0;
                    t.line.clear();
                }
                Ok(0)
            }
            0x5409 | 0x540A => Ok(0), // TCSBRK, TCXONC
            _ => Err(ENOTTY),
        }
    }
    fn name(&self) -> &'static str {
        "tty"
    }
}

pub fn set_foreground_pgrp(p: i32) {
    TTY.lock().pgrp = p;
}

/// The console's foreground process group (Linux: tty->pgrp; /proc/PID/stat's tpgid).
pub fn foreground_pgrp() -> i32 {
    TTY.lock().pgrp
}
