/* ttt_set.c: the task sets built from the augmenters: the test-time-training
 * set of one self-edit (the reference's get_test_time_train_data and
 * process_task), the 250-example cap, and the evaluation queries
 * (inference/preprocess.py's get_leave_n_test_task).
 *
 * Where the reference makes a Python set of tasks (list(set(...))), its order
 * follows the tasks' hashes and so PYTHONHASHSEED; seal keeps instead the
 * order of first occurrence in the list the reference hands to set(). That
 * order matters beyond presentation: the colour-permutation pass draws from
 * the generator task by task, and evaluation picks a random task by index.
 *
 * The colour permutation (arclib's PermuteColors) walks Python sets of small
 * ints, whose order does not depend on the hash seed but on CPython's table
 * layout (e.g. list(set(range(1, 10)) - {1, 2, 3, 4, 5}) is [8, 9, 6, 7]);
 * pyset_* below reproduce CPython 3's set tables for such sets exactly. */
#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "util/err.h"

/* ---- task lists ---- */

static void list_push(arc_task_list *l, const arc_task *t) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->t = seal_realloc(l->t, sizeof *l->t * (size_t)l->cap);
    }
    l->t[l->n++] = *t; /* takes ownership of t's demos */
}

void seal_arc_task_list_free(arc_task_list *l) {
    for (int i = 0; i < l->n; i++) seal_arc_task_free(&l->t[i]);
    free(l->t);
    *l = (arc_task_list){0};
}

/* keep[i] = 1 for the first occurrence of each distinct task of t[0..n), in
 * order (an open-addressing table of indices keyed by seal_arc_task_hash). */
static void first_occurrences(const arc_task *t, size_t stride, int n, unsigned char *keep) {
    size_t cap = 16;
    while (cap < 2 * (size_t)n) cap *= 2;
    int *slot = seal_malloc(sizeof *slot * cap);
    memset(slot, -1, sizeof *slot * cap);
    for (int i = 0; i < n; i++) {
        const arc_task *ti = (const arc_task *)((const char *)t + stride * (size_t)i);
        size_t h = (size_t)seal_arc_task_hash(ti) & (cap - 1);
        keep[i] = 1;
        for (; slot[h] >= 0; h = (h + 1) & (cap - 1)) {
            const arc_task *tj = (const arc_task *)((const char *)t + stride * (size_t)slot[h]);
            if (seal_arc_task_equal(ti, tj)) {
                keep[i] = 0;
                break;
            }
        }
        if (keep[i]) slot[h] = i;
    }
    free(slot);
}

/* Python's list(set(l)) with seal's order: later duplicates freed and dropped. */
static void list_dedup(arc_task_list *l) {
    if (l->n == 0) return;
    unsigned char *keep = seal_malloc((size_t)l->n + 1);
    first_occurrences(l->t, sizeof *l->t, l->n, keep);
    int m = 0;
    for (int i = 0; i < l->n; i++) {
        if (keep[i]) l->t[m++] = l->t[i];
        else seal_arc_task_free(&l->t[i]);
    }
    l->n = m;
    free(keep);
}

/* A task of t's demos idx[0..n) (in that order) and query q. */
static arc_task task_of(const arc_task *t, const int *idx, int n, const arc_pair *q, int has_out) {
    arc_task r = {.n_demo = n, .query = *q, .has_out = has_out};
    if (n) r.demo = seal_malloc(sizeof *r.demo * (size_t)n);
    for (int i = 0; i < n; i++) r.demo[i] = t->demo[idx[i]];
    return r;
}

/* ---- CPython set tables for small non-negative ints (hash(k) == k) ---- */

#define PYSET_SLOTS 64 /* tables reach 32 slots for ten keys; 64 leaves room */
#define PYSET_EMPTY (-1)
#define PYSET_DUMMY (-2)
#define PYSET_LINEAR_PROBES 9
#define PYSET_PERTURB_SHIFT 5

typedef struct {
    int key[PYSET_SLOTS];
    int mask, fill, used;
} pyset;

