//! File locks: flock(2), POSIX record locks and open-file-description locks.  Linux:
//! fs/locks.c (SYSCALL_DEFINE2(flock), flock_lock_inode, fcntl_getlk, fcntl_setlk,
//! flock64_to_posix_lock, posix_lock_inode, posix_test_lock, posix_locks_deadlock,
//! locks_remove_posix, locks_remove_file).
//!
//! Every inode has a [`FileLockContext`] (Linux: struct file_lock_context) with its two lists:
//!
//! - flock locks: whole-file, shared or exclusive, owned by an open file description (a
//!   `struct file`, shared by dup and fork); gone with LOCK_UN or the last close of it.
//! - POSIX record locks, over byte ranges: F_SETLK/F_SETLKW/F_GETLK are owned by the process
//!   (its files_struct, shared by threads) and go when it closes *any* fd of the file, or
//!   exits; F_OFD_* locks are owned by the open file description, like flock's.  A process's
//!   own locks never conflict with each other: a new one splits, replaces and merges with
//!   them.  F_SETLKW waits, unless waiting would close a cycle of POSIX owners each waiting
//!   for the next (EDEADLK).
//!
//! A conflict is EAGAIN (F_SETLK, LOCK_NB: EWOULDBLOCK, the same number); waits are
//! interruptible.  The waiters of an inode sleep on its context's queue and look again
//! whenever a lock there goes.

use super::file::fd_get;
use super::file_table::File;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use linux_raw_sys::general::{
    F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_SETLK, F_SETLKW, F_UNLCK, F_WRLCK, LOCK_EX, LOCK_NB,
    LOCK_SH, LOCK_UN, O_PATH, SEEK_CUR, SEEK_END, SEEK_SET,
};

/// Linux: LOCK_MAND (removed: requests with it are ignored, as 6.1 does).
const LOCK_MAND: u32 = 32;
/// Linux: OFFSET_MAX, a range's end "to the end of the file, however long".
const OFFSET_MAX: u64 = i64::MAX as u64;
/// Linux: MAX_DEADLK_ITERATIONS.
const MAX_DEADLK_ITERATIONS: usize = 10;

/// Who holds a lock (Linux: fl_owner): a process's files_struct (POSIX locks) or an open file
/// description (flock and OFD locks), by address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Owner {
    Files(usize),
    File(usize),
}

/// One POSIX or OFD lock over [start, end] (end inclusive; OFFSET_MAX: to the end).
#[derive(Clone, Copy, Debug)]
struct RangeLock {
    owner: Owner,
    /// The tgid of the process that took it (F_GETLK's l_pid; -1 for OFD locks).
    pid: i32,
    write: bool,
    start: u64,
    end: u64,
}

impl RangeLock {
    fn overlaps(&self, o: &RangeLock) -> bool {
        self.start <= o.end && o.start <= self.end
    }
    fn conflicts(&self, o: &RangeLock) -> bool {
        self.owner != o.owner && self.overlaps(o) && (self.write || o.write)
    }
}

#[derive(Default)]
struct LockState {
    /// flock locks: (the file, exclusive).
    flock: Vec<(usize, bool)>,
    posix: Vec<RangeLock>,
}

/// Linux: inode->i_flctx: the lock context, made by the first lock taken on the inode
/// (locks_get_lock_context()); most inodes never have one.
pub struct LockContextSlot(spin::Once<Box<FileLockContext>>);

impl Default for LockContextSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl LockContextSlot {
    pub const fn new() -> LockContextSlot {
        LockContextSlot(spin::Once::new())
    }
    fn get(&self) -> Option<&FileLockContext> {
        self.0.get().map(|b| &**b)
    }
    fn get_or_init(&self) -> &FileLockContext {
        self.0.call_once(|| Box::new(FileLockContext::new()))
    }
    /// Linux: locks_remove_posix().
    pub fn remove_posix(&self, files: usize) {
        if let Some(c) = self.get() {
            c.remove_posix(files);
        }
    }
    /// Linux: locks_remove_file().
    pub fn remove_file(&self, file: usize) {
        if let Some(c) = self.get() {
            c.remove_file(file);
        }
    }
}

