#!/usr/bin/env bash
# test_aarch64: the aarch64 cross build (`make cross-aarch64`: the kernels and
# the unit tests that need no third-party library, docs/kernels.md) passes its
# tests under qemu-aarch64 (user mode, Debian's qemu-user):
#   - test_kernels on `-cpu max` (asimd and bf16): the scalar, neon and
#     neon-bf16 paths, each forced in turn, exact mode bit-identical to the
#     scalar path and bf16 mode near its oracle at every tail length;
#   - test_kernels on `-cpu cortex-a57` (asimd, no bf16): neon-bf16 is skipped
#     and SEAL_KERNEL=neon-bf16 refused naming "bf16";
#   - test_matmul with SEAL_KERNEL forcing neon and neon-bf16 (exact mode:
#     batch and thread invariance, the oracle's tolerance);
#   - the other cross-built unit tests once, on the best path.
# Skips with a message where the cross compiler, its libc or qemu is absent
# (scripts/install-deps.sh installs them on Debian).
. "$(dirname "$0")/../lib.sh"
CROSS_CC=${AARCH64_CC:-aarch64-linux-gnu-gcc}
SYSROOT=/usr/aarch64-linux-gnu
command -v "$CROSS_CC" >/dev/null || skip "$CROSS_CC not installed (apt-get install gcc-aarch64-linux-gnu)"
command -v qemu-aarch64 >/dev/null || skip "qemu-aarch64 not installed (apt-get install qemu-user)"
[ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || skip "$SYSROOT/lib has no aarch64 libc (apt-get install libc6-dev-arm64-cross)"

log=$(mktemp); trap 'rm -f "$log"' EXIT
# MAKEFLAGS cleared: an outer make's variables (CC, OPT) are for the host build.
if ! MAKEFLAGS= nice make -j2 -C "$SEAL_ROOT" --no-print-directory AARCH64_CC="$CROSS_CC" cross-aarch64 >"$log" 2>&1; then
  tail -n 30 "$log"; echo "FAIL: make cross-aarch64"; exit 1
fi
bin=$SEAL_ROOT/build-aarch64/tests
file_ok() { head -c 20 "$1" | od -An -tx1 | tr -d ' \n' | grep -q '^7f454c46020101.*b700'; }
file_ok "$bin/test_kernels" || { echo "FAIL: $bin/test_kernels is not an aarch64 ELF"; exit 1; }

# run NAME CPU BINARY [VAR=VALUE...]: one test under qemu; its output on failure.
run() {
  local name=$1 cpu=$2 prog=$3; shift 3
  local t0=$SECONDS
  if env "$@" qemu-aarch64 -cpu "$cpu" -L "$SYSROOT" "$prog" >"$log" 2>&1; then
    echo "ok   $name ($((SECONDS - t0))s)"
  else
    tail -n 20 "$log"; fail "$name"
  fi
}

run "test_kernels -cpu max" max "$bin/test_kernels"
grep -q '^path neon-bf16: checked' "$log" || fail "test_kernels -cpu max did not check neon-bf16"
grep -q '^path neon: checked' "$log" || fail "test_kernels -cpu max did not check neon"
run "test_kernels -cpu cortex-a57" cortex-a57 "$bin/test_kernels"
grep -q '^SKIP: path neon-bf16: this CPU lacks bf16' "$log" || fail "cortex-a57: neon-bf16 not skipped naming bf16"
grep -q '^best path on this CPU: neon$' "$log" || fail "cortex-a57: best path is not neon"

# test_matmul is an exact-mode test (the bf16 mode's checks are test_kernels');
# scalar is left out for time (~25 s under qemu), test_kernels holds it.
for k in neon neon-bf16; do run "test_matmul SEAL_KERNEL=$k" max "$bin/test_matmul" SEAL_KERNEL=$k; done
for t in "$bin"/test_*; do
  case $(basename "$t") in test_kernels | test_matmul | *.d) continue ;; esac
  run "$(basename "$t")" max "$t"
done
[ $fails -eq 0 ]
