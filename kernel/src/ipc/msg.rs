//! System V message queues: msgget, msgsnd, msgrcv, msgctl.  Linux: ipc/msg.c (newque,
//! do_msgsnd, do_msgrcv, find_msg, msgctl_info, msgctl_down, freeque,
//! sysvipc_msg_proc_show), include/uapi/linux/msg.h, include/uapi/asm-generic/msgbuf.h.
//!
//! Which message msgrcv() takes is the host-tested `sysvipc` crate.  Sleepers (a full queue
//! for msgsnd, no matching message for msgrcv) wait on the namespace's queue and try again
//! after every change.

use super::namespace::{IpcNamespace, MsgIds};
use super::util::*;
use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use crate::mm::util::kvcalloc;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use sysvipc::{MSG_COPY, MSG_NOERROR};

// Linux: include/uapi/linux/msg.h.
pub const MSG_STAT: i32 = 11;
pub const MSG_INFO: i32 = 12;
pub const MSG_STAT_ANY: i32 = 13;
const MSGPOOL: i32 = super::namespace::MSGMNI * super::namespace::MSGMNB / 1024;
const MSGMAP: i32 = super::namespace::MSGMNB;
const MSGTQL: i32 = super::namespace::MSGMNB;
const MSGSSZ: i32 = 16;
const MSGSEG: u16 = 0xffff;

crate::user_pod! {
    /// Linux: struct msqid64_ds (asm-generic, 64-bit).
    #[derive(Clone, Copy, Default)]
    pub struct MsqidDs {
        pub msg_perm: Ipc64Perm,
        pub msg_stime: i64,
        pub msg_rtime: i64,
        pub msg_ctime: i64,
        pub msg_cbytes: u64,
        pub msg_qnum: u64,
        pub msg_qbytes: u64,
        pub msg_lspid: i32,
        pub msg_lrpid: i32,
        pub unused4: u64,
        pub unused5: u64,
    }
}

crate::user_pod! {
    /// Linux: struct msginfo (IPC_INFO, MSG_INFO).
    #[derive(Clone, Copy, Default)]
    pub struct Msginfo {
        pub msgpool: i32,
        pub msgmap: i32,
        pub msgmax: i32,
        pub msgmnb: i32,
        pub msgmni: i32,
        pub msgssz: i32,
        pub msgtql: i32,
        pub msgseg: u16,
        pub pad: u16,
    }
}

/// Linux: struct msg_queue.
pub struct MsgQueue {
    pub perm: KernIpcPerm,
    /// (type, text), oldest first.
    pub messages: VecDeque<(i64, Vec<u8>)>,
    pub stime: i64,
    pub rtime: i64,
    pub ctime: i64,
    pub cbytes: u64,
    pub qbytes: u64,
    /// Last sender and receiver (initial pid namespace numbers).
    pub lspid: i32,
    pub lrpid: i32,
}

impl IpcObject for MsgQueue {
    fn perm(&self) -> &KernIpcPerm {
        &self.perm
    }
    fn perm_mut(&mut self) -> &mut KernIpcPerm {
        &mut self.perm
    }
}

/// Bumped at every change of any namespace's queues: what sleepers wait to see move.
static MSG_CHANGES: AtomicU64 = AtomicU64::new(0);

fn changed(ns: &IpcNamespace) {
    MSG_CHANGES.fetch_add(1, Ordering::Release);
    ns.msg_wq.wake_up_all();
}

/// Linux: newque().
fn newque(ns: &IpcNamespace, g: &mut MsgIds, key: i32, msgflg: i32) -> KResult<i32> {
    let q = MsgQueue {
        perm: KernIpcPerm::new(key, msgflg),
        messages: VecDeque::new(),
        stime: 0,
        rtime: 0,
        ctime: now_secs(),
        cbytes: 0,
        qbytes: ns.lim.msg_ctlmnb.load(Ordering::Relaxed).max(0) as u64,
        lspid: 0,
        lrpid: 0,
    };
    let limit = ns.lim.msg_ctlmni.load(Ordering::Relaxed).max(0) as usize;
    g.ids.add(q, limit)
}

/// Linux: SYSCALL_DEFINE2(msgget).
pub fn sys_msgget(key: i32, msgflg: i32) -> KResult<usize> {
    let ns = ns();
    let mut g = ns.msg.lock();
    match ipcget(&ns, &g.ids, key, msgflg, |_| Ok(()))? {
        GetOutcome::Existing(id) => Ok(id as usize),
        GetOutcome::New => newque(&ns, &mut g, key, msgflg).map(|id| id as usize),
    }
}

