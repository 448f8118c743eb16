#!/usr/bin/env bash
# bench/run.sh BUILD: `make bench`. Measures seal's inference speed and, in the
# same run, the PyTorch anchor (../shared/bench/torch_anchor.py) for the same
# figures, then prints a table seal | PyTorch f32 | PyTorch bf16 | ratio.
# All JSON lines go to bench/out/bench-<date>.jsonl (each tagged "engine"),
# the table to bench/out/bench-<date>.md. See bench/README.md.
#
# Environment: BENCH_REPS (timed repetitions per figure, default 3),
# TORCH_ANCHOR (path of torch_anchor.py), BENCH_NO_ANCHOR=1 (seal only).
# Takes about 6-10 minutes on 2 cores (the first run also writes the ~1 GB model).
set -uo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OUT=bench/out
REPS=${BENCH_REPS:-3}
ANCHOR=${TORCH_ANCHOR:-../shared/bench/torch_anchor.py}
PY=/usr/bin/python3
MODEL=$OUT/qwen2.5-0.5b-bf16
STAMP=$(date +%Y-%m-%d-%H%M%S)
JSONL=$OUT/bench-$STAMP.jsonl
TABLE=$OUT/bench-$STAMP.md
mkdir -p "$OUT"
: >"$JSONL"
load_start=$(cut -d' ' -f1-3 /proc/loadavg) # shared machine: other work skews every figure
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# Keep the JSON lines of a run (stdin), tagged with the engine when untagged.
keep_json() {
  grep '^{' | sed "/\"engine\"/!s/^{/{\"engine\": \"$1\", /" >>"$JSONL"
}

# 1. Kernel microbench (text report; not in the table), when someone built it.
if [ -x "$BUILD/bench/bench_matmul" ]; then
  echo "== bench_matmul (kernel microbench, 2 threads)"
  timeout 300 "$BUILD/bench/bench_matmul" 2 | tee "$tmp"
  keep_json seal <"$tmp"
fi

# 2. seal.
echo "== seal: bench_infer (qwen2.5-0.5b shape, bf16 weights, 2 threads, $REPS reps)"
if ! "$BUILD/bench/bench_infer" --model "$MODEL" --threads 2 --reps "$REPS" | tee "$tmp"; then
  echo "bench: bench_infer failed" >&2
  exit 1
fi
keep_json seal <"$tmp"

# 3. The PyTorch anchor, same figures, same machine, same minutes.
anchor_note="" skip_bf16=""
if [ "${BENCH_NO_ANCHOR:-0}" = 1 ]; then
  anchor_note="PyTorch anchor skipped (BENCH_NO_ANCHOR=1)"
elif [ ! -f "$ANCHOR" ]; then
  anchor_note="PyTorch anchor skipped: $ANCHOR not found"
elif ! "$PY" -c 'import torch' 2>/dev/null; then
  anchor_note="PyTorch anchor skipped: $PY cannot import torch (apt-get install python3-torch)"
else
  # Torch's bf16 model runs fast only through oneDNN's AVX512-BF16 kernels;
  # without them (AVX2-only CPUs) it falls back to a reference path measured at
  # 0.7-2.8 GFLOP/s, and a bf16 prefill alone would take many minutes. The
  # matmul item still times bf16 (under a minute), so the table shows why.
  parts=prefill,decode,bf16
  if ! grep -qw avx512_bf16 /proc/cpuinfo; then
    parts=prefill,decode
    skip_bf16="PyTorch bf16 model figures skipped: this CPU has no AVX512-BF16, where torch bf16 runs a reference path (see its matmul bf16 rows)"
  fi
  echo "== PyTorch anchor: $ANCHOR --blas openblas --items matmul,infer --parts $parts --decode-batches 1,8 --reps $REPS"
  # --blas openblas: a no-op when OpenBLAS is already the system libblas.so.3,
  # else it unpacks Debian's libopenblas0-openmp for the anchor process only.
  "$PY" "$ANCHOR" --blas openblas --items matmul,infer --parts "$parts" --decode-batches 1,8 \
    --reps "$REPS" --reps-mm "$REPS" --budget-s 60 | tee "$tmp"
  [ "${PIPESTATUS[0]}" = 0 ] || anchor_note="PyTorch anchor exited with an error; its figures may be missing"
  keep_json torch <"$tmp"
  if ! grep '"name": "env"' "$tmp" | grep -q openblas; then
    anchor_note="WARNING: the anchor did not load OpenBLAS; its f32 figures are a strawman, do not quote them"
  fi
