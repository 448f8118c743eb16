#!/usr/bin/env bash
# seal sandbox arc-headroom on a tiny world with a random-weight model:
#  1. the table's arithmetic, against an independent Python reader of the
#     journal: a journal written here for a full grid (16 tool subsets x 2
#     strategies x 2 lrs x 2 epochs, solved flags drawn to make some groups
#     help some families and hurt others) is tabulated without running a job,
#     and every figure (each configuration, icl, the best fixed one and its
#     tie-break, the oracle and oracle_configs.json, each group's on-minus-off
#     per family and per tag with raises / lowers, per lr / epochs /
#     strategy, the bars) is recomputed in Python from ttt.jsonl and world.json;
#  2. a real small grid runs; killed after 3 jobs and resumed, it redoes
#     none and ends with the same headroom.json;
#  3. every results-changing option (walked from --help-json) refuses a
#     resume naming its record key; bad options are named, nothing claimed;
#  4. seal arc eval --oracle-configs runs each task's own config (ttt.jsonl
#     shows it) and reproduces the headroom's job for that (config, puzzle)
#     exactly, --given-config best_fixed_config.json --given-name names the
#     condition, and a task missing from the map (or a map value that is no
#     config) is an error naming the task.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
. "$(dirname "$0")/arc_world_model.sh"
arc_world_model "$tmp" || exit 1

# 1. the arithmetic, on a journal written here (no job runs: every key is there)
mkdir -p "$tmp/fab"
$py - "$tmp/w/world.json" "$tmp/fab/ttt.jsonl" <<'PY'
import json, random, sys
w = json.load(open(sys.argv[1]))
ev = [p for p in w["puzzles"] if p["split"] == "eval"]
rnd = random.Random(7)
with open(sys.argv[2], "w") as f:
    for p in ev:
        fam = p["rules"][0]["family"]
        f.write(json.dumps({"key": "icl/" + p["id"], "solved": rnd.random() < 0.2}) + "\n")
        for m in range(16):
            t = "".join(c for b, c in enumerate("BSCR") if m >> b & 1) or "none"
            for s in ("out", "all"):
                for lr in (1e-3, 1e-2):
                    for e in (1, 2):
                        q = 0.3 + (0.5 if m & 2 and sum(map(ord, fam)) % 2 else -0.25 if m & 2 else 0) + (0.1 if e == 2 else 0)
                        f.write(json.dumps({"key": f"{t}_{s}_lr{lr:g}_ep{e}/{p['id']}", "solved": rnd.random() < q}) + "\n")
PY
"$SEAL" sandbox arc-headroom --world "$tmp/w" -m "$tmp/m" --run "$tmp/fab" --lrs 1e-3,1e-2 --epochs 1,2 --quiet -t 1 \
    >"$tmp/fab.out" 2>&1 || fail "tabulating a complete journal: $(tail -3 "$tmp/fab.out")"
$py - "$tmp/w/world.json" "$tmp/fab" <<'PY' || fail "the headroom table disagrees with the journal (see above)"
import json, sys
w, d = json.load(open(sys.argv[1])), sys.argv[2]
h = json.load(open(d + "/headroom.json"))
solved = {}
for l in open(d + "/ttt.jsonl"):
    x = json.loads(l); solved[x["key"]] = bool(x["solved"])
ev = [p for p in w["puzzles"] if p["split"] == "eval"]
ids = [p["id"] for p in ev]
N = len(ids)
# the documented fixed order: tool bits, then output before all, then lrs and epochs as listed
order = []
for m in range(16):
    t = "".join(c for b, c in enumerate("BSCR") if m >> b & 1) or "none"
    for s in ("out", "all"):
        for lr in (1e-3, 1e-2):
            for e in (1, 2):
                order.append((f"{t}_{s}_lr{lr:g}_ep{e}", m, s, lr, e))
assert [c["name"] for c in h["configs"]] == [o[0] for o in order], "configuration order"
def cfg(m, s, lr, e):
    return {"data_generation": {"use_basic_augmentations": bool(m & 1), "use_size_augmentations": bool(m & 2),
                                "use_chain_augmentations": bool(m & 4), "use_repeat_augmentations": bool(m & 8)},
            "training": {"strategy": "train_using_output_tokens" if s == "out" else "train_using_all_tokens",
                         "learning_rate": lr, "num_train_epochs": e}}
S = {o[0]: [solved[o[0] + "/" + i] for i in ids] for o in order}
rate = {k: sum(v) / N for k, v in S.items()}
close = lambda a, b: abs(a - b) < 1e-9
for c, o in zip(h["configs"], order):
    assert close(c["success_rate"], rate[o[0]]) and c["config"] == cfg(*o[1:]), c
