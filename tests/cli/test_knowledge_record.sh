#!/usr/bin/env bash
# The run record of `seal knowledge eval|rl|cpt|continual` (config.json): walk each
# subcommand's option table (--help-json) and, for every option flagged
# "result", resume a run with only that option changed: the resume must be
# refused naming the option's record key on a line of its own. Then the thread
# counts; a record written before the version key resumes; every input is
# checked before the run directory is claimed (an empty --eval, unknown
# --conditions, more --eval-passages than the file has, a --given-self-edits
# file that misses a passage, a --run inside the model); non-finite values and --workers out of range
# are refused naming the option; a missing required option is named in one line.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
use_tmp
. "$(dirname "$0")/tiny_world_model.sh"
tiny_world_model "$tmp" 32 64 5 4 64 1
cp -r "$tmp/m" "$tmp/m2"; cp "$tmp/w/eval.json" "$tmp/eval2.json"; cp "$tmp/w/train.json" "$tmp/train2.json"
$py - "$tmp/w/eval.json" "$tmp/given.json" <<'PY' || fail "given self-edits file"
import json, sys
json.dump({p["title"]: p["title"] + " --- " + p["context"][:40] for p in json.load(open(sys.argv[1]))}, open(sys.argv[2], "w"))
PY

# 1. every result-changing option of every subcommand is recorded
$py - "$SEAL" "$tmp" <<'PY' || fail "an option that changes results is not recorded (see above)"
import json, os, subprocess, sys
seal, tmp = sys.argv[1], sys.argv[2]
common = ["-m", tmp + "/m", "--eval", tmp + "/w/eval.json", "--conditions", "base", "--eval-passages", "2", "-k", "1",
          "--max-edit-tokens", "8", "--answer-tokens", "4", "--inner-epochs", "1", "--quiet", "-t", "1"]
base = {"eval": common,
        "rl": common + ["--train", tmp + "/w/train.json", "--rounds", "1", "--passages-per-round", "1", "--reps", "1",
                        "--sft-epochs", "1"],
        "cpt": common,
        "continual": ["-m", tmp + "/m", "--eval", tmp + "/w/eval.json", "--passages", "2", "--orders", "1",
                      "--max-edit-tokens", "8", "--answer-tokens", "4", "--inner-epochs", "1", "--quiet", "-t", "1"]}
# values for options that are not numbers or flags, each different from the base run's
special = {"model": tmp + "/m2", "eval": tmp + "/eval2.json", "train": tmp + "/train2.json", "prompt": "rewrite",
           "inner-targets": "all-linear", "sft-targets": "q_proj,v_proj", "conditions": "base,passage",
           "given-self-edits": tmp + "/given.json", "judge-model": tmp + "/m", "generator": "g=" + tmp + "/m",
           "grader": "f1", "cpt-mode": "lora", "inner-model": "base"}
extra = {"judge-model": ["--grader", "judge"], "pad-labels": ["--pad-to", "16"]}  # options that need a companion
# the record's key for each option, where it is not the option's name with '_' for '-'
keys = {"max-edit-tokens": "max_new_edit", "no-split-newlines": "split_newlines", "generator": "generators",
        "k": "k", "eval-passages@cpt": "cpt_passages"}
fails = 0
def run(args, env=None):
    return subprocess.run([seal] + args, capture_output=True, text=True, timeout=300, env=env)
def flag_in(args, o):
    for f in ["--" + o["name"]] + (["-" + o["short"]] if o.get("short") else []):
        if f in args: return f
    return None
def value_of(args, o):
    f = flag_in(args, o)
    return args[args.index(f) + 1] if f else None
def changed(o, args, sub):
    n = o["name"]
    if n in special: return special[n]
    if sub == "cpt" and n == "cpt-passages": return "3"  # an alias of --eval-passages there
    cur = value_of(args, o)
    cur = float(cur) if cur is not None else float(o["default"])
    if o["type"] in ("int", "u64"):
        v = cur + 1 if cur + 1 <= o["max"] else cur - 1
        return str(int(v))
    v = cur + 1 if cur + 1 <= o["max"] else cur / 2
    return repr(v)
