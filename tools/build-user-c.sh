#!/usr/bin/env bash
# Compiles the C user programs with the cross toolchain (static glibc):
#   user/tests/c/<name>.c -> build/user/tests/<name>   (test programs, mtest.h protocol)
#   user/tests/c/<name>.cc                             (C++, with riscv64-linux-gnu-g++)
#   user/c/<name>.c       -> build/user/bin/<name>     (helpers tests exec: true, hello, ...)
#   user/lib/<name>.c     -> build/user/lib/lib<name>.so (shared libraries, /lib in the root)
# and, dynamically linked (glibc's ld.so and libc.so.6 from /lib at run time), the tests of
# DYN_TESTS again as build/user/tests/<name>_dyn (mtest.h names them so with MT_SUFFIX).
# Incremental: a program is rebuilt only when its source, a header next to it (mtest.h for
# the tests) or this script is newer than the binary.  CC / CFLAGS may be overridden.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-riscv64-linux-gnu-gcc}
CXX=${CXX:-riscv64-linux-gnu-g++}
CFLAGS=${CFLAGS:--static -O2 -Wall}
DYN_CFLAGS="-O2 -Wall"
# The existing tests that also run dynamically linked: processes, exec, threads, signals.
DYN_TESTS="t_fork t_exec t_wait t_vfork t_signal_child t_rtsig t_pipe t_futex t_pidfd t_timers t_clone"

SELF=$ROOT/tools/build-user-c.sh
shopt -s nullglob

built=0 failed=0
build_dir() { # srcdir outdir [suffix flags names]: with a suffix, only `names`, built with `flags`
	local src=$1 out=$2 suffix=${3:-} extra=${4:-} only=${5:-} c name bin h dep cc
	mkdir -p "$out"
	local headers=("$src"/*.h)
	for c in "$src"/*.c "$src"/*.cc; do
		name=$(basename "$c"); name=${name%.c}; name=${name%.cc}
		if [ -n "$suffix" ]; then
			case " $only " in *" $name "*) ;; *) continue ;; esac
		fi
		bin=$out/$name$suffix
		dep=0
		if [ ! -e "$bin" ] || [ "$c" -nt "$bin" ] || [ "$SELF" -nt "$bin" ]; then
			dep=1
		else
			for h in "${headers[@]}"; do [ "$h" -nt "$bin" ] && dep=1 && break; done
		fi
		[ $dep = 1 ] || continue
		echo "  CC  ${c#$ROOT/} -> ${bin#$ROOT/}"
		# A source may ask for other flags with a first-lines comment `BUILD-CFLAGS: ...`
		# (e.g. -static-pie for the static-PIE test).
		local flags
		flags=$(head -5 "$c" | sed -n 's/.*BUILD-CFLAGS:[ \t]*\(.*[^ *\/]\)[ \t*\/]*$/\1/p' | head -1)
		[ -n "$flags" ] || flags=$CFLAGS
		[ -z "$suffix" ] || flags=$extra
		cc=$CC
		case $c in *.cc) cc=$CXX ;; esac
		# shellcheck disable=SC2086
		if $cc $flags -I"$src" -o "$bin.tmp" "$c"; then
			mv "$bin.tmp" "$bin"
			built=$((built + 1))
		else
			rm -f "$bin.tmp"
			failed=$((failed + 1))
			echo "build-user-c: FAILED to compile ${c#$ROOT/}" >&2
		fi
	done
	# drop binaries this script built whose source is gone (tests renamed or removed); other
	# files in $out (e.g. the Rust menu in build/user/bin) are not ours and are left alone
	[ -z "$suffix" ] || return 0
	local manifest=$out/.built-by-build-user-c
	if [ -f "$manifest" ]; then
		while read -r name; do
			[ -n "$name" ] && [ ! -e "$src/$name.c" ] && [ ! -e "$src/$name.cc" ] && rm -f "$out/$name"
			true
		done <"$manifest"
	fi
	for c in "$src"/*.c "$src"/*.cc; do name=$(basename "$c"); name=${name%.c}; echo "${name%.cc}"; done >"$manifest"
}

# user/lib/<name>.c -> build/user/lib/lib<name>.so
build_libs() {
	local src=$ROOT/user/lib out=$ROOT/build/user/lib c name so
	mkdir -p "$out"
	for c in "$src"/*.c; do
		name=$(basename "$c" .c)
		so=$out/lib$name.so
		[ ! -e "$so" ] || [ "$c" -nt "$so" ] || [ "$SELF" -nt "$so" ] || continue
		echo "  CC  ${c#$ROOT/} -> ${so#$ROOT/}"
		if $CC -shared -fPIC -O2 -Wall -o "$so.tmp" "$c"; then
			mv "$so.tmp" "$so"
			built=$((built + 1))
		else
			rm -f "$so.tmp"
			failed=$((failed + 1))
			echo "build-user-c: FAILED to compile ${c#$ROOT/}" >&2
		fi
	done
}

build_dir "$ROOT/user/tests/c" "$ROOT/build/user/tests"
build_dir "$ROOT/user/c" "$ROOT/build/user/bin"
build_dir "$ROOT/user/tests/c" "$ROOT/build/user/tests" _dyn "$DYN_CFLAGS -DMT_SUFFIX=\"_dyn\"" "$DYN_TESTS"
build_libs
[ $built -gt 0 ] && echo "build-user-c: $built built"
if [ $failed -gt 0 ]; then
	echo "build-user-c: $failed program(s) failed to compile" >&2
	exit 1
fi
exit 0
