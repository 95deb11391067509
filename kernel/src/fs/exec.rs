//! execve / execveat and the ELF loader.  Linux: fs/exec.c (do_execveat_common, bprm_execve,
//! begin_new_exec, setup_new_exec), fs/binfmt_elf.c (load_elf_binary), fs/binfmt_script.c.
//! Parsing and the initial stack layout are the host-tested `execimage` crate.
//!
//! The new image is built in a fresh mm while the old one is untouched, so any failure
//! returns to the caller intact; only after the point of no return is the old mm released
//! (which also releases a vfork parent).

use super::inode::*;
use super::*;
use crate::arch::riscv::process::{start_thread, with_current_pt_regs};
use crate::kernel::task::{current, Task, PF_FORKNOEXEC};
use crate::mm::mm_types::{Backing, MmStruct, VmFlags, Vma};
use crate::mm::uaccess::{UserCStr, UserPtr};
use crate::mm::{page_align_down, page_align_up, PAGE_SIZE, STACK_TOP};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use execimage::{elf, script, stack};

/// Linux: MAX_ARG_STRLEN (32 pages) and MAX_ARG_STRINGS.
const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE;
const MAX_ARG_STRINGS: usize = 0x7FFF_FFFF;

fn exec_err(e: execimage::ExecError) -> Errno {
    Errno(e.errno() as i32)
}

/// Linux: get_user_arg_ptr() + copy_strings(): the NULL-terminated array at `uptr`.
fn copy_strings_from_user(uptr: UserPtr<UserCStr>) -> KResult<Vec<Vec<u8>>> {
    let mut v = Vec::new();
    if uptr.is_null() {
        return Ok(v);
    }
    let mut total = 0usize;
    for i in 0.. {
        if i >= MAX_ARG_STRINGS {
            return Err(E2BIG);
        }
        let p = uptr.add(i).read()?;
        if p.is_null() {
            break;
        }
        let s = p.read_bytes(MAX_ARG_STRLEN)?;
        total += s.len() + 1 + 8;
        // Linux: bprm_stack_limits(): a quarter of the 8 MiB stack rlimit.
        if total > 2 * 1024 * 1024 {
            return Err(E2BIG);
        }
        v.push(s);
    }
    Ok(v)
}

/// Linux: SYSCALL_DEFINE3(execve)
#[no_mangle]
#[inline(never)]
pub fn sys_execve(filename: UserCStr, argv: UserPtr<UserCStr>, envp: UserPtr<UserCStr>) -> KResult<usize> {
    let mut _t = crate::trace_func!(sys_execve);
    let path = filename.read_path()?;
    let argv = copy_strings_from_user(argv)?;
    let envp = copy_strings_from_user(envp)?;
    let r = do_execveat(AT_FDCWD, &path, argv, envp, 0);
    _t.ret_result(&r);
    r
}

/// Linux: SYSCALL_DEFINE5(execveat)
pub fn sys_execveat(
    fd: i32,
    filename: UserCStr,
    argv: UserPtr<UserCStr>,
    envp: UserPtr<UserCStr>,
    flags: i32,
) -> KResult<usize> {
    let flags = flags as u32;
    // Linux: getname_uflags() first (an empty name without AT_EMPTY_PATH is ENOENT), then
    // do_open_execat() checks the flags.
    let path = filename.read_path()?;
    if path.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(ENOENT);
    }
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(EINVAL);
    }
    let argv = copy_strings_from_user(argv)?;
    let envp = copy_strings_from_user(envp)?;
    do_execveat(fd, &path, argv, envp, flags)
}

