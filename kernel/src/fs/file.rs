//! File descriptor tables.  Linux: fs/file.c (files_struct and its fdtable, dup_fd,
//! alloc_fd, fd_install, close_fd, __close_range, do_close_on_exec, dup, dup3),
//! include/linux/fdtable.h.
//!
//! The files the tables point at are fs/file_table.rs.

use super::file_table::File;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::current;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::AtomicU32;
use linux_raw_sys::general::{O_CLOEXEC, RLIMIT_NOFILE};

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<File>,
    pub cloexec: bool,
}

/// Linux: struct files_struct / fdtable
pub struct FilesStruct {
    pub fds: SpinLock<FdTable, class::FilesTable>,
}

/// Linux: struct fdtable: the open files by fd (fd_array), and the fds reserved for a file
/// not installed yet (set in open_fds with no file: get_unused_fd_flags() before
/// fd_install()).  A reserved fd is taken for alloc_fd() and dup2() (EBUSY) and is not open
/// for anything else (EBADF).  Derefs to the files.
#[derive(Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
    reserved: Vec<usize>,
}

impl core::ops::Deref for FdTable {
    type Target = Vec<Option<FdEntry>>;
    fn deref(&self) -> &Vec<Option<FdEntry>> {
        &self.slots
    }
}
impl core::ops::DerefMut for FdTable {
    fn deref_mut(&mut self) -> &mut Vec<Option<FdEntry>> {
        &mut self.slots
    }
}

impl FdTable {
    fn is_reserved(&self, fd: usize) -> bool {
        self.reserved.contains(&fd)
    }
    /// Whether `fd` is taken: open, or reserved (Linux: fd_is_open(), the open_fds bit).
    fn taken(&self, fd: usize) -> bool {
        self.slots[fd].is_some() || self.is_reserved(fd)
    }
}

/// Linux: filp_close() -> locks_remove_posix(): closing any fd of a file drops the POSIX
/// locks this table's process holds on it.
fn filp_close(files: &FilesStruct, f: &File) {
    if let Some(i) = &f.inode {
        i.locks.remove_posix(files as *const FilesStruct as usize);
    }
}

/// Linux: put_files_struct() -> close_files(): the table goes with every fd in it.
impl Drop for FilesStruct {
    fn drop(&mut self) {
        let fds = core::mem::take(&mut *self.fds.lock());
        for e in fds.iter().flatten() {
            filp_close(self, &e.file);
        }
    }
}

/// Linux: sysctl_nr_open (/proc/sys/fs/nr_open): the largest RLIMIT_NOFILE hard limit (and fd
/// table) allowed, 1024 * 1024 by default, in [NR_OPEN_MIN, NR_OPEN_MAX].
pub static SYSCTL_NR_OPEN: AtomicU32 = AtomicU32::new(1024 * 1024);
/// Linux: sysctl_nr_open_min (BITS_PER_LONG) and sysctl_nr_open_max (INT_MAX rounded down to
/// BITS_PER_LONG).
pub const NR_OPEN_MIN: u32 = 64;
pub const NR_OPEN_MAX: u32 = i32::MAX as u32 & !(64 - 1);

/// Linux: NR_OPEN_DEFAULT (BITS_PER_LONG): the size an fd table starts at.
pub const NR_OPEN_DEFAULT: usize = 64;

