//! The socket syscalls.  Linux: net/socket.c (__sys_socketpair, __sys_sendto, __sys_recvfrom,
//! ___sys_sendmsg, ___sys_recvmsg, __sys_shutdown, __sys_getsockopt, __sys_setsockopt,
//! __sys_getsockname, __sys_getpeername) with sock_getsockopt()/sock_setsockopt()'s
//! SOL_SOCKET options (net/core/sock.c).
//!
//! The only sockets are AF_UNIX pairs (net/unix/af_unix.rs); any other fd is ENOTSOCK.

use super::unix::af_unix::{unix_socketpair, UnixSocket, RCV_SHUTDOWN, SEND_SHUTDOWN, SNDBUF};
use crate::errno::*;
use crate::fs::file::{close_fd, fd_get, fd_install};
use crate::fs::file_table::File;
use crate::fs::read_write::{read_iovec, IoVec, MAX_RW_COUNT};
use crate::mm::uaccess::UserPtr;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use linux_raw_sys::general::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use linux_raw_sys::net::{
    AF_UNIX, MSG_CMSG_CLOEXEC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, SHUT_RDWR,
    SOCK_DGRAM, SOCK_RAW, SOCK_STREAM, SOL_SOCKET, SO_DOMAIN, SO_ERROR, SO_PASSCRED, SO_PEERCRED, SO_PROTOCOL,
    SO_RCVBUF, SO_SNDBUF, SO_TYPE,
};

/// Linux: SOCK_TYPE_MASK; SOCK_NONBLOCK and SOCK_CLOEXEC are the O_ flags.
const SOCK_TYPE_MASK: u32 = 0xf;
/// Linux: SOCK_MAX (SOCK_PACKET 10, plus one).
const SOCK_MAX: u32 = 11;

crate::user_pod! {
    /// Linux: struct user_msghdr (include/linux/socket.h).
    #[derive(Clone, Copy)]
    pub struct UserMsghdr {
        pub msg_name: usize,
        pub msg_namelen: i32,
        _pad0: i32,
        pub msg_iov: UserPtr<IoVec>,
        pub msg_iovlen: usize,
        pub msg_control: usize,
        pub msg_controllen: usize,
        pub msg_flags: u32,
        _pad1: u32,
    }
}

/// Linux: sockfd_lookup(): the socket behind `fd` (EBADF for no file, ENOTSOCK for another
/// kind), for the length of `op`.
fn with_sock<R>(fd: i32, op: impl FnOnce(&File, &UnixSocket) -> KResult<R>) -> KResult<R> {
    let f = fd_get(fd as u32)?;
    let s = f.ops_as::<UnixSocket>().ok_or(ENOTSOCK)?;
    op(&f, s)
}

/// Installs both ends as fds and writes them to `usockvec` (Linux: __sys_socketpair's tail:
/// nothing is left installed when the copy-out fails).
fn install_pair(a: UnixSocket, b: UnixSocket, flags: u32, usockvec: UserPtr<[i32; 2]>) -> KResult<usize> {
    let cloexec = flags & O_CLOEXEC != 0;
    let fl = O_RDWR | (flags & O_NONBLOCK);
    let (ia, ib) = (a.ino, b.ino);
    let fa = File::new(Arc::new(a), None, fl, format!("socket:[{ia}]"));
    let fb = File::new(Arc::new(b), None, fl, format!("socket:[{ib}]"));
    let da = fd_install(fa, cloexec)?;
    let db = match fd_install(fb, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = close_fd(da as u32);
            return Err(e);
        }
    };
    if let Err(e) = usockvec.write(&[da as i32, db as i32]) {
        let _ = close_fd(da as u32);
        let _ = close_fd(db as u32);
        return Err(e);
    }
    Ok(0)
}

