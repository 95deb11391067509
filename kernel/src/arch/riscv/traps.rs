//! Trap dispatch: syscalls, page faults, interrupts, and faults that become signals or oopses.
//! Linux: arch/riscv/kernel/traps.c (do_trap_*), arch/riscv/mm/fault.c (do_page_fault),
//! arch/riscv/kernel/entry.S (the table of exception handlers).  The way back to user mode
//! is kernel/entry/common.rs (exit_to_user_mode).

use super::ptrace::PtRegs;
use crate::kernel::signal::{self, SIGBUS, SIGILL, SIGKILL, SIGSEGV, SIGTRAP};
use crate::kernel::task::current;
use crate::mm::memory::{handle_user_fault, Access};
use crate::mm::TASK_SIZE;
use core::sync::atomic::{AtomicUsize, Ordering};
use linux_raw_sys::general as uapi;

// si_code values of the faults below (include/uapi/asm-generic/siginfo.h).
const ILL_ILLOPN: i32 = uapi::ILL_ILLOPN as i32;
const TRAP_BRKPT: i32 = uapi::TRAP_BRKPT as i32;
const BUS_ADRALN: i32 = uapi::BUS_ADRALN as i32;
const BUS_ADRERR: i32 = uapi::BUS_ADRERR as i32;
const SEGV_MAPERR: i32 = uapi::SEGV_MAPERR as i32;
const SEGV_ACCERR: i32 = uapi::SEGV_ACCERR as i32;

const EXC_INST_MISALIGNED: usize = 0;
const EXC_INST_ACCESS: usize = 1;
const EXC_INST_ILLEGAL: usize = 2;
const EXC_BREAKPOINT: usize = 3;
const EXC_LOAD_MISALIGNED: usize = 4;
const EXC_LOAD_ACCESS: usize = 5;
const EXC_STORE_MISALIGNED: usize = 6;
const EXC_STORE_ACCESS: usize = 7;
pub const EXC_SYSCALL: usize = 8;
const EXC_INST_PAGE_FAULT: usize = 12;
const EXC_LOAD_PAGE_FAULT: usize = 13;
const EXC_STORE_PAGE_FAULT: usize = 15;

const IRQ_S_TIMER: usize = 5;
const IRQ_S_EXT: usize = 9;

/// Linux: preempt_count()'s HARDIRQ bits: how many interrupt handlers are running (one hart:
/// one count).  The heap's OOM killer does nothing in an interrupt.
static HARDIRQ_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Linux: in_hardirq().
pub fn in_hardirq() -> bool {
    HARDIRQ_COUNT.load(Ordering::Relaxed) != 0
}

/// Linux: handle_arch_irq() between irq_enter() and irq_exit().  Out of line: the syscall and
/// page-fault paths of do_trap stay as they are.
#[inline(never)]
fn handle_irq(cause: usize, user_mode: bool) {
    HARDIRQ_COUNT.fetch_add(1, Ordering::Relaxed);
    match cause & !(1 << 63) {
        IRQ_S_TIMER => crate::kernel::time::timer::timer_interrupt(user_mode),
        IRQ_S_EXT => crate::drivers::plic::handle_irq(),
        _ => {}
    }
    HARDIRQ_COUNT.fetch_sub(1, Ordering::Relaxed);
    if user_mode {
        // (interrupted in user mode: no kernel lock is held, a SysRq key from the serial line
        // may run its dump now; drivers/sysrq.rs)
        crate::drivers::sysrq::run_pending();
    }
}

/// Called by handle_exception with the saved registers.
#[no_mangle]
pub extern "C" fn do_trap(regs: &mut PtRegs) {
    let cause = regs.cause;
    if (cause as isize) < 0 {
        handle_irq(cause, regs.user_mode());
    } else {
        match cause {
            EXC_SYSCALL => {
                regs.epc += 4;
                regs.orig_a0 = regs.a0;
                // Linux: SYSCALL_WORK_SYSCALL_TRACE: PTRACE_SYSCALL's stops around the call.
                if crate::kernel::task::with_current(|c| c.ptrace.syscall_work()) {
                    crate::kernel::ptrace::syscall_trace(regs);
                } else {
                    regs.a0 = crate::kernel::syscall::do_syscall(regs);
                }
            }
            EXC_INST_PAGE_FAULT => do_page_fault(regs, Access::Exec),
            EXC_LOAD_PAGE_FAULT => do_page_fault(regs, Access::Read),
            EXC_STORE_PAGE_FAULT => do_page_fault(regs, Access::Write),
            EXC_INST_ILLEGAL => user_fault_or_die(regs, SIGILL, ILL_ILLOPN, "illegal instruction"),
            EXC_BREAKPOINT => user_fault_or_die(regs, SIGTRAP, TRAP_BRKPT, "breakpoint"),
            EXC_INST_MISALIGNED | EXC_LOAD_MISALIGNED | EXC_STORE_MISALIGNED => {
                user_fault_or_die(regs, SIGBUS, BUS_ADRALN, "misaligned access")
            }
            EXC_INST_ACCESS | EXC_LOAD_ACCESS | EXC_STORE_ACCESS => {
                user_fault_or_die(regs, SIGSEGV, SEGV_ACCERR, "access fault")
            }
            _ => user_fault_or_die(regs, SIGILL, 0, "unknown exception"),
        }
    }
    if regs.user_mode() {
        crate::kernel::entry::common::exit_to_user_mode(regs);
    }
}

