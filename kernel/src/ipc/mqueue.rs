//! POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify,
//! mq_getsetattr, and the mqueue filesystem that holds the queues of an IPC namespace.
//! Linux: ipc/mqueue.c (do_mq_open, prepare_open, mqueue_get_inode, do_mq_timedsend,
//! do_mq_timedreceive, do_mq_notify, __do_notify, do_mq_getsetattr, mqueue_read_file,
//! mqueue_poll_file, mq_init_ns), include/uapi/linux/mqueue.h.
//!
//! Each IPC namespace has one mqueue instance (a directory of queue inodes); mq_open's names
//! are names in it (glibc strips the leading '/'), and mounting "mqueue" shows the mounter's
//! namespace's instance, where each queue reads as its status line.  A queue's descriptor is
//! an open file of it (close-on-exec, as Linux's).  Messages come out by priority, FIFO within
//! one.  The bytes a queue may hold count against its creator's RLIMIT_MSGQUEUE
//! (kernel/ucount.rs).  Notification: SIGEV_NONE and SIGEV_SIGNAL; SIGEV_THREAD needs a
//! netlink socket (glibc makes one), which MenuOS cannot have: ENOTSOCK for the fd given.

use super::namespace::{current_ipc_ns, IpcNamespace};
use crate::errno::*;
use crate::fs::file_table::{File, FileOps, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use crate::fs::filesystems::FsType;
use crate::fs::inode::{Inode, InodeKind, S_IALLUGO, S_IFREG};
use crate::fs::namespace::NewTree;
use crate::fs::super_block::SuperBlock;
use crate::kernel::capability::{capable, CAP_SYS_RESOURCE};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::kernel::ucount::{RlimitType, UCounts};
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, Ordering};
use linux_raw_sys::general::{O_ACCMODE, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};

/// Linux: MQ_PRIO_MAX.
const MQ_PRIO_MAX: u32 = 32768;
/// Linux: sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node) on 64-bit, what
/// mqueue_get_inode() counts per message besides the bytes.
const MSG_MSG_SIZE: u64 = 48;
const TREE_NODE_SIZE: u64 = 48;
const SIGEV_SIGNAL: i32 = linux_raw_sys::general::SIGEV_SIGNAL as i32;
const SIGEV_NONE: i32 = linux_raw_sys::general::SIGEV_NONE as i32;
const SIGEV_THREAD: i32 = linux_raw_sys::general::SIGEV_THREAD as i32;

crate::user_pod! {
    /// Linux: struct mq_attr.
    #[derive(Clone, Copy, Default)]
    pub struct MqAttr {
        pub mq_flags: i64,
        pub mq_maxmsg: i64,
        pub mq_msgsize: i64,
        pub mq_curmsgs: i64,
        pub reserved: [i64; 4],
    }
}

crate::user_pod! {
    /// Linux: struct sigevent (the part mq_notify reads: value, signo, notify; 64 bytes in
    /// all).
    #[derive(Clone, Copy, Default)]
    pub struct Sigevent {
        pub sigev_value: u64,
        pub sigev_signo: i32,
        pub sigev_notify: i32,
        pub rest: [u64; 6],
    }
}

/// A registered notification (Linux: info->notify, notify_owner).
#[derive(Clone)]
struct Notify {
    /// The process to tell (its number in the initial pid namespace) and its leader.
    owner: i32,
    task: Weak<crate::kernel::task::TaskStruct>,
    notify: i32,
    signo: i32,
}

impl Notify {
    /// Linux removes a registration when its owner closes the queue (mqueue_flush_file(), at
    /// the latest when it exits): an owner that has exited holds nothing.
    fn owner_alive(&self) -> bool {
        self.task.upgrade().is_some_and(|t| t.exit_state() == 0)
    }
}

