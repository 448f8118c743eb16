/* augment.c: the reference's augmenters (arclib/augmenters.py as SEAL's
 * few-shot code uses them) and the geometric views of evaluation.
 *
 * Conventions, settled against arclib (seal-method.md §3.3, §7):
 * - Rotate(90) is np.rot90(g, k=1): counter-clockwise, out[i][j] = in[j][W-1-i];
 *   Rotate(270) is k=3, Rotate(180) k=2; the inverse of Rotate(a) is Rotate(360-a).
 * - Flip(0) is np.flipud, Flip(1) np.fliplr; both and Transpose are their own inverse.
 * - Reflect(axis, reverse) concatenates the grid with its flip along axis; reverse
 *   puts the flipped copy first.
 * - IncreaseResolution(f) repeats every row f times, then every column (np.repeat);
 *   IncreaseHeight only rows, IncreaseWidth only columns.
 * - Repeat(axis, n) tiles n times down (0), across (1), or both (2).
 * - Chain([v, IncreaseResolution(2)]): the view v, then the upscale.
 * - RandomTranslateXY rolls by (randint(0, min(4, H)), randint(0, min(4, W)))
 *   (np.roll, cyclic). It is a share_rng augmenter: every example of the task
 *   gets its own copy of the task's generator, the input takes draws 1-2 of
 *   that copy and the output draws 3-4; the task's generator is not advanced.
 * A grid over 30 a side makes the whole task fail (the reference drops it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "util/err.h"

enum {
    AUG_ROTATE,     /* arg: angle */
    AUG_FLIP,       /* arg: axis */
    AUG_REFLECT,    /* arg: axis, arg2: reverse */
    AUG_TRANSLATE,  /* RandomTranslateXY */
    AUG_TRANSPOSE,
    AUG_RESOLUTION, /* arg: factor */
    AUG_HEIGHT,     /* arg: factor */
    AUG_WIDTH,      /* arg: factor */
    AUG_CHAIN,      /* arg: the view, then IncreaseResolution(arg2) */
    AUG_REPEAT,     /* arg: axis 0/1/2, arg2: n */
};

/* ---- grid transformations (each returns -1 when the result exceeds 30 a side) ---- */

static int grid_shape(arc_grid *out, int h, int w) {
    if (h < 1 || w < 1 || h > ARC_SIDE_MAX || w > ARC_SIDE_MAX) return -1;
    out->h = h;
    out->w = w;
    return 0;
}

void seal_arc_view_apply(arc_view v, const arc_grid *in, arc_grid *out) {
    int h = in->h, w = in->w;
    int swap = v == ARC_VIEW_TRANSPOSE || v == ARC_VIEW_ROT90 || v == ARC_VIEW_ROT270;
    out->h = swap ? w : h;
    out->w = swap ? h : w;
    for (int i = 0; i < out->h; i++)
        for (int j = 0; j < out->w; j++) {
            int r = i, c = j; /* the source cell of out[i][j] */
            switch (v) {
            case ARC_VIEW_TRANSPOSE: r = j; c = i; break;
            case ARC_VIEW_FLIP0: r = h - 1 - i; break;
            case ARC_VIEW_FLIP1: c = w - 1 - j; break;
            case ARC_VIEW_ROT90: r = j; c = w - 1 - i; break;
            case ARC_VIEW_ROT180: r = h - 1 - i; c = w - 1 - j; break;
            case ARC_VIEW_ROT270: r = h - 1 - j; c = i; break;
            default: break;
            }
            out->c[i * out->w + j] = arc_at(in, r, c);
        }
}

arc_view seal_arc_view_inverse(arc_view v) {
    if (v == ARC_VIEW_ROT90) return ARC_VIEW_ROT270;
    if (v == ARC_VIEW_ROT270) return ARC_VIEW_ROT90;
    return v; /* identity, transpose, flips and rot180 undo themselves */
}

/* out[i][j] = in[i / fh][j / fw]: np.repeat along rows by fh, then columns by fw. */
static int grid_upscale(const arc_grid *in, int fh, int fw, arc_grid *out) {
    if (grid_shape(out, in->h * fh, in->w * fw)) return -1;
    for (int i = 0; i < out->h; i++)
        for (int j = 0; j < out->w; j++) out->c[i * out->w + j] = arc_at(in, i / fh, j / fw);
    return 0;
}

/* A th x tw tiling of in. */
static int grid_tile(const arc_grid *in, int th, int tw, arc_grid *out) {
    if (grid_shape(out, in->h * th, in->w * tw)) return -1;
    for (int i = 0; i < out->h; i++)
        for (int j = 0; j < out->w; j++) out->c[i * out->w + j] = arc_at(in, i % in->h, j % in->w);
    return 0;
}

