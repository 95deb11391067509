//! Where lines come from: the line editor over a raw-mode terminal, or plain line reading.
//!
//! [`Terminal`] is the real one: on a tty whose termios can be read (ioctl TCGETS through
//! `tcgetattr`) it switches the tty to raw mode for the time of one `read_line` and edits the
//! line with [`LineEditor`]; anywhere else (a pipe, a file, a kernel without TCGETS) it reads
//! plain lines.  [`EditorInput`] and [`PlainInput`] do the same over any `Read`, for tests.

use crate::editor::{Event, LineEditor};
use std::io::{self, Read, Write};

/// What one `read_line` got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Line(String),
    /// ^C at the editor: the line was abandoned.
    Interrupt,
    /// End of input (^D on an empty line, or read returned 0).
    Eof,
}

/// A source of command lines.
pub trait LineInput {
    /// Shows `prompt` on `out`, then reads one line.
    fn read_line(&mut self, prompt: &str, out: &mut dyn Write) -> io::Result<Input>;
    /// Words for Tab completion (ignored by sources that cannot complete).
    fn set_completions(&mut self, _words: Vec<String>) {}
}

fn read_byte(r: &mut dyn Read) -> io::Result<Option<u8>> {
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(b[0])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Plain lines from a byte stream: a line ends at LF or CR (a CR LF pair counts once); the
/// last line may lack its end.  Reads one byte at a time, so that nothing past the line is
/// taken from a shared file descriptor (a child started by a command reads the rest).
///
/// With [`PlainInput::echo`], what is read is also written back (a line end as CR LF, DEL or
/// ^H as an erase), for a console whose kernel neither echoes nor offers termios.
pub struct PlainInput<R> {
    reader: R,
    last_cr: bool,
    echo: bool,
}

impl<R: Read> PlainInput<R> {
    pub fn new(reader: R) -> Self {
        PlainInput {
            reader,
            last_cr: false,
            echo: false,
        }
    }

    /// Echoes the input back (see above).
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }
}

impl<R: Read> LineInput for PlainInput<R> {
    fn read_line(&mut self, prompt: &str, out: &mut dyn Write) -> io::Result<Input> {
        out.write_all(prompt.as_bytes())?;
        out.flush()?;
        let mut line = Vec::new();
        loop {
            let Some(b) = read_byte(&mut self.reader)? else {
                if line.is_empty() {
                    return Ok(Input::Eof);
                }
                break;
            };
            let after_cr = std::mem::replace(&mut self.last_cr, b == b'\r');
            match b {
                b'\n' if after_cr && line.is_empty() => continue,
                b'\n' | b'\r' => {
                    if self.echo {
                        out.write_all(b"\r\n")?;
                        out.flush()?;
                    }
                    break;
                }
                0x7f | 0x08 if self.echo => {
                    if !line.is_empty() {
                        // drop a whole UTF-8 character: its continuation bytes, then its lead
                        while line.last().is_some_and(|&c| c & 0xc0 == 0x80) {
                            line.pop();
                        }
                        line.pop();
                        out.write_all(b"\x08 \x08")?;
                        out.flush()?;
                    }
                }
                _ => {
                    line.push(b);
                    if self.echo {
                        out.write_all(&[b])?;
                        out.flush()?;
                    }
                }
            }
        }
        Ok(Input::Line(String::from_utf8_lossy(&line).into_owned()))
    }
}

/// Lines edited with [`LineEditor`] from a byte stream (a raw-mode terminal).
pub struct EditorInput<R> {
    reader: R,
    editor: LineEditor,
}

impl<R: Read> EditorInput<R> {
    pub fn new(reader: R) -> Self {
        EditorInput {
            reader,
            editor: LineEditor::new(),
        }
    }

    pub fn editor(&self) -> &LineEditor {
        &self.editor
    }
}

