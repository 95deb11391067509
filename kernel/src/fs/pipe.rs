//! Pipes and FIFOs.  Linux: fs/pipe.c (pipe_read, pipe_write, pipe_poll, pipe_ioctl,
//! pipe_release, fifo_open, do_pipe2, pipe_fcntl / pipe_set_size, round_pipe_size,
//! pipe_max_size).
//!
//! A pipe is a byte ring of a capacity that F_SETPIPE_SZ sets (Linux's default: 16 pages).
//! Reads block while it is empty and writers exist; EOF once every writer is gone.  Writes
//! block while it is full; with no reader left a write gets EPIPE and the writer SIGPIPE.
//! Writes of up to PIPE_BUF bytes are atomic.  pipe(2) makes one and opens both ends; a FIFO
//! inode (mknod S_IFIFO) keeps one that every open of it shares, and fifo_open() is where an
//! open for reading waits for a writer and the other way round.

use super::file::{close_fd, fd_install};
use super::file_table::*;
use super::select::{poll_wait, PollTable};
use crate::errno::*;
use crate::kernel::capability::{capable, CAP_SYS_ADMIN, CAP_SYS_RESOURCE};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::kernel::user::{get_current_user, UserStruct};
use crate::mm::uaccess::UserPtr;
use crate::mm::PAGE_SIZE;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use linux_raw_sys::general::{O_ACCMODE, O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use linux_raw_sys::ioctl::FIONREAD;

/// Linux: PIPE_DEF_BUFFERS pages, a new pipe's capacity.
pub const PIPE_DEF_SIZE: usize = 16 * PAGE_SIZE;
/// Linux: PIPE_BUF, the largest write that is atomic.
pub const PIPE_BUF: usize = 4096;

/// Linux: pipe_max_size (/proc/sys/fs/pipe-max-size): the largest size F_SETPIPE_SZ may set
/// without CAP_SYS_RESOURCE; 1 MiB by default, a power of two of at least a page.
pub static PIPE_MAX_SIZE: AtomicU32 = AtomicU32::new(1024 * 1024);
/// Linux: pipe_user_pages_hard / pipe_user_pages_soft (/proc/sys/fs/pipe-user-pages-*): the
/// pipe buffer pages one user may hold (0: no limit; soft: PIPE_DEF_BUFFERS * INR_OPEN_CUR).
/// Past the soft limit an unprivileged user's new pipes get PIPE_MIN_DEF_BUFFERS pages; past
/// the hard one pipe() fails (ENFILE) and F_SETPIPE_SZ may not grow a pipe (EPERM).
pub static PIPE_USER_PAGES_HARD: AtomicU64 = AtomicU64::new(0);
pub static PIPE_USER_PAGES_SOFT: AtomicU64 = AtomicU64::new(16 * 1024);

/// Linux: PIPE_MIN_DEF_BUFFERS, a new pipe's pages once its user is past the soft limit.
const PIPE_MIN_DEF_BUFFERS: usize = 2;

/// Linux: account_pipe_buffers(): the user's count moves from `old` to `new` pages; returns
/// the user's new total.
fn account_pipe_buffers(user: &UserStruct, old: usize, new: usize) -> usize {
    if new >= old {
        user.pipe_bufs.fetch_add(new - old, Ordering::Relaxed) + (new - old)
    } else {
        user.pipe_bufs.fetch_sub(old - new, Ordering::Relaxed) - (old - new)
    }
}

/// Linux: too_many_pipe_buffers_soft() / too_many_pipe_buffers_hard() (0: no limit).
fn too_many_pipe_buffers(limit: &AtomicU64, user_bufs: usize) -> bool {
    let l = limit.load(Ordering::Relaxed);
    l != 0 && user_bufs as u64 > l
}

/// Linux: pipe_is_unprivileged_user(): the per-user limits bind only without CAP_SYS_RESOURCE
/// and CAP_SYS_ADMIN.
fn pipe_is_unprivileged_user() -> bool {
    !capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN)
}

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

/// Linux: struct pipe_inode_info.
pub struct Pipe {
    inner: SpinLock<PipeInner, class::Pipe>,
    /// Readers, writers, pollers and openers waiting for a partner all sleep here (Linux keeps
    /// rd_wait and wr_wait apart; one queue costs only spurious wake-ups of the other side).
    wq: WaitQueue,
}

