//! The sysctl text rules against what Linux 6.1's kernel/sysctl.c does with the same bytes.

use linux_raw_sys::errno::{EINVAL, ERANGE};
use sysctl::*;

fn int_write(buf: &[u8], pos: u64, vals: &mut [i32], min: Option<i32>, max: Option<i32>) -> Result<Done, u32> {
    vec_write(buf, pos, vals.len(), VecKind::Int, |i, neg, v| {
        let x = int_conv(neg, v)?;
        if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
            return Err(EINVAL);
        }
        vals[i] = x;
        Ok(())
    })
}

#[test]
fn get_long() {
    assert_eq!(proc_get_long(b"42"), Ok((false, 42, 2)));
    assert_eq!(proc_get_long(b"42\n"), Ok((false, 42, 2)));
    assert_eq!(proc_get_long(b"-7 "), Ok((true, 7, 2)));
    assert_eq!(proc_get_long(b"0x1f\n"), Ok((false, 31, 4)));
    assert_eq!(proc_get_long(b"010"), Ok((false, 8, 3)));
    assert_eq!(proc_get_long(b"0"), Ok((false, 0, 1)));
    // "0x" without a hex digit: octal 0, then 'x' is no separator
    assert_eq!(proc_get_long(b"0x"), Err(EINVAL));
    assert_eq!(proc_get_long(b"09"), Err(EINVAL));
    assert_eq!(proc_get_long(b"12a"), Err(EINVAL));
    assert_eq!(proc_get_long(b"-"), Err(EINVAL));
    assert_eq!(proc_get_long(b"+5"), Err(EINVAL));
    assert_eq!(proc_get_long(b" 5"), Err(EINVAL));
    assert_eq!(proc_get_long(b""), Err(EINVAL));
    assert_eq!(proc_get_long(b"5\0"), Err(EINVAL));
    // 20 digits fit in 64 bits and in the 21-byte window only without a separator check...
    assert_eq!(proc_get_long(b"18446744073709551615"), Ok((false, u64::MAX, 20)));
    // ...21 characters are refused, and so is overflow
    assert_eq!(proc_get_long(b"000000000000000000001"), Err(EINVAL));
    assert_eq!(proc_get_long(b"18446744073709551616"), Err(EINVAL));
}

#[test]
fn dointvec_read() {
    let (b, d) = vec_read(&[int_val(32768)], 100, 0);
    assert_eq!(b, b"32768\n");
    assert_eq!(d, Done { len: 6, pos: 6 });
    // a second read is EOF, whatever is left
    assert_eq!(vec_read(&[int_val(32768)], 100, 6).1, Done { len: 0, pos: 6 });
    assert_eq!(vec_read(&[int_val(32768)], 100, 3).1.len, 0);
    // short buffer: cut, no newline, and then EOF
    let (b, d) = vec_read(&[int_val(32768)], 3, 0);
    assert_eq!(b, b"327");
    assert_eq!(d, Done { len: 3, pos: 3 });
    let (b, _) = vec_read(&[int_val(32768)], 5, 0);
    assert_eq!(b, b"32768");
    let (b, _) = vec_read(&[int_val(7), int_val(4), int_val(1), int_val(7)], 100, 0);
    assert_eq!(b, b"7\t4\t1\t7\n");
    let (b, _) = vec_read(&[int_val(-5)], 100, 0);
    assert_eq!(b, b"-5\n");
    let (b, _) = vec_read(&[int_val(i32::MIN)], 100, 0);
    assert_eq!(b, b"-2147483648\n");
}

#[test]
fn dointvec_write() {
    let mut v = [0i32];
    assert_eq!(int_write(b"1234\n", 0, &mut v, None, None), Ok(Done { len: 5, pos: 5 }));
    assert_eq!(v[0], 1234);
    assert_eq!(int_write(b"  -5  \n\n", 0, &mut v, None, None), Ok(Done { len: 8, pos: 8 }));
    assert_eq!(v[0], -5);
    // a partial write: the second number is not taken
    assert_eq!(int_write(b"5 6", 0, &mut v, None, None), Ok(Done { len: 2, pos: 2 }));
    assert_eq!(v[0], 5);
    // nothing but blanks, garbage, out of int range
    assert_eq!(int_write(b"   ", 0, &mut v, None, None), Err(EINVAL));
    assert_eq!(int_write(b"abc", 0, &mut v, None, None), Err(EINVAL));
    assert_eq!(int_write(b"2147483648", 0, &mut v, None, None), Err(EINVAL));
    assert_eq!(int_write(b"-2147483648", 0, &mut v, None, None), Ok(Done { len: 11, pos: 11 }));
    assert_eq!(v[0], i32::MIN);
    assert_eq!(int_write(b"-2147483649", 0, &mut v, None, None), Err(EINVAL));
    // min/max
    assert_eq!(int_write(b"300", 0, &mut v, Some(301), Some(4194304)), Err(EINVAL));
    assert_eq!(int_write(b"4194305", 0, &mut v, Some(301), Some(4194304)), Err(EINVAL));
    assert_eq!(int_write(b"301", 0, &mut v, Some(301), Some(4194304)), Ok(Done { len: 3, pos: 3 }));
    assert_eq!(v[0], 301);
    // a write past position 0 is ignored but "succeeds"
    assert_eq!(int_write(b"999", 5, &mut v, None, None), Ok(Done { len: 3, pos: 8 }));
    assert_eq!(v[0], 301);
    // an empty write
    assert_eq!(int_write(b"", 0, &mut v, None, None), Ok(Done { len: 0, pos: 0 }));
    // four values, fewer given: the rest stay
    let mut p = [7, 4, 1, 7];
    assert_eq!(int_write(b"3 5", 0, &mut p, None, None), Ok(Done { len: 3, pos: 3 }));
    assert_eq!(p, [3, 5, 1, 7]);
    // a bad second value: the first is stored, the write fails
    assert_eq!(int_write(b"2 x", 0, &mut p, None, None), Err(EINVAL));
    assert_eq!(p, [2, 5, 1, 7]);
}

