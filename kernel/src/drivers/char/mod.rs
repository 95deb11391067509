//! Character devices.  Linux: drivers/char/ (mem.c: /dev/null, /dev/zero and the other
//! memory devices; random.c: /dev/random, /dev/urandom, getrandom).  The console tty is
//! drivers/tty.rs; device numbers reach these through fs/char_dev.rs.

pub mod mem;
pub mod random;
