//! User namespaces: struct user_namespace, its id maps, and the capability rule that ties every
//! other namespace to one.  Linux: kernel/user_namespace.c (create_user_ns, unshare_userns,
//! map_write, proc_setgroups_write, userns_install), include/linux/uidgid.h (make_kuid,
//! from_kuid, from_kuid_munged), security/commoncap.c (cap_capable).
//!
//! Every namespace has an owning user namespace; an operation on it needs the capability "in"
//! that owner (ns_capable()).  A task has every capability in its own user namespace and,
//! as the owner's euid, in the namespaces its user namespace's children were created by it;
//! none in a sibling or an ancestor (cap_capable()).
//!
//! Until struct cred exists, the task's user namespace is `TaskStruct::user_ns` and every task
//! has uid 0 with the full capability set: `current_user_ns()`, `current_euid()` and
//! `ns_capable()` are the only places that know, so struct cred replaces just these.
//!
//! The id maps' parsing and arithmetic are the host-tested `idmap` crate.

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::task::{current, TaskStruct};
use alloc::string::String;
use alloc::sync::Arc;
use idmap::IdMap;

/// Linux: the nesting limit of create_user_ns() (`parent_ns->level > 32` is ENOSPC).
const MAX_USER_NS_LEVEL: u32 = 32;
/// Linux: PROC_USER_INIT_INO.
pub const PROC_USER_INIT_INO: u32 = 0xEFFF_FFFD;

/// A capability number (Linux: include/uapi/linux/capability.h).
pub type Cap = u32;
pub const CAP_SETUID: Cap = linux_raw_sys::general::CAP_SETUID;
pub const CAP_SETGID: Cap = linux_raw_sys::general::CAP_SETGID;
pub const CAP_SYS_CHROOT: Cap = linux_raw_sys::general::CAP_SYS_CHROOT;
pub const CAP_SYS_ADMIN: Cap = linux_raw_sys::general::CAP_SYS_ADMIN;
pub const CAP_SYS_RESOURCE: Cap = linux_raw_sys::general::CAP_SYS_RESOURCE;
pub const CAP_IPC_OWNER: Cap = linux_raw_sys::general::CAP_IPC_OWNER;
pub const CAP_CHECKPOINT_RESTORE: Cap = linux_raw_sys::general::CAP_CHECKPOINT_RESTORE;

/// What userns_state_mutex guards.
pub struct UserNsState {
    pub uid_map: IdMap,
    pub gid_map: IdMap,
    pub projid_map: IdMap,
    /// Linux: USERNS_SETGROUPS_ALLOWED in ns->flags.
    pub setgroups_allowed: bool,
}

/// Linux: struct user_namespace.
pub struct UserNamespace {
    pub parent: Option<Arc<UserNamespace>>,
    pub level: u32,
    /// The creator's euid and egid (kernel ids).
    pub owner: u32,
    pub group: u32,
    pub inum: u32,
    pub state: SpinLock<UserNsState, class::UserNs>,
}

