//! User namespaces: struct user_namespace, its id maps, and the credentials that enter one.
//! Linux: kernel/user_namespace.c (create_user_ns, set_cred_user_ns, unshare_userns,
//! map_write, new_idmap_permitted, proc_setgroups_write, userns_install),
//! include/linux/uidgid.h (make_kuid, from_kuid, from_kuid_munged, kuid_has_mapping).
//!
//! Every namespace has an owning user namespace; an operation on it needs the capability "in"
//! that owner: `ns_capable()` of kernel/capability.rs, whose cap_capable() walks these
//! namespaces' `parent`, `level` and `owner`.  A task's user namespace is its credentials'
//! (`cred->user_ns`, kernel/cred.rs): CLONE_NEWUSER makes a new cred in a new namespace
//! (copy_creds), unshare and setns commit one (commit_creds).
//!
//! The ids a cred holds are kernel ids; a namespace's maps translate between them and the
//! numbers user space inside it sees.  Each map is written once (Linux: map_write() refuses a
//! second write), so it is read without a lock: a `spin::Once` that is unset until written
//! (an unset map maps nothing).  userns_state_mutex orders the writes with setgroups' flag.
//!
//! The id maps' parsing and arithmetic are the host-tested `idmap` crate.

use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SETFCAP, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN};
use crate::kernel::cred::{current_cred, prepare_creds, task_cred, with_current_cred, Cred, INVALID_ID};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{current, TaskStruct};
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use credcheck::KernelCap;
use idmap::IdMap;
use spin::Once;

/// Linux: the nesting limit of create_user_ns() (`parent_ns->level > 32` is ENOSPC).
const MAX_USER_NS_LEVEL: u32 = 32;
/// Linux: PROC_USER_INIT_INO.
pub const PROC_USER_INIT_INO: u32 = 0xEFFF_FFFD;

/// Linux: struct user_namespace.
pub struct UserNamespace {
    pub parent: Option<Arc<UserNamespace>>,
    /// 0 for the initial namespace, the parent's + 1 below it.
    pub level: u32,
    /// The creator's euid and egid (kernel ids).
    pub owner: u32,
    pub group: u32,
    /// The nsfs inode number (/proc/PID/ns/user).
    pub inum: u32,
    /// Linux: uid_map, gid_map, projid_map — unset until written, then fixed.
    uid_map: Once<IdMap>,
    gid_map: Once<IdMap>,
    projid_map: Once<IdMap>,
    /// Linux: parent_could_setfcap — the creator had CAP_SETFCAP (may map the parent's uid 0).
    parent_could_setfcap: bool,
    /// Linux: USERNS_SETGROUPS_ALLOWED in ns->flags (only ever cleared).
    setgroups_allowed: AtomicBool,
    /// Linux: userns_state_mutex — orders a map write with the setgroups flag (a leaf: only
    /// the maps' Once and the flag are touched under it).
    state: SpinLock<(), class::UserNs>,
}

impl Drop for UserNamespace {
    fn drop(&mut self) {
        if self.parent.is_some() {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

static INIT_USER_NS: Once<Arc<UserNamespace>> = Once::new();

/// Linux: init_user_ns — identity maps of all 2^32 - 1 ids.
pub fn init_user_ns() -> &'static Arc<UserNamespace> {
    INIT_USER_NS.call_once(|| {
        Arc::new(UserNamespace {
            parent: None,
            level: 0,
            owner: credcheck::GLOBAL_ROOT_UID,
            group: 0,
            inum: PROC_USER_INIT_INO,
            parent_could_setfcap: true,
            uid_map: Once::initialized(idmap::identity()),
            gid_map: Once::initialized(idmap::identity()),
            projid_map: Once::initialized(idmap::identity()),
            setgroups_allowed: AtomicBool::new(true),
            state: SpinLock::new(()),
        })
    })
}

/// The maps of /proc/PID/{uid,gid,projid}_map.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    Uid,
    Gid,
    Projid,
}

impl UserNamespace {
    fn map(&self, k: MapKind) -> &Once<IdMap> {
        match k {
            MapKind::Uid => &self.uid_map,
            MapKind::Gid => &self.gid_map,
            MapKind::Projid => &self.projid_map,
        }
    }
    fn down(&self, k: MapKind, id: u32) -> u32 {
        self.map(k).get().and_then(|m| m.down(id)).unwrap_or(INVALID_ID)
    }
    fn up(&self, k: MapKind, kid: u32) -> Option<u32> {
        self.map(k).get().and_then(|m| m.up(kid))
    }