/// What a queue's lock guards.
struct MqState {
    /// priority -> messages, oldest first.
    msgs: BTreeMap<u32, VecDeque<Vec<u8>>>,
    curmsgs: i64,
    /// Linux: qsize — the bytes of the messages queued.
    qsize: u64,
    notify: Option<Notify>,
    /// Receivers asleep waiting for a message (Linux: info->e_wait_q[RECV]): a message sent
    /// then goes to one of them, and nobody is notified.
    receivers: u32,
}

/// Linux: struct mqueue_inode_info.
pub struct MqInfo {
    maxmsg: i64,
    msgsize: i64,
    state: SpinLock<MqState, class::Mqueue>,
    /// Senders waiting for room and receivers waiting for a message.
    wq: WaitQueue,
    ns: Weak<IpcNamespace>,
    /// The RLIMIT_MSGQUEUE bytes charged to the creator (given back when the queue goes).
    charge: Option<(Arc<UCounts>, i64)>,
}

impl Drop for MqInfo {
    fn drop(&mut self) {
        if let Some((u, bytes)) = self.charge.take() {
            u.dec_rlimit(RlimitType::Msgqueue, bytes);
        }
        if let Some(ns) = self.ns.upgrade() {
            ns.mq.queues_count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The mqueue instance of an IPC namespace (Linux: ipc_ns->mq_mnt and mq_queues_count).
pub struct MqNamespace {
    pub root: Arc<Inode>,
    pub queues_count: AtomicI32,
}

impl MqNamespace {
    /// Linux: mq_init_ns(): the namespace's instance, an empty directory.
    pub fn new() -> MqNamespace {
        let sb = SuperBlock::new(FsType::Mqueue, 0, crate::kernel::user_namespace::init_user_ns().clone());
        let root = Inode::new_dir_of(Some(&sb), 0o1777, Weak::new(), "");
        MqNamespace { root, queues_count: AtomicI32::new(0) }
    }
}

impl Default for MqNamespace {
    fn default() -> Self {
        Self::new()
    }
}

/// Linux: mqueue_get_tree(): mounting "mqueue" shows the mounter's IPC namespace's queues.
pub fn mqueue_get_tree() -> KResult<NewTree> {
    let root = current_ipc_ns().mq.root.clone();
    Ok(NewTree { sb: root.sb().clone(), root })
}

/// An open queue (Linux: mqueue_file_operations).
pub struct MqFile(pub Arc<MqInfo>);

impl FileOps for MqFile {
    /// Linux: mqueue_read_file(): the status line.
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let text = status_line(&self.0);
        crate::fs::seq_file::seq_read(text.as_bytes(), f, buf)
    }
    /// Linux: mqueue_poll_file(): pollers wait on the queue's wait queue.
    fn poll(&self, _f: &File, pt: Option<&mut crate::fs::select::PollTable>) -> Option<u32> {
        crate::fs::select::poll_wait(&self.0.wq, pt);
        let st = self.0.state.lock();
        let mut m = 0;
        if st.curmsgs > 0 {
            m |= POLLIN | POLLRDNORM;
        }
        if st.curmsgs < self.0.maxmsg {
            m |= POLLOUT | POLLWRNORM;
        }
        Some(m)
    }
    fn name(&self) -> &'static str {
        "mqueue"
    }
}

/// Linux: the text of mqueue_read_file() (FILENT_SIZE bytes at most).
fn status_line(info: &MqInfo) -> String {
    let (qsize, notify) = {
        let st = info.state.lock();
        (st.qsize, st.notify.clone().filter(|n| n.owner_alive()))
    };
    let (notify, signo, pid) = match notify {
        Some(n) => (n.notify, if n.notify == SIGEV_SIGNAL { n.signo } else { 0 }, n.owner),
        None => (0, 0, 0),
    };
    format!(
        "QSIZE:{:<10} NOTIFY:{:<5} SIGNO:{:<5} NOTIFY_PID:{:<6}\n",
        qsize,
        notify,
        signo,
        if pid != 0 { crate::kernel::pid::pid_vnr(pid) } else { 0 }
    )
}

/// Opens a queue inode as a file (open(2) on a mounted mqueue instance, and mq_open).
pub fn open(info: &Arc<MqInfo>) -> KResult<Arc<dyn FileOps>> {
    Ok(Arc::new(MqFile(info.clone())))
}

/// Linux: mqueue_get_inode() for a queue: the attributes (defaults: the lesser of the
/// default and the maximum), their limits, and the RLIMIT_MSGQUEUE charge.
fn new_queue(ns: &Arc<IpcNamespace>, attr: Option<&MqAttr>) -> KResult<MqInfo> {
    let l = &ns.lim;
    let (mut maxmsg, mut msgsize) = (
        l.mq_msg_max.load(Ordering::Relaxed).min(l.mq_msg_default.load(Ordering::Relaxed)) as i64,
        l.mq_msgsize_max.load(Ordering::Relaxed).min(l.mq_msgsize_default.load(Ordering::Relaxed)) as i64,
    );
    if let Some(a) = attr {
        maxmsg = a.mq_maxmsg;
        msgsize = a.mq_msgsize;
    }
    if maxmsg <= 0 || msgsize <= 0 {
        return Err(EINVAL);
    }
    if capable(CAP_SYS_RESOURCE) {
        if maxmsg > super::ipc_sysctl::HARD_MSGMAX || msgsize > super::ipc_sysctl::HARD_MSGSIZEMAX {
            return Err(EINVAL);
        }
    } else if maxmsg > l.mq_msg_max.load(Ordering::Relaxed) as i64
        || msgsize > l.mq_msgsize_max.load(Ordering::Relaxed) as i64
    {
        return Err(EINVAL);
    }
    let (m, s) = (maxmsg as u64, msgsize as u64);
    let bytes = m.checked_mul(s).ok_or(EOVERFLOW)?;
    let tree = m * MSG_MSG_SIZE + m.min(MQ_PRIO_MAX as u64) * TREE_NODE_SIZE;
    let bytes = bytes.checked_add(tree).ok_or(EOVERFLOW)? as i64;
    let u = crate::kernel::cred::current_ucounts();
    let total = u.inc_rlimit(RlimitType::Msgqueue, bytes);
    let limit = crate::kernel::task::current().signal.rlimit(crate::kernel::signal_types::RLIMIT_MSGQUEUE);
    if total == i64::MAX || total as u64 > limit {
        u.dec_rlimit(RlimitType::Msgqueue, bytes);
        return Err(EMFILE);
    }
    Ok(MqInfo {
        maxmsg,
        msgsize,
        state: SpinLock::new(MqState { msgs: BTreeMap::new(), curmsgs: 0, qsize: 0, notify: None, receivers: 0 }),
        wq: WaitQueue::new(),
        ns: Arc::downgrade(ns),
        charge: Some((u, bytes)),
    })
}

/// A queue name's checks: getname()'s ENOENT for an empty one, lookup_one_len()'s EACCES for
/// '/', "." or "..", and simple_lookup()'s ENAMETOOLONG past NAME_MAX.
fn check_name(name: &[u8]) -> KResult<()> {
    if name.is_empty() {
        return Err(ENOENT);
    }
    if name.contains(&b'/') || name == b"." || name == b".." {
        return Err(EACCES);
    }
    if name.len() > linux_raw_sys::general::NAME_MAX as usize {
        return Err(ENAMETOOLONG);
    }
    Ok(())
}

/// The queue inode of an open file (EBADF for any other file).
fn mq_of(f: &File) -> KResult<Arc<MqInfo>> {
    match f.inode.as_ref().map(|i| &i.kind) {
        Some(InodeKind::Mqueue(info)) => Ok(info.clone()),
        _ => Err(EBADF),
    }
}

/// Linux: SYSCALL_DEFINE4(mq_open) -> do_mq_open() + prepare_open().
pub fn sys_mq_open(u_name: UserCStr, oflag: i32, mode: u32, u_attr: Option<UserPtr<MqAttr>>) -> KResult<usize> {
    let attr = u_attr.map(|p| p.read()).transpose()?;
    let name = u_name.read_path()?;
    check_name(&name)?;
    let oflag = oflag as u32;
    let ns = current_ipc_ns();
    let root = ns.mq.root.clone();
    let ino = match root.lookup(&name) {
        Ok(ino) => {
            if oflag & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
                return Err(EEXIST);
            }
            if oflag & O_ACCMODE == O_RDWR | O_WRONLY {
                return Err(EINVAL);
            }
            ino
        }
        Err(_) if oflag & O_CREAT == 0 => return Err(ENOENT),
        Err(_) => {
            // Linux: mqueue_create_attr(): at most queues_max queues without CAP_SYS_RESOURCE.
            if ns.mq.queues_count.load(Ordering::Relaxed) >= ns.lim.mq_queues_max.load(Ordering::Relaxed)
                && !capable(CAP_SYS_RESOURCE)
            {
                return Err(ENOSPC);
            }
            let info = new_queue(&ns, attr.as_ref())?;
            ns.mq.queues_count.fetch_add(1, Ordering::Relaxed);
            let umask = crate::fs::fs_struct::current_umask();
            // Linux: mqueue_get_inode(): new_inode() / the info's allocation fail with ENOMEM
            // (a queue that is not made is not counted: dropping `info` uncounts it).
            let info = crate::mm::slab::try_arc(info)?;
            let ino = Inode::try_new(S_IFREG | (mode & S_IALLUGO & !umask), InodeKind::Mqueue(info))?;
            // Linux: mqueue_get_inode(): the creator's fsuid and fsgid.
            ino.uid.store(crate::kernel::cred::current_fsuid(), Ordering::Relaxed);
            ino.gid.store(crate::kernel::cred::current_fsgid(), Ordering::Relaxed);
            root.link(&name, ino.clone())?;
            ino
        }
    };
    let file = crate::fs::open::open_inode(
        ino,
        oflag & (O_ACCMODE | O_NONBLOCK),
        format!("/{}", String::from_utf8_lossy(&name)),
    )?;
    // Linux: the descriptor is close-on-exec (get_unused_fd_flags(O_CLOEXEC)).
    crate::fs::fd_install(file, true)
}

