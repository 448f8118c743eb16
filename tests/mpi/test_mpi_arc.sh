#!/usr/bin/env bash
# seal arc eval under mpirun (docs/scale-out.md) on the real ARC files with a
# random-weight llama3-micro model: 3 ranks end with results.json and every
# journaled (task, self-edit) pair byte-identical to the single-process run's;
# arc rl under SEAL_TEST_UNSHARED_RUN=1 (the other ranks see other weights in
# RUN/round-1/model) falls back to rank 0's copy (--model-transfer auto) and
# ends byte-identical too.
set -u
. "$(dirname "$0")/mpi_lib.sh"
. "$SEAL_ROOT/tests/arc/arc_micro_model.sh"
need_arc_data
arc_micro_model "$tmp" || exit 1
cat >"$tmp/cfg.json" <<'EOF2'
{"data_generation": {"use_basic_augmentations": true, "use_size_augmentations": false,
  "use_chain_augmentations": false, "use_repeat_augmentations": false},
 "training": {"strategy": "train_using_output_tokens", "learning_rate": 1e-4, "num_train_epochs": 1}}
EOF2
# 44f52bb0 has two test inputs (two subtasks); the given config really trains
args=(arc eval -m "$tmp/m" --challenges "$TR_C" --solutions "$TR_S" --tasks 44f52bb0 --given-config "$tmp/cfg.json"
      --ttt-cap 6 --k 2 --edit-tries 1 --max-edit-tokens 12 --max-answer-tokens 16 --max-len 2048 --threads 1 --quiet)
"$SEAL" "${args[@]}" --run "$tmp/one" >"$tmp/one.out" 2>&1 || fail "arc eval: $(tail -3 "$tmp/one.out")"
mpi 3 "$SEAL" "${args[@]}" --run "$tmp/three" >"$tmp/three.out" 2>&1 || fail "arc eval -np 3: $(tail -5 "$tmp/three.out")"
same_results "$tmp/one" "$tmp/three" "arc eval -np 3"
cmp -s <(sort "$tmp/one/ttt.jsonl") <(sort "$tmp/three/ttt.jsonl") || fail "arc eval -np 3: ttt.jsonl records differ"
unique_keys "$tmp/three/ttt.jsonl" "arc eval -np 3"

rl=(arc rl -m "$tmp/m" --train-challenges "$TR_C" --train-solutions "$TR_S" --train-tasks 6150a2bd,5582e5ca --k-train 2
    --challenges "$EV_C" --solutions "$EV_S" --tasks 66e6c45b --sft-epochs 1 --ttt-cap 6 --k 2 --edit-tries 1
    --max-edit-tokens 12 --max-answer-tokens 16 --max-len 2048 --threads 1 --quiet)
export SEAL_TEST_ARC_REWARD_FIRST=1 # each training task's first self-edit is rewarded: round 1 has a model
"$SEAL" "${rl[@]}" --run "$tmp/rl1" >"$tmp/rl1.out" 2>&1 || fail "arc rl: $(tail -3 "$tmp/rl1.out")"
SEAL_TEST_UNSHARED_RUN=1 mpi 3 -x SEAL_TEST_ARC_REWARD_FIRST -x SEAL_TEST_UNSHARED_RUN "$SEAL" "${rl[@]}" --run "$tmp/rl3" \
    >"$tmp/rl3.out" 2>&1 || fail "arc rl -np 3, unshared: $(tail -5 "$tmp/rl3.out")"
same_results "$tmp/rl1" "$tmp/rl3" "arc rl -np 3, unshared"
grep -q "round-1/model holds other weights .*reading it from rank 0 instead" "$tmp/rl3.out" ||
  fail "arc rl -np 3, unshared: no rank fell back to rank 0's copy: $(head -3 "$tmp/rl3.out")"
[ $fails -eq 0 ]
