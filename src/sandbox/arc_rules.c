/* arc_rules.c: the ARC world's grid rules, their declared tool-group tags
 * and their descriptions (arc_world.h). Parameters, by family:
 *   recolour     p[c] = the new colour of c (p[0] = 0)
 *   flip, turn   p[0] = an arc_view, or -1 for the anti-transpose (turn)
 *   gravity      p[0] = side (0 down, 1 up, 2 left, 3 right)
 *   gravity_wall p[0] = side, p[1] = the wall colour
 *   shift        p[0] = dy, p[1] = dx (cyclic, both non-zero)
 *   zoom         p[0] = k
 *   mirror       p[0] = axis (0: above/below, 1: beside), p[1] = the mirror image first
 *   border       p[0] = colour
 *   move_colour  p[0] = colour, p[1] = dy, p[2] = dx (cells moved off the grid are lost)
 *   crop_frame   p[0] = the frame's colour
 *   symmetry     p[0] = axis (0: left-right mirror, 1: up-down), p[1] = the mask colour
 *   largest      p[0] = colour
 *   fill_holes   none */
#include <stdio.h>
#include <string.h>

#include "arc/augment.h"
#include "sandbox/arc_world.h"

static const char *const family_name[AW_N_FAMILY] = {
    "recolour", "flip", "turn", "gravity", "gravity_wall", "shift", "zoom",
    "mirror", "border", "move_colour", "crop_frame", "symmetry", "largest", "fill_holes"};

const char *seal_aw_family_name(int f) { return f >= 0 && f < AW_N_FAMILY ? family_name[f] : "?"; }

int seal_aw_family_by_name(const char *name) {
    for (int f = 0; f < AW_N_FAMILY; f++)
        if (!strcmp(family_name[f], name)) return f;
    return -1;
}

const char *seal_aw_group_name(int g) {
    static const char *const n[AW_N_GROUP] = {"basic", "size", "chain", "repeat", "colour"};
    return g >= 0 && g < AW_N_GROUP ? n[g] : "?";
}

const char *seal_aw_tag_name(aw_tag t) {
    return t == AW_PRESERVES ? "preserves" : t == AW_POISONS ? "poisons" : "mixed";
}

/* ---- the rules ---- */

static int set_shape(arc_grid *g, int h, int w) {
    if (h < 1 || w < 1 || h > ARC_SIDE_MAX || w > ARC_SIDE_MAX) return -1;
    g->h = h;
    g->w = w;
    return 0;
}

static void recolour(const int *map, const arc_grid *in, arc_grid *out) {
    *out = *in;
    for (int i = 0; i < in->h * in->w; i++) out->c[i] = (unsigned char)map[in->c[i]];
}

/* The anti-transpose (mirror on the other diagonal) is not an arc_view:
 * transpose, then half turn. */
static void view_or_anti(int v, const arc_grid *in, arc_grid *out) {
    if (v >= 0) {
        seal_arc_view_apply((arc_view)v, in, out);
        return;
    }
    arc_grid t;
    seal_arc_view_apply(ARC_VIEW_TRANSPOSE, in, &t);
    seal_arc_view_apply(ARC_VIEW_ROT180, &t, out);
}

/* Cells other than 0 and wall fall toward side; a wall cell stays and stops
 * them. Done on lines along the fall: each segment between walls keeps its
 * movers in order, packed against the side. */
