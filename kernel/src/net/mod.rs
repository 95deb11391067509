//! Networking: the socket layer and the address families MenuOS has.  Linux: net/.
//!
//!   core/net_namespace.rs  network namespaces (struct net)                  net/core/net_namespace.c
//!   socket.rs        the socket syscalls (socketpair, sendto, recvfrom, sendmsg, recvmsg,
//!                    shutdown, getsockopt, setsockopt, getsockname, getpeername)   net/socket.c
//!   unix/af_unix.rs  Unix-domain socket pairs: stream, datagram, seqpacket      net/unix/af_unix.c
//!
//! Only socketpair(AF_UNIX) makes sockets: socket(2), bind, listen, connect and accept are
//! ENOSYS (a kernel built without them), so no program is told it has a socket it cannot use.

pub mod core;
pub mod socket;
pub mod unix;
