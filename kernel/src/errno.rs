//! Error numbers: Linux's, as the syscall ABI returns them (negated in a0).
//! Linux: include/uapi/asm-generic/errno-base.h, errno.h.
//! Inside the kernel every fallible path returns `KResult<T> = Result<T, Errno>`.

use core::fmt;
use linux_raw_sys::errno as e;

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

pub type KResult<T> = Result<T, Errno>;

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        $(pub const $name: Errno = Errno(e::$name as i32);)*
        impl Errno {
            pub fn name(self) -> &'static str {
                match self.0 as u32 {
                    $(e::$name => stringify!($name),)*
                    _ => "E?",
                }
            }
        }
    };
}

errnos!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    EDOM,
    ERANGE,
    EDEADLK,
    ENOLCK,
    ENAMETOOLONG,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    ENODATA,
    EOVERFLOW,
    EOPNOTSUPP,
    ETIMEDOUT,
    ENOTSOCK,
    EMSGSIZE,
    ECANCELED,
    ENOMSG,
    EIDRM,
    EPROTONOSUPPORT,
    ESOCKTNOSUPPORT,
    EAFNOSUPPORT,
    ENOBUFS,
    EISCONN,
    ENOTCONN,
    ECONNREFUSED,
    ENOPROTOOPT,
    EUSERS,
);

/// Linux: EWOULDBLOCK is EAGAIN.
pub const EWOULDBLOCK: Errno = EAGAIN;

// Kernel-internal errnos (Linux: include/linux/errno.h): a syscall returns them to ask the way
// back to user mode (arch/riscv/signal.rs) to restart it; user space never sees them.

/// Restart the syscall if the handler has SA_RESTART (EINTR otherwise).
pub const ERESTARTSYS: Errno = Errno(512);
/// Restart the syscall whatever the handler's flags.
pub const ERESTARTNOINTR: Errno = Errno(513);
/// Restart only if no handler runs (EINTR after a handler).
pub const ERESTARTNOHAND: Errno = Errno(514);
/// Restart through restart_syscall(2) (Linux: restart_block); EINTR after a handler.
pub const ERESTART_RESTARTBLOCK: Errno = Errno(516);
/// The last of the kernel-internal errnos (ERESTARTSYS..=ENOPARAM, 512..=519).
pub const ENOPARAM: Errno = Errno(519);

impl Errno {
    /// The value a syscall returns in a0: -errno.
    pub fn as_ret(self) -> usize {
        (-(self.0 as isize)) as usize
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}
