//! newc cpio ("initramfs") archive parser.
//!
//! Linux counterpart: `init/initramfs.c` (Linux 6.1), `unpack_to_rootfs()`,
//! `write_buffer()`/`flush_buffer()` and the `do_*` state functions.
//!
//! Behaviour mirrored from Linux:
//! * The buffer is a sequence of *members*. At the top level, a byte `'0'` at a
//!   4-byte aligned offset starts a cpio archive; a NUL byte is skipped
//!   (padding); anything else must be the magic of a compressed member
//!   (only gzip, `1f 8b` / `1f 9e`, is supported here; other known
//!   compressors are reported as [`Error::UnsupportedCompression`]).
//! * Each cpio header is 110 bytes: magic `070701` (no checksum) or `070702`
//!   (checksum = 32-bit wrapping sum of the file's data bytes, checked for
//!   regular files), then 13 8-digit hex fields parsed like
//!   `simple_strtoul(.., 16)` (prefix of hex digits). `070707` (odc) and any
//!   other magic is an error.
//! * Header + name are padded to 4 bytes, the body is padded to 4 bytes
//!   (`N_ALIGN`, `next_header = (next_header + 3) & ~3`).
//! * After every entry Linux goes to its `Reset` state: any number of NUL
//!   bytes is skipped; if more bytes follow and the offset is not 4-aligned
//!   the archive has "broken padding".
//! * `TRAILER!!!` is not an entry: it only forgets the hard-link table
//!   (`free_hash()`); more archives (plain or compressed) may follow.
//! * Entries with `namesize == 0` or `namesize > PATH_MAX` are skipped, as are
//!   symlinks whose target is longer than `PATH_MAX` and non-regular,
//!   non-symlink entries with a non-empty body (Linux's `do_header()`).
//! * A regular file with `nlink >= 2` whose (ino, dev major, dev minor, file
//!   type) matches an earlier entry since the last trailer is a hard link of
//!   it ([`Entry::hardlink_of`]), as Linux's `maybe_link()`/`find_link()`;
//!   its data (usually in the last link, as cpio writes it) should be
//!   written to the shared inode without truncating it.
//! * A compressed member must decompress to whole entries ("junk at the end
//!   of compressed archive"), and within it only cpio data, NUL padding or a
//!   new header may appear ("junk within compressed archive").
//!
//! Deviations: an archive cut in the middle of an entry is an error
//! ([`Error::Truncated`]) even uncompressed (Linux silently stops). Names
//! are normalised: leading `/` and `./` are removed, trailing `/` too, and `.`
//! becomes the empty name (the root directory: Linux applies its
//! mode/owner to `/`).
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

/// `PATH_MAX` of Linux.
pub const PATH_MAX: u32 = 4096;
/// Size of a newc header.
pub const HEADER_LEN: usize = 110;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

/// Why an archive could not be unpacked. The message of each variant is
/// Linux's `error()` string where one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// "no cpio magic": a header whose magic is not 070701/070702.
    BadMagic,
    /// "incorrect cpio method used: use -H newc option" (magic 070707).
    OldCpioFormat,
    /// "broken padding": data after NUL padding at a non-4-aligned offset.
    BrokenPadding,
    /// "bad data checksum" (070702 archives).
    BadChecksum,
    /// The archive ends inside a header, name or body.
    Truncated,
    /// "invalid magic at start of compressed archive".
    InvalidCompressedMagic,
    /// "compression method %s not configured".
    UnsupportedCompression(&'static str),
    /// "decompressor failed" (bad gzip stream, CRC or size mismatch).
    DecompressorFailed,
    /// "junk within compressed archive".
    JunkWithinCompressed,
    /// "junk at the end of compressed archive" (member ends inside an entry).
    JunkAtEndOfCompressed,
}

impl Error {
    /// Linux's message for this error.
    pub fn message(&self) -> &'static str {
        match self {
            Error::BadMagic => "no cpio magic",
            Error::OldCpioFormat => "incorrect cpio method used: use -H newc option",
            Error::BrokenPadding => "broken padding",
            Error::BadChecksum => "bad data checksum",
            Error::Truncated => "truncated archive",
            Error::InvalidCompressedMagic => "invalid magic at start of compressed archive",
            Error::UnsupportedCompression(_) => "compression method not configured",
            Error::DecompressorFailed => "decompressor failed",
            Error::JunkWithinCompressed => "junk within compressed archive",
            Error::JunkAtEndOfCompressed => "junk at the end of compressed archive",
        }
    }
    /// An errno for callers that need one (Linux only prints the message and
    /// panics for the built-in initramfs): EINVAL for every format error.
    pub fn errno(&self) -> u32 {
        22 // EINVAL
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::UnsupportedCompression(n) => write!(f, "compression method {} not configured", n),
            e => f.write_str(e.message()),
        }
    }
}

