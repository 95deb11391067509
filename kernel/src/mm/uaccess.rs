//! Safe access to user memory.  Linux: include/linux/uaccess.h, arch/riscv/lib/uaccess.S.
//!
//! The copies run in uaccess.S with SUM set; a fault on a user address first goes to
//! handle_mm_fault (demand paging, copy-on-write) and, when the address is bad, resumes at the
//! exception-table fixup, so a bad pointer from user space becomes EFAULT, never an oops.
//! Process code uses only these functions: it never dereferences a user address.

use super::TASK_SIZE;
use crate::errno::*;
use alloc::string::String;
use alloc::vec::Vec;

extern "C" {
    fn __asm_copy_to_user(dst: usize, src: usize, n: usize) -> usize;
    fn __asm_copy_from_user(dst: usize, src: usize, n: usize) -> usize;
    fn __clear_user(dst: usize, n: usize) -> usize;
    fn __strncpy_from_user(dst: *mut u8, src: usize, n: usize) -> isize;
    fn __futex_cmpxchg_user(uaddr: usize, oldval: u32, newval: u32, curval: *mut u32) -> isize;
    fn __futex_atomic_op_user(op: u32, uaddr: usize, oparg: u32, oldval: *mut u32) -> isize;
}

/// Page faults on user addresses are not handled while this is non-zero: a faulting uaccess
/// returns EFAULT at once (Linux: pagefault_disable(), current->pagefault_disabled).  One
/// counter per CPU, one CPU: the kernel does not schedule while it is raised (the futex
/// code raises it only under a spin lock).
static PAGEFAULT_DISABLED: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Linux: pagefault_disable() / pagefault_enable(), as a guard: faults are handled again when
/// it is dropped.
pub struct PagefaultDisabled(());

pub fn pagefault_disable() -> PagefaultDisabled {
    PAGEFAULT_DISABLED.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    PagefaultDisabled(())
}

impl Drop for PagefaultDisabled {
    fn drop(&mut self) {
        PAGEFAULT_DISABLED.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
    }
}

/// Linux: pagefault_disabled(): do_page_fault() goes straight to the fixup.
pub fn pagefault_disabled() -> bool {
    PAGEFAULT_DISABLED.load(core::sync::atomic::Ordering::Relaxed) != 0
}

/// A user futex word's address: 4-byte aligned (EINVAL) and in user space (EFAULT).
fn futex_word(uaddr: usize) -> KResult<()> {
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    if !access_ok(uaddr, 4) {
        return Err(EFAULT);
    }
    Ok(())
}

/// Linux: futex_atomic_cmpxchg_inatomic(): compare the user word with `oldval` and store
/// `newval` if equal, atomically; returns the word as it was.  EFAULT when the page is not
/// mapped writable (with pagefault_disable(): also when it is merely not present).
pub fn futex_atomic_cmpxchg(uaddr: UserPtr<u32>, oldval: u32, newval: u32) -> KResult<u32> {
    futex_word(uaddr.addr())?;
    let mut cur = 0u32;
    // SAFETY: uaddr is an aligned user address (checked above); a fault on it is fixed up
    // (EFAULT) and no kernel memory is touched but `cur`, a valid u32.
    let r = unsafe { __futex_cmpxchg_user(uaddr.addr(), oldval, newval, &mut cur) };
    if r == 0 {
        Ok(cur)
    } else {
        Err(EFAULT)
    }
}

/// The operations of FUTEX_WAKE_OP (Linux: FUTEX_OP_SET..FUTEX_OP_XOR).
pub const FUTEX_OP_MAX: u32 = linux_raw_sys::general::FUTEX_OP_XOR;

/// Linux: arch_futex_atomic_op_inuser(): apply `op` (FUTEX_OP_SET, ADD, OR, ANDN, XOR) with
/// `oparg` to the user word atomically; returns the word as it was.  ENOSYS for another op.
pub fn futex_atomic_op(op: u32, oparg: u32, uaddr: UserPtr<u32>) -> KResult<u32> {
    if op > FUTEX_OP_MAX {
        return Err(ENOSYS);
    }
    futex_word(uaddr.addr())?;
    let mut old = 0u32;
    // SAFETY: as in futex_atomic_cmpxchg.
    let r = unsafe { __futex_atomic_op_user(op, uaddr.addr(), oparg, &mut old) };
    if r == 0 {
        Ok(old)
    } else {
        Err(EFAULT)
    }
}

/// Linux: access_ok(): the range lies in user space.
pub fn access_ok(addr: usize, len: usize) -> bool {
    addr.checked_add(len).is_some_and(|end| end <= TASK_SIZE)
}

