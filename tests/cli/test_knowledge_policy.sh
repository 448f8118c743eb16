#!/usr/bin/env bash
# Which model `seal knowledge rl` adapts (issue 14, items 1 and 5):
# 1. by default (--inner-model current) seal-round-1's inner loops adapt and
#    answer with the merged round-1 model: inner.jsonl names it with its
#    fingerprint, its frozen answers (baseline.jsonl "round-1/<i>") differ from
#    the base model's, and its inner-loop answers differ from those of the same
#    self-edits trained into the base model; round 1's ranking loops adapt the
#    round-1 generator, the base model;
# 1b. `knowledge cpt`: a --generator condition finetunes and asks the generator
#    (inner_model in cpt.jsonl), the base model under --inner-model base;
# 2. --inner-model base (the old rule, an ablation) adapts the base model
#    everywhere: "round-1/<i>" equals "base/<i>", and passage+self-edit is the
#    same in both runs (both adapt the base model there);
# 3. a record without "inner_model" (--inner-model base, and every run before
#    the key) is not resumed under the current rule, and the other way round;
# 4. empty self-edits are dropped before evaluation, as the reference does:
#    no inner loop for them, a "dropped" record in inner.jsonl, counted in
#    results.json and results.md; a passage whose self-edits are all empty
#    falls back to one passage-only loop.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp; [ -n "${KEEP_TMP:-}" ] && trap - EXIT
. "$(dirname "$0")/tiny_world_model.sh"
tiny_world_model "$tmp" 48 96 60 8 128 10
run() { # dir, extra options
  local d=$1; shift
  "$SEAL" knowledge rl -m "$tmp/m" --eval "$tmp/w/eval.json" --train "$tmp/w/train.json" --run "$d" --eval-passages 4 \
      --passages-per-round 2 --rounds 1 -k 2 --reps 1 --inner-epochs 2 --max-edit-tokens 24 --answer-tokens 8 \
      --sft-lr 1e-2 --sft-epochs 3 --sft-accum 1 -t 1 --quiet "$@" >"$d.out" 2>&1
}
run "$tmp/cur" || fail "knowledge rl: $(tail -3 "$tmp/cur.out")"
run "$tmp/base" --inner-model base || fail "knowledge rl --inner-model base: $(tail -3 "$tmp/base.out")"

$py - "$tmp/cur" "$tmp/base" <<'PY' || fail "the inner loops did not adapt the current policy (see above)"
import json, sys
def journal(d, f):
    return {r["key"]: r for r in map(json.loads, open(d + "/" + f))}
cur, base = sys.argv[1], sys.argv[2]
ic, ib = journal(cur, "inner.jsonl"), journal(base, "inner.jsonl")
bc, bb = journal(cur, "baseline.jsonl"), journal(base, "baseline.jsonl")
def loops(j, tag): return {k: r for k, r in j.items() if k.startswith(tag + "/") and "dropped" not in r}
# 1. the current rule
models = {r["inner_model"] for r in loops(ic, "eval1").values()}
assert models == {"round-1"}, models
fp = {r["inner_model_fingerprint"] for r in loops(ic, "eval1").values()}
fp_base = {r["inner_model_fingerprint"] for r in loops(ic, "eval0").values()}
assert len(fp) == 1 and len(fp_base) == 1 and fp != fp_base, (fp, fp_base)
assert {r["inner_model"] for r in loops(ic, "rl1").values()} == {"base"}  # round 1's generator is the base model
assert {r["inner_model"] for r in loops(ic, "eval0").values()} == {"base"}
assert {r["inner_model"] for r in loops(ic, "passage").values()} == {"base"}
frozen_differs = any(bc["round-1/%d" % i]["answers"] != bc["base/%d" % i]["answers"] for i in range(4))
assert frozen_differs, "the round-1 model answers as the base model: the test needs models that differ"
e1c, e1b = loops(ic, "eval1"), loops(ib, "eval1")
assert e1c.keys() == e1b.keys()
assert all(e1c[k]["sequences"] == e1b[k]["sequences"] for k in e1c), "the two runs trained on other self-edits"
assert any(e1c[k]["answers"] != e1b[k]["answers"] for k in e1c), "seal-round-1 answers as if it adapted the base model"
# 2. the ablation: every loop adapts the base model, the round's frozen answers are the base model's
assert {r["inner_model"] for r in ib.values() if "inner_model" in r} == {"base"}
assert all(bb["round-1/%d" % i]["answers"] == bb["base/%d" % i]["answers"] for i in range(4))
e0c, e0b = loops(ic, "eval0"), loops(ib, "eval0")
assert all(e0c[k]["answers"] == e0b[k]["answers"] for k in e0c), "passage+self-edit changed with --inner-model"
rc, rb = json.load(open(cur + "/results.json")), json.load(open(base + "/results.json"))
assert rc["inner_model"] == "current" and rb["inner_model"] == "base", (rc["inner_model"], rb["inner_model"])
assert set(rc["baselines"]) == {"base", "round-1"} and rb["baselines"]["round-1"] == rb["baselines"]["base"]
assert "no-self-edit baseline of round-1:" in open(cur + "/results.md").read()
assert json.load(open(cur + "/config.json"))["inner_model"] == "current"
assert "inner_model" not in json.load(open(base + "/config.json"))
PY