static void gravity(int side, int wall, const arc_grid *in, arc_grid *out) {
    *out = *in;
    int vertical = side < 2, toward_end = side == 0 || side == 3;
    int nlines = vertical ? in->w : in->h, len = vertical ? in->h : in->w;
    for (int l = 0; l < nlines; l++) {
        int seg = 0;
        while (seg < len) {
            int end = seg;
            while (end < len) {
                int r = vertical ? end : l, c = vertical ? l : end;
                if (wall > 0 && arc_at(in, r, c) == wall) break;
                end++;
            }
            /* [seg, end) is a segment: collect its movers in reading order */
            unsigned char mv[ARC_SIDE_MAX];
            int k = 0;
            for (int i = seg; i < end; i++) {
                unsigned char v = vertical ? arc_at(in, i, l) : arc_at(in, l, i);
                if (v) mv[k++] = v;
            }
            for (int i = seg; i < end; i++) {
                int j = toward_end ? i - (end - k) : i - seg; /* index into mv, or out of [0, k) */
                unsigned char v = j >= 0 && j < k ? mv[j] : 0;
                if (vertical) out->c[i * in->w + l] = v;
                else out->c[l * in->w + i] = v;
            }
            seg = end + 1;
        }
    }
}

static int mod(int a, int m) { return ((a % m) + m) % m; }

static void shift(int dy, int dx, const arc_grid *in, arc_grid *out) {
    out->h = in->h;
    out->w = in->w;
    for (int r = 0; r < in->h; r++)
        for (int c = 0; c < in->w; c++)
            out->c[mod(r + dy, in->h) * in->w + mod(c + dx, in->w)] = arc_at(in, r, c);
}

static int zoom(int k, const arc_grid *in, arc_grid *out) {
    if (set_shape(out, in->h * k, in->w * k)) return -1;
    for (int r = 0; r < out->h; r++)
        for (int c = 0; c < out->w; c++) out->c[r * out->w + c] = arc_at(in, r / k, c / k);
    return 0;
}

static int mirror(int axis, int flipped_first, const arc_grid *in, arc_grid *out) {
    int h = axis == 0 ? 2 * in->h : in->h, w = axis == 1 ? 2 * in->w : in->w;
    if (set_shape(out, h, w)) return -1;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            int second = axis == 0 ? r >= in->h : c >= in->w;
            int rr = axis == 0 && second ? r - in->h : r, cc = axis == 1 && second ? c - in->w : c;
            if (second != flipped_first) { /* this half is the mirror image */
                if (axis == 0) rr = in->h - 1 - rr;
                else cc = in->w - 1 - cc;
            }
            out->c[r * w + c] = arc_at(in, rr, cc);
        }
    return 0;
}

static void border(int colour, const arc_grid *in, arc_grid *out) {
    *out = *in;
    for (int r = 0; r < in->h; r++)
        for (int c = 0; c < in->w; c++)
            if (r == 0 || c == 0 || r == in->h - 1 || c == in->w - 1) out->c[r * in->w + c] = (unsigned char)colour;
}

static void move_colour(int colour, int dy, int dx, const arc_grid *in, arc_grid *out) {
    *out = *in;
    for (int i = 0; i < in->h * in->w; i++)
        if (in->c[i] == colour) out->c[i] = 0;
    for (int r = 0; r < in->h; r++)
        for (int c = 0; c < in->w; c++) {
            int nr = r + dy, nc = c + dx;
            if (arc_at(in, r, c) == colour && nr >= 0 && nr < in->h && nc >= 0 && nc < in->w)
                out->c[nr * in->w + nc] = (unsigned char)colour;
        }
}

/* The inside of the bounding box of the cells of colour: undefined when
 * there are none or the inside is empty. */
static int crop_frame(int colour, const arc_grid *in, arc_grid *out) {
    int r0 = in->h, r1 = -1, c0 = in->w, c1 = -1;
    for (int r = 0; r < in->h; r++)
        for (int c = 0; c < in->w; c++)
            if (arc_at(in, r, c) == colour) {
                if (r < r0) r0 = r;
                if (r > r1) r1 = r;
                if (c < c0) c0 = c;
                if (c > c1) c1 = c;
            }
    if (r1 - r0 < 2 || c1 - c0 < 2) return -1;
    if (set_shape(out, r1 - r0 - 1, c1 - c0 - 1)) return -1;
    for (int r = 0; r < out->h; r++)
        for (int c = 0; c < out->w; c++) out->c[r * out->w + c] = arc_at(in, r0 + 1 + r, c0 + 1 + c);
    return 0;
}

