#!/usr/bin/env bash
# --model-transfer (docs/scale-out.md), on the tiny world model over 3 ranks:
# a ReST-EM round whose other ranks get round 1's merged model from rank 0
# (broadcast, in 4 KiB messages so that a file takes many) ends with results.json
# byte-identical to one process's and leaves no rank-local copy behind; with
# the test hook SEAL_TEST_UNSHARED_RUN=1 (every rank but 0 sees other weights
# in the run directory, as on a machine without the shared filesystem) auto
# falls back to the broadcast, says so once per rank, and ends with the same
# results, while shared fails naming the rank and the filesystem; continual's
# adapters (read by the ranks for step 2 on) take the same fallback.
set -u
. "$(dirname "$0")/mpi_lib.sh"
. "$SEAL_ROOT/tests/cli/tiny_world_model.sh"
tiny_world_model "$tmp" 48 96 60 8 128 10
rl=(knowledge rl -m "$tmp/m" --eval "$tmp/w/eval.json" --train "$tmp/w/train.json" --eval-passages 3
    --passages-per-round 3 --rounds 1 -k 2 --reps 2 --inner-epochs 2 --max-edit-tokens 32 --answer-tokens 8
    --sft-accum 2 --threads 1 --quiet)
mkdir -p "$tmp/rtmp"
export TMPDIR=$tmp/rtmp SEAL_TEST_FETCH_CHUNK=4096
env_x=(-x TMPDIR -x SEAL_TEST_FETCH_CHUNK)
"$SEAL" "${rl[@]}" --run "$tmp/rl1" >"$tmp/rl1.out" 2>&1 || fail "rl: $(tail -3 "$tmp/rl1.out")"
grep -q '"model_transfer"' "$tmp/rl1/config.json" && fail "--model-transfer recorded in config.json"

# 1. broadcast: the same results, no copy left in $TMPDIR
mpi 3 "${env_x[@]}" "$SEAL" "${rl[@]}" --model-transfer broadcast --run "$tmp/bc" >"$tmp/bc.out" 2>&1 ||
  fail "rl -np 3 broadcast: $(tail -5 "$tmp/bc.out")"
same_results "$tmp/rl1" "$tmp/bc" "rl -np 3 --model-transfer broadcast"
[ -z "$(ls -A "$tmp/rtmp")" ] || fail "broadcast: left in \$TMPDIR: $(ls "$tmp/rtmp")"

# 2. the hook: auto falls back (and says so once per rank), shared fails naming the rank
export SEAL_TEST_UNSHARED_RUN=1
env_x+=(-x SEAL_TEST_UNSHARED_RUN)
mpi 3 "${env_x[@]}" "$SEAL" "${rl[@]}" --run "$tmp/au" >"$tmp/au.out" 2>&1 || fail "rl -np 3 auto: $(tail -5 "$tmp/au.out")"
same_results "$tmp/rl1" "$tmp/au" "rl -np 3 --model-transfer auto, unshared"
n=$(grep -c "round-1/model holds other weights .*reading it from rank 0 instead" "$tmp/au.out")
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "auto, unshared: $n notes of the fallback (want 1 per rank that loaded it): $(head -5 "$tmp/au.out")"
[ -z "$(ls -A "$tmp/rtmp")" ] || fail "auto: left in \$TMPDIR: $(ls "$tmp/rtmp")"
timeout 300 bash -c "$(declare -f mpi); mpi 3 ${env_x[*]} '$SEAL' ${rl[*]} --model-transfer shared --run '$tmp/sh'" \
    >"$tmp/sh.out" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "shared, unshared: exit $rc (124: hung)"
grep -q "(rank [12]): .*round-1/model holds other weights (.*) than rank 0 wrote (.*): the run directory must be on a filesystem every rank shares" \
    "$tmp/sh.out" || fail "shared, unshared: no message naming the rank and the filesystem: $(tail -3 "$tmp/sh.out")"

# 3. continual: the ranks read the adapters of earlier steps rank 0 saved
tiny_world_model "$tmp/c" 32 64 5 4 64 1
cont=(knowledge continual -m "$tmp/c/m" --eval "$tmp/c/w/eval.json" --passages 3 --orders 2 --max-edit-tokens 24
      --answer-tokens 8 --inner-epochs 2 --threads 1 --quiet)
unset SEAL_TEST_UNSHARED_RUN
"$SEAL" "${cont[@]}" --run "$tmp/o1" >"$tmp/o1.out" 2>&1 || fail "continual: $(tail -3 "$tmp/o1.out")"
export SEAL_TEST_UNSHARED_RUN=1
mpi 3 "${env_x[@]}" "$SEAL" "${cont[@]}" --run "$tmp/o3" >"$tmp/o3.out" 2>&1 || fail "continual -np 3 auto: $(tail -5 "$tmp/o3.out")"
same_results "$tmp/o1" "$tmp/o3" "continual -np 3 --model-transfer auto, unshared"
grep -q "adapter holds other adapter values .*reading it from rank 0 instead" "$tmp/o3.out" ||
  fail "continual, unshared: the ranks never fell back: $(head -3 "$tmp/o3.out")"
[ -z "$(ls -A "$tmp/rtmp")" ] || fail "continual: left in \$TMPDIR: $(ls "$tmp/rtmp")"
[ $fails -eq 0 ]