/// Linux: SYSCALL_DEFINE4(socketpair, int, family, int, type, int, protocol, int __user *,
/// usockvec): EINVAL for flags other than SOCK_NONBLOCK/SOCK_CLOEXEC, EAFNOSUPPORT for a
/// family other than AF_UNIX (the only one here), EPROTONOSUPPORT for a protocol other than 0
/// (PF_UNIX), ESOCKTNOSUPPORT for a type AF_UNIX lacks.
pub fn sys_socketpair(family: i32, ty: i32, protocol: i32, usockvec: UserPtr<[i32; 2]>) -> KResult<usize> {
    let ty = ty as u32;
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    // Linux: __sock_create(): the family (EAFNOSUPPORT for any but AF_UNIX: the only one
    // built in), then the type's range (EINVAL past SOCK_MAX), then unix_create(): the
    // protocol, then the type AF_UNIX has (SOCK_RAW is taken as SOCK_DGRAM).
    if family as u32 != AF_UNIX {
        return Err(EAFNOSUPPORT);
    }
    let ty = ty & SOCK_TYPE_MASK;
    if ty >= SOCK_MAX {
        return Err(EINVAL);
    }
    if protocol != 0 && protocol != AF_UNIX as i32 {
        return Err(EPROTONOSUPPORT);
    }
    let ty = if ty == SOCK_RAW { SOCK_DGRAM } else { ty };
    let (a, b) = unix_socketpair(ty)?;
    install_pair(a, b, flags, usockvec)
}

/// One send of `data` with `flags` (Linux: sock_sendmsg): MSG_DONTWAIT or an O_NONBLOCK file
/// does not wait; MSG_NOSIGNAL spares the SIGPIPE; MSG_OOB is EOPNOTSUPP (no out-of-band
/// data here).  An address with a connected stream is EISCONN (unix_stream_sendmsg); a
/// datagram pair has no names to send to (ECONNREFUSED, as for an address nobody is bound
/// to); seqpacket ignores it.
fn do_send(f: &File, s: &UnixSocket, data: &[u8], flags: u32, has_addr: bool) -> KResult<usize> {
    if flags & MSG_OOB != 0 {
        return Err(EOPNOTSUPP);
    }
    if has_addr {
        match s.ty() {
            SOCK_STREAM => return Err(EISCONN),
            SOCK_DGRAM => return Err(ECONNREFUSED),
            _ => {}
        }
    }
    s.send(data, f.nonblock() || flags & MSG_DONTWAIT != 0, flags & MSG_NOSIGNAL != 0)
}

/// A kernel buffer of `len` bytes, ENOBUFS when the heap cannot give it (Linux:
/// sock_alloc_send_skb's -ENOBUFS).
fn kbuf(len: usize) -> KResult<Vec<u8>> {
    crate::mm::util::kvcalloc(len, ENOBUFS)
}

/// Linux: SYSCALL_DEFINE6(sendto, int, fd, void __user *, buff, size_t, len, unsigned int,
/// flags, struct sockaddr __user *, addr, int, addr_len).
pub fn sys_sendto(fd: i32, buff: UserPtr<u8>, len: usize, flags: u32, addr: usize, addr_len: i32) -> KResult<usize> {
    with_sock(fd, |f, s| {
        let mut data = kbuf(len.min(MAX_RW_COUNT))?;
        buff.copy_in(&mut data)?;
        if addr != 0 && addr_len < 0 {
            return Err(EINVAL);
        }
        do_send(f, s, &data, flags, addr != 0 && addr_len > 0)
    })
}

/// One receive into a kernel buffer of `len` bytes (Linux: sock_recvmsg): the bytes and the
/// message's whole length.  MSG_OOB is EINVAL (no out-of-band data is ever queued).
fn do_recv(f: &File, s: &UnixSocket, len: usize, flags: u32) -> KResult<(Vec<u8>, usize)> {
    if flags & MSG_OOB != 0 {
        return Err(EINVAL);
    }
    let mut buf = kbuf(len)?;
    let nonblock = f.nonblock() || flags & MSG_DONTWAIT != 0;
    let (n, whole) = s.recv(&mut buf, nonblock, flags & MSG_PEEK != 0, flags & MSG_WAITALL != 0)?;
    buf.truncate(n);
    Ok((buf, whole))
}

