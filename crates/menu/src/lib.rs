//! The MenuOS menu, after the course's C MenuOS (`MenuConfig` / `ExecuteMenu`).
//!
//! A [`Menu`] is a list of commands, each a name, a description and a handler:
//!
//! ```
//! use menu::Menu;
//! fn fork_process(_args: &[String]) -> i32 { 0 }
//! let mut menu = Menu::new("MenuOS>>");
//! menu.config("fork-new", "fork new process", fork_process);
//! assert!(menu.find("fork-new").is_some());
//! assert!(menu.help_text().contains("help"));
//! ```
//!
//! [`Menu::run`] is the loop: show the prompt, read a line ([`term::LineInput`]: the line
//! editor on a raw terminal, or plain lines), split it into arguments ([`split_args`]), run the
//! command (or say `Unknown command`), and again.  `help` is built in and lists every command,
//! itself included.  Handlers print what they like on stdout and return a status.

pub mod args;
pub mod editor;
pub mod history;
pub mod passwd;
pub mod term;

pub use args::{split_args, SplitError};
pub use editor::{Event, LineEditor};
pub use history::History;
pub use term::{Input, LineInput};

use std::cell::Cell;
use std::io::{self, Write};

/// A handler: gets the arguments (`args[0]` is the command name), returns a status.
pub type Handler = Box<dyn Fn(&Menu, &[String]) -> i32>;

enum Action {
    Help,
    Run(Handler),
}

/// One command of the menu.
pub struct Command {
    name: String,
    desc: String,
    action: Action,
}

impl Command {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn desc(&self) -> &str {
        &self.desc
    }
}

/// What running one line did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The line had no words.
    Empty,
    /// The command ran and returned this status.
    Ran(i32),
    /// No command has this name.
    Unknown(String),
    /// The line could not be split (a quote left open...).
    BadLine(SplitError),
}

/// What the loop asks of its owner at the edges.
pub trait Hooks {
    /// After each command (the init reaps zombies here).
    fn after_command(&mut self, _menu: &Menu, _outcome: &Outcome) {}
    /// At end of input: true ends the loop (the default), false reads on.
    fn on_eof(&mut self, _menu: &Menu, _out: &mut dyn Write) -> bool {
        true
    }
    /// When reading fails: true ends the loop with that error (the default), false reads on.
    fn on_error(&mut self, _menu: &Menu, _err: &io::Error, _out: &mut dyn Write) -> bool {
        true
    }
}

/// Hooks that keep every default.
pub struct NoHooks;
impl Hooks for NoHooks {}

/// The registry of commands and the loop.
pub struct Menu {
    prompt: String,
    commands: Vec<Command>,
    exit: Cell<bool>,
    last_status: Cell<i32>,
}

impl Menu {
    /// A menu with the built-in `help` and the given prompt.
    pub fn new(prompt: &str) -> Menu {
        let mut m = Menu {
            prompt: prompt.to_string(),
            commands: Vec::new(),
            exit: Cell::new(false),
            last_status: Cell::new(0),
        };
        m.add(
            "help",
            "list the commands, or describe one: help [COMMAND]",
            Action::Help,
        );
        m
    }

    pub fn prompt(&self) -> &str {
        &self.prompt
    }

    /// Registers a command (like C's `MenuConfig(name, desc, handler)`).  A name registered
    /// again replaces the old command in its place.
    pub fn config<F>(&mut self, name: &str, desc: &str, handler: F) -> &mut Self
    where
        F: Fn(&[String]) -> i32 + 'static,
    {
        self.add(
            name,
            desc,
            Action::Run(Box::new(move |_, args| handler(args))),
        )
    }

    /// Registers a command whose handler also gets the menu (to run other commands, or to
    /// end the loop with [`Menu::request_exit`]).
    pub fn config_with_menu<F>(&mut self, name: &str, desc: &str, handler: F) -> &mut Self
    where
        F: Fn(&Menu, &[String]) -> i32 + 'static,
    {
        self.add(name, desc, Action::Run(Box::new(handler)))
    }

    fn add(&mut self, name: &str, desc: &str, action: Action) -> &mut Self {
        let cmd = Command {
            name: name.to_string(),
            desc: desc.to_string(),
            action,
        };
        match self.commands.iter_mut().find(|c| c.name == name) {
            Some(old) => *old = cmd,
            None => self.commands.push(cmd),
        }
        self
    }

    pub fn find(&self, name: &str) -> Option<&Command> {
        self.commands.iter().find(|c| c.name == name)
    }

