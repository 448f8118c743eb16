/* arc_world.c: drawing the ARC world's puzzles (arc_world.h; the design and
 * its reasons: docs/world.md, "The ARC world").
 *
 * A puzzle is drawn in three steps, each retried until it holds:
 *   1. a program: one rule (with held-out or seen parameters, by split) or a
 *      composition (held-out or seen pair, by split), its parameters drawn
 *      from the family's space;
 *   2. inputs from the first rule's generator (sizes, palette, density drawn
 *      per puzzle), each mapped through the program;
 *   3. checks: every grid within the side cap, demonstrations and the test
 *      input distinct, every demonstration changed by the program, each rule
 *      of a composition visible (some demonstration differs from either
 *      rule alone), the test input's colours all seen in the demonstrations
 *      (a colour rule is then determined), a shift unambiguous on every grid.
 * The writer (arc_world_write.c) turns them into files. */
#include "sandbox/arc_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "util/err.h"
#include "util/rng.h"

/* Families a composition may apply second: total on any grid. */
static const int then_families[] = {AW_RECOLOUR, AW_FLIP, AW_TURN, AW_GRAVITY, AW_SHIFT, AW_ZOOM, AW_MIRROR, AW_BORDER};
#define N_THEN ((int)(sizeof then_families / sizeof then_families[0]))
/* Families drawn alone for training and evaluation: enough parameter values
 * to hold some out. */
static const int heldout_singles[] = {AW_RECOLOUR, AW_GRAVITY_WALL, AW_SHIFT, AW_BORDER,
                                      AW_MOVE_COLOUR, AW_CROP_FRAME, AW_SYMMETRY, AW_LARGEST};
#define N_HELDOUT_SINGLES ((int)(sizeof heldout_singles / sizeof heldout_singles[0]))


void seal_aw_opts_default(aw_opts *o) {
    static const double lrs[] = {1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2};
    static const int epochs[] = {1, 2, 3, 4, 5, 6, 8, 10};
    *o = (aw_opts){.seed = 1, .n_pretrain = 6000, .n_train = 64, .n_eval = 160, .n_selfedit = 3000,
                   .min_side = 3, .max_side = 8, .max_out_side = 12, .demos_min = 4, .demos_max = 5, .pre_demos_min = 2,
                   .pre_demos_max = 5, .eval_single = 0.3, .pre_single = 0.5,
                   .pre_families = (1u << AW_N_FAMILY) - 1};
    o->n_lr = (int)(sizeof lrs / sizeof lrs[0]);
    o->n_epochs = (int)(sizeof epochs / sizeof epochs[0]);
    memcpy(o->lrs, lrs, sizeof lrs);
    memcpy(o->epochs, epochs, sizeof epochs);
}

/* ---- held-out parameters and compositions ---- */

static int is_then(int f) {
    for (int i = 0; i < N_THEN; i++)
        if (then_families[i] == f) return 1;
    return 0;
}

/* Pairs that would be one rule in disguise (two D4 maps; the mirror of a
 * symmetric grid, which is a tiling: symmetry's outputs are symmetric, filled
 * rectangles often) or two of a kind. */
static int pair_allowed(int first, int then) {
    int d4a = first == AW_FLIP || first == AW_TURN, d4b = then == AW_FLIP || then == AW_TURN;
    int grav_a = first == AW_GRAVITY || first == AW_GRAVITY_WALL;
    int symmetric_a = first == AW_SYMMETRY || first == AW_FILL_HOLES;
    return first != then && is_then(then) && !(d4a && d4b) && !(grav_a && then == AW_GRAVITY) &&
           !(symmetric_a && then == AW_MIRROR);
}

/* The held-out compositions, as unordered pairs: some pairs commute (zoom
 * and flip) or are one another with other parameters (a turn then gravity
 * down is gravity left then the turn), so both orders are held out together.
 * Chosen by hand to spread over the four tool profiles the evaluation draws
 * balance (colour permutation preserves or poisons x basic poisons or not). */
