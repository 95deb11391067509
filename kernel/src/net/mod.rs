//! Networking: the socket layer and the address families MenuOS has.  Linux: net/.
//!
//!   core/net_namespace.rs  network namespaces (struct net)                  net/core/net_namespace.c
//!   socket.rs        the socket syscalls (socket, socketpair, sendto, recvfrom, sendmsg,
//!                    recvmsg, shutdown, getsockopt, setsockopt, getsockname, getpeername)
//!                                                                              net/socket.c
//!   unix/af_unix.rs  Unix-domain sockets: stream, datagram, seqpacket; /proc/net/unix
//!                                                                              net/unix/af_unix.c
//!
//! socketpair(AF_UNIX) makes connected pairs, socket(AF_UNIX) a socket that is not connected
//! (it fails as Linux's unconnected socket fails, and is listed in /proc/net/unix); bind,
//! listen, connect and accept are ENOSYS, so no socket has a name or becomes connected later.

pub mod core;
pub mod socket;
pub mod unix;
