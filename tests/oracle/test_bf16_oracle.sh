#!/usr/bin/env bash
# The bf16 compute mode (SEAL_COMPUTE=bf16) against its float64 oracle (the
# products' inputs rounded to bf16) and against PyTorch run in bf16, on the
# BF16 models of the forward oracle. See tests/oracle/run_bf16_oracle.py.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal "seal binary not found ($SEAL)"
need_torch
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_bf16_oracle.py" "$SEAL" "$tmp"
