#!/usr/bin/env bash
# The output contract of `seal train` and `seal merge`: an input model is never
# written into, an existing non-empty output is replaced only with --force, the
# output appears whole (temp directory renamed into place, config last) so a
# killed or failed run leaves the previous result intact and nothing that looks
# finished, and a killed run's temp directory is removed by the next run.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
expect_err() { # needle, command...
  local needle=$1; shift
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  [ $rc -eq 1 ] || fail "exit $rc (want 1): $* : $(cat "$tmp/err")"
  grep -q -- "$needle" "$tmp/err" || fail "stderr lacks '$needle': $* : $(cat "$tmp/err")"
}
# --force where the binary knows it (an older binary silently replaces)
force=$("$SEAL" train --help 2>/dev/null | grep -q -- '--force' && echo --force)
stale() { find "$tmp" -maxdepth 3 -name '.seal-tmp-*' | wc -l; }

"$SEAL" synth --shape micro --dtype f32 --seed 4 --out "$tmp/m" >/dev/null || fail synth
$py - "$tmp" <<'PY'
import json, random, sys
random.seed(3)
with open(sys.argv[1] + "/seqs.jsonl", "w") as f:
    for i in range(3):
        f.write(json.dumps({"input_ids": [random.randrange(4, 320) for _ in range(16)]}) + "\n")
PY
train() { "$SEAL" train -m "$tmp/m" --data "$tmp/seqs.jsonl" --batch-size 3 --lora-targets all "$@"; }

