//! Mount namespaces and the mount table: mount(2), umount2(2), the walk's crossing of
//! mountpoints, and the new mount API's fsmount/move_mount.  Linux: fs/namespace.c
//! (init_mount_tree, copy_mnt_ns, path_mount, do_new_mount, do_loopback, do_remount,
//! do_change_type, do_move_mount, do_umount, fsmount, move_mount, mntns_install),
//! fs/pnode.c (peer groups), fs/mount.h (struct mount, struct mnt_namespace).
//!
//! MenuOS has no dentries and no struct path: a walk goes from inode to inode.  A mount is
//! an entry of its namespace's table: the tree it shows (a superblock's root, or a directory
//! of it for a bind mount), the directory it covers (its mountpoint, an inode of the parent
//! mount's tree) and its per-mount flags.  The walk (fs/namei.rs) carries the mount it is in
//! and asks [`MntNamespace::follow_mount`] at every step whether a mount covers the inode it
//! reached there, and [`MntNamespace::follow_dotdot`] how ".." leaves a mount's root.  A
//! directory held without its mount (a cwd, an fd) is placed by [`MntNamespace::path_of`]:
//! the nearest ancestor that is the root of a visible mount.
//!
//! Mount propagation (shared subtrees): MS_SHARED makes a mount a member of a peer group,
//! MS_SLAVE a receiver of its group's events, MS_PRIVATE neither, MS_UNBINDABLE also refuses
//! bind mounts; a mount or umount under a shared mount is repeated under its peers and slaves
//! in every namespace (propagate_mnt / propagate_umount).  The namespaces copied by
//! CLONE_NEWNS keep the peer groups of the mounts they copy, as Linux's do.

use super::filesystems::FsType;
use super::inode::*;
use super::namei::{namei_path_at, Path};
use super::super_block::SuperBlock;
use super::AT_FDCWD;
use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SYS_ADMIN, CAP_SYS_CHROOT};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{current, TaskStruct};
use crate::kernel::user_namespace::{init_user_ns, UserNamespace};
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;
use linux_raw_sys::general as uapi;

// The per-mount flags (Linux: include/linux/mount.h MNT_*, kernel-internal).
pub const MNT_NOSUID: u32 = 0x01;
pub const MNT_NODEV: u32 = 0x02;
pub const MNT_NOEXEC: u32 = 0x04;
pub const MNT_NOATIME: u32 = 0x08;
pub const MNT_NODIRATIME: u32 = 0x10;
pub const MNT_RELATIME: u32 = 0x20;
pub const MNT_READONLY: u32 = 0x40;
pub const MNT_NOSYMFOLLOW: u32 = 0x80;
const MNT_ATIME_MASK: u32 = MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME;
const MNT_USER_SETTABLE_MASK: u32 =
    MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME | MNT_READONLY | MNT_NOSYMFOLLOW;

// mount(2)'s flags (Linux: include/uapi/linux/mount.h).
const MS_RDONLY: usize = uapi::MS_RDONLY as usize;
const MS_NOSUID: usize = uapi::MS_NOSUID as usize;
const MS_NODEV: usize = uapi::MS_NODEV as usize;
const MS_NOEXEC: usize = uapi::MS_NOEXEC as usize;
const MS_SYNCHRONOUS: usize = uapi::MS_SYNCHRONOUS as usize;
const MS_REMOUNT: usize = uapi::MS_REMOUNT as usize;
const MS_MANDLOCK: usize = uapi::MS_MANDLOCK as usize;
const MS_DIRSYNC: usize = uapi::MS_DIRSYNC as usize;
const MS_NOSYMFOLLOW: usize = uapi::MS_NOSYMFOLLOW as usize;
const MS_NOATIME: usize = uapi::MS_NOATIME as usize;
const MS_NODIRATIME: usize = uapi::MS_NODIRATIME as usize;
const MS_BIND: usize = uapi::MS_BIND as usize;
const MS_MOVE: usize = uapi::MS_MOVE as usize;
const MS_REC: usize = uapi::MS_REC as usize;
const MS_SILENT: usize = uapi::MS_SILENT as usize;
const MS_POSIXACL: usize = uapi::MS_POSIXACL as usize;
const MS_UNBINDABLE: usize = uapi::MS_UNBINDABLE as usize;
const MS_PRIVATE: usize = uapi::MS_PRIVATE as usize;
const MS_SLAVE: usize = uapi::MS_SLAVE as usize;
const MS_SHARED: usize = uapi::MS_SHARED as usize;
const MS_RELATIME: usize = uapi::MS_RELATIME as usize;
const MS_I_VERSION: usize = uapi::MS_I_VERSION as usize;
const MS_STRICTATIME: usize = uapi::MS_STRICTATIME as usize;
const MS_LAZYTIME: usize = uapi::MS_LAZYTIME as usize;
const MS_NOUSER: usize = uapi::MS_NOUSER as usize;
const MS_MGC_VAL: usize = uapi::MS_MGC_VAL as usize;
const MS_MGC_MSK: usize = uapi::MS_MGC_MSK as usize;

// umount2(2)'s flags.
const MNT_FORCE: i32 = uapi::MNT_FORCE as i32;
const MNT_DETACH: i32 = uapi::MNT_DETACH as i32;
const MNT_EXPIRE: i32 = uapi::MNT_EXPIRE as i32;
const UMOUNT_NOFOLLOW: i32 = uapi::UMOUNT_NOFOLLOW as i32;

/// The longest filesystem type name, source and option page mount(2) reads (Linux:
/// copy_mount_string() takes up to PATH_MAX, copy_mount_options() one page).
const FSTYPE_MAX: usize = 256;
const OPTIONS_MAX: usize = crate::mm::PAGE_SIZE;

/// The mount a path is in: 0 for the internal mounts outside every namespace (nsfs).
pub type MntId = u32;

/// Linux: a mount's propagation (mnt_share / mnt_master / MNT_UNBINDABLE), with Linux's
/// peer group ids as mountinfo shows them ("shared:N", "master:N").
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Propagation {
    /// The peer group this mount shares events with.
    shared: Option<u32>,
    /// The peer group this mount receives events from (MS_SLAVE).
    master: Option<u32>,
    unbindable: bool,
}

/// Linux: struct mount.
struct Mount {
    id: MntId,
    /// The mount this one is attached to (itself for the namespace's root).
    parent: MntId,
    /// The directory this mount covers, an inode of the parent's tree.
    mountpoint: Arc<Inode>,
    /// Linux: mnt_root — the root of what the mount shows.
    root: Arc<Inode>,
    sb: Arc<SuperBlock>,
    /// MNT_* flags.
    flags: u32,
    /// Linux: mnt_devname (the source given to mount).
    devname: String,
    prop: Propagation,
    /// Linux: mnt_expiry_mark (MNT_EXPIRE's first call sets it).
    expiry_mark: bool,
}

/// The key of a mount in its namespace: the mount it is attached to and the inode it covers
/// (superblock and inode number: generated inodes are not the same object twice).
type MpKey = (MntId, u64, u64);

fn ino_key(i: &Inode) -> (u64, u64) {
    (i.sb().dev, i.ino)
}

fn same_inode(a: &Inode, b: &Inode) -> bool {
    ino_key(a) == ino_key(b)
}

/// A mount's id, root, superblock, and whether something is mounted on its root.
type MountRoot = (MntId, Arc<Inode>, Arc<SuperBlock>, bool);

