//! The file syscalls.  Linux: fs/open.c, fs/read_write.c, fs/stat.c, fs/readdir.c,
//! fs/fcntl.c, fs/ioctl.c, fs/select.c, fs/namei.c, fs/d_path.c.

use super::file::*;
use super::inode::*;
use super::*;
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// Regular files of the rootfs.  Linux: ramfs's file_operations (generic read/write).
pub struct RegOps;
impl FileOps for RegOps {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        let ino = f.inode.as_ref().unwrap();
        let mut pos = f.pos.lock();
        let n = ino.read_at_raw(*pos as usize, buf);
        *pos += n as u64;
        Ok(n)
    }
    fn write(&self, f: &File, buf: &[u8]) -> KResult<usize> {
        let ino = f.inode.as_ref().unwrap();
        let mut pos = f.pos.lock();
        if f.flags() & O_APPEND != 0 {
            *pos = ino.size() as u64;
        }
        let n = ino.write_at(*pos as usize, buf)?;
        *pos += n as u64;
        Ok(n)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "file"
    }
}

pub struct DirOps;
impl FileOps for DirOps {
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Err(EISDIR)
    }
    fn write(&self, _f: &File, _buf: &[u8]) -> KResult<usize> {
        Err(EBADF)
    }
    fn seekable(&self) -> bool {
        true
    }
}

pub struct NullOps;
impl FileOps for NullOps {
    fn discards_writes(&self) -> bool {
        true
    }
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Ok(0)
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
}

pub struct ZeroOps;
impl FileOps for ZeroOps {
    fn read(&self, _f: &File, buf: &mut [u8]) -> KResult<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
}

pub struct RandomOps;
impl FileOps for RandomOps {
    fn read(&self, _f: &File, buf: &mut [u8]) -> KResult<usize> {
        crate::kernel::sys::get_random_bytes(buf);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, buf: &[u8]) -> KResult<usize> {
        Ok(buf.len())
    }
}

/// Linux: chrdev_open(): the file operations of a device node.
fn chrdev_ops(ma: u32, mi: u32) -> KResult<Arc<dyn FileOps>> {
    Ok(match (ma, mi) {
        (1, 3) => Arc::new(NullOps),
        (1, 5) => Arc::new(ZeroOps),
        (1, 8) | (1, 9) => Arc::new(RandomOps),
        (5, 0) | (5, 1) | (4, 64) => Arc::new(crate::drivers::tty::ConsoleOps),
        _ => return Err(ENXIO),
    })
}

/// Opens an inode as a file (Linux: do_dentry_open()).
pub fn open_inode(ino: Arc<Inode>, flags: u32, path: String) -> KResult<Arc<File>> {
    let ops: Arc<dyn FileOps> = match &ino.kind {
        InodeKind::Dir(_) => Arc::new(DirOps),
        InodeKind::File(_) => Arc::new(RegOps),
        InodeKind::CharDev(a, b) => {
            if flags & O_PATH != 0 {
                Arc::new(NullOps)
            } else {
                chrdev_ops(*a, *b)?
            }
        }
        InodeKind::Proc(node) => procfs::open(node)?,
        InodeKind::Trace(node) => super::tracefs::open(node, flags)?,
        InodeKind::Symlink(_) => Arc::new(NullOps), // O_PATH|O_NOFOLLOW only
    };
    Ok(File::new(ops, Some(ino), flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC), path))
}

fn may_open(ino: &Inode, flags: u32) -> KResult<()> {
    let acc = flags & O_ACCMODE;
    if ino.is_dir() && (acc != O_RDONLY || flags & O_TRUNC != 0) && flags & O_PATH == 0 {
        return Err(EISDIR);
    }
    if flags & O_DIRECTORY != 0 && !ino.is_dir() {
        return Err(ENOTDIR);
    }
    Ok(())
}

/// Linux: do_sys_openat2()
pub fn do_open(dirfd: i32, path: &str, flags: u32, mode: u32) -> KResult<usize> {
    let follow = flags & O_NOFOLLOW == 0;
    let ino = match namei_at(dirfd, path, follow) {
        Ok(ino) => {
            if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                return Err(EEXIST);
            }
            if let InodeKind::Symlink(_) = ino.kind {
                if flags & O_PATH == 0 {
                    return Err(ELOOP);
                }
            }
            ino
        }
        Err(ENOENT) if flags & O_CREAT != 0 => {
            let (dir, name) = lookup_parent(dirfd, path)?;
            if path.ends_with('/') {
                return Err(EISDIR);
            }
            let umask = current().fs.lock().as_ref().map_or(0o022, |f| f.inner.lock().umask);
            let ino = Inode::new(
                S_IFREG | (mode & 0o7777 & !umask),
                InodeKind::File(crate::kernel::locking::SpinLock::new(FileData::Owned(Vec::new()))),
            );
            dir.link(&name, ino.clone())?;
            ino
        }
        Err(e) => return Err(e),
    };
    may_open(&ino, flags)?;
    let writer = ino.is_reg() && flags & O_ACCMODE != O_RDONLY && flags & O_PATH == 0;
    if writer {
        ino.get_write_access()?;
    }
    if flags & O_TRUNC != 0 && ino.is_reg() && flags & O_ACCMODE != O_RDONLY {
        ino.truncate(0)?;
    }
    if let InodeKind::CharDev(5, 0 | 1) | InodeKind::CharDev(4, 64) = ino.kind {
        crate::drivers::tty::open_maybe_acquire(flags & O_NOCTTY != 0);
    }
    let f = match open_inode(ino.clone(), flags, String::from(path)) {
        Ok(f) => f,
        Err(e) => {
            if writer {
                ino.writecount.fetch_sub(1, Ordering::AcqRel);
            }
            return Err(e);
        }
    };
    f.write_access.store(writer, Ordering::Relaxed);
    fd_install(f, flags & O_CLOEXEC != 0)
}

