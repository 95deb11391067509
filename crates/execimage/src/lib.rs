//! What `execve()` needs before it touches memory: the ELF load plan
//! ([`elf`]), `#!` script handling ([`script`]) and the initial user stack
//! ([`stack`]).
//!
//! Linux counterparts (6.1): `fs/binfmt_elf.c` (`load_elf_binary()`,
//! `load_elf_phdrs()`, `create_elf_tables()`), `fs/binfmt_script.c`
//! (`load_script()`), `fs/exec.c` (`do_execveat_common()`,
//! `bprm_stack_limits()`, `copy_strings()`, `copy_string_kernel()`,
//! `remove_arg_zero()`).
#![cfg_attr(not(test), no_std)]
extern crate alloc;

pub mod elf;
pub mod script;
pub mod stack;

use linux_raw_sys::errno;

/// Why an exec step failed; [`ExecError::errno`] gives Linux's errno.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// ENOEXEC: not a format this handler takes (bad magic, class, machine,
    /// type, phentsize, phnum, PT_INTERP size, `#!` line).
    NoExec,
    /// The ELF asks for an interpreter (PT_INTERP) and the caller does not
    /// support one. Map to ENOEXEC (what Linux would return without a
    /// usable interpreter is ENOENT/ENOEXEC from opening it; MenuOS has none).
    NeedsInterpreter(alloc::string::String),
    /// EINVAL: segment sizes/addresses unusable (Linux's checks in the
    /// PT_LOAD loop, `BAD_ADDR(e_entry)`, misaligned offsets for mmap).
    Inval,
    /// EIO: the file is shorter than a header or PT_INTERP string needs
    /// (Linux's `elf_read()`).
    Io,
    /// E2BIG: argument/environment strings over Linux's limits.
    TooBig,
    /// ELOOP: too many nested `#!` interpreters.
    Loop,
    /// ELIBBAD: the PT_INTERP file is not an ELF interpreter for this machine (bad magic,
    /// class or machine, unreadable program headers).
    LibBad,
    /// The interpreter fails a check Linux makes only after the point of no return
    /// (load_elf_interp(): not ET_EXEC/ET_DYN, no PT_LOAD, a segment past TASK_SIZE or one
    /// mmap refuses): the task dies of SIGSEGV; the errno is what load_elf_binary returns.
    Fatal(u32),
    /// ENOMEM: a buffer of the new image (the initial stack's) could not be allocated, before
    /// the point of no return (Linux: bprm's allocations, create_elf_tables()'s -ENOMEM).
    NoMem,
}

impl ExecError {
    pub fn errno(&self) -> u32 {
        match self {
            ExecError::NoExec | ExecError::NeedsInterpreter(_) => errno::ENOEXEC,
            ExecError::Inval => errno::EINVAL,
            ExecError::Io => errno::EIO,
            ExecError::TooBig => errno::E2BIG,
            ExecError::Loop => errno::ELOOP,
            ExecError::LibBad => errno::ELIBBAD,
            ExecError::Fatal(e) => *e,
            ExecError::NoMem => errno::ENOMEM,
        }
    }
}

/// Page size (riscv64).
pub const PAGE_SIZE: u64 = 4096;
