use pidmap::*;

#[test]
fn sequential_from_one() {
    let mut m = PidMap::default();
    assert_eq!(m.pid_max(), 32768);
    assert_eq!(m.cursor(), 0);
    for i in 1..=10 {
        assert_eq!(m.alloc(), Ok(i));
    }
    assert_eq!(m.cursor(), 11);
    assert_eq!(m.allocated(), 10);
    // freeing does not make the allocator go back
    assert!(m.free(3));
    assert!(!m.free(3));
    assert!(!m.free(0));
    assert!(!m.free(1_000_000));
    assert_eq!(m.alloc(), Ok(11));
    assert!(!m.is_allocated(3));
    assert!(m.is_allocated(11));
}

#[test]
fn wrap_restarts_at_reserved() {
    let mut m = PidMap::new(1000);
    for i in 1..1000 {
        assert_eq!(m.alloc(), Ok(i));
    }
    assert_eq!(m.alloc(), Err(11)); // EAGAIN: full

    // free some low and some above RESERVED_PIDS
    m.free(5);
    m.free(299);
    m.free(300);
    m.free(700);
    m.free(701);
    // wrap: search restarts at 300, low pids are not reused
    assert_eq!(m.alloc(), Ok(300));
    assert_eq!(m.alloc(), Ok(700));
    assert_eq!(m.alloc(), Ok(701));
    assert_eq!(m.alloc(), Err(11));
    assert!(!m.is_allocated(5) && !m.is_allocated(299));
    // cursor continues after the last handed out pid
    m.free(900);
    m.free(400);
    assert_eq!(m.alloc(), Ok(900));
    assert_eq!(m.alloc(), Ok(400));
}

#[test]
fn low_pids_reused_before_cursor_passes_reserved() {
    let mut m = PidMap::new(1000);
    for _ in 0..5 {
        m.alloc().unwrap();
    }
    m.free(2);
    // cursor 6 <= 300: search from 6 upward first
    assert_eq!(m.alloc(), Ok(6));
    // set cursor to pid_max: wraps to start 1 while cursor <= 300? cursor > 300 here
    m.set_cursor(1000);
    assert_eq!(m.alloc(), Ok(300));
    m.set_cursor(250);
    assert_eq!(m.alloc(), Ok(250));
}

#[test]
fn exhaustion_small_range() {
    let mut m = PidMap::new(301); // the smallest pid_max
    for i in 1..301 {
        assert_eq!(m.alloc(), Ok(i));
    }
    assert_eq!(m.alloc(), Err(11));
    assert_eq!(m.allocated(), 300);
    m.free(300);
    assert_eq!(m.alloc(), Ok(300));
    m.free(17);
    // cursor is 301 > 300: the low bound is 300, 17 cannot be reused
    assert_eq!(m.alloc(), Err(11));
}

#[test]
fn alloc_at_set_tid() {
    let mut m = PidMap::default();
    assert_eq!(m.alloc_at(1), Ok(1));
    assert_eq!(m.alloc_at(1), Err(17)); // EEXIST
    assert_eq!(m.alloc_at(0), Err(22));
    assert_eq!(m.alloc_at(32768), Err(22));
    assert_eq!(m.alloc_at(500), Ok(500));
    assert_eq!(m.cursor(), 0); // cursor untouched
    assert_eq!(m.alloc(), Ok(2));
}

#[test]
fn pid_max_changes() {
    let mut m = PidMap::new(1000);
    assert_eq!(m.set_pid_max(300), Err(22));
    assert_eq!(m.set_pid_max(PID_MAX_LIMIT + 1), Err(22));
    assert_eq!(m.set_pid_max(5000), Ok(()));
    m.set_cursor(4000);
    assert_eq!(m.alloc(), Ok(4000));
    assert_eq!(m.set_pid_max(400), Ok(()));
    assert!(m.is_allocated(4000));
    assert_eq!(m.alloc(), Ok(300)); // cursor 4001 past max: wrap to 300
    assert!(m.free(4000));
    assert_eq!(PidMap::new(5).pid_max(), 301);
}

#[test]
fn full_default_range_is_fast() {
    let mut m = PidMap::default();
    for i in 1..32768 {
        assert_eq!(m.alloc(), Ok(i));
    }
    assert_eq!(m.alloc(), Err(11));
    for p in (300..32768).step_by(2) {
        m.free(p);
    }
    let mut n = 0;
    while m.alloc().is_ok() {
        n += 1;
    }
    assert_eq!(n, (32768 - 300) / 2);
}
