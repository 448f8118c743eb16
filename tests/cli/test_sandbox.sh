#!/usr/bin/env bash
# seal sandbox: probe writes one SQuAD entry per pretraining person of the group;
# oracle self-edits are judged all correct by faithfulness --run (and a record
# whose completion is not a string is skipped, not a crash); faithfulness
# --model samples N x K self-edits; a wrong combination of options is a
# one-line usage error.
set -u
[ -x "$SEAL" ] || { echo "SKIP: $SEAL not built"; exit 77; }
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: $py not found"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$SEAL" world knowledge --seed 4 --out "$tmp/w" --people 20 --drill 10 --docs-per-person 1 --train 2 --eval 3 \
  --background-docs 10 >/dev/null || fail "world"

"$SEAL" sandbox probe --world "$tmp/w" --out "$tmp/probe.json" --n 4 --group qa || fail "probe"
$py - "$tmp/probe.json" "$tmp/w/world.json" <<'PY' || fail "probe: not 4 people with QA documents"
import json, sys
probe, world = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(probe) == 4 and all(p["context"] == "" and p["questions"] for p in probe), probe
PY

"$SEAL" sandbox oracle --world "$tmp/w" --passages "$tmp/w/eval.json" --out "$tmp/oracle.json" || fail "oracle"
mkdir -p "$tmp/run"
$py - "$tmp/oracle.json" "$tmp/run/selfedits.jsonl" <<'PY' || fail "selfedits"
import json, sys
oracle = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    for i, (title, text) in enumerate(oracle.items()):
        f.write(json.dumps({"key": f"gen/eval0/{i}", "title": title, "completions": [text]}) + "\n")
    f.write(json.dumps({"key": "gen/eval0/x", "title": title, "completions": [7]}) + "\n")  # not a string
    f.write(json.dumps({"key": "gen/eval1/0", "title": title, "completions": ["nothing"]}) + "\n")
PY
out=$("$SEAL" sandbox faithfulness --world "$tmp/w" --run "$tmp/run" 2>"$tmp/err") || fail "faithfulness --run: $(cat "$tmp/err")"
$py - "$out" <<'PY' || fail "faithfulness of the oracle: $out"
import json, sys
o = json.loads(sys.argv[1])
assert o["samples"] == 4 and o["correct"] == 1.0 and o["samples_with_3_statements"] == 0.75, o
PY
"$SEAL" sandbox faithfulness --world "$tmp/w" --run "$tmp/run" --tag nope 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "no self-edits under key gen/nope/" "$tmp/err"; } || fail "--tag nope: rc $rc $(cat "$tmp/err")"

"$SEAL" tokenizer train --data "$tmp/w/pretrain.jsonl" --vocab-size 320 --out "$tmp/tok" --quiet || fail "tokenizer"
"$SEAL" synth --shape micro --dtype f32 --tokenizer "$tmp/tok" --out "$tmp/m" || fail "synth"
out=$("$SEAL" sandbox faithfulness --world "$tmp/w" --model "$tmp/m" --passages "$tmp/w/eval.json" --n 2 -k 3 -t 1 \
  2>"$tmp/err") || fail "faithfulness --model: $(cat "$tmp/err")"
echo "$out" | grep -q '^{"samples":6,' || fail "faithfulness --model: $out"

"$SEAL" sandbox faithfulness --world "$tmp/w" --run "$tmp/run" --model "$tmp/m" --passages "$tmp/w/eval.json" \
  2>"$tmp/err"; rc=$?
{ [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "give --run RUN, or --model MODEL with --passages" "$tmp/err"; } ||
  fail "--run with --model: rc $rc $(cat "$tmp/err")"
[ $fails -eq 0 ]
