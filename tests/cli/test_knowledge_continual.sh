#!/usr/bin/env bash
# seal knowledge continual (paper Fig. 6) on models/tiny-knowledge, 3 passages
# x 2 orders: the files and the shape of the lower-triangular matrix; each
# order's passages are Python's random.seed(42 + r), random.sample; a run
# killed twice (once between a step and its merge) resumes to the same
# results.json as an uninterrupted run, redoing no finished step; a changed
# resume and more --passages than the file has are refused, naming them.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
M="$SEAL_ROOT/models/tiny-knowledge"
[ -f "$M/model.safetensors" ] || { echo "skip: no $M"; exit 0; }
"$SEAL" world knowledge --seed 1 --out "$tmp/w" --drill 0 --docs-per-person 1 --background-docs 0 >/dev/null ||
  fail "world"
run() { # run dir, extra args
  local d=$1; shift
  "$SEAL" knowledge continual -m "$M" --eval "$tmp/w/eval.json" --passages 3 --orders "${ORDERS:-2}" --run "$d" \
      --max-edit-tokens 48 --answer-tokens 8 --inner-epochs 3 --inner-targets all-linear -t 2 "$@" >"$d.out" 2>&1
}
run "$tmp/a" || fail "continual: $(tail -3 "$tmp/a.out")"
for f in config.json continual.jsonl selfedits.jsonl results.json results.md forgetting.svg \
         order-0/step-1/adapter/adapter_model.safetensors order-1/step-3/adapter/adapter_config.json; do
  [ -s "$tmp/a/$f" ] || fail "missing $f"
done
grep -q "^| 0 (none) | .* ± .* | .* ± .* | .* ± .* |$" "$tmp/a.out" || fail "row 0 not printed: $(cat "$tmp/a.out")"
grep -q "^| 2 | .* ± .* | .* ± .* | |$" "$tmp/a.out" || fail "row 2 not lower-triangular: $(cat "$tmp/a.out")"
grep -q "^Just-edited passage (the diagonal): " "$tmp/a.out" || fail "no summary: $(cat "$tmp/a.out")"
$py - "$tmp/a" "$tmp/w/eval.json" <<'PY' || fail "results.json"
import json, random, statistics, sys
d, ev = sys.argv[1], json.load(open(sys.argv[2]))
r = json.load(open(d + "/results.json"))
assert r["passages"] == 3 and r["orders"] == 2, r
assert [len(x) for x in r["mean"]] == [3, 1, 2, 3] == [len(x) for x in r["std"]], r["mean"]
for o, po in enumerate(r["per_order"]):
    random.seed(42 + o)
    want = [ev[i]["title"] for i in random.sample(range(len(ev)), 3)]
    assert po["passages"] == want, (o, po["passages"], want)
    assert [len(x) for x in po["accuracy"]] == [3, 1, 2, 3]
for s, row in enumerate(r["mean"]):
    for j, m in enumerate(row):
        cells = [po["accuracy"][s][j] for po in r["per_order"]]
        assert abs(m - sum(cells) / 2) < 1e-12 and abs(r["std"][s][j] - statistics.stdev(cells)) < 1e-12, (s, j)
recs = [json.loads(l) for l in open(d + "/continual.jsonl")]
assert sorted(x["key"] for x in recs) == sorted(f"o{o}/s{s}" for o in range(2) for s in range(4)), recs
for x in recs:
    if x["step"] > 0:
        assert x["self_edit"] is not None and x["sequences"] and len(x["accuracy"]) == x["step"], x
PY
# kill after 3 journaled units (row 0, step 1, step 2 of order 0: before step 2's merge), resume, kill again
SEAL_TEST_KILL_AFTER_LOOPS=3 run "$tmp/b"; [ $? -eq 137 ] || fail "kill hook: $(tail -3 "$tmp/b.out")"
[ -f "$tmp/b/results.json" ] && fail "a killed run wrote results"
[ "$(wc -l <"$tmp/b/continual.jsonl")" -eq 3 ] || fail "journal after the kill: $(wc -l <"$tmp/b/continual.jsonl")"
SEAL_TEST_KILL_AFTER_LOOPS=3 run "$tmp/b"; [ $? -eq 137 ] || fail "second kill: $(tail -3 "$tmp/b.out")"
grep -q "resuming .*: 3 steps already done" "$tmp/b.out" || fail "no resume note: $(cat "$tmp/b.out")"
run "$tmp/b" || fail "resume: $(tail -3 "$tmp/b.out")"
$py - "$tmp/a" "$tmp/b" <<'PY' || fail "the resumed run differs from the uninterrupted one"
import json, sys
a, b = sys.argv[1], sys.argv[2]
lines = [json.loads(l) for l in open(b + "/continual.jsonl")]
assert len(lines) == len({x["key"] for x in lines}) == 8, "a finished step was redone"
ra, rb = json.load(open(a + "/results.json")), json.load(open(b + "/results.json"))
assert ra == rb, (ra["mean"], rb["mean"])
ka = {json.loads(l)["key"]: json.loads(l) for l in open(a + "/continual.jsonl")}
for x in lines:
    assert x == ka[x["key"]], x["key"]
PY
cmp -s "$tmp/a/results.md" "$tmp/b/results.md" || fail "results.md differs"
cmp -s "$tmp/a/forgetting.svg" "$tmp/b/forgetting.svg" || fail "forgetting.svg differs"
# a changed resume is refused naming the option; too many passages never claims the run directory
ORDERS=3 run "$tmp/a" && fail "a changed --orders resumed"
grep -q "^  orders 2 -> 3" "$tmp/a.out" || fail "the changed option is not named: $(cat "$tmp/a.out")"
$py -c "import json,sys; json.dump(json.load(open(sys.argv[1]))[:5], open(sys.argv[2], 'w'))" "$tmp/w/eval.json" "$tmp/five.json"
"$SEAL" knowledge continual -m "$M" --eval "$tmp/five.json" --passages 6 --orders 1 --run "$tmp/c" >"$tmp/c.out" 2>&1 &&
  fail "--passages 6 of 5 accepted"
grep -qF -- "--passages 6: $tmp/five.json has only 5 passages" "$tmp/c.out" || fail "message: $(cat "$tmp/c.out")"
[ -e "$tmp/c" ] && fail "a refused input claimed the run directory"
"$SEAL" knowledge continual -m "$M" --eval "$tmp/w/eval.json" --passages 65 --run "$tmp/c" >"$tmp/c.out" 2>&1
[ $? -eq 2 ] && grep -q -- "--passages" "$tmp/c.out" || fail "--passages 65: $(cat "$tmp/c.out")"
[ $fails -eq 0 ]