pub fn copy_from_user(dst: &mut [u8], src: usize) -> KResult<()> {
    if !access_ok(src, dst.len()) {
        return Err(EFAULT);
    }
    // SAFETY: dst is a valid kernel buffer of dst.len() bytes; src is checked to be a user
    // address, and a fault on it is caught by the exception table.
    let left = unsafe { __asm_copy_from_user(dst.as_mut_ptr() as usize, src, dst.len()) };
    if left == 0 {
        Ok(())
    } else {
        Err(EFAULT)
    }
}

pub fn copy_to_user(dst: usize, src: &[u8]) -> KResult<()> {
    if !access_ok(dst, src.len()) {
        return Err(EFAULT);
    }
    // SAFETY: as in copy_from_user, the other way round.
    let left = unsafe { __asm_copy_to_user(dst, src.as_ptr() as usize, src.len()) };
    if left == 0 {
        Ok(())
    } else {
        Err(EFAULT)
    }
}

pub fn clear_user(dst: usize, n: usize) -> KResult<()> {
    if !access_ok(dst, n) {
        return Err(EFAULT);
    }
    // SAFETY: the user range is checked by access_ok; a fault on it is fixed up (EFAULT) and
    // no kernel memory is written.
    let left = unsafe { __clear_user(dst, n) };
    if left == 0 {
        Ok(())
    } else {
        Err(EFAULT)
    }
}

/// Plain data that may be copied to and from user memory byte for byte.
/// # Safety
/// Every bit pattern must be a valid value, and the type must have no padding that could leak
/// kernel memory (or the caller zero-initialises it).
pub unsafe trait Pod: Copy + 'static {}
macro_rules! pod {
    ($($t:ty),*) => { $(
        // SAFETY: a primitive integer: every bit pattern is a value, no padding.
        unsafe impl Pod for $t {}
    )* };
}