/// One archive entry (file, directory, symlink, device node, fifo, socket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Normalised path, relative to `/` (no leading `/` or `./`); empty for `.`.
    pub name: String,
    pub ino: u32,
    /// Full `st_mode`, file type bits included.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u64,
    /// Device of the archived file (used only for hard-link matching).
    pub dev_major: u32,
    pub dev_minor: u32,
    /// Device number of a block/char device node.
    pub rdev_major: u32,
    pub rdev_minor: u32,
    /// File data, or the link target of a symlink. Borrowed from the input for
    /// plain archives, owned for decompressed ones.
    pub data: Cow<'a, [u8]>,
    /// For a hard link: the normalised name of the earlier entry it links to.
    pub hardlink_of: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn file_type(&self) -> u32 {
        self.mode & S_IFMT
    }
    pub fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.file_type() == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.file_type() == S_IFLNK
    }
    /// Permission bits (`mode & 07777`).
    pub fn perm(&self) -> u32 {
        self.mode & 0o7777
    }
    /// Linux's `new_encode_dev(MKDEV(rdev_major, rdev_minor))`.
    pub fn rdev(&self) -> u32 {
        (self.rdev_minor & 0xff) | (self.rdev_major << 8) | ((self.rdev_minor & !0xff) << 12)
    }
}

struct RawEntry {
    name: String,
    hdr: Header,
    data: Range<usize>,
    hardlink_of: Option<String>,
}

#[derive(Clone, Copy)]
struct Header {
    ino: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    mtime: u64,
    body_len: u32,
    major: u32,
    minor: u32,
    rmajor: u32,
    rminor: u32,
    name_len: u32,
    check: u32,
}

/// Hard-link table (Linux's `head[]` hash, reset at each TRAILER!!!).
struct Links(Vec<(u32, u32, u32, u32, String)>);

/// `simple_strtoul(buf, NULL, 16)` over one 8-character field.
fn hex_field(s: &[u8]) -> u32 {
    let mut s = s;
    if s.len() >= 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' && s.len() > 2 && s[2].is_ascii_hexdigit() {
        s = &s[2..];
    }
    let mut v: u32 = 0;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        v = v.wrapping_mul(16).wrapping_add(d as u32);
    }
    v
}

fn parse_header(h: &[u8]) -> Header {
    let f = |i: usize| hex_field(&h[6 + 8 * i..6 + 8 * i + 8]);
    Header {
        ino: f(0),
        mode: f(1),
        uid: f(2),
        gid: f(3),
        nlink: f(4),
        mtime: f(5) as u64,
        body_len: f(6),
        major: f(7),
        minor: f(8),
        rmajor: f(9),
        rminor: f(10),
        name_len: f(11),
        check: f(12),
    }
}

fn normalise(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let mut s = &raw[..end];
    loop {
        if let Some(r) = s.strip_prefix(b"/") {
            s = r;
        } else if let Some(r) = s.strip_prefix(b"./") {
            s = r;
        } else {
            break;
        }
    }
    while let Some(r) = s.strip_suffix(b"/") {
        s = r;
    }
    if s == b"." {
        s = b"";
    }
    String::from_utf8_lossy(s).into_owned()
}

fn align4(x: usize) -> usize {
    (x + 3) & !3
}

