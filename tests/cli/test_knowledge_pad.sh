#!/usr/bin/env bash
# The reference's padding as an option (seal-method.md 2.4): --pad-to N
# [--pad-labels] on `seal knowledge eval` (the inner loop) and on `seal train`.
# The options are refused where they make no sense (pad labels without pads,
# pads past the model's context: named, before any training); a padded run
# records both options and trains on another loss than the packed run; with
# --pad-labels every sequence carries N-1 label positions, so a one-sequence
# `seal train` logs the pad count in its loss tokens. The unit test
# (tests/unit/test_pad.c) pins ids, masks, attention and the loss itself.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
. "$(dirname "$0")/tiny_world_model.sh"
tiny_world_model "$tmp" 32 64 5 4 64 1   # max_position_embeddings 512

kn() { # run dir, extra args...
  local d=$1; shift
  "$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$d" --conditions passage --eval-passages 1 \
      -k 1 --answer-tokens 4 --inner-epochs 1 --quiet -t 1 "$@" >"$d.out" 2>&1
}

# 1. refusals, each named
kn "$tmp/r1" --pad-labels; rc=$?
[ "$rc" = 2 ] || fail "--pad-labels without --pad-to: exit $rc, want 2: $(cat "$tmp/r1.out")"
grep -q -- "--pad-labels needs --pad-to N" "$tmp/r1.out" || fail "--pad-labels alone not named: $(cat "$tmp/r1.out")"
kn "$tmp/r2" --pad-to 1024 --pad-labels && fail "--pad-to past the model's context was accepted"
grep -q -- "--pad-to 1024 exceeds the model's context (max_position_embeddings 512)" "$tmp/r2.out" ||
  fail "--pad-to past the context not named: $(cat "$tmp/r2.out")"
[ -e "$tmp/r2" ] && fail "--pad-to past the context claimed the run directory"

# 2. a padded run: recorded, and another training loss than the packed default
kn "$tmp/packed" || fail "packed run: $(cat "$tmp/packed.out")"
kn "$tmp/padded" --pad-to 128 --pad-labels || fail "padded run: $(cat "$tmp/padded.out")"
$py - "$tmp" <<'PY' || fail "padded run record or loss"
import json, sys
t = sys.argv[1]
cfg = json.load(open(t + "/padded/config.json"))
assert cfg.get("pad_to") == 128 and cfg.get("pad_labels") == 1, {k: cfg.get(k) for k in ("pad_to", "pad_labels")}
packed = json.load(open(t + "/packed/config.json"))
assert "pad_to" not in packed and "pad_labels" not in packed, "the packed default records padding keys"
loss = lambda d: [json.loads(l)["train_loss_first"] for l in open(t + "/" + d + "/inner.jsonl")]
a, b = loss("packed"), loss("padded")
assert a and b and a != b, (a, b)
PY
kn "$tmp/padded" --pad-to 128 && fail "resumed a --pad-labels run without --pad-labels"
grep -q "^  pad_labels " "$tmp/padded.out" || fail "the changed --pad-labels is not named: $(cat "$tmp/padded.out")"

# 3. seal train: 1 sequence padded to 40 with labels = 39 loss tokens per step
$py - "$tmp" <<'PY'
import json, sys
open(sys.argv[1] + "/one.jsonl", "w").write(json.dumps({"input_ids": [5, 6, 7, 8, 9, 10]}) + "\n")
PY
tr() { "$SEAL" train -m "$tmp/m" --data "$tmp/one.jsonl" --epochs 1 "$@"; }
tr --out "$tmp/t1" --pad-to 40 --pad-labels >/dev/null 2>"$tmp/t1.err" || fail "seal train --pad-to: $(cat "$tmp/t1.err")"
tr --out "$tmp/t2" --pad-to 40 >/dev/null 2>"$tmp/t2.err" || fail "seal train --pad-to (masked): $(cat "$tmp/t2.err")"
tr --out "$tmp/t3" >/dev/null 2>&1 || fail "seal train (packed)"
$py - "$tmp" <<'PY' || fail "seal train --pad-to: label tokens or loss"
import json, sys
t = sys.argv[1]
step = lambda d: json.loads(open(t + "/" + d + "/train_log.jsonl").readline())
res = lambda d: json.load(open(t + "/" + d + "/train_result.json"))
s1, s2, s3 = step("t1"), step("t2"), step("t3")
assert res("t1")["loss_tokens"] == 39 and res("t2")["loss_tokens"] == 5, (res("t1"), res("t2"))
assert abs(s2["loss"] - s3["loss"]) < 1e-4 * s3["loss"], ("masked pads changed the loss", s2, s3)
assert abs(s1["loss"] - s3["loss"]) > 1e-3, ("labelled pads did not change the loss", s1, s3)
PY
tr --out "$tmp/t4" --pad-to 1024 >/dev/null 2>"$tmp/t4.err" && fail "seal train: --pad-to past the context accepted"
grep -q -- "--pad-to 1024 exceeds the model's context (max_position_embeddings 512)" "$tmp/t4.err" ||
  fail "seal train: --pad-to past the context not named: $(cat "$tmp/t4.err")"
[ $fails -eq 0 ]
