//! read, write and their vectored and positioned forms, lseek, sendfile and copy_file_range.
//! Linux: fs/read_write.c (vfs_read, vfs_write, rw_verify_area, do_readv/do_writev,
//! do_preadv/do_pwritev, generic_file_llseek_size, ksys_lseek, do_sendfile,
//! vfs_copy_file_range, generic_copy_file_checks); the iovec import is lib/iov_iter.c's
//! import_iovec().
//!
//! User bytes move through a kernel bounce buffer, RW_CHUNK at a time: the file operations
//! see kernel slices only, and a bad user pointer is EFAULT before or after the transfer.
//! Every transfer is cut at MAX_RW_COUNT, and stops between chunks when the task is killed.

use super::file::fd_get;
use super::file_table::File;
use crate::errno::*;
use crate::kernel::signal::fatal_signal_pending;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use crate::mm::PAGE_SIZE;
use alloc::vec;
use alloc::vec::Vec;
use linux_raw_sys::general::{O_APPEND, O_PATH, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, UIO_MAXIOV};

/// Bounce-buffer size: reads and writes move through the kernel in chunks this big.
const RW_CHUNK: usize = 64 * 1024;

/// Linux: MAX_RW_COUNT (INT_MAX & PAGE_MASK): the most one read or write moves.
pub const MAX_RW_COUNT: usize = (i32::MAX as usize) & !(PAGE_SIZE - 1);

/// Whether the caller was killed: a long transfer stops at the next chunk (Linux: the
/// fatal_signal_pending() checks of generic_perform_write() and filemap_read()).
fn killed() -> bool {
    fatal_signal_pending(&current())
}

/// Linux: rw_verify_area(): EINVAL for a count that is negative as ssize_t, a negative
/// position, or one whose end does not fit in loff_t — except that a file with
/// FMODE_UNSIGNED_OFFSET (/proc/PID/mem) may end past it.
fn rw_verify_area(pos: Option<i64>, count: usize, unsigned_offsets: bool) -> KResult<()> {
    if count > isize::MAX as usize {
        return Err(EINVAL);
    }
    if let Some(p) = pos {
        if p < 0 || (p.checked_add(count as i64).is_none() && !unsigned_offsets) {
            return Err(EINVAL);
        }
    }
    Ok(())
}

/// The checks of vfs_read()/vfs_write() before any transfer: EBADF unless open for it (an
/// O_PATH fd never is), EFAULT unless the whole buffer is user memory (access_ok, before a
/// byte moves, even for /dev/null), then rw_verify_area; the count cut at MAX_RW_COUNT.
fn rw_checks(f: &File, ubuf: UserPtr<u8>, count: usize, pos: Option<i64>, write: bool) -> KResult<usize> {
    if f.flags() & O_PATH != 0 || !(if write { f.writable() } else { f.readable() }) {
        return Err(EBADF);
    }
    ubuf.check(count)?;
    rw_verify_area(pos, count, f.ops.unsigned_offsets())?;
    Ok(count.min(MAX_RW_COUNT))
}

/// One chunk read at `pos` (None: at the file position).  A file without its own positioned
/// read is lent the position for the call (Linux passes ppos to every ->read).
fn read_chunk(f: &File, buf: &mut [u8], pos: Option<u64>) -> KResult<usize> {
    match pos {
        None => f.ops.read(f, buf),
        Some(p) => match f.ops.read_at(f, buf, p) {
            Some(r) => r,
            None => {
                let saved = core::mem::replace(&mut *f.pos.lock(), p);
                let r = f.ops.read(f, buf);
                *f.pos.lock() = saved;
                r
            }
        },
    }
}

fn write_chunk(f: &File, buf: &[u8], pos: Option<u64>) -> KResult<usize> {
    match pos {
        None => f.ops.write(f, buf),
        Some(p) => match f.ops.write_at(f, buf, p) {
            Some(r) => r,
            None => {
                let saved = core::mem::replace(&mut *f.pos.lock(), p);
                let r = f.ops.write(f, buf);
                *f.pos.lock() = saved;
                r
            }
        },
    }
}