/* A cell of the mask colour takes its mirror cell's colour (the mirror of
 * column c is w-1-c for axis 0, of row r is h-1-r for axis 1) unless that is
 * masked too. */
static void symmetry(int axis, int mask, const arc_grid *in, arc_grid *out) {
    *out = *in;
    for (int r = 0; r < in->h; r++)
        for (int c = 0; c < in->w; c++) {
            if (arc_at(in, r, c) != mask) continue;
            unsigned char m = axis == 0 ? arc_at(in, r, in->w - 1 - c) : arc_at(in, in->h - 1 - r, c);
            if (m != mask) out->c[r * in->w + c] = m;
        }
}

/* Objects: 4-connected cells of one non-0 colour. lab[i] = the object of
 * cell i (-1 for 0 cells), size[k] = cells of object k. Returns the count. */
static int objects(const arc_grid *g, int *lab, int *size) {
    int n = g->h * g->w, k = 0, stack[ARC_SIDE_MAX * ARC_SIDE_MAX];
    for (int i = 0; i < n; i++) lab[i] = -1;
    for (int i = 0; i < n; i++) {
        if (!g->c[i] || lab[i] >= 0) continue;
        int top = 0;
        size[k] = 0;
        lab[i] = k;
        stack[top++] = i;
        while (top) {
            int j = stack[--top], r = j / g->w, c = j % g->w;
            size[k]++;
            const int nb[4][2] = {{r - 1, c}, {r + 1, c}, {r, c - 1}, {r, c + 1}};
            for (int d = 0; d < 4; d++) {
                int rr = nb[d][0], cc = nb[d][1], q = rr * g->w + cc;
                if (rr < 0 || rr >= g->h || cc < 0 || cc >= g->w || lab[q] >= 0 || g->c[q] != g->c[i]) continue;
                lab[q] = k;
                stack[top++] = q;
            }
        }
        k++;
    }
    return k;
}

/* Every object of the largest size becomes colour. */
static void largest(int colour, const arc_grid *in, arc_grid *out) {
    int lab[ARC_SIDE_MAX * ARC_SIDE_MAX], size[ARC_SIDE_MAX * ARC_SIDE_MAX];
    int k = objects(in, lab, size), best = 0;
    for (int i = 0; i < k; i++)
        if (size[i] > best) best = size[i];
    *out = *in;
    for (int i = 0; i < in->h * in->w; i++)
        if (lab[i] >= 0 && size[lab[i]] == best) out->c[i] = (unsigned char)colour;
}

/* Regions of 0 cells (4-connected) that do not touch the edge take the
 * colour most often met across their boundary (ties: the smaller colour;
 * with one-colour enclosures there are none). */
static void fill_holes(const arc_grid *in, arc_grid *out) {
    int n = in->h * in->w, seen[ARC_SIDE_MAX * ARC_SIDE_MAX] = {0}, region[ARC_SIDE_MAX * ARC_SIDE_MAX];
    *out = *in;
    for (int s = 0; s < n; s++) {
        if (in->c[s] || seen[s]) continue;
        int k = 0, edge = 0, count[ARC_COLOURS] = {0};
        seen[s] = 1;
        region[k++] = s;
        for (int q = 0; q < k; q++) { /* breadth first: region[] is also the queue */
            int r = region[q] / in->w, c = region[q] % in->w;
            edge |= r == 0 || c == 0 || r == in->h - 1 || c == in->w - 1;
            const int nb[4][2] = {{r - 1, c}, {r + 1, c}, {r, c - 1}, {r, c + 1}};
            for (int d = 0; d < 4; d++) {
                int rr = nb[d][0], cc = nb[d][1], j = rr * in->w + cc;
                if (rr < 0 || rr >= in->h || cc < 0 || cc >= in->w) continue;
                if (in->c[j]) count[in->c[j]]++;
                else if (!seen[j]) seen[j] = 1, region[k++] = j;
            }
        }
        int best = 0;
        for (int col = 1; col < ARC_COLOURS; col++)
            if (count[col] > count[best]) best = col;
        for (int q = 0; q < k && !edge; q++) out->c[region[q]] = (unsigned char)best;
    }
}

