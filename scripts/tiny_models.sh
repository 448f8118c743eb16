#!/usr/bin/env bash
# make tiny-models: reproduce the sandbox's tiny model from scratch with our own
# engine: the synthetic knowledge world (seed 1), a byte-level BPE tokenizer
# trained on its pretraining corpus (space-after pre-tokenizer: an answer on
# its own line has the same ids as the value in a sentence), then pretraining
# from random weights with models/tiny-knowledge/recipe.json. Resumable: rerun
# after a kill and it goes on from the last checkpoint. Work goes to
# build/tiny-knowledge/; the result is copied into models/tiny-knowledge/
# (config, weights, tokenizer files).
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=build/seal
W=build/tiny-knowledge
mkdir -p "$W"
# A work directory left by an older recipe (another tokenizer or config) must
# not be resumed: its checkpoints belong to other token ids.
TOKENIZER_ARGS=(--vocab-size 2048 --pre-tokenizer space-after)
stamp="tokenizer: ${TOKENIZER_ARGS[*]}; recipe: $(cksum < models/tiny-knowledge/recipe.json)"
if [ -d "$W/tokenizer" ] && [ "$(cat "$W/stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "tiny-models: $W was made by another recipe; starting its tokenizer and model over"
  rm -rf "$W/tokenizer" "$W/model"
fi
echo "$stamp" > "$W/stamp"
[ -f "$W/world/pretrain.jsonl" ] || $SEAL world knowledge --seed 1 --out "$W/world"
[ -f "$W/tokenizer/tokenizer.json" ] || $SEAL tokenizer train --data "$W/world/pretrain.jsonl" "${TOKENIZER_ARGS[@]}" \
    --out "$W/tokenizer"
cp models/tiny-knowledge/recipe.json "$W/recipe.json"
$SEAL pretrain --config "$W/recipe.json" --data "$W/world/pretrain.jsonl" --out "$W/model"
for f in config.json model.safetensors tokenizer.json tokenizer_config.json generation_config.json; do
  cp "$W/model/$f" models/tiny-knowledge/
done
# the plain ChatML template, so that `generate --chat` works on the shipped model (it changes no knowledge figure)
python3 scripts/add_chat_template.py models/tiny-knowledge/tokenizer_config.json
echo "tiny-models: models/tiny-knowledge/ updated from $W/model"