icl = [solved["icl/" + i] for i in ids]
assert close(h["icl"]["success_rate"], sum(icl) / N) and h["icl"]["solved"] == sum(icl)
best = max(order, key=lambda o: (rate[o[0]], -order.index(o)))
assert h["best_fixed"]["name"] == best[0] and close(h["best_fixed"]["success_rate"], rate[best[0]]), h["best_fixed"]
assert json.load(open(d + "/best_fixed_config.json")) == cfg(*best[1:])
oc = json.load(open(d + "/oracle_configs.json"))
n_or = 0
for j, i in enumerate(ids):
    first = next((o for o in order if S[o[0]][j]), None)
    n_or += first is not None
    assert oc[i] == cfg(*(first or best)[1:]), (i, oc[i])
assert h["oracle"]["solved"] == n_or and close(h["oracle"]["success_rate"], n_or / N)
fams = {i: sorted({r["family"] for r in p["rules"]}) for i, p in zip(ids, ev)}
allf = sorted({f for v in fams.values() for f in v})
key = {o[0]: o for o in order}
def diff(bit, sel):
    on = off = n = 0
    for o in order:
        if not o[1] & bit: continue
        other = [x for x in order if x[1] == o[1] & ~bit and x[2:] == o[2:]][0]
        for j in sel:
            on += S[o[0]][j]; off += S[other[0]][j]; n += 1
    return on / n - off / n
for b, g in enumerate(h["groups"]):
    bit = 1 << b
    assert g["group"] == ["basic", "size", "chain", "repeat"][b]
    assert close(g["delta"], diff(bit, range(N))), (g["group"], g["delta"])
    raises, lowers = [], []
    assert [f["family"] for f in g["families"]] == allf
    for f in g["families"]:
        sel = [j for j, i in enumerate(ids) if f["family"] in fams[i]]
        dd = diff(bit, sel)
        assert close(f["delta"], dd) and f["puzzles"] == len(sel), (g["group"], f, dd)
        if dd >= 0.1 - 1e-9: raises.append(f["family"])
        if dd <= -0.1 + 1e-9: lowers.append(f["family"])
    assert g["raises"] == raises and g["lowers"] == lowers, (g["group"], g["raises"], raises, g["lowers"], lowers)
    for t in g["tags"]:
        sel = [j for j, p in enumerate(ev) if p["tags"][g["group"]] == t["tag"]]
        assert t["puzzles"] == len(sel) and (not sel or close(t["delta"], diff(bit, sel))), t
size = h["groups"][1]
assert size["raises"] and size["lowers"], "the drawn journal should make size raise and lower families"
assert h["bars"]["a_group_raises_and_lowers"] is True
assert "size" in h["bars"]["groups_raising_and_lowering"]
for f in h["families"]:
    sel = [j for j, i in enumerate(ids) if f["family"] in fams[i]]
    assert close(f["icl"], sum(icl[j] for j in sel) / len(sel)), f
    assert close(f["best_fixed"], sum(S[best[0]][j] for j in sel) / len(sel)), f
    assert close(f["oracle"], sum(any(S[o[0]][j] for o in order) for j in sel) / len(sel)), f
for lr in h["by"]["lr"]:
    v = [rate[o[0]] for o in order if o[3] == lr["lr"]]
    assert close(lr["success_rate"], sum(v) / len(v)), lr
for e in h["by"]["epochs"]:
    v = [rate[o[0]] for o in order if o[4] == e["epochs"]]
    assert close(e["success_rate"], sum(v) / len(v)), e
assert [s["strategy"] for s in h["by"]["strategy"]] == ["train_using_output_tokens", "train_using_all_tokens"]
b = h["bars"]
assert b["icl_at_most_10"] == (sum(icl) / N <= 0.1) and close(b["oracle_minus_icl"], (n_or - sum(icl)) / N)
assert close(b["oracle_minus_best"], n_or / N - rate[best[0]])
md = open(d + "/headroom.md").read()
assert best[0] in md and "| per-puzzle oracle | %.1f%% | %d/%d |" % (100 * n_or / N, n_or, N) in md, md[:800]
PY

# 2. a real grid: 2 puzzles x (icl + 2 tool subsets x 2 strategies); killed after 3 jobs, resumed
grid=(--world "$tmp/w" -m "$tmp/m" --puzzles 2 --tools none,s --lrs 1e-3 --epochs 1 --ttt-cap 2 --max-answer-tokens 4
      --max-len 4096 -t 1)
"$SEAL" sandbox arc-headroom "${grid[@]}" --run "$tmp/a" >"$tmp/a.out" 2>&1 || fail "arc-headroom: $(tail -3 "$tmp/a.out")"
grep -q "| per-puzzle oracle |" "$tmp/a.out" || fail "the table was not printed: $(tail -5 "$tmp/a.out")"
for f in config.json ttt.jsonl headroom.json headroom.md best_fixed_config.json oracle_configs.json; do
  [ -s "$tmp/a/$f" ] || fail "missing $f"
