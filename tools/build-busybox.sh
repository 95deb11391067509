#!/usr/bin/env bash
# Builds a static busybox for riscv64 from Debian's source package and stages it for the
# initramfs (docs/busybox.md):
#     build/user/bin/busybox        the binary (static glibc)
#     build/user/bin/sh -> busybox  so that /bin/sh is busybox's ash (the menu's `sh` command)
#     build/busybox/applets         the applet names, one a line (from busybox.links)
#
# Source: `apt-get source busybox` (Debian 12's busybox, Debian's patches applied) into
# build/busybox/src; a `deb-src` line for bookworm is added to /etc/apt/sources.list.d/ only when
# apt has none, and `apt-get update` runs only when apt cannot find the source package.
# Configuration: `make defconfig`, then every line of tools/busybox.config, then `make oldconfig`;
# each line of busybox.config is checked to be in the final .config.
# Build: make ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- -j$JOBS, with the time stamps taken from
# debian/changelog (SOURCE_DATE_EPOCH), so that the same source and config give the same bytes.
#
# Cached: when build/busybox/stamp (source version + busybox.config + this recipe) matches and the
# binary is staged, it does nothing (no apt, no make).  FORCE=1 rebuilds.  JOBS (default 2).
# BUSYBOX_VERSION=1:1.35.0-4 asks apt for that exact source version.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/busybox
BIN=$ROOT/build/user/bin
CONFIG=$ROOT/tools/busybox.config
JOBS=${JOBS:-2}
RECIPE=1 # bump when the way of building changes (not the config: that is hashed)
MAKEARGS=(ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-)
DEBSRC_LIST=/etc/apt/sources.list.d/menuos-deb-src.list
DEBSRC_LINE="deb-src http://deb.debian.org/debian bookworm main"

log() { echo "build-busybox: $*" >&2; }

# the version of the unpacked source (first line of debian/changelog), or empty
src_version() {
	[ -f "$OUT/src/debian/changelog" ] || return 0
	sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$OUT/src/debian/changelog"
}

stamp() { # version
	{ echo "version: $1"; echo "recipe: $RECIPE"; grep -v '^[[:space:]]*$' "$CONFIG" | grep -v '^# [^C]' | grep -v '^#$'; } |
		sha256sum | cut -d' ' -f1
}

cached() {
	[ "${FORCE:-0}" != 1 ] || return 1
	local v
	v=$(src_version)
	[ -n "$v" ] && [ -f "$OUT/stamp" ] && [ -f "$OUT/busybox" ] && [ -f "$BIN/busybox" ] &&
		[ "$(cat "$OUT/stamp")" = "$(stamp "$v")" ] && cmp -s "$OUT/busybox" "$BIN/busybox" &&
		[ -L "$BIN/sh" ]
}

stage() {
	mkdir -p "$BIN"
	if ! cmp -s "$OUT/busybox" "$BIN/busybox"; then
		cp "$OUT/busybox" "$BIN/busybox.tmp" && mv "$BIN/busybox.tmp" "$BIN/busybox"
	fi
	if [ "$(readlink "$BIN/sh" 2>/dev/null)" != busybox ]; then
		rm -f "$BIN/sh" && ln -s busybox "$BIN/sh"
	fi
}

if cached; then exit 0; fi
# built and current, only the staged copy is gone (build/user/bin cleaned): stage again
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/busybox" ] && [ -n "$(src_version)" ] &&
	[ "$(cat "$OUT/stamp" 2>/dev/null)" = "$(stamp "$(src_version)")" ]; then
	stage
	exit 0
fi

# one build at a time (make test and make run may start together); the winner's result is reused
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	log "another build is running; waiting for it"
	flock 9
	if cached; then exit 0; fi
fi

start=$(date +%s)

