//! The kernel command line, handled as Linux 6.1 does it.
//!
//! Linux counterparts: `lib/cmdline.c` (`next_arg()`), `kernel/params.c`
//! (`parse_args()`), `init/main.c` (`unknown_bootoption()`,
//! `repair_env_string()`, `set_init_arg()`, `obsolete_checksetup()`,
//! `init_setup()`, `rdinit_setup()`, `kernel_init()`).
//!
//! # Splitting ([`next_arg`])
//! Leading white space is skipped (`isspace()` of the kernel: space, `\t`,
//! `\n`, `\v`, `\f`, `\r` and Latin-1 NBSP `0xa0`). A word ends at white space
//! outside double quotes; a `"` anywhere toggles quoting. The first `=` at an
//! index > 0 splits `param` from `val` (a word starting with `=` looks for a
//! later one, exactly as `next_arg()`'s `equals == 0` test). A value starting
//! with `"` loses that quote and, if the word ends with `"`, that one too; a
//! word starting with `"` loses it and a closing `"` at its end. Inner quotes
//! stay.
//!
//! # Where each word goes
//! Words are processed left to right (`parse_args()`):
//! * a bare `--` (no value) stops kernel parsing; every later word goes to
//!   init's argv as `param` or `param=val` (`set_init_arg()`), dotted or not,
//!   known or not;
//! * a parameter MenuOS knows (see [`KNOWN`]) is consumed. Three kinds, as in
//!   Linux: `early_param("x")` matches `x` and `x=...` exactly;
//!   `__setup("x=")` matches any word starting with `x=` (prefix match, e.g.
//!   `norandmaps` also takes `norandmapsfoo`, as Linux); `__setup("ro")` /
//!   `__setup("rw")` only consume the bare word (their handler returns 0 when
//!   something follows, so `ro=1` goes on to init's envp);
//! * `init=` and `rdinit=` also **drop every init argument collected so far**
//!   (Linux's LILO "auto" comment in `init_setup()`); arguments after them and
//!   after `--` are kept;
//! * any other word whose *name* contains a `.` is an unused module parameter
//!   and is dropped;
//! * any other `name=value` goes to init's envp; an earlier variable with the
//!   same name (`strncmp(param, envp, len + 1)`, i.e. `name=`) is replaced in
//!   place, so `TERM=vt100` replaces `TERM=linux`;
//! * any other word without `=` goes to init's argv.
//!
//! init's envp always starts as `HOME=/`, `TERM=linux`; argv\[0] is the init
//! path chosen later ([`BootParams::init_candidates`]). Linux panics ("Too
//! many boot init vars" / "env vars") when argv reaches
//! `MAX_INIT_ARGS + 1` entries (argv\[0] included) or envp `MAX_INIT_ENVS + 1`
//! and one more is added ([`Error::TooManyInitArgs`] / [`Error::TooManyEnvVars`]),
//! after `--` too.
//!
//! Linux 6.1 passes `BOOT_IMAGE=...` on to init's envp (later kernels drop
//! `BOOT_IMAGE=`/`kexec`); we do as 6.1. `nokaslr` is consumed although riscv
//! Linux 6.1 had no KASLR (it would reach init's argv there).
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// `CONFIG_INIT_ENV_ARG_LIMIT` default.
pub const MAX_INIT_ARGS: usize = 32;
pub const MAX_INIT_ENVS: usize = 32;
/// `COMMAND_LINE_SIZE` of riscv.
pub const COMMAND_LINE_SIZE: usize = 1024;

pub const CONSOLE_LOGLEVEL_DEFAULT: u32 = 7;
pub const CONSOLE_LOGLEVEL_QUIET: u32 = 4;
pub const CONSOLE_LOGLEVEL_DEBUG: u32 = 10;

/// How a known parameter matches, as Linux's two registration macros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `early_param(name)`: the word is `name` or `name=...`.
    Early,
    /// `__setup(prefix)` whose handler always accepts: the word starts with
    /// `prefix` (which usually ends in `=`).
    Setup,
    /// `__setup(prefix)` whose handler returns 0 unless nothing follows the
    /// prefix (Linux's `readonly`/`readwrite`).
    SetupBare,
}

/// A kernel parameter MenuOS knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub name: &'static str,
    pub kind: Kind,
}

const fn k(name: &'static str, kind: Kind) -> Known {
    Known { name, kind }
}