impl<R: Read> LineInput for EditorInput<R> {
    fn read_line(&mut self, prompt: &str, out: &mut dyn Write) -> io::Result<Input> {
        let mut buf = Vec::new();
        self.editor.begin(prompt, &mut buf);
        out.write_all(&buf)?;
        out.flush()?;
        loop {
            let Some(b) = read_byte(&mut self.reader)? else {
                out.write_all(b"\r\n")?;
                out.flush()?;
                return Ok(Input::Eof);
            };
            buf.clear();
            let ev = self.editor.feed(b, &mut buf);
            out.write_all(&buf)?;
            out.flush()?;
            match ev {
                Event::Continue => {}
                Event::Line(l) => return Ok(Input::Line(l)),
                Event::Interrupt => return Ok(Input::Interrupt),
                Event::Eof => return Ok(Input::Eof),
            }
        }
    }

    fn set_completions(&mut self, words: Vec<String>) {
        self.editor.set_completions(words);
    }
}

#[cfg(unix)]
pub use self::unix::{FdReader, RawMode, Terminal};

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::unix::io::RawFd;

    /// `Read` over a file descriptor that is not owned (never closed): plain read(2).
    pub struct FdReader(pub RawFd);

    impl Read for FdReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            // SAFETY: buf is valid for buf.len() bytes.
            let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        }
    }

    /// A tty in raw mode; the old termios comes back on drop.
    pub struct RawMode {
        fd: RawFd,
        old: libc::termios,
    }

    impl RawMode {
        /// The termios of `fd` (ioctl TCGETS), or why not: ENOTTY on a pipe or a file,
        /// ENOSYS or EINVAL on a kernel without it.
        pub fn get(fd: RawFd) -> io::Result<libc::termios> {
            // SAFETY: termios is plain data, filled by tcgetattr.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(t)
        }

        /// Raw input: no echo, no line discipline, no signals from ^C/^Z, no CR to LF, no
        /// flow control, one byte at a time.  Output processing (OPOST: LF to CR LF) stays, so
        /// that what the commands print looks as usual.  TCSANOW: input typed ahead is kept.
        pub fn enter(fd: RawFd) -> io::Result<RawMode> {
            let old = RawMode::get(fd)?;
            let mut t = old;
            t.c_iflag &= !(libc::BRKINT | libc::ICRNL | libc::INPCK | libc::ISTRIP | libc::IXON);
            t.c_cflag |= libc::CS8;
            t.c_lflag &= !(libc::ECHO | libc::ICANON | libc::IEXTEN | libc::ISIG);
            t.c_cc[libc::VMIN] = 1;
            t.c_cc[libc::VTIME] = 0;
            // SAFETY: t is a valid termios.
            if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(RawMode { fd, old })
        }
    }

    impl Drop for RawMode {
        fn drop(&mut self) {
            // SAFETY: old is the termios read before.
            unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.old) };
        }
    }

    #[allow(clippy::large_enum_variant)] // one per process
    enum Mode {
        Editor(EditorInput<FdReader>),
        Plain(PlainInput<FdReader>),
    }

    /// The terminal on a file descriptor (normally 0): the line editor in raw mode when the
    /// descriptor is a tty with termios, plain line reading otherwise.
    pub struct Terminal {
        fd: RawFd,
        mode: Mode,
        /// Why the editor is not used (for a message), when it is not.
        why_plain: Option<io::Error>,
    }

    impl Terminal {
        /// Probes `fd`: isatty and TCGETS must both work for the editor.
        pub fn new(fd: RawFd) -> Terminal {
            let probe = if unsafe { libc::isatty(fd) } == 1 {
                RawMode::get(fd).map(|_| ())
            } else {
                Err(io::Error::last_os_error())
            };
            match probe {
                Ok(()) => Terminal {
                    fd,
                    mode: Mode::Editor(EditorInput::new(FdReader(fd))),
                    why_plain: None,
                },
                Err(e) => Terminal::plain_because(fd, e),
            }
        }

        /// Plain line reading on `fd`, whatever it is.
        pub fn plain(fd: RawFd) -> Terminal {
            Terminal::plain_because(fd, io::Error::other("plain mode asked for"))
        }

        fn plain_because(fd: RawFd, e: io::Error) -> Terminal {
            Terminal {
                fd,
                mode: Mode::Plain(PlainInput::new(FdReader(fd))),
                why_plain: Some(e),
            }
        }

        /// In plain mode, echo what is read (for a console that does not echo).
        pub fn set_plain_echo(&mut self, on: bool) {
            if let Mode::Plain(p) = &mut self.mode {
                p.echo = on;
            }
        }

        /// Whether the line editor is used.
        pub fn is_editor(&self) -> bool {
            matches!(self.mode, Mode::Editor(_))
        }

        /// Why plain reading is used, if it is.
        pub fn why_plain(&self) -> Option<&io::Error> {
            self.why_plain.as_ref()
        }
    }

    impl LineInput for Terminal {
        fn read_line(&mut self, prompt: &str, out: &mut dyn Write) -> io::Result<Input> {
            match &mut self.mode {
                Mode::Plain(p) => p.read_line(prompt, out),
                Mode::Editor(e) => match RawMode::enter(self.fd) {
                    Ok(_raw) => e.read_line(prompt, out),
                    Err(err) => {
                        // The tty went away or cannot be set: fall back for good.
                        self.why_plain = Some(err);
                        self.mode = Mode::Plain(PlainInput::new(FdReader(self.fd)));
                        self.read_line(prompt, out)
                    }
                },
            }
        }

        fn set_completions(&mut self, words: Vec<String>) {
            if let Mode::Editor(e) = &mut self.mode {
                e.set_completions(words);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &mut dyn LineInput, n: usize) -> (Vec<Input>, String) {
        let mut out = Vec::new();
        let got = (0..n)
            .map(|_| input.read_line("> ", &mut out).unwrap())
            .collect();
        (got, String::from_utf8(out).unwrap())
    }

    #[test]
    fn plain_lines() {
        let mut p = PlainInput::new(&b"help\nfork-new\r\nps\rquit"[..]);
        let (got, out) = lines(&mut p, 6);
        let l = |s: &str| Input::Line(s.into());
        assert_eq!(
            got,
            [
                l("help"),
                l("fork-new"),
                l("ps"),
                l("quit"),
                Input::Eof,
                Input::Eof
            ]
        );
        assert_eq!(out, "> > > > > > ");
    }

    #[test]
    fn plain_empty_lines_are_kept() {
        let mut p = PlainInput::new(&b"\n\r\n\r\rx\n"[..]);
        let (got, _) = lines(&mut p, 5);
        let l = |s: &str| Input::Line(s.into());
        assert_eq!(got, [l(""), l(""), l(""), l(""), l("x")]);
    }

    #[test]
    fn plain_reads_no_further_than_the_line() {
        let mut data = &b"one\ntwo\n"[..];
        {
            let mut p = PlainInput::new(&mut data);
            let (got, _) = lines(&mut p, 1);
            assert_eq!(got, [Input::Line("one".into())]);
        }
        assert_eq!(data, b"two\n");
    }

    #[test]
    fn plain_echo() {
        let mut p = PlainInput::new("ab\x7fc\ré\x7f\x7fx\r\n".as_bytes()).echo(true);
        let (got, out) = lines(&mut p, 2);
        let l = |s: &str| Input::Line(s.into());
        assert_eq!(got, [l("ac"), l("x")]);
        assert_eq!(out, "> ab\x08 \x08c\r\n> é\x08 \x08x\r\n");
    }

    #[test]
    fn editor_input() {
        let mut e = EditorInput::new(&b"hx\x7felp\rgarb\x03\x1b[A\r\x04"[..]);
        let (got, out) = lines(&mut e, 5);
        let l = |s: &str| Input::Line(s.into());
        assert_eq!(
            got,
            [
                l("help"),
                Input::Interrupt,
                l("help"),
                Input::Eof,
                Input::Eof
            ]
        );
        assert!(
            out.starts_with("> hx\x08 \x08elp\r\n> garb^C\r\n> \r> help\x1b[K\r\n> "),
            "{out:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn terminal_falls_back_on_a_pipe() {
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let msg = b"version\n";
        assert_eq!(
            unsafe { libc::write(fds[1], msg.as_ptr().cast(), msg.len()) },
            8
        );
        unsafe { libc::close(fds[1]) };
        let mut t = Terminal::new(fds[0]);
        assert!(!t.is_editor());
        assert!(t.why_plain().is_some());
        assert!(RawMode::get(fds[0]).is_err());
        let (got, _) = lines(&mut t, 2);
        assert_eq!(got, [Input::Line("version".into()), Input::Eof]);
        unsafe { libc::close(fds[0]) };
    }
}
