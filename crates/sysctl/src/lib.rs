//! The text side of Linux 6.1's sysctl handlers (kernel/sysctl.c), as pure functions over a
//! buffer and a file position, with Linux's errno values (`u32`, from `linux_raw_sys::errno`).
//!
//! A /proc/sys file is read and written through a `proc_handler` that formats or parses its
//! value(s) itself; the kernel side (kernel/src/kernel/sysctl.rs) keeps the values and the
//! table, this crate keeps the arithmetic of the text:
//!
//! * [`proc_get_long`]: one number as Linux parses it (`strtoul_lenient()` with base 0: `0x`
//!   hex and leading-`0` octal are accepted), an optional `-`, and a whitespace separator
//!   after it; numbers of 21 characters or more are refused;
//! * [`vec_read`] / [`vec_write`]: `__do_proc_dointvec()` and `__do_proc_doulongvec_minmax()`:
//!   several values separated by tabs, a trailing newline; a read only at position 0 (the
//!   whole text in one read: the next read is EOF), a write only at position 0
//!   (`sysctl_writes_strict` = 1: a write at another position is accepted and ignored); a
//!   write stops after as many values as the entry holds and returns the bytes it used (a
//!   *partial write*: "5 6" to a one-value entry returns 2);
//! * [`uint_read`] / [`uint_write`]: `__do_proc_douintvec()`: exactly one value, no sign;
//! * [`string_read`] / [`string_write`]: `_proc_do_string()`: read from any position (a
//!   newline after the end), write continuing at the position, silently cut at `maxlen - 1`;
//! * the conversions: [`int_conv`] (`do_proc_dointvec_conv()`), [`uint_conv`],
//!   [`round_pipe_size`] (fs/pipe.c).
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::vec::Vec;
use linux_raw_sys::errno::{EINVAL, ERANGE};

pub type Errno = u32;

/// `TMPBUFLEN`: the longest number text proc_get_long looks at, plus its NUL.
pub const TMPBUFLEN: usize = 22;
/// A write looks at most at `PAGE_SIZE - 1` bytes.
pub const PAGE_SIZE: usize = 4096;
const INT_MAX: u64 = i32::MAX as u64;
const UINT_MAX: u64 = u32::MAX as u64;

/// What a handler did: the byte count read or write returns (Linux: `*lenp`) and the new file
/// position (`*ppos`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub len: usize,
    pub pos: u64,
}

/// `_parse_integer()` (lib/kstrtox.c): the value of the longest prefix of `s` made of digits
/// of `base`, and how many bytes that prefix has; `None` when the value overflows 64 bits.
pub fn parse_integer(s: &[u8], base: u32) -> Option<(u64, usize)> {
    let mut res: u64 = 0;
    let mut n = 0;
    let mut overflow = false;
    for &c in s {
        let lc = c | 0x20;
        let val = if c.is_ascii_digit() {
            (c - b'0') as u32
        } else if (b'a'..=b'f').contains(&lc) {
            (lc - b'a' + 10) as u32
        } else {
            break;
        };
        if val >= base {
            break;
        }
        match res.checked_mul(base as u64).and_then(|r| r.checked_add(val as u64)) {
            Some(r) => res = r,
            None => {
                overflow = true;
                res = res.wrapping_mul(base as u64).wrapping_add(val as u64);
            }
        }
        n += 1;
    }
    if overflow {
        None
    } else {
        Some((res, n))
    }
}

/// `_parse_integer_fixup_radix()` for base 0, then `_parse_integer()`: `strtoul_lenient()`.
/// Returns the value and the bytes it took (a `0x` prefix included); ERANGE on overflow.
fn strtoul_lenient(s: &[u8]) -> Result<(u64, usize), Errno> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let (base, skip) = if at(0) == b'0' {
        if at(1) | 0x20 == b'x' && at(2).is_ascii_hexdigit() {
            (16, 2)
        } else {
            (8, 0)
        }
    } else {
        (10, 0)
    };
    let (v, n) = parse_integer(&s[skip..], base).ok_or(ERANGE)?;
    Ok((v, skip + n))
}

