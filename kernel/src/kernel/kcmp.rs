//! kcmp(2): do two processes share a kernel object?  Linux: kernel/kcmp.c (kptr_obfuscate,
//! kcmp_ptr, get_file_raw_ptr, kcmp_epoll_target, SYSCALL_DEFINE5(kcmp)),
//! include/uapi/linux/kcmp.h.
//!
//! The objects are compared by address, through an obfuscation (a random xor and multiplier
//! per type, chosen at first use as Linux does at boot) so that the order says nothing about
//! the addresses: 0 for the same object, 1 or 2 for different ones by their obfuscated order.

use crate::errno::*;
use crate::fs::File;
use crate::kernel::pid::find_task_by_vpid;
use crate::kernel::task::TaskStruct;
use crate::mm::uaccess::UserPtr;
use alloc::sync::Arc;

// Linux: enum kcmp_type (include/uapi/linux/kcmp.h).
const KCMP_FILE: i32 = 0;
const KCMP_VM: i32 = 1;
const KCMP_FILES: i32 = 2;
const KCMP_FS: i32 = 3;
const KCMP_SIGHAND: i32 = 4;
const KCMP_IO: i32 = 5;
const KCMP_SYSVSEM: i32 = 6;
const KCMP_EPOLL_TFD: i32 = 7;
const KCMP_TYPES: usize = 8;

crate::user_pod! {
    /// Linux: struct kcmp_epoll_slot.
    #[derive(Clone, Copy)]
    pub struct KcmpEpollSlot {
        pub efd: u32,
        pub tfd: u32,
        pub toff: u32,
    }
}

/// Linux: cookies[KCMP_TYPES][2] — per type, an xor and an odd multiplier with the top bit set.
static COOKIES: spin::Once<[[u64; 2]; KCMP_TYPES]> = spin::Once::new();

fn cookies() -> [[u64; 2]; KCMP_TYPES] {
    *COOKIES.call_once(|| {
        let mut bytes = [0u8; KCMP_TYPES * 16];
        crate::drivers::char::random::get_random_bytes(&mut bytes);
        let mut k = [[0u64; 2]; KCMP_TYPES];
        for (i, pair) in k.iter_mut().enumerate() {
            for (j, v) in pair.iter_mut().enumerate() {
                let o = (i * 2 + j) * 8;
                *v = u64::from_ne_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
            }
            pair[1] |= (!(!0u64 >> 1)) | 1;
        }
        k
    })
}

/// Linux: kptr_obfuscate().
fn kptr_obfuscate(v: usize, ty: usize, c: &[[u64; 2]; KCMP_TYPES]) -> i64 {
    ((v as u64 ^ c[ty][0]).wrapping_mul(c[ty][1])) as i64
}

/// Linux: kcmp_ptr(): 0 equal, 1 if the first is lower, 2 if higher (after obfuscation).
fn kcmp_ptr(v1: usize, v2: usize, ty: i32) -> usize {
    let c = cookies();
    let (t1, t2) = (kptr_obfuscate(v1, ty as usize, &c), kptr_obfuscate(v2, ty as usize, &c));
    (t1 < t2) as usize | (((t1 > t2) as usize) << 1)
}

fn arc_addr<T>(a: &Option<Arc<T>>) -> usize {
    a.as_ref().map_or(0, |x| Arc::as_ptr(x) as usize)
}

/// Linux: get_file_raw_ptr(): the file at `idx` in the task's table (an unsigned int there:
/// the index is cut to 32 bits).
fn get_file_raw_ptr(t: &TaskStruct, idx: usize) -> Option<Arc<File>> {
    let files = t.files.lock().clone()?;
    files.get(idx as u32 as usize).ok()
}

/// Linux: kcmp_epoll_target(): the file at `idx1` of task 1 against the target of task 2's
/// epoll item named by the slot (EBADF for closed fds, EINVAL when `efd` is no epoll, ENOENT
/// without such an item).
fn kcmp_epoll_target(t1: &TaskStruct, t2: &TaskStruct, idx1: usize, uslot: UserPtr<KcmpEpollSlot>) -> KResult<usize> {
    let slot = uslot.read()?;
    let filp = get_file_raw_ptr(t1, idx1).ok_or(EBADF)?;
    let ep = get_file_raw_ptr(t2, slot.efd as usize).ok_or(EBADF)?;
    let tgt = crate::fs::eventpoll::get_epoll_tfile(&ep, slot.tfd as i32, slot.toff as usize)?;
    Ok(kcmp_ptr(Arc::as_ptr(&filp) as usize, Arc::as_ptr(&tgt) as usize, KCMP_FILE))
}

/// Linux: SYSCALL_DEFINE5(kcmp): ESRCH unless both pids name tasks; EBADF for a file index
/// with no file; EINVAL for an unknown type; EPERM unless the caller may read both tasks'
/// details (ptrace_may_access(PTRACE_MODE_READ_REALCREDS)).  KCMP_IO and KCMP_SYSVSEM compare objects MenuOS does not have
/// (Linux's io_context and SysV semaphore undo list, NULL until used): equal.
pub fn sys_kcmp(pid1: i32, pid2: i32, ty: i32, idx1: usize, idx2: usize) -> KResult<usize> {
    let t1 = find_task_by_vpid(pid1).ok_or(ESRCH)?;
    let t2 = find_task_by_vpid(pid2).ok_or(ESRCH)?;
    {
        use crate::kernel::ptrace::{ptrace_may_access, PTRACE_MODE_READ_REALCREDS};
        if !ptrace_may_access(&t1, PTRACE_MODE_READ_REALCREDS) || !ptrace_may_access(&t2, PTRACE_MODE_READ_REALCREDS) {
            return Err(EPERM);
        }
    }
    match ty {
        KCMP_FILE => {
            let f1 = get_file_raw_ptr(&t1, idx1);
            let f2 = get_file_raw_ptr(&t2, idx2);
            match (f1, f2) {
                (Some(a), Some(b)) => Ok(kcmp_ptr(Arc::as_ptr(&a) as usize, Arc::as_ptr(&b) as usize, ty)),
                _ => Err(EBADF),
            }
        }
        KCMP_VM => {
            let a = arc_addr(&t1.mm.lock().clone());
            let b = arc_addr(&t2.mm.lock().clone());
            Ok(kcmp_ptr(a, b, ty))
        }
        KCMP_FILES => {
            let a = arc_addr(&t1.files.lock().clone());
            let b = arc_addr(&t2.files.lock().clone());
            Ok(kcmp_ptr(a, b, ty))
        }
        KCMP_FS => {
            let a = arc_addr(&t1.fs.lock().clone());
            let b = arc_addr(&t2.fs.lock().clone());
            Ok(kcmp_ptr(a, b, ty))
        }
        KCMP_SIGHAND => {
            let a = Arc::as_ptr(&t1.sighand.lock().clone()) as usize;
            let b = Arc::as_ptr(&t2.sighand.lock().clone()) as usize;
            Ok(kcmp_ptr(a, b, ty))
        }
        KCMP_IO | KCMP_SYSVSEM => Ok(kcmp_ptr(0, 0, ty)),
        KCMP_EPOLL_TFD => kcmp_epoll_target(&t1, &t2, idx1, UserPtr::new(idx2)),
        _ => Err(EINVAL),
    }
}
