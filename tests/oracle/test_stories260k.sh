#!/usr/bin/env bash
# stories260K (real trained weights, converted to HF layout): seal score on
# BOS + karpathy's 20 greedy ids matches the float64 oracle to 1e-4, and the
# oracle's argmax reproduces those ids. See tests/oracle/README.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${SEAL_ROOT:-$(cd "$here/../.." && pwd)}
src=$root/../shared/data/stories260K/stories260K.bin
[ -f "$src" ] || { echo "SKIP: ../shared/data/stories260K/stories260K.bin not found"; exit 77; }
[ -x "${SEAL:-}" ] || { echo "SKIP: seal binary not found (${SEAL:-SEAL unset})"; exit 77; }
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null ||
    { echo "SKIP: /usr/bin/python3 cannot import torch (apt-get install python3-torch)"; exit 77; }
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_stories260k.py" "$SEAL" "$src" "$tmp"