/// Linux: struct file_lock_context.
pub struct FileLockContext {
    state: SpinLock<LockState, class::FileLocks>,
    wq: WaitQueue,
    /// Whether a lock was ever taken here: every close looks, and most files never had one
    /// (Linux: the lockless list_empty() checks of locks_remove_posix/locks_remove_file).
    used: AtomicBool,
}

impl Default for FileLockContext {
    fn default() -> Self {
        Self::new()
    }
}

impl FileLockContext {
    pub fn new() -> FileLockContext {
        FileLockContext {
            state: SpinLock::new(LockState::default()),
            wq: WaitQueue::new(),
            used: AtomicBool::new(false),
        }
    }

    /// Linux: locks_remove_posix(): `files` closed an fd of this inode.
    pub fn remove_posix(&self, files: usize) {
        self.remove(|l| l.owner == Owner::Files(files), None);
    }

    /// Linux: locks_remove_file(): the last reference to the file went (its flock and OFD
    /// locks).
    pub fn remove_file(&self, file: usize) {
        self.remove(|l| l.owner == Owner::File(file), Some(file));
    }

    fn remove(&self, posix: impl Fn(&RangeLock) -> bool, flock_file: Option<usize>) {
        if !self.used.load(Ordering::Relaxed) {
            return;
        }
        let mut s = self.state.lock();
        let (np, nf) = (s.posix.len(), s.flock.len());
        if np == 0 && nf == 0 {
            return;
        }
        s.posix.retain(|l| !posix(l));
        if let Some(f) = flock_file {
            s.flock.retain(|&(o, _)| o != f);
        }
        let changed = s.posix.len() != np || s.flock.len() != nf;
        drop(s);
        if changed {
            self.wq.wake_up_all();
        }
    }

    /// The first lock of another owner that `req` conflicts with (Linux: posix_test_lock()).
    fn posix_conflict(s: &LockState, req: &RangeLock) -> Option<RangeLock> {
        s.posix.iter().find(|l| l.conflicts(req)).copied()
    }

    /// Linux: posix_lock_inode() once nothing conflicts: the owner's locks lose the range,
    /// then (unless unlocking) the new lock goes in, merged with the owner's same-type locks
    /// that touch it.
    fn posix_apply(s: &mut LockState, req: RangeLock, unlock: bool) -> KResult<()> {
        let mut out: Vec<RangeLock> = Vec::new();
        out.try_reserve(s.posix.len() + 2).map_err(|_| ENOLCK)?;
        let mut new = req;
        for l in s.posix.iter() {
            if l.owner != req.owner {
                out.push(*l);
                continue;
            }
            // Same type and touching (overlapping or adjacent): merged into the new lock.
            let touches = l.start <= req.end.saturating_add(1) && req.start <= l.end.saturating_add(1);
            if !unlock && l.write == req.write && touches {
                new.start = new.start.min(l.start);
                new.end = new.end.max(l.end);
                continue;
            }
            if !l.overlaps(&req) {
                out.push(*l);
                continue;
            }
            // The parts of `l` outside the request stay.
            if l.start < req.start {
                out.push(RangeLock { end: req.start - 1, ..*l });
            }
            if l.end > req.end {
                out.push(RangeLock { start: req.end + 1, ..*l });
            }
        }
        if !unlock {
            out.push(new);
        }
        out.sort_by_key(|l| l.start);
        s.posix = out;
        Ok(())
    }
}

/// Linux: the blocked-lock list (blocked_hash): which POSIX owner waits for which, for the
/// deadlock check.
static BLOCKED: SpinLock<Vec<(Owner, Owner)>, class::FileLocks> = SpinLock::new(Vec::new());

/// Linux: posix_locks_deadlock(): whether `waiter` waiting for `holder` would close a cycle
/// (following what each owner waits for, at most MAX_DEADLK_ITERATIONS steps).
fn posix_locks_deadlock(waiter: Owner, holder: Owner) -> bool {
    let b = BLOCKED.lock();
    let mut cur = holder;
    for _ in 0..MAX_DEADLK_ITERATIONS {
        if cur == waiter {
            return true;
        }
        match b.iter().find(|(w, _)| *w == cur) {
            Some(&(_, next)) => cur = next,
            None => return false,
        }
    }
    false
}

