#!/usr/bin/env bash
# fuzz.sh SECONDS: build every fuzz/fuzz_*.c as a libFuzzer target (with ASan
# and UBSan) into build-fuzz/, then run each for SECONDS seconds on a small
# seed corpus generated here. Exits nonzero if any target crashes, leaks or
# trips a sanitizer; the reproducer is left in build-fuzz/NAME/crash-*.
#
# A target names the library sources it needs (compiled directly, so that they
# get coverage instrumentation; libseal.a is not used) and its libraries in
# comment lines:   * FUZZ_SOURCES: src/io/a.c src/util/b.c
#                  * FUZZ_LIBS: -ljansson
# Seeds: function seeds_NAME below, if any, writes files into its argument
# directory (and may write a libFuzzer dictionary to $dir.dict).
set -uo pipefail
# shellcheck disable=SC2317,SC2086  # seed functions are called by name; flag lists split on purpose
SECS=${1:-60}
cd "$(dirname "$0")/.." || exit 1
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null; then
  echo "fuzz.sh: $CC not found (install clang, which ships libFuzzer)" >&2
  exit 1
fi
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Isrc -fno-omit-frame-pointer
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# le64 N: N as 8 little-endian bytes (the safetensors header length).
le64() { local i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(( ($1 >> (8 * i)) & 255 )))"; done; }
# st_file PATH HEADER DATA_BYTES: a safetensors file with zero-filled data.
st_file() { { le64 ${#2}; printf '%s' "$2"; head -c "$3" /dev/zero; } > "$1"; }

seeds_fuzz_safetensors() {
  local d=$1
  st_file "$d/two" '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}' 32
  st_file "$d/empty" '{}      ' 0
  st_file "$d/zero" '{"e":{"dtype":"I64","shape":[0,7],"data_offsets":[0,0]},"u":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}' 1
  st_file "$d/all" '{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},"c":{"dtype":"I16","shape":[1],"data_offsets":[12,14]},"d":{"dtype":"I8","shape":[1],"data_offsets":[14,15]},"e":{"dtype":"BOOL","shape":[1],"data_offsets":[15,16]},"f":{"dtype":"F16","shape":[1,1,1,1,1,1,1,1],"data_offsets":[16,18]}}' 18
  st_file "$d/overlap" '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}' 12
  printf 'x' > "$d/short"
  cat > "$d.dict" <<'DICT'
"{"
"}"
"\"dtype\":"
"\"shape\":"
"\"data_offsets\":"
"\"__metadata__\":"
"\"F32\""
"\"F16\""
"\"BF16\""
"\"F64\""
"\"I64\""
"\"I32\""
"\"I16\""
"\"I8\""
"\"U8\""
"\"BOOL\""
"[0,0]"
"9223372036854775807"
"-1"
DICT
}

seeds_fuzz_arc_selfedit() {
  local d=$1
  printf '%s' '{"data_generation": {"use_basic_augmentations": true, "use_size_augmentations": false, "use_chain_augmentations": false, "use_repeat_augmentations": false}, "training": {"strategy": "train_using_all_tokens", "learning_rate": 1e-05, "num_train_epochs": 3}}' > "$d/fig3"
  printf '[[3 3 8]\n [3 7 0]\n [5 0 0]]#\0\1[[3 3 8]\n [3 7 1]]#\0```\n[[1 2]\n [3 4]]\n```' > "$d/answers"
  cat > "$d.dict" <<'DICT'
"\"data_generation\""
"\"training\""
"\"use_basic_augmentations\""
"\"use_size_augmentations\""
"\"use_chain_augmentations\""
"\"use_repeat_augmentations\""
"\"strategy\""
"\"train_using_all_tokens\""
"\"train_using_output_tokens\""
"\"learning_rate\""
"\"num_train_epochs\""
"true"
"false"
"```"
"]\x0a ["
DICT
}

status=0
mkdir -p build-fuzz
for src in fuzz/fuzz_*.c; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .c)
  out=build-fuzz/$name
  mkdir -p "$out/corpus"
  rm -rf "$out/seeds" "$out/seeds.dict"
  mkdir -p "$out/seeds"
  srcs=$(sed -n "s/^ \* FUZZ_SOURCES://p" "$src" | sed "s,\*/,,")
  libs=$(sed -n "s/^ \* FUZZ_LIBS://p" "$src" | sed "s,\*/,,")
  echo "== $name: build"
  # shellcheck disable=SC2086
  set -f  # the word lists are split but never globbed
  $CC $CFLAGS -o "$out/$name" "$src" $srcs $libs; rc=$?
  set +f
  if [ $rc -ne 0 ]; then echo "fuzz.sh: $name: build failed" >&2; status=1; continue; fi
  if declare -F "seeds_$name" >/dev/null; then "seeds_$name" "$out/seeds"; fi
  dict=(); [ -f "$out/seeds.dict" ] && dict=(-dict="$out/seeds.dict")
  echo "== $name: run ${SECS}s"
  "$out/$name" -max_total_time="$SECS" -timeout=10 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$out/" "${dict[@]}" "$out/corpus" "$out/seeds" > "$out/log" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name (exit $rc); reproducer in $out/crash-* or $out/leak-*; log tail:"
    tail -n 40 "$out/log" | sed 's/^/    /'
    status=1
  else
    runs=$(grep -o 'Done [0-9]* runs' "$out/log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$out/log" | tail -1)
    echo "PASS $name: $runs in ${SECS}s, $cov, corpus $(ls "$out/corpus" | wc -l) files"
  fi
done
exit $status
