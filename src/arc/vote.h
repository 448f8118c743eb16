/* vote.h: from the model's answers to two attempts (seal-method.md §3.7, §7).
 * A prediction is parsed from the generated text as the reference does
 * (remove "#", collapse double spaces, strip brackets, rows by newlines);
 * malformed text is a failed prediction, never a crash. Voting groups the
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

/* Parse generated text (len bytes) into a grid. 0, or -1 when malformed
 * (ragged rows, a non-digit, no cells, over 30 a side). */
int seal_arc_parse_prediction(const char *text, size_t len, arc_grid *out);

/* Two attempts from n predictions. */
void seal_arc_vote(const arc_prediction *p, int n, arc_grid attempts[2]);

#endif
