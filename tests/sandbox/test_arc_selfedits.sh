#!/usr/bin/env bash
# seal sandbox arc-selfedits: the counts of a run's self-edits (valid,
# zero-epoch, rejected; tools, strategy, lr, epochs) and the "reading" figures
# (a group on among puzzles it preserves vs poisons) equal an independent
# Python count over a hand-made selfedits.jsonl on a small world's puzzles;
# bad inputs are named.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
"$SEAL" world arc --seed 3 --out "$tmp/w" --pretrain 20 --train 3 --eval 6 --selfedit-docs 2 >/dev/null || fail "world arc"
mkdir -p "$tmp/run"
# Self-edits for every evaluation puzzle: valid configs of several tool sets, a 0-epoch one (a missing key),
# rejected ones (not JSON; a learning rate that is a string); kept = what seal arc keeps.
$py - "$tmp/w/world.json" "$tmp/run/selfedits.jsonl" <<'PY' || fail "could not write the journal"
import json, sys, itertools
w = json.load(open(sys.argv[1]))
ids = [p["id"] for p in w["puzzles"] if p["split"] == "eval"]
def cfg(b, s, c, r, strat, lr, ep):
    return json.dumps({"data_generation": {"use_basic_augmentations": b, "use_size_augmentations": s,
                       "use_chain_augmentations": c, "use_repeat_augmentations": r},
                       "training": {"strategy": strat, "learning_rate": lr, "num_train_epochs": ep}})
with open(sys.argv[2], "w") as f:
    for i, t in enumerate(ids):
        bits = [(i >> k) & 1 == 1 for k in range(4)]
        ok1 = cfg(*bits, "train_using_output_tokens", 1e-4, 2)
        ok2 = cfg(not bits[0], bits[1], False, True, "train_using_all_tokens", 3e-3, 5 + i % 3)
        zero = '{"data_generation": {"use_basic_augmentations": true}, "training": {"learning_rate": 1e-4}}'
        bad = "use basic please"
        badlr = cfg(True, False, False, False, "train_using_output_tokens", "fast", 2)
        att = [{"text": x} for x in (ok1, bad, ok2, zero, badlr)]
        kept = [att[0], att[2], att[3]]
        f.write(json.dumps({"key": "gen/base/" + t, "task_id": t, "generator": "base", "prompt": "",
                            "attempts": att, "kept": kept}) + "\n")
    f.write(json.dumps({"key": "gen/round-1/" + ids[0], "task_id": ids[0], "generator": "round-1", "prompt": "",
                        "attempts": [{"text": "x"}], "kept": [{"text": "x"}]}) + "\n")
PY
"$SEAL" sandbox arc-selfedits --world "$tmp/w" --run "$tmp/run" >"$tmp/s.json" 2>"$tmp/err" || fail "arc-selfedits: $(cat "$tmp/err")"
$py - "$tmp/w/world.json" "$tmp/run/selfedits.jsonl" "$tmp/s.json" <<'PY' || fail "arc-selfedits counts differ"
import json, sys, collections
w = json.load(open(sys.argv[1]))
tags = {p["id"]: p["tags"] for p in w["puzzles"]}
rows = [json.loads(l) for l in open(sys.argv[2]) if json.loads(l)["key"].startswith("gen/base/")]
got = json.load(open(sys.argv[3]))
n = len(rows)
assert got["tasks"] == n and got["responses"] == 5 * n, got
assert (got["ok"], got["zero_epochs"], got["rejected"]) == (2 * n, n, 2 * n), got
assert abs(got["valid_share"] - 0.4) < 1e-12 and abs(got["parse_share"] - 0.6) < 1e-12, got
assert got["kept_configs"] == 2 * n, got
groups = ["basic", "size", "chain", "repeat"]
tools, on, strat, lrs, eps = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
rd = {g: [0, 0, 0, 0] for g in groups + ["colour"]}
clean = 0
for r in rows:
    t = tags[r["task_id"]]
    for a in r["kept"][:2]:
        c = json.loads(a["text"]); d = c["data_generation"]
        use = [d["use_%s_augmentations" % g] for g in groups]
        tools["".join("BSCR"[k] for k in range(4) if use[k]) or "none"] += 1
        for k, g in enumerate(groups): on[g] += use[k]
        strat[c["training"]["strategy"]] += 1
        lrs["%g" % c["training"]["learning_rate"]] += 1
        eps[str(c["training"]["num_train_epochs"])] += 1
        for g, u in list(zip(groups, use)) + [("colour", any(use))]:
            if t[g] == "preserves": rd[g][0] += 1; rd[g][1] += u
            if t[g] == "poisons": rd[g][2] += 1; rd[g][3] += u
        clean += (not any(use) or t["colour"] == "preserves") and all(not u or t[g] == "preserves" for g, u in zip(groups, use))
