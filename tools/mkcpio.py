#!/usr/bin/env python3
"""mkcpio.py - a newc ("070701") cpio writer in pure Python: no root, no mknod.

Entries: regular files, directories, symlinks and character device nodes.  Output is
deterministic (mtime 0 unless given, uid/gid 0, inode numbers in order of insertion, entries
sorted by path when written through write()/build(); parents are created implicitly).

As a module:
    from mkcpio import Archive
    a = Archive()
    a.dir("dev")
    a.chardev("dev/console", 5, 1)
    a.file("init", data=b"...", mode=0o755)       # or src="path/on/host"
    a.symlink("sbin/init", "/init")
    a.write("out.cpio", gzip=False)

As a CLI (each spec is one entry, later specs override earlier ones with the same path):
    mkcpio.py -o out.cpio [--gzip] SPEC...
      dir:PATH[:MODE]
      file:PATH:HOSTFILE[:MODE]        (MODE in octal; default: the host file's permission bits)
      symlink:PATH:TARGET
      chardev:PATH:MAJOR:MINOR[:MODE]
      tree:PATH:HOSTDIR                (HOSTDIR's contents copied under PATH, recursively)
"""
import argparse
import gzip as _gzip
import io
import os
import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"

S_IFMT = 0o170000
S_IFDIR = 0o040000
S_IFREG = 0o100000
S_IFLNK = 0o120000
S_IFCHR = 0o020000

# Device nodes a Linux-compatible /dev needs (major, minor).
STANDARD_DEVICES = {
    "dev/console": (5, 1),
    "dev/null": (1, 3),
    "dev/tty": (5, 0),
    "dev/zero": (1, 5),
}


def _norm(path):
    """Archive path: relative, no leading '/', no '.' or empty components."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError("bad archive path: %r" % path)
    return "/".join(parts)


class Entry:
    __slots__ = ("path", "mode", "data", "rdevmajor", "rdevminor", "mtime", "uid", "gid")

    def __init__(self, path, mode, data=b"", rdev=(0, 0), mtime=0, uid=0, gid=0):
        self.path = path
        self.mode = mode
        self.data = data
        self.rdevmajor, self.rdevminor = rdev
        self.mtime = mtime
        self.uid = uid
        self.gid = gid


def _pad4(n):
    return (4 - n % 4) % 4


def header(ino, e, nlink=None):
    name = e.path.encode() + b"\0"
    if nlink is None:
        nlink = 2 if (e.mode & S_IFMT) == S_IFDIR else 1
    fields = (ino, e.mode, e.uid, e.gid, nlink, e.mtime, len(e.data), 0, 0,
              e.rdevmajor, e.rdevminor, len(name), 0)
    h = MAGIC + b"".join(b"%08X" % f for f in fields) + name
    return h + b"\0" * _pad4(len(h))


class Archive:
    def __init__(self, mtime=0):
        self.entries = {}
        self.mtime = mtime

    def _add(self, path, mode, data=b"", rdev=(0, 0), mtime=None, uid=0, gid=0):
        path = _norm(path)
        self._parents(path)
        self.entries[path] = Entry(path, mode, data, rdev, self.mtime if mtime is None else mtime, uid, gid)
        return path

    def _parents(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            e = self.entries.get(p)
            if e is None:
                self.entries[p] = Entry(p, S_IFDIR | 0o755, mtime=self.mtime)
            elif (e.mode & S_IFMT) != S_IFDIR:
                raise ValueError("%s is not a directory (needed for %s)" % (p, path))

    def dir(self, path, mode=0o755, mtime=None, uid=0, gid=0):
        return self._add(path, S_IFDIR | (mode & 0o7777), mtime=mtime, uid=uid, gid=gid)

    def file(self, path, src=None, data=None, mode=None, mtime=None, uid=0, gid=0):
        if (src is None) == (data is None):
            raise ValueError("file(): give exactly one of src= or data=")
        if src is not None:
            with open(src, "rb") as f:
                data = f.read()
            if mode is None:
                mode = os.stat(src).st_mode & 0o7777
        if mode is None:
            mode = 0o644
        if isinstance(data, str):
            data = data.encode()
        return self._add(path, S_IFREG | (mode & 0o7777), bytes(data), mtime=mtime, uid=uid, gid=gid)

    def symlink(self, path, target):
        return self._add(path, S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor, mode=0o666):
        return self._add(path, S_IFCHR | (mode & 0o7777), rdev=(major, minor))

    def standard_devices(self):
        self.dir("dev")
        for p, (ma, mi) in STANDARD_DEVICES.items():
            self.chardev(p, ma, mi, 0o600 if p == "dev/console" else 0o666)

    def tree(self, path, hostdir):
        """Copy hostdir's contents (files, dirs, symlinks) under archive path `path`."""
        base = _norm(path) if path.strip("/.") else ""
        for dirpath, dirnames, filenames in os.walk(hostdir):
            dirnames.sort()
            rel = os.path.relpath(dirpath, hostdir)
            arel = "" if rel == "." else rel.replace(os.sep, "/")
            prefix = "/".join(x for x in (base, arel) if x)
            if prefix:
                self.dir(prefix, os.stat(dirpath).st_mode)
            for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
                hp = os.path.join(dirpath, name)
                ap = "/".join(x for x in (prefix, name) if x)
                st = os.lstat(hp)
                if stat.S_ISLNK(st.st_mode):
                    self.symlink(ap, os.readlink(hp))
                elif stat.S_ISREG(st.st_mode):
                    self.file(ap, src=hp)
            # do not descend into symlinked directories
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]

    def tobytes(self):
        out = io.BytesIO()
        # sorted: parents before children, deterministic
        for ino, path in enumerate(sorted(self.entries), start=1):
            e = self.entries[path]
            out.write(header(ino, e))
            out.write(e.data)
            out.write(b"\0" * _pad4(len(e.data)))
        out.write(header(0, Entry(TRAILER, 0), nlink=1))
        # pad the whole archive to a 512-byte block, as GNU cpio does
        n = out.tell()
        out.write(b"\0" * ((512 - n % 512) % 512))
        return out.getvalue()

    def write(self, out_path, gzip=False):
        data = self.tobytes()
        if gzip:
            data = _gzip.compress(data, compresslevel=9, mtime=0)
        tmp = out_path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, out_path)
        return len(data)