struct PipeInner {
    buf: VecDeque<u8>,
    /// Bytes ever read: the stream position of buf's first byte.
    rd_pos: u64,
    /// Packet-mode data (written through an O_DIRECT end): each packet's [start, end) in
    /// the stream, oldest first.  Linux: pipe buffers with PIPE_BUF_FLAG_PACKET — each one
    /// write's (up to a page), occupying a whole slot, and read by one read at most.
    packets: VecDeque<(u64, u64)>,
    readers: usize,
    writers: usize,
    /// Opens for reading / writing ever (Linux: r_counter, w_counter): what a FIFO open
    /// waiting for a partner watches change.
    r_counter: usize,
    w_counter: usize,
    /// The capacity in bytes (Linux: max_usage pages).
    max_usage: usize,
    /// Linux: pipe->user and pipe->nr_accounted: whom the pipe's pages are charged to, and
    /// how many; None while a FIFO has no opener (Linux frees its pipe_inode_info then).
    user: Option<Arc<UserStruct>>,
    nr_accounted: usize,
}

impl PipeInner {
    /// The capacity in use, in bytes: plain data by the byte (it is merged into pages), a
    /// packet by the slot (a page) it occupies.  Linux counts slots; with no packets this is
    /// the bytes held.
    fn used(&self) -> usize {
        if self.packets.is_empty() {
            return self.buf.len();
        }
        let in_packets: u64 = self.packets.iter().map(|&(s, e)| e - s.max(self.rd_pos)).sum();
        self.buf.len() - in_packets as usize + self.packets.len() * PAGE_SIZE
    }
    /// Room for plain data, in bytes.
    fn room(&self) -> usize {
        self.max_usage.saturating_sub(self.used())
    }
    /// Linux: pipe_read()'s copy loop: plain data runs on into what follows; a packet ends
    /// the read, and what of it did not fit is dropped.
    fn read_into(&mut self, out: &mut [u8]) -> usize {
        let mut got = 0;
        while got < out.len() && !self.buf.is_empty() {
            let (take, skip, packet_end) = match self.packets.front() {
                Some(&(s, e)) if s <= self.rd_pos => {
                    let left = (e - self.rd_pos) as usize;
                    let take = left.min(out.len() - got);
                    (take, left, true)
                }
                Some(&(s, _)) => {
                    let take = ((s - self.rd_pos) as usize).min(out.len() - got);
                    (take, take, false)
                }
                None => {
                    let take = self.buf.len().min(out.len() - got);
                    (take, take, false)
                }
            };
            for (i, byte) in self.buf.drain(..skip).take(take).enumerate() {
                out[got + i] = byte;
            }
            got += take;
            self.rd_pos += skip as u64;
            if packet_end {
                self.packets.pop_front();
                break;
            }
        }
        got
    }
    /// Bytes taken out by splice/vmsplice (after a peek): packets wholly read go too.
    fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.rd_pos += n as u64;
        while self.packets.front().is_some_and(|&(_, e)| e <= self.rd_pos) {
            self.packets.pop_front();
        }
    }
    /// Linux: free_pipe_info()'s account_pipe_buffers(pipe->user, pipe->nr_accounted, 0);
    /// the user is returned, to be dropped once the pipe lock is released.
    fn free_pipe_info(&mut self) -> Option<Arc<UserStruct>> {
        let user = self.user.take();
        if let Some(u) = &user {
            account_pipe_buffers(u, self.nr_accounted, 0);
        }
        self.nr_accounted = 0;
        user
    }
}

impl Pipe {
    /// Linux: alloc_pipe_info() (for a FIFO's inode, made with it).
    pub fn new() -> Arc<Pipe> {
        Arc::new(Pipe::init())
    }
    /// Linux: alloc_pipe_info(): ENOMEM (a fault-injection site).
    pub fn try_new() -> KResult<Arc<Pipe>> {
        crate::mm::slab::try_arc(Pipe::init())
    }
    fn init() -> Pipe {
        Pipe {
            inner: SpinLock::new(PipeInner {
                buf: VecDeque::new(),
                rd_pos: 0,
                packets: VecDeque::new(),
                readers: 0,
                writers: 0,
                r_counter: 0,
                w_counter: 0,
                max_usage: PIPE_DEF_SIZE,
                user: None,
                nr_accounted: 0,
            }),
            wq: WaitQueue::new(),
        }
    }

