#!/usr/bin/env bash
# The one-rank stub (src/rt/rank.c without SEAL_HAVE_MPI, what a build without
# libopenmpi-dev compiles): a plain start is rank 0 of 1; started by a launcher
# as one of several ranks it refuses, naming how to get MPI support, instead of
# letting N copies write one run directory. And the MPI build started without
# mpirun is one process that never initializes MPI.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
command -v cc >/dev/null || skip "no C compiler"
use_tmp
cat >"$tmp/main.c" <<'EOF2'
#include <stdio.h>
#include "rt/rank.h"
#include "util/err.h"
int main(int argc, char **argv) {
    if (seal_rank_init(&argc, &argv)) { printf("refused: %s\n", seal_errmsg()); return 3; }
    printf("rank %d of %d; %s\n", seal_rank(), seal_rank_size(), seal_rank_support());
    float x[2] = {1.5f, 2};
    if (seal_rank_sum_f32(x, 2) || x[0] != 1.5f) return 4; /* one rank: the sum is the value */
    seal_rank_finalize();
    return 0;
}
EOF2
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$SEAL_ROOT/src" -o "$tmp/stub" "$tmp/main.c" \
    "$SEAL_ROOT/src/rt/rank.c" "$SEAL_ROOT/src/util/err.c" -lm -lpthread 2>"$tmp/cc.err" ||
  { fail "the stub does not build: $(head -5 "$tmp/cc.err")"; exit 1; }
out=$(env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK "$tmp/stub") || fail "plain start: exit $?"
[ "$out" = "rank 0 of 1; no MPI (install libopenmpi-dev and rebuild for it)" ] || fail "plain start: $out"
out=$(OMPI_COMM_WORLD_SIZE=3 "$tmp/stub"); rc=$?
[ $rc -eq 3 ] || fail "launched as 1 of 3 ranks: exit $rc, want the refusal (3)"
echo "$out" | grep -q "built without MPI, but it was launched as one of 3 ranks: install OpenMPI" ||
  fail "refusal does not say how to get MPI: $out"
echo "$out" | grep -q "libopenmpi-dev" || fail "refusal does not name libopenmpi-dev: $out"
# the real build without a launcher: one process, no MPI_Init (fast, no orted)
env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK timeout 10 "$SEAL" --version >/dev/null ||
  fail "$SEAL --version without mpirun"
[ $fails -eq 0 ]