fi
[ -n "$skip_bf16" ] && anchor_note="${anchor_note:+$anchor_note. }$skip_bf16"
[ -n "$anchor_note" ] && echo "bench: $anchor_note"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# 4. The table.
awk -v note="$anchor_note" -v load="load average (1, 5, 15 min) at start: $load_start; at end: $load_end; on $(nproc) cores" '
function field(line, key,   s) {
  if (!match(line, "\"" key "\": *")) return ""
  s = substr(line, RSTART + RLENGTH)
  if (substr(s, 1, 1) == "\"") { s = substr(s, 2); return substr(s, 1, index(s, "\"") - 1) }
  match(s, /^[^,}]*/)
  s = substr(s, 1, RLENGTH)
  return s == "null" ? "" : s
}
function fmt(x) { if (x == "") return "-"; x += 0; return sprintf(x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x) }
# seal value, torch f32, torch bf16; ratio against the best (max, or min when lower is better)
function row(label, s, f, b, lower,   best) {
  best = f
  if (b != "" && (best == "" || (lower ? b + 0 < best + 0 : b + 0 > best + 0))) best = b
  printf "| %s | %s | %s | %s | %s |\n", label, fmt(s), fmt(f), fmt(b),
         (s == "" || best == "" || best + 0 == 0) ? "-" : sprintf("%.2f", s / best)
}
{
  e = field($0, "engine"); n = field($0, "name"); v = field($0, "value")
  if (e == "seal") { S[n] = v; if (n == "decode_bf16_b1_bandwidth") wb = field($0, "weight_bytes_per_token")
                     if (n == "peak_rss") { wmb = field($0, "weights_mb"); rw = field($0, "rss_over_weights") } }
  if (e == "torch") { T[n] = v; if (n ~ /^prefill_/) R[n] = field($0, "rss_mb"); if (n == "env") { blas = field($0, "blas"); if (match(blas, /[^,]*libblas[^,]*/)) blas = substr(blas, RSTART, RLENGTH) } }
}
END {
  print "| figure | seal (bf16 weights) | PyTorch f32 | PyTorch bf16 | seal / best PyTorch |"
  print "|---|---|---|---|---|"
  row("GEMM 2048x2048x2048 (GFLOP/s)", S["matmul_2048_bf16"], T["matmul_2048_f32"], T["matmul_2048_bf16"])
  row("linear 512 tok x (4864x896) (GFLOP/s)", S["matmul_896x4864_512tok_bf16"], T["matmul_896x4864_512tok_f32"], T["matmul_896x4864_512tok_bf16"])
  row("prefill 512 tok, last logits (tok/s)", S["prefill_bf16"], T["prefill_f32"], T["prefill_bf16"])
  row("decode batch 1 (tok/s)", S["decode_bf16_b1"], T["decode_f32_b1"], T["decode_bf16_b1"])
  row("decode batch 8, aggregate (tok/s)", S["decode_bf16_b8"], T["decode_f32_b8"], T["decode_bf16_b8"])
  tf = (T["decode_f32_b1"] != "" && wb != "") ? T["decode_f32_b1"] * 2 * wb / 1e9 : ""
  tb = (T["decode_bf16_b1"] != "" && wb != "") ? T["decode_bf16_b1"] * wb / 1e9 : ""
  row("decode batch 1, weights streamed (GB/s)", S["decode_bf16_b1_bandwidth"], tf, tb)
  row("memory: peak RSS / RSS after prefill (MB, lower is better)", S["peak_rss"], R["prefill_f32"], R["prefill_bf16"], 1)
  print ""
  printf "seal: 2 threads, bf16 weights mmapped, f32 activations. Weight file %s MB; seal peak RSS / weights = %s.\n", fmt(wmb), fmt(rw)
  if (wb != "") printf "Batch-1 decode reads %.3f GB of weights per token (PyTorch f32: twice that); the machine streams about 34 GB/s.\n", wb / 1e9
  print "PyTorch: torch_anchor.py, 2 threads, BLAS " (blas == "" ? "-" : blas) "; its RSS is the current RSS after the prefill figure (f32 and bf16 model)."
  print "Machine " load "."
  if (note != "") print note
}' "$JSONL" | tee "$TABLE"
echo
echo "bench: raw JSON lines in $JSONL, table in $TABLE"
