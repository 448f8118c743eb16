/* vote.c: the model's answer text to a grid, and predictions to two attempts,
 * as SEAL's ARC reference does (eval-self-edits.py, arclib/representers.py
 * parse_numpy_from_str, arclib/voting.py). Where the reference's ties fall
 * where CPython's sets and NumPy's argsort put them, util/pyorder reproduces
 * those orders. */
#include "arc/vote.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "arc/augment.h"
#include "util/err.h"
#include "util/pyorder.h"
#include "util/utf8.h"

/* ---- parsing ----
 * The reference, on the generated text:
 *   out = out.replace("#", "").replace("  ", " ")
 *   if "```" in out: out = out.split("```")[1].strip()
 *   out = out.strip()
 *   elements = list(map(int, out.replace("[", "").replace("]", "").split()))
 *   rows = out.count("\n") + 1; cols = len(elements) // rows
 *   np.array(elements).reshape((rows, cols))      # any failure: skipped
 * so text after a "#" is kept (only the "#" goes), brackets join what they
 * separate ("1][2" is the element 12), and rows need not be equal as long
 * as the element count is a multiple of the row count. Collapsing double
 * spaces changes none of this and is not repeated here. */

#define PY_INT_MAX_DIGITS 4300 /* int() refuses longer (Python 3.11+) */

/* str.isspace(), which str.split() and str.strip() use on a str. */
static int py_space(uint32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 9 && cp <= 13) || (cp >= 0x1c && cp <= 0x1f);
    return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* The value int() gives a Unicode decimal digit (category Nd), or -1.
 * Unicode encodes decimal digits in runs of ten from zero, so a digit's
 * value is its distance from the start of its Nd range, mod 10. */
static int py_decimal(uint32_t cp) {
    if (cp >= '0' && cp <= '9') return (int)(cp - '0');
    if (cp < 0x80 || utf8proc_category((utf8proc_int32_t)cp) != UTF8PROC_CATEGORY_ND) return -1;
    uint32_t start = cp;
    while (start > 0 && utf8proc_category((utf8proc_int32_t)(start - 1)) == UTF8PROC_CATEGORY_ND) start--;
    return (int)((cp - start) % 10);
}

/* [*a, *b) becomes the text between the first two "```" of the "#"-free
 * text (or from the first to the end), when it has one. '#' and '`' are
 * ASCII, so bytes can be scanned without decoding. */
static void code_fence(const char *t, size_t *a, size_t *b) {
    int run = 0, found = 0;
    for (size_t i = *a; i < *b; i++) {
        if (t[i] == '#') continue;
        run = t[i] == '`' ? run + 1 : 0;
        if (run < 3) continue;
        run = 0;
        if (!found) { *a = i + 1; found = 1; }
        else {
            /* back over this "```" (and any '#' inside it) to its start */
            size_t s = i, k = 0;
            while (k < 3) if (t[s--] == '`') k++;
            *b = s + 1;
            return;
        }
    }
}

/* [*a, *b) without leading and trailing whitespace; '#' is already gone in
 * the reference, so it is skipped like whitespace. */
static void py_strip(const char *t, size_t *a, size_t *b) {
    size_t i = *a, start = *b, end = *a;
    while (i < *b) {
        uint32_t cp;
        size_t k = seal_utf8_next(t + i, *b - i, &cp);
        if (cp != '#' && !py_space(cp)) {
            if (start == *b) start = i;
            end = i + k;
        }
        i += k;
    }
    if (start == *b) start = end = *a;
    *a = start;
    *b = end;
}

typedef struct {
    int sign_ok, neg, underscore, bad, huge;
    long digits;
    uint64_t value;
} py_int;

/* Feed one character of a token to int()'s grammar: [+-] digits with
 * single underscores between them. */
static void py_int_feed(py_int *p, uint32_t cp) {
    int d = py_decimal(cp);
    if (d >= 0) {
        p->digits++;
        p->underscore = 0;
        if (p->value > (UINT64_MAX - (uint64_t)d) / 10) p->huge = 1;
        else p->value = p->value * 10 + (uint64_t)d;
    } else if (cp == '_' && p->digits > 0 && !p->underscore) {
        p->underscore = 1;
    } else if ((cp == '+' || cp == '-') && p->sign_ok) {
        p->neg = cp == '-';
    } else {
        p->bad = 1;
    }
    p->sign_ok = 0;
}

/* A finished token as its cell: int() then NumPy's astype(np.int8), which
 * wraps modulo 256 ("261" is 5); -1 when int() refuses it, when the int8 is
 * not a colour 0-9, or past 2**63 in magnitude (where NumPy's array would
 * be uint64 or object and the reference's outcome depends on the other
 * elements). */
