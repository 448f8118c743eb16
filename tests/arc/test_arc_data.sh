#!/usr/bin/env bash
# ARC data against live NumPy (skips without /usr/bin/python3 + numpy):
#  - util/nprandom: test_nprandom's full battery (seeds 0 .. 2**32-1; randint over
#    small, 32-bit and > 2**32 ranges, scalar and array forms; shuffle; permutation;
#    choice with and without replacement; rand; np.random.seed(0) + shuffle)
#    diffed line for line with tests/arc/nprandom_oracle.py;
#  - arc/grid: NumPy str() of 400+ random grids 1x1 .. 30x30 (tests/arc/grid_oracle.py).
. "$(dirname "$0")/../lib.sh"
need_python
need_numpy
use_tmp
for t in test_nprandom test_arc_grid; do
  [ -x "$BUILD/tests/$t" ] || skip "$BUILD/tests/$t not built (make $BUILD/tests/$t)"
done

"$BUILD/tests/test_nprandom" dump >"$tmp/c_rand.txt" || fail "test_nprandom dump failed"
$py "$here/nprandom_oracle.py" >"$tmp/np_rand.txt" || fail "nprandom_oracle.py failed"
[ "$(wc -l <"$tmp/np_rand.txt")" -gt 300 ] || fail "the NumPy battery is short: $(wc -l <"$tmp/np_rand.txt") lines"
diff "$tmp/np_rand.txt" "$tmp/c_rand.txt" >"$tmp/rand.diff" ||
  fail "nprandom differs from NumPy (< numpy, > seal): $(head -n 6 "$tmp/rand.diff")"

$py "$here/grid_oracle.py" "$tmp/grids.txt" "$tmp/np_str.txt" 400 || fail "grid_oracle.py failed"
"$BUILD/tests/test_arc_grid" numpy-str <"$tmp/grids.txt" >"$tmp/c_str.txt" || fail "test_arc_grid numpy-str failed"
[ "$(grep -c '^=$' "$tmp/np_str.txt")" -eq 403 ] || fail "expected 403 NumPy grids"
diff "$tmp/np_str.txt" "$tmp/c_str.txt" >"$tmp/str.diff" ||
  fail "grid str differs from NumPy (< numpy, > seal): $(head -n 6 "$tmp/str.diff")"

[ $fails -eq 0 ] && echo "ok: nprandom battery ($(wc -l <"$tmp/np_rand.txt") lines) and 403 grids match NumPy"
[ $fails -eq 0 ]
