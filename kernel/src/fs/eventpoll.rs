//! epoll.  Linux: fs/eventpoll.c (struct eventpoll, struct epitem, ep_insert, ep_modify,
//! ep_remove, ep_poll_callback, ep_send_events, ep_poll, ep_loop_check, eventpoll_release,
//! do_epoll_ctl, do_epoll_wait and the syscalls), include/uapi/linux/eventpoll.h.
//!
//! An epoll instance keeps one item per watched (file, fd) pair.  Adding an item polls its
//! file with a [`PollTable`] whose entry is the item itself, so the file's wait queues call
//! the item (ep_poll_callback) when something happens; the callback puts the item on the
//! ready list and wakes epoll_wait.  epoll_wait polls the ready items again and reports those
//! still ready: level-triggered items go back on the ready list, edge-triggered ones wait for
//! the next callback, one-shot ones are disabled until EPOLL_CTL_MOD.  An epoll file can be
//! watched itself (by poll, select or another epoll): it is readable while an item is ready.
//!
//! Items live while their epoll and their file do: the file's last close removes them
//! (eventpoll_release(), from File's drop), closing the epoll frees them all.

use super::file_table::*;
use super::select::{poll_wait, PollTable};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::{WaitQueue, WakeFn};
use crate::kernel::task::current;
use crate::kernel::time::Timespec;
use crate::mm::uaccess::UserPtr;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use linux_raw_sys::general as uapi;
use linux_raw_sys::general::{EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, O_RDWR};

const EPOLLIN: u32 = uapi::EPOLLIN;
const EPOLLOUT: u32 = uapi::EPOLLOUT;
const EPOLLERR: u32 = uapi::EPOLLERR;
const EPOLLHUP: u32 = uapi::EPOLLHUP;
const EPOLLRDNORM: u32 = uapi::EPOLLRDNORM;
const EPOLLET: u32 = uapi::EPOLLET;
const EPOLLONESHOT: u32 = uapi::EPOLLONESHOT;
const EPOLLWAKEUP: u32 = uapi::EPOLLWAKEUP;
const EPOLLEXCLUSIVE: u32 = uapi::EPOLLEXCLUSIVE;

/// Linux: EP_PRIVATE_BITS — the flags of an item's events that are not events.
const EP_PRIVATE_BITS: u32 = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/// Linux: EPOLLINOUT_BITS.
const EPOLLINOUT_BITS: u32 = EPOLLIN | EPOLLOUT;
/// Linux: EPOLLEXCLUSIVE_OK_BITS — what an EPOLLEXCLUSIVE item may ask for.
const EPOLLEXCLUSIVE_OK_BITS: u32 = EPOLLINOUT_BITS | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/// Linux: EP_MAX_NESTS — how deep epoll files may watch each other.
const EP_MAX_NESTS: usize = 4;
/// Linux: EP_MAX_EVENTS = INT_MAX / sizeof(struct epoll_event).
const EP_MAX_EVENTS: i32 = i32::MAX / core::mem::size_of::<EpollEvent>() as i32;
/// Linux: EP_ITEM_COST (sizeof(struct epitem) + sizeof(struct eppoll_entry) on 64-bit).
const EP_ITEM_COST: usize = 128 + 72;

crate::user_pod! {
    /// Linux: struct epoll_event (not packed on riscv64: 16 bytes).
    #[derive(Clone, Copy, Default)]
    pub struct EpollEvent {
        pub events: u32,
        pub _pad: u32,
        pub data: u64,
    }
}

/// Watches of all epoll instances (Linux: user->epoll_watches, per user; one user here).
static EPOLL_WATCHES: AtomicUsize = AtomicUsize::new(0);

/// Linux: max_user_watches: 4% of memory, in items (ENOSPC beyond).
fn max_user_watches() -> usize {
    crate::mm::page_alloc::nr_total_pages() / 25 * crate::mm::PAGE_SIZE / EP_ITEM_COST
}

