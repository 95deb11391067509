//! The process personality.  Linux: kernel/exec_domain.c (SYSCALL_DEFINE1(personality)),
//! include/uapi/linux/personality.h.
//!
//! Linux stores whatever value it is given (there is no list of valid personalities) and
//! acts on a few bits.  MenuOS acts on the ones that mean something on riscv64:
//! ADDR_NO_RANDOMIZE (exec places the stack, mmap_base, brk and PIE programs without
//! randomness: fs/binfmt_elf.rs, mm/util.rs) and READ_IMPLIES_EXEC (mmap's PROT_READ adds
//! PROT_EXEC: mm/mmap.rs), ADDR_COMPAT_LAYOUT (exec lays the mmap area out bottom-up from
//! TASK_UNMAPPED_BASE: mm/util.rs mmap_is_legacy) and MMAP_PAGE_ZERO (exec maps page 0 when
//! the new image has CAP_SYS_RAWIO: fs/binfmt_elf.rs).

use crate::errno::*;
use crate::kernel::task::current;
use core::sync::atomic::Ordering;

/// Linux: PER_LINUX, the default personality.
pub const PER_LINUX: u32 = 0x0000;
/// Linux: PER_LINUX32 (a 32-bit personality; kept by SET_PERSONALITY).
pub const PER_LINUX32: u32 = 0x0008;
/// Linux: PER_MASK, the personality proper (the rest are flags).
pub const PER_MASK: u32 = 0x00ff;
/// Linux: ADDR_NO_RANDOMIZE — exec does not randomise the address space.
pub const ADDR_NO_RANDOMIZE: u32 = 0x0040000;
/// Linux: MMAP_PAGE_ZERO
pub const MMAP_PAGE_ZERO: u32 = 0x0100000;
/// Linux: ADDR_COMPAT_LAYOUT
pub const ADDR_COMPAT_LAYOUT: u32 = 0x0200000;
/// Linux: READ_IMPLIES_EXEC — PROT_READ mappings are executable too.
pub const READ_IMPLIES_EXEC: u32 = 0x0400000;
/// Linux: PER_CLEAR_ON_SETID — the flags a set-user-ID or set-group-ID exec clears, so that a
/// caller cannot weaken the privileged program's address space.
pub const PER_CLEAR_ON_SETID: u32 = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO;

/// Linux: SYSCALL_DEFINE1(personality, unsigned int, personality): sets the personality
/// unless it is 0xffffffff (a query), and returns the old one.
pub fn sys_personality(personality: u32) -> KResult<usize> {
    let cur = current();
    let old = cur.personality.load(Ordering::Relaxed);
    if personality != 0xffff_ffff {
        cur.personality.store(personality, Ordering::Relaxed);
    }
    Ok(old as usize)
}

/// Linux: SET_PERSONALITY(ex) on riscv64 with exec's `me->personality &= ~bprm->per_clear`
/// (begin_new_exec): the personality a new 64-bit image runs with.
pub fn exec_personality(old: u32, per_clear: bool) -> u32 {
    let p = if per_clear { old & !PER_CLEAR_ON_SETID } else { old };
    if p & PER_MASK == PER_LINUX32 {
        p
    } else {
        PER_LINUX | (p & !PER_MASK)
    }
}
