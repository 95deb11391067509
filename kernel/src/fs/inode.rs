//! In-memory inodes: the rootfs (tmpfs) that the initramfs is unpacked into.
//! Linux: include/linux/fs.h (struct inode), fs/inode.c (inode_init_owner, init_special_inode),
//! mm/shmem.c (the tmpfs inode operations: shmem_mknod, shmem_link, shmem_unlink, shmem_rmdir,
//! shmem_getattr), fs/libfs.c (simple_empty), fs/dcache.c (names: a directory's entries and
//! its own name and parent), include/linux/stat.h (the mode bits).
//!
//! Names are bytes, as Linux's are: any byte but '/' and NUL.  A directory holds its entries
//! (name -> inode) and knows its own name and parent (for "..", getcwd and /proc's links);
//! other inodes are found only through directories.  A regular file's data is its page cache,
//! mm/shmem.rs's ShmObject.  Paths of inodes are fs/d_path.rs; path walks fs/namei.rs.

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::mm::shmem::{ShmObject, ROOTFS_SB};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

pub use linux_raw_sys::general::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK};
use linux_raw_sys::general::{S_IRWXG, S_IRWXO, S_IRWXU, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP, S_IXOTH, S_IXUSR};

// Linux: include/linux/stat.h.
pub const S_IRWXUGO: u32 = S_IRWXU | S_IRWXG | S_IRWXO;
pub const S_IALLUGO: u32 = S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO;
pub const S_IXUGO: u32 = S_IXUSR | S_IXGRP | S_IXOTH;

/// Linux: BOGO_DIRENT_SIZE (mm/shmem.c): what each entry adds to a tmpfs directory's size.
const BOGO_DIRENT_SIZE: usize = 20;

/// The filesystem an inode belongs to (Linux: inode->i_sb): which mount a path is on (EXDEV
/// between two), st_dev, statfs's f_type.  An entry of one directory whose inode is of
/// another filesystem is a mountpoint (EBUSY for rename, rmdir, unlink).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FsType {
    /// The rootfs: tmpfs (the reference kernel has CONFIG_TMPFS, so its rootfs is tmpfs).
    Rootfs,
    Proc,
    Sysfs,
    Tracefs,
    /// The kernel's internal tmpfs mount (shm_mnt) memfd files live on.
    Shm,
    /// pipefs: the inodes of pipe(2)'s pipes.
    Pipefs,
}

/// A directory: its entries, and its own place in the tree.
pub struct DirInode {
    pub entries: SpinLock<DirEntries, class::Inode>,
    pub dentry: SpinLock<Dentry, class::Dentry>,
}

/// A directory's entries by name, and in the order getdents returns them: newest first, as
/// tmpfs lists them (Linux: d_subdirs, where d_alloc() and d_move() add at the head).  Each
/// entry has a sequence number that stays while it is there, so a directory position (a
/// cookie made from it) is not shifted by entries removed or added in between.
#[derive(Default)]
pub struct DirEntries {
    by_name: BTreeMap<Vec<u8>, (u64, Arc<Inode>)>,
    by_seq: BTreeMap<u64, Vec<u8>>,
}

static NEXT_DIRENT_SEQ: AtomicU64 = AtomicU64::new(1);

/// The first directory position of an entry with sequence number `seq` (0 and 1 are "." and
/// ".."): larger for older entries, so that positions rise as getdents goes on.
pub const fn dirent_pos(seq: u64) -> u64 {
    (1 << 62) - seq
}