static int py_int_cell(const py_int *p) {
    if (p->bad || p->digits == 0 || p->underscore || p->digits > PY_INT_MAX_DIGITS) return -1;
    if (p->huge || p->value >= (1ull << 63)) return -1;
    unsigned b = (unsigned)(p->value & 0xff);
    if (p->neg) b = (256 - b) & 0xff;
    return b <= 9 ? (int)b : -1; /* 0x80-0xff are negative int8s */
}

/* The elements of [a, b) into g->c (at most 900) and its newline count.
 * Returns the element count, or -1 + seal_err. */
static int split_cells(const char *t, size_t a, size_t b, arc_grid *g, int *newlines) {
    int n = 0, in_token = 0;
    py_int tok = {0};
    *newlines = 0;
    for (size_t i = a; i <= b;) {
        uint32_t cp = ' ';
        size_t k = 1;
        if (i < b) k = seal_utf8_next(t + i, b - i, &cp);
        i += k;
        if (cp == '\n' && ++*newlines >= ARC_SIDE_MAX)
            return seal_err("prediction: over %d rows", ARC_SIDE_MAX); /* stop early: bounded work */
        if (cp == '[' || cp == ']' || cp == '#') continue; /* removed, not a separator */
        if (!py_space(cp)) {
            if (!in_token) tok = (py_int){.sign_ok = 1};
            in_token = 1;
            py_int_feed(&tok, cp);
            if (tok.bad) return seal_err("prediction: element %d is not an integer", n + 1);
            continue;
        }
        if (!in_token) continue;
        in_token = 0;
        int cell = py_int_cell(&tok);
        if (cell < 0) return seal_err("prediction: element %d is not an integer whose int8 is 0-9", n + 1);
        if (n == ARC_SIDE_MAX * ARC_SIDE_MAX) return seal_err("prediction: over %d cells", n);
        g->c[n++] = (unsigned char)cell;
    }
    return n;
}

int seal_arc_parse_prediction(const char *text, size_t len, arc_grid *out) {
    size_t a = 0, b = len;
    if (!text) return seal_err("prediction: no text");
    code_fence(text, &a, &b);
    py_strip(text, &a, &b);
    int newlines, n = split_cells(text, a, b, out, &newlines);
    if (n < 0) return -1;
    int rows = newlines + 1;
    if (n == 0) return seal_err("prediction: no cells");
    int cols = n / rows;
    if (cols * rows != n) return seal_err("prediction: %d cells do not fill %d rows", n, rows);
    if (cols > ARC_SIDE_MAX) return seal_err("prediction: %d columns, over %d", cols, ARC_SIDE_MAX);
    out->h = rows;
    out->w = cols;
    return 0;
}

/* ---- voting (arclib/voting.py) ----
 * Grids are the reference's tuples of row tuples; their Python hashes decide
 * the set orders that break its ties. */

#define N_GROUPS 7
#define N_CAND (N_GROUPS * 3)

/* The voting groups in the reference's order; -1 is "all". */
static const int group_view[N_GROUPS] = {-1, ARC_VIEW_IDENTITY, ARC_VIEW_TRANSPOSE, ARC_VIEW_FLIP0,
                                         ARC_VIEW_FLIP1, ARC_VIEW_ROT180, ARC_VIEW_ROT270};

typedef struct {
    seal_py_set set;
    int64_t *hash, *cnt;     /* per item: Python hash; per distinct item: count */
    int *first, *count, *order;
    arc_grid *tr;            /* transposed copies for the column majority */
    const arc_grid **tptr;   /* pointers to tr */
    const arc_grid **sub;    /* the grids a row vote draws from */
} vote_scratch;

/* Room for cap items in every array (cap >= the longest list voted on). */
static void scratch_init(vote_scratch *s, int cap) {
    size_t n = (size_t)cap;
    *s = (vote_scratch){0};
    s->hash = seal_malloc(n * sizeof *s->hash);
    s->cnt = seal_malloc(n * sizeof *s->cnt);
    s->first = seal_malloc(n * sizeof *s->first);
    s->count = seal_malloc(n * sizeof *s->count);
    s->order = seal_malloc(n * sizeof *s->order);
    s->tr = seal_malloc(n * sizeof *s->tr);
    s->tptr = seal_malloc(n * sizeof *s->tptr);
    s->sub = seal_malloc(n * sizeof *s->sub);
}

