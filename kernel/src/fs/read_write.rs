//! read, write and their vectored and positioned forms, lseek and sendfile.
//! Linux: fs/read_write.c (vfs_read, vfs_write, do_readv/do_writev, do_preadv/do_pwritev,
//! ksys_lseek, do_sendfile); the iovec import is lib/iov_iter.c's import_iovec().
//!
//! User bytes move through a kernel bounce buffer, RW_CHUNK at a time: the file operations
//! see kernel slices only, and a bad user pointer is EFAULT before or after the transfer.

use super::file::fd_get;
use super::file_table::File;
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use alloc::vec;
use alloc::vec::Vec;
use linux_raw_sys::general::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, UIO_MAXIOV};

/// Bounce-buffer size: reads and writes move through the kernel in chunks this big.
const RW_CHUNK: usize = 64 * 1024;

/// Linux: vfs_read(): through a kernel bounce buffer, chunk by chunk for files that can
/// seek (regular files read in full), one chunk for pipes and ttys (whatever is there).
fn read_file(f: &File, ubuf: UserPtr<u8>, count: usize) -> KResult<usize> {
    if !f.readable() {
        return Err(EBADF);
    }
    ubuf.check(count)?;
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let want = (count - done).min(kbuf.len());
        let got = match f.ops.read(f, &mut kbuf[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = ubuf.byte_add(done).copy_out(&kbuf[..got]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += got;
        if got < want || !f.ops.seekable() {
            break;
        }
    }
    Ok(done)
}

/// Linux: vfs_write(), chunked like read_file.
fn write_file(f: &File, ubuf: UserPtr<u8>, count: usize) -> KResult<usize> {
    if !f.writable() {
        return Err(EBADF);
    }
    if f.ops.discards_writes() {
        return Ok(count);
    }
    if !f.ops.seekable() && count <= RW_CHUNK {
        // pipes and ttys: one piece (a pipe write of <= PIPE_BUF must stay whole)
        let mut kbuf = vec![0u8; count];
        ubuf.copy_in(&mut kbuf)?;
        return f.ops.write(f, &kbuf);
    }
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let n = (count - done).min(kbuf.len());
        if let Err(e) = ubuf.byte_add(done).copy_in(&mut kbuf[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let w = match f.ops.write(f, &kbuf[..n]) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w;
        if w < n {
            break;
        }
    }
    Ok(done)
}

pub fn sys_lseek(fd: u32, offset: i64, whence: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    let off = offset as isize;
    let size = f.inode.as_ref().map_or(0, |i| i.size()) as isize;
    let mut pos = f.pos.lock();
    let new = match whence {
        SEEK_SET => off,
        SEEK_CUR => *pos as isize + off,
        SEEK_END => size + off,
        SEEK_DATA | SEEK_HOLE => {
            // SEEK_DATA / SEEK_HOLE on a file without holes
            if off < 0 || off >= size {
                return Err(ENXIO);
            }
            if whence == SEEK_DATA {
                off
            } else {
                size
            }
        }
        _ => return Err(EINVAL),
    };
    if new < 0 {
        return Err(EINVAL);
    }
    *pos = new as u64;
    Ok(new as usize)
}

pub fn sys_read(fd: u32, buf: UserPtr<u8>, count: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    read_file(&f, buf, count)
}

pub fn sys_write(fd: u32, buf: UserPtr<u8>, count: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    write_file(&f, buf, count)
}

/// pread64/pwrite64: a transfer at `off` that leaves the file position alone.
fn rw_at(fd: u32, buf: UserPtr<u8>, count: usize, off: i64, write: bool) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if off < 0 {
        return Err(EINVAL);
    }
    let saved = core::mem::replace(&mut *f.pos.lock(), off as u64);
    let r = if write { write_file(&f, buf, count) } else { read_file(&f, buf, count) };
    *f.pos.lock() = saved;
    r
}

pub fn sys_pread64(fd: u32, buf: UserPtr<u8>, count: usize, pos: i64) -> KResult<usize> {
    rw_at(fd, buf, count, pos, false)
}

pub fn sys_pwrite64(fd: u32, buf: UserPtr<u8>, count: usize, pos: i64) -> KResult<usize> {
    rw_at(fd, buf, count, pos, true)
}

crate::user_pod! {
    /// Linux: struct iovec (include/uapi/linux/uio.h).
    #[derive(Clone, Copy)]
    pub struct IoVec {
        base: UserPtr<u8>,
        len: usize,
    }
}

/// Linux: import_iovec(): at most UIO_MAXIOV entries, each no longer than isize::MAX.
fn read_iovec(iov: UserPtr<IoVec>, cnt: usize) -> KResult<Vec<IoVec>> {
    if cnt > UIO_MAXIOV as usize {
        return Err(EINVAL);
    }
    let mut v = Vec::with_capacity(cnt);
    for i in 0..cnt {
        let e = iov.add(i).read()?;
        if e.len > isize::MAX as usize {
            return Err(EINVAL);
        }
        v.push(e);
    }
    Ok(v)
}

/// Linux: do_readv() / do_writev(): one iovec after another; a short transfer ends the
/// call, and an error counts only when nothing was transferred yet.
fn rw_iov(f: &File, iov: UserPtr<IoVec>, cnt: usize, write: bool) -> KResult<usize> {
    let mut total = 0;
    for e in read_iovec(iov, cnt)? {
        if e.len == 0 {
            continue;
        }
        let r = if write { write_file(f, e.base, e.len) } else { read_file(f, e.base, e.len) };
        let n = match r {
            Ok(n) => n,
            Err(err) if total == 0 => return Err(err),
            Err(_) => break,
        };
        total += n;
        if n < e.len {
            break;
        }
    }
    Ok(total)
}

pub fn sys_readv(fd: u32, vec: UserPtr<IoVec>, vlen: usize) -> KResult<usize> {
    rw_iov(&*fd_get(fd)?, vec, vlen, false)
}

pub fn sys_writev(fd: u32, vec: UserPtr<IoVec>, vlen: usize) -> KResult<usize> {
    rw_iov(&*fd_get(fd)?, vec, vlen, true)
}

fn p_iov(fd: u32, iov: UserPtr<IoVec>, cnt: usize, off: i64, write: bool) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if off < 0 {
        return Err(EINVAL);
    }
    let saved = core::mem::replace(&mut *f.pos.lock(), off as u64);
    let r = rw_iov(&f, iov, cnt, write);
    *f.pos.lock() = saved;
    r
}

/// Linux: preadv() / pwritev(): like readv/writev at an offset, file position untouched.
/// (riscv64 passes the offset whole in pos_l; pos_h is unused.)
pub fn sys_preadv(fd: u32, vec: UserPtr<IoVec>, vlen: usize, pos_l: i64) -> KResult<usize> {
    p_iov(fd, vec, vlen, pos_l, false)
}
pub fn sys_pwritev(fd: u32, vec: UserPtr<IoVec>, vlen: usize, pos_l: i64) -> KResult<usize> {
    p_iov(fd, vec, vlen, pos_l, true)
}

/// Linux: sendfile(out_fd, in_fd, offset, count): in_fd's bytes to out_fd through the kernel;
/// with `offset`, in_fd's position is left alone and *offset advances.
pub fn sys_sendfile(out_fd: u32, in_fd: u32, offset: Option<UserPtr<i64>>, count: usize) -> KResult<usize> {
    let inf = fd_get(in_fd)?;
    let outf = fd_get(out_fd)?;
    if !inf.readable() || !outf.writable() {
        return Err(EBADF);
    }
    if offset.is_some() && !inf.ops.seekable() {
        return Err(ESPIPE);
    }
    let start: u64 = match offset {
        Some(p) => p.read()?.try_into().map_err(|_| EINVAL)?,
        None => 0,
    };
    let saved = offset.map(|_| core::mem::replace(&mut *inf.pos.lock(), start));
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    let mut res = Ok(());
    while done < count {
        let want = (count - done).min(kbuf.len());
        let n = match inf.ops.read(&inf, &mut kbuf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                res = Err(e);
                break;
            }
        };
        match outf.ops.write(&outf, &kbuf[..n]) {
            Ok(w) => {
                done += w;
                if w < n {
                    break;
                }
            }
            Err(e) => {
                res = Err(e);
                break;
            }
        }
        if !inf.ops.seekable() {
            break;
        }
    }
    if let Some(old) = saved {
        *inf.pos.lock() = old;
        if let Some(p) = offset {
            p.write(&((start + done as u64) as i64))?;
        }
    }
    match res {
        Err(e) if done == 0 => Err(e),
        _ => Ok(done),
    }
}