/// Parse consecutive cpio entries starting at `pos` (a `'0'` at an aligned
/// offset). Returns the offset after the last entry and its NUL padding.
fn parse_run(buf: &[u8], mut pos: usize, links: &mut Links, out: &mut Vec<RawEntry>) -> Result<usize, Error> {
    while pos < buf.len() && buf[pos] == b'0' && pos & 3 == 0 {
        // do_start / do_header
        let hb = buf.get(pos..pos + HEADER_LEN).ok_or(Error::Truncated)?;
        let csum_present = match &hb[..6] {
            b"070701" => false,
            b"070702" => true,
            b"070707" => return Err(Error::OldCpioFormat),
            _ => return Err(Error::BadMagic),
        };
        let h = parse_header(hb);
        let name_start = pos + HEADER_LEN;
        // N_ALIGN(name_len) = ((name_len + 1) & ~3) + 2
        let name_area = (((h.name_len as usize) + 1) & !3) + 2;
        let body_start = name_start + name_area;
        let next = align4(body_start + h.body_len as usize);
        let ftype = h.mode & S_IFMT;
        let wanted = h.name_len != 0
            && h.name_len <= PATH_MAX
            && if ftype == S_IFLNK { h.body_len <= PATH_MAX } else { ftype == S_IFREG || h.body_len == 0 };
        // Everything up to the end of the body must be present (Linux's
        // streaming parser would just stop early).
        if body_start + h.body_len as usize > buf.len() {
            return Err(Error::Truncated);
        }
        if wanted {
            let raw_name = &buf[name_start..name_start + h.name_len as usize];
            let end = raw_name.iter().position(|&b| b == 0).unwrap_or(raw_name.len());
            if &raw_name[..end] == b"TRAILER!!!" {
                links.0.clear();
            } else {
                let data = body_start..body_start + h.body_len as usize;
                if ftype == S_IFREG && csum_present {
                    let sum = buf[data.clone()].iter().fold(0u32, |a, &b| a.wrapping_add(b as u32));
                    if sum != h.check {
                        return Err(Error::BadChecksum);
                    }
                }
                let name = normalise(raw_name);
                let mut hardlink_of = None;
                if ftype == S_IFREG && h.nlink >= 2 {
                    if let Some(l) =
                        links.0.iter().find(|l| l.0 == h.ino && l.1 == h.major && l.2 == h.minor && l.3 == ftype)
                    {
                        hardlink_of = Some(l.4.clone());
                    } else {
                        links.0.push((h.ino, h.major, h.minor, ftype, name.clone()));
                    }
                }
                out.push(RawEntry { name, hdr: h, data, hardlink_of });
            }
        }
        // do_skip to next_header; the alignment padding may be missing at
        // the very end of the buffer.
        pos = next.min(buf.len());
        // do_reset
        while pos < buf.len() && buf[pos] == 0 {
            pos += 1;
        }
        if pos < buf.len() && pos & 3 != 0 {
            return Err(Error::BrokenPadding);
        }
    }
    Ok(pos)
}

fn to_entry<'a>(r: RawEntry, data: Cow<'a, [u8]>) -> Entry<'a> {
    Entry {
        name: r.name,
        ino: r.hdr.ino,
        mode: r.hdr.mode,
        uid: r.hdr.uid,
        gid: r.hdr.gid,
        nlink: r.hdr.nlink,
        mtime: r.hdr.mtime,
        dev_major: r.hdr.major,
        dev_minor: r.hdr.minor,
        rdev_major: r.hdr.rmajor,
        rdev_minor: r.hdr.rminor,
        data,
        hardlink_of: r.hardlink_of,
    }
}