    /// Linux: alloc_pipe_info()'s sizing and per-user accounting, for a new pipe or a FIFO's
    /// first opener: PIPE_DEF_BUFFERS pages (fewer if pipe-max-size is lower, unless
    /// CAP_SYS_RESOURCE), PIPE_MIN_DEF_BUFFERS past the user's soft limit, and false (no pipe)
    /// past the hard one.
    fn alloc_pipe_info(&self) -> bool {
        let user = get_current_user();
        let max_size = PIPE_MAX_SIZE.load(Ordering::Relaxed) as usize;
        let mut pipe_bufs = PIPE_DEF_SIZE / PAGE_SIZE;
        if pipe_bufs * PAGE_SIZE > max_size && !capable(CAP_SYS_RESOURCE) {
            pipe_bufs = max_size / PAGE_SIZE;
        }
        let mut user_bufs = account_pipe_buffers(&user, 0, pipe_bufs);
        if too_many_pipe_buffers(&PIPE_USER_PAGES_SOFT, user_bufs) && pipe_is_unprivileged_user() {
            user_bufs = account_pipe_buffers(&user, pipe_bufs, PIPE_MIN_DEF_BUFFERS);
            pipe_bufs = PIPE_MIN_DEF_BUFFERS;
        }
        if too_many_pipe_buffers(&PIPE_USER_PAGES_HARD, user_bufs) && pipe_is_unprivileged_user() {
            account_pipe_buffers(&user, pipe_bufs, 0);
            return false;
        }
        let old = {
            let mut p = self.inner.lock();
            let old = p.free_pipe_info();
            p.max_usage = pipe_bufs * PAGE_SIZE;
            p.nr_accounted = pipe_bufs;
            p.user = Some(user);
            old
        };
        drop(old);
        true
    }

    /// Bytes waiting to be read (FIONREAD).
    pub fn bytes_queued(&self) -> usize {
        self.inner.lock().buf.len()
    }

    /// Linux: pipe_fcntl(F_GETPIPE_SZ).
    pub fn capacity(&self) -> usize {
        self.inner.lock().max_usage
    }

    /// Linux: pipe_set_size() (F_SETPIPE_SZ): the capacity rounded to a power of two of
    /// pages; EINVAL past 2^31, EPERM past pipe-max-size without CAP_SYS_RESOURCE, EBUSY
    /// below what the pipe holds.  Returns the new capacity.
    pub fn set_size(&self, arg: u64) -> KResult<usize> {
        let size = sysctl::round_pipe_size(arg) as usize;
        if size == 0 {
            return Err(EINVAL);
        }
        let nr_slots = size / PAGE_SIZE;
        let (rlimited, unprivileged) = (!capable(CAP_SYS_RESOURCE), pipe_is_unprivileged_user());
        let mut p = self.inner.lock();
        if size > p.max_usage && size > PIPE_MAX_SIZE.load(Ordering::Relaxed) as usize && rlimited {
            return Err(EPERM);
        }
        // Linux: the user's pages are recounted first and put back on failure.
        let user = p.user.clone();
        let user_bufs = user.as_ref().map_or(0, |u| account_pipe_buffers(u, p.nr_accounted, nr_slots));
        let revert = |p: &PipeInner| {
            if let Some(u) = &user {
                account_pipe_buffers(u, nr_slots, p.nr_accounted);
            }
        };
        if nr_slots > p.nr_accounted && too_many_pipe_buffers(&PIPE_USER_PAGES_HARD, user_bufs) && unprivileged {
            revert(&p);
            return Err(EPERM);
        }
        // Linux: pipe_resize_ring(): the slots (pages) in use must fit.
        if size < p.used().div_ceil(PAGE_SIZE) * PAGE_SIZE {
            revert(&p);
            return Err(EBUSY);
        }
        p.max_usage = size;
        if user.is_some() {
            p.nr_accounted = nr_slots;
        }
        drop(p);
        drop(user);
        self.wq.wake_up_all();
        Ok(size)
    }
}

/// One open end of a pipe or FIFO (Linux: a struct file whose private_data is the pipe, its
/// f_mode saying which ends it holds).
pub struct PipeFile {
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
    /// Linux: filp->f_version: the w_counter a non-blocking FIFO reader opened at with no
    /// writer, so that poll reports no POLLHUP until a writer has come and gone.
    version: usize,
}

impl PipeFile {
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }
}

