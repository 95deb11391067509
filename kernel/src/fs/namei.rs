//! Path lookup and the syscalls that make and remove names.  Linux: fs/namei.c (path_init,
//! link_path_walk, walk_component, follow_dotdot, filename_parentat, path_lookupat,
//! filename_create, may_open, do_mknodat, do_mkdirat, do_rmdir, do_unlinkat, do_symlinkat,
//! do_linkat, do_renameat2, lock_rename), fs/libfs.c (simple_rename_exchange).
//!
//! The rootfs keeps names only in directories (no dentry cache), so a walk goes from inode to
//! inode; /proc directories answer lookups themselves (fs/proc/).  Paths are bytes.  A walk
//! starts at the process's root for an absolute path (a chroot confines it: ".." stops there,
//! absolute symlinks start there) and follows at most MAXSYMLINKS links in all.  It carries
//! the mount it is in (a [`Path`], Linux's struct path): the caller's mount namespace
//! (fs/namespace.rs) says at each step whether a mount covers the inode reached
//! (follow_mount) and where ".." leads out of a mount's root (follow_dotdot); the mount
//! decides what may be written (mnt_want_write: EROFS) and run (noexec), and a rename or
//! link across two mounts is EXDEV.
//!
//! Permission checks are Linux's, at Linux's places: search (MAY_EXEC) on every directory a
//! walk passes through (may_lookup), fs.protected_symlinks on following a link
//! (may_follow_link), write and search on a directory to create in it (may_create) or delete
//! from it (may_delete, with the sticky bit), the access mode on open (may_open).  The
//! decisions are the host-tested credcheck::perm; inode_permission() applies them to an inode
//! with the caller's cred.

use super::filesystems::FsType;
use super::inode::*;
use super::namespace::{root, MntId, MntNamespace};
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW};
use crate::errno::*;
use crate::fs::file::fd_get;
use crate::fs::fs_struct::current_umask;
use crate::kernel::capability::{capable_wrt_inode_uidgid, CAP_FOWNER, CAP_FSETID};
use crate::kernel::cred::{current_cred, Cred};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::current;
use crate::mm::uaccess::UserCStr;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use credcheck::perm::{self, InodeIds};
use linux_raw_sys::general::{
    O_ACCMODE, O_APPEND, O_DIRECTORY, O_NOATIME, O_PATH, O_RDONLY, O_TRUNC, O_WRONLY, RENAME_EXCHANGE,
    RENAME_NOREPLACE, RENAME_WHITEOUT, S_ISVTX,
};

/// Linux: MAXSYMLINKS (include/linux/namei.h), the most symlinks one lookup follows.
const MAXSYMLINKS: usize = 40;

pub use credcheck::perm::{MAY_ACCESS, MAY_APPEND, MAY_CHDIR, MAY_EXEC, MAY_OPEN, MAY_READ, MAY_WRITE};

/// What the permission rules read of an inode.
pub fn inode_ids(ino: &Inode) -> InodeIds {
    InodeIds { mode: ino.mode(), uid: ino.uid.load(Ordering::Relaxed), gid: ino.gid.load(Ordering::Relaxed) }
}

/// Linux: generic_permission() — the mode bits for `cred`, then its DAC capabilities
/// (capable_wrt_inode_uidgid()).
pub fn generic_permission(cred: &Cred, ino: &Inode, mask: u32) -> KResult<()> {
    let ids = inode_ids(ino);
    let cap = |c: u32| capable_wrt_inode_uidgid(cred, ids.uid, ids.gid, c);
    perm::generic_permission(cred, &ids, mask, &cap).map_err(|e| Errno(e as i32))
}

/// Linux: inode_permission() with a given cred: a /proc inode's own ->permission (ESRCH in
/// the directory of a process that is gone: proc_pid_permission; its fd directory is always
/// open to the process itself: proc_fd_permission), else generic_permission().
pub fn inode_permission_cred(cred: &Cred, ino: &Inode, mask: u32) -> KResult<()> {
    if let InodeKind::Proc(pi) = &ino.kind {
        crate::fs::proc::proc_pid_permission(pi)?;
    }
    let r = generic_permission(cred, ino, mask);
    if r.is_err() {
        if let InodeKind::Proc(pi) = &ino.kind {
            if crate::fs::proc::permission_override(pi) {
                return Ok(());
            }
        }
    }
    r
}

/// Linux: inode_permission() — may the caller (its subjective cred) read, write or execute
/// (MAY_READ/MAY_WRITE/MAY_EXEC, with MAY_OPEN/MAY_ACCESS/MAY_CHDIR telling why) `ino`?
pub fn inode_permission(ino: &Inode, mask: u32) -> KResult<()> {
    inode_permission_cred(&current_cred(), ino, mask)
}

/// Linux: may_lookup() — search permission on a directory a walk passes through.  (Out of
/// line: walk() recurses once per symlink, and its frame must stay small.)
#[inline(never)]
fn may_lookup(cred: &Cred, dir: &Inode) -> KResult<()> {
    inode_permission_cred(cred, dir, MAY_EXEC)
}

/// Linux: may_follow_link() (fs.protected_symlinks = 1): in a sticky world-writable
/// directory, only links owned by the follower or by the directory's owner are followed.
#[inline(never)]
fn may_follow_link(cred: &Cred, dir: &Inode, link: &Inode) -> KResult<()> {
    perm::may_follow_link(cred, &inode_ids(dir), link.uid.load(Ordering::Relaxed)).map_err(|e| Errno(e as i32))
}

