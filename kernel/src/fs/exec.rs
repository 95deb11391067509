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
use super::namei::{inode_ids, inode_permission, inode_permission_cred, MAY_EXEC, MAY_OPEN, MAY_READ};
use super::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::errno::*;
use crate::kernel::cred::{commit_creds, current_cred, task_cred, Cred, SUID_DUMPABLE};
use crate::kernel::task::{current, Task, PF_FORKNOEXEC, PF_NPROC_EXCEEDED};
use crate::kernel::ucount::RlimitType;
use crate::mm::mm_types::MmStruct;
use crate::mm::mm_types::SUID_DUMP_USER;
use crate::mm::uaccess::{UserCStr, UserPtr};
use crate::mm::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use credcheck::commoncap::{ExecCtx, ExecFile};
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
        crate::mm::slab::try_push(&mut v, s)?;
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
    // Linux: exec_binprm()'s old_vpid, the pid as the tracer's namespace numbers it.
    let old_vpid = crate::kernel::task::with_current(|c| {
        if c.ptrace.is_traced() {
            crate::kernel::ptrace::pid_in_tracer_ns(c)
        } else {
            0
        }
    });
    let r = do_execveat(AT_FDCWD, &path, argv, envp, 0);
    if r.is_ok() {
        crate::kernel::ptrace::ptrace_exec_notify(old_vpid);
    }
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
    // Linux: exec_binprm()'s old_vpid, the pid as the tracer's namespace numbers it.
    let old_vpid = crate::kernel::task::with_current(|c| {
        if c.ptrace.is_traced() {
            crate::kernel::ptrace::pid_in_tracer_ns(c)
        } else {
            0
        }
    });
    let r = do_execveat(fd, &path, argv, envp, flags);
    if r.is_ok() {
        crate::kernel::ptrace::ptrace_exec_notify(old_vpid);
    }
    r
}

/// The file exec runs (Linux: bprm->file), with what its mount allows.
pub(super) struct BprmFile {
    pub inode: Arc<Inode>,
    /// Linux: !mnt_may_suid(file->f_path.mnt): on a nosuid mount, set-id bits do not count.
    pub nosuid: bool,
}

/// Linux: do_open_execat(): the file to run — opened with MAY_EXEC | MAY_OPEN (may_open():
/// a directory is EACCES; inode_permission(): the caller's execute bit, and for root at
/// least one x bit), and a regular file.
pub(super) fn open_exec(dirfd: i32, path: &[u8], flags: u32) -> KResult<BprmFile> {
    let (ino, nosuid) = if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(ENOENT);
        }
        // (an open file does not record its mount in MenuOS: exec by fd cannot see noexec or
        // nosuid, a known gap)
        (fd_get(dirfd as u32)?.inode.clone().ok_or(EACCES)?, false)
    } else {
        let p = super::namei::namei_path_at(dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        // Linux: do_open_execat(): nothing runs from a noexec mount.
        if super::namespace::path_noexec(&p) {
            return Err(EACCES);
        }
        let nosuid = !super::namespace::mnt_may_suid(&p);
        (p.inode, nosuid)
    };
    if let InodeKind::Symlink(_) = ino.kind {
        return Err(ELOOP);
    }
    if ino.is_dir() {
        return Err(EACCES);
    }
    inode_permission(&ino, MAY_OPEN | MAY_EXEC)?;
    if !ino.is_reg() {
        return Err(EACCES);
    }
    Ok(BprmFile { inode: ino, nosuid })
}

/// The credential half of Linux's struct linux_binprm: the cred exec installs at the point
/// of no return, AT_SECURE, and whether the new image may be dumped.
pub(super) struct BprmCreds {
    /// The caller's cred (Linux: current_cred() while exec runs).
    pub old: Arc<Cred>,
    /// The new cred's data (Linux: bprm->cred); None when it is the caller's unchanged.
    pub cred: Option<credcheck::Cred>,
    /// Linux: bprm->secureexec
    pub secureexec: bool,
    /// Linux: BINPRM_FLAGS_ENFORCE_NONDUMP (would_dump(): the caller cannot read the file)
    pub nondump: bool,
    /// Linux: bprm->per_clear — a set-id exec clears PER_CLEAR_ON_SETID from the personality.
    pub per_clear: bool,
}

