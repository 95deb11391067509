//! eventfd: a 64-bit counter as a file.  Linux: fs/eventfd.c (eventfd_read, eventfd_write,
//! eventfd_poll, do_eventfd, SYSCALL_DEFINE2(eventfd2)), include/linux/eventfd.h.
//!
//! write() adds to the counter (blocking while the sum would pass 0xfffffffffffffffe), read()
//! takes it all — or one, with EFD_SEMAPHORE — and blocks while it is zero.  The counter is
//! readable (POLLIN) when non-zero and writable (POLLOUT) while one more can be added.

use super::file_table::*;
use super::select::{poll_wait, PollTable};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use alloc::string::String;
use alloc::sync::Arc;
use linux_raw_sys::general::{EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, O_RDWR};

/// Linux: EFD_SHARED_FCNTL_FLAGS and EFD_FLAGS_SET (include/linux/eventfd.h).
const EFD_SHARED_FCNTL_FLAGS: u32 = EFD_CLOEXEC | EFD_NONBLOCK;
const EFD_FLAGS_SET: u32 = EFD_SHARED_FCNTL_FLAGS | EFD_SEMAPHORE;

/// Linux: struct eventfd_ctx.
pub struct EventFd {
    count: SpinLock<u64, class::EventFd>,
    semaphore: bool,
    /// Linux: ctx->wqh — blocked readers and writers, and pollers.
    wqh: WaitQueue,
}

impl EventFd {
    /// Linux: eventfd_ctx_do_read(): all of the counter, or one in semaphore mode.
    fn do_read(&self, count: &mut u64) -> u64 {
        let n = if self.semaphore { 1 } else { *count };
        *count -= n;
        n
    }
}

impl FileOps for EventFd {
    /// Linux: eventfd_read(): EINVAL for less than 8 bytes, EAGAIN (non-blocking) or a sleep
    /// while the counter is zero.
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        if buf.len() < 8 {
            return Err(EINVAL);
        }
        let v = loop {
            {
                let mut c = self.count.lock();
                if *c != 0 {
                    break self.do_read(&mut c);
                }
            }
            if f.nonblock() {
                return Err(EAGAIN);
            }
            self.wqh.wait_event_interruptible(|| *self.count.lock() != 0)?;
        };
        self.wqh.wake_up_poll(POLLOUT);
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        Ok(8)
    }

    /// Linux: eventfd_write(): EINVAL for less than 8 bytes or the value u64::MAX; EAGAIN
    /// (non-blocking) or a sleep while the sum would reach u64::MAX.
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        if buf.len() < 8 {
            return Err(EINVAL);
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&buf[..8]);
        let n = u64::from_ne_bytes(b);
        if n == u64::MAX {
            return Err(EINVAL);
        }
        loop {
            {
                let mut c = self.count.lock();
                if u64::MAX - *c > n {
                    *c += n;
                    break;
                }
            }
            if f.nonblock() {
                return Err(EAGAIN);
            }
            self.wqh.wait_event_interruptible(|| u64::MAX - *self.count.lock() > n)?;
        }
        self.wqh.wake_up_poll(POLLIN);
        Ok(8)
    }

    /// Linux: eventfd_poll().
    fn poll(&self, _f: &File, pt: Option<&mut PollTable>) -> Option<u32> {
        poll_wait(&self.wqh, pt);
        let count = *self.count.lock();
        let mut events = 0;
        if count > 0 {
            events |= POLLIN;
        }
        if count == u64::MAX {
            events |= POLLERR;
        }
        if u64::MAX - 1 > count {
            events |= POLLOUT;
        }
        Some(events)
    }

    fn name(&self) -> &'static str {
        "eventfd"
    }
}

/// Linux: do_eventfd() / SYSCALL_DEFINE2(eventfd2): EINVAL for flags other than EFD_CLOEXEC,
/// EFD_NONBLOCK and EFD_SEMAPHORE.
pub fn sys_eventfd2(count: u32, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !EFD_FLAGS_SET != 0 {
        return Err(EINVAL);
    }
    let ctx =
        EventFd { count: SpinLock::new(count as u64), semaphore: flags & EFD_SEMAPHORE != 0, wqh: WaitQueue::new() };
    let f = File::new(Arc::new(ctx), None, O_RDWR | (flags & EFD_NONBLOCK), String::from("anon_inode:[eventfd]"));
    super::file::fd_install(f, flags & EFD_CLOEXEC != 0)
}
