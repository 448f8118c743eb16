#!/usr/bin/env bash
# seal pretrain: a tiny run on a generated world's corpus learns (held-out loss
# falls), writes a loadable HF model, and a run killed between checkpoints
# resumes from the last checkpoint and ends bit-identical to an uninterrupted run;
# a resume under a changed config, data or thread count is refused unless --allow-config-change; a fresh
# run into a non-empty directory (not a run) needs --force; every config value is bounded, naming the field.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
py=/usr/bin/python3
use_tmp
"$SEAL" world knowledge --seed 3 --out "$tmp/w" --people 120 --drill 300 --docs-per-person 12 --train 4 --eval 4 >/dev/null 2>&1 || fail "world"
"$SEAL" tokenizer train --data "$tmp/w/pretrain.jsonl" --vocab-size 400 --out "$tmp/tok" --quiet >/dev/null 2>&1 || fail "tokenizer"
cat >"$tmp/cfg.json" <<'JSON'
{"tokenizer": "tok",
 "model": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 64, "rope_theta": 10000, "rms_norm_eps": 1e-5,
           "tie_word_embeddings": true},
 "train": {"steps": 40, "batch_size": 4, "seq_len": 64, "lr": 3e-3, "warmup_steps": 5, "eval_every": 10,
           "eval_fraction": 0.05, "checkpoint_every": 10, "seed": 7}}
JSON
run() { "$SEAL" pretrain --config "$tmp/cfg.json" --data "$tmp/w/pretrain.jsonl" --out "$1" -t 2 >"$1.log" 2>&1; }
run "$tmp/a" || fail "pretrain: $(tail -3 "$tmp/a.log")"
"$SEAL" score -m "$tmp/a" --text "Let's answer a question directly and concisely." --json >/dev/null || fail "score the pretrained model"
$py - "$tmp/a/pretrain_log.jsonl" <<'PY' || fail "held-out loss did not fall"
import json, sys
ev = [json.loads(l)["eval_loss"] for l in open(sys.argv[1]) if '"eval_loss"' in l]
assert len(ev) == 4 and ev[-1] < ev[0] - 0.5, ev
PY
# killed after step 25 (last checkpoint: 20), then resumed
SEAL_TEST_KILL_AT_STEP=25 run "$tmp/b"; [ $? -eq 137 ] || fail "the kill hook did not fire"
[ -d "$tmp/b/checkpoint" ] || fail "no checkpoint after the kill"
[ -f "$tmp/b/model.safetensors" ] && fail "a killed run left a final model"
run "$tmp/b" || fail "resume: $(tail -3 "$tmp/b.log")"
grep -q "resuming at step 20" "$tmp/b.log" || fail "did not resume from step 20: $(cat "$tmp/b.log" | head -5)"
cmp -s "$tmp/a/model.safetensors" "$tmp/b/model.safetensors" || fail "resumed run differs from the uninterrupted run"
# the resumed process's rate counts only its own tokens (not those trained before the kill): tokens_per_s x
# elapsed_s of each of its lines is the sum of its own steps' tokens (a timing-free check)
$py - "$tmp/b/pretrain_log.jsonl" <<'PY' || fail "tokens/s after the resume counts the tokens before it"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"tokens_per_s"' in l]
resumed = rows[25:]  # after steps 1..25 of the killed process
assert len(resumed) == 20, len(resumed)
own = 0
for r in resumed:
    own += r["tokens"]
    counted = r["tokens_per_s"] * r["elapsed_s"]
    rounding = 0.05 * r["elapsed_s"] + 0.0005 * r["tokens_per_s"]  # the log's %.1f and %.3f
    assert abs(counted - own) <= rounding + 0.01 * own, (r["step"], counted, own)
PY
# a resume under another thread count is refused (the training arithmetic splits by thread)
"$SEAL" pretrain --config "$tmp/cfg.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/b" -t 1 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "threads 2 -> 1" "$tmp/err"; } || fail "changed -t on resume: rc $rc $(cat "$tmp/err")"
# a resume under other values is refused, naming them (eval_every may change freely), unless allowed
SEAL_TEST_KILL_AT_STEP=15 run "$tmp/r"
[ -f "$tmp/r/pretrain_run.json" ] || fail "no pretrain_run.json"
sed 's/"lr": 3e-3/"lr": 1e-3/; s/"eval_every": 10/"eval_every": 5/' "$tmp/cfg.json" >"$tmp/lr.json"
"$SEAL" pretrain --config "$tmp/lr.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/r" -t 2 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.lr 0.003 -> 0.001" "$tmp/err" && ! grep -q eval_every "$tmp/err"; } ||
  fail "changed lr on resume: rc $rc $(cat "$tmp/err")"
