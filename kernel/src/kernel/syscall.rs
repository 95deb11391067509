//! Syscall entry: from the trap frame to a typed handler and back.  Linux:
//! include/linux/syscalls.h (SYSCALL_DEFINEx and its __se_sys_* argument casts),
//! arch/riscv/kernel/traps.c (do_trap_ecall_u), kernel/sys_ni.c (sys_ni_syscall).
//!
//! The table itself is arch/riscv/syscall_table.rs: one line per riscv64 syscall, number from
//! linux-raw-sys, handler by name.  A handler is an ordinary function whose parameter types
//! say what each register holds, as SYSCALL_DEFINEx's do:
//!
//!     pub fn sys_read(fd: u32, buf: UserPtr<u8>, count: usize) -> KResult<usize>
//!
//! and [`Handler`] turns the registers into those types: integers are cast as Linux's
//! __se_sys_* wrappers cast them (an `int` is the low 32 bits), user memory becomes
//! `UserPtr<T>` / `UserCStr` (see mm/uaccess.rs), never a bare address.  A handler that needs
//! the trap frame itself (rt_sigreturn, clone, execve) takes `&mut PtRegs` first.

use crate::arch::riscv::ptrace::PtRegs;
use crate::errno::*;
use crate::mm::uaccess::{UserCStr, UserPtr};
use core::sync::atomic::{AtomicU64, Ordering};

/// A syscall parameter type: how it is made from its register.
pub trait SyscallArg: Sized {
    fn from_reg(r: usize) -> Self;
}

macro_rules! int_arg {
    ($($t:ty),*) => { $(impl SyscallArg for $t {
        #[inline(always)]
        fn from_reg(r: usize) -> Self { r as $t }
    })* };
}
// `as` keeps the low bits: a C `int` or `unsigned int` parameter is the register's low 32 bits
// (Linux: __SC_CAST in __se_sys_*), a `long`/`size_t` the whole register.
int_arg!(usize, isize, u64, i64, u32, i32);

impl<T> SyscallArg for UserPtr<T> {
    #[inline(always)]
    fn from_reg(r: usize) -> Self {
        UserPtr::new(r)
    }
}

impl SyscallArg for UserCStr {
    #[inline(always)]
    fn from_reg(r: usize) -> Self {
        UserCStr::new(r)
    }
}

/// NULL is None: for the optional pointers (`oldact`, `rem`, `tz`, ...).
impl<T> SyscallArg for Option<UserPtr<T>> {
    #[inline(always)]
    fn from_reg(r: usize) -> Self {
        UserPtr::new(r).non_null()
    }
}

/// What a handler returns, as the value left in a0 (Linux: a long, -errno on failure).
pub trait SyscallRet {
    fn into_ret(self) -> usize;
}

impl SyscallRet for KResult<usize> {
    #[inline(always)]
    fn into_ret(self) -> usize {
        match self {
            Ok(v) => v,
            Err(e) => e.as_ret(),
        }
    }
}

impl SyscallRet for KResult<isize> {
    #[inline(always)]
    fn into_ret(self) -> usize {
        self.map(|v| v as usize).into_ret()
    }
}

impl SyscallRet for KResult<i32> {
    #[inline(always)]
    fn into_ret(self) -> usize {
        self.map(|v| v as isize as usize).into_ret()
    }
}

impl SyscallRet for KResult<()> {
    #[inline(always)]
    fn into_ret(self) -> usize {
        self.map(|()| 0usize).into_ret()
    }
}

/// Marker for handlers of plain arguments, `fn(A0, .., An) -> R`.
pub struct Args<T>(T);
/// Marker for handlers that take the trap frame first, `fn(&mut PtRegs, A0, ..) -> R`.
pub struct RegsArgs<T>(T);

/// A function that can serve as a syscall: the parameter types are its own, so the table
/// needs only its name (and the compiler checks that every parameter is a [`SyscallArg`]).
pub trait Handler<M> {
    fn call(self, regs: &mut PtRegs) -> usize;
}

macro_rules! handler_impls {
    ($($a:ident $i:tt),*) => {
        impl<F, R, $($a: SyscallArg),*> Handler<Args<($($a,)*)>> for F
        where
            F: FnOnce($($a),*) -> R,
            R: SyscallRet,
        {
            #[inline(always)]
            #[allow(unused_variables)]
            fn call(self, regs: &mut PtRegs) -> usize {
                let a = [regs.a0, regs.a1, regs.a2, regs.a3, regs.a4, regs.a5];
                self($(<$a as SyscallArg>::from_reg(a[$i])),*).into_ret()
            }
        }
        impl<F, R, $($a: SyscallArg),*> Handler<RegsArgs<($($a,)*)>> for F
        where
            F: FnOnce(&mut PtRegs, $($a),*) -> R,
            R: SyscallRet,
        {
            #[inline(always)]
            #[allow(unused_variables)]
            fn call(self, regs: &mut PtRegs) -> usize {
                let a = [regs.a0, regs.a1, regs.a2, regs.a3, regs.a4, regs.a5];
                self(regs, $(<$a as SyscallArg>::from_reg(a[$i])),*).into_ret()
            }
        }
    };
}
handler_impls!();
handler_impls!(A0 0);
handler_impls!(A0 0, A1 1);
handler_impls!(A0 0, A1 1, A2 2);
handler_impls!(A0 0, A1 1, A2 2, A3 3);
handler_impls!(A0 0, A1 1, A2 2, A3 3, A4 4);
handler_impls!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5);

/// Calls `h` with the arguments in `regs` (used by the generated table).
#[inline(always)]
pub fn invoke<M, H: Handler<M>>(h: H, regs: &mut PtRegs) -> usize {
    h.call(regs)
}

/// Linux: do_trap_ecall_u() -> syscall_handler(): a7 is the number, a0..a5 the arguments,
/// the result (or -errno) goes back in a0.
#[no_mangle]
pub fn do_syscall(regs: &mut PtRegs) -> usize {
    crate::arch::riscv::syscall_table::sys_call_table(regs.a7, regs)
}

static ENOSYS_SEEN: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Linux: sys_ni_syscall() — every number without a handler: -ENOSYS, logged once per number
/// with the syscall's name, so a missing syscall is visible in dmesg.
#[no_mangle]
#[inline(never)]
pub fn sys_ni_syscall(regs: &mut PtRegs) -> KResult<usize> {
    let nr = regs.a7;
    if nr < 64 * ENOSYS_SEEN.len() {
        let bit = 1u64 << (nr % 64);
        if ENOSYS_SEEN[nr / 64].fetch_or(bit, Ordering::Relaxed) & bit == 0 {
            let c = super::task::current();
            crate::pr_warn!(
                "{}[{}]: syscall {} ({}) not implemented: -ENOSYS",
                c.comm_string(),
                c.pid(),
                nr,
                crate::arch::riscv::syscall_table::syscall_name(nr).unwrap_or("unknown")
            );
        }
    }
    Err(ENOSYS)
}