/* np.concatenate((a, b), axis): a then b, down (0) or across (1). */
static int grid_concat(const arc_grid *a, const arc_grid *b, int axis, arc_grid *out) {
    int h = axis == 0 ? a->h + b->h : a->h, w = axis == 0 ? a->w : a->w + b->w;
    if (grid_shape(out, h, w)) return -1;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int second = axis == 0 ? i >= a->h : j >= a->w;
            const arc_grid *g = second ? b : a;
            int r = second && axis == 0 ? i - a->h : i, c = second && axis == 1 ? j - a->w : j;
            out->c[i * w + j] = arc_at(g, r, c);
        }
    return 0;
}

static int grid_reflect(const arc_grid *in, int axis, int reverse, arc_grid *out) {
    arc_grid flipped;
    seal_arc_view_apply(axis == 0 ? ARC_VIEW_FLIP0 : ARC_VIEW_FLIP1, in, &flipped);
    return reverse ? grid_concat(&flipped, in, axis, out) : grid_concat(in, &flipped, axis, out);
}

/* np.roll(g, (sx, sy), axis=(0, 1)): cell (r, c) moves to ((r+sx) % H, (c+sy) % W). */
static void grid_roll(const arc_grid *in, int sx, int sy, arc_grid *out) {
    out->h = in->h;
    out->w = in->w;
    for (int r = 0; r < in->h; r++)
        for (int c = 0; c < in->w; c++) out->c[((r + sx) % in->h) * in->w + (c + sy) % in->w] = arc_at(in, r, c);
}

/* RandomTranslateXY's apply_to_grid: two draws from rng (bounds from the grid's own shape). */
static void grid_translate(const arc_grid *in, np_random *rng, arc_grid *out) {
    int sx = (int)seal_nprandom_randint(rng, 0, in->h < 4 ? in->h : 4);
    int sy = (int)seal_nprandom_randint(rng, 0, in->w < 4 ? in->w : 4);
    grid_roll(in, sx, sy, out);
}

static arc_view rotate_view(int angle) {
    return angle == 90 ? ARC_VIEW_ROT90 : angle == 180 ? ARC_VIEW_ROT180 : ARC_VIEW_ROT270;
}

/* Every augmenter but RandomTranslateXY: a function of the grid alone. */
static int grid_augment(const arc_augmenter *a, const arc_grid *in, arc_grid *out) {
    arc_grid tmp;
    switch (a->kind) {
    case AUG_ROTATE: seal_arc_view_apply(rotate_view(a->arg), in, out); return 0;
    case AUG_FLIP: seal_arc_view_apply(a->arg == 0 ? ARC_VIEW_FLIP0 : ARC_VIEW_FLIP1, in, out); return 0;
    case AUG_TRANSPOSE: seal_arc_view_apply(ARC_VIEW_TRANSPOSE, in, out); return 0;
    case AUG_REFLECT: return grid_reflect(in, a->arg, a->arg2, out);
    case AUG_RESOLUTION: return grid_upscale(in, a->arg, a->arg, out);
    case AUG_HEIGHT: return grid_upscale(in, a->arg, 1, out);
    case AUG_WIDTH: return grid_upscale(in, 1, a->arg, out);
    case AUG_CHAIN:
        seal_arc_view_apply((arc_view)a->arg, in, &tmp);
        return grid_upscale(&tmp, a->arg2, a->arg2, out);
    case AUG_REPEAT: return grid_tile(in, a->arg == 1 ? 1 : a->arg2, a->arg == 0 ? 1 : a->arg2, out);
    default: return -1;
    }
}

/* One example (input, then output when has_out). rng: this example's own
 * generator copy for RandomTranslateXY (NULL for the others). */
static int pair_augment(const arc_augmenter *a, const arc_pair *in, int has_out, np_random *rng, arc_pair *out) {
    if (a->kind == AUG_TRANSLATE) {
        grid_translate(&in->in, rng, &out->in);
        if (has_out) grid_translate(&in->out, rng, &out->out);
        return 0;
    }
    if (grid_augment(a, &in->in, &out->in)) return -1;
    return has_out ? grid_augment(a, &in->out, &out->out) : 0;
}

