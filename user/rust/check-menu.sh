#!/usr/bin/env bash
# Boots a kernel with the menu as /init, types commands on the serial console (QEMU's stdin)
# and checks what the menu answers; then boots rdinit=/tests/rtests.  Ends with the plain
# "N passed, M failed" line.
#
#   bash user/rust/check-menu.sh [KERNEL]     (default build/linux-ref/Image; build/vmlinux for MenuOS)
#
# Needs the staged programs (make user, or tools/build-user-c.sh + tools/build-user-rust.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KERNEL=${1:-$ROOT/build/linux-ref/Image}
BOOT_WAIT=${BOOT_WAIT:-10} # seconds before typing: boot to the prompt
[ -e "$KERNEL" ] || { echo "check-menu: no kernel $KERNEL" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 "$ROOT/tools/mkinitramfs.py" --out "$TMP/root.cpio" >/dev/null || exit 2
# the boot contract's line (tools/qemu.py), -append added per boot below
mapfile -t QEMU < <(python3 "$ROOT/tools/qemu.py" --print-argv --kernel "$KERNEL" --initrd "$TMP/root.cpio" --no-append)
[ "${#QEMU[@]}" -gt 0 ] || exit 2

pass=0 fail=0
check() { # name file pattern...: every pattern (grep -E) must be in file
	local name=$1 file=$2 p
	shift 2
	for p in "$@"; do
		if ! grep -qaE -- "$p" "$file"; then
			echo "FAIL menu/$name: no line matching /$p/"
			fail=$((fail + 1))
			return
		fi
	done
	echo "PASS menu/$name"
	pass=$((pass + 1))
}

# One command every 1.5 s (CR, as a terminal sends Enter); quit last.
cmds=(help version time-asm write write-asm fork-new vfork-new clone-thread exec
	"exec /bin/echo-args a 'b c'" "exec /nonexistent" ps pstree dmesg bogus "trace fork-new"
	sh "exec /tests/rtests" quit)
{
	sleep "$BOOT_WAIT"
	for c in "${cmds[@]}"; do
		printf '%s\r' "$c"
		sleep 1.5
		[ "$c" = "exec /tests/rtests" ] && sleep 6
	done
	sleep 5
} | timeout 120 "${QEMU[@]}" -append "console=ttyS0 rdinit=/init" >"$TMP/menu.log" 2>&1
rc=$?
tr -d '\r' <"$TMP/menu.log" >"$TMP/m.log"
L=$TMP/m.log
check banner "$L" "Welcome to MenuOS" "pid 1\)" "MenuOS>>"
check help "$L" "^Menu List:" "^  fork-new +fork new process" "^  help "
check version "$L" "^uname: Linux "
check time-asm "$L" "clock_gettime\(CLOCK_REALTIME\) by ecall 113: [0-9]+\.[0-9]{9} s"
check write "$L" "^Hello World! \(libc write\)" "^Hello World! \(ecall write, syscall 64\)"
if [ "$(grep -acE '^This is Child Process!$' "$L")" -ge 2 ] &&
	[ "$(grep -acE '^Child Complete!$' "$L")" -ge 2 ]; then
	check fork-vfork "$L" "^This is Parent Process!$"
else
	echo "FAIL menu/fork-vfork: want the child/parent/complete lines of fork-new and vfork-new"
	fail=$((fail + 1))
fi
check clone-thread "$L" "^new thread: +pid 1 tid [0-9]+ \(same pid: true\)" "^joined thread"
check exec "$L" "exec: /hello \(pid [0-9]+\) exited with status 0" "^argv\[2\]=b c$" \
	"exec: execve /nonexistent: No such file or directory" "exited with status 127"
check ps "$L" "^  PID  PPID STATE CMD" "^    1     0 [RS] +/init"
check pstree "$L" "^init\(1\)"
check dmesg "$L" "^\[ *[0-9.]+\] Linux version"
check unknown "$L" "^Unknown command: bogus"
check trace "$L" "^# tracer: |^trace: no tracefs"
check sh "$L" "/bin/sh is not there|sh: /bin/sh \(pid"
check rtests-from-menu "$L" "^TEST-END rtests [0-9]+ 0$"
check quit "$L" "^MenuOS: powering off" "reboot: Power down"
[ $rc -eq 0 ] || { echo "FAIL menu/qemu-exit: QEMU ended with $rc (124: still running at the timeout)"; fail=$((fail + 1)); }

timeout 60 "${QEMU[@]}" -append "console=ttyS0 rdinit=/tests/rtests" </dev/null >"$TMP/rtests.log" 2>&1
tr -d '\r' <"$TMP/rtests.log" | grep -aE "^(PASS|FAIL|TEST-END) " | sed 's/^/  /'
check rtests-as-init "$TMP/rtests.log" "^TEST-END rtests [0-9]+ 0"

echo "check-menu: $pass passed, $fail failed"
[ $fail -eq 0 ]
