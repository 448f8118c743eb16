#!/usr/bin/env bash
# Training parity with PyTorch autograd (float64): LoRA and full gradients, and
# 10 AdamW steps with cosine schedule, warmup, weight decay and clipping.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal "seal binary not found ($SEAL)"
need_torch
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_train_oracle.py" "$SEAL" "$tmp"