impl DirEntries {
    pub fn get(&self, name: &[u8]) -> Option<&Arc<Inode>> {
        self.by_name.get(name).map(|e| &e.1)
    }
    pub fn contains_key(&self, name: &[u8]) -> bool {
        self.by_name.contains_key(name)
    }
    pub fn len(&self) -> usize {
        self.by_name.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
    /// Adds or replaces `name` (a new entry, at the head of the order); the old inode.
    pub fn insert(&mut self, name: Vec<u8>, ino: Arc<Inode>) -> Option<Arc<Inode>> {
        let seq = NEXT_DIRENT_SEQ.fetch_add(1, Ordering::Relaxed);
        self.by_seq.insert(seq, name.clone());
        let old = self.by_name.insert(name, (seq, ino));
        old.map(|(s, i)| {
            self.by_seq.remove(&s);
            i
        })
    }
    pub fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        let (seq, ino) = self.by_name.remove(name)?;
        self.by_seq.remove(&seq);
        Some(ino)
    }
    /// (name, inode) in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Arc<Inode>)> {
        self.by_name.iter().map(|(k, v)| (k, &v.1))
    }
    /// Entries from directory position `pos` on, in getdents order: (position, name, inode).
    pub fn from_pos(&self, pos: u64) -> impl Iterator<Item = (u64, &Vec<u8>, &Arc<Inode>)> {
        let max_seq = dirent_pos(0).saturating_sub(pos.max(2));
        self.by_seq
            .range(..=max_seq)
            .rev()
            .filter_map(move |(&seq, name)| self.by_name.get(name).map(|e| (dirent_pos(seq), name, &e.1)))
    }
}

/// A directory's name and parent (Linux: dentry->d_name, d_parent; the root is its own).
pub struct Dentry {
    pub parent: Weak<Inode>,
    pub name: Vec<u8>,
}

pub enum InodeKind {
    Dir(DirInode),
    /// A regular file: its pages (tmpfs: the page cache is the data).
    File(Arc<ShmObject>),
    Symlink(Vec<u8>),
    /// Character device: (major, minor)
    CharDev(u32, u32),
    /// Block device: (major, minor); there are no block drivers (open: ENXIO).
    BlockDev(u32, u32),
    /// A FIFO (or a pipe's pipefs inode): the pipe its openers share (fs/pipe.rs).
    Fifo(Arc<crate::fs::pipe::Pipe>),
    /// A socket's name in the filesystem (mknod S_IFSOCK, bind of a unix socket).
    Socket,
    /// Generated content (/proc, fs/proc/): made on lookup and open.
    Proc(crate::fs::proc::ProcInode),
    /// A sysfs directory or attribute (/sys, fs/sysfs/).
    Sysfs(crate::fs::sysfs::SysfsNode),
    /// A tracefs control file (fs/tracefs/): generated on open, acted on by write.
    Trace(crate::fs::tracefs::TraceNode),
}

