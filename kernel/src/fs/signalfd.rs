//! signalfd: pending signals read as a file.  Linux: fs/signalfd.c (signalfd_poll,
//! signalfd_copyinfo, signalfd_dequeue, signalfd_read, do_signalfd4), include/uapi/linux/
//! signalfd.h (struct signalfd_siginfo).
//!
//! A signalfd holds a mask; reading it dequeues the reader's pending signals in the mask —
//! its thread's, then its process's — as 128-byte signalfd_siginfo records (the signals
//! are usually blocked, so they wait for the read instead of a handler).  It is readable
//! while one is pending; the readers and pollers sleep on the handlers' signalfd_wqh, which
//! every signal queued to the process wakes.

use super::file_table::*;
use super::select::{poll_wait, PollTable};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::signal::{dequeue_signal, sigmask, signal_pending, SigInfo, SIGKILL, SIGSTOP};
use crate::kernel::signal_types::{siginfo_layout, SigInfoLayout, UserSigInfo, SIGSET_SIZE};
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use alloc::string::String;
use alloc::sync::Arc;
use linux_raw_sys::general::{O_CLOEXEC, O_NONBLOCK, O_RDWR};

/// Linux: SFD_CLOEXEC and SFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK.
const SFD_CLOEXEC: u32 = O_CLOEXEC;
const SFD_NONBLOCK: u32 = O_NONBLOCK;

crate::user_pod! {
    /// Linux: struct signalfd_siginfo (128 bytes).
    #[derive(Clone, Copy)]
    pub struct SignalfdSiginfo {
        pub ssi_signo: u32,
        pub ssi_errno: i32,
        pub ssi_code: i32,
        pub ssi_pid: u32,
        pub ssi_uid: u32,
        pub ssi_fd: i32,
        pub ssi_tid: u32,
        pub ssi_band: u32,
        pub ssi_overrun: u32,
        pub ssi_trapno: u32,
        pub ssi_status: i32,
        pub ssi_int: i32,
        pub ssi_ptr: u64,
        pub ssi_utime: u64,
        pub ssi_stime: u64,
        pub ssi_addr: u64,
        pub ssi_addr_lsb: u16,
        pub _pad2: u16,
        pub ssi_syscall: i32,
        pub ssi_call_addr: u64,
        pub ssi_arch: u32,
        pub _pad: [u8; 28],
    }
}
const _: () = assert!(core::mem::size_of::<SignalfdSiginfo>() == 128);

/// Linux: struct signalfd_ctx — the signals the file takes (kept inverted as Linux does: the
/// ones it leaves, which dequeue_signal() treats as blocked).
pub struct SignalFd {
    sigmask: SpinLock<u64, class::SignalMisc>,
}

/// Linux: signalfd_copyinfo(): the siginfo's union, member by member as its layout says.
fn signalfd_copyinfo(info: &SigInfo) -> SignalfdSiginfo {
    let u = UserSigInfo::from(info);
    let lo = |w: u64| (w as u32, (w >> 32) as u32);
    let mut n = SignalfdSiginfo {
        ssi_signo: u.si_signo as u32,
        ssi_errno: u.si_errno,
        ssi_code: u.si_code,
        ssi_pid: 0,
        ssi_uid: 0,
        ssi_fd: 0,
        ssi_tid: 0,
        ssi_band: 0,
        ssi_overrun: 0,
        ssi_trapno: 0,
        ssi_status: 0,
        ssi_int: 0,
        ssi_ptr: 0,
        ssi_utime: 0,
        ssi_stime: 0,
        ssi_addr: 0,
        ssi_addr_lsb: 0,
        _pad2: 0,
        ssi_syscall: 0,
        ssi_call_addr: 0,
        ssi_arch: 0,
        _pad: [0; 28],
    };
    let f = u.f;
    match siginfo_layout(u.si_signo, u.si_code) {
        SigInfoLayout::Kill => (n.ssi_pid, n.ssi_uid) = lo(f[0]),
        SigInfoLayout::Timer => {
            (n.ssi_tid, n.ssi_overrun) = lo(f[0]);
            n.ssi_ptr = f[1];
            n.ssi_int = f[1] as u32 as i32;
        }
        SigInfoLayout::Poll => {
            n.ssi_band = f[0] as u32;
            n.ssi_fd = f[1] as u32 as i32;
        }
        SigInfoLayout::Fault => n.ssi_addr = f[0],
        SigInfoLayout::Chld => {
            (n.ssi_pid, n.ssi_uid) = lo(f[0]);
            n.ssi_status = f[1] as u32 as i32;
            n.ssi_utime = f[2];
            n.ssi_stime = f[3];
        }
        SigInfoLayout::Rt => {
            (n.ssi_pid, n.ssi_uid) = lo(f[0]);
            n.ssi_ptr = f[1];
            n.ssi_int = f[1] as u32 as i32;
        }
        SigInfoLayout::Sys => {
            n.ssi_call_addr = f[0];
            n.ssi_syscall = f[1] as u32 as i32;
            n.ssi_arch = (f[1] >> 32) as u32;
        }
    }
    n
}

