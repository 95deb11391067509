//! System V shared memory: shmget, shmat, shmdt, shmctl.  Linux: ipc/shm.c (newseg, do_shmat,
//! ksys_shmdt, ksys_shmctl, shm_destroy, sysvipc_shm_proc_show), include/uapi/linux/shm.h,
//! include/uapi/asm-generic/shmbuf.h.
//!
//! A segment's pages are an ordinary shared memory object (mm/shmem.rs), the one a
//! MAP_SHARED|MAP_ANONYMOUS mapping has: shmat() maps it MAP_SHARED, so every process that
//! attaches it (and its fork children) sees the same pages, and a futex in a segment is a
//! shared futex on those pages.  A segment's attach count is the number of mappings that hold
//! its object (Linux counts the VMAs too: shm_open/shm_close): the segment holds one
//! reference, each VMA one.
//!
//! A segment removed with IPC_RMID while attached (SHM_DEST) goes when its last mapping does;
//! MenuOS notices that at the namespace's next shm operation or /proc/sysvipc/shm read (a
//! VMA's end calls nothing), which is as early as anyone can look: the id is gone for every
//! observer, and the pages themselves are freed with the last mapping.

use super::namespace::{IpcNamespace, ShmIds};
use super::util::*;
use crate::errno::*;
use crate::mm::mm_types::{Backing, VmFlags};
use crate::mm::shmem::ShmObject;
use crate::mm::uaccess::UserPtr;
use crate::mm::{page_align_up, PAGE_SIZE, TASK_SIZE};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use core::fmt::Write;

// Linux: include/uapi/linux/shm.h.
const SHMMIN: usize = 1;
const SHMSEG: u64 = super::namespace::SHMMNI as u64;
pub const SHM_HUGETLB: i32 = 0o4000;
pub const SHM_RDONLY: i32 = 0o10000;
/// shmget's flag with the same value: no memory reserved for the segment.
pub const SHM_NORESERVE: i32 = 0o10000;
pub const SHM_RND: i32 = 0o20000;
pub const SHM_REMAP: i32 = 0o40000;
pub const SHM_EXEC: i32 = 0o100000;
/// Mode bits: destroy on last detach, and locked (SHM_LOCK).
pub const SHM_DEST: u32 = 0o1000;
pub const SHM_LOCKED: u32 = 0o2000;
pub const SHM_LOCK: i32 = 11;
pub const SHM_UNLOCK: i32 = 12;
pub const SHM_STAT: i32 = 13;
pub const SHM_INFO: i32 = 14;
pub const SHM_STAT_ANY: i32 = 15;
/// Linux: SHMLBA (asm-generic/shmparam.h): attach addresses are page-aligned.
const SHMLBA: usize = PAGE_SIZE;

crate::user_pod! {
    /// Linux: struct shmid64_ds (asm-generic, 64-bit).
    #[derive(Clone, Copy, Default)]
    pub struct ShmidDs {
        pub shm_perm: Ipc64Perm,
        pub shm_segsz: u64,
        pub shm_atime: i64,
        pub shm_dtime: i64,
        pub shm_ctime: i64,
        pub shm_cpid: i32,
        pub shm_lpid: i32,
        pub shm_nattch: u64,
        pub unused4: u64,
        pub unused5: u64,
    }
}

crate::user_pod! {
    /// Linux: struct shminfo64 (IPC_INFO).
    #[derive(Clone, Copy, Default)]
    pub struct ShmInfo64 {
        pub shmmax: u64,
        pub shmmin: u64,
        pub shmmni: u64,
        pub shmseg: u64,
        pub shmall: u64,
        pub unused: [u64; 4],
    }
}

crate::user_pod! {
    /// Linux: struct shm_info (SHM_INFO).
    #[derive(Clone, Copy, Default)]
    pub struct ShmInfo {
        pub used_ids: i32,
        pub pad: u32,
        pub shm_tot: u64,
        pub shm_rss: u64,
        pub shm_swp: u64,
        pub swap_attempts: u64,
        pub swap_successes: u64,
    }
}

