//! Open files and fd tables.  Linux: include/linux/fs.h (struct file, file_operations),
//! fs/file.c (files_struct, dup_fd, alloc_fd, close_fd), fs/fs_struct.c.

use super::inode::Inode;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

pub const O_ACCMODE: u32 = 0o3;
pub const O_RDONLY: u32 = 0;
pub const O_WRONLY: u32 = 1;
pub const O_RDWR: u32 = 2;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
pub const O_NOCTTY: u32 = 0o400;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_DIRECTORY: u32 = 0o200000;
pub const O_NOFOLLOW: u32 = 0o400000;
pub const O_CLOEXEC: u32 = 0o2000000;
pub const O_PATH: u32 = 0o10000000;
pub const O_LARGEFILE: u32 = 0o100000;

pub const POLLIN: u16 = 0x1;
pub const POLLPRI: u16 = 0x2;
pub const POLLOUT: u16 = 0x4;
pub const POLLERR: u16 = 0x8;
pub const POLLHUP: u16 = 0x10;
pub const POLLNVAL: u16 = 0x20;
pub const POLLRDNORM: u16 = 0x40;
pub const POLLWRNORM: u16 = 0x100;

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

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<File>,
    pub cloexec: bool,
}

/// Linux: struct files_struct / fdtable
pub struct FilesStruct {
    pub fds: SpinLock<Vec<Option<FdEntry>>, class::FilesTable>,
}

pub const NR_OPEN_DEFAULT: usize = 1024;

impl FilesStruct {
    pub fn new() -> Arc<FilesStruct> {
        Arc::new(FilesStruct { fds: SpinLock::new(Vec::new()) })
    }
    /// Linux: dup_fd()
    pub fn dup(&self) -> KResult<Arc<FilesStruct>> {
        let v = self.fds.lock().clone();
        Ok(Arc::new(FilesStruct { fds: SpinLock::new(v) }))
    }
    pub fn get(&self, fd: usize) -> KResult<Arc<File>> {
        self.fds.lock().get(fd).and_then(|e| e.as_ref()).map(|e| e.file.clone()).ok_or(EBADF)
    }
    pub fn get_entry(&self, fd: usize) -> KResult<FdEntry> {
        self.fds.lock().get(fd).and_then(|e| e.clone()).ok_or(EBADF)
    }
    /// Linux: alloc_fd(start) + fd_install(): the lowest free fd >= start.
    pub fn install_from(&self, start: usize, file: Arc<File>, cloexec: bool, limit: usize) -> KResult<usize> {
        let mut fds = self.fds.lock();
        let mut fd = start;
        while fd < fds.len() && fds[fd].is_some() {
            fd += 1;
        }
        if fd >= limit {
            return Err(EMFILE);
        }
        if fd >= fds.len() {
            fds.resize(fd + 1, None);
        }
        fds[fd] = Some(FdEntry { file, cloexec });
        Ok(fd)
    }
    pub fn install_at(&self, fd: usize, file: Arc<File>, cloexec: bool) -> Option<FdEntry> {
        let mut fds = self.fds.lock();
        if fd >= fds.len() {
            fds.resize(fd + 1, None);
        }
        fds[fd].replace(FdEntry { file, cloexec })
    }
    pub fn close(&self, fd: usize) -> KResult<Arc<File>> {
        let mut fds = self.fds.lock();
        fds.get_mut(fd).and_then(|e| e.take()).map(|e| e.file).ok_or(EBADF)
    }
    pub fn set_cloexec(&self, fd: usize, on: bool) -> KResult<()> {
        let mut fds = self.fds.lock();
        let e = fds.get_mut(fd).and_then(|e| e.as_mut()).ok_or(EBADF)?;
        e.cloexec = on;
        Ok(())
    }
    /// Linux: do_close_on_exec()
    pub fn close_on_exec(&self) {
        let closed: Vec<FdEntry> = {
            let mut fds = self.fds.lock();
            fds.iter_mut().filter_map(|e| if e.as_ref().is_some_and(|x| x.cloexec) { e.take() } else { None }).collect()
        };
        drop(closed);
    }
    pub fn open_fds(&self) -> Vec<(usize, Arc<File>)> {
        self.fds.lock().iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|e| (i, e.file.clone()))).collect()
    }
}

/// Linux: struct fs_struct — root, cwd, umask; shared with CLONE_FS.
pub struct FsStruct {
    pub inner: SpinLock<FsInner, class::FsStruct>,
}

#[derive(Clone)]
pub struct FsInner {
    pub root: Arc<Inode>,
    pub cwd: Arc<Inode>,
    pub umask: u32,
}

impl FsStruct {
    pub fn new(root: Arc<Inode>) -> Arc<FsStruct> {
        Arc::new(FsStruct { inner: SpinLock::new(FsInner { cwd: root.clone(), root, umask: 0o022 }) })
    }
    /// Linux: copy_fs_struct()
    pub fn dup(&self) -> Arc<FsStruct> {
        Arc::new(FsStruct { inner: SpinLock::new(self.inner.lock().clone()) })
    }
}