/// What namespace_sem guards: the mounts of one namespace.
struct MountTable {
    mounts: BTreeMap<MntId, Mount>,
    /// Linux: the mount hash — (parent, mountpoint) -> the mount on it.
    children: BTreeMap<MpKey, MntId>,
    /// (dev, ino) of each mount's root, with the mount: which mounts a directory is the root
    /// of, without a scan of every mount (path_of runs at every path lookup's start).
    /// Kept by attach/detach, as `children`.
    roots: BTreeMap<(u64, u64, MntId), ()>,
    root: MntId,
}

/// Linux: struct mnt_namespace.
pub struct MntNamespace {
    pub user_ns: Arc<UserNamespace>,
    pub inum: u32,
    table: SpinLock<MountTable, class::Namespace>,
    /// Linux: an anonymous namespace (fsmount's): not a namespace a task is in.
    anon: bool,
}

impl Drop for MntNamespace {
    fn drop(&mut self) {
        if self.inum != 0 {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
        let ids: Vec<MntId> = self.table.get_mut().mounts.keys().copied().collect();
        let mut ids_set = MNT_IDS.lock();
        for id in ids {
            ids_set.remove(&id);
        }
    }
}

/// The mount ids in use (Linux: mnt_id_ida).
static MNT_IDS: SpinLock<BTreeSet<MntId>, class::ProcInum> = SpinLock::new(BTreeSet::new());
/// Peer group ids (Linux: mnt_group_ida).
static GROUP_IDS: SpinLock<BTreeSet<u32>, class::ProcInum> = SpinLock::new(BTreeSet::new());
/// Every mount namespace, for propagation to peers in other namespaces.
static NAMESPACES: SpinLock<Vec<Weak<MntNamespace>>, class::ProcInum> = SpinLock::new(Vec::new());

fn lowest_free(s: &mut BTreeSet<u32>, first: u32) -> u32 {
    let mut n = first;
    for &used in s.iter() {
        if used < n {
            continue;
        }
        if used != n {
            break;
        }
        n += 1;
    }
    s.insert(n);
    n
}

/// Linux: mnt_alloc_id().
fn mnt_alloc_id() -> MntId {
    lowest_free(&mut MNT_IDS.lock(), 1)
}

/// Linux: mnt_alloc_group_id().
fn mnt_alloc_group_id() -> u32 {
    lowest_free(&mut GROUP_IDS.lock(), 1)
}

impl MountTable {
    fn get(&self, id: MntId) -> Option<&Mount> {
        self.mounts.get(&id)
    }
    /// The mount covering `ino` of mount `parent`, if any.
    fn child_on(&self, parent: MntId, ino: &Inode) -> Option<MntId> {
        let (dev, i) = ino_key(ino);
        self.children.get(&(parent, dev, i)).copied()
    }
    fn attach(&mut self, m: Mount) {
        if m.parent != m.id {
            let (dev, i) = ino_key(&m.mountpoint);
            self.children.insert((m.parent, dev, i), m.id);
        }
        let (dev, i) = ino_key(&m.root);
        self.roots.insert((dev, i, m.id), ());
        self.mounts.insert(m.id, m);
    }
    fn detach(&mut self, id: MntId) -> Option<Mount> {
        let m = self.mounts.remove(&id)?;
        let (dev, i) = ino_key(&m.root);
        self.roots.remove(&(dev, i, id));
        if m.parent != m.id {
            let (dev, i) = ino_key(&m.mountpoint);
            if self.children.get(&(m.parent, dev, i)) == Some(&id) {
                self.children.remove(&(m.parent, dev, i));
            }
        }
        Some(m)
    }
    /// The most recent mount whose root is `ino` and has nothing mounted on that root (as a
    /// scan of `mounts` by descending id would find it), through the `roots` index.
    fn uncovered_root_mount(&self, ino: &Inode) -> Option<MntId> {
        let (dev, i) = ino_key(ino);
        self.roots
            .range((dev, i, 0)..=(dev, i, MntId::MAX))
            .rev()
            .map(|(k, _)| k.2)
            .find(|&id| self.child_on(id, ino).is_none())
    }
    /// The mounts attached to `id`.
    fn children_of(&self, id: MntId) -> Vec<MntId> {
        self.children.range((id, 0, 0)..=(id, u64::MAX, u64::MAX)).map(|(_, c)| *c).collect()
    }
    /// `id` and every mount below it, parents first (Linux: next_mnt()).
    fn subtree(&self, id: MntId) -> Vec<MntId> {
        let mut out = alloc::vec![id];
        let mut i = 0;
        while i < out.len() {
            let c = self.children_of(out[i]);
            out.extend(c);
            i += 1;
        }
        out
    }
    /// Linux: follow_down(): the topmost mount over (mnt, ino).
    fn follow(&self, mut p: Path) -> Path {
        for _ in 0..self.mounts.len() {
            match self.child_on(p.mnt, &p.inode) {
                Some(c) => {
                    let m = &self.mounts[&c];
                    p = Path { mnt: c, inode: m.root.clone() };
                }
                None => break,
            }
        }
        p
    }
}

/// The path of `ino` below `root` inside one tree (names through the parent links), or None
/// when `root` is not an ancestor.
fn path_in_tree(ino: &Arc<Inode>, root: &Inode) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = ino.clone();
    for _ in 0..256 {
        if same_inode(&cur, root) {
            let mut s = String::new();
            for p in parts.iter().rev() {
                s.push('/');
                s.push_str(p);
            }
            return Some(s);
        }
        let (name, parent) = match &cur.kind {
            InodeKind::Dir(d) => {
                let d = d.dentry.lock();
                (String::from_utf8_lossy(&d.name).into_owned(), d.parent.upgrade())
            }
            _ => return None,
        };
        match parent {
            Some(p) if !Arc::ptr_eq(&p, &cur) => {
                parts.push(name);
                cur = p;
            }
            _ => return None,
        }
    }
    None
}

impl MntNamespace {
    fn new(user_ns: Arc<UserNamespace>, table: MountTable, anon: bool) -> KResult<Arc<MntNamespace>> {
        let inum = if anon { 0 } else { crate::fs::nsfs::proc_alloc_inum()? };
        let ns = Arc::new(MntNamespace { user_ns, inum, table: SpinLock::new(table), anon });
        if !anon {
            let mut all = NAMESPACES.lock();
            all.retain(|w| w.strong_count() > 0);
            all.push(Arc::downgrade(&ns));
        }
        Ok(ns)
    }

    /// The root of the namespace: its root mount and that mount's root.
    pub fn root_path(&self) -> Path {
        let t = self.table.lock();
        let m = &t.mounts[&t.root];
        Path { mnt: m.id, inode: m.root.clone() }
    }

    /// Linux: follow_mount() after a component: the topmost mount on what the walk reached.
    #[inline(never)]
    pub fn follow_mount(&self, p: Path) -> Path {
        let t = self.table.lock();
        if t.mounts.len() == 1 {
            return p;
        }
        t.follow(p)
    }

    /// Linux: follow_dotdot(): ".." from `p` — nowhere above the process root, out of mount
    /// roots to their mountpoints, then the parent directory (and whatever is mounted there).
    #[inline(never)]
    pub fn follow_dotdot(&self, p: &Path, process_root: &Path) -> Path {
        let mut cur = p.clone();
        {
            let t = self.table.lock();
            for _ in 0..=t.mounts.len() {
                if cur.mnt == process_root.mnt && same_inode(&cur.inode, &process_root.inode) {
                    return cur;
                }
                match t.get(cur.mnt) {
                    Some(m) if same_inode(&m.root, &cur.inode) && m.parent != m.id => {
                        cur = Path { mnt: m.parent, inode: m.mountpoint.clone() };
                    }
                    _ => break,
                }
            }
        }
        // (parent() of a /proc directory may look up pids: not under namespace_sem)
        let parent = cur.inode.parent().unwrap_or_else(|| cur.inode.clone());
        self.follow_mount(Path { mnt: cur.mnt, inode: parent })
    }