/// Linux: check_unsafe_exec()'s LSM_UNSAFE_SHARE: the fs_struct (root, cwd, umask) is shared
/// with a task outside the thread group (CLONE_FS), which could change the new image's view
/// of the tree behind its back.
fn fs_shared_outside_group(cur: &Task) -> bool {
    let Some(fs) = cur.fs.lock().clone() else { return false };
    // (one reference is ours, here; one is the task's)
    let users = Arc::strong_count(&fs) - 1;
    if users <= 1 {
        return false;
    }
    let tgid = cur.tgid();
    let n_fs = crate::kernel::pid::all_tasks()
        .iter()
        .filter(|t| t.tgid() == tgid && t.fs.lock().as_ref().is_some_and(|f| Arc::ptr_eq(f, &fs)))
        .count();
    users > n_fs
}

/// Linux: prepare_exec_creds() + bprm_creds_from_file() (bprm_fill_uid() and commoncap's
/// cap_bprm_creds_from_file(), the host-tested credcheck rules) + would_dump(), for the file
/// that will run (a script's interpreter: Linux ignores set-id bits on scripts).
pub(super) fn bprm_creds_from_file(file: &BprmFile) -> KResult<BprmCreds> {
    let ino: &Inode = &file.inode;
    let cur = current();
    let old = current_cred();
    let ids = inode_ids(ino);
    let root = old.root_uid();
    let nondump = inode_permission_cred(&old, ino, MAY_READ).is_err();
    if credcheck::commoncap::exec_keeps_creds(&old, ids.mode, root) {
        return Ok(BprmCreds { cred: None, secureexec: false, nondump, per_clear: false, old });
    }
    let f = ExecFile {
        mode: ids.mode,
        uid: ids.uid,
        gid: ids.gid,
        exec_ok: inode_permission_cred(&old, ino, MAY_EXEC).is_ok(),
        ids_mapped: old.user_ns.kuid_has_mapping(ids.uid) && old.user_ns.kgid_has_mapping(ids.gid),
        nosuid: file.nosuid,
    };
    let mut ctx = ExecCtx { no_new_privs: cur.no_new_privs.load(Ordering::Relaxed), unsafe_share: false };
    let err = |e: credcheck::Errno| Errno(e as i32);
    let mut r = credcheck::commoncap::bprm_creds_from_file(&old, &f, &ctx, root).map_err(err)?;
    if r.elevates && !ctx.no_new_privs && fs_shared_outside_group(&cur) {
        ctx.unsafe_share = true;
        r = credcheck::commoncap::bprm_creds_from_file(&old, &f, &ctx, root).map_err(err)?;
    }
    Ok(BprmCreds { cred: Some(r.cred), secureexec: r.secureexec, nondump, per_clear: r.per_clear, old })
}