static int rule_apply(const aw_rule *r, const arc_grid *in, arc_grid *out) {
    const int *p = r->p;
    switch (r->family) {
    case AW_RECOLOUR: recolour(p, in, out); return 0;
    case AW_FLIP:
    case AW_TURN: view_or_anti(p[0], in, out); return 0;
    case AW_GRAVITY: gravity(p[0], 0, in, out); return 0;
    case AW_GRAVITY_WALL: gravity(p[0], p[1], in, out); return 0;
    case AW_SHIFT: shift(p[0], p[1], in, out); return 0;
    case AW_ZOOM: return zoom(p[0], in, out);
    case AW_MIRROR: return mirror(p[0], p[1], in, out);
    case AW_BORDER: border(p[0], in, out); return 0;
    case AW_MOVE_COLOUR: move_colour(p[0], p[1], p[2], in, out); return 0;
    case AW_CROP_FRAME: return crop_frame(p[0], in, out);
    case AW_SYMMETRY: symmetry(p[0], p[1], in, out); return 0;
    case AW_LARGEST: largest(p[0], in, out); return 0;
    case AW_FILL_HOLES: fill_holes(in, out); return 0;
    default: return -1;
    }
}

int seal_aw_apply(const aw_program *p, const arc_grid *in, arc_grid *out) {
    if (p->n < 1 || p->n > 2) return -1;
    arc_grid mid;
    if (rule_apply(&p->r[0], in, p->n == 1 ? out : &mid)) return -1;
    return p->n == 1 ? 0 : rule_apply(&p->r[1], &mid, out);
}

/* ---- declared tags (docs/world.md's table; tests/unit/test_arc_world.c measures them) ---- */

enum { P = AW_PRESERVES, X = AW_POISONS, M = AW_MIXED };

/* basic, size, chain, repeat, colour. RandomTranslateXY (basic) rolls input
 * and output by different draws, so it breaks every rule: the basic tag
 * counts the other ten augmenters. */
static const unsigned char family_tag[AW_N_FAMILY][AW_N_GROUP] = {
    [AW_RECOLOUR] = {P, P, P, P, X},     /* cell by cell: commutes with every map of positions */
    [AW_FLIP] = {M, P, M, P, P},         /* commutes with the maps it commutes with in D4 */
    [AW_TURN] = {X, X, X, X, P},         /* quarter turns and diagonals swap height and width */
    [AW_GRAVITY] = {X, P, X, X, P},      /* a turn changes the side; tiling along the fall stacks */
    [AW_GRAVITY_WALL] = {X, P, X, X, X}, /* ... and the wall is one colour */
    [AW_SHIFT] = {X, X, X, P, P},        /* maps change the vector, upscaling doubles it; a tiling is periodic */
    [AW_ZOOM] = {P, P, P, P, P},         /* blocks commute with D4, upscaling and tiling */
    [AW_MIRROR] = {M, P, X, X, P},       /* tiling along the mirror's axis swaps the halves' order */
    [AW_BORDER] = {M, X, X, X, X},       /* reflections and tiles put frame lines inside */
    [AW_MOVE_COLOUR] = {X, X, X, M, X},  /* tiles change the result only near a seam */
    [AW_CROP_FRAME] = {M, X, X, X, X},   /* two frames, or a thick one */
    [AW_SYMMETRY] = {M, P, M, P, X},     /* a quarter turn changes the axis */
    [AW_LARGEST] = {M, P, P, M, X},      /* reflections and tiles merge objects at the seam */
    [AW_FILL_HOLES] = {P, P, P, P, P},   /* apart one-colour rectangles: no seam closes or merges a hole (measured) */
};

