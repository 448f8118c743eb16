#!/usr/bin/env bash
# seal sandbox arc-headroom under mpirun (docs/scale-out.md): its (config,
# puzzle) jobs are farmed as seal arc's pairs are, so 2 ranks end with
# headroom.json and every journaled job byte-identical to one process's
# (a tiny ARC world, a random-weight micro model of its tokenizer).
set -u
. "$(dirname "$0")/mpi_lib.sh"
. "$SEAL_ROOT/tests/sandbox/arc_world_model.sh"
arc_world_model "$tmp" || exit 1
args=(sandbox arc-headroom --world "$tmp/w" -m "$tmp/m" --puzzles 2 --tools none,s --lrs 1e-3 --epochs 1 --ttt-cap 2
      --max-answer-tokens 4 --max-len 4096 -t 1 --quiet)
"$SEAL" "${args[@]}" --run "$tmp/one" >"$tmp/one.out" 2>&1 || fail "arc-headroom: $(tail -3 "$tmp/one.out")"
mpi 2 "$SEAL" "${args[@]}" --run "$tmp/two" >"$tmp/two.out" 2>&1 || fail "arc-headroom -np 2: $(tail -5 "$tmp/two.out")"
cmp -s "$tmp/one/headroom.json" "$tmp/two/headroom.json" || fail "arc-headroom -np 2: headroom.json differs"
cmp -s <(sort "$tmp/one/ttt.jsonl") <(sort "$tmp/two/ttt.jsonl") || fail "arc-headroom -np 2: ttt.jsonl records differ"
unique_keys "$tmp/two/ttt.jsonl" "arc-headroom -np 2"
[ $fails -eq 0 ]
