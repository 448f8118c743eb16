#!/usr/bin/env bash
# Broken model directories: `seal info` and `seal score` must fail with exit 1
# and exactly one stderr line naming the problem (no crash, no sanitizer
# report). The cases and their needles come from make_bad_models.py.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal "seal binary not found ($SEAL)"
need_numpy
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/make_bad_models.py" "$tmp/models" >"$tmp/cases" || { echo "FAIL: make_bad_models.py"; exit 1; }

fails=0; n=0
check() {  # check CASE NEEDLE CMD...
    local name=$1 needle=$2; shift 2
    local rc lines why=""
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    lines=$(wc -l <"$tmp/err")
    # A message without a trailing newline still counts as one line.
    [ -s "$tmp/err" ] && [ "$(tail -c1 "$tmp/err" | od -An -c | tr -d ' ')" != '\n' ] && lines=$((lines + 1))
    [ $rc -eq 1 ] || why="exit $rc, want 1"
    [ -z "$why" ] && [ "$lines" -ne 1 ] && why="stderr has $lines lines, want 1"
    [ -z "$why" ] && ! grep -qiF -- "$needle" "$tmp/err" && why="stderr lacks '$needle'"
    [ -z "$why" ] && grep -qiE 'sanitizer|runtime error|segmentation|core dumped' "$tmp/err" && why="crash report"
    n=$((n + 1))
    if [ -n "$why" ]; then
        fails=$((fails + 1))
        printf 'FAIL %-26s %-6s %s\n     stderr: %s\n' "$name" "$2" "$why" "$(head -c 400 "$tmp/err" | tr '\n' '|')"
    else
        printf 'ok   %-26s %-6s %s\n' "$name" "$2" "$(head -n1 "$tmp/err")"
    fi
}
while IFS=$'\t' read -r name dir needle; do
    check "$name" "$needle" "$SEAL" info -m "$dir"
    check "$name" "$needle" "$SEAL" score -m "$dir" --ids "1 2"
done <"$tmp/cases"
echo "$((n - fails)) of $n checks pass"
[ $fails -eq 0 ]
