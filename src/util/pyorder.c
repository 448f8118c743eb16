/* pyorder.c: CPython's tuple hash and set order, NumPy's argsort order. */
#include "util/pyorder.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* ---- CPython's tuplehash (Objects/tupleobject.c, 3.8+, 64-bit) ---- */

#define XXPRIME_1 11400714785074694791ull
#define XXPRIME_2 14029467366897019727ull
#define XXPRIME_5 2870177450012600261ull

int64_t seal_py_tuple_hash(const int64_t *lanes, int n) {
    uint64_t acc = XXPRIME_5;
    for (int i = 0; i < n; i++) {
        acc += (uint64_t)lanes[i] * XXPRIME_2;
        acc = (acc << 31) | (acc >> 33);
        acc *= XXPRIME_1;
    }
    /* the length, mangled so that hash(()) keeps its historical value */
    acc += (uint64_t)n ^ (XXPRIME_5 ^ 3527539ull);
    /* -1 is CPython's error return, so a hash of -1 becomes this constant */
    return acc == UINT64_MAX ? 1546275796 : (int64_t)acc;
}

/* ---- CPython's set (Objects/setobject.c) ---- */

#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5
#define SET_MINSIZE 8

typedef struct {
    int64_t hash;
    int item;   /* -1: an empty slot */
    int count;  /* items equal to this one added so far */
} py_slot;

typedef struct {
    py_slot *table, *spare;
    uint64_t mask;
    int64_t fill;  /* no deletions here, so fill == used */
    seal_py_eq_fn eq;
    const void *ctx;
} py_table;

static void table_clear(py_slot *t, uint64_t size) {
    for (uint64_t i = 0; i < size; i++) t[i] = (py_slot){0, -1, 0};
}

/* set_insert_clean: the slot a rehashed entry lands in (no equal entry can
 * be there, so only emptiness is tested). */