for sub in ("eval", "rl", "cpt", "continual"):
    doc = json.loads(run(["knowledge", sub, "--help-json"]).stdout)
    results = [o for o in doc["options"] if o["result"]]
    names = {o["name"] for o in results}
    for must in ("inner-targets", "answer-tokens", "f1-threshold", "max-segments", "model", "eval", "seed"):
        if must not in names:
            print(f"FAIL: knowledge {sub}: --{must} is not flagged as changing results"); fails += 1
    if sub != "cpt" and "no-split-newlines" not in names:
        print(f"FAIL: knowledge {sub}: --no-split-newlines is not flagged as changing results"); fails += 1
    rundir = f"{tmp}/rec-{sub}"
    env = dict(os.environ, SEAL_TEST_KILL_AFTER_LOOPS="1")  # config.json is all the resumes below need
    p = run(["knowledge", sub] + base[sub] + ["--run", rundir], env)
    if not os.path.isfile(rundir + "/config.json"):
        print(f"FAIL: knowledge {sub}: base run wrote no config.json: {p.stderr[-300:]}"); fails += 1; continue
    for o in results:
        n = o["name"]
        args = [a for a in base[sub]]
        if o["type"] == "flag":
            args.append("--" + n)
        else:
            v, f = changed(o, args, sub), flag_in(args, o)
            if f: args[args.index(f) + 1] = v
            else: args += ["--" + n, v]
        args += extra.get(n, [])
        p = run(["knowledge", sub] + args + ["--run", rundir])
        key = keys.get(f"{n}@{sub}", keys.get(n, n.replace("-", "_")))
        if p.returncode == 0 or "this run was started with other options or inputs" not in p.stderr \
                or f"\n  {key} " not in p.stderr:
            print(f"FAIL: knowledge {sub} --{n}: the changed option was not refused naming {key}: exit {p.returncode}: "
                  f"{p.stderr[-400:]!r}"); fails += 1
    print(f"knowledge {sub}: {len(results)} result-changing options checked")
sys.exit(1 if fails else 0)
PY

ev() { # run dir, extra args... (--eval-passages ${EP:-2})
  local d=$1; shift
  "$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$d" --conditions base --eval-passages "${EP:-2}" \
      --answer-tokens 4 --quiet "$@" >"$d.out" 2>&1
}
# 2. the thread counts: a changed -t, and --workers that changes the inner loops' threads
if [ "$(nproc)" -ge 2 ]; then
  ev "$tmp/t" -t 1 || fail "-t 1 run: $(cat "$tmp/t.out")"
  ev "$tmp/t" -t 2 && fail "a changed thread count was resumed"
  grep -q "^  threads 1 -> 2 (the thread count changes the training arithmetic" "$tmp/t.out" ||
    fail "changed thread count not named: $(cat "$tmp/t.out")"
  ev "$tmp/t" -t 1 --workers 2 || fail "--workers 2 with -t 1 (the same arithmetic) was refused: $(cat "$tmp/t.out")"
  ev "$tmp/t2" -t 2 || fail "-t 2 run: $(cat "$tmp/t2.out")"
  ev "$tmp/t2" -t 2 --workers 2 && fail "--workers 2 (single-threaded inner loops) resumed a 2-thread run"
  grep -q "^  inner_threads 2 -> 1" "$tmp/t2.out" || fail "inner loop threads not named: $(cat "$tmp/t2.out")"
  ev "$tmp/t2" -t 2 || fail "the same thread count was not resumed: $(cat "$tmp/t2.out")"
else
  echo "note: one CPU: thread count changes not checked"
fi
# 3. a record of an older seal (no seal_version, none of the keys added since) resumes, saying what it cannot check
ev "$tmp/old" || fail "run for the old record: $(cat "$tmp/old.out")"
$py - "$tmp/old/config.json" <<'PY' || fail "the record of an eval run no longer has the keys an older seal wrote"
import json, sys
c = json.load(open(sys.argv[1]))
assert "train" in c and c["train"] is None, "the older seal recorded \"train\": null without --train"
for k in ("seal_version", "threads", "inner_threads", "answer_tokens", "f1_threshold", "max_segments", "split_newlines",
          "inner_targets", "sft_targets", "sft_accum", "positive_gain"):
    c.pop(k, None)
json.dump(c, open(sys.argv[1], "w"))
PY
"$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/old" --conditions base --eval-passages 2 \
    --answer-tokens 4 >"$tmp/old.out" 2>&1 || fail "a record of an older seal was not resumed: $(cat "$tmp/old.out")"
grep -q "recorded by an older seal without seal_version, threads" "$tmp/old.out" || fail "no note: $(cat "$tmp/old.out")"
grep -q "| base |" "$tmp/old.out" || fail "the results table was not printed: $(cat "$tmp/old.out")"
EP=3 ev "$tmp/old" && fail "an older record resumed with a changed option it holds"
grep -q "^  eval_passages 2 -> 3" "$tmp/old.out" || fail "older record: change not named: $(cat "$tmp/old.out")"

# 4. every input is checked before the run directory is claimed
expect_refused() { # what, run dir, needle, args...
  local what=$1 d=$2 needle=$3; shift 3
  "$SEAL" knowledge "$@" --run "$d" --quiet >"$tmp/err.out" 2>&1 && fail "$what: accepted"
  grep -qF -- "$needle" "$tmp/err.out" || fail "$what: message does not say \"$needle\": $(cat "$tmp/err.out")"
  [ -e "$d" ] && fail "$what: $d was claimed"
}
echo '[]' >"$tmp/empty.json"
expect_refused "--eval []" "$tmp/v1" "empty.json: no passages" eval -m "$tmp/m" --eval "$tmp/empty.json"
expect_refused "--conditions bogus" "$tmp/v2" '--conditions: "bogus" is not a condition' \
    eval -m "$tmp/m" --eval "$tmp/w/eval.json" --conditions base,bogus
