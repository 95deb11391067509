//! In-memory inodes: the rootfs (ramfs) that the initramfs is unpacked into.
//! Linux: fs/ramfs/inode.c, include/linux/fs.h (struct inode), fs/dcache.c (names),
//! include/linux/stat.h (the mode bits).  Paths of inodes are fs/d_path.rs; the file
//! operations of a ramfs file fs/ramfs/file_mmu.rs.

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
}

pub struct Inode {
    pub ino: u64,
    pub mode: AtomicU32,
    pub nlink: AtomicU32,
    pub uid: AtomicU32,
    pub gid: AtomicU32,
    /// i_atime, i_mtime, i_ctime (a leaf lock: nothing is taken inside it).
    pub times: SpinLock<InodeTimes, class::InodeTimes>,
    pub kind: InodeKind,
    /// Pages of MAP_SHARED mappings of this file (a page cache for mapped pages only): while
    /// a page is here it is the file's authoritative content, for read() and write() too.
    pub shm: SpinLock<Option<Arc<crate::mm::shmem::ShmObject>>, class::Inode>,
    /// Linux: i_writecount — > 0: open for writing that many times; < 0: being executed
    /// (deny_write_access) that many times.  Either excludes the other: ETXTBSY.
    pub writecount: core::sync::atomic::AtomicI32,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// Linux: struct timespec64, as an inode keeps its times (tmpfs: nanosecond granularity,
/// the whole i64 range of seconds).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Timespec64 {
    pub sec: i64,
    pub nsec: u32,
}

/// An inode's three times (Linux: i_atime, i_mtime, i_ctime).
#[derive(Clone, Copy, Default, Debug)]
pub struct InodeTimes {
    pub atime: Timespec64,
    pub mtime: Timespec64,
    pub ctime: Timespec64,
    /// Creation time, statx's btime (Linux: shmem_inode_info.i_crtime).
    pub btime: Timespec64,
}

impl InodeTimes {
    fn all(t: Timespec64) -> InodeTimes {
        InodeTimes { atime: t, mtime: t, ctime: t, btime: t }
    }
}

/// Linux: current_time(inode): the wall clock as of the last tick (ktime_get_coarse_real_ts64),
/// so that the times one operation sets (a new file's, its directory's) are equal.
pub fn current_time() -> Timespec64 {
    const TICK_NS: u64 = 1_000_000_000 / crate::kernel::time::HZ;
    let ns = crate::kernel::time::timekeeping::ktime_get_real_ns();
    let ns = ns - ns % TICK_NS;
    Timespec64 { sec: (ns / 1_000_000_000) as i64, nsec: (ns % 1_000_000_000) as u32 }
}