assert got["tools"] == dict(tools), (got["tools"], tools)
assert got["strategy"] == dict(strat) and got["learning_rate"] == dict(lrs) and got["epochs"] == dict(eps), got
for g in groups: assert abs(got["groups_on"][g] - on[g] / (2 * n)) < 1e-12, g
for g, (np_, onp, nq, onq) in rd.items():
    x = got["reading"][g]
    assert x["preserves"] == np_ and x["poisons"] == nq, (g, x, rd[g])
    assert (x["on_when_preserves"] is None) == (np_ == 0) and (np_ == 0 or abs(x["on_when_preserves"] - onp / np_) < 1e-12), g
    assert (x["on_when_poisons"] is None) == (nq == 0) and (nq == 0 or abs(x["on_when_poisons"] - onq / nq) < 1e-12), g
assert abs(got["clean_share"] - clean / (2 * n)) < 1e-12, (got["clean_share"], clean)
assert sum(got["reasons"].values()) == 3 * n, got["reasons"]
PY
"$SEAL" sandbox arc-selfedits --world "$tmp/w" --run "$tmp/run" --generator round-1 --json >"$tmp/r1.json" ||
  fail "round-1 generator"
grep -q '"rejected": *1' "$tmp/r1.json" || grep -q '"rejected":1' "$tmp/r1.json" || fail "round-1: $(cat "$tmp/r1.json")"

# arc-oracle: the groups that preserve on, none when the colour permutation does not preserve
"$SEAL" sandbox arc-oracle --world "$tmp/w" --split train --out "$tmp/oc.json" --strategy all --lr 3e-3 --epochs 4 ||
  fail "arc-oracle"
$py - "$tmp/w/world.json" "$tmp/oc.json" <<'PY' || fail "arc-oracle configs differ"
import json, sys
w, got = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
want = {}
for p in w["puzzles"]:
    if p["split"] != "train": continue
    t = p["tags"]
    use = {g: t["colour"] == "preserves" and t[g] == "preserves" for g in ("basic", "size", "chain", "repeat")}
    want[p["id"]] = {"data_generation": {"use_%s_augmentations" % g: u for g, u in use.items()},
                     "training": {"strategy": "train_using_all_tokens", "learning_rate": 3e-3, "num_train_epochs": 4}}
assert got == want and len(got) == 3, (got, want)
PY
err=$("$SEAL" sandbox arc-oracle --world "$tmp/w" --out "$tmp/oc2.json" --epochs 0 2>&1) && fail "--epochs 0 passed"
grep -q -- "--epochs" <<<"$err" || fail "--epochs 0: $err"

err=$("$SEAL" sandbox arc-selfedits --world "$tmp/w" --run "$tmp/run" --generator train 2>&1) && fail "an absent generator passed"
grep -q "no self-edits under key gen/train/" <<<"$err" || fail "absent generator: $err"
printf '{"format": "seal-world-knowledge"}' >"$tmp/kw.json"; mkdir -p "$tmp/kw"; mv "$tmp/kw.json" "$tmp/kw/world.json"
err=$("$SEAL" sandbox arc-selfedits --world "$tmp/kw" --run "$tmp/run" 2>&1) && fail "a knowledge world passed"
grep -q "not an ARC world" <<<"$err" || fail "knowledge world: $err"
echo '{"key": "gen/base/zzz", "task_id": "zzz", "attempts": [], "kept": []}' >>"$tmp/run/selfedits.jsonl"
err=$("$SEAL" sandbox arc-selfedits --world "$tmp/w" --run "$tmp/run" 2>&1) && fail "an unknown task passed"
grep -q "task zzz is not a puzzle" <<<"$err" || fail "unknown task: $err"
[ $fails -eq 0 ]