#[test]
fn doulongvec() {
    let mut v = 0u64;
    let w = |buf: &[u8], v: &mut u64| {
        vec_write(buf, 0, 1, VecKind::ULong, |_, _, x| {
            *v = x;
            Ok(())
        })
    };
    assert_eq!(w(b"16384\n", &mut v), Ok(Done { len: 6, pos: 6 }));
    assert_eq!(v, 16384);
    assert_eq!(w(b"-1", &mut v), Err(EINVAL));
    let (b, _) = vec_read(&[(false, u64::MAX >> 1)], 64, 0);
    assert_eq!(b, b"9223372036854775807\n");
}

#[test]
fn douintvec() {
    let mut v = 0u32;
    let mut w = |buf: &[u8], pos: u64| {
        uint_write(buf, pos, |x| {
            v = uint_conv(x)?;
            Ok(())
        })
    };
    // success returns the whole count and leaves the position
    assert_eq!(w(b"1048576\n", 0), Ok(Done { len: 8, pos: 0 }));
    assert_eq!(w(b" 7 8", 0), Ok(Done { len: 4, pos: 0 }));
    assert_eq!(w(b"-1", 0), Err(EINVAL));
    assert_eq!(w(b"4294967296", 0), Err(EINVAL));
    assert_eq!(w(b"  ", 0), Err(EINVAL));
    assert_eq!(w(b"5", 3), Ok(Done { len: 1, pos: 4 }));
    assert_eq!(v, 7);
    let (b, d) = uint_read(1048576, 100, 0);
    assert_eq!(b, b"1048576\n");
    assert_eq!(d, Done { len: 8, pos: 8 });
    assert_eq!(uint_read(1048576, 100, 8).1.len, 0);
}

#[test]
fn dostring() {
    let (b, d) = string_read(b"Linux", 65, 100, 0);
    assert_eq!(b, b"Linux\n");
    assert_eq!(d, Done { len: 6, pos: 6 });
    // in pieces
    let (b, d) = string_read(b"Linux", 65, 2, 0);
    assert_eq!((&b[..], d.pos), (&b"Li"[..], 2));
    let (b, d) = string_read(b"Linux", 65, 2, 2);
    assert_eq!((&b[..], d.pos), (&b"nu"[..], 4));
    let (b, d) = string_read(b"Linux", 65, 2, 4);
    assert_eq!((&b[..], d.pos), (&b"x\n"[..], 6));
    assert_eq!(string_read(b"Linux", 65, 2, 6).1.len, 0);
    // at the very end only the newline
    assert_eq!(string_read(b"Linux", 65, 10, 5).0, b"\n");

    let mut s = b"(none)".to_vec();
    assert_eq!(string_write(&mut s, 65, b"menuos\n", 0), Done { len: 7, pos: 7 });
    assert_eq!(s, b"menuos");
    // a write at the end appends; past it nothing happens
    assert_eq!(string_write(&mut s, 65, b"-x", 6), Done { len: 2, pos: 8 });
    assert_eq!(s, b"menuos-x");
    assert_eq!(string_write(&mut s, 65, b"zz", 20), Done { len: 2, pos: 20 });
    assert_eq!(s, b"menuos-x");
    // cut at maxlen - 1
    let long = [b'a'; 100];
    assert_eq!(string_write(&mut s, 65, &long, 0).len, 100);
    assert_eq!(s.len(), 64);
}

#[test]
fn pipe_size() {
    assert_eq!(round_pipe_size(1), 4096);
    assert_eq!(round_pipe_size(4097), 8192);
    assert_eq!(round_pipe_size(1 << 20), 1 << 20);
    assert_eq!(round_pipe_size(1 << 31), 1 << 31);
    assert_eq!(round_pipe_size((1 << 31) + 1), 0);
}

#[test]
fn integer_prefix() {
    assert_eq!(parse_integer(b"7fff-8000", 16), Some((0x7fff, 4)));
    assert_eq!(parse_integer(b"", 16), Some((0, 0)));
    assert_eq!(parse_integer(b"10000000000000000", 16), None);
}

#[test]
fn kstrtoint_rules() {
    assert_eq!(kstrtoint(b"500"), Ok(500));
    assert_eq!(kstrtoint(b"-1000\n"), Ok(-1000));
    assert_eq!(kstrtoint(b"  42  "), Ok(42));
    assert_eq!(kstrtoint(b"+7"), Ok(7));
    assert_eq!(kstrtoint(b"0x10"), Ok(16));
    assert_eq!(kstrtoint(b"010"), Ok(8));
    assert_eq!(kstrtoint(b""), Err(EINVAL));
    assert_eq!(kstrtoint(b"abc"), Err(EINVAL));
    assert_eq!(kstrtoint(b"12x"), Err(EINVAL));
    assert_eq!(kstrtoint(b"-"), Err(EINVAL));
    assert_eq!(kstrtoint(b"2147483648"), Err(ERANGE));
    assert_eq!(kstrtoint(b"-2147483648"), Ok(i32::MIN));
}