    /// The mounts' (id, root, covered?) and root mount, for walks that call parent() and so
    /// must not hold namespace_sem.
    fn roots(&self) -> (Vec<MountRoot>, MntId) {
        let t = self.table.lock();
        let v = t
            .mounts
            .values()
            .map(|m| (m.id, m.root.clone(), m.sb.clone(), t.child_on(m.id, &m.root).is_some()))
            .collect();
        (v, t.root)
    }

    /// The mount a directory held without one (a cwd, a root, an fd's) is in: the nearest
    /// ancestor that is the uncovered root of a mount; the namespace's root mount if none is.
    #[inline(never)]
    pub fn path_of(&self, ino: &Arc<Inode>) -> Path {
        {
            // the common case without a walk up: a root of an uncovered mount (the process
            // root, a cwd at "/")
            let t = self.table.lock();
            if t.mounts.len() == 1 {
                return Path { mnt: t.root, inode: ino.clone() };
            }
            if let Some(id) = t.uncovered_root_mount(ino) {
                return Path { mnt: id, inode: ino.clone() };
            }
        }
        // Up the parent links (with the table unlocked: parent() of a /proc directory may
        // look up pids) to the nearest ancestor that is an uncovered mount root.
        let mut cur = ino.clone();
        for _ in 0..256 {
            match cur.parent() {
                Some(p) if !same_inode(&p, &cur) => cur = p,
                _ => break,
            }
            if let Some(id) = self.table.lock().uncovered_root_mount(&cur) {
                return Path { mnt: id, inode: ino.clone() };
            }
        }
        let (roots, root_id) = self.roots();
        // A file without a parent link: the most recent mount of its filesystem.
        let sb = ino.sb();
        let id = roots.iter().rev().find(|(_, _, s, _)| Arc::ptr_eq(s, sb)).map_or(root_id, |m| m.0);
        Path { mnt: id, inode: ino.clone() }
    }

    /// The MNT_* flags and superblock of mount `id` (None: not a mount of this namespace).
    fn mnt_flags(&self, id: MntId) -> Option<(u32, Arc<SuperBlock>)> {
        self.table.lock().get(id).map(|m| (m.flags, m.sb.clone()))
    }

    /// The absolute path of mount `id`'s root seen from `root` (None: not below it).
    fn mount_path(t: &MountTable, id: MntId, root: &Path) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        let mut cur = id;
        for _ in 0..=t.mounts.len() {
            let m = t.get(cur)?;
            if cur == root.mnt {
                let below = path_in_tree(&m.root, &root.inode);
                // the root mount itself, seen from a root inside it
                let mut s = if same_inode(&m.root, &root.inode) { String::new() } else { below? };
                for p in parts.iter().rev() {
                    s.push_str(p);
                }
                return Some(s);
            }
            if m.parent == m.id {
                return None;
            }
            let parent = t.get(m.parent)?;
            let rel = path_in_tree(&m.mountpoint, &parent.root)?;
            parts.push(rel);
            cur = m.parent;
        }
        None
    }
}

/// Linux: init_mount_tree(): the initial namespace, the rootfs as its one mount.
pub fn init_mnt_ns() -> &'static Arc<MntNamespace> {
    static INIT: spin::Once<Arc<MntNamespace>> = spin::Once::new();
    INIT.call_once(|| {
        let r = root();
        let id = mnt_alloc_id();
        let mut t = MountTable { mounts: BTreeMap::new(), children: BTreeMap::new(), roots: BTreeMap::new(), root: id };
        t.attach(Mount {
            id,
            parent: id,
            mountpoint: r.clone(),
            root: r.clone(),
            sb: r.sb().clone(),
            flags: 0,
            devname: String::from("rootfs"),
            prop: Propagation::default(),
            expiry_mark: false,
        });
        MntNamespace::new(init_user_ns().clone(), t, false).expect("the first inode number")
    })
}

static ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// The rootfs's root directory (Linux: the root of init_mount_tree()'s rootfs).
pub fn root() -> Arc<Inode> {
    ROOT.call_once(|| Inode::new_dir_of(Some(super::super_block::rootfs_sb()), 0o755, alloc::sync::Weak::new(), ""))
        .clone()
}

/// The filesystems MenuOS mounts at boot in the initial namespace, as an init would:
/// proc on /proc, sysfs on /sys, tracefs on /sys/kernel/tracing (making the directories).
pub fn mount_boot_filesystems() {
    let ns = init_mnt_ns();
    let r = root();
    for (dir, ty) in [("proc", FsType::Proc), ("sys", FsType::Sysfs)] {
        if r.lookup(dir).is_err() {
            let _ = r.link(dir, Inode::new_dir(0o555, Arc::downgrade(&r), dir));
        }
        let Ok(d) = r.lookup(dir) else { continue };
        let fc = super::fs_context::FsContext::for_mount(ty, 0);
        if let Ok(tree) = fc.get_tree() {
            let mp = ns.follow_mount(Path { mnt: ns.root_path().mnt, inode: d });
            let _ = do_add_mount(ns, tree, &mp, MNT_RELATIME, String::from(ty.name()));
        }
    }
    if let Ok(p) = namei_path_at(AT_FDCWD, "/sys/kernel/tracing", true) {
        let fc = super::fs_context::FsContext::for_mount(FsType::Tracefs, 0);
        if let Ok(tree) = fc.get_tree() {
            let _ = do_add_mount(ns, tree, &p, MNT_RELATIME, String::from("tracefs"));
        }
    }
}

/// The caller's mount namespace.
pub fn current_mnt_ns() -> Arc<MntNamespace> {
    let ns = crate::kernel::task::with_current(|c| c.nsproxy.lock().as_ref().map(|n| n.mnt_ns.clone()));
    ns.unwrap_or_else(|| init_mnt_ns().clone())
}

/// Linux: copy_mnt_ns(): with CLONE_NEWNS, a copy of every mount of `old` (new ids, the same
/// trees, flags and peer groups), owned by `user_ns`.
pub fn copy_mnt_ns(flags: u64, old: &Arc<MntNamespace>, user_ns: &Arc<UserNamespace>) -> KResult<Arc<MntNamespace>> {
    if flags & crate::kernel::fork::CLONE_NEWNS == 0 {
        return Ok(old.clone());
    }
    let t = old.table.lock();
    let mut idmap: BTreeMap<MntId, MntId> = BTreeMap::new();
    for id in t.mounts.keys() {
        idmap.insert(*id, mnt_alloc_id());
    }
    let mut nt =
        MountTable { mounts: BTreeMap::new(), children: BTreeMap::new(), roots: BTreeMap::new(), root: idmap[&t.root] };
    // Linux: a namespace made by a less privileged user namespace gets its copies locked
    // together (MNT_LOCKED) and loses shared propagation to the parent's mounts.
    let less_privileged = !Arc::ptr_eq(user_ns, &old.user_ns);
    for m in t.mounts.values() {
        let mut prop = m.prop;
        if less_privileged && prop.shared.is_some() {
            prop.master = prop.shared;
            prop.shared = None;
        }
        nt.attach(Mount {
            id: idmap[&m.id],
            parent: idmap[&m.parent],
            mountpoint: m.mountpoint.clone(),
            root: m.root.clone(),
            sb: m.sb.clone(),
            flags: m.flags,
            devname: m.devname.clone(),
            prop,
            expiry_mark: false,
        });
    }
    drop(t);
    MntNamespace::new(user_ns.clone(), nt, false)
}

