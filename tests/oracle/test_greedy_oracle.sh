#!/usr/bin/env bash
# Greedy generation equals the float64 oracle's greedy continuation (32 tokens)
# on random tiny models; stories260K from BOS gives karpathy's reference ids
# (that part only when ../shared/data is present).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${SEAL_ROOT:-$(cd "$here/../.." && pwd)}
[ -x "${SEAL:-}" ] || { echo "SKIP: seal binary not found (${SEAL:-SEAL unset})"; exit 77; }
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null ||
    { echo "SKIP: /usr/bin/python3 cannot import torch (apt-get install python3-torch)"; exit 77; }
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
stories=$root/../shared/data/stories260K/stories260K.bin
if [ -f "$stories" ]; then
  /usr/bin/python3 "$here/run_greedy_oracle.py" "$SEAL" "$tmp" "$stories"
else
  echo "note: ../shared/data/stories260K/stories260K.bin not found: stories260K greedy check skipped"
  /usr/bin/python3 "$here/run_greedy_oracle.py" "$SEAL" "$tmp"
fi