/// Linux: current_fsuid() / current_fsgid() (include/linux/cred.h): the ids new files are
/// owned by.  There is no struct cred yet and every task is root; this is the one place that
/// answers, for struct cred to take over.
pub fn current_fsuid() -> u32 {
    0
}
pub fn current_fsgid() -> u32 {
    0
}

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
            uid: AtomicU32::new(current_fsuid()),
            gid: AtomicU32::new(current_fsgid()),
            times: SpinLock::new(InodeTimes::all(current_time())),
            kind,
            shm: SpinLock::new(None),
            writecount: core::sync::atomic::AtomicI32::new(0),
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
    pub fn is_dir(&self) -> bool {
        self.mode() & S_IFMT == S_IFDIR
    }
    /// Whether the inode belongs to the rootfs (tmpfs) rather than /proc or tracefs.
    pub fn is_rootfs(&self) -> bool {
        !matches!(self.kind, InodeKind::Proc(_) | InodeKind::Trace(_))
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

    pub fn times(&self) -> InodeTimes {
        *self.times.lock()
    }
    /// mtime and ctime to now: the inode's contents changed (Linux: file_update_time(), and
    /// what a directory gets when an entry is added or removed).
    pub fn touch_mtime(&self) {
        let now = current_time();
        let mut t = self.times.lock();
        t.mtime = now;
        t.ctime = now;
    }
    /// ctime to now: the inode's attributes or links changed (chmod, chown, link, unlink).
    pub fn touch_ctime(&self) {
        self.times.lock().ctime = current_time();
    }
    /// Linux: touch_atime() on the rootfs, which the kernel mounts itself (vfs_kern_mount(),
    /// so without the MNT_RELATIME that mount(2) adds): every access moves atime.
    pub fn touch_atime(&self) {
        self.times.lock().atime = current_time();
    }
    /// Linux: notify_change() of ATTR_UID / ATTR_GID (chown_common()): None keeps the id.  A
    /// regular file loses S_ISUID, and S_ISGID when group-executable, as Linux's
    /// ATTR_KILL_SUID / ATTR_KILL_SGID do (for root too; directories keep theirs).
    pub fn chown(&self, uid: Option<u32>, gid: Option<u32>) {
        if let Some(u) = uid {
            self.uid.store(u, Ordering::Relaxed);
        }
        if let Some(g) = gid {
            self.gid.store(g, Ordering::Relaxed);
        }
        if self.mode() & S_IFMT != S_IFDIR {
            let m = self.mode();
            let mut kill = S_ISUID;
            if m & S_IXGRP != 0 {
                kill |= S_ISGID;
            }
            if m & kill != 0 {
                self.mode.store(m & !kill, Ordering::Relaxed);
            }
        }
        self.touch_ctime();
    }
    /// Linux: chmod_common(): the permission bits change, the type stays.
    pub fn chmod(&self, mode: u32) {
        let m = self.mode();
        self.mode.store((m & S_IFMT) | (mode & S_IALLUGO), Ordering::Relaxed);
        self.touch_ctime();
    }

    /// Linux: get_write_access()
    pub fn get_write_access(&self) -> KResult<()> {
        self.writecount
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| if c < 0 { None } else { Some(c + 1) })
            .map(|_| ())
            .map_err(|_| ETXTBSY)
    }
    /// Linux: put_write_access()
    pub fn put_write_access(&self) {
        self.writecount.fetch_sub(1, Ordering::AcqRel);
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

    /// Linux: notify_change(ATTR_SIZE) -> shmem_setattr(): the size becomes `len` (a hole
    /// or a cut); mtime and ctime move when it changed.
    pub fn truncate(&self, len: u64) -> KResult<()> {
        match &self.kind {
            InodeKind::File(d) => {
                let len = usize::try_from(len).map_err(|_| EFBIG)?;
                let mut d = d.lock();
                let v = d.make_owned();
                if len == v.len() {
                    // Linux: shmem_setattr() keeps the times, but shmem_undo_range() moves them
                    // when the file has pages to look at.
                    let has_pages = len != 0;
                    drop(d);
                    if has_pages {
                        self.touch_mtime();
                    }
                    return Ok(());
                }
                if len > v.len() {
                    // Files are not sparse here: growing allocates.  Linux's tmpfs would keep a
                    // hole; MenuOS answers EFBIG rather than exhaust the kernel heap.
                    if !crate::mm::heap::can_grow(len.saturating_sub(v.capacity())) {
                        return Err(EFBIG);
                    }
                    v.try_reserve(len - v.len()).map_err(|_| EFBIG)?;
                }
                v.resize(len, 0);
                drop(d);
                self.touch_mtime();
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
            InodeKind::Proc(n) => crate::fs::proc::lookup(n, name),
            _ => Err(ENOTDIR),
        }
    }

    pub fn parent(&self) -> Option<Arc<Inode>> {
        match &self.kind {
            InodeKind::Dir(d) => d.lock().parent.upgrade(),
            InodeKind::Proc(n) => crate::fs::proc::parent(n),
            _ => None,
        }
    }

    /// Links `child` as `name` in this directory.
    pub fn link(self: &Arc<Self>, name: &str, child: Arc<Inode>) -> KResult<()> {
        match &self.kind {
            InodeKind::Dir(d) => {
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
                drop(d);
                self.touch_mtime();
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
                let c = d.entries.remove(name).ok_or(ENOENT)?;
                drop(d);
                c.nlink.fetch_sub(1, Ordering::Relaxed);
                c.touch_ctime();
                self.touch_mtime();
                Ok(())
            }
            _ => Err(ENOTDIR),
        }
    }
}
