//! poll and select: ppoll, pselect6, and the poll table every file's poll operation registers
//! its caller with.  Linux: fs/select.c (poll_initwait, __pollwait, pollwake,
//! poll_schedule_timeout, do_sys_poll, do_poll, core_sys_select, do_select,
//! poll_select_finish), include/linux/poll.h (poll_table, poll_wait).
//!
//! A poller does not poll on a clock: the first pass over its files hands each file's poll
//! operation a [`PollTable`], whose entry the file adds to the wait queues that matter
//! (poll_wait()); then the poller sleeps until one of those queues is woken (pollwake), its
//! timeout passes or a signal comes, and passes over the files again without registering.
//! epoll (eventpoll.rs) uses the same tables with one entry per watched file.

use super::file_table::{vfs_poll, File, POLLERR, POLLHUP, POLLNVAL};
use crate::arch::riscv::time::{cycles_to_ns, get_cycles, ns_to_cycles};
use crate::errno::*;
use crate::kernel::sched::wait::{WaitQueue, WakeFn};
use crate::kernel::signal::{restore_saved_sigmask_unless, set_user_sigmask, signal_pending};
use crate::kernel::task::{current, Task, TASK_INTERRUPTIBLE, TASK_RUNNING};
use crate::kernel::time::Timespec;
use crate::mm::uaccess::UserPtr;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use linux_raw_sys::general as uapi;

/// Linux: poll_table — what f_op->poll passes to poll_wait(): the wait entry to add to each
/// queue (poll's pollwake, or one epoll item's ep_poll_callback) and whether it is exclusive.
pub struct PollTable {
    entry: Weak<dyn WakeFn>,
    exclusive: bool,
}

impl PollTable {
    pub fn new(entry: Weak<dyn WakeFn>, exclusive: bool) -> Self {
        PollTable { entry, exclusive }
    }
}

/// Linux: poll_wait(): a file's poll operation names a wait queue whose wake-ups may change
/// its events; with a table, the table's entry is added to it.
pub fn poll_wait(wq: &WaitQueue, pt: Option<&mut PollTable>) {
    if let Some(pt) = pt {
        wq.add_wake_fn(pt.entry.clone(), pt.exclusive);
    }
}

/// Linux: struct poll_wqueues — one poll or select call's entry on every queue it waits on.
struct PollWqueues {
    task: Task,
    /// Set by a wake-up, so that a wake-up between the last pass and the sleep is not lost.
    triggered: AtomicBool,
}

/// Linux: pollwake(): a queue the poller registered on was woken.
impl WakeFn for PollWqueues {
    fn wake(&self, _key: u32) -> bool {
        self.triggered.store(true, Ordering::Release);
        crate::kernel::sched::wake_up_process(&self.task)
    }
}

/// Linux: poll_initwait(): a table whose entry wakes the current task.
fn poll_initwait() -> Arc<PollWqueues> {
    Arc::new(PollWqueues { task: current(), triggered: AtomicBool::new(false) })
}

/// Linux: poll_schedule_timeout(): sleep until a registered queue is woken, a signal comes
/// or `deadline` (timer cycles) passes; false once the deadline has passed.
fn poll_schedule_timeout(pwq: &PollWqueues, deadline: Option<u64>) -> bool {
    let cur = &pwq.task;
    cur.set_state(TASK_INTERRUPTIBLE);
    if !pwq.triggered.load(Ordering::Acquire) && !signal_pending(cur) {
        match deadline {
            Some(d) if get_cycles() >= d => {}
            Some(d) => {
                let key = crate::kernel::time::add_timeout(cur, d);
                crate::kernel::sched::schedule();
                crate::kernel::time::cancel_timeout(key);
            }
            None => crate::kernel::sched::schedule(),
        }
    }
    cur.set_state(TASK_RUNNING);
    pwq.triggered.store(false, Ordering::Release);
    deadline.is_none_or(|d| get_cycles() < d)
}

/// A poll or select timeout (Linux: the end_time timespec64 of poll_select_set_timeout()):
/// None waits for ever; a zero timeout only looks once.
#[derive(Clone, Copy)]
struct EndTime {
    /// In timer cycles (CLOCK_MONOTONIC's clocksource).
    deadline: u64,
    zero: bool,
}

/// Linux: poll_select_set_timeout(): EINVAL for an invalid timespec.
fn poll_select_set_timeout(tsp: Option<UserPtr<Timespec>>) -> KResult<Option<EndTime>> {
    let Some(tsp) = tsp else { return Ok(None) };
    let ts = tsp.read()?;
    let ns = ts.to_ns()?;
    Ok(Some(EndTime { deadline: get_cycles().saturating_add(ns_to_cycles(ns)), zero: ns == 0 }))
}

