//! struct fs_struct: a process's root, cwd and umask, shared by CLONE_FS.
//! Linux: include/linux/fs_struct.h, fs/fs_struct.c (copy_fs_struct, set_fs_root,
//! set_fs_pwd, current_umask).

use super::inode::Inode;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::current;
use alloc::sync::Arc;

/// Linux: init_fs.umask.
const INIT_UMASK: u32 = 0o022;

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
        Arc::new(FsStruct { inner: SpinLock::new(FsInner { cwd: root.clone(), root, umask: INIT_UMASK }) })
    }
    /// Linux: copy_fs_struct(): ENOMEM (a fault-injection site).
    pub fn dup(&self) -> crate::errno::KResult<Arc<FsStruct>> {
        crate::mm::slab::try_arc_with(|| FsStruct { inner: SpinLock::new(self.inner.lock().clone()) })
    }
}

/// Linux: current_umask(): the umask new files are made with.
pub fn current_umask() -> u32 {
    current().fs.lock().as_ref().map_or(INIT_UMASK, |f| f.inner.lock().umask)
}

/// Makes directory `ino` this process's cwd (or root): set_fs_pwd() / set_fs_root().
pub fn set_fs_dir(ino: Arc<Inode>, root: bool) -> KResult<usize> {
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let mut i = fs.inner.lock();
    if root {
        i.root = ino;
    } else {
        i.cwd = ino;
    }
    Ok(0)
}
