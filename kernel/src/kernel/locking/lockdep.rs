//! The lock-order check.  Linux: kernel/locking/lockdep.c (CONFIG_PROVE_LOCKING), reduced to
//! the rule MenuOS states in locking/mod.rs: ranks only rise, and nothing is held across
//! schedule().
//!
//! With the `lockdep` feature every SpinLock acquisition records (rank, subclass, name) on the
//! CPU's held-lock stack and checks it is above the top; a violation prints both locks and
//! the backtrace and panics.  One hart with interrupts off in kernel mode: one stack, and no
//! interrupt handler runs while a lock is held.  Without the feature these functions are not
//! called at all.

#[cfg(feature = "lockdep")]
mod imp {
    use core::sync::atomic::{AtomicBool, Ordering};

    const MAX_HELD: usize = 32;

    struct Held {
        /// (rank << 8 | subclass, class name, the lock's address)
        locks: [(u16, &'static str, usize); MAX_HELD],
        depth: usize,
    }

    // lockdep's own lock is a plain spin::Mutex: it is never held across anything else.
    static HELD: spin::Mutex<Held> = spin::Mutex::new(Held { locks: [(0, "", 0); MAX_HELD], depth: 0 });
    /// Set once a report is being printed: the oops path takes locks out of order by design.
    static OFF: AtomicBool = AtomicBool::new(false);

    fn report(what: core::fmt::Arguments) -> ! {
        OFF.store(true, Ordering::Relaxed);
        let held = HELD.lock();
        crate::pr_emerg!("======================================================");
        crate::pr_emerg!("WARNING: lock order violated (lockdep)");
        crate::pr_emerg!("{}", what);
        crate::pr_emerg!("locks held:");
        for (i, (key, name, addr)) in held.locks[..held.depth].iter().enumerate() {
            crate::pr_emerg!(" #{}: {} (rank {}, subclass {}) at {:#x}", i, name, key >> 8, key & 0xff, addr);
        }
        drop(held);
        crate::arch::riscv::stacktrace::dump_stack();
        panic!("lockdep: lock order violated");
    }

    /// Records an acquisition of (rank, sub) of the lock at `addr`; returns the key to release
    /// with.  Besides the order, it catches a lock taken again while held (Linux: "possible
    /// recursive locking detected"), which would spin for ever: lock_nested() with a higher
    /// subclass on the very same lock passes the rank check, so the address is checked too.
    pub fn acquire(rank: u8, sub: u8, name: &'static str, addr: usize) -> u16 {
        let key = ((rank as u16) << 8) | sub as u16;
        if OFF.load(Ordering::Relaxed) {
            return key;
        }
        let mut h = HELD.lock();
        if let Some(&(k, n, _)) = h.locks[..h.depth].iter().find(|l| l.2 == addr) {
            drop(h);
            report(format_args!(
                "recursive locking: taking {} (rank {}, subclass {}) at {:#x}, already held as {} (subclass {})",
                name,
                rank,
                sub,
                addr,
                n,
                k & 0xff
            ));
        }
        if h.depth > 0 {
            let (top, top_name, _) = h.locks[h.depth - 1];
            if key <= top {
                drop(h);
                report(format_args!(
                    "taking {} (rank {}, subclass {}) while holding {} (rank {}, subclass {}): ranks must rise",
                    name,
                    rank,
                    sub,
                    top_name,
                    top >> 8,
                    top & 0xff
                ));
            }
        }
        if h.depth == MAX_HELD {
            drop(h);
            report(format_args!("more than {} locks held taking {}", MAX_HELD, name));
        }
        let d = h.depth;
        h.locks[d] = (key, name, addr);
        h.depth += 1;
        key
    }

    /// A trylock that succeeded: recorded (so its release balances) but not checked.
    pub fn acquire_unchecked(rank: u8, name: &'static str, addr: usize) -> u16 {
        let key = (rank as u16) << 8;
        if OFF.load(Ordering::Relaxed) {
            return key;
        }
        let mut h = HELD.lock();
        if h.depth < MAX_HELD {
            let d = h.depth;
            h.locks[d] = (key, name, addr);
            h.depth += 1;
        }
        key
    }

    pub fn release(key: u16) {
        if OFF.load(Ordering::Relaxed) {
            return;
        }
        let mut h = HELD.lock();
        let d = h.depth;
        match h.locks[..d].iter().rposition(|&(k, _, _)| k == key) {
            Some(i) => {
                h.locks.copy_within(i + 1..d, i);
                h.depth -= 1;
            }
            None => {
                drop(h);
                report(format_args!("releasing a lock of rank {} that is not held", key >> 8));
            }
        }
    }

    /// Linux: schedule_debug()'s "scheduling while atomic": no lock may be held when a task
    /// gives up the CPU.
    pub fn assert_none_held(place: &str) {
        if OFF.load(Ordering::Relaxed) {
            return;
        }
        let h = HELD.lock();
        if h.depth != 0 {
            let name = h.locks[h.depth - 1].1;
            drop(h);
            report(format_args!("{}: sleeping while holding {}", place, name));
        }
    }
}

#[cfg(feature = "lockdep")]
pub use imp::*;

/// No-op without lockdep.
#[cfg(not(feature = "lockdep"))]
#[inline(always)]
pub fn assert_none_held(_place: &str) {}