/// Linux: SYSCALL_DEFINE1(mq_unlink): the name goes; open descriptors keep the queue.
pub fn sys_mq_unlink(u_name: UserCStr) -> KResult<usize> {
    let name = u_name.read_path()?;
    check_name(&name)?;
    let root = current_ipc_ns().mq.root.clone();
    root.lookup(&name)?;
    root.unlink(&name, false)?;
    Ok(0)
}

/// An absolute CLOCK_REALTIME timeout as a deadline in timer cycles (EINVAL for an invalid
/// time; Linux: prepare_timeout()).
fn deadline_of(t: Option<UserPtr<crate::kernel::time::Timespec>>) -> KResult<Option<u64>> {
    let Some(t) = t else { return Ok(None) };
    let ts = t.read()?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(EINVAL);
    }
    let abs = (ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64);
    let now = crate::kernel::time::timekeeping::ktime_get_real_ns();
    let left = abs.saturating_sub(now);
    let cycles = crate::arch::riscv::time::get_cycles().saturating_add(crate::arch::riscv::time::ns_to_cycles(left));
    Ok(Some(cycles.max(1)))
}

/// Linux: wq_sleep(): until `cond` holds, the deadline passes (ETIMEDOUT) or a signal comes
/// (ERESTARTSYS).
fn wq_sleep(info: &MqInfo, deadline: Option<u64>, cond: impl FnMut() -> bool) -> KResult<()> {
    match deadline {
        Some(d) => info.wq.wait_event_timeout(cond, d),
        None => info.wq.wait_event_interruptible(cond),
    }
}