/// The parameters MenuOS consumes (never passed to init).
pub const KNOWN: &[Known] = &[
    k("console=", Kind::Setup),
    k("earlycon", Kind::Early),
    k("earlyprintk", Kind::Early),
    k("loglevel", Kind::Early),
    k("quiet", Kind::Early),
    k("debug", Kind::Early),
    k("ignore_loglevel", Kind::Early),
    k("init=", Kind::Setup),
    k("rdinit=", Kind::Setup),
    k("root=", Kind::Setup),
    k("rootfstype=", Kind::Setup),
    k("rootflags=", Kind::Setup),
    k("rootwait", Kind::Setup),
    k("rootdelay=", Kind::Setup),
    k("ro", Kind::SetupBare),
    k("rw", Kind::SetupBare),
    k("norandmaps", Kind::Setup),
    k("nokaslr", Kind::Early),
    k("nosmp", Kind::Early),
    k("maxcpus", Kind::Early),
    k("nr_cpus", Kind::Early),
    k("mem", Kind::Early),
    k("panic", Kind::Early),
    k("initcall_debug", Kind::Early),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Linux: panic "Too many boot init vars at `%s'".
    TooManyInitArgs(String),
    /// Linux: panic "Too many boot env vars at `%s'".
    TooManyEnvVars(String),
}

/// One word of the command line after [`next_arg`] (quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
}

impl Param {
    /// `repair_env_string()`: `name` or `name=value`.
    pub fn joined(&self) -> String {
        match &self.value {
            Some(v) => {
                let mut s = String::with_capacity(self.name.len() + 1 + v.len());
                s.push_str(&self.name);
                s.push('=');
                s.push_str(v);
                s
            }
            None => self.name.clone(),
        }
    }
}

/// The kernel's `isspace()` (lib/ctype.c: also Latin-1 NBSP 0xa0).
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

/// `skip_spaces()`.
pub fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    &s[n..]
}

/// The C string at the start of `b` (up to the first NUL), as text
/// (invalid UTF-8 replaced).
fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Linux's `next_arg()` on a line without leading white space (and not
/// empty): returns the parameter and the rest of the line with its leading
/// white space skipped. A NUL byte ends the line, as in C.
pub fn next_arg(args: &[u8]) -> (Param, &[u8]) {
    let mut a = args;
    let mut in_quote = false;
    let mut quoted = false;
    if a.first() == Some(&b'"') {
        a = &a[1..];
        in_quote = true;
        quoted = true;
    }
    let mut equals = 0usize;
    let mut i = 0;
    while i < a.len() && a[i] != 0 {
        if is_space(a[i]) && !in_quote {
            break;
        }
        if equals == 0 && a[i] == b'=' {
            equals = i;
        }
        if a[i] == b'"' {
            in_quote = !in_quote;
        }
        i += 1;
    }
    // Work on a copy of the word and write the NULs where next_arg() does.
    let mut w: Vec<u8> = a[..i].to_vec();
    let mut val = None;
    if equals != 0 {
        w[equals] = 0;
        let mut vs = equals + 1;
        if w.get(vs) == Some(&b'"') {
            vs += 1;
            if w[i - 1] == b'"' {
                w[i - 1] = 0;
            }
        }
        val = Some(vs);
    }
    if quoted && i > 0 && w[i - 1] == b'"' {
        w[i - 1] = 0;
    }
    let p = Param { name: cstr(&w), value: val.map(|vs| cstr(&w[vs.min(w.len())..])) };
    let rest = if i < a.len() && a[i] != 0 { skip_spaces(&a[i + 1..]) } else { &a[a.len()..] };
    (p, rest)
}

/// Split a whole command line into words (`parse_args()`'s loop, `--`
/// included as a word).
pub fn split(cmdline: &[u8]) -> Vec<Param> {
    let mut out = Vec::new();
    let mut rest = skip_spaces(cmdline);
    while !rest.is_empty() && rest[0] != 0 {
        let (p, r) = next_arg(rest);
        out.push(p);
        rest = r;
    }
    out
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BootParams {
    /// Every word before `--`, in order (known or not).
    pub params: Vec<(String, Option<String>)>,
    /// `rdinit=` (last one wins).
    pub rdinit: Option<String>,
    /// `init=` (last one wins).
    pub init: Option<String>,
    /// Every `console=` value, in order (the last is `/dev/console`).
    pub consoles: Vec<String>,
    /// `earlycon` given: `Some(None)` bare, `Some(Some(v))` with a value.
    pub earlycon: Option<Option<String>>,
    /// Console log level after `debug`, `quiet`, `loglevel=` in order.
    pub console_loglevel: u32,
    pub quiet: bool,
    pub debug: bool,
    pub ignore_loglevel: bool,
    pub norandmaps: bool,
    pub nokaslr: bool,
    pub root: Option<String>,
    /// `ro` / `rw`: the last one wins (`None` if neither).
    pub read_only: Option<bool>,
    /// init's argv without argv\[0].
    pub init_args: Vec<String>,
    /// init's envp (starts with `HOME=/`, `TERM=linux`).
    pub init_envp: Vec<String>,
}

/// What to do if executing an init candidate fails (`kernel_init()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// `rdinit`: print "Failed to execute %s (error %d)" and go on.
    TryNext,
    /// `init=`: panic "Requested init %s failed (error %d).".
    Panic,
}