#[inline(never)]
fn user_fault_or_die(regs: &mut PtRegs, sig: i32, code: i32, what: &str) {
    if regs.user_mode() {
        signal::force_sig_fault(sig, code, regs.badaddr);
    } else {
        die(regs, what);
    }
}

/// Linux: do_page_fault() in arch/riscv/mm/fault.c.
#[no_mangle]
#[inline(never)]
fn do_page_fault(regs: &mut PtRegs, access: Access) {
    let addr = regs.badaddr;
    // Linux: faulthandler_disabled(): under pagefault_disable() (the futex code, holding a
    // bucket lock) a kernel access to user memory fails at once, without taking any lock.
    if !regs.user_mode() && crate::mm::uaccess::pagefault_disabled() {
        if let Some(fixup) = search_exception_tables(regs.epc) {
            regs.epc = fixup;
            return;
        }
        die(regs, "Unable to handle kernel paging request");
    }
    if addr < TASK_SIZE {
        let cur = current();
        let mm = cur.mm.lock().clone();
        if let Some(mm) = mm {
            let r = handle_user_fault(&mm, addr, access);
            match r {
                Ok(()) => {
                    cur.min_flt.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                    return;
                }
                Err(crate::errno::EIO) if regs.user_mode() => {
                    // Linux: VM_FAULT_SIGBUS — past the end of the object behind a mapping.
                    signal::force_sig_fault(SIGBUS, BUS_ADRERR, addr);
                    return;
                }
                Err(crate::errno::ENOMEM) => {
                    // Linux: mm_fault_error() -> pagefault_out_of_memory(), with no lock held:
                    // the OOM killer frees a victim's memory and the access is retried.  A
                    // retry that cannot succeed is not made: a dying user task returns to
                    // die, and a kernel access takes its uaccess fixup (EFAULT).
                    drop(mm);
                    drop(cur);
                    if crate::mm::oom_kill::pagefault_out_of_memory() {
                        return;
                    }
                    if regs.user_mode() {
                        if !signal::fatal_signal_pending(&current()) {
                            signal::force_sig(SIGKILL);
                        }
                        return;
                    }
                }
                Err(_) => {}
            }
        }
    }
    if regs.user_mode() {
        let code = if addr < TASK_SIZE && has_vma(addr) { SEGV_ACCERR } else { SEGV_MAPERR };
        signal::force_sig_fault(SIGSEGV, code, addr);
        return;
    }
    // A kernel access to a bad user address: resume at the uaccess fixup.
    if let Some(fixup) = search_exception_tables(regs.epc) {
        regs.epc = fixup;
        return;
    }
    die(regs, "Unable to handle kernel paging request");
}

fn has_vma(addr: usize) -> bool {
    let cur = current();
    let mm = cur.mm.lock().clone();
    mm.is_some_and(|mm| mm.inner.lock().find_vma(addr).is_some())
}

/// Linux: search_exception_tables() over __ex_table (pairs of absolute addresses here).
fn search_exception_tables(pc: usize) -> Option<usize> {
    extern "C" {
        static __start___ex_table: [usize; 0];
        static __stop___ex_table: [usize; 0];
    }
    // SAFETY: the linker script brackets __ex_table with these symbols; entries are pairs of
    // usize written by the EX macro in uaccess.S.
    let table = unsafe {
        let s = core::ptr::addr_of!(__start___ex_table) as *const usize;
        let e = core::ptr::addr_of!(__stop___ex_table) as *const usize;
        core::slice::from_raw_parts(s, (e as usize - s as usize) / 8)
    };
    table.chunks_exact(2).find(|c| c[0] == pc).map(|c| c[1])
}

