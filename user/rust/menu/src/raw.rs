//! System calls made by hand with `ecall` (RISC-V Linux ABI: number in a7, arguments in
//! a0..a5, result or -errno in a0), for the `*-asm` commands: they show the bare interface the
//! kernel offers, with no libc in between.

#[cfg(target_arch = "riscv64")]
use core::arch::asm;

pub const SYS_WRITE: usize = 64;
pub const SYS_EXIT: usize = 93;
pub const SYS_CLOCK_GETTIME: usize = 113;
pub const SYS_CLONE: usize = 220;

/// write(2) through `ecall` 64.  Returns the count or -errno.
#[cfg(target_arch = "riscv64")]
pub fn write(fd: i32, buf: &[u8]) -> isize {
    let ret: isize;
    // SAFETY: write only reads buf.
    unsafe {
        asm!("ecall",
            inlateout("a0") fd as isize => ret,
            in("a1") buf.as_ptr(),
            in("a2") buf.len(),
            in("a7") SYS_WRITE,
            options(nostack, readonly));
    }
    ret
}

/// clock_gettime(2) through `ecall` 113.  Returns (seconds, nanoseconds) or -errno.
#[cfg(target_arch = "riscv64")]
pub fn clock_gettime(clock: i32) -> Result<(i64, i64), isize> {
    let mut ts = [0i64; 2]; // struct timespec { tv_sec, tv_nsec } on riscv64
    let ret: isize;
    // SAFETY: the kernel writes 16 bytes into ts.
    unsafe {
        asm!("ecall",
            inlateout("a0") clock as isize => ret,
            in("a1") ts.as_mut_ptr(),
            in("a7") SYS_CLOCK_GETTIME,
            options(nostack));
    }
    if ret < 0 {
        Err(ret)
    } else {
        Ok((ts[0], ts[1]))
    }
}

/// vfork as the kernel sees it: clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0) through `ecall`
/// 220, the same call glibc's vfork() makes.  The child shares the parent's memory and stack,
/// so it runs only inside this asm block, touching no memory: write(1, msg) and _exit(0).
/// The parent sleeps until then, and gets the child's pid (or -errno).
#[cfg(target_arch = "riscv64")]
pub fn vfork_write_exit(msg: &[u8]) -> isize {
    const FLAGS: usize = 0x100 /* CLONE_VM */ | 0x4000 /* CLONE_VFORK */ | 17 /* SIGCHLD */;
    let ret: isize;
    // SAFETY: the child never returns from the block; the parent only gets a0 back.
    unsafe {
        asm!(
            "li a7, {clone}",
            "ecall",
            "bnez a0, 2f",
            // child
            "li a0, 1",
            "mv a1, {msg}",
            "mv a2, {len}",
            "li a7, {write}",
            "ecall",
            "li a0, 0",
            "li a7, {exit}",
            "ecall",
            "2:",
            clone = const SYS_CLONE,
            write = const SYS_WRITE,
            exit = const SYS_EXIT,
            msg = in(reg) msg.as_ptr(),
            len = in(reg) msg.len(),
            inlateout("a0") FLAGS as isize => ret,
            inout("a1") 0usize => _, // new stack: 0, the parent's
            inout("a2") 0usize => _, // parent_tid
            in("a3") 0usize,         // tls
            in("a4") 0usize,         // child_tid
            out("a7") _,
            options(nostack),
        );
    }
    ret
}

#[cfg(not(target_arch = "riscv64"))]
pub fn write(_fd: i32, _buf: &[u8]) -> isize {
    -(libc::ENOSYS as isize)
}

#[cfg(not(target_arch = "riscv64"))]
pub fn clock_gettime(_clock: i32) -> Result<(i64, i64), isize> {
    Err(-(libc::ENOSYS as isize))
}

#[cfg(not(target_arch = "riscv64"))]
pub fn vfork_write_exit(_msg: &[u8]) -> isize {
    -(libc::ENOSYS as isize)
}

/// The UTC calendar date and time of a Unix time: (year, month, day, hour, minute, second).
/// Howard Hinnant's days-to-civil algorithm; no libc, no time zone.
pub fn utc(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (
        y,
        m,
        d,
        (sod / 3600) as u32,
        (sod % 3600 / 60) as u32,
        (sod % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(utc(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(utc(1_796_159_298), (2026, 12, 1, 21, 8, 18));
        assert_eq!(utc(-1), (1969, 12, 31, 23, 59, 59));
    }

    #[test]
    fn ecalls() {
        let (s, ns) = clock_gettime(0).expect("clock_gettime");
        assert!(s > 0 && (0..1_000_000_000).contains(&ns));
        assert_eq!(write(1, b""), 0);
        assert!(write(-1, b"x") < 0);
    }
}
