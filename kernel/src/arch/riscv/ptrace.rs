//! struct pt_regs: the user (or interrupted kernel) registers saved on trap entry.
//! Linux: arch/riscv/include/asm/ptrace.h — same fields, same order, 36 * 8 = 288 bytes.

/// The trap frame at the top of every task's kernel stack (see entry.S).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct PtRegs {
    pub epc: usize,
    pub ra: usize,
    pub sp: usize,
    pub gp: usize,
    pub tp: usize,
    pub t0: usize,
    pub t1: usize,
    pub t2: usize,
    pub s0: usize,
    pub s1: usize,
    pub a0: usize,
    pub a1: usize,
    pub a2: usize,
    pub a3: usize,
    pub a4: usize,
    pub a5: usize,
    pub a6: usize,
    pub a7: usize,
    pub s2: usize,
    pub s3: usize,
    pub s4: usize,
    pub s5: usize,
    pub s6: usize,
    pub s7: usize,
    pub s8: usize,
    pub s9: usize,
    pub s10: usize,
    pub s11: usize,
    pub t3: usize,
    pub t4: usize,
    pub t5: usize,
    pub t6: usize,
    /// Supervisor CSRs
    pub status: usize,
    pub badaddr: usize,
    pub cause: usize,
    /// a0 value before the syscall (for restarting)
    pub orig_a0: usize,
}

pub const PT_SIZE: usize = core::mem::size_of::<PtRegs>();
const _: () = assert!(PT_SIZE == 288);

pub const SR_SIE: usize = 1 << 1;
pub const SR_SPIE: usize = 1 << 5;
pub const SR_SPP: usize = 1 << 8;
pub const SR_FS: usize = 3 << 13;
pub const SR_FS_INITIAL: usize = 1 << 13;
pub const SR_FS_CLEAN: usize = 2 << 13;
pub const SR_FS_DIRTY: usize = 3 << 13;
pub const SR_SUM: usize = 1 << 18;
pub const SR_UXL_64: usize = 2 << 32;

impl PtRegs {
    /// Linux: user_mode()
    pub fn user_mode(&self) -> bool {
        self.status & SR_SPP == 0
    }
    /// The 32 general registers as an array view: x0 slot is epc, as in Linux's user_regs_struct.
    pub fn as_array(&self) -> &[usize; 32] {
        // SAFETY: PtRegs is repr(C) and begins with 32 consecutive usize fields.
        unsafe { &*(self as *const Self as *const [usize; 32]) }
    }
    pub fn as_array_mut(&mut self) -> &mut [usize; 32] {
        // SAFETY: as above.
        unsafe { &mut *(self as *mut Self as *mut [usize; 32]) }
    }
}
