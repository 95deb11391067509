//! struct file and its operations: one open file description, from alloc_file() to the last
//! fput().  Linux: include/linux/fs.h (struct file, struct file_operations),
//! fs/file_table.c (alloc_file, __fput), include/uapi/asm-generic/poll.h (the poll bits).
//!
//! The fd tables that point at files are fs/file.rs.

use super::inode::Inode;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use linux_raw_sys::general as uapi;
use linux_raw_sys::general::{O_ACCMODE, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY};

/// Linux: files_stat.max_files (/proc/sys/fs/file-max): the open-file limit for unprivileged
/// users, set at boot by files_maxfiles_init().  Kept for the sysctl: MenuOS counts open files
/// per fd table (RLIMIT_NOFILE), not system-wide yet.
pub static MAX_FILES: AtomicU64 = AtomicU64::new(NR_FILE);
/// Linux: NR_FILE, the least file-max.
const NR_FILE: u64 = 8192;

/// Linux: files_maxfiles_init(): about 10% of the memory not in use at boot, in files of 1 KiB.
pub fn files_maxfiles_init() {
    let nr_pages = crate::mm::page_alloc::totalram_pages() as u64;
    let free = crate::mm::page_alloc::nr_free_pages() as u64;
    let memreserve = (nr_pages.saturating_sub(free) * 3 / 2).min(nr_pages.saturating_sub(1));
    let n = (nr_pages - memreserve) * (crate::mm::PAGE_SIZE as u64 / 1024) / 10;
    MAX_FILES.store(n.max(NR_FILE), Ordering::Relaxed);
}

// What f_op->poll reports: Linux's __poll_t, the EPOLL* bits (include/uapi/linux/eventpoll.h),
// which are the POLL* bits of include/uapi/asm-generic/poll.h on riscv.
pub const POLLIN: u32 = uapi::EPOLLIN;
pub const POLLPRI: u32 = uapi::EPOLLPRI;
pub const POLLOUT: u32 = uapi::EPOLLOUT;
pub const POLLERR: u32 = uapi::EPOLLERR;
pub const POLLHUP: u32 = uapi::EPOLLHUP;
pub const POLLNVAL: u32 = uapi::EPOLLNVAL;
pub const POLLRDNORM: u32 = uapi::EPOLLRDNORM;
pub const POLLRDBAND: u32 = uapi::EPOLLRDBAND;
pub const POLLWRNORM: u32 = uapi::EPOLLWRNORM;
pub const POLLWRBAND: u32 = uapi::EPOLLWRBAND;
pub const POLLRDHUP: u32 = uapi::EPOLLRDHUP;
/// Linux: DEFAULT_POLLMASK — what poll and select see for a file without a poll operation.
pub const DEFAULT_POLLMASK: u32 = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/// Linux: struct file_operations.  Defaults are what a file without the operation does.
/// `Any` lets a syscall that works on one kind of file (epoll_ctl, timerfd_settime) find its
/// own type behind the fd ([`File::ops_as`]); others get EINVAL or EBADF as in Linux.
pub trait FileOps: core::any::Any + Send + Sync {
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Err(EINVAL)
    }
    fn write(&self, _f: &File, _buf: &[u8]) -> KResult<usize> {
        Err(EINVAL)
    }
    /// A read at `pos` that leaves the file position alone (pread; Linux: ->read_iter with its
    /// own ppos).  None: the file only reads at its position (the VFS lends it one).
    fn read_at(&self, _f: &File, _buf: &mut [u8], _pos: u64) -> Option<KResult<usize>> {
        None
    }
    /// A write at `pos`, as read_at.
    fn write_at(&self, _f: &File, _buf: &[u8], _pos: u64) -> Option<KResult<usize>> {
        None
    }
    fn ioctl(&self, _f: &File, _cmd: usize, _arg: usize) -> KResult<usize> {
        Err(ENOTTY)
    }
    /// Linux: f_op->poll: the events ready now, and the caller registered (poll_wait()) on
    /// every wait queue whose wake-up may change them, when `pt` is given.  None: the file has
    /// no poll operation (Linux: f_op->poll == NULL): poll and select see DEFAULT_POLLMASK
    /// ([`vfs_poll`]) and epoll_ctl refuses it with EPERM.
    fn poll(&self, _f: &File, _pt: Option<&mut super::select::PollTable>) -> Option<u32> {
        None
    }
    fn seekable(&self) -> bool {
        false
    }
    /// Linux: FMODE_UNSIGNED_OFFSET — positions are addresses (/proc/PID/mem): a transfer may
    /// end past 2^63.
    fn unsigned_offsets(&self) -> bool {
        false
    }
    /// The file's own llseek (Linux: f_op->llseek), when it is not the generic one: the
    /// new position.  /dev/null and friends stay at 0 (null_lseek).
    fn llseek(&self, _f: &File, _offset: i64, _whence: u32) -> Option<KResult<u64>> {
        None
    }
    /// For pipes and FIFOs: the pipe (F_GETPIPE_SZ, F_SETPIPE_SZ, splice).
    fn pipe(&self) -> Option<&Arc<crate::fs::pipe::Pipe>> {
        None
    }
    /// For pidfds: the task.
    fn pidfd_task(&self) -> Option<crate::kernel::task::Task> {
        None
    }
    /// The object itself, for the syscalls that take only files of their own kind (fsconfig's
    /// filesystem context, move_mount's detached mount); None for the others.
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        None
    }
    fn name(&self) -> &'static str {
        "anon"
    }
    /// Linux: f_op->show_fdinfo: the lines this kind of file adds to /proc/PID/fdinfo/N.
    fn show_fdinfo(&self, _f: &File, _m: &mut alloc::string::String) {}
    /// Whether write() must read the user buffer at all (/dev/null does not: Linux's
    /// write_null never touches it, so a bad pointer is not EFAULT there).
    fn discards_writes(&self) -> bool {
        false
    }
}

