#!/usr/bin/env bash
# seal train end to end: a LoRA overfits a few sequences (loss near zero and
# greedy decoding reproduces them), full mode writes a loadable model, and bad
# input fails cleanly (one-line message, exit 1, no crash).
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
use_tmp
py=/usr/bin/python3

# std 0.3: with tied embeddings and a final RMSNorm, a LoRA (which cannot
# touch them) can only reach the logit margins the embedding norms allow
"$SEAL" synth --shape micro --dtype bf16 --std 0.3 --seed 4 --out "$tmp/m" || fail synth
$py - "$tmp" <<'PY'
import json, random, sys
random.seed(3)
with open(sys.argv[1] + "/seqs.jsonl", "w") as f:
    for i in range(3):
        f.write(json.dumps({"input_ids": [random.randrange(4, 320) for _ in range(16)]}) + "\n")
PY

# 1. overfit: loss near zero, and greedy continuation from 2 tokens reproduces each sequence
"$SEAL" train -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/a" --lr 1e-2 --epochs 150 --lora-rank 16 \
    --lora-alpha 32 --lora-targets all --schedule constant --batch-size 3 --json >"$tmp/res.json" || fail "train"
$py - "$tmp" "$SEAL" <<'PY' || fail "overfit"
import json, subprocess, sys
tmp, seal = sys.argv[1], sys.argv[2]
res = json.load(open(tmp + "/res.json"))
assert res["last_loss"] < 0.05, "final loss %g" % res["last_loss"]
assert res["steps"] == 150, res
for line in open(tmp + "/seqs.jsonl"):
    ids = json.loads(line)["input_ids"]
    out = subprocess.run([seal, "generate", "-m", tmp + "/m", "--adapter", tmp + "/a", "--prompt-ids",
                          " ".join(map(str, ids[:2])), "--temperature", "0", "-n", str(len(ids) - 2),
                          "--ignore-eos", "--json"], capture_output=True, text=True, check=True).stdout
    got = json.loads(out)["samples"][0]["ids"]
    assert got == ids[2:], "continuation %s != %s" % (got, ids[2:])
steps = [json.loads(l) for l in open(tmp + "/a/train_log.jsonl")]
assert len(steps) == 150 and all(k in steps[0] for k in ("loss", "lr", "grad_norm", "tokens_per_s")), steps[0]
PY
# without the adapter the base model does not reproduce them
base=$("$SEAL" generate -m "$tmp/m" --prompt-ids "$(head -1 "$tmp/seqs.jsonl" | $py -c 'import json,sys; print(*json.load(sys.stdin)["input_ids"][:2])')" \
       --temperature 0 -n 14 --ignore-eos --json)
first=$(head -1 "$tmp/seqs.jsonl" | $py -c 'import json,sys; print(json.load(sys.stdin)["input_ids"][2:])')
echo "$base" | $py -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['samples'][0]['ids'] != $first else 1)" ||
  fail "the base model already reproduces the sequence: the overfit test proves nothing"

# 2. full mode writes a model seal can load and score
"$SEAL" train -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/full" --full --lr 1e-3 --epochs 2 --json >/dev/null || fail "full train"
"$SEAL" score -m "$tmp/full" --ids "1 5 9" --json >/dev/null || fail "score the fully trained model"

# 3. bad input
expect_err() { # needle, command...
  local needle=$1; shift
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  [ $rc -eq 1 ] || fail "exit $rc (want 1): $*: $(cat "$tmp/err")"
  [ "$(grep -vc '^train \[' "$tmp/err")" -eq 1 ] || fail "stderr is not one line: $*: $(cat "$tmp/err")"
  grep -q -- "$needle" "$tmp/err" || fail "stderr lacks '$needle': $*: $(cat "$tmp/err")"
}
printf '{"input_ids":[1,2,3]}\n{"input_ids":[1,2]}\nnot json\n' >"$tmp/bad1.jsonl"
expect_err "line 3" "$SEAL" train -m "$tmp/m" --data "$tmp/bad1.jsonl" --out "$tmp/x"
printf '{"input_ids":[1,2,3]}\n{"foo":1}\n' >"$tmp/bad2.jsonl"
expect_err "line 2" "$SEAL" train -m "$tmp/m" --data "$tmp/bad2.jsonl" --out "$tmp/x"
: >"$tmp/empty.jsonl"
expect_err "empty.jsonl" "$SEAL" train -m "$tmp/m" --data "$tmp/empty.jsonl" --out "$tmp/x"
expect_err "nope_proj" "$SEAL" train -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/x" --lora-targets q_proj,nope_proj
printf '{"input_ids":[1,2,99999]}\n' >"$tmp/bad3.jsonl"
expect_err "99999" "$SEAL" train -m "$tmp/m" --data "$tmp/bad3.jsonl" --out "$tmp/x"
# an adapter for another model shape, and a missing adapter
"$SEAL" synth --shape tiny --dtype bf16 --out "$tmp/other" >/dev/null
expect_err "lora_A" "$SEAL" score -m "$tmp/other" --ids "1 2 3" --adapter "$tmp/a"
expect_err "no such" "$SEAL" score -m "$tmp/m" --ids "1 2 3" --adapter "$tmp/nonexistent_adapter_dir"
# a non-finite loss (weights that hold NaN; --lr is bounded, so it cannot be
# made to diverge): the run stops, the last good adapter is kept, exit 1
cp -r "$tmp/m" "$tmp/m_nan"
$py "$SEAL_ROOT/tests/cli/poison_tensor.py" "$tmp/m_nan/model.safetensors" model.norm.weight
expect_err "not finite" "$SEAL" train -m "$tmp/m_nan" --data "$tmp/seqs.jsonl" --out "$tmp/nan" --epochs 5 \
    --lora-targets all --batch-size 3
[ -f "$tmp/nan/adapter_model.safetensors" ] || fail "no adapter kept after the non-finite loss"
"$SEAL" score -m "$tmp/m" --adapter "$tmp/nan" --ids "1 2 3" --json >/dev/null || fail "the kept adapter does not load"
[ $fails -eq 0 ]
