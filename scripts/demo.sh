#!/usr/bin/env bash
# make demo: two ReST-EM rounds of SEAL on the sandbox's tiny model, every
# condition evaluated on held-out passages of the synthetic world, the table
# printed and the run written to runs/demo/knowledge/ (resumable).
#
# The model is models/tiny-knowledge/ when it has been built (make tiny-models).
# Until that model ships, the demo pretrains an interim model for a few minutes
# (runs/demo/interim-model/, reused afterwards): every part of the loop runs, but
# such a short pretraining cannot write useful self-edits, so expect accuracies
# near zero. DEMO_SEED selects the world seed of the held-out passages.
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=build/seal
SEED=${DEMO_SEED:-1}
OUT=runs/demo
mkdir -p "$OUT"
if [ -f models/tiny-knowledge/model.safetensors ]; then
  MODEL=models/tiny-knowledge
else
  echo "demo: models/tiny-knowledge/ is not built yet (make tiny-models); pretraining an interim model for a few minutes"
  MODEL=$OUT/interim-model
  W=$OUT/interim-world
  [ -f "$W/pretrain.jsonl" ] || $SEAL world knowledge --seed 1 --out "$W" --people 1500
  [ -f "$W/tokenizer/tokenizer.json" ] || $SEAL tokenizer train --data "$W/pretrain.jsonl" --vocab-size 1024 --out "$W/tokenizer" --quiet
  cat >"$W/recipe.json" <<'JSON'
{"tokenizer": "tokenizer",
 "model": {"hidden_size": 128, "intermediate_size": 352, "num_hidden_layers": 4, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 1024, "tie_word_embeddings": true},
 "train": {"steps": 600, "batch_size": 8, "seq_len": 256, "lr": 3e-3, "warmup_steps": 50, "eval_every": 200,
           "checkpoint_every": 200, "seed": 1}}
JSON
  [ -f "$MODEL/model.safetensors" ] || $SEAL pretrain --config "$W/recipe.json" --data "$W/pretrain.jsonl" --out "$MODEL"
fi
# held-out passages from the world of seed $SEED (their entities never occur in the model's pretraining)
D=$OUT/world-$SEED
[ -f "$D/eval.json" ] || $SEAL world knowledge --seed "$SEED" --out "$D" --people 200 --train 60 --eval 40 >/dev/null
$SEAL knowledge rl -m "$MODEL" --train "$D/train.json" --eval "$D/eval.json" --run "$OUT/knowledge" \
    --eval-passages 40 --passages-per-round 20 --rounds 2 -k 5 --reps 1 --max-edit-tokens 160 --answer-tokens 16 \
    --inner-epochs 5 --workers 2
echo "demo: results in $OUT/knowledge/results.md, plot in $OUT/knowledge/accuracy.svg"