done
$py - "$tmp/a" <<'PY' || fail "the real grid's journal"
import json, sys
keys = [json.loads(l)["key"] for l in open(sys.argv[1] + "/ttt.jsonl")]
want = [f"{c}/{p}" for p in ("e00000", "e00001")
        for c in ("icl", "none_out_lr0.001_ep1", "none_all_lr0.001_ep1", "S_out_lr0.001_ep1", "S_all_lr0.001_ep1")]
assert keys == want, keys
rec = [json.loads(l) for l in open(sys.argv[1] + "/ttt.jsonl")]
assert all(r["status"] == "ok" and r["ttt"]["steps"] >= 1 for r in rec if not r["key"].startswith("icl/")), rec
PY
SEAL_TEST_KILL_AFTER_LOOPS=3 "$SEAL" sandbox arc-headroom "${grid[@]}" --run "$tmp/b" --quiet >/dev/null 2>&1
[ $? -eq 137 ] || fail "the kill hook did not fire"
[ "$(wc -l <"$tmp/b/ttt.jsonl")" -eq 3 ] || fail "3 jobs journaled before the kill, got $(wc -l <"$tmp/b/ttt.jsonl")"
"$SEAL" sandbox arc-headroom "${grid[@]}" --run "$tmp/b" --quiet >"$tmp/b.out" 2>&1 || fail "resume: $(tail -3 "$tmp/b.out")"
cmp -s "$tmp/a/headroom.json" "$tmp/b/headroom.json" || fail "the resumed headroom.json differs from the uninterrupted one"
$py -c '
import json, sys
k = [json.loads(l)["key"] for l in open(sys.argv[1])]
assert len(k) == len(set(k)) == 10, k' "$tmp/b/ttt.jsonl" || fail "the resume redid or lost jobs"

# 3. every results-changing option refuses a resume naming its key; bad options are named
cp -r "$tmp/m" "$tmp/m2"
cp -r "$tmp/w" "$tmp/w2"
$py - "$SEAL" "$tmp" <<'PY' || fail "an option that changes results is not recorded (see above)"
import json, subprocess, sys
seal, tmp = sys.argv[1:3]
base = ["sandbox", "arc-headroom", "--world", tmp + "/w", "-m", tmp + "/m", "--puzzles", "2", "--tools", "none,s",
        "--lrs", "1e-3", "--epochs", "1", "--ttt-cap", "2", "--max-answer-tokens", "4", "--max-len", "4096", "-t", "1",
        "--quiet", "--run", tmp + "/b"]
special = {"world": tmp + "/w2", "model": tmp + "/m2", "split": "train", "tools": "none", "strategies": "output",
           "lrs": "1e-3,1e-2", "epochs": "2", "ttt-targets": "q_proj", "ttt-pad": "none", "puzzles": "1"}
doc = json.loads(subprocess.run([seal, "sandbox", "arc-headroom", "--help-json"], capture_output=True, text=True).stdout)
fails = 0
results = [o for o in doc["options"] if o["result"]]
for must in ("world", "model", "tools", "lrs", "epochs", "strategies", "split", "puzzles", "ttt-cap", "seed"):
    if must not in {o["name"] for o in results}: print("FAIL: --%s is not flagged as changing results" % must); fails += 1
for o in results:
    flag = "--" + o["name"]
    args = list(base)
    if o.get("short") and "-" + o["short"] in args: flag = "-" + o["short"]
    if o["name"] in special: v = special[o["name"]]
    else:
        cur = float(args[args.index(flag) + 1]) if flag in args else float(o["default"])
        v = str(int(cur + 1 if cur + 1 <= o["max"] else cur - 1)) if o["type"] in ("int", "u64", "i64") else repr(cur + 1 if cur + 1 <= o["max"] else cur / 2)
    if flag in args: args[args.index(flag) + 1] = v
    else: args += [flag, v]
    p = subprocess.run([seal] + args, capture_output=True, text=True, timeout=120)
    key = o["name"].replace("-", "_")
    if p.returncode == 0 or "  %s " % key not in p.stderr:
        print("FAIL: --%s: resume not refused naming %s (rc %d): %s" % (o["name"], key, p.returncode, p.stderr[-300:])); fails += 1
sys.exit(1 if fails else 0)
PY
bad() { # option value expected-text
  local out
  out=$("$SEAL" sandbox arc-headroom --world "$tmp/w" -m "$tmp/m" -t 1 --run "$tmp/bad" "$1" "$2" 2>&1) &&
    fail "$1 $2 accepted"
  grep -q -- "$3" <<<"$out" || fail "$1 $2: the error does not say $3: $out"
  [ -e "$tmp/bad" ] && fail "$1 $2: the bad option claimed the run directory"
}
bad --lrs 0 "--lrs: \"0\" is not a learning rate"
bad --lrs 1e-3,x "--lrs: \"x\""
bad --lrs 1e-3,0.001 "listed twice"
bad --epochs 1.5 "--epochs: \"1.5\""
bad --tools bq "--tools: \"bq\""
bad --tools s,none,s "--tools: \"s\" is listed twice"
bad --strategies some "--strategies"
bad --puzzles 7 "--puzzles 7"