/// Linux: die() — the oops: what happened, the registers, a symbolised backtrace, then panic.
pub fn die(regs: &PtRegs, what: &str) -> ! {
    crate::kernel::panic::oops_begin();
    crate::pr_emerg!("{} at virtual address {:016x}", what, regs.badaddr);
    crate::pr_emerg!("Oops [#1]");
    let cur = current();
    crate::pr_emerg!("CPU: 0 PID: {} Comm: {}", cur.pid(), cur.comm_name());
    show_regs(regs);
    super::stacktrace::dump_backtrace(regs.s0, regs.epc);
    panic!("Fatal exception (cause {:#x})", regs.cause);
}

/// Linux: handle_bad_stack() (arch/riscv/kernel/traps.c): entry.S found no room for pt_regs
/// on the kernel stack (an overflow into the guard below it) and switched to overflow_stack.
/// Linux's lines, then the task, the registers and the backtrace of the overflowing stack
/// (where its frames can be read), then the panic: the stack below is gone.
#[no_mangle]
pub extern "C" fn handle_bad_stack(regs: &PtRegs) -> ! {
    extern "C" {
        static overflow_stack: [u8; 0];
        static overflow_stack_top: [u8; 0];
    }
    // addresses of head.S's symbols, never dereferenced
    let (ovf, ovf_top) =
        (core::ptr::addr_of!(overflow_stack) as usize, core::ptr::addr_of!(overflow_stack_top) as usize);
    crate::kernel::panic::oops_begin();
    let (pid, comm, base, top) =
        crate::kernel::task::with_current(|c| (c.pid(), c.comm_name(), c.stack.base(), c.stack.top()));
    crate::pr_emerg!("Insufficient stack space to handle exception!");
    crate::pr_emerg!("Task stack:     [0x{:016x}..0x{:016x}]", base, top);
    crate::pr_emerg!("Overflow stack: [0x{:016x}..0x{:016x}]", ovf, ovf_top);
    crate::pr_emerg!("kernel stack overflow at virtual address {:016x}", regs.badaddr);
    crate::pr_emerg!("CPU: 0 PID: {} Comm: {}", pid, comm);
    show_regs(regs);
    // the frame chain, only where it lies inside the stack (never into the guard below)
    if regs.s0 >= base + 16 && regs.s0 <= top {
        super::stacktrace::dump_backtrace(regs.s0, regs.epc);
    }
    panic!("Kernel stack overflow");
}

pub fn show_regs(r: &PtRegs) {
    let sym = super::stacktrace::symbolize;
    crate::pr_emerg!("epc : {:016x} {}", r.epc, sym(r.epc));
    crate::pr_emerg!(" ra : {:016x} {}", r.ra, sym(r.ra));
    crate::pr_emerg!("epc : {:016x} ra : {:016x} sp : {:016x}", r.epc, r.ra, r.sp);
    crate::pr_emerg!(" gp : {:016x} tp : {:016x} t0 : {:016x}", r.gp, r.tp, r.t0);
    crate::pr_emerg!(" t1 : {:016x} t2 : {:016x} s0 : {:016x}", r.t1, r.t2, r.s0);
    crate::pr_emerg!(" s1 : {:016x} a0 : {:016x} a1 : {:016x}", r.s1, r.a0, r.a1);
    crate::pr_emerg!(" a2 : {:016x} a3 : {:016x} a4 : {:016x}", r.a2, r.a3, r.a4);
    crate::pr_emerg!(" a5 : {:016x} a6 : {:016x} a7 : {:016x}", r.a5, r.a6, r.a7);
    crate::pr_emerg!(" s2 : {:016x} s3 : {:016x} s4 : {:016x}", r.s2, r.s3, r.s4);
    crate::pr_emerg!(" s5 : {:016x} s6 : {:016x} s7 : {:016x}", r.s5, r.s6, r.s7);
    crate::pr_emerg!(" s8 : {:016x} s9 : {:016x} s10: {:016x}", r.s8, r.s9, r.s10);
    crate::pr_emerg!(" s11: {:016x} t3 : {:016x} t4 : {:016x}", r.s11, r.t3, r.t4);
    crate::pr_emerg!(" t5 : {:016x} t6 : {:016x}", r.t5, r.t6);
    crate::pr_emerg!("status: {:016x} badaddr: {:016x} cause: {:016x}", r.status, r.badaddr, r.cause);
}