static const int heldout_pairs[][2] = {
    {AW_FLIP, AW_MIRROR},      {AW_FLIP, AW_ZOOM},      {AW_ZOOM, AW_MIRROR},    /* colour P, basic mixed */
    {AW_FILL_HOLES, AW_FLIP},  {AW_FILL_HOLES, AW_ZOOM},
    {AW_TURN, AW_GRAVITY},     {AW_SHIFT, AW_MIRROR},   {AW_GRAVITY, AW_ZOOM},   /* colour P, basic X */
    {AW_FILL_HOLES, AW_GRAVITY},
    {AW_RECOLOUR, AW_MIRROR},  {AW_CROP_FRAME, AW_FLIP}, {AW_SYMMETRY, AW_ZOOM},
    {AW_LARGEST, AW_RECOLOUR}, {AW_BORDER, AW_ZOOM},    {AW_FILL_HOLES, AW_RECOLOUR}, /* colour X, basic P or mixed */
    {AW_RECOLOUR, AW_GRAVITY}, {AW_GRAVITY_WALL, AW_SHIFT}, {AW_MOVE_COLOUR, AW_FLIP},
    {AW_CROP_FRAME, AW_TURN},  {AW_LARGEST, AW_SHIFT},  {AW_SYMMETRY, AW_GRAVITY}, /* colour X, basic X */
};

int seal_aw_composition_heldout(int first, int then) {
    if (first < 0 || first >= AW_N_FAMILY || !pair_allowed(first, then)) return -1;
    for (size_t i = 0; i < sizeof heldout_pairs / sizeof heldout_pairs[0]; i++) {
        const int *h = heldout_pairs[i];
        if ((h[0] == first && h[1] == then) || (h[0] == then && h[1] == first)) return 1;
    }
    return 0;
}

/* The evaluation profile of a program: colour permutation preserves (0) or
 * poisons (2), times basic poisons (1) or not (0). */
static int profile(const aw_program *p) {
    return 2 * (seal_aw_tag(p, AW_COLOUR) == AW_POISONS) + (seal_aw_tag(p, AW_BASIC) == AW_POISONS);
}

int seal_aw_rule_heldout(const aw_rule *r) {
    switch (r->family) {
    case AW_BORDER:
    case AW_CROP_FRAME:
    case AW_LARGEST: /* two of the nine colours, different per family */
        return r->p[0] == r->family % 9 + 1 || r->p[0] == (r->family + 4) % 9 + 1;
    case AW_RECOLOUR:
    case AW_GRAVITY_WALL:
    case AW_SHIFT:
    case AW_MOVE_COLOUR:
    case AW_SYMMETRY: { /* one parameter tuple in four, by a fixed hash */
        uint64_t h = (uint64_t)r->family;
        for (int i = 0; i < AW_NPARAM; i++) h = seal_mix64(h ^ (uint64_t)(r->p[i] + 16));
        return h % 4 == 0;
    }
    default: return 0; /* small spaces (4 gravity sides, 2 zooms...) are never held out alone */
    }
}

/* ---- drawing ---- */

static int below(seal_rng *r, int n) { return (int)seal_rng_below(r, (uint64_t)n); }
static int between(seal_rng *r, int lo, int hi) { return lo + below(r, hi - lo + 1); }
static int sign(seal_rng *r) { return below(r, 2) ? 1 : -1; }

/* k distinct colours of 1-9 other than the ones in `not` (a bit set), into out. */
static int palette(seal_rng *r, int k, unsigned not, int *out) {
    int pool[9], n = 0;
    for (int c = 1; c <= 9; c++)
        if (!(not >> c & 1)) pool[n++] = c;
    if (k > n) k = n;
    for (int i = 0; i < k; i++) {
        int j = i + below(r, n - i), t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        out[i] = pool[i];
    }
    return k;
}

