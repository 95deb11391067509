//! execve and execveat.  Linux: fs/exec.c (do_execveat_common, bprm_execve, exec_binprm,
//! open_exec, copy_strings, exec_mmap, begin_new_exec, kernel_execve, the syscalls).
//! The formats are fs/binfmt_script.rs (#!) and fs/binfmt_elf.rs; parsing and the initial
//! stack layout are the host-tested `execimage` crate.
//!
//! The new image is built in a fresh mm while the old one is untouched, so any failure
//! returns to the caller intact; only after the point of no return (begin_new_exec) is the
//! old mm released (which also releases a vfork parent).

use super::binfmt_elf::load_elf_binary;
use super::binfmt_script::load_script;
use super::file::fd_get;
use super::inode::*;
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::errno::*;
use crate::kernel::task::{current, Task, PF_FORKNOEXEC};
use crate::mm::mm_types::MmStruct;
use crate::mm::uaccess::{UserCStr, UserPtr};
use crate::mm::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use execimage::{elf, script};
use linux_raw_sys::general::{_STK_LIM, SS_DISABLE};

/// Linux: MAX_ARG_STRLEN (32 pages) and MAX_ARG_STRINGS.
const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE;
const MAX_ARG_STRINGS: usize = 0x7FFF_FFFF;
/// Linux: exec_binprm(): at most 5 levels of interpreters ("depth > 5" is ELOOP).
const MAX_BINPRM_DEPTH: usize = 5;

pub(super) fn exec_err(e: execimage::ExecError) -> Errno {
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
        // The string, its NUL and its pointer.
        total += s.len() + 1 + core::mem::size_of::<usize>();
        // Linux: bprm_stack_limits(): a quarter of the 8 MiB stack rlimit.
        if total > _STK_LIM as usize / 4 {
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

/// Linux: do_open_execat(): the file to run, a regular file with an x bit.
pub(super) fn open_exec(dirfd: i32, path: &str, flags: u32) -> KResult<Arc<Inode>> {
    let ino = if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(ENOENT);
        }
        fd_get(dirfd as u32)?.inode.clone().ok_or(EACCES)?
    } else {
        let p = super::namei::namei_path_at(dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        // Linux: do_open_execat(): nothing runs from a noexec mount.
        if super::namespace::path_noexec(&p) {
            return Err(EACCES);
        }
        p.inode
    };
    if let InodeKind::Symlink(_) = ino.kind {
        return Err(ELOOP);
    }
    // Linux: may_open() with MAY_EXEC: only regular files with an x bit.
    if !ino.is_reg() || ino.mode() & S_IXUGO == 0 {
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
    for depth in 0..=MAX_BINPRM_DEPTH {
        let mut head = [0u8; elf::BINPRM_BUF_SIZE];
        let n = ino.read_at_raw(0, &mut head);
        let head = &head[..n];
        if script::is_script(head) {
            if depth == MAX_BINPRM_DEPTH {
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
            (ino, filename) = load_script(head, &mut argv, &filename)?;
            continue;
        }
        if elf::is_elf(head) {
            return load_elf_binary(&ino, &argv, &envp, &execfn, &filename);
        }
        return Err(ENOEXEC);
    }
    Err(ELOOP)
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

/// Linux: begin_new_exec() + setup_new_exec(): the point of no return.  The new mm replaces
/// the old one; close-on-exec files are closed, caught signals go back to SIG_DFL, and the
/// task takes the name of the file exec'd.
#[no_mangle]
#[inline(never)]
pub(super) fn begin_new_exec(cur: &Task, mm: Arc<MmStruct>, execfn: &[u8]) {
    exec_mmap(cur, mm);
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
    *cur.sigaltstack.lock() = (0, 0, SS_DISABLE as i32);
    cur.flags.fetch_and(!PF_FORKNOEXEC, Ordering::Relaxed);
    // Linux: __set_task_comm(kbasename(bprm->filename)): the file exec'd, a script's own
    // name rather than its interpreter's.
    cur.set_comm(execfn);
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
