#!/usr/bin/env bash
# seal arc eval under mpirun (docs/scale-out.md) on the real ARC files with a
# random-weight llama3-micro model: 3 ranks end with results.json and every
# journaled (task, self-edit) pair byte-identical to the single-process run's.
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
[ $fails -eq 0 ]
