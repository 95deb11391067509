//! What the three System V IPC kinds share: ids and keys, struct kern_ipc_perm and its
//! permission checks, ipcget (the body of shmget, semget, msgget), the IPC_SET and IPC_RMID
//! rules, and /proc/sysvipc.  Linux: ipc/util.c (ipc_addid, ipcget, ipcperms,
//! ipcctl_obtain_check, ipc_update_perm, kernel_to_ipc64_perm, sysvipc_proc_show),
//! include/uapi/linux/ipc.h, include/uapi/asm-generic/ipcbuf.h.
//!
//! The id arithmetic and the mode-bit check are the host-tested `sysvipc` crate.

use super::namespace::IpcNamespace;
use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_IPC_OWNER, CAP_SYS_ADMIN};
use crate::kernel::cred::{current_euid, with_current_cred, INVALID_ID};
use crate::kernel::user_namespace::current_user_ns;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;

// Linux: include/uapi/linux/ipc.h.
pub const IPC_PRIVATE: i32 = 0;
pub const IPC_CREAT: i32 = 0o1000;
pub const IPC_EXCL: i32 = 0o2000;
pub const IPC_NOWAIT: i32 = 0o4000;
pub const IPC_RMID: i32 = 0;
pub const IPC_SET: i32 = 1;
pub const IPC_STAT: i32 = 2;
pub const IPC_INFO: i32 = 3;
/// Linux: S_IRWXUGO, the permission bits of an IPC object's mode.
pub const S_IRWXUGO: u32 = 0o777;
pub const S_IRUGO: u32 = 0o444;
pub const S_IWUGO: u32 = 0o222;

crate::user_pod! {
    /// Linux: struct ipc64_perm (include/uapi/asm-generic/ipcbuf.h, 64-bit).
    #[derive(Clone, Copy, Default)]
    pub struct Ipc64Perm {
        pub key: i32,
        pub uid: u32,
        pub gid: u32,
        pub cuid: u32,
        pub cgid: u32,
        pub mode: u32,
        pub seq: u16,
        pub pad2: u16,
        pub pad3: u32,
        pub unused1: u64,
        pub unused2: u64,
    }
}

/// Linux: struct kern_ipc_perm — what every IPC object has (ids are kernel uids and gids).
#[derive(Clone)]
pub struct KernIpcPerm {
    pub key: i32,
    pub id: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    pub mode: u32,
    pub seq: u32,
}

impl KernIpcPerm {
    /// A new object's permissions: the creator owns it, mode from the get's flags.
    pub fn new(key: i32, flags: i32) -> KernIpcPerm {
        let (uid, gid) = with_current_cred(|c| (c.euid, c.egid));
        KernIpcPerm { key, id: -1, uid, gid, cuid: uid, cgid: gid, mode: flags as u32 & S_IRWXUGO, seq: 0 }
    }

    /// Linux: kernel_to_ipc64_perm(): the ids as the caller's user namespace names them.
    pub fn to_user(&self) -> Ipc64Perm {
        let ns = current_user_ns();
        Ipc64Perm {
            key: self.key,
            uid: ns.from_kuid_munged(self.uid),
            gid: ns.from_kgid_munged(self.gid),
            cuid: ns.from_kuid_munged(self.cuid),
            cgid: ns.from_kgid_munged(self.cgid),
            mode: self.mode,
            seq: self.seq as u16,
            ..Default::default()
        }
    }

    /// Linux: ipc_update_perm() (IPC_SET): the owner's ids, as the caller names them, and the
    /// permission bits; EINVAL for an id with no kernel id.
    pub fn update(&mut self, p: &Ipc64Perm) -> KResult<()> {
        let ns = current_user_ns();
        let (uid, gid) = (ns.make_kuid(p.uid), ns.make_kgid(p.gid));
        if uid == INVALID_ID || gid == INVALID_ID {
            return Err(EINVAL);
        }
        self.uid = uid;
        self.gid = gid;
        self.mode = (self.mode & !S_IRWXUGO) | (p.mode & S_IRWXUGO);
        Ok(())
    }
}