static void insert_clean(py_slot *t, uint64_t mask, py_slot e) {
    uint64_t perturb = (uint64_t)e.hash, i = (uint64_t)e.hash & mask;
    for (;;) {
        if (t[i].item < 0) { t[i] = e; return; }
        if (i + LINEAR_PROBES <= mask)
            for (uint64_t j = 1; j <= LINEAR_PROBES; j++)
                if (t[i + j].item < 0) { t[i + j] = e; return; }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

/* set_table_resize: the smallest power of two over minused, entries
 * reinserted in the old table's order. */
static void table_resize(py_table *s, int64_t minused) {
    uint64_t size = SET_MINSIZE;
    while (size <= (uint64_t)minused) size <<= 1;
    table_clear(s->spare, size);
    for (uint64_t i = 0; i <= s->mask; i++)
        if (s->table[i].item >= 0) insert_clean(s->spare, size - 1, s->table[i]);
    py_slot *t = s->table;
    s->table = s->spare;
    s->spare = t;
    s->mask = size - 1;
}

/* set_add_entry: probe i, the 9 slots after it when they fit, then jump by
 * the perturbed recurrence; an equal entry only counts the new item. */
static void table_add(py_table *s, int64_t hash, int item) {
    uint64_t mask = s->mask, i = (uint64_t)hash & mask, perturb = (uint64_t)hash;
    py_slot *e;
    for (;;) {
        e = &s->table[i];
        int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        do {
            if (e->item < 0) goto unused;
            if (e->hash == hash && s->eq(s->ctx, e->item, item)) { e->count++; return; }
            e++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
unused:
    *e = (py_slot){hash, item, 1};
    s->fill++;
    if ((uint64_t)s->fill * 5 < mask * 3) return;
    table_resize(s, s->fill > 50000 ? s->fill * 2 : s->fill * 4);
}

int seal_py_set_order(seal_py_set *ps, const int64_t *hash, int n, seal_py_eq_fn eq, const void *ctx, int *first,
                      int *count) {
    /* the largest table n adds can reach: the power of two over 4n */
    uint64_t need = SET_MINSIZE;
    while (need <= 4 * (uint64_t)(n > 0 ? n : 0)) need <<= 1;
    if (ps->cap < 2 * need) {
        free(ps->slots);
        ps->slots = seal_malloc(2 * need * sizeof(py_slot));
        ps->cap = 2 * need;
    }
    py_table s = {ps->slots, (py_slot *)ps->slots + need, SET_MINSIZE - 1, 0, eq, ctx};
    table_clear(s.table, SET_MINSIZE);
    for (int k = 0; k < n; k++) table_add(&s, hash[k], k);
    int u = 0;
    for (uint64_t i = 0; i <= s.mask; i++)
        if (s.table[i].item >= 0) {
            first[u] = s.table[i].item;
            count[u++] = s.table[i].count;
        }
    return u;
}

void seal_py_set_free(seal_py_set *s) {
    free(s->slots);
    *s = (seal_py_set){0};
}

/* ---- NumPy's argsort (npysort/quicksort.cpp aquicksort_, heapsort.cpp
 * aheapsort_), for int64 keys ---- */

#define SMALL_QUICKSORT 15
#define PYA_QS_STACK 128

static void swap_idx(int *a, int *b) { int t = *a; *a = *b; *b = t; }

/* aheapsort_ on tosort[0..n) (1-based heap over a = tosort - 1). */
static void np_aheapsort(const int64_t *v, int *tosort, int n) {
    int *a = tosort - 1, i, j, l, tmp;
    for (l = n >> 1; l > 0; --l) {
        tmp = a[l];
        for (i = l, j = l << 1; j <= n;) {
            if (j < n && v[a[j]] < v[a[j + 1]]) j += 1;
            if (v[tmp] < v[a[j]]) { a[i] = a[j]; i = j; j += j; }
            else break;
        }
        a[i] = tmp;
    }
    for (; n > 1;) {
        tmp = a[n];
        a[n] = a[1];
        n -= 1;
        for (i = 1, j = 2; j <= n;) {
            if (j < n && v[a[j]] < v[a[j + 1]]) j++;
            if (v[tmp] < v[a[j]]) { a[i] = a[j]; i = j; j += j; }
            else break;
        }
        a[i] = tmp;
    }
}

/* One median-of-three partition of [*pl, *pr]; returns the pivot's place. */
static int *np_partition(const int64_t *v, int *pl, int *pr) {
    int *pm = pl + ((pr - pl) >> 1);
    if (v[*pm] < v[*pl]) swap_idx(pm, pl);
    if (v[*pr] < v[*pm]) swap_idx(pr, pm);
    if (v[*pm] < v[*pl]) swap_idx(pm, pl);
    int64_t vp = v[*pm];
    int *pi = pl, *pj = pr - 1;
    swap_idx(pm, pj);
    for (;;) {
        do ++pi; while (v[*pi] < vp);
        do --pj; while (vp < v[*pj]);
        if (pi >= pj) break;
        swap_idx(pi, pj);
    }
    swap_idx(pi, pr - 1);
    return pi;
}

static void np_insertion(const int64_t *v, int *pl, int *pr) {
    for (int *pi = pl + 1; pi <= pr; ++pi) {
        int vi = *pi;
        int64_t vp = v[vi];
        int *pj = pi, *pk = pi - 1;
        while (pj > pl && vp < v[*pk]) *pj-- = *pk--;
        *pj = vi;
    }
}

void seal_np_argsort(const int64_t *v, int n, int *idx) {
    for (int i = 0; i < n; i++) idx[i] = i;
    if (n < 2) return;
    int *pl = idx, *pr = idx + n - 1;
    int *stack[PYA_QS_STACK], **sptr = stack;
    int depth[PYA_QS_STACK], *psdepth = depth;
    int cdepth = 0;
    for (unsigned u = (unsigned)n; u >>= 1;) cdepth++;
    cdepth *= 2;  /* npy_get_msb(n) * 2 */
    for (;;) {
        if (cdepth < 0) {
            np_aheapsort(v, pl, (int)(pr - pl + 1));
            goto stack_pop;
        }
        while ((pr - pl) > SMALL_QUICKSORT) {
            int *pi = np_partition(v, pl, pr);
            /* the larger side goes on the stack */
            if (pi - pl < pr - pi) { *sptr++ = pi + 1; *sptr++ = pr; pr = pi - 1; }
            else { *sptr++ = pl; *sptr++ = pi - 1; pl = pi + 1; }
            *psdepth++ = --cdepth;
        }
        np_insertion(v, pl, pr);
    stack_pop:
        if (sptr == stack) break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}
