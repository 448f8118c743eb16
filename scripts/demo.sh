#!/usr/bin/env bash
# make demo: two ReST-EM rounds of SEAL on the sandbox's tiny model
# (models/tiny-knowledge), every condition evaluated on held-out passages of the
# synthetic world, the table printed and the run written to runs/demo/knowledge/
# (resumable: rerun after a kill and finished inner loops are kept).
#
# DEMO_SEED selects the world seed of the held-out passages (default 1, the
# model's own world; any other seed gives passages about people the model has
# never seen just as well). Settings and their reasons: docs/commands/demo.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=build/seal
. scripts/demo_lib.sh
SEED=${DEMO_SEED:-1}
MODEL=${DEMO_MODEL:-models/tiny-knowledge}
OUT=${DEMO_OUT:-runs/demo}
[ -f "$MODEL/model.safetensors" ] || { echo "demo: $MODEL/model.safetensors is missing (make tiny-models)" >&2; exit 1; }
mkdir -p "$OUT"
# Held-out passages of world $SEED: no drill or background documents are needed,
# and the held-out people come out the same as in the full world of that seed.
# Another seed's world could name someone the model read about in its own
# (seed 1, the recipe of models/tiny-knowledge): --avoid-names rules that out.
D=$OUT/world-$SEED
AVOID=()
if [ "$SEED" != 1 ]; then
  [ -f "$OUT/world-model/world.json" ] || $SEAL world knowledge --seed 1 --out "$OUT/world-model" >/dev/null
  AVOID=(--avoid-names "$OUT/world-model/world.json")
fi
[ -f "$D/eval.json" ] || $SEAL world knowledge --seed "$SEED" --out "$D" --drill 0 --docs-per-person 1 --background-docs 0 \
    "${AVOID[@]}" >/dev/null
RUN=$OUT/knowledge
[ "$SEED" = 1 ] || RUN=$OUT/knowledge-seed$SEED
start_over_if_changed demo "$RUN" "$MODEL" "$0"
t0=$(date +%s)
$SEAL knowledge rl -m "$MODEL" --train "$D/train.json" --eval "$D/eval.json" --run "$RUN" \
    --eval-passages 40 --passages-per-round ${DEMO_PASSAGES_PER_ROUND:-50} --rounds 2 -k 5 --reps 1 \
    --max-edit-tokens 160 --answer-tokens 16 --sft-lr 1e-3 --sft-epochs 2 --sft-accum 1 --workers 2 \
    --inner-targets all-linear
echo
echo "demo: $(( ($(date +%s) - t0) / 60 )) min; results in $RUN/results.md, every inner loop in $RUN/inner.jsonl, plot $RUN/accuracy.svg"