pub struct Inode {
    pub ino: u64,
    pub fs: FsType,
    pub mode: AtomicU32,
    pub nlink: AtomicU32,
    pub uid: AtomicU32,
    pub gid: AtomicU32,
    /// i_atime, i_mtime, i_ctime (a leaf lock: nothing is taken inside it).
    pub times: SpinLock<InodeTimes, class::InodeTimes>,
    pub kind: InodeKind,
    /// Linux: i_writecount — > 0: open for writing that many times; < 0: being executed
    /// (deny_write_access) that many times.  Either excludes the other: ETXTBSY.
    pub writecount: AtomicI32,
    /// The POSIX and OFD record locks and flock locks on this inode (fs/locks.rs).
    pub locks: crate::fs::locks::LockContextSlot,
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
/// owned by (kernel/cred.rs).
pub fn current_fsuid() -> u32 {
    crate::kernel::cred::with_current_cred(|c| c.fsuid)
}
pub fn current_fsgid() -> u32 {
    crate::kernel::cred::with_current_cred(|c| c.fsgid)
}

impl Inode {
    pub fn new(mode: u32, kind: InodeKind) -> Arc<Inode> {
        Inode::new_with_ino(NEXT_INO.fetch_add(1, Ordering::Relaxed), mode, kind)
    }
    /// An inode with a given number (/proc: numbers that stay the same across lookups).
    pub fn new_with_ino(ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
        let fs = match kind {
            InodeKind::Proc(_) => FsType::Proc,
            InodeKind::Sysfs(_) => FsType::Sysfs,
            InodeKind::Trace(_) => FsType::Tracefs,
            _ => FsType::Rootfs,
        };
        Inode::new_in(fs, ino, mode, kind)
    }
    /// Linux: new_inode() + inode_init_owner(): owned by the creator's fsuid and fsgid, all
    /// times now; one link (a directory two: its name and its ".").
    pub fn new_in(fs: FsType, ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
        Inode::build(fs, ino, mode, |_| kind)
    }
    /// new_in with a kind that points back at its inode (a file's pages name their file).
    pub fn build(fs: FsType, ino: u64, mode: u32, kind: impl FnOnce(&Weak<Inode>) -> InodeKind) -> Arc<Inode> {
        if fs == FsType::Rootfs {
            ROOTFS_SB.used_inodes_add(1);
        }
        Arc::new_cyclic(|me| Inode {
            ino,
            fs,
            mode: AtomicU32::new(mode),
            nlink: AtomicU32::new(if mode & S_IFMT == S_IFDIR { 2 } else { 1 }),
            uid: AtomicU32::new(current_fsuid()),
            gid: AtomicU32::new(current_fsgid()),
            times: SpinLock::new(InodeTimes::all(current_time())),
            kind: kind(me),
            writecount: AtomicI32::new(0),
            locks: crate::fs::locks::LockContextSlot::new(),
        })
    }
    /// A regular file of filesystem `fs` whose pages `pages` makes (given the inode they are
    /// the pages of).
    pub fn new_reg(fs: FsType, mode: u32, pages: impl FnOnce(Weak<Inode>) -> Arc<ShmObject>) -> Arc<Inode> {
        Inode::build(fs, Inode::next_ino(), S_IFREG | (mode & S_IALLUGO), |me| InodeKind::File(pages(me.clone())))
    }
    pub fn next_ino() -> u64 {
        NEXT_INO.fetch_add(1, Ordering::Relaxed)
    }
    /// A directory of the rootfs named `name` under `parent`.
    pub fn new_dir(mode: u32, parent: Weak<Inode>, name: &(impl AsRef<[u8]> + ?Sized)) -> Arc<Inode> {
        Inode::new_dir_in(FsType::Rootfs, mode, parent, name)
    }
    pub fn new_dir_in(fs: FsType, mode: u32, parent: Weak<Inode>, name: &(impl AsRef<[u8]> + ?Sized)) -> Arc<Inode> {
        Inode::new_in(
            fs,
            Inode::next_ino(),
            S_IFDIR | (mode & S_IALLUGO),
            InodeKind::Dir(DirInode {
                entries: SpinLock::new(DirEntries::default()),
                dentry: SpinLock::new(Dentry { parent, name: name.as_ref().to_vec() }),
            }),
        )
    }
    /// A new empty regular file of the rootfs.
    pub fn new_file(mode: u32) -> Arc<Inode> {
        Inode::new_reg(FsType::Rootfs, mode, |me| ShmObject::file(false, me, Some(&ROOTFS_SB)))
    }
    /// Linux: init_special_inode(): a device, FIFO or socket node of type `mode & S_IFMT`.
    pub fn new_special(mode: u32, rdev: (u32, u32)) -> Arc<Inode> {
        let kind = match mode & S_IFMT {
            S_IFCHR => InodeKind::CharDev(rdev.0, rdev.1),
            S_IFBLK => InodeKind::BlockDev(rdev.0, rdev.1),
            S_IFIFO => InodeKind::Fifo(crate::fs::pipe::Pipe::new()),
            _ => InodeKind::Socket,
        };
        Inode::new(mode, kind)
    }

    pub fn mode(&self) -> u32 {
        self.mode.load(Ordering::Relaxed)
    }

