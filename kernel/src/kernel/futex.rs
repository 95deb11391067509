//! Fast user-space mutexes: FUTEX_WAIT / FUTEX_WAKE (private and shared, by address).
//! Linux: kernel/futex/.  Keys are (mm, address); good enough without shared file mappings.

use crate::errno::*;
use crate::kernel::sched::wait::WaitQueue;
use crate::mm::uaccess::read_user;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use spin::Mutex;

static QUEUES: Mutex<BTreeMap<usize, Arc<(WaitQueue, Mutex<u32>)>>> = Mutex::new(BTreeMap::new());

fn queue(addr: usize) -> Arc<(WaitQueue, Mutex<u32>)> {
    QUEUES.lock().entry(addr).or_insert_with(|| Arc::new((WaitQueue::new(), Mutex::new(0)))).clone()
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

pub fn sys_futex(uaddr: usize, op: usize, val: usize, timeout: usize, _uaddr2: usize, _val3: usize) -> KResult<usize> {
    let cmd = op & 0x7f & !0x80;
    match cmd & 0xf {
        0 | 9 => {
            // FUTEX_WAIT / FUTEX_WAIT_BITSET
            let cur: u32 = read_user(uaddr)?;
            if cur != val as u32 {
                return Err(EAGAIN);
            }
            let deadline = if timeout != 0 {
                let ts: crate::kernel::time::Timespec = read_user(timeout)?;
                crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::ns_to_cycles(ts.to_ns()?)
            } else {
                0
            };
            let q = queue(uaddr);
            let gen = *q.1.lock();
            let r = q.0.wait_event_timeout(|| *q.1.lock() != gen, deadline);
            // The last waiter removes the queue (the map holds one reference, we hold one).
            let mut map = QUEUES.lock();
            if Arc::strong_count(&q) == 2 {
                map.remove(&uaddr);
            }
            drop(map);
            r.map(|_| 0)
        }
        1 | 10 => Ok(futex_wake(uaddr, val)), // FUTEX_WAKE / FUTEX_WAKE_BITSET
        _ => Err(ENOSYS),
    }
}