/// Linux: poll_select_finish(): the signal mask goes back (unless a signal interrupted us:
/// then the signal frame, or restore_saved_sigmask() if no handler runs, puts it back), and
/// the timespec gets the time left — unless it was zero.  If the time left cannot be written,
/// an interrupted call is not restarted (its timeout would start again): EINTR.
fn poll_select_finish(end: Option<EndTime>, tsp: Option<UserPtr<Timespec>>, ret: KResult<usize>) -> KResult<usize> {
    restore_saved_sigmask_unless(ret == Err(ERESTARTNOHAND));
    let (Some(tsp), Some(end)) = (tsp, end) else { return ret };
    if end.zero {
        return ret;
    }
    let left = cycles_to_ns(end.deadline.saturating_sub(get_cycles()));
    if tsp.write(&Timespec::from_ns(left)).is_ok() {
        return ret;
    }
    if ret == Err(ERESTARTNOHAND) {
        return Err(EINTR);
    }
    ret
}

crate::user_pod! {
    /// Linux: struct pollfd (include/uapi/asm-generic/poll.h).
    #[derive(Clone, Copy)]
    pub struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
}

/// Linux: do_pollfd(): one pollfd's events now (POLLNVAL for a closed fd, nothing for a
/// negative one), registering the caller when `pt` is given.
fn do_pollfd(p: &mut PollFd, pt: Option<&mut PollTable>) -> u32 {
    let mask = if p.fd < 0 {
        0
    } else {
        match super::file::fd_get(p.fd as u32) {
            Err(_) => POLLNVAL,
            Ok(f) => {
                let filter = p.events as u16 as u32 | POLLERR | POLLHUP;
                vfs_poll(&f, pt) & filter
            }
        }
    };
    p.revents = mask as u16 as i16;
    mask
}

/// Linux: do_poll(): pass over the fds until one is ready, the timeout passes or a signal
/// comes.  Only the first pass registers; once a file is ready the rest are not registered.
fn do_poll(fds: &mut [PollFd], end: Option<EndTime>) -> KResult<usize> {
    let pwq = poll_initwait();
    let entry: Weak<dyn WakeFn> = Arc::downgrade(&pwq) as Weak<dyn WakeFn>;
    let mut table = Some(PollTable::new(entry, false));
    let mut timed_out = false;
    if end.is_some_and(|e| e.zero) {
        table = None;
        timed_out = true;
    }
    loop {
        let mut count = 0;
        for p in fds.iter_mut() {
            if do_pollfd(p, table.as_mut()) != 0 {
                count += 1;
                table = None;
            }
        }
        table = None;
        if count == 0 && signal_pending(&pwq.task) {
            return Err(ERESTARTNOHAND);
        }
        if count > 0 || timed_out {
            return Ok(count);
        }
        if !poll_schedule_timeout(&pwq, end.map(|e| e.deadline)) {
            timed_out = true;
        }
    }
}

/// Linux: do_sys_poll(): EINVAL for more fds than RLIMIT_NOFILE; the revents are written back
/// whatever the outcome.
fn do_sys_poll(ufds: UserPtr<PollFd>, nfds: u32, end: Option<EndTime>) -> KResult<usize> {
    let nfds = nfds as usize;
    let limit = current().signal.rlimit(crate::kernel::signal::RLIMIT_NOFILE);
    if nfds as u64 > limit {
        return Err(EINVAL);
    }
    let mut fds = ufds.read_array(nfds)?;
    let r = do_poll(&mut fds, end);
    for (i, p) in fds.iter().enumerate() {
        let revents = core::mem::offset_of!(PollFd, revents);
        ufds.add(i).byte_add(revents).cast::<i16>().write(&p.revents)?;
    }
    r
}

/// Linux: SYSCALL_DEFINE5(ppoll): poll with a timespec timeout (updated with the time left)
/// and a signal mask for the duration of the call.
pub fn sys_ppoll(
    ufds: UserPtr<PollFd>,
    nfds: u32,
    tsp: Option<UserPtr<Timespec>>,
    sigmask: Option<UserPtr<u64>>,
    sigsetsize: usize,
) -> KResult<usize> {
    let end = poll_select_set_timeout(tsp)?;
    set_user_sigmask(sigmask, sigsetsize)?;
    let r = do_sys_poll(ufds, nfds, end);
    poll_select_finish(end, tsp, r)
}

// select's view of the poll bits (Linux: POLLIN_SET, POLLOUT_SET, POLLEX_SET in fs/select.c).
const POLLIN_SET: u32 = uapi::EPOLLRDNORM | uapi::EPOLLRDBAND | uapi::EPOLLIN | uapi::EPOLLHUP | uapi::EPOLLERR;
const POLLOUT_SET: u32 = uapi::EPOLLWRBAND | uapi::EPOLLWRNORM | uapi::EPOLLOUT | uapi::EPOLLERR;
const POLLEX_SET: u32 = uapi::EPOLLPRI;

/// fd_set words (Linux: FDS_BITPERLONG).
const FDS_BITPERLONG: usize = 64;