/* The per-puzzle look of the inputs: palette, density, side range. */
typedef struct {
    int pal[9], npal;
    double density;
    int hlo, hhi, wlo, whi;
} look;

static void draw_rule(seal_rng *r, int family, aw_rule *out) {
    memset(out, 0, sizeof *out);
    out->family = family;
    int *p = out->p;
    static const int flips[3] = {ARC_VIEW_FLIP0, ARC_VIEW_FLIP1, ARC_VIEW_ROT180};
    static const int turns[4] = {ARC_VIEW_ROT90, ARC_VIEW_ROT270, ARC_VIEW_TRANSPOSE, -1};
    switch (family) {
    case AW_RECOLOUR: /* each colour moves elsewhere (sometimes to 0): 8-9 choices per colour */
        for (int c = 1; c < 10; c++) {
            int t = below(r, 7) ? between(r, 1, 8) : 0;
            p[c] = t && t >= c ? t + 1 : t;
        }
        break;
    case AW_FLIP: p[0] = flips[below(r, 3)]; break;
    case AW_TURN: p[0] = turns[below(r, 4)]; break;
    case AW_GRAVITY: p[0] = below(r, 4); break;
    case AW_GRAVITY_WALL: p[0] = below(r, 4), p[1] = between(r, 1, 9); break;
    case AW_SHIFT: p[0] = sign(r) * between(r, 1, 3), p[1] = sign(r) * between(r, 1, 3); break;
    case AW_ZOOM: p[0] = between(r, 2, 3); break;
    case AW_MIRROR: p[0] = below(r, 2), p[1] = below(r, 2); break;
    case AW_MOVE_COLOUR: p[0] = between(r, 1, 9), p[1] = sign(r) * between(r, 1, 2), p[2] = sign(r) * between(r, 1, 2); break;
    case AW_SYMMETRY: p[0] = below(r, 2), p[1] = between(r, 1, 9); break;
    default: p[0] = between(r, 1, 9); break; /* border, crop_frame, largest: one colour */
    }
}

/* Colours the first rule gives a meaning to: kept out of the palette. */
static unsigned reserved_colours(const aw_rule *a) {
    switch (a->family) {
    case AW_GRAVITY_WALL: return 1u << a->p[1];
    case AW_CROP_FRAME:
    case AW_SYMMETRY: return 1u << a->p[a->family == AW_SYMMETRY ? 1 : 0];
    case AW_LARGEST: return 1u << a->p[0];
    default: return 0;
    }
}

static void draw_look(seal_rng *r, const aw_opts *o, const aw_rule *a, look *lk) {
    int lo = o->min_side, hi = o->max_side;
    if (a->family == AW_ZOOM && hi > o->max_out_side / a->p[0]) hi = o->max_out_side / a->p[0];
    if (a->family == AW_MIRROR && hi > o->max_out_side / 2) hi = o->max_out_side / 2;
    if (a->family == AW_CROP_FRAME && lo < 5) lo = 5;
    if (a->family == AW_SHIFT && lo < 2 * abs(a->p[0]) + 1) lo = 2 * abs(a->p[0]) + 1;
    if (hi < 1) hi = 1;
    if (lo > hi) lo = hi; /* too small for the rule: its checks reject the puzzle and another is drawn */
    lk->hlo = lk->wlo = lo;
    lk->hhi = lk->whi = hi;
    if (a->family == AW_SHIFT) { /* rows bounded by dy, columns by dx */
        lk->wlo = 2 * abs(a->p[1]) + 1 > lo ? 2 * abs(a->p[1]) + 1 : lo;
        if (lk->wlo > hi) lk->wlo = hi;
    }
    lk->npal = palette(r, between(r, 2, 4), reserved_colours(a), lk->pal);
    if (a->family == AW_MOVE_COLOUR) { /* the mover is on the palette */
        int has = 0;
        for (int i = 0; i < lk->npal; i++) has |= lk->pal[i] == a->p[0];
        if (!has) lk->pal[0] = a->p[0];
    }
    lk->density = 0.2 + 0.35 * seal_rng_double(r);
}