/// Linux: __do_notify(): the queue went from empty to not empty with nobody receiving: the
/// registered process hears of it once.
fn do_notify(n: Notify) {
    if n.notify != SIGEV_SIGNAL || n.signo == 0 {
        return;
    }
    let Some(task) = n.task.upgrade().filter(|t| t.exit_state() == 0) else { return };
    let si = crate::kernel::signal::SigInfo {
        signo: n.signo,
        code: linux_raw_sys::general::SI_MESGQ,
        // (the sender's pid and uid, which the send translates into the owner's namespaces)
        pid: crate::kernel::task::with_current(|c| c.tgid()),
        uid: crate::kernel::signal::sender_uid(),
        ..Default::default()
    };
    crate::kernel::signal::kill_process(&task, n.signo, si);
}

/// Linux: SYSCALL_DEFINE5(mq_timedsend) -> do_mq_timedsend().
pub fn sys_mq_timedsend(
    mqdes: i32,
    u_msg_ptr: UserPtr<u8>,
    msg_len: usize,
    msg_prio: u32,
    u_abs_timeout: Option<UserPtr<crate::kernel::time::Timespec>>,
) -> KResult<usize> {
    let deadline = deadline_of(u_abs_timeout)?;
    if msg_prio >= MQ_PRIO_MAX {
        return Err(EINVAL);
    }
    let f = crate::fs::fd_get(mqdes as u32)?;
    let info = mq_of(&f)?;
    if f.flags() & O_ACCMODE == O_RDONLY {
        return Err(EBADF);
    }
    if msg_len as i64 > info.msgsize {
        return Err(EMSGSIZE);
    }
    let mut msg = crate::mm::util::kvcalloc::<u8>(msg_len, ENOMEM)?;
    u_msg_ptr.copy_in(&mut msg)?;
    loop {
        let notify = {
            let mut st = info.state.lock();
            if st.curmsgs < info.maxmsg {
                st.msgs.entry(msg_prio).or_default().push_back(core::mem::take(&mut msg));
                st.curmsgs += 1;
                st.qsize += msg_len as u64;
                // Linux: __do_notify() when the queue was empty (and nobody waits to receive:
                // a waiting receiver takes the message first, so then nobody is told).
                let n = if st.curmsgs == 1 && st.receivers == 0 { st.notify.take() } else { None };
                Some(n)
            } else if f.nonblock() {
                return Err(EAGAIN);
            } else {
                None
            }
        };
        match notify {
            Some(n) => {
                if let Some(n) = n {
                    do_notify(n);
                }
                info.wq.wake_up_all();
                return Ok(0);
            }
            None => wq_sleep(&info, deadline, || info.state.lock().curmsgs < info.maxmsg)?,
        }
    }
}