pub fn sys_openat(dirfd: i32, filename: UserCStr, flags: i32, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    do_open(dirfd, &path, flags as u32, mode)
}

pub fn sys_close(fd: u32) -> KResult<usize> {
    close_fd(fd).map(|_| 0)
}

/// Reads into a user buffer through a kernel bounce buffer (at most 64 KiB a call chunk).
/// Bounce-buffer size: reads and writes move through the kernel in chunks this big.
const RW_CHUNK: usize = 64 * 1024;

/// Linux: vfs_read(): through a kernel bounce buffer, chunk by chunk for files that can
/// seek (regular files read in full), one chunk for pipes and ttys (whatever is there).
fn read_file(f: &File, ubuf: UserPtr<u8>, count: usize) -> KResult<usize> {
    if !f.readable() {
        return Err(EBADF);
    }
    ubuf.check(count)?;
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let want = (count - done).min(kbuf.len());
        let got = match f.ops.read(f, &mut kbuf[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = ubuf.byte_add(done).copy_out(&kbuf[..got]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += got;
        if got < want || !f.ops.seekable() {
            break;
        }
    }
    Ok(done)
}

/// Linux: vfs_write(), chunked like read_file.
fn write_file(f: &File, ubuf: UserPtr<u8>, count: usize) -> KResult<usize> {
    if !f.writable() {
        return Err(EBADF);
    }
    if f.ops.discards_writes() {
        return Ok(count);
    }
    if !f.ops.seekable() && count <= RW_CHUNK {
        // pipes and ttys: one piece (a pipe write of <= PIPE_BUF must stay whole)
        let mut kbuf = vec![0u8; count];
        ubuf.copy_in(&mut kbuf)?;
        return f.ops.write(f, &kbuf);
    }
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    while done < count {
        let n = (count - done).min(kbuf.len());
        if let Err(e) = ubuf.byte_add(done).copy_in(&mut kbuf[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let w = match f.ops.write(f, &kbuf[..n]) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w;
        if w < n {
            break;
        }
    }
    Ok(done)
}

pub fn sys_read(fd: u32, buf: UserPtr<u8>, count: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    read_file(&f, buf, count)
}

pub fn sys_write(fd: u32, buf: UserPtr<u8>, count: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    write_file(&f, buf, count)
}

crate::user_pod! {
    #[derive(Clone, Copy)]
    pub struct IoVec {
        base: UserPtr<u8>,
        len: usize,
    }
}

fn read_iovec(iov: UserPtr<IoVec>, cnt: usize) -> KResult<Vec<IoVec>> {
    if cnt > 1024 {
        return Err(EINVAL);
    }
    let mut v = Vec::with_capacity(cnt);
    for i in 0..cnt {
        let e = iov.add(i).read()?;
        if e.len > isize::MAX as usize {
            return Err(EINVAL);
        }
        v.push(e);
    }
    Ok(v)
}

/// Linux: do_readv() / do_writev(): one iovec after another; a short transfer ends the
/// call, and an error counts only when nothing was transferred yet.
fn rw_iov(f: &File, iov: UserPtr<IoVec>, cnt: usize, write: bool) -> KResult<usize> {
    let mut total = 0;
    for e in read_iovec(iov, cnt)? {
        if e.len == 0 {
            continue;
        }
        let r = if write { write_file(f, e.base, e.len) } else { read_file(f, e.base, e.len) };
        let n = match r {
            Ok(n) => n,
            Err(err) if total == 0 => return Err(err),
            Err(_) => break,
        };
        total += n;
        if n < e.len {
            break;
        }
    }
    Ok(total)
}

pub fn sys_readv(fd: u32, vec: UserPtr<IoVec>, vlen: usize) -> KResult<usize> {
    rw_iov(&*fd_get(fd)?, vec, vlen, false)
}

pub fn sys_writev(fd: u32, vec: UserPtr<IoVec>, vlen: usize) -> KResult<usize> {
    rw_iov(&*fd_get(fd)?, vec, vlen, true)
}

/// pread64/pwrite64: a transfer at `off` that leaves the file position alone.
fn rw_at(fd: u32, buf: UserPtr<u8>, count: usize, off: i64, write: bool) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if off < 0 {
        return Err(EINVAL);
    }
    let saved = core::mem::replace(&mut *f.pos.lock(), off as u64);
    let r = if write { write_file(&f, buf, count) } else { read_file(&f, buf, count) };
    *f.pos.lock() = saved;
    r
}

pub fn sys_pread64(fd: u32, buf: UserPtr<u8>, count: usize, pos: i64) -> KResult<usize> {
    rw_at(fd, buf, count, pos, false)
}

pub fn sys_pwrite64(fd: u32, buf: UserPtr<u8>, count: usize, pos: i64) -> KResult<usize> {
    rw_at(fd, buf, count, pos, true)
}

pub fn sys_lseek(fd: u32, offset: i64, whence: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    let off = offset as isize;
    let size = f.inode.as_ref().map_or(0, |i| i.size()) as isize;
    let mut pos = f.pos.lock();
    let new = match whence {
        0 => off,
        1 => *pos as isize + off,
        2 => size + off,
        3 | 4 => {
            // SEEK_DATA / SEEK_HOLE on a file without holes
            if off < 0 || off >= size {
                return Err(ENXIO);
            }
            if whence == 3 {
                off
            } else {
                size
            }
        }
        _ => return Err(EINVAL),
    };
    if new < 0 {
        return Err(EINVAL);
    }
    *pos = new as u64;
    Ok(new as usize)
}

crate::user_pod! {
    /// Linux: struct stat (asm-generic, riscv64).
    #[derive(Clone, Copy, Default)]
    pub struct Stat {
        pub st_dev: u64,
        pub st_ino: u64,
        pub st_mode: u32,
        pub st_nlink: u32,
        pub st_uid: u32,
        pub st_gid: u32,
        pub st_rdev: u64,
        pub __pad1: u64,
        pub st_size: i64,
        pub st_blksize: i32,
        pub __pad2: i32,
        pub st_blocks: i64,
        pub st_atime: i64,
        pub st_atime_nsec: u64,
        pub st_mtime: i64,
        pub st_mtime_nsec: u64,
        pub st_ctime: i64,
        pub st_ctime_nsec: u64,
        pub __unused: [u32; 2],
    }
}

/// Linux: new_encode_dev()
fn encode_dev(ma: u32, mi: u32) -> u64 {
    ((mi & 0xff) | (ma << 8) | ((mi & !0xff) << 12)) as u64
}

pub fn stat_of(ino: &Inode) -> Stat {
    let (ma, mi) = ino.rdev();
    let size = ino.size() as i64;
    Stat {
        st_dev: if matches!(ino.kind, InodeKind::Proc(_)) { 4 } else { 1 },
        st_ino: ino.ino,
        st_mode: ino.mode(),
        st_nlink: ino.nlink.load(Ordering::Relaxed),
        st_uid: ino.uid.load(Ordering::Relaxed),
        st_gid: ino.gid.load(Ordering::Relaxed),
        st_rdev: encode_dev(ma, mi),
        st_size: size,
        st_blksize: 4096,
        st_blocks: (size + 511) / 512,
        ..Default::default()
    }
}

/// The inode number of a file without an inode (fstat, and /proc/PID/fd's "pipe:[N]").
pub fn anon_ino(f: &File) -> u64 {
    Arc::as_ptr(&f.ops) as *const u8 as u64 & 0xffff_ffff
}

/// A stat for files without an inode (pipes, pidfds): Linux reports a FIFO on pipefs.
fn stat_anon(f: &File) -> Stat {
    let mode = match f.ops.name() {
        "pipe" => S_IFIFO | 0o600,
        _ => 0o600,
    };
    Stat { st_dev: 12, st_ino: anon_ino(f), st_mode: mode, st_nlink: 1, st_blksize: 4096, ..Default::default() }
}

pub fn sys_fstat(fd: u32, statbuf: UserPtr<Stat>) -> KResult<usize> {
    let f = fd_get(fd)?;
    let st = match &f.inode {
        Some(i) => stat_of(i),
        None => stat_anon(&f),
    };
    statbuf.write(&st)?;
    Ok(0)
}

fn stat_target(dirfd: i32, filename: UserCStr, flags: u32) -> KResult<Stat> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */ | 0x6000) != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd == AT_FDCWD {
            let cwd = current().fs.lock().clone().ok_or(ENOENT)?.inner.lock().cwd.clone();
            return Ok(stat_of(&cwd));
        }
        let f = fd_get(dirfd as u32)?;
        return Ok(match &f.inode {
            Some(i) => stat_of(i),
            None => stat_anon(&f),
        });
    }
    let ino = namei_at(dirfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    Ok(stat_of(&ino))
}

pub fn sys_newfstatat(dfd: i32, filename: UserCStr, statbuf: UserPtr<Stat>, flag: i32) -> KResult<usize> {
    let st = stat_target(dfd, filename, flag as u32)?;
    statbuf.write(&st)?;
    Ok(0)
}

crate::user_pod! {
    #[derive(Clone, Copy, Default)]
    pub struct Statx {
        stx_mask: u32,
        stx_blksize: u32,
        stx_attributes: u64,
        stx_nlink: u32,
        stx_uid: u32,
        stx_gid: u32,
        stx_mode: u16,
        __spare0: u16,
        stx_ino: u64,
        stx_size: u64,
        stx_blocks: u64,
        stx_attributes_mask: u64,
        stx_atime: [u64; 2],
        stx_btime: [u64; 2],
        stx_ctime: [u64; 2],
        stx_mtime: [u64; 2],
        stx_rdev_major: u32,
        stx_rdev_minor: u32,
        stx_dev_major: u32,
        stx_dev_minor: u32,
        __spare2: [u64; 14],
    }
}

pub fn sys_statx(dfd: i32, filename: UserCStr, flags: u32, _mask: u32, buffer: UserPtr<Statx>) -> KResult<usize> {
    let st = stat_target(dfd, filename, flags & !0x6000)?;
    let x = Statx {
        stx_mask: 0x7ff,
        stx_blksize: 4096,
        stx_nlink: st.st_nlink,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_rdev_major: ((st.st_rdev >> 8) & 0xfff) as u32,
        stx_rdev_minor: ((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & !0xff)) as u32,
        stx_dev_major: 0,
        stx_dev_minor: st.st_dev as u32,
        ..Default::default()
    };
    buffer.write(&x)?;
    Ok(0)
}

/// Linux: getdents64() — struct linux_dirent64 records; the file position is the index of
/// the next entry ("." and ".." first).
pub fn sys_getdents64(fd: u32, dirent: UserPtr<u8>, count: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    let ino = f.inode.clone().ok_or(ENOTDIR)?;
    let entries: Vec<(String, u64, u8)> = {
        let mut v = Vec::new();
        v.push((String::from("."), ino.ino, 4u8));
        let p = ino.parent().unwrap_or_else(|| ino.clone());
        v.push((String::from(".."), p.ino, 4u8));
        match &ino.kind {
            InodeKind::Dir(d) => {
                for (name, c) in d.lock().entries.iter() {
                    v.push((name.clone(), c.ino, dtype(c)));
                }
            }
            InodeKind::Proc(node) => {
                for (name, i, t) in procfs::readdir(node) {
                    v.push((name, i, t));
                }
            }
            _ => return Err(ENOTDIR),
        }
        v
    };
    let mut pos = f.pos.lock();
    let mut out: Vec<u8> = Vec::new();
    let mut i = *pos as usize;
    while i < entries.len() {
        let (name, ino_nr, t) = &entries[i];
        let reclen = (19 + name.len() + 1 + 7) & !7;
        if out.len() + reclen > count as usize {
            break;
        }
        let mut rec = vec![0u8; reclen];
        rec[0..8].copy_from_slice(&ino_nr.to_le_bytes());
        rec[8..16].copy_from_slice(&((i + 1) as u64).to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = *t;
        rec[19..19 + name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&rec);
        i += 1;
    }
    if out.is_empty() && i < entries.len() {
        return Err(EINVAL);
    }
    dirent.copy_out(&out)?;
    *pos = i as u64;
    Ok(out.len())
}

fn dtype(i: &Inode) -> u8 {
    match i.mode() & S_IFMT {
        S_IFDIR => 4,
        S_IFREG => 8,
        S_IFLNK => 10,
        S_IFCHR => 2,
        S_IFIFO => 1,
        _ => 0,
    }
}

pub fn sys_mkdirat(dfd: i32, pathname: UserCStr, mode: u32) -> KResult<usize> {
    let path = pathname.read_path()?;
    let (dir, name) = lookup_parent(dfd, &path)?;
    if name == "." || name == ".." {
        return Err(EEXIST);
    }
    let umask = current().fs.lock().as_ref().map_or(0o022, |f| f.inner.lock().umask);
    let d = Inode::new_dir(mode & 0o7777 & !umask, Arc::downgrade(&dir), &name);
    dir.link(&name, d)?;
    Ok(0)
}

pub fn sys_unlinkat(dfd: i32, pathname: UserCStr, flag: i32) -> KResult<usize> {
    let flags = flag as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let path = pathname.read_path()?;
    let (dir, name) = lookup_parent(dfd, &path)?;
    if flags & AT_REMOVEDIR != 0 {
        if name == "." {
            return Err(EINVAL);
        }
        if name == ".." {
            return Err(ENOTEMPTY);
        }
    }
    dir.unlink(&name, flags & AT_REMOVEDIR != 0)?;
    Ok(0)
}

pub fn sys_symlinkat(oldname: UserCStr, newdfd: i32, newname: UserCStr) -> KResult<usize> {
    let target = oldname.read_path()?;
    let path = newname.read_path()?;
    let (dir, name) = lookup_parent(newdfd, &path)?;
    dir.link(&name, Inode::new(S_IFLNK | 0o777, InodeKind::Symlink(target)))?;
    Ok(0)
}

pub fn sys_linkat(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, flags: i32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let ino = namei_at(olddfd, &old, flags as u32 & AT_SYMLINK_FOLLOW != 0)?;
    if ino.is_dir() {
        return Err(EPERM);
    }
    let (dir, name) = lookup_parent(newdfd, &new)?;
    dir.link(&name, ino.clone())?;
    ino.nlink.fetch_add(1, Ordering::Relaxed);
    Ok(0)
}

pub fn sys_renameat2(olddfd: i32, oldname: UserCStr, newdfd: i32, newname: UserCStr, _flags: u32) -> KResult<usize> {
    let old = oldname.read_path()?;
    let new = newname.read_path()?;
    let (od, on) = lookup_parent(olddfd, &old)?;
    let (nd, nn) = lookup_parent(newdfd, &new)?;
    let ino = od.lookup(&on)?;
    if let Ok(existing) = nd.lookup(&nn) {
        if Arc::ptr_eq(&existing, &ino) {
            return Ok(0);
        }
        nd.unlink(&nn, existing.is_dir())?;
    }
    let was_dir = ino.is_dir();
    if let InodeKind::Dir(d) = &od.kind {
        d.lock().entries.remove(&on);
        if was_dir {
            od.nlink.fetch_sub(1, Ordering::Relaxed);
        }
    }
    nd.link(&nn, ino)?;
    Ok(0)
}

pub fn sys_readlinkat(dfd: i32, pathname: UserCStr, buf: UserPtr<u8>, bufsiz: i32) -> KResult<usize> {
    let path = pathname.read_path()?;
    if bufsiz <= 0 {
        return Err(EINVAL);
    }
    let size = bufsiz as usize;
    let ino = namei_at(dfd, &path, false)?;
    let target: String = match &ino.kind {
        InodeKind::Symlink(t) => t.clone(),
        InodeKind::Proc(n) => procfs::readlink(n)?,
        _ => return Err(EINVAL),
    };
    let n = target.len().min(size);
    buf.copy_out(&target.as_bytes()[..n])?;
    Ok(n)
}

/// Linux: faccessat(2) — faccessat2 without flags.
pub fn sys_faccessat(dfd: i32, filename: UserCStr, mode: i32) -> KResult<usize> {
    do_faccessat(dfd, filename, mode, 0)
}

pub fn sys_faccessat2(dfd: i32, filename: UserCStr, mode: i32, flags: i32) -> KResult<usize> {
    do_faccessat(dfd, filename, mode, flags as u32)
}

/// Linux: do_faccessat()
fn do_faccessat(dfd: i32, filename: UserCStr, mode: i32, flags: u32) -> KResult<usize> {
    if mode & !7 != 0 {
        return Err(EINVAL);
    }
    let path = filename.read_path()?;
    let ino = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        fd_get(dfd as u32)?.inode.clone().ok_or(EBADF)?
    } else {
        namei_at(dfd, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    // root: X needs at least one x bit (or a directory).
    if mode & 1 != 0 && !ino.is_dir() && ino.mode() & 0o111 == 0 {
        return Err(EACCES);
    }
    Ok(0)
}

/// Makes directory `ino` this process's cwd (or root): set_fs_pwd() / set_fs_root().
fn set_fs_dir(ino: Arc<Inode>, root: bool) -> KResult<usize> {
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let mut i = fs.inner.lock();
    if root {
        i.root = ino;
    } else {
        i.cwd = ino;
    }
    Ok(0)
}

pub fn sys_chdir(filename: UserCStr) -> KResult<usize> {
    let path = filename.read_path()?;
    set_fs_dir(namei_at(AT_FDCWD, &path, true)?, false)
}

pub fn sys_fchdir(fd: u32) -> KResult<usize> {
    set_fs_dir(fd_get(fd)?.inode.clone().ok_or(ENOTDIR)?, false)
}

pub fn sys_chroot(filename: UserCStr) -> KResult<usize> {
    let path = filename.read_path()?;
    set_fs_dir(namei_at(AT_FDCWD, &path, true)?, true)
}

/// Linux: getcwd() in fs/d_path.c: ERANGE when the buffer is too small.
pub fn sys_getcwd(buf: UserPtr<u8>, size: usize) -> KResult<usize> {
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let cwd = fs.inner.lock().cwd.clone();
    let mut p = cwd.dir_path().into_bytes();
    p.push(0);
    if p.len() > size {
        return Err(ERANGE);
    }
    buf.copy_out(&p)?;
    Ok(p.len())
}

pub fn sys_umask(mask: i32) -> KResult<usize> {
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let mut i = fs.inner.lock();
    let old = i.umask;
    i.umask = mask as u32 & 0o777;
    Ok(old as usize)
}

pub fn sys_fchmodat(dfd: i32, filename: UserCStr, mode: u32) -> KResult<usize> {
    let path = filename.read_path()?;
    let ino = namei_at(dfd, &path, true)?;
    let m = ino.mode();
    ino.mode.store((m & S_IFMT) | (mode & 0o7777), Ordering::Relaxed);
    Ok(0)
}

pub fn sys_fchmod(fd: u32, mode: u32) -> KResult<usize> {
    let f = fd_get(fd)?;
    let ino = f.inode.clone().ok_or(EINVAL)?;
    let m = ino.mode();
    ino.mode.store((m & S_IFMT) | (mode & 0o7777), Ordering::Relaxed);
    Ok(0)
}

pub fn sys_ftruncate(fd: u32, length: usize) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.writable() {
        return Err(EINVAL);
    }
    f.inode.as_ref().ok_or(EINVAL)?.truncate(length)?;
    Ok(0)
}

pub fn sys_dup(fildes: u32) -> KResult<usize> {
    let f = fd_get(fildes)?;
    fd_install(f, false)
}

/// Linux: dup3(): EINVAL for oldfd == newfd or flags other than O_CLOEXEC.
pub fn sys_dup3(oldfd: u32, newfd: u32, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !O_CLOEXEC != 0 || oldfd == newfd {
        return Err(EINVAL);
    }
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let f = files.get(oldfd as usize)?;
    let newfd = newfd as usize;
    if newfd >= cur.signal.rlimit(crate::kernel::signal::RLIMIT_NOFILE) as usize {
        return Err(EBADF);
    }
    let old = files.install_at(newfd, f, flags & O_CLOEXEC != 0);
    drop(old);
    Ok(newfd)
}

pub const F_DUPFD: usize = 0;
pub const F_GETFD: usize = 1;
pub const F_SETFD: usize = 2;
pub const F_GETFL: usize = 3;
pub const F_SETFL: usize = 4;
pub const F_GETLK: usize = 5;
pub const F_SETLK: usize = 6;
pub const F_SETLKW: usize = 7;
pub const F_DUPFD_CLOEXEC: usize = 1030;
pub const F_GETPIPE_SZ: usize = 1032;
pub const F_SETPIPE_SZ: usize = 1031;

pub fn sys_fcntl(fd: u32, cmd: u32, arg: usize) -> KResult<usize> {
    let (fd, cmd) = (fd as usize, cmd as usize);
    let cur = current();
    let files = cur.files.lock().clone().ok_or(EBADF)?;
    let e = files.get_entry(fd)?;
    let limit = cur.signal.rlimit(crate::kernel::signal::RLIMIT_NOFILE) as usize;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            if arg >= limit {
                return Err(EINVAL);
            }
            files.install_from(arg, e.file, cmd == F_DUPFD_CLOEXEC, limit)
        }
        F_GETFD => Ok(e.cloexec as usize),
        F_SETFD => files.set_cloexec(fd, arg & 1 != 0).map(|_| 0),
        F_GETFL => Ok(e.file.flags() as usize | if e.file.inode.is_some() { O_LARGEFILE as usize } else { 0 }),
        F_SETFL => {
            // Linux: setfl(): only O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME change.
            let settable = O_APPEND | O_NONBLOCK | 0o40000 | 0o1000000;
            let old = e.file.flags();
            e.file.flags.store((old & !settable) | (arg as u32 & settable), Ordering::Relaxed);
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW => Ok(0),
        F_GETPIPE_SZ | F_SETPIPE_SZ => {
            if e.file.ops.name() == "pipe" {
                Ok(pipe::PIPE_BUF_SIZE)
            } else {
                Err(EBADF)
            }
        }
        _ => Err(EINVAL),
    }
}

pub fn sys_ioctl(fd: u32, cmd: u32, arg: usize) -> KResult<usize> {
    let cmd = cmd as usize;
    let f = fd_get(fd)?;
    match cmd {
        0x5451 => {
            // FIOCLEX
            let files = current().files.lock().clone().ok_or(EBADF)?;
            files.set_cloexec(fd as usize, true).map(|_| 0)
        }
        0x5450 => {
            let files = current().files.lock().clone().ok_or(EBADF)?;
            files.set_cloexec(fd as usize, false).map(|_| 0)
        }
        0x5421 => {
            // FIONBIO
            let on: i32 = UserPtr::<i32>::new(arg).read()?;
            let old = f.flags();
            f.flags.store(if on != 0 { old | O_NONBLOCK } else { old & !O_NONBLOCK }, Ordering::Relaxed);
            Ok(0)
        }
        _ => f.ops.ioctl(&f, cmd, arg),
    }
}

crate::user_pod! {
    #[derive(Clone, Copy)]
    pub struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
}

/// Linux: do_sys_poll(): ppoll/poll.  Sleeps on the files' wait queues, or polls each tick.
pub fn sys_ppoll(
    ufds: UserPtr<PollFd>,
    nfds: u32,
    tsp: Option<UserPtr<crate::kernel::time::Timespec>>,
    sigmask: Option<UserPtr<u64>>,
    _sigsetsize: usize,
) -> KResult<usize> {
    let nfds = nfds as usize;
    if nfds > 1024 * 1024 {
        return Err(EINVAL);
    }
    let mut fds = ufds.read_array(nfds)?;
    let deadline = if let Some(tsp) = tsp {
        let ts = tsp.read()?;
        Some(crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::ns_to_cycles(ts.to_ns()?))
    } else {
        None
    };
    let cur = current();
    let saved = if let Some(sigmask) = sigmask {
        let m = sigmask.read()?;
        Some(cur.blocked.swap(m, Ordering::Relaxed))
    } else {
        None
    };
    let files = cur.files.lock().clone();
    let r = loop {
        let mut ready = 0;
        for p in fds.iter_mut() {
            p.revents = 0;
            if p.fd < 0 {
                continue;
            }
            let f = files.as_ref().and_then(|fs| fs.get(p.fd as usize).ok());
            let ev = match f {
                None => POLLNVAL,
                Some(f) => f.ops.poll(&f) & (p.events as u16 | POLLERR | POLLHUP),
            };
            p.revents = ev as i16;
            if ev != 0 {
                ready += 1;
            }
        }
        if ready > 0 {
            break Ok(ready);
        }
        if let Some(d) = deadline {
            if crate::arch::riscv::time::get_cycles() >= d {
                break Ok(0);
            }
        }
        if crate::kernel::signal::signal_pending(&cur) {
            break Err(Errno(514)); // ERESTARTNOHAND
        }
        // Sleep until the next tick or the deadline: poll is rare on hot paths here.
        let tick = crate::arch::riscv::time::get_cycles() + crate::arch::riscv::time::freq() / 100;
        let until = deadline.map_or(tick, |d| d.min(tick));
        let _ = crate::kernel::time::schedule_timeout_interruptible(until);
    };
    if let Some(old) = saved {
        if r.is_err() {
            *cur.saved_sigmask.lock() = Some(old);
        } else {
            cur.blocked.store(old, Ordering::Relaxed);
        }
    }
    let n = r?;
    for (i, p) in fds.iter().enumerate() {
        ufds.add(i).cast::<u8>().byte_add(6).cast::<i16>().write(&p.revents)?;
    }
    Ok(n)
}

pub fn sys_pipe2(fildes: UserPtr<[i32; 2]>, flags: i32) -> KResult<usize> {
    let flags = flags as u32;
    if flags & !(O_CLOEXEC | O_NONBLOCK | 0o40000) != 0 {
        return Err(EINVAL);
    }
    let (r, w) = pipe::create_pipe(flags)?;
    let cloexec = flags & O_CLOEXEC != 0;
    let rfd = fd_install(r, cloexec)?;
    let wfd = match fd_install(w, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = close_fd(rfd as u32);
            return Err(e);
        }
    };
    if let Err(e) = fildes.write(&[rfd as i32, wfd as i32]) {
        let _ = close_fd(rfd as u32);
        let _ = close_fd(wfd as u32);
        return Err(e);
    }
    Ok(0)
}

