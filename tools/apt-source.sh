#!/usr/bin/env bash
# apt-source.sh PACKAGE DESTDIR - unpacks Debian 12's source package PACKAGE (its patches applied)
# into DESTDIR (replaced), as tools/build-busybox.sh does for busybox: a deb-src line for bookworm
# is added to /etc/apt/sources.list.d/ only when apt has none, and `apt-get update` runs only when
# apt cannot find the source package.  Prints the unpacked version on stdout.
# Used by tools/build-kselftests.sh (libcap2, popt).
set -euo pipefail

pkg=$1
dest=$2
DEBSRC_LIST=/etc/apt/sources.list.d/menuos-deb-src.list
DEBSRC_LINE="deb-src http://deb.debian.org/debian bookworm main"
log() { echo "apt-source: $*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

command -v dpkg-source >/dev/null || { $SUDO apt-get install -y --no-install-recommends dpkg-dev >&2 ||
	{ $SUDO apt-get update >&2 && $SUDO apt-get install -y --no-install-recommends dpkg-dev >&2; }; }

if ! grep -rqsE '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	# the same Signed-By as the existing deb.debian.org entries (apt refuses two values)
	sb=$(grep -rhsiE '^Signed-By:[[:space:]]*/' /etc/apt/sources.list.d/*.sources | head -1 | sed -E 's/^[^:]*:[[:space:]]*//')
	[ -n "$sb" ] || sb=$(grep -rhsoE 'signed-by=[^] ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | head -1 | cut -d= -f2)
	line=$DEBSRC_LINE
	[ -n "$sb" ] && line="deb-src [signed-by=$sb] ${DEBSRC_LINE#deb-src }"
	log "adding '$line' to $DEBSRC_LIST"
	echo "$line" | $SUDO tee "$DEBSRC_LIST" >/dev/null
	if ! apt-cache policy >/dev/null 2>&1; then
		log "apt rejects the new line; removed it"
		$SUDO rm -f "$DEBSRC_LIST"
		exit 1
	fi
fi

dl=$dest.dl
rm -rf "$dl" && mkdir -p "$dl"
if ! (cd "$dl" && apt-get source --download-only "$pkg" >/dev/null 2>&1); then
	log "apt-get update (the source package $pkg is not in apt's lists)"
	$SUDO apt-get update -qq >&2
fi
(cd "$dl" && apt-get source -q "$pkg") >"$dl.log" 2>&1 || { tail -20 "$dl.log" >&2; log "apt-get source $pkg failed"; exit 1; }
d=$(find "$dl" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$d" ] && [ -f "$d/debian/changelog" ] || { log "no unpacked source of $pkg in $dl"; exit 1; }
rm -rf "$dest" && mv "$d" "$dest"
rm -rf "$dl" "$dl.log"
sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$dest/debian/changelog"