static int pal_colour(seal_rng *r, const look *lk) { return lk->pal[below(r, lk->npal)]; }

static void noise(seal_rng *r, const look *lk, double density, arc_grid *g) {
    for (int i = 0; i < g->h * g->w; i++) g->c[i] = seal_rng_double(r) < density ? (unsigned char)pal_colour(r, lk) : 0;
}

/* A rectangle outline of colour c with noise around and inside it (just
 * noise on a grid under 4 a side, which the crop then refuses). */
static void framed(seal_rng *r, const look *lk, int c, arc_grid *g) {
    noise(r, lk, lk->density, g);
    if (g->h < 4 || g->w < 4) return;
    int fh = between(r, 4, g->h), fw = between(r, 4, g->w);
    int r0 = below(r, g->h - fh + 1), c0 = below(r, g->w - fw + 1);
    for (int i = 0; i < fh; i++)
        for (int j = 0; j < fw; j++)
            if (i == 0 || j == 0 || i == fh - 1 || j == fw - 1) g->c[(r0 + i) * g->w + c0 + j] = (unsigned char)c;
}

/* One to three rectangle outlines of palette colours (at least 3 a side, so
 * each encloses a hole), apart from each other and on an empty background:
 * every hole then has one enclosing colour (no tie for the rule to break). */
static void enclosures(seal_rng *r, const look *lk, arc_grid *g) {
    memset(g->c, 0, (size_t)(g->h * g->w));
    int n = between(r, 1, 3);
    for (int k = 0, tries = 0; k < n && tries < 20 && g->h >= 3 && g->w >= 3; tries++) {
        int fh = between(r, 3, g->h), fw = between(r, 3, g->w), c = pal_colour(r, lk);
        int r0 = below(r, g->h - fh + 1), c0 = below(r, g->w - fw + 1), clear = 1;
        for (int i = r0 - 1; i <= r0 + fh && clear; i++) /* the box and a margin of one are empty */
            for (int j = c0 - 1; j <= c0 + fw && clear; j++)
                clear = i < 0 || j < 0 || i >= g->h || j >= g->w || !g->c[i * g->w + j];
        if (!clear) continue;
        for (int i = 0; i < fh; i++)
            for (int j = 0; j < fw; j++)
                if (i == 0 || j == 0 || i == fh - 1 || j == fw - 1) g->c[(r0 + i) * g->w + c0 + j] = (unsigned char)c;
        k++;
    }
}

/* A grid symmetric about its axis, a few cells masked (never a cell and its
 * mirror, never a cell on the axis). */
static void masked_symmetric(seal_rng *r, const look *lk, int axis, int mask, arc_grid *g) {
    for (int i = 0; i < g->h; i++)
        for (int j = 0; j < g->w; j++) {
            int mi = axis == 1 ? g->h - 1 - i : i, mj = axis == 0 ? g->w - 1 - j : j;
            if (mi * g->w + mj < i * g->w + j) g->c[i * g->w + j] = g->c[mi * g->w + mj];
            else g->c[i * g->w + j] = seal_rng_double(r) < 0.3 + lk->density ? (unsigned char)pal_colour(r, lk) : 0;
        }
    int want = 1 + below(r, 1 + g->h * g->w / 10);
    for (int t = 0; t < 4 * want && want > 0; t++) {
        int i = below(r, g->h), j = below(r, g->w);
        int mi = axis == 1 ? g->h - 1 - i : i, mj = axis == 0 ? g->w - 1 - j : j;
        if ((mi == i && mj == j) || g->c[mi * g->w + mj] == mask) continue;
        g->c[i * g->w + j] = (unsigned char)mask;
        want--;
    }
}