static void scratch_free(vote_scratch *s) {
    seal_py_set_free(&s->set);
    free(s->hash);
    free(s->cnt);
    free(s->first);
    free(s->count);
    free(s->order);
    free(s->tr);
    free(s->tptr);
    free(s->sub);
}

static int64_t row_hash(const arc_grid *g, int r) {
    int64_t lanes[ARC_SIDE_MAX];
    for (int c = 0; c < g->w; c++) lanes[c] = arc_at(g, r, c);
    return seal_py_tuple_hash(lanes, g->w);
}

/* hash(to_tuple(g)): a tuple of row tuples. */
static int64_t grid_hash(const arc_grid *g) {
    int64_t lanes[ARC_SIDE_MAX];
    for (int r = 0; r < g->h; r++) lanes[r] = row_hash(g, r);
    return seal_py_tuple_hash(lanes, g->h);
}

/* hash(np.array(g).shape) */
static int64_t shape_hash(const arc_grid *g) {
    int64_t lanes[2] = {g->h, g->w};
    return seal_py_tuple_hash(lanes, 2);
}

typedef struct {
    const arc_grid *const *g;
    int row; /* row_eq's row */
} eq_ctx;

static int grid_eq(const void *ctx, int a, int b) {
    const eq_ctx *e = ctx;
    return seal_arc_grid_equal(e->g[a], e->g[b]);
}

static int shape_eq(const void *ctx, int a, int b) {
    const eq_ctx *e = ctx;
    return e->g[a]->h == e->g[b]->h && e->g[a]->w == e->g[b]->w;
}

/* Row `row` of two grids of one width. */
static int row_eq(const void *ctx, int a, int b) {
    const eq_ctx *e = ctx;
    const arc_grid *x = e->g[a], *y = e->g[b];
    return memcmp(x->c + e->row * x->w, y->c + e->row * y->w, (size_t)x->w) == 0;
}

/* max(set(xs), key=xs.count) over xs = ctx's items 0..n) hashed in
 * s->hash: the first most common in set order; returns its item index. */
static int set_mode(vote_scratch *s, int n, seal_py_eq_fn eq, const eq_ctx *ctx) {
    int u = seal_py_set_order(&s->set, s->hash, n, eq, ctx, s->first, s->count);
    int best = 0;
    for (int i = 1; i < u; i++)
        if (s->count[i] > s->count[best]) best = i;
    return s->first[best];
}

/* row_base_majority_voting: the most common shape (H, W), then for each row
 * r < H the most common r-th row among the grids with more than r rows and
 * exactly W columns, whatever their height. Transposed: the same on the
 * transposed grids, the result transposed back (column majority). */
static void line_majority(vote_scratch *s, const arc_grid *const *g, int n, int transposed, arc_grid *out) {
    if (transposed) {
        for (int i = 0; i < n; i++) {
            seal_arc_view_apply(ARC_VIEW_TRANSPOSE, g[i], &s->tr[i]);
            s->tptr[i] = &s->tr[i];
        }
        g = s->tptr;
    }
    for (int i = 0; i < n; i++) s->hash[i] = shape_hash(g[i]);
    eq_ctx ctx = {g, 0};
    const arc_grid *shape = g[set_mode(s, n, shape_eq, &ctx)];
    arc_grid res = {.h = shape->h, .w = shape->w};
    for (int r = 0; r < res.h; r++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (g[i]->h > r && g[i]->w == res.w) {
                s->sub[m] = g[i];
                s->hash[m++] = row_hash(g[i], r);
            }
        eq_ctx rows = {s->sub, r};
        const arc_grid *win = s->sub[set_mode(s, m, row_eq, &rows)];
        memcpy(res.c + r * res.w, win->c + r * win->w, (size_t)res.w);
    }
    if (transposed) seal_arc_view_apply(ARC_VIEW_TRANSPOSE, &res, out);
    else *out = res;
}

/* get_all_type_of_votingsv2 on g[0..n), n >= 1: with the distinct grids in
 * set order and their counts, the first most common (np.argmax), the 2nd
 * and 3rd from the end of np.argsort(counts); a 2nd equal to the 1st becomes
 * the row majority (or, when that is the 1st too, the column majority); a
 * 3rd equal to either becomes the row majority unless that is one of them,
 * else the column majority. */