head -n -1 "$tmp/w/pretrain.jsonl" >"$tmp/less.jsonl"
"$SEAL" pretrain --config "$tmp/cfg.json" --data "$tmp/less.jsonl" --out "$tmp/r" -t 2 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "data.fingerprint" "$tmp/err"; } || fail "changed data on resume: rc $rc $(cat "$tmp/err")"
"$SEAL" tokenizer train --data "$tmp/w/pretrain.jsonl" --vocab-size 380 --out "$tmp/tok2" --quiet || fail "tokenizer 2"
"$SEAL" pretrain --config "$tmp/cfg.json" --tokenizer "$tmp/tok2" --data "$tmp/w/pretrain.jsonl" --out "$tmp/r" -t 2 \
  2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "data.fingerprint" "$tmp/err"; } || fail "changed --tokenizer on resume: rc $rc $(cat "$tmp/err")"
sed 's/"steps": 40/"steps": 50/' "$tmp/cfg.json" >"$tmp/longer.json"
"$SEAL" pretrain --config "$tmp/longer.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/r" -t 2 --allow-config-change \
  2>"$tmp/err" || fail "--allow-config-change: $(tail -3 "$tmp/err")"
{ grep -q "train.steps 40 -> 50" "$tmp/err" && grep -q '"steps": 50' "$tmp/r/pretrain_run.json" &&
  grep -q '"step":50' "$tmp/r/pretrain_log.jsonl"; } || fail "extended run: $(grep -v '^pretrain \[' "$tmp/err" | head -5)"
echo '{' >"$tmp/r/pretrain_run.json"
"$SEAL" pretrain --config "$tmp/longer.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/r" -t 2 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "pretrain_run.json: unreadable" "$tmp/err"; } || fail "corrupt record: rc $rc $(cat "$tmp/err")"
# packing "documents": one sequence per document (none longer than 160 tokens here, so none truncated)
sed 's/"seed": 7}/"seed": 7, "packing": "documents", "seq_len": 160}/; s/"seq_len": 64, //' "$tmp/cfg.json" >"$tmp/docs.json"
"$SEAL" pretrain --config "$tmp/docs.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/d" -t 2 >"$tmp/d.log" 2>&1 || fail "packing documents: $(tail -3 "$tmp/d.log")"
grep -q "documents per epoch" "$tmp/d.log" || fail "packing documents: $(head -3 "$tmp/d.log")"
$py - "$tmp/d/pretrain_log.jsonl" <<'PY' || fail "packing documents: held-out loss did not fall"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ev = [r["eval_loss"] for r in rows if "eval_loss" in r]
assert len(ev) == 4 and ev[-1] < ev[0] - 0.5, ev
assert len({r["tokens"] for r in rows if "tokens" in r}) > 1  # batches of whole documents vary in size
PY
# "order": "file" (a curriculum): every epoch takes the documents in the file's order, so with one document a
# step and none held out, step k trains document k (its tokens and EOS, cut at seq_len 160); the default order
# is shuffled.
sed 's/"batch_size": 4/"batch_size": 1/; s/"eval_fraction": 0.05/"eval_fraction": 0/; s/"steps": 40/"steps": 12/' \
    "$tmp/docs.json" >"$tmp/shuf.json"
sed 's/"packing": "documents"/"packing": "documents", "order": "file"/' "$tmp/shuf.json" >"$tmp/order.json"
head -12 "$tmp/w/pretrain.jsonl" | $py -c 'import json, sys; [print(json.dumps(json.loads(l)["text"])) for l in sys.stdin]' |
    "$SEAL" tokenize -m "$tmp/tok" --jsonl >"$tmp/ids.jsonl" || fail "tokenize"
for c in order shuf; do
  "$SEAL" pretrain --config "$tmp/$c.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/$c" -t 2 >"$tmp/$c.log" 2>&1 ||
      fail "order $c: $(tail -3 "$tmp/$c.log")"
