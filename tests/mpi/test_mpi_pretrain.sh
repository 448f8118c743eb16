#!/usr/bin/env bash
# Data-parallel pretraining under mpirun (docs/scale-out.md): `seal pretrain`
# over 2 and 3 ranks (each rank its share of every batch's rows, gradients
# summed in rank order) logs the same steps and token counts as one process,
# its loss, gradient-norm and held-out-loss curves within the documented
# tolerance of the single-process ones and its model's weights within 5e-4 of
# each tensor's largest; only rank 0 writes; a run killed after step 25 resumes
# under the same rank count to the bits of an uninterrupted run, and a resume
# under another rank count is refused naming it (the rank count is recorded,
# as the thread count is) unless --allow-config-change.
set -u
. "$(dirname "$0")/mpi_lib.sh"
need_numpy
"$SEAL" world knowledge --seed 3 --out "$tmp/w" --people 120 --drill 300 --docs-per-person 12 --train 4 --eval 4 >/dev/null 2>&1 || fail "world"
"$SEAL" tokenizer train --data "$tmp/w/pretrain.jsonl" --vocab-size 400 --out "$tmp/tok" --quiet >/dev/null 2>&1 || fail "tokenizer"
cat >"$tmp/cfg.json" <<'JSON'
{"tokenizer": "tok",
 "model": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 64, "rope_theta": 10000, "rms_norm_eps": 1e-5,
           "tie_word_embeddings": true},
 "train": {"steps": 40, "batch_size": 6, "seq_len": 64, "lr": 3e-3, "warmup_steps": 5, "eval_every": 10,
           "eval_fraction": 0.05, "checkpoint_every": 10, "seed": 7}}
JSON
args=(pretrain --config "$tmp/cfg.json" --data "$tmp/w/pretrain.jsonl" -t 1)
"$SEAL" "${args[@]}" --out "$tmp/one" >"$tmp/one.log" 2>&1 || fail "pretrain: $(tail -3 "$tmp/one.log")"
mkdir "$tmp/par"
for n in 2 3; do
  mpi $n "$SEAL" "${args[@]}" --out "$tmp/par/np$n" >"$tmp/np$n.log" 2>&1 || fail "pretrain -np $n: $(tail -5 "$tmp/np$n.log")"
done
[ "$(ls -A "$tmp/par")" = "$(printf 'np2\nnp3')" ] || fail "stray files beside --out: $(ls -A "$tmp/par")"
$py - "$tmp" <<'PY' || fail "data-parallel pretraining curve outside the tolerance"
import json, sys
d = sys.argv[1]
def log(p): return [json.loads(l) for l in open(p + "/pretrain_log.jsonl")]
one = log(d + "/one")
steps = [x for x in one if "loss" in x]
assert len(steps) == 40 and len(one) == 44, len(one)
for n in (2, 3):
    par = log(d + "/par/np%d" % n)
    assert len(par) == len(one), (n, len(par))
    for a, b in zip(one, par):
        assert a.get("step") == b.get("step") and a.get("tokens") == b.get("tokens"), (n, a, b)
        for k in ("loss", "grad_norm", "eval_loss"):
            if k in a:
                assert abs(a[k] - b[k]) <= 1e-4 * abs(a[k]), (n, a["step"], k, a[k], b[k])
PY
$py "$here/close_adapters.py" "$tmp/one" "$tmp/par/np2" "$tmp/one" "$tmp/par/np3" || fail "data-parallel pretrained model"
# killed after step 25 on 2 ranks (last checkpoint: 20), resumed on 2: the bits of the uninterrupted run
SEAL_TEST_KILL_AT_STEP=25 mpi 2 -x SEAL_TEST_KILL_AT_STEP "$SEAL" "${args[@]}" --out "$tmp/k" >"$tmp/k.kill" 2>&1 &&
  fail "the kill hook did not fire"
[ -d "$tmp/k/checkpoint" ] && [ ! -f "$tmp/k/model.safetensors" ] || fail "after the kill: $(ls "$tmp/k")"
# another rank count: refused, naming it
mpi 3 "$SEAL" "${args[@]}" --out "$tmp/k" >"$tmp/k3.out" 2>&1 && fail "a resume under 3 ranks of a 2-rank run was accepted"
grep -q "ranks 2 -> 3" "$tmp/k3.out" || fail "changed rank count: not named: $(tail -5 "$tmp/k3.out")"
mpi 2 "$SEAL" "${args[@]}" --out "$tmp/k" >"$tmp/k.out" 2>&1 || fail "resume -np 2: $(tail -5 "$tmp/k.out")"
grep -q "resuming at step 20" "$tmp/k.out" || fail "did not resume from step 20: $(head -5 "$tmp/k.out")"
cmp -s "$tmp/par/np2/model.safetensors" "$tmp/k/model.safetensors" || fail "resumed 2-rank run differs from the uninterrupted one"
[ $fails -eq 0 ]
