use linux_raw_sys::errno::{E2BIG, EAGAIN, EINVAL, ENOMSG, ERANGE};
use std::collections::BTreeSet;
use sysvipc::*;

#[test]
fn ids_increase_then_wrap_with_a_new_sequence() {
    let mut a = IdAllocator::default();
    let mut used = BTreeSet::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (idx, id) = a.alloc(used.len() as u32, |i| used.contains(&i)).unwrap();
        used.insert(idx);
        ids.push(id);
    }
    assert_eq!(ids, vec![0, 1, 2]);
    // free 1: the cursor moves on, 3 is next
    used.remove(&1);
    assert_eq!(a.alloc(used.len() as u32, |i| used.contains(&i)), Some((3, 3)));
    used.insert(3);
    // one object made and removed over and over: the index runs to the end of the 64-index
    // cycle, then wraps with the next sequence number
    let mut used = BTreeSet::new();
    let mut a = IdAllocator::default();
    for i in 0..64 {
        assert_eq!(a.alloc(used.len() as u32, |i| used.contains(&i)), Some((i, i as i32)));
    }
    let (idx, id) = a.alloc(0, |_| false).unwrap();
    assert_eq!(idx, 0);
    assert_eq!(id, 1 << IPCMNI_SHIFT);
    used.insert(0);
    let (idx, id) = a.alloc(1, |i| used.contains(&i)).unwrap();
    assert_eq!(idx, 1);
    assert_eq!(id, (1 << IPCMNI_SHIFT) + 1);
    assert_eq!(id_to_idx(id), 1);
    assert_eq!(id_to_seq(id), 1);
}

#[test]
fn id_at() {
    let mut a = IdAllocator::default();
    assert_eq!(a.alloc_at(32768 + 5, |_| false), Some((5, 32773)));
    assert_eq!(a.alloc_at(5, |i| i == 5), None);
}

#[test]
fn perms() {
    let p = PermCheck { mode: 0o640, uid: 1000, cuid: 1000, euid: 1000, in_group: false };
    assert!(ipcperms(&p, 0o444));
    assert!(ipcperms(&p, 0o222));
    let other = PermCheck { euid: 2000, ..p };
    assert!(!ipcperms(&other, 0o444));
    let group = PermCheck { euid: 2000, in_group: true, ..p };
    assert!(ipcperms(&group, 0o444));
    assert!(!ipcperms(&group, 0o222));
    assert!(ipcperms(&other, 0));
}

fn op(n: u16, o: i16, f: i16) -> SemBuf {
    SemBuf { sem_num: n, sem_op: o, sem_flg: f }
}

#[test]
fn semop_all_or_nothing() {
    let mut v = vec![1, 0];
    let mut adj = vec![0, 0];
    assert_eq!(semop(&mut v, &mut adj, &[op(0, -1, 0), op(1, -1, 0)]), Ok(SemopResult::Block(1)));
    assert_eq!(v, vec![1, 0]);
    assert_eq!(semop(&mut v, &mut adj, &[op(0, -1, 0), op(1, -1, IPC_NOWAIT)]), Err(EAGAIN));
    assert_eq!(v, vec![1, 0]);
    assert_eq!(semop(&mut v, &mut adj, &[op(1, 0, 0), op(0, -1, SEM_UNDO)]), Ok(SemopResult::Done));
    assert_eq!(v, vec![0, 0]);
    assert_eq!(adj, vec![1, 0]);
    // wait-for-zero blocks on a non-zero value
    assert_eq!(semop(&mut [3], &mut [0], &[op(0, 0, 0)]), Ok(SemopResult::Block(0)));
    // the same semaphore twice: in order
    let mut v = vec![0];
    assert_eq!(semop(&mut v, &mut [0], &[op(0, 1, 0), op(0, -1, 0)]), Ok(SemopResult::Done));
    assert_eq!(v, vec![0]);
}

#[test]
fn semop_ranges() {
    let mut v = vec![SEMVMX];
    assert_eq!(semop(&mut v, &mut [0], &[op(0, 1, 0)]), Err(ERANGE));
    let mut adj = vec![-SEMAEM - 1];
    assert_eq!(semop(&mut [5], &mut adj, &[op(0, 1, SEM_UNDO)]), Err(ERANGE));
    assert_eq!(adj, vec![-SEMAEM - 1]);
    // a failed operation after applied ones rolls them back
    let mut v = vec![0, SEMVMX];
    let mut adj = vec![0, 0];
    assert_eq!(semop(&mut v, &mut adj, &[op(0, 2, SEM_UNDO), op(1, 1, 0)]), Err(ERANGE));
    assert_eq!((v, adj), (vec![0, SEMVMX], vec![0, 0]));
    assert_eq!(semop_nsops_check(0, 500), Err(EINVAL));
    assert_eq!(semop_nsops_check(501, 500), Err(E2BIG));
    assert_eq!(semop_nsops_check(500, 500), Ok(()));
}

#[test]
fn msg_search() {
    let q = [5, 3, 7, 3, 1];
    assert_eq!(find_msg(&q, convert_mode(0, 0)), Ok(0));
    assert_eq!(find_msg(&q, convert_mode(3, 0)), Ok(1));
    assert_eq!(find_msg(&q, convert_mode(4, 0)), Err(ENOMSG));
    assert_eq!(find_msg(&q, convert_mode(5, MSG_EXCEPT)), Ok(1));
    assert_eq!(find_msg(&q, convert_mode(-4, 0)), Ok(4));
    assert_eq!(find_msg(&[5, 3, 7, 3], convert_mode(-4, 0)), Ok(1));
    assert_eq!(find_msg(&q, convert_mode(i64::MIN, 0)), Ok(4));
    assert_eq!(find_msg(&q, convert_mode(2, MSG_COPY)), Ok(2));
    assert_eq!(find_msg(&q, convert_mode(5, MSG_COPY)), Err(ENOMSG));
    assert_eq!(find_msg(&[], convert_mode(0, 0)), Err(ENOMSG));
    assert_eq!(msgrcv_check(-1, 0, 0), Err(EINVAL));
    assert_eq!(msgrcv_check(0, -1, 0), Err(EINVAL));
    assert_eq!(msgrcv_check(0, 8, MSG_COPY), Err(EINVAL));
    assert_eq!(msgrcv_check(0, 8, MSG_COPY | IPC_NOWAIT as i32 | MSG_EXCEPT), Err(EINVAL));
    assert_eq!(msgrcv_check(0, 8, MSG_COPY | IPC_NOWAIT as i32), Ok(()));
}
