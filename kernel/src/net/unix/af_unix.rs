//! Unix-domain sockets.  Linux: net/unix/af_unix.c (unix_create, unix_socketpair,
//! unix_stream_sendmsg, unix_stream_recvmsg, unix_dgram_sendmsg, unix_dgram_recvmsg,
//! unix_seqpacket_sendmsg, unix_shutdown, unix_release_sock, unix_poll, unix_dgram_poll,
//! unix_seq_show).
//!
//! socketpair(AF_UNIX, type) makes two connected ends; socket(AF_UNIX, type) one that is
//! not connected (and, without bind, connect and listen, never will be): sending on it is
//! ENOTCONN, receiving EINVAL for a stream, ENOTCONN for seqpacket, a wait for a datagram.
//! Every socket belongs to the network namespace it was made in, whose /proc/net/unix
//! lists it.  Each end receives from its own queue
//! and sends into its peer's: a byte stream for SOCK_STREAM, whole messages for SOCK_DGRAM
//! and SOCK_SEQPACKET.  A queue holds at most SNDBUF bytes (Linux: net.core.wmem_default,
//! the sender's sk_sndbuf); a sender waits for room, a receiver for data.  Closing an end (or
//! shutdown) is seen by the peer as Linux's sk_shutdown bits: EOF for reads once the queue is
//! empty, EPIPE (and SIGPIPE unless MSG_NOSIGNAL) for writes; a datagram end whose peer is
//! gone gets ECONNREFUSED.  File descriptors in control messages (SCM_RIGHTS) are not carried:
//! sendmsg with a control message is EOPNOTSUPP.

use crate::errno::*;
use crate::fs::file_table::*;
use crate::fs::select::{poll_wait, PollTable};
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::net::core::net_namespace::Net;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use linux_raw_sys::net::{SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM};

/// Linux: net.core.wmem_default (SK_WMEM_MAX): how many bytes one end may have queued at
/// its peer.
pub const SNDBUF: usize = 212_992;
/// Linux: sk_shutdown's RCV_SHUTDOWN and SEND_SHUTDOWN.
pub const RCV_SHUTDOWN: u32 = 1;
pub const SEND_SHUTDOWN: u32 = 2;
pub const SHUTDOWN_MASK: u32 = 3;

/// What waits in one end's receive queue.
#[derive(Default)]
struct RecvQueue {
    /// SOCK_STREAM: the bytes.
    stream: VecDeque<u8>,
    /// SOCK_DGRAM / SOCK_SEQPACKET: the messages, each whole.
    msgs: VecDeque<Vec<u8>>,
    /// Bytes queued (the sender's sk_wmem_alloc, as far as the limit goes).
    bytes: usize,
}

/// Both ends of a pair: their receive queues, one wait queue for readers, writers and
/// pollers of either end, and each end's shutdown bits.
pub struct UnixPair {
    ty: u32,
    rq: [SpinLock<RecvQueue, class::UnixSock>; 2],
    shutdown: [AtomicU32; 2],
    /// An end that was closed (Linux: SOCK_DEAD).
    dead: [AtomicBool; 2],
    wq: WaitQueue,
    /// Linux: sk_peer_pid / sk_peer_cred, the same for both ends of a pair: the creator's.
    pub peercred: (i32, u32, u32),
    /// Linux: sk_state == TCP_ESTABLISHED: a pair; false for a lone socket of socket(2),
    /// whose side 1 never exists.
    connected: bool,
}