/// `proc_wspace_sep`: what may follow a number.
fn is_sep(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\n'
}

/// `isspace()` of the kernel's ctype (space, \t \n \v \f \r).
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `proc_get_long()`: one number at the start of `buf` (the bytes still to parse).  Returns
/// (negative, magnitude, bytes used).  EINVAL: empty, no digit, a number of 21 characters or
/// more, overflow, or something other than whitespace right after the number.
pub fn proc_get_long(buf: &[u8]) -> Result<(bool, u64, usize), Errno> {
    let size = buf.len();
    if size == 0 {
        return Err(EINVAL);
    }
    let len = size.min(TMPBUFLEN - 1);
    let tmp = &buf[..len];
    let neg = tmp[0] == b'-' && size > 1;
    let start = neg as usize;
    if !tmp.get(start).is_some_and(|c| c.is_ascii_digit()) {
        return Err(EINVAL);
    }
    let (val, n) = strtoul_lenient(&tmp[start..]).map_err(|_| EINVAL)?;
    let used = start + n;
    if used == TMPBUFLEN - 1 {
        return Err(EINVAL);
    }
    if used < size && !is_sep(buf[used]) {
        return Err(EINVAL);
    }
    Ok((neg, val, used))
}

/// `proc_skip_spaces()`: advances `p` over whitespace within the `left` bytes.
fn skip_spaces(buf: &[u8], p: &mut usize, left: &mut usize) {
    while *left > 0 && is_space(buf[*p]) {
        *p += 1;
        *left -= 1;
    }
}

/// `proc_put_long()` + `proc_put_char()`: append within the `left` bytes still allowed.
fn put(out: &mut Vec<u8>, left: &mut usize, bytes: &[u8]) {
    let n = bytes.len().min(*left);
    out.extend_from_slice(&bytes[..n]);
    *left -= n;
}

fn put_long(out: &mut Vec<u8>, left: &mut usize, neg: bool, val: u64) {
    let mut tmp = [0u8; TMPBUFLEN];
    let mut i = tmp.len();
    let mut v = val;
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        tmp[i] = b'-';
    }
    put(out, left, &tmp[i..]);
}

/// The reading half of `__do_proc_dointvec()` / `__do_proc_doulongvec_minmax()`: the values
/// (sign, magnitude) tab-separated with a newline, cut to `count` bytes; nothing unless at
/// position 0.
pub fn vec_read(vals: &[(bool, u64)], count: usize, pos: u64) -> (Vec<u8>, Done) {
    let mut out = Vec::new();
    if vals.is_empty() || count == 0 || pos != 0 {
        return (out, Done { len: 0, pos });
    }
    let mut left = count;
    let mut first = true;
    for &(neg, v) in vals {
        if left == 0 {
            break;
        }
        if !first {
            put(&mut out, &mut left, b"\t");
        }
        put_long(&mut out, &mut left, neg, v);
        first = false;
    }
    if !first && left > 0 {
        put(&mut out, &mut left, b"\n");
    }
    let len = count - left;
    (out, Done { len, pos: pos + len as u64 })
}

/// Which of the two vector handlers a write follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VecKind {
    /// `__do_proc_dointvec()`: signed values, each through the entry's conversion.
    Int,
    /// `__do_proc_doulongvec_minmax()`: a '-' is EINVAL.
    ULong,
}

