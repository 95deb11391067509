//! ELF64 RISC-V executable inspection, as Linux 6.1's `load_elf_binary()`.
//!
//! Checks, in Linux's order, each failing with ENOEXEC unless noted:
//! 1. `e_ident` starts with `\x7fELF` (the header is read from the first 256
//!    bytes, zero-padded, like `bprm->buf`);
//! 2. `e_type` is ET_EXEC or ET_DYN;
//! 3. `elf_check_arch()`: `e_machine == EM_RISCV` and class ELFCLASS64
//!    (byte order is not checked by Linux; a big-endian header simply reads
//!    as garbage, and so it does here);
//! 4. `load_elf_phdrs()`: `e_phentsize == 56`, `0 < e_phnum * 56 <= 4096`
//!    (ELF_MIN_ALIGN) and 64 KiB; the table must be inside the file;
//! 5. PT_INTERP: `2 <= p_filesz <= PATH_MAX`, readable (EIO), ending in NUL
//!    (ENOEXEC); the first PT_INTERP counts. With one, the result is
//!    [`ExecError::NeedsInterpreter`] unless [`LoadConfig::allow_interp`];
//! 6. PT_GNU_STACK: PF_X gives an executable stack (the last one wins);
//! 7. per PT_LOAD (EINVAL): `p_vaddr < TASK_SIZE`, `p_filesz <= p_memsz`,
//!    `p_memsz <= TASK_SIZE`, `TASK_SIZE - p_memsz >= p_vaddr`; also
//!    `p_vaddr % PAGE == p_offset % PAGE` (else Linux's mmap fails: EINVAL), the
//!    biased segment inside `TASK_SIZE` (mmap: ENOMEM) and its file range not
//!    wrapping (mmap: EOVERFLOW);
//! 8. the biased entry must be `< TASK_SIZE` (EINVAL).
//!
//! Steps 7 and 8 are Linux's checks after the point of no return: they do not
//! fail `inspect` but set [`LoadPlan::fatal`] (the exec goes on past
//! begin_new_exec and the task dies of SIGSEGV, as Linux's force_fatal_sig).
//!
//! Load bias: 0 for ET_EXEC. For ET_DYN Linux 6.1 uses
//! `ELF_ET_DYN_BASE` (+ randomness) aligned down to the largest power-of-two
//! `p_align` of the PT_LOADs (at least a page) when there is an interpreter,
//! and lets mmap choose (mmap_base) for a static PIE; MenuOS passes the base
//! in [`LoadConfig::dyn_base`] and the mmap area in [`LoadConfig::mmap`], then
//! `load_bias = ELF_PAGESTART(base - first_pt_load.p_vaddr)`.
//!
//! AT_PHDR: as Linux >= 5.18, the address of `e_phoff` inside the PT_LOAD whose
//! file range contains it (`e_phoff - p_offset + p_vaddr`, last such segment
//! wins), plus the bias; PT_PHDR is only reported ([`LoadPlan::pt_phdr`]).
use crate::{ExecError, PAGE_SIZE};
use alloc::string::String;
use alloc::vec::Vec;

pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const EM_RISCV: u16 = 243;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const PATH_MAX: u64 = 4096;
/// `BINPRM_BUF_SIZE`.
pub const BINPRM_BUF_SIZE: usize = 256;
/// sizeof(Elf64_Phdr).
pub const PHENT_SIZE: u16 = 56;
/// riscv64 Sv39 `TASK_SIZE` (= `TASK_SIZE_64` = PGDIR_SIZE * PTRS_PER_PGD / 2).
pub const TASK_SIZE_SV39: u64 = 0x40_0000_0000;
/// Linux's riscv `ELF_ET_DYN_BASE` for Sv39: (TASK_SIZE / 3) * 2.
pub const ELF_ET_DYN_BASE_SV39: u64 = (TASK_SIZE_SV39 / 3) * 2;

/// mmap protection of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    /// Linux's `make_prot()`.
    pub fn from_flags(p_flags: u32) -> Prot {
        Prot { read: p_flags & PF_R != 0, write: p_flags & PF_W != 0, exec: p_flags & PF_X != 0 }
    }
    /// As PROT_READ|PROT_WRITE|PROT_EXEC bits (1, 2, 4).
    pub fn bits(&self) -> u32 {
        (self.read as u32) | ((self.write as u32) << 1) | ((self.exec as u32) << 2)
    }
}

