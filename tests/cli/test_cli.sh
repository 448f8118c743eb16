#!/usr/bin/env bash
# The CLI's contract: --help everywhere, exit codes, JSON shapes, one-line errors.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
use_tmp

"$SEAL" --help >/dev/null || fail "seal --help"
"$SEAL" nosuchcommand 2>/dev/null; [ $? -eq 2 ] || fail "unknown command must exit 2"
for c in $("$SEAL" --help | awk '/^  [a-z]/ {print $1}'); do
  "$SEAL" "$c" --help >"$tmp/help" 2>&1 || fail "seal $c --help exits nonzero"
  grep -q "usage: seal $c" "$tmp/help" || fail "seal $c --help prints no usage line"
done

"$SEAL" synth --shape micro --dtype f32 --out "$tmp/m" || fail "synth"
out=$("$SEAL" score -m "$tmp/m" --ids "1 5 9 33 2" --json) || fail "score"
/usr/bin/python3 - "$out" <<'PY' || fail "score --json shape"
import json, sys
o = json.loads(sys.argv[1])
assert o["ids"] == [1, 5, 9, 33, 2], o
assert len(o["logprobs"]) == 4 and all(x < 0 for x in o["logprobs"]), o
assert abs(o["nll"] + sum(o["logprobs"])) < 1e-5, o
PY
info=$("$SEAL" info -m "$tmp/m" --json) || fail "info --json"
echo "$info" | grep -q '"parameters":' || fail "info --json lacks parameters"
# The kernel path: printed, forced lower by SEAL_KERNEL, an unknown one refused.
SEAL_KERNEL=scalar "$SEAL" info -m "$tmp/m" | grep -q '^kernels      scalar (best on this CPU: [a-z0-9]*), compute exact$' \
  || fail "info does not print the forced kernel path"
SEAL_KERNEL=scalar SEAL_COMPUTE=bf16 "$SEAL" info -m "$tmp/m" --json | grep -Eq '"kernel": ?"scalar".*"compute": ?"bf16"' \
  || fail "info --json lacks the kernel path and compute mode"

# Errors: exit 1, one line on stderr, no crash.
expect_err() { # needle, command...
  local needle=$1; shift
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  [ $rc -eq 1 ] || fail "exit $rc (want 1): $*"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stderr is not one line: $* : $(cat "$tmp/err")"
  grep -q -- "$needle" "$tmp/err" || fail "stderr lacks '$needle': $* : $(cat "$tmp/err")"
}
expect_err "not a token id" "$SEAL" score -m "$tmp/m" --ids "1 x 3"
expect_err "at least 2" "$SEAL" score -m "$tmp/m" --ids "7"
expect_err "out of range" "$SEAL" score -m "$tmp/m" --ids "1 99999"
expect_err "shape" "$SEAL" synth --shape nosuch --out "$tmp/x"
SEAL_KERNEL=sse9 expect_err "SEAL_KERNEL=sse9: expected scalar, avx2, avx512, avx512bf16, neon or neon-bf16" "$SEAL" info -m "$tmp/m"
# Standard output that cannot be written (a full disk) is an error, never exit 0 with nothing delivered.
"$SEAL" info -m "$tmp/m" --json >/dev/full 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot write standard output" "$tmp/err" || fail "info --json >/dev/full: exit $rc, $(cat "$tmp/err")"
"$SEAL" --version | grep -qE '^seal [0-9]+\.[0-9]+\.[0-9]+$' || fail "seal --version"
[ $fails -eq 0 ]
