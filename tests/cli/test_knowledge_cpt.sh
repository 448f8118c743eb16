#!/usr/bin/env bash
# seal knowledge cpt (continued pretraining, multi-passage) end to end on a tiny
# model pretrained for a few steps on a generated world: both modes write
# results.json with the right conditions; the training sequences follow each
# mode's rule exactly (lora: the passage after every self-edit; full: once per
# passage); a run killed after its first finetuned condition resumes without
# redoing it and ends with the same results as an uninterrupted run; bad input
# is refused with a clear message.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
. "$(dirname "$0")/tiny_world_model.sh"
tiny_world_model "$tmp" 32 64 5 4 64 1
$py - "$tmp/w/eval.json" "$tmp/given.json" <<'PY' || fail "given self-edits file"
import json, sys
json.dump({p["title"]: p["title"] + " --- " + p["context"][:60] for p in json.load(open(sys.argv[1]))}, open(sys.argv[2], "w"))
PY
cpt() { # mode, dir, extra args...
  local mode=$1 dir=$2; shift 2
  "$SEAL" knowledge cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$dir" --cpt-mode "$mode" --cpt-passages 4 -k 2 \
      --max-edit-tokens 24 --answer-tokens 8 --inner-epochs 2 "$@" >"$dir.out" 2>&1
}
# Check results.json and rebuild every condition's sequences from the journaled
# self-edits with the reference's rules (split_newlines off: "---" segments,
# stripped, empty ones dropped, at most 30; CoT prefix stripped).
check() { # dir, mode, expected condition names (comma list)
  $py - "$1" "$2" "$3" "$tmp/w/eval.json" "$tmp/given.json" <<'PY'
import json, random, re, sys
run, mode, names, evalp, givenp = sys.argv[1:6]
names = names.split(",")
r = json.load(open(run + "/results.json"))
assert r["mode"] == mode, r["mode"]
assert [c["name"] for c in r["conditions"]] == names, [c["name"] for c in r["conditions"]]
for c in r["conditions"]:
    assert 0 <= c["accuracy"] <= 1 and 0 <= c["question_accuracy"] <= 1, c
    assert c["n_passages"] == 4 and c["n_questions"] > 0, c
    assert c["ci95"][0] <= c["accuracy"] <= c["ci95"][1], c
data = json.load(open(evalp)); random.seed(42); random.shuffle(data); ps = data[:4]
edits = {}
for l in open(run + "/selfedits.jsonl"):
    x = json.loads(l); edits[x["key"]] = x["completions"]
given = json.load(open(givenp))
def segments(c):
    m = re.search(r"\nImplications:\s*", c)
    if m: c = c[m.end():].lstrip()
    segs = [s.strip() for s in c.split("---") if s.strip()] or [c.strip()]
    return [s for s in segs if s.strip()][:30]
def expected(name):
    out = []
    for i, p in enumerate(ps):
        t, ctx = p["title"], p["title"] + "\n" + p["context"].strip()
        if name == "passage": comps = [""] * 2 if mode == "lora" else []
        elif name == "oracle": comps = [given[t]]
        elif name == "passage+self-edit": comps = edits["gen/eval0/%d" % i]
        else: comps = edits["gen/gen-%s/%d" % (name, i)]
        assert len(comps) == (1 if name == "oracle" else 2 if name != "passage" or mode == "lora" else 0)
        for c in comps:
            out += [t + "\n" + s for s in segments(c)]
            if mode == "lora": out.append(ctx)   # the passage after every completion (v1 CPT.py)
        if mode == "full": out.append(ctx)       # the passage once per passage (v2 CPT_fullFT.py)
    return out
recs = [json.loads(l) for l in open(run + "/cpt.jsonl")]
assert len(recs) == len({x["key"] for x in recs}) == len(names) - 1, [x["key"] for x in recs]
for x in recs:
    name = x["key"][4:]
    assert x["sequences"] == expected(name), (name, x["sequences"], expected(name))
    assert x["n_sequences"] == len(x["sequences"]) and x["train_steps"] >= 1
    plain = name == "passage+self-edit" and all("---" not in c and c.strip() for i in range(4) for c in edits["gen/eval0/%d" % i])
    if plain: assert x["n_sequences"] == (2 * 4 * 2 if mode == "lora" else 4 * (2 + 1)), x["n_sequences"]
    if name == "passage": assert x["n_sequences"] == (4 * 2 if mode == "lora" else 4)
    assert [p["title"] for p in x["passages"]] == [p["title"] for p in ps]
PY
}
cpt lora "$tmp/lora" || fail "cpt lora: $(tail -3 "$tmp/lora.out")"
for f in config.json cpt.jsonl selfedits.jsonl baseline.jsonl results.json results.md accuracy.svg; do
  [ -s "$tmp/lora/$f" ] || fail "lora: missing $f"
