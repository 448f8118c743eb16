/* grid.c: comparison, hashing and the two text forms of an ARC grid. */
#include "arc/grid.h"

#include <string.h>

#include "util/hash.h"

int seal_arc_grid_equal(const arc_grid *a, const arc_grid *b) {
    if (a->h != b->h || a->w != b->w) return 0;
    return memcmp(a->c, b->c, (size_t)a->h * (size_t)a->w) == 0;
}

/* FNV-1a over (h, w, cells): only the h*w cells in use, so the unused tail of
 * c (whatever it holds) never makes equal grids hash apart. */
uint64_t seal_arc_grid_hash(const arc_grid *g, uint64_t h) {
    unsigned char shape[2] = {(unsigned char)g->h, (unsigned char)g->w};
    h = seal_fnv1a64(h, shape, sizeof shape);
    return seal_fnv1a64(h, g->c, (size_t)g->h * (size_t)g->w);
}

/* NumPy pads each element to the widest one's width; colours 0-9 are all one
 * digit, so cells are single-space separated and no padding ever appears. */
void seal_arc_grid_numpy_str(const arc_grid *g, strbuf *out) {
    char row[2 * ARC_SIDE_MAX + 4];
    seal_strbuf_put(out, "[", 1);
    for (int r = 0; r < g->h; r++) {
        int n = 0;
        if (r > 0) { row[n++] = '\n'; row[n++] = ' '; }
        row[n++] = '[';
        for (int col = 0; col < g->w; col++) {
            if (col > 0) row[n++] = ' ';
            row[n++] = (char)('0' + arc_at(g, r, col));
        }
        row[n++] = ']';
        seal_strbuf_put(out, row, (size_t)n);
    }
    seal_strbuf_put(out, "]", 1);
}

void seal_arc_grid_rows(const arc_grid *g, strbuf *out) {
    char row[2 * ARC_SIDE_MAX + 1];
    for (int r = 0; r < g->h; r++) {
        int n = 0;
        for (int col = 0; col < g->w; col++) {
            if (col > 0) row[n++] = ' ';
            row[n++] = (char)('0' + arc_at(g, r, col));
        }
        row[n++] = '\n';
        seal_strbuf_put(out, row, (size_t)n);
    }
}
