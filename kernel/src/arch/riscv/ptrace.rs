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

// ---- the regsets ptrace reads and writes.  Linux: arch/riscv/kernel/ptrace.c
// (riscv_user_regset: NT_PRSTATUS = struct user_regs_struct, NT_PRFPREG = struct
// __riscv_d_ext_state), include/uapi/linux/elf.h. ------------------------------------------

pub const NT_PRSTATUS: usize = 1;
pub const NT_PRFPREG: usize = 2;

/// Linux: struct user_regset's n and size: `n` items of `size` bytes.
pub struct RegsetView {
    pub n: usize,
    pub size: usize,
}

/// Linux: the riscv_user_regset[] entry for an NT_* type (ELF_NGREG longs; ELF_NFPREG
/// 8-byte items: f0-f31 then fcsr).
pub fn regset(nt_type: usize) -> Option<RegsetView> {
    match nt_type {
        NT_PRSTATUS => Some(RegsetView { n: 32, size: 8 }),
        NT_PRFPREG => Some(RegsetView { n: 33, size: 8 }),
        _ => None,
    }
}

/// Linux: riscv_gpr_get() / riscv_fpr_get(): the regset's bytes (user_regs_struct is the
/// first 32 words of pt_regs, pc in epc's place).
pub fn regset_get(nt_type: usize, regs: &PtRegs, fp: &super::process::FpState, out: &mut [u8]) {
    if nt_type == NT_PRSTATUS {
        for (i, r) in regs.as_array().iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&(*r as u64).to_ne_bytes());
        }
    } else {
        for (i, f) in fp.f.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&f.to_ne_bytes());
        }
        out[256..260].copy_from_slice(&fp.fcsr.to_ne_bytes());
    }
}

/// Linux: riscv_gpr_set() / riscv_fpr_set(): the first `src.len()` bytes of the regset
/// replace the registers'.  True when the general registers changed (else the FPU's).
pub fn regset_set(nt_type: usize, regs: &mut PtRegs, fp: &mut super::process::FpState, src: &[u8]) -> bool {
    let mut bytes = [0u8; 264];
    if nt_type == NT_PRSTATUS {
        regset_get(nt_type, regs, fp, &mut bytes);
        bytes[..src.len()].copy_from_slice(src);
        for (i, r) in regs.as_array_mut().iter_mut().enumerate() {
            *r = u64::from_ne_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap()) as usize;
        }
        true
    } else {
        regset_get(nt_type, regs, fp, &mut bytes);
        bytes[..src.len()].copy_from_slice(src);
        for (i, f) in fp.f.iter_mut().enumerate() {
            *f = u64::from_ne_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap());
        }
        fp.fcsr = u32::from_ne_bytes(bytes[256..260].try_into().unwrap());
        false
    }
}
