//! Architecture support.  Linux: arch/.

// CSRs, asm, kernel stacks, the trap frame: the unsafe code the rest of the kernel is built
// on, each block with its SAFETY comment; the files of riscv/ that need none deny it again.
#[allow(unsafe_code)]
pub mod riscv;