impl Drop for UserNamespace {
    fn drop(&mut self) {
        if self.parent.is_some() {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

static INIT_USER_NS: spin::Once<Arc<UserNamespace>> = spin::Once::new();

/// Linux: init_user_ns — identity maps of all 2^32 - 1 ids.
pub fn init_user_ns() -> &'static Arc<UserNamespace> {
    INIT_USER_NS.call_once(|| {
        Arc::new(UserNamespace {
            parent: None,
            level: 0,
            owner: 0,
            group: 0,
            inum: PROC_USER_INIT_INO,
            state: SpinLock::new(UserNsState {
                uid_map: idmap::identity(),
                gid_map: idmap::identity(),
                projid_map: idmap::identity(),
                setgroups_allowed: true,
            }),
        })
    })
}

impl UserNamespace {
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
}

/// Linux: task_cred_xxx(t, user_ns).
pub fn task_user_ns(t: &TaskStruct) -> Arc<UserNamespace> {
    t.user_ns.lock().clone()
}

/// Linux: current_user_ns().
pub fn current_user_ns() -> Arc<UserNamespace> {
    task_user_ns(&current())
}

/// Linux: current_euid() / current_egid() as kernel ids.  Until struct cred: root.
pub fn current_euid() -> u32 {
    0
}
pub fn current_egid() -> u32 {
    0
}

/// Linux: cap_capable() for a task whose credentials are in `cred_ns` with euid `euid` and the
/// full capability set: the capability in `target` is held when `target` is the task's own
/// user namespace, or a descendant whose ancestor just below the task's namespace was
/// created by the task's euid.
fn cap_capable(cred_ns: &Arc<UserNamespace>, euid: u32, target: &Arc<UserNamespace>) -> bool {
    let mut ns = target.clone();
    loop {
        if Arc::ptr_eq(&ns, cred_ns) {
            return true; // cap_raised(cred->cap_effective, cap): root has them all
        }
        if ns.level <= cred_ns.level {
            return false;
        }
        let parent = ns.parent.clone().expect("a user namespace above level 0 has a parent");
        if Arc::ptr_eq(&parent, cred_ns) && ns.owner == euid {
            return true;
        }
        ns = parent;
    }
}

/// Linux: ns_capable(ns, cap): does current have capability `cap` in user namespace `ns`?
/// The one decision point for every "must be root" check of the namespace code (struct cred
/// will give it the real effective set and euid).
pub fn ns_capable(ns: &Arc<UserNamespace>, _cap: Cap) -> bool {
    cap_capable(&current_user_ns(), current_euid(), ns)
}

/// Linux: capable(cap): the capability in the initial user namespace.
pub fn capable(cap: Cap) -> bool {
    ns_capable(init_user_ns(), cap)
}

/// Linux: make_kuid(): the kernel id of `uid` in `ns`, None when unmapped.
pub fn make_kuid(ns: &UserNamespace, uid: u32) -> Option<u32> {
    ns.state.lock().uid_map.down(uid)
}
pub fn make_kgid(ns: &UserNamespace, gid: u32) -> Option<u32> {
    ns.state.lock().gid_map.down(gid)
}

/// Linux: from_kuid(): what `ns` calls kernel id `kuid`, None when it has no name there.
pub fn from_kuid(ns: &UserNamespace, kuid: u32) -> Option<u32> {
    ns.state.lock().uid_map.up(kuid)
}
pub fn from_kgid(ns: &UserNamespace, kgid: u32) -> Option<u32> {
    ns.state.lock().gid_map.up(kgid)
}

/// Linux: from_kuid_munged(): unmapped ids read as the overflow id (65534).
pub fn from_kuid_munged(ns: &UserNamespace, kuid: u32) -> u32 {
    from_kuid(ns, kuid).unwrap_or(idmap::OVERFLOW_ID)
}
pub fn from_kgid_munged(ns: &UserNamespace, kgid: u32) -> u32 {
    from_kgid(ns, kgid).unwrap_or(idmap::OVERFLOW_ID)
}

/// Linux: create_user_ns(): a child of `parent` owned by the creator's euid/egid.
pub fn create_user_ns(parent: &Arc<UserNamespace>) -> KResult<Arc<UserNamespace>> {
    if parent.level > MAX_USER_NS_LEVEL {
        return Err(ENOSPC);
    }
    // Linux: a chrooted task cannot escape its root through a new namespace's capabilities.
    if crate::fs::namespace::current_chrooted() {
        return Err(EPERM);
    }
    let (owner, group) = (current_euid(), current_egid());
    {
        let st = parent.state.lock();
        if st.uid_map.up(owner).is_none() || st.gid_map.up(group).is_none() {
            return Err(EPERM);
        }
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    let setgroups_allowed = parent.state.lock().setgroups_allowed;
    Ok(Arc::new(UserNamespace {
        parent: Some(parent.clone()),
        level: parent.level + 1,
        owner,
        group,
        inum,
        state: SpinLock::new(UserNsState {
            uid_map: IdMap::default(),
            gid_map: IdMap::default(),
            projid_map: IdMap::default(),
            setgroups_allowed,
        }),
    }))
}

/// Linux: copy_creds()'s CLONE_NEWUSER step: the child's credentials move into a new user
/// namespace below the parent's (the child has every capability there).
pub fn copy_creds_user_ns(clone_flags: u64, p: &TaskStruct) -> KResult<()> {
    if clone_flags & crate::kernel::fork::CLONE_NEWUSER == 0 {
        return Ok(());
    }
    let parent = task_user_ns(p);
    let ns = create_user_ns(&parent)?;
    *p.user_ns.lock() = ns;
    Ok(())
}

/// Linux: unshare_userns(): the new user namespace unshare(CLONE_NEWUSER) will install.
pub fn unshare_userns(unshare_flags: u64) -> KResult<Option<Arc<UserNamespace>>> {
    if unshare_flags & crate::kernel::fork::CLONE_NEWUSER == 0 {
        return Ok(None);
    }
    create_user_ns(&current_user_ns()).map(Some)
}

/// Linux: commit_creds() of a credential set with a new user namespace.
pub fn set_current_user_ns(ns: Arc<UserNamespace>) {
    *current().user_ns.lock() = ns;
}

/// Linux: userns_install(): setns() to user namespace `ns`.
pub fn userns_install(ns: &Arc<UserNamespace>) -> KResult<()> {
    let cur = current();
    // Don't allow gaining capabilities by reentering the same user namespace.
    if Arc::ptr_eq(ns, &task_user_ns(&cur)) {
        return Err(EINVAL);
    }
    // Tasks that share a thread group must share a user namespace, and so must tasks that
    // share a root and cwd.
    if cur.signal.live.load(core::sync::atomic::Ordering::Relaxed) > 1 {
        return Err(EINVAL);
    }
    if cur.fs.lock().as_ref().is_some_and(|f| Arc::strong_count(f) > 1) {
        return Err(EINVAL);
    }
    if !ns_capable(ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    Ok(())
}

/// The maps of /proc/PID/{uid,gid,projid}_map.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    Uid,
    Gid,
    Projid,
}

fn map_of(st: &UserNsState, k: MapKind) -> &IdMap {
    match k {
        MapKind::Uid => &st.uid_map,
        MapKind::Gid => &st.gid_map,
        MapKind::Projid => &st.projid_map,
    }
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
    let map = map_of(&ns.state.lock(), k).clone();
    let lower = lower_ns.state.lock();
    let lower_map = map_of(&lower, k).clone();
    drop(lower);
    map.show(|kid| lower_map.up(kid))
}

/// Linux: map_write() for /proc/PID/{uid,gid,projid}_map: once per map, at offset 0, less
/// than a page; the lower ids must be mapped in the parent namespace.
pub fn proc_map_write(ns: &Arc<UserNamespace>, k: MapKind, pos: u64, buf: &[u8]) -> KResult<usize> {
    if pos != 0 || buf.len() >= crate::mm::PAGE_SIZE {
        return Err(EINVAL);
    }
    let parent = ns.parent.clone().ok_or(EPERM)?;
    // Linux: only one successful write; then CAP_SYS_ADMIN over the namespace.
    if !map_of(&ns.state.lock(), k).extents.is_empty() {
        return Err(EPERM);
    }
    let cap = match k {
        MapKind::Uid => Some(CAP_SETUID),
        MapKind::Gid => Some(CAP_SETGID),
        MapKind::Projid => None,
    };
    if cap.is_some() && !ns_capable(ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let new_map = idmap::parse_map_write(buf).map_err(|e| Errno(e as i32))?;
    // Linux: new_idmap_permitted(): the writer's own single id needs no privilege, anything
    // else CAP_SETUID / CAP_SETGID over the parent namespace.
    if let Some(cap) = cap {
        let single_own = new_map.extents.len() == 1 && new_map.extents[0].count == 1 && ns.owner == current_euid();
        let own_ok = single_own && {
            let id = new_map.extents[0].lower_first;
            match k {
                MapKind::Uid => make_kuid(&parent, id) == Some(current_euid()),
                _ => !ns.state.lock().setgroups_allowed && make_kgid(&parent, id) == Some(current_egid()),
            }
        };
        if !own_ok && !ns_capable(&parent, cap) {
            return Err(EPERM);
        }
    }
    let parent_map = map_of(&parent.state.lock(), k).clone();
    let new_map = new_map.translate_lower(&parent_map).map_err(|e| Errno(e as i32))?;
    let mut st = ns.state.lock();
    let slot = match k {
        MapKind::Uid => &mut st.uid_map,
        MapKind::Gid => &mut st.gid_map,
        MapKind::Projid => &mut st.projid_map,
    };
    if !slot.extents.is_empty() {
        return Err(EPERM);
    }
    *slot = new_map;
    Ok(buf.len())
}

/// Linux: proc_setgroups_show().
pub fn proc_setgroups_show(ns: &UserNamespace) -> String {
    String::from(if ns.state.lock().setgroups_allowed { "allow\n" } else { "deny\n" })
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
    let mut st = ns.state.lock();
    if allow {
        if !st.setgroups_allowed {
            return Err(EPERM);
        }
    } else {
        if !st.gid_map.extents.is_empty() {
            return Err(EPERM);
        }
        st.setgroups_allowed = false;
    }
    Ok(buf.len())
}