/// Linux: struct shmid_kernel.
pub struct ShmSegment {
    pub perm: KernIpcPerm,
    /// The pages: a shared memory object.
    pub obj: Arc<ShmObject>,
    pub segsz: usize,
    pub atime: i64,
    pub dtime: i64,
    pub ctime: i64,
    /// Creator and last operator (numbers of the initial pid namespace).
    pub cprid: i32,
    pub lprid: i32,
    /// Linux: shm_creator — for shm_rmid_forced, which removes a segment whose creator has
    /// exited once nothing has it attached.
    pub creator: Weak<crate::kernel::task::TaskStruct>,
}

impl IpcObject for ShmSegment {
    fn perm(&self) -> &KernIpcPerm {
        &self.perm
    }
    fn perm_mut(&mut self) -> &mut KernIpcPerm {
        &mut self.perm
    }
}

impl ShmSegment {
    /// Linux: shm_nattch — the mappings holding the object (the segment's own reference
    /// aside).
    pub fn nattch(&self) -> usize {
        Arc::strong_count(&self.obj) - 1
    }
    fn orphan(&self) -> bool {
        self.creator.upgrade().is_none_or(|t| t.exit_state() != 0)
    }
}

/// Linux: shm_may_destroy() + shm_destroy() for every segment of the namespace that may go:
/// nothing attached, and removed (SHM_DEST) or, with shm_rmid_forced, orphaned.
fn shm_reap(ns: &IpcNamespace, g: &mut ShmIds) {
    let forced = ns.lim.shm_rmid_forced.load(core::sync::atomic::Ordering::Relaxed) != 0;
    let gone: alloc::vec::Vec<i32> = g
        .ids
        .entries
        .values()
        .filter(|s| s.nattch() == 0 && (s.perm.mode & SHM_DEST != 0 || (forced && s.orphan())))
        .map(|s| s.perm.id)
        .collect();
    for id in gone {
        if let Some(s) = g.ids.remove(id) {
            g.shm_tot -= s.segsz.div_ceil(PAGE_SIZE) as u64;
        }
    }
}

/// Linux: shm_destroy_orphaned(): writing shm_rmid_forced = 1 removes at once the segments
/// whose creator is gone and that nothing has attached.
pub fn shm_destroy_orphaned(ns: &IpcNamespace) {
    shm_reap(ns, &mut ns.shm.lock());
}

/// Linux: newseg().
fn newseg(ns: &IpcNamespace, g: &mut ShmIds, key: i32, shmflg: i32, size: usize) -> KResult<i32> {
    let lim = &ns.lim;
    if size < SHMMIN || size as u64 > lim.shm_ctlmax.load(core::sync::atomic::Ordering::Relaxed) {
        return Err(EINVAL);
    }
    let numpages = size.div_ceil(PAGE_SIZE) as u64;
    if numpages.checked_mul(PAGE_SIZE as u64).is_none_or(|b| b < size as u64) {
        return Err(ENOSPC);
    }
    let total = g.shm_tot.checked_add(numpages).ok_or(ENOSPC)?;
    if total > lim.shm_ctlall.load(core::sync::atomic::Ordering::Relaxed) {
        return Err(ENOSPC);
    }
    // Linux without CONFIG_HUGETLBFS: hugetlb_file_setup() is ENOSYS.
    if shmflg & SHM_HUGETLB != 0 {
        return Err(ENOSYS);
    }
    // Linux: shmem_acct_size() -> __vm_enough_memory() (OVERCOMMIT_GUESS): a segment that
    // reserves more pages than there is RAM (MenuOS has no swap) is ENOMEM.
    if shmflg & SHM_NORESERVE == 0 && numpages > crate::mm::page_alloc::nr_total_pages() as u64 {
        return Err(ENOMEM);
    }
    let now = now_secs();
    let seg = ShmSegment {
        perm: KernIpcPerm::new(key, shmflg),
        obj: ShmObject::anon(size),
        segsz: size,
        atime: 0,
        dtime: 0,
        ctime: now,
        cprid: current_tgid(),
        lprid: 0,
        creator: Arc::downgrade(&crate::kernel::task::current()),
    };
    let limit = lim.shm_ctlmni.load(core::sync::atomic::Ordering::Relaxed).max(0) as usize;
    let id = g.ids.add(seg, limit)?;
    g.shm_tot = total;
    Ok(id)
}

