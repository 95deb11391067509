//! Pipes.  Linux: fs/pipe.c (pipe_read, pipe_write, pipe_poll, pipe_ioctl, pipe_release,
//! do_pipe2).
//!
//! A 64 KiB ring (Linux's default 16 pages).  Reads block while empty and writers exist;
//! EOF once every writer is gone.  Writes block while full; with no reader left a write gets
//! EPIPE and the writer SIGPIPE.  Writes of up to PIPE_BUF bytes are atomic.

use super::file::{close_fd, fd_install};
use super::file_table::*;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::mm::uaccess::UserPtr;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use linux_raw_sys::general::{O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY};
use linux_raw_sys::ioctl::FIONREAD;

pub const PIPE_BUF_SIZE: usize = 65536;
pub const PIPE_BUF: usize = 4096;

/// Linux: pipe_max_size (/proc/sys/fs/pipe-max-size): the largest size F_SETPIPE_SZ may set
/// without CAP_SYS_RESOURCE; 1 MiB by default, a power of two of at least a page.
pub static PIPE_MAX_SIZE: AtomicU32 = AtomicU32::new(1024 * 1024);
/// Linux: pipe_user_pages_hard / pipe_user_pages_soft (/proc/sys/fs/pipe-user-pages-*): the
/// pipe buffer pages one user may hold (0: no limit; soft: PIPE_DEF_BUFFERS * INR_OPEN_CUR).
/// Kept for the sysctl: MenuOS's pipes have one fixed size and these are not accounted yet.
pub static PIPE_USER_PAGES_HARD: AtomicU64 = AtomicU64::new(0);
pub static PIPE_USER_PAGES_SOFT: AtomicU64 = AtomicU64::new(16 * 1024);

/// Linux: proc_dopipe_max_size(): an unsigned int rounded as round_pipe_size() does (at least
/// a page, a power of two); EINVAL above 2 GiB.
pub fn proc_dopipe_max_size(
    _t: &crate::kernel::sysctl::CtlTable,
    io: crate::kernel::sysctl::Io,
    pos: &mut u64,
) -> KResult<usize> {
    use crate::kernel::sysctl::Io;
    match io {
        Io::Read { count, out } => {
            let (text, d) = sysctl::uint_read(PIPE_MAX_SIZE.load(Ordering::Relaxed) as u64, count, *pos);
            *out = text;
            *pos = d.pos;
            Ok(d.len)
        }
        Io::Write(buf) => {
            let d = sysctl::uint_write(buf, *pos, |x| match sysctl::round_pipe_size(x) {
                0 => Err(EINVAL.0 as u32),
                v => {
                    PIPE_MAX_SIZE.store(v, Ordering::Relaxed);
                    Ok(())
                }
            })
            .map_err(|e| Errno(e as i32))?;
            *pos = d.pos;
            Ok(d.len)
        }
    }
}

pub struct Pipe {
    buf: SpinLock<VecDeque<u8>, class::Pipe>,
    readers: SpinLock<usize, class::Pipe>,
    writers: SpinLock<usize, class::Pipe>,
    wq: WaitQueue,
}

pub struct PipeReader(Arc<Pipe>);
pub struct PipeWriter(Arc<Pipe>);

pub fn create_pipe(flags: u32) -> KResult<(Arc<File>, Arc<File>)> {
    let p = Arc::new(Pipe {
        buf: SpinLock::new(VecDeque::new()),
        readers: SpinLock::new(1),
        writers: SpinLock::new(1),
        wq: WaitQueue::new(),
    });
    let fl = flags & O_NONBLOCK;
    let r = File::new(Arc::new(PipeReader(p.clone())), None, O_RDONLY | fl, String::from("pipe:"));
    let w = File::new(Arc::new(PipeWriter(p)), None, O_WRONLY | fl, String::from("pipe:"));
    Ok((r, w))
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        *self.0.readers.lock() -= 1;
        self.0.wq.wake_up_all();
    }
}
impl Drop for PipeWriter {
    fn drop(&mut self) {
        *self.0.writers.lock() -= 1;
        self.0.wq.wake_up_all();
    }
}