done
check "$tmp/lora" lora base,passage,passage+self-edit || fail "lora results/sequences"
grep -q "optimizer steps" "$tmp/lora.out" && grep -q "train \[" "$tmp/lora.out" || fail "no finetune progress"
cpt full "$tmp/full" --given-self-edits "$tmp/given.json" --given-name oracle --generator alt="$tmp/m" ||
  fail "cpt full: $(tail -3 "$tmp/full.out")"
check "$tmp/full" full base,passage,oracle,passage+self-edit,alt || fail "full results/sequences"
cpt full "$tmp/quiet" --quiet --conditions base,passage || fail "cpt --quiet"
[ -s "$tmp/quiet.out" ] && fail "--quiet printed: $(head -3 "$tmp/quiet.out")"
# --eval-questions N: question accuracy over v2's random.seed(42) sample of the questions. The base answers
# of a few-step model are all wrong, so the journaled verdicts are rewritten to a pattern and the run resumed
# (it recomputes the results from the journal); Python's random.sample gives the expected figure.
cpt full "$tmp/sq" --quiet --conditions base --eval-questions 7 || fail "cpt --eval-questions: $(tail -3 "$tmp/sq.out")"
$py - "$tmp/sq" <<'PY' || fail "--eval-questions sample"
import json, os, random, sys
run = sys.argv[1]
recs = [json.loads(l) for l in open(run + "/baseline.jsonl")]
flat = 0
for r in recs:
    r["correct"] = [(flat + q) % 3 == 0 for q in range(len(r["correct"]))]
    flat += len(r["correct"])
with open(run + "/baseline.jsonl", "w") as f:
    for r in recs: f.write(json.dumps(r) + "\n")
os.remove(run + "/results.json")
PY
cpt full "$tmp/sq" --quiet --conditions base --eval-questions 7 || fail "cpt --eval-questions resume: $(tail -3 "$tmp/sq.out")"
$py - "$tmp/sq" <<'PY' || fail "--eval-questions accuracy"
import json, random, sys
run = sys.argv[1]
flags = [c for l in open(run + "/baseline.jsonl") for c in json.loads(l)["correct"]]
random.seed(42); pick = random.sample(range(len(flags)), 7)
want = sum(flags[i] for i in pick) / 7
r = json.load(open(run + "/results.json"))
assert r["eval_questions"] == 7, r
got = r["conditions"][0]["question_accuracy"]
assert abs(got - want) < 1e-12 and abs(got - sum(flags) / len(flags)) > 1e-9, (got, want, sum(flags) / len(flags))
assert "accuracy on 7 sampled questions" in open(run + "/results.md").read()
PY
cpt full "$tmp/sq2" --quiet --conditions base --eval-questions 100000 && fail "--eval-questions above the question count accepted"
grep -q "eval-questions 100000" "$tmp/sq2.out" || fail "--eval-questions too large: unclear message: $(cat "$tmp/sq2.out")"
[ -e "$tmp/sq2/config.json" ] && fail "--eval-questions too large: the run directory was claimed (config.json written)"
# killed after its first finetuned condition, then resumed: nothing redone, same results
SEAL_TEST_KILL_AFTER_LOOPS=1 cpt lora "$tmp/k"; [ $? -eq 137 ] || fail "kill hook"
[ -f "$tmp/k/results.json" ] && fail "a killed run wrote results"
[ "$(wc -l <"$tmp/k/cpt.jsonl")" -eq 1 ] || fail "expected one journaled condition before the kill"
cpt lora "$tmp/k" || fail "resume: $(tail -3 "$tmp/k.out")"
grep -q "passage: already done" "$tmp/k.out" || fail "resume redid the finished condition"
check "$tmp/k" lora base,passage,passage+self-edit || fail "resumed results/sequences"
cmp -s "$tmp/lora/results.json" "$tmp/k/results.json" || fail "resumed results.json differs: $(diff "$tmp/lora/results.json" "$tmp/k/results.json" | head -5)"
# the accuracies of a few-step model are all 0: compare what they come from (sequences, losses, every answer)
$py - "$tmp/lora/cpt.jsonl" "$tmp/k/cpt.jsonl" <<'PY' || fail "resumed run trained or answered differently"
import json, sys
a, b = ({x["key"]: x for x in map(json.loads, open(p))} for p in sys.argv[1:3])
assert set(a) == set(b), (set(a), set(b))
for k in a:
    for f in ("sequences", "train_steps", "train_loss_first", "train_loss_last", "passages"):
        assert a[k][f] == b[k][f], (k, f)