/// Linux: pipe_release(): this end goes; the last end of a FIFO drops the data.
impl Drop for PipeFile {
    fn drop(&mut self) {
        let mut p = self.pipe.inner.lock();
        if self.read {
            p.readers -= 1;
        }
        if self.write {
            p.writers -= 1;
        }
        let mut user = None;
        if p.readers == 0 && p.writers == 0 {
            p.buf = VecDeque::new();
            p.packets = VecDeque::new();
            user = p.free_pipe_info();
        }
        drop(p);
        drop(user);
        self.pipe.wq.wake_up_all();
    }
}

/// Opens one more end of `pipe` for `flags`' access mode (Linux: fifo_open()).  For a FIFO
/// (`fifo`): O_RDONLY waits for a writer unless O_NONBLOCK; O_WRONLY waits for a reader, and
/// with O_NONBLOCK and no reader is ENXIO; O_RDWR never waits.  A wait a signal interrupts is
/// ERESTARTSYS.
pub fn fifo_open(pipe: &Arc<Pipe>, flags: u32, fifo: bool) -> KResult<PipeFile> {
    let nonblock = flags & O_NONBLOCK != 0;
    let (read, write) = match flags & O_ACCMODE {
        O_RDONLY => (true, false),
        O_WRONLY => (false, true),
        O_RDWR => (true, true),
        _ => return Err(EINVAL),
    };
    // Linux: fifo_open(): the first opener of a FIFO allocates its pipe_inode_info (ENOMEM
    // past the user's hard limit).
    if fifo && pipe.inner.lock().user.is_none() && !pipe.alloc_pipe_info() {
        return Err(ENOMEM);
    }
    let mut p = pipe.inner.lock();
    if write && !read && fifo && nonblock && p.readers == 0 {
        // Linux: put_pipe_info(): with no opener left the pipe_inode_info goes.
        let user = if p.writers == 0 { p.free_pipe_info() } else { None };
        drop(p);
        drop(user);
        return Err(ENXIO);
    }
    let version = if read && !write && fifo && nonblock && p.writers == 0 { p.w_counter } else { usize::MAX };
    if read {
        p.readers += 1;
        p.r_counter += 1;
    }
    if write {
        p.writers += 1;
        p.w_counter += 1;
    }
    drop(p);
    pipe.wq.wake_up_all();
    // The end exists from here: its Drop undoes the counts if the wait is cut short.
    let f = PipeFile { pipe: pipe.clone(), read, write, version };
    if fifo && !(read && write) {
        let p = &f.pipe;
        if read && !nonblock {
            // Linux: wait_for_partner(pipe, &pipe->w_counter).
            let (writers, seen) = {
                let i = p.inner.lock();
                (i.writers, i.w_counter)
            };
            if writers == 0 {
                p.wq.wait_event_interruptible(|| p.inner.lock().w_counter != seen)?;
            }
        } else if write {
            let (readers, seen) = {
                let i = p.inner.lock();
                (i.readers, i.r_counter)
            };
            if readers == 0 {
                p.wq.wait_event_interruptible(|| p.inner.lock().r_counter != seen)?;
            }
        }
    }
    Ok(f)
}

/// Linux: create_pipe_files(): a new pipe's read end and write end.
/// Linux: get_pipe_inode() failing (the pipe's inode or alloc_pipe_info) is ENFILE; the files
/// after it (alloc_file_pseudo) ENOMEM.  Every allocation here is a fault-injection site, and
/// each failure drops (closes) what was made before it.
pub fn create_pipe(flags: u32) -> KResult<(Arc<File>, Arc<File>)> {
    use crate::mm::slab::{try_arc, try_string};
    let p = Pipe::try_new().map_err(|_| ENFILE)?;
    // Linux: get_pipe_inode() finds no pipe_inode_info (the user's hard limit): ENFILE.
    if !p.alloc_pipe_info() {
        return Err(ENFILE);
    }
    // Linux: create_pipe_files(): O_NONBLOCK on both ends, O_DIRECT on the write end.
    let fl = flags & O_NONBLOCK;
    let r = try_arc(fifo_open(&p, O_RDONLY, false)?)?;
    let w = try_arc(fifo_open(&p, O_WRONLY, false)?)?;
    let r = File::try_new(r, None, O_RDONLY | fl, try_string("pipe:")?)?;
    let w = File::try_new(w, None, O_WRONLY | fl | (flags & O_DIRECT), try_string("pipe:")?)?;
    Ok((r, w))
}