static void pyset_init(pyset *s) {
    for (int i = 0; i < PYSET_SLOTS; i++) s->key[i] = PYSET_EMPTY;
    s->mask = 7;
    s->fill = s->used = 0;
}

/* set_insert_clean: place k in the first empty slot of its probe sequence. */
static void pyset_insert_clean(pyset *s, int k) {
    size_t mask = (size_t)s->mask, i = (size_t)k & mask, perturb = (size_t)k;
    for (;;) {
        if (s->key[i] == PYSET_EMPTY) break;
        if (i + PYSET_LINEAR_PROBES <= mask) {
            size_t j = 1;
            for (; j <= PYSET_LINEAR_PROBES && s->key[i + j] != PYSET_EMPTY; j++) {}
            if (j <= PYSET_LINEAR_PROBES) {
                i += j;
                break;
            }
        }
        perturb >>= PYSET_PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
    s->key[i] = k;
}

/* set_table_resize: the smallest power of two above minused (at least 8),
 * the live keys reinserted in old slot order. */
static void pyset_resize(pyset *s, int minused) {
    pyset old = *s;
    int size = 8;
    while (size <= minused) size <<= 1;
    pyset_init(s);
    s->mask = size - 1;
    for (int i = 0; i <= old.mask; i++)
        if (old.key[i] >= 0) pyset_insert_clean(s, old.key[i]);
    s->fill = s->used = old.used;
}

/* set_add_entry. */
static void pyset_add(pyset *s, int k) {
    size_t mask = (size_t)s->mask, i = (size_t)k & mask, perturb = (size_t)k;
    int freeslot = -1;
    for (;;) {
        int probes = i + PYSET_LINEAR_PROBES <= mask ? PYSET_LINEAR_PROBES : 0;
        for (size_t j = i; probes >= 0; probes--, j++) {
            if (s->key[j] == k) return;
            if (s->key[j] == PYSET_DUMMY && freeslot < 0) freeslot = (int)j;
            if (s->key[j] == PYSET_EMPTY) {
                if (freeslot >= 0) {
                    s->key[freeslot] = k;
                    s->used++;
                    return;
                }
                s->key[j] = k;
                s->fill++;
                s->used++;
                if ((size_t)s->fill * 5 >= mask * 3) pyset_resize(s, s->used * 4);
                return;
            }
        }
        perturb >>= PYSET_PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

static int pyset_has(const pyset *s, int k) {
    for (int i = 0; i <= s->mask; i++)
        if (s->key[i] == k) return 1;
    return 0;
}

/* set(so) as set_merge builds a copy into a new empty set. */
static void pyset_copy(const pyset *so, pyset *out) {
    pyset_init(out);
    if (so->used == 0) return;
    if (so->used * 5 >= out->mask * 3) pyset_resize(out, so->used * 2);
    if (out->mask == so->mask && so->fill == so->used) {
        *out = *so;
        return;
    }
    for (int i = 0; i <= so->mask; i++)
        if (so->key[i] >= 0) pyset_insert_clean(out, so->key[i]);
    out->fill = out->used = so->used;
}

/* so - other (set_difference): a copy with other's keys discarded when so is
 * over four times larger, else a new set of so's other keys in so's order. */
static void pyset_difference(const pyset *so, const pyset *other, pyset *out) {
    if ((so->used >> 2) > other->used) {
        pyset_copy(so, out);
        for (int i = 0; i <= out->mask; i++)
            if (out->key[i] >= 0 && pyset_has(other, out->key[i])) {
                out->key[i] = PYSET_DUMMY;
                out->used--;
            }
        return;
    }
    pyset_init(out);
    for (int i = 0; i <= so->mask; i++)
        if (so->key[i] >= 0 && !pyset_has(other, so->key[i])) pyset_add(out, so->key[i]);
}

/* list(s): the keys in slot order. */
static int pyset_list(const pyset *s, int *out) {
    int n = 0;
    for (int i = 0; i <= s->mask; i++)
        if (s->key[i] >= 0) out[n++] = s->key[i];
    return n;
}

/* ---- PermuteColors and PermuteExamples ---- */

/* Colours in the order a flattening of every grid first meets them (demos'
 * inputs and outputs, the query's input, then its output). */
static int colours_seen(const arc_task *t, int *seq) {
    int seen[ARC_COLOURS] = {0}, n = 0;
    for (int i = 0; i <= t->n_demo; i++) {
        const arc_pair *p = i < t->n_demo ? &t->demo[i] : &t->query;
        for (int side = 0; side < 2; side++) {
            if (side == 1 && i == t->n_demo && !t->has_out) break;
            const arc_grid *g = side ? &p->out : &p->in;
            for (int k = 0; k < g->h * g->w; k++)
                if (!seen[g->c[k]]++) seq[n++] = g->c[k];
        }
    }
    return n;
}

void seal_arc_colour_map(const arc_task *t, np_random *rng, unsigned char map[ARC_COLOURS]) {
    int seq[ARC_COLOURS], n = colours_seen(t, seq);
    pyset all, zero, one_to_nine, colours, remaining;
    pyset_init(&all);
    for (int i = 0; i < n; i++) pyset_add(&all, seq[i]);
    pyset_init(&zero);
    pyset_add(&zero, 0);
    pyset_difference(&all, &zero, &colours);
    pyset_init(&one_to_nine);
    for (int c = 1; c < ARC_COLOURS; c++) pyset_add(&one_to_nine, c);
    pyset_difference(&one_to_nine, &colours, &remaining);

    int col[ARC_COLOURS] = {0}, rem[ARC_COLOURS] = {0}, perm[ARC_COLOURS] = {0};
    int nc = pyset_list(&colours, col), nr = pyset_list(&remaining, rem), np = nc;
    seal_nprandom_shuffle(rng, rem, (size_t)nr, sizeof *rem);
    memcpy(perm, col, sizeof *col * (size_t)nc);
    seal_nprandom_shuffle(rng, perm, (size_t)np, sizeof *perm);

    /* color_map: 0 fixed; an unused colour (popped from the end) while any
     * is left, else a swap with a popped colour; later entries overwrite. */
    int has[ARC_COLOURS] = {1}, val[ARC_COLOURS] = {0};
    for (int i = 0; i < nc; i++) {
        int c = col[i], nv;
        if (has[c]) continue;
        if (nr > 0) {
            nv = rem[--nr];
        } else {
            nv = perm[--np];
            has[nv] = 1;
            val[nv] = c;
            for (int j = 0; j < np; j++)
                if (perm[j] == c) { /* list.remove: the first occurrence */
                    memmove(perm + j, perm + j + 1, sizeof *perm * (size_t)(np - j - 1));
                    np--;
                    break;
                }
        }
        has[c] = 1;
        val[c] = nv;
    }
    for (int c = 0; c < ARC_COLOURS; c++) map[c] = (unsigned char)(has[c] ? val[c] : c);
}

static void grid_recolour(arc_grid *g, const unsigned char *map) {
    for (int k = 0; k < g->h * g->w; k++) g->c[k] = map[g->c[k]];
}

static void task_recolour(arc_task *t, const unsigned char *map) {
    for (int i = 0; i < t->n_demo; i++) {
        grid_recolour(&t->demo[i].in, map);
        grid_recolour(&t->demo[i].out, map);
    }
    grid_recolour(&t->query.in, map);
    if (t->has_out) grid_recolour(&t->query.out, map);
}

/* PermuteExamples: demos reordered by rng.permutation(n_demo). */
static arc_task permute_demos(const arc_task *t, np_random *rng) {
    int idx[64], *p = t->n_demo <= 64 ? idx : seal_malloc(sizeof *p * (size_t)t->n_demo);
    seal_nprandom_permutation(rng, p, t->n_demo);
    arc_task r = task_of(t, p, t->n_demo, &t->query, t->has_out);
    if (p != idx) free(p);
    return r;
}

/* ---- leave-n tasks ---- */

/* The first k-combination of 0..n-1 into c (0 when k > n). */
static int comb_first(int *c, int k, int n) {
    for (int i = 0; i < k; i++) c[i] = i;
    return k <= n;
}

/* The next combination in itertools.combinations' (lexicographic) order. */
static int comb_next(int *c, int k, int n) {
    int i = k - 1;
    while (i >= 0 && c[i] == n - k + i) i--;
    if (i < 0) return 0;
    c[i]++;
    for (int j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
    return 1;
}

/* The positions of 0..n-1 absent from the sorted c[0..k) into out; how many. */
static int complement(const int *c, int k, int n, int *out) {
    int m = 0;
    for (int i = 0, j = 0; i < n; i++) {
        if (j < k && c[j] == i) j++;
        else out[m++] = i;
    }
    return m;
}

int seal_arc_leave_n_tasks(const arc_task *t, int n, arc_task_list *out) {
    int N = t->n_demo;
    if (n < 1) return seal_err("leave-n: n is %d (it must be at least 1)", n);
    int *others = seal_malloc(sizeof(int) * (size_t)(3 * N + 1)), *comb = others + N, *keep = comb + N;
    for (int i = 0; i < N; i++) {
        /* indices = set(range(N)) - {i} (iterated in ascending order, as
         * CPython does for these small sets), minus each (n-1)-combination */
        int m = 0;
        for (int j = 0; j < N; j++)
            if (j != i) others[m++] = j;
        for (int ok = comb_first(comb, n - 1, m); ok; ok = comb_next(comb, n - 1, m)) {
            int nk = complement(comb, n - 1, m, keep);
            for (int j = 0; j < nk; j++) keep[j] = others[keep[j]];
            arc_task x = task_of(t, keep, nk, &t->demo[i], 1);
            list_push(out, &x);
        }
    }
    free(others);
    return 0;
}

/* ---- the TTT set ---- */

static void move_all(arc_task_list *dst, arc_task_list *src) {
    for (int i = 0; i < src->n; i++) list_push(dst, &src->t[i]);
    free(src->t);
    *src = (arc_task_list){0};
}

/* get_test_time_train_data(t, augmenters, n, permute_n=1, seed=0), appended to out. */
static void ttt_one_n(const arc_task *t, const arc_augmenter *aug, int n_aug, int n, arc_task_list *out) {
    np_random rng;
    seal_nprandom_seed(&rng, 0);
    arc_task_list initial = {0}, set = {0}, permuted = {0};
    seal_arc_leave_n_tasks(t, n, &initial);
    for (int a = 0; a < n_aug; a++)
        for (int i = 0; i < initial.n; i++) {
            arc_task x;
            if (seal_arc_augment(&aug[a], &initial.t[i], &rng, &x) == 0) list_push(&set, &x);
        }
    move_all(&set, &initial);
    list_dedup(&set);
    for (int i = 0; i < set.n; i++) {
        arc_task c;
        seal_arc_task_copy(&c, &set.t[i]);
        if (n_aug) {
            unsigned char map[ARC_COLOURS];
            seal_arc_colour_map(&c, &rng, map);
            task_recolour(&c, map);
        }
        arc_task p = permute_demos(&c, &rng);
        seal_arc_task_free(&c);
        list_push(&permuted, &p);
    }
    move_all(&permuted, &set);
    list_dedup(&permuted);
    move_all(out, &permuted);
}

int seal_arc_ttt_tasks(const arc_task *t, unsigned groups, const int *leave_n, int n_leave, arc_task_list *out) {
    for (int k = 0; k < n_leave; k++)
        if (leave_n[k] < 1) return seal_err("TTT set: leave-n %d (each must be at least 1)", leave_n[k]);
    arc_augmenter aug[ARC_AUG_MAX];
    int n_aug = seal_arc_augmenters(groups, aug);
    for (int k = 0; k < n_leave; k++) ttt_one_n(t, aug, n_aug, leave_n[k], out);
    return 0;
}

void seal_arc_cap(arc_task_list *l, int cap, unsigned seed) {
    if (l->n <= cap) return;
    np_random rng;
    seal_nprandom_seed(&rng, seed);
    seal_nprandom_shuffle(&rng, l->t, (size_t)l->n, sizeof *l->t);
    for (int i = cap; i < l->n; i++) seal_arc_task_free(&l->t[i]);
    l->n = cap;
}

/* ---- evaluation queries ---- */

static void query_push(arc_query_list *l, const arc_task *t, arc_view inverse) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->q = seal_realloc(l->q, sizeof *l->q * (size_t)l->cap);
    }
    l->q[l->n++] = (arc_query){*t, inverse};
}

void seal_arc_query_list_free(arc_query_list *l) {
    for (int i = 0; i < l->n; i++) seal_arc_task_free(&l->q[i].t);
    free(l->q);
    *l = (arc_query_list){0};
}

/* Every grid of t seen through view v. */
static arc_task task_view(const arc_task *t, arc_view v) {
    arc_task r;
    seal_arc_task_copy(&r, t);
    for (int i = 0; i < t->n_demo; i++) {
        seal_arc_view_apply(v, &t->demo[i].in, &r.demo[i].in);
        seal_arc_view_apply(v, &t->demo[i].out, &r.demo[i].out);
    }
    seal_arc_view_apply(v, &t->query.in, &r.query.in);
    if (t->has_out) seal_arc_view_apply(v, &t->query.out, &r.query.out);
    return r;
}

static void query_dedup(arc_query_list *l) {
    if (l->n == 0) return;
    unsigned char *keep = seal_malloc((size_t)l->n + 1);
    first_occurrences(&l->q[0].t, sizeof *l->q, l->n, keep);
    int m = 0;
    for (int i = 0; i < l->n; i++) {
        if (keep[i]) l->q[m++] = l->q[i];
        else seal_arc_task_free(&l->q[i].t);
    }
    l->n = m;
    free(keep);
}

static int query_index(const arc_query_list *l, const arc_task *t) {
    for (int i = 0; i < l->n; i++)
        if (seal_arc_task_equal(&l->q[i].t, t)) return i;
    return -1;
}

/* The leave-include_n contexts and their demo permutations, deduplicated. */
static void eval_contexts(const arc_task *s, int include_n, int permute_n, np_random *rng, arc_query_list *out) {
    int N = s->n_demo, *comb = seal_malloc(sizeof(int) * (size_t)(2 * N + 1)), *keep = comb + N;
    for (int ok = comb_first(comb, include_n, N); ok; ok = comb_next(comb, include_n, N)) {
        int nk = complement(comb, include_n, N, keep);
        arc_task base = task_of(s, keep, nk, &s->query, s->has_out);
        query_push(out, &base, ARC_VIEW_IDENTITY); /* the list owns base's demos from here */
        for (int p = 0; p < permute_n; p++) {
            arc_task x = permute_demos(&base, rng);
            query_push(out, &x, ARC_VIEW_IDENTITY);
        }
    }
    free(comb);
    query_dedup(out);
}

int seal_arc_eval_queries(const arc_task *subtask, int include_n, int permute_n, unsigned seed, arc_query_list *out) {
    static const arc_view views[5] = {ARC_VIEW_TRANSPOSE, ARC_VIEW_FLIP0, ARC_VIEW_FLIP1, ARC_VIEW_ROT90,
                                      ARC_VIEW_ROT180};
    if (include_n < 0) return seal_err("evaluation queries: include_n %d is negative", include_n);
    np_random rng;
    seal_nprandom_seed(&rng, seed);
    arc_query_list base = {0};
    eval_contexts(subtask, include_n, permute_n, &rng, &base);
    arc_query_list all = {0};
    /* rng.choice on an empty list raises in the reference; here: no views */
    for (int v = 0; v < 5 && base.n > 0; v++) {
        int k = (int)seal_nprandom_randint(&rng, 0, base.n);
        arc_task x = task_view(&base.q[k].t, views[v]);
        if (query_index(&base, &x) >= 0) seal_arc_task_free(&x);
        else query_push(&all, &x, seal_arc_view_inverse(views[v]));
    }
    for (int i = 0; i < base.n; i++) query_push(&all, &base.q[i].t, base.q[i].inverse);
    free(base.q);
    query_dedup(&all);
    *out = all;
    return 0;
}