/// Linux: mntns_install(): setns() to a mount namespace needs CAP_SYS_ADMIN over it and
/// CAP_SYS_CHROOT and CAP_SYS_ADMIN in the user namespace being installed, and a root and
/// cwd not shared with another task.
pub fn mntns_install(ns: &Arc<MntNamespace>, cred_user_ns: &Arc<UserNamespace>) -> KResult<()> {
    if !ns_capable(&ns.user_ns, CAP_SYS_ADMIN)
        || !ns_capable(cred_user_ns, CAP_SYS_CHROOT)
        || !ns_capable(cred_user_ns, CAP_SYS_ADMIN)
    {
        return Err(EPERM);
    }
    if ns.anon {
        return Err(EINVAL);
    }
    if current().fs.lock().as_ref().is_some_and(|f| Arc::strong_count(f) > 1) {
        return Err(EINVAL);
    }
    Ok(())
}

/// The commit half of mntns_install(): root and cwd move to the namespace's root.
pub fn mntns_commit(t: &TaskStruct, ns: &MntNamespace) {
    let r = ns.root_path().inode;
    if let Some(fs) = t.fs.lock().clone() {
        let mut i = fs.inner.lock();
        i.root = r.clone();
        i.cwd = r;
    }
}

/// Linux: current_chrooted(): the caller's root is not its namespace's root.
pub fn current_chrooted() -> bool {
    let Some(fs) = current().fs.lock().clone() else { return false };
    let r = fs.inner.lock().root.clone();
    !same_inode(&r, &current_mnt_ns().root_path().inode)
}

/// Linux: mnt_want_write(): EROFS when the mount or its filesystem is read-only.
pub fn mnt_want_write(p: &Path) -> KResult<()> {
    if p.inode.sb().rdonly() {
        return Err(EROFS);
    }
    match current_mnt_ns().mnt_flags(p.mnt) {
        Some((f, _)) if f & MNT_READONLY != 0 => Err(EROFS),
        _ => Ok(()),
    }
}

/// mnt_want_write() for a directory held without its mount (a parent directory from
/// lookup_parent()).
pub fn mnt_want_write_dir(dir: &Arc<Inode>) -> KResult<()> {
    if dir.sb().rdonly() {
        return Err(EROFS);
    }
    mnt_want_write(&current_mnt_ns().path_of(dir))
}

/// The MNT_* flags of the mount `p` was reached through (0 for none: nsfs, a kernel mount).
pub fn mnt_flags_of_path(p: &Path) -> u32 {
    current_mnt_ns().mnt_flags(p.mnt).map_or(0, |(f, _)| f)
}

/// Linux: mnt_may_suid(): set-id bits and file capabilities count only on a mount without
/// MNT_NOSUID.
pub fn mnt_may_suid(p: &Path) -> bool {
    mnt_flags_of_path(p) & MNT_NOSUID == 0
}

/// Linux: path_noexec(): a file on a MNT_NOEXEC mount cannot be executed (EACCES).
pub fn path_noexec(p: &Path) -> bool {
    current_mnt_ns().mnt_flags(p.mnt).is_some_and(|(f, _)| f & MNT_NOEXEC != 0)
}

/// Linux: is_local_mountpoint(): whether something is mounted on `ino` in the caller's mount
/// namespace (rmdir, unlink and rename refuse a mountpoint: EBUSY).
pub fn is_local_mountpoint(ino: &Inode) -> bool {
    current_mnt_ns().is_mountpoint(ino)
}

impl MntNamespace {
    /// Whether a mount of this namespace covers `ino`.
    pub fn is_mountpoint(&self, ino: &Inode) -> bool {
        let t = self.table.lock();
        t.mounts.values().any(|m| m.parent != m.id && same_inode(&m.mountpoint, ino))
    }
}

/// For d_path: the roots of the caller's mounts of filesystem instance `sb`, newest first.
pub fn mount_roots_of(sb: &Arc<SuperBlock>) -> Vec<Arc<Inode>> {
    let ns = current_mnt_ns();
    let t = ns.table.lock();
    t.mounts.values().rev().filter(|m| Arc::ptr_eq(&m.sb, sb)).map(|m| m.root.clone()).collect()
}

/// For d_path: where a tree root `ino` is mounted in the caller's namespace (its mountpoint),
/// None for the namespace's root or a tree not mounted.
pub fn mountpoint_above(ino: &Arc<Inode>) -> Option<Arc<Inode>> {
    let ns = current_mnt_ns();
    let t = ns.table.lock();
    let m = t.mounts.values().rev().find(|m| same_inode(&m.root, ino) && m.parent != m.id)?;
    Some(m.mountpoint.clone())
}

// ---- mount(2) ------------------------------------------------------------------------------

/// Linux: may_mount(): CAP_SYS_ADMIN over the caller's mount namespace.
pub fn may_mount() -> bool {
    ns_capable(&current_mnt_ns().user_ns, CAP_SYS_ADMIN)
}

/// A filesystem instance ready to be mounted: its superblock and the root it shows.
pub struct NewTree {
    pub sb: Arc<SuperBlock>,
    pub root: Arc<Inode>,
}

/// Linux: do_add_mount() + graft_tree() + propagate_mnt(): attach a new mount of `tree`
/// on `mp` in the caller's namespace.
fn do_add_mount(ns: &Arc<MntNamespace>, tree: NewTree, mp: &Path, mnt_flags: u32, devname: String) -> KResult<()> {
    if tree.root.mode() & S_IFMT == S_IFLNK {
        return Err(EINVAL);
    }
    let prop_targets;
    {
        let mut t = ns.table.lock();
        let parent = t.get(mp.mnt).ok_or(EINVAL)?;
        // Refuse the same filesystem on the same mount point.
        if Arc::ptr_eq(&parent.sb, &tree.sb) && same_inode(&parent.root, &mp.inode) {
            return Err(EBUSY);
        }
        let parent_prop = parent.prop;
        let id = mnt_alloc_id();
        t.attach(Mount {
            id,
            parent: mp.mnt,
            mountpoint: mp.inode.clone(),
            root: tree.root.clone(),
            sb: tree.sb.clone(),
            flags: mnt_flags,
            devname: devname.clone(),
            prop: Propagation::default(),
            expiry_mark: false,
        });
        // A mount under a shared mount is shared too, in a new group that its copies join.
        if parent_prop.shared.is_some() {
            t.mounts.get_mut(&id).unwrap().prop.shared = Some(mnt_alloc_group_id());
        }
        prop_targets = parent_prop;
    }
    propagate_mnt(ns, mp, prop_targets, &tree, mnt_flags, &devname);
    Ok(())
}

