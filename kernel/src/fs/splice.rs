//! splice, tee and vmsplice: moving bytes into and out of pipes without a user buffer.
//! Linux: fs/splice.c (do_splice, splice_file_to_pipe, do_splice_from,
//! splice_pipe_to_pipe, link_pipe (tee), vmsplice_to_pipe, vmsplice_to_user).
//!
//! Linux moves page references between pipe buffers; MenuOS's pipes are byte rings, so the
//! bytes are copied through the kernel, at most RW_CHUNK a call.  The rules are Linux's: one
//! end must be a pipe (EINVAL), offsets only for the end that is not (ESPIPE), not a pipe with
//! itself (EINVAL), and a call moves what is there (waiting for data or room unless
//! SPLICE_F_NONBLOCK or the pipe's own O_NONBLOCK), not necessarily everything asked.

use super::file::fd_get;
use super::file_table::File;
use super::pipe::Pipe;
use super::read_write::{read_iovec, IoVec, MAX_RW_COUNT};
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;
use alloc::vec;
use linux_raw_sys::general::{O_APPEND, O_NONBLOCK, O_PATH};

// Linux: include/linux/splice.h.
const SPLICE_F_MOVE: u32 = 0x01;
const SPLICE_F_NONBLOCK: u32 = 0x02;
const SPLICE_F_MORE: u32 = 0x04;
const SPLICE_F_GIFT: u32 = 0x08;
const SPLICE_F_ALL: u32 = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

/// The most bytes one call moves through the kernel.
const CHUNK: usize = 64 * 1024;

fn pipe_of(f: &File) -> Option<Arc<Pipe>> {
    f.ops.pipe().cloned()
}

fn open_for(f: &File, write: bool) -> KResult<()> {
    if f.flags() & O_PATH != 0 || !(if write { f.writable() } else { f.readable() }) {
        return Err(EBADF);
    }
    Ok(())
}

fn read_off(p: Option<UserPtr<i64>>) -> KResult<Option<i64>> {
    match p {
        Some(p) => Ok(Some(p.read()?)),
        None => Ok(None),
    }
}

/// Linux: SYSCALL_DEFINE6(splice) -> __do_splice() -> do_splice().
pub fn sys_splice(
    fd_in: i32,
    off_in: Option<UserPtr<i64>>,
    fd_out: i32,
    off_out: Option<UserPtr<i64>>,
    len: usize,
    flags: u32,
) -> KResult<usize> {
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return Err(EINVAL);
    }
    let inf = fd_get(fd_in as u32)?;
    let outf = fd_get(fd_out as u32)?;
    open_for(&inf, false)?;
    open_for(&outf, true)?;
    let (ipipe, opipe) = (pipe_of(&inf), pipe_of(&outf));
    if (ipipe.is_some() && off_in.is_some()) || (opipe.is_some() && off_out.is_some()) {
        return Err(ESPIPE);
    }
    let len = len.min(MAX_RW_COUNT).min(CHUNK);
    let mut nonblock = flags & SPLICE_F_NONBLOCK != 0;
    match (ipipe, opipe) {
        (Some(ip), Some(op)) => {
            // Linux: splice_pipe_to_pipe().
            if Arc::ptr_eq(&ip, &op) {
                return Err(EINVAL);
            }
            nonblock |= (inf.flags() | outf.flags()) & O_NONBLOCK != 0;
            let avail = ip.wait_for_data(nonblock)?;
            if avail == 0 {
                return Ok(0);
            }
            let room = op.wait_for_space(nonblock)?;
            let mut buf = vec![0u8; len.min(avail).min(room)];
            let n = ip.peek(&mut buf);
            let w = op.write(&buf[..n], true)?;
            ip.consume(w);
            Ok(w)
        }
        (Some(ip), None) => {
            // Linux: do_splice_from(): the pipe's bytes into the file.
            let pos = read_off(off_out)?;
            if outf.flags() & O_APPEND != 0 {
                return Err(EINVAL);
            }
            if pos.is_some() && !outf.ops.seekable() {
                return Err(EINVAL);
            }
            if pos.is_some_and(|p| p < 0) {
                return Err(EINVAL);
            }
            nonblock |= inf.flags() & O_NONBLOCK != 0;
            let avail = ip.wait_for_data(nonblock)?;
            if avail == 0 {
                return Ok(0);
            }
            let mut buf = vec![0u8; len.min(avail)];
            let n = ip.peek(&mut buf);
            let w = match pos {
                Some(p) => outf.ops.write_at(&outf, &buf[..n], p as u64).unwrap_or(Err(EINVAL))?,
                None => outf.ops.write(&outf, &buf[..n])?,
            };
            ip.consume(w);
            if let (Some(p), Some(u)) = (pos, off_out) {
                u.write(&(p + w as i64))?;
            }
            Ok(w)
        }
        (None, Some(op)) => {
            // Linux: splice_file_to_pipe(): as much of the file as fits.
            let pos = read_off(off_in)?;
            if pos.is_some() && !inf.ops.seekable() {
                return Err(EINVAL);
            }
            if pos.is_some_and(|p| p < 0) {
                return Err(EINVAL);
            }
            nonblock |= outf.flags() & O_NONBLOCK != 0;
            let room = op.wait_for_space(nonblock)?;
            let mut buf = vec![0u8; len.min(room)];
            let n = match pos {
                Some(p) => inf.ops.read_at(&inf, &mut buf, p as u64).unwrap_or(Err(EINVAL))?,
                None => inf.ops.read(&inf, &mut buf)?,
            };
            let w = if n > 0 { op.write(&buf[..n], nonblock)? } else { 0 };
            if let (Some(p), Some(u)) = (pos, off_in) {
                u.write(&(p + w as i64))?;
            }
            Ok(w)
        }
        (None, None) => Err(EINVAL),
    }
}

