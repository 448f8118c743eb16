# tests/mpi/mpi_lib.sh: sourced by the MPI tests (not a test itself) in place of tests/lib.sh,
# which it sources; it skips the test unless $SEAL is built and need_mpi holds, and sets $py and $tmp.
# need_mpi: skip unless mpirun is installed and $SEAL was built with OpenMPI.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# mpi N ARGS...: run ARGS as N ranks over TCP on the loopback, oversubscribed
# (2 cores here), as root when the tests run as root.
need_mpi() {
  command -v mpirun >/dev/null || skip "mpirun not found (scripts/install-deps.sh installs openmpi-bin, libopenmpi-dev)"
  nm "$BUILD/src/rt/rank.o" 2>/dev/null | grep -q MPI_Init_thread ||
    skip "$SEAL was built without MPI (install libopenmpi-dev, then make clean && make)"
}
# Under ASan (make test-asan) leak checking is off in the ranks: OpenMPI's plugins leak at exit from modules
# already unloaded, which no suppression can name; the same code paths are leak-checked in one process.
mpi() {
  local n=$1; shift
  local root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" mpirun "${root[@]}" --oversubscribe -np "$n" --mca btl tcp,self --mca btl_tcp_if_include lo \
      --mca oob_tcp_if_include lo "$@"
}
need_seal
need_mpi
need_python
use_tmp
# same_results A B WHAT: results.json of run dirs A and B byte-identical.
same_results() {
  cmp -s "$1/results.json" "$2/results.json" || fail "$3: results.json differs from the single-process run's"
}
# unique_keys JOURNAL WHAT: no key journaled twice (a resumed run redid no finished job).
unique_keys() {
  /usr/bin/python3 - "$1" <<'PY' || fail "$2: a key journaled twice in $1"
import json, sys
keys = [json.loads(l)["key"] for l in open(sys.argv[1])]
assert len(keys) == len(set(keys))
PY
}