static void top3(vote_scratch *s, const arc_grid *const *g, int n, arc_grid res[3]) {
    eq_ctx ctx = {g, 0};
    for (int i = 0; i < n; i++) s->hash[i] = grid_hash(g[i]);
    int u = seal_py_set_order(&s->set, s->hash, n, grid_eq, &ctx, s->first, s->count);
    int best = 0;
    for (int i = 1; i < u; i++)
        if (s->count[i] > s->count[best]) best = i;
    const arc_grid *pick[3] = {g[s->first[best]], g[s->first[best]], g[s->first[best]]};
    if (u > 1) {
        for (int i = 0; i < u; i++) s->cnt[i] = s->count[i];
        seal_np_argsort(s->cnt, u, s->order);
        pick[1] = g[s->first[s->order[u - 2]]];
        if (u > 2) pick[2] = g[s->first[s->order[u - 3]]];
    }
    for (int k = 0; k < 3; k++) res[k] = *pick[k];
    arc_grid row, col;
    line_majority(s, g, n, 0, &row);
    line_majority(s, g, n, 1, &col);
    if (seal_arc_grid_equal(&res[1], &res[0])) res[1] = seal_arc_grid_equal(&row, &res[0]) ? col : row;
    if (seal_arc_grid_equal(&res[2], &res[0]) || seal_arc_grid_equal(&res[2], &res[1]))
        res[2] = seal_arc_grid_equal(&row, &res[0]) || seal_arc_grid_equal(&row, &res[1]) ? col : row;
}

static int count_equal(const arc_grid *const *g, int n, const arc_grid *x) {
    int k = 0;
    for (int i = 0; i < n; i++) k += seal_arc_grid_equal(g[i], x);
    return k;
}

static int usable(const arc_prediction *p) {
    return p->valid && p->g.h >= 1 && p->g.h <= ARC_SIDE_MAX && p->g.w >= 1 && p->g.w <= ARC_SIDE_MAX &&
           (int)p->inverter >= 0 && p->inverter < ARC_VIEW_COUNT;
}

/* The reference's vote(): predictions grouped by inverter in order of first
 * appearance, "all" their concatenation in that order (so each group is a
 * slice of it); three candidates from each group present, in the order all,
 * identity, Transpose, Flip(0), Flip(1), Rotate(180), Rotate(270); the
 * candidates voted again. When the 2nd and 3rd are equally common among the
 * candidates, the identity group decides: the 2nd stays only if it is more
 * common there than the 3rd, else the 3rd replaces it (without an identity
 * group the reference's KeyError is swallowed and the 2nd stays). */
void seal_arc_vote(const arc_prediction *p, int n, arc_grid attempts[2]) {
    int nv = 0, start[ARC_VIEW_COUNT] = {0}, len[ARC_VIEW_COUNT] = {0}, seen[ARC_VIEW_COUNT], n_seen = 0;
    for (int i = 0; p && i < n; i++)
        if (usable(&p[i]) && len[p[i].inverter]++ == 0) seen[n_seen++] = p[i].inverter;
    for (int k = 0; k < n_seen; k++) {
        start[seen[k]] = nv;
        nv += len[seen[k]];
    }
    if (nv == 0) {
        for (int a = 0; a < 2; a++) attempts[a] = (arc_grid){.h = 1, .w = 1};
        return;
    }
    const arc_grid **all = seal_malloc((size_t)nv * sizeof *all);
    int fill[ARC_VIEW_COUNT] = {0};
    for (int i = 0; i < n; i++)
        if (usable(&p[i])) all[start[p[i].inverter] + fill[p[i].inverter]++] = &p[i].g;
    vote_scratch s;
    scratch_init(&s, nv > N_CAND ? nv : N_CAND);
    arc_grid cand[N_CAND];
    const arc_grid *cp[N_CAND];
    int nc = 0;
    for (int k = 0; k < N_GROUPS; k++) {
        int v = group_view[k];
        if (v >= 0 && len[v] == 0) continue;
        top3(&s, v < 0 ? all : all + start[v], v < 0 ? nv : len[v], cand + nc);
        nc += 3;
    }
    for (int i = 0; i < nc; i++) cp[i] = &cand[i];
    arc_grid c[3];
    top3(&s, cp, nc, c);
    if (count_equal(cp, nc, &c[1]) == count_equal(cp, nc, &c[2]) && len[ARC_VIEW_IDENTITY] > 0) {
        const arc_grid *const *id = all + start[ARC_VIEW_IDENTITY];
        if (count_equal(id, len[ARC_VIEW_IDENTITY], &c[1]) <= count_equal(id, len[ARC_VIEW_IDENTITY], &c[2]))
            c[1] = c[2];
    }
    attempts[0] = c[0];
    attempts[1] = c[1];
    scratch_free(&s);
    free(all);
}
