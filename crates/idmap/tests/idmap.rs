use idmap::*;
use linux_raw_sys::errno::{EINVAL, EPERM};

fn ext(first: u32, lower_first: u32, count: u32) -> Extent {
    Extent { first, lower_first, count }
}

#[test]
fn parse_good() {
    assert_eq!(parse_map_write(b"0 0 1").unwrap().extents, vec![ext(0, 0, 1)]);
    assert_eq!(parse_map_write(b"0 1000 1\n").unwrap().extents, vec![ext(0, 1000, 1)]);
    assert_eq!(parse_map_write(b"  0   100 10\n10 200 5\n").unwrap().extents, vec![ext(0, 100, 10), ext(10, 200, 5)]);
    assert_eq!(parse_map_write(b"0 0 4294967295\n").unwrap().extents, vec![ext(0, 0, u32::MAX)]);
    // text after a NUL is not read (memdup_user_nul)
    assert_eq!(parse_map_write(b"0 0 1\0garbage").unwrap().extents, vec![ext(0, 0, 1)]);
}

#[test]
fn parse_bad() {
    for bad in [
        &b""[..],
        b"\n",
        b"0 0",
        b"0 0 1 2",
        b"0 0 1x",
        b"a 0 1",
        b"0 0 0",
        b"4294967295 0 1",
        b"0 4294967295 1",
        b"1 0 4294967295",
        b"0 1 4294967295",
        b"0 0 1\n\n",
        b"0 0 10\n5 100 1",
        b"0 0 10\n100 5 1",
    ] {
        assert_eq!(parse_map_write(bad), Err(EINVAL), "{:?}", core::str::from_utf8(bad));
    }
}

#[test]
fn too_many_extents() {
    let mut s = String::new();
    for i in 0..UID_GID_MAP_MAX_EXTENTS as u32 + 1 {
        s.push_str(&format!("{} {} 1\n", i, i));
    }
    assert_eq!(parse_map_write(s.as_bytes()), Err(EINVAL));
    let mut s = String::new();
    for i in 0..UID_GID_MAP_MAX_EXTENTS as u32 {
        s.push_str(&format!("{} {} 1\n", i, i));
    }
    assert_eq!(parse_map_write(s.as_bytes()).unwrap().extents.len(), UID_GID_MAP_MAX_EXTENTS);
}

#[test]
fn down_up() {
    let m = parse_map_write(b"0 1000 10\n100 2000 1").unwrap();
    assert_eq!(m.down(0), Some(1000));
    assert_eq!(m.down(9), Some(1009));
    assert_eq!(m.down(10), None);
    assert_eq!(m.down(100), Some(2000));
    assert_eq!(m.up(1005), Some(5));
    assert_eq!(m.up(2000), Some(100));
    assert_eq!(m.up(0), None);
    assert_eq!(m.down_range(5, 5), Some(1005));
    assert_eq!(m.down_range(5, 6), None);
    let id = identity();
    assert_eq!(id.down(4294967294), Some(4294967294));
    assert_eq!(id.up(12345), Some(12345));
}

#[test]
fn translate_through_parent() {
    let parent = parse_map_write(b"0 1000 100").unwrap();
    let child = parse_map_write(b"0 10 5").unwrap().translate_lower(&parent).unwrap();
    assert_eq!(child.extents, vec![ext(0, 1010, 5)]);
    assert_eq!(parse_map_write(b"0 99 2").unwrap().translate_lower(&parent), Err(EPERM));
    assert_eq!(parse_map_write(b"0 0 1").unwrap().translate_lower(&identity()).unwrap().extents, vec![ext(0, 0, 1)]);
}

#[test]
fn show_format() {
    assert_eq!(identity().show(Some), "         0          0 4294967295\n");
    let m = parse_map_write(b"0 1000 1").unwrap();
    assert_eq!(m.show(|_| None), "         0 4294967295          1\n");
}
