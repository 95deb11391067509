//! In-memory inodes: the rootfs (ramfs) that the initramfs is unpacked into.
//! Linux: fs/ramfs/inode.c, include/linux/fs.h (struct inode), fs/dcache.c (names),
//! include/linux/stat.h (the mode bits).  Paths of inodes are fs/d_path.rs; the file
//! operations of a ramfs file fs/ramfs/file_mmu.rs.

use super::super_block::SuperBlock;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

pub use linux_raw_sys::general::{S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK};
use linux_raw_sys::general::{S_IRWXG, S_IRWXO, S_IRWXU, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP, S_IXOTH, S_IXUSR};

// Linux: include/linux/stat.h.
pub const S_IRWXUGO: u32 = S_IRWXU | S_IRWXG | S_IRWXO;
pub const S_IALLUGO: u32 = S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO;
pub const S_IXUGO: u32 = S_IXUSR | S_IXGRP | S_IXOTH;

/// File contents: either bytes of the initramfs image itself (never copied, never freed)
/// or owned bytes once written.
pub enum FileData {
    Static(&'static [u8]),
    Owned(Vec<u8>),
}

impl FileData {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            FileData::Static(s) => s,
            FileData::Owned(v) => v,
        }
    }
    pub fn make_owned(&mut self) -> &mut Vec<u8> {
        if let FileData::Static(s) = self {
            *self = FileData::Owned(s.to_vec());
        }
        match self {
            FileData::Owned(v) => v,
            FileData::Static(_) => unreachable!(),
        }
    }
}

pub struct DirData {
    pub entries: BTreeMap<String, Arc<Inode>>,
    pub parent: Weak<Inode>,
    pub name: String,
}

pub enum InodeKind {
    Dir(SpinLock<DirData, class::Inode>),
    File(SpinLock<FileData, class::Inode>),
    Symlink(String),
    /// Character device: (major, minor)
    CharDev(u32, u32),
    /// Generated content (/proc, fs/proc/): made on lookup and open.
    Proc(crate::fs::proc::ProcNode),
    /// A tracefs control file (fs/tracefs/): generated on open, acted on by write.
    Trace(crate::fs::tracefs::TraceNode),
    /// A namespace (fs/nsfs.rs): what /proc/PID/ns/* lead to.
    Nsfs(crate::fs::nsfs::NsCommon),
    /// A POSIX message queue (ipc/mqueue.rs).
    Mqueue(Arc<crate::ipc::mqueue::MqInfo>),
}

pub struct Inode {
    pub ino: u64,
    pub mode: AtomicU32,
    pub nlink: AtomicU32,
    pub uid: AtomicU32,
    pub gid: AtomicU32,
    pub mtime: AtomicU64,
    pub kind: InodeKind,
    /// Pages of MAP_SHARED mappings of this file (a page cache for mapped pages only): while
    /// a page is here it is the file's authoritative content, for read() and write() too.
    pub shm: SpinLock<Option<Arc<crate::mm::shmem::ShmObject>>, class::Inode>,
    /// Linux: i_writecount — > 0: open for writing that many times; < 0: being executed
    /// (deny_write_access) that many times.  Either excludes the other: ETXTBSY.
    pub writecount: core::sync::atomic::AtomicI32,
    /// Linux: i_sb — the filesystem instance (st_dev, read-only state, /proc's options).  Set
    /// once: as a filesystem's root, when linked into a directory, or by the lookup that made
    /// it; unset only for an inode not yet in any tree.
    sb: spin::Once<Arc<SuperBlock>>,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

impl Inode {
    pub fn new(mode: u32, kind: InodeKind) -> Arc<Inode> {
        Inode::new_with_ino(NEXT_INO.fetch_add(1, Ordering::Relaxed), mode, kind)
    }
    /// An inode with a given number (/proc: numbers that stay the same across lookups).
    pub fn new_with_ino(ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
        Arc::new(Inode {
            ino,
            mode: AtomicU32::new(mode),
            nlink: AtomicU32::new(if mode & S_IFMT == S_IFDIR { 2 } else { 1 }),
            uid: AtomicU32::new(0),
            gid: AtomicU32::new(0),
            mtime: AtomicU64::new(0),
            kind,
            shm: SpinLock::new(None),
            writecount: core::sync::atomic::AtomicI32::new(0),
            sb: spin::Once::new(),
        })
    }
    pub fn new_dir(mode: u32, parent: Weak<Inode>, name: &str) -> Arc<Inode> {
        Inode::new(
            S_IFDIR | (mode & S_IALLUGO),
            InodeKind::Dir(SpinLock::new(DirData { entries: BTreeMap::new(), parent, name: name.into() })),
        )
    }
    pub fn mode(&self) -> u32 {
        self.mode.load(Ordering::Relaxed)
    }
    /// The filesystem instance (the rootfs for an inode in no tree yet).
    pub fn sb(&self) -> &Arc<SuperBlock> {
        self.sb.get().unwrap_or_else(|| super::super_block::rootfs_sb())
    }
    /// Makes this inode a member of `sb` (a filesystem's root, or a generated inode).
    pub fn set_sb(&self, sb: &Arc<SuperBlock>) {
        self.sb.call_once(|| sb.clone());
    }
    /// The generated inode `self` (a /proc lookup's result) belongs where `dir` does.
    fn inherit_sb(self: Arc<Self>, dir: &Inode) -> Arc<Inode> {
        self.set_sb(dir.sb());
        self
    }
    pub fn is_dir(&self) -> bool {
        self.mode() & S_IFMT == S_IFDIR
    }
    pub fn is_reg(&self) -> bool {
        self.mode() & S_IFMT == S_IFREG
    }
    pub fn size(&self) -> usize {
        match &self.kind {
            InodeKind::File(d) => d.lock().as_slice().len(),
            InodeKind::Symlink(s) => s.len(),
            _ => 0,
        }
    }
    pub fn rdev(&self) -> (u32, u32) {
        match &self.kind {
            InodeKind::CharDev(a, b) => (*a, *b),
            _ => (0, 0),
        }
    }