/// Linux: may_create() — write and search permission on the directory a name is made in.
pub fn may_create(dir: &Inode) -> KResult<()> {
    inode_permission(dir, MAY_WRITE | MAY_EXEC)
}

/// Linux: may_delete() — write and search permission on the directory, and in a sticky
/// directory ownership of the file or the directory (or CAP_FOWNER): EPERM.  Then the type
/// rules (ENOTDIR, EISDIR) the caller's unlink also makes.
pub fn may_delete(dir: &Inode, victim: &Inode, isdir: bool) -> KResult<()> {
    let cred = current_cred();
    inode_permission_cred(&cred, dir, MAY_WRITE | MAY_EXEC)?;
    let v = inode_ids(victim);
    if perm::check_sticky(&cred, &inode_ids(dir), &v, capable_wrt_inode_uidgid(&cred, v.uid, v.gid, CAP_FOWNER)) {
        return Err(EPERM);
    }
    if isdir {
        if !victim.is_dir() {
            return Err(ENOTDIR);
        }
    } else if victim.is_dir() {
        return Err(EISDIR);
    }
    Ok(())
}

/// How a lookup treats its path (Linux: LOOKUP_FOLLOW, LOOKUP_EMPTY).
#[derive(Clone, Copy, Default)]
pub struct LookupFlags {
    /// Follow a final symlink (AT_SYMLINK_NOFOLLOW clears it).
    pub follow: bool,
    /// An empty path names `dirfd` itself (AT_EMPTY_PATH), or the cwd for AT_FDCWD.
    pub empty: bool,
}

/// Linux: LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT: what the last component is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LastType {
    Norm,
    Root,
    Dot,
    DotDot,
}

/// The last component of a path as a walk sees it, borrowed from the path.
struct LastRef<'p> {
    name: &'p [u8],
    kind: LastType,
    trailing_slash: bool,
}

/// The last component of a path (Linux: nd->last, nd->last_type), and whether slashes
/// followed it ("dir/": it must be a directory).
pub struct Last {
    pub name: Vec<u8>,
    pub kind: LastType,
    pub trailing_slash: bool,
}

/// Linux: struct path — an inode and the mount it was reached through (0: in no mount of a
/// namespace: an nsfs file, what a /proc magic link leads to).
#[derive(Clone)]
pub struct Path {
    pub mnt: MntId,
    pub inode: Arc<Inode>,
}

/// The root a walk of the current process starts absolute paths at, and stops ".." at
/// (Linux: current->fs->root).
pub fn current_root() -> Arc<Inode> {
    let fs = current().fs.lock().clone();
    match fs {
        Some(fs) => fs.inner.lock().root.clone(),
        None => root(),
    }
}

/// One walk (Linux: struct nameidata): the mount namespace it crosses mounts in, the root it
/// is confined to, the links followed.
struct Nameidata {
    ns: Arc<MntNamespace>,
    root: Path,
    links: usize,
    /// The cred the walk's permission checks use (Linux: current_cred() throughout a walk).
    cred: Arc<Cred>,
}

impl Nameidata {
    /// Linux: follow_dotdot(): the parent, except at the process's root; out of a mount's
    /// root to the directory it covers first.
    fn dotdot(&self, d: &Path) -> Path {
        self.ns.follow_dotdot(d, &self.root)
    }