int seal_arc_augment(const arc_augmenter *a, const arc_task *t, const np_random *rng, arc_task *out) {
    arc_task r = {.n_demo = t->n_demo, .has_out = t->has_out};
    if (t->n_demo) r.demo = seal_malloc(sizeof *r.demo * (size_t)t->n_demo);
    np_random copy;
    int bad = 0;
    for (int i = 0; i <= t->n_demo && !bad; i++) {
        int is_query = i == t->n_demo;
        if (a->kind == AUG_TRANSLATE) copy = *rng; /* share_rng: a fresh copy per example */
        bad = pair_augment(a, is_query ? &t->query : &t->demo[i], is_query ? t->has_out : 1,
                           a->kind == AUG_TRANSLATE ? &copy : NULL, is_query ? &r.query : &r.demo[i]);
    }
    if (bad) {
        free(r.demo);
        return 1;
    }
    *out = r;
    return 0;
}

/* ---- the four groups, in get_augmenters' order ---- */

static int push(arc_augmenter *out, int n, int kind, int arg, int arg2) {
    out[n] = (arc_augmenter){kind, arg, arg2};
    return n + 1;
}

int seal_arc_augmenters(unsigned groups, arc_augmenter *out) {
    int n = 0;
    if (groups & ARC_TOOL_BASIC) {
        n = push(out, n, AUG_ROTATE, 90, 0);
        n = push(out, n, AUG_ROTATE, 270, 0);
        n = push(out, n, AUG_ROTATE, 180, 0);
        n = push(out, n, AUG_FLIP, 0, 0);
        n = push(out, n, AUG_FLIP, 1, 0);
        n = push(out, n, AUG_REFLECT, 0, 1);
        n = push(out, n, AUG_REFLECT, 1, 1);
        n = push(out, n, AUG_REFLECT, 0, 0);
        n = push(out, n, AUG_REFLECT, 1, 0);
        n = push(out, n, AUG_TRANSLATE, 0, 0);
        n = push(out, n, AUG_TRANSPOSE, 0, 0);
    }
    if (groups & ARC_TOOL_SIZE) {
        n = push(out, n, AUG_RESOLUTION, 2, 0);
        n = push(out, n, AUG_HEIGHT, 2, 0);
        n = push(out, n, AUG_WIDTH, 2, 0);
    }
    if (groups & ARC_TOOL_CHAIN) {
        static const arc_view chained[6] = {ARC_VIEW_ROT90,  ARC_VIEW_ROT270, ARC_VIEW_ROT180,
                                            ARC_VIEW_FLIP0, ARC_VIEW_FLIP1,  ARC_VIEW_TRANSPOSE};
        for (int i = 0; i < 6; i++) n = push(out, n, AUG_CHAIN, chained[i], 2);
    }
    if (groups & ARC_TOOL_REPEAT)
        for (int axis = 0; axis < 3; axis++) n = push(out, n, AUG_REPEAT, axis, 2);
    return n;
}

/* The reference's str() of the view as an augmenter. */
static const char *view_name(arc_view v) {
    switch (v) {
    case ARC_VIEW_TRANSPOSE: return "Transpose()";
    case ARC_VIEW_FLIP0: return "Flip(0)";
    case ARC_VIEW_FLIP1: return "Flip(1)";
    case ARC_VIEW_ROT90: return "Rotate(90)";
    case ARC_VIEW_ROT180: return "Rotate(180)";
    case ARC_VIEW_ROT270: return "Rotate(270)";
    default: return "IdentityAugmenter()";
    }
}

const char *seal_arc_augmenter_name(const arc_augmenter *a, char *buf, int cap) {
    const char *tf = a->arg2 ? "True" : "False";
    switch (a->kind) {
    case AUG_ROTATE: snprintf(buf, (size_t)cap, "Rotate(%d)", a->arg); break;
    case AUG_FLIP: snprintf(buf, (size_t)cap, "Flip(%d)", a->arg); break;
    case AUG_REFLECT: snprintf(buf, (size_t)cap, "Reflect(%d, reverse=%s)", a->arg, tf); break;
    case AUG_TRANSLATE: snprintf(buf, (size_t)cap, "RandomTranslateXY()"); break;
    case AUG_TRANSPOSE: snprintf(buf, (size_t)cap, "Transpose()"); break;
    case AUG_RESOLUTION: snprintf(buf, (size_t)cap, "IncreaseResolution(%d)", a->arg); break;
    case AUG_HEIGHT: snprintf(buf, (size_t)cap, "IncreaseHeight(%d)", a->arg); break;
    case AUG_WIDTH: snprintf(buf, (size_t)cap, "IncreaseWidth(%d)", a->arg); break;
    case AUG_CHAIN:
        snprintf(buf, (size_t)cap, "Chain([%s, IncreaseResolution(%d)])", view_name((arc_view)a->arg), a->arg2);
        break;
    case AUG_REPEAT: snprintf(buf, (size_t)cap, "Repeat(%d, %d)", a->arg, a->arg2); break;
    default: snprintf(buf, (size_t)cap, "?");
    }
    return buf;
}
