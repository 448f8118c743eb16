# tests/cli/tiny_world_model.sh: sourced by the knowledge tests (not a test itself).
# tiny_world_model DIR HIDDEN FFN STEPS BATCH SEQ_LEN WARMUP: a small world of
# seed 3 (DIR/w: 150 memorized people, 300 drills, 8 train + 6 eval passages), a
# 500-id BPE on it (DIR/tok) and a 2-layer Llama pretrained on it for STEPS
# steps (DIR/m). Needs $SEAL and a fail() function.
tiny_world_model() {
  local d=$1 hidden=$2 ffn=$3 steps=$4 batch=$5 seq=$6 warmup=$7
  "$SEAL" world knowledge --seed 3 --out "$d/w" --people 150 --drill 300 --docs-per-person 12 --train 8 --eval 6 \
      >/dev/null 2>&1 || fail world
  "$SEAL" tokenizer train --data "$d/w/pretrain.jsonl" --vocab-size 500 --out "$d/tok" --quiet >/dev/null 2>&1 ||
      fail tokenizer
  cat >"$d/cfg.json" <<JSON
{"tokenizer": "tok",
 "model": {"hidden_size": $hidden, "intermediate_size": $ffn, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 512, "tie_word_embeddings": true},
 "train": {"steps": $steps, "batch_size": $batch, "seq_len": $seq, "lr": 3e-3, "warmup_steps": $warmup,
           "eval_every": $steps, "checkpoint_every": 0, "seed": 7}}
JSON
  "$SEAL" pretrain --config "$d/cfg.json" --data "$d/w/pretrain.jsonl" --out "$d/m" >/dev/null 2>&1 || fail pretrain
}
