#!/usr/bin/env bash
# seal knowledge under mpirun (docs/scale-out.md), on the tiny world model:
# eval and a ReST-EM round over 3 ranks end with results.json byte-identical to
# the single-process run's (each inner loop's randomness is keyed by the loop,
# never by the rank); a rank killed by SIGKILL ends the job with a message
# naming it, and rerunning with 2 ranks, or without MPI, resumes from rank 0's
# journal, redoes no finished inner loop and ends with the same results; a
# rank whose inputs fail is named and ends the run; --workers N > 1 is refused
# under MPI.
set -u
. "$(dirname "$0")/mpi_lib.sh"
. "$SEAL_ROOT/tests/cli/tiny_world_model.sh"
tiny_world_model "$tmp" 48 96 60 8 128 10
ev=(knowledge eval -m "$tmp/m" --eval "$tmp/w/eval.json" --eval-passages 6 -k 3 --inner-epochs 4 --max-edit-tokens 32
    --answer-tokens 8 --threads 1 --quiet)

# 1. eval: one process, then 3 ranks
"$SEAL" "${ev[@]}" --run "$tmp/one" >"$tmp/one.out" 2>&1 || fail "eval: $(tail -3 "$tmp/one.out")"
mpi 3 "$SEAL" "${ev[@]}" --run "$tmp/three" >"$tmp/three.out" 2>&1 || fail "eval -np 3: $(tail -5 "$tmp/three.out")"
same_results "$tmp/one" "$tmp/three" "eval -np 3"
total=$(wc -l <"$tmp/one/inner.jsonl")
[ "$(wc -l <"$tmp/three/inner.jsonl")" -eq "$total" ] || fail "eval -np 3: not every inner loop journaled once"

# 2. rl (a ReST-EM round: the other ranks load round 1's merged model from the run directory)
rl=(knowledge rl -m "$tmp/m" --eval "$tmp/w/eval.json" --train "$tmp/w/train.json" --eval-passages 3
    --passages-per-round 3 --rounds 1 -k 2 --reps 2 --inner-epochs 2 --max-edit-tokens 32 --answer-tokens 8
    --sft-accum 2 --threads 1 --quiet)
"$SEAL" "${rl[@]}" --run "$tmp/rl1" >"$tmp/rl1.out" 2>&1 || fail "rl: $(tail -3 "$tmp/rl1.out")"
mpi 3 "$SEAL" "${rl[@]}" --run "$tmp/rl3" >"$tmp/rl3.out" 2>&1 || fail "rl -np 3: $(tail -5 "$tmp/rl3.out")"
same_results "$tmp/rl1" "$tmp/rl3" "rl -np 3"
cmp -s "$tmp/rl1/round-1/model/model.safetensors" "$tmp/rl3/round-1/model/model.safetensors" ||
  fail "rl -np 3: round 1's merged model differs"

# 3. SIGKILL rank R after it sent 2 results; then resume (with 2 ranks, or without MPI)
killed() { # dir rank
  SEAL_TEST_SIGKILL_RANK=$2 SEAL_TEST_SIGKILL_AFTER=2 mpi 3 -x SEAL_TEST_SIGKILL_RANK -x SEAL_TEST_SIGKILL_AFTER \
      "$SEAL" "${ev[@]}" --run "$1" >"$1.kill" 2>&1 && fail "killed rank $2: the job exited 0"
  grep -q "rank $2 .*signal 9" "$1.kill" || fail "killed rank $2: no message naming it: $(tail -5 "$1.kill")"
  local n; n=$(wc -l <"$1/inner.jsonl")
  [ "$n" -ge 2 ] && [ "$n" -lt "$total" ] || fail "killed rank $2: $n of $total inner loops journaled (want 2 .. $((total - 1)))"
}
killed "$tmp/k1" 1
mpi 2 "$SEAL" "${ev[@]}" --run "$tmp/k1" >"$tmp/k1.out" 2>&1 || fail "resume -np 2: $(tail -5 "$tmp/k1.out")"
same_results "$tmp/one" "$tmp/k1" "killed, resumed with 2 ranks"
unique_keys "$tmp/k1/inner.jsonl" "killed, resumed with 2 ranks"
killed "$tmp/k2" 2
"$SEAL" "${ev[@]}" --run "$tmp/k2" >"$tmp/k2.out" 2>&1 || fail "resume without MPI: $(tail -5 "$tmp/k2.out")"
same_results "$tmp/one" "$tmp/k2" "killed, resumed without MPI"
unique_keys "$tmp/k2/inner.jsonl" "killed, resumed without MPI"

# 4. refusals
mpi 2 "$SEAL" "${ev[@]}" --run "$tmp/w2" --workers 2 >"$tmp/w2.out" 2>&1 && fail "--workers 2 under MPI accepted"
grep -q "use more ranks" "$tmp/w2.out" || fail "--workers 2 under MPI: $(tail -3 "$tmp/w2.out")"
# a rank whose inputs fail (here its own -m, through mpirun's MPMD form) ends the run naming it, no hang
bad=("${ev[@]}"); bad[3]=$tmp/no-such-model
timeout 120 bash -c "$(declare -f mpi); mpi 1 '$SEAL' ${ev[*]} --run '$tmp/lv' : -np 1 '$SEAL' ${bad[*]} --run '$tmp/lv'" \
    >"$tmp/lv.out" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a rank that cannot load its inputs: exit $rc (124: hung)"
grep -q "rank 1: cannot load the inputs: .*no-such-model" "$tmp/lv.out" || fail "the failing rank not named: $(head -3 "$tmp/lv.out")"
[ $fails -eq 0 ]