/// One PT_LOAD segment; `vaddr` already includes the load bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub prot: Prot,
    pub align: u64,
}

impl Segment {
    /// Page-aligned start of the mapping (`ELF_PAGESTART(vaddr)`).
    pub fn map_start(&self) -> u64 {
        self.vaddr & !(PAGE_SIZE - 1)
    }
    /// Page-aligned end of the whole segment (file part + bss).
    pub fn map_end(&self) -> u64 {
        (self.vaddr + self.memsz + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
    }
    /// File offset of `map_start()`.
    pub fn map_offset(&self) -> u64 {
        self.offset - (self.vaddr & (PAGE_SIZE - 1))
    }
}

/// Stack executability from PT_GNU_STACK (Linux's EXSTACK_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExStack {
    /// No PT_GNU_STACK: arch default (riscv: not executable).
    Default,
    DisableX,
    EnableX,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadConfig {
    /// `TASK_SIZE` of the address space.
    pub task_size: u64,
    /// Where ET_DYN images go (before `ELF_PAGESTART(base - first_vaddr)`).
    pub dyn_base: u64,
    /// Accept PT_INTERP (returned in [`LoadPlan::interp`]).
    pub allow_interp: bool,
    /// The mmap area of the new image, where an ET_DYN image without PT_INTERP (a static
    /// PIE, or ld.so run as a program) goes as Linux places it: where get_unmapped_area()
    /// would put its whole image.  None: at `dyn_base` like a PIE program.
    pub mmap: Option<MmapArea>,
}

/// An address space's mmap area (Linux: mm->mmap_base and the direction of
/// mm->get_unmapped_area).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmapArea {
    pub base: u64,
    /// bottom-up from `base` (the legacy layout) instead of top-down below it
    pub bottom_up: bool,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig { task_size: TASK_SIZE_SV39, dyn_base: ELF_ET_DYN_BASE_SV39, allow_interp: false, mmap: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    pub e_type: u16,
    pub segments: Vec<Segment>,
    /// Biased entry point.
    pub entry: u64,
    pub load_bias: u64,
    /// AT_PHDR value (biased).
    pub phdr: u64,
    /// PT_PHDR's p_vaddr (biased), if present.
    pub pt_phdr: Option<u64>,
    pub phnum: u16,
    pub phent: u16,
    pub stack: ExStack,
    /// PT_INTERP path (without NUL), if any and allowed.
    pub interp: Option<String>,
    /// Linux's mm fields, biased.
    pub start_code: u64,
    pub end_code: u64,
    pub start_data: u64,
    pub end_data: u64,
    /// End of file-backed data of the last segment (`elf_bss`).
    pub elf_bss: u64,
    /// End of the highest segment (`elf_brk`); the heap starts at its page
    /// alignment ([`LoadPlan::brk_start`]).
    pub elf_brk: u64,
    /// A check Linux makes after the point of no return failed (its errno): the new image
    /// cannot run, and the exec must end in SIGSEGV once the old image is gone.  `segments`
    /// then holds only those before the failing one.
    pub fatal: Option<u32>,
}

impl LoadPlan {
    /// `mm->start_brk = mm->brk = ELF_PAGEALIGN(elf_brk)` (before brk
    /// randomization).
    pub fn brk_start(&self) -> u64 {
        (self.elf_brk + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
    }
    /// Whether the user stack must be executable.
    pub fn exec_stack(&self) -> bool {
        self.stack == ExStack::EnableX
    }
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

#[derive(Debug, Clone, Copy)]
struct Phdr {
    p_type: u32,
    p_flags: u32,
    p_offset: u64,
    p_vaddr: u64,
    p_filesz: u64,
    p_memsz: u64,
    p_align: u64,
}

/// Linux: load_elf_phdrs(): `e_phentsize == 56`, `0 < e_phnum * 56 <= 4096` and the table
/// inside `file`; None otherwise.
fn load_elf_phdrs(file: &[u8], e_phoff: u64, e_phentsize: u16, e_phnum: u16) -> Option<Vec<Phdr>> {
    if e_phentsize != PHENT_SIZE {
        return None;
    }
    let size = e_phnum as u64 * PHENT_SIZE as u64;
    if size == 0 || size > 65536 || size > PAGE_SIZE {
        return None;
    }
    let tbl = e_phoff
        .checked_add(size)
        .filter(|&end| end <= file.len() as u64)
        .map(|end| &file[e_phoff as usize..end as usize])?;
    Some(
        tbl.chunks_exact(PHENT_SIZE as usize)
            .map(|p| Phdr {
                p_type: u32_at(p, 0),
                p_flags: u32_at(p, 4),
                p_offset: u64_at(p, 8),
                p_vaddr: u64_at(p, 16),
                p_filesz: u64_at(p, 32),
                p_memsz: u64_at(p, 40),
                p_align: u64_at(p, 48),
            })
            .collect(),
    )
}

/// The ELF interpreter (PT_INTERP's file, ld.so) as Linux maps it: its PT_LOAD segments
/// relative to a base the kernel picks (Linux: get_unmapped_area() of the whole image for an
/// ET_DYN interpreter, 0 for ET_EXEC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpPlan {
    pub e_type: u16,
    /// Segments at their unbiased p_vaddr.
    pub segments: Vec<Segment>,
    /// e_entry, unbiased.
    pub entry: u64,
    /// Linux: total_mapping_size(): from the page of the first PT_LOAD to the end of the last.
    pub total_size: u64,
    /// `ELF_PAGESTART` of the lowest PT_LOAD's p_vaddr.
    pub first_vaddr: u64,
}

impl InterpPlan {
    /// Linux: load_elf_interp()'s checks once the base is known (`load_addr`: 0 for
    /// ET_EXEC), per segment and of the entry: a segment or entry past `task_size` fails after
    /// the point of no return (ENOMEM, EINVAL).
    pub fn check_at(&self, load_addr: u64, task_size: u64) -> Result<u64, ExecError> {
        for s in &self.segments {
            let k = load_addr.wrapping_add(s.vaddr);
            if k >= task_size || s.memsz > task_size || task_size - s.memsz < k {
                return Err(ExecError::Fatal(linux_raw_sys::errno::ENOMEM));
            }
        }
        let entry = load_addr.wrapping_add(self.entry);
        if entry >= task_size {
            return Err(ExecError::Fatal(linux_raw_sys::errno::EINVAL));
        }
        Ok(entry)
    }
}

/// Linux 6.1 load_elf_binary()'s "simple consistency checks for the interpreter", then
/// load_elf_interp()'s, over the interpreter's first bytes (`file`: through its program
/// headers):
/// 1. fewer than 64 bytes (the ELF header): EIO (elf_read());
/// 2. no `\x7fELF`, or `elf_check_arch()` fails (class, machine): ELIBBAD;
/// 3. load_elf_phdrs() fails (phentsize, phnum, table past the end): ELIBBAD;
/// 4. after the point of no return (ExecError::Fatal: the task dies of SIGSEGV): e_type not
///    ET_EXEC/ET_DYN (load_elf_interp returns ~0UL: EPERM), no PT_LOAD (EINVAL),
///    `p_filesz > p_memsz` (ENOMEM), `p_vaddr % PAGE != p_offset % PAGE` (mmap: EINVAL).
pub fn inspect_interp(file: &[u8]) -> Result<InterpPlan, ExecError> {
    if file.len() < 64 {
        return Err(ExecError::Io);
    }
    if &file[..4] != b"\x7fELF" {
        return Err(ExecError::LibBad);
    }
    if u16_at(file, 18) != EM_RISCV || file[4] != 2 {
        return Err(ExecError::LibBad);
    }
    let (e_type, e_entry) = (u16_at(file, 16), u64_at(file, 24));
    let phdrs = load_elf_phdrs(file, u64_at(file, 32), u16_at(file, 54), u16_at(file, 56)).ok_or(ExecError::LibBad)?;
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(ExecError::Fatal(linux_raw_sys::errno::EPERM));
    }
    let loads: Vec<&Phdr> = phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    let mut segments = Vec::with_capacity(loads.len());
    for p in &loads {
        if p.p_filesz > p.p_memsz {
            return Err(ExecError::Fatal(linux_raw_sys::errno::ENOMEM));
        }
        if p.p_vaddr % PAGE_SIZE != p.p_offset % PAGE_SIZE {
            return Err(ExecError::Fatal(linux_raw_sys::errno::EINVAL));
        }
        lo = lo.min(p.p_vaddr & !(PAGE_SIZE - 1));
        hi = hi.max(p.p_vaddr.wrapping_add(p.p_memsz));
        segments.push(Segment {
            vaddr: p.p_vaddr,
            memsz: p.p_memsz,
            offset: p.p_offset,
            filesz: p.p_filesz,
            prot: Prot::from_flags(p.p_flags),
            align: p.p_align,
        });
    }
    if segments.is_empty() || hi <= lo {
        return Err(ExecError::Fatal(linux_raw_sys::errno::EINVAL));
    }
    Ok(InterpPlan { e_type, segments, entry: e_entry, total_size: hi - lo, first_vaddr: lo })
}

/// Whether `file` starts with the ELF magic (what binfmt_elf tests first).
pub fn is_elf(file: &[u8]) -> bool {
    file.starts_with(b"\x7fELF")
}

/// Inspect an ELF executable held in memory (`file` = the whole file, or at
/// least everything up to the end of the program headers and PT_INTERP).
pub fn inspect(file: &[u8], cfg: &LoadConfig) -> Result<LoadPlan, ExecError> {
    // bprm->buf: first BINPRM_BUF_SIZE bytes, zero padded.
    let mut hdr = [0u8; 64];
    let n = file.len().min(64);
    hdr[..n].copy_from_slice(&file[..n]);
    if &hdr[..4] != b"\x7fELF" {
        return Err(ExecError::NoExec);
    }
    let e_type = u16_at(&hdr, 16);
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(ExecError::NoExec);
    }
    let e_machine = u16_at(&hdr, 18);
    if e_machine != EM_RISCV || hdr[4] != 2 {
        return Err(ExecError::NoExec);
    }
    let e_entry = u64_at(&hdr, 24);
    let e_phoff = u64_at(&hdr, 32);
    let e_phentsize = u16_at(&hdr, 54);
    let e_phnum = u16_at(&hdr, 56);
    let phdrs = load_elf_phdrs(file, e_phoff, e_phentsize, e_phnum).ok_or(ExecError::NoExec)?;

