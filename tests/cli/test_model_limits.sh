#!/usr/bin/env bash
# Limits and numbers that are not numbers, for the model-facing commands:
# weights that hold NaN make generate and score fail with a clear error (never
# garbage with exit 0, never "nan" in --json); generation stops at the model's
# context with a warning, and --max-new beyond the context is refused naming
# the flag; config.json sizes are bounded, naming the field; bad option values
# name the option; score --text names --text.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
expect_err() { # exit code, needle, command...
  local want=$1 needle=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ $rc -eq "$want" ] || fail "exit $rc (want $want): $* : $(cat "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stderr is not one line: $* : $(cat "$tmp/err")"
  grep -q -- "$needle" "$tmp/err" || fail "stderr lacks '$needle': $* : $(cat "$tmp/err")"
}
tiny=$SEAL_ROOT/models/tiny-knowledge

# 1. NaN weights: generate and score refuse them; --json never prints nan
"$SEAL" synth --shape micro --dtype f32 --seed 4 --out "$tmp/nan" >/dev/null || fail synth
$py "$SEAL_ROOT/tests/cli/poison_tensor.py" "$tmp/nan/model.safetensors" model.norm.weight
expect_err 1 "not a finite number" "$SEAL" generate -m "$tmp/nan" --prompt-ids "1 2 3" -n 4 --temperature 0
expect_err 1 "not a finite number" "$SEAL" generate -m "$tmp/nan" --prompt-ids "1 2 3" -n 4 --json
grep -qi nan "$tmp/out" && fail "generate --json printed nan: $(cat "$tmp/out")"
expect_err 1 "not a finite number" "$SEAL" score -m "$tmp/nan" --ids "1 2 3" --json
grep -qi nan "$tmp/out" && fail "score --json printed nan: $(cat "$tmp/out")"

# 2. the context: a micro model with 64 positions
"$SEAL" synth --shape micro --dtype f32 --seed 4 --out "$tmp/ctx" >/dev/null || fail synth
$py - "$tmp/ctx/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["max_position_embeddings"] = 64
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
ids10="5 6 7 8 9 10 11 12 13 14"
"$SEAL" generate -m "$tmp/ctx" --prompt-ids "$ids10" -n 60 --ignore-eos --temperature 0 --json >"$tmp/g.json" \
  2>"$tmp/err" || fail "generate to the context: $(cat "$tmp/err")"
grep -q "warning: 1 sample(s) stopped at the model's context limit of 64 positions" "$tmp/err" ||
  fail "no context warning: $(cat "$tmp/err")"
$py - "$tmp/g.json" <<'PY' || fail "generation past the context"
import json, sys
s = json.load(open(sys.argv[1]))["samples"][0]
assert s["finish_reason"] == "context" and len(s["ids"]) == 64 - 10, (s["finish_reason"], len(s["ids"]))
PY
# within the context: no warning, finish "length"
"$SEAL" generate -m "$tmp/ctx" --prompt-ids "$ids10" -n 5 --ignore-eos --json >"$tmp/g.json" 2>"$tmp/err" ||
  fail "generate within the context"
grep -q warning "$tmp/err" && fail "a warning within the context: $(cat "$tmp/err")"
grep -q '"finish_reason":"length"' "$tmp/g.json" || fail "finish within the context: $(cat "$tmp/g.json")"
expect_err 1 "--max-new 3000: more than the model's context of 64 positions" \
  "$SEAL" generate -m "$tmp/ctx" --prompt-ids "$ids10" -n 3000
expect_err 2 "--max-new" "$SEAL" generate -m "$tmp/ctx" --prompt-ids "$ids10" -n 1e9
long=$(seq -s ' ' 4 67)
expect_err 1 "no room left in the model's context of 64 positions" "$SEAL" generate -m "$tmp/ctx" --prompt-ids "$long" -n 1

# 3. config.json sizes are bounded, naming the field (not an out-of-memory abort)
cp -r "$tmp/ctx" "$tmp/huge"
$py - "$tmp/huge/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["hidden_size"] = 1000000000
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
expect_err 1 '"hidden_size" is 1000000000: must be in \[1, 65536\]' "$SEAL" info -m "$tmp/huge"

# 4. option values: named, strict, bounded
expect_err 2 "--epochs" "$SEAL" train -m "$tmp/ctx" --data x.jsonl --out "$tmp/o" --epochs 2.5
expect_err 2 "--lr" "$SEAL" train -m "$tmp/ctx" --data x.jsonl --out "$tmp/o" --lr 1e-3x
expect_err 2 "--threads" "$SEAL" score -m "$tmp/ctx" --ids "1 2 3" -t 100000
expect_err 2 "--temperature" "$SEAL" generate -m "$tmp/ctx" --prompt-ids "1 2" --temperature inf
[ -e "$tmp/o" ] && fail "a refused train created its output"

# 5. score --text that encodes to one token talks about --text
if [ -f "$tiny/tokenizer.json" ]; then
  expect_err 1 '--text: "a" encodes to 1 token' "$SEAL" score -m "$tiny" --text "a"
fi

# 6. the README's --chat example works on the shipped model
if [ -f "$tiny/tokenizer.json" ]; then
  "$SEAL" generate -m "$tiny" --prompt "Who is Ada?" --chat -n 8 --temperature 0 >/dev/null 2>"$tmp/err" ||
    fail "generate --chat on models/tiny-knowledge: $(cat "$tmp/err")"
fi
[ $fails -eq 0 ]
