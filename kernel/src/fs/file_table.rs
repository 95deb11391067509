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
use core::sync::atomic::{AtomicU32, Ordering};
use linux_raw_sys::general as uapi;
use linux_raw_sys::general::{O_ACCMODE, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY};

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

/// Linux: __fput(): the last reference is gone; an open for writing gives back its write
/// access (put_write_access()).
impl Drop for File {
    fn drop(&mut self) {
        if self.write_access.load(Ordering::Relaxed) {
            if let Some(i) = &self.inode {
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