/// Linux: vfs_read(): through a kernel bounce buffer, chunk by chunk for files that can
/// seek (regular files read in full), one chunk for pipes and ttys (whatever is there).
/// `pos`: pread's offset (the file position stays).
fn read_file(f: &File, ubuf: UserPtr<u8>, count: usize, pos: Option<i64>) -> KResult<usize> {
    let count = rw_checks(f, ubuf, count, pos, false)?;
    if count == 0 {
        return Ok(0);
    }
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let want = (count - done).min(kbuf.len());
        let got = match read_chunk(f, &mut kbuf[..want], pos.map(|p| p as u64 + done as u64)) {
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
        if killed() {
            break;
        }
    }
    Ok(done)
}

/// Linux: vfs_write(), chunked like read_file.
fn write_file(f: &File, ubuf: UserPtr<u8>, count: usize, pos: Option<i64>) -> KResult<usize> {
    let count = rw_checks(f, ubuf, count, pos, true)?;
    if f.ops.discards_writes() {
        return Ok(count);
    }
    if !f.ops.seekable() && count <= RW_CHUNK {
        // pipes and ttys: one piece (a pipe write of <= PIPE_BUF must stay whole)
        let mut kbuf = vec![0u8; count];
        ubuf.copy_in(&mut kbuf)?;
        return write_chunk(f, &kbuf, None);
    }
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let n = (count - done).min(kbuf.len());
        if let Err(e) = ubuf.byte_add(done).copy_in(&mut kbuf[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let w = match write_chunk(f, &kbuf[..n], pos.map(|p| p as u64 + done as u64)) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w;
        if w < n {
            break;
        }
        if killed() {
            if done == 0 {
                return Err(EINTR);
            }
            break;
        }
    }
    Ok(done)
}

/// Linux: ksys_lseek() -> vfs_llseek() -> generic_file_llseek_size() (shmem_file_llseek for
/// SEEK_DATA/SEEK_HOLE, which know the holes of a file).  EINVAL for a bad whence or a
/// result that is negative or past MAX_LFS_FILESIZE (an overflowing sum is negative);
/// ENXIO for SEEK_DATA/SEEK_HOLE at or past the end; ESPIPE for pipes and ttys.
pub fn sys_lseek(fd: u32, offset: i64, whence: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if whence > SEEK_HOLE {
        return Err(EINVAL);
    }
    if let Some(r) = f.ops.llseek(&f, offset, whence) {
        let p = r?;
        *f.pos.lock() = p;
        return Ok(p as usize);
    }
    let ino = f.inode.clone();
    let is_dir = ino.as_ref().is_some_and(|i| i.is_dir());
    let size = ino.as_ref().map_or(0, |i| i.size()) as i64;
    let mut pos = f.pos.lock();
    let new = match whence {
        SEEK_SET => offset,
        SEEK_CUR => (*pos as i64).wrapping_add(offset),
        // Linux: dcache_dir_lseek() takes SEEK_SET and SEEK_CUR only.
        SEEK_END if !is_dir => size.wrapping_add(offset),
        SEEK_DATA | SEEK_HOLE if !is_dir => {
            if offset < 0 {
                return Err(ENXIO);
            }
            match ino.as_ref().and_then(|i| i.mapping()) {
                Some(m) => m.seek_data_hole(offset as u64, whence == SEEK_DATA)? as i64,
                // A file without holes (Linux: generic_file_llseek_size's default).
                None => {
                    if offset >= size {
                        return Err(ENXIO);
                    }
                    if whence == SEEK_DATA {
                        offset
                    } else {
                        size
                    }
                }
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
    read_file(&f, buf, count, None)
}

pub fn sys_write(fd: u32, buf: UserPtr<u8>, count: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    write_file(&f, buf, count, None)
}

/// pread64/pwrite64: a transfer at `off` that leaves the file position alone (ESPIPE for a
/// file without positions, EINVAL for a negative offset).
fn rw_at(fd: u32, buf: UserPtr<u8>, count: usize, off: i64, write: bool) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if write {
        write_file(&f, buf, count, Some(off))
    } else {
        read_file(&f, buf, count, Some(off))
    }
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
        pub base: UserPtr<u8>,
        pub len: usize,
    }
}

/// Linux: import_iovec(): at most UIO_MAXIOV entries (EINVAL), each no longer than
/// isize::MAX (EINVAL) and in user memory (EFAULT); the total cut at MAX_RW_COUNT.
pub fn read_iovec(iov: UserPtr<IoVec>, cnt: usize) -> KResult<Vec<IoVec>> {
    if cnt > UIO_MAXIOV as usize {
        return Err(EINVAL);
    }
    let mut v = iov.read_array(cnt)?;
    let mut total = 0usize;
    for e in v.iter_mut() {
        if e.len > isize::MAX as usize {
            return Err(EINVAL);
        }
        e.len = e.len.min(MAX_RW_COUNT - total);
        e.base.check(e.len)?;
        total += e.len;
    }
    Ok(v)
}

/// Linux: do_readv() / do_writev(): one iovec after another; a short transfer ends the
/// call, and an error counts only when nothing was transferred yet.
fn rw_iov(f: &File, iov: UserPtr<IoVec>, cnt: usize, pos: Option<i64>, write: bool) -> KResult<usize> {
    if f.flags() & O_PATH != 0 || !(if write { f.writable() } else { f.readable() }) {
        return Err(EBADF);
    }
    let mut total = 0;
    for e in read_iovec(iov, cnt)? {
        if e.len == 0 {
            continue;
        }
        let p = pos.map(|p| p.saturating_add(total as i64));
        let r = if write { write_file(f, e.base, e.len, p) } else { read_file(f, e.base, e.len, p) };
        let n = match r {
            Ok(n) => n,
            Err(err) if total == 0 => return Err(err),
            Err(_) => break,
        };
        total += n;
        if n < e.len || killed() {
            break;
        }
    }
    Ok(total)
}

pub fn sys_readv(fd: u32, vec: UserPtr<IoVec>, vlen: usize) -> KResult<usize> {
    rw_iov(&*fd_get(fd)?, vec, vlen, None, false)
}

pub fn sys_writev(fd: u32, vec: UserPtr<IoVec>, vlen: usize) -> KResult<usize> {
    rw_iov(&*fd_get(fd)?, vec, vlen, None, true)
}

fn p_iov(fd: u32, iov: UserPtr<IoVec>, cnt: usize, off: i64, write: bool) -> KResult<usize> {
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if off < 0 {
        return Err(EINVAL);
    }
    rw_iov(&f, iov, cnt, Some(off), write)
}

/// Linux: preadv() / pwritev(): like readv/writev at an offset, file position untouched.
/// (riscv64 passes the offset whole in pos_l; pos_h is unused.)
pub fn sys_preadv(fd: u32, vec: UserPtr<IoVec>, vlen: usize, pos_l: i64) -> KResult<usize> {
    p_iov(fd, vec, vlen, pos_l, false)
}
pub fn sys_pwritev(fd: u32, vec: UserPtr<IoVec>, vlen: usize, pos_l: i64) -> KResult<usize> {
    p_iov(fd, vec, vlen, pos_l, true)
}

/// Moves up to `count` bytes from `inf` (at `in_pos`, or its position) to `outf` (at
/// `out_pos`, or its position) through the kernel, RW_CHUNK at a time, stopping at EOF, a
/// short write, an error (which counts only when nothing moved) or a fatal signal.  Returns
/// the bytes moved; `in_pos`/`out_pos` advance.  Linux: do_splice_direct().
pub fn copy_through(
    inf: &File,
    in_pos: &mut Option<u64>,
    outf: &File,
    out_pos: &mut Option<u64>,
    count: usize,
) -> KResult<usize> {
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let want = (count - done).min(kbuf.len());
        let n = match read_chunk(inf, &mut kbuf[..want], *in_pos) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Some(p) = in_pos.as_mut() {
            *p += n as u64;
        }
        let w = match write_chunk(outf, &kbuf[..n], *out_pos) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Some(p) = out_pos.as_mut() {
            *p += w as u64;
        }
        done += w;
        if w < n || !inf.ops.seekable() || killed() {
            break;
        }
    }
    Ok(done)
}

/// Linux: do_sendfile(): in_fd's bytes to out_fd through the kernel; with `offset`, in_fd's
/// position is left alone and *offset advances.  EBADF unless in_fd reads and out_fd
/// writes; ESPIPE for an offset on a file without positions; EINVAL for an O_APPEND out_fd
/// or a bad offset; the count is cut at MAX_RW_COUNT.
pub fn sys_sendfile(out_fd: u32, in_fd: u32, offset: Option<UserPtr<i64>>, count: usize) -> KResult<usize> {
    let inf = fd_get(in_fd)?;
    let outf = fd_get(out_fd)?;
    if inf.flags() & O_PATH != 0 || !inf.readable() || outf.flags() & O_PATH != 0 || !outf.writable() {
        return Err(EBADF);
    }
    if offset.is_some() && !inf.ops.seekable() {
        return Err(ESPIPE);
    }
    let start: Option<i64> = match offset {
        Some(p) => Some(p.read()?),
        None => None,
    };
    rw_verify_area(start.or(Some(0)), count, false)?;
    if outf.flags() & O_APPEND != 0 {
        return Err(EINVAL);
    }
    // Linux: do_splice_direct() -> splice_direct_to_actor() reads only regular files (a pipe
    // out_fd goes through splice_file_to_pipe(), which takes any readable file).
    if outf.ops.pipe().is_none() && !inf.inode.as_ref().is_some_and(|i| i.is_reg()) {
        return Err(EINVAL);
    }
    let count = count.min(MAX_RW_COUNT);
    let mut in_pos = start.map(|s| s as u64);
    let mut out_pos = None;
    let r = copy_through(&inf, &mut in_pos, &outf, &mut out_pos, count);
    if let (Some(p), Some(end)) = (offset, in_pos) {
        p.write(&(end as i64))?;
    }
    r
}

/// Linux: copy_file_range(2) -> vfs_copy_file_range() with generic_copy_file_checks():
/// EINVAL for flags; EBADF for a bad fd, one not open for reading (in) or writing (out), or
/// an O_APPEND out; EISDIR for a directory; EINVAL for anything but regular files, a
/// negative offset, or overlapping ranges of one file; EOVERFLOW when an end wraps; the
/// copy stops at the end of the input.  The offsets advance (or the file positions, for
/// NULL ones).
pub fn sys_copy_file_range(
    fd_in: i32,
    off_in: Option<UserPtr<i64>>,
    fd_out: i32,
    off_out: Option<UserPtr<i64>>,
    len: usize,
    flags: u32,
) -> KResult<usize> {
    let inf = fd_get(fd_in as u32)?;
    let outf = fd_get(fd_out as u32)?;
    if inf.flags() & O_PATH != 0 || outf.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let read_off = |p: Option<UserPtr<i64>>| -> KResult<Option<i64>> {
        match p {
            Some(p) => {
                let v = p.read()?;
                if v < 0 {
                    return Err(EINVAL);
                }
                Ok(Some(v))
            }
            None => Ok(None),
        }
    };
    let oi = read_off(off_in)?;
    let oo = read_off(off_out)?;
    if flags != 0 {
        return Err(EINVAL);
    }
    let (ii, io) = (inf.inode.clone().ok_or(EINVAL)?, outf.inode.clone().ok_or(EINVAL)?);
    // Linux: generic_file_rw_checks().
    if ii.is_dir() || io.is_dir() {
        return Err(EISDIR);
    }
    if !ii.is_reg() || !io.is_reg() {
        return Err(EINVAL);
    }
    if !inf.readable() || !outf.writable() || outf.flags() & O_APPEND != 0 {
        return Err(EBADF);
    }
    let pos_in = oi.map_or(*inf.pos.lock(), |v| v as u64);
    let pos_out = oo.map_or(*outf.pos.lock(), |v| v as u64);
    let count = len as u64;
    if pos_in.checked_add(count).is_none_or(|e| e > i64::MAX as u64)
        || pos_out.checked_add(count).is_none_or(|e| e > i64::MAX as u64)
    {
        return Err(EOVERFLOW);
    }
    let size_in = ii.size() as u64;
    let count = if pos_in >= size_in { 0 } else { count.min(size_in - pos_in) } as usize;
    let count = super::ramfs::file_mmu::write_check_limits(pos_out, count)?;
    if alloc::sync::Arc::ptr_eq(&ii, &io) && pos_out + (count as u64) > pos_in && pos_out < pos_in + count as u64 {
        return Err(EINVAL);
    }
    if count == 0 {
        return Ok(0);
    }
    let count = count.min(MAX_RW_COUNT);
    let (mut ip, mut op) = (Some(pos_in), Some(pos_out));
    let n = copy_through(&inf, &mut ip, &outf, &mut op, count)?;
    match off_in {
        Some(p) => p.write(&((pos_in + n as u64) as i64))?,
        None => *inf.pos.lock() = pos_in + n as u64,
    }
    match off_out {
        Some(p) => p.write(&((pos_out + n as u64) as i64))?,
        None => *outf.pos.lock() = pos_out + n as u64,
    }
    Ok(n)
}