fn open_exec(dirfd: i32, path: &str, flags: u32) -> KResult<Arc<Inode>> {
    let ino = if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(ENOENT);
        }
        fd_get(dirfd as u32)?.inode.clone().ok_or(EACCES)?
    } else {
        namei_at(dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    if let InodeKind::Symlink(_) = ino.kind {
        return Err(ELOOP);
    }
    // Linux: may_open() with MAY_EXEC: only regular files with an x bit.
    if !ino.is_reg() || ino.mode() & 0o111 == 0 {
        return Err(EACCES);
    }
    Ok(ino)
}

/// Linux: do_execveat_common() -> bprm_execve() -> exec_binprm() (with search_binary_handler
/// trying binfmt_script, then binfmt_elf, up to 5 levels of interpreters).
#[no_mangle]
#[inline(never)]
pub fn do_execveat(dirfd: i32, path: &str, mut argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, flags: u32) -> KResult<usize> {
    let mut ino = open_exec(dirfd, path, flags)?;
    let mut filename: Vec<u8> =
        if path.is_empty() { alloc::format!("/dev/fd/{}", dirfd).into_bytes() } else { path.as_bytes().to_vec() };
    let execfn = filename.clone();
    for depth in 0..=5 {
        let mut head = [0u8; elf::BINPRM_BUF_SIZE];
        let n = ino.read_at_raw(0, &mut head);
        let head = &head[..n];
        if script::is_script(head) {
            if depth == 5 {
                return Err(ELOOP);
            }
            // Linux: BINPRM_FLAGS_PATH_INACCESSIBLE — a script opened through a close-on-exec
            // fd cannot be reopened by its interpreter as /dev/fd/N.
            if depth == 0 && path.is_empty() {
                let cur = current();
                let files = cur.files.lock().clone().ok_or(EBADF)?;
                if files.get_entry(dirfd as usize)?.cloexec {
                    return Err(ENOENT);
                }
            }
            let sb = script::parse_shebang(head).map_err(exec_err)?;
            let args: Vec<&[u8]> = argv.iter().skip(1).map(|a| a.as_slice()).collect();
            let mut new = script::script_argv(&sb, &filename, &[]);
            new.extend(args.iter().map(|a| a.to_vec()));
            argv = new;
            let interp = core::str::from_utf8(&sb.interp).map_err(|_| ENOEXEC)?;
            ino = open_exec(AT_FDCWD, interp, 0)?;
            filename = sb.interp.clone();
            continue;
        }
        if elf::is_elf(head) {
            return load_elf_binary(&ino, &argv, &envp, &execfn, &filename);
        }
        return Err(ENOEXEC);
    }
    Err(ELOOP)
}

/// Linux: load_elf_binary()
#[no_mangle]
#[inline(never)]
fn load_elf_binary(
    ino: &Arc<Inode>,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    filename: &[u8],
) -> KResult<usize> {
    let plan = {
        let data = match &ino.kind {
            InodeKind::File(d) => d,
            _ => return Err(EACCES),
        };
        let d = data.lock();
        let cfg = elf::LoadConfig {
            task_size: crate::mm::TASK_SIZE as u64,
            dyn_base: crate::mm::ELF_ET_DYN_BASE as u64,
            allow_interp: false,
        };
        elf::inspect(d.as_slice(), &cfg).map_err(exec_err)?
    };
    let file_size = ino.size() as u64;
    let mm = MmStruct::new()?;
    // Linux: do_open_execat() -> deny_write_access(): ETXTBSY while open for writing.
    mm.set_exe(ino)?;
    let sp;
    {
        let mut m = mm.inner.lock();
        for seg in plan.segments.iter() {
            let start = seg.map_start() as usize;
            let end = page_align_up((seg.vaddr + seg.memsz) as usize);
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
            let file_end = (seg.vaddr + seg.filesz) as usize;
            if seg.offset + seg.filesz > file_size {
                return Err(EIO);
            }
            if !m.is_free(start, end) {
                // Overlapping segments share a page: Linux maps them over each other.
                m.munmap(start, end);
            }
            m.insert_vma(Vma {
                start,
                end,
                flags,
                backing: Backing::File { inode: ino.clone(), off: seg.map_offset() as usize, file_end },
            });
        }
        m.start_code = plan.start_code as usize;
        m.end_code = plan.end_code as usize;
        m.start_data = plan.start_data as usize;
        m.end_data = plan.end_data as usize;
        let brk = plan.brk_start() as usize;
        m.start_brk = brk;
        m.brk = brk;

        // The stack: RLIMIT_STACK reserved below STACK_TOP (Linux grows it on demand).
        let stack_size = 8 * 1024 * 1024;
        let stack_start = STACK_TOP - stack_size;
        m.insert_vma(Vma {
            start: stack_start,
            end: STACK_TOP,
            flags: VmFlags::READ | VmFlags::WRITE | VmFlags::GROWSDOWN | VmFlags::STACK,
            backing: Backing::Anon,
        });
        m.mmap_base = crate::mm::mmap::MMAP_BASE;

        // The signal trampoline page (Linux: the vDSO's __vdso_rt_sigreturn).
        let vdso = m.get_unmapped_area(PAGE_SIZE)?;
        let mut page = crate::mm::highmem::NewPage::alloc_zeroed()?;
        // li a7, 139 (rt_sigreturn); ecall
        page[0..4].copy_from_slice(&0x08b0_0893u32.to_le_bytes());
        page[4..8].copy_from_slice(&0x0000_0073u32.to_le_bytes());
        m.insert_vma(Vma {
            start: vdso,
            end: vdso + PAGE_SIZE,
            flags: VmFlags::READ | VmFlags::EXEC | VmFlags::SHARED,
            backing: Backing::Anon,
        });
        let f = crate::mm::pgtable::PteFlags::V
            | crate::mm::pgtable::PteFlags::R
            | crate::mm::pgtable::PteFlags::X
            | crate::mm::pgtable::PteFlags::U
            | crate::mm::pgtable::PteFlags::A;
        *m.pgt.walk(vdso, true)?.ok_or(ENOMEM)? = crate::mm::pgtable::Pte::new(page.into_pfn(), f);

        // Linux: create_elf_tables()
        let mut random = [0u8; 16];
        crate::kernel::sys::get_random_bytes(&mut random);
        let argv_r: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let envp_r: Vec<&[u8]> = envp.iter().map(|a| a.as_slice()).collect();
        let mut b = stack::StackBuilder::new(STACK_TOP as u64, &argv_r, &envp_r, execfn);
        b.random = random;
        b.aux = stack::AuxInfo::default().with_plan(&plan);
        b.aux.minsigstksz = None;
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

    // ---- point of no return (Linux: begin_new_exec) ----
    let cur = current();
    exec_mmap(&cur, mm);
    if let Some(files) = cur.files.lock().clone() {
        files.close_on_exec();
    }
    // Linux: flush_signal_handlers(): caught signals go back to SIG_DFL.
    let sh = cur.sighand.lock().clone();
    if Arc::strong_count(&sh) > 1 {
        let d = sh.dup();
        d.flush_handlers(false);
        *cur.sighand.lock() = d;
    } else {
        sh.flush_handlers(false);
    }
    *cur.sigaltstack.lock() = (0, 0, 2);
    cur.flags.fetch_and(!PF_FORKNOEXEC, Ordering::Relaxed);
    // Linux: __set_task_comm(kbasename(bprm->filename)): the file exec'd, a script's own
    // name rather than its interpreter's.
    cur.set_comm(execfn);
    let _ = filename;
    with_current_pt_regs(|regs| start_thread(regs, plan.entry as usize, sp));
    crate::trace_point!(execve, cur.pid(), plan.entry);
    crate::trace_event!(
        sched_process_exec,
        cur.pid(),
        crate::kernel::trace::comm_words(&cur.comm.lock()).0,
        crate::kernel::trace::comm_words(&cur.comm.lock()).1
    );
    Ok(0)
}

/// Linux: exec_mmap(): install the new mm, release the old one (mm_release: vfork parent,
/// clear_child_tid).
#[no_mangle]
#[inline(never)]
fn exec_mmap(cur: &Task, mm: Arc<MmStruct>) {
    crate::kernel::exit::mm_release(cur);
    let satp = mm.satp();
    let old = cur.set_mm(Some(mm));
    crate::arch::riscv::switch_mm(satp);
    drop(old);
}

/// The address of the signal-return trampoline in the current mm.
pub fn vdso_sigreturn(t: &Task) -> usize {
    t.mm.lock().as_ref().map_or(0, |m| m.inner.lock().vdso)
}

/// Linux: kernel_execve(): exec from the kernel (run_init_process).
#[no_mangle]
#[inline(never)]
pub fn kernel_execve(path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> KResult<usize> {
    do_execveat(AT_FDCWD, path, argv, envp, 0)
}