fn file_owner(f: &File) -> usize {
    f as *const File as usize
}

fn files_owner() -> KResult<(usize, i32)> {
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    Ok((Arc::as_ptr(&files) as usize, cur.tgid()))
}

/// Linux: SYSCALL_DEFINE2(flock): LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB not to wait
/// (EWOULDBLOCK).  EINVAL for another command (checked before the fd), EBADF for a bad or
/// O_PATH fd.  Converting a lock gives up the old one first, as Linux does.
pub fn sys_flock(fd: u32, cmd: u32) -> KResult<usize> {
    if cmd & LOCK_MAND != 0 {
        return Ok(0);
    }
    let kind = match cmd & !LOCK_NB {
        LOCK_SH => Some(false),
        LOCK_EX => Some(true),
        LOCK_UN => None,
        _ => return Err(EINVAL),
    };
    let f = fd_get(fd)?;
    if f.flags() & O_PATH != 0 {
        return Err(EBADF);
    }
    let Some(ino) = f.inode.clone() else {
        // pipes and the like have no lock context here; Linux locks their inode.
        return Ok(0);
    };
    let ctx = ino.locks.get_or_init();
    let me = file_owner(&f);
    let Some(excl) = kind else {
        ctx.remove(|_| false, Some(me));
        return Ok(0);
    };
    {
        let mut s = ctx.state.lock();
        match s.flock.iter().position(|&(o, _)| o == me) {
            Some(i) if s.flock[i].1 == excl => return Ok(0),
            Some(i) => {
                s.flock.remove(i);
                drop(s);
                ctx.wq.wake_up_all();
            }
            None => {}
        }
    }
    let conflict = |s: &LockState| s.flock.iter().any(|&(o, x)| o != me && (x || excl));
    loop {
        let mut s = ctx.state.lock();
        if !conflict(&s) {
            s.flock.try_reserve(1).map_err(|_| ENOLCK)?;
            s.flock.push((me, excl));
            ctx.used.store(true, Ordering::Relaxed);
            return Ok(0);
        }
        drop(s);
        if cmd & LOCK_NB != 0 {
            return Err(EWOULDBLOCK);
        }
        ctx.wq.wait_event_interruptible(|| !conflict(&ctx.state.lock()))?;
    }
}

crate::user_pod! {
    /// Linux: struct flock (64-bit: offsets are 64 bits wide).
    #[derive(Clone, Copy, Default)]
    pub struct Flock {
        pub l_type: i16,
        pub l_whence: i16,
        pub __pad: i32,
        pub l_start: i64,
        pub l_len: i64,
        pub l_pid: i32,
        pub __pad2: i32,
    }
}

/// Linux: flock64_to_posix_lock(): the range a struct flock names, from SEEK_SET, the file
/// position or the end.  EINVAL for a bad whence or a range starting before 0, EOVERFLOW
/// for one past OFFSET_MAX; a negative length runs back from l_start; 0 means to the end.
fn flock_to_range(f: &File, l: &Flock) -> KResult<(u64, u64)> {
    let base: i64 = match l.l_whence as u32 {
        SEEK_SET => 0,
        SEEK_CUR => *f.pos.lock() as i64,
        SEEK_END => f.inode.as_ref().map_or(0, |i| i.size()) as i64,
        _ => return Err(EINVAL),
    };
    if l.l_start > i64::MAX - base {
        return Err(EOVERFLOW);
    }
    let mut start = base + l.l_start;
    if start < 0 {
        return Err(EINVAL);
    }
    let end;
    if l.l_len > 0 {
        if l.l_len - 1 > i64::MAX - start {
            return Err(EOVERFLOW);
        }
        end = start + (l.l_len - 1);
    } else if l.l_len < 0 {
        if start + l.l_len < 0 {
            return Err(EINVAL);
        }
        end = start - 1;
        start += l.l_len;
    } else {
        end = OFFSET_MAX as i64;
    }
    Ok((start as u64, end as u64))
}

