//! ppoll.  Linux: fs/select.c (do_sys_poll, do_poll, poll_select_finish), struct pollfd
//! (include/uapi/asm-generic/poll.h).

use super::file_table::{POLLERR, POLLHUP, POLLNVAL};
use crate::arch::riscv::time::{freq, get_cycles, ns_to_cycles};
use crate::errno::*;
use crate::kernel::task::current;
use crate::kernel::time::{Timespec, HZ};
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::Ordering;

/// Linux: NR_OPEN (include/linux/fs.h), the most fds a table can grow to.
const NR_OPEN: usize = 1024 * 1024;
/// Linux: ERESTARTNOHAND (include/linux/errno.h): restart unless a handler ran, then EINTR.
const ERESTARTNOHAND: Errno = Errno(514);

crate::user_pod! {
    #[derive(Clone, Copy)]
    pub struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
}

/// Linux: do_sys_poll(): ppoll/poll.  Polls every file once a tick until one is ready, the
/// timeout passes or a signal comes (the files' poll_queue()s are not slept on yet).
pub fn sys_ppoll(
    ufds: UserPtr<PollFd>,
    nfds: u32,
    tsp: Option<UserPtr<Timespec>>,
    sigmask: Option<UserPtr<u64>>,
    _sigsetsize: usize,
) -> KResult<usize> {
    let nfds = nfds as usize;
    if nfds > NR_OPEN {
        return Err(EINVAL);
    }
    let mut fds = ufds.read_array(nfds)?;
    let deadline = if let Some(tsp) = tsp {
        let ts = tsp.read()?;
        Some(get_cycles() + ns_to_cycles(ts.to_ns()?))
    } else {
        None
    };
    let cur = current();
    let saved = if let Some(sigmask) = sigmask {
        let m = sigmask.read()?;
        Some(cur.blocked.swap(m, Ordering::Relaxed))
    } else {
        None
    };
    let files = cur.files.lock().clone();
    let r = loop {
        let mut ready = 0;
        for p in fds.iter_mut() {
            p.revents = 0;
            if p.fd < 0 {
                continue;
            }
            let f = files.as_ref().and_then(|fs| fs.get(p.fd as usize).ok());
            let ev = match f {
                None => POLLNVAL,
                Some(f) => f.ops.poll(&f) & (p.events as u16 | POLLERR | POLLHUP),
            };
            p.revents = ev as i16;
            if ev != 0 {
                ready += 1;
            }
        }
        if ready > 0 {
            break Ok(ready);
        }
        if let Some(d) = deadline {
            if get_cycles() >= d {
                break Ok(0);
            }
        }
        if crate::kernel::signal::signal_pending(&cur) {
            break Err(ERESTARTNOHAND);
        }
        // Sleep until the next tick or the deadline: poll is rare on hot paths here.
        let tick = get_cycles() + freq() / HZ;
        let until = deadline.map_or(tick, |d| d.min(tick));
        let _ = crate::kernel::time::schedule_timeout_interruptible(until);
    };
    if let Some(old) = saved {
        if r.is_err() {
            *cur.saved_sigmask.lock() = Some(old);
        } else {
            cur.blocked.store(old, Ordering::Relaxed);
        }
    }
    let n = r?;
    for (i, p) in fds.iter().enumerate() {
        let revents = core::mem::offset_of!(PollFd, revents);
        ufds.add(i).cast::<u8>().byte_add(revents).cast::<i16>().write(&p.revents)?;
    }
    Ok(n)
}
