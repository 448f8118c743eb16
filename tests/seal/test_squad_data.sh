#!/usr/bin/env bash
# SEAL's SQuAD passages against Python (/usr/bin/python3), live:
#  1. pyrandom (seed, getrandbits, random, randrange, shuffle) for several seeds;
#  2. squad_val.json: 2067 passages / 10570 questions; the seed-42 subset [0, 200)
#     equals Python's random.seed(42); random.shuffle(data); data[:200], record by
#     record and byte for byte as json.dump(indent=2, ensure_ascii=False), 974 questions;
#     and a later window [200, 450);
#  3. loading then saving squad_val.json gives back its exact bytes;
#  4. the same records written in official SQuAD v1.1 form (titles with '_',
#     answers with answer_start) load to the same records (12 passages, then all).
# The C side is build/tests/test_squad in its command modes.
set -u
. "$(dirname "$0")/../lib.sh"
root=$SEAL_ROOT
bin=$BUILD/tests/test_squad
val=$root/../shared/data/squad/squad_val.json
[ -x "$bin" ] || skip "$bin not built"
need_python
py() { /usr/bin/python3 "$here/squad_ref.py" "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. pyrandom, live.
seeds="0 1 2 42 1234 12345 4294967295 4294967296 987654321987 18446744073709551615"
py pyrandom $seeds >"$tmp/py.txt" && "$bin" pyrandom $seeds >"$tmp/c.txt" || bad "pyrandom commands failed"
cmp -s "$tmp/py.txt" "$tmp/c.txt" && echo "pyrandom: $(grep -c '^seed' "$tmp/c.txt") seeds identical to python" ||
    { bad "pyrandom differs from python"; diff "$tmp/py.txt" "$tmp/c.txt" | head -20; }

[ -f "$val" ] || { echo "SKIP: ../shared/data/squad/squad_val.json not found"; [ $fail -eq 0 ] && exit 77; exit 1; }

# 2. The seed-42 subsets.
sel() { # start n want_questions
    local fail0=$fail
    "$bin" select "$val" 42 "$1" "$2" "$tmp/c_sel.json" >"$tmp/counts" || { bad "select $1 $2 failed"; return; }
    py select "$val" 42 "$1" "$2" >"$tmp/py_sel.json" || { bad "python select failed"; return; }
    read -r _ np _ nq _ ns _ nsq <"$tmp/counts"
    [ "$np" = 2067 ] && [ "$nq" = 10570 ] || bad "squad_val.json: $np passages / $nq questions, want 2067 / 10570"
    [ "$ns" = "$2" ] || bad "selected $ns passages, want $2"
    [ -z "$3" ] || [ "$nsq" = "$3" ] || bad "seed 42 [$1, $(($1 + $2))): $nsq questions, want $3"
    /usr/bin/python3 - "$tmp/py_sel.json" "$tmp/c_sel.json" <<'PY' || bad "seed 42 [$1, $(($1 + $2))) differs from python"
import json, sys
want, got = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
assert len(want) == len(got), (len(want), len(got))
for i, (w, g) in enumerate(zip(want, got)):
    assert w == g, "record %d: python %r... seal %r..." % (i, str(w)[:120], str(g)[:120])
PY
    cmp -s "$tmp/py_sel.json" "$tmp/c_sel.json" || bad "seed 42 [$1, $(($1 + $2))): bytes differ from python's json.dump"
    [ $fail = "$fail0" ] && echo "seed 42 [$1, $(($1 + $2))): $ns passages, $nsq questions, identical to python (records and bytes)"
}
sel 0 200 974
sel 200 250 ""

# 3. SEAL format round trip: load + save gives the file's exact bytes.
"$bin" convert "$val" "$tmp/round.json" >/dev/null || bad "convert squad_val.json failed"
cmp -s "$val" "$tmp/round.json" && echo "squad_val.json: load + save is byte-identical" ||
    bad "squad_val.json: load + save changes the bytes"

# 4. Official SQuAD v1.1 form of the same records (titles with '_', answers with
#    answer_start and a second gold answer): 12 passages of the seed-42 subset
#    (many titles), then the whole file in its own order.
py to_squad "$val" "$tmp/official12.json" 42 12 && py select "$val" 42 0 12 >"$tmp/want12.json" &&
    py to_squad "$val" "$tmp/officialall.json" || bad "python to_squad failed"
for t in 12:"$tmp/want12.json" all:"$val"; do
    k=${t%%:*} want=${t#*:}
    "$bin" convert "$tmp/official$k.json" "$tmp/got.json" >"$tmp/counts" ||
        { bad "loading the official form ($k) failed"; continue; }
    cmp -s "$want" "$tmp/got.json" &&
        echo "official SQuAD form ($k records) loads to the same records ($(cat "$tmp/counts"))" ||
        bad "official SQuAD form ($k records) loads differently"
done

[ $fail -eq 0 ] && echo "all squad data checks passed"
exit $fail