/// Linux: do_execveat_common() -> bprm_execve() -> exec_binprm() (with search_binary_handler
/// trying binfmt_script, then binfmt_elf, up to 5 levels of interpreters).
#[no_mangle]
#[inline(never)]
pub fn do_execveat(dirfd: i32, path: &[u8], mut argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, flags: u32) -> KResult<usize> {
    // Linux: a set*uid that left the user over RLIMIT_NPROC (PF_NPROC_EXCEEDED) makes the
    // next execve fail, if the user is still over it.
    let cur = current();
    if cur.has_flag(PF_NPROC_EXCEEDED) {
        let over = task_cred(&cur)
            .ucounts
            .is_rlimit_overlimit(RlimitType::Nproc, cur.signal.rlimit(crate::kernel::signal::RLIMIT_NPROC));
        if over {
            return Err(EAGAIN);
        }
        cur.flags.fetch_and(!PF_NPROC_EXCEEDED, Ordering::Relaxed);
    }
    drop(cur);
    let mut file = open_exec(dirfd, path, flags)?;
    // Linux: alloc_bprm(): bprm->filename (kasprintf "/dev/fd/%d" for an empty path) and
    // bprm->fdpath: ENOMEM.
    let mut filename: Vec<u8> = if path.is_empty() {
        // ("/dev/fd/" and an i32: 19 bytes, reserved first, so the write cannot grow it)
        let mut s = crate::mm::slab::try_string("/dev/fd/-2147483648")?;
        s.clear();
        let _ = core::fmt::Write::write_fmt(&mut s, format_args!("/dev/fd/{}", dirfd));
        s.into_bytes()
    } else {
        crate::mm::slab::try_vec_from_slice(path)?
    };
    let execfn = crate::mm::slab::try_vec_from_slice(&filename)?;
    for depth in 0..=MAX_BINPRM_DEPTH {
        let mut head = [0u8; elf::BINPRM_BUF_SIZE];
        let n = file.inode.read_at_raw(0, &mut head);
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
            (file, filename) = load_script(head, &mut argv, &filename)?;
            continue;
        }
        if elf::is_elf(head) {
            return load_elf_binary(&file, &argv, &envp, &execfn, &filename);
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
    crate::kernel::exit::exec_mm_release(cur);
    crate::kernel::rseq::rseq_execve(cur);
    if let Some(old) = cur.mm.lock().as_ref() {
        mm.inherit_flags(old, true);
    }
    let satp = mm.satp();
    let old = cur.set_mm(Some(mm));
    crate::arch::riscv::switch_mm(satp);
    drop(old);
}

/// Linux: begin_new_exec() + setup_new_exec(): the point of no return.  The new mm replaces
/// the old one; close-on-exec files are closed, caught signals go back to SIG_DFL, the task
/// takes the name of the file exec'd, and the new credentials are committed.
#[no_mangle]
#[inline(never)]
pub(super) fn begin_new_exec(cur: &Task, mm: Arc<MmStruct>, execfn: &[u8], bprm: BprmCreds) {
    // Linux: dumpable as the caller's current ids say (not the new ones: "userspace depends
    // on it"), and never for a file the caller could not read.
    // (After exec_mmap, which gives the new mm the old one's MMF_INIT_MASK flags.)
    let same_ids = bprm.old.euid == bprm.old.uid && bprm.old.egid == bprm.old.gid;
    let dumpable = if bprm.nondump || !same_ids { SUID_DUMPABLE } else { SUID_DUMP_USER };
    exec_mmap(cur, mm.clone());
    mm.set_dumpable(dumpable);
    if let Some(files) = cur.files.lock().clone() {
        files.close_on_exec();
    }
    // Linux: flush_signal_handlers(): caught signals go back to SIG_DFL.  A table another
    // task shares (CLONE_SIGHAND: the task's reference and this clone are two) is copied
    // first (Linux: de_thread()'s unshare_sighand()); a table of its own is reset in place.
    let sh = cur.sighand.lock().clone();
    if Arc::strong_count(&sh) > 2 {
        // (past the point of no return: Linux's unshare_sighand() failing here kills the task;
        // this allocation is one of the infallible ones, which abort instead)
        let d = sh.dup_nofail();
        d.flush_handlers(false);
        *cur.sighand.lock() = d;
    } else {
        sh.flush_handlers(false);
    }
    *cur.sigaltstack.lock() = (0, 0, SS_DISABLE as i32);
    // Linux: exit_itimers(): the POSIX timers do not survive exec (the itimers do).
    crate::kernel::time::posix_timers::exit_itimers(&cur.signal);
    // Linux: begin_new_exec(): `me->flags &= ~(PF_RANDOMIZE | PF_FORKNOEXEC | ...)` (the
    // loader sets PF_RANDOMIZE again), and `me->personality &= ~bprm->per_clear` with
    // SET_PERSONALITY.
    cur.flags.fetch_and(!(PF_FORKNOEXEC | crate::kernel::task::PF_RANDOMIZE), Ordering::Relaxed);
    let p = cur.personality.load(Ordering::Relaxed);
    cur.personality.store(crate::kernel::exec_domain::exec_personality(p, bprm.per_clear), Ordering::Relaxed);
    // Linux: a secure exec cannot be signalled by its parent's death.
    if bprm.secureexec {
        cur.pdeath_signal.store(0, Ordering::Relaxed);
    }
    // Linux: __set_task_comm(kbasename(bprm->filename)): the file exec'd, a script's own
    // name rather than its interpreter's.
    cur.set_comm(execfn);
    // Linux: commit_creds(bprm->cred) — cannot fail.  (An exec that changes nothing, as
    // most do, keeps the cred it has: the same content, without a copy.)
    if let Some(c) = bprm.cred.filter(|c| *c != **bprm.old) {
        let new = bprm.old.with(c);
        drop(bprm.old);
        let _ = commit_creds(new);
    }
}

/// The address of the signal-return trampoline in the current mm.
pub fn vdso_sigreturn(t: &Task) -> usize {
    t.mm.lock().as_ref().map_or(0, |m| m.inner.lock().vdso)
}

/// Linux: kernel_execve(): exec from the kernel (run_init_process).
#[no_mangle]
#[inline(never)]
pub fn kernel_execve(path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> KResult<usize> {
    do_execveat(AT_FDCWD, path.as_bytes(), argv, envp, 0)
}