    /// Linux: link_path_walk(): every component but the last, from `start` (the root for an
    /// absolute path).  Returns the directory the last component is in, and that component
    /// (borrowed from `path`: a lookup allocates nothing for it).
    fn walk_parent_ref<'p>(&mut self, start: Path, path: &'p [u8]) -> KResult<(Path, LastRef<'p>)> {
        let mut cur = if path.first() == Some(&b'/') { self.root.clone() } else { start };
        let trailing_slash = path.ends_with(b"/");
        let mut comps = path.split(|&c| c == b'/').filter(|c| !c.is_empty());
        let Some(mut last) = comps.next() else {
            return Ok((cur, LastRef { name: b"", kind: LastType::Root, trailing_slash }));
        };
        for c in comps {
            may_lookup(&self.cred, &cur.inode)?;
            cur = self.step(&cur, last, true)?;
            if !cur.inode.is_dir() {
                return Err(ENOTDIR);
            }
            last = c;
        }
        if !cur.inode.is_dir() {
            return Err(ENOTDIR);
        }
        // (link_path_walk's may_lookup on the directory holding the last component)
        may_lookup(&self.cred, &cur.inode)?;
        let kind = match last {
            b"." => LastType::Dot,
            b".." => LastType::DotDot,
            _ => LastType::Norm,
        };
        Ok((cur, LastRef { name: last, kind, trailing_slash }))
    }

    /// walk_parent_ref with the last component owned.
    fn walk_parent(&mut self, start: Path, path: &[u8]) -> KResult<(Path, Last)> {
        let (d, l) = self.walk_parent_ref(start, path)?;
        Ok((d, Last { name: l.name.to_vec(), kind: l.kind, trailing_slash: l.trailing_slash }))
    }

    /// Linux: walk_component(): one name in directory `dir`, on to whatever is mounted on
    /// what it names (follow_mount); a symlink is followed when `follow`.
    fn step(&mut self, dir: &Path, name: &[u8], follow: bool) -> KResult<Path> {
        if !dir.inode.is_dir() {
            return Err(ENOTDIR);
        }
        let next = match name {
            b"." => return Ok(dir.clone()),
            b".." => return Ok(self.dotdot(dir)),
            _ => dir.inode.lookup(name)?,
        };
        let next = self.ns.follow_mount(Path { mnt: dir.mnt, inode: next });
        if follow {
            self.follow(dir, next)
        } else {
            Ok(next)
        }
    }

    /// Linux: pick_link(): whether `p` is a link to follow.  A symlink gives its body (ELOOP
    /// past MAXSYMLINKS links in the whole walk, fs.protected_symlinks' check against the
    /// directory `dir` it is in, ENOENT for an empty one); a /proc magic link leads straight
    /// to its file (in no mount), which replaces `p`.
    fn pick_link(&mut self, dir: &Path, p: &mut Path) -> KResult<Option<Vec<u8>>> {
        let target = match &p.inode.kind {
            InodeKind::Symlink(t) => t.clone(),
            InodeKind::Proc(n) if p.inode.mode() & S_IFMT == S_IFLNK => {
                self.links += 1;
                if self.links > MAXSYMLINKS {
                    return Err(ELOOP);
                }
                if let Some(r) = crate::fs::proc::get_link(n) {
                    *p = Path { mnt: 0, inode: r? };
                }
                return Ok(None);
            }
            _ => return Ok(None),
        };
        self.links += 1;
        if self.links > MAXSYMLINKS {
            return Err(ELOOP);
        }
        may_follow_link(&self.cred, &dir.inode, &p.inode)?;
        if target.is_empty() {
            return Err(ENOENT);
        }
        Ok(Some(target))
    }

    /// Linux: walk_component()'s step_into() and link_path_walk()'s loop over the stack of
    /// links (nd->stack): `p`, found in directory `dir`, and if it is a symlink its body,
    /// resolved from `dir` (from the root when absolute), every link met on the way followed
    /// too.  Iterative, as Linux's: the bodies being walked are a stack here, not a recursion
    /// (40 nested links fit any kernel stack).
    fn follow(&mut self, dir: &Path, p: Path) -> KResult<Path> {
        // The link bodies being walked, innermost last, with the offset of the next component.
        let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
        // The directory the component being resolved is in.
        let mut cur = dir.clone();
        let mut p = p;
        loop {
            // `p` is what the last component named, in `cur`.
            if let Some(body) = self.pick_link(&cur, &mut p)? {
                if body.first() == Some(&b'/') {
                    cur = self.root.clone();
                }
                stack.push((body, 0));
            } else {
                // `p` is final: it ends each body it was the last component of (a body with a
                // trailing slash must name a directory), and the next component of the
                // innermost body left is looked up in it.
                loop {
                    let Some((body, pos)) = stack.last() else { return Ok(p) };
                    if next_component(body, *pos).is_some() {
                        break;
                    }
                    let trailing_slash = body.ends_with(b"/");
                    stack.pop();
                    if trailing_slash && !p.inode.is_dir() {
                        return Err(ENOTDIR);
                    }
                }
                cur = p.clone();
            }
            let (body, pos) = stack.last_mut().expect("a body is being walked");
            match next_component(body, *pos) {
                // a body of slashes only ("/"): it names the root
                None => p = cur.clone(),
                Some((start, end)) => {
                    *pos = end;
                    if !cur.inode.is_dir() {
                        return Err(ENOTDIR);
                    }
                    may_lookup(&self.cred, &cur.inode)?;
                    p = self.step(&cur, &body[start..end], false)?;
                }
            }
        }
    }

    /// Linux: path_lookupat(): the whole path; the last component followed when `follow`.
    fn walk(&mut self, start: Path, path: &[u8], follow: bool) -> KResult<Path> {
        let (dir, last) = self.walk_parent_ref(start, path)?;
        let p = self.lookup_last(&dir, last.name, last.kind, last.trailing_slash, follow)?;
        if last.trailing_slash && !p.inode.is_dir() {
            return Err(ENOTDIR);
        }
        Ok(p)
    }

    /// Linux: lookup_last(): a trailing slash follows a final symlink too.
    fn lookup_last(
        &mut self,
        dir: &Path,
        name: &[u8],
        kind: LastType,
        trailing_slash: bool,
        follow: bool,
    ) -> KResult<Path> {
        match kind {
            LastType::Root | LastType::Dot => Ok(dir.clone()),
            LastType::DotDot => Ok(self.dotdot(dir)),
            LastType::Norm => self.step(dir, name, follow || trailing_slash),
        }
    }
}

/// The next component of `path` from offset `pos`: its [start, end), None when only slashes
/// are left.
fn next_component(path: &[u8], pos: usize) -> Option<(usize, usize)> {
    let start = pos + path.get(pos..)?.iter().position(|&c| c != b'/')?;
    let end = path[start..].iter().position(|&c| c == b'/').map_or(path.len(), |n| start + n);
    Some((start, end))
}

/// Linux: getname()'s checks: an empty path is ENOENT, PATH_MAX or longer ENAMETOOLONG.
fn check_path(path: &[u8]) -> KResult<()> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path.len() >= super::PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    Ok(())
}

