#!/usr/bin/env bash
# ARC data against live NumPy (skips without /usr/bin/python3 + numpy):
#  - util/nprandom: test_nprandom's full battery (seeds 0 .. 2**32-1; randint over
#    small, 32-bit and > 2**32 ranges, scalar and array forms; shuffle; permutation;
#    choice with and without replacement; rand; np.random.seed(0) + shuffle)
#    diffed line for line with tests/arc/nprandom_oracle.py;
#  - arc/grid: NumPy str() of 400+ random grids 1x1 .. 30x30 (tests/arc/grid_oracle.py);
#  - arc/task + arc/format on ../shared/data/arc (skipped without it): subtask order as Python's
#    json.load walks the files, the reference's 11 training and 8 evaluation task ids
#    (seal-method.md §3.1), the self-edit prompt of every training-subset task byte-identical
#    to the string tests/arc/arc_oracle.py builds from §3.2's template, and the TTT messages of
#    6150a2bd (and every eval-subset subtask) byte-identical to NumPy's str() (§3.5).
. "$(dirname "$0")/../lib.sh"
need_python
need_numpy
use_tmp
for t in test_nprandom test_arc_grid test_arc_task; do
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

echo "nprandom battery ($(wc -l <"$tmp/np_rand.txt") lines) and 403 grids checked against NumPy"

arc="$SEAL_ROOT/../shared/data/arc"
if [ ! -f "$arc/arc-agi_training_challenges.json" ]; then
  echo "../shared/data/arc not found: the real-file checks are skipped"
  [ $fails -eq 0 ]; exit
fi
T="$BUILD/tests/test_arc_task"
full_ch=$arc/arc-agi_training_challenges.json full_sol=$arc/arc-agi_training_solutions.json
tr_ch=$arc/arc-agi_training_challenges_filtered_1B_training_set.json
tr_sol=$arc/arc-agi_training_solutions_filtered_1B_training_set.json
ev_ch=$arc/arc-agi_evaluation_challenges_filtered_1B_eval_set.json
ev_sol=$arc/arc-agi_evaluation_solutions_filtered_1B_eval_set.json
oracle() { $py "$here/arc_oracle.py" "$@"; }

# Both sides' outputs of one mode, compared byte for byte.
same() { # label mode ch sol [args]
  local label=$1; shift
  "$T" "$@" >"$tmp/c.out" 2>"$tmp/c.err" || { fail "$label: test_arc_task $1 failed: $(cat "$tmp/c.err")"; return; }
  oracle "$@" >"$tmp/py.out" || { fail "$label: arc_oracle.py $1 failed"; return; }
  cmp -s "$tmp/py.out" "$tmp/c.out" || fail "$label differs from Python: $(diff "$tmp/py.out" "$tmp/c.out" | head -n 8)"
}

same "subtask order (400 training tasks)" order "$full_ch" "$full_sol"
[ "$("$T" order "$full_ch" "$full_sol" | wc -l)" -eq 416 ] || fail "expected 416 training subtasks"
same "subtask order (eval subset)" order "$ev_ch" "$ev_sol"

# The reference's subsets, against the ids seal-method.md §3.1 lists.
ids() { tr ',' '\n' | sed 's/-[0-9]*$//' | sort -u | tr '\n' ' '; }
want_train="44f52bb0 4be741c5 5582e5ca 5614dbcf 5bd6f4ac 6150a2bd 67e8384a 6d0aefbc 6e02f1e3 8be77c9e 8d5021e8 "
want_eval="59341089 66e6c45b 68b67ca3 903d1b4a b1fc8b8e bc4146bd c7d4e6ad ce8d95cc "
got=$("$T" first "$tr_ch" "$tr_sol" 12 | ids)
[ "$got" = "$want_train" ] || fail "training ids: got '$got', want '$want_train'"
got=$("$T" shuffled "$ev_ch" "$ev_sol" 9 0 | ids)
[ "$got" = "$want_eval" ] || fail "eval ids: got '$got', want '$want_eval'"
same "select_first 12 (training subset)" first "$tr_ch" "$tr_sol" 12
same "select_shuffled 9 seed 0 (eval subset)" shuffled "$ev_ch" "$ev_sol" 9 0
same "select_shuffled 11 seed 0 (training subset)" shuffled "$tr_ch" "$tr_sol" 11 0
got=$("$T" shuffled "$tr_ch" "$tr_sol" 11 0 | ids)
case "$got" in *5bd6f4ac*|*8e1813be*) fail "training reward subset keeps 5bd6f4ac or 8e1813be: $got" ;; esac

# Texts.
for id in $("$T" order "$tr_ch" "$tr_sol"); do
  same "self-edit prompt of $id" prompt "$tr_ch" "$tr_sol" "$id"
done
same "TTT messages of 6150a2bd-0" ttt "$full_ch" "$full_sol" 6150a2bd-0
for id in $("$T" order "$ev_ch" "$ev_sol"); do
  same "TTT messages of $id" ttt "$ev_ch" "$ev_sol" "$id"
done
grep -q '^\[\[3 3 8\]$' <("$T" ttt "$full_ch" "$full_sol" 6150a2bd-0) || fail "6150a2bd's first grid is not [[3 3 8] ..."

[ $fails -eq 0 ] && echo "ok: nprandom, grids, task order, subsets and texts match the reference"
[ $fails -eq 0 ]
