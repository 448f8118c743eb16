#!/usr/bin/env bash
# Greedy generation equals the float64 oracle's greedy continuation (32 tokens)
# on random tiny models; stories260K from BOS gives karpathy's reference ids
# (that part only when ../shared/data is present).
set -u
. "$(dirname "$0")/../lib.sh"
root=$SEAL_ROOT
need_seal "seal binary not found ($SEAL)"
need_torch
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
stories=$root/../shared/data/stories260K/stories260K.bin
if [ -f "$stories" ]; then
  /usr/bin/python3 "$here/run_greedy_oracle.py" "$SEAL" "$tmp" "$stories"
else
  echo "note: ../shared/data/stories260K/stories260K.bin not found: stories260K greedy check skipped"
  /usr/bin/python3 "$here/run_greedy_oracle.py" "$SEAL" "$tmp"
fi