/// Linux: fdt->max_fds: the fd table's capacity as Linux grows it (NR_OPEN_DEFAULT, then
/// powers of two), which select clamps `n` to.
fn max_fds() -> usize {
    let cur = current();
    let len = cur.files.lock().as_ref().map_or(0, |f| f.fds.lock().len());
    if len <= super::file::NR_OPEN_DEFAULT {
        super::file::NR_OPEN_DEFAULT
    } else {
        len.next_power_of_two()
    }
}

/// Linux: get_fd_set(): `words` words of a user fd_set, zeros for NULL.
fn get_fd_set(u: Option<UserPtr<u64>>, words: usize) -> KResult<Vec<u64>> {
    match u {
        Some(u) => u.read_array(words),
        None => Ok(alloc::vec![0; words]),
    }
}

/// Linux: do_select(): like do_poll over the fds named in the three sets; EBADF when one of
/// them is not open (max_select_fd()).
fn do_select(n: usize, sets: &[Vec<u64>; 3], res: &mut [Vec<u64>; 3], end: Option<EndTime>) -> KResult<usize> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    // Linux: max_select_fd(): every fd named must be open.
    let mut named: Vec<(usize, Arc<File>)> = Vec::new();
    for fd in 0..n {
        let (w, b) = (fd / FDS_BITPERLONG, 1u64 << (fd % FDS_BITPERLONG));
        if (sets[0][w] | sets[1][w] | sets[2][w]) & b != 0 {
            named.push((fd, files.get(fd)?));
        }
    }
    drop(files);
    let pwq = poll_initwait();
    let entry: Weak<dyn WakeFn> = Arc::downgrade(&pwq) as Weak<dyn WakeFn>;
    let mut table = Some(PollTable::new(entry, false));
    let mut timed_out = false;
    if end.is_some_and(|e| e.zero) {
        table = None;
        timed_out = true;
    }
    loop {
        let mut count = 0;
        for (fd, f) in named.iter() {
            let (w, b) = (fd / FDS_BITPERLONG, 1u64 << (fd % FDS_BITPERLONG));
            let mask = vfs_poll(f, table.as_mut());
            for (i, set) in [POLLIN_SET, POLLOUT_SET, POLLEX_SET].iter().enumerate() {
                if sets[i][w] & b != 0 && mask & set != 0 && res[i][w] & b == 0 {
                    res[i][w] |= b;
                    count += 1;
                    table = None;
                }
            }
        }
        table = None;
        if count > 0 || timed_out || signal_pending(&pwq.task) {
            return Ok(count);
        }
        if !poll_schedule_timeout(&pwq, end.map(|e| e.deadline)) {
            timed_out = true;
        }
    }
}

/// Linux: core_sys_select(): EINVAL for n < 0; n is clamped to the fd table's size; the three
/// sets are read and written back as n bits rounded up to whole longs.
fn core_sys_select(n: i32, sets_u: [Option<UserPtr<u64>>; 3], end: Option<EndTime>) -> KResult<usize> {
    if n < 0 {
        return Err(EINVAL);
    }
    let n = (n as usize).min(max_fds());
    let words = n.div_ceil(FDS_BITPERLONG);
    let sets = [get_fd_set(sets_u[0], words)?, get_fd_set(sets_u[1], words)?, get_fd_set(sets_u[2], words)?];
    let mut res = [alloc::vec![0u64; words], alloc::vec![0u64; words], alloc::vec![0u64; words]];
    let ret = do_select(n, &sets, &mut res, end)?;
    if ret == 0 && signal_pending(&current()) {
        return Err(ERESTARTNOHAND);
    }
    for (u, r) in sets_u.iter().zip(res.iter()) {
        if let Some(u) = u {
            u.write_array(r)?;
        }
    }
    Ok(ret)
}

crate::user_pod! {
    /// Linux: struct sigset_argpack — pselect6's sixth argument: the mask and its size.
    #[derive(Clone, Copy)]
    pub struct SigsetArgpack {
        p: u64,
        size: u64,
    }
}

/// Linux: SYSCALL_DEFINE6(pselect6) -> do_pselect(): select with a timespec timeout (updated
/// with the time left) and a signal mask, passed as a {pointer, size} pair.
pub fn sys_pselect6(
    n: i32,
    inp: Option<UserPtr<u64>>,
    outp: Option<UserPtr<u64>>,
    exp: Option<UserPtr<u64>>,
    tsp: Option<UserPtr<Timespec>>,
    sig: Option<UserPtr<SigsetArgpack>>,
) -> KResult<usize> {
    let x = match sig {
        Some(s) => s.read()?,
        None => SigsetArgpack { p: 0, size: 0 },
    };
    let end = poll_select_set_timeout(tsp)?;
    set_user_sigmask(UserPtr::new(x.p as usize).non_null(), x.size as usize)?;
    let r = core_sys_select(n, [inp, outp, exp], end);
    poll_select_finish(end, tsp, r)
}
