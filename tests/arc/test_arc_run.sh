#!/usr/bin/env bash
# seal arc end to end on the real ARC files with a random-weight model of the
# Llama-3.2 vocabulary (2 layers, 64 wide: success meaningless, the pipeline
# must work): eval with a user's --given-config (TTT really trains), rl with a
# rewarded self-edit forced by the test hook (behaviour cloning and merging
# run, the round-1 model writes and is adapted), a run killed mid-way resumes
# without redoing finished pairs and ends with the same results.json, a resume
# under other options is refused naming the option, and bad inputs fail
# naming the file and field.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
. "$(dirname "$0")/arc_micro_model.sh"
need_arc_data
use_tmp
arc_micro_model "$tmp" || exit 1

small=(--k 2 --edit-tries 1 --max-edit-tokens 12 --max-answer-tokens 16 --max-len 2048 --quiet)
cat >"$tmp/cfg.json" <<'EOF'
{"data_generation": {"use_basic_augmentations": true, "use_size_augmentations": false,
  "use_chain_augmentations": false, "use_repeat_augmentations": false},
 "training": {"strategy": "train_using_output_tokens", "learning_rate": 1e-4, "num_train_epochs": 1}}
EOF

# 1. eval on two training-file tasks (44f52bb0 has two test inputs: two subtasks)
"$SEAL" arc eval -m "$tmp/m" --challenges "$TR_C" --solutions "$TR_S" --tasks 6150a2bd,44f52bb0 \
    --given-config "$tmp/cfg.json" --run "$tmp/e" --ttt-cap 6 "${small[@]}" >"$tmp/e.out" 2>&1 ||
  fail "arc eval: $(tail -3 "$tmp/e.out")"
$py - "$tmp/e" <<'PY' || fail "arc eval outputs"
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/results.json"))
names = [c["name"] for c in r["conditions"]]
assert names == ["icl", "ttt-base-self-edit", "oracle-ttt", "given-config"], names
assert r["metric"] == "success-rate"
for c in r["conditions"]:
    assert 0 <= c["success_rate"] <= 1 and c["n_tasks"] == 2 and c["n_pairs"] == 4, c
recs = {}
for l in open(d + "/ttt.jsonl"):
    x = json.loads(l); recs[x["key"]] = x
assert len(recs) == 2 + 4 + 2 + 2, sorted(recs)
g = recs["given-config/44f52bb0/0"]
assert g["status"] == "ok" and g["config"]["training"]["num_train_epochs"] == 1, g
assert g["ttt"]["examples"] == 6 and g["ttt"]["steps"] == 3, g["ttt"]
assert [s["subtask"] for s in g["subtasks"]] == ["44f52bb0-0", "44f52bb0-1"], g["subtasks"]
for s in g["subtasks"]:
    assert s["queries"] >= 1 and len(s["answers"]) == s["queries"] == len(s["predictions"]), s
    assert len(s["attempts"]) == 2
o = recs["oracle-ttt/6150a2bd/0"]
assert o["status"] == "ok" and o["ttt"]["examples"] == 6 and o["ttt"]["steps"] == 6, o["ttt"]
i = recs["icl/6150a2bd/0"]
assert i["ttt"]["steps"] == 0 and i["config"] is None and i["status"] == "no-adapter", i
# a random model writes no config: each self-edit is kept with its reason and reward 0
for j in range(2):
    e = recs["ttt-base-self-edit/6150a2bd/%d" % j]
    assert e["status"] in ("rejected", "failed", "ok", "zero-epochs") and e["reason"] is not None, e
    if e["status"] == "rejected": assert e["solved"] is False and e["reason"] and e["config"] is None, e
gen = [json.loads(l) for l in open(d + "/selfedits.jsonl")]
assert {x["key"] for x in gen} == {"gen/base/6150a2bd", "gen/base/44f52bb0"}
for x in gen:
    assert x["prompt"].startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>"), x["prompt"][:80]
    assert len(x["kept"]) == 2 and all(a["reason"] or a["status"] == "ok" for a in x["kept"]), x["kept"]
md = open(d + "/results.md").read()
assert "success rate" in md and "| given-config |" in md, md
assert open(d + "/success.svg").read().startswith("<svg")
PY

# 1b. --workers 2 (pairs in parallel, one thread each) journals the same pairs as one worker on one thread
for w in 1 2; do
  "$SEAL" arc eval -m "$tmp/m" --challenges "$TR_C" --solutions "$TR_S" --tasks 6150a2bd,44f52bb0 \
      --given-config "$tmp/cfg.json" --run "$tmp/w$w" --ttt-cap 6 "${small[@]}" -t 1 --workers $w >"$tmp/w$w.out" 2>&1 ||
    fail "arc eval --workers $w: $(tail -3 "$tmp/w$w.out")"
done
$py - "$tmp/w1" "$tmp/w2" <<'PY' || fail "--workers 2 changed the results"
import json, sys
a, b = ({json.loads(l)["key"]: json.loads(l) for l in open(d + "/ttt.jsonl")} for d in sys.argv[1:])
assert a == b and len(a) == 10, (sorted(a), sorted(b))
ra, rb = (json.load(open(d + "/results.json"))["conditions"] for d in sys.argv[1:])
assert ra == rb, (ra, rb)
assert json.load(open(sys.argv[2] + "/config.json"))["workers"] == 2
PY

