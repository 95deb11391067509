//! The decisions of Linux 6.1's System V IPC as pure functions, with Linux's errno values
//! (`u32`, from `linux_raw_sys::errno`):
//!
//! * [`IdAllocator`]: `ipc_idr_alloc()` (ipc/util.c) — the index is the lowest free one from
//!   a cursor (idr_alloc_cyclic) below `max(in_use * 3 / 2, 64)`, and the sequence number goes
//!   up each time the index wraps, so an id (`seq << 15 | idx`) is not soon reused;
//! * [`ipcperms`]: the mode-bit half of `ipcperms()` (the owner's, the group's or the others'
//!   bits; CAP_IPC_OWNER is the caller's business);
//! * [`semop`]: `perform_atomic_semop_slow()` (ipc/sem.c) — every operation of a `semop()` or
//!   none, in order, with the undo adjustments;
//! * [`find_msg`]: `convert_mode()` + `find_msg()` (ipc/msg.c) — which queued message
//!   `msgrcv()` takes for a given type and flags.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use linux_raw_sys::errno::{E2BIG, EAGAIN, EINVAL, ENOMSG, ERANGE};

pub type Errno = u32;

/// Linux: IPCMNI_SHIFT: an id is `seq << 15 | idx`.
pub const IPCMNI_SHIFT: u32 = 15;
/// Linux: IPCMNI, the most objects of one kind in a namespace.
pub const IPCMNI: u32 = 1 << IPCMNI_SHIFT;
/// Linux: ipcid_seq_max() = INT_MAX >> IPCMNI_SHIFT.
pub const IPCID_SEQ_MAX: u32 = (i32::MAX as u32) >> IPCMNI_SHIFT;
/// Linux: ipc_min_cycle (RADIX_TREE_MAP_SIZE).
pub const IPC_MIN_CYCLE: u32 = 64;

/// Linux: SEMVMX, the largest semaphore value, and SEMAEM, the largest adjustment.
pub const SEMVMX: i32 = 32767;
pub const SEMAEM: i32 = SEMVMX;

/// Linux: IPC_NOWAIT (include/uapi/linux/ipc.h) and SEM_UNDO (include/uapi/linux/sem.h).
pub const IPC_NOWAIT: i16 = 0o4000;
pub const SEM_UNDO: i16 = 0x1000;

/// Linux: MSG_NOERROR, MSG_EXCEPT, MSG_COPY (include/uapi/linux/msg.h).
pub const MSG_NOERROR: i32 = 0o10000;
pub const MSG_EXCEPT: i32 = 0o20000;
pub const MSG_COPY: i32 = 0o40000;

/// The index and sequence state of one kind's ids in a namespace (Linux: struct ipc_ids's
/// seq, last_idx, and the idr's cursor).
#[derive(Debug, Clone)]
pub struct IdAllocator {
    seq: u32,
    last_idx: i64,
    cursor: u32,
}

impl Default for IdAllocator {
    fn default() -> Self {
        IdAllocator { seq: 0, last_idx: -1, cursor: 0 }
    }
}

impl IdAllocator {
    /// Linux: ipc_idr_alloc() with no next_id set: the (index, id) for a new object, given
    /// which indices are taken (`used(i)`) and how many are (`in_use`).  None when every
    /// index below the cycle is taken (the caller's limit check normally comes first).
    pub fn alloc(&mut self, in_use: u32, used: impl Fn(u32) -> bool) -> Option<(u32, i32)> {
        let max_idx = (in_use * 3 / 2).clamp(IPC_MIN_CYCLE, IPCMNI);
        let start = if self.cursor >= max_idx { 0 } else { self.cursor };
        let idx = (start..max_idx).chain(0..start).find(|&i| !used(i))?;
        self.cursor = idx + 1;
        if (idx as i64) <= self.last_idx {
            self.seq += 1;
            if self.seq >= IPCID_SEQ_MAX {
                self.seq = 0;
            }
        }
        self.last_idx = idx as i64;
        Some((idx, ((self.seq << IPCMNI_SHIFT) + idx) as i32))
    }

    /// Linux: ipc_idr_alloc() with next_id set (/proc/sys/kernel/*_next_id): exactly that id,
    /// None when its index is taken.
    pub fn alloc_at(&mut self, id: i32, used: impl Fn(u32) -> bool) -> Option<(u32, i32)> {
        let idx = id as u32 & (IPCMNI - 1);
        if used(idx) {
            return None;
        }
        Some((idx, id))
    }
}

/// The index of an id (Linux: ipcid_to_idx()) and the sequence number it carries
/// (ipcid_to_seqx()).
pub fn id_to_idx(id: i32) -> u32 {
    id as u32 & (IPCMNI - 1)
}
pub fn id_to_seq(id: i32) -> u32 {
    id as u32 >> IPCMNI_SHIFT
}

/// The owner and mode of an object, and who asks.
#[derive(Debug, Clone, Copy)]
pub struct PermCheck {
    pub mode: u32,
    pub uid: u32,
    pub cuid: u32,
    /// The caller's euid, and whether it is in the object's group or creator group.
    pub euid: u32,
    pub in_group: bool,
}

/// Linux: ipcperms() without the capability: are the bits of `flag` (S_IRUGO, S_IWUGO, the
/// lower nine bits of a get's flags) granted by the owner's, the group's or the others' bits?
pub fn ipcperms(p: &PermCheck, flag: u32) -> bool {
    let requested = (flag >> 6) | (flag >> 3) | flag;
    let mut granted = p.mode;
    if p.euid == p.cuid || p.euid == p.uid {
        granted >>= 6;
    } else if p.in_group {
        granted >>= 3;
    }
    requested & !granted & 0o7 == 0
}