PY
# bad input
"$SEAL" knowledge cpt -m "$tmp/m" --eval "$tmp/nope.json" --run "$tmp/bad1" --quiet >/dev/null 2>"$tmp/err" &&
  fail "missing --eval file accepted"
grep -q "nope.json" "$tmp/err" || fail "missing --eval file: unclear message: $(cat "$tmp/err")"
"$SEAL" knowledge cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/bad2" --cpt-passages 0 --quiet >/dev/null 2>"$tmp/err" &&
  fail "--cpt-passages 0 accepted"
grep -q "cpt-passages" "$tmp/err" || fail "--cpt-passages 0: unclear message: $(cat "$tmp/err")"
"$SEAL" knowledge cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/bad3" --cpt-mode adapter --quiet >/dev/null 2>"$tmp/err" &&
  fail "unknown --cpt-mode accepted"
grep -q "cpt-mode.*adapter" "$tmp/err" || fail "unknown --cpt-mode: unclear message: $(cat "$tmp/err")"
"$SEAL" knowledge cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/bad4" --generator noequals --quiet >/dev/null 2>"$tmp/err" &&
  fail "--generator without NAME=DIR accepted"
grep -q "NAME=DIR" "$tmp/err" || fail "--generator: unclear message: $(cat "$tmp/err")"
"$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/bad5" --cpt-mode lora --quiet >/dev/null 2>"$tmp/err" &&
  fail "eval accepted --cpt-mode"
cpt full "$tmp/lora" --quiet && fail "another mode on a lora run directory accepted"
grep -q "other options" "$tmp/lora.out" || fail "changed options not refused: $(cat "$tmp/lora.out")"
# real SQuAD passages (the pipeline must work; accuracy is meaningless at this size)
squad=${SEAL_ROOT:-.}/../shared/data/squad/squad_val.json
if [ -f "$squad" ]; then
  "$SEAL" knowledge cpt -m "$tmp/m" --eval "$squad" --run "$tmp/squad" --cpt-mode lora --cpt-passages 2 -k 1 \
      --inner-epochs 1 --max-edit-tokens 16 --answer-tokens 8 --quiet >"$tmp/squad.out" 2>&1 ||
    fail "knowledge cpt on SQuAD: $(tail -3 "$tmp/squad.out")"
  $py - "$tmp/squad" "$squad" <<'PY' || fail "SQuAD cpt records"
import json, random, sys
run, path = sys.argv[1], sys.argv[2]
data = json.load(open(path)); random.seed(42); random.shuffle(data)
r = json.load(open(run + "/results.json"))
assert [c["name"] for c in r["conditions"]] == ["base", "passage", "passage+self-edit"]
assert r["conditions"][0]["n_questions"] == sum(len(d["questions"]) for d in data[:2])
rec = [json.loads(l) for l in open(run + "/cpt.jsonl")]
assert [p["title"] for p in rec[0]["passages"]] == [d["title"] for d in data[:2]]
PY
else
  echo "note: ../shared/data/squad/squad_val.json not found: SQuAD part skipped"
fi
[ $fails -eq 0 ]
