#!/usr/bin/env bash
# The shipped sandbox model (models/tiny-knowledge, or $TINY_MODEL):
#   1. a Hugging Face LlamaForCausalLM directory of at most 40 MB with the five files;
#   2. seal score matches the float64 PyTorch oracle (tests/oracle/hfmodel.py) to
#      1e-4 on text of its world (a SEAL implications prompt on a held-out
#      passage, an answer prompt, a pretraining document);
#   3. seal's tokenizer gives @huggingface/tokenizers' ids on the world's text
#      (every held-out passage, question and answer of seed 1, 300 pretraining
#      documents).
# Parts 2 and 3 skip their half when torch or node are missing; the whole test
# skips when the model has not been built (make tiny-models).
set -u
. "$(dirname "$0")/../lib.sh"
root=$SEAL_ROOT
model=${TINY_MODEL:-$root/models/tiny-knowledge}
[ -f "$model/model.safetensors" ] || skip "$model has no model.safetensors (make tiny-models)"
need_seal "seal binary not found ($SEAL)"
py=/usr/bin/python3
use_tmp

# 1. the directory
for f in config.json model.safetensors tokenizer.json tokenizer_config.json generation_config.json; do
  [ -f "$model/$f" ] || fail "missing $f"
done
bytes=$(cat "$model"/*.json "$model"/*.safetensors | wc -c)
[ "$bytes" -le 41943040 ] || fail "model directory holds $bytes bytes (> 40 MB)"
$py - "$model/config.json" <<'PY' || fail "config.json is not a LlamaForCausalLM config"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["architectures"] == ["LlamaForCausalLM"] and c["model_type"] == "llama", c
for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
          "vocab_size", "rms_norm_eps", "rope_theta", "max_position_embeddings", "tie_word_embeddings", "torch_dtype"):
    assert k in c, k
PY

# The world's text: seed 1's held-out passages (the same as the model's world) and pretraining documents.
"$SEAL" world knowledge --seed 1 --out "$tmp/w" --drill 300 --docs-per-person 2 --background-docs 100 >/dev/null ||
  fail "world"
$py - "$tmp/w" >"$tmp/strings.jsonl" <<'PY'
import json, sys
d = sys.argv[1]
for p in json.load(open(d + "/eval.json")) + json.load(open(d + "/train.json")):
    print(json.dumps(p["title"] + "\n" + p["context"]))
    for q in p["questions"]:
        print(json.dumps(q["question"])); print(json.dumps(q["answer"]))
for i, l in enumerate(open(d + "/pretrain.jsonl")):
    if i >= 300: break
    print(json.dumps(json.loads(l)["text"]))
PY

# 2. score against the oracle
if $py -c 'import torch' 2>/dev/null; then
  $py - "$tmp/w" >"$tmp/score.jsonl" <<'PY'
import json, sys
d = sys.argv[1]
p = json.load(open(d + "/eval.json"))[0]
impl = ("Let's read the following passage and produce a list of implications derived directly or indirectly "
        "from the content.\n\nPassage:\n" + p["title"] + "\n" + p["context"] + "\n\nImplications:\n")
qa = ("Let's answer a question directly and concisely.\nQuestion: Topic: " + p["title"] + "\n"
      + p["questions"][0]["question"] + "\nAnswer:\n" + p["questions"][0]["answer"])
doc = json.loads(open(d + "/pretrain.jsonl").readline())["text"]
for t in (impl, qa, doc):
    print(json.dumps(t))
PY
  "$SEAL" tokenize -m "$model" --jsonl <"$tmp/score.jsonl" >"$tmp/score.ids" || fail "seal tokenize"
  n=0
  while read -r ids; do
    n=$((n+1))
    "$SEAL" score -m "$model" --ids "$(echo "$ids" | tr -d '[]' | tr ',' ' ')" --json >"$tmp/out.json" || { fail "seal score $n"; continue; }
    PYTHONDONTWRITEBYTECODE=1 $py "$root/tests/oracle/check_score.py" "$model" "$ids" "$tmp/out.json" 1e-4 >"$tmp/cmp" ||
      fail "score $n: $(cat "$tmp/cmp")"
    echo "score text $n ($(echo "$ids" | tr ',' '\n' | wc -l) tokens): $(cat "$tmp/cmp")"
  done <"$tmp/score.ids"
else
  echo "(oracle half skipped: /usr/bin/python3 cannot import torch)"
fi

# 3. tokenizer against HF tokenizers
tokdir=$root/tests/tokenizer
if command -v node >/dev/null && [ -d "$tokdir/node_modules/@huggingface/tokenizers" ]; then
  (cd "$tokdir" && node oracle.mjs all "$model" "$tmp/strings.jsonl" "$tmp/js") || fail "JS tokenizer could not load $model"
  "$SEAL" tokenize -m "$model" --jsonl <"$tmp/strings.jsonl" >"$tmp/seal.ids" || fail "seal tokenize"
  (cd "$tokdir" && node oracle.mjs compare "world text" "$tmp/strings.jsonl" "$tmp/js.ids" "$tmp/seal.ids") ||
    fail "tokenizer ids differ from HF tokenizers"
else
  echo "(tokenizer half skipped: node or tests/tokenizer/node_modules missing)"
fi
[ $fails -eq 0 ]
