//! Unix-domain sockets.  Linux: net/unix/.
pub mod af_unix;