/// Linux's `decompress_method()` magic table; `Some(true)` = gzip.
fn compression(buf: &[u8]) -> Option<(&'static str, bool)> {
    const TABLE: &[(&[u8], &str, bool)] = &[
        (&[0x1f, 0x8b], "gzip", true),
        (&[0x1f, 0x9e], "gzip", true),
        (&[0x42, 0x5a, 0x68], "bzip2", false),
        (&[0x5d, 0x00, 0x00], "lzma", false),
        (&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz", false),
        (&[0x89, 0x4c, 0x5a, 0x4f], "lzo", false),
        (&[0x02, 0x21, 0x4c, 0x18], "lz4", false),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd", false),
    ];
    TABLE.iter().find(|t| buf.starts_with(t.0)).map(|t| (t.1, t.2))
}

const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 (IEEE, as gzip uses).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = CRC_TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// Length of a gzip member header (RFC 1952), or None if truncated.
fn gzip_header_len(buf: &[u8]) -> Option<usize> {
    if buf.len() < 10 {
        return None;
    }
    let flg = buf[3];
    let mut p = 10;
    if flg & 4 != 0 {
        let xlen = u16::from_le_bytes([*buf.get(p)?, *buf.get(p + 1)?]) as usize;
        p += 2 + xlen;
    }
    for bit in [8u8, 16] {
        if flg & bit != 0 {
            p += buf.get(p..)?.iter().position(|&b| b == 0)? + 1;
        }
    }
    if flg & 2 != 0 {
        p += 2;
    }
    if p > buf.len() {
        None
    } else {
        Some(p)
    }
}

/// Decompress one gzip member at the start of `buf`; returns the data and the
/// number of input bytes the member occupies (Linux's `my_inptr`).
pub fn gunzip_member(buf: &[u8]) -> Result<(Vec<u8>, usize), Error> {
    if buf.len() < 2 || buf[0] != 0x1f || (buf[1] != 0x8b && buf[1] != 0x9e) {
        return Err(Error::InvalidCompressedMagic);
    }
    let hlen = gzip_header_len(buf).ok_or(Error::DecompressorFailed)?;
    // zune-inflate does not report how much input it used: inflate the raw
    // deflate stream, then find the trailer (CRC32, ISIZE) that matches it.
    // Size the output once: a single-member archive ends with ISIZE (the size mod 2^32),
    // so the kernel heap sees one allocation instead of a chain of doublings.
    let isize_hint = if buf.len() >= 4 {
        u32::from_le_bytes([buf[buf.len() - 4], buf[buf.len() - 3], buf[buf.len() - 2], buf[buf.len() - 1]]) as usize
    } else {
        0
    };
    let hint = isize_hint.clamp(37000, 1 << 30) + 65536;
    let opts = zune_inflate::DeflateOptions::default().set_confirm_checksum(false).set_size_hint(hint);
    let mut dec = zune_inflate::DeflateDecoder::new_with_options(&buf[hlen..], opts);
    let data = dec.decode_deflate().map_err(|_| Error::DecompressorFailed)?;
    let mut trailer = [0u8; 8];
    trailer[..4].copy_from_slice(&crc32(&data).to_le_bytes());
    trailer[4..].copy_from_slice(&(data.len() as u32).to_le_bytes());
    let end =
        buf[hlen..].windows(8).position(|w| w == trailer).map(|p| hlen + p + 8).ok_or(Error::DecompressorFailed)?;
    Ok((data, end))
}

/// Parse a whole initramfs image: concatenated plain and gzip-compressed newc
/// archives with NUL padding between them, as Linux's `unpack_to_rootfs()`.
pub fn parse(buf: &[u8]) -> Result<Vec<Entry<'_>>, Error> {
    let mut out: Vec<Entry<'_>> = Vec::new();
    let mut links = Links(Vec::new());
    let mut pos = 0usize;
    while pos < buf.len() {
        let c = buf[pos];
        if c == b'0' && pos & 3 == 0 {
            let mut raw = Vec::new();
            pos = parse_run(buf, pos, &mut links, &mut raw)?;
            for r in raw {
                let d = Cow::Borrowed(&buf[r.data.clone()]);
                out.push(to_entry(r, d));
            }
            continue;
        }
        if c == 0 {
            pos += 1;
            continue;
        }
        match compression(&buf[pos..]) {
            Some((_, true)) => {
                let (data, used) = gunzip_member(&buf[pos..])?;
                let mut raw = Vec::new();
                parse_decompressed(&data, &mut links, &mut raw)?;
                for r in raw {
                    let d = Cow::Owned(data[r.data.clone()].to_vec());
                    out.push(to_entry(r, d));
                }
                pos += used;
            }
            Some((name, false)) => return Err(Error::UnsupportedCompression(name)),
            None => return Err(Error::InvalidCompressedMagic),
        }
    }
    Ok(out)
}

/// `flush_buffer()`: the decompressed stream holds cpio entries and NUL
/// padding only, and must end at an entry boundary.
fn parse_decompressed(data: &[u8], links: &mut Links, out: &mut Vec<RawEntry>) -> Result<(), Error> {
    let mut pos = 0;
    while pos < data.len() {
        if data[pos] == b'0' && pos & 3 == 0 {
            pos = match parse_run(data, pos, links, out) {
                Err(Error::Truncated) => return Err(Error::JunkAtEndOfCompressed),
                r => r?,
            };
        } else if data[pos] == 0 {
            pos += 1;
        } else if pos & 3 != 0 {
            return Err(Error::BrokenPadding);
        } else {
            return Err(Error::JunkWithinCompressed);
        }
    }
    Ok(())
}