done
$py - "$tmp/order/pretrain_log.jsonl" "$tmp/shuf/pretrain_log.jsonl" "$tmp/ids.jsonl" <<'PY' || fail "order file: the steps do not follow the file"
import json, sys
steps = lambda f: [json.loads(l)["tokens"] for l in open(f) if '"tokens"' in l]
want = [min(len(json.loads(l)) + 1, 160) for l in open(sys.argv[3])]
assert steps(sys.argv[1]) == want, (steps(sys.argv[1]), want)
assert steps(sys.argv[2]) != want, "the default order is not shuffled"
PY
$py -c 'import json, sys; assert json.load(open(sys.argv[1]))["train"]["order"] == "file"' "$tmp/order/pretrain_run.json" || fail "order file: not recorded"
"$SEAL" pretrain --config "$tmp/shuf.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/order" -t 2 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.order" "$tmp/err"; } || fail "resume under another order: rc $rc $(cat "$tmp/err")"
sed 's/"order": "file"/"order": "sorted"/' "$tmp/order.json" >"$tmp/badorder.json"
"$SEAL" pretrain --config "$tmp/badorder.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/e" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.order" "$tmp/err"; } || fail "bad order: rc $rc $(cat "$tmp/err")"
sed 's/"packing": "documents"/"packing": "sorted"/' "$tmp/docs.json" >"$tmp/badpack.json"
"$SEAL" pretrain --config "$tmp/badpack.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/e" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.packing" "$tmp/err"; } || fail "bad packing: rc $rc $(cat "$tmp/err")"
# a broken config is refused with the field named
echo '{"model": {}, "train": {}}' >"$tmp/bad.json"
"$SEAL" pretrain --config "$tmp/bad.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/c" --tokenizer "$tmp/tok" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "hidden_size" "$tmp/err"; } || fail "bad config: rc $rc $(cat "$tmp/err")"
# the output contract: a fresh run into a non-empty directory that is not a run is refused without --force
mkdir -p "$tmp/busy"; echo "keep me" >"$tmp/busy/notes.txt"
"$SEAL" pretrain --config "$tmp/cfg.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/busy" -t 2 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q -- "--out $tmp/busy: already exists and is not empty; pass --force" "$tmp/err" &&
  [ "$(ls "$tmp/busy")" = notes.txt ]; } || fail "pretrain into a non-empty dir: rc $rc $(tail -2 "$tmp/err")"
sed 's/"steps": 40/"steps": 3/' "$tmp/cfg.json" >"$tmp/short.json"
"$SEAL" pretrain --config "$tmp/short.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/busy" -t 2 --force 2>"$tmp/err" &&
  [ -f "$tmp/busy/model.safetensors" ] && [ ! -e "$tmp/busy/notes.txt" ] || fail "--force: $(tail -2 "$tmp/err")"
# ... nor into its own tokenizer, even with --force
"$SEAL" pretrain --config "$tmp/short.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/tok" -t 2 --force 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "would write into the input" "$tmp/err" && [ -f "$tmp/tok/tokenizer.json" ]; } ||
  fail "pretrain into its tokenizer: rc $rc $(tail -2 "$tmp/err")"
# sizes are checked before anything is allocated, naming the field (was: "out of memory allocating 12000... bytes")
sed 's/"hidden_size": 32/"hidden_size": 1000000000/' "$tmp/cfg.json" >"$tmp/huge.json"
# (the address-space limit keeps an old binary from paging; ASan needs its shadow space unlimited)
([ -n "${ASAN_OPTIONS:-}" ] || ulimit -v 4000000; "$SEAL" pretrain --config "$tmp/huge.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/h" 2>"$tmp/err"); rc=$?
{ [ $rc -eq 1 ] && grep -q 'hidden_size.* 1000000000.*\(out of range\|must be in\)' "$tmp/err" && [ ! -e "$tmp/h" ]; } ||
  fail "hidden_size 1e9: rc $rc $(tail -2 "$tmp/err")"
# every train value is checked: a string is not silently the default, eval_every 0 no division by zero
sed 's/"steps": 40/"steps": "40"/' "$tmp/cfg.json" >"$tmp/str.json"
"$SEAL" pretrain --config "$tmp/str.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/s" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.steps: expected a number" "$tmp/err"; } || fail "steps as a string: rc $rc $(tail -2 "$tmp/err")"
sed 's/"eval_every": 10/"eval_every": 0/' "$tmp/cfg.json" >"$tmp/ev0.json"
"$SEAL" pretrain --config "$tmp/ev0.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/z" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.eval_every: 0 is out of range" "$tmp/err"; } || fail "eval_every 0: rc $rc $(tail -2 "$tmp/err")"
sed 's/"batch_size": 4/"batch_size": 2.5/' "$tmp/cfg.json" >"$tmp/frac.json"
"$SEAL" pretrain --config "$tmp/frac.json" --data "$tmp/w/pretrain.jsonl" --out "$tmp/f" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.batch_size: 2.5 is not a whole number" "$tmp/err"; } || fail "batch_size 2.5: rc $rc $(tail -2 "$tmp/err")"
[ $fails -eq 0 ]