/// The writing half of `__do_proc_dointvec()` / `__do_proc_doulongvec_minmax()`: up to
/// `nvals` values from `buf` (the whole user write), each handed to `conv(index, negative,
/// magnitude)`, which stores it or refuses it (EINVAL).  Values before a refused one stay
/// stored, as in Linux.
pub fn vec_write(
    buf: &[u8],
    pos: u64,
    nvals: usize,
    kind: VecKind,
    mut conv: impl FnMut(usize, bool, u64) -> Result<(), Errno>,
) -> Result<Done, Errno> {
    let lenp = buf.len();
    if nvals == 0 || lenp == 0 {
        return Ok(Done { len: 0, pos });
    }
    // sysctl_writes_strict = 1: a write past the start is accepted and ignored.
    if pos != 0 {
        return Ok(Done { len: lenp, pos: pos + lenp as u64 });
    }
    let mut left = lenp.min(PAGE_SIZE - 1);
    let mut p = 0;
    let mut first = true;
    let mut err = None;
    let mut vleft = nvals;
    let mut idx = 0;
    while left > 0 && vleft > 0 {
        vleft -= 1;
        skip_spaces(buf, &mut p, &mut left);
        if left == 0 {
            break;
        }
        match proc_get_long(&buf[p..p + left]) {
            Ok((neg, val, n)) => {
                p += n;
                left -= n;
                if (kind == VecKind::ULong && neg) || conv(idx, neg, val).is_err() {
                    err = Some(EINVAL);
                    break;
                }
            }
            Err(e) => {
                err = Some(e);
                break;
            }
        }
        idx += 1;
        first = false;
    }
    if err.is_none() && left > 0 {
        skip_spaces(buf, &mut p, &mut left);
    }
    if let Some(e) = err {
        return Err(e);
    }
    if first {
        return Err(EINVAL);
    }
    let len = lenp - left;
    Ok(Done { len, pos: pos + len as u64 })
}

/// `do_proc_dointvec_conv()` for a write: the int a (sign, magnitude) pair stands for,
/// EINVAL outside [INT_MIN, INT_MAX].
pub fn int_conv(neg: bool, val: u64) -> Result<i32, Errno> {
    if neg {
        if val > INT_MAX + 1 {
            return Err(EINVAL);
        }
        Ok((val as i64).wrapping_neg() as i32)
    } else {
        if val > INT_MAX {
            return Err(EINVAL);
        }
        Ok(val as i32)
    }
}

/// An int as vec_read takes it.
pub fn int_val(v: i32) -> (bool, u64) {
    (v < 0, v.unsigned_abs() as u64)
}

/// `do_proc_douintvec_conv()` for a write: EINVAL above UINT_MAX.
pub fn uint_conv(val: u64) -> Result<u32, Errno> {
    if val > UINT_MAX {
        return Err(EINVAL);
    }
    Ok(val as u32)
}

/// The reading half of `__do_proc_douintvec()`: the value and a newline, cut to `count`.
pub fn uint_read(val: u64, count: usize, pos: u64) -> (Vec<u8>, Done) {
    let mut out = Vec::new();
    if count == 0 || pos != 0 {
        return (out, Done { len: 0, pos });
    }
    let mut left = count;
    put_long(&mut out, &mut left, false, val);
    if left > 0 {
        put(&mut out, &mut left, b"\n");
    }
    let len = count - left;
    (out, Done { len, pos: pos + len as u64 })
}

/// The writing half of `__do_proc_douintvec()` (`do_proc_douintvec_w()`): one unsigned value,
/// handed to `conv`; every failure is EINVAL.  A successful write returns the whole count and,
/// as in Linux, leaves the position where it was.
pub fn uint_write(buf: &[u8], pos: u64, conv: impl FnOnce(u64) -> Result<(), Errno>) -> Result<Done, Errno> {
    let lenp = buf.len();
    if lenp == 0 {
        return Ok(Done { len: 0, pos });
    }
    if pos != 0 {
        return Ok(Done { len: lenp, pos: pos + lenp as u64 });
    }
    let mut left = lenp.min(PAGE_SIZE - 1);
    let mut p = 0;
    skip_spaces(buf, &mut p, &mut left);
    if left == 0 {
        return Err(EINVAL);
    }
    let (neg, val, _) = proc_get_long(&buf[p..p + left]).map_err(|_| EINVAL)?;
    if neg {
        return Err(EINVAL);
    }
    conv(val).map_err(|_| EINVAL)?;
    Ok(Done { len: lenp, pos })
}