/// Linux: SYSCALL_DEFINE3(shmget).
pub fn sys_shmget(key: i32, size: usize, shmflg: i32) -> KResult<usize> {
    let ns = ns();
    let mut g = ns.shm.lock();
    shm_reap(&ns, &mut g);
    // Linux: shm_more_checks(): an existing segment smaller than asked for is EINVAL.
    match ipcget(&ns, &g.ids, key, shmflg, |s| if s.segsz < size { Err(EINVAL) } else { Ok(()) })? {
        GetOutcome::Existing(id) => Ok(id as usize),
        GetOutcome::New => newseg(&ns, &mut g, key, shmflg, size).map(|id| id as usize),
    }
}

/// Linux: do_shmat(): maps segment `shmid` MAP_SHARED at `shmaddr` (rounded down with
/// SHM_RND, anywhere for 0), read-only with SHM_RDONLY; returns the address.
pub fn sys_shmat(shmid: i32, shmaddr: usize, shmflg: i32) -> KResult<usize> {
    if shmid < 0 {
        return Err(EINVAL);
    }
    let mut addr = shmaddr;
    if addr != 0 {
        if addr & (SHMLBA - 1) != 0 {
            if shmflg & SHM_RND != 0 {
                addr &= !(SHMLBA - 1);
                // the round-down must not be nil when remapping
                if addr == 0 && shmflg & SHM_REMAP != 0 {
                    return Err(EINVAL);
                }
            } else {
                return Err(EINVAL);
            }
        }
    } else if shmflg & SHM_REMAP != 0 {
        return Err(EINVAL);
    }
    let (mut vf, acc) = if shmflg & SHM_RDONLY != 0 {
        (VmFlags::READ, S_IRUGO)
    } else {
        (VmFlags::READ | VmFlags::WRITE, S_IRUGO | S_IWUGO)
    };
    let acc = if shmflg & SHM_EXEC != 0 {
        vf |= VmFlags::EXEC;
        acc | 0o111
    } else {
        acc
    };
    let ns = ns();
    let (obj, size) = {
        let mut g = ns.shm.lock();
        shm_reap(&ns, &mut g);
        let seg = g.ids.get(shmid)?;
        if !ipcperms(&ns, &seg.perm, acc) {
            return Err(EACCES);
        }
        (seg.obj.clone(), seg.segsz)
    };
    let len = page_align_up(size);
    let mm = crate::kernel::task::current().mm.lock().clone().ok_or(EINVAL)?;
    let start = {
        let mut m = mm.inner.lock();
        if addr != 0 {
            // Linux: EINVAL for a wrapping range or one over a mapping (without SHM_REMAP),
            // then do_mmap()'s ENOMEM for one past the user address space.
            let end = addr.checked_add(len).ok_or(EINVAL)?;
            if shmflg & SHM_REMAP == 0 && end <= TASK_SIZE && !m.is_free(addr, end) {
                return Err(EINVAL);
            }
            if end > TASK_SIZE {
                return Err(ENOMEM);
            }
        }
        // (no writable-mapping count: a segment cannot be sealed, and its attaches are counted by
        // their references to it, shm_nattch)
        m.mmap_region(addr, len, vf | VmFlags::SHARED, Backing::Shared { obj, pgoff: 0, wmap: None }, addr != 0)?
    };
    // Linux: shm_open(): the attach time and the last operator.
    let mut g = ns.shm.lock();
    if let Ok(seg) = g.ids.get_mut(shmid) {
        seg.atime = now_secs();
        seg.lprid = current_tgid();
    }
    Ok(start)
}

