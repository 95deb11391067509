//! panic() and the init-died message.  Linux: kernel/panic.c, kernel/exit.c.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

/// Linux: tainted_mask (/proc/sys/kernel/tainted): the TAINT_* flags set since boot.
pub static TAINTED_MASK: AtomicU64 = AtomicU64::new(0);

pub fn panicking() -> bool {
    PANICKING.load(Ordering::Relaxed)
}

/// Linux: oops_in_progress, raised by bust_spinlocks(1) in die() and handle_bad_stack(): the
/// code that oopsed may hold any lock (printk's, the heap's), so from here on printk only
/// tries its lock and the oops path allocates nothing.  The oops ends in panic().
static OOPS_IN_PROGRESS: AtomicBool = AtomicBool::new(false);

/// Linux: oops_begin() -> bust_spinlocks(1).
pub fn oops_begin() {
    OOPS_IN_PROGRESS.store(true, Ordering::SeqCst);
}

/// Whether an oops or a panic is being reported (printk must not wait for its lock).
pub fn oops_in_progress() -> bool {
    OOPS_IN_PROGRESS.load(Ordering::Relaxed) || panicking()
}

/// Linux: panic("Attempted to kill init! exitcode=0x%08x\n") from do_exit(): powers off
/// with the exit status as QEMU's failure code (0 stays 0: a clean init exit).
pub fn kill_init(code: i32) -> ! {
    crate::pr_emerg!("Kernel panic - not syncing: Attempted to kill init! exitcode=0x{:08x}", code);
    crate::pr_emerg!("---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x{:08x} ]---", code);
    crate::arch::riscv::sbi::shutdown(Some(if code == 0 { 1 } else { (code as u32 & 0xffff).max(1) }))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if PANICKING.swap(true, Ordering::SeqCst) {
        crate::arch::riscv::sbi::shutdown(Some(2));
    }
    // Linux: out_of_memory() with no victim ("Out of memory and no killable processes...",
    // then a panic): an infallible heap allocation failed after the OOM killer found no one.
    if crate::mm::oom_kill::no_killable_processes() {
        crate::pr_emerg!("Out of memory and no killable processes...");
    }
    crate::pr_emerg!("Kernel panic - not syncing: {}", info.message());
    if let Some(l) = info.location() {
        crate::pr_emerg!("  at {}:{}", l.file(), l.line());
    }
    crate::arch::riscv::stacktrace::dump_stack();
    crate::pr_emerg!("---[ end Kernel panic - not syncing: {} ]---", info.message());
    crate::arch::riscv::sbi::shutdown(Some(2))
}