/// The reading half of `_proc_do_string()`: the string from `pos` on (at most `maxlen` bytes of
/// it), then a newline if the read has room; EOF past it.
pub fn string_read(data: &[u8], maxlen: usize, count: usize, pos: u64) -> (Vec<u8>, Done) {
    let mut out = Vec::new();
    if maxlen == 0 || count == 0 {
        return (out, Done { len: 0, pos });
    }
    let slen = data.iter().position(|&b| b == 0).unwrap_or(data.len()).min(maxlen);
    if pos > slen as u64 {
        return (out, Done { len: 0, pos });
    }
    let rest = &data[pos as usize..slen];
    let n = rest.len().min(count);
    out.extend_from_slice(&rest[..n]);
    if n < count {
        out.push(b'\n');
    }
    let len = out.len();
    (out, Done { len, pos: pos + len as u64 })
}

/// The writing half of `_proc_do_string()` with `sysctl_writes_strict`: the bytes up to a NUL
/// or newline replace the string from `pos` on (a write at the string's end appends), cut
/// at `maxlen - 1`; a write past the end changes nothing.  Returns the whole count.
pub fn string_write(data: &mut Vec<u8>, maxlen: usize, buf: &[u8], pos: u64) -> Done {
    let lenp = buf.len();
    if maxlen == 0 || lenp == 0 {
        return Done { len: 0, pos };
    }
    let cur = data.iter().position(|&b| b == 0).unwrap_or(data.len()).min(maxlen - 1);
    if pos > cur as u64 {
        return Done { len: lenp, pos };
    }
    data.truncate(pos as usize);
    for &c in buf {
        if data.len() >= maxlen - 1 || c == 0 || c == b'\n' {
            break;
        }
        data.push(c);
    }
    Done { len: lenp, pos: pos + lenp as u64 }
}

/// `strstrip()` then `kstrtoint(s, 0, &v)` (lib/kstrtox.c), as /proc's small number files
/// (oom_score_adj, oom_adj, ...) parse a write: surrounding whitespace ignored, an optional
/// sign ('+' only before a non-negative number), `0x`/`0` prefixes for hex/octal, one trailing
/// newline allowed; EINVAL for anything else, ERANGE outside the int range.
pub fn kstrtoint(s: &[u8]) -> Result<i32, Errno> {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|&c| !is_space(c)).map_or(start, |i| i + 1);
    let s = &s[start..end.max(start)];
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    // _kstrtoull(): the radix prefix, at least one digit, then only a newline.
    let (v, n) = strtoul_lenient(digits).map_err(|_| ERANGE)?;
    let prefix = if digits.len() > 1 && digits[0] == b'0' && digits[1] | 0x20 == b'x' { 2 } else { 0 };
    if n == prefix {
        return Err(EINVAL);
    }
    let rest = &digits[n..];
    if !(rest.is_empty() || rest == b"\n") {
        return Err(EINVAL);
    }
    if neg {
        if v > INT_MAX + 1 {
            return Err(ERANGE);
        }
        Ok((v as i64).wrapping_neg() as i32)
    } else {
        if v > INT_MAX {
            return Err(ERANGE);
        }
        Ok(v as i32)
    }
}

/// `round_pipe_size()` (fs/pipe.c): a pipe size as the kernel keeps it: at least a page, a
/// power of two; 0 (refused) above 2 GiB.
pub fn round_pipe_size(size: u64) -> u32 {
    if size > 1 << 31 {
        return 0;
    }
    if size < PAGE_SIZE as u64 {
        return PAGE_SIZE as u32;
    }
    size.next_power_of_two() as u32
}