/// Linux: propagate_mnt(): the receivers of the parent mount's peer group (its peers and its
/// slaves, in any namespace) get a copy of the new mount on the same directory.
fn propagate_mnt(
    src_ns: &Arc<MntNamespace>,
    mp: &Path,
    parent: Propagation,
    tree: &NewTree,
    flags: u32,
    devname: &str,
) {
    let Some(group) = parent.shared else { return };
    let new_group = {
        let t = src_ns.table.lock();
        t.child_on(mp.mnt, &mp.inode).and_then(|c| t.get(c)).and_then(|m| m.prop.shared)
    };
    let namespaces: Vec<Arc<MntNamespace>> = NAMESPACES.lock().iter().filter_map(|w| w.upgrade()).collect();
    for ns in namespaces {
        let mut t = ns.table.lock();
        let receivers: Vec<MntId> = t
            .mounts
            .values()
            .filter(|m| {
                (m.prop.shared == Some(group) || m.prop.master == Some(group))
                    && !(Arc::ptr_eq(&ns, src_ns) && m.id == mp.mnt)
            })
            .map(|m| m.id)
            .collect();
        for r in receivers {
            let (rroot, is_peer) = {
                let m = &t.mounts[&r];
                (m.root.clone(), m.prop.shared == Some(group))
            };
            // the directory must be inside what the receiver shows
            if !same_inode(&rroot, &mp.inode) && path_in_tree(&mp.inode, &rroot).is_none() {
                continue;
            }
            if t.child_on(r, &mp.inode).is_some() {
                continue;
            }
            let id = mnt_alloc_id();
            t.attach(Mount {
                id,
                parent: r,
                mountpoint: mp.inode.clone(),
                root: tree.root.clone(),
                sb: tree.sb.clone(),
                flags,
                devname: String::from(devname),
                prop: Propagation {
                    shared: if is_peer { new_group } else { None },
                    master: if is_peer { None } else { new_group },
                    unbindable: false,
                },
                expiry_mark: false,
            });
        }
    }
}

/// Splits mount(2)'s flags into per-mount MNT_* flags (Linux: path_mount()'s first part).
fn mnt_flags_of(flags: usize) -> u32 {
    let mut f = 0;
    if flags & MS_NOATIME == 0 {
        f |= MNT_RELATIME;
    }
    for (ms, mnt) in [
        (MS_NOSUID, MNT_NOSUID),
        (MS_NODEV, MNT_NODEV),
        (MS_NOEXEC, MNT_NOEXEC),
        (MS_NOATIME, MNT_NOATIME),
        (MS_NODIRATIME, MNT_NODIRATIME),
        (MS_RDONLY, MNT_READONLY),
        (MS_NOSYMFOLLOW, MNT_NOSYMFOLLOW),
    ] {
        if flags & ms != 0 {
            f |= mnt;
        }
    }
    if flags & MS_STRICTATIME != 0 {
        f &= !(MNT_RELATIME | MNT_NOATIME);
    }
    f
}

/// Linux: SYSCALL_DEFINE5(mount) -> do_mount() -> path_mount().
pub fn sys_mount(
    dev_name: UserCStr,
    dir_name: UserCStr,
    fstype: UserCStr,
    flags: usize,
    data: UserPtr<u8>,
) -> KResult<usize> {
    // Linux: copy_mount_string()s, copy_mount_options(), then the path.
    let ty = if fstype.is_null() { None } else { Some(fstype.read_string(FSTYPE_MAX)?) };
    let dev =
        if dev_name.is_null() { None } else { Some(String::from_utf8_lossy(&dev_name.read_path()?).into_owned()) };
    let options = if data.is_null() { None } else { Some(copy_mount_options(data)?) };
    let dir = dir_name.read_path()?;
    let path = namei_path_at(AT_FDCWD, &dir, true)?;
    path_mount(dev.as_deref(), &path, ty.as_deref(), flags, options.as_deref())
}

/// Linux: copy_mount_options(): up to a page, stopping short at the end of readable memory.
fn copy_mount_options(data: UserPtr<u8>) -> KResult<Vec<u8>> {
    let mut buf = alloc::vec![0u8; OPTIONS_MAX];
    // Linux copies what it can of the page; the bytes after a fault are zero.
    let first = crate::mm::PAGE_SIZE - (data.addr() & (crate::mm::PAGE_SIZE - 1));
    data.copy_in(&mut buf[..first])?;
    if first < OPTIONS_MAX && data.byte_add(first).copy_in(&mut buf[first..]).is_err() {
        buf[first..].fill(0);
    }
    buf[OPTIONS_MAX - 1] = 0;
    let n = buf.iter().position(|&b| b == 0).unwrap_or(OPTIONS_MAX);
    buf.truncate(n);
    Ok(buf)
}

/// Linux: path_mount().
pub fn path_mount(
    dev: Option<&str>,
    path: &Path,
    ty: Option<&str>,
    mut flags: usize,
    data: Option<&[u8]>,
) -> KResult<usize> {
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        flags &= !MS_MGC_MSK;
    }
    if flags & MS_NOUSER != 0 {
        return Err(EINVAL);
    }
    if !may_mount() {
        return Err(EPERM);
    }
    let mut mnt_flags = mnt_flags_of(flags);
    let sb_flags = (flags
        & (MS_RDONLY
            | MS_SYNCHRONOUS
            | MS_MANDLOCK
            | MS_DIRSYNC
            | MS_SILENT
            | MS_POSIXACL
            | MS_LAZYTIME
            | MS_I_VERSION)) as u32;
    let ns = current_mnt_ns();
    if flags & MS_REMOUNT != 0 && flags & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME) == 0 {
        // The default atime for remount is preservation.
        let cur = ns.mnt_flags(path.mnt).map_or(0, |(f, _)| f);
        mnt_flags = (mnt_flags & !MNT_ATIME_MASK) | (cur & MNT_ATIME_MASK);
    }
    if flags & (MS_REMOUNT | MS_BIND) == MS_REMOUNT | MS_BIND {
        return do_reconfigure_mnt(&ns, path, mnt_flags).map(|_| 0);
    }
    if flags & MS_REMOUNT != 0 {
        return do_remount(&ns, path, sb_flags, mnt_flags, data).map(|_| 0);
    }
    if flags & MS_BIND != 0 {
        return do_loopback(&ns, path, dev, flags & MS_REC != 0).map(|_| 0);
    }
    if flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE) != 0 {
        return do_change_type(&ns, path, flags).map(|_| 0);
    }
    if flags & MS_MOVE != 0 {
        return do_move_mount_old(&ns, path, dev).map(|_| 0);
    }
    do_new_mount(&ns, path, ty, sb_flags, mnt_flags, dev, data).map(|_| 0)
}

/// Linux: do_new_mount(): a new instance of filesystem `ty` on `path`.
fn do_new_mount(
    ns: &Arc<MntNamespace>,
    path: &Path,
    ty: Option<&str>,
    sb_flags: u32,
    mnt_flags: u32,
    dev: Option<&str>,
    data: Option<&[u8]>,
) -> KResult<()> {
    let ty = ty.ok_or(EINVAL)?;
    let fs_type = super::filesystems::get_fs_type(ty).ok_or(ENODEV)?;
    let mut fc = super::fs_context::FsContext::for_mount(fs_type, sb_flags);
    if let Some(d) = dev {
        fc.parse_param("source", super::fs_context::Param::String(String::from(d)))?;
    }
    if let Some(d) = data {
        fc.parse_monolithic(d)?;
    }
    if !fc.mount_capable() {
        return Err(EPERM);
    }
    let tree = fc.get_tree()?;
    let devname = fc.source.clone().unwrap_or_else(|| String::from("none"));
    do_add_mount(ns, tree, path, mnt_flags, devname)
}

/// Attaches a tree made by fsmount() (move_mount()'s target side).
pub fn attach_new_tree(tree: NewTree, path: &Path, mnt_flags: u32, devname: String) -> KResult<()> {
    if !may_mount() {
        return Err(EPERM);
    }
    do_add_mount(&current_mnt_ns(), tree, path, mnt_flags, devname)
}

