//! Reading a generated text.  Linux: fs/seq_file.c (seq_read_iter, seq_lseek; single_open()'s
//! files).
//!
//! tracefs files make their whole text when they are opened ([`seq_read`] reads that snapshot
//! at the file position).  /proc files are Linux's single_open() files ([`SeqText`]): the text
//! is made by the read that starts at position 0 (the first read, a read after lseek(fd, 0),
//! a pread at 0), so it says what holds at that read (proc-self-syscall reads its own read(2);
//! a reread shows a fresh /proc/loadavg), and the reads that follow continue in that one
//! snapshot.

use super::file_table::File;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::vec::Vec;

/// Linux: seq_read_iter(): the bytes of `text` at the file position, which advances.
pub fn seq_read(text: &[u8], f: &File, buf: &mut [u8]) -> KResult<usize> {
    let mut pos = f.pos.lock();
    let off = (*pos as usize).min(text.len());
    let n = buf.len().min(text.len() - off);
    buf[..n].copy_from_slice(&text[off..off + n]);
    *pos += n as u64;
    Ok(n)
}

/// Linux: struct seq_file of a single_open() file: the text of the last read from position 0.
#[derive(Default)]
pub struct SeqText {
    buf: SpinLock<Option<Vec<u8>>, class::SeqBuf>,
}

impl SeqText {
    pub const fn new() -> Self {
        SeqText { buf: SpinLock::new(None) }
    }

    /// Linux: seq_read_iter(): a read at position 0 (or the first read) runs `show` for a new
    /// text; every read copies from the text at the file position, which advances.  `show` runs
    /// with no lock held (it takes the task and mm locks it needs).
    pub fn read(&self, f: &File, out: &mut [u8], show: impl FnOnce() -> KResult<Vec<u8>>) -> KResult<usize> {
        let at = *f.pos.lock();
        if at == 0 || self.buf.lock().is_none() {
            let text = show()?;
            let old = self.buf.lock().replace(text);
            drop(old);
        }
        let mut pos = f.pos.lock();
        let g = self.buf.lock();
        let text = g.as_deref().unwrap_or(&[]);
        let off = (*pos).min(text.len() as u64) as usize;
        let n = out.len().min(text.len() - off);
        out[..n].copy_from_slice(&text[off..off + n]);
        *pos += n as u64;
        Ok(n)
    }
}
