use initramfs::*;
use std::io::Write;

struct W {
    buf: Vec<u8>,
    crc: bool,
}

impl W {
    fn new(crc: bool) -> W {
        W { buf: Vec::new(), crc }
    }
    #[allow(clippy::too_many_arguments)]
    fn raw(&mut self, name: &str, ino: u32, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8], check: Option<u32>) {
        let sum = data.iter().fold(0u32, |a, &b| a.wrapping_add(b as u32));
        let magic = if self.crc { "070702" } else { "070701" };
        let h = format!(
            "{}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            magic,
            ino,
            mode,
            1000,
            100,
            nlink,
            1_700_000_000u32,
            data.len(),
            8,
            1,
            rdev.0,
            rdev.1,
            name.len() + 1,
            check.unwrap_or(if self.crc { sum } else { 0 })
        );
        self.buf.extend_from_slice(h.as_bytes());
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(0);
        self.pad();
        self.buf.extend_from_slice(data);
        self.pad();
    }
    fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.raw(name, self.buf.len() as u32, S_IFREG | mode, 1, (0, 0), data, None)
    }
    fn dir(&mut self, name: &str) {
        self.raw(name, self.buf.len() as u32, S_IFDIR | 0o755, 2, (0, 0), b"", None)
    }
    fn trailer(&mut self) {
        self.raw("TRAILER!!!", 0, 0, 1, (0, 0), b"", None)
    }
    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0)
        }
    }
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn sample() -> Vec<u8> {
    let mut w = W::new(false);
    w.dir(".");
    w.dir("bin");
    w.file("./bin/init", 0o755, b"\x7fELF hello");
    w.raw("dev/console", 9, S_IFCHR | 0o600, 1, (5, 1), b"", None);
    w.raw("bin/sh", 10, S_IFLNK | 0o777, 1, (0, 0), b"init", None);
    w.file("/etc/empty", 0o644, b"");
    w.trailer();
    w.buf
}

#[test]
fn basic() {
    let a = sample();
    let e = parse(&a).unwrap();
    let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["", "bin", "bin/init", "dev/console", "bin/sh", "etc/empty"]);
    assert!(e[0].is_dir() && e[1].is_dir());
    assert!(e[2].is_file());
    assert_eq!(e[2].perm(), 0o755);
    assert_eq!(e[2].mode, S_IFREG | 0o755);
    assert_eq!(&*e[2].data, b"\x7fELF hello");
    assert!(matches!(e[2].data, std::borrow::Cow::Borrowed(_)));
    assert_eq!((e[2].uid, e[2].gid, e[2].mtime), (1000, 100, 1_700_000_000));
    assert_eq!(e[3].file_type(), S_IFCHR);
    assert_eq!((e[3].rdev_major, e[3].rdev_minor), (5, 1));
    assert_eq!(e[3].rdev(), (5 << 8) | 1);
    assert!(e[4].is_symlink());
    assert_eq!(&*e[4].data, b"init");
    assert_eq!(e[5].data.len(), 0);
}

#[test]
fn concatenated_with_padding() {
    let mut a = sample();
    a.extend_from_slice(&[0u8; 512]);
    let mut w = W::new(true);
    w.file("second", 0o600, b"abc");
    w.trailer();
    a.extend_from_slice(&w.buf);
    a.extend_from_slice(&[0u8; 3]); // trailing NULs need not be aligned
    let e = parse(&a).unwrap();
    assert_eq!(e.len(), 7);
    assert_eq!(e[6].name, "second");
    assert_eq!(&*e[6].data, b"abc");
}

#[test]
fn entries_after_trailer_without_more_padding() {
    // Linux returns to the top level after every entry; no trailer needed
    // at the end either.
    let mut w = W::new(false);
    w.file("a", 0o644, b"1");
    let e = parse(&w.buf).unwrap();
    assert_eq!(e.len(), 1);
}

#[test]
fn gzip_member_and_mixed() {
    let plain = sample();
    let mut a = gz(&plain);
    // then an uncompressed archive, 4-aligned
    while !a.len().is_multiple_of(4) {
        a.push(0);
    }
    let mut w = W::new(false);
    w.file("late", 0o644, b"xyz");
    w.trailer();
    a.extend_from_slice(&w.buf);
    // then another gzip member
    let mut w2 = W::new(false);
    w2.file("last", 0o644, &vec![7u8; 100_000]);
    w2.trailer();
    a.extend_from_slice(&gz(&w2.buf));
    let e = parse(&a).unwrap();
    let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["", "bin", "bin/init", "dev/console", "bin/sh", "etc/empty", "late", "last"]);
    assert_eq!(&*e[2].data, b"\x7fELF hello");
    assert!(matches!(e[2].data, std::borrow::Cow::Owned(_)));
    assert_eq!(e[7].data.len(), 100_000);
}

#[test]
fn gzip_errors() {
    let plain = sample();
    let mut g = gz(&plain);
    let n = g.len();
    g[n - 5] ^= 1; // CRC
    assert_eq!(parse(&g), Err(Error::DecompressorFailed));
    let g = gz(&plain[..plain.len() - 20]);
    assert_eq!(parse(&g), Err(Error::JunkAtEndOfCompressed));
    let mut junk = plain.clone();
    junk.extend_from_slice(b"JUNK");
    assert_eq!(parse(&gz(&junk)), Err(Error::JunkWithinCompressed));
    let g = gz(&plain);
    assert_eq!(parse(&g[..g.len() - 3]), Err(Error::DecompressorFailed));
}

#[test]
fn errors() {
    let a = sample();
    assert_eq!(parse(&a[..50]), Err(Error::Truncated));
    assert_eq!(parse(&a[..120]), Err(Error::Truncated));
    let mut b = a.clone();
    b[5] = b'9';
    assert_eq!(parse(&b), Err(Error::BadMagic));
    let mut b = a.clone();
    b[..6].copy_from_slice(b"070707");
    assert_eq!(parse(&b), Err(Error::OldCpioFormat));
    assert_eq!(parse(b"hello"), Err(Error::InvalidCompressedMagic));
    assert_eq!(parse(b"BZh91AY"), Err(Error::UnsupportedCompression("bzip2")));
    let mut b = a.clone();
    b.extend_from_slice(&[0, 0, b'0', b'7']);
    assert_eq!(parse(&b), Err(Error::BrokenPadding));
    let mut w = W::new(true);
    w.raw("f", 1, S_IFREG | 0o644, 1, (0, 0), b"abc", Some(5));
    assert_eq!(parse(&w.buf), Err(Error::BadChecksum));
    // leading '0' at unaligned offset is taken as compressed junk
    assert_eq!(parse(b"\0\x0007"), Err(Error::InvalidCompressedMagic));
}

#[test]
fn skipped_entries_and_hardlinks() {
    let mut w = W::new(false);
    // directory with a body: skipped
    w.raw("weird", 3, S_IFDIR | 0o755, 2, (0, 0), b"body", None);
    // two hard links, data in the last one
    w.raw("h1", 77, S_IFREG | 0o644, 2, (0, 0), b"", None);
    w.raw("h2", 77, S_IFREG | 0o644, 2, (0, 0), b"data", None);
    w.trailer();
    w.raw("h3", 77, S_IFREG | 0o644, 2, (0, 0), b"new", None);
    let e = parse(&w.buf).unwrap();
    let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["h1", "h2", "h3"]);
    assert_eq!(e[0].hardlink_of, None);
    assert_eq!(e[1].hardlink_of.as_deref(), Some("h1"));
    assert_eq!(e[2].hardlink_of, None); // trailer forgets links
}

#[test]
fn crc32_known() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
}
