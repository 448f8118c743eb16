#!/usr/bin/env bash
# stories260K (real trained weights, converted to HF layout): seal score on
# BOS + karpathy's 20 greedy ids matches the float64 oracle to 1e-4, and the
# oracle's argmax reproduces those ids. See tests/oracle/README.md.
set -u
. "$(dirname "$0")/../lib.sh"
src=$SEAL_ROOT/../shared/data/stories260K/stories260K.bin
need_shared data/stories260K/stories260K.bin
need_seal "seal binary not found ($SEAL)"
need_torch
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_stories260k.py" "$SEAL" "$src" "$tmp"
