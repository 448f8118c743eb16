#!/usr/bin/env bash
# ARC prediction parsing and voting against the reference, live (skips without
# /usr/bin/python3 + numpy): tests/arc/vote_oracle.py holds the reference's
# decoding loop (eval-self-edits.py + parse_numpy_from_str) and its voting
# (arclib/voting.py) as read, and runs them on
#  - 4000 random answer texts (NumPy str() grids with '#', fences, brackets,
#    signs, underscores, Unicode digits and spaces, truncations, huge tokens):
#    seal's grid or failure must equal the reference's (mapped to seal's
#    failures where arc_grid cannot hold what the reference keeps);
#  - 3000 random prediction sets (0 to 60 predictions, 1 to 5 a side, a few
#    colours so that ties are frequent, 7 inverters, some malformed): seal's
#    two attempts must equal the reference's, CPython set order and NumPy
#    argsort ties included.
. "$(dirname "$0")/../lib.sh"
need_python
need_numpy
use_tmp
[ -x "$BUILD/tests/test_arc_vote" ] || skip "$BUILD/tests/test_arc_vote not built (make $BUILD/tests/test_arc_vote)"

$py "$here/vote_oracle.py" parse 4000 1 "$tmp/texts" "$tmp/want_parse" || fail "vote_oracle.py parse failed"
"$BUILD/tests/test_arc_vote" parse <"$tmp/texts" >"$tmp/got_parse" || fail "test_arc_vote parse failed"
[ "$(grep -vc '^-' "$tmp/want_parse")" -gt 1000 ] || fail "fewer than 1000 texts parse: the generator is off"
diff "$tmp/want_parse" "$tmp/got_parse" >"$tmp/parse.diff" ||
  fail "parsing differs from the reference (< reference, > seal): $(head -n 6 "$tmp/parse.diff")"

$py "$here/vote_oracle.py" vote 3000 1 "$tmp/cases" "$tmp/want_vote" || fail "vote_oracle.py vote failed"
"$BUILD/tests/test_arc_vote" vote <"$tmp/cases" >"$tmp/got_vote" || fail "test_arc_vote vote failed"
[ "$(wc -l <"$tmp/want_vote")" -eq 3000 ] || fail "expected 3000 votes"
diff "$tmp/want_vote" "$tmp/got_vote" >"$tmp/vote.diff" ||
  fail "voting differs from the reference (< reference, > seal): $(head -n 6 "$tmp/vote.diff")"

[ $fails -eq 0 ] && echo "ok: 4000 texts and 3000 prediction sets match the reference"
[ $fails -eq 0 ]
