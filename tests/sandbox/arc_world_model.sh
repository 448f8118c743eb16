# tests/sandbox/arc_world_model.sh: sourced by the ARC sandbox tests (not a test itself).
# Needs $SEAL, $py (need_python) and fail().
#   arc_world_model D   D/w: a tiny `seal world arc` (seed 5: 6 evaluation, 4 training puzzles), D/tok: a
#                       400-id BPE of its corpus with its special tokens, chat template and <|eot_id|> EOS,
#                       D/m: a random-weight micro model of that tokenizer; 1 when a step fails
arc_world_model() {
  local d=$1 specials=() s
  "$SEAL" world arc --seed 5 --out "$d/w" --pretrain 200 --train 4 --eval 6 --selfedit-docs 60 >/dev/null ||
    { fail "world arc"; return 1; }
  while read -r s; do specials+=(--special "$s"); done < <($py -c '
import json, sys
for s in json.load(open(sys.argv[1]))["special_tokens"]: print(s)' "$d/w/world.json")
  "$SEAL" tokenizer train --data "$d/w/pretrain.jsonl" --vocab-size 400 --out "$d/tok" "${specials[@]}" --quiet \
    >/dev/null 2>&1 || { fail "tokenizer train"; return 1; }
  $py - "$d/w/world.json" "$d/tok/tokenizer_config.json" <<'PY'
import json, sys
w, path = json.load(open(sys.argv[1])), sys.argv[2]
c = json.load(open(path))
c["chat_template"], c["eos_token"] = w["chat_template"], "<|eot_id|>"
json.dump(c, open(path, "w"))
PY
  "$SEAL" synth --shape micro --tokenizer "$d/tok" --out "$d/m" >/dev/null 2>&1 || { fail "synth"; return 1; }
}
