//! The initial user stack of a new program, laid out as Linux 6.1 does on
//! riscv64: `do_execveat_common()` + `copy_strings()` (fs/exec.c) place the
//! strings, `create_elf_tables()` (fs/binfmt_elf.c) the rest.
//!
//! From the top (`stack_top`, page aligned) down:
//! ```text
//! stack_top - 8 .. stack_top      8 zero bytes (bprm->p starts at vm_end - sizeof(void *))
//! execfn string                   AT_EXECFN points here
//! envp strings                    envp[0] lowest ... envp[n-1] highest
//! argv strings                    argv[0] lowest = mm->arg_start
//!                                 (no padding between any of the strings)
//! [align: p = (p - sub) & ~15]    only with `align_stack` (riscv >= 6.10 arch_align_stack;
//!                                 6.1 uses the generic identity)
//! platform string                 if any (riscv: none)
//! 16 random bytes                 AT_RANDOM points here
//! 0..15 bytes of padding
//! auxv pairs .. AT_NULL, 0
//! NULL
//! envp[] pointers
//! NULL
//! argv[] pointers
//! argc                            <- sp, 16-byte aligned
//! ```
//! `sp = (p_random - 8 * (2 * n_aux_with_null) - 8 * (argc + 1 + envc + 1 + 1)) & ~15`
//! (`STACK_ADD` then `STACK_ROUND`).
//!
//! auxv order (Linux 6.1 `create_elf_tables()`; the `ARCH_DLINFO` block of
//! riscv comes first): AT_SYSINFO_EHDR (if a vDSO is given), the eight riscv
//! cache entries AT_L1I_CACHESIZE .. AT_L3_CACHEGEOMETRY (if given),
//! AT_MINSIGSTKSZ (if given: riscv >= 6.5 puts it last in ARCH_DLINFO, as
//! AT_IGNORE when 0), then AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT,
//! AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID,
//! AT_SECURE, AT_RANDOM, AT_HWCAP2 (if given), AT_EXECFN, AT_PLATFORM (if
//! given), AT_EXECFD (if given), AT_NULL.
//!
//! Limits (`bprm_stack_limits()`, `copy_strings()`): strings may use
//! `max(min(_STK_LIM / 4 * 3, rlimit_stack / 4), ARG_MAX)` bytes minus
//! `8 * (max(argc, 1) + envc)`, counted from `stack_top - 8`, the execfn
//! string included; a single string (with its NUL) may be at most
//! `MAX_ARG_STRLEN`; more than `MAX_ARG_STRINGS` argv or envp entries, an
//! exhausted limit or a too long string is E2BIG. (For a `#!` script Linux
//! computes the pointer reserve from the *original* argc; here the argv you
//! pass — the rewritten one — counts.) An empty argv gets `""` as argv\[0]
//! (Linux >= 5.18).
use crate::{ExecError, PAGE_SIZE};
use alloc::vec::Vec;

/// auxv keys (include/uapi/linux/auxvec.h and arch/riscv/include/uapi/asm/auxvec.h;
/// defined here because the host's linux-raw-sys lacks the riscv ones).
pub mod at {
    pub const AT_NULL: u64 = 0;
    pub const AT_IGNORE: u64 = 1;
    pub const AT_EXECFD: u64 = 2;
    pub const AT_PHDR: u64 = 3;
    pub const AT_PHENT: u64 = 4;
    pub const AT_PHNUM: u64 = 5;
    pub const AT_PAGESZ: u64 = 6;
    pub const AT_BASE: u64 = 7;
    pub const AT_FLAGS: u64 = 8;
    pub const AT_ENTRY: u64 = 9;
    pub const AT_UID: u64 = 11;
    pub const AT_EUID: u64 = 12;
    pub const AT_GID: u64 = 13;
    pub const AT_EGID: u64 = 14;
    pub const AT_PLATFORM: u64 = 15;
    pub const AT_HWCAP: u64 = 16;
    pub const AT_CLKTCK: u64 = 17;
    pub const AT_SECURE: u64 = 23;
    pub const AT_BASE_PLATFORM: u64 = 24;
    pub const AT_RANDOM: u64 = 25;
    pub const AT_HWCAP2: u64 = 26;
    pub const AT_EXECFN: u64 = 31;
    pub const AT_SYSINFO_EHDR: u64 = 33;
    pub const AT_L1I_CACHESIZE: u64 = 40;
    pub const AT_L1I_CACHEGEOMETRY: u64 = 41;
    pub const AT_L1D_CACHESIZE: u64 = 42;
    pub const AT_L1D_CACHEGEOMETRY: u64 = 43;
    pub const AT_L2_CACHESIZE: u64 = 44;
    pub const AT_L2_CACHEGEOMETRY: u64 = 45;
    pub const AT_L3_CACHESIZE: u64 = 46;
    pub const AT_L3_CACHEGEOMETRY: u64 = 47;
    pub const AT_MINSIGSTKSZ: u64 = 51;
}
use at as g;