/// Linux: do_reconfigure_mnt(): MS_REMOUNT|MS_BIND changes only the per-mount flags.
fn do_reconfigure_mnt(ns: &MntNamespace, path: &Path, mnt_flags: u32) -> KResult<()> {
    let (root, was_ro) = {
        let t = ns.table.lock();
        let m = t.get(path.mnt).ok_or(EINVAL)?;
        (m.root.clone(), m.flags & MNT_READONLY != 0)
    };
    if !same_inode(&root, &path.inode) {
        return Err(EINVAL);
    }
    // Linux: change_mount_ro_state(): EBUSY while files of the mount are open for writing.
    if mnt_flags & MNT_READONLY != 0 && !was_ro && tree_has_writers(&root, 0) {
        return Err(EBUSY);
    }
    let mut t = ns.table.lock();
    let m = t.mounts.get_mut(&path.mnt).ok_or(EINVAL)?;
    m.flags = (m.flags & !MNT_USER_SETTABLE_MASK) | (mnt_flags & MNT_USER_SETTABLE_MASK);
    Ok(())
}

/// Whether a file of the in-memory tree below `dir` is open for writing (Linux:
/// sb_prepare_remount_readonly()'s check of the writers of a superblock).
fn tree_has_writers(dir: &Arc<Inode>, depth: usize) -> bool {
    if depth > 256 {
        return false;
    }
    let entries: Vec<Arc<Inode>> = match &dir.kind {
        InodeKind::Dir(d) => d.entries.lock().iter().map(|(_, i)| i.clone()).collect(),
        _ => return false,
    };
    entries.iter().any(|c| c.writecount.load(Ordering::Relaxed) > 0 || tree_has_writers(c, depth + 1))
}

