/* SCRATCH stopgap until arc-data's nprandom.c, grid.c and task.c land: delete before merging arc-data. */
#include <stdlib.h>
#include <string.h>

#include "arc/task.h"
#include "util/err.h"
#include "util/hash.h"

void seal_arc_task_copy(arc_task *dst, const arc_task *src) {
    *dst = *src;
    dst->demo = NULL;
    if (src->n_demo) {
        dst->demo = seal_malloc(sizeof *dst->demo * (size_t)src->n_demo);
        memcpy(dst->demo, src->demo, sizeof *dst->demo * (size_t)src->n_demo);
    }
}

void seal_arc_task_free(arc_task *t) { free(t->demo); t->demo = NULL; t->n_demo = 0; }

uint64_t seal_arc_task_hash(const arc_task *t) {
    uint64_t h = FNV1A64_INIT;
    for (int i = 0; i < t->n_demo; i++) { h = seal_arc_grid_hash(&t->demo[i].in, h); h = seal_arc_grid_hash(&t->demo[i].out, h); }
    h = seal_arc_grid_hash(&t->query.in, h);
    if (t->has_out) h = seal_arc_grid_hash(&t->query.out, h);
    return h;
}

int seal_arc_task_equal(const arc_task *a, const arc_task *b) {
    if (a->n_demo != b->n_demo || a->has_out != b->has_out) return 0;
    for (int i = 0; i < a->n_demo; i++)
        if (!seal_arc_grid_equal(&a->demo[i].in, &b->demo[i].in) || !seal_arc_grid_equal(&a->demo[i].out, &b->demo[i].out)) return 0;
    return seal_arc_grid_equal(&a->query.in, &b->query.in) && (!a->has_out || seal_arc_grid_equal(&a->query.out, &b->query.out));
}
