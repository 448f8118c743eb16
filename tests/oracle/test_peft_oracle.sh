#!/usr/bin/env bash
# PEFT LoRA adapters against a float64 oracle that applies the adapter from
# the files alone: `seal score --adapter`, `seal merge` (merged tensors and
# merged scores), and refusal of adapters seal cannot apply. 4 random tiny
# models (Llama/Qwen2, F32/BF16, sharded; q_proj+v_proj or all seven
# targets; rsLoRA on and off). See run_peft_oracle.py.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal "seal binary not found ($SEAL)"
need_torch
"$SEAL" merge --help >/dev/null 2>&1 || { echo "FAIL: \`$SEAL merge\` is not available"; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/run_peft_oracle.py" "$SEAL" "$tmp"
