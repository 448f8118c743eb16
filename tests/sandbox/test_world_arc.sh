#!/usr/bin/env bash
# seal world arc: the same seed writes byte-identical files and another seed
# does not; the output contract (an existing directory needs --force) and bad
# options name the option; and the world plugs into the pipeline unchanged: a
# BPE tokenizer trained on pretrain.jsonl with the world's special tokens and
# chat template keeps every digit a token of its own, seal pretrain trains on
# the corpus, and seal arc eval reads the Kaggle files and test-time trains on
# an evaluation puzzle with a random-weight model of that tokenizer.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
W=(--pretrain 200 --train 4 --eval 6 --selfedit-docs 60)
"$SEAL" world arc --seed 5 --out "$tmp/a" "${W[@]}" >/dev/null || fail "world arc"
"$SEAL" world arc --seed 5 --out "$tmp/b" "${W[@]}" >/dev/null || fail "world arc (again)"
"$SEAL" world arc --seed 6 --out "$tmp/c" "${W[@]}" >/dev/null || fail "world arc (seed 6)"
for f in arc-world_training_challenges.json arc-world_training_solutions.json arc-world_evaluation_challenges.json \
         arc-world_evaluation_solutions.json pretrain.jsonl world.json; do
  cmp -s "$tmp/a/$f" "$tmp/b/$f" || fail "$f differs between two runs with seed 5"
done
cmp -s "$tmp/a/pretrain.jsonl" "$tmp/c/pretrain.jsonl" && fail "seeds 5 and 6 wrote the same pretrain.jsonl"

err=$("$SEAL" world arc --seed 5 --out "$tmp/a" "${W[@]}" 2>&1 >/dev/null) && fail "an existing --out was replaced"
grep -q "already exists" <<<"$err" || fail "existing --out: $err"
"$SEAL" world arc --seed 5 --out "$tmp/a" "${W[@]}" --force >/dev/null || fail "--force"
err=$("$SEAL" world arc --out "$tmp/d" --min-side 9 --max-side 4 2>&1) && fail "sides 9-4 accepted"
grep -q "sides 9-4" <<<"$err" || fail "bad sides: $err"
err=$("$SEAL" world arc --out "$tmp/d" --selfedit-lrs 1e-4,x 2>&1) && fail "a bad learning rate list accepted"
grep -q -- "--selfedit-lrs" <<<"$err" || fail "bad lr list: $err"

# --pretrain-families (a curriculum's first stage): every pretraining rule is of the named families, the held-out
# puzzles are not restricted, and world.json records the list; an unknown family, or a list that allows no seen
# composition while some pretraining puzzles must be compositions, is refused naming the reason.
"$SEAL" world arc --seed 5 --out "$tmp/f" --pretrain 120 --train 0 --eval 12 --selfedit-docs 0 \
    --pretrain-single 0.5 --pretrain-families recolour,gravity,border >/dev/null || fail "world arc --pretrain-families"
$py - "$tmp/f/world.json" <<'PY' || fail "--pretrain-families not kept"
import json, sys
w = json.load(open(sys.argv[1]))
fams = lambda split: {r["family"] for p in w["puzzles"] if p["split"] == split for r in p["rules"]}
assert fams("pretrain") == {"recolour", "gravity", "border"}, fams("pretrain")
assert len(fams("eval") - {"recolour", "gravity", "border"}) > 0, fams("eval")
assert w["options"]["pretrain_families"] == ["recolour", "gravity", "border"], w["options"]["pretrain_families"]
assert sum(len(p["rules"]) == 2 for p in w["puzzles"] if p["split"] == "pretrain") > 30
PY
err=$("$SEAL" world arc --out "$tmp/d" --pretrain-families recolour,sideways 2>&1) && fail "an unknown family accepted"
grep -q -- "--pretrain-families.*sideways" <<<"$err" || fail "unknown family: $err"
err=$("$SEAL" world arc --out "$tmp/d" --pretrain-families fill_holes,largest 2>&1) && fail "no composition allowed, accepted"
grep -q "no seen composition" <<<"$err" || fail "families without a composition: $err"