    /// Linux: get_write_access()
    pub fn get_write_access(&self) -> KResult<()> {
        self.writecount
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c < 0 { None } else { Some(c + 1) })
            .map(|_| ())
            .map_err(|_| ETXTBSY)
    }
    /// Linux: deny_write_access()
    pub fn deny_write_access(&self) -> KResult<()> {
        self.writecount
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c > 0 { None } else { Some(c - 1) })
            .map(|_| ())
            .map_err(|_| ETXTBSY)
    }

    /// The shared-mapping page cache of this file, made on first MAP_SHARED mmap.
    pub fn shared_pages(self: &Arc<Self>) -> Arc<crate::mm::shmem::ShmObject> {
        let mut g = self.shm.lock();
        g.get_or_insert_with(|| {
            Arc::new(crate::mm::shmem::ShmObject {
                pages: SpinLock::new(BTreeMap::new()),
                source: Some(Arc::downgrade(self)),
                size_pages: 0,
            })
        })
        .clone()
    }

    /// Calls f(page, offset_in_file) for each cached page overlapping [off, off+len).
    fn for_cached_pages(&self, off: usize, len: usize, mut f: impl FnMut(&crate::mm::highmem::Page, usize)) {
        let obj = self.shm.lock().clone();
        let Some(obj) = obj else { return };
        let pages = obj.pages.lock();
        if pages.is_empty() {
            return;
        }
        let first = off / 4096;
        let last = (off + len).div_ceil(4096);
        for (&idx, page) in pages.range(first..last) {
            f(page, idx * 4096);
        }
    }

    /// The bytes of the file data itself (no cached pages): filling a cached page.
    pub fn read_data_only(&self, off: usize, buf: &mut [u8]) -> usize {
        match &self.kind {
            InodeKind::File(d) => {
                let d = d.lock();
                let s = d.as_slice();
                if off >= s.len() {
                    return 0;
                }
                let n = buf.len().min(s.len() - off);
                buf[..n].copy_from_slice(&s[off..off + n]);
                n
            }
            _ => 0,
        }
    }

    /// Reads file bytes at `off` into `buf`; returns how many (0 past the end).
    pub fn read_at_raw(&self, off: usize, buf: &mut [u8]) -> usize {
        let n = self.read_data_only(off, buf);
        self.for_cached_pages(off, n, |page, poff| {
            let s = off.max(poff);
            let e = (off + n).min(poff + 4096);
            page.read(s - poff, &mut buf[s - off..e - off]);
        });
        n
    }

    pub fn write_at(&self, off: usize, data: &[u8]) -> KResult<usize> {
        match &self.kind {
            InodeKind::File(d) => {
                let mut d = d.lock();
                let v = d.make_owned();
                if v.len() < off + data.len() {
                    // Growth reallocates (Vec doubles, the buddy heap rounds to powers of two):
                    // it must leave the kernel its reserve (heap::can_grow).  File data in page
                    // frames instead of the heap is the next step for a larger tmpfs.
                    let need = (off + data.len()).max(v.capacity() * 2);
                    if need > v.capacity() && !crate::mm::heap::can_grow(need) {
                        return Err(ENOSPC);
                    }
                    v.try_reserve(off + data.len() - v.len()).map_err(|_| ENOSPC)?;
                    v.resize(off + data.len(), 0);
                }
                v[off..off + data.len()].copy_from_slice(data);
                drop(d);
                self.for_cached_pages(off, data.len(), |page, poff| {
                    let s = off.max(poff);
                    let e = (off + data.len()).min(poff + 4096);
                    page.write(s - poff, &data[s - off..e - off]);
                });
                Ok(data.len())
            }
            _ => Err(EINVAL),
        }
    }

    pub fn truncate(&self, len: usize) -> KResult<()> {
        match &self.kind {
            InodeKind::File(d) => {
                let mut d = d.lock();
                let v = d.make_owned();
                if len > v.len() {
                    // Files are not sparse here: growing allocates.  Linux's tmpfs would keep a
                    // hole; MenuOS answers EFBIG rather than exhaust the kernel heap.
                    if !crate::mm::heap::can_grow(len.saturating_sub(v.capacity())) {
                        return Err(EFBIG);
                    }
                    v.try_reserve(len - v.len()).map_err(|_| EFBIG)?;
                }
                v.resize(len, 0);
                Ok(())
            }
            InodeKind::Dir(_) => Err(EISDIR),
            InodeKind::Trace(n) => crate::fs::tracefs::truncate(n),
            _ => Err(EINVAL),
        }
    }

    pub fn lookup(&self, name: &str) -> KResult<Arc<Inode>> {
        match &self.kind {
            InodeKind::Dir(d) => d.lock().entries.get(name).cloned().ok_or(ENOENT),
            InodeKind::Proc(n) => crate::fs::proc::lookup(self, n, name).map(|c| c.inherit_sb(self)),
            _ => Err(ENOTDIR),
        }
    }

    pub fn parent(&self) -> Option<Arc<Inode>> {
        match &self.kind {
            InodeKind::Dir(d) => d.lock().parent.upgrade(),
            InodeKind::Proc(n) => crate::fs::proc::parent(n).map(|c| c.inherit_sb(self)),
            _ => None,
        }
    }

    /// Links `child` as `name` in this directory: a new inode joins the directory's
    /// filesystem; one of another filesystem is EXDEV (Linux: vfs_link()'s i_sb check).
    pub fn link(self: &Arc<Self>, name: &str, child: Arc<Inode>) -> KResult<()> {
        match &self.kind {
            InodeKind::Dir(d) => {
                child.set_sb(self.sb());
                if !Arc::ptr_eq(child.sb(), self.sb()) {
                    return Err(EXDEV);
                }
                let mut d = d.lock();
                if d.entries.contains_key(name) {
                    return Err(EEXIST);
                }
                if let InodeKind::Dir(cd) = &child.kind {
                    // parent before child (Linux: I_MUTEX_PARENT, then I_MUTEX_CHILD)
                    let mut cd = cd.lock_nested(1);
                    cd.parent = Arc::downgrade(self);
                    cd.name = name.into();
                    self.nlink.fetch_add(1, Ordering::Relaxed);
                }
                d.entries.insert(name.into(), child);
                Ok(())
            }
            // Linux: nothing can be created in /proc (the lookup finds no entry): ENOENT.
            InodeKind::Proc(_) => Err(ENOENT),
            _ => Err(ENOTDIR),
        }
    }

    pub fn unlink(&self, name: &str, want_dir: bool) -> KResult<()> {
        match &self.kind {
            InodeKind::Dir(d) => {
                let mut d = d.lock();
                let c = d.entries.get(name).ok_or(ENOENT)?;
                if want_dir {
                    match &c.kind {
                        InodeKind::Dir(cd) => {
                            if !cd.lock_nested(1).entries.is_empty() {
                                return Err(ENOTEMPTY);
                            }
                        }
                        _ => return Err(ENOTDIR),
                    }
                    self.nlink.fetch_sub(1, Ordering::Relaxed);
                } else if c.is_dir() {
                    return Err(EISDIR);
                }
                let c = d.entries.remove(name).unwrap();
                c.nlink.fetch_sub(1, Ordering::Relaxed);
                Ok(())
            }
            _ => Err(ENOTDIR),
        }
    }
}