/// One operation of semop() (Linux: struct sembuf).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemBuf {
    pub sem_num: u16,
    pub sem_op: i16,
    pub sem_flg: i16,
}

/// What semop() does with the values as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SemopResult {
    /// Every operation applied.
    Done,
    /// Operation `i` cannot go on now: the caller sleeps (or EAGAIN with IPC_NOWAIT, already
    /// turned into an error).
    Block(usize),
}

/// Linux: perform_atomic_semop_slow(): apply `sops` in order to `vals` (and, for SEM_UNDO
/// operations, to `semadj`), or leave both as they were: ERANGE past SEMVMX or an
/// adjustment outside [-SEMAEM - 1, SEMAEM], EAGAIN when an operation would block and has
/// IPC_NOWAIT.  The caller has checked every sem_num against the array's size.
pub fn semop(vals: &mut [i32], semadj: &mut [i32], sops: &[SemBuf]) -> Result<SemopResult, Errno> {
    let mut done = 0;
    let mut outcome: Result<SemopResult, Errno> = Ok(SemopResult::Done);
    for (i, sop) in sops.iter().enumerate() {
        let n = sop.sem_num as usize;
        let op = sop.sem_op as i32;
        let cur = vals[n];
        if (op == 0 && cur != 0) || cur + op < 0 {
            outcome = if sop.sem_flg & IPC_NOWAIT != 0 { Err(EAGAIN) } else { Ok(SemopResult::Block(i)) };
            break;
        }
        if cur + op > SEMVMX {
            outcome = Err(ERANGE);
            break;
        }
        if sop.sem_flg & SEM_UNDO != 0 {
            let undo = semadj[n] - op;
            if !(-SEMAEM - 1..=SEMAEM).contains(&undo) {
                outcome = Err(ERANGE);
                break;
            }
            semadj[n] = undo;
        }
        vals[n] = cur + op;
        done = i + 1;
    }
    if outcome != Ok(SemopResult::Done) {
        for sop in sops[..done].iter().rev() {
            let n = sop.sem_num as usize;
            vals[n] -= sop.sem_op as i32;
            if sop.sem_flg & SEM_UNDO != 0 {
                semadj[n] += sop.sem_op as i32;
            }
        }
    }
    outcome
}

/// The argument checks of semtimedop() before the array is looked at: nsops in
/// [1, semopm] (EINVAL below, E2BIG above).
pub fn semop_nsops_check(nsops: usize, semopm: usize) -> Result<(), Errno> {
    if nsops < 1 {
        return Err(EINVAL);
    }
    if nsops > semopm {
        return Err(E2BIG);
    }
    Ok(())
}

/// Linux: convert_mode()'s search modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgSearch {
    Any,
    Equal(i64),
    NotEqual(i64),
    /// The lowest type not above this.
    LessEqual(i64),
    /// MSG_COPY: the message at this position.
    Number(i64),
}

/// Linux: convert_mode(): how msgrcv()'s msgtyp and flags choose a message.
pub fn convert_mode(msgtyp: i64, msgflg: i32) -> MsgSearch {
    if msgflg & MSG_COPY != 0 {
        return MsgSearch::Number(msgtyp);
    }
    if msgtyp == 0 {
        return MsgSearch::Any;
    }
    if msgtyp < 0 {
        return MsgSearch::LessEqual(if msgtyp == i64::MIN { i64::MAX } else { -msgtyp });
    }
    if msgflg & MSG_EXCEPT != 0 {
        return MsgSearch::NotEqual(msgtyp);
    }
    MsgSearch::Equal(msgtyp)
}

/// Linux: find_msg(): the position of the message to take from a queue whose types are
/// `types` (oldest first); ENOMSG when none fits (or, for MSG_COPY, when there is no such
/// position).
pub fn find_msg(types: &[i64], mode: MsgSearch) -> Result<usize, Errno> {
    match mode {
        MsgSearch::Any => (!types.is_empty()).then_some(0).ok_or(ENOMSG),
        MsgSearch::Equal(t) => types.iter().position(|&m| m == t).ok_or(ENOMSG),
        MsgSearch::NotEqual(t) => types.iter().position(|&m| m != t).ok_or(ENOMSG),
        MsgSearch::LessEqual(t) => {
            let mut best: Option<usize> = None;
            for (i, &m) in types.iter().enumerate() {
                if m <= t && best.is_none_or(|b| m < types[b]) {
                    best = Some(i);
                }
            }
            best.ok_or(ENOMSG)
        }
        MsgSearch::Number(n) => usize::try_from(n).ok().filter(|&i| i < types.len()).ok_or(ENOMSG),
    }
}

/// The checks of msgrcv() before the queue is looked at: a non-negative id and size; MSG_COPY
/// needs IPC_NOWAIT and excludes MSG_EXCEPT.
pub fn msgrcv_check(msqid: i32, bufsz: i64, msgflg: i32) -> Result<(), Errno> {
    if msqid < 0 || bufsz < 0 {
        return Err(EINVAL);
    }
    if msgflg & MSG_COPY != 0 && (msgflg & MSG_EXCEPT != 0 || msgflg & IPC_NOWAIT as i32 == 0) {
        return Err(EINVAL);
    }
    Ok(())
}