/// `MAX_ARG_STRLEN` = 32 pages.
pub const MAX_ARG_STRLEN: u64 = PAGE_SIZE * 32;
/// `MAX_ARG_STRINGS`.
pub const MAX_ARG_STRINGS: usize = 0x7FFF_FFFF;
/// `ARG_MAX` (32 pages): the minimum string space whatever the rlimit.
pub const ARG_MAX: u64 = 131072;
/// `_STK_LIM` (8 MiB): the default stack rlimit.
pub const STK_LIM: u64 = 8 << 20;
/// riscv `ELF_HWCAP` bits for "IMAFDC" (bit = letter - 'a').
pub const HWCAP_RV64IMAFDC: u64 = (1 << 8) | (1 << 12) | 1 | (1 << 5) | (1 << 3) | (1 << 2);

/// Values of the auxiliary vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuxInfo {
    /// AT_SYSINFO_EHDR: vDSO base, if the kernel maps one.
    pub sysinfo_ehdr: Option<u64>,
    /// riscv cache entries (L1I size, geometry, L1D size, geometry, L2 size,
    /// geometry, L3 size, geometry); Linux 6.1 always emits them (0 when the
    /// cache is unknown, as on QEMU virt).
    pub cache: Option<[u64; 8]>,
    /// AT_MINSIGSTKSZ (riscv >= 6.5); `Some(0)` emits AT_IGNORE as Linux.
    pub minsigstksz: Option<u64>,
    pub hwcap: u64,
    pub pagesz: u64,
    pub clktck: u64,
    pub phdr: u64,
    pub phent: u64,
    pub phnum: u64,
    /// Interpreter load address (0 without one).
    pub base: u64,
    pub flags: u64,
    pub entry: u64,
    pub uid: u64,
    pub euid: u64,
    pub gid: u64,
    pub egid: u64,
    pub secure: u64,
    pub hwcap2: Option<u64>,
    /// AT_PLATFORM string (riscv: none).
    pub platform: Option<Vec<u8>>,
    pub execfd: Option<u64>,
}

impl Default for AuxInfo {
    /// riscv64 Linux 6.1 on QEMU virt, minus the vDSO: cache entries all 0,
    /// hwcap IMAFDC, 4 KiB pages, CLOCKS_PER_SEC 100, root credentials.
    fn default() -> Self {
        AuxInfo {
            sysinfo_ehdr: None,
            cache: Some([0; 8]),
            minsigstksz: None,
            hwcap: HWCAP_RV64IMAFDC,
            pagesz: PAGE_SIZE,
            clktck: 100,
            phdr: 0,
            phent: 56,
            phnum: 0,
            base: 0,
            flags: 0,
            entry: 0,
            uid: 0,
            euid: 0,
            gid: 0,
            egid: 0,
            secure: 0,
            hwcap2: None,
            platform: None,
            execfd: None,
        }
    }
}

impl AuxInfo {
    /// Fill AT_PHDR/AT_PHENT/AT_PHNUM/AT_ENTRY from a load plan.
    pub fn with_plan(mut self, plan: &crate::elf::LoadPlan) -> Self {
        self.phdr = plan.phdr;
        self.phent = plan.phent as u64;
        self.phnum = plan.phnum as u64;
        self.entry = plan.entry;
        self
    }
}

/// Inputs of the stack builder.
#[derive(Debug, Clone)]
pub struct StackBuilder<'a> {
    /// Top of the stack (user VA, exclusive; page aligned as after
    /// `setup_arg_pages()`).
    pub stack_top: u64,
    pub argv: &'a [&'a [u8]],
    pub envp: &'a [&'a [u8]],
    /// The path given to execve (AT_EXECFN string).
    pub execfn: &'a [u8],
    pub random: [u8; 16],
    pub aux: AuxInfo,
    /// RLIMIT_STACK soft limit (u64::MAX for infinity).
    pub stack_rlimit: u64,
    /// `arch_align_stack()`: `None` = identity (generic, riscv 6.1);
    /// `Some(r)` = `(p - r) & ~15` (riscv >= 6.10 with `r < PAGE_SIZE` random).
    pub align_stack: Option<u64>,
    /// Asked before each allocation build() makes: true fails it with ENOMEM (the kernel's
    /// fault injection, should_failslab).  Every allocation is fallible anyway.
    pub should_fail: fn() -> bool,
}