/// Linux: path_init(): the walk's namespace and root, and the directory a relative path
/// starts from: the cwd or the directory open at `dirfd` (ENOTDIR if it is not one), each
/// placed in its mount.
fn path_init(dirfd: i32, path: &[u8]) -> KResult<(Nameidata, Path)> {
    let cur = current();
    let fs = cur.fs.lock().clone().ok_or(ENOENT)?;
    let (root, cwd) = {
        let i = fs.inner.lock();
        (i.root.clone(), (dirfd == AT_FDCWD).then(|| i.cwd.clone()))
    };
    let ns = super::namespace::current_mnt_ns();
    let root = ns.path_of(&root);
    let start = if path.first() == Some(&b'/') {
        root.clone()
    } else if let Some(cwd) = cwd {
        ns.path_of(&cwd)
    } else {
        let f = fd_get(dirfd as u32)?;
        let ino = f.inode.clone().ok_or(ENOTDIR)?;
        if !ino.is_dir() {
            return Err(ENOTDIR);
        }
        ns.path_of(&ino)
    };
    Ok((Nameidata { ns, root, links: 0, cred: current_cred() }, start))
}

/// Linux: user_path_at() — resolve `path` to an inode; `follow` follows a final symlink.
pub fn namei_at(dirfd: i32, path: &(impl AsRef<[u8]> + ?Sized), follow: bool) -> KResult<Arc<Inode>> {
    namei_path_at(dirfd, path, follow).map(|p| p.inode)
}

/// namei_at() with the mount the inode was found in (mount, umount, and the checks of
/// per-mount flags: read-only, noexec).
pub fn namei_path_at(dirfd: i32, path: &(impl AsRef<[u8]> + ?Sized), follow: bool) -> KResult<Path> {
    let path = path.as_ref();
    check_path(path)?;
    let (mut nd, start) = path_init(dirfd, path)?;
    nd.walk(start, path, follow)
}

/// Linux: user_path_at() with LOOKUP_EMPTY: like namei_at, but with `flags.empty` an empty
/// path is the file open at `dirfd` (any kind: a pipe's or an O_PATH fd's inode too).
pub fn namei_at_empty(dirfd: i32, path: &(impl AsRef<[u8]> + ?Sized), flags: LookupFlags) -> KResult<Arc<Inode>> {
    namei_path_at_empty(dirfd, path, flags).map(|p| p.inode)
}

/// namei_at_empty() with the mount (an fd's or the cwd's inode: the mount it lies in).
pub fn namei_path_at_empty(dirfd: i32, path: &(impl AsRef<[u8]> + ?Sized), flags: LookupFlags) -> KResult<Path> {
    let path = path.as_ref();
    if path.is_empty() && flags.empty {
        let ino = if dirfd == AT_FDCWD {
            let fs = current().fs.lock().clone().ok_or(ENOENT)?;
            let cwd = fs.inner.lock().cwd.clone();
            cwd
        } else {
            fd_get(dirfd as u32)?.inode.clone().ok_or(EBADF)?
        };
        return Ok(super::namespace::current_mnt_ns().path_of(&ino));
    }
    namei_path_at(dirfd, path, flags.follow)
}

/// Linux: filename_parentat(): the directory holding the last component (in its mount), and
/// that component.
pub fn filename_parentat(dirfd: i32, path: &(impl AsRef<[u8]> + ?Sized)) -> KResult<(Path, Last)> {
    let path = path.as_ref();
    check_path(path)?;
    let (mut nd, start) = path_init(dirfd, path)?;
    nd.walk_parent(start, path)
}

/// Resolves the last component of an open (Linux: open_last_lookups()): the directory it is
/// in, the component, and the file when it exists (each in its mount).  A final symlink is
/// followed unless `follow` is false, into the directory its target names, so that O_CREAT
/// makes a dangling link's target.
pub fn open_lookup(dirfd: i32, path: &[u8], follow: bool, excl: bool) -> KResult<(Path, Last, Option<Path>)> {
    check_path(path)?;
    let (mut nd, start) = path_init(dirfd, path)?;
    let (mut dir, mut last) = nd.walk_parent(start, path)?;
    loop {
        if last.kind != LastType::Norm {
            let p = nd.lookup_last(&dir, &last.name, last.kind, last.trailing_slash, false)?;
            return Ok((dir, last, Some(p)));
        }
        let ino = match dir.inode.lookup(&last.name) {
            Ok(i) => i,
            Err(ENOENT) => return Ok((dir, last, None)),
            Err(e) => return Err(e),
        };
        let p = nd.ns.follow_mount(Path { mnt: dir.mnt, inode: ino });
        let is_link =
            p.inode.is_symlink() || matches!(p.inode.kind, InodeKind::Proc(_)) && p.inode.mode() & S_IFMT == S_IFLNK;
        // O_CREAT|O_EXCL never follows a final link: the name exists.
        if !is_link || !(follow || last.trailing_slash) || excl {
            return Ok((dir, last, Some(p)));
        }
        let target = match &p.inode.kind {
            InodeKind::Symlink(t) => t.clone(),
            _ => {
                let f = nd.follow(&dir, p)?;
                return Ok((dir, last, Some(f)));
            }
        };
        nd.links += 1;
        if nd.links > MAXSYMLINKS {
            return Err(ELOOP);
        }
        may_follow_link(&nd.cred, &dir.inode, &p.inode)?;
        if target.is_empty() {
            return Err(ENOENT);
        }
        let trailing = last.trailing_slash;
        (dir, last) = nd.walk_parent(dir, &target)?;
        last.trailing_slash |= trailing;
    }
}

