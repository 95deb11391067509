//! ELF executables.  Linux: fs/binfmt_elf.c (load_elf_binary, load_elf_interp,
//! create_elf_tables), arch/riscv/kernel/vdso.c (the page mapped for the signal return).  What
//! to map is the host-tested `execimage::elf` plan (the program's, and its PT_INTERP
//! interpreter's: ld.so of a dynamically linked program); the initial stack is
//! `execimage::stack`.

use super::exec::{begin_new_exec, bprm_creds_from_file, exec_err, open_exec, BprmFile};
use super::inode::*;
use super::namei::{inode_permission, MAY_READ};
use super::AT_FDCWD;
use crate::arch::riscv::process::{start_thread, with_current_pt_regs};
use crate::errno::*;
use crate::kernel::exec_domain::{exec_personality, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO};
use crate::kernel::task::current;
use crate::mm::mm_types::{Backing, MmStruct, VmFlags, Vma};
use crate::mm::util::MmapLayout;
use crate::mm::{page_align_down, page_align_up, PAGE_SIZE, STACK_TOP};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use execimage::{elf, stack};
use linux_raw_sys::general::{__NR_rt_sigreturn, _STK_LIM};

/// The signal trampoline (Linux: the vDSO's __vdso_rt_sigreturn): `li a7, __NR_rt_sigreturn`
/// (addi a7, zero, 139: imm << 20 | rd x17 << 7 | OP-IMM) and `ecall`.
const LI_A7_RT_SIGRETURN: u32 = (__NR_rt_sigreturn << 20) | (17 << 7) | 0x13;
const ECALL: u32 = 0x0000_0073;

/// The trampoline's page, made at the first exec and kept for good (Linux: vdso_init()'s
/// vdso_pagelist in arch/riscv/kernel/vdso.c): every mm maps this frame, so an exec neither
/// allocates nor clears one.  The static holds a reference, so the page is never any mm's
/// alone and a write to it (after mprotect, or ptrace's POKETEXT) copies it.
fn vdso_page() -> KResult<usize> {
    static VDSO_PFN: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    let pfn = VDSO_PFN.load(Ordering::Acquire);
    if pfn != 0 {
        return Ok(pfn);
    }
    let mut page = crate::mm::highmem::NewPage::alloc_zeroed()?;
    page[0..4].copy_from_slice(&LI_A7_RT_SIGRETURN.to_le_bytes());
    page[4..8].copy_from_slice(&ECALL.to_le_bytes());
    let new = page.into_pfn();
    match VDSO_PFN.compare_exchange(0, new, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(new),
        Err(won) => {
            crate::mm::memory::put_page_ref(new); // another exec made it first
            Ok(won)
        }
    }
}

/// One read covers the headers of an ordinary executable, into a buffer on the stack.
const HEADERS_SMALL: usize = 1024;

/// The bytes of the file that `elf::inspect` reads: from the start through the program
/// headers and the PT_INTERP string (Linux: bprm->buf, load_elf_phdrs(), the interpreter's
/// kernel_read()), read from the page cache: Ok(n) when the first n bytes in `small` hold
/// them, Err(bytes) when they needed more.  A table or string past the end of the file is left
/// for inspect to refuse.
fn read_headers(ino: &Inode, small: &mut [u8; HEADERS_SMALL]) -> KResult<Result<usize, Vec<u8>>> {
    const PT_INTERP: u32 = 3;
    let size = ino.size();
    let read = |len: usize| -> KResult<Vec<u8>> {
        let len = len.min(size);
        let mut v = crate::mm::util::kvcalloc(len, ENOMEM)?;
        let n = ino.read_at_raw(0, &mut v);
        v.truncate(n);
        Ok(v)
    };
    let n = ino.read_at_raw(0, &mut small[..]);
    if n < 64 {
        return Ok(Ok(n));
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]));
    let (phoff, phentsize, phnum) = (u64_at(&small[..], 32), u16_at(&small[..], 54), u16_at(&small[..], 56));
    let table = phentsize.saturating_mul(phnum);
    let Some(end) = phoff.checked_add(table as u64).filter(|&e| e <= size as u64 && table <= PAGE_SIZE) else {
        return Ok(Ok(n));
    };
    let end = end as usize;
    let big = if end > n { Some(read(end)?) } else { None };
    let all: &[u8] = big.as_deref().unwrap_or(&small[..n]);
    let mut need = end;
    if phentsize >= 56 {
        for p in all[phoff as usize..end].chunks_exact(phentsize) {
            if u32::from_le_bytes([p[0], p[1], p[2], p[3]]) == PT_INTERP {
                let (off, filesz) = (u64_at(p, 8), u64_at(p, 32));
                if let Some(e) = off.checked_add(filesz).filter(|&e| e <= size as u64) {
                    need = need.max(e as usize);
                }
            }
        }
    }
    if need > all.len() {
        return Ok(Err(read(need)?));
    }
    Ok(match big {
        Some(v) => Err(v),
        None => Ok(n),
    })
}