/// Linux: ksys_shmdt(): unmaps the segment attached at `shmaddr` (its VMAs from there, as far
/// as the segment's size reaches); EINVAL when none is attached there.
pub fn sys_shmdt(shmaddr: usize) -> KResult<usize> {
    if shmaddr & (PAGE_SIZE - 1) != 0 {
        return Err(EINVAL);
    }
    let ns = ns();
    let segs: alloc::vec::Vec<(Arc<ShmObject>, usize, i32)> =
        ns.shm.lock().ids.entries.values().map(|s| (s.obj.clone(), s.segsz, s.perm.id)).collect();
    let seg_of = |o: &Arc<ShmObject>| segs.iter().find(|(so, ..)| Arc::ptr_eq(so, o)).map(|(_, sz, id)| (*sz, *id));
    let mm = crate::kernel::task::current().mm.lock().clone().ok_or(EINVAL)?;
    let mut found: Option<(Arc<ShmObject>, usize, i32)> = None;
    {
        let mut m = mm.inner.lock();
        let mut victims = alloc::vec::Vec::new();
        for v in m.vmas.range(shmaddr..).map(|(_, v)| v) {
            let Backing::Shared { obj, pgoff, .. } = &v.backing else { continue };
            // (the VMA must start where its offset says the segment starts: addr)
            if (v.start - shmaddr) / PAGE_SIZE != *pgoff {
                continue;
            }
            match &found {
                None => {
                    if let Some((size, id)) = seg_of(obj) {
                        found = Some((obj.clone(), page_align_up(size), id));
                        victims.push((v.start, v.end));
                    }
                }
                Some((fo, size, _)) => {
                    if v.end - shmaddr > *size {
                        break;
                    }
                    if Arc::ptr_eq(fo, obj) {
                        victims.push((v.start, v.end));
                    }
                }
            }
        }
        // (whole VMAs: nothing is split, so nothing is inserted and no node preallocated)
        for (s, e) in victims {
            m.munmap(s, e);
        }
    }
    let Some((obj, _, id)) = found else { return Err(EINVAL) };
    drop(obj);
    drop(segs);
    // Linux: shm_close(): the detach time and the last operator; a removed segment with
    // nothing attached goes.
    let mut g = ns.shm.lock();
    if let Ok(seg) = g.ids.get_mut(id) {
        seg.dtime = now_secs();
        seg.lprid = current_tgid();
    }
    shm_reap(&ns, &mut g);
    Ok(0)
}

fn fill_stat(s: &ShmSegment) -> ShmidDs {
    ShmidDs {
        shm_perm: s.perm.to_user(),
        shm_segsz: s.segsz as u64,
        shm_atime: s.atime,
        shm_dtime: s.dtime,
        shm_ctime: s.ctime,
        shm_cpid: pid_vnr(s.cprid),
        shm_lpid: pid_vnr(s.lprid),
        shm_nattch: s.nattch() as u64,
        ..Default::default()
    }
}

