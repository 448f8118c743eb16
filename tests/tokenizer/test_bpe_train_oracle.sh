#!/usr/bin/env bash
# seal tokenizer train against HF tokenizers (the @huggingface/tokenizers JS port):
# train a 1000-id byte-level BPE on ~400 KB of generated JSONL, then on ~1,270
# test strings (unseen generated text, training documents, gen_corpus.mjs edge cases):
#   1. seal tokenize ids == the JS tokenizer's ids, line for line, for both
#      pre-tokenizers (qwen2, space-after);
#   2. the JS tokenizer decodes its ids back to the exact input (and seal
#      detokenize gives the JS decode);
#   3. the written vocab has exactly 1000 ids, <|endoftext|> = 999 and is eos;
#   4. training twice writes byte-identical files; CLI errors are clean.
# Skips when node or the npm package (npm install in tests/tokenizer) is missing.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${SEAL_ROOT:-$(cd "$HERE/../.." && pwd)}
SEAL=${SEAL:-$ROOT/build/seal}
cd "$HERE"
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
[ -d node_modules/@huggingface/tokenizers ] ||
  { echo "SKIP: node_modules/@huggingface/tokenizers missing (cd tests/tokenizer && npm install)"; exit 77; }
[ -x "$SEAL" ] || { echo "FAIL: $SEAL not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

node gen_train_corpus.mjs jsonl 400000 > "$tmp/train.jsonl" || { echo "FAIL: corpus generator"; exit 1; }
t0=$(date +%s.%N)
"$SEAL" tokenizer train --data "$tmp/train.jsonl" --vocab-size 1000 --out "$tmp/tok" 2> "$tmp/train.log" ||
  { cat "$tmp/train.log"; echo "FAIL: seal tokenizer train"; exit 1; }
t1=$(date +%s.%N)
cat "$tmp/train.log"
echo "trained in $(awk "BEGIN{printf \"%.2f\", $t1 - $t0}") s on $(wc -c < "$tmp/train.jsonl") bytes"

# Test strings: unseen generated text + edge cases, 100 training documents, gen_corpus.mjs edge cases.
{
  node gen_train_corpus.mjs test 300
  head -n 100 "$tmp/train.jsonl" | node -e 'const l=require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean);
    for (const x of l) console.log(JSON.stringify(JSON.parse(x).text));'
  node gen_corpus.mjs 300
} > "$tmp/strings.jsonl" || { echo "FAIL: test strings"; exit 1; }
echo "test strings: $(wc -l < "$tmp/strings.jsonl")"

# Both pre-tokenizers: encode and decode as HF tokenizers does.
"$SEAL" tokenizer train --data "$tmp/train.jsonl" --vocab-size 1000 --pre-tokenizer space-after --out "$tmp/tok-sa" --quiet ||
  { echo "FAIL: seal tokenizer train --pre-tokenizer space-after"; exit 1; }
for style in tok tok-sa; do
  node oracle.mjs all "$tmp/$style" "$tmp/strings.jsonl" "$tmp/js" || { echo "FAIL: oracle could not load the $style tokenizer"; exit 1; }
  if "$SEAL" tokenize -m "$tmp/$style" --jsonl < "$tmp/strings.jsonl" > "$tmp/seal.ids"; then
    node oracle.mjs compare "$style encode" "$tmp/strings.jsonl" "$tmp/js.ids" "$tmp/seal.ids" || fail=1
  else
    echo "FAIL: seal tokenize ($style)"; fail=1
  fi
  node oracle.mjs roundtrip "$style (JS decode)" "$tmp/strings.jsonl" "$tmp/js.dec" || fail=1
  if "$SEAL" detokenize -m "$tmp/$style" --jsonl < "$tmp/js.ids" > "$tmp/seal.dec"; then
    node oracle.mjs compare "$style decode" "$tmp/strings.jsonl" "$tmp/js.dec" "$tmp/seal.dec" || fail=1
  else
    echo "FAIL: seal detokenize ($style)"; fail=1
  fi
done
# Space-after: a word has the same ids after a space as at the start of a line
# (under qwen2 it does not: the check can fail).
for style in tok tok-sa; do
  ids=$(printf '%s\n' '"water"' '"sun and water."' '"Answer:\nwater"' | "$SEAL" tokenize -m "$tmp/$style" --jsonl) ||
    { echo "FAIL: seal tokenize ($style)"; fail=1; }
  same=$(/usr/bin/python3 -c '
import json, sys
w, a, b = [json.loads(l) for l in sys.argv[1].splitlines()]
print(int(a[-1 - len(w):-1] == w and b[-len(w):] == w))' "$ids")
  want=$([ $style = tok-sa ] && echo 1 || echo 0)
  [ "$same" = "$want" ] || { echo "FAIL: $style: \"water\" has the same ids after a space and a line break: $same, want $want"; fail=1; }
done
/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
sys.exit(0 if p.startswith("(?i:\x27s|\x27t|\x27re|\x27ve|\x27m|\x27ll|\x27d) ?|\\p{L}+ ?|") else "FAIL: tokenizer.json regex " + p)
' "$tmp/tok-sa/tokenizer.json" || fail=1

# Vocab size, special token, compression sanity, all through the JS loader.
node --input-type=module -e '
import { Tokenizer } from "@huggingface/tokenizers";
import { readFileSync } from "node:fs";
const dir = process.argv[1];
const j = JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8"));
const cfg = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8"));
const tok = new Tokenizer(j, cfg);
const nv = Object.keys(j.model.vocab).length, eos = j.added_tokens[0];
const bad = [];
if (nv + j.added_tokens.length !== 1000) bad.push(`vocab ${nv} + ${j.added_tokens.length} added != 1000`);
if (eos.content !== "<|endoftext|>" || eos.id !== 999) bad.push(`added token ${JSON.stringify(eos)}`);
if (cfg.eos_token !== "<|endoftext|>" || cfg.added_tokens_decoder["999"]?.content !== "<|endoftext|>") bad.push("config eos");
if (j.model.merges.length !== 1000 - 256 - 1) bad.push(`${j.model.merges.length} merges`);
const ids = tok.encode("Hello<|endoftext|>").ids;
if (ids[ids.length - 1] !== 999) bad.push(`special not matched: ${ids}`);
if (bad.length) { console.log("FAIL: " + bad.join("; ")); process.exit(1); }
console.log("vocab: 1000 ids (743 merges), <|endoftext|> = 999");
' "$tmp/tok" || fail=1
got=$(printf 'the cat<|endoftext|>' | "$SEAL" tokenize -m "$tmp/tok" | awk '{print $NF}')
[ "$got" = 999 ] || { echo "FAIL: seal did not map <|endoftext|> to 999 (got $got)"; fail=1; }

# Determinism: the same input gives byte-identical files.
"$SEAL" tokenizer train --data "$tmp/train.jsonl" --vocab-size 1000 --out "$tmp/tok2" --quiet || { echo "FAIL: second train"; fail=1; }
for f in tokenizer.json tokenizer_config.json; do
  cmp -s "$tmp/tok/$f" "$tmp/tok2/$f" || { echo "FAIL: $f differs between two identical runs"; fail=1; }
done

# CLI errors.
err=$("$SEAL" tokenizer train --data "$tmp/nope.txt" --vocab-size 1000 --out "$tmp/x" 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == "seal: $tmp/nope.txt: cannot open"* ]]; } || { echo "FAIL: missing file: rc=$rc '$err'"; fail=1; }
err=$("$SEAL" tokenizer train --data "$tmp/train.jsonl" --vocab-size 200 --out "$tmp/x" 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == *"vocab size 200"*"at least 257"* ]]; } || { echo "FAIL: small vocab: rc=$rc '$err'"; fail=1; }
: > "$tmp/empty.txt"
err=$("$SEAL" tokenizer train --data "$tmp/empty.txt" --vocab-size 1000 --out "$tmp/x" 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == *"empty.txt: empty file"* ]]; } || { echo "FAIL: empty file: rc=$rc '$err'"; fail=1; }
printf '{"text": "ok"}\n{"txt": 1}\n' > "$tmp/bad.jsonl"
err=$("$SEAL" tokenizer train --data "$tmp/bad.jsonl" --vocab-size 1000 --out "$tmp/x" 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == *"bad.jsonl line 2: expected an object with a string \"text\""* ]]; } ||
  { echo "FAIL: bad jsonl: rc=$rc '$err'"; fail=1; }
err=$("$SEAL" tokenizer train --data "$tmp/train.jsonl" --vocab-size 1000 --pre-tokenizer gpt5 --out "$tmp/x" 2>&1); rc=$?
{ [ $rc = 2 ] && [[ "$err" == *'--pre-tokenizer: "gpt5" is not qwen2 or space-after'* ]]; } ||
  { echo "FAIL: bad --pre-tokenizer: rc=$rc '$err'"; fail=1; }
"$SEAL" tokenizer train --vocab-size 1000 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || { echo "FAIL: missing --data/--out should be a usage error, rc=$rc"; fail=1; }
"$SEAL" tokenizer train --help | grep -q "usage: seal tokenizer train" || { echo "FAIL: --help"; fail=1; }
[ -e "$tmp/x" ] && { echo "FAIL: a failed run created its output directory"; fail=1; }

[ $fail = 0 ] && echo "PASS: trained tokenizer oracle"
exit $fail
