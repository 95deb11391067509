#!/usr/bin/env bash
# Builds Linux 6.1's kselftests (tools/testing/selftests of Debian's linux-source-6.1) statically for
# riscv64, for tools/suitetest.py to run in QEMU on MenuOS and on the reference Linux:
#     build/kselftest/install/     run_kselftest.sh, kselftest/runner.sh, kselftest-list.txt and
#                                  one directory per collection (the layout of `make install`)
#
# Source: /usr/src/linux-source-6.1.tar.xz (package linux-source-6.1), unpacked into
# build/kselftest/src (without Documentation, drivers, sound, net and fs: nothing here uses them),
# its UAPI headers from `make headers_install` of that same tree (src/usr/include, which the
# selftests' KHDR_INCLUDES points at).
# Compiler: riscv64-linux-gnu-gcc -static (gcc-riscv64-linux-gnu, libc6-dev-riscv64-cross).
# Libraries Debian 12 has no riscv64 build of, cross-built statically from their Debian source
# packages (tools/apt-source.sh): libcap2 (libcap.a: clone3's Makefile links all its programs with
# -lcap) and popt (libpopt.a: mqueue's Makefile links both programs with -lpopt).
#
# Each collection is built with `make -C tools/testing/selftests TARGETS=<c> install` into its own
# stage directory, then merged (one kselftest-list.txt).  Changes to the kselftest build files,
# all for a static riscv64 build (the test sources themselves are not touched), applied by edit()
# below to the freshly unpacked tree:
#   exec:    load_address.* left out: they are PIE (-pie, needs ld.so in the guest) and static-PIE
#            (-static-pie, needs rcrt1.o, which Debian's riscv64 glibc does not ship) builds;
#            binfmt_script.py left out: a Python script (no Python in the guest).
#   openat2: without -fsanitize=address,undefined (the sanitizer runtimes cannot link statically).
#   rseq:    librseq as a static archive (librseq.a) instead of librseq.so; run_param_test.sh left
#            out: a bash script (the guest has busybox's ash) whose loops run for tens of minutes
#            even on hardware (its settings say timeout=0); the param_test programs still run.
#   proc:    proc-empty-vm left out: `#error "implement 'unmap everything'"` for every arch but
#            x86_64 in 6.1.
#   timers:  the DESTRUCTIVE_TESTS (TEST_GEN_PROGS_EXTENDED) left out: the runner never runs them
#            (they set the clock), and valid-adjtimex defines clock_adjtime, which clashes with
#            static glibc's.
#   memfd:   fuse_mnt/fuse_test/run_fuse_test.sh left out (need libfuse and CONFIG_FUSE_FS, as a
#            module, which neither kernel has); run_hugetlbfs_test.sh left out (bash, hugetlbfs).
#   futex:   the collection's only test is run.sh, whose exit status is that of its last command
#            (futex_waitv) alone; the list runs each program of futex/functional instead, as
#            "futex/functional:<program>" (the runner handles nested collection directories).
#   prctl:   not in TARGETS: its Makefile has rules only for a native x86 build (its three tests
#            are about the x86 TSC); with CROSS_COMPILE set, make stops with "No targets".
#
# Cached: when build/kselftest/stamp (this script + the linux-source-6.1 version) matches and the
# install tree exists, it does nothing.  FORCE=1 rebuilds from a fresh unpack.  JOBS (default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/kselftest
SRC=$OUT/src
SEL=$SRC/tools/testing/selftests
INSTALL=$OUT/install
DEPS=$OUT/deps
TARBALL=/usr/src/linux-source-6.1.tar.xz
JOBS=${JOBS:-2}
TARGETS="clone3 pidfd exec core sigaltstack ptrace mincore kcmp futex proc timers rlimits openat2
memfd splice membarrier rseq pid_namespace mqueue"
CROSS=riscv64-linux-gnu-

log() { echo "build-kselftests: $*" >&2; }

