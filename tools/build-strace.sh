#!/usr/bin/env bash
# Builds a static strace for riscv64 from Debian's source package and stages it for the
# initramfs as /bin/strace (issue 13; the menu's `strace [-f] COMMAND`, docs/fork.md):
#     build/strace/strace        the binary (static glibc, stripped)
#     build/user/bin/strace      its staged copy (tools/mkinitramfs.py packs build/user/bin)
#
# Source: `apt-get source strace` (Debian 12's strace 6.1, Debian's patches applied) into
# build/strace/src by tools/apt-source.sh (a deb-src line only when apt has none, apt-get
# update only when apt cannot find the package).
# Configuration, minimal: --host=riscv64-linux-gnu with the C tests' cross compiler
# (tools/build-user-c.sh), LDFLAGS=-static, --disable-mpers (riscv64 has no other
# personality), no libunwind/libdw (-k), no libselinux, the bundled kernel headers,
# CFLAGS=-O2 (no -g: smaller and quicker).  Built out of tree in build/strace/obj; only src/
# (the strace binary), not the tests.  About 75 s on two cores (configure 30 s, make 45 s).
#
# Cached: when build/strace/stamp (source version + this recipe) matches and the binary is
# staged, it does nothing (no apt, no configure, no make).  FORCE=1 rebuilds.  JOBS (default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/strace
BIN=$ROOT/build/user/bin
JOBS=${JOBS:-2}
RECIPE=1 # bump when the way of building changes
CONFIGURE=(--host=riscv64-linux-gnu CC=riscv64-linux-gnu-gcc "CFLAGS=-O2" LDFLAGS=-static
	--disable-mpers --without-libunwind --without-libdw --without-libiberty
	--without-libselinux --enable-bundled=yes --disable-gcc-Werror
	--disable-dependency-tracking)

log() { echo "build-strace: $*" >&2; }

src_version() {
	[ -f "$OUT/src/debian/changelog" ] || return 0
	sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$OUT/src/debian/changelog"
}

stamp() { # version
	{ echo "version: $1"; echo "recipe: $RECIPE"; printf '%s\n' "${CONFIGURE[@]}"; } | sha256sum | cut -d' ' -f1
}

built() {
	[ "${FORCE:-0}" != 1 ] || return 1
	local v
	v=$(src_version)
	[ -n "$v" ] && [ -f "$OUT/strace" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$(stamp "$v")" ]
}

stage() {
	mkdir -p "$BIN"
	cmp -s "$OUT/strace" "$BIN/strace" ||
		{ cp "$OUT/strace" "$BIN/strace.tmp" && mv "$BIN/strace.tmp" "$BIN/strace"; }
}

if built; then
	stage
	exit 0
fi

# one build at a time (make test and make run may start together); the winner's result is reused
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	log "another build is running; waiting for it"
	flock 9
	if built; then stage; exit 0; fi
fi
start=$(date +%s)

# --- tools: the cross compiler (make deps has it; a lone run of this script may not)
need=()
for p in gcc-riscv64-linux-gnu libc6-dev-riscv64-cross dpkg-dev make xz-utils; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	log "installing ${need[*]}"
	$SUDO apt-get install -y --no-install-recommends "${need[@]}" ||
		{ $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${need[@]}"; }
fi

# --- the source
v=$(src_version)
if [ -z "$v" ]; then
	log "apt-get source strace"
	bash "$ROOT/tools/apt-source.sh" strace "$OUT/src" >/dev/null
	v=$(src_version)
fi
log "source: strace $v (Debian), build/strace/src"

# --- reproducible: time stamps from the changelog
SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  \(.*\)$/\1/p' "$OUT/src/debian/changelog" | head -1)" +%s)
export SOURCE_DATE_EPOCH LC_ALL=C TZ=UTC

# --- configure (again only when the recipe changed) and build src/strace
want=$(stamp "$v")
mkdir -p "$OUT/obj"
cd "$OUT/obj"
if [ "$(cat .menuos-config-stamp 2>/dev/null)" != "$want" ]; then
	log "configure ${CONFIGURE[*]} (log: build/strace/config.log)"
	if ! "$OUT/src/configure" "${CONFIGURE[@]}" >"$OUT/config.log" 2>&1; then
		tail -20 "$OUT/config.log" >&2
		log "configure failed"
		exit 1
	fi
	echo "$want" >.menuos-config-stamp
fi
log "make -C src -j$JOBS (log: build/strace/build.log)"
# `all`, not `strace`: the generated headers are BUILT_SOURCES, made only by all
if ! make -C src -j"$JOBS" all >"$OUT/build.log" 2>&1; then
	grep -E 'error|Error' "$OUT/build.log" | head -20 >&2
	log "make failed"
	exit 1
fi
if riscv64-linux-gnu-readelf -lW src/strace | grep -q INTERP; then
	log "strace is not a static executable (it has a PT_INTERP)"
	exit 1
fi
riscv64-linux-gnu-strip -o "$OUT/strace.tmp" src/strace && mv "$OUT/strace.tmp" "$OUT/strace"
echo "$want" >"$OUT/stamp"
stage
log "built strace $v in $(($(date +%s) - start)) s: $(stat -c %s "$OUT/strace") bytes"
