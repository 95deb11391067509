//! /dev/random, /dev/urandom, getrandom and the kernel's own random bytes.
//! Linux: drivers/char/random.c (get_random_bytes, random_fops/urandom_fops, getrandom).
//!
//! A xorshift generator seeded from the timer: good enough for AT_RANDOM and getrandom() in a
//! teaching kernel, not cryptographic.

use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use crate::mm::uaccess::UserPtr;
use core::sync::atomic::{AtomicU64, Ordering};
use linux_raw_sys::general::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};

static RNG: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

/// Linux: get_random_bytes()
pub fn get_random_bytes(buf: &mut [u8]) {
    let mut x = RNG.load(Ordering::Relaxed) ^ crate::arch::riscv::time::get_cycles().rotate_left(17);
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
    RNG.store(x, Ordering::Relaxed);
}

/// /dev/random and /dev/urandom (Linux: random_fops, urandom_fops): reads never block,
/// writes are accepted and dropped.
pub struct RandomOps;
impl FileOps for RandomOps {
    fn read(&self, _f: &File, buf: &mut [u8]) -> KResult<usize> {
        get_random_bytes(buf);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        Ok(buf.len())
    }
}

/// The most bytes one getrandom() returns (Linux before 5.18: INT_MAX >> (ENTROPY_SHIFT + 3)).
const GETRANDOM_MAX: usize = (i32::MAX >> 6) as usize;
/// Bounce-buffer size for the copy to user space.
const CHUNK: usize = 1 << 16;

/// Linux: SYSCALL_DEFINE3(getrandom)
pub fn sys_getrandom(ubuf: UserPtr<u8>, len: usize, flags: u32) -> KResult<usize> {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 {
        return Err(EINVAL);
    }
    if (flags & GRND_INSECURE != 0) && (flags & GRND_RANDOM != 0) {
        return Err(EINVAL);
    }
    let n = len.min(GETRANDOM_MAX);
    let mut k = alloc::vec![0u8; n.min(CHUNK)];
    let mut done = 0;
    while done < n {
        let c = (n - done).min(k.len());
        get_random_bytes(&mut k[..c]);
        ubuf.byte_add(done).copy_out(&k[..c])?;
        done += c;
    }
    Ok(n)
}