# The tokenizer the tiny model will carry: the world's special tokens and chat template, <|eot_id|> as EOS.
specials=()
while read -r s; do specials+=(--special "$s"); done < <($py -c '
import json, sys
for s in json.load(open(sys.argv[1]))["special_tokens"]: print(s)' "$tmp/a/world.json")
"$SEAL" tokenizer train --data "$tmp/a/pretrain.jsonl" --vocab-size 400 --out "$tmp/tok" "${specials[@]}" --quiet \
  >/dev/null 2>&1 || fail "tokenizer train"
$py - "$tmp/a/world.json" "$tmp/tok/tokenizer_config.json" <<'PY' || fail "chat template"
import json, sys
w, path = json.load(open(sys.argv[1])), sys.argv[2]
c = json.load(open(path))
c["chat_template"], c["eos_token"] = w["chat_template"], "<|eot_id|>"
json.dump(c, open(path, "w"))
PY
ids=$(printf '[[3 0 7]\n [9 1 5]] -> [[1 2]]#' | "$SEAL" tokenize -m "$tmp/tok" --no-special)
$py - "$tmp/tok/tokenizer.json" "$ids" <<'PY' || fail "a digit is not one token: $ids"
import json, sys
vocab = {v: k for k, v in json.load(open(sys.argv[1]))["model"]["vocab"].items()}
pieces = [vocab[int(i)] for i in sys.argv[2].split()]
digits = [p for p in pieces if any(ch.isdigit() for ch in p)]
assert all(len(p) == 1 for p in digits) and len(digits) == 8, pieces
PY

# seal pretrain reads the corpus
cat >"$tmp/cfg.json" <<'JSON'
{"tokenizer": "tok",
 "model": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 256, "rope_theta": 10000, "rms_norm_eps": 1e-5,
           "tie_word_embeddings": true},
 "train": {"steps": 6, "batch_size": 2, "seq_len": 256, "lr": 3e-3, "warmup_steps": 2, "eval_every": 3,
           "eval_fraction": 0.05, "checkpoint_every": 6, "seed": 7}}
JSON
"$SEAL" pretrain --config "$tmp/cfg.json" --data "$tmp/a/pretrain.jsonl" --out "$tmp/p" -t 2 >"$tmp/p.log" 2>&1 ||
  fail "pretrain on the corpus: $(tail -3 "$tmp/p.log")"

# seal arc eval reads the Kaggle files and trains on one evaluation puzzle
"$SEAL" synth --shape micro --tokenizer "$tmp/tok" --out "$tmp/m" >/dev/null 2>&1 || fail "synth"
cat >"$tmp/edit.json" <<'JSON'
{"data_generation": {"use_basic_augmentations": true, "use_size_augmentations": false,
  "use_chain_augmentations": false, "use_repeat_augmentations": false},
 "training": {"strategy": "train_using_output_tokens", "learning_rate": 1e-4, "num_train_epochs": 1}}
JSON
"$SEAL" arc eval -m "$tmp/m" --challenges "$tmp/a/arc-world_evaluation_challenges.json" \
    --solutions "$tmp/a/arc-world_evaluation_solutions.json" --tasks e00000 --given-config "$tmp/edit.json" \
    --conditions given-config --run "$tmp/r" --ttt-cap 4 --max-answer-tokens 8 --max-len 4096 --quiet \
    >"$tmp/r.log" 2>&1 || fail "arc eval: $(tail -3 "$tmp/r.log")"
$py - "$tmp/r/ttt.jsonl" <<'PY' || fail "arc eval did not train on the world's puzzle"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["ttt"]["steps"] >= 1, rows
PY
[ $fails -eq 0 ]