def read(data):
    """Parses a newc archive (gzip accepted) into a list of dicts; for tests and inspection."""
    if data[:2] == b"\x1f\x8b":
        data = _gzip.decompress(data)
    res, off = [], 0
    while True:
        if data[off:off + 6] != MAGIC:
            raise ValueError("bad magic at offset %d" % off)
        f = [int(data[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = f[11], f[6]
        name = data[off + 110: off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += _pad4(off)
        body = data[off: off + filesize]
        off += filesize
        off += _pad4(off)
        if name == TRAILER:
            return res
        res.append({"name": name, "ino": f[0], "mode": f[1], "uid": f[2], "gid": f[3],
                    "nlink": f[4], "mtime": f[5], "data": body, "rdev": (f[9], f[10])})


def _parse_mode(s, default):
    return int(s, 8) if s else default


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("As a CLI")[1])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--devices", action="store_true",
                    help="add /dev/console, /dev/null, /dev/tty, /dev/zero")
    ap.add_argument("specs", nargs="*")
    a = ap.parse_args(argv)
    ar = Archive()
    if a.devices:
        ar.standard_devices()
    for spec in a.specs:
        kind, _, rest = spec.partition(":")
        p = rest.split(":")
        try:
            if kind == "dir":
                ar.dir(p[0], _parse_mode(p[1] if len(p) > 1 else "", 0o755))
            elif kind == "file":
                ar.file(p[0], src=p[1], mode=_parse_mode(p[2], None) if len(p) > 2 else None)
            elif kind == "symlink":
                ar.symlink(p[0], ":".join(p[1:]))
            elif kind == "chardev":
                ar.chardev(p[0], int(p[1]), int(p[2]), _parse_mode(p[3] if len(p) > 3 else "", 0o666))
            elif kind == "tree":
                ar.tree(p[0], p[1])
            else:
                raise ValueError("unknown kind %r" % kind)
        except (IndexError, ValueError, OSError) as e:
            ap.error("bad spec %r: %s" % (spec, e))
    n = ar.write(a.out, gzip=a.gzip)
    print("%s: %d entries, %d bytes" % (a.out, len(ar.entries), n), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
