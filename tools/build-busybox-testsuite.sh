#!/usr/bin/env bash
# Stages busybox's own testsuite for tools/suitetest.py, to run inside the guest against the
# busybox the project ships (build/user/bin/busybox, tools/build-busybox.sh):
#     build/busybox-testsuite/testsuite/           testsuite/ of the same source (build/busybox/src)
#     build/busybox-testsuite/config               that build's .config (runtest reads $bindir/.config)
#     build/busybox-testsuite/applets-with-tests   applets of that build with tests (<applet>.tests
#                                                  or an old-style <applet>/ directory), one a line,
#                                                  plus "busybox" (busybox.tests)
# In the guest, runtest runs as /bbts/testsuite/runtest with bindir /bbts (/bbts/busybox, /bbts/.config).
# Nothing is compiled: testing.sh needs a gcc only when `echo -ne` does not work, and busybox's
# echo does.
#
# Cached: when build/busybox-testsuite/stamp (this script + build/busybox/stamp) matches, it does
# nothing.  FORCE=1 stages again.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BB=$ROOT/build/busybox
OUT=$ROOT/build/busybox-testsuite
log() { echo "build-busybox-testsuite: $*" >&2; }

[ -f "$BB/stamp" ] && [ -f "$BB/src/.config" ] && [ -d "$BB/src/testsuite" ] ||
	{ log "no busybox build in build/busybox (run tools/build-busybox.sh first)"; exit 1; }
stamp() { { cat "$0"; cat "$BB/stamp"; } | sha256sum | cut -d' ' -f1; }
want=$(stamp)
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$want" ] &&
	[ -f "$OUT/applets-with-tests" ]; then
	exit 0
fi

rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
cp -a "$BB/src/testsuite" "$OUT.tmp/testsuite"
cp "$BB/src/.config" "$OUT.tmp/config"
{
	echo busybox
	while read -r a; do
		[ "$a" = busybox ] && continue
		if [ -f "$OUT.tmp/testsuite/$a.tests" ] || [ -d "$OUT.tmp/testsuite/$a" ]; then echo "$a"; fi
	done <"$BB/applets"
	# all_sourcecode.tests is in the list for completeness; suitetest.py leaves it out (BB_EXCLUDE)
	[ -f "$OUT.tmp/testsuite/all_sourcecode.tests" ] && echo all_sourcecode
} >"$OUT.tmp/applets-with-tests"
echo "$want" >"$OUT.tmp/stamp"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
log "staged $(wc -l <"$OUT/applets-with-tests") applets' tests from busybox $(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$BB/src/debian/changelog")"