/// Linux: SYSCALL_DEFINE6(recvfrom, int, fd, void __user *, ubuf, size_t, size, unsigned
/// int, flags, struct sockaddr __user *, addr, int __user *, addr_len).  With MSG_TRUNC a
/// message's whole length is returned.  The sender of a pair is unnamed: *addr_len 0
/// (unix_copy_addr()).
pub fn sys_recvfrom(
    fd: i32,
    ubuf: UserPtr<u8>,
    size: usize,
    flags: u32,
    addr: usize,
    addr_len: Option<UserPtr<i32>>,
) -> KResult<usize> {
    with_sock(fd, |f, s| {
        let size = size.min(MAX_RW_COUNT);
        ubuf.check(size)?;
        let (data, whole) = do_recv(f, s, size, flags)?;
        ubuf.copy_out(&data)?;
        if let (true, Some(l)) = (addr != 0, addr_len) {
            if l.read()? < 0 {
                return Err(EINVAL);
            }
            l.write(&0)?;
        }
        Ok(if flags & MSG_TRUNC != 0 && s.ty() != SOCK_STREAM { whole } else { data.len() })
    })
}

/// Linux: ___sys_sendmsg(): the iovecs gathered into one message.  Control messages
/// (SCM_RIGHTS, SCM_CREDENTIALS) are not carried here: EOPNOTSUPP rather than a send that
/// silently drops them.
pub fn sys_sendmsg(fd: i32, msg: UserPtr<UserMsghdr>, flags: u32) -> KResult<usize> {
    with_sock(fd, |f, s| {
        let m = msg.read()?;
        if m.msg_controllen > 0 {
            return Err(EOPNOTSUPP);
        }
        let iov = read_iovec(m.msg_iov, m.msg_iovlen)?;
        let total: usize = iov.iter().map(|e| e.len).sum();
        let mut data = kbuf(total)?;
        let mut off = 0;
        for e in &iov {
            e.base.copy_in(&mut data[off..off + e.len])?;
            off += e.len;
        }
        do_send(f, s, &data, flags, m.msg_name != 0 && m.msg_namelen > 0)
    })
}

/// Linux: ___sys_recvmsg(): into the iovecs; msg_flags gets MSG_TRUNC for a message cut
/// short; msg_namelen 0 (unnamed peer); msg_controllen 0 (no control data is ever queued).
pub fn sys_recvmsg(fd: i32, msg: UserPtr<UserMsghdr>, flags: u32) -> KResult<usize> {
    with_sock(fd, |f, s| {
        let mut m = msg.read()?;
        let iov = read_iovec(m.msg_iov, m.msg_iovlen)?;
        let total: usize = iov.iter().map(|e| e.len).sum();
        let (data, whole) = do_recv(f, s, total, flags & !MSG_CMSG_CLOEXEC)?;
        let mut off = 0;
        for e in &iov {
            let n = e.len.min(data.len() - off);
            e.base.copy_out(&data[off..off + n])?;
            off += n;
        }
        m.msg_flags = 0;
        if s.ty() != SOCK_STREAM && whole > data.len() {
            m.msg_flags |= MSG_TRUNC;
        }
        m.msg_namelen = 0;
        m.msg_controllen = 0;
        msg.write(&m)?;
        Ok(if flags & MSG_TRUNC != 0 && s.ty() != SOCK_STREAM { whole } else { data.len() })
    })
}

/// Linux: SYSCALL_DEFINE2(shutdown, int, fd, int, how): SHUT_RD, SHUT_WR or SHUT_RDWR
/// (EINVAL otherwise).
pub fn sys_shutdown(fd: i32, how: i32) -> KResult<usize> {
    with_sock(fd, |_, s| {
        if !(0..=SHUT_RDWR as i32).contains(&how) {
            return Err(EINVAL);
        }
        // Linux: SHUT_RD 0 -> RCV_SHUTDOWN, SHUT_WR 1 -> SEND_SHUTDOWN, SHUT_RDWR both.
        s.shutdown((how as u32 + 1) & (RCV_SHUTDOWN | SEND_SHUTDOWN));
        Ok(0)
    })
}

