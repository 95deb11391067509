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

use super::filesystems::FsType;
use super::super_block::{rootfs_sb, SuperBlock};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::mm::node_prealloc::{node_block, nodes_per_insert, prealloc, NodeAlloc, NodePool, NodeReserve, Prealloc};
use crate::mm::shmem::{ShmObject, ROOTFS_SB};
use crate::mm::slab::{try_vec_from_slice, ArcSlot};
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::alloc::Layout;
use core::mem::size_of;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};

pub use linux_raw_sys::general::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK};
use linux_raw_sys::general::{S_IRWXG, S_IRWXO, S_IRWXU, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP, S_IXOTH, S_IXUSR};

// Linux: include/linux/stat.h.
pub const S_IRWXUGO: u32 = S_IRWXU | S_IRWXG | S_IRWXO;
pub const S_IALLUGO: u32 = S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO;
pub const S_IXUGO: u32 = S_IXUSR | S_IXGRP | S_IXOTH;

/// Linux: BOGO_DIRENT_SIZE (mm/shmem.c): what each entry adds to a tmpfs directory's size.
const BOGO_DIRENT_SIZE: usize = 20;

/// A directory: its entries, and its own place in the tree.
pub struct DirInode {
    pub entries: SpinLock<DirEntries, class::Inode>,
    pub dentry: SpinLock<Dentry, class::Dentry>,
}

/// A directory's entries by name, and in the order getdents returns them: newest first, as
/// tmpfs lists them (Linux: d_subdirs, where d_alloc() and d_move() add at the head).  Each
/// entry has a sequence number that stays while it is there, so a directory position (a
/// cookie made from it) is not shifted by entries removed or added in between.
///
/// An insert cannot fail: its name's copies are an `EntryName` and its maps' nodes a
/// `DirPrealloc`, both made before the caller changes anything (Linux: d_alloc(), ENOMEM,
/// before the inode is linked; the maps' nodes come from the DirNodes pool).
pub struct DirEntries {
    by_name: BTreeMap<Vec<u8>, (u64, Arc<Inode>), DirNodeAlloc>,
    by_seq: BTreeMap<u64, Vec<u8>, DirNodeAlloc>,
}

/// The pool of every directory's entry nodes (mm/node_prealloc.rs).
pub struct DirNodes;

static DIR_NODE_RESERVE: SpinLock<NodeReserve, class::DirNodes> = SpinLock::new(NodeReserve::new());

/// Directory entry nodes the reserve could not give (an insert without dir_prealloc()).
pub static DIR_NODE_MISSES: AtomicUsize = AtomicUsize::new(0);

impl NodePool for DirNodes {
    type Class = class::DirNodes;
    // (the larger of the two maps' key and value: a name and (seq, inode))
    const BLOCK: Layout = node_block(size_of::<Vec<u8>>() + size_of::<(u64, Arc<Inode>)>());
    /// A rename's two inserts into directories of up to 59 entries.
    const KEEP: usize = 12;
    const PREALLOC: &'static str = "dir_prealloc";
    fn reserve() -> &'static SpinLock<NodeReserve, class::DirNodes> {
        &DIR_NODE_RESERVE
    }
    fn misses() -> &'static AtomicUsize {
        &DIR_NODE_MISSES
    }
}

type DirNodeAlloc = NodeAlloc<DirNodes>;
/// The nodes of one change of directories' entries, kept until its last insert.
pub type DirPrealloc = Prealloc<DirNodes>;

/// Linux: d_alloc()'s allocation: room for `nodes` entry nodes (DirEntries::nodes_for of each
/// directory changed), ENOMEM; one fault-injection site.
pub fn dir_prealloc(nodes: usize) -> KResult<DirPrealloc> {
    prealloc::<DirNodes>(nodes)
}

/// A new entry's name, copied before the directory changes (Linux: d_alloc()'s name, ENOMEM):
/// one copy for each of DirEntries's maps.
pub struct EntryName {
    key: Vec<u8>,
    seq_name: Vec<u8>,
}

impl EntryName {
    pub fn new(name: &[u8]) -> KResult<EntryName> {
        Ok(EntryName { key: try_vec_from_slice(name)?, seq_name: try_vec_from_slice(name)? })
    }
}