/// Linux: SYSCALL_DEFINE4(tee) -> do_tee() -> link_pipe(): copies what one pipe holds into
/// another without taking it out.
pub fn sys_tee(fdin: i32, fdout: i32, len: usize, flags: u32) -> KResult<usize> {
    if flags & !SPLICE_F_ALL != 0 {
        return Err(EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let inf = fd_get(fdin as u32)?;
    let outf = fd_get(fdout as u32)?;
    open_for(&inf, false)?;
    open_for(&outf, true)?;
    let (Some(ip), Some(op)) = (pipe_of(&inf), pipe_of(&outf)) else { return Err(EINVAL) };
    if Arc::ptr_eq(&ip, &op) {
        return Err(EINVAL);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || (inf.flags() | outf.flags()) & O_NONBLOCK != 0;
    let avail = ip.wait_for_data(nonblock)?;
    if avail == 0 {
        return Ok(0);
    }
    let room = op.wait_for_space(nonblock)?;
    let mut buf = vec![0u8; len.min(avail).min(room).min(CHUNK)];
    let n = ip.peek(&mut buf);
    op.write(&buf[..n], true)
}

/// Linux: SYSCALL_DEFINE4(vmsplice): user memory into a pipe open for writing
/// (vmsplice_to_pipe: what fits), or out of a pipe open only for reading
/// (vmsplice_to_user: what is there).  EBADF for anything but a pipe.
pub fn sys_vmsplice(fd: i32, uiov: UserPtr<IoVec>, nr_segs: usize, flags: u32) -> KResult<usize> {
    if flags & !SPLICE_F_ALL != 0 {
        return Err(EINVAL);
    }
    let f = fd_get(fd as u32)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let write = if f.writable() {
        true
    } else if f.readable() {
        false
    } else {
        return Err(EBADF);
    };
    let iov = read_iovec(uiov, nr_segs)?;
    if iov.iter().all(|e| e.len == 0) {
        return Ok(0);
    }
    let p = pipe_of(&f).ok_or(EBADF)?;
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || f.nonblock();
    let mut done = 0;
    if write {
        let mut room = p.wait_for_space(nonblock)?;
        for e in iov {
            if room == 0 {
                break;
            }
            let n = e.len.min(room).min(CHUNK);
            let mut buf = vec![0u8; n];
            if let Err(err) = e.base.copy_in(&mut buf) {
                return if done > 0 { Ok(done) } else { Err(err) };
            }
            let w = match p.write(&buf, true) {
                Ok(w) => w,
                Err(err) if done == 0 => return Err(err),
                Err(_) => break,
            };
            done += w;
            room -= w;
            if w < e.len {
                break;
            }
        }
    } else {
        let mut avail = p.wait_for_data(nonblock)?;
        for e in iov {
            if avail == 0 {
                break;
            }
            let n = e.len.min(avail).min(CHUNK);
            let mut buf = vec![0u8; n];
            let got = p.peek(&mut buf);
            if let Err(err) = e.base.copy_out(&buf[..got]) {
                return if done > 0 { Ok(done) } else { Err(err) };
            }
            p.consume(got);
            done += got;
            avail -= got;
            if got < e.len {
                break;
            }
        }
    }
    Ok(done)
}