# 2. rl: one ReST-EM round; SEAL_TEST_ARC_REWARD_FIRST=1 rewards each training task's first self-edit
rl() { # dir
  SEAL_TEST_ARC_REWARD_FIRST=1 "$SEAL" arc rl -m "$tmp/m" --train-challenges "$TR_C" --train-solutions "$TR_S" \
      --train-tasks 6150a2bd,5582e5ca --k-train 2 --challenges "$EV_C" --solutions "$EV_S" --tasks 66e6c45b \
      --sft-epochs 1 --run "$1" --ttt-cap "${2:-6}" "${small[@]}" >"$1.out" 2>&1
}
rl "$tmp/a" || fail "arc rl: $(tail -3 "$tmp/a.out")"
for f in config.json selfedits.jsonl ttt.jsonl results.json results.md success.svg round-1/sft.jsonl \
         round-1/adapter/adapter_config.json round-1/model/model.safetensors; do
  [ -s "$tmp/a/$f" ] || fail "rl: missing $f"
done
$py - "$tmp/a" <<'PY' || fail "arc rl outputs"
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/results.json"))
assert [c["name"] for c in r["conditions"]] == ["icl", "ttt-base-self-edit", "seal", "oracle-ttt"], r["conditions"]
assert r["rewarded"] == 2, r.get("rewarded")
rows = json.load(open(d + "/round-1/sft.jsonl"))
assert len(rows) == 2 and all(x["prompt"].endswith("<|start_header_id|>assistant<|end_header_id|>\n\n") for x in rows)
keys = [json.loads(l)["key"] for l in open(d + "/ttt.jsonl")]
assert sum(k.startswith("rl/") for k in keys) == 4 and sum(k.startswith("seal/") for k in keys) == 2, keys
seal = [json.loads(l) for l in open(d + "/ttt.jsonl") if json.loads(l)["key"].startswith("seal/")]
assert all(x["target"] == "round-1" for x in seal), seal
gens = {json.loads(l)["key"] for l in open(d + "/selfedits.jsonl")}
assert gens == {"gen/train/6150a2bd", "gen/train/5582e5ca", "gen/base/66e6c45b", "gen/round-1/66e6c45b"}, gens
PY

# 3. killed after 3 pairs, then resumed: nothing redone, the same results.json
SEAL_TEST_KILL_AFTER_LOOPS=3 rl "$tmp/b"; [ $? -eq 137 ] || fail "kill hook did not fire"
n_before=$(wc -l <"$tmp/b/ttt.jsonl")
[ "$n_before" -eq 3 ] || fail "3 pairs journaled before the kill, got $n_before"
rl "$tmp/b" || fail "resume: $(tail -3 "$tmp/b.out")"
cmp -s "$tmp/a/results.json" "$tmp/b/results.json" || fail "resumed results.json differs from the uninterrupted run's"
$py - "$tmp/b/ttt.jsonl" <<'PY' || fail "resume redid finished pairs"
import json, sys
keys = [json.loads(l)["key"] for l in open(sys.argv[1])]
assert len(keys) == len(set(keys)), "a key journaled twice"
PY

# 4. a resume under other options is refused, naming the option
rl "$tmp/a" 7 && fail "changed resume accepted"
cp "$tmp/a.out" "$tmp/c.out"
grep -q "ttt_cap 6 -> 7" "$tmp/c.out" || fail "refusal does not name ttt_cap: $(cat "$tmp/c.out")"

# 5. bad inputs: named, nonzero, nothing claimed
printf '{"x": {"train": [{"input": [[1, 2], [3]], "output": [[1]]}], "test": [{"input": [[1]]}]}}' >"$tmp/bad.json"
"$SEAL" arc eval -m "$tmp/m" --challenges "$tmp/bad.json" --run "$tmp/r1" --quiet >"$tmp/o1" 2>&1 && fail "ragged grid accepted"
grep -q "bad.json" "$tmp/o1" && grep -q '"x"\|x:' "$tmp/o1" || fail "ragged grid: message names neither file nor task: $(cat "$tmp/o1")"
[ -e "$tmp/r1" ] && fail "a failed input claimed the run directory"
"$SEAL" arc eval -m "$tmp/m" --challenges "$TR_C" --solutions "$TR_S" --tasks nosuchid --run "$tmp/r2" --quiet \
    >"$tmp/o2" 2>&1 && fail "unknown task id accepted"
grep -q nosuchid "$tmp/o2" || fail "unknown id not named: $(cat "$tmp/o2")"
echo '{"data_generation": []}' >"$tmp/badcfg.json"
"$SEAL" arc eval -m "$tmp/m" --challenges "$TR_C" --solutions "$TR_S" --given-config "$tmp/badcfg.json" \
    --run "$tmp/r3" --quiet >"$tmp/o3" 2>&1 && fail "bad --given-config accepted"
grep -q "badcfg.json" "$tmp/o3" && grep -q "data_generation" "$tmp/o3" || fail "bad config not named: $(cat "$tmp/o3")"
"$SEAL" arc eval -m "$tmp/m" --challenges "$TR_C" --select first:x --run "$tmp/r4" --quiet >"$tmp/o4" 2>&1 &&
  fail "bad --select accepted"
grep -q -- "--select" "$tmp/o4" || fail "bad --select not named: $(cat "$tmp/o4")"
[ $fails -eq 0 ]