/// Linux: ipcperms(): may the caller use the object as `flag` asks (S_IRUGO, S_IWUGO, a get's
/// permission bits)?  Its mode bits (the group's for a member of the owner's or creator's
/// group, in_group_p: fsgid or a supplementary group), or CAP_IPC_OWNER over the namespace.
pub fn ipcperms(ns: &IpcNamespace, p: &KernIpcPerm, flag: u32) -> bool {
    let (euid, in_group) = with_current_cred(|c| (c.euid, c.in_group_p(p.cgid) || c.in_group_p(p.gid)));
    let check = sysvipc::PermCheck { mode: p.mode, uid: p.uid, cuid: p.cuid, euid, in_group };
    sysvipc::ipcperms(&check, flag) || ns_capable(&ns.user_ns, CAP_IPC_OWNER)
}

/// Linux: ipcctl_obtain_check()'s rule for IPC_SET and IPC_RMID: the creator, the owner, or
/// CAP_SYS_ADMIN over the namespace (EPERM).
pub fn may_ipcctl(ns: &IpcNamespace, p: &KernIpcPerm) -> KResult<()> {
    let euid = current_euid();
    if euid == p.cuid || euid == p.uid || ns_capable(&ns.user_ns, CAP_SYS_ADMIN) {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// An object of one of the kinds (shm segment, semaphore array, message queue).
pub trait IpcObject {
    fn perm(&self) -> &KernIpcPerm;
    fn perm_mut(&mut self) -> &mut KernIpcPerm;
}

/// Linux: struct ipc_ids — the objects of one kind in a namespace, by index.
pub struct IpcIds<T> {
    pub entries: BTreeMap<u32, T>,
    alloc: sysvipc::IdAllocator,
    /// Linux: next_id (/proc/sys/kernel/{shm,sem,msg}_next_id): the id the next object gets,
    /// -1 for none.
    pub next_id: i32,
}

impl<T: IpcObject> Default for IpcIds<T> {
    fn default() -> Self {
        IpcIds { entries: BTreeMap::new(), alloc: sysvipc::IdAllocator::default(), next_id: -1 }
    }
}

impl<T: IpcObject> IpcIds<T> {
    pub fn in_use(&self) -> usize {
        self.entries.len()
    }
    /// Linux: ipc_findkey().
    pub fn find_key(&self, key: i32) -> Option<u32> {
        self.entries.iter().find(|(_, o)| o.perm().key == key).map(|(i, _)| *i)
    }
    /// Linux: ipc_obtain_object_check(): the object of `id`, EINVAL for none (or a stale id).
    pub fn get(&self, id: i32) -> KResult<&T> {
        if id < 0 {
            return Err(EINVAL);
        }
        let o = self.entries.get(&sysvipc::id_to_idx(id)).ok_or(EINVAL)?;
        if o.perm().seq != sysvipc::id_to_seq(id) {
            return Err(EINVAL);
        }
        Ok(o)
    }
    pub fn get_mut(&mut self, id: i32) -> KResult<&mut T> {
        self.get(id)?;
        Ok(self.entries.get_mut(&sysvipc::id_to_idx(id)).unwrap())
    }
    /// Linux: ipc_obtain_object_idr(): by index (the *_STAT commands).
    pub fn get_idx(&self, idx: i32) -> KResult<&T> {
        if idx < 0 {
            return Err(EINVAL);
        }
        self.entries.get(&(idx as u32)).ok_or(EINVAL)
    }
    /// Linux: ipc_addid(): a new object gets an id (ENOSPC at `limit` objects).
    pub fn add(&mut self, mut obj: T, limit: usize) -> KResult<i32> {
        if self.in_use() >= limit.min(sysvipc::IPCMNI as usize) {
            return Err(ENOSPC);
        }
        let next = core::mem::replace(&mut self.next_id, -1);
        let entries = &self.entries;
        let got = if next >= 0 {
            self.alloc.alloc_at(next, |i| entries.contains_key(&i))
        } else {
            self.alloc.alloc(entries.len() as u32, |i| entries.contains_key(&i))
        };
        let (idx, id) = got.ok_or(ENOSPC)?;
        let p = obj.perm_mut();
        p.id = id;
        p.seq = sysvipc::id_to_seq(id);
        self.entries.insert(idx, obj);
        Ok(id)
    }
    /// Linux: ipc_rmid().
    pub fn remove(&mut self, id: i32) -> Option<T> {
        self.get(id).ok()?;
        self.entries.remove(&sysvipc::id_to_idx(id))
    }
    /// Linux: ipc_get_maxidx(): the highest index in use, -1 for none (IPC_INFO's result).
    pub fn max_idx(&self) -> i32 {
        self.entries.keys().next_back().map_or(-1, |i| *i as i32)
    }
}

/// What ipcget() needs from a kind (Linux: struct ipc_ops with struct ipc_params).
pub enum GetOutcome {
    /// An existing object matched: its id (the permission check is done).
    Existing(i32),
    /// No object with the key: make one.
    New,
}

/// Linux: ipcget() up to the creation: IPC_PRIVATE always makes one; a key finds its object
/// (EEXIST with IPC_CREAT|IPC_EXCL, then the kind's more_checks, then the permissions:
/// EACCES) or, without IPC_CREAT, ENOENT.
pub fn ipcget<T: IpcObject>(
    ns: &IpcNamespace,
    ids: &IpcIds<T>,
    key: i32,
    flags: i32,
    more_checks: impl Fn(&T) -> KResult<()>,
) -> KResult<GetOutcome> {
    if key == IPC_PRIVATE {
        return Ok(GetOutcome::New);
    }
    match ids.find_key(key) {
        None if flags & IPC_CREAT == 0 => Err(ENOENT),
        None => Ok(GetOutcome::New),
        Some(idx) => {
            if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 {
                return Err(EEXIST);
            }
            let o = &ids.entries[&idx];
            more_checks(o)?;
            if !ipcperms(ns, o.perm(), flags as u32 & S_IRWXUGO) {
                return Err(EACCES);
            }
            Ok(GetOutcome::Existing(o.perm().id))
        }
    }
}

/// Seconds since the epoch (Linux: ktime_get_real_seconds()), for the objects' times.
pub fn now_secs() -> i64 {
    (crate::kernel::time::timekeeping::ktime_get_real_ns() / 1_000_000_000) as i64
}

/// The caller's process as IPC records it (Linux: task_tgid(current)): its number in the
/// initial pid namespace, shown in the reader's (ipc_pid_vnr).
pub fn current_tgid() -> i32 {
    crate::kernel::task::with_current(|c| c.tgid())
}

/// A recorded process as the caller's pid namespace numbers it.
pub fn pid_vnr(nr: i32) -> i32 {
    if nr == 0 {
        0
    } else {
        crate::kernel::pid::pid_vnr(nr)
    }
}

/// Which /proc/sysvipc file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SysvipcFile {
    Shm,
    Sem,
    Msg,
}

/// The names of /proc/sysvipc's files.
pub const SYSVIPC_FILES: [(&str, SysvipcFile); 3] =
    [("msg", SysvipcFile::Msg), ("sem", SysvipcFile::Sem), ("shm", SysvipcFile::Shm)];

/// Linux: sysvipc_proc_show(): the header and a line per object of the caller's namespace.
pub fn sysvipc_proc_show(f: SysvipcFile) -> String {
    let ns = super::namespace::current_ipc_ns();
    match f {
        SysvipcFile::Shm => super::shm::proc_show(&ns),
        SysvipcFile::Sem => super::sem::proc_show(&ns),
        SysvipcFile::Msg => super::msg::proc_show(&ns),
    }
}

/// The caller's namespace (for the syscalls).
pub fn ns() -> Arc<IpcNamespace> {
    super::namespace::current_ipc_ns()
}