/// Linux: ACC_MODE() plus build_open_flags()'s additions: what an open asks of the inode
/// (MAY_READ/MAY_WRITE from the access mode, MAY_WRITE for O_TRUNC, MAY_APPEND; nothing
/// for O_PATH).
pub fn open_acc_mode(flags: u32) -> u32 {
    if flags & O_PATH != 0 {
        return 0;
    }
    let mut acc = match flags & O_ACCMODE {
        O_RDONLY => MAY_READ,
        O_WRONLY => MAY_WRITE,
        _ => MAY_READ | MAY_WRITE,
    };
    if flags & O_TRUNC != 0 {
        acc |= MAY_WRITE;
    }
    if flags & O_APPEND != 0 {
        acc |= MAY_APPEND;
    }
    acc
}

/// Linux: may_open(): a directory opens read-only (or O_PATH); O_DIRECTORY wants one; then
/// the inode's permission for `acc_mode` (open_acc_mode(), or 0 for a file this open just
/// created); O_NOATIME only for the owner or CAP_FOWNER.
pub fn may_open(ino: &Inode, flags: u32, acc_mode: u32) -> KResult<()> {
    let acc = flags & O_ACCMODE;
    if ino.is_dir() && (acc != O_RDONLY || flags & O_TRUNC != 0) && flags & O_PATH == 0 {
        return Err(EISDIR);
    }
    if flags & O_DIRECTORY != 0 && !ino.is_dir() {
        return Err(ENOTDIR);
    }
    if acc_mode != 0 {
        inode_permission(ino, MAY_OPEN | acc_mode)?;
    }
    if flags & O_NOATIME != 0 && flags & O_PATH == 0 {
        let cred = current_cred();
        let ids = inode_ids(ino);
        if !perm::inode_owner_or_capable(&cred, &ids, capable_wrt_inode_uidgid(&cred, ids.uid, ids.gid, CAP_FOWNER)) {
            return Err(EPERM);
        }
    }
    Ok(())
}

/// Linux: vfs_prepare_mode() — a new inode's mode: S_ISGID stripped for a creator outside a
/// set-group-ID directory's group (mode_strip_sgid), then the umask.
pub fn vfs_prepare_mode(dir: &Inode, mode: u32, umask: u32) -> u32 {
    let cred = current_cred();
    let d = inode_ids(dir);
    let cap = capable_wrt_inode_uidgid(&cred, d.uid, d.gid, CAP_FSETID);
    perm::mode_strip_sgid(&cred, &d, mode, cap) & !umask
}

/// Whether names can be made and removed in `dir` (tmpfs and ramfs can; /proc, sysfs and
/// tracefs have no such inode operations).
fn dir_writable(dir: &Inode) -> bool {
    dir.sb().has_dir_ops()
}

/// Linux: filename_create(): the directory and name a new inode goes to.  EEXIST for "." and
/// ".." and "/" and for a name that is taken; a trailing slash is ENOENT unless making a
/// directory; then EROFS for a read-only mount (mnt_want_write(), reported after the
/// others).
pub fn filename_create(dirfd: i32, path: &[u8], is_dir: bool) -> KResult<(Path, Vec<u8>)> {
    let (dir, last) = filename_parentat(dirfd, path)?;
    if last.kind != LastType::Norm {
        return Err(EEXIST);
    }
    match dir.inode.lookup(&last.name) {
        Ok(_) => return Err(EEXIST),
        Err(ENOENT) => {}
        Err(e) => return Err(e),
    }
    if !is_dir && last.trailing_slash {
        return Err(ENOENT);
    }
    mnt_want_write(&dir)?;
    may_create_inode(&dir.inode)?;
    Ok((dir, last.name))
}

/// Linux: mnt_want_write(): EROFS on a read-only mount or filesystem.
pub fn mnt_want_write(p: &Path) -> KResult<()> {
    super::namespace::mnt_want_write(p)
}

/// Creates `ino` as `name` in `dir`: may_create (write and search permission on `dir`), then
/// the directory's owner rules (inode_init_owner), or fails as a directory without the
/// operation does (EPERM; ENOENT in /proc).
fn create_in(dir: &Arc<Inode>, name: &[u8], ino: Arc<Inode>) -> KResult<()> {
    may_create(dir)?;
    if dir.fs_type() == FsType::Tracefs {
        return Err(EPERM);
    }
    ino.inode_init_owner(dir);
    dir.link_new(name, ino)
}

/// Linux: new_decode_dev(): the device number mknod(2) takes.
pub fn new_decode_dev(dev: u32) -> (u32, u32) {
    ((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00))
}

/// Linux: do_mknodat(): a regular file (mode type 0 or S_IFREG), a device, a FIFO or a
/// socket's node.  S_IFDIR is EPERM, other types EINVAL; the umask applies (vfs_prepare_mode).
/// vfs_mknod(): may_create, then a character or block device needs CAP_MKNOD (EPERM).
pub fn sys_mknodat(dfd: i32, filename: UserCStr, mode: u32, dev: u32) -> KResult<usize> {
    let mode = mode & 0xffff; // umode_t
    match mode & S_IFMT {
        0 | S_IFREG | S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => {}
        S_IFDIR => return Err(EPERM),
        _ => return Err(EINVAL),
    }
    let path = filename.read_path()?;
    let (dir, name) = filename_create(dfd, &path, false)?;
    let dir = dir.inode;
    let perm = vfs_prepare_mode(&dir, mode & S_IALLUGO, current_umask());
    if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) {
        may_create(&dir)?;
        if !crate::kernel::capability::capable(crate::kernel::capability::CAP_MKNOD) {
            return Err(EPERM);
        }
    }
    let ino = match mode & S_IFMT {
        0 | S_IFREG => Inode::try_new_file(perm)?,
        t @ (S_IFCHR | S_IFBLK) => Inode::try_new_special(t | perm, new_decode_dev(dev))?,
        t => Inode::try_new_special(t | perm, (0, 0))?,
    };
    create_in(&dir, &name, ino)?;
    Ok(0)
}