    let mut interp = None;
    if let Some(p) = phdrs.iter().find(|p| p.p_type == PT_INTERP) {
        if p.p_filesz > PATH_MAX || p.p_filesz < 2 {
            return Err(ExecError::NoExec);
        }
        let s = p
            .p_offset
            .checked_add(p.p_filesz)
            .filter(|&e| e <= file.len() as u64)
            .map(|e| &file[p.p_offset as usize..e as usize])
            .ok_or(ExecError::Io)?;
        if s[s.len() - 1] != 0 {
            return Err(ExecError::NoExec);
        }
        let name = &s[..s.len() - 1];
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
        interp = Some(String::from_utf8_lossy(name).into_owned());
    }
    let mut stack = ExStack::Default;
    for p in &phdrs {
        if p.p_type == PT_GNU_STACK {
            stack = if p.p_flags & PF_X != 0 { ExStack::EnableX } else { ExStack::DisableX };
        }
    }
    if let Some(i) = &interp {
        if !cfg.allow_interp {
            return Err(ExecError::NeedsInterpreter(i.clone()));
        }
    }

    let loads: Vec<&Phdr> = phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let mut load_bias = 0u64;
    let mut loader_fatal = None;
    if e_type == ET_DYN {
        // Linux: programs (with PT_INTERP) at ELF_ET_DYN_BASE, loaders in the mmap area, an
        // empty one at exec: top-down, the image ends at mmap_base; bottom-up, it starts there.
        let mut base = match (&interp, cfg.mmap, loads.first(), loads.last()) {
            (None, Some(area), Some(first), Some(last)) => {
                let total = last.p_vaddr.wrapping_add(last.p_memsz).wrapping_sub(first.p_vaddr & !(PAGE_SIZE - 1));
                let total = total.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
                // An image the area cannot hold: elf_map()'s mmap fails with ENOMEM after
                // the point of no return (SIGSEGV).
                let fits = if area.bottom_up {
                    area.base.checked_add(total).is_some_and(|end| end <= cfg.task_size)
                } else {
                    total <= area.base.saturating_sub(PAGE_SIZE)
                };
                if !fits {
                    loader_fatal = Some(linux_raw_sys::errno::ENOMEM);
                }
                if area.bottom_up {
                    area.base
                } else {
                    area.base.saturating_sub(total)
                }
            }
            _ => cfg.dyn_base,
        };
        // maximum_alignment()
        let mut alignment = 0u64;
        for p in &loads {
            if p.p_align.is_power_of_two() {
                alignment = alignment.max(p.p_align);
            }
        }
        let alignment = (alignment + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        if alignment != 0 {
            base &= !(alignment - 1);
        }
        let first_vaddr = loads.first().map(|p| p.p_vaddr).unwrap_or(0);
        load_bias = base.wrapping_sub(first_vaddr) & !(PAGE_SIZE - 1);
    }

    let ts = cfg.task_size;
    let mut segments = Vec::with_capacity(loads.len());
    let (mut start_code, mut end_code, mut start_data, mut end_data) = (u64::MAX, 0u64, 0u64, 0u64);
    let (mut elf_bss, mut elf_brk) = (0u64, 0u64);
    let mut phdr_addr = 0u64;
    let mut fatal = loader_fatal;
    for p in &loads {
        if p.p_vaddr % PAGE_SIZE != p.p_offset % PAGE_SIZE {
            fatal = Some(linux_raw_sys::errno::EINVAL);
            break;
        }
        if p.p_offset.checked_add(p.p_memsz).is_none() {
            fatal = Some(linux_raw_sys::errno::EOVERFLOW);
            break;
        }
        if p.p_offset <= e_phoff && e_phoff < p.p_offset.wrapping_add(p.p_filesz) {
            phdr_addr = e_phoff - p.p_offset + p.p_vaddr;
        }
        let k = p.p_vaddr;
        if k >= ts || p.p_filesz > p.p_memsz || p.p_memsz > ts || ts - p.p_memsz < k {
            fatal = Some(linux_raw_sys::errno::EINVAL);
            break;
        }
        let biased = p.p_vaddr.wrapping_add(load_bias);
        if biased.checked_add(p.p_memsz).is_none_or(|end| end > ts) {
            fatal = Some(linux_raw_sys::errno::ENOMEM);
            break;
        }
        if p.p_flags & PF_X != 0 && k < start_code {
            start_code = k;
        }
        if start_data < k {
            start_data = k;
        }
        let k = p.p_vaddr + p.p_filesz;
        elf_bss = elf_bss.max(k);
        if p.p_flags & PF_X != 0 && end_code < k {
            end_code = k;
        }
        end_data = end_data.max(k);
        elf_brk = elf_brk.max(p.p_vaddr + p.p_memsz);
        segments.push(Segment {
            vaddr: p.p_vaddr.wrapping_add(load_bias),
            memsz: p.p_memsz,
            offset: p.p_offset,
            filesz: p.p_filesz,
            prot: Prot::from_flags(p.p_flags),
            align: p.p_align,
        });
    }
    let entry = e_entry.wrapping_add(load_bias);
    if entry >= ts && fatal.is_none() {
        fatal = Some(linux_raw_sys::errno::EINVAL);
    }
    let b = |x: u64| x.wrapping_add(load_bias);
    Ok(LoadPlan {
        e_type,
        segments,
        entry,
        load_bias,
        phdr: b(phdr_addr),
        pt_phdr: phdrs.iter().find(|p| p.p_type == PT_PHDR).map(|p| b(p.p_vaddr)),
        phnum: e_phnum,
        phent: e_phentsize,
        stack,
        interp,
        start_code: b(start_code),
        end_code: b(end_code),
        start_data: b(start_data),
        end_data: b(end_data),
        elf_bss: b(elf_bss),
        elf_brk: b(elf_brk),
        fatal,
    })
}