/// Linux: SYSCALL_DEFINE5(mq_timedreceive) -> do_mq_timedreceive(): the oldest message of the
/// highest priority; its length.
pub fn sys_mq_timedreceive(
    mqdes: i32,
    u_msg_ptr: UserPtr<u8>,
    msg_len: usize,
    u_msg_prio: Option<UserPtr<u32>>,
    u_abs_timeout: Option<UserPtr<crate::kernel::time::Timespec>>,
) -> KResult<usize> {
    let deadline = deadline_of(u_abs_timeout)?;
    let f = crate::fs::fd_get(mqdes as u32)?;
    let info = mq_of(&f)?;
    if f.flags() & O_ACCMODE == O_WRONLY {
        return Err(EBADF);
    }
    if (msg_len as i64) < info.msgsize {
        return Err(EMSGSIZE);
    }
    let (prio, msg) = loop {
        let got = {
            let mut st = info.state.lock();
            if st.curmsgs > 0 {
                let prio = *st.msgs.keys().next_back().unwrap();
                let q = st.msgs.get_mut(&prio).unwrap();
                let m = q.pop_front().unwrap();
                if q.is_empty() {
                    st.msgs.remove(&prio);
                }
                st.curmsgs -= 1;
                st.qsize -= m.len() as u64;
                Some((prio, m))
            } else if f.nonblock() {
                return Err(EAGAIN);
            } else {
                None
            }
        };
        match got {
            Some(x) => {
                info.wq.wake_up_all();
                break x;
            }
            None => {
                info.state.lock().receivers += 1;
                let r = wq_sleep(&info, deadline, || info.state.lock().curmsgs > 0);
                info.state.lock().receivers -= 1;
                r?
            }
        }
    };
    if let Some(p) = u_msg_prio {
        p.write(&prio)?;
    }
    u_msg_ptr.copy_out(&msg)?;
    Ok(msg.len())
}

