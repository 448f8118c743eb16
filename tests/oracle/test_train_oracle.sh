#!/usr/bin/env bash
# Training parity with PyTorch autograd (float64): LoRA and full gradients, and
# 10 AdamW steps with cosine schedule, warmup, weight decay and clipping.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ -x "${SEAL:-}" ] || { echo "SKIP: seal binary not found (${SEAL:-SEAL unset})"; exit 77; }
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null ||
    { echo "SKIP: /usr/bin/python3 cannot import torch (apt-get install python3-torch)"; exit 77; }
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_train_oracle.py" "$SEAL" "$tmp"
