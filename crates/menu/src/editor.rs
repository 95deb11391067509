//! The line editor: a state machine fed one byte at a time from a raw-mode terminal.
//!
//! It keeps the line being typed and the cursor, and writes to `out` what the terminal must
//! show (echo, cursor moves, redraws with VT100/ANSI sequences).  It knows no file descriptor,
//! so it is tested by feeding bytes and looking at the buffer, the cursor and the output.
//!
//! Keys: printable characters (UTF-8) insert at the cursor; Backspace (DEL or ^H) deletes
//! before it, Delete (`ESC [ 3 ~`) and ^D under it; Left/Right (or ^B/^F) move; Home/End
//! (or ^A/^E) go to the ends; Up/Down (or ^P/^N) walk the history; ^K, ^U and ^W cut to the
//! end, to the start and the word before; ^L clears the screen; Tab completes the first word
//! from the list given by [`LineEditor::set_completions`]; Enter (CR or LF, a CR LF pair
//! counts once) ends the line; ^C abandons it; ^D on an empty line is end of file.

use crate::history::History;

/// What one byte did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Keep feeding.
    Continue,
    /// Enter: the finished line (already added to the history when not blank).
    Line(String),
    /// ^C: the line was abandoned and cleared.
    Interrupt,
    /// ^D on an empty line.
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// Got ESC.
    Start,
    /// Got `ESC [` and maybe parameter bytes.
    Csi,
    /// Got `ESC O` (SS3: application cursor keys).
    Ss3,
}

/// The editor's state.  Call [`begin`](LineEditor::begin) for each new line, then
/// [`feed`](LineEditor::feed) bytes until it returns something other than `Continue`.
pub struct LineEditor {
    prompt: String,
    buf: Vec<char>,
    cursor: usize,
    history: History,
    /// While walking the history: the index shown, and the line that was being typed.
    hist_pos: Option<usize>,
    saved: Vec<char>,
    esc: Esc,
    csi_params: String,
    utf8: Vec<u8>,
    last_cr: bool,
    completions: Vec<String>,
}

impl Default for LineEditor {
    fn default() -> Self {
        LineEditor::new()
    }
}

impl LineEditor {
    pub fn new() -> LineEditor {
        LineEditor::with_history(History::default())
    }

    pub fn with_history(history: History) -> LineEditor {
        LineEditor {
            prompt: String::new(),
            buf: Vec::new(),
            cursor: 0,
            history,
            hist_pos: None,
            saved: Vec::new(),
            esc: Esc::None,
            csi_params: String::new(),
            utf8: Vec::new(),
            last_cr: false,
            completions: Vec::new(),
        }
    }

    /// Words that Tab completes at the start of the line (the command names).
    pub fn set_completions(&mut self, words: Vec<String>) {
        self.completions = words;
    }

    /// Starts a new, empty line: writes the prompt.
    pub fn begin(&mut self, prompt: &str, out: &mut Vec<u8>) {
        self.prompt = prompt.to_string();
        self.buf.clear();
        self.cursor = 0;
        self.hist_pos = None;
        self.saved.clear();
        self.esc = Esc::None;
        self.utf8.clear();
        out.extend_from_slice(prompt.as_bytes());
    }

    /// The line typed so far.
    pub fn buffer(&self) -> String {
        self.buf.iter().collect()
    }