# 4. seal arc eval: each task's own config, the best fixed one under its own name
C=(--challenges "$tmp/w/arc-world_evaluation_challenges.json" --solutions "$tmp/w/arc-world_evaluation_solutions.json")
$py - "$tmp" <<'PY'
import json, sys
t = sys.argv[1]
def cfg(size, strat):
    return {"data_generation": {"use_basic_augmentations": False, "use_size_augmentations": size,
                                "use_chain_augmentations": False, "use_repeat_augmentations": False},
            "training": {"strategy": strat, "learning_rate": 0.001, "num_train_epochs": 1}}
m = {"e00000": cfg(True, "train_using_output_tokens"), "e00001": cfg(False, "train_using_all_tokens")}
json.dump(m, open(t + "/map.json", "w"))
json.dump({"e00000": m["e00000"]}, open(t + "/map-missing.json", "w"))
json.dump(dict(m, e00001={"data_generation": []}), open(t + "/map-bad.json", "w"))
PY
ev=(arc eval -m "$tmp/m" "${C[@]}" --tasks e00000,e00001 --conditions oracle-ttt --ttt-cap 2 --max-answer-tokens 4
    --max-len 4096 -t 1 --quiet)
"$SEAL" "${ev[@]}" --oracle-configs "$tmp/map.json" --given-config "$tmp/a/best_fixed_config.json" \
    --given-name best-fixed-config --run "$tmp/e" >"$tmp/e.out" 2>&1 || fail "arc eval --oracle-configs: $(tail -3 "$tmp/e.out")"
$py - "$tmp" <<'PY' || fail "arc eval --oracle-configs did not run each task's config as the headroom did"
import json, sys
t = sys.argv[1]
e = {json.loads(l)["key"]: json.loads(l) for l in open(t + "/e/ttt.jsonl")}
a = {json.loads(l)["key"]: json.loads(l) for l in open(t + "/a/ttt.jsonl")}
assert sorted(e) == ["best-fixed-config/e00000/0", "best-fixed-config/e00001/0", "oracle-ttt/e00000/0",
                     "oracle-ttt/e00001/0"], sorted(e)
same = ("config", "status", "ttt", "subtasks", "solved")
h = json.load(open(t + "/a/headroom.json"))
for task, name in (("e00000", "S_out_lr0.001_ep1"), ("e00001", "none_all_lr0.001_ep1"),):
    x, y = e["oracle-ttt/%s/0" % task], a["%s/%s" % (name, task)]
    assert all(x[k] == y[k] for k in same), (task, [k for k in same if x[k] != y[k]])
    b = e["best-fixed-config/%s/0" % task]
    assert all(b[k] == a["%s/%s" % (h["best_fixed"]["name"], task)][k] for k in same), task
r = json.load(open(t + "/e/results.json"))
assert [c["name"] for c in r["conditions"]] == ["oracle-ttt", "best-fixed-config"], r["conditions"]
assert "each task's own configuration" in open(t + "/e/results.md").read()
PY
out=$("$SEAL" "${ev[@]}" --oracle-configs "$tmp/map-missing.json" --run "$tmp/e2" 2>&1) && fail "a map missing a task accepted"
grep -q "map-missing.json: no configuration for task e00001" <<<"$out" || fail "missing task not named: $out"
out=$("$SEAL" "${ev[@]}" --oracle-configs "$tmp/map-bad.json" --run "$tmp/e3" 2>&1) && fail "a map value that is no config accepted"
grep -q "map-bad.json: task e00001: data_generation" <<<"$out" || fail "bad config not named: $out"
out=$("$SEAL" "${ev[@]}" --given-name x --run "$tmp/e4" 2>&1) && fail "--given-name without --given-config accepted"
grep -q -- "--given-name" <<<"$out" || fail "--given-name alone: $out"
out=$("$SEAL" "${ev[@]}" --given-config "$tmp/a/best_fixed_config.json" --given-name icl --run "$tmp/e5" 2>&1) &&
  fail "--given-name icl accepted"
grep -q "another condition's name" <<<"$out" || fail "--given-name icl: $out"
[ -e "$tmp/e2" ] || [ -e "$tmp/e3" ] || [ -e "$tmp/e4" ] || [ -e "$tmp/e5" ] && fail "a refused input claimed its run directory"
[ $fails -eq 0 ]
