#!/usr/bin/env bash
# Runs the test programs on the reference Linux 6.1 (the oracle): builds it if needed
# (tools/linux-ref.sh, cached), then boots every test of build/user/tests with it.
# Extra arguments go to tools/qemutest.py (e.g. --only t_smoke, -q, --jobs 1).
# The initrd is build/initramfs.cpio (make initramfs, or `make test-linux` which does it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/tools/linux-ref.sh"
rc=0
python3 "$ROOT/tools/qemutest.py" --kernel "$ROOT/build/linux-ref/Image" --kind linux "$@" || rc=1
# busybox's shell and ps on the oracle too (skipped when only some tests were asked for)
if [ "$#" -eq 0 ]; then
  python3 "$ROOT/tools/busyboxtest.py" --kernel "$ROOT/build/linux-ref/Image" --kind linux || rc=1
  # strace -f fork-new: the stored Linux transcript (tools/strace/) is still what Linux prints
  python3 "$ROOT/tools/stracetest.py" --kernel "$ROOT/build/linux-ref/Image" || rc=1
  # Linux's own tests on Linux: every test in tools/suites/*.pass must still pass here.
  python3 "$ROOT/tools/suitetest.py" --kernel "$ROOT/build/linux-ref/Image" --kind linux || rc=1
fi
exit $rc