impl SignalFd {
    /// What dequeue_signal() must leave: everything outside the mask.
    fn blocked(&self) -> u64 {
        !*self.sigmask.lock()
    }

    /// Linux: signalfd_dequeue(): one signal, waiting for it unless `nonblock`.
    fn dequeue(&self, nonblock: bool) -> KResult<SigInfo> {
        let cur = current();
        if let Some(i) = dequeue_signal(&cur, self.blocked()) {
            return Ok(i);
        }
        if nonblock {
            return Err(EAGAIN);
        }
        let sh = cur.sighand.lock().clone();
        loop {
            if let Some(i) = dequeue_signal(&cur, self.blocked()) {
                return Ok(i);
            }
            if signal_pending(&cur) {
                return Err(ERESTARTSYS);
            }
            sh.signalfd_wqh.get().wait_event_interruptible(|| self.ready())?;
        }
    }

    /// A signal of the mask is pending for the caller (its thread or its process).
    fn ready(&self) -> bool {
        let cur = current();
        let blocked = self.blocked();
        let own = cur.pending.lock().next_signal(blocked).is_some();
        own || cur.signal.shared_pending.lock().next_signal(blocked).is_some()
    }
}

impl FileOps for SignalFd {
    /// Linux: signalfd_read(): as many whole records as fit, the first one waited for.
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let count = buf.len() / core::mem::size_of::<SignalfdSiginfo>();
        if count == 0 {
            return Err(EINVAL);
        }
        let mut nonblock = f.nonblock();
        let mut total = 0;
        for chunk in buf.chunks_exact_mut(128).take(count) {
            let info = match self.dequeue(nonblock) {
                Ok(i) => i,
                Err(e) if total == 0 => return Err(e),
                Err(_) => break,
            };
            chunk.copy_from_slice(crate::mm::uaccess::as_bytes(&signalfd_copyinfo(&info)));
            total += 128;
            nonblock = true;
        }
        Ok(total)
    }

    /// Linux: signalfd_poll(): readable while a signal of the mask is pending for the poller.
    fn poll(&self, _f: &File, pt: Option<&mut PollTable>) -> Option<u32> {
        let sh = current().sighand.lock().clone();
        poll_wait(sh.signalfd_wqh.get(), pt);
        Some(if self.ready() { POLLIN } else { 0 })
    }

    fn name(&self) -> &'static str {
        "signalfd"
    }
}

/// Linux: SYSCALL_DEFINE4(signalfd4) -> do_signalfd4(): EINVAL for a sigset size other than
/// 8 or other flags than SFD_CLOEXEC and SFD_NONBLOCK; with ufd -1 a new signalfd, else the
/// mask of the signalfd `ufd` is replaced (EBADF, or EINVAL if it is no signalfd).  SIGKILL and
/// SIGSTOP are never in the mask.
pub fn sys_signalfd4(ufd: i32, user_mask: UserPtr<u64>, sizemask: usize, flags: i32) -> KResult<usize> {
    if sizemask != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mask = user_mask.read()?;
    let flags = flags as u32;
    if flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    let mask = mask & !(sigmask(SIGKILL) | sigmask(SIGSTOP));
    if ufd == -1 {
        let ctx = SignalFd { sigmask: SpinLock::new(mask) };
        let f = File::new(Arc::new(ctx), None, O_RDWR | (flags & SFD_NONBLOCK), String::from("anon_inode:[signalfd]"));
        return super::file::fd_install(f, flags & SFD_CLOEXEC != 0);
    }
    let f = super::file::fd_get(ufd as u32)?;
    let ctx = f.ops_as::<SignalFd>().ok_or(EINVAL)?;
    *ctx.sigmask.lock() = mask;
    let sh = current().sighand.lock().clone();
    sh.signalfd_wqh.wake_up_all();
    Ok(ufd as usize)
}