/// Linux: SYSCALL_DEFINE5(getsockopt, ...) -> sock_getsockopt() for SOL_SOCKET: SO_TYPE,
/// SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_PEERCRED (the
/// pair's creator); ENOPROTOOPT for the rest, EOPNOTSUPP for other levels (AF_UNIX has
/// none).  The value is cut to *optlen (EINVAL when negative), *optlen set to its length.
pub fn sys_getsockopt(fd: i32, level: i32, optname: i32, optval: UserPtr<u8>, optlen: UserPtr<i32>) -> KResult<usize> {
    with_sock(fd, |_, s| {
        let len = optlen.read()?;
        if len < 0 {
            return Err(EINVAL);
        }
        if level as u32 != SOL_SOCKET {
            return Err(EOPNOTSUPP);
        }
        let mut bytes = [0u8; 12];
        let mut int = |v: i32| {
            bytes[..4].copy_from_slice(&v.to_ne_bytes());
            4
        };
        let n = match optname as u32 {
            SO_TYPE => int(s.ty() as i32),
            SO_DOMAIN => int(AF_UNIX as i32),
            SO_PROTOCOL | SO_ERROR | SO_PASSCRED => int(0),
            SO_SNDBUF | SO_RCVBUF => int(SNDBUF as i32),
            SO_PEERCRED => {
                let (pid, uid, gid) = s.peercred();
                bytes[..4].copy_from_slice(&pid.to_ne_bytes());
                bytes[4..8].copy_from_slice(&uid.to_ne_bytes());
                bytes[8..12].copy_from_slice(&gid.to_ne_bytes());
                12
            }
            _ => return Err(ENOPROTOOPT),
        };
        let n = n.min(len as usize);
        optval.copy_out(&bytes[..n])?;
        optlen.write(&(n as i32))?;
        Ok(0)
    })
}

/// Linux: SYSCALL_DEFINE5(setsockopt, ...) -> sock_setsockopt(): an int of at least 4 bytes
/// (EINVAL).  The buffer sizes are fixed here, so SO_SNDBUF/SO_RCVBUF, like every other
/// option, are ENOPROTOOPT rather than a value taken and not applied; other levels
/// EOPNOTSUPP.
pub fn sys_setsockopt(fd: i32, level: i32, optname: i32, optval: UserPtr<i32>, optlen: i32) -> KResult<usize> {
    with_sock(fd, |_, _| {
        if level as u32 != SOL_SOCKET {
            return Err(EOPNOTSUPP);
        }
        if optlen < 4 {
            return Err(EINVAL);
        }
        optval.read()?;
        let _ = optname;
        Err(ENOPROTOOPT)
    })
}

/// Linux: unix_getname(): an unnamed socket's address is just its family (2 bytes).
fn getname(fd: i32, usockaddr: UserPtr<u8>, usockaddr_len: UserPtr<i32>) -> KResult<usize> {
    with_sock(fd, |_, _| {
        let len = usockaddr_len.read()?;
        if len < 0 {
            return Err(EINVAL);
        }
        let fam = (AF_UNIX as u16).to_ne_bytes();
        let n = (len as usize).min(2);
        usockaddr.copy_out(&fam[..n])?;
        usockaddr_len.write(&2)?;
        Ok(0)
    })
}

/// Linux: SYSCALL_DEFINE3(getsockname, ...).
pub fn sys_getsockname(fd: i32, usockaddr: UserPtr<u8>, usockaddr_len: UserPtr<i32>) -> KResult<usize> {
    getname(fd, usockaddr, usockaddr_len)
}

/// Linux: SYSCALL_DEFINE3(getpeername, ...): the peer of a pair is unnamed too.
pub fn sys_getpeername(fd: i32, usockaddr: UserPtr<u8>, usockaddr_len: UserPtr<i32>) -> KResult<usize> {
    getname(fd, usockaddr, usockaddr_len)
}