srcver() { dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true; }
stamp() { { cat "$0"; echo "linux-source-6.1: $(srcver)"; } | sha256sum | cut -d' ' -f1; }
cached() {
	[ "${FORCE:-0}" != 1 ] && [ -f "$OUT/stamp" ] && [ -x "$INSTALL/run_kselftest.sh" ] &&
		[ -f "$INSTALL/kselftest-list.txt" ] && [ "$(cat "$OUT/stamp")" = "$(stamp)" ]
}
cached && exit 0

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	log "another build is running; waiting for it"
	flock 9
	cached && exit 0
fi

# linux-source-6.1 (the same package tools/linux-ref.sh builds the reference Linux from), rsync
# (lib.mk's install), the cross compiler: tools/deps.sh with DEPS_SUITES=1
DEPS_SUITES=1 bash "$ROOT/tools/deps.sh"
[ -f "$TARBALL" ] || { log "$TARBALL missing (package linux-source-6.1)"; exit 1; }
start=$(date +%s)
want=$(stamp)

# --- a fresh tree, then the build-file changes
log "unpacking $TARBALL into build/kselftest/src"
rm -rf "$SRC" "$OUT/src.tmp" "$OUT/stage" "$INSTALL.tmp"
mkdir -p "$OUT/src.tmp"
tar -xJf "$TARBALL" -C "$OUT/src.tmp" --exclude='*/Documentation' --exclude='linux-source-6.1/drivers' \
	--exclude='linux-source-6.1/sound' --exclude='linux-source-6.1/net' --exclude='linux-source-6.1/fs'