/// Declares a user-ABI struct as plain data ([`Pod`]), checked at compile time.  The macro
/// takes the struct definition itself, adds `#[repr(C)]`, and asserts that every field's type
/// is `Pod` and that the struct's size is the sum of its fields' sizes (no padding: spell every
/// padding byte out as a field, as Linux's uapi headers do), so that every bit pattern is a
/// valid value and no uninitialised kernel byte can reach user space.  The one `unsafe impl`
/// is here, in mm/, where it is audited once.
///
/// ```ignore
/// crate::user_pod! {
///     /// Linux: struct timespec
///     #[derive(Clone, Copy, Default)]
///     pub struct Timespec {
///         pub tv_sec: i64,
///         pub tv_nsec: i64,
///     }
/// }
/// ```
#[macro_export]
macro_rules! user_pod {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $($(#[$fattr:meta])* $fvis:vis $field:ident : $fty:ty),* $(,)?
        }
    ) => {
        $(#[$attr])*
        #[repr(C)]
        $vis struct $name {
            $($(#[$fattr])* $fvis $field: $fty),*
        }
        const _: () = {
            const fn field_is_pod<T: $crate::mm::uaccess::Pod>() {}
            $(field_is_pod::<$fty>();)*
            assert!(
                ::core::mem::size_of::<$name>() == 0 $(+ ::core::mem::size_of::<$fty>())*,
                concat!("user_pod!: ", stringify!($name), " has padding: spell it out as a field")
            );
        };
        // SAFETY: the struct is repr(C); every field is Pod (checked above), so every bit
        // pattern of every field is valid and none holds a pointer or reference; and its size
        // is the sum of its fields' (checked above), so it has no padding: every byte belongs
        // to a Pod field.  Hence every bit pattern of the struct is a valid value and copying
        // it to user space copies no uninitialised byte.
        #[allow(unsafe_code)]
        unsafe impl $crate::mm::uaccess::Pod for $name {}
    };
}
pod!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);
// SAFETY: an array of Pod has no padding between elements (size = N * size_of::<T>()) and
// every element may be any bit pattern.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

pub fn read_user<T: Pod>(addr: usize) -> KResult<T> {
    let mut v = core::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: the MaybeUninit is size_of::<T>() writable bytes; T is Pod, so any bytes the
    // copy leaves are a valid T.
    let buf = unsafe { core::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, core::mem::size_of::<T>()) };
    copy_from_user(buf, addr)?;
    // SAFETY: fully initialised by the copy (or zeroed), and T is Pod.
    Ok(unsafe { v.assume_init() })
}

pub fn write_user<T: Pod>(addr: usize, val: &T) -> KResult<()> {
    // SAFETY: T: Pod has no padding, so all size_of::<T>() bytes of *val are initialised; the
    // slice borrows val and lives no longer.
    let buf = unsafe { core::slice::from_raw_parts(val as *const T as *const u8, core::mem::size_of::<T>()) };
    copy_to_user(addr, buf)
}

/// A value as bytes, for building user-visible structs.
pub fn as_bytes<T: Pod>(val: &T) -> &[u8] {
    // SAFETY: as in write_user: a Pod value's bytes are all initialised; the slice borrows val.
    unsafe { core::slice::from_raw_parts(val as *const T as *const u8, core::mem::size_of::<T>()) }
}

/// A value as writable bytes (to fill a user-ABI struct from a partial copy: a short
/// struct sched_attr, clone_args).
pub fn as_bytes_mut<T: Pod>(val: &mut T) -> &mut [u8] {
    // SAFETY: T is Pod: every bit pattern of its bytes is a valid T, so any bytes written
    // through the slice leave a valid value; the slice borrows val mutably and lives no longer.
    unsafe { core::slice::from_raw_parts_mut(val as *mut T as *mut u8, core::mem::size_of::<T>()) }
}

/// Linux: strncpy_from_user() + getname(): a NUL-terminated string of at most `max` bytes
/// (ENAMETOOLONG past it, EFAULT on a bad pointer).
pub fn strncpy_from_user(addr: usize, max: usize) -> KResult<String> {
    let bytes = copy_string(addr, max, ENAMETOOLONG)?;
    String::from_utf8(bytes).map_err(|_| EINVAL)
}

/// Like strncpy_from_user, but raw bytes (argv/envp strings may be any bytes; E2BIG past
/// `max`, as copy_strings() says).
pub fn strncpy_bytes_from_user(addr: usize, max: usize) -> KResult<Vec<u8>> {
    copy_string(addr, max, E2BIG)
}

/// Copies in 256-byte chunks, so short strings need no PATH_MAX buffer.
fn copy_string(addr: usize, max: usize, too_long: Errno) -> KResult<Vec<u8>> {
    if addr >= TASK_SIZE {
        return Err(EFAULT);
    }
    let max = max.min(TASK_SIZE - addr);
    // Linux: getname()'s kmem_cache_alloc(names_cachep) (and copy_strings()' pages): ENOMEM,
    // fault-injection sites both (the first chunk, and each growth).
    let mut buf: Vec<u8> = super::util::kmalloc_array(max.min(256), crate::errno::ENOMEM)?;
    let mut done = 0;
    loop {
        let chunk = (max - done).min(256);
        if chunk == 0 {
            return Err(too_long);
        }
        super::slab::try_reserve(&mut buf, chunk)?;
        // The chunk is copied into the vector's spare capacity, not a zero-filled one: the
        // bytes are written before they are counted, so nothing is cleared only to be
        // overwritten (Linux's strncpy_from_user copies straight into the names_cache buffer).
        let spare = buf.spare_capacity_mut();
        debug_assert!(spare.len() >= chunk);
        // SAFETY: `spare` is at least `chunk` writable bytes (reserved above) that the vector
        // does not count yet; __strncpy_from_user writes at most `chunk` of them and user
        // faults are fixed up (a negative return, nothing counted).
        let n = unsafe { __strncpy_from_user(spare.as_mut_ptr() as *mut u8, addr + done, chunk) };
        if n < 0 {
            return Err(EFAULT);
        }
        let n = (n as usize).min(chunk);
        // SAFETY: the copy initialised the first `n` bytes after len (n <= chunk <= spare).
        unsafe { buf.set_len(done + n) };
        if n < chunk {
            return Ok(buf);
        }
        done += chunk;
    }
}

// ---------------------------------------------------------------------------------------------
// Typed user memory at the syscall boundary (as Hubris's USlice and Redox's UserSlice): a value
// from a syscall register that names user memory is one of these types, never a bare usize.
// It is only a claim until uaccess has copied through it: nothing here dereferences it, every
// method goes through access_ok() and the fault-fixup copies above.  Linux: `T __user *`.

/// A user-space address of a `T` (Linux: `T __user *`).
#[repr(transparent)]
pub struct UserPtr<T> {
    addr: usize,
    _t: core::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> core::fmt::Debug for UserPtr<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}", self.addr)
    }
}

// SAFETY: a UserPtr is a usize (repr(transparent)); every bit pattern is a valid claim, so it
// may be read from user memory (an array of pointers: argv, iovecs).
unsafe impl<T: 'static> Pod for UserPtr<T> {}

