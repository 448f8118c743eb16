#!/usr/bin/env bash
# rt/farm.h's seal_farm_fetch_dir over 2 ranks (tests/unit/test_farm_fetch.c):
# files of 0, 1, chunk-1, chunk, chunk+1 and 3 chunks + 7 bytes arrive intact in
# 1000-byte and in 7-byte messages, no
# subdirectory travels, and a directory rank 0 lacks fails naming it without
# leaving a message behind for the next fetch.
set -u
. "$(dirname "$0")/mpi_lib.sh"
t=$BUILD/tests/test_farm_fetch
[ -x "$t" ] || skip "$t not built (make $t)"
for c in 1000 7; do
  mkdir -p "$tmp/c$c"
  SEAL_TEST_FETCH_CHUNK=$c mpi 2 -x SEAL_TEST_FETCH_CHUNK "$t" "$tmp/c$c" >"$tmp/out$c" 2>&1 ||
    fail "chunk $c: $(tail -5 "$tmp/out$c")"
done
[ $fails -eq 0 ]