expect_refused "--eval-passages 200 of 6" "$tmp/v3" "--eval-passages 200: $tmp/w/eval.json has only 6 passages" \
    eval -m "$tmp/m" --eval "$tmp/w/eval.json" --eval-passages 200
expect_refused "--cpt-passages 200 of 6" "$tmp/v4" "--cpt-passages 200: $tmp/w/eval.json has only 6 passages" \
    cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --cpt-passages 200
expect_refused "continual --passages 7 of 6" "$tmp/v7" "--passages 7: $tmp/w/eval.json has only 6 passages" \
    continual -m "$tmp/m" --eval "$tmp/w/eval.json" --passages 7
expect_refused "--generator without a model" "$tmp/v5" "--generator g" \
    cpt -m "$tmp/m" --eval "$tmp/w/eval.json" --generator g="$tmp/nothing"
expect_refused "--run inside the model" "$tmp/m/run" "would write into the input" \
    eval -m "$tmp/m" --eval "$tmp/w/eval.json"
$py - "$tmp/given.json" "$tmp/given-short.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1])); g.pop(sorted(g)[0]); json.dump(g, open(sys.argv[2], "w"))
PY
expect_refused "--given-self-edits missing a passage" "$tmp/v6" "given-short.json: no self-edit for passage" \
    eval -m "$tmp/m" --eval "$tmp/w/eval.json" --given-self-edits "$tmp/given-short.json" --conditions base
# without --eval-passages a smaller file is used whole (the default asks for up to 200)
"$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/all6" --conditions base --answer-tokens 4 \
    --quiet >"$tmp/all6.out" 2>&1 || fail "default --eval-passages on a 6-passage file: $(cat "$tmp/all6.out")"
grep -q '"n_passages": 6' "$tmp/all6/results.json" 2>/dev/null || fail "default --eval-passages did not use all 6"
# the corrected rerun after a refused input runs (nothing was claimed by the bad one)
"$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/v6" --given-self-edits "$tmp/given.json" \
    --conditions base --eval-passages 2 --answer-tokens 4 --quiet >"$tmp/v6.out" 2>&1 ||
  fail "the corrected rerun was refused: $(cat "$tmp/v6.out")"

# 5. values the library could not hold are refused at the command line, naming the option, in one line
for bad in "--inner-lr nan" "--inner-lr inf" "--inner-lr 1e999" "--inner-alpha nan" "--temperature inf" "--top-p nan" \
           "--workers 0" "--workers 100" "--f1-threshold nan"; do
  # shellcheck disable=SC2086
  "$SEAL" knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/bad" $bad >"$tmp/bad.out" 2>&1
  rc=$?
  opt=${bad%% *}
  [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/bad.out")" -eq 1 ] && grep -q -- "$opt" "$tmp/bad.out" ||
    fail "$bad: exit $rc: $(cat "$tmp/bad.out")"
  grep -q -- "--eval-passages\|--passages-per-round" "$tmp/bad.out" && fail "$bad names other options: $(cat "$tmp/bad.out")"
done
for bad in "--sft-lr nan" "--sft-alpha inf"; do
  # shellcheck disable=SC2086
  "$SEAL" knowledge rl -m "$tmp/m" --eval "$tmp/w/eval.json" --train "$tmp/w/train.json" --run "$tmp/bad" $bad \
      >"$tmp/bad.out" 2>&1
  rc=$?
  [ $rc -eq 2 ] && grep -q -- "${bad%% *}" "$tmp/bad.out" || fail "rl $bad: exit $rc: $(cat "$tmp/bad.out")"
done
[ -e "$tmp/bad" ] && fail "a refused value claimed $tmp/bad"
# a missing required option: one line naming it
"$SEAL" knowledge rl -m "$tmp/m" --eval "$tmp/w/eval.json" --run "$tmp/bad" >"$tmp/bad.out" 2>&1
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/bad.out")" -eq 1 ] && grep -q -- "missing --train" "$tmp/bad.out" ||
  fail "rl without --train: $(cat "$tmp/bad.out")"
"$SEAL" knowledge eval --eval "$tmp/w/eval.json" --run "$tmp/bad" >"$tmp/bad.out" 2>&1
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/bad.out")" -eq 1 ] && grep -q -- "missing --model" "$tmp/bad.out" ||
  fail "eval without -m: $(cat "$tmp/bad.out")"
[ $fails -eq 0 ]