    /// Linux: inode_init_owner() — a new inode belongs to the creator's fsuid, and to its
    /// fsgid or, in a set-group-ID directory, to the directory's group (a new directory there
    /// is set-group-ID too).
    pub fn inode_init_owner(&self, dir: &Inode) {
        let (fsuid, fsgid) = crate::kernel::cred::with_current_cred(|c| (c.fsuid, c.fsgid));
        self.uid.store(fsuid, Ordering::Relaxed);
        if dir.mode() & S_ISGID != 0 {
            self.gid.store(dir.gid.load(Ordering::Relaxed), Ordering::Relaxed);
            if self.is_dir() {
                self.mode.fetch_or(S_ISGID, Ordering::Relaxed);
            }
        } else {
            self.gid.store(fsgid, Ordering::Relaxed);
        }
    }
    pub fn is_dir(&self) -> bool {
        self.mode() & S_IFMT == S_IFDIR
    }
    /// Whether the inode belongs to the rootfs (tmpfs) rather than /proc or tracefs.
    pub fn is_rootfs(&self) -> bool {
        self.fs == FsType::Rootfs
    }
    pub fn is_reg(&self) -> bool {
        self.mode() & S_IFMT == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        matches!(self.kind, InodeKind::Symlink(_))
    }
    /// The pages of a regular file.
    pub fn mapping(&self) -> Option<&Arc<ShmObject>> {
        match &self.kind {
            InodeKind::File(m) => Some(m),
            _ => None,
        }
    }
    /// i_size: a file's bytes, a symlink's target, a tmpfs directory's bogus entry sizes.
    pub fn size(&self) -> usize {
        match &self.kind {
            InodeKind::File(m) => usize::try_from(m.size()).unwrap_or(usize::MAX),
            InodeKind::Symlink(s) => s.len(),
            InodeKind::Dir(d) if self.fs == FsType::Rootfs || self.fs == FsType::Shm => {
                (2 + d.entries.lock().len()) * BOGO_DIRENT_SIZE
            }
            _ => 0,
        }
    }
    /// 512-byte blocks in use (st_blocks).
    pub fn blocks(&self) -> u64 {
        match &self.kind {
            InodeKind::File(m) => m.blocks(),
            _ => 0,
        }
    }
    pub fn rdev(&self) -> (u32, u32) {
        match &self.kind {
            InodeKind::CharDev(a, b) | InodeKind::BlockDev(a, b) => (*a, *b),
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

    /// The page cache of a regular file, for a mapping (mm/mmap.rs, mm/memory.rs).
    pub fn shared_pages(&self) -> KResult<Arc<ShmObject>> {
        self.mapping().cloned().ok_or(ENODEV)
    }

    /// Reads file bytes at `off` into `buf`; returns how many (0 past the end).
    pub fn read_at_raw(&self, off: usize, buf: &mut [u8]) -> usize {
        self.mapping().map_or(0, |m| m.read(off as u64, buf))
    }

    /// Writes `data` at `off` (no times: the callers move them).
    pub fn write_at(&self, off: usize, data: &[u8]) -> KResult<usize> {
        self.mapping().ok_or(EINVAL)?.write(off as u64, data)
    }

    /// Linux: notify_change(ATTR_SIZE) -> shmem_setattr(): the size becomes `len` (a hole
    /// or a cut); mtime and ctime move when it changed, or when the cut went over pages.
    pub fn truncate(&self, len: u64) -> KResult<()> {
        match &self.kind {
            InodeKind::File(m) => {
                // Linux: inode_newsize_ok(): growing past RLIMIT_FSIZE is SIGXFSZ and EFBIG,
                // past MAX_LFS_FILESIZE EFBIG.
                if len > m.size() {
                    let cur = crate::kernel::task::current();
                    if len > cur.signal.rlimit(linux_raw_sys::general::RLIMIT_FSIZE as usize) {
                        crate::kernel::signal::send_signal(
                            &cur,
                            crate::kernel::signal_types::SIGXFSZ,
                            crate::kernel::signal::SigInfo { code: 0, ..Default::default() },
                        );
                        return Err(EFBIG);
                    }
                }
                if len > i64::MAX as u64 {
                    return Err(EFBIG);
                }
                if m.set_size(len)? {
                    self.touch_mtime();
                }
                Ok(())
            }
            InodeKind::Dir(_) => Err(EISDIR),
            InodeKind::Trace(n) => crate::fs::tracefs::truncate(n),
            // Linux: proc_setattr() / proc_sys_setattr() / kernfs accept a size change and do
            // nothing with it (`echo x > /proc/sys/...` opens with O_TRUNC).
            InodeKind::Proc(_) | InodeKind::Sysfs(_) => Ok(()),
            _ => Err(EINVAL),
        }
    }

    /// The entry `name` of this directory (Linux: lookup_one / simple_lookup, which is
    /// ENAMETOOLONG for a name longer than NAME_MAX).
    pub fn lookup(&self, name: &(impl AsRef<[u8]> + ?Sized)) -> KResult<Arc<Inode>> {
        let name = name.as_ref();
        match &self.kind {
            InodeKind::Dir(d) => {
                if name.len() > NAME_MAX {
                    return Err(ENAMETOOLONG);
                }
                d.entries.lock().get(name).cloned().ok_or(ENOENT)
            }
            InodeKind::Proc(n) => crate::fs::proc::lookup(n, core::str::from_utf8(name).map_err(|_| ENOENT)?),
            InodeKind::Sysfs(n) => crate::fs::sysfs::lookup(n, core::str::from_utf8(name).map_err(|_| ENOENT)?),
            _ => Err(ENOTDIR),
        }
    }

    /// The directory holding this one (itself for the root).
    pub fn parent(&self) -> Option<Arc<Inode>> {
        match &self.kind {
            InodeKind::Dir(d) => d.dentry.lock().parent.upgrade(),
            InodeKind::Proc(n) => crate::fs::proc::parent(n),
            InodeKind::Sysfs(n) => crate::fs::sysfs::parent(n),
            _ => None,
        }
    }

    /// This directory's name in its parent.
    pub fn dir_name(&self) -> Vec<u8> {
        use crate::fs::proc::ProcNode;
        match &self.kind {
            InodeKind::Dir(d) => d.dentry.lock().name.clone(),
            InodeKind::Sysfs(n) => crate::fs::sysfs::name_parent(n).map_or(Vec::new(), |(name, _)| name.into()),
            InodeKind::Proc(n) => match &n.node {
                // A procfs instance: the name it is mounted under.
                ProcNode::Root => {
                    let named = n.fs.mountpoint_parent.upgrade().and_then(|p| match &p.kind {
                        InodeKind::Dir(d) => {
                            d.entries.lock().iter().find(|(_, c)| c.ino == self.ino).map(|(k, _)| k.clone())
                        }
                        _ => None,
                    });
                    named.unwrap_or_else(|| b"proc".to_vec())
                }
                ProcNode::PidDir(p) | ProcNode::TidDir(p) => alloc::format!("{}", p).into_bytes(),
                ProcNode::FdDir(_) => b"fd".to_vec(),
                ProcNode::FdInfoDir(_) => b"fdinfo".to_vec(),
                ProcNode::TaskDir(_) => b"task".to_vec(),
                ProcNode::MapFilesDir(_) => b"map_files".to_vec(),
                ProcNode::SysDir(None) => b"sys".to_vec(),
                ProcNode::SysDir(Some(t)) => t.procname.as_bytes().to_vec(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Whether this directory has entries (Linux: !simple_empty()).
    pub fn has_entries(&self) -> bool {
        match &self.kind {
            InodeKind::Dir(d) => !d.entries.lock().is_empty(),
            _ => false,
        }
    }

    /// Links `child` as `name` in this directory (Linux: shmem_mknod()/shmem_link() after
    /// d_instantiate): EEXIST if the name is taken, ENOENT in a removed directory.  A child
    /// directory learns its name and parent and adds its ".." to this directory's links.
    /// The links of `child` itself are the caller's (a new inode has its own, link() adds).
    pub fn link(self: &Arc<Self>, name: &(impl AsRef<[u8]> + ?Sized), child: Arc<Inode>) -> KResult<()> {
        let name = name.as_ref();
        match &self.kind {
            InodeKind::Dir(d) => {
                if name.len() > NAME_MAX {
                    return Err(ENAMETOOLONG);
                }
                let mut e = d.entries.lock();
                // Linux: IS_DEADDIR(dir): nothing is made in a removed directory.
                if self.nlink.load(Ordering::Relaxed) == 0 {
                    return Err(ENOENT);
                }
                if e.contains_key(name) {
                    return Err(EEXIST);
                }
                may_add_entry()?;
                if let InodeKind::Dir(cd) = &child.kind {
                    let mut de = cd.dentry.lock();
                    de.parent = Arc::downgrade(self);
                    de.name = name.to_vec();
                }
                if child.is_dir() {
                    // The child's ".." (a mountpoint's too: Linux counts the directory under it).
                    self.nlink.fetch_add(1, Ordering::Relaxed);
                }
                e.insert(name.to_vec(), child);
                drop(e);
                self.touch_mtime();
                Ok(())
            }
            // Linux: nothing can be created in /proc (the lookup finds no entry): ENOENT;
            // sysfs directories have no create: EACCES.
            InodeKind::Proc(_) => Err(ENOENT),
            InodeKind::Sysfs(_) => Err(EACCES),
            _ => Err(ENOTDIR),
        }
    }

    /// Removes the entry `name` (Linux: vfs_unlink()/vfs_rmdir() after may_delete(): EISDIR
    /// or ENOTDIR for the wrong kind, EBUSY for a mountpoint, ENOTEMPTY for a directory with
    /// entries), and returns its inode.  A file loses a link; a directory all of them, and
    /// its parent the one of its "..".  EPERM in /proc, which has no unlink.
    pub fn unlink(&self, name: &(impl AsRef<[u8]> + ?Sized), want_dir: bool) -> KResult<Arc<Inode>> {
        let name = name.as_ref();
        match &self.kind {
            InodeKind::Dir(d) => {
                let mut e = d.entries.lock();
                let c = e.get(name).cloned().ok_or(ENOENT)?;
                if want_dir && !c.is_dir() {
                    return Err(ENOTDIR);
                }
                if !want_dir && c.is_dir() {
                    return Err(EISDIR);
                }
                if c.fs != self.fs {
                    return Err(EBUSY);
                }
                if let InodeKind::Dir(cd) = &c.kind {
                    if !cd.entries.lock_nested(1).is_empty() {
                        return Err(ENOTEMPTY);
                    }
                }
                e.remove(name);
                drop(e);
                if c.is_dir() {
                    c.nlink.store(0, Ordering::Relaxed);
                    self.nlink.fetch_sub(1, Ordering::Relaxed);
                } else {
                    c.drop_nlink();
                }
                c.touch_ctime();
                self.touch_mtime();
                Ok(c)
            }
            InodeKind::Proc(_) => Err(EPERM),
            _ => Err(ENOTDIR),
        }
    }

    /// Linux: drop_nlink().
    pub fn drop_nlink(&self) {
        let _ = self.nlink.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }
}

/// Linux: evict() -> shmem_evict_inode() -> shmem_free_inode(): the rootfs has one inode more
/// to give (the pages go with the ShmObject).
impl Drop for Inode {
    fn drop(&mut self) {
        if self.fs == FsType::Rootfs {
            ROOTFS_SB.free_inode();
        }
    }
}

/// Linux: shmem_reserve_inode()'s check, before a new inode of `dir`'s filesystem is made:
/// ENOSPC when the rootfs has no inode left.
pub fn may_create_inode(dir: &Inode) -> KResult<()> {
    if dir.fs == FsType::Rootfs && ROOTFS_SB.used_inodes() >= ROOTFS_SB.max_inodes() {
        return Err(ENOSPC);
    }
    Ok(())
}

/// Linux: NAME_MAX, the longest name of one path component.
pub const NAME_MAX: usize = linux_raw_sys::general::NAME_MAX as usize;

/// Whether the kernel heap can take a new directory entry and keep its reserve: a user who
/// makes names until the heap is gone gets ENOSPC (as a full tmpfs answers), not a kernel
/// that cannot allocate.
fn may_add_entry() -> KResult<()> {
    if crate::mm::heap::can_grow(1024) {
        Ok(())
    } else {
        Err(ENOSPC)
    }
}
