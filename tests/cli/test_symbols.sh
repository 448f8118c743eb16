#!/usr/bin/env bash
# Every global symbol libseal.a defines carries the library's prefix: seal_
# (SEAL_ for constants), so that a program linking the library keeps the
# short names (generate, argmax, tok_load, ...) for itself. Anything used in
# one file only should be static instead. Names the compiler makes (ASan's
# __odr_asan.* guards, anything starting with two underscores) are not ours.
set -u
. "$(dirname "$0")/../lib.sh"
need_build
command -v nm >/dev/null || skip "nm not installed"
# Defined globals: T/t text, D data, B bss, R read-only, C common, W/V weak, G/S small data, u unique.
bad=$(nm -g --defined-only "$BUILD/libseal.a" 2>/dev/null |
  awk 'NF == 3 && $2 ~ /^[TDBRCWVGSu]$/ && $3 !~ /^(seal_|SEAL_|__)/ {print $3}' | sort -u)
[ -z "$bad" ] && exit 0
echo "FAIL: $(echo "$bad" | wc -l) global symbols in $BUILD/libseal.a lack the seal_ prefix (or should be static):"
echo "$bad" | fmt -w 118 | sed 's/^/  /'
exit 1
