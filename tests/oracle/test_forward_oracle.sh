#!/usr/bin/env bash
# Forward pass against the float64 PyTorch oracle on 7 random tiny HF models
# (Llama / Qwen2; tied/untied; llama3 rope_scaling; GQA 1/2/4/6; biases;
# explicit head_dim; F32/BF16/F16; sharded). See tests/oracle/README.md.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal "seal binary not found ($SEAL)"
need_torch
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_forward_oracle.py" "$SEAL" "$tmp"