/// Sleeps until the namespace's queues change: ERESTARTNOHAND for a signal (Linux: msgsnd
/// and msgrcv restart only when no handler ran).
fn wait_change(ns: &IpcNamespace, seen: u64) -> KResult<()> {
    ns.msg_wq.wait_event_interruptible(|| MSG_CHANGES.load(Ordering::Acquire) != seen).map_err(|_| ERESTARTNOHAND)
}

/// Linux: SYSCALL_DEFINE4(msgsnd) -> do_msgsnd().
pub fn sys_msgsnd(msqid: i32, msgp: UserPtr<u8>, msgsz: usize, msgflg: i32) -> KResult<usize> {
    let mtype = msgp.cast::<i64>().read()?;
    let ns = ns();
    if msgsz > ns.lim.msg_ctlmax.load(Ordering::Relaxed).max(0) as usize || (msgsz as isize) < 0 || msqid < 0 {
        return Err(EINVAL);
    }
    if mtype < 1 {
        return Err(EINVAL);
    }
    // Linux: load_msg(): the text is copied before the queue is looked at.
    let mut text = kvcalloc::<u8>(msgsz, ENOMEM)?;
    msgp.byte_add(8).copy_in(&mut text)?;
    let mut slept = false;
    loop {
        let seen = MSG_CHANGES.load(Ordering::Acquire);
        {
            let mut guard = ns.msg.lock();
            let g = &mut *guard;
            let q = match g.ids.get_mut(msqid) {
                Ok(q) => q,
                Err(_) if slept => return Err(EIDRM),
                Err(e) => return Err(e),
            };
            if !ipcperms(&ns, &q.perm, S_IWUGO) {
                return Err(EACCES);
            }
            // Linux: msg_fits_inqueue(): the bytes, and a message count below the byte limit.
            if msgsz as u64 + q.cbytes <= q.qbytes && (q.messages.len() as u64) < q.qbytes {
                q.cbytes += msgsz as u64;
                q.messages.push_back((mtype, text));
                q.lspid = current_tgid();
                q.stime = now_secs();
                g.msg_bytes += msgsz as u64;
                g.msg_hdrs += 1;
                drop(guard);
                changed(&ns);
                return Ok(0);
            }
            if msgflg & IPC_NOWAIT != 0 {
                return Err(EAGAIN);
            }
        }
        wait_change(&ns, seen)?;
        slept = true;
    }
}

/// Linux: SYSCALL_DEFINE5(msgrcv) -> do_msgrcv() with do_msg_fill(): the message's type and
/// at most `msgsz` bytes of its text (E2BIG for a longer one without MSG_NOERROR); returns
/// the bytes copied.
pub fn sys_msgrcv(msqid: i32, msgp: UserPtr<u8>, msgsz: usize, msgtyp: i64, msgflg: i32) -> KResult<usize> {
    sysvipc::msgrcv_check(msqid, msgsz as i64, msgflg).map_err(|e| Errno(e as i32))?;
    let ns = ns();
    let bufsz = if msgflg & MSG_COPY != 0 {
        msgsz.min(ns.lim.msg_ctlmax.load(Ordering::Relaxed).max(0) as usize)
    } else {
        msgsz
    };
    let mode = sysvipc::convert_mode(msgtyp, msgflg);
    let mut slept = false;
    let (mtype, text) = loop {
        let seen = MSG_CHANGES.load(Ordering::Acquire);
        {
            let mut guard = ns.msg.lock();
            let g = &mut *guard;
            let q = match g.ids.get_mut(msqid) {
                Ok(q) => q,
                Err(_) if slept => return Err(EIDRM),
                Err(e) => return Err(e),
            };
            if !ipcperms(&ns, &q.perm, S_IRUGO) {
                return Err(EACCES);
            }
            let types: Vec<i64> = q.messages.iter().map(|m| m.0).collect();
            match sysvipc::find_msg(&types, mode) {
                Ok(i) => {
                    if bufsz < q.messages[i].1.len() && msgflg & MSG_NOERROR == 0 {
                        return Err(E2BIG);
                    }
                    if msgflg & MSG_COPY != 0 {
                        break q.messages[i].clone();
                    }
                    let m = q.messages.remove(i).unwrap();
                    q.cbytes -= m.1.len() as u64;
                    q.rtime = now_secs();
                    q.lrpid = current_tgid();
                    g.msg_bytes -= m.1.len() as u64;
                    g.msg_hdrs -= 1;
                    drop(guard);
                    changed(&ns);
                    break m;
                }
                Err(_) if msgflg & IPC_NOWAIT != 0 => return Err(ENOMSG),
                Err(_) => {}
            }
        }
        wait_change(&ns, seen)?;
        slept = true;
    };
    let n = text.len().min(bufsz);
    msgp.cast::<i64>().write(&mtype)?;
    msgp.byte_add(8).copy_out(&text[..n])?;
    Ok(n)
}