impl FilesStruct {
    pub fn new() -> Arc<FilesStruct> {
        Arc::new(FilesStruct { fds: SpinLock::new(FdTable::default()) })
    }
    /// Linux: dup_fd(): ENOMEM when the table or its array cannot be had (fault-injection
    /// sites both).  An fd reserved and not installed yet is not copied (Linux: "the fd may be
    /// claimed in the fd bitmap but not yet instantiated in the files array").
    pub fn dup(&self) -> KResult<Arc<FilesStruct>> {
        let slots = crate::mm::slab::try_vec_from_slice(&self.fds.lock())?;
        crate::mm::slab::try_arc(FilesStruct { fds: SpinLock::new(FdTable { slots, reserved: Vec::new() }) })
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
        while fd < fds.len() && fds.taken(fd) {
            fd += 1;
        }
        if fd >= limit {
            return Err(EMFILE);
        }
        if fd >= fds.len() {
            // Linux: expand_files() -> alloc_fdtable(): ENOMEM (a fault-injection site when
            // the table grows).
            if crate::mm::failslab::should_failslab() {
                return Err(ENOMEM);
            }
            let more = fd + 1 - fds.len();
            fds.try_reserve(more).map_err(|_| ENOMEM)?;
            fds.resize(fd + 1, None);
        }
        fds[fd] = Some(FdEntry { file, cloexec });
        Ok(fd)
    }
    /// Linux: get_unused_fd_flags() -> alloc_fd(): the lowest fd that is neither open nor
    /// reserved, reserved (EMFILE at `limit`; ENOMEM when the table has to grow: the same
    /// fault-injection site as install_from's).  Given back by FdReserved.
    fn reserve_unused(&self, limit: usize) -> KResult<usize> {
        let mut fds = self.fds.lock();
        let mut fd = 0;
        while fd < fds.len() && fds.taken(fd) {
            fd += 1;
        }
        if fd >= limit {
            return Err(EMFILE);
        }
        crate::mm::slab::try_reserve(&mut fds.reserved, 1)?;
        if fd >= fds.len() {
            if crate::mm::failslab::should_failslab() {
                return Err(ENOMEM);
            }
            fds.slots.try_reserve(1).map_err(|_| ENOMEM)?;
            fds.slots.push(None);
        }
        fds.reserved.push(fd);
        Ok(fd)
    }
    /// Linux: put_unused_fd() / the reservation's end in fd_install().
    fn unreserve(fds: &mut FdTable, fd: usize) {
        if let Some(i) = fds.reserved.iter().position(|&r| r == fd) {
            fds.reserved.swap_remove(i);
        }
    }
    /// Linux: do_dup2() onto `fd`: EBUSY while it is reserved (an open between its
    /// get_unused_fd_flags() and fd_install()); else the file that was open there.
    pub fn install_at(&self, fd: usize, file: Arc<File>, cloexec: bool) -> KResult<Option<FdEntry>> {
        let mut fds = self.fds.lock();
        if fd < fds.len() && fds.is_reserved(fd) {
            return Err(EBUSY);
        }
        if fd >= fds.len() {
            // Linux: ksys_dup3() -> expand_files(): ENOMEM (as install_from's growth).
            if crate::mm::failslab::should_failslab() {
                return Err(ENOMEM);
            }
            let more = fd + 1 - fds.len();
            fds.try_reserve(more).map_err(|_| ENOMEM)?;
            fds.resize(fd + 1, None);
        }
        Ok(fds[fd].replace(FdEntry { file, cloexec }))
    }
    pub fn close(&self, fd: usize) -> KResult<Arc<File>> {
        let f = {
            let mut fds = self.fds.lock();
            fds.get_mut(fd).and_then(|e| e.take()).map(|e| e.file).ok_or(EBADF)?
        };
        filp_close(self, &f);
        Ok(f)
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
        for e in closed.iter() {
            filp_close(self, &e.file);
        }
        drop(closed);
    }
    pub fn open_fds(&self) -> Vec<(usize, Arc<File>)> {
        self.fds.lock().iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|e| (i, e.file.clone()))).collect()
    }
}

/// Linux: fget(): the file open at `fd` in the caller's table.
pub fn fd_get(fd: u32) -> KResult<Arc<File>> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    files.get(fd as usize)
}

/// Linux: get_unused_fd_flags() + fd_install(): the lowest free fd under RLIMIT_NOFILE.
pub fn fd_install(file: Arc<File>, cloexec: bool) -> KResult<usize> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EMFILE)?;
    let limit = cur.signal.rlimit(RLIMIT_NOFILE as usize) as usize;
    files.install_from(0, file, cloexec, limit)
}