/// Linux: do_mkdirat(): mode & (S_IRWXUGO | S_ISVTX), less the umask.
pub fn sys_mkdirat(dfd: i32, pathname: UserCStr, mode: u32) -> KResult<usize> {
    let path = pathname.read_path()?;
    let (dir, name) = filename_create(dfd, &path, true)?;
    let dir = dir.inode;
    let mode = vfs_prepare_mode(&dir, S_IFDIR | (mode & (S_IRWXUGO | S_ISVTX)), current_umask()) & !S_IFMT;
    let d = Inode::try_new_dir(mode, Arc::downgrade(&dir))?;
    create_in(&dir, &name, d)?;
    Ok(0)
}

/// Linux: do_unlinkat(), or do_rmdir() with AT_REMOVEDIR.  rmdir of "." is EINVAL, of ".."
/// ENOTEMPTY, of "/" EBUSY; unlink of any of them EISDIR; "file/" is ENOTDIR.
pub fn sys_unlinkat(dfd: i32, pathname: UserCStr, flag: i32) -> KResult<usize> {
    let flags = flag as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let path = pathname.read_path()?;
    let (dirp, last) = filename_parentat(dfd, &path)?;
    let rmdir = flags & AT_REMOVEDIR != 0;
    match (last.kind, rmdir) {
        (LastType::Norm, _) => {}
        (LastType::Dot, true) => return Err(EINVAL),
        (LastType::DotDot, true) => return Err(ENOTEMPTY),
        (LastType::Root, true) => return Err(EBUSY),
        (_, false) => return Err(EISDIR),
    }
    mnt_want_write(&dirp)?;
    let dir = dirp.inode;
    if !rmdir && last.trailing_slash {
        // Linux: "slashes": the name must be a directory, which unlink refuses.
        let ino = dir.lookup(&last.name)?;
        return Err(if ino.is_dir() { EISDIR } else { ENOTDIR });
    }
    // Linux: vfs_unlink() / vfs_rmdir(): may_delete (permission, sticky bit, type), then EPERM
    // for a directory without the operation.
    let victim = dir.lookup(&last.name)?;
    may_delete(&dir, &victim, rmdir)?;
    if !dir_writable(&dir) {
        return Err(EPERM);
    }
    // Linux: is_local_mountpoint(): something is mounted on it in the caller's namespace.
    if super::namespace::is_local_mountpoint(&victim) {
        return Err(EBUSY);
    }
    dir.unlink(&last.name, rmdir)?;
    Ok(0)
}

/// Linux: do_symlinkat(): an empty target is ENOENT.
pub fn sys_symlinkat(oldname: UserCStr, newdfd: i32, newname: UserCStr) -> KResult<usize> {
    let target = oldname.read_path()?;
    if target.is_empty() {
        return Err(ENOENT);
    }
    let path = newname.read_path()?;
    let (dir, name) = filename_create(newdfd, &path, false)?;
    create_in(&dir.inode, &name, Inode::try_new(S_IFLNK | 0o777, InodeKind::Symlink(target))?)?;
    Ok(0)
}

/// Linux: may_linkat() (fs.protected_hardlinks = 1): a hard link to a file the caller does
/// not own (nor has CAP_FOWNER over) only to a "safe" source: a regular, non-set-id file it
/// may read and write.  EPERM otherwise.
fn may_linkat(ino: &Inode) -> KResult<()> {
    let cred = current_cred();
    let ids = inode_ids(ino);
    let rw_ok = ino.is_reg() && inode_permission_cred(&cred, ino, MAY_READ | MAY_WRITE).is_ok();
    if perm::safe_hardlink_source(&ids, rw_ok)
        || perm::inode_owner_or_capable(&cred, &ids, capable_wrt_inode_uidgid(&cred, ids.uid, ids.gid, CAP_FOWNER))
    {
        return Ok(());
    }
    Err(EPERM)
}

/// Linux: do_linkat() -> vfs_link(): EXDEV across mounts (and filesystems), EPERM for a
/// directory, ENOENT for a file with no links left (an open unlinked file, through
/// AT_EMPTY_PATH).
pub fn sys_linkat(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    // Linux: linking an open file by AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (ENOENT).
    if flags & AT_EMPTY_PATH != 0 && !crate::kernel::capability::capable(crate::kernel::capability::CAP_DAC_READ_SEARCH)
    {
        return Err(ENOENT);
    }
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let lf = LookupFlags { follow: flags & AT_SYMLINK_FOLLOW != 0, empty: flags & AT_EMPTY_PATH != 0 };
    let oldp = namei_path_at_empty(olddfd, &old, lf)?;
    let (dirp, name) = filename_create(newdfd, &new, false)?;
    if oldp.mnt != dirp.mnt || !dirp.inode.same_sb(&oldp.inode) {
        return Err(EXDEV);
    }
    let (ino, dir) = (oldp.inode, dirp.inode);
    may_linkat(&ino)?;
    // Linux: vfs_link(): may_create, then EPERM without the operation or for a directory.
    may_create(&dir)?;
    if !dir_writable(&dir) {
        return Err(EPERM);
    }
    if ino.is_dir() {
        return Err(EPERM);
    }
    if ino.nlink.load(Ordering::Relaxed) == 0 {
        return Err(ENOENT);
    }
    dir.link(&name, ino.clone())?;
    ino.nlink.fetch_add(1, Ordering::Relaxed);
    ino.touch_ctime();
    Ok(0)
}