static void draw_input(seal_rng *r, const aw_rule *a, const look *lk, arc_grid *g) {
    g->h = between(r, lk->hlo, lk->hhi);
    g->w = between(r, lk->wlo, lk->whi);
    switch (a->family) {
    case AW_GRAVITY_WALL:
        noise(r, lk, lk->density * 0.8, g);
        for (int i = 0; i < g->h * g->w; i++)
            if (seal_rng_double(r) < 0.12) g->c[i] = (unsigned char)a->p[1];
        break;
    case AW_CROP_FRAME: framed(r, lk, a->p[0], g); break;
    case AW_SYMMETRY: masked_symmetric(r, lk, a->p[0], a->p[1], g); break;
    case AW_FILL_HOLES: enclosures(r, lk, g); break;
    case AW_RECOLOUR:
    case AW_FLIP:
    case AW_TURN:
    case AW_ZOOM: noise(r, lk, lk->density + 0.2, g); break;
    default: noise(r, lk, lk->density, g); break;
    }
}

/* ---- checks ---- */

static unsigned colours_of(const arc_grid *g) {
    unsigned m = 0;
    for (int i = 0; i < g->h * g->w; i++) m |= 1u << g->c[i];
    return m;
}

static int fits(const arc_grid *g, int side) { return g->h <= side && g->w <= side; }

/* A shift is read unambiguously when no grid is smaller than twice it. */
static int shift_readable(const aw_rule *s, const arc_grid *g) {
    return s->family != AW_SHIFT || (g->h > 2 * abs(s->p[0]) && g->w > 2 * abs(s->p[1]));
}

/* x -> y is a demonstration of p that shows each of its rules: for a
 * composition the first rule changes x and the second changes that; *first_matters
 * is set when the second rule alone would not give y. */
static int pair_ok(const aw_program *p, int side, const arc_grid *x, arc_grid *y, int *first_matters) {
    if (seal_aw_apply(p, x, y) || !fits(y, side) || seal_arc_grid_equal(x, y)) return 0;
    if (!shift_readable(&p->r[0], x)) return 0;
    if (p->n == 1) return 1;
    arc_grid mid, alone;
    aw_program a = {1, {p->r[0]}}, b = {1, {p->r[1]}};
    seal_aw_apply(&a, x, &mid);
    if (seal_arc_grid_equal(x, &mid) || seal_arc_grid_equal(&mid, y) || !shift_readable(&p->r[1], &mid)) return 0;
    *first_matters |= seal_aw_apply(&b, x, &alone) || !seal_arc_grid_equal(&alone, y);
    return 1;
}

/* The (input, output) pairs of the pretraining puzzles, as sorted hashes:
 * a held-out puzzle never shows one of them (a tiny grid can come out of two
 * rules alike), so that no held-out pair occurs in the pretraining text. */
typedef struct {
    uint64_t *h;
    int n;
} pair_set;

static uint64_t pair_hash(const arc_pair *p) { return seal_arc_grid_hash(&p->out, seal_arc_grid_hash(&p->in, 0x70616972)); }

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void pair_set_build(pair_set *s, const aw_puzzle *pz, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) total += pz[i].t.n_demo + 1;
    s->h = seal_malloc(sizeof *s->h * (size_t)(total ? total : 1));
    s->n = 0;
    for (int i = 0; i < n; i++) {
        for (int d = 0; d < pz[i].t.n_demo; d++) s->h[s->n++] = pair_hash(&pz[i].t.demo[d]);
        s->h[s->n++] = pair_hash(&pz[i].t.query);
    }
    qsort(s->h, (size_t)s->n, sizeof *s->h, cmp_u64);
}

static int pair_seen(const pair_set *s, const arc_pair *p) {
    uint64_t h = pair_hash(p);
    return s && bsearch(&h, s->h, (size_t)s->n, sizeof h, cmp_u64) != NULL;
}

/* Inputs and outputs for program p: n demonstrations and a test pair.
 * 0, or -1 when the draws did not satisfy the checks (the caller redraws). */