fn p_iov(fd: u32, iov: UserPtr<IoVec>, cnt: usize, off: i64, write: bool) -> KResult<usize> {
    let f = fd_get(fd)?;
    if !f.ops.seekable() {
        return Err(ESPIPE);
    }
    if off < 0 {
        return Err(EINVAL);
    }
    let saved = core::mem::replace(&mut *f.pos.lock(), off as u64);
    let r = rw_iov(&f, iov, cnt, write);
    *f.pos.lock() = saved;
    r
}

/// Linux: preadv() / pwritev(): like readv/writev at an offset, file position untouched.
/// (riscv64 passes the offset whole in pos_l; pos_h is unused.)
pub fn sys_preadv(fd: u32, vec: UserPtr<IoVec>, vlen: usize, pos_l: i64) -> KResult<usize> {
    p_iov(fd, vec, vlen, pos_l, false)
}
pub fn sys_pwritev(fd: u32, vec: UserPtr<IoVec>, vlen: usize, pos_l: i64) -> KResult<usize> {
    p_iov(fd, vec, vlen, pos_l, true)
}

/// mount(2): MenuOS's pseudo filesystems (/proc, /sys, tracefs, devtmpfs) are always there;
/// mounting them again succeeds, as a remount would.  Other filesystems: ENODEV.
pub fn sys_mount(
    _dev_name: UserCStr,
    dir_name: UserCStr,
    fstype: UserCStr,
    _flags: usize,
    _data: UserPtr<u8>,
) -> KResult<usize> {
    let t = dir_name.read_path()?;
    let ino = namei_at(AT_FDCWD, &t, true)?;
    if !ino.is_dir() {
        return Err(ENOTDIR);
    }
    let ty = if !fstype.is_null() { fstype.read_string(256)? } else { String::new() };
    match ty.as_str() {
        "proc" | "sysfs" | "tracefs" | "devtmpfs" | "tmpfs" | "ramfs" | "debugfs" | "devpts" | "" => Ok(0),
        _ => Err(ENODEV),
    }
}