# 1b. knowledge cpt: a --generator condition finetunes and asks the generator itself (base: the base model)
cpt() { # dir, extra options
  local d=$1; shift
  "$SEAL" knowledge cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$d" --cpt-passages 4 --cpt-mode lora -k 1 \
      --conditions base --generator r1="$tmp/cur/round-1/model" --inner-epochs 1 --max-edit-tokens 16 --answer-tokens 8 \
      -t 1 --quiet "$@" >"$d.out" 2>&1
}
cpt "$tmp/cc" || fail "knowledge cpt: $(tail -3 "$tmp/cc.out")"
cpt "$tmp/cb" --inner-model base || fail "knowledge cpt --inner-model base: $(tail -3 "$tmp/cb.out")"
$py - "$tmp/cc" "$tmp/cb" <<'PY' || fail "knowledge cpt did not adapt the generator (see above)"
import json, sys
rc, rb = [{r["key"]: r for r in map(json.loads, open(d + "/cpt.jsonl"))}["cpt/r1"] for d in sys.argv[1:]]
assert rc["inner_model"] == "r1" and rb["inner_model"] == "base", (rc["inner_model"], rb["inner_model"])
assert rc["sequences"] == rb["sequences"]
assert [p["answers"] for p in rc["passages"]] != [p["answers"] for p in rb["passages"]], "the same answers"
PY

# 3. no resume across the rule
run "$tmp/base" && fail "a run of the old rule resumed under the current one"
grep -qxF '  inner_model (none) -> "current"' "$tmp/base.out" ||
  fail "the refusal does not name inner_model: $(cat "$tmp/base.out")"
run "$tmp/cur" --inner-model base && fail "a run of the current rule resumed under --inner-model base"
grep -qxF '  inner_model "current" -> (none)' "$tmp/cur.out" || fail "the refusal does not name inner_model: $(cat "$tmp/cur.out")"

# 4. empty self-edits: journal the self-edits (die after one loop), empty some, resume
ev() {
  "$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/e" --eval-passages 3 -k 3 \
      --conditions passage+self-edit --inner-epochs 1 --max-edit-tokens 16 --answer-tokens 8 -t 1 --quiet >"$tmp/e.out" 2>&1
}
SEAL_TEST_KILL_AFTER_LOOPS=1 ev; [ $? -eq 137 ] || fail "kill hook: $(tail -3 "$tmp/e.out")"
$py - "$tmp/e" <<'PY' || fail "editing the self-edit journal"
import json, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(d + "/selfedits.jsonl")]
for r in rows:
    n = int(r["key"].rsplit("/", 1)[1])
    c = r["completions"]
    if n == 0: r["completions"] = ["", "", ""]           # all empty: one passage-only loop
    if n == 1: r["completions"] = ["", c[1] or "x", ""]  # two dropped
    if n == 2: r["completions"] = [x or "y" for x in c]  # none
with open(d + "/selfedits.jsonl", "w") as f:
    for r in rows: f.write(json.dumps(r) + "\n")
open(d + "/inner.jsonl", "w").close()
PY
ev || fail "knowledge eval with empty self-edits: $(tail -3 "$tmp/e.out")"
$py - "$tmp/e" <<'PY' || fail "empty self-edits were not dropped (see above)"
import json, sys
d = sys.argv[1]
inner = {r["key"]: r for r in map(json.loads, open(d + "/inner.jsonl"))}
loops = sorted(k for k, r in inner.items() if "dropped" not in r)
dropped = sorted(k for k, r in inner.items() if "dropped" in r)
assert loops == ["eval0/p0/e0/r0", "eval0/p1/e1/r0", "eval0/p2/e0/r0", "eval0/p2/e1/r0", "eval0/p2/e2/r0"], loops
assert dropped == ["eval0/p0/e1/dropped", "eval0/p0/e2/dropped", "eval0/p1/e0/dropped", "eval0/p1/e2/dropped"], dropped
assert inner["eval0/p0/e0/r0"]["self_edit"] == ""  # the fallback trains on the passage alone
r = json.load(open(d + "/results.json"))
assert r["empty_self_edits_dropped"] == {"passage+self-edit": 4}, r["empty_self_edits_dropped"]
md = open(d + "/results.md").read()
assert "passage+self-edit: 4 of 9 self-edits were empty and dropped" in md, md
acc = {k: inner[k]["accuracy"] for k in loops}
assert abs(r["conditions"][0]["accuracy"] - (acc["eval0/p0/e0/r0"] + acc["eval0/p1/e1/r0"] +
           sum(acc["eval0/p2/e%d/r0" % j] for j in range(3)) / 3) / 3) < 1e-9
PY
[ $fails -eq 0 ]
