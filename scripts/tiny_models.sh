#!/usr/bin/env bash
# make tiny-models: reproduce the sandboxes' tiny models from scratch with our
# own engine. Usage: scripts/tiny_models.sh [knowledge|arc|all] (default all).
#
# knowledge: the synthetic knowledge world (seed 1), a byte-level BPE
#   tokenizer trained on its pretraining corpus (space-after pre-tokenizer: an
#   answer on its own line has the same ids as the value in a sentence), then
#   pretraining from random weights with models/tiny-knowledge/recipe.json.
# arc: the ARC puzzle world (seed 1 and the options in models/tiny-arc/world.args),
#   a 512-id BPE with the world's four special tokens, its chat template and
#   <|eot_id|> as EOS, then pretraining with models/tiny-arc/recipe.json.
#
# Resumable: rerun after a kill and it goes on from the last checkpoint. Work
# goes to build/tiny-<name>/; the result is copied into models/tiny-<name>/
# (config, weights, tokenizer files).
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=build/seal
WHICH=${1:-all}
case "$WHICH" in knowledge|arc|all) ;; *) echo "usage: $0 [knowledge|arc|all]" >&2; exit 2 ;; esac

# A work directory left by an older recipe (another world, tokenizer or
# config) must not be resumed: its checkpoints belong to other token ids.
check_stamp() { # DIR STAMP
  if [ -d "$1/tokenizer" ] && [ "$(cat "$1/stamp" 2>/dev/null)" != "$2" ]; then
    echo "tiny-models: $1 was made by another recipe; starting its world, tokenizer and model over"
    rm -rf "$1/world" "$1/tokenizer" "$1/model"
  fi
  mkdir -p "$1"
  echo "$2" > "$1/stamp"
}

copy_model() { # WORK NAME
  for f in config.json model.safetensors tokenizer.json tokenizer_config.json generation_config.json; do
    cp "$1/model/$f" "models/$2/"
  done
}

knowledge() {
  local W=build/tiny-knowledge
  local TOKENIZER_ARGS=(--vocab-size 2048 --pre-tokenizer space-after)
  check_stamp "$W" "tokenizer: ${TOKENIZER_ARGS[*]}; recipe: $(cksum < models/tiny-knowledge/recipe.json)"
  [ -f "$W/world/pretrain.jsonl" ] || $SEAL world knowledge --seed 1 --out "$W/world"
  [ -f "$W/tokenizer/tokenizer.json" ] || $SEAL tokenizer train --data "$W/world/pretrain.jsonl" "${TOKENIZER_ARGS[@]}" \
      --out "$W/tokenizer"
  cp models/tiny-knowledge/recipe.json "$W/recipe.json"
  $SEAL pretrain --config "$W/recipe.json" --data "$W/world/pretrain.jsonl" --out "$W/model"
  copy_model "$W" tiny-knowledge
  # the plain ChatML template, so that `generate --chat` works on the shipped model (it changes no knowledge figure)
  python3 scripts/add_chat_template.py models/tiny-knowledge/tokenizer_config.json
  echo "tiny-models: models/tiny-knowledge/ updated from $W/model"
}

arc() {
  local W=build/tiny-arc
  local WORLD_ARGS TOKENIZER_ARGS=(--vocab-size 512)
  read -r -a WORLD_ARGS < models/tiny-arc/world.args
  check_stamp "$W" "world: --seed 1 ${WORLD_ARGS[*]}; tokenizer: ${TOKENIZER_ARGS[*]}; recipe: $(cksum < models/tiny-arc/recipe.json)"
  [ -f "$W/world/world.json" ] || $SEAL world arc --seed 1 "${WORLD_ARGS[@]}" --out "$W/world"
  if [ ! -f "$W/tokenizer/tokenizer.json" ]; then
    local specials=()
    while read -r s; do specials+=(--special "$s"); done < <(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["special_tokens"]: print(s)' "$W/world/world.json")
    $SEAL tokenizer train --data "$W/world/pretrain.jsonl" "${TOKENIZER_ARGS[@]}" "${specials[@]}" --out "$W/tokenizer.tmp" \
        --force
    python3 scripts/add_chat_template.py "$W/tokenizer.tmp/tokenizer_config.json" --world "$W/world/world.json"
    mv "$W/tokenizer.tmp" "$W/tokenizer"
  fi
  cp models/tiny-arc/recipe.json "$W/recipe.json"
  $SEAL pretrain --config "$W/recipe.json" --data "$W/world/pretrain.jsonl" --out "$W/model"
  copy_model "$W" tiny-arc
  echo "tiny-models: models/tiny-arc/ updated from $W/model"
}

[ "$WHICH" = arc ] || knowledge
[ "$WHICH" = knowledge ] || arc
