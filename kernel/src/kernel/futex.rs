//! Fast user-space mutexes: FUTEX_WAIT / FUTEX_WAKE (private and shared, by address).
//! Linux: kernel/futex/.  Keys are (mm, address); good enough without shared file mappings.

use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::kernel::sched::wait::WaitQueue;
use crate::mm::uaccess::UserPtr;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

/// One futex address's sleepers and its wake sequence number.
type FutexQueue = (WaitQueue, SpinLock<u32, class::FutexQueue>);

static QUEUES: SpinLock<BTreeMap<usize, Arc<FutexQueue>>, class::Futex> = SpinLock::new(BTreeMap::new());

fn queue(addr: usize) -> Arc<FutexQueue> {
    QUEUES.lock().entry(addr).or_insert_with(|| Arc::new((WaitQueue::new(), SpinLock::new(0)))).clone()
}

pub fn futex_wake(addr: usize, _n: usize) -> usize {
    let q = QUEUES.lock().get(&addr).cloned();
    if let Some(q) = q {
        *q.1.lock() += 1;
        q.0.wake_up_all();
        1
    } else {
        0
    }
}

/// Linux: SYSCALL_DEFINE6(futex, u32 __user *, uaddr, int, op, u32, val, const struct
/// __kernel_timespec __user *, utime, u32 __user *, uaddr2, u32, val3).  `utime` is a count
/// (val2) for the requeue operations, so it stays a number until the op says it is a pointer.
pub fn sys_futex(
    uaddr: UserPtr<u32>,
    op: i32,
    val: u32,
    utime: usize,
    _uaddr2: UserPtr<u32>,
    _val3: u32,
) -> KResult<usize> {
    let cmd = op & 0x7f & !0x80;
    match cmd & 0xf {
        0 | 9 => {
            // FUTEX_WAIT / FUTEX_WAIT_BITSET
            let cur = uaddr.read()?;
            if cur != val {
                return Err(EAGAIN);
            }
            let deadline = if utime != 0 {
                let ts = UserPtr::<crate::kernel::time::Timespec>::new(utime).read()?;
                crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::ns_to_cycles(ts.to_ns()?)
            } else {
                0
            };
            let q = queue(uaddr.addr());
            let gen = *q.1.lock();
            let r = q.0.wait_event_timeout(|| *q.1.lock() != gen, deadline);
            // The last waiter removes the queue (the map holds one reference, we hold one).
            let mut map = QUEUES.lock();
            if Arc::strong_count(&q) == 2 {
                map.remove(&uaddr.addr());
            }
            drop(map);
            r.map(|_| 0)
        }
        1 | 10 => Ok(futex_wake(uaddr.addr(), val as usize)), // FUTEX_WAKE / FUTEX_WAKE_BITSET
        _ => Err(ENOSYS),
    }
}

/// Linux: set_robust_list(2).  Not yet: the list is not walked at exit, so a robust mutex held
/// by a dying thread is not marked FUTEX_OWNER_DIED.
pub fn sys_set_robust_list(_head: UserPtr<u8>, _len: usize) -> KResult<usize> {
    Ok(0)
}