fn never() -> bool {
    false
}

/// The built stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialStack {
    /// Initial stack pointer (16-byte aligned); `argc` is at `sp`.
    pub sp: u64,
    /// Bytes to copy to `[sp, stack_top)`.
    pub data: Vec<u8>,
    pub argc: u64,
    /// User addresses of the argv / envp strings.
    pub argv: Vec<u64>,
    pub envp: Vec<u64>,
    /// mm->arg_start/arg_end/env_start/env_end.
    pub arg_start: u64,
    pub arg_end: u64,
    pub env_start: u64,
    pub env_end: u64,
    /// AT_EXECFN / AT_RANDOM targets.
    pub execfn: u64,
    pub random: u64,
    /// The auxv written, AT_NULL included.
    pub auxv: Vec<(u64, u64)>,
}

/// The string byte budget of `bprm_stack_limits()`: `Err` if the pointers
/// alone do not fit.
pub fn string_limit(stack_rlimit: u64, argc: usize, envc: usize) -> Result<u64, ExecError> {
    let mut limit = STK_LIM / 4 * 3;
    limit = limit.min(stack_rlimit / 4);
    limit = limit.max(ARG_MAX);
    let ptr_size = (argc.max(1) as u64 + envc as u64) * 8;
    if limit <= ptr_size {
        return Err(ExecError::TooBig);
    }
    Ok(limit - ptr_size)
}

