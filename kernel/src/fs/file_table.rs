//! struct file and its operations: one open file description, from alloc_file() to the last
//! fput().  Linux: include/linux/fs.h (struct file, struct file_operations),
//! fs/file_table.c (alloc_file, __fput), include/uapi/asm-generic/poll.h (the poll bits).
//!
//! The fd tables that point at files are fs/file.rs.

use super::inode::Inode;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::string::String;
use alloc::sync::Arc;
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

// What f_op->poll reports (Linux: include/uapi/asm-generic/poll.h; a u16 as in struct pollfd).
pub const POLLIN: u16 = uapi::POLLIN as u16;
pub const POLLPRI: u16 = uapi::POLLPRI as u16;
pub const POLLOUT: u16 = uapi::POLLOUT as u16;
pub const POLLERR: u16 = uapi::POLLERR as u16;
pub const POLLHUP: u16 = uapi::POLLHUP as u16;
pub const POLLNVAL: u16 = uapi::POLLNVAL as u16;
pub const POLLRDNORM: u16 = uapi::POLLRDNORM as u16;
pub const POLLWRNORM: u16 = uapi::POLLWRNORM as u16;

/// Linux: struct file_operations.  Defaults are what a file without the operation does.
pub trait FileOps: Send + Sync {
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
    /// Ready events now (Linux: f_op->poll without the wait table).
    fn poll(&self, _f: &File) -> u16 {
        POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM
    }
    /// The wait queue poll() sleeps on, if any.
    fn poll_queue(&self) -> Option<&crate::kernel::sched::wait::WaitQueue> {
        None
    }
    fn seekable(&self) -> bool {
        false
    }
    /// The file's own llseek (Linux: f_op->llseek), when it is not the generic one: the
    /// new position.  /dev/null and friends stay at 0 (null_lseek).
    fn llseek(&self, _f: &File, _offset: i64, _whence: u32) -> Option<KResult<u64>> {
        None
    }
    /// A mapping of this file is anonymous memory (Linux: mmap_zero() for /dev/zero).
    fn mmap_anonymous(&self) -> bool {
        false
    }
    /// For pipes and FIFOs: the pipe (F_GETPIPE_SZ, F_SETPIPE_SZ, splice).
    fn pipe(&self) -> Option<&Arc<crate::fs::pipe::Pipe>> {
        None
    }
    /// For pidfds: the task.
    fn pidfd_task(&self) -> Option<crate::kernel::task::Task> {
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
}

/// Linux: __fput(): the last reference is gone; its flock and OFD locks go
/// (locks_remove_file()), and an open for writing gives back its write access
/// (put_write_access()).
impl Drop for File {
    fn drop(&mut self) {
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
        Arc::new(File {
            ops,
            inode,
            pos: SpinLock::new(0),
            flags: AtomicU32::new(flags),
            path,
            write_access: core::sync::atomic::AtomicBool::new(false),
        })
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
}