# 1. train --full -m M --out M: refused, the base model untouched
sum_before=$(cat "$tmp/m"/* | md5sum)
expect_err "would write into the input" "$SEAL" train --full -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/m" \
    --epochs 1 $force
expect_err "would write into the input" "$SEAL" train -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/m/sub" --epochs 1
[ "$(cat "$tmp/m"/* | md5sum)" = "$sum_before" ] || fail "train --out M changed the base model"

# 2. an existing non-empty --out is refused without --force, replaced whole with it
mkdir -p "$tmp/busy" && echo keep >"$tmp/busy/notes.txt"
expect_err "pass --force" train --out "$tmp/busy" --epochs 1
[ "$(cat "$tmp/busy/notes.txt")" = keep ] || fail "train --out replaced a directory without --force"
train --out "$tmp/busy" --epochs 1 --force 2>/dev/null || fail "train --force"
[ -f "$tmp/busy/adapter_config.json" ] && [ ! -e "$tmp/busy/notes.txt" ] && [ ! -e "$tmp/busy/PARTIAL" ] ||
  fail "train --force did not replace the directory whole: $(ls "$tmp/busy")"

# 3. a killed train leaves the previous run whole (its result matches its log),
#    no finished-looking file beside a partial log; the next run removes its temp dir
train --out "$tmp/run" --epochs 5 2>/dev/null || fail "train 5 steps"
train --out "$tmp/run" --epochs 1000000 $force 2>/dev/null &
pid=$!
for _ in $(seq 100); do sleep 0.1; [ "$(stale)" -gt 0 ] || [ -s "$tmp/run/train_log.jsonl" -a -z "$force" ] && break; done
sleep 0.5
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
$py - "$tmp/run" <<'PY' || fail "after a killed train the directory mixes two runs"
import json, os, sys
d = sys.argv[1]
res = json.load(open(d + "/train_result.json"))
log = [l for l in open(d + "/train_log.jsonl") if l.strip()]
assert res["steps"] == 5 and len(log) == 5, (res["steps"], len(log))
assert not os.path.exists(d + "/PARTIAL")
PY
left=$(find "$tmp" -maxdepth 1 -name '.seal-tmp-*')
[ -n "$left" ] && { [ -f "$left/PARTIAL" ] || fail "the killed run's temp dir does not say it is partial"; }
train --out "$tmp/run2" --epochs 1 2>/dev/null || fail "train after a kill"
[ "$(stale)" -eq 0 ] || fail "a killed train's temp dir survives the next run: $(find "$tmp" -name '.seal-tmp-*')"

# 4. the training summary compares the first and the last epoch's mean loss
train --out "$tmp/sum" --epochs 4 --lr 1e-2 --json 2>"$tmp/sum.err" >"$tmp/sum.json" || fail "train --json"
$py - "$tmp" <<'PY' || fail "epoch mean losses"
import json, sys
t = sys.argv[1]
res = json.load(open(t + "/sum.json"))
log = [json.loads(l) for l in open(t + "/sum/train_log.jsonl")]
first = [r["loss"] for r in log if r["epoch"] == log[0]["epoch"]]
last = [r["loss"] for r in log if r["epoch"] == log[-1]["epoch"]]
for key, want in (("first_epoch_mean_loss", sum(first) / len(first)), ("last_epoch_mean_loss", sum(last) / len(last))):
    assert abs(res[key] - want) < 1e-4 * max(1, abs(want)), (key, res.get(key), want)
PY
train --out "$tmp/sum2" --epochs 2 2>"$tmp/sum2.err" >/dev/null
grep -q "mean loss .* (first epoch) -> .* (last epoch)" "$tmp/sum2.err" || fail "summary line: $(tail -1 "$tmp/sum2.err")"

# 5. --lora-alpha nan is refused naming the option (it crashed in py_float and left an adapter without config)
"$SEAL" train -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/nanalpha" --lora-alpha nan 2>"$tmp/err" >/dev/null
rc=$?
{ [ $rc -eq 2 ] && grep -q -- "--lora-alpha" "$tmp/err"; } || fail "--lora-alpha nan: rc $rc $(cat "$tmp/err")"
[ ! -e "$tmp/nanalpha" ] || fail "--lora-alpha nan left $(ls "$tmp/nanalpha")"

# 6. a dataset with no label tokens names the file
echo '{"input_ids": [5, 6, 7], "completion_mask": [0, 0, 0]}' >"$tmp/nolabels.jsonl"
expect_err "nolabels.jsonl: no label tokens" "$SEAL" train -m "$tmp/m" --data "$tmp/nolabels.jsonl" --out "$tmp/nl"

# 7. merge: never into an input, a non-empty OUT only with --force, a killed merge's temp files removed
train --out "$tmp/ad" --epochs 1 2>/dev/null || fail "train adapter"
expect_err "would write into the input" "$SEAL" merge -m "$tmp/m" --adapter "$tmp/ad" --out "$tmp/m" -q
expect_err "pass --force" "$SEAL" merge -m "$tmp/m" --adapter "$tmp/ad" --out "$tmp/busy" -q
"$SEAL" merge -m "$tmp/m" --adapter "$tmp/ad" --out "$tmp/busy" -q --force || fail "merge --force"
[ -f "$tmp/busy/config.json" ] && [ ! -e "$tmp/busy/adapter_config.json" ] || fail "merge --force: $(ls "$tmp/busy")"
# a merge killed while writing: a big enough model that the kill lands mid-write
"$SEAL" synth --shape tiny --dtype f32 --seed 1 --out "$tmp/big" >/dev/null || fail "synth tiny"
"$SEAL" train -m "$tmp/big" --data "$tmp/seqs.jsonl" --out "$tmp/bigad" --epochs 1 --lora-targets all 2>/dev/null ||
  fail "train tiny"
for attempt in 1 2 3; do
  rm -rf "$tmp/merged"
  "$SEAL" merge -m "$tmp/big" --adapter "$tmp/bigad" --out "$tmp/merged" -q &
  pid=$!
  for _ in $(seq 200); do [ "$(stale)" -gt 0 ] && break; sleep 0.01; done
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  [ "$(stale)" -gt 0 ] && break
done
if [ "$(stale)" -gt 0 ]; then
  "$SEAL" merge -m "$tmp/big" --adapter "$tmp/bigad" --out "$tmp/merged" -q $force || fail "merge after a kill"
  [ "$(stale)" -eq 0 ] || fail "a killed merge's temp files survive the next run: $(find "$tmp" -name '.seal-tmp-*')"
else
  echo "note: could not catch merge mid-write; the kill case was not exercised"
fi

# 8. a full disk: train --full writes nothing that looks like a model (no
#    config.json without weights), exits 1 naming the write
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null; then
  "$SEAL" train --full -m "$tmp/m" --data "$tmp/seqs.jsonl" --out "$tmp/full/model" --epochs 1 --save-dtype f32 \
    2>"$tmp/err" >/dev/null
  rc=$?
  [ $rc -eq 1 ] || fail "train --full on a full disk: exit $rc"
  grep -q "No space left" "$tmp/err" || fail "full disk: message $(cat "$tmp/err")"
  [ ! -e "$tmp/full/model/config.json" ] || fail "full disk: config.json written without weights: $(ls "$tmp/full/model")"
  [ -z "$(ls -A "$tmp/full")" ] || fail "full disk: left $(ls -A "$tmp/full")"
  umount "$tmp/full"
else
  echo "note: cannot mount a tmpfs here (not root?); the full-disk case was not exercised"
fi
[ $fails -eq 0 ]
