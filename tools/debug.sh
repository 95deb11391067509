#!/usr/bin/env bash
# debug.sh - the seed experiment: MenuOS in QEMU halted for gdb, gdb-multiarch attached with
# the seed's breakpoints (sys_clone kernel_clone copy_process dup_task_struct copy_thread
# wake_up_new_task ret_from_fork) and the helper commands of tools/gdb/menuos.gdb.
#
#   tools/debug.sh            one terminal (what `make debug` runs):
#                               inside tmux: QEMU's console in a new pane below, gdb here;
#                               otherwise:   QEMU in the background, its console printed here,
#                                            and you type into the menu from gdb:
#                                            (gdb) menuos-send fork-new
#   tools/debug.sh qemu       two terminals, like the seed's init-gdb.sh: QEMU (console) here...
#   tools/debug.sh gdb        ...and gdb here, in a second terminal (start-gdb.sh)
#   tools/debug.sh stop       stops a QEMU that `tools/debug.sh qemu` started (VS Code's
#                             postDebugTask; its pid is in build/debug-qemu.pid)
#
# Options (before the mode):  --linux  the reference Linux (build/linux-ref/Image + vmlinux)
#                             --port N gdb port (default 1234, as -s; or MENUOS_GDB_PORT)
# Environment: KERNEL (ELF for gdb and QEMU, default build/vmlinux), INITRD
# (build/initramfs.cpio), APPEND (console=ttyS0 rdinit=/init), GDB (gdb-multiarch).
#
# QEMU runs the boot contract's line (tools/qemu.py) plus -s -S (gdb server on tcp::1234, CPU halted until gdb
# says continue) and never -icount: gdb and icount together hang QEMU.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

PORT=${MENUOS_GDB_PORT:-1234}
ELF=${KERNEL:-build/vmlinux}
BOOT=""
INITRD=${INITRD:-build/initramfs.cpio}
APPEND=${APPEND:-console=ttyS0 rdinit=/init}
GDB=${GDB:-gdb-multiarch}
MODE=one
OPTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --linux) ELF=build/linux-ref/vmlinux; BOOT=build/linux-ref/Image; OPTS+="--linux " ;;
    --port) PORT=$2; OPTS+="--port $2 "; shift ;;
    --port=*) PORT=${1#--port=}; OPTS+="--port $PORT " ;;
    qemu|gdb|one|stop) MODE=$1 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "debug.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
BOOT=${BOOT:-$ELF}
export MENUOS_GDB_PORT=$PORT MENUOS_GDB_DIR="$ROOT/tools/gdb"

for f in "$ELF" "$BOOT" "$INITRD"; do
  [ -e "$f" ] || { echo "debug.sh: $f is missing (make kernel initramfs)" >&2; exit 1; }
done

# The boot contract's line comes from tools/qemu.py (its one place), plus the gdb server.
mapfile -t QEMU_CMD < <(python3 tools/qemu.py --print-argv --kernel "$BOOT" --initrd "$INITRD" \
  --append "$APPEND" -- -gdb "tcp::$PORT" -S)
[ "${#QEMU_CMD[@]}" -gt 0 ] || { echo "debug.sh: tools/qemu.py printed no QEMU command line" >&2; exit 1; }

port_busy() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
}

check_port() {
  if port_busy "$PORT"; then
    echo "debug.sh: port $PORT is in use (another QEMU -s?); stop it, or: tools/debug.sh --port 1235" >&2
    exit 1
  fi
}

run_gdb() {
  echo "debug.sh: $GDB on $ELF, attaching to localhost:$PORT"
  "$GDB" -q "$ELF" -x tools/gdb/menuos.gdb
}

QEMU_PIDFILE=build/debug-qemu.pid
case "$MODE" in
  stop)
    pid=$(cat "$QEMU_PIDFILE" 2>/dev/null || true)
    # only if that pid is still a QEMU (the pid file may be stale)
    if [ -n "$pid" ] && grep -q qemu "/proc/$pid/comm" 2>/dev/null && kill "$pid" 2>/dev/null; then
      echo "debug.sh: stopped QEMU (pid $pid)"
    fi
    rm -f "$QEMU_PIDFILE"
    exit 0
    ;;
  qemu)
    check_port
    mkdir -p build
    cat <<EOF
debug.sh: QEMU is waiting for gdb on localhost:$PORT (CPU halted: -S).  In a second terminal:
    tools/debug.sh ${OPTS}gdb            (or: MENUOS_GDB_PORT=$PORT $GDB $ELF -x tools/gdb/menuos.gdb)
then \`c\` in gdb boots MenuOS here; at MenuOS>> type fork-new.  Leave QEMU: Ctrl-A then X.
EOF
    exec "${QEMU_CMD[@]}" -pidfile "$QEMU_PIDFILE"
    ;;
  gdb)
    run_gdb
    exit
    ;;
esac

# One terminal.
check_port
WORK=$(mktemp -d /tmp/menuos-debug.XXXXXX)
PIDFILE=$WORK/qemu.pid
RELAY=""
PANE=""
cleanup() {
  [ -n "$RELAY" ] && kill "$RELAY" 2>/dev/null
  if [ -s "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null; fi
  [ -n "$PANE" ] && tmux kill-pane -t "$PANE" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
# Ctrl-C is gdb's (it stops the guest); this script just carries on to the cleanup.
trap : INT
trap 'exit 143' TERM

if [ -n "${TMUX:-}" ] && command -v tmux >/dev/null; then
  # QEMU's console in a pane below: type into the menu there, gdb stays here.
  PANE=$(tmux split-window -v -d -P -F '#{pane_id}' -l 40% \
    "$(printf '%q ' "${QEMU_CMD[@]}" -pidfile "$PIDFILE"); echo; echo 'QEMU has exited: press Enter'; read")
  echo "debug.sh: QEMU's console is in the tmux pane below (Ctrl-B then arrow keys to move there);"
  echo "          at MenuOS>> type fork-new there.  Quitting gdb stops QEMU."
else
  # QEMU in the background: its serial output relayed to this terminal, its input a fifo that
  # gdb's `menuos-send TEXT` writes into.
  mkfifo "$WORK/serial.in" "$WORK/serial.out"
  export MENUOS_SERIAL_IN=$WORK/serial.in
  cat "$WORK/serial.out" &
  RELAY=$!
  setsid "${QEMU_CMD[@]}" -monitor none -chardev "pipe,id=ser0,path=$WORK/serial" \
    -serial chardev:ser0 -pidfile "$PIDFILE" </dev/null >"$WORK/qemu.log" 2>&1 &
  cat <<EOF
debug.sh: QEMU runs in the background (its console prints here).  In gdb:
    c                        boot MenuOS (its console output appears here)
    Ctrl-C                   once MenuOS>> is shown: back to gdb
    menuos-send fork-new     type fork-new into the menu, then
    c                        the breakpoints hit: sys_clone, kernel_clone, ...
Two terminals instead: tools/debug.sh qemu, and tools/debug.sh gdb in another one.
EOF
fi
# wait for QEMU's gdb server
for _ in $(seq 50); do port_busy "$PORT" && break; sleep 0.1; done
if ! port_busy "$PORT"; then
  echo "debug.sh: QEMU did not start its gdb server:" >&2
  cat "$WORK/qemu.log" >&2 2>/dev/null
  exit 1
fi
run_gdb
