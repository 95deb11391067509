//! Reading a generated text.  Linux: fs/seq_file.c (seq_read_iter; single_open()'s files).
//!
//! /proc and tracefs files make their whole text when they are opened; a read copies from that
//! snapshot at the file position.

use super::file_table::File;
use crate::errno::*;

/// Linux: seq_read_iter(): the bytes of `text` at the file position, which advances.
pub fn seq_read(text: &[u8], f: &File, buf: &mut [u8]) -> KResult<usize> {
    let mut pos = f.pos.lock();
    let off = (*pos as usize).min(text.len());
    let n = buf.len().min(text.len() - off);
    buf[..n].copy_from_slice(&text[off..off + n]);
    *pos += n as u64;
    Ok(n)
}
