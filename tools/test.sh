#!/usr/bin/env bash
# make test: every test of MenuOS, ending with one line "N passed, N failed".
#   1. host unit tests of the no_std crates and the menu library (cargo test, root workspace)
#   2. host checks of the test harness itself (python unittest)
#   3. the QEMU tests: every program in build/user/tests booted as PID 1 on build/vmlinux,
#      plus the expect tests (tools/qemutest.py)
# Extra arguments go to qemutest.py (e.g. --only t_fork).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/test-logs
pass=0; fail=0

count_cargo() { # sums "test result: ok. N passed; M failed" lines
  local p f
  p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$6} END {print s+0}')
  echo "$p $f"
}

if [ "$#" -eq 0 ]; then
  echo "== host unit tests (cargo test)"
  if cargo test --workspace --quiet >build/test-logs/host.log 2>&1; then rc=0; else rc=1; fi
  read -r p f < <(count_cargo build/test-logs/host.log)
  grep -E '^test result|FAILED|panicked' build/test-logs/host.log | sed 's/^/   /'
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "   cargo test failed to build or run: see build/test-logs/host.log"; tail -20 build/test-logs/host.log; fi
  echo "== host: $p passed, $f failed"
  pass=$((pass + p)); fail=$((fail + f))

  echo "== harness self-tests (python unittest)"
  if python3 -m unittest discover -s tools -p 'test_*.py' >build/test-logs/harness.log 2>&1; then
    n=$(grep -Eo '^Ran [0-9]+ test' build/test-logs/harness.log | awk '{print $2}')
    echo "== harness: ${n:-0} passed, 0 failed"; pass=$((pass + ${n:-0}))
  else
    tail -20 build/test-logs/harness.log
    n=$(grep -Eo '^Ran [0-9]+ test' build/test-logs/harness.log | awk '{print $2}')
    nf=$(grep -Eo '(failures|errors)=[0-9]+' build/test-logs/harness.log | awk -F= '{s+=$2} END {print s+0}')
    [ "${nf:-0}" -eq 0 ] && nf=1
    echo "== harness: $(( ${n:-0} - nf )) passed, $nf failed"; pass=$((pass + ${n:-0} - nf)); fail=$((fail + nf))
  fi
fi

echo "== QEMU tests on MenuOS (build/vmlinux)"
python3 tools/qemutest.py --kernel build/vmlinux --kind menuos -q "$@" | tee build/test-logs/qemu.log
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' build/test-logs/qemu.log | tail -1)
if [ -z "$line" ]; then fail=$((fail + 1)); echo "qemutest printed no summary"; else
  pass=$((pass + $(echo "$line" | awk '{print $1}'))); fail=$((fail + $(echo "$line" | awk '{print $3}'))); fi

if [ "$#" -eq 0 ]; then
  # The seed's gdb experiment in batch mode, and the menu driven over the serial line.
  for t in gdbtest menutest test_trace busyboxtest; do
    echo "== $t (tools/$t.py): one QEMU boot"
    python3 tools/$t.py | tee build/test-logs/$t.out
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' build/test-logs/$t.out | tail -1)
    if [ -z "$line" ]; then fail=$((fail + 1)); echo "$t printed no summary"; else
      pass=$((pass + $(echo "$line" | awk '{print $1}'))); fail=$((fail + $(echo "$line" | awk '{print $3}'))); fi
  done
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