mv "$OUT/src.tmp"/* "$SRC" && rmdir "$OUT/src.tmp"

edit() { # file old new: replaces the one occurrence of old (fails when it is not there exactly once)
	python3 - "$SEL/$1" "$2" "$3" <<'EOF'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
if s.count(old) != 1:
    sys.exit("build-kselftests: %s: expected exactly one %r (the kselftest sources changed?)" % (path, old))
open(path, "w").write(s.replace(old, new))
EOF
}
edit exec/Makefile 'TEST_PROGS := binfmt_script.py' 'TEST_PROGS :='
edit exec/Makefile 'TEST_GEN_PROGS := execveat non-regular $(ALIGNMENT_TESTS)' 'TEST_GEN_PROGS := execveat non-regular'
edit openat2/Makefile ' -fsanitize=address -fsanitize=undefined' ''
edit rseq/Makefile 'TEST_GEN_PROGS_EXTENDED = librseq.so' 'TEST_GEN_PROGS_EXTENDED = librseq.a'
edit rseq/Makefile $'$(OUTPUT)/librseq.so: rseq.c rseq.h rseq-*.h\n\t$(CC) $(CFLAGS) -shared -fPIC $< $(LDLIBS) -o $@' \
	$'$(OUTPUT)/librseq.a: rseq.c rseq.h rseq-*.h\n\t$(CC) $(CFLAGS) -c $< -o $(OUTPUT)/rseq.o && $(AR) rcs $@ $(OUTPUT)/rseq.o'
edit rseq/Makefile 'TEST_PROGS = run_param_test.sh' 'TEST_PROGS ='
edit proc/Makefile $'TEST_GEN_PROGS += proc-empty-vm\n' ''
edit timers/Makefile 'TEST_GEN_PROGS_EXTENDED = $(DESTRUCTIVE_TESTS)' 'TEST_GEN_PROGS_EXTENDED ='
edit memfd/Makefile 'TEST_PROGS := run_fuse_test.sh run_hugetlbfs_test.sh' 'TEST_PROGS :='
edit memfd/Makefile 'TEST_GEN_FILES := fuse_test fuse_mnt' 'TEST_GEN_FILES :='

# --- the UAPI headers of this tree
log "make headers_install"
make -C "$SRC" ARCH=riscv CROSS_COMPILE=$CROSS headers_install >"$OUT/headers.log" 2>&1 ||
	{ tail -20 "$OUT/headers.log" >&2; log "headers_install failed (log: build/kselftest/headers.log)"; exit 1; }

# --- static libcap and libpopt from Debian's sources
mkdir -p "$DEPS/include" "$DEPS/lib"
log "libcap2 from its Debian source package"
v=$(bash "$ROOT/tools/apt-source.sh" libcap2 "$DEPS/libcap2")
make -C "$DEPS/libcap2/libcap" CC=${CROSS}gcc BUILD_CC=gcc AR=${CROSS}ar RANLIB=${CROSS}ranlib libcap.a \
	>"$OUT/libcap.log" 2>&1 || { tail -20 "$OUT/libcap.log" >&2; log "libcap build failed"; exit 1; }
cp "$DEPS/libcap2/libcap/libcap.a" "$DEPS/lib/"
mkdir -p "$DEPS/include/sys" && cp "$DEPS/libcap2/libcap/include/sys/capability.h" "$DEPS/include/sys/"
log "  libcap2 $v: libcap.a"
log "popt from its Debian source package"
v=$(bash "$ROOT/tools/apt-source.sh" popt "$DEPS/popt")
(cd "$DEPS/popt" && ./configure --host=riscv64-linux-gnu --disable-shared --enable-static --disable-nls &&
	make -C src -j"$JOBS") >"$OUT/popt.log" 2>&1 || { tail -20 "$OUT/popt.log" >&2; log "popt build failed"; exit 1; }
cp "$DEPS/popt/src/.libs/libpopt.a" "$DEPS/lib/" && cp "$DEPS/popt/src/popt.h" "$DEPS/include/"
log "  popt $v: libpopt.a"

# --- each collection
export CFLAGS="-I$DEPS/include" LDFLAGS="-L$DEPS/lib"
MAKEARGS=(ARCH=riscv CROSS_COMPILE=$CROSS "CC=${CROSS}gcc -static" AR=${CROSS}ar -j"$JOBS")
mkdir -p "$INSTALL.tmp"
: >"$INSTALL.tmp/kselftest-list.txt"
: >"$OUT/build.log"
for t in $TARGETS; do
	log "building $t"
	echo "=== $t" >>"$OUT/build.log"
	if ! make -C "$SEL" "${MAKEARGS[@]}" TARGETS="$t" install INSTALL_PATH="$OUT/stage/$t" >>"$OUT/build.log" 2>&1; then
		grep -E 'error|Error' "$OUT/build.log" | tail -20 >&2
		log "building the $t kselftests failed (log: build/kselftest/build.log)"
		exit 1
	fi
	if [ "$t" = futex ]; then
		# futex/functional's programs, each its own test (see the header)
		progs=$(make -s --no-print-directory -C "$SEL/futex/functional" OUTPUT="$OUT/stage/futex/futex/functional" \
			COLLECTION=futex/functional emit_tests | cut -d: -f2 | grep -vx run.sh)
		for p in $progs; do echo "futex/functional:$p"; done >>"$INSTALL.tmp/kselftest-list.txt"
	else
		cat "$OUT/stage/$t/kselftest-list.txt" >>"$INSTALL.tmp/kselftest-list.txt"
	fi
	[ -d "$OUT/stage/$t/$t" ] && cp -a "$OUT/stage/$t/$t" "$INSTALL.tmp/"
	[ -d "$INSTALL.tmp/kselftest" ] || cp -a "$OUT/stage/$t/kselftest" "$OUT/stage/$t/run_kselftest.sh" "$INSTALL.tmp/"
done
rm -f "$INSTALL.tmp/futex/run.sh"

# every program static (the guest has no ld.so), every listed test present
bad=0
while IFS= read -r f; do
	if ${CROSS}readelf -lW "$f" 2>/dev/null | grep -q INTERP; then log "$f is not static"; bad=1; fi
done < <(find "$INSTALL.tmp" -type f -perm -u+x)
while IFS=: read -r c p; do
	[ -e "$INSTALL.tmp/$c/$p" ] || { log "listed test $c:$p is not in the install tree"; bad=1; }
done <"$INSTALL.tmp/kselftest-list.txt"
[ $bad = 0 ] || exit 1

rm -rf "$INSTALL" && mv "$INSTALL.tmp" "$INSTALL"
rm -rf "$OUT/stage"
echo "$want" >"$OUT/stamp"
log "built $(wc -l <"$INSTALL/kselftest-list.txt") tests in $(echo $TARGETS | wc -w) collections in $(($(date +%s) - start)) s: build/kselftest/install ($(du -sh "$INSTALL" | cut -f1))"