/// One end of a pair, or a lone socket (Linux: struct unix_sock).
pub struct UnixSocket {
    pair: Arc<UnixPair>,
    side: usize,
    /// The socket's inode number, for fstat and /proc/PID/fd ("socket:[N]").
    pub ino: u64,
    /// Linux: sock_net(sk) — the namespace it was made in, whose table lists it.
    net: Arc<Net>,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(10_000);

/// Linux: struct netns_unix — a namespace's AF_UNIX sockets: inode number -> the socket's
/// pair and side, for what /proc/net/unix shows of each.
pub struct NetnsUnix {
    table: SpinLock<BTreeMap<u64, (Weak<UnixPair>, usize)>, class::UnixTable>,
}

impl NetnsUnix {
    pub fn new() -> NetnsUnix {
        NetnsUnix { table: SpinLock::new(BTreeMap::new()) }
    }
}

impl Default for NetnsUnix {
    fn default() -> Self {
        Self::new()
    }
}

/// Linux: SS_UNCONNECTED and SS_CONNECTED (socket->state), /proc/net/unix's St column.
const SS_UNCONNECTED: u32 = 1;
const SS_CONNECTED: u32 = 3;

/// Linux: unix_seq_show(): the header, then per socket of `net` its address (a number that
/// names it, as %pK prints a hashed pointer), refcount, protocol, flags, type, state and
/// inode.  Linux's refcount is the socket's own, the table's, and its peer's while the peer
/// lives (unix_peer holds it).  A socket without a bound name has no path.
pub fn unix_seq_show(net: &Net) -> String {
    let mut s = String::from("Num       RefCount Protocol Flags    Type St Inode Path\n");
    for (ino, (pair, side)) in net.unx.table.lock().iter() {
        let Some(pair) = pair.upgrade() else { continue };
        let peer_alive = pair.connected && !pair.dead[1 - side].load(Ordering::Acquire);
        let refs = 2 + peer_alive as u32;
        let st = if pair.connected { SS_CONNECTED } else { SS_UNCONNECTED };
        let _ = writeln!(s, "{:016x}: {:08X} {:08X} {:08X} {:04X} {:02X} {:5}", ino, refs, 0, 0, pair.ty, st, ino);
    }
    s
}

impl UnixSocket {
    pub fn ty(&self) -> u32 {
        self.pair.ty
    }
    /// Linux: unix_peer(sk) != NULL.
    pub fn connected(&self) -> bool {
        self.pair.connected
    }
    pub fn peercred(&self) -> (i32, u32, u32) {
        self.pair.peercred
    }
    fn peer(&self) -> usize {
        1 - self.side
    }
    fn shut(&self, side: usize) -> u32 {
        self.pair.shutdown[side].load(Ordering::Acquire)
    }
    fn connection(&self) -> bool {
        self.pair.ty != SOCK_DGRAM
    }

    /// Linux: unix_shutdown(): `mode` (RCV/SEND_SHUTDOWN bits) on this end; a stream or
    /// seqpacket peer gets the mirror image.
    pub fn shutdown(&self, mode: u32) {
        self.pair.shutdown[self.side].fetch_or(mode, Ordering::AcqRel);
        if self.connection() {
            let mut peer_mode = 0;
            if mode & RCV_SHUTDOWN != 0 {
                peer_mode |= SEND_SHUTDOWN;
            }
            if mode & SEND_SHUTDOWN != 0 {
                peer_mode |= RCV_SHUTDOWN;
            }
            self.pair.shutdown[self.peer()].fetch_or(peer_mode, Ordering::AcqRel);
        }
        self.pair.wq.wake_up_all();
    }

    /// Linux: the send side's EPIPE / ECONNREFUSED checks.  EPIPE raises SIGPIPE unless
    /// `nosignal`.
    fn send_error(&self, nosignal: bool) -> Option<Errno> {
        let epipe = if self.shut(self.side) & SEND_SHUTDOWN != 0 {
            true
        } else if self.connection() {
            self.shut(self.peer()) & RCV_SHUTDOWN != 0
        } else {
            if self.pair.dead[self.peer()].load(Ordering::Acquire) {
                return Some(ECONNREFUSED);
            }
            false
        };
        if !epipe {
            return None;
        }
        if !nosignal {
            crate::kernel::signal::send_signal(
                &crate::kernel::task::current(),
                crate::kernel::signal::SIGPIPE,
                crate::kernel::signal::SigInfo { code: 0, ..Default::default() },
            );
        }
        Some(EPIPE)
    }