/// Maps PT_LOAD segments at `bias` + their addresses: private file mappings of `ino` whose
/// bytes past each segment's p_filesz read as zero (the bss; Linux: elf_map() + padzero() +
/// the anonymous rest of the bss).  Overlapping segments share a page: the later one wins, as
/// Linux maps them over each other.
fn map_segments(
    m: &mut crate::mm::mm_types::MmInner,
    ino: &Arc<Inode>,
    segments: &[elf::Segment],
    bias: u64,
    file_size: u64,
) -> KResult<()> {
    for seg in segments {
        let vaddr = seg.vaddr.wrapping_add(bias);
        let start = page_align_down(vaddr as usize);
        let end = page_align_up((vaddr + seg.memsz) as usize);
        let mut flags = VmFlags::empty();
        if seg.prot.read {
            flags |= VmFlags::READ;
        }
        if seg.prot.write {
            flags |= VmFlags::WRITE;
        }
        if seg.prot.exec {
            flags |= VmFlags::EXEC;
        }
        // Linux's elf_map() does not look at the file's size: a segment past the end maps,
        // and touching a page there is SIGBUS (mm/memory.rs).
        let _ = file_size;
        let file_end = (vaddr + seg.filesz) as usize;
        // The nodes of the unmap's splits and of the new VMA (vma_prealloc.rs), ENOMEM.
        let _nodes = m.vma_prealloc(3)?;
        if !m.is_free(start, end) {
            m.munmap(start, end);
        }
        m.insert_vma(Vma {
            start,
            end,
            flags,
            backing: Backing::File { inode: ino.clone(), off: seg.map_offset() as usize, file_end },
        });
    }
    Ok(())
}

/// Linux: load_elf_binary()'s PT_INTERP step: open_exec() of the interpreter, elf_read() of
/// its header, its consistency checks and load_elf_phdrs().  The plan may still hold an error
/// Linux only meets after the point of no return (ExecError::Fatal).
fn open_interp(path: &[u8]) -> KResult<(Arc<Inode>, Result<elf::InterpPlan, Errno>)> {
    let iino = open_exec(AT_FDCWD, path, 0)?.inode;
    // Linux: do_open_execat()'s deny_write_access() (ETXTBSY while open for writing), given
    // back once the interpreter is mapped (allow_write_access()): nothing here can write it.
    iino.deny_write_access()?;
    iino.writecount.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
    let mut small = [0u8; HEADERS_SMALL];
    let big: Vec<u8>;
    let head: &[u8] = match read_headers(&iino, &mut small)? {
        Ok(n) => &small[..n],
        Err(v) => {
            big = v;
            &big
        }
    };
    let plan = match elf::inspect_interp(head) {
        Ok(p) => Ok(p),
        Err(e @ execimage::ExecError::Fatal(_)) => Err(exec_err(e)),
        Err(e) => return Err(exec_err(e)),
    };
    Ok((iino, plan))
}

/// Linux: load_elf_interp(): an ET_DYN interpreter is mapped where get_unmapped_area() puts
/// its whole image (below mmap_base), an ET_EXEC one at its own addresses.  Returns its base
/// (AT_BASE) and its entry point.
#[no_mangle]
#[inline(never)]
fn load_elf_interp(
    m: &mut crate::mm::mm_types::MmInner,
    ino: &Arc<Inode>,
    plan: &Result<elf::InterpPlan, Errno>,
) -> KResult<(usize, u64)> {
    let plan = plan.as_ref().map_err(|e| *e)?;
    let load_addr = if plan.e_type == elf::ET_DYN {
        let len = page_align_up(plan.total_size as usize);
        (m.get_unmapped_area(len)? as u64).wrapping_sub(plan.first_vaddr)
    } else {
        0
    };
    let entry = plan.check_at(load_addr, crate::mm::TASK_SIZE as u64).map_err(exec_err)?;
    map_segments(m, ino, &plan.segments, load_addr, ino.size() as u64)?;
    Ok((load_addr as usize, entry))
}