/// Linux: struct epitem — one watched (file, fd) of one epoll instance.
pub struct EpItem {
    /// Linux: epi->ffd: the file (not kept open by the item) and the fd it was added as.
    file: Weak<File>,
    fd: i32,
    /// The epoll instance and its file (Linux: epi->ep, ep->file).
    ep: Weak<EventPoll>,
    ep_file: Weak<File>,
    /// Linux: epi->event — the events asked for with their flags, and the user's data.
    events: AtomicU32,
    data: AtomicU64,
    /// Linux: ep_is_linked(): on the ready list.
    linked: AtomicBool,
    me: Weak<EpItem>,
}

/// The rest of one watch: given back to the count when the item goes.
impl Drop for EpItem {
    fn drop(&mut self) {
        EPOLL_WATCHES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Linux: struct eventpoll.
pub struct EventPoll {
    inner: SpinLock<EpInner, class::Epoll>,
    /// Linux: ep->wq — epoll_wait's sleepers.
    wq: WaitQueue,
    /// Linux: ep->poll_wait — those polling the epoll file itself.
    poll_wait: WaitQueue,
}

struct EpInner {
    /// Linux: ep->rbr, keyed as ep_cmp_ffd() orders items: by file, then fd.
    items: BTreeMap<(usize, i32), Arc<EpItem>>,
    /// Linux: ep->rdllist.
    rdllist: VecDeque<Arc<EpItem>>,
}

fn file_key(f: &File) -> usize {
    f as *const File as usize
}

impl EventPoll {
    fn new() -> Self {
        EventPoll {
            inner: SpinLock::new(EpInner { items: BTreeMap::new(), rdllist: VecDeque::new() }),
            wq: WaitQueue::new(),
            poll_wait: WaitQueue::new(),
        }
    }

    /// Linux: ep_events_available().
    fn events_available(&self) -> bool {
        !self.inner.lock().rdllist.is_empty()
    }

    /// Puts `epi` on the ready list and wakes epoll_wait and the epoll file's pollers.
    /// (Linux wakes on every callback, linked or not: an edge-triggered outer epoll hears each.)
    fn ready(&self, epi: &Arc<EpItem>) {
        {
            let mut inner = self.inner.lock();
            if !epi.linked.swap(true, Ordering::AcqRel) {
                inner.rdllist.push_back(epi.clone());
            }
        }
        self.wq.wake_up_all();
        ep_poll_safewake(self);
    }

    /// Linux: ep_remove(): the item leaves the instance (its wait entries die with it).
    fn remove(&self, epi: &EpItem) {
        let mut inner = self.inner.lock();
        inner.items.remove(&(epi.file.as_ptr() as usize, epi.fd));
        if epi.linked.swap(false, Ordering::AcqRel) {
            inner.rdllist.retain(|x| !core::ptr::eq(Arc::as_ptr(x), epi));
        }
    }

    /// The items that are epoll files, with their instances (for the loop check).
    fn epoll_children(&self) -> Vec<Arc<File>> {
        let inner = self.inner.lock();
        inner.items.values().filter_map(|i| i.file.upgrade()).filter(|f| f.ops_as::<EventPoll>().is_some()).collect()
    }
}

/// Linux: ep_poll_safewake(): wake whoever polls the epoll file (an outer epoll, poll).
fn ep_poll_safewake(ep: &EventPoll) {
    ep.poll_wait.wake_up_poll(EPOLLIN);
}

/// Linux: ep_poll_callback(): a watched file's wait queue was woken with `key`.
impl WakeFn for EpItem {
    fn wake(&self, key: u32) -> bool {
        let events = self.events.load(Ordering::Acquire);
        let exclusive = events & EPOLLEXCLUSIVE != 0;
        let Some(ep) = self.ep.upgrade() else { return !exclusive };
        // No events left (a fired EPOLLONESHOT): disabled until EPOLL_CTL_MOD.
        if events & !EP_PRIVATE_BITS == 0 || (key != 0 && key & events == 0) {
            return !exclusive;
        }
        let Some(me) = self.me.upgrade() else { return !exclusive };
        let waiters = ep.wq.active();
        ep.ready(&me);
        if !exclusive {
            return true;
        }
        waiters
            && match key & EPOLLINOUT_BITS {
                EPOLLIN => events & EPOLLIN != 0,
                EPOLLOUT => events & EPOLLOUT != 0,
                0 => true,
                _ => false,
            }
    }
}

/// Linux: ep_item_poll(): the item's file's events that it asks for (0 once the file is gone),
/// registering the item when `pt` is given.
fn ep_item_poll(epi: &EpItem, pt: Option<&mut PollTable>) -> u32 {
    let Some(f) = epi.file.upgrade() else { return 0 };
    vfs_poll(&f, pt) & epi.events.load(Ordering::Acquire)
}

impl FileOps for EventPoll {
    /// Linux: ep_eventpoll_poll(): readable while an item is really ready; items on the
    /// ready list that are not ready any more leave it.
    fn poll(&self, _f: &File, pt: Option<&mut PollTable>) -> Option<u32> {
        poll_wait(&self.poll_wait, pt);
        let txlist: Vec<Arc<EpItem>> = self.inner.lock().rdllist.iter().cloned().collect();
        for epi in txlist {
            if ep_item_poll(&epi, None) != 0 {
                return Some(EPOLLIN | EPOLLRDNORM);
            }
            let mut inner = self.inner.lock();
            if epi.linked.swap(false, Ordering::AcqRel) {
                inner.rdllist.retain(|x| !Arc::ptr_eq(x, &epi));
            }
        }
        Some(0)
    }
    fn name(&self) -> &'static str {
        "eventpoll"
    }
}

/// Linux: eventpoll_release(): the file's last reference is gone; every epoll watching it
/// drops its item.  Called from File's drop with the items the file kept (Linux: f_ep).
pub fn eventpoll_release(items: Vec<Weak<EpItem>>) {
    for w in items {
        if let Some(epi) = w.upgrade() {
            if let Some(ep) = epi.ep.upgrade() {
                ep.remove(&epi);
            }
        }
    }
}

/// Linux: do_epoll_create() / SYSCALL_DEFINE1(epoll_create1): EINVAL for flags other than
/// EPOLL_CLOEXEC.
pub fn sys_epoll_create1(flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    let f = File::new(Arc::new(EventPoll::new()), None, O_RDWR, String::from("anon_inode:[eventpoll]"));
    super::file::fd_install(f, flags & EPOLL_CLOEXEC != 0)
}

/// Linux: ep_loop_check_proc(): how deep epoll files go below `ep` (more than EP_MAX_NESTS
/// when `target` is among them: a loop).
fn ep_loop_check_proc(ep: &EventPoll, target: &EventPoll, depth: usize) -> usize {
    let mut result = 0;
    for f in ep.epoll_children() {
        let Some(child) = f.ops_as::<EventPoll>() else { continue };
        if core::ptr::eq(child, target) || depth > EP_MAX_NESTS {
            return EP_MAX_NESTS + 1;
        }
        result = result.max(ep_loop_check_proc(child, target, depth + 1) + 1);
        if result > EP_MAX_NESTS {
            break;
        }
    }
    result
}

/// Linux: ep_get_upwards_depth_proc(): how many epoll files watch `f`, transitively.
fn ep_get_upwards_depth(f: &File, depth: usize) -> usize {
    if depth > EP_MAX_NESTS {
        return depth;
    }
    let watchers: Vec<Arc<File>> = f.f_ep.lock().iter().filter_map(|w| w.upgrade()?.ep_file.upgrade()).collect();
    watchers.iter().map(|w| ep_get_upwards_depth(w, depth + 1) + 1).max().unwrap_or(0)
}

/// Linux: ep_loop_check(): adding epoll `tep` to `ep` must close no loop and make no chain
/// of epoll files deeper than EP_MAX_NESTS.
fn ep_loop_check(ep_file: &File, ep: &EventPoll, tep: &EventPoll) -> bool {
    let depth = ep_loop_check_proc(tep, ep, 0);
    if depth > EP_MAX_NESTS {
        return false;
    }
    depth + 1 + ep_get_upwards_depth(ep_file, 0) <= EP_MAX_NESTS
}

/// Linux: ep_insert(): a new item, registered on the file's wait queues, and on the ready
/// list at once when the file is ready already.
fn ep_insert(ep_file: &Arc<File>, ep: &Arc<EventPoll>, event: EpollEvent, tfile: &Arc<File>, fd: i32) -> KResult<()> {
    if EPOLL_WATCHES.fetch_add(1, Ordering::Relaxed) >= max_user_watches() {
        EPOLL_WATCHES.fetch_sub(1, Ordering::Relaxed);
        return Err(ENOSPC);
    }
    let epi = Arc::new_cyclic(|me| EpItem {
        file: Arc::downgrade(tfile),
        fd,
        ep: Arc::downgrade(ep),
        ep_file: Arc::downgrade(ep_file),
        events: AtomicU32::new(event.events),
        data: AtomicU64::new(event.data),
        linked: AtomicBool::new(false),
        me: me.clone(),
    });
    ep.inner.lock().items.insert((file_key(tfile), fd), epi.clone());
    {
        let mut fe = tfile.f_ep.lock();
        fe.retain(|w| w.strong_count() > 0);
        fe.push(Arc::downgrade(&epi));
    }
    let entry: Weak<dyn WakeFn> = Arc::downgrade(&epi) as Weak<dyn WakeFn>;
    let mut pt = PollTable::new(entry, event.events & EPOLLEXCLUSIVE != 0);
    if ep_item_poll(&epi, Some(&mut pt)) != 0 {
        ep.ready(&epi);
    }
    Ok(())
}

/// Linux: ep_modify(): new events and data; on the ready list at once if now ready.
fn ep_modify(ep: &EventPoll, epi: &Arc<EpItem>, event: EpollEvent) {
    epi.events.store(event.events, Ordering::Release);
    epi.data.store(event.data, Ordering::Release);
    if ep_item_poll(epi, None) != 0 {
        ep.ready(epi);
    }
}

/// Linux: ep_op_has_event(): every op but EPOLL_CTL_DEL reads an event.
fn ep_op_has_event(op: i32) -> bool {
    op != EPOLL_CTL_DEL as i32
}

/// Linux: do_epoll_ctl(): EBADF for bad fds, EPERM for a file without poll, EINVAL for an
/// epfd that is no epoll, the epoll itself, a bad op or a misused EPOLLEXCLUSIVE, ELOOP for
/// a loop or too deep nesting, EEXIST / ENOENT for an item there or not.
pub fn sys_epoll_ctl(epfd: i32, op: i32, fd: i32, event: Option<UserPtr<EpollEvent>>) -> KResult<usize> {
    let mut epds = EpollEvent::default();
    if ep_op_has_event(op) {
        epds = event.ok_or(EFAULT)?.read()?;
    }
    let f = super::file::fd_get(epfd as u32)?;
    let tf = super::file::fd_get(fd as u32)?;
    if !file_can_poll(&tf) {
        return Err(EPERM);
    }
    // Linux: ep_take_care_of_epollwakeup(): no wakeup sources here (nor CONFIG_PM_SLEEP on
    // the reference Linux), so EPOLLWAKEUP is dropped.
    epds.events &= !EPOLLWAKEUP;
    let ep = f.ops_arc::<EventPoll>().ok_or(EINVAL)?;
    if Arc::ptr_eq(&f, &tf) {
        return Err(EINVAL);
    }
    let t_is_epoll = tf.ops_as::<EventPoll>();
    if ep_op_has_event(op) && epds.events & EPOLLEXCLUSIVE != 0 {
        if op == EPOLL_CTL_MOD as i32 {
            return Err(EINVAL);
        }
        if op == EPOLL_CTL_ADD as i32 && (t_is_epoll.is_some() || epds.events & !EPOLLEXCLUSIVE_OK_BITS != 0) {
            return Err(EINVAL);
        }
    }
    if op == EPOLL_CTL_ADD as i32 {
        if let Some(tep) = t_is_epoll {
            if !ep_loop_check(&f, &ep, tep) {
                return Err(ELOOP);
            }
        }
    }
    let epi = ep.inner.lock().items.get(&(file_key(&tf), fd)).cloned();
    match (op as u32, epi) {
        (EPOLL_CTL_ADD, None) => {
            epds.events |= EPOLLERR | EPOLLHUP;
            ep_insert(&f, &ep, epds, &tf, fd)?;
        }
        (EPOLL_CTL_ADD, Some(_)) => return Err(EEXIST),
        (EPOLL_CTL_DEL, Some(epi)) => ep.remove(&epi),
        (EPOLL_CTL_MOD, Some(epi)) => {
            if epi.events.load(Ordering::Acquire) & EPOLLEXCLUSIVE != 0 {
                return Err(EINVAL);
            }
            epds.events |= EPOLLERR | EPOLLHUP;
            ep_modify(&ep, &epi, epds);
        }
        (EPOLL_CTL_DEL | EPOLL_CTL_MOD, None) => return Err(ENOENT),
        _ => return Err(EINVAL),
    }
    Ok(0)
}

/// Linux: ep_send_events(): the ready items' events, up to `maxevents`, to user space.
/// Level-triggered items go back on the ready list; one-shot items are disabled.
fn ep_send_events(ep: &EventPoll, events: UserPtr<EpollEvent>, maxevents: usize) -> KResult<usize> {
    if crate::kernel::signal::fatal_signal_pending(&current()) {
        return Err(EINTR);
    }
    let mut txlist: VecDeque<Arc<EpItem>> = core::mem::take(&mut ep.inner.lock().rdllist);
    let mut res = 0;
    let mut requeue: Vec<Arc<EpItem>> = Vec::new();
    let mut err = None;
    while res < maxevents {
        let Some(epi) = txlist.pop_front() else { break };
        epi.linked.store(false, Ordering::Release);
        let revents = ep_item_poll(&epi, None);
        if revents == 0 {
            continue;
        }
        let ev = EpollEvent { events: revents, _pad: 0, data: epi.data.load(Ordering::Acquire) };
        if let Err(e) = events.add(res).write(&ev) {
            epi.linked.store(true, Ordering::Release);
            txlist.push_front(epi);
            if res == 0 {
                err = Some(e);
            }
            break;
        }
        res += 1;
        let evs = epi.events.load(Ordering::Acquire);
        if evs & EPOLLONESHOT != 0 {
            epi.events.store(evs & EP_PRIVATE_BITS, Ordering::Release);
        } else if evs & EPOLLET == 0 {
            requeue.push(epi);
        }
    }
    // Linux: ep_done_scan(): what was not looked at stays ready, before the requeued items.
    {
        let mut inner = ep.inner.lock();
        let newer = core::mem::take(&mut inner.rdllist);
        inner.rdllist = txlist;
        for epi in newer {
            inner.rdllist.push_back(epi);
        }
        for epi in requeue {
            if !epi.linked.swap(true, Ordering::AcqRel) {
                inner.rdllist.push_back(epi);
            }
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(res),
    }
}

/// Linux: ep_poll(): wait for ready items until `deadline` (timer cycles; None: for ever,
/// Some(0): do not wait) or a signal (EINTR: epoll_wait is never restarted).
fn ep_poll(ep: &EventPoll, events: UserPtr<EpollEvent>, maxevents: usize, deadline: Option<u64>) -> KResult<usize> {
    let mut timed_out = deadline == Some(0);
    let mut eavail = ep.events_available();
    let cur = current();
    loop {
        if eavail {
            let res = ep_send_events(ep, events, maxevents)?;
            if res != 0 {
                return Ok(res);
            }
        }
        if timed_out {
            return Ok(0);
        }
        if crate::kernel::signal::signal_pending(&cur) {
            return Err(EINTR);
        }
        let r = ep.wq.wait_event_timeout(|| ep.events_available(), deadline.unwrap_or(0));
        eavail = ep.events_available();
        match r {
            Err(ETIMEDOUT) => timed_out = true,
            Err(_) if !eavail => return Err(EINTR),
            _ => {}
        }
    }
}

/// Linux: do_epoll_wait(): EINVAL for maxevents outside 1..=EP_MAX_EVENTS or an fd that is no
/// epoll, EFAULT for an events array outside user space, EBADF for a closed fd.
fn do_epoll_wait(epfd: i32, events: UserPtr<EpollEvent>, maxevents: i32, deadline: Option<u64>) -> KResult<usize> {
    if maxevents <= 0 || maxevents > EP_MAX_EVENTS {
        return Err(EINVAL);
    }
    events.check(maxevents as usize)?;
    let f = super::file::fd_get(epfd as u32)?;
    let ep = f.ops_as::<EventPoll>().ok_or(EINVAL)?;
    ep_poll(ep, events, maxevents as usize, deadline)
}

/// Linux: do_epoll_pwait(): the wait with a temporary signal mask.
fn do_epoll_pwait(
    epfd: i32,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    deadline: Option<u64>,
    sigmask: Option<UserPtr<u64>>,
    sigsetsize: usize,
) -> KResult<usize> {
    crate::kernel::signal::set_user_sigmask(sigmask, sigsetsize)?;
    let r = do_epoll_wait(epfd, events, maxevents, deadline);
    crate::kernel::signal::restore_saved_sigmask_unless(r == Err(EINTR));
    r
}

/// Linux: SYSCALL_DEFINE6(epoll_pwait): the timeout in milliseconds, negative for none.
pub fn sys_epoll_pwait(
    epfd: i32,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    timeout: i32,
    sigmask: Option<UserPtr<u64>>,
    sigsetsize: usize,
) -> KResult<usize> {
    let deadline = match timeout {
        t if t < 0 => None,
        0 => Some(0),
        t => {
            Some(crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::ns_to_cycles(t as u64 * 1_000_000))
        }
    };
    do_epoll_pwait(epfd, events, maxevents, deadline, sigmask, sigsetsize)
}

/// Linux: SYSCALL_DEFINE6(epoll_pwait2): the timeout a timespec (NULL: none), EINVAL if
/// invalid; not updated.
pub fn sys_epoll_pwait2(
    epfd: i32,
    events: UserPtr<EpollEvent>,
    maxevents: i32,
    timeout: Option<UserPtr<Timespec>>,
    sigmask: Option<UserPtr<u64>>,
    sigsetsize: usize,
) -> KResult<usize> {
    let deadline = match timeout {
        None => None,
        Some(t) => match t.read()?.to_ns()? {
            0 => Some(0),
            ns => Some(crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::ns_to_cycles(ns)),
        },
    };
    do_epoll_pwait(epfd, events, maxevents, deadline, sigmask, sigsetsize)
}

/// Linux: get_epoll_tfile_raw_ptr() (for kcmp's KCMP_EPOLL_TFD): the file of the `toff`th item
/// added as fd `tfd`, in the order of the items; EINVAL for a file that is no epoll, ENOENT
/// without such an item.
pub fn get_epoll_tfile(ep_file: &File, tfd: i32, toff: usize) -> KResult<Arc<File>> {
    let ep = ep_file.ops_as::<EventPoll>().ok_or(EINVAL)?;
    let inner = ep.inner.lock();
    inner.items.values().filter(|i| i.fd == tfd).nth(toff).and_then(|i| i.file.upgrade()).ok_or(ENOENT)
}