/// Linux: SYSCALL_DEFINE3(shmctl) -> ksys_shmctl() (IPC_64: riscv64 has only the 64-bit
/// structures).
pub fn sys_shmctl(shmid: i32, cmd: i32, buf: UserPtr<u8>) -> KResult<usize> {
    if cmd < 0 || shmid < 0 {
        return Err(EINVAL);
    }
    let ns = ns();
    let lim = &ns.lim;
    match cmd {
        IPC_INFO => {
            let info = ShmInfo64 {
                shmmax: lim.shm_ctlmax.load(core::sync::atomic::Ordering::Relaxed),
                shmmin: SHMMIN as u64,
                shmmni: lim.shm_ctlmni.load(core::sync::atomic::Ordering::Relaxed) as u64,
                shmseg: SHMSEG,
                shmall: lim.shm_ctlall.load(core::sync::atomic::Ordering::Relaxed),
                ..Default::default()
            };
            let max = {
                let mut g = ns.shm.lock();
                shm_reap(&ns, &mut g);
                g.ids.max_idx().max(0)
            };
            buf.cast::<ShmInfo64>().write(&info)?;
            Ok(max as usize)
        }
        SHM_INFO => {
            let (mut info, max, objs) = {
                let mut g = ns.shm.lock();
                shm_reap(&ns, &mut g);
                let objs: alloc::vec::Vec<Arc<ShmObject>> = g.ids.entries.values().map(|s| s.obj.clone()).collect();
                let info = ShmInfo { used_ids: g.ids.in_use() as i32, shm_tot: g.shm_tot, ..Default::default() };
                (info, g.ids.max_idx().max(0), objs)
            };
            // (a page list's lock ranks below the ids': counted after)
            info.shm_rss = objs.iter().map(|o| o.blocks() * 512 / PAGE_SIZE as u64).sum();
            buf.cast::<ShmInfo>().write(&info)?;
            Ok(max as usize)
        }
        IPC_STAT | SHM_STAT | SHM_STAT_ANY => {
            let (ds, ret) = {
                let mut g = ns.shm.lock();
                shm_reap(&ns, &mut g);
                let s = if cmd == IPC_STAT { g.ids.get(shmid)? } else { g.ids.get_idx(shmid)? };
                if cmd != SHM_STAT_ANY && !ipcperms(&ns, &s.perm, S_IRUGO) {
                    return Err(EACCES);
                }
                (fill_stat(s), if cmd == IPC_STAT { 0 } else { s.perm.id as usize })
            };
            buf.cast::<ShmidDs>().write(&ds)?;
            Ok(ret)
        }
        IPC_SET => {
            let new = buf.cast::<ShmidDs>().read()?;
            let mut g = ns.shm.lock();
            shm_reap(&ns, &mut g);
            let s = g.ids.get_mut(shmid)?;
            may_ipcctl(&ns, &s.perm)?;
            s.perm.update(&new.shm_perm)?;
            s.ctime = now_secs();
            Ok(0)
        }
        IPC_RMID => {
            let mut g = ns.shm.lock();
            shm_reap(&ns, &mut g);
            let s = g.ids.get_mut(shmid)?;
            may_ipcctl(&ns, &s.perm)?;
            // Linux: do_shm_rmid(): destroyed now, or once the last mapping goes (a private
            // key, so that no shmget finds it again).
            s.perm.mode |= SHM_DEST;
            s.perm.key = IPC_PRIVATE;
            shm_reap(&ns, &mut g);
            Ok(0)
        }
        SHM_LOCK | SHM_UNLOCK => {
            // MenuOS never swaps: a segment's pages stay in memory; the flag is what
            // SHM_LOCK records (Linux: shm_file's mlock state, SHM_LOCKED in the mode).
            let mut g = ns.shm.lock();
            shm_reap(&ns, &mut g);
            let s = g.ids.get_mut(shmid)?;
            if !crate::kernel::capability::ns_capable(&ns.user_ns, crate::kernel::capability::CAP_IPC_LOCK) {
                let euid = crate::kernel::cred::current_euid();
                if euid != s.perm.uid && euid != s.perm.cuid {
                    return Err(EPERM);
                }
                let memlock = crate::kernel::task::current().signal.rlimit(crate::kernel::signal_types::RLIMIT_MEMLOCK);
                if cmd == SHM_LOCK && memlock == 0 {
                    return Err(EPERM);
                }
            }
            if cmd == SHM_LOCK {
                s.perm.mode |= SHM_LOCKED;
            } else {
                s.perm.mode &= !SHM_LOCKED;
            }
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

/// Linux: sysvipc_shm_proc_show() with its header (64-bit: SIZE_SPEC "%21lu").
pub fn proc_show(ns: &IpcNamespace) -> String {
    let mut s = String::from(
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n",
    );
    // Each row's text up to its resident size, and the object to measure that from.
    let rows: alloc::vec::Vec<(String, Arc<ShmObject>)> = {
        let mut g = ns.shm.lock();
        shm_reap(ns, &mut g);
        g.ids
            .entries
            .values()
            .map(|seg| {
                let p = seg.perm.to_user();
                let line = alloc::format!(
                    "{:>10} {:>10}  {:>4o} {:>21} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}",
                    p.key,
                    seg.perm.id,
                    seg.perm.mode,
                    seg.segsz,
                    pid_vnr(seg.cprid),
                    pid_vnr(seg.lprid),
                    seg.nattch(),
                    p.uid,
                    p.gid,
                    p.cuid,
                    p.cgid,
                    seg.atime,
                    seg.dtime,
                    seg.ctime
                );
                (line, seg.obj.clone())
            })
            .collect()
    };
    // (a page list's lock ranks below the ids': resident sizes are read after)
    for (line, obj) in rows {
        let rss = obj.blocks() * 512;
        let _ = writeln!(s, "{} {:>21} {:>21}", line, rss, 0);
    }
    s
}