# --- tools: the cross compiler, and what apt-get source needs to unpack (dpkg-source, bzip2)
need=()
for p in gcc-riscv64-linux-gnu libc6-dev-riscv64-cross dpkg-dev make bzip2 xz-utils; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || need+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	$SUDO apt-get install -y --no-install-recommends "${need[@]}" ||
		{ $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${need[@]}"; }
fi

# --- the source: Debian's package, unpacked with its patches
fetch_source() {
	local dl=$OUT/dl spec=busybox
	[ -n "${BUSYBOX_VERSION:-}" ] && spec="busybox=$BUSYBOX_VERSION"
	# a deb-src line, only when apt has none (one-line .list or deb822 .sources "Types: ... deb-src")
	if ! grep -rqsE '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		# the same Signed-By as the existing deb.debian.org entries (apt refuses two values)
		local sb line=$DEBSRC_LINE
		sb=$(grep -rhsiE '^Signed-By:[[:space:]]*/' /etc/apt/sources.list.d/*.sources | head -1 | sed -E 's/^[^:]*:[[:space:]]*//')
		[ -n "$sb" ] || sb=$(grep -rhsoE 'signed-by=[^] ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | head -1 | cut -d= -f2)
		[ -n "$sb" ] && line="deb-src [signed-by=$sb] ${DEBSRC_LINE#deb-src }"
		log "adding '$line' to $DEBSRC_LIST"
		echo "$line" | $SUDO tee "$DEBSRC_LIST" >/dev/null
		if ! apt-cache policy >/dev/null 2>&1; then
			log "apt rejects the new line; removed it:"
			apt-cache policy 2>&1 | grep '^E:' >&2 || true
			$SUDO rm -f "$DEBSRC_LIST"
			exit 1
		fi
	fi
	rm -rf "$dl" && mkdir -p "$dl"
	# apt-get update only when apt does not know the source package yet
	if ! (cd "$dl" && apt-get source --download-only "$spec" >/dev/null 2>&1); then
		log "apt-get update (the source package is not in apt's lists)"
		$SUDO apt-get update -qq
	fi
	log "apt-get source $spec"
	(cd "$dl" && apt-get source -q "$spec") >"$OUT/source.log" 2>&1 ||
		{ tail -20 "$OUT/source.log" >&2; log "apt-get source failed"; exit 1; }
	local d
	d=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -1)
	[ -n "$d" ] && [ -f "$d/Makefile" ] || { log "no unpacked source in $dl"; exit 1; }
	rm -rf "$OUT/src" && mv "$d" "$OUT/src"
}
v=$(src_version)
if [ -z "$v" ] || { [ -n "${BUSYBOX_VERSION:-}" ] && [ "$v" != "${BUSYBOX_VERSION#*:}" ] && [ "$v" != "$BUSYBOX_VERSION" ]; }; then
	fetch_source
	v=$(src_version)
fi
log "source: busybox $v (Debian), build/busybox/src"
cd "$OUT/src"

# --- reproducible: time stamps from the changelog, no host names
SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  \(.*\)$/\1/p' debian/changelog | head -1)" +%s)
export SOURCE_DATE_EPOCH KCONFIG_NOTIMESTAMP=1 KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
export KBUILD_BUILD_USER=menuos KBUILD_BUILD_HOST=menuos LC_ALL=C TZ=UTC

# --- configuration: defconfig + tools/busybox.config + oldconfig, then checked
want=$(stamp "$v")
if [ ! -f .config ] || [ "$(cat .menuos-config-stamp 2>/dev/null)" != "$want" ]; then
	log "configuring: defconfig + tools/busybox.config"
	make "${MAKEARGS[@]}" defconfig >"$OUT/config.log" 2>&1 || { tail -20 "$OUT/config.log" >&2; exit 1; }
	while IFS= read -r line; do
		sym=$(printf '%s\n' "$line" | sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=.*/\1/p; s/^# (CONFIG_[A-Za-z0-9_]+) is not set.*/\1/p')
		[ -n "$sym" ] || continue
		sed -i -E "/^($sym=|# $sym is not set)/d" .config
		printf '%s\n' "$line" >>.config
	done <"$CONFIG"
	{ yes "" || true; } | make "${MAKEARGS[@]}" oldconfig >>"$OUT/config.log" 2>&1 || { tail -20 "$OUT/config.log" >&2; exit 1; }
	bad=0
	while IFS= read -r line; do
		case $line in CONFIG_*=* | "# CONFIG_"*" is not set") ;; *) continue ;; esac
		if ! grep -qxF -- "$line" .config; then
			# "# CONFIG_X is not set" is also met when X has vanished (its dependencies are off)
			sym=$(printf '%s\n' "$line" | sed -nE 's/^# (CONFIG_[A-Za-z0-9_]+) is not set.*/\1/p')
			[ -n "$sym" ] && ! grep -qE "^$sym=" .config && continue
			log "tools/busybox.config: '$line' did not survive oldconfig (got: $(grep -E "^(# )?${sym:-${line%%=*}}[= ]" .config || echo nothing))"
			bad=1
		fi
	done <"$CONFIG"
	[ $bad = 0 ] || exit 1
	echo "$want" >.menuos-config-stamp
fi

# --- build
log "make ${MAKEARGS[*]} -j$JOBS (log: build/busybox/build.log)"
if ! make "${MAKEARGS[@]}" -j"$JOBS" busybox busybox.links >"$OUT/build.log" 2>&1; then
	grep -E 'error|Error' "$OUT/build.log" | head -20 >&2
	tail -20 "$OUT/build.log" >&2
	log "make failed"
	exit 1
fi
# static: no program interpreter (no ld.so to load)
if riscv64-linux-gnu-readelf -lW busybox | grep -q 'INTERP'; then
	log "busybox is not a static executable (it has a PT_INTERP)"
	exit 1
fi
cp busybox "$OUT/busybox.tmp" && mv "$OUT/busybox.tmp" "$OUT/busybox"
sed 's|.*/||' busybox.links | sort -u >"$OUT/applets"
echo "$want" >"$OUT/stamp"
stage
log "built busybox $v in $(($(date +%s) - start)) s: $(stat -c %s "$OUT/busybox") bytes, $(wc -l <"$OUT/applets") applets, sha256 $(sha256sum "$OUT/busybox" | cut -c1-16)"