aw_tag seal_aw_rule_tag(const aw_rule *r, int g) {
    if (r->family < 0 || r->family >= AW_N_FAMILY || g < 0 || g >= AW_N_GROUP) return AW_MIXED;
    /* the half turn is central in D4: every view of the chain group commutes with it */
    if (r->family == AW_FLIP && r->p[0] == ARC_VIEW_ROT180 && g == AW_CHAIN) return AW_PRESERVES;
    /* quarter turns commute with the three rotations of the chain group: three of six */
    if (r->family == AW_TURN && (r->p[0] == ARC_VIEW_ROT90 || r->p[0] == ARC_VIEW_ROT270) && g == AW_CHAIN)
        return AW_MIXED;
    return (aw_tag)family_tag[r->family][g];
}

aw_tag seal_aw_tag(const aw_program *p, int g) {
    aw_tag a = seal_aw_rule_tag(&p->r[0], g);
    if (p->n == 1) return a;
    aw_tag b = seal_aw_rule_tag(&p->r[1], g);
    if (a == AW_POISONS || b == AW_POISONS) return AW_POISONS;
    return a == AW_PRESERVES && b == AW_PRESERVES ? AW_PRESERVES : AW_MIXED;
}

/* ---- descriptions ---- */

static const char *view_word(int v) {
    switch (v) {
    case ARC_VIEW_FLIP0: return "up-down";
    case ARC_VIEW_FLIP1: return "left-right";
    case ARC_VIEW_ROT180: return "half-turn";
    case ARC_VIEW_ROT90: return "rot90";
    case ARC_VIEW_ROT270: return "rot270";
    case ARC_VIEW_TRANSPOSE: return "transpose";
    default: return "anti-transpose";
    }
}

static int rule_describe(const aw_rule *r, char *buf, int cap) {
    static const char *const side[4] = {"down", "up", "left", "right"};
    const int *p = r->p;
    const char *name = seal_aw_family_name(r->family);
    switch (r->family) {
    case AW_RECOLOUR: {
        int n = snprintf(buf, (size_t)cap, "recolour(");
        for (int c = 1, first = 1; c < 10 && n < cap; c++)
            if (p[c] != c) {
                n += snprintf(buf + n, (size_t)(cap - n), "%s%d>%d", first ? "" : ",", c, p[c]);
                first = 0;
            }
        return n < cap ? n + snprintf(buf + n, (size_t)(cap - n), ")") : n;
    }
    case AW_FLIP:
    case AW_TURN: return snprintf(buf, (size_t)cap, "%s(%s)", name, view_word(p[0]));
    case AW_GRAVITY: return snprintf(buf, (size_t)cap, "%s(%s)", name, side[p[0] & 3]);
    case AW_GRAVITY_WALL: return snprintf(buf, (size_t)cap, "%s(%s,wall=%d)", name, side[p[0] & 3], p[1]);
    case AW_SHIFT: return snprintf(buf, (size_t)cap, "%s(%d,%d)", name, p[0], p[1]);
    case AW_ZOOM: return snprintf(buf, (size_t)cap, "%s(%d)", name, p[0]);
    case AW_MIRROR:
        return snprintf(buf, (size_t)cap, "%s(%s%s)", name, p[0] ? "beside" : "below", p[1] ? ",image-first" : "");
    case AW_MOVE_COLOUR: return snprintf(buf, (size_t)cap, "%s(%d,%d,%d)", name, p[0], p[1], p[2]);
    case AW_SYMMETRY: return snprintf(buf, (size_t)cap, "%s(%s,mask=%d)", name, p[0] ? "up-down" : "left-right", p[1]);
    case AW_FILL_HOLES: return snprintf(buf, (size_t)cap, "%s", name);
    default: return snprintf(buf, (size_t)cap, "%s(%d)", name, p[0]);
    }
}

void seal_aw_describe(const aw_program *p, char *buf, int cap) {
    int n = rule_describe(&p->r[0], buf, cap);
    if (p->n == 2 && n >= 0 && n < cap - 6) {
        n += snprintf(buf + n, (size_t)(cap - n), " then ");
        if (n < cap) rule_describe(&p->r[1], buf + n, cap - n);
    }
}