/// Linux: close_range(first, last, flags): CLOSE_RANGE_UNSHARE (2), CLOSE_RANGE_CLOEXEC (4).
pub fn sys_close_range(first: u32, last: u32, flags: u32) -> KResult<usize> {
    if flags & !(2 | 4) != 0 || first > last {
        return Err(EINVAL);
    }
    let cur = current();
    let mut files = cur.files.lock().clone().ok_or(EBADF)?;
    if flags & 2 != 0 && Arc::strong_count(&files) > 1 {
        files = files.dup()?;
        *cur.files.lock() = Some(files.clone());
    }
    let closed: Vec<Arc<File>> = {
        let mut fds = files.fds.lock();
        let end = (last as usize).min(fds.len().saturating_sub(1));
        let mut v = Vec::new();
        if (first as usize) < fds.len() {
            for e in fds[first as usize..=end].iter_mut() {
                if flags & 4 != 0 {
                    if let Some(x) = e.as_mut() {
                        x.cloexec = true;
                    }
                } else if let Some(x) = e.take() {
                    v.push(x.file);
                }
            }
        }
        v
    };
    drop(closed);
    Ok(0)
}

/// Linux: sendfile(out_fd, in_fd, offset, count): in_fd's bytes to out_fd through the kernel;
/// with `offset`, in_fd's position is left alone and *offset advances.
pub fn sys_sendfile(out_fd: u32, in_fd: u32, offset: Option<UserPtr<i64>>, count: usize) -> KResult<usize> {
    let inf = fd_get(in_fd)?;
    let outf = fd_get(out_fd)?;
    if !inf.readable() || !outf.writable() {
        return Err(EBADF);
    }
    if offset.is_some() && !inf.ops.seekable() {
        return Err(ESPIPE);
    }
    let start: u64 = match offset {
        Some(p) => p.read()?.try_into().map_err(|_| EINVAL)?,
        None => 0,
    };
    let saved = offset.map(|_| core::mem::replace(&mut *inf.pos.lock(), start));
    let mut kbuf = vec![0u8; count.min(RW_CHUNK)];
    let mut done = 0;
    let mut res = Ok(());
    while done < count {
        let want = (count - done).min(kbuf.len());
        let n = match inf.ops.read(&inf, &mut kbuf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                res = Err(e);
                break;
            }
        };
        match outf.ops.write(&outf, &kbuf[..n]) {
            Ok(w) => {
                done += w;
                if w < n {
                    break;
                }
            }
            Err(e) => {
                res = Err(e);
                break;
            }
        }
        if !inf.ops.seekable() {
            break;
        }
    }
    if let Some(old) = saved {
        *inf.pos.lock() = old;
        if let Some(p) = offset {
            p.write(&((start + done as u64) as i64))?;
        }
    }
    match res {
        Err(e) if done == 0 => Err(e),
        _ => Ok(done),
    }
}

