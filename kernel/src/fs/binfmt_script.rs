//! `#!` scripts.  Linux: fs/binfmt_script.c (load_script).  The parsing is the host-tested
//! `execimage::script`.

use super::exec::{exec_err, open_exec, BprmFile};
use super::AT_FDCWD;
use crate::errno::*;
use alloc::vec::Vec;
use execimage::script;

/// Linux: load_script(): the interpreter (and its optional argument) goes in front of the
/// arguments, the script's path replacing argv[0]; returns the interpreter to run next, and
/// its path.
pub(super) fn load_script(head: &[u8], argv: &mut Vec<Vec<u8>>, filename: &[u8]) -> KResult<(BprmFile, Vec<u8>)> {
    let sb = script::parse_shebang(head).map_err(exec_err)?;
    let args: Vec<&[u8]> = argv.iter().skip(1).map(|a| a.as_slice()).collect();
    let mut new = script::script_argv(&sb, filename, &[]);
    new.extend(args.iter().map(|a| a.to_vec()));
    *argv = new;
    let ino = open_exec(AT_FDCWD, &sb.interp, 0)?;
    Ok((ino, sb.interp.clone()))
}
