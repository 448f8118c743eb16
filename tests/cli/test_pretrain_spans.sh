#!/usr/bin/env bash
# seal pretrain with train.loss_spans: the loss of the first step (every training document in one batch) and
# the held-out loss equal the float64 oracle's mean NLL over exactly the token positions that
# docs/commands/pretrain.md's rule marks, computed independently in Python from the text and a hand-made
# tokenizer (pretrain_spans_oracle.py: its own BPE, its own marking, a token straddling a span's edge, a document
# without offsets); a mask shifted by one token would not match. Documents without a marked token and documents
# whose segment-wise tokens differ from whole-text tokenization are counted and reported. The spans are recorded (a resume with other spans, or none, is refused
# naming train.loss_spans); bad values are refused naming the field; "packing": "rows" works too.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
need_torch
use_tmp
oracle="$(dirname "$0")/pretrain_spans_oracle.py"
$py "$oracle" fixture "$tmp" || fail "fixture"
spans='[{"start": " -> ", "end": "#"}, {"start": "assistant: ", "end": "<|eot_id|>"}]'
cfg() { # steps lr packing spans-json-or-empty eval_fraction
  local sp=""; [ -n "$4" ] && sp=", \"loss_spans\": $4"
  cat <<JSON
{"tokenizer": "tok",
 "model": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 128, "rope_theta": 10000, "rms_norm_eps": 1e-5,
           "tie_word_embeddings": true},
 "train": {"steps": $1, "batch_size": 16, "seq_len": 96, "lr": $2, "warmup_steps": 0, "eval_every": 1,
           "eval_fraction": $5, "checkpoint_every": 0, "seed": 5, "init_std": 0.5, "packing": "$3"$sp}}
JSON
}
pre() { "$SEAL" pretrain --config "$1" --data "$tmp/docs.jsonl" --out "$2" -t 1; }
# pre with a config written by cfg into $tmp (the tokenizer path is relative to it): at STEPS LR PACKING SPANS OUT
at() { cfg "$1" "$2" "$3" "$4" 0.3 >"$tmp/c.json"; pre "$tmp/c.json" "$5"; }
# one step at lr 0: the saved model is the initial one, the logged losses are its masked losses
cfg 1 0 documents "$spans" 0.3 >"$tmp/c1.json"
pre "$tmp/c1.json" "$tmp/run" 2>"$tmp/run.log" || fail "pretrain with loss_spans: $(tail -3 "$tmp/run.log")"
$py "$oracle" expect "$tmp" "$spans" 0.3 >"$tmp/expect.json" || fail "oracle"
$py - "$tmp/expect.json" "$tmp/run/pretrain_log.jsonl" "$tmp/run.log" <<'PY' || fail "masked losses differ from the oracle"
import json, re, sys
e = json.load(open(sys.argv[1]))
rows = [json.loads(l) for l in open(sys.argv[2])]
log = open(sys.argv[3]).read()
step = [r for r in rows if "loss" in r and r.get("step") == 1][0]
ev = [r for r in rows if "eval_loss" in r][0]
assert e["train_docs"] >= 4 and e["held_docs"] >= 1, e
tol = 2e-5 * e["train_loss"]
assert abs(step["loss"] - e["train_loss"]) < tol, (step["loss"], e)
assert abs(e["shifted_loss"] - e["train_loss"]) > 100 * tol, e   # the comparison tells masks apart
assert abs(ev["eval_loss"] - e["eval_loss"]) < 2e-5 * e["eval_loss"], (ev, e)
assert ev.get("loss_spans") is True, ev
m = re.search(r"(\d+) of (\d+) documents have no marked token", log)
assert m and int(m.group(1)) == e["unlabelled"] == 1 and int(m.group(2)) == 11, (m and m.group(0), e)
m = re.search(r"(\d+) of (\d+) documents, whose tokens do not decode to their text one by one, tokenize differently", log)
assert m and int(m.group(1)) == e["resegmented"] == 1, (m and m.group(0), e)
PY
grep -q '"loss_spans"' "$tmp/run/pretrain_run.json" || fail "loss_spans not recorded"
# a resume with other spans, or without any, is refused naming the field
SEAL_TEST_KILL_AT_STEP=1 at 3 1e-3 documents "$spans" "$tmp/r" 2>/dev/null
[ -f "$tmp/r/pretrain_run.json" ] || fail "no record after the kill"
other='[{"start": " -> ", "end": "#"}]'
at 3 1e-3 documents "$other" "$tmp/r" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.loss_spans" "$tmp/err"; } || fail "resume with other spans: rc $rc $(cat "$tmp/err")"
at 3 1e-3 documents "" "$tmp/r" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "train.loss_spans" "$tmp/err"; } || fail "resume without spans: rc $rc $(cat "$tmp/err")"
at 3 1e-3 documents "$spans" "$tmp/r" 2>"$tmp/err" || fail "resume with the same spans: $(tail -2 "$tmp/err")"
# "packing": "rows": the masks travel with their tokens
at 3 1e-3 rows "$spans" "$tmp/rows" 2>"$tmp/err" || fail "rows packing: $(tail -2 "$tmp/err")"
grep -q '"loss_spans":true' "$tmp/rows/pretrain_log.jsonl" || fail "rows packing: no masked eval line"
# bad values, each named
bad() { # spans-json expected-message
  at 1 0 documents "$1" "$tmp/bad" 2>"$tmp/err"; local rc=$?
  { [ $rc -eq 1 ] && grep -qF -- "$2" "$tmp/err" && [ ! -e "$tmp/bad" ]; } || fail "loss_spans $1: rc $rc $(cat "$tmp/err")"
}
bad '"#"' 'train.loss_spans: expected an array of 1 to 16'
bad '[]' 'train.loss_spans: expected an array of 1 to 16'
bad "[$(printf '{"start": "a", "end": "b"},%.0s' $(seq 16)) {\"start\": \"a\", \"end\": \"b\"}]" 'expected an array of 1 to 16'
bad '[{"start": " -> "}]' 'train.loss_spans[0]: expected an object with exactly "start" and "end"'
bad '[{"start": " -> ", "end": "#", "x": 1}]' 'train.loss_spans[0]: expected an object with exactly'
bad '[{"start": " -> ", "end": "#"}, {"start": "", "end": "#"}]' 'train.loss_spans[1].start: expected 1 to 255 bytes'
bad '[{"start": " -> ", "end": 3}]' 'train.loss_spans[0].end: expected a string'
bad "[{\"start\": \"$(head -c 256 /dev/zero | tr '\0' x)\", \"end\": \"#\"}]" 'train.loss_spans[0].start: expected 1 to 255'
# a corpus in which no document has a marked token is an error naming the spans
at 1 0 documents '[{"start": "@@", "end": "#"}]' "$tmp/none" 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "no text with a marked span (loss_spans)" "$tmp/err"; } || fail "no marked token: rc $rc $(cat "$tmp/err")"
[ $fails -eq 0 ]