    /// Linux: unix_stream_sendmsg() / unix_dgram_sendmsg() / unix_seqpacket_sendmsg(): all of
    /// `data` as bytes or as one message; waits for room unless `nonblock` (EAGAIN when
    /// nothing went).  A message larger than the buffer is EMSGSIZE.
    pub fn send(&self, data: &[u8], nonblock: bool, nosignal: bool) -> KResult<usize> {
        // Linux: no peer (unix_peer(sk) == NULL): ENOTCONN, before any other check.
        if !self.pair.connected {
            return Err(ENOTCONN);
        }
        let q = &self.pair.rq[self.peer()];
        if self.pair.ty != SOCK_STREAM && data.len() > SNDBUF - 32 {
            return Err(EMSGSIZE);
        }
        let mut done = 0;
        loop {
            if let Some(e) = self.send_error(nosignal) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            {
                let mut rq = q.lock();
                let room = SNDBUF.saturating_sub(rq.bytes);
                if self.pair.ty == SOCK_STREAM {
                    if room > 0 {
                        let n = room.min(data.len() - done);
                        if rq.stream.try_reserve(n).is_err() {
                            return if done > 0 { Ok(done) } else { Err(ENOBUFS) };
                        }
                        rq.stream.extend(&data[done..done + n]);
                        rq.bytes += n;
                        done += n;
                    }
                } else if room >= data.len() {
                    let mut m = Vec::new();
                    if m.try_reserve_exact(data.len()).is_err() || rq.msgs.try_reserve(1).is_err() {
                        return Err(ENOBUFS);
                    }
                    m.extend_from_slice(data);
                    rq.msgs.push_back(m);
                    rq.bytes += data.len();
                    done = data.len();
                }
            }
            if done > 0 {
                self.pair.wq.wake_up_poll(POLLIN | POLLRDNORM);
            }
            if done == data.len() && (done > 0 || self.pair.ty != SOCK_STREAM) {
                return Ok(done);
            }
            if data.is_empty() {
                return Ok(0);
            }
            if nonblock {
                return if done > 0 { Ok(done) } else { Err(EAGAIN) };
            }
            let r = self.pair.wq.wait_event_interruptible(|| {
                let free = SNDBUF.saturating_sub(q.lock().bytes);
                let need = if self.pair.ty == SOCK_STREAM { 1 } else { data.len() };
                free >= need || self.send_error(true).is_some()
            });
            if let Err(e) = r {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }

    /// Linux: unix_stream_recvmsg() / unix_dgram_recvmsg(): into `buf`.  Returns the bytes
    /// copied and, for a message, its whole length (MSG_TRUNC).  `peek` leaves the data
    /// queued; `waitall` (streams) waits for the whole buffer.  0 at EOF (the peer shut its
    /// sending side or is gone).
    pub fn recv(&self, buf: &mut [u8], nonblock: bool, peek: bool, waitall: bool) -> KResult<(usize, usize)> {
        // Linux: unix_stream_read_generic(): EINVAL unless TCP_ESTABLISHED;
        // unix_seqpacket_recvmsg(): ENOTCONN.  A lone datagram socket waits like any other.
        if !self.pair.connected {
            match self.pair.ty {
                SOCK_STREAM => return Err(EINVAL),
                SOCK_SEQPACKET => return Err(ENOTCONN),
                _ => {}
            }
        }
        let q = &self.pair.rq[self.side];
        let mut done = 0;
        loop {
            let got = {
                let mut rq = q.lock();
                if self.pair.ty == SOCK_STREAM {
                    let n = rq.stream.len().min(buf.len() - done);
                    for (i, b) in rq.stream.iter().take(n).enumerate() {
                        buf[done + i] = *b;
                    }
                    if !peek && n > 0 {
                        rq.stream.drain(..n);
                        rq.bytes -= n;
                    }
                    (n > 0).then_some((n, n))
                } else if let Some(m) = rq.msgs.front() {
                    let (len, n) = (m.len(), m.len().min(buf.len()));
                    buf[..n].copy_from_slice(&m[..n]);
                    if !peek {
                        rq.msgs.pop_front();
                        rq.bytes -= len;
                    }
                    Some((n, len))
                } else {
                    None
                }
            };
            if let Some((n, len)) = got {
                if !peek {
                    self.pair.wq.wake_up_poll(POLLOUT | POLLWRNORM);
                }
                if self.pair.ty != SOCK_STREAM {
                    return Ok((n, len));
                }
                done += n;
                if !waitall || peek || done == buf.len() {
                    return Ok((done, done));
                }
            }
            if buf.is_empty() {
                return Ok((0, 0));
            }
            // Linux: RCV_SHUTDOWN (our own, or the peer's SEND_SHUTDOWN mirrored) is EOF.
            if self.shut(self.side) & RCV_SHUTDOWN != 0 {
                return Ok((done, done));
            }
            if nonblock {
                return if done > 0 { Ok((done, done)) } else { Err(EAGAIN) };
            }
            let r = self.pair.wq.wait_event_interruptible(|| {
                let rq = q.lock();
                !rq.stream.is_empty() || !rq.msgs.is_empty() || self.shut(self.side) & RCV_SHUTDOWN != 0
            });
            if let Err(e) = r {
                return if done > 0 { Ok((done, done)) } else { Err(e) };
            }
        }
    }

    /// Bytes waiting to be read (FIONREAD / SIOCINQ): a stream's bytes, the first
    /// message's length otherwise.
    pub fn inq(&self) -> usize {
        let rq = self.pair.rq[self.side].lock();
        if self.pair.ty == SOCK_STREAM {
            rq.stream.len()
        } else {
            rq.msgs.front().map_or(0, |m| m.len())
        }
    }
}

/// Linux: unix_release_sock(): the end goes; a stream or seqpacket peer sees both
/// directions shut (EOF, EPIPE).
impl Drop for UnixSocket {
    fn drop(&mut self) {
        self.pair.dead[self.side].store(true, Ordering::Release);
        self.pair.shutdown[self.side].store(SHUTDOWN_MASK, Ordering::Release);
        if self.connection() {
            self.pair.shutdown[self.peer()].fetch_or(SHUTDOWN_MASK, Ordering::AcqRel);
        }
        *self.pair.rq[self.side].lock() = RecvQueue::default();
        self.pair.wq.wake_up_all();
        // Linux: unix_release_sock() -> unix_remove_socket().
        self.net.unx.table.lock().remove(&self.ino);
    }
}

impl FileOps for UnixSocket {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        self.recv(buf, f.nonblock(), false, false).map(|(n, _)| n)
    }
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        self.send(buf, f.nonblock(), false)
    }
    /// Linux: unix_poll() (streams, seqpacket) and unix_dgram_poll().
    fn poll(&self, _f: &File, pt: Option<&mut PollTable>) -> Option<u32> {
        poll_wait(&self.pair.wq, pt);
        let shut = self.shut(self.side);
        let mut ev = 0;
        // (a stream or seqpacket socket that is not connected is TCP_CLOSE: POLLHUP)
        if (shut == SHUTDOWN_MASK || !self.pair.connected) && self.connection() {
            ev |= POLLHUP;
        }
        if shut & RCV_SHUTDOWN != 0 {
            ev |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        {
            let rq = self.pair.rq[self.side].lock();
            if !rq.stream.is_empty() || !rq.msgs.is_empty() {
                ev |= POLLIN | POLLRDNORM;
            }
        }
        // Linux: unix_writable(): a quarter of the send buffer or less in use.  A connection
        // whose peer is gone stays "writable": the write then fails at once (EPIPE).
        let queued = self.pair.rq[self.peer()].lock().bytes;
        let peer_gone = self.pair.dead[self.peer()].load(Ordering::Acquire);
        if queued * 4 <= SNDBUF || (self.connection() && peer_gone) {
            ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        Some(ev)
    }
    /// Linux: unix_ioctl(): SIOCINQ (FIONREAD) and SIOCOUTQ (TIOCOUTQ).
    fn ioctl(&self, _f: &File, cmd: usize, arg: usize) -> KResult<usize> {
        use linux_raw_sys::ioctl::{FIONREAD, TIOCOUTQ};
        let v = if cmd == FIONREAD as usize {
            self.inq()
        } else if cmd == TIOCOUTQ as usize {
            self.pair.rq[self.peer()].lock().bytes
        } else {
            return Err(ENOIOCTLCMD_AS_ENOTTY);
        };
        crate::mm::uaccess::UserPtr::<i32>::new(arg).write(&(v.min(i32::MAX as usize) as i32))?;
        Ok(0)
    }
    fn name(&self) -> &'static str {
        "socket"
    }
}

/// Linux: sock_do_ioctl() answers an ioctl no layer knows with ENOTTY (-ENOIOCTLCMD mapped).
const ENOIOCTLCMD_AS_ENOTTY: Errno = ENOTTY;

fn new_pair(ty: u32, peercred: (i32, u32, u32), connected: bool) -> Arc<UnixPair> {
    Arc::new(UnixPair {
        ty,
        rq: [SpinLock::new(RecvQueue::default()), SpinLock::new(RecvQueue::default())],
        shutdown: [AtomicU32::new(0), AtomicU32::new(0)],
        dead: [AtomicBool::new(false), AtomicBool::new(!connected)],
        wq: WaitQueue::new(),
        peercred,
        connected,
    })
}

/// Linux: unix_create1() + unix_insert_unbound_socket(): one end, listed in the caller's
/// network namespace.
fn new_socket(pair: Arc<UnixPair>, side: usize, net: &Arc<Net>) -> UnixSocket {
    let ino = NEXT_INO.fetch_add(1, Ordering::Relaxed);
    net.unx.table.lock().insert(ino, (Arc::downgrade(&pair), side));
    UnixSocket { pair, side, ino, net: net.clone() }
}

/// Linux: unix_create(): a socket of type `ty` (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET;
/// ESOCKTNOSUPPORT otherwise), not connected: its peer credentials are none (pid 0,
/// uid and gid -1, as cred_to_ucred() reports a socket without sk_peer_cred).
pub fn unix_create(ty: u32) -> KResult<UnixSocket> {
    if !matches!(ty, SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET) {
        return Err(ESOCKTNOSUPPORT);
    }
    let net = crate::net::core::net_namespace::current_net();
    Ok(new_socket(new_pair(ty, (0, u32::MAX, u32::MAX), false), 0, &net))
}

/// Linux: unix_create() for both ends + unix_socketpair(): `ty` is SOCK_STREAM, SOCK_DGRAM
/// or SOCK_SEQPACKET (ESOCKTNOSUPPORT otherwise).
pub fn unix_socketpair(ty: u32) -> KResult<(UnixSocket, UnixSocket)> {
    if !matches!(ty, SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET) {
        return Err(ESOCKTNOSUPPORT);
    }
    let cur = crate::kernel::task::current();
    let (uid, gid) = crate::kernel::cred::with_current_cred(|c| {
        (c.user_ns.from_kuid_munged(c.euid), c.user_ns.from_kgid_munged(c.egid))
    });
    let pair = new_pair(ty, (cur.tgid(), uid, gid), true);
    let net = crate::net::core::net_namespace::current_net();
    let a = new_socket(pair.clone(), 0, &net);
    let b = new_socket(pair, 1, &net);
    Ok((a, b))
}