static int draw_pairs(seal_rng *r, const aw_opts *o, const aw_program *p, int n, const pair_set *seen, arc_task *t) {
    look lk;
    draw_look(r, o, &p->r[0], &lk);
    arc_pair pairs[16];
    int shows_both = p->n == 1, query_flag = 0;
    unsigned demo_colours = 0;
    for (int i = 0; i <= n; i++) {
        int ok = 0;
        for (int tries = 0; tries < 30 && !ok; tries++) {
            draw_input(r, &p->r[0], &lk, &pairs[i].in);
            ok = pair_ok(p, o->max_out_side, &pairs[i].in, &pairs[i].out, i < n ? &shows_both : &query_flag) && !pair_seen(seen, &pairs[i]);
            for (int j = 0; j < i && ok; j++) ok = !seal_arc_grid_equal(&pairs[j].in, &pairs[i].in);
            if (ok && i == n) ok = (colours_of(&pairs[i].in) & ~demo_colours) == 0;
        }
        if (!ok) return -1;
        if (i < n) demo_colours |= colours_of(&pairs[i].in);
    }
    if (!shows_both) return -1;
    t->n_demo = n;
    t->demo = seal_malloc(sizeof *t->demo * (size_t)n);
    memcpy(t->demo, pairs, sizeof *t->demo * (size_t)n);
    t->query = pairs[n];
    t->has_out = 1;
    return 0;
}

/* A program for the split: held-out (train, eval) or seen (pretraining)
 * parameters and compositions. */
static void draw_program(seal_rng *r, const aw_opts *o, aw_split split, aw_program *p) {
    int heldout = split != AW_PRETRAIN;
    double single = heldout ? o->eval_single : o->pre_single;
    if (seal_rng_double(r) < single) {
        p->n = 1;
        int fam;
        do fam = heldout ? heldout_singles[below(r, N_HELDOUT_SINGLES)] : below(r, AW_N_FAMILY);
        while (!heldout && !(o->pre_families >> fam & 1u));
        do draw_rule(r, fam, &p->r[0]);
        while (seal_aw_rule_heldout(&p->r[0]) != heldout);
        return;
    }
    int first, then;
    do {
        first = below(r, AW_N_FAMILY);
        then = then_families[below(r, N_THEN)];
    } while (seal_aw_composition_heldout(first, then) != heldout ||
             (!heldout && !(o->pre_families >> first & o->pre_families >> then & 1u)));
    p->n = 2;
    do { /* pretraining shows no held-out parameter value, not even inside a composition */
        draw_rule(r, first, &p->r[0]);
        draw_rule(r, then, &p->r[1]);
    } while (!heldout && (seal_aw_rule_heldout(&p->r[0]) || seal_aw_rule_heldout(&p->r[1])));
}

static int draw_puzzle(seal_rng *r, const aw_opts *o, aw_split split, const pair_set *seen, aw_puzzle *pz) {
    int lo = split == AW_PRETRAIN ? o->pre_demos_min : o->demos_min;
    int hi = split == AW_PRETRAIN ? o->pre_demos_max : o->demos_max;
    /* held-out puzzles: a profile first, uniformly, then programs until one
     * has it (bounded: with --eval-single 1 no single rule has the colour-free,
     * basic-preserving profile, and any program is then taken) */
    int want = split == AW_PRETRAIN ? -1 : below(r, 4);
    for (int tries = 0; tries < 2000; tries++) {
        int draws = 0;
        do draw_program(r, o, split, &pz->prog);
        while (want >= 0 && profile(&pz->prog) != want && ++draws < 1000);
        if (draw_pairs(r, o, &pz->prog, between(r, lo, hi), seen, &pz->t) == 0) return 0;
    }
    char d[200];
    seal_aw_describe(&pz->prog, d, sizeof d);
    return seal_err("world arc: could not draw a puzzle (last program %s) with sides %d-%d and outputs up to %d", d,
                    o->min_side, o->max_side, o->max_out_side);
}