/// Linux: do_remount(): the superblock's flags and options, then the mount's flags.
fn do_remount(ns: &MntNamespace, path: &Path, sb_flags: u32, mnt_flags: u32, data: Option<&[u8]>) -> KResult<()> {
    let (root, sb) = {
        let t = ns.table.lock();
        let m = t.get(path.mnt).ok_or(EINVAL)?;
        (m.root.clone(), m.sb.clone())
    };
    if !same_inode(&root, &path.inode) {
        return Err(EINVAL);
    }
    if !ns_capable(&sb.user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let mut fc = super::fs_context::FsContext::for_reconfigure(&sb, sb_flags);
    if let Some(d) = data {
        fc.parse_monolithic(d)?;
    }
    let ro = sb_flags & super::super_block::SB_RDONLY != 0;
    if ro && !sb.rdonly() && tree_has_writers(&root, 0) {
        return Err(EBUSY);
    }
    fc.reconfigure(&root)?;
    super::super_block::set_rdonly(&sb, ro);
    let mut t = ns.table.lock();
    if let Some(m) = t.mounts.get_mut(&path.mnt) {
        m.flags = (m.flags & !MNT_USER_SETTABLE_MASK) | (mnt_flags & MNT_USER_SETTABLE_MASK);
    }
    Ok(())
}

/// Linux: do_loopback(): a bind mount of `old_name`'s directory (with MS_REC, of the mounts
/// below it too) on `path`.
fn do_loopback(ns: &Arc<MntNamespace>, path: &Path, old_name: Option<&str>, recurse: bool) -> KResult<()> {
    let old_name = old_name.filter(|s| !s.is_empty()).ok_or(EINVAL)?;
    let old = namei_path_at(AT_FDCWD, old_name, true)?;
    // Linux: an nsfs file may be bound from anywhere (that keeps its namespace alive), but a
    // mount namespace's would make the namespace hold itself (mnt_ns_loop()).
    if let InodeKind::Nsfs(n) = &old.inode.kind {
        if matches!(n, crate::fs::nsfs::NsCommon::Mnt(_)) {
            return Err(EINVAL);
        }
        if path.inode.is_dir() {
            return Err(ENOTDIR);
        }
        ns.table.lock().get(path.mnt).ok_or(EINVAL)?;
        let tree = NewTree { sb: old.inode.sb().clone(), root: old.inode.clone() };
        return do_add_mount(ns, tree, path, 0, String::from("nsfs"));
    }
    let prop;
    {
        let mut t = ns.table.lock();
        let src = t.get(old.mnt).ok_or(EINVAL)?;
        if src.prop.unbindable {
            return Err(EINVAL);
        }
        let dst = t.get(path.mnt).ok_or(EINVAL)?;
        prop = dst.prop;
        // Linux: a bind of a non-directory needs a non-directory mountpoint, and vice versa.
        if old.inode.is_dir() != path.inode.is_dir() {
            return Err(ENOTDIR);
        }
        let ids = if recurse { t.subtree(old.mnt) } else { alloc::vec![old.mnt] };
        let mut newid: BTreeMap<MntId, MntId> = BTreeMap::new();
        let mut copies = Vec::new();
        for (i, &id) in ids.iter().enumerate() {
            let m = &t.mounts[&id];
            if i > 0 {
                // only mounts below the bound directory, and not unbindable ones
                if m.prop.unbindable || !newid.contains_key(&m.parent) {
                    continue;
                }
                if m.parent == old.mnt && path_in_tree(&m.mountpoint, &old.inode).is_none() {
                    continue;
                }
            }
            let nid = mnt_alloc_id();
            newid.insert(id, nid);
            // Linux: clone_mnt(): a copy of a shared mount joins its peer group, of a slave
            // shares its master; under a shared parent a private copy gets a group of its own.
            let shared = m.prop.shared.or(if prop.shared.is_some() { Some(0) } else { None });
            copies.push(Mount {
                id: nid,
                parent: if i == 0 { path.mnt } else { newid[&m.parent] },
                mountpoint: if i == 0 { path.inode.clone() } else { m.mountpoint.clone() },
                root: if i == 0 { old.inode.clone() } else { m.root.clone() },
                sb: m.sb.clone(),
                flags: m.flags,
                devname: m.devname.clone(),
                prop: Propagation { shared, master: m.prop.master, unbindable: false },
                expiry_mark: false,
            });
        }
        for mut c in copies {
            if c.prop.shared == Some(0) {
                c.prop.shared = Some(mnt_alloc_group_id());
            }
            t.attach(c);
        }
    }
    let (flags, devname) = ns
        .mnt_flags(path.mnt)
        .map(|_| ())
        .and_then(|_| {
            let t = ns.table.lock();
            t.child_on(path.mnt, &path.inode).and_then(|c| t.get(c)).map(|m| (m.flags, m.devname.clone()))
        })
        .unwrap_or((0, String::new()));
    let tree = NewTree { sb: old.inode.sb().clone(), root: old.inode.clone() };
    propagate_mnt(ns, path, prop, &tree, flags, &devname);
    Ok(())
}

/// Linux: flags_to_propagation_type() + do_change_type(): exactly one of MS_SHARED,
/// MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE (with MS_REC and MS_SILENT), on a mount's root.
fn do_change_type(ns: &MntNamespace, path: &Path, flags: usize) -> KResult<()> {
    let ty = flags & !(MS_REC | MS_SILENT);
    if ty & !(MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE) != 0 || !ty.is_power_of_two() {
        return Err(EINVAL);
    }
    let mut t = ns.table.lock();
    let root_ok = t.get(path.mnt).is_some_and(|m| same_inode(&m.root, &path.inode));
    if !root_ok {
        return Err(EINVAL);
    }
    let ids = if flags & MS_REC != 0 { t.subtree(path.mnt) } else { alloc::vec![path.mnt] };
    for id in ids {
        let m = t.mounts.get_mut(&id).unwrap();
        match ty {
            MS_SHARED => {
                if m.prop.shared.is_none() {
                    m.prop.shared = Some(mnt_alloc_group_id());
                }
                m.prop.unbindable = false;
            }
            MS_SLAVE => {
                // Linux: a shared mount becomes a slave of its group; a private one stays
                // private.
                if let Some(g) = m.prop.shared.take() {
                    m.prop.master = Some(g);
                }
                m.prop.unbindable = false;
            }
            MS_PRIVATE => {
                m.prop = Propagation::default();
            }
            _ => {
                m.prop = Propagation { unbindable: true, ..Propagation::default() };
            }
        }
    }
    Ok(())
}

/// Linux: do_move_mount_old(): MS_MOVE moves the mount at `old_name` (with its submounts)
/// onto `path`.
fn do_move_mount_old(ns: &MntNamespace, path: &Path, old_name: Option<&str>) -> KResult<()> {
    let old_name = old_name.filter(|s| !s.is_empty()).ok_or(EINVAL)?;
    let old = namei_path_at(AT_FDCWD, old_name, true)?;
    do_move_mount(ns, &old, path)
}

/// Linux: do_move_mount(): the mount whose root `old` is moves onto `path`.
fn do_move_mount(ns: &MntNamespace, old: &Path, path: &Path) -> KResult<()> {
    let mut t = ns.table.lock();
    let m = t.get(old.mnt).ok_or(EINVAL)?;
    if !same_inode(&m.root, &old.inode) || m.parent == m.id {
        return Err(EINVAL);
    }
    // Linux: EINVAL when moving a mount under itself, or out of a shared parent.
    if t.subtree(old.mnt).contains(&path.mnt) {
        return Err(ELOOP);
    }
    if t.get(m.parent).is_some_and(|p| p.prop.shared.is_some()) {
        return Err(EINVAL);
    }
    if old.inode.is_dir() != path.inode.is_dir() {
        return Err(ENOTDIR);
    }
    let mut m = t.detach(old.mnt).ok_or(EINVAL)?;
    m.parent = path.mnt;
    m.mountpoint = path.inode.clone();
    t.attach(m);
    Ok(())
}

/// Linux: SYSCALL_DEFINE5(move_mount): move a mount, or attach a detached one (fsmount()'s),
/// onto another path.  MOVE_MOUNT_SET_GROUP (sharing a peer group) is not implemented: EINVAL
/// as on a Linux before it.
pub fn sys_move_mount(
    from_dfd: i32,
    from_path: UserCStr,
    to_dfd: i32,
    to_path: UserCStr,
    flags: u32,
) -> KResult<usize> {
    // Linux 6.1's MOVE_MOUNT__MASK (MOVE_MOUNT_BENEATH came in 6.5).
    let known = uapi::MOVE_MOUNT_F_SYMLINKS
        | uapi::MOVE_MOUNT_F_AUTOMOUNTS
        | uapi::MOVE_MOUNT_F_EMPTY_PATH
        | uapi::MOVE_MOUNT_T_SYMLINKS
        | uapi::MOVE_MOUNT_T_AUTOMOUNTS
        | uapi::MOVE_MOUNT_T_EMPTY_PATH;
    if flags & !known != 0 {
        return Err(EINVAL);
    }
    if !may_mount() {
        return Err(EPERM);
    }
    let from_s = from_path.read_path()?;
    let to_s = to_path.read_path()?;
    // The source: an fd (empty path with MOVE_MOUNT_F_EMPTY_PATH) or a path.
    let from_file = if from_s.is_empty() && flags & uapi::MOVE_MOUNT_F_EMPTY_PATH != 0 {
        Some(super::fd_get(from_dfd as u32)?)
    } else {
        None
    };
    let to = if to_s.is_empty() && flags & uapi::MOVE_MOUNT_T_EMPTY_PATH != 0 {
        let f = super::fd_get(to_dfd as u32)?;
        current_mnt_ns().path_of(&f.inode.clone().ok_or(EINVAL)?)
    } else {
        namei_path_at(to_dfd, &to_s, flags & uapi::MOVE_MOUNT_T_SYMLINKS != 0)?
    };
    if let Some(f) = &from_file {
        if let Some(d) = f.ops.as_any().and_then(|a| a.downcast_ref::<super::fsopen::DetachedMount>()) {
            let (tree, mnt_flags, devname) = d.tree.lock().take().ok_or(EINVAL)?;
            return match attach_new_tree(tree, &to, mnt_flags, devname) {
                Ok(()) => Ok(0),
                Err(e) => Err(e),
            };
        }
    }
    let ns = current_mnt_ns();
    let from = match from_file {
        Some(f) => ns.path_of(&f.inode.clone().ok_or(EINVAL)?),
        None => namei_path_at(from_dfd, &from_s, flags & uapi::MOVE_MOUNT_F_SYMLINKS != 0)?,
    };
    do_move_mount(&ns, &from, &to).map(|_| 0)
}

// ---- umount2(2) ----------------------------------------------------------------------------

/// Whether anything still uses the mounts `ids` (for umount without MNT_DETACH: EBUSY): a
/// task's root or cwd inside them, an open file, a mapped file or an executable of theirs.
/// A directory is placed in its mount (path_of); a file, which keeps no parent link, counts
/// when no other mount of the namespace shows its filesystem.
fn mounts_busy(ns: &Arc<MntNamespace>, ids: &[MntId]) -> bool {
    let (sbs, others): (Vec<Arc<SuperBlock>>, Vec<Arc<SuperBlock>>) = {
        let t = ns.table.lock();
        let mine = ids.iter().filter_map(|i| t.get(*i)).map(|m| m.sb.clone()).collect();
        let others = t.mounts.values().filter(|m| !ids.contains(&m.id)).map(|m| m.sb.clone()).collect();
        (mine, others)
    };
    let in_ids = |p: &Path| ids.contains(&p.mnt);
    let uses = |i: &Arc<Inode>| -> bool {
        if i.is_dir() {
            return in_ids(&ns.path_of(i));
        }
        let sb = i.sb();
        sbs.iter().any(|s| Arc::ptr_eq(s, sb)) && !others.iter().any(|s| Arc::ptr_eq(s, sb))
    };
    for task in crate::kernel::pid::all_tasks() {
        let same_ns = crate::kernel::nsproxy::task_nsproxy(&task).is_some_and(|n| Arc::ptr_eq(&n.mnt_ns, ns));
        if same_ns {
            if let Some(fs) = task.fs.lock().clone() {
                let i = fs.inner.lock().clone();
                if in_ids(&ns.path_of(&i.root)) || in_ids(&ns.path_of(&i.cwd)) {
                    return true;
                }
            }
        }
        if let Some(files) = task.files.lock().clone() {
            let open: Vec<Arc<Inode>> =
                files.fds.lock().iter().flatten().filter_map(|e| e.file.inode.clone()).collect();
            if open.iter().any(&uses) {
                return true;
            }
        }
        if let Some(mm) = task.mm.lock().clone() {
            let exe = mm.exe.lock().clone();
            if exe.is_some_and(|i| uses(&i)) {
                return true;
            }
            let mapped: Vec<Arc<Inode>> = mm
                .inner
                .lock()
                .vmas
                .values()
                .filter_map(|v| match &v.backing {
                    crate::mm::mm_types::Backing::File { inode, .. } => Some(inode.clone()),
                    crate::mm::mm_types::Backing::Shared { obj, .. } => obj.source_inode(),
                    _ => None,
                })
                .collect();
            if mapped.iter().any(&uses) {
                return true;
            }
        }
    }
    false
}

/// Linux: umount_tree() + propagate_umount(): `ids` leave the namespace; so do the mounts on
/// the same directories under the peers and slaves of their parents.
fn umount_tree(ns: &Arc<MntNamespace>, ids: &[MntId]) {
    let mut propagated: Vec<(u32, (u64, u64))> = Vec::new();
    {
        let mut t = ns.table.lock();
        for &id in ids.iter().rev() {
            if let Some(m) = t.detach(id) {
                if let Some(g) = t.get(m.parent).and_then(|p| p.prop.shared) {
                    propagated.push((g, ino_key(&m.mountpoint)));
                }
                MNT_IDS.lock().remove(&id);
            }
        }
    }
    if propagated.is_empty() {
        return;
    }
    let namespaces: Vec<Arc<MntNamespace>> = NAMESPACES.lock().iter().filter_map(|w| w.upgrade()).collect();
    for other in namespaces {
        let mut t = other.table.lock();
        for (g, (dev, ino)) in propagated.iter() {
            let parents: Vec<MntId> = t
                .mounts
                .values()
                .filter(|m| m.prop.shared == Some(*g) || m.prop.master == Some(*g))
                .map(|m| m.id)
                .collect();
            for p in parents {
                if let Some(&c) = t.children.get(&(p, *dev, *ino)) {
                    // only leaves: a propagated copy with mounts of its own stays
                    if t.children_of(c).is_empty() {
                        t.detach(c);
                        MNT_IDS.lock().remove(&c);
                    }
                }
            }
        }
    }
}

/// Linux: SYSCALL_DEFINE2(umount) -> ksys_umount() -> path_umount() -> do_umount().
pub fn sys_umount(name: UserCStr, flags: i32) -> KResult<usize> {
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
        return Err(EINVAL);
    }
    let path_s = name.read_path()?;
    let path = namei_path_at(AT_FDCWD, &path_s, flags & UMOUNT_NOFOLLOW == 0)?;
    // Linux: can_umount()
    if !may_mount() {
        return Err(EPERM);
    }
    let ns = current_mnt_ns();
    let (is_root, parent_is_self, sb) = {
        let t = ns.table.lock();
        let m = t.get(path.mnt).ok_or(EINVAL)?;
        if !same_inode(&m.root, &path.inode) {
            return Err(EINVAL);
        }
        (t.root == m.id, m.parent == m.id, m.sb.clone())
    };
    if flags & MNT_FORCE != 0 && !ns_capable(&ns.user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    // Linux: do_umount()
    let process_root = current().fs.lock().as_ref().map(|f| f.inner.lock().root.clone());
    let is_process_root = process_root.is_some_and(|r| ns.path_of(&r).mnt == path.mnt);
    if flags & MNT_EXPIRE != 0 {
        if is_process_root || flags & (MNT_FORCE | MNT_DETACH) != 0 {
            return Err(EINVAL);
        }
        if mounts_busy(&ns, &[path.mnt]) || !ns.table.lock().children_of(path.mnt).is_empty() {
            return Err(EBUSY);
        }
        let mut t = ns.table.lock();
        let m = t.mounts.get_mut(&path.mnt).ok_or(EINVAL)?;
        if !m.expiry_mark {
            m.expiry_mark = true;
            return Err(EAGAIN);
        }
    }
    if is_process_root && flags & MNT_DETACH == 0 {
        // Linux: "unmounting" the root remounts it read-only (do_umount_root()).
        if !sb.rdonly() {
            let root = ns.root_path().inode;
            if tree_has_writers(&root, 0) {
                return Err(EBUSY);
            }
            super::super_block::set_rdonly(&sb, true);
        }
        return Ok(0);
    }
    if is_root || parent_is_self {
        return Err(EINVAL);
    }
    let ids = ns.table.lock().subtree(path.mnt);
    if flags & MNT_DETACH == 0 && (ids.len() > 1 || mounts_busy(&ns, &ids)) {
        return Err(EBUSY);
    }
    umount_tree(&ns, &ids);
    Ok(0)
}

// ---- /proc/PID/mounts and mountinfo (fs/proc_namespace.rs prints them) --------------------

/// One mount as /proc/PID/mountinfo describes it.
pub struct MountInfo {
    pub id: MntId,
    pub parent: MntId,
    pub dev: u64,
    /// The mount's root inside its filesystem ("/" for a whole-filesystem mount).
    pub root: String,
    /// Where it is mounted, seen from the reader's root.
    pub mountpoint: String,
    pub mnt_flags: u32,
    pub shared: Option<u32>,
    pub master: Option<u32>,
    pub unbindable: bool,
    pub fs_type: FsType,
    pub devname: String,
    pub sb: Arc<SuperBlock>,
    /// The mount's root (what its filesystem's own options are read from).
    pub root_inode: Arc<Inode>,
}

/// The mounts of `t`'s namespace visible from its root, in mount order (Linux: the seq_file
/// iteration of m_start/m_next over ns->list, skipping what is outside the reader's root).
pub fn mounts_of(t: &TaskStruct) -> Option<Vec<MountInfo>> {
    let ns = crate::kernel::nsproxy::task_nsproxy(t)?.mnt_ns.clone();
    let root_ino = t.fs.lock().as_ref().map(|f| f.inner.lock().root.clone()).unwrap_or_else(root);
    let root = ns.path_of(&root_ino);
    let mut out = Vec::new();
    let snap: Vec<(MntId, Option<String>, Arc<Inode>)> = {
        let tb = ns.table.lock();
        tb.mounts.values().map(|m| (m.id, MntNamespace::mount_path(&tb, m.id, &root), m.root.clone())).collect()
    };
    for (id, mp, mroot) in snap {
        let Some(mut mp) = mp else { continue };
        if mp.is_empty() {
            mp.push('/');
        }
        // (sb_root_of() calls parent(): not under namespace_sem)
        let sb_root = sb_root_of(&mroot);
        let rel = if same_inode(&mroot, &sb_root) {
            String::from("/")
        } else {
            path_in_tree(&mroot, &sb_root).unwrap_or_else(|| String::from("/"))
        };
        let tb = ns.table.lock();
        let Some(m) = tb.get(id) else { continue };
        out.push(MountInfo {
            id: m.id,
            parent: m.parent,
            dev: m.sb.dev,
            root: rel,
            mountpoint: mp,
            mnt_flags: m.flags,
            shared: m.prop.shared,
            master: m.prop.master,
            unbindable: m.prop.unbindable,
            fs_type: m.sb.fs_type,
            devname: m.devname.clone(),
            sb: m.sb.clone(),
            root_inode: m.root.clone(),
        });
    }
    Some(out)
}

/// The root of a mount's filesystem: the highest ancestor of its root in the same tree.
fn sb_root_of(mroot: &Arc<Inode>) -> Arc<Inode> {
    let mut cur = mroot.clone();
    for _ in 0..256 {
        match cur.parent() {
            Some(p) if !same_inode(&p, &cur) && Arc::ptr_eq(p.sb(), mroot.sb()) => cur = p,
            _ => break,
        }
    }
    cur
}

/// Linux: mangle(): space, tab, newline and backslash as octal escapes.
pub fn mangle(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => {
                let _ = write!(o, "\\{:03o}", c as u32);
            }
            _ => o.push(c),
        }
    }
    o
}

/// Linux: show_mnt_opts(): the per-mount options after "rw"/"ro".
pub fn mnt_opts(flags: u32) -> String {
    let mut s = String::new();
    for (f, name) in [
        (MNT_NOSUID, ",nosuid"),
        (MNT_NODEV, ",nodev"),
        (MNT_NOEXEC, ",noexec"),
        (MNT_NOATIME, ",noatime"),
        (MNT_NODIRATIME, ",nodiratime"),
        (MNT_RELATIME, ",relatime"),
        (MNT_NOSYMFOLLOW, ",nosymfollow"),
    ] {
        if flags & f != 0 {
            s.push_str(name);
        }
    }
    s
}

/// Linux: sb->s_op->show_options(): the filesystem's own options (",hidepid=invisible"),
/// read from the mount's root.
pub fn fs_opts(root: &Inode) -> String {
    super::fs_context::show_options(root)
}