/// Linux: fcntl_getlk() and fcntl_setlk(), for F_GETLK, F_SETLK, F_SETLKW and the F_OFD_*
/// forms.  EINVAL for a bad l_type (F_GETLK takes F_RDLCK or F_WRLCK only) or an OFD
/// request with l_pid != 0; EBADF for a read lock on a file not open for reading or a write
/// lock on one not open for writing; EAGAIN for a conflict under F_SETLK; EDEADLK when
/// F_SETLKW would wait in a cycle.
pub fn fcntl_lock(f: &File, cmd: u32, arg: usize) -> KResult<usize> {
    let uptr = UserPtr::<Flock>::new(arg);
    let mut l = uptr.read()?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let getlk = matches!(cmd, F_GETLK | F_OFD_GETLK);
    let typ = l.l_type as u32;
    if getlk && typ != F_RDLCK && typ != F_WRLCK {
        return Err(EINVAL);
    }
    let (start, end) = flock_to_range(f, &l)?;
    if !matches!(typ, F_RDLCK | F_WRLCK | F_UNLCK) {
        return Err(EINVAL);
    }
    if !getlk && ((typ == F_RDLCK && !f.readable()) || (typ == F_WRLCK && !f.writable())) {
        return Err(EBADF);
    }
    if ofd && l.l_pid != 0 {
        return Err(EINVAL);
    }
    let (owner, pid) = if ofd {
        (Owner::File(file_owner(f)), -1)
    } else {
        let (files, tgid) = files_owner()?;
        (Owner::Files(files), tgid)
    };
    let req = RangeLock { owner, pid, write: typ == F_WRLCK, start, end };
    let Some(ino) = f.inode.clone() else {
        // A pipe has no lock context here: nothing ever conflicts.
        if getlk {
            l.l_type = F_UNLCK as i16;
            uptr.write(&l)?;
        }
        return Ok(0);
    };
    let ctx = ino.locks.get_or_init();
    if getlk {
        match FileLockContext::posix_conflict(&ctx.state.lock(), &req) {
            Some(c) => {
                l.l_type = if c.write { F_WRLCK } else { F_RDLCK } as i16;
                l.l_whence = SEEK_SET as i16;
                l.l_start = c.start as i64;
                l.l_len = if c.end == OFFSET_MAX { 0 } else { (c.end - c.start + 1) as i64 };
                l.l_pid = c.pid;
            }
            None => l.l_type = F_UNLCK as i16,
        }
        uptr.write(&l)?;
        return Ok(0);
    }
    let unlock = typ == F_UNLCK;
    let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
    loop {
        let mut s = ctx.state.lock();
        let conflict = if unlock { None } else { FileLockContext::posix_conflict(&s, &req) };
        let Some(c) = conflict else {
            FileLockContext::posix_apply(&mut s, req, unlock)?;
            ctx.used.store(true, Ordering::Relaxed);
            drop(s);
            if unlock {
                ctx.wq.wake_up_all();
            }
            return Ok(0);
        };
        drop(s);
        if !wait {
            return Err(EAGAIN);
        }
        // Linux: posix_locks_deadlock() (POSIX owners only), then sleep as a blocked lock.
        if !ofd && matches!(c.owner, Owner::Files(_)) && posix_locks_deadlock(owner, c.owner) {
            return Err(EDEADLK);
        }
        {
            let mut b = BLOCKED.lock();
            b.try_reserve(1).map_err(|_| ENOLCK)?;
            b.push((owner, c.owner));
        }
        let r = ctx.wq.wait_event_interruptible(|| FileLockContext::posix_conflict(&ctx.state.lock(), &req).is_none());
        {
            let mut b = BLOCKED.lock();
            if let Some(i) = b.iter().position(|&(w, h)| w == owner && h == c.owner) {
                b.swap_remove(i);
            }
        }
        r?;
    }
}

/// Linux: F_SETLK/F_SETLKW/F_GETLK's command numbers, for fcntl's dispatch.
pub fn is_lock_cmd(cmd: u32) -> bool {
    matches!(cmd, F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW)
}
