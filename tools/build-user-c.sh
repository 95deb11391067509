#!/usr/bin/env bash
# Compiles the C user programs with the cross toolchain (static glibc):
#   user/tests/c/<name>.c -> build/user/tests/<name>   (test programs, mtest.h protocol)
#   user/c/<name>.c       -> build/user/bin/<name>     (helpers tests exec: true, hello, ...)
# Incremental: a program is rebuilt only when its source, a header next to it (mtest.h for
# the tests) or this script is newer than the binary.  CC / CFLAGS may be overridden.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-riscv64-linux-gnu-gcc}
CFLAGS=${CFLAGS:--static -O2 -Wall}
SELF=$ROOT/tools/build-user-c.sh
shopt -s nullglob

built=0 failed=0
build_dir() { # srcdir outdir
	local src=$1 out=$2 c name bin h dep
	mkdir -p "$out"
	local headers=("$src"/*.h)
	for c in "$src"/*.c; do
		name=$(basename "$c" .c)
		bin=$out/$name
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
		# shellcheck disable=SC2086
		if $CC $flags -I"$src" -o "$bin.tmp" "$c"; then
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
	local manifest=$out/.built-by-build-user-c
	if [ -f "$manifest" ]; then
		while read -r name; do
			[ -n "$name" ] && [ ! -e "$src/$name.c" ] && rm -f "$out/$name"
			true
		done <"$manifest"
	fi
	for c in "$src"/*.c; do basename "$c" .c; done >"$manifest"
}

build_dir "$ROOT/user/tests/c" "$ROOT/build/user/tests"
build_dir "$ROOT/user/c" "$ROOT/build/user/bin"
[ $built -gt 0 ] && echo "build-user-c: $built built"
if [ $failed -gt 0 ]; then
	echo "build-user-c: $failed program(s) failed to compile" >&2
	exit 1
fi
exit 0