static int check_opts(const aw_opts *o) {
    if (o->min_side < 2 || o->min_side > o->max_side || o->max_side > o->max_out_side || o->max_out_side > ARC_SIDE_MAX)
        return seal_err("world arc: sides %d-%d, outputs up to %d (need 2 <= min <= max <= outputs' <= %d)", o->min_side,
                        o->max_side, o->max_out_side, ARC_SIDE_MAX);
    if (o->demos_min < 2 || o->demos_max > 15 || o->demos_min > o->demos_max)
        return seal_err("world arc: demonstrations %d-%d (need 2 <= min <= max <= 15)", o->demos_min, o->demos_max);
    if (o->pre_demos_min < 1 || o->pre_demos_max > 15 || o->pre_demos_min > o->pre_demos_max)
        return seal_err("world arc: pretraining demonstrations %d-%d (need 1 <= min <= max <= 15)", o->pre_demos_min,
                        o->pre_demos_max);
    if (o->n_lr < 1 || o->n_epochs < 1) return seal_err("world arc: no learning rate or epochs for self-edits");
    if (o->n_selfedit > 0 && o->n_pretrain < 1) return seal_err("world arc: self-edit documents need pretraining puzzles");
    if (o->n_pretrain < 0 || o->n_train < 0 || o->n_eval < 0 || o->n_selfedit < 0)
        return seal_err("world arc: negative puzzle count");
    if (o->n_pretrain > 0 && !(o->pre_families & ((1u << AW_N_FAMILY) - 1)))
        return seal_err("world arc: no family left for pretraining puzzles");
    int pairs = 0; /* the drawing loops of draw_program must end */
    for (int f = 0; f < AW_N_FAMILY; f++)
        for (int t = 0; t < N_THEN; t++)
            pairs += (o->pre_families >> f & o->pre_families >> then_families[t] & 1u) &&
                     seal_aw_composition_heldout(f, then_families[t]) == 0;
    if (o->n_pretrain > 0 && o->pre_single < 1 && pairs == 0)
        return seal_err("world arc: the pretraining families allow no seen composition (use --pretrain-single 1, "
                        "or allow one of the second rules: recolour, flip, turn, gravity, shift, zoom, mirror, border)");
    return 0;
}

int seal_aw_generate(aw_world *w, const aw_opts *o) {
    memset(w, 0, sizeof *w);
    if (check_opts(o)) return -1;
    w->opts = *o;
    int total = o->n_pretrain + o->n_train + o->n_eval;
    w->pz = seal_calloc((size_t)(total ? total : 1), sizeof *w->pz);
    static const char prefix[3] = {'p', 't', 'e'};
    pair_set seen = {0};
    for (int i = 0; i < total; i++) {
        aw_split split = i < o->n_pretrain ? AW_PRETRAIN : i < o->n_pretrain + o->n_train ? AW_TRAIN : AW_EVAL;
        int k = split == AW_PRETRAIN ? i : split == AW_TRAIN ? i - o->n_pretrain : i - o->n_pretrain - o->n_train;
        aw_puzzle *pz = &w->pz[i];
        seal_rng r; /* one stream per puzzle: a split's size does not move the other splits' puzzles */
        seal_rng_seed(&r, seal_mix64(o->seed * 4 + (uint64_t)split) ^ (uint64_t)k);
        pz->split = split;
        snprintf(pz->id, sizeof pz->id, "%c%05d", prefix[split], k);
        if (i == o->n_pretrain) pair_set_build(&seen, w->pz, o->n_pretrain);
        w->n = i + 1;
        if (draw_puzzle(&r, o, split, split == AW_PRETRAIN ? NULL : &seen, pz)) {
            free(seen.h);
            seal_aw_free(w);
            return -1;
        }
    }
    free(seen.h);
    return 0;
}

void seal_aw_free(aw_world *w) {
    for (int i = 0; i < w->n; i++) seal_arc_task_free(&w->pz[i].t);
    free(w->pz);
    memset(w, 0, sizeof *w);
}