    /// Linux: make_kuid() — the kernel uid of `uid` in this namespace; INVALID_ID when unmapped.
    pub fn make_kuid(&self, uid: u32) -> u32 {
        self.down(MapKind::Uid, uid)
    }
    /// Linux: make_kgid()
    pub fn make_kgid(&self, gid: u32) -> u32 {
        self.down(MapKind::Gid, gid)
    }
    /// Linux: from_kuid() — what this namespace calls kernel uid `kuid`; None when it has no
    /// name here.
    pub fn from_kuid(&self, kuid: u32) -> Option<u32> {
        self.up(MapKind::Uid, kuid)
    }
    /// Linux: from_kgid()
    pub fn from_kgid(&self, kgid: u32) -> Option<u32> {
        self.up(MapKind::Gid, kgid)
    }
    /// Linux: from_kuid_munged() — the number user space sees; overflowuid (65534) when
    /// `kuid` has no mapping here.
    pub fn from_kuid_munged(&self, kuid: u32) -> u32 {
        self.from_kuid(kuid).unwrap_or(idmap::OVERFLOW_ID)
    }
    /// Linux: from_kgid_munged()
    pub fn from_kgid_munged(&self, kgid: u32) -> u32 {
        self.from_kgid(kgid).unwrap_or(idmap::OVERFLOW_ID)
    }
    /// Linux: kuid_has_mapping()
    pub fn kuid_has_mapping(&self, kuid: u32) -> bool {
        self.from_kuid(kuid).is_some()
    }
    /// Linux: kgid_has_mapping()
    pub fn kgid_has_mapping(&self, kgid: u32) -> bool {
        self.from_kgid(kgid).is_some()
    }

    /// Whether `self` is `ns` or one of its ancestors (Linux: in_userns(self, ns)).
    pub fn is_ancestor_of(&self, ns: &UserNamespace) -> bool {
        let mut n = ns;
        loop {
            if core::ptr::eq(n, self) {
                return true;
            }
            match &n.parent {
                Some(p) if p.level >= self.level => n = p,
                _ => return false,
            }
        }
    }

