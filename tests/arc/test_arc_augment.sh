#!/usr/bin/env bash
# ARC augmentation against the reference's rules written with NumPy (tests/arc/augment_oracle.py),
# on the real tasks of ../shared/data/arc (skips without them, /usr/bin/python3 or numpy):
#  - every augmenter of the four groups on 144 subtasks (the 24 of the filtered training and
#    evaluation files, the first 120 of the ARC training file), including RandomTranslateXY's
#    generator copies and the 30x30 drop; each view of the query input and its inverse;
#  - the colour permutation (seeds 0-4 on each of those, and every colour subset met in two orders);
#  - on the 24 filtered subtasks: leave-1 and leave-2 tasks, the TTT sets with all groups, basic
#    only and none (leave-n 1 and 2), the 250 cap, and the evaluation queries at n = 1 and 2.
# The oracle keeps first occurrences where the reference takes list(set(...)) (seal's fixed order).
. "$(dirname "$0")/../lib.sh"
need_python
need_numpy
need_shared data/arc/arc-agi_training_challenges.json
need_shared data/arc/arc-agi_training_challenges_filtered_1B_training_set.json
need_shared data/arc/arc-agi_evaluation_challenges_filtered_1B_eval_set.json
drv="$BUILD/tests/test_arc_augment"
[ -x "$drv" ] || skip "$drv not built (make $drv)"
use_tmp

$py "$here/augment_oracle.py" "$SEAL_ROOT/../shared/data/arc" "$tmp/tasks.txt" "$tmp/expected.txt" "$tmp/sizes.txt" ||
  fail "augment_oracle.py failed"
"$drv" --dump <"$tmp/tasks.txt" >"$tmp/got.txt" || fail "test_arc_augment --dump failed"
n=$(wc -l <"$tmp/expected.txt")
[ "$n" -gt 30000 ] || fail "the oracle's expectation is short: $n lines"
[ "$(grep -c '^TASK$' "$tmp/expected.txt")" -eq 2190 ] || fail "expected 2190 tasks in the oracle's output"
diff "$tmp/expected.txt" "$tmp/got.txt" >"$tmp/diff" ||
  fail "seal differs from the NumPy oracle (< numpy, > seal), $(grep -c '^<' "$tmp/diff") lines: $(head -n 6 "$tmp/diff" | cut -c1-200)"
[ "$(wc -l <"$tmp/sizes.txt")" -eq 11 ] || fail "expected the 11 training tasks' TTT sizes"

[ $fails -eq 0 ] && echo "ok: $n lines match NumPy; TTT set sizes (all groups, before/after the cap):" &&
  sed 's/^/  /' "$tmp/sizes.txt"
[ $fails -eq 0 ]
