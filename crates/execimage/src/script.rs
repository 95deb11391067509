//! `#!` scripts, as Linux 6.1's `fs/binfmt_script.c` `load_script()`.
//!
//! Rules (on `buf` = the first [`BINPRM_BUF_SIZE`] bytes of the file,
//! zero padded when the file is shorter):
//! * not `#!` at the start: ENOEXEC (not a script);
//! * the line ends at the first `\n` found by `strnchr()` over the buffer,
//!   which stops at a NUL byte. Without a newline the interpreter name must
//!   not be truncated: after optional spaces/tabs there must be a
//!   space/tab/NUL before the buffer ends, else ENOEXEC (an all-blank
//!   buffer is ENOEXEC too); the line then ends at the buffer's last byte,
//!   which is dropped (the optional argument may be truncated);
//! * trailing spaces/tabs are trimmed; leading spaces/tabs skipped; an empty
//!   interpreter name is ENOEXEC — except that a NUL right after the blanks
//!   (e.g. a file that is just `#!`) yields an empty name, as in Linux, whose
//!   `open_exec("")` then fails with ENOENT;
//! * the interpreter name ends at the first space/tab/NUL; if that is not a
//!   NUL, the optional argument is the rest of the line after the blanks
//!   (inner spaces kept, one single argument);
//! * the new argv is `[interp, optarg?, filename, argv[1..]]`, where
//!   `filename` is the path given to execve (`bprm->interp`) and the
//!   original argv\[0] is dropped (`remove_arg_zero()`); AT_EXECFN stays the
//!   script's filename. Nesting deeper than [`MAX_INTERP_DEPTH`] is ELOOP
//!   (`exec_binprm()`).
use crate::ExecError;
use alloc::vec::Vec;

pub use crate::elf::BINPRM_BUF_SIZE;
/// `exec_binprm()` gives up after this many rewrites (depth > 5: ELOOP).
pub const MAX_INTERP_DEPTH: usize = 5;

/// A parsed `#!` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shebang {
    pub interp: Vec<u8>,
    pub arg: Option<Vec<u8>>,
}

fn spacetab(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Whether the file starts with `#!`.
pub fn is_script(head: &[u8]) -> bool {
    head.len() >= 2 && head[0] == b'#' && head[1] == b'!'
}

/// Parse the `#!` line from the start of the file (`head` may be longer or
/// shorter than [`BINPRM_BUF_SIZE`]; only that many bytes are used).
pub fn parse_shebang(head: &[u8]) -> Result<Shebang, ExecError> {
    let mut buf = [0u8; BINPRM_BUF_SIZE];
    let n = head.len().min(BINPRM_BUF_SIZE);
    buf[..n].copy_from_slice(&head[..n]);
    if buf[0] != b'#' || buf[1] != b'!' {
        return Err(ExecError::NoExec);
    }
    let buf_end = BINPRM_BUF_SIZE - 1; // index of the last byte
    let next_non_spacetab = |first: usize, last: usize| (first..=last).find(|&i| !spacetab(buf[i]));
    let next_terminator = |first: usize, last: usize| (first..=last).find(|&i| spacetab(buf[i]) || buf[i] == 0);
    // strnchr(buf, sizeof(buf), '\n'): stops at NUL.
    let nl = buf.iter().take_while(|&&c| c != 0).position(|&c| c == b'\n');
    let mut i_end = match nl {
        Some(p) => p,
        None => {
            let first = next_non_spacetab(2, buf_end).ok_or(ExecError::NoExec)?;
            if next_terminator(first, buf_end).is_none() {
                return Err(ExecError::NoExec);
            }
            buf_end
        }
    };
    while i_end > 2 && spacetab(buf[i_end - 1]) {
        i_end -= 1;
    }
    let i_name = match (2 <= i_end).then(|| next_non_spacetab(2, i_end)).flatten() {
        Some(p) if p != i_end => p,
        _ => return Err(ExecError::NoExec),
    };
    let mut i_arg = None;
    let i_sep = next_terminator(i_name, i_end);
    if let Some(sep) = i_sep {
        if buf[sep] != 0 {
            i_arg = next_non_spacetab(sep, i_end);
        }
    }
    buf[i_end] = 0;
    let cstr = |from: usize, to: usize| -> Vec<u8> {
        let s = &buf[from..to];
        s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())].to_vec()
    };
    let (interp, arg) = match i_arg {
        Some(a) => (cstr(i_name, i_sep.unwrap()), Some(cstr(a, i_end + 1))),
        None => (cstr(i_name, i_end + 1), None),
    };
    Ok(Shebang { interp, arg })
}

/// The argv the interpreter gets: `[interp, arg?, filename, argv[1..]]`.
/// `filename` is the path execve was given (Linux's `bprm->interp`).
pub fn script_argv(sb: &Shebang, filename: &[u8], argv: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut v = Vec::with_capacity(argv.len() + 2);
    v.push(sb.interp.clone());
    if let Some(a) = &sb.arg {
        v.push(a.clone());
    }
    v.push(filename.to_vec());
    v.extend(argv.iter().skip(1).map(|a| a.to_vec()));
    v
}
