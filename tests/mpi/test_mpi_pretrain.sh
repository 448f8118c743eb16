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
. "$SEAL_ROOT/tests/cli/tiny_world_model.sh"
tiny_world_model "$tmp/k" 32 64 1 4 64 1 # its world, tokenizer and config (the 1-step model is not used)
$py - "$tmp/k/cfg.json" "$tmp/cfg.json" <<'PY' || fail "config"
import json, sys
c = json.load(open(sys.argv[1]))
c["tokenizer"] = "k/tok"
c["train"].update(steps=40, batch_size=6, warmup_steps=5, eval_every=10, eval_fraction=0.05, checkpoint_every=10)
json.dump(c, open(sys.argv[2], "w"))
PY
args=(pretrain --config "$tmp/cfg.json" --data "$tmp/k/w/pretrain.jsonl" -t 1)
"$SEAL" "${args[@]}" --out "$tmp/one" >"$tmp/one.log" 2>&1 || fail "pretrain: $(tail -3 "$tmp/one.log")"
mkdir "$tmp/par"
for n in 2 3; do
  mpi $n "$SEAL" "${args[@]}" --out "$tmp/par/np$n" >"$tmp/np$n.log" 2>&1 || fail "pretrain -np $n: $(tail -5 "$tmp/np$n.log")"
done
[ "$(ls -A "$tmp/par")" = "$(printf 'np2\nnp3')" ] || fail "stray files beside --out: $(ls -A "$tmp/par")"
grep -c '"loss"' "$tmp/one/pretrain_log.jsonl" | grep -qx 40 || fail "pretrain: not 40 steps logged"
$py "$here/close_curves.py" pretrain_log.jsonl "$tmp/one" "$tmp/par/np2" "$tmp/par/np3" ||
  fail "data-parallel pretraining curve outside the tolerance"
$py "$here/close_adapters.py" "$tmp/one" "$tmp/par/np2" "$tmp/one" "$tmp/par/np3" || fail "data-parallel pretrained model"
# killed after step 25 on 2 ranks (last checkpoint: 20), resumed on 2: the bits of the uninterrupted run
SEAL_TEST_KILL_AT_STEP=25 mpi 2 -x SEAL_TEST_KILL_AT_STEP "$SEAL" "${args[@]}" --out "$tmp/kill" >"$tmp/kill.kill" 2>&1 &&
  fail "the kill hook did not fire"
[ -d "$tmp/kill/checkpoint" ] && [ ! -f "$tmp/kill/model.safetensors" ] || fail "after the kill: $(ls "$tmp/kill")"
# another rank count: refused, naming it
mpi 3 "$SEAL" "${args[@]}" --out "$tmp/kill" >"$tmp/k3.out" 2>&1 && fail "a resume under 3 ranks of a 2-rank run was accepted"
grep -q "ranks 2 -> 3" "$tmp/k3.out" || fail "changed rank count: not named: $(tail -5 "$tmp/k3.out")"
mpi 2 "$SEAL" "${args[@]}" --out "$tmp/kill" >"$tmp/k.out" 2>&1 || fail "resume -np 2: $(tail -5 "$tmp/k.out")"
grep -q "resuming at step 20" "$tmp/k.out" || fail "did not resume from step 20: $(head -5 "$tmp/k.out")"
cmp -s "$tmp/par/np2/model.safetensors" "$tmp/kill/model.safetensors" || fail "resumed 2-rank run differs from the uninterrupted one"
[ $fails -eq 0 ]