    /// Linux: ns->flags & USERNS_SETGROUPS_ALLOWED.
    pub fn setgroups_allowed(&self) -> bool {
        self.setgroups_allowed.load(Ordering::Acquire)
    }
}

/// Linux: task_cred_xxx(t, user_ns): the user namespace of a task's (objective) credentials.
pub fn task_user_ns(t: &TaskStruct) -> Arc<UserNamespace> {
    task_cred(t).user_ns.clone()
}

/// Linux: current_user_ns().
pub fn current_user_ns() -> Arc<UserNamespace> {
    with_current_cred(|c| c.user_ns.clone())
}

/// Linux: set_cred_user_ns(): `cred` moves into `user_ns` with the capabilities of init there
/// (all of them, useless outside the namespace) and no securebits.
fn set_cred_user_ns(cred: &mut Cred, user_ns: Arc<UserNamespace>) {
    cred.securebits = 0; // SECUREBITS_DEFAULT
    cred.cap_inheritable = KernelCap::EMPTY;
    cred.cap_permitted = KernelCap::FULL;
    cred.cap_effective = KernelCap::FULL;
    cred.cap_ambient = KernelCap::EMPTY;
    cred.cap_bset = KernelCap::FULL;
    cred.user_ns = user_ns;
}

/// Linux: create_user_ns(): a child of `new`'s user namespace, owned by `new`'s euid and
/// egid, which must be mapped in the parent (EPERM); `new` moves into it.  The caller sets
/// the cred's counts (set_cred_ucounts, in copy_creds or commit_creds).
pub fn create_user_ns(new: &mut Cred) -> KResult<()> {
    let parent = new.user_ns.clone();
    let (owner, group) = (new.euid, new.egid);
    if parent.level > MAX_USER_NS_LEVEL {
        return Err(ENOSPC);
    }
    // Linux: a chrooted task cannot escape its root through a new namespace's capabilities.
    if crate::fs::namespace::current_chrooted() {
        return Err(EPERM);
    }
    // The creator needs a name in the parent, or user space could not be told who it was.
    if !parent.kuid_has_mapping(owner) || !parent.kgid_has_mapping(group) {
        return Err(EPERM);
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    let ns = Arc::new(UserNamespace {
        level: parent.level + 1,
        owner,
        group,
        inum,
        parent_could_setfcap: new.cap_effective.raised(CAP_SETFCAP),
        uid_map: Once::new(),
        gid_map: Once::new(),
        projid_map: Once::new(),
        // Linux: inherit USERNS_SETGROUPS_ALLOWED from the parent (under userns_state_mutex).
        setgroups_allowed: AtomicBool::new({
            let _g = parent.state.lock();
            parent.setgroups_allowed()
        }),
        state: SpinLock::new(()),
        parent: Some(parent),
    });
    set_cred_user_ns(new, ns);
    Ok(())
}

/// Linux: unshare_userns(): the cred unshare(CLONE_NEWUSER) will commit (commit_creds moves
/// the caller's process count to its new (namespace, uid)), in a new user namespace below
/// the caller's.
pub fn unshare_userns(unshare_flags: u64) -> KResult<Option<Cred>> {
    if unshare_flags & crate::kernel::fork::CLONE_NEWUSER == 0 {
        return Ok(None);
    }
    let mut cred = prepare_creds();
    create_user_ns(&mut cred)?;
    Ok(Some(cred))
}

/// Linux: userns_install(): setns() to user namespace `ns` — checks, and the cred that
/// commit_nsset() commits: the caller moves into `ns` with every capability there.
pub fn userns_install(ns: &Arc<UserNamespace>) -> KResult<Cred> {
    let cur = current();
    // Don't allow gaining capabilities by reentering the same user namespace.
    if Arc::ptr_eq(ns, &current_user_ns()) {
        return Err(EINVAL);
    }
    // Tasks that share a thread group must share a user namespace, and so must tasks that
    // share a root and cwd.
    if cur.signal.live.load(Ordering::Relaxed) > 1 {
        return Err(EINVAL);
    }
    if cur.fs.lock().as_ref().is_some_and(|f| Arc::strong_count(f) > 1) {
        return Err(EINVAL);
    }
    if !ns_capable(ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let mut cred = prepare_creds();
    set_cred_user_ns(&mut cred, ns.clone());
    Ok(cred)
}

/// Linux: uid_m_show() / gid_m_show() / projid_m_show(): the map of `ns` as the reader
/// (current) sees the lower ids: from its own namespace, or from the parent when the reader
/// is inside `ns`.
pub fn proc_map_show(ns: &Arc<UserNamespace>, k: MapKind) -> String {
    let reader = current_user_ns();
    let lower_ns = match &ns.parent {
        Some(p) if Arc::ptr_eq(&reader, ns) => p.clone(),
        _ => reader,
    };
    match ns.map(k).get() {
        Some(map) => map.show(|kid| lower_ns.up(k, kid)),
        None => String::new(),
    }
}

/// Linux: new_idmap_permitted(): may the writer (current) install `new_map` (lower ids as
/// written, in the parent's numbers) as `ns`'s map of kind `k`?  Its own single id needs no
/// privilege (a gid only once setgroups is denied); anything else CAP_SETUID / CAP_SETGID
/// over the parent namespace.
fn new_idmap_permitted(ns: &Arc<UserNamespace>, parent: &Arc<UserNamespace>, k: MapKind, new_map: &IdMap) -> bool {
    if k == MapKind::Uid && !verify_root_map(ns, parent, new_map) {
        return false;
    }
    let cap = match k {
        MapKind::Uid => CAP_SETUID,
        MapKind::Gid => CAP_SETGID,
        // Allow anyone to set a mapping that doesn't require privilege.
        MapKind::Projid => return true,
    };
    let cred = current_cred();
    if new_map.extents.len() == 1 && new_map.extents[0].count == 1 && ns.owner == cred.euid {
        let id = new_map.extents[0].lower_first;
        let own = match k {
            MapKind::Uid => parent.make_kuid(id) == cred.euid,
            _ => !ns.setgroups_allowed() && parent.make_kgid(id) == cred.egid,
        };
        if own {
            return true;
        }
    }
    ns_capable(parent, cap)
}

/// Linux: verify_root_map(): mapping the parent's uid 0 needs CAP_SETFCAP — the creator's,
/// when the writer is inside the namespace, else the writer's over the parent (a root inside
/// could write file capabilities valid outside).
fn verify_root_map(ns: &Arc<UserNamespace>, parent: &Arc<UserNamespace>, new_map: &IdMap) -> bool {
    if !new_map.extents.iter().any(|e| e.lower_first == 0) {
        return true;
    }
    if Arc::ptr_eq(ns, &current_user_ns()) {
        ns.parent_could_setfcap
    } else {
        ns_capable(parent, CAP_SETFCAP)
    }
}

/// Linux: map_write() for /proc/PID/{uid,gid,projid}_map: once per map, at offset 0, less
/// than a page; the lower ids must be mapped in the parent namespace.
pub fn proc_map_write(ns: &Arc<UserNamespace>, k: MapKind, pos: u64, buf: &[u8]) -> KResult<usize> {
    if pos != 0 || buf.len() >= crate::mm::PAGE_SIZE {
        return Err(EINVAL);
    }
    let parent = ns.parent.clone().ok_or(EPERM)?;
    // Linux: only one successful write.
    if ns.map(k).get().is_some() {
        return Err(EPERM);
    }
    // Adjusting namespace settings requires capabilities on the target.
    if k != MapKind::Projid && !ns_capable(ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let new_map = idmap::parse_map_write(buf).map_err(|e| Errno(e as i32))?;
    if !new_idmap_permitted(ns, &parent, k, &new_map) {
        return Err(EPERM);
    }
    let parent_map = parent.map(k).get().cloned().unwrap_or_default();
    let new_map = new_map.translate_lower(&parent_map).map_err(|e| Errno(e as i32))?;
    let _g = ns.state.lock();
    let slot = ns.map(k);
    if slot.get().is_some() {
        return Err(EPERM);
    }
    slot.call_once(|| new_map);
    Ok(buf.len())
}

/// Linux: proc_setgroups_show().
pub fn proc_setgroups_show(ns: &UserNamespace) -> String {
    String::from(if ns.setgroups_allowed() { "allow\n" } else { "deny\n" })
}

/// Linux: proc_setgroups_write(): "allow" or "deny" (with trailing white space), at offset
/// 0; "deny" once the gid map is written, or "allow" after "deny", is EPERM.
pub fn proc_setgroups_write(ns: &UserNamespace, pos: u64, buf: &[u8]) -> KResult<usize> {
    // Linux: char kbuf[8]: at most 7 bytes.
    if pos != 0 || buf.len() >= 8 {
        return Err(EINVAL);
    }
    let text = &buf[..buf.iter().position(|&b| b == 0).unwrap_or(buf.len())];
    let (allow, rest) = if let Some(r) = text.strip_prefix(b"allow") {
        (true, r)
    } else if let Some(r) = text.strip_prefix(b"deny") {
        (false, r)
    } else {
        return Err(EINVAL);
    };
    if !rest.iter().all(|b| b.is_ascii_whitespace() || *b == 0x0b) {
        return Err(EINVAL);
    }
    let _g = ns.state.lock();
    if allow {
        if !ns.setgroups_allowed() {
            return Err(EPERM);
        }
    } else {
        if ns.gid_map.get().is_some() {
            return Err(EPERM);
        }
        ns.setgroups_allowed.store(false, Ordering::Release);
    }
    Ok(buf.len())
}

/// Linux: userns_may_setgroups(): setgroups(2) in `ns` needs its gid map written and
/// setgroups allowed there.
pub fn userns_may_setgroups(ns: &UserNamespace) -> bool {
    let _g = ns.state.lock();
    ns.gid_map.get().is_some() && ns.setgroups_allowed()
}
