#!/usr/bin/env bash
# make tiny-models: reproduce the sandbox's tiny model from scratch with our own
# engine: the synthetic knowledge world (seed 1), a byte-level BPE tokenizer
# trained on its pretraining corpus, then pretraining from random weights with
# models/tiny-knowledge/recipe.json. Resumable: rerun after a kill and it goes on
# from the last checkpoint. Work goes to build/tiny-knowledge/; the result is
# copied into models/tiny-knowledge/ (config, weights, tokenizer files).
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=build/seal
W=build/tiny-knowledge
mkdir -p "$W"
[ -f "$W/world/pretrain.jsonl" ] || $SEAL world knowledge --seed 1 --out "$W/world"
[ -f "$W/tokenizer/tokenizer.json" ] || $SEAL tokenizer train --data "$W/world/pretrain.jsonl" --vocab-size 2048 --out "$W/tokenizer"
cp models/tiny-knowledge/recipe.json "$W/recipe.json"
$SEAL pretrain --config "$W/recipe.json" --data "$W/world/pretrain.jsonl" --out "$W/model"
for f in config.json model.safetensors tokenizer.json tokenizer_config.json generation_config.json; do
  cp "$W/model/$f" models/tiny-knowledge/
done
echo "tiny-models: models/tiny-knowledge/ updated from $W/model"