/// Linux: mknodat(2).  Not yet: device nodes and FIFOs cannot be made (EPERM, as for a caller
/// without CAP_MKNOD).
pub fn sys_mknodat(_dfd: i32, _filename: UserCStr, _mode: u32, _dev: u32) -> KResult<usize> {
    Err(EPERM)
}

/// Linux: umount2(2).  The pseudo filesystems stay (see sys_mount).
pub fn sys_umount(_name: UserCStr, _flags: i32) -> KResult<usize> {
    Ok(0)
}

/// Linux: fchownat(2) / fchown(2).  Not yet: owners are not changed (everyone is root).
pub fn sys_fchownat(_dfd: i32, _filename: UserCStr, _user: u32, _group: u32, _flag: i32) -> KResult<usize> {
    Ok(0)
}
pub fn sys_fchown(_fd: u32, _user: u32, _group: u32) -> KResult<usize> {
    Ok(0)
}

/// Linux: sync(2): the in-memory filesystem has nothing to write back.
pub fn sys_sync() -> KResult<usize> {
    Ok(0)
}

/// Linux: fsync(2) / fdatasync(2): ramfs's noop_fsync, after the fd check.
pub fn sys_fsync(fd: u32) -> KResult<usize> {
    fd_get(fd).map(|_| 0)
}
pub fn sys_fdatasync(fd: u32) -> KResult<usize> {
    fd_get(fd).map(|_| 0)
}

/// Linux: utimensat(2).  Not yet: times are not stored.
pub fn sys_utimensat(_dfd: i32, _filename: UserCStr, _utimes: UserPtr<u8>, _flags: i32) -> KResult<usize> {
    Ok(0)
}