impl Default for DirEntries {
    fn default() -> DirEntries {
        DirEntries { by_name: BTreeMap::new_in(DirNodeAlloc::new()), by_seq: BTreeMap::new_in(DirNodeAlloc::new()) }
    }
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
    /// The entry nodes `inserts` inserts into this directory can need (for dir_prealloc()).
    pub fn nodes_for(&self, inserts: usize) -> usize {
        2 * inserts * nodes_per_insert(self.len() + inserts)
    }
    /// Adds or replaces `name` (a new entry, at the head of the order); the old inode.  The
    /// nodes are the caller's DirPrealloc's (made with nodes_for, under the same lock).
    pub fn insert(&mut self, name: EntryName, ino: Arc<Inode>) -> Option<Arc<Inode>> {
        let seq = NEXT_DIRENT_SEQ.fetch_add(1, Ordering::Relaxed);
        self.by_seq.insert(seq, name.seq_name);
        let old = self.by_name.insert(name.key, (seq, ino));
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
    /// A namespace (fs/nsfs.rs): what /proc/PID/ns/* lead to.
    Nsfs(crate::fs::nsfs::NsCommon),
    /// A POSIX message queue (ipc/mqueue.rs).
    Mqueue(Arc<crate::ipc::mqueue::MqInfo>),
}

pub struct Inode {
    pub ino: u64,
    /// Linux: i_sb — the filesystem instance: its type (which inode operations there are),
    /// st_dev, read-only state (fs/super_block.rs).  Set once: at creation by a filesystem
    /// that knows its instance, else by link() (a new inode joins its directory's); an inode
    /// in no tree yet reads as the rootfs's.  Two inodes on different instances: EXDEV.
    sb: spin::Once<Arc<SuperBlock>>,
    /// Counted in the rootfs's inodes (mm/shmem.rs's ROOTFS_SB) until evicted.
    rootfs_counted: bool,
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
    /// A new inode of no filesystem yet (it joins the one of the directory it is linked into).
    pub fn new(mode: u32, kind: InodeKind) -> Arc<Inode> {
        Inode::build(None, Inode::next_ino(), mode, kind)
    }
    /// new() for a syscall: ENOMEM (Linux: new_inode(); a fault-injection site).
    pub fn try_new(mode: u32, kind: InodeKind) -> KResult<Arc<Inode>> {
        Inode::try_build(None, Inode::next_ino(), mode, kind)
    }
    /// An inode of instance `sb`, with a given number (/proc: numbers that stay the same
    /// across lookups; nsfs: the namespace's).
    pub fn new_in(sb: &Arc<SuperBlock>, ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
        Inode::build(Some(sb), ino, mode, kind)
    }
    /// Linux: new_inode() + inode_init_owner(): owned by the creator's fsuid and fsgid, all
    /// times now; one link (a directory two: its name and its ".").  The kernel's own inodes
    /// (the initramfs, /proc, tracefs): an allocation too small to fail.
    pub fn build(sb: Option<&Arc<SuperBlock>>, ino: u64, mode: u32, kind: InodeKind) -> Arc<Inode> {
        let rootfs_counted = Inode::count(sb);
        Inode::adopt(Arc::new(Inode::init(sb, ino, mode, kind, rootfs_counted)))
    }
    /// build() for a syscall (Linux: new_inode() -> alloc_inode(), ENOMEM; a fault-injection
    /// site).  The memory is taken first, so failing counts no inode in the superblock; `kind`
    /// (a file's pages, a FIFO's pipe) is freed with the error.
    pub fn try_build(sb: Option<&Arc<SuperBlock>>, ino: u64, mode: u32, kind: InodeKind) -> KResult<Arc<Inode>> {
        let slot = ArcSlot::<Inode>::try_new()?;
        let rootfs_counted = Inode::count(sb);
        Ok(Inode::adopt(slot.fill(Inode::init(sb, ino, mode, kind, rootfs_counted))))
    }
    /// Counts a new inode in the rootfs's (Drop gives it back): whether it is the rootfs's.
    fn count(sb: Option<&Arc<SuperBlock>>) -> bool {
        // (an inode made before it has a filesystem is the rootfs's until linked elsewhere)
        let rootfs_counted = sb.is_none_or(|s| Arc::ptr_eq(s, rootfs_sb()));
        if rootfs_counted {
            ROOTFS_SB.used_inodes_add(1);
        }
        rootfs_counted
    }
    fn init(sb: Option<&Arc<SuperBlock>>, ino: u64, mode: u32, kind: InodeKind, rootfs_counted: bool) -> Inode {
        let once = spin::Once::new();
        if let Some(s) = sb {
            once.call_once(|| s.clone());
        }
        Inode {
            ino,
            sb: once,
            rootfs_counted,
            mode: AtomicU32::new(mode),
            nlink: AtomicU32::new(if mode & S_IFMT == S_IFDIR { 2 } else { 1 }),
            uid: AtomicU32::new(current_fsuid()),
            gid: AtomicU32::new(current_fsgid()),
            times: SpinLock::new(InodeTimes::all(current_time())),
            kind,
            writecount: AtomicI32::new(0),
            locks: crate::fs::locks::LockContextSlot::new(),
        }
    }
    /// A file's pages learn their inode (Linux: the mapping is inside the inode; here it was
    /// made before it, see ShmObject's `source`), before anyone else sees either.
    fn adopt(me: Arc<Inode>) -> Arc<Inode> {
        if let InodeKind::File(m) = &me.kind {
            m.set_source(Arc::downgrade(&me));
        }
        me
    }
    /// A regular file of instance `sb` (None: joins its directory's) whose pages are `pages`.
    pub fn new_reg(sb: Option<&Arc<SuperBlock>>, mode: u32, pages: Arc<ShmObject>) -> Arc<Inode> {
        Inode::build(sb, Inode::next_ino(), S_IFREG | (mode & S_IALLUGO), InodeKind::File(pages))
    }
    /// new_reg() for a syscall: ENOMEM (the pages are freed with the error).
    pub fn try_new_reg(sb: Option<&Arc<SuperBlock>>, mode: u32, pages: Arc<ShmObject>) -> KResult<Arc<Inode>> {
        Inode::try_build(sb, Inode::next_ino(), S_IFREG | (mode & S_IALLUGO), InodeKind::File(pages))
    }
    pub fn next_ino() -> u64 {
        NEXT_INO.fetch_add(1, Ordering::Relaxed)
    }
    /// A directory named `name` under `parent` (joining `parent`'s filesystem when linked).
    pub fn new_dir(mode: u32, parent: Weak<Inode>, name: &(impl AsRef<[u8]> + ?Sized)) -> Arc<Inode> {
        Inode::new_dir_of(None, mode, parent, name)
    }
    /// A directory of instance `sb` (None: its directory's): a filesystem's root (no parent)
    /// or a directory its code makes.
    pub fn new_dir_of(
        sb: Option<&Arc<SuperBlock>>,
        mode: u32,
        parent: Weak<Inode>,
        name: &(impl AsRef<[u8]> + ?Sized),
    ) -> Arc<Inode> {
        let kind = Inode::dir_kind(parent, name.as_ref().to_vec());
        Inode::build(sb, Inode::next_ino(), S_IFDIR | (mode & S_IALLUGO), kind)
    }
    /// new_dir() for mkdir: ENOMEM (Linux: shmem_get_inode(); its name is the dentry's, which
    /// link_new() gives it).
    pub fn try_new_dir(mode: u32, parent: Weak<Inode>) -> KResult<Arc<Inode>> {
        Inode::try_build(None, Inode::next_ino(), S_IFDIR | (mode & S_IALLUGO), Inode::dir_kind(parent, Vec::new()))
    }
    fn dir_kind(parent: Weak<Inode>, name: Vec<u8>) -> InodeKind {
        InodeKind::Dir(DirInode {
            entries: SpinLock::new(DirEntries::default()),
            dentry: SpinLock::new(Dentry { parent, name }),
        })
    }
    /// A new empty regular file (tmpfs: its pages count in the rootfs's blocks).
    pub fn new_file(mode: u32) -> Arc<Inode> {
        Inode::new_reg(None, mode, ShmObject::file(false, Some(&ROOTFS_SB)))
    }
    /// new_file() for open(O_CREAT) and mknod: ENOMEM (Linux: shmem_get_inode()).
    pub fn try_new_file(mode: u32) -> KResult<Arc<Inode>> {
        Inode::try_new_reg(None, mode, ShmObject::try_file(false, Some(&ROOTFS_SB))?)
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
    /// new_special() for mknod and rename's whiteout: ENOMEM.
    pub fn try_new_special(mode: u32, rdev: (u32, u32)) -> KResult<Arc<Inode>> {
        let kind = match mode & S_IFMT {
            S_IFCHR => InodeKind::CharDev(rdev.0, rdev.1),
            S_IFBLK => InodeKind::BlockDev(rdev.0, rdev.1),
            S_IFIFO => InodeKind::Fifo(crate::fs::pipe::Pipe::try_new()?),
            _ => InodeKind::Socket,
        };
        Inode::try_new(mode, kind)
    }

    pub fn mode(&self) -> u32 {
        self.mode.load(Ordering::Relaxed)
    }
    /// The filesystem instance (the rootfs for an inode in no tree yet).
    pub fn sb(&self) -> &Arc<SuperBlock> {
        self.sb.get().unwrap_or_else(|| rootfs_sb())
    }
    /// Makes this inode a member of `sb` (a filesystem's root, or an inode made for it);
    /// an inode keeps the first instance it is given.
    pub fn set_sb(&self, sb: &Arc<SuperBlock>) {
        self.sb.call_once(|| sb.clone());
    }
    /// The type of the filesystem the inode is on (Linux: inode->i_sb->s_type).
    pub fn fs_type(&self) -> FsType {
        self.sb().fs_type
    }
    /// Whether two inodes are on the same filesystem instance (Linux: a->i_sb == b->i_sb).
    pub fn same_sb(&self, other: &Inode) -> bool {
        Arc::ptr_eq(self.sb(), other.sb())
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
    /// Whether the inode is a tmpfs one (the rootfs, a tmpfs mount, a memfd), rather than
    /// ramfs's, /proc's or tracefs's.
    pub fn is_tmpfs(&self) -> bool {
        matches!(self.fs_type(), FsType::Rootfs | FsType::Tmpfs)
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
            InodeKind::Dir(d) if self.is_tmpfs() => (2 + d.entries.lock().len()) * BOGO_DIRENT_SIZE,
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

    /// This directory's name in its parent (empty for a filesystem's root).
    pub fn dir_name(&self) -> Vec<u8> {
        match &self.kind {
            InodeKind::Dir(d) => d.dentry.lock().name.clone(),
            InodeKind::Sysfs(n) => crate::fs::sysfs::name_parent(n).map_or(Vec::new(), |(name, _)| name.into()),
            InodeKind::Proc(n) => crate::fs::proc::dir_name(n),
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
    /// d_instantiate): EEXIST if the name is taken, ENOENT in a removed directory.  A new
    /// inode joins the directory's filesystem; one of another filesystem is EXDEV (Linux:
    /// vfs_link()'s i_sb check).  A child directory learns its name and parent and adds its
    /// ".." to this directory's links.  The links of `child` itself are the caller's (a new
    /// inode has its own, link() adds).
    pub fn link(self: &Arc<Self>, name: &(impl AsRef<[u8]> + ?Sized), child: Arc<Inode>) -> KResult<()> {
        self.link_inner(name.as_ref(), child, false)
    }

    /// link() of an inode just made (creat, mkdir, mknod, symlink): the directory's mtime and
    /// ctime and the new inode's three times are one timestamp, as Linux's shmem_mknod
    /// stamps both within one coarse tick — here exactly, so that a tick between making the
    /// inode and linking it cannot set them apart (nothing saw the inode before).
    pub fn link_new(self: &Arc<Self>, name: &(impl AsRef<[u8]> + ?Sized), child: Arc<Inode>) -> KResult<()> {
        self.link_inner(name.as_ref(), child, true)
    }

    fn link_inner(self: &Arc<Self>, name: &[u8], child: Arc<Inode>, new: bool) -> KResult<()> {
        match &self.kind {
            InodeKind::Dir(d) => {
                child.set_sb(self.sb());
                if !child.same_sb(self) {
                    return Err(EXDEV);
                }
                if name.len() > NAME_MAX {
                    return Err(ENAMETOOLONG);
                }
                // Linux: d_alloc(): the entry's name (and a directory's own, its dentry's),
                // ENOMEM before anything changes.
                let ename = EntryName::new(name)?;
                let dname = match &child.kind {
                    InodeKind::Dir(cd) if cd.dentry.lock().name != name => Some(try_vec_from_slice(name)?),
                    _ => None,
                };
                let now = current_time();
                if new {
                    // (before the entries' lock, which the times' lock does not nest in)
                    let mut t = child.times.lock();
                    t.atime = now;
                    t.mtime = now;
                    t.ctime = now;
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
                // The map's nodes, the last thing that can fail (under the entries' lock, kept
                // until the insert: mm/node_prealloc.rs).
                let _nodes = dir_prealloc(e.nodes_for(1))?;
                if let InodeKind::Dir(cd) = &child.kind {
                    let mut de = cd.dentry.lock();
                    de.parent = Arc::downgrade(self);
                    if let Some(n) = dname {
                        de.name = n;
                    }
                }
                if child.is_dir() {
                    // The child's ".." (a mountpoint's too: Linux counts the directory under it).
                    self.nlink.fetch_add(1, Ordering::Relaxed);
                }
                e.insert(ename, child);
                drop(e);
                let mut t = self.times.lock();
                t.mtime = now;
                t.ctime = now;
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
    /// or ENOTDIR for the wrong kind, ENOTEMPTY for a directory with entries; the caller has
    /// refused a mountpoint), and returns its inode.  A file loses a link; a directory all of them, and
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
        if self.rootfs_counted {
            ROOTFS_SB.free_inode();
        }
    }
}

/// Linux: shmem_reserve_inode()'s check, before a new inode of `dir`'s filesystem is made:
/// ENOSPC when the rootfs has no inode left.
pub fn may_create_inode(dir: &Inode) -> KResult<()> {
    if Arc::ptr_eq(dir.sb(), rootfs_sb()) && ROOTFS_SB.used_inodes() >= ROOTFS_SB.max_inodes() {
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
