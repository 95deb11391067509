//! Character device nodes: from a device number to the file operations that serve it.
//! Linux: fs/char_dev.c (chrdev_open, the cdev map), include/uapi/linux/major.h.
//!
//! The drivers are drivers/char/ (mem: null, zero, random, urandom) and drivers/tty.rs (the
//! console); there is no registration yet, the map is the match in chrdev_ops.

use super::file_table::FileOps;
use crate::errno::*;
use alloc::sync::Arc;

// Majors (Linux: include/uapi/linux/major.h).
pub const MEM_MAJOR: u32 = 1;
pub const TTY_MAJOR: u32 = 4;
pub const TTYAUX_MAJOR: u32 = 5;

// Minors of the console devices (Linux: tty_init() makes /dev/tty 5:0 and /dev/console 5:1;
// the 8250's first port, ttyS0, is 4:64).
pub const TTYAUX_TTY_MINOR: u32 = 0;
pub const TTYAUX_CONSOLE_MINOR: u32 = 1;
pub const TTYS0_MINOR: u32 = 64;

/// Linux: chrdev_open(): the file operations of a device node (ENXIO without a driver).
pub fn chrdev_ops(ma: u32, mi: u32) -> KResult<Arc<dyn FileOps>> {
    match (ma, mi) {
        (MEM_MAJOR, _) => crate::drivers::char::mem::memory_open(mi),
        (TTYAUX_MAJOR, TTYAUX_TTY_MINOR | TTYAUX_CONSOLE_MINOR) | (TTY_MAJOR, TTYS0_MINOR) => {
            Ok(Arc::new(crate::drivers::tty::ConsoleOps))
        }
        _ => Err(ENXIO),
    }
}