impl<T> UserPtr<T> {
    pub const fn new(addr: usize) -> Self {
        UserPtr { addr, _t: core::marker::PhantomData }
    }
    pub const fn null() -> Self {
        Self::new(0)
    }
    /// The address, for arithmetic and for storing (a user address is never dereferenced).
    pub const fn addr(self) -> usize {
        self.addr
    }
    pub const fn is_null(self) -> bool {
        self.addr == 0
    }
    /// NULL becomes None (Linux: the optional out-parameters, `if (uptr) put_user(...)`).
    pub fn non_null(self) -> Option<Self> {
        (!self.is_null()).then_some(self)
    }
    /// The `n`th element after this one (wrapping: access_ok() rejects what wrapped).  Named
    /// as the raw-pointer method it mirrors.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, n: usize) -> Self {
        Self::new(self.addr.wrapping_add(n.wrapping_mul(core::mem::size_of::<T>())))
    }
    pub fn byte_add(self, n: usize) -> Self {
        Self::new(self.addr.wrapping_add(n))
    }
    pub fn cast<U>(self) -> UserPtr<U> {
        UserPtr::new(self.addr)
    }
    /// Linux: access_ok() for `n` elements: EFAULT unless all of them lie in user space.
    pub fn check(self, n: usize) -> KResult<()> {
        match n.checked_mul(core::mem::size_of::<T>()) {
            Some(len) if access_ok(self.addr, len) => Ok(()),
            _ => Err(EFAULT),
        }
    }
}

impl<T: Pod> UserPtr<T> {
    /// Linux: get_user() / copy_from_user() of one T.
    pub fn read(self) -> KResult<T> {
        read_user(self.addr)
    }
    /// Linux: put_user() / copy_to_user() of one T.
    pub fn write(self, val: &T) -> KResult<()> {
        write_user(self.addr, val)
    }
    /// `n` consecutive elements (the caller bounds `n`).
    pub fn read_array(self, n: usize) -> KResult<Vec<T>> {
        self.check(n)?;
        let mut v = super::util::kmalloc_array(n, ENOMEM)?;
        for i in 0..n {
            v.push(self.add(i).read()?);
        }
        Ok(v)
    }
    pub fn write_array(self, vals: &[T]) -> KResult<()> {
        // SAFETY: as in write_user, for a slice of Pod values (no padding between elements).
        let bytes = unsafe { core::slice::from_raw_parts(vals.as_ptr() as *const u8, core::mem::size_of_val(vals)) };
        copy_to_user(self.addr, bytes)
    }
}

impl UserPtr<u8> {
    /// Linux: copy_from_user(dst, this, dst.len()).
    pub fn copy_in(self, dst: &mut [u8]) -> KResult<()> {
        copy_from_user(dst, self.addr)
    }
    /// Linux: copy_to_user(this, src, src.len()).
    pub fn copy_out(self, src: &[u8]) -> KResult<()> {
        copy_to_user(self.addr, src)
    }
    /// Linux: clear_user(this, n).
    pub fn clear(self, n: usize) -> KResult<()> {
        clear_user(self.addr, n)
    }
}

/// A NUL-terminated string in user space (Linux: `const char __user *`).
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct UserCStr(UserPtr<u8>);

// SAFETY: a usize, as UserPtr (argv and envp are arrays of these).
unsafe impl Pod for UserCStr {}

impl UserCStr {
    pub const fn new(addr: usize) -> Self {
        UserCStr(UserPtr::new(addr))
    }
    pub const fn addr(self) -> usize {
        self.0.addr()
    }
    pub const fn is_null(self) -> bool {
        self.0.is_null()
    }
    /// Linux: getname(): a path of at most PATH_MAX bytes (ENAMETOOLONG past it, EFAULT on a
    /// bad pointer).  Bytes, as Linux's paths are: any byte but NUL.
    pub fn read_path(self) -> KResult<Vec<u8>> {
        copy_string(self.addr(), crate::fs::PATH_MAX, ENAMETOOLONG)
    }
    /// Linux: strncpy_from_user() of at most `max` bytes, as a string.
    pub fn read_string(self, max: usize) -> KResult<String> {
        strncpy_from_user(self.addr(), max)
    }
    /// Raw bytes of at most `max` (E2BIG past it: argv/envp, as copy_strings() says).
    pub fn read_bytes(self, max: usize) -> KResult<Vec<u8>> {
        strncpy_bytes_from_user(self.addr(), max)
    }
}
