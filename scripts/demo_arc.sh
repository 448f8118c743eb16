#!/usr/bin/env bash
# make demo-arc: SEAL's few-shot ARC experiment on the sandbox's tiny model
# (models/tiny-arc): one ReST-EM round of `seal arc rl` on training puzzles of
# the ARC world, then every condition on held-out evaluation puzzles in the same
# run (icl, ttt-base-self-edit, seal, oracle-ttt, best-fixed-config), the table
# printed and the run written to runs/demo/arc/ (resumable: rerun after a kill
# and finished (puzzle, self-edit) pairs are kept).
#
# DEMO_SEED selects the world seed of the puzzles (default 1, the model's own
# world). Training and evaluation puzzles are held-out compositions and
# parameters under every seed: no seed's pretraining text has their programs.
# Settings and their reasons: docs/commands/demo.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=build/seal
. scripts/demo_lib.sh
SEED=${DEMO_SEED:-1}
MODEL=${DEMO_MODEL:-models/tiny-arc}
OUT=${DEMO_OUT:-runs/demo}
[ -f "$MODEL/model.safetensors" ] || { echo "demo-arc: $MODEL/model.safetensors is missing (make tiny-arc)" >&2; exit 1; }
mkdir -p "$OUT"
# The model's world options with this seed (in full: with seed 1 its held-out
# puzzles are then exactly the model's, redrawn where a pair equalled a
# pretraining pair; two seconds).
read -r -a WORLD_ARGS < models/tiny-arc/world.args
D=$OUT/arc-world-$SEED
[ -f "$D/world.json" ] || $SEAL world arc "${WORLD_ARGS[@]}" --seed "$SEED" --out "$D" >/dev/null
# oracle-ttt: the ground truth's tools per puzzle; best-fixed-config: the headroom run's best single config
[ -f "$D/oracle_configs.json" ] || $SEAL sandbox arc-oracle --world "$D" --split eval --out "$D/oracle_configs.json" \
    --strategy "${ARC_ORACLE_STRATEGY:-output}" --lr "${ARC_ORACLE_LR:-1e-3}" --epochs "${ARC_ORACLE_EPOCHS:-2}"
RUN=$OUT/arc
[ "$SEED" = 1 ] || RUN=$OUT/arc-seed$SEED
start_over_if_changed demo-arc "$RUN" "$MODEL" "$0"
t0=$(date +%s)
$SEAL arc rl -m "$MODEL" \
    --train-challenges "$D/arc-world_training_challenges.json" --train-solutions "$D/arc-world_training_solutions.json" \
    --train-select "first:${ARC_TRAIN_TASKS:-16}" --k-train "${ARC_K_TRAIN:-4}" \
    --challenges "$D/arc-world_evaluation_challenges.json" --solutions "$D/arc-world_evaluation_solutions.json" \
    --select "first:${ARC_EVAL_TASKS:-20}" -k "${ARC_K:-2}" \
    --conditions icl,ttt-base-self-edit,seal,oracle-ttt --oracle-configs "$D/oracle_configs.json" \
    --given-config "${ARC_BEST_FIXED:-models/tiny-arc/best_fixed_config.json}" --given-name best-fixed-config \
    --ttt-cap "${ARC_TTT_CAP:-16}" --ttt-max-steps "${ARC_TTT_MAX_STEPS:-64}" --ttt-warmup 2 --ttt-pad none \
    --max-len 2048 --max-answer-tokens 240 --permute-n "${ARC_PERMUTE_N:-1}" --workers 2 --run "$RUN"
echo
echo "demo-arc: $(( ($(date +%s) - t0) / 60 )) min; results in $RUN/results.md, every pair in $RUN/ttt.jsonl, plot $RUN/success.svg"
$SEAL sandbox arc-selfedits --world "$D" --run "$RUN" --generator base --json >"$RUN/selfedits-base.json"
$SEAL sandbox arc-selfedits --world "$D" --run "$RUN" --generator round-1 --json >"$RUN/selfedits-round-1.json"
echo "demo-arc: the self-edits judged against the world: $RUN/selfedits-base.json, $RUN/selfedits-round-1.json"