/// An fd number reserved in the caller's table before its file exists (Linux:
/// get_unused_fd_flags(), EMFILE, ENOMEM): no other thread of the table can take it (open,
/// dup: the next one; dup2 onto it: EBUSY), so that the install() after the caller's point
/// of no return cannot fail.  Dropped without install(), the number is free again (Linux:
/// put_unused_fd()).
pub struct FdReserved {
    files: Option<Arc<FilesStruct>>,
    fd: usize,
}

impl FdReserved {
    pub fn fd(&self) -> usize {
        self.fd
    }
    /// Linux: fd_install(): the file at the reserved number.
    pub fn install(mut self, file: Arc<File>, cloexec: bool) -> usize {
        if let Some(files) = self.files.take() {
            let mut fds = files.fds.lock();
            FilesStruct::unreserve(&mut fds, self.fd);
            // (the table never shrinks: the reserved slot is there)
            if let Some(s) = fds.slots.get_mut(self.fd) {
                *s = Some(FdEntry { file, cloexec });
            }
        }
        self.fd
    }
}

impl Drop for FdReserved {
    fn drop(&mut self) {
        if let Some(files) = self.files.take() {
            FilesStruct::unreserve(&mut files.fds.lock(), self.fd);
        }
    }
}

/// Linux: get_unused_fd_flags(): the lowest free fd of the caller's table under
/// RLIMIT_NOFILE, reserved until installed or dropped.
pub fn get_unused_fd() -> KResult<FdReserved> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EMFILE)?;
    let limit = cur.signal.rlimit(RLIMIT_NOFILE as usize) as usize;
    let fd = files.reserve_unused(limit)?;
    Ok(FdReserved { files: Some(files), fd })
}

/// Linux: close_fd()
pub fn close_fd(fd: u32) -> KResult<()> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let f = files.close(fd as usize)?;
    drop(f);
    Ok(())
}

pub fn sys_dup(fildes: u32) -> KResult<usize> {
    let f = fd_get(fildes)?;
    fd_install(f, false)
}

/// Linux: dup3(): EINVAL for oldfd == newfd or flags other than O_CLOEXEC.
pub fn sys_dup3(oldfd: u32, newfd: u32, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !O_CLOEXEC != 0 || oldfd == newfd {
        return Err(EINVAL);
    }
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let f = files.get(oldfd as usize)?;
    let newfd = newfd as usize;
    if newfd >= cur.signal.rlimit(RLIMIT_NOFILE as usize) as usize {
        return Err(EBADF);
    }
    let old = files.install_at(newfd, f, flags & O_CLOEXEC != 0)?;
    if let Some(o) = &old {
        filp_close(&files, &o.file);
    }
    drop(old);
    Ok(newfd)
}

// Linux: include/uapi/linux/close_range.h.
const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// Linux: close_range(first, last, flags) — SYSCALL_DEFINE3(close_range) in fs/open.c, whose
/// work is __close_range() here in fs/file.c.
pub fn sys_close_range(first: u32, last: u32, flags: u32) -> KResult<usize> {
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(EINVAL);
    }
    let cur = current();
    let mut files = cur.files.lock().clone().ok_or(EBADF)?;
    if flags & CLOSE_RANGE_UNSHARE != 0 && Arc::strong_count(&files) > 1 {
        files = files.dup()?;
        *cur.files.lock() = Some(files.clone());
    }
    let closed: Vec<Arc<File>> = {
        let mut fds = files.fds.lock();
        let end = (last as usize).min(fds.len().saturating_sub(1));
        let mut v = Vec::new();
        if (first as usize) < fds.len() {
            for e in fds[first as usize..=end].iter_mut() {
                if flags & CLOSE_RANGE_CLOEXEC != 0 {
                    if let Some(x) = e.as_mut() {
                        x.cloexec = true;
                    }
                } else if let Some(x) = e.take() {
                    v.push(x.file);
                }
            }
        }
        v
    };
    for f in closed.iter() {
        filp_close(&files, f);
    }
    drop(closed);
    Ok(0)
}