    /// The commands in the order they were registered (`help` first).
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.commands.iter()
    }

    pub fn names(&self) -> Vec<String> {
        self.commands.iter().map(|c| c.name.clone()).collect()
    }

    /// What `help` prints: every command, one a line, with its description.
    pub fn help_text(&self) -> String {
        let width = self
            .commands
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        let mut s = String::from("Menu List:\n");
        for c in &self.commands {
            s.push_str(&format!("  {:<width$}  {}\n", c.name, c.desc));
        }
        s
    }

    /// Asks the loop to end after the current command.
    pub fn request_exit(&self) {
        self.exit.set(true);
    }

    pub fn exit_requested(&self) -> bool {
        self.exit.get()
    }

    /// The status of the last command that ran.
    pub fn last_status(&self) -> i32 {
        self.last_status.get()
    }

    /// Splits `line` and runs it.  Messages (help, unknown command, bad line) go to `out`.
    pub fn execute(&self, line: &str, out: &mut dyn Write) -> Outcome {
        match split_args(line) {
            Ok(argv) => self.dispatch(&argv, out),
            Err(e) => {
                let _ = writeln!(out, "menu: {e}");
                Outcome::BadLine(e)
            }
        }
    }

    /// Runs an already split command line (`argv[0]` is the name).
    pub fn dispatch(&self, argv: &[String], out: &mut dyn Write) -> Outcome {
        let Some(name) = argv.first() else {
            return Outcome::Empty;
        };
        let Some(cmd) = self.find(name) else {
            let _ = writeln!(out, "Unknown command: {name} (type help for the list)");
            let _ = out.flush();
            return Outcome::Unknown(name.clone());
        };
        let status = match &cmd.action {
            Action::Help => self.help(argv, out),
            Action::Run(h) => {
                let _ = out.flush();
                h(self, argv)
            }
        };
        self.last_status.set(status);
        Outcome::Ran(status)
    }

    fn help(&self, argv: &[String], out: &mut dyn Write) -> i32 {
        let mut status = 0;
        if argv.len() < 2 {
            let _ = out.write_all(self.help_text().as_bytes());
        }
        for name in &argv[1.min(argv.len())..] {
            match self.find(name) {
                Some(c) => {
                    let _ = writeln!(out, "{} - {}", c.name, c.desc);
                }
                None => {
                    let _ = writeln!(out, "help: no command {name}");
                    status = 1;
                }
            }
        }
        let _ = out.flush();
        status
    }

    /// The loop: prompt, read, run, until end of input (as the hooks decide) or
    /// [`Menu::request_exit`].
    pub fn run(
        &self,
        input: &mut dyn LineInput,
        out: &mut dyn Write,
        hooks: &mut dyn Hooks,
    ) -> io::Result<()> {
        input.set_completions(self.names());
        while !self.exit_requested() {
            match input.read_line(&self.prompt, out) {
                Ok(Input::Line(line)) => {
                    let outcome = self.execute(&line, out);
                    let _ = out.flush();
                    hooks.after_command(self, &outcome);
                }
                Ok(Input::Interrupt) => {}
                Ok(Input::Eof) => {
                    if hooks.on_eof(self, out) {
                        break;
                    }
                }
                Err(e) => {
                    if hooks.on_error(self, &e, out) {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use term::{EditorInput, PlainInput};

    fn fork_process(_args: &[String]) -> i32 {
        7
    }

    fn sample() -> (Menu, Rc<RefCell<Vec<Vec<String>>>>) {
        let calls = Rc::new(RefCell::new(Vec::new()));
        let mut m = Menu::new("MenuOS>>");
        m.config("fork-new", "fork new process", fork_process);
        let c = calls.clone();
        m.config("echo", "print the arguments", move |args| {
            c.borrow_mut().push(args.to_vec());
            0
        });
        m.config_with_menu("quit", "leave", |menu, _| {
            menu.request_exit();
            0
        });
        m.config_with_menu("twice", "run a command twice", |menu, args| {
            let mut sink = Vec::new();
            menu.dispatch(&args[1..], &mut sink);
            menu.dispatch(&args[1..], &mut sink);
            0
        });
        (m, calls)
    }

    #[test]
    fn registry() {
        let (m, _) = sample();
        assert_eq!(m.names(), ["help", "fork-new", "echo", "quit", "twice"]);
        assert_eq!(m.find("fork-new").unwrap().desc(), "fork new process");
        assert_eq!(m.find("fork-new").unwrap().name(), "fork-new");
        assert!(m.find("fork").is_none());
        assert_eq!(m.commands().count(), 5);
    }

    #[test]
    fn config_again_replaces_in_place() {
        let (mut m, _) = sample();
        m.config("fork-new", "another", |_| 9);
        assert_eq!(m.names(), ["help", "fork-new", "echo", "quit", "twice"]);
        assert_eq!(m.execute("fork-new", &mut Vec::new()), Outcome::Ran(9));
        assert_eq!(m.find("fork-new").unwrap().desc(), "another");
    }

    #[test]
    fn help_lists_every_command_itself_included() {
        let (m, _) = sample();
        let mut out = Vec::new();
        assert_eq!(m.execute("help", &mut out), Outcome::Ran(0));
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, m.help_text());
        assert!(out.starts_with("Menu List:\n"));
        for name in m.names() {
            let desc = m.find(&name).unwrap().desc().to_string();
            assert!(
                out.lines()
                    .any(|l| l.split_whitespace().next() == Some(name.as_str())
                        && l.ends_with(&desc)),
                "{name} missing in {out}"
            );
        }
        assert_eq!(out.lines().count(), 1 + m.names().len());
    }

    #[test]
    fn help_on_one_command() {
        let (m, _) = sample();
        let mut out = Vec::new();
        assert_eq!(m.execute("help fork-new nope", &mut out), Outcome::Ran(1));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "fork-new - fork new process\nhelp: no command nope\n"
        );
    }

    #[test]
    fn dispatch_passes_split_args() {
        let (m, calls) = sample();
        let mut out = Vec::new();
        assert_eq!(m.execute("  echo a 'b c'  ", &mut out), Outcome::Ran(0));
        assert_eq!(m.execute("fork-new", &mut out), Outcome::Ran(7));
        assert_eq!(m.last_status(), 7);
        assert_eq!(m.execute("   ", &mut out), Outcome::Empty);
        assert!(out.is_empty());
        assert_eq!(
            *calls.borrow(),
            [vec!["echo".to_string(), "a".into(), "b c".into()]]
        );
        m.execute("twice echo x", &mut out);
        assert_eq!(calls.borrow().len(), 3);
    }

    #[test]
    fn unknown_and_bad_lines() {
        let (m, _) = sample();
        let mut out = Vec::new();
        assert_eq!(
            m.execute("frobnicate now", &mut out),
            Outcome::Unknown("frobnicate".into())
        );
        assert_eq!(
            m.execute("echo 'open", &mut out),
            Outcome::BadLine(SplitError::UnterminatedQuote('\''))
        );
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "Unknown command: frobnicate (type help for the list)\nmenu: unterminated quote '\n"
        );
    }

    struct Counting {
        commands: usize,
        eofs: usize,
        eof_stops: bool,
    }

    impl Hooks for Counting {
        fn after_command(&mut self, _: &Menu, _: &Outcome) {
            self.commands += 1;
        }
        fn on_eof(&mut self, _: &Menu, _: &mut dyn Write) -> bool {
            self.eofs += 1;
            self.eof_stops
        }
    }

    #[test]
    fn loop_runs_until_eof() {
        let (m, calls) = sample();
        let mut input = PlainInput::new(&b"echo 1\n\nbogus\necho 2\n"[..]);
        let mut out = Vec::new();
        let mut hooks = Counting {
            commands: 0,
            eofs: 0,
            eof_stops: true,
        };
        m.run(&mut input, &mut out, &mut hooks).unwrap();
        assert_eq!(calls.borrow().len(), 2);
        assert_eq!((hooks.commands, hooks.eofs), (4, 1));
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "MenuOS>>MenuOS>>MenuOS>>Unknown command: bogus (type help for the list)\nMenuOS>>MenuOS>>"
        );
    }

    #[test]
    fn loop_ends_on_request_exit_and_can_ignore_eof() {
        // A source that gives EOF three times, then "quit".
        struct Src(usize);
        impl LineInput for Src {
            fn read_line(&mut self, _: &str, _: &mut dyn Write) -> io::Result<Input> {
                self.0 += 1;
                Ok(if self.0 <= 3 {
                    Input::Eof
                } else {
                    Input::Line("quit".into())
                })
            }
        }
        let (m, _) = sample();
        let mut hooks = Counting {
            commands: 0,
            eofs: 0,
            eof_stops: false,
        };
        m.run(&mut Src(0), &mut Vec::new(), &mut hooks).unwrap();
        assert!(m.exit_requested());
        assert_eq!((hooks.commands, hooks.eofs), (1, 3));
    }

    #[test]
    fn loop_with_the_editor() {
        let (m, calls) = sample();
        let mut input = EditorInput::new(&b"ec\tx\r\x1b[A\x7fy\rxx\x03quit\r"[..]);
        let mut out = Vec::new();
        m.run(&mut input, &mut out, &mut NoHooks).unwrap();
        assert!(m.exit_requested());
        let got: Vec<Vec<String>> = calls.borrow().clone();
        assert_eq!(
            got,
            [
                vec!["echo".to_string(), "x".into()],
                vec!["echo".into(), "y".into()]
            ]
        );
    }

    #[test]
    fn read_errors_end_the_loop_by_default() {
        struct Failing;
        impl LineInput for Failing {
            fn read_line(&mut self, _: &str, _: &mut dyn Write) -> io::Result<Input> {
                Err(io::Error::from_raw_os_error(5))
            }
        }
        let (m, _) = sample();
        let err = m
            .run(&mut Failing, &mut Vec::new(), &mut NoHooks)
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(5));
    }
}