/// Linux: load_elf_binary()
#[no_mangle]
#[inline(never)]
pub(super) fn load_elf_binary(
    file: &BprmFile,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    filename: &[u8],
) -> KResult<usize> {
    let ino = &file.inode;
    let mut small = [0u8; HEADERS_SMALL];
    let big: Vec<u8>;
    let head: &[u8] = match read_headers(ino, &mut small)? {
        Ok(n) => &small[..n],
        Err(v) => {
            big = v;
            &big
        }
    };
    // Linux: PF_RANDOMIZE unless the personality has ADDR_NO_RANDOMIZE or randomize_va_space
    // is 0; with it a PIE program loads at ELF_ET_DYN_BASE + arch_mmap_rnd().
    let rva = crate::mm::memory::randomize_va_space();
    let randomizes = |personality: u32| personality & ADDR_NO_RANDOMIZE == 0 && rva != 0;
    // (read before the mm lock: the rlimits' lock ranks above it)
    let rlim_stack = current().signal.rlimit(crate::kernel::signal::RLIMIT_STACK);
    let old_personality = current().personality.load(Ordering::Relaxed);
    // Linux: setup_new_exec() -> arch_pick_mmap_layout(mm, &bprm->rlim_stack) comes before
    // the PT_LOADs are mapped: a static PIE is placed in the mmap area it chooses.
    let inspect = |randomize: bool, personality: u32| -> KResult<(elf::LoadPlan, MmapLayout)> {
        let layout = crate::mm::util::arch_pick_mmap_layout(personality, rlim_stack, randomize);
        let rnd = if randomize { crate::mm::util::arch_mmap_rnd() } else { 0 };
        let cfg = elf::LoadConfig {
            task_size: crate::mm::TASK_SIZE as u64,
            dyn_base: (crate::mm::ELF_ET_DYN_BASE + rnd) as u64,
            allow_interp: true,
            mmap: Some(elf::MmapArea { base: layout.base as u64, bottom_up: layout.legacy }),
        };
        Ok((elf::inspect(head, &cfg).map_err(exec_err)?, layout))
    };
    let mut randomize = randomizes(old_personality);
    let (mut plan, mut layout) = inspect(randomize, old_personality)?;
    // Linux: the PT_INTERP loop: open_exec(elf_interpreter) (ENOENT, EACCES, ...), its header
    // read (EIO), then the interpreter's consistency checks (ELIBBAD); the checks Linux makes
    // only after the point of no return are kept for load_elf_interp below.
    let interp = match plan.interp.as_deref() {
        Some(path) => Some(open_interp(path.as_bytes())?),
        None => None,
    };
    let file_size = ino.size() as u64;
    // Linux: begin_new_exec() -> bprm_creds_from_file(): the credentials the new image runs
    // with, computed before the point of no return (the initial stack's AT_* need them).
    let mut bprm = bprm_creds_from_file(file)?;
    // Linux decides PF_RANDOMIZE after begin_new_exec has cleared bprm->per_clear: a set-id
    // exec by a caller with ADDR_NO_RANDOMIZE is randomised after all, so its plan is remade.
    let new_personality = exec_personality(old_personality, bprm.per_clear);
    if randomizes(new_personality) != randomize
        || crate::mm::util::mmap_is_legacy(new_personality, rlim_stack)
            != crate::mm::util::mmap_is_legacy(old_personality, rlim_stack)
    {
        randomize = randomizes(new_personality);
        (plan, layout) = inspect(randomize, new_personality)?;
    }
    // Linux: would_dump(bprm, interpreter): an interpreter the caller cannot read makes the
    // new image undumpable too.
    if let Some((iino, _)) = &interp {
        bprm.nondump |= inode_permission(iino, MAY_READ).is_err();
    }
    let mm = MmStruct::new()?;
    // Linux: do_open_execat() -> deny_write_access(): ETXTBSY while open for writing.
    mm.set_exe(ino)?;
    if let Some(e) = plan.fatal {
        // Linux: a PT_LOAD or entry check of load_elf_binary() that fails after
        // begin_new_exec(): the old image is gone and bprm_execve()'s force_fatal_sig()
        // kills the task with SIGSEGV.
        let cur = current();
        begin_new_exec(&cur, mm, execfn, bprm);
        crate::kernel::signal::force_sig(crate::kernel::signal_types::SIGSEGV);
        return Err(Errno(e as i32));
    }
    let sp;
    let mut entry = plan.entry;
    let mut fatal = None;
    {
        let mut m = mm.inner.lock();
        // Linux: setup_new_exec() -> arch_pick_mmap_layout(mm, &bprm->rlim_stack).
        (m.mmap_base, m.mmap_legacy) = (layout.base, layout.legacy);
        map_segments(&mut m, ino, &plan.segments, 0, file_size)?;
        m.start_code = plan.start_code as usize;
        m.end_code = plan.end_code as usize;
        m.start_data = plan.start_data as usize;
        m.end_data = plan.end_data as usize;
        let mut brk = plan.brk_start() as usize;
        // Linux: a static PIE (ET_DYN without PT_INTERP) loads in the mmap area, so its brk
        // moves out of the way, to ELF_ET_DYN_BASE; otherwise, with randomize_va_space 2, brk
        // starts a page past .bss.  Either way it then lands anywhere in the next 1 GiB
        // (arch_randomize_brk).
        let brk_moved = plan.e_type == elf::ET_DYN && plan.interp.is_none();
        if brk_moved {
            // ELF_PAGEALIGN(ELF_ET_DYN_BASE): Linux's constant is not page-aligned
            brk = page_align_up((crate::mm::TASK_SIZE / 3) * 2);
        }
        if randomize && rva > 1 {
            brk = crate::mm::util::arch_randomize_brk(if brk_moved { brk } else { brk + PAGE_SIZE });
        }
        m.start_brk = brk;
        m.brk = brk;

        // Linux: setup_arg_pages(bprm, randomize_stack_top(STACK_TOP), ...): the stack, with
        // RLIMIT_STACK reserved below its top (Linux grows it on demand).
        let stack_top = crate::mm::util::randomize_stack_top(STACK_TOP, randomize);
        let stack_size = _STK_LIM as usize;
        let nodes = m.vma_prealloc(1)?;
        m.insert_vma(Vma {
            start: stack_top - stack_size,
            end: stack_top,
            flags: VmFlags::READ | VmFlags::WRITE | VmFlags::GROWSDOWN | VmFlags::STACK,
            backing: Backing::Anon,
        });
        drop(nodes);

        // Linux: load_elf_interp(): the interpreter at a base of its own, its entry the
        // image's first instruction; AT_BASE says where it is.
        let mut base = 0;
        if let Some((iino, iplan)) = &interp {
            match load_elf_interp(&mut m, iino, iplan) {
                Ok((b, e)) => (base, entry) = (b, e),
                Err(e) => fatal = Some(e),
            }
        }

        // The signal trampoline page (Linux: the vDSO's __vdso_rt_sigreturn): one page for
        // every mm, mapped private (Linux: the vdso VMA is private, so a 2 MiB region with it
        // in still shares its leaf table at fork; a write after mprotect copies the page).
        let vdso = m.get_unmapped_area(PAGE_SIZE)?;
        let nodes = m.vma_prealloc(1)?;
        m.insert_vma(Vma {
            start: vdso,
            end: vdso + PAGE_SIZE,
            flags: VmFlags::READ | VmFlags::EXEC,
            backing: Backing::Anon,
        });
        drop(nodes);
        let f = crate::mm::pgtable::PteFlags::V
            | crate::mm::pgtable::PteFlags::R
            | crate::mm::pgtable::PteFlags::X
            | crate::mm::pgtable::PteFlags::U
            | crate::mm::pgtable::PteFlags::A;
        crate::mm::memory::vm_insert_page(&mut m, vdso, vdso_page()?, f)?;

        // Linux: personality MMAP_PAGE_ZERO maps page 0 read and execute, as SVr4 did
        // (vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_FIXED | MAP_PRIVATE, 0)).
        // Below vm.mmap_min_addr that needs CAP_SYS_RAWIO of the new credentials
        // (cap_mmap_addr()); without it Linux ignores the error and maps nothing.
        let (c, ns) = (bprm.cred.as_ref().unwrap_or(&bprm.old), &bprm.old.user_ns);
        let rawio = ns.level == 0 && c.cap_effective.raised(crate::kernel::capability::CAP_SYS_RAWIO);
        if new_personality & MMAP_PAGE_ZERO != 0 && rawio && m.is_free(0, PAGE_SIZE) {
            let _nodes = m.vma_prealloc(1)?;
            m.insert_vma(Vma {
                start: 0,
                end: PAGE_SIZE,
                flags: VmFlags::READ | VmFlags::EXEC,
                backing: Backing::Anon,
            });
        }

        // Linux: create_elf_tables()
        let mut random = [0u8; 16];
        crate::drivers::char::random::get_random_bytes(&mut random);
        // (every allocation of the initial stack's image is fallible: ENOMEM, before the point
        // of no return; each is a fault-injection site)
        let mut argv_r: Vec<&[u8]> = crate::mm::util::kmalloc_array(argv.len(), ENOMEM)?;
        argv_r.extend(argv.iter().map(|a| a.as_slice()));
        let mut envp_r: Vec<&[u8]> = crate::mm::util::kmalloc_array(envp.len(), ENOMEM)?;
        envp_r.extend(envp.iter().map(|a| a.as_slice()));
        let mut b = stack::StackBuilder::new(stack_top as u64, &argv_r, &envp_r, execfn);
        b.should_fail = crate::mm::failslab::should_failslab;
        b.random = random;
        b.aux = stack::AuxInfo::default().with_plan(&plan);
        b.aux.base = base as u64;
        b.aux.minsigstksz = None;
        // Linux: create_elf_tables(): the ids of the new cred, and bprm->secureexec.
        let (c, ns) = (bprm.cred.as_ref().unwrap_or(&bprm.old), &bprm.old.user_ns);
        b.aux.uid = ns.from_kuid_munged(c.uid) as u64;
        b.aux.euid = ns.from_kuid_munged(c.euid) as u64;
        b.aux.gid = ns.from_kgid_munged(c.gid) as u64;
        b.aux.egid = ns.from_kgid_munged(c.egid) as u64;
        b.aux.secure = bprm.secureexec as u64;
        let st = b.build().map_err(exec_err)?;
        // Copy the image into the new mm's stack pages.
        let base = st.sp as usize;
        let mut off = 0;
        while off < st.data.len() {
            let va = base + off;
            let page_va = page_align_down(va);
            crate::mm::memory::handle_mm_fault(&mut m, va, crate::mm::memory::Access::Write)?;
            let pte = m.pgt.lookup(page_va).ok_or(ENOMEM)?;
            let pg = crate::mm::highmem::Page::get(pte.pfn()).ok_or(ENOMEM)?;
            let in_page = va - page_va;
            let n = (PAGE_SIZE - in_page).min(st.data.len() - off);
            pg.write(in_page, &st.data[off..off + n]);
            off += n;
        }
        m.start_stack = st.sp as usize;
        m.arg_start = st.arg_start as usize;
        m.arg_end = st.arg_end as usize;
        m.env_start = st.env_start as usize;
        m.env_end = st.env_end as usize;
        sp = st.sp as usize;
        m.vdso = vdso;
    }

    // ---- point of no return ----
    let cur = current();
    begin_new_exec(&cur, mm, execfn, bprm);
    if randomize {
        cur.flags.fetch_or(crate::kernel::task::PF_RANDOMIZE, Ordering::Relaxed);
    }
    let _ = filename;
    if let Some(e) = fatal {
        // Linux: bprm_execve(): a failure past the point of no return is a fatal SIGSEGV
        // (force_fatal_sig); the old image is gone.
        crate::kernel::signal::force_sig(crate::kernel::signal_types::SIGSEGV);
        return Err(e);
    }
    with_current_pt_regs(|regs| start_thread(regs, entry as usize, sp));
    crate::trace_point!(execve, cur.pid(), entry);
    crate::trace_event!(
        sched_process_exec,
        cur.pid(),
        crate::kernel::trace::comm_words(&cur.comm.lock()).0,
        crate::kernel::trace::comm_words(&cur.comm.lock()).1
    );
    Ok(0)
}
