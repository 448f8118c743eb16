/* vote.h: from the model's answers to two attempts (seal-method.md §3.7, §7).
 * A prediction is parsed from the generated text as the reference does
 * (remove "#", collapse double spaces, the text between the first two "```"
 * when there are any, strip brackets, int() each whitespace-separated
 * element, rows = newlines + 1, reshape); malformed text is a failed
 * prediction, never a crash, and the work is one pass over the text with no
 * allocation. Voting groups the
 * inverse-transformed predictions by inverter (all, identity, Transpose,
 * Flip0, Flip1, Rot180, Rot270), takes each group's most common, 2nd, 3rd,
 * row-majority and column-majority candidates, and votes again among the
 * candidates for two attempts; no valid prediction gives [[0]] twice. */
#ifndef SEAL_ARC_VOTE_H
#define SEAL_ARC_VOTE_H

#include "arc/grid.h"

typedef struct {
    arc_grid g;        /* already mapped back by the query's inverse view */
    arc_view inverter; /* the query's inverse view (the voting group) */
    int valid;         /* 0: malformed text (excluded from voting) */
} arc_prediction;

/* Parse generated text (len bytes, any bytes) into a grid. 0, or -1 +
 * seal_err when malformed: an element int() refuses, no elements, an element
 * count that is not a multiple of the row count (rows of unequal length are
 * accepted when it is, as the reference's reshape accepts them), or what
 * arc_grid cannot hold and the reference would keep as a grid that never
 * matches (an element whose int8 is outside 0-9, over 30 a side). Elements
 * become int8 as NumPy's astype does: "261" is the colour 5. */
int seal_arc_parse_prediction(const char *text, size_t len, arc_grid *out);

/* Two attempts from p[0..n) in the order given (seal passes them in query
 * order; the reference in the order its vLLM requests finished). Predictions
 * with valid 0, a shape outside 1..30 or an unknown inverter are left out;
 * none left gives [[0]] twice. Allocates scratch for the call. */
void seal_arc_vote(const arc_prediction *p, int n, arc_grid attempts[2]);

#endif