/// Linux: SYSCALL_DEFINE2(mq_notify) -> do_mq_notify(): register (or, with NULL, remove) the
/// caller as the process told when a message arrives in the empty queue; EBUSY when another
/// is registered.
pub fn sys_mq_notify(mqdes: i32, u_notification: Option<UserPtr<Sigevent>>) -> KResult<usize> {
    let n = u_notification.map(|p| p.read()).transpose()?;
    if let Some(n) = &n {
        if n.sigev_notify != SIGEV_NONE && n.sigev_notify != SIGEV_SIGNAL && n.sigev_notify != SIGEV_THREAD {
            return Err(EINVAL);
        }
        if n.sigev_notify == SIGEV_SIGNAL && !crate::kernel::signal::valid_signal(n.sigev_signo) {
            return Err(EINVAL);
        }
        if n.sigev_notify == SIGEV_THREAD {
            // Linux: the fd in sigev_signo must be a netlink socket (netlink_getsockbyfilp()).
            crate::fs::fd_get(n.sigev_signo as u32)?;
            return Err(ENOTSOCK);
        }
    }
    let f = crate::fs::fd_get(mqdes as u32)?;
    let info = mq_of(&f)?;
    let cur = crate::kernel::task::current();
    let me = cur.tgid();
    let leader = cur.rel.lock().group_leader.clone().unwrap_or_else(|| Arc::downgrade(&cur));
    let mut st = info.state.lock();
    match n {
        None => {
            if st.notify.as_ref().is_some_and(|x| x.owner == me) {
                st.notify = None;
            }
        }
        Some(_) if st.notify.as_ref().is_some_and(|x| x.owner_alive()) => {
            return Err(EBUSY);
        }
        Some(n) => st.notify = Some(Notify { owner: me, task: leader, notify: n.sigev_notify, signo: n.sigev_signo }),
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE3(mq_getsetattr): the attributes (mq_flags: the descriptor's
/// O_NONBLOCK), and a new O_NONBLOCK.
pub fn sys_mq_getsetattr(
    mqdes: i32,
    u_mqstat: Option<UserPtr<MqAttr>>,
    u_omqstat: Option<UserPtr<MqAttr>>,
) -> KResult<usize> {
    let new = u_mqstat.map(|p| p.read()).transpose()?;
    if new.is_some_and(|n| n.mq_flags & !(O_NONBLOCK as i64) != 0) {
        return Err(EINVAL);
    }
    let f = crate::fs::fd_get(mqdes as u32)?;
    let info = mq_of(&f)?;
    let old = MqAttr {
        mq_flags: (f.flags() & O_NONBLOCK) as i64,
        mq_maxmsg: info.maxmsg,
        mq_msgsize: info.msgsize,
        mq_curmsgs: info.state.lock().curmsgs,
        ..Default::default()
    };
    if let Some(n) = new {
        let fl = f.flags();
        f.flags.store((fl & !O_NONBLOCK) | (n.mq_flags as u32 & O_NONBLOCK), Ordering::Relaxed);
    }
    if let Some(o) = u_omqstat {
        o.write(&old)?;
    }
    Ok(0)
}