/// Linux: struct file — one open file description, shared by dup'd fds and across fork.
pub struct File {
    pub ops: Arc<dyn FileOps>,
    pub inode: Option<Arc<Inode>>,
    pub pos: SpinLock<u64, class::FilePos>,
    pub flags: AtomicU32,
    pub path: String,
    /// This open holds write access to a regular inode (Linux: FMODE_WRITER).
    pub write_access: core::sync::atomic::AtomicBool,
    /// Linux: f_ep — the epoll items watching this file, removed at the last fput.
    pub f_ep: SpinLock<Vec<Weak<super::eventpoll::EpItem>>, class::Epoll>,
}

/// Linux: __fput(): the last reference is gone; epoll lets go of it (eventpoll_release()), its
/// flock and OFD locks go (locks_remove_file()), and an open for writing gives back its write
/// access (put_write_access()).
impl Drop for File {
    fn drop(&mut self) {
        let ep = core::mem::take(self.f_ep.get_mut());
        if !ep.is_empty() {
            super::eventpoll::eventpoll_release(ep);
        }
        if let Some(i) = &self.inode {
            i.locks.remove_file(self as *const File as usize);
            if self.write_access.load(Ordering::Relaxed) {
                i.writecount.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }
}

impl File {
    /// Linux: alloc_file().
    pub fn new(ops: Arc<dyn FileOps>, inode: Option<Arc<Inode>>, flags: u32, path: String) -> Arc<File> {
        Arc::new(File::init(ops, inode, flags, path))
    }
    /// Linux: alloc_file() -> alloc_empty_file(): ENOMEM when the file object cannot be had
    /// (a fault-injection site); what was handed in is dropped (released) then.
    pub fn try_new(ops: Arc<dyn FileOps>, inode: Option<Arc<Inode>>, flags: u32, path: String) -> KResult<Arc<File>> {
        crate::mm::slab::try_arc_with(|| File::init(ops, inode, flags, path))
    }
    /// The file in memory taken before (Linux: path_openat()'s alloc_empty_file(), made
    /// before an O_CREAT open creates the inode, so that its failure leaves no file behind).
    pub fn new_in(
        slot: crate::mm::slab::ArcSlot<File>,
        ops: Arc<dyn FileOps>,
        inode: Option<Arc<Inode>>,
        flags: u32,
        path: String,
    ) -> Arc<File> {
        slot.fill(File::init(ops, inode, flags, path))
    }
    fn init(ops: Arc<dyn FileOps>, inode: Option<Arc<Inode>>, flags: u32, path: String) -> File {
        File {
            ops,
            inode,
            pos: SpinLock::new(0),
            flags: AtomicU32::new(flags),
            path,
            write_access: core::sync::atomic::AtomicBool::new(false),
            f_ep: SpinLock::new(Vec::new()),
        }
    }
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }
    pub fn readable(&self) -> bool {
        self.flags() & O_PATH == 0 && self.flags() & O_ACCMODE != O_WRONLY
    }
    pub fn writable(&self) -> bool {
        self.flags() & O_PATH == 0 && self.flags() & O_ACCMODE != O_RDONLY
    }
    pub fn nonblock(&self) -> bool {
        self.flags() & O_NONBLOCK != 0
    }
    /// The file's operations as their own type, when they are a `T` (an epoll file for
    /// epoll_ctl, a timerfd for timerfd_settime, ...).
    pub fn ops_as<T: FileOps>(&self) -> Option<&T> {
        let any: &dyn core::any::Any = self.ops.as_ref();
        any.downcast_ref::<T>()
    }
    /// The same, as a reference of its own (an epoll item keeps its instance).
    pub fn ops_arc<T: FileOps>(&self) -> Option<Arc<T>> {
        let any: Arc<dyn core::any::Any + Send + Sync> = self.ops.clone();
        any.downcast::<T>().ok()
    }
}

/// Linux: vfs_poll(): the file's poll operation, or DEFAULT_POLLMASK without one.
pub fn vfs_poll(f: &File, pt: Option<&mut super::select::PollTable>) -> u32 {
    f.ops.poll(f, pt).unwrap_or(DEFAULT_POLLMASK)
}

/// Linux: file_can_poll(): whether the file has a poll operation (epoll needs one).
pub fn file_can_poll(f: &File) -> bool {
    f.ops.poll(f, None).is_some()
}