/// Linux: sb->s_vfs_rename_mutex: one rename at a time, across its checks and its moves, so
/// that the tree cannot change shape (no directory moves into its own subtree) in between.
static RENAME_LOCK: SpinLock<(), class::Rename> = SpinLock::new(());

/// If `anc` is a proper ancestor of `d`, the child of `anc` on the way down to `d` (Linux:
/// d_ancestor()).
fn ancestor_child(anc: &Arc<Inode>, d: &Arc<Inode>) -> Option<Arc<Inode>> {
    let mut cur = d.clone();
    loop {
        let p = cur.parent()?;
        if Arc::ptr_eq(&p, &cur) {
            return None;
        }
        if Arc::ptr_eq(&p, anc) {
            return Some(cur);
        }
        cur = p;
    }
}

fn entries_of(d: &Inode) -> KResult<&SpinLock<DirEntries, class::Inode>> {
    match &d.kind {
        InodeKind::Dir(x) => Ok(&x.entries),
        _ => Err(EPERM),
    }
}

/// A directory's new name for set_dentry(), copied before the rename changes anything
/// (ENOMEM); None for a non-directory, which keeps no name.
fn dentry_name(d: &Inode, name: &[u8]) -> KResult<Option<Vec<u8>>> {
    match &d.kind {
        InodeKind::Dir(_) => Ok(Some(crate::mm::slab::try_vec_from_slice(name)?)),
        _ => Ok(None),
    }
}

fn set_dentry(d: &Arc<Inode>, parent: &Arc<Inode>, name: Option<Vec<u8>>) {
    if let (InodeKind::Dir(x), Some(name)) = (&d.kind, name) {
        let mut de = x.dentry.lock();
        de.parent = Arc::downgrade(parent);
        de.name = name;
    }
}

