#!/usr/bin/env bash
# Builds the benchmark programs and their own initramfs (the test initramfs is left alone):
#   user/bench/bench.c      -> build/bench/bench      (static glibc; /bench/bench, run as PID 1)
#   user/bench/true.c       -> build/bench/true       (static glibc `true`; /bin/true)
#   user/bench/true-tiny.c  -> build/bench/true-tiny  (-nostdlib, 728 bytes; /bin/true-tiny)
#   user/bench/true.c       -> build/bench/true-dyn   (dynamically linked `true`; /bin/true-dyn,
#                              with ld.so and libc.so.6 in /lib from libc6-riscv64-cross)
#   build/bench.cpio        /dev/console (and null, tty, zero), /bin/true, /bin/true-tiny,
#                           /bench/bench, empty /proc /sys /tmp
# CC / CFLAGS may be overridden.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-riscv64-linux-gnu-gcc}
CFLAGS=${CFLAGS:--static -O2 -Wall}
SRC=$ROOT/user/bench
OUT=$ROOT/build/bench
mkdir -p "$OUT"

cc() { # out args...
	local out=$1
	shift
	echo "  CC  ${out#$ROOT/}"
	"$CC" "$@" -o "$out.tmp" && mv "$out.tmp" "$out"
}
# shellcheck disable=SC2086
cc "$OUT/bench" $CFLAGS -fno-reorder-functions -fno-reorder-blocks-and-partition "$SRC/bench.c" -lpthread
# shellcheck disable=SC2086
cc "$OUT/true" $CFLAGS "$SRC/true.c"
cc "$OUT/true-dyn" -O2 -Wall "$SRC/true.c"
cc "$OUT/true-tiny" -nostdlib -static -O2 -s -Wl,--build-id=none "$SRC/true-tiny.c"
echo "build-bench: true-tiny is $(stat -c %s "$OUT/true-tiny") bytes"

python3 - "$ROOT" <<'PY'
import os, sys
root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "tools"))
from mkcpio import Archive
b = os.path.join(root, "build", "bench")
a = Archive()
a.standard_devices()
a.file("bench/bench", src=os.path.join(b, "bench"), mode=0o755)
a.file("bin/true", src=os.path.join(b, "true"), mode=0o755)
a.file("bin/true-tiny", src=os.path.join(b, "true-tiny"), mode=0o755)
a.file("bin/true-dyn", src=os.path.join(b, "true-dyn"), mode=0o755)
for lib in ("ld-linux-riscv64-lp64d.so.1", "libc.so.6"):
    a.file("lib/" + lib, src=os.path.realpath("/usr/riscv64-linux-gnu/lib/" + lib), mode=0o755)
for d in ("proc", "sys"):
    a.dir(d)
a.dir("tmp", 0o1777)
out = os.path.join(root, "build", "bench.cpio")
n = a.write(out)
print("build-bench: %s: %d entries, %d bytes" % (out, len(a.entries), n))
PY
