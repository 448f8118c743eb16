/* grid.h: ARC grids: 1 to 30 cells a side, colours 0-9, row-major; fixed
 * storage so that tasks, augmentations and predictions allocate nothing per
 * grid. An operation whose result would exceed 30 a side fails instead (the
 * reference drops augmented tasks with a grid over 30x30). */
#ifndef SEAL_ARC_GRID_H
#define SEAL_ARC_GRID_H

#include <stdint.h>

#include "util/strbuf.h"

#define ARC_SIDE_MAX 30
#define ARC_COLOURS 10

typedef struct {
    int h, w;                                    /* 1..ARC_SIDE_MAX each */
    unsigned char c[ARC_SIDE_MAX * ARC_SIDE_MAX]; /* c[r * w + col], each 0..9 */
} arc_grid;

/* The invertible geometric views of evaluation (and the inverters voting
 * groups predictions by). seal_arc_view_apply lives in arc/augment.c. */
typedef enum {
    ARC_VIEW_IDENTITY,
    ARC_VIEW_TRANSPOSE,
    ARC_VIEW_FLIP0,   /* up-down (np.flip axis 0) */
    ARC_VIEW_FLIP1,   /* left-right */
    ARC_VIEW_ROT90,   /* the reference's Rotate(90) (its convention: augment.c) */
    ARC_VIEW_ROT180,
    ARC_VIEW_ROT270,
    ARC_VIEW_COUNT
} arc_view;

/* Cell (r, col). */
static inline unsigned char arc_at(const arc_grid *g, int r, int col) { return g->c[r * g->w + col]; }

/* 1 when a and b have the same shape and cells. */
int seal_arc_grid_equal(const arc_grid *a, const arc_grid *b);
/* A 64-bit hash of shape and cells (deduplication; equal grids hash equal). */
uint64_t seal_arc_grid_hash(const arc_grid *g, uint64_t h);

/* Append str(np.array(g)) as NumPy prints an int array of one-digit values:
 * "[[3 3 8]\n [3 7 0]\n [5 0 0]]" (rows on new lines with a leading space). */
void seal_arc_grid_numpy_str(const arc_grid *g, strbuf *out);
/* Append the self-edit prompt's form: each row's cells joined by single
 * spaces, each row followed by "\n". */
void seal_arc_grid_rows(const arc_grid *g, strbuf *out);

#endif