impl Pipe {
    /// Linux: pipe_read(): waits while empty and a writer exists (EAGAIN when `nonblock`);
    /// 0 at EOF.
    pub fn read(&self, out: &mut [u8], nonblock: bool) -> KResult<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let p = self;
        loop {
            {
                let mut b = p.inner.lock();
                if !b.buf.is_empty() {
                    let n = b.read_into(out);
                    drop(b);
                    p.wq.wake_up_poll(POLLOUT | POLLWRNORM);
                    return Ok(n);
                }
                if b.writers == 0 {
                    return Ok(0);
                }
            }
            if nonblock {
                return Err(EAGAIN);
            }
            p.wq.wait_event_interruptible(|| {
                let i = p.inner.lock();
                !i.buf.is_empty() || i.writers == 0
            })?;
        }
    }

    /// Copies what the pipe holds, up to `out.len()` bytes, without taking it out (tee).
    pub fn peek(&self, out: &mut [u8]) -> usize {
        let b = self.inner.lock();
        let n = out.len().min(b.buf.len());
        for (i, byte) in b.buf.iter().take(n).enumerate() {
            out[i] = *byte;
        }
        n
    }

    /// Takes the first `n` bytes out (after a peek: splice, vmsplice).
    pub fn consume(&self, n: usize) {
        let mut b = self.inner.lock();
        b.consume(n);
        drop(b);
        self.wq.wake_up_all();
    }

    /// Waits until the pipe has room (or no reader is left: then the write that follows
    /// gets EPIPE); EAGAIN when `nonblock`.  Returns the room.  Linux: wait_for_space().
    pub fn wait_for_space(&self, nonblock: bool) -> KResult<usize> {
        loop {
            let room = {
                let i = self.inner.lock();
                if i.readers == 0 {
                    return Ok(1);
                }
                i.room()
            };
            if room > 0 {
                return Ok(room);
            }
            if nonblock {
                return Err(EAGAIN);
            }
            self.wq.wait_event_interruptible(|| {
                let i = self.inner.lock();
                i.readers == 0 || i.room() > 0
            })?;
        }
    }

    /// Waits until the pipe holds data or has no writer left (EAGAIN when `nonblock`).
    /// Returns the bytes there (0: EOF).  Linux: splice's ipipe_prep().
    pub fn wait_for_data(&self, nonblock: bool) -> KResult<usize> {
        loop {
            let (n, writers) = {
                let i = self.inner.lock();
                (i.buf.len(), i.writers)
            };
            if n > 0 || writers == 0 {
                return Ok(n);
            }
            if nonblock {
                return Err(EAGAIN);
            }
            self.wq.wait_event_interruptible(|| {
                let i = self.inner.lock();
                !i.buf.is_empty() || i.writers == 0
            })?;
        }
    }

    /// Linux: pipe_write(): EPIPE (and SIGPIPE) without a reader; waits for room (EAGAIN when
    /// `nonblock` and nothing was written); writes of up to PIPE_BUF bytes go in whole.
    /// `packet` (an O_DIRECT writer, Linux's is_packetized()): each page of the write is a
    /// packet in a slot of its own.
    pub fn write_mode(&self, data: &[u8], nonblock: bool, packet: bool) -> KResult<usize> {
        let p = self;
        let mut done = 0;
        while done < data.len() {
            let left = data.len() - done;
            {
                let mut b = p.inner.lock();
                if b.readers == 0 {
                    drop(b);
                    crate::kernel::signal::send_signal(
                        &crate::kernel::task::current(),
                        crate::kernel::signal::SIGPIPE,
                        crate::kernel::signal::SigInfo { code: 0, ..Default::default() },
                    );
                    return if done > 0 { Ok(done) } else { Err(EPIPE) };
                }
                // Linux: a write's head (its length modulo a page) is merged into the last
                // buffer when that holds plain data with room in its page — a packetized
                // write's too, which then reads as plain data.
                if packet && done == 0 {
                    let chars = data.len() % PAGE_SIZE;
                    let end = b.rd_pos + b.buf.len() as u64;
                    let tail = end - b.packets.back().map_or(b.rd_pos, |&(_, e)| e.max(b.rd_pos));
                    let fill = (tail % PAGE_SIZE as u64) as usize;
                    if chars > 0 && tail > 0 && fill != 0 && fill + chars <= PAGE_SIZE && b.room() >= chars {
                        if b.buf.try_reserve(chars).is_err() {
                            return Err(ENOMEM);
                        }
                        b.buf.extend(&data[..chars]);
                        done = chars;
                        drop(b);
                        p.wq.wake_up_poll(POLLIN | POLLRDNORM);
                        continue;
                    }
                }
                let room = b.room();
                // Atomic for writes <= PIPE_BUF: wait for room for the whole write.  A
                // packet takes a free slot and at most a page.
                let fits = if packet { room >= PAGE_SIZE } else { room > 0 && (left > PIPE_BUF || room >= left) };
                if fits {
                    let n = if packet { left.min(PAGE_SIZE) } else { room.min(left) };
                    if packet && b.packets.try_reserve(1).is_err() {
                        return if done > 0 { Ok(done) } else { Err(ENOMEM) };
                    }
                    if (b.buf.capacity() - b.buf.len() < n && !crate::mm::heap::can_grow(n.max(b.buf.capacity())))
                        || b.buf.try_reserve(n).is_err()
                    {
                        return if done > 0 { Ok(done) } else { Err(ENOMEM) };
                    }
                    if packet {
                        let start = b.rd_pos + b.buf.len() as u64;
                        b.packets.push_back((start, start + n as u64));
                    }
                    b.buf.extend(&data[done..done + n]);
                    done += n;
                    drop(b);
                    // Linux wakes readers on every write (epoll's edge trigger counts on it).
                    p.wq.wake_up_poll(POLLIN | POLLRDNORM);
                    continue;
                }
            }
            if nonblock {
                return if done > 0 { Ok(done) } else { Err(EAGAIN) };
            }
            let need = if packet { PAGE_SIZE } else { left.min(PIPE_BUF) };
            let r = p.wq.wait_event_interruptible(|| {
                let i = p.inner.lock();
                i.room() >= need.min(i.max_usage) || i.readers == 0
            });
            if let Err(e) = r {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
        Ok(done)
    }

    /// A plain (byte-stream) write: Pipe::write_mode without packets.
    pub fn write(&self, data: &[u8], nonblock: bool) -> KResult<usize> {
        self.write_mode(data, nonblock, false)
    }
}

impl FileOps for PipeFile {
    fn read(&self, f: &File, out: &mut [u8]) -> KResult<usize> {
        let r = self.pipe.read(out, f.nonblock());
        if let (Ok(n), Some(i)) = (&r, &f.inode) {
            if *n > 0 {
                i.touch_atime();
            }
        }
        r
    }
    fn write(&self, f: &File, data: &[u8]) -> KResult<usize> {
        let r = self.pipe.write_mode(data, f.nonblock(), f.flags() & O_DIRECT != 0);
        if let (Ok(n), Some(i)) = (&r, &f.inode) {
            if *n > 0 {
                i.touch_mtime();
            }
        }
        r
    }
    /// Linux: pipe_poll(): registers on the pipe's queue, then POLLIN with data, POLLHUP once
    /// no writer is left (for a FIFO: once one came and went), POLLOUT while a PIPE_BUF of room
    /// is left, POLLERR once no reader is left.
    fn poll(&self, _f: &File, pt: Option<&mut PollTable>) -> Option<u32> {
        poll_wait(&self.pipe.wq, pt);
        let p = self.pipe.inner.lock();
        let mut ev = 0;
        if self.read {
            if !p.buf.is_empty() {
                ev |= POLLIN | POLLRDNORM;
            }
            if p.writers == 0 && p.w_counter != self.version {
                ev |= POLLHUP;
            }
        }
        if self.write {
            if p.room() >= PIPE_BUF.min(p.max_usage) {
                ev |= POLLOUT | POLLWRNORM;
            }
            if p.readers == 0 {
                ev |= POLLERR;
            }
        }
        Some(ev)
    }
    /// Linux: pipe_ioctl(): FIONREAD, the bytes waiting.
    fn ioctl(&self, _f: &File, cmd: usize, arg: usize) -> KResult<usize> {
        if cmd == FIONREAD as usize {
            let n = self.pipe.bytes_queued() as i32;
            UserPtr::<i32>::new(arg).write(&n)?;
            return Ok(0);
        }
        Err(ENOTTY)
    }
    fn pipe(&self) -> Option<&Arc<Pipe>> {
        Some(&self.pipe)
    }
    fn name(&self) -> &'static str {
        "pipe"
    }
}

/// Linux: do_pipe2(): O_DIRECT makes the write end packetized (see Pipe::write_mode).
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