impl FileOps for PipeReader {
    fn read(&self, f: &File, out: &mut [u8]) -> KResult<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let p = &self.0;
        loop {
            {
                let mut b = p.buf.lock();
                if !b.is_empty() {
                    let n = out.len().min(b.len());
                    for (i, byte) in b.drain(..n).enumerate() {
                        out[i] = byte;
                    }
                    drop(b);
                    p.wq.wake_up_all();
                    return Ok(n);
                }
            }
            if *p.writers.lock() == 0 {
                return Ok(0);
            }
            if f.nonblock() {
                return Err(EAGAIN);
            }
            p.wq.wait_event_interruptible(|| !p.buf.lock().is_empty() || *p.writers.lock() == 0)?;
        }
    }
    fn poll(&self, _f: &File) -> u16 {
        let p = &self.0;
        let mut ev = 0;
        if !p.buf.lock().is_empty() {
            ev |= POLLIN | POLLRDNORM;
        }
        if *p.writers.lock() == 0 {
            ev |= POLLHUP;
        }
        ev
    }
    fn poll_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.wq)
    }
    fn ioctl(&self, _f: &File, cmd: usize, arg: usize) -> KResult<usize> {
        if cmd == FIONREAD as usize {
            let n = self.0.buf.lock().len() as i32;
            crate::mm::uaccess::write_user(arg, &n)?;
            return Ok(0);
        }
        Err(ENOTTY)
    }
    fn name(&self) -> &'static str {
        "pipe"
    }
}

impl FileOps for PipeWriter {
    fn write(&self, f: &File, data: &[u8]) -> KResult<usize> {
        let p = &self.0;
        let mut done = 0;
        while done < data.len() {
            if *p.readers.lock() == 0 {
                crate::kernel::signal::send_signal(
                    &crate::kernel::task::current(),
                    crate::kernel::signal::SIGPIPE,
                    crate::kernel::signal::SigInfo { code: 0, ..Default::default() },
                );
                return if done > 0 { Ok(done) } else { Err(EPIPE) };
            }
            let left = data.len() - done;
            {
                let mut b = p.buf.lock();
                let room = PIPE_BUF_SIZE - b.len();
                // Atomic for writes <= PIPE_BUF: wait for room for the whole write.
                if room > 0 && (left > PIPE_BUF || room >= left) {
                    let n = room.min(left);
                    if (b.capacity() - b.len() < n && !crate::mm::heap::can_grow(n.max(b.capacity())))
                        || b.try_reserve(n).is_err()
                    {
                        return if done > 0 { Ok(done) } else { Err(ENOMEM) };
                    }
                    b.extend(&data[done..done + n]);
                    done += n;
                    drop(b);
                    p.wq.wake_up_all();
                    continue;
                }
            }
            if f.nonblock() {
                return if done > 0 { Ok(done) } else { Err(EAGAIN) };
            }
            let need = left.min(PIPE_BUF);
            let r =
                p.wq.wait_event_interruptible(|| PIPE_BUF_SIZE - p.buf.lock().len() >= need || *p.readers.lock() == 0);
            if let Err(e) = r {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
        Ok(done)
    }
    fn poll(&self, _f: &File) -> u16 {
        let p = &self.0;
        let mut ev = 0;
        if PIPE_BUF_SIZE - p.buf.lock().len() >= PIPE_BUF {
            ev |= POLLOUT | POLLWRNORM;
        }
        if *p.readers.lock() == 0 {
            ev |= POLLERR;
        }
        ev
    }
    fn poll_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.wq)
    }
    fn name(&self) -> &'static str {
        "pipe"
    }
}

/// Linux: do_pipe2(): O_DIRECT (packet mode) is accepted and ignored.
pub fn sys_pipe2(fildes: UserPtr<[i32; 2]>, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(EINVAL);
    }
    let (r, w) = create_pipe(flags)?;
    let cloexec = flags & O_CLOEXEC != 0;
    let rfd = fd_install(r, cloexec)?;
    let wfd = match fd_install(w, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = close_fd(rfd as u32);
            return Err(e);
        }
    };
    if let Err(e) = fildes.write(&[rfd as i32, wfd as i32]) {
        let _ = close_fd(rfd as u32);
        let _ = close_fd(wfd as u32);
        return Err(e);
    }
    Ok(0)
}