/// Linux: SYSCALL_DEFINE3(msgctl) -> ksys_msgctl() (IPC_64).
pub fn sys_msgctl(msqid: i32, cmd: i32, buf: UserPtr<u8>) -> KResult<usize> {
    if msqid < 0 || cmd < 0 {
        return Err(EINVAL);
    }
    let ns = ns();
    let lim = &ns.lim;
    match cmd {
        IPC_INFO | MSG_INFO => {
            let mut info = Msginfo {
                msgmni: lim.msg_ctlmni.load(Ordering::Relaxed),
                msgmax: lim.msg_ctlmax.load(Ordering::Relaxed),
                msgmnb: lim.msg_ctlmnb.load(Ordering::Relaxed),
                msgssz: MSGSSZ,
                msgseg: MSGSEG,
                msgpool: MSGPOOL,
                msgmap: MSGMAP,
                msgtql: MSGTQL,
                pad: 0,
            };
            let max = {
                let g = ns.msg.lock();
                if cmd == MSG_INFO {
                    info.msgpool = g.ids.in_use() as i32;
                    info.msgmap = g.msg_hdrs.min(i32::MAX as u64) as i32;
                    info.msgtql = g.msg_bytes.min(i32::MAX as u64) as i32;
                }
                g.ids.max_idx()
            };
            buf.cast::<Msginfo>().write(&info)?;
            Ok(max.max(0) as usize)
        }
        IPC_STAT | MSG_STAT | MSG_STAT_ANY => {
            let (ds, ret) = {
                let g = ns.msg.lock();
                let q = if cmd == IPC_STAT { g.ids.get(msqid)? } else { g.ids.get_idx(msqid)? };
                if cmd != MSG_STAT_ANY && !ipcperms(&ns, &q.perm, S_IRUGO) {
                    return Err(EACCES);
                }
                let ds = MsqidDs {
                    msg_perm: q.perm.to_user(),
                    msg_stime: q.stime,
                    msg_rtime: q.rtime,
                    msg_ctime: q.ctime,
                    msg_cbytes: q.cbytes,
                    msg_qnum: q.messages.len() as u64,
                    msg_qbytes: q.qbytes,
                    msg_lspid: pid_vnr(q.lspid),
                    msg_lrpid: pid_vnr(q.lrpid),
                    ..Default::default()
                };
                (ds, if cmd == IPC_STAT { 0 } else { q.perm.id as usize })
            };
            buf.cast::<MsqidDs>().write(&ds)?;
            Ok(ret)
        }
        IPC_SET => {
            let new = buf.cast::<MsqidDs>().read()?;
            {
                let mut g = ns.msg.lock();
                let q = g.ids.get_mut(msqid)?;
                may_ipcctl(&ns, &q.perm)?;
                // Linux: raising the byte limit past msgmnb needs CAP_SYS_RESOURCE.
                if new.msg_qbytes > lim.msg_ctlmnb.load(Ordering::Relaxed).max(0) as u64
                    && !crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_RESOURCE)
                {
                    return Err(EPERM);
                }
                q.perm.update(&new.msg_perm)?;
                q.qbytes = new.msg_qbytes;
                q.ctime = now_secs();
            }
            changed(&ns);
            Ok(0)
        }
        IPC_RMID => {
            {
                let mut g = ns.msg.lock();
                let q = g.ids.get(msqid)?;
                may_ipcctl(&ns, &q.perm)?;
                // Linux: freeque(): sleepers get EIDRM, the messages go.
                if let Some(q) = g.ids.remove(msqid) {
                    g.msg_bytes -= q.cbytes;
                    g.msg_hdrs -= q.messages.len() as u64;
                }
            }
            changed(&ns);
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

/// Linux: sysvipc_msg_proc_show() with its header.
pub fn proc_show(ns: &IpcNamespace) -> String {
    let mut s = String::from(
        "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n",
    );
    let g = ns.msg.lock();
    for q in g.ids.entries.values() {
        let p = q.perm.to_user();
        let _ = writeln!(
            s,
            "{:>10} {:>10}  {:>4o}  {:>10} {:>10} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}",
            p.key,
            q.perm.id,
            q.perm.mode,
            q.cbytes,
            q.messages.len(),
            pid_vnr(q.lspid),
            pid_vnr(q.lrpid),
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            q.stime,
            q.rtime,
            q.ctime
        );
    }
    s
}