/// Linux: do_renameat2() -> vfs_rename() -> shmem_rename2(), in Linux's order of checks:
/// EINVAL for unknown or clashing flags; EXDEV across mounts; EBUSY for a last
/// component ".", ".." or "/" (EEXIST on the new side with RENAME_NOREPLACE); ENOENT; EEXIST
/// for RENAME_NOREPLACE; ENOTDIR for trailing slashes on a non-directory; EINVAL for moving a
/// directory into itself, ENOTEMPTY onto an ancestor of itself; nothing to do when both names
/// are the same inode; ENOTDIR / EISDIR for a directory over a non-directory and the other
/// way round; EBUSY for a mountpoint; ENOTEMPTY over a directory with entries.
/// RENAME_EXCHANGE swaps the two; RENAME_WHITEOUT leaves a whiteout (a 0:0 character
/// device) at the old name, as tmpfs does.
pub fn sys_renameat2(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, flags: u32) -> KResult<usize> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
        return Err(EINVAL);
    }
    if flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0 && flags & RENAME_EXCHANGE != 0 {
        return Err(EINVAL);
    }
    let exchange = flags & RENAME_EXCHANGE != 0;
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let (odp, ol) = filename_parentat(olddfd, &old)?;
    let (ndp, nl) = filename_parentat(newdfd, &new)?;
    if odp.mnt != ndp.mnt || !odp.inode.same_sb(&ndp.inode) {
        return Err(EXDEV);
    }
    if ol.kind != LastType::Norm {
        return Err(EBUSY);
    }
    if nl.kind != LastType::Norm {
        return Err(if flags & RENAME_NOREPLACE != 0 { EEXIST } else { EBUSY });
    }
    mnt_want_write(&odp)?;
    let (od, nd) = (odp.inode, ndp.inode);
    // (the caller's mount namespace, asked about mountpoints under the rename lock)
    let mnt_ns = super::namespace::current_mnt_ns();
    let _serial = RENAME_LOCK.lock();
    // Linux: lock_rename(): the trap is the child of the ancestor on the way to the other.
    let (trap, nd_first) = if Arc::ptr_eq(&od, &nd) {
        (None, false)
    } else if let Some(t) = ancestor_child(&od, &nd) {
        (Some(t), false)
    } else if let Some(t) = ancestor_child(&nd, &od) {
        (Some(t), true)
    } else {
        (None, false)
    };
    let source = od.lookup(&ol.name)?;
    let target = match nd.lookup(&nl.name) {
        Ok(t) => Some(t),
        Err(ENOENT) => None,
        Err(e) => return Err(e),
    };
    if flags & RENAME_NOREPLACE != 0 && target.is_some() {
        return Err(EEXIST);
    }
    if exchange {
        let t = target.as_ref().ok_or(ENOENT)?;
        if !t.is_dir() && nl.trailing_slash {
            return Err(ENOTDIR);
        }
    }
    if !source.is_dir() && (ol.trailing_slash || (!exchange && nl.trailing_slash)) {
        return Err(ENOTDIR);
    }
    let is_trap = |i: &Arc<Inode>| trap.as_ref().is_some_and(|t| Arc::ptr_eq(t, i));
    if is_trap(&source) {
        return Err(EINVAL);
    }
    if target.as_ref().is_some_and(is_trap) {
        return Err(if exchange { EINVAL } else { ENOTEMPTY });
    }
    // Linux: vfs_rename().
    if target.as_ref().is_some_and(|t| Arc::ptr_eq(t, &source)) {
        return Ok(0);
    }
    let is_dir = source.is_dir();
    // may_delete on the source; on a target that exists may_delete (its type rules: ENOTDIR
    // / EISDIR), else may_create; EPERM without the operation; then write permission on a
    // directory that changes parent (its ".." changes).
    may_delete(&od, &source, is_dir)?;
    match &target {
        Some(t) => may_delete(&nd, t, if exchange { t.is_dir() } else { is_dir })?,
        None => may_create(&nd)?,
    }
    if !dir_writable(&od) {
        return Err(EPERM);
    }
    if !Arc::ptr_eq(&od, &nd) {
        if is_dir {
            inode_permission(&source, MAY_WRITE)?;
        }
        if let Some(t) = target.as_ref().filter(|t| exchange && t.is_dir()) {
            inode_permission(t, MAY_WRITE)?;
        }
    }
    if mnt_ns.is_mountpoint(&source) || target.as_ref().is_some_and(|t| mnt_ns.is_mountpoint(t)) {
        return Err(EBUSY);
    }
    // Linux: shmem_rename2(), under both directories' locks (the ancestor's first).
    let oe = entries_of(&od)?;
    let ne = entries_of(&nd)?;
    let same_dir = Arc::ptr_eq(&od, &nd);
    let (mut g1, mut g2) = if same_dir {
        (oe.lock(), None)
    } else if nd_first {
        let n = ne.lock();
        (oe.lock_nested(1), Some(n))
    } else {
        let o = oe.lock();
        (o, Some(ne.lock_nested(1)))
    };
    // (g1 is od's entries; g2 nd's when it is another directory.)
    // The nodes of `in_od` inserts into od and `in_nd` into nd, made before the change.
    let nodes = |g1: &DirEntries, g2: Option<&DirEntries>, in_od: usize, in_nd: usize| match g2 {
        Some(n) => dir_prealloc(g1.nodes_for(in_od) + n.nodes_for(in_nd)),
        None => dir_prealloc(g1.nodes_for(in_od + in_nd)),
    };
    if exchange {
        let t = target.clone().ok_or(ENOENT)?;
        // Linux: d_alloc()s of the lookups, ENOMEM before anything changes.
        let (oname, nname) = (EntryName::new(&ol.name)?, EntryName::new(&nl.name)?);
        let (t_dname, s_dname) = (dentry_name(&t, &ol.name)?, dentry_name(&source, &nl.name)?);
        let _nodes = nodes(&g1, g2.as_deref(), 1, 1)?;
        g1.insert(oname, t.clone());
        match g2.as_mut() {
            Some(n) => n.insert(nname, source.clone()),
            None => g1.insert(nname, source.clone()),
        };
        drop(g2);
        drop(g1);
        set_dentry(&t, &od, t_dname);
        set_dentry(&source, &nd, s_dname);
        // Linux: simple_rename_exchange(): a directory changing parents takes its ".." along.
        if !same_dir && is_dir != t.is_dir() {
            let (from, to) = if is_dir { (&od, &nd) } else { (&nd, &od) };
            from.drop_nlink();
            to.nlink.fetch_add(1, Ordering::Relaxed);
        }
        let now = current_time();
        for i in [&od, &nd, &source, &t] {
            let mut tm = i.times.lock();
            tm.ctime = now;
            if Arc::ptr_eq(i, &od) || Arc::ptr_eq(i, &nd) {
                tm.mtime = now;
            }
        }
        return Ok(0);
    }
    if let Some(t) = &target {
        if t.has_entries_nested() {
            return Err(ENOTEMPTY);
        }
    }
    // Everything the move needs, ENOMEM before it changes anything: the whiteout (Linux:
    // shmem_whiteout()'s shmem_get_inode()), the names, the entry nodes.
    let whiteout = if flags & RENAME_WHITEOUT != 0 {
        Some((Inode::try_new_special(S_IFCHR, (0, 0))?, EntryName::new(&ol.name)?))
    } else {
        None
    };
    let nname = EntryName::new(&nl.name)?;
    let s_dname = dentry_name(&source, &nl.name)?;
    let in_od = usize::from(whiteout.is_some());
    let _nodes = nodes(&g1, g2.as_deref(), in_od, 1)?;
    // The move itself.
    match whiteout {
        Some((w, wname)) => g1.insert(wname, w),
        None => g1.remove(&ol.name),
    };
    let replaced = match g2.as_mut() {
        Some(n) => n.insert(nname, source.clone()),
        None => g1.insert(nname, source.clone()),
    };
    drop(g2);
    drop(g1);
    set_dentry(&source, &nd, s_dname);
    if let Some(t) = replaced {
        t.drop_nlink();
        t.touch_ctime();
        if is_dir {
            t.nlink.store(0, Ordering::Relaxed);
            od.drop_nlink();
        }
    } else if is_dir {
        od.drop_nlink();
        nd.nlink.fetch_add(1, Ordering::Relaxed);
    }
    let now = current_time();
    for i in [&od, &nd, &source] {
        let mut tm = i.times.lock();
        tm.ctime = now;
        if Arc::ptr_eq(i, &od) || Arc::ptr_eq(i, &nd) {
            tm.mtime = now;
        }
    }
    Ok(0)
}

impl Inode {
    /// Whether this directory has entries, while its parent's entries are locked (rename).
    fn has_entries_nested(&self) -> bool {
        match &self.kind {
            InodeKind::Dir(d) => !d.entries.lock_nested(2).is_empty(),
            _ => false,
        }
    }
}
