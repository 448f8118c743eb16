#!/usr/bin/env bash
# The output contract of synth, world knowledge and tokenizer train (pretrain's
# is in test_pretrain.sh): an existing non-empty --out is never replaced without
# --force, an input is never written into, the output is written beside --out
# and renamed into place (a failed run leaves neither the output nor a temp
# directory), and temp directories of killed runs are cleaned up.
set -u
[ -x "$SEAL" ] || { echo "SKIP: $SEAL not built"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# refused: exit 1, one line naming --out and --force, the directory untouched
expect_kept() { # dir, command...
  local dir=$1; shift
  local before; before=$(ls -lR --time-style=+%s.%N "$dir" | md5sum)
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  { [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q -- "--out $dir: already exists and is not empty; pass --force to replace it" "$tmp/err"; } ||
    fail "exit $rc: $* : $(cat "$tmp/err")"
  [ "$(ls -lR --time-style=+%s.%N "$dir" | md5sum)" = "$before" ] || fail "$dir was changed by: $*"
}
no_temp_left() { # dir
  ls -A "$1" | grep -q '^\.seal-tmp-' && fail "temp directory left in $1: $(ls -A "$1")"
}

printf 'the cat sat on the mat. the dog sat on the log.\n%.0s' $(seq 50) >"$tmp/corpus.txt"
"$SEAL" tokenizer train --data "$tmp/corpus.txt" --vocab-size 300 --out "$tmp/tok" --quiet || fail "tokenizer train"
"$SEAL" synth --shape micro --dtype f32 --tokenizer "$tmp/tok" --out "$tmp/m" || fail "synth"

# synth: was silently replaced
expect_kept "$tmp/m" "$SEAL" synth --shape micro --seed 9 --out "$tmp/m"
"$SEAL" synth --shape micro --seed 9 --out "$tmp/m" --force || fail "synth --force"
[ -f "$tmp/m/model.safetensors" ] && [ ! -e "$tmp/m/tokenizer.json" ] && [ ! -e "$tmp/m/PARTIAL" ] ||
  fail "synth --force did not replace the directory whole: $(ls "$tmp/m")"
no_temp_left "$tmp"
"$SEAL" synth --shape micro --tokenizer "$tmp/tok" --out "$tmp/tok" --force 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "would write into the input" "$tmp/err" && [ ! -e "$tmp/tok/model.safetensors" ]; } ||
  fail "synth into its tokenizer: rc $rc $(cat "$tmp/err")"

# tokenizer train over a model directory: made the model unusable (its tokenizer replaced by another vocabulary)
"$SEAL" synth --shape micro --dtype f32 --tokenizer "$tmp/tok" --out "$tmp/m2" || fail "synth m2"
printf 'completely different words here, zebra quartz.\n%.0s' $(seq 50) >"$tmp/other.txt"
expect_kept "$tmp/m2" "$SEAL" tokenizer train --data "$tmp/other.txt" --vocab-size 280 --out "$tmp/m2" --quiet
"$SEAL" score -m "$tmp/m2" --text "the cat sat" --json >/dev/null || fail "the model is unusable after a refused tokenizer train"
"$SEAL" tokenizer train --data "$tmp/m2/../other.txt" --vocab-size 280 --out "$tmp" --force --quiet 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "would write into the input" "$tmp/err" && [ -f "$tmp/other.txt" ]; } ||
  fail "tokenizer train over its own data: rc $rc $(cat "$tmp/err")"
"$SEAL" tokenizer train --data "$tmp/other.txt" --vocab-size 280 --out "$tmp/m2" --force --quiet || fail "tokenizer --force"
[ -f "$tmp/m2/tokenizer.json" ] && [ ! -e "$tmp/m2/model.safetensors" ] || fail "tokenizer --force: $(ls "$tmp/m2")"

# world knowledge: was silently replaced
W="$SEAL world knowledge --people 20 --drill 10 --docs-per-person 1 --train 2 --eval 2 --background-docs 10"
$W --seed 1 --out "$tmp/w" >/dev/null || fail "world"
expect_kept "$tmp/w" $W --seed 2 --out "$tmp/w"
$W --seed 2 --out "$tmp/w" --avoid-names "$tmp/w/world.json" --force >/dev/null 2>"$tmp/err"; rc=$?
{ [ $rc -eq 1 ] && grep -q "would write into the input" "$tmp/err"; } || fail "world over its --avoid-names: rc $rc $(cat "$tmp/err")"
$W --seed 2 --out "$tmp/w" --force >/dev/null || fail "world --force"
grep -q '"seed": *2' "$tmp/w/world.json" || fail "world --force did not write seed 2"

# a failed run leaves nothing: no output, no temp directory
"$SEAL" tokenizer train --data "$tmp/corpus.txt" --vocab-size 200 --out "$tmp/fail" --quiet 2>/dev/null && fail "vocab 200 accepted"
[ -e "$tmp/fail" ] && fail "a failed tokenizer train created its output"
no_temp_left "$tmp"

# a killed run's temp directory (its process gone) is removed by the next run writing beside it
mkdir -p "$tmp/.seal-tmp-999999999-dead"; echo x >"$tmp/.seal-tmp-999999999-dead/model.safetensors"
"$SEAL" synth --shape micro --out "$tmp/m3" || fail "synth m3"
[ -e "$tmp/.seal-tmp-999999999-dead" ] && fail "a dead run's temp directory was not removed"
[ $fails -eq 0 ]