impl<'a> StackBuilder<'a> {
    pub fn new(stack_top: u64, argv: &'a [&'a [u8]], envp: &'a [&'a [u8]], execfn: &'a [u8]) -> Self {
        StackBuilder {
            stack_top,
            argv,
            envp,
            execfn,
            random: [0; 16],
            aux: AuxInfo::default(),
            stack_rlimit: STK_LIM,
            align_stack: None,
            should_fail: never,
        }
    }

    /// Room for `n` elements, or ENOMEM (Linux: kmalloc_array()).
    fn alloc<T>(&self, n: usize) -> Result<Vec<T>, ExecError> {
        let mut v = Vec::new();
        if n != 0 && (self.should_fail)() {
            return Err(ExecError::NoMem);
        }
        v.try_reserve_exact(n).map_err(|_| ExecError::NoMem)?;
        Ok(v)
    }

    /// Lay the stack out.
    pub fn build(&self) -> Result<InitialStack, ExecError> {
        // every entry build() may push: 8 cache entries, 20 others, AT_NULL
        const AUXV_CAPACITY: usize = 32;
        if self.argv.len() > MAX_ARG_STRINGS || self.envp.len() > MAX_ARG_STRINGS {
            return Err(ExecError::TooBig);
        }
        let top = self.stack_top;
        let mut p = top - 8;
        let argmin = p.saturating_sub(string_limit(self.stack_rlimit, self.argv.len(), self.envp.len())?);
        // (address, bytes) of every string, in placement order.
        // (Sized up front: exec builds one of these per call, and growing costs a copy each time.)
        let mut strings: Vec<(u64, &[u8])> = self.alloc(self.argv.len() + self.envp.len() + 2)?;
        // (the other vectors too: a failure returns before any string is placed)
        let mut envp: Vec<u64> = self.alloc(self.envp.len())?;
        envp.resize(self.envp.len(), 0);
        let mut argv: Vec<u64> = self.alloc(self.argv.len().max(1))?;
        argv.resize(self.argv.len(), 0);
        let mut auxv: Vec<(u64, u64)> = self.alloc(AUXV_CAPACITY)?;
        let mut push = |p: &mut u64, s: &'a [u8]| -> Result<u64, ExecError> {
            // A string's length is up to its first NUL, as strnlen.
            let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())];
            let len = s.len() as u64 + 1;
            if len > MAX_ARG_STRLEN {
                return Err(ExecError::TooBig);
            }
            if *p < len || *p - len < argmin {
                return Err(ExecError::TooBig);
            }
            *p -= len;
            strings.push((*p, s));
            Ok(*p)
        };
        let execfn = push(&mut p, self.execfn)?;
        let env_end = p;
        for (i, s) in self.envp.iter().enumerate().rev() {
            envp[i] = push(&mut p, s)?;
        }
        let env_start = p;
        for (i, s) in self.argv.iter().enumerate().rev() {
            argv[i] = push(&mut p, s)?;
        }
        if argv.is_empty() {
            argv.push(push(&mut p, b"")?);
        }
        let arg_start = p;
        let arg_end = env_start;

        // create_elf_tables()
        if let Some(r) = self.align_stack {
            p = (p - r) & !15;
        }
        let mut platform_addr = None;
        if let Some(pl) = &self.aux.platform {
            p -= pl.len() as u64 + 1;
            platform_addr = Some((p, pl.as_slice()));
        }
        p -= 16;
        let random = p;

        let a = &self.aux;
        let mut ent = |id: u64, v: u64| auxv.push((id, v));
        if let Some(v) = a.sysinfo_ehdr {
            ent(g::AT_SYSINFO_EHDR, v);
        }
        if let Some(c) = a.cache {
            let ids = [
                g::AT_L1I_CACHESIZE,
                g::AT_L1I_CACHEGEOMETRY,
                g::AT_L1D_CACHESIZE,
                g::AT_L1D_CACHEGEOMETRY,
                g::AT_L2_CACHESIZE,
                g::AT_L2_CACHEGEOMETRY,
                g::AT_L3_CACHESIZE,
                g::AT_L3_CACHEGEOMETRY,
            ];
            for (id, v) in ids.iter().zip(c.iter()) {
                ent(*id, *v);
            }
        }
        if let Some(m) = a.minsigstksz {
            if m != 0 {
                ent(g::AT_MINSIGSTKSZ, m);
            } else {
                ent(g::AT_IGNORE, 0);
            }
        }
        ent(g::AT_HWCAP, a.hwcap);
        ent(g::AT_PAGESZ, a.pagesz);
        ent(g::AT_CLKTCK, a.clktck);
        ent(g::AT_PHDR, a.phdr);
        ent(g::AT_PHENT, a.phent);
        ent(g::AT_PHNUM, a.phnum);
        ent(g::AT_BASE, a.base);
        ent(g::AT_FLAGS, a.flags);
        ent(g::AT_ENTRY, a.entry);
        ent(g::AT_UID, a.uid);
        ent(g::AT_EUID, a.euid);
        ent(g::AT_GID, a.gid);
        ent(g::AT_EGID, a.egid);
        ent(g::AT_SECURE, a.secure);
        ent(g::AT_RANDOM, random);
        if let Some(v) = a.hwcap2 {
            ent(g::AT_HWCAP2, v);
        }
        ent(g::AT_EXECFN, execfn);
        if let Some((pa, _)) = platform_addr {
            ent(g::AT_PLATFORM, pa);
        }
        if let Some(fd) = a.execfd {
            ent(g::AT_EXECFD, fd);
        }
        ent(g::AT_NULL, 0);

        let ei_index = 2 * auxv.len() as u64;
        let argc = argv.len() as u64;
        let items = (argc + 1) + (envp.len() as u64 + 1) + 1;
        let sp = (random - ei_index * 8 - items * 8) & !15;

        let mut data: Vec<u8> = self.alloc((top - sp) as usize)?;
        data.resize((top - sp) as usize, 0);
        let mut put = |addr: u64, bytes: &[u8]| {
            let o = (addr - sp) as usize;
            data[o..o + bytes.len()].copy_from_slice(bytes);
        };
        for (addr, s) in &strings {
            put(*addr, s); // NUL already zero
        }
        if let Some((pa, pl)) = platform_addr {
            put(pa, pl);
        }
        put(random, &self.random);
        // The words from sp up (argc, argv, envp, auxv) are contiguous and 8-aligned: each one
        // a fixed-size store (through `put` it was a memcpy call per word, ~45 instructions).
        let mut w = 0usize;
        let mut word = |v: u64| {
            data[w..w + 8].copy_from_slice(&v.to_le_bytes());
            w += 8;
        };
        word(argc);
        for &a in &argv {
            word(a);
        }
        word(0);
        for &e in &envp {
            word(e);
        }
        word(0);
        for &(k, v) in &auxv {
            word(k);
            word(v);
        }
        Ok(InitialStack { sp, data, argc, argv, envp, arg_start, arg_end, env_start, env_end, execfn, random, auxv })
    }
}