    /// The cursor, in characters from the start of the line.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn history_mut(&mut self) -> &mut History {
        &mut self.history
    }

    /// Feeds one byte from the terminal.
    pub fn feed(&mut self, b: u8, out: &mut Vec<u8>) -> Event {
        let after_cr = std::mem::replace(&mut self.last_cr, false);
        match self.esc {
            Esc::None => {}
            Esc::Start => {
                self.esc = match b {
                    b'[' => {
                        self.csi_params.clear();
                        Esc::Csi
                    }
                    b'O' => Esc::Ss3,
                    _ => Esc::None, // Alt-key or a lone ESC: ignored
                };
                return Event::Continue;
            }
            Esc::Csi => {
                if (0x30..=0x3f).contains(&b) || (0x20..=0x2f).contains(&b) {
                    self.csi_params.push(b as char);
                } else {
                    self.esc = Esc::None;
                    let params = std::mem::take(&mut self.csi_params);
                    self.csi(b, &params, out);
                }
                return Event::Continue;
            }
            Esc::Ss3 => {
                self.esc = Esc::None;
                self.csi(b, "", out);
                return Event::Continue;
            }
        }
        if !self.utf8.is_empty() || b >= 0x80 {
            self.utf8_byte(b, out);
            return Event::Continue;
        }
        match b {
            b'\r' => {
                self.last_cr = true;
                self.enter(out)
            }
            b'\n' if after_cr => Event::Continue,
            b'\n' => self.enter(out),
            0x1b => {
                self.esc = Esc::Start;
                Event::Continue
            }
            0x03 => {
                // ^C: show it, drop the line.
                out.extend_from_slice(b"^C\r\n");
                self.buf.clear();
                self.cursor = 0;
                self.hist_pos = None;
                Event::Interrupt
            }
            0x04 => {
                if self.buf.is_empty() {
                    out.extend_from_slice(b"\r\n");
                    return Event::Eof;
                }
                self.delete(out);
                Event::Continue
            }
            0x7f | 0x08 => {
                self.backspace(out);
                Event::Continue
            }
            0x01 => {
                self.move_to(0, out);
                Event::Continue
            }
            0x05 => {
                self.move_to(self.buf.len(), out);
                Event::Continue
            }
            0x02 => {
                self.left(out);
                Event::Continue
            }
            0x06 => {
                self.right(out);
                Event::Continue
            }
            0x10 => {
                self.history_up(out);
                Event::Continue
            }
            0x0e => {
                self.history_down(out);
                Event::Continue
            }
            0x0b => {
                self.buf.truncate(self.cursor);
                out.extend_from_slice(b"\x1b[K");
                Event::Continue
            }
            0x15 => {
                self.buf.drain(..self.cursor);
                self.cursor = 0;
                self.refresh(out);
                Event::Continue
            }
            0x17 => {
                let mut start = self.cursor;
                while start > 0 && self.buf[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && self.buf[start - 1] != ' ' {
                    start -= 1;
                }
                self.buf.drain(start..self.cursor);
                self.cursor = start;
                self.refresh(out);
                Event::Continue
            }
            0x0c => {
                out.extend_from_slice(b"\x1b[H\x1b[2J");
                self.refresh(out);
                Event::Continue
            }
            b'\t' => {
                self.complete(out);
                Event::Continue
            }
            0x20..=0x7e => {
                self.insert(b as char, out);
                Event::Continue
            }
            _ => Event::Continue, // other control characters are ignored
        }
    }

    fn utf8_byte(&mut self, b: u8, out: &mut Vec<u8>) {
        self.utf8.push(b);
        let need = match self.utf8[0] {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => {
                // a stray continuation byte or an invalid lead byte
                self.utf8.clear();
                return;
            }
        };
        if self.utf8.len() > 1 && (b & 0xc0) != 0x80 {
            self.utf8.clear();
            return;
        }
        if self.utf8.len() == need {
            let bytes = std::mem::take(&mut self.utf8);
            if let Some(c) = std::str::from_utf8(&bytes)
                .ok()
                .and_then(|s| s.chars().next())
            {
                self.insert(c, out);
            }
        }
    }

    fn csi(&mut self, fin: u8, params: &str, out: &mut Vec<u8>) {
        match (fin, params) {
            (b'A', _) => self.history_up(out),
            (b'B', _) => self.history_down(out),
            (b'C', _) => self.right(out),
            (b'D', _) => self.left(out),
            (b'H', _) | (b'~', "1") | (b'~', "7") => self.move_to(0, out),
            (b'F', _) | (b'~', "4") | (b'~', "8") => self.move_to(self.buf.len(), out),
            (b'~', "3") => self.delete(out),
            _ => {}
        }
    }

    fn enter(&mut self, out: &mut Vec<u8>) -> Event {
        out.extend_from_slice(b"\r\n");
        let line = self.buffer();
        self.history.add(&line);
        self.buf.clear();
        self.cursor = 0;
        self.hist_pos = None;
        Event::Line(line)
    }

    fn insert(&mut self, c: char, out: &mut Vec<u8>) {
        self.buf.insert(self.cursor, c);
        self.cursor += 1;
        if self.cursor == self.buf.len() {
            let mut tmp = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        } else {
            self.refresh(out);
        }
    }

    fn backspace(&mut self, out: &mut Vec<u8>) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        self.buf.remove(self.cursor);
        if self.cursor == self.buf.len() {
            out.extend_from_slice(b"\x08 \x08");
        } else {
            self.refresh(out);
        }
    }

    fn delete(&mut self, out: &mut Vec<u8>) {
        if self.cursor < self.buf.len() {
            self.buf.remove(self.cursor);
            self.refresh(out);
        }
    }

    fn left(&mut self, out: &mut Vec<u8>) {
        if self.cursor > 0 {
            self.cursor -= 1;
            out.extend_from_slice(b"\x1b[D");
        }
    }

    fn right(&mut self, out: &mut Vec<u8>) {
        if self.cursor < self.buf.len() {
            self.cursor += 1;
            out.extend_from_slice(b"\x1b[C");
        }
    }

    fn move_to(&mut self, pos: usize, out: &mut Vec<u8>) {
        if pos != self.cursor {
            self.cursor = pos;
            self.refresh(out);
        }
    }

    fn history_up(&mut self, out: &mut Vec<u8>) {
        let n = self.history.len();
        let pos = match self.hist_pos {
            None if n == 0 => return,
            None => {
                self.saved = self.buf.clone();
                n - 1
            }
            Some(0) => return,
            Some(p) => p - 1,
        };
        self.hist_pos = Some(pos);
        self.show(self.history.get(pos).unwrap_or("").chars().collect(), out);
    }

    fn history_down(&mut self, out: &mut Vec<u8>) {
        let Some(p) = self.hist_pos else { return };
        if p + 1 < self.history.len() {
            self.hist_pos = Some(p + 1);
            self.show(self.history.get(p + 1).unwrap_or("").chars().collect(), out);
        } else {
            self.hist_pos = None;
            let saved = std::mem::take(&mut self.saved);
            self.show(saved, out);
        }
    }

    fn show(&mut self, line: Vec<char>, out: &mut Vec<u8>) {
        self.buf = line;
        self.cursor = self.buf.len();
        self.refresh(out);
    }

    fn complete(&mut self, out: &mut Vec<u8>) {
        let word: String = self.buf[..self.cursor].iter().collect();
        if word.contains(' ') {
            return; // only the command name is completed
        }
        let matches: Vec<&String> = self
            .completions
            .iter()
            .filter(|c| c.starts_with(&word))
            .collect();
        match matches.len() {
            0 => out.push(0x07), // bell
            1 => {
                let rest: Vec<char> = matches[0][word.len()..].chars().collect();
                for c in rest {
                    self.insert(c, out);
                }
                if self.buf.get(self.cursor) != Some(&' ') {
                    self.insert(' ', out);
                }
            }
            _ => {
                // complete the common prefix, then list the candidates
                let mut common: &str = matches[0];
                for m in &matches[1..] {
                    let n = common
                        .chars()
                        .zip(m.chars())
                        .take_while(|(a, b)| a == b)
                        .count();
                    common = &common[..common.char_indices().nth(n).map_or(common.len(), |x| x.0)];
                }
                let rest: Vec<char> = common[word.len()..].chars().collect();
                if rest.is_empty() {
                    out.extend_from_slice(b"\r\n");
                    let names: Vec<&str> = matches.iter().map(|s| s.as_str()).collect();
                    out.extend_from_slice(names.join("  ").as_bytes());
                    out.extend_from_slice(b"\r\n");
                    self.refresh(out);
                } else {
                    for c in rest {
                        self.insert(c, out);
                    }
                }
            }
        }
    }

    /// Redraws the whole line: back to column 0, prompt, text, erase to the end of the screen
    /// line, then the cursor back to its place.
    fn refresh(&self, out: &mut Vec<u8>) {
        out.push(b'\r');
        out.extend_from_slice(self.prompt.as_bytes());
        out.extend_from_slice(self.buffer().as_bytes());
        out.extend_from_slice(b"\x1b[K");
        let back = self.buf.len() - self.cursor;
        if back > 0 {
            out.extend_from_slice(format!("\x1b[{back}D").as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "MenuOS>>";

    fn editor() -> LineEditor {
        let mut e = LineEditor::new();
        let mut out = Vec::new();
        e.begin(P, &mut out);
        assert_eq!(out, P.as_bytes());
        e
    }

    /// Feeds all bytes; returns the events other than Continue and the output.
    fn feed(e: &mut LineEditor, bytes: &[u8]) -> (Vec<Event>, String) {
        let mut out = Vec::new();
        let mut events = Vec::new();
        for &b in bytes {
            let ev = e.feed(b, &mut out);
            if ev != Event::Continue {
                events.push(ev);
            }
        }
        (events, String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn typing_echoes_and_enter_returns_line() {
        let mut e = editor();
        let (ev, out) = feed(&mut e, b"help");
        assert!(ev.is_empty());
        assert_eq!(out, "help");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("help", 4));
        let (ev, out) = feed(&mut e, b"\r");
        assert_eq!(ev, [Event::Line("help".into())]);
        assert_eq!(out, "\r\n");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("", 0));
    }

    #[test]
    fn crlf_counts_once_and_lf_alone_works() {
        let mut e = editor();
        let (ev, _) = feed(&mut e, b"a\r\nb\nc\r\r\n");
        assert_eq!(
            ev,
            [
                Event::Line("a".into()),
                Event::Line("b".into()),
                Event::Line("c".into()),
                Event::Line("".into())
            ]
        );
    }

    #[test]
    fn backspace() {
        let mut e = editor();
        let (_, out) = feed(&mut e, b"helpp\x7f");
        assert_eq!(out, "helpp\x08 \x08");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("help", 4));
        feed(&mut e, b"\x08\x08\x08\x08\x7f\x7f");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("", 0));
    }

    #[test]
    fn arrows_move_and_insert_in_middle() {
        let mut e = editor();
        feed(&mut e, b"hlp");
        let (_, out) = feed(&mut e, b"\x1b[D\x1b[D");
        assert_eq!(out, "\x1b[D\x1b[D");
        assert_eq!(e.cursor(), 1);
        let (_, out) = feed(&mut e, b"e");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("help", 2));
        assert_eq!(out, "\rMenuOS>>help\x1b[K\x1b[2D");
        // right stops at the end, left at the start
        feed(&mut e, b"\x1b[C\x1b[C\x1b[C\x1b[C");
        assert_eq!(e.cursor(), 4);
        feed(&mut e, b"\x1bOD\x1bOD\x1bOD\x1bOD\x1bOD\x1bOD");
        assert_eq!(e.cursor(), 0);
        // ^F / ^B are right / left too
        feed(&mut e, b"\x06\x06\x02");
        assert_eq!(e.cursor(), 1);
    }

    #[test]
    fn backspace_and_delete_in_middle() {
        let mut e = editor();
        feed(&mut e, b"abcd\x1b[D\x1b[D\x7f");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("acd", 1));
        let (_, out) = feed(&mut e, b"\x1b[3~");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("ad", 1));
        assert_eq!(out, "\rMenuOS>>ad\x1b[K\x1b[1D");
        feed(&mut e, b"\x04"); // ^D on a non-empty line deletes under the cursor
        assert_eq!((e.buffer().as_str(), e.cursor()), ("a", 1));
        feed(&mut e, b"\x04"); // at the end: nothing
        assert_eq!((e.buffer().as_str(), e.cursor()), ("a", 1));
    }

    #[test]
    fn home_end() {
        let mut e = editor();
        feed(&mut e, b"fork-new");
        let (_, out) = feed(&mut e, b"\x01");
        assert_eq!(e.cursor(), 0);
        assert_eq!(out, "\rMenuOS>>fork-new\x1b[K\x1b[8D");
        feed(&mut e, b"\x05");
        assert_eq!(e.cursor(), 8);
        feed(&mut e, b"\x1b[H");
        assert_eq!(e.cursor(), 0);
        feed(&mut e, b"\x1b[F");
        assert_eq!(e.cursor(), 8);
        feed(&mut e, b"\x1b[1~");
        assert_eq!(e.cursor(), 0);
        feed(&mut e, b"\x1b[4~");
        assert_eq!(e.cursor(), 8);
        assert_eq!(e.buffer(), "fork-new");
    }

    #[test]
    fn ctrl_c_clears_line() {
        let mut e = editor();
        let (ev, out) = feed(&mut e, b"garbage\x03");
        assert_eq!(ev, [Event::Interrupt]);
        assert_eq!(out, "garbage^C\r\n");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("", 0));
        assert!(e.history().is_empty());
    }

    #[test]
    fn ctrl_d_on_empty_line_is_eof() {
        let mut e = editor();
        let (ev, _) = feed(&mut e, b"\x04");
        assert_eq!(ev, [Event::Eof]);
        let (ev, _) = feed(&mut e, b"x\x7f\x04");
        assert_eq!(ev, [Event::Eof]);
    }

    #[test]
    fn kill_keys() {
        let mut e = editor();
        feed(
            &mut e,
            b"exec /hello world\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x0b",
        );
        assert_eq!((e.buffer().as_str(), e.cursor()), ("exec /hello ", 12));
        feed(&mut e, b"\x17");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("exec ", 5));
        feed(&mut e, b"x\x1b[D\x15");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("x", 0));
        let (_, out) = feed(&mut e, b"\x0c");
        assert!(out.starts_with("\x1b[H\x1b[2J\rMenuOS>>x"));
    }

    #[test]
    fn history_up_down() {
        let mut e = editor();
        feed(&mut e, b"help\rps\rps\r\r");
        assert_eq!(e.history().iter().collect::<Vec<_>>(), ["help", "ps"]);
        feed(&mut e, b"ti");
        let (_, out) = feed(&mut e, b"\x1b[A");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("ps", 2));
        assert_eq!(out, "\rMenuOS>>ps\x1b[K");
        feed(&mut e, b"\x1b[A");
        assert_eq!(e.buffer(), "help");
        feed(&mut e, b"\x1b[A"); // stays at the oldest
        assert_eq!(e.buffer(), "help");
        feed(&mut e, b"\x1b[B");
        assert_eq!(e.buffer(), "ps");
        feed(&mut e, b"\x1b[B"); // back to what was being typed
        assert_eq!((e.buffer().as_str(), e.cursor()), ("ti", 2));
        feed(&mut e, b"\x1b[B");
        assert_eq!(e.buffer(), "ti");
        // ^P / ^N, and an edited history line is entered as a new line
        feed(&mut e, b"\x10\x10\x7f\x7f\x7f\x7f");
        let (ev, _) = feed(&mut e, b"version\r");
        assert_eq!(ev, [Event::Line("version".into())]);
        feed(&mut e, b"\x10\x0e");
        assert_eq!(e.buffer(), "");
        assert_eq!(
            e.history().iter().collect::<Vec<_>>(),
            ["help", "ps", "version"]
        );
    }

    #[test]
    fn history_up_on_empty_history_does_nothing() {
        let mut e = editor();
        let (_, out) = feed(&mut e, b"ab\x1b[A\x1b[B");
        assert_eq!(out, "ab");
        assert_eq!(e.buffer(), "ab");
    }

    #[test]
    fn utf8_input() {
        let mut e = editor();
        let (_, out) = feed(&mut e, "é€x".as_bytes());
        assert_eq!(out, "é€x");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("é€x", 3));
        feed(&mut e, b"\x7f\x7f");
        assert_eq!(e.buffer(), "é");
        // invalid bytes are dropped
        feed(&mut e, &[0x80, 0xc3, b'a']);
        assert_eq!(e.buffer(), "é");
    }

    #[test]
    fn unknown_escapes_and_controls_are_ignored() {
        let mut e = editor();
        let (ev, out) = feed(&mut e, b"a\x1b[5~\x1b[1;5C\x1bxb\x00\x1f");
        assert!(ev.is_empty());
        assert_eq!(out, "ab");
        assert_eq!(e.buffer(), "ab");
    }

    #[test]
    fn tab_completion() {
        let mut e = editor();
        e.set_completions(
            ["help", "fork-new", "vfork-new", "time", "time-asm"]
                .map(String::from)
                .to_vec(),
        );
        let (_, out) = feed(&mut e, b"fo\t");
        assert_eq!(out, "fork-new ");
        assert_eq!(e.buffer(), "fork-new ");
        feed(&mut e, b"\x15ti\t");
        assert_eq!(e.buffer(), "time");
        let (_, out) = feed(&mut e, b"\t");
        assert!(out.contains("time  time-asm"), "{out:?}");
        assert_eq!(e.buffer(), "time");
        let (_, out) = feed(&mut e, b"\x15zz\t");
        assert_eq!(out.as_bytes().last(), Some(&0x07));
        // arguments are not completed
        feed(&mut e, b"\x15exec ti\t");
        assert_eq!(e.buffer(), "exec ti");
    }

    #[test]
    fn begin_resets() {
        let mut e = editor();
        feed(&mut e, b"abc\x1b[D");
        let mut out = Vec::new();
        e.begin("> ", &mut out);
        assert_eq!(out, b"> ");
        assert_eq!((e.buffer().as_str(), e.cursor()), ("", 0));
        let (_, out) = feed(&mut e, b"x\x01");
        assert_eq!(out, "x\r> x\x1b[K\x1b[1D");
    }
}
