#!/usr/bin/env bash
# Run seal's tests and print "N passed, N failed, N skipped".
#   tests/run.sh BUILD_DIR [unit]
# Unit tests are build/tests/test_*; the rest are tests/*/test_*.sh scripts that
# get SEAL (the CLI path) and BUILD in their environment. Exit 77 means skipped.
set -u
BUILD=${1:-build}; ONLY=${2:-all}
cd "$(dirname "$0")/.."
export SEAL="$PWD/$BUILD/seal" BUILD="$PWD/$BUILD" SEAL_ROOT="$PWD"
pass=0; fail=0; skip=0; failed=()
run_one() {
  local name=$1; shift
  local log; log=$(mktemp)
  local t0=$SECONDS
  "$@" >"$log" 2>&1; local rc=$?
  local dt=$((SECONDS - t0))
  if [ $rc -eq 0 ]; then pass=$((pass+1)); printf 'PASS %-40s %3ds\n' "$name" "$dt"
  elif [ $rc -eq 77 ]; then skip=$((skip+1)); printf 'SKIP %-40s %s\n' "$name" "$(grep -m1 '^SKIP' "$log" | cut -c7-)"
  else fail=$((fail+1)); failed+=("$name"); printf 'FAIL %-40s (exit %d)\n' "$name" "$rc"; tail -n 30 "$log" | sed 's/^/    /'
  fi
  rm -f "$log"
}
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
if [ "$ONLY" != unit ]; then
  for t in tests/*/test_*.sh; do
    [ -f "$t" ] && run_one "${t#tests/}" bash "$t"
  done
fi
echo
[ $fail -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