impl BootParams {
    /// The programs `kernel_init()` tries, in order. `rdinit` defaults to
    /// `/init` (tried only if it exists in the initramfs: Linux checks
    /// `init_eaccess()` first and otherwise skips it without a message);
    /// then `init=`; then `/sbin/init`, `/etc/init`, `/bin/init`, `/bin/sh`
    /// (each failure ignored; all failing is the panic "No working init
    /// found."). argv\[0] of init is the candidate path itself.
    pub fn init_candidates(&self) -> Vec<(String, OnFailure)> {
        let mut v = Vec::new();
        v.push((self.rdinit.clone().unwrap_or_else(|| "/init".to_string()), OnFailure::TryNext));
        if let Some(i) = &self.init {
            v.push((i.clone(), OnFailure::Panic));
        }
        for p in ["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"] {
            v.push((p.to_string(), OnFailure::TryNext));
        }
        v
    }

    /// init's full argv for a given init path.
    pub fn init_argv(&self, path: &str) -> Vec<String> {
        let mut v = Vec::with_capacity(1 + self.init_args.len());
        v.push(path.to_string());
        v.extend(self.init_args.iter().cloned());
        v
    }
}

fn match_known<'k>(known: &'k [Known], word: &str) -> Option<&'k Known> {
    known.iter().find(|kp| match kp.kind {
        Kind::Early => word.starts_with(kp.name) && matches!(word.as_bytes().get(kp.name.len()), None | Some(b'=')),
        Kind::Setup => word.starts_with(kp.name),
        Kind::SetupBare => word == kp.name,
    })
}

/// Parse with MenuOS's [`KNOWN`] parameters.
pub fn parse(cmdline: impl AsRef<[u8]>) -> Result<BootParams, Error> {
    parse_with(cmdline.as_ref(), KNOWN)
}

/// Parse with a caller-supplied table of known parameters.
pub fn parse_with(cmdline: &[u8], known: &[Known]) -> Result<BootParams, Error> {
    let mut bp = BootParams {
        console_loglevel: CONSOLE_LOGLEVEL_DEFAULT,
        init_envp: alloc::vec!["HOME=/".to_string(), "TERM=linux".to_string()],
        ..Default::default()
    };
    let mut rest = skip_spaces(cmdline);
    let mut after_dashes = false;
    while !rest.is_empty() && rest[0] != 0 {
        let (p, r) = next_arg(rest);
        rest = r;
        if after_dashes {
            // set_init_arg()
            if 1 + bp.init_args.len() > MAX_INIT_ARGS {
                return Err(Error::TooManyInitArgs(p.joined()));
            }
            bp.init_args.push(p.joined());
            continue;
        }
        if p.value.is_none() && p.name == "--" {
            after_dashes = true;
            continue;
        }
        bp.params.push((p.name.clone(), p.value.clone()));
        let word = p.joined();
        if let Some(kp) = match_known(known, &word) {
            apply_known(&mut bp, kp, &p);
            continue;
        }
        if p.name.contains('.') {
            continue;
        }
        if p.value.is_some() {
            let key_len = p.name.len() + 1;
            let existing = bp
                .init_envp
                .iter()
                .position(|e| e.len() >= key_len && e.as_bytes()[..key_len] == word.as_bytes()[..key_len]);
            match existing {
                Some(i) => bp.init_envp[i] = word,
                None => {
                    if bp.init_envp.len() > MAX_INIT_ENVS {
                        return Err(Error::TooManyEnvVars(word));
                    }
                    bp.init_envp.push(word);
                }
            }
        } else {
            if 1 + bp.init_args.len() > MAX_INIT_ARGS {
                return Err(Error::TooManyInitArgs(word));
            }
            bp.init_args.push(word);
        }
    }
    Ok(bp)
}

fn apply_known(bp: &mut BootParams, kp: &Known, p: &Param) {
    let word = p.joined();
    let after = &word[kp.name.len()..];
    let val = after.strip_prefix('=');
    match kp.name.trim_end_matches('=') {
        "console" => bp.consoles.push(after.to_string()),
        "earlycon" => bp.earlycon = Some(val.map(|v| v.to_string())),
        "loglevel" => {
            if let Some(n) = val.and_then(|v| v.parse::<u32>().ok()) {
                bp.console_loglevel = n;
            }
        }
        "quiet" => {
            bp.quiet = true;
            bp.console_loglevel = CONSOLE_LOGLEVEL_QUIET;
        }
        "debug" => {
            bp.debug = true;
            bp.console_loglevel = CONSOLE_LOGLEVEL_DEBUG;
        }
        "ignore_loglevel" => bp.ignore_loglevel = true,
        "init" => {
            bp.init = Some(after.to_string());
            bp.init_args.clear();
        }
        "rdinit" => {
            bp.rdinit = Some(after.to_string());
            bp.init_args.clear();
        }
        "root" => bp.root = Some(after.to_string()),
        "ro" => bp.read_only = Some(true),
        "rw" => bp.read_only = Some(false),
        "norandmaps" => bp.norandmaps = true,
        "nokaslr" => bp.nokaslr = true,
        _ => {}
    }
}
