#!/usr/bin/env python3
"""mkinitramfs.py - builds the MenuOS root file system as one newc cpio.

Layout (deterministic: sorted entries, mtime 0, uid/gid 0 except t_fsmeta's fixture):
    /init            build/user/bin/menu if it exists (the Rust menu shell), else build/user/bin/hello
    /sbin/init       -> /init (symlink)
    /hello           build/user/bin/hello (when built)
    /bin/<name>      every program in build/user/bin
    /tests/<name>    every test program in build/user/tests
    /dev/console 5,1  /dev/null 1,3  /dev/tty 5,0  /dev/zero 1,5
    /proc /sys /tmp /root   empty directories
    /lib/<name>      glibc's runtime for dynamically linked programs (GLIBC_RUNTIME below, from
                     Debian's libc6-riscv64-cross, libgcc-s1-riscv64-cross and
                     libstdc++6-riscv64-cross, installed by tools/deps.sh) and the test libraries
                     of build/user/lib (user/lib/<name>.c -> lib<name>.so)
    /etc/passwd /etc/group /etc/shadow   root, an ordinary user `user` (uid 1000, in group
                     users), nobody; /home/user owned by user.  root's password is locked
                     (`*`), user's is empty: `login user` at the console, or the menu's `su user`.
    /etc/fsmeta.d/file      t_fsmeta's fixture: uid 1000, gid 100, mode 04754, mtime 1234567890,
                            in a directory of mode 02750, mtime 1111111111

    python3 tools/mkinitramfs.py --out build/initramfs.cpio [--gzip] [--init PROGRAM]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkcpio import Archive  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def programs(d):
    """Executable regular files of directory d, sorted (hidden and temporary files skipped)."""
    if not os.path.isdir(d):
        return []
    res = []
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if name.startswith(".") or name.endswith((".tmp", ".d", ".o")):
            continue
        if os.path.isfile(p) and os.access(p, os.X_OK):
            res.append((name, p))
    return res


# glibc's runtime: what ld.so needs to start a program built by plain riscv64-linux-gnu-gcc or
# -g++ (ld.so searches /lib among its built-in paths; PT_INTERP names /lib/ld-linux-...).
CROSS_LIB = "/usr/riscv64-linux-gnu/lib"
GLIBC_RUNTIME = ["ld-linux-riscv64-lp64d.so.1", "libc.so.6", "libm.so.6", "libdl.so.2",
                 "libpthread.so.0", "librt.so.1", "libresolv.so.2", "libutil.so.1",
                 "libgcc_s.so.1", "libstdc++.so.6"]


def glibc_runtime(a, libdir):
    a.dir("lib")
    for name in GLIBC_RUNTIME:
        p = os.path.join(CROSS_LIB, name)
        if not os.path.exists(p):
            raise SystemExit("mkinitramfs: no %s (run tools/deps.sh)" % p)
        a.file("lib/" + name, src=os.path.realpath(p), mode=0o755)
    if os.path.isdir(libdir):
        for name in sorted(os.listdir(libdir)):
            if name.endswith(".so"):
                a.file("lib/" + name, src=os.path.join(libdir, name), mode=0o755)


def build(bindir, testdir, init=None):
    a = Archive()
    bins = dict(programs(bindir))
    if init is None:
        init = bins.get("menu") or bins.get("hello")
    if init is None:
        raise SystemExit("mkinitramfs: no /init: neither %s/menu nor %s/hello exists "
                         "(run tools/build-user-c.sh)" % (bindir, bindir))
    a.file("init", src=init, mode=0o755)
    a.dir("sbin")
    a.symlink("sbin/init", "/init")
    if "hello" in bins:
        a.file("hello", src=bins["hello"], mode=0o755)
    a.dir("bin")
    for name, p in sorted(bins.items()):
        if os.path.islink(p) and "/" not in os.readlink(p):
            a.symlink("bin/" + name, os.readlink(p))  # e.g. sh -> busybox (tools/build-busybox.sh)
        else:
            a.file("bin/" + name, src=p, mode=0o755)
    # busybox's applets as /bin/<applet> -> busybox, where no program of that name is staged
    applets = os.path.join(ROOT, "build", "busybox", "applets")
    if "busybox" in bins and os.path.isfile(applets):
        with open(applets) as f:
            for name in f.read().split():
                if name not in bins and name not in ("init", "linuxrc"):
                    a.symlink("bin/" + name, "busybox")
    a.dir("tests")
    for name, p in programs(testdir):
        a.file("tests/" + name, src=p, mode=0o755)
    glibc_runtime(a, os.path.join(os.path.dirname(bindir), "lib"))
    a.standard_devices()
    for d in ("proc", "sys", "root"):
        a.dir(d, 0o755 if d != "root" else 0o700)
    a.dir("tmp", 0o1777)
    a.dir("etc")
    a.file("etc/passwd", data=PASSWD, mode=0o644)
    a.file("etc/group", data=GROUP, mode=0o644)
    a.file("etc/shadow", data=SHADOW, mode=0o600)
    a.dir("home/user", 0o755, uid=1000, gid=1000)
    # t_fsmeta's fixture: an owner, a set-uid mode and mtimes that the kernel must keep
    # (Linux: init/initramfs.c do_name()'s chown/chmod, do_utime(), dir_utime()).
    a.dir("etc/fsmeta.d", 0o2750, mtime=1111111111, uid=1000, gid=100)
    a.file("etc/fsmeta.d/file", data="fsmeta\n", mode=0o4754, mtime=1234567890, uid=1000, gid=100)
    return a


# The users (passwd(5), group(5), shadow(5)).  The kernel knows only the numbers; these name
# them for id, ls -l, su and login.
PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "user:x:1000:1000:MenuOS user:/home/user:/bin/sh\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
GROUP = "root:x:0:\nusers:x:100:user\nuser:x:1000:\nnogroup:x:65534:\n"
SHADOW = "root:*:19000:0:99999:7:::\nuser::19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Builds build/initramfs.cpio (newc).")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--bindir", default=os.path.join(ROOT, "build", "user", "bin"))
    ap.add_argument("--testdir", default=os.path.join(ROOT, "build", "user", "tests"))
    ap.add_argument("--init", help="program to use as /init (default: menu, else hello)")
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args(argv)
    ar = build(a.bindir, a.testdir, a.init)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    n = ar.write(a.out, gzip=a.gzip)
    ntests = sum(1 for p in ar.entries if p.startswith("tests/"))
    print("mkinitramfs: %s: %d entries (%d tests), %d bytes" % (a.out, len(ar.entries), ntests, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
