/* test_arc_augment.c: the ARC augmenters, views, colour permutation, leave-n
 * tasks, TTT set, cap and evaluation queries on hand-worked small grids.
 *
 * With arguments it is the driver of tests/arc/test_arc_augment.sh instead:
 *   test_arc_augment --dump < tasks.txt
 * reads one task a line ("MODE n_demo/has_out HxW:cells ...", grids in the
 * order demo0.in demo0.out ... query.in [query.out]) and prints every result
 * in the same text form, for the NumPy oracle beside that script to compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc/augment.h"
#include "check.h"
#include "util/err.h"

/* ---- small grids ---- */

static arc_grid grid_of(int h, int w, const char *cells) {
    arc_grid g = {.h = h, .w = w};
    for (int i = 0; i < h * w; i++) g.c[i] = (unsigned char)(cells[i] - '0');
    return g;
}

static int grid_is(const arc_grid *g, int h, int w, const char *cells) {
    arc_grid e = grid_of(h, w, cells);
    return seal_arc_grid_equal(g, &e);
}

/* A task of n demos (in_i, out_i) and a query (qin, qout). */
static arc_task task_of2(int n, const arc_grid *in, const arc_grid *out, arc_grid qin, arc_grid qout) {
    arc_task t = {.n_demo = n, .has_out = 1};
    t.demo = n ? calloc((size_t)n, sizeof *t.demo) : NULL;
    for (int i = 0; i < n; i++) t.demo[i] = (arc_pair){in[i], out[i]};
    t.query = (arc_pair){qin, qout};
    return t;
}

static void test_views(void) {
    arc_grid g = grid_of(2, 3, "123456"), o, back;
    static const struct { arc_view v; int h, w; const char *cells; } want[] = {
        {ARC_VIEW_IDENTITY, 2, 3, "123456"}, {ARC_VIEW_TRANSPOSE, 3, 2, "142536"},
        {ARC_VIEW_FLIP0, 2, 3, "456123"},    {ARC_VIEW_FLIP1, 2, 3, "321654"},
        {ARC_VIEW_ROT90, 3, 2, "362514"},    {ARC_VIEW_ROT180, 2, 3, "654321"},
        {ARC_VIEW_ROT270, 3, 2, "415263"},
    };
    for (int i = 0; i < 7; i++) {
        seal_arc_view_apply(want[i].v, &g, &o);
        CHECK_MSG(grid_is(&o, want[i].h, want[i].w, want[i].cells), "view %d", want[i].v);
        seal_arc_view_apply(seal_arc_view_inverse(want[i].v), &o, &back);
        CHECK_MSG(seal_arc_grid_equal(&back, &g), "inverse of view %d", want[i].v);
    }
    CHECK(seal_arc_view_inverse(ARC_VIEW_ROT90) == ARC_VIEW_ROT270);
    CHECK(seal_arc_view_inverse(ARC_VIEW_ROT180) == ARC_VIEW_ROT180);
}

static void test_groups_and_names(void) {
    arc_augmenter a[ARC_AUG_MAX];
    char buf[96];
    CHECK(seal_arc_augmenters(ARC_TOOL_BASIC, a) == 11);
    CHECK(seal_arc_augmenters(ARC_TOOL_SIZE, a) == 3);
    CHECK(seal_arc_augmenters(ARC_TOOL_CHAIN, a) == 6);
    CHECK(seal_arc_augmenters(ARC_TOOL_REPEAT, a) == 3);
    CHECK(seal_arc_augmenters(0, a) == 0);
    CHECK(seal_arc_augmenters(ARC_TOOL_ALL, a) == 23);
    static const char *names[23] = {
        "Rotate(90)", "Rotate(270)", "Rotate(180)", "Flip(0)", "Flip(1)", "Reflect(0, reverse=True)",
        "Reflect(1, reverse=True)", "Reflect(0, reverse=False)", "Reflect(1, reverse=False)", "RandomTranslateXY()",
        "Transpose()", "IncreaseResolution(2)", "IncreaseHeight(2)", "IncreaseWidth(2)",
        "Chain([Rotate(90), IncreaseResolution(2)])", "Chain([Rotate(270), IncreaseResolution(2)])",
        "Chain([Rotate(180), IncreaseResolution(2)])", "Chain([Flip(0), IncreaseResolution(2)])",
        "Chain([Flip(1), IncreaseResolution(2)])", "Chain([Transpose(), IncreaseResolution(2)])", "Repeat(0, 2)",
        "Repeat(1, 2)", "Repeat(2, 2)"};
    for (int i = 0; i < 23; i++)
        CHECK_MSG(!strcmp(seal_arc_augmenter_name(&a[i], buf, sizeof buf), names[i]), "%d: %s", i, buf);
}

/* Each augmenter on the demo [[1,2],[3,4]] -> [[5,6],[7,8]], worked by hand. */
static void test_augmenters(void) {
    arc_grid in = grid_of(2, 2, "1234"), out = grid_of(2, 2, "5678");
    arc_task t = task_of2(1, &in, &out, grid_of(1, 1, "9"), grid_of(1, 1, "0"));
    arc_augmenter a[ARC_AUG_MAX];
    seal_arc_augmenters(ARC_TOOL_ALL, a);
    static const struct { int i, h, w; const char *cells; } want[] = {
        {0, 2, 2, "2413"},                 /* Rotate(90): counter-clockwise */
        {1, 2, 2, "3142"},                 /* Rotate(270) */
        {2, 2, 2, "4321"},                 /* Rotate(180) */
        {3, 2, 2, "3412"},                 /* Flip(0): up-down */
        {4, 2, 2, "2143"},                 /* Flip(1): left-right */
        {5, 4, 2, "34121234"},             /* Reflect(0, reverse=True): flipped copy above */
        {6, 2, 4, "21124334"},             /* Reflect(1, reverse=True): flipped copy left */
        {7, 4, 2, "12343412"},             /* Reflect(0, reverse=False) */
        {8, 2, 4, "12213443"},             /* Reflect(1, reverse=False) */
        {10, 2, 2, "1324"},                /* Transpose */
        {11, 4, 4, "1122112233443344"},    /* IncreaseResolution(2) */
        {12, 4, 2, "12123434"},            /* IncreaseHeight(2) */
        {13, 2, 4, "11223344"},            /* IncreaseWidth(2) */
        {14, 4, 4, "2244224411331133"},    /* Rotate(90) then IncreaseResolution(2) */
        {19, 4, 4, "1133113322442244"},    /* Transpose then IncreaseResolution(2) */
        {20, 4, 2, "12341234"},            /* Repeat(0, 2) */
        {21, 2, 4, "12123434"},            /* Repeat(1, 2) */
        {22, 4, 4, "1212343412123434"},    /* Repeat(2, 2) */
    };
    np_random rng;
    seal_nprandom_seed(&rng, 0);
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        arc_task r;
        CHECK(seal_arc_augment(&a[want[k].i], &t, &rng, &r) == 0);
        CHECK_MSG(grid_is(&r.demo[0].in, want[k].h, want[k].w, want[k].cells), "augmenter %d", want[k].i);
        seal_arc_task_free(&r);
    }
    /* the same rule reaches the output and the query */
    arc_task r;
    seal_arc_augment(&a[3], &t, &rng, &r);
    CHECK(grid_is(&r.demo[0].out, 2, 2, "7856") && grid_is(&r.query.in, 1, 1, "9") && r.has_out);
    seal_arc_task_free(&r);
    /* a query without a known output: only its input is transformed */
    t.has_out = 0;
    t.query.in = grid_of(1, 2, "12");
    CHECK(seal_arc_augment(&a[11], &t, &rng, &r) == 0 && !r.has_out && grid_is(&r.query.in, 2, 4, "11221122"));
    seal_arc_task_free(&r);
    seal_arc_task_free(&t);
}

/* A grid past 30 a side drops the whole task; 15 doubled is still fine. */
static void test_too_big(void) {
    arc_grid big = {.h = 16, .w = 3}, ok = {.h = 15, .w = 15}, small = grid_of(1, 1, "1");
    arc_task t = task_of2(1, &big, &small, small, small), u = task_of2(1, &ok, &small, small, small), r;
    arc_augmenter a[ARC_AUG_MAX];
    seal_arc_augmenters(ARC_TOOL_ALL, a);
    np_random rng;
    seal_nprandom_seed(&rng, 0);
    CHECK(seal_arc_augment(&a[11], &t, &rng, &r) == 1); /* IncreaseResolution: 32 rows */
    CHECK(seal_arc_augment(&a[5], &t, &rng, &r) == 1);  /* Reflect(0): 32 rows */
    CHECK(seal_arc_augment(&a[0], &t, &rng, &r) == 0);  /* Rotate: 3 x 16 */
    seal_arc_task_free(&r);
    CHECK(seal_arc_augment(&a[22], &u, &rng, &r) == 0 && r.demo[0].in.h == 30 && r.demo[0].in.w == 30);
    seal_arc_task_free(&r);
    seal_arc_task_free(&t);
    seal_arc_task_free(&u);
}

/* RandomTranslateXY: MT19937(0)'s first words are 2357136044, 2546248239,
 * 3071714933, 3626093760. randint(0, 4) masks with 3: input shifts (0, 3),
 * output shifts (1, 0), for every example (each takes a copy), and the
 * task's generator does not move. On a 2x2 grid randint(0, 2) masks with 1:
 * (0, 1) and (1, 0). */
static void test_translate(void) {
    arc_grid in = grid_of(4, 4, "1000000000000000"), out = grid_of(4, 4, "2000000000000000");
    arc_grid ins[2] = {in, in}, outs[2] = {out, out};
    arc_task t = task_of2(2, ins, outs, grid_of(2, 2, "1000"), grid_of(2, 2, "2000")), r;
    arc_augmenter a[ARC_AUG_MAX];
    seal_arc_augmenters(ARC_TOOL_BASIC, a);
    np_random rng, before;
    seal_nprandom_seed(&rng, 0);
    before = rng;
    CHECK(seal_arc_augment(&a[9], &t, &rng, &r) == 0);
    for (int i = 0; i < 2; i++) {
        CHECK(arc_at(&r.demo[i].in, 0, 3) == 1);  /* (0,0) rolled by (0, 3) */
        CHECK(arc_at(&r.demo[i].out, 1, 0) == 2); /* rolled by (1, 0) */
    }
    CHECK(grid_is(&r.query.in, 2, 2, "0100") && grid_is(&r.query.out, 2, 2, "0020"));
    CHECK(memcmp(&rng, &before, sizeof rng) == 0);
    seal_arc_task_free(&r);
    seal_arc_task_free(&t);
}

/* Colours 1-5 used: remaining = list(set(range(1, 10)) - {1..5}) = [8, 9, 6, 7]
 * (CPython's table order); RandomState(0).shuffle gives [6, 7, 9, 8] and
 * permutation([1..5]) [1, 3, 2, 5, 4] (checked by NumPy). Colours 1-4 pop 8,
 * 9, 7, 6; colour 5 finds none left, pops 4 and swaps: map[4] = 5 overwrites
 * 6 and map[5] = 4, so 6 is never produced (the reference's quirk). */
static void test_colour_map(void) {
    arc_grid in = grid_of(1, 5, "12345"), out = grid_of(1, 1, "1");
    arc_task t = task_of2(1, &in, &out, grid_of(1, 1, "2"), grid_of(1, 1, "3"));
    np_random rng;
    seal_nprandom_seed(&rng, 0);
    unsigned char map[ARC_COLOURS];
    seal_arc_colour_map(&t, &rng, map);
    static const unsigned char want[ARC_COLOURS] = {0, 8, 9, 7, 5, 4, 6, 7, 8, 9};
    for (int c = 0; c < ARC_COLOURS; c++) CHECK_MSG(map[c] == want[c], "colour %d -> %d", c, map[c]);
    seal_arc_task_free(&t);
    /* all nine colours used: no unused ones, so pairs swap (an involution) */
    arc_grid all = grid_of(1, 9, "123456789");
    t = task_of2(1, &all, &all, all, all);
    for (unsigned s = 0; s < 20; s++) {
        seal_nprandom_seed(&rng, s);
        seal_arc_colour_map(&t, &rng, map);
        CHECK(map[0] == 0);
        for (int c = 1; c < ARC_COLOURS; c++) CHECK(map[c] >= 1 && map[c] <= 9 && map[map[c]] == c);
    }
    seal_arc_task_free(&t);
}

/* Three demos A, B, C: leave-1 gives (B C | A), (A C | B), (A B | C); leave-2
 * gives (C | A), (B | A), (C | B), (A | B), (B | C), (A | C). */
static void test_leave_n(void) {
    arc_grid in[3] = {grid_of(1, 1, "1"), grid_of(1, 1, "2"), grid_of(1, 1, "3")};
    arc_task t = task_of2(3, in, in, grid_of(1, 1, "9"), grid_of(1, 1, "9"));
    arc_task_list l = {0};
    CHECK(seal_arc_leave_n_tasks(&t, 1, &l) == 0 && l.n == 3);
    static const char *want1[3] = {"23", "13", "12"}, *q1 = "123";
    for (int i = 0; i < l.n && i < 3; i++) {
        CHECK(l.t[i].n_demo == 2 && l.t[i].has_out);
        CHECK(l.t[i].demo[0].in.c[0] == want1[i][0] - '0' && l.t[i].demo[1].in.c[0] == want1[i][1] - '0');
        CHECK(l.t[i].query.in.c[0] == q1[i] - '0');
    }
    seal_arc_task_list_free(&l);
    CHECK(seal_arc_leave_n_tasks(&t, 2, &l) == 0 && l.n == 6);
    static const char *want2 = "323121", *q2 = "112233";
    for (int i = 0; i < l.n && i < 6; i++)
        CHECK(l.t[i].n_demo == 1 && l.t[i].demo[0].in.c[0] == want2[i] - '0' && l.t[i].query.in.c[0] == q2[i] - '0');
    seal_arc_task_list_free(&l);
    CHECK_ERR(seal_arc_leave_n_tasks(&t, 0, &l), "at least 1");
    seal_arc_task_free(&t);
    /* two demos: leave-2 tasks have no demos */
    t = task_of2(2, in, in, in[0], in[0]);
    CHECK(seal_arc_leave_n_tasks(&t, 2, &l) == 0 && l.n == 2 && l.t[0].n_demo == 0 && l.t[1].n_demo == 0);
    seal_arc_task_list_free(&l);
    seal_arc_task_free(&t);
}

/* The TTT set without tools: per n the plain leave-n tasks, deduplicated,
 * plus a demo-shuffled copy of each. Demos A, A (equal), B: leave-1 has
 * (A B | A) twice -> once, and (A A | B); shuffles can only repeat them, so
 * the set is those 2 tasks or with the swapped (B A | A): 2 or 3 tasks. */
static void test_ttt_small(void) {
    arc_grid in[3] = {grid_of(1, 1, "1"), grid_of(1, 1, "1"), grid_of(1, 1, "2")};
    arc_task t = task_of2(3, in, in, grid_of(1, 1, "9"), grid_of(1, 1, "9"));
    arc_task_list l = {0};
    int one = 1;
    CHECK(seal_arc_ttt_tasks(&t, 0, &one, 1, &l) == 0);
    CHECK_MSG(l.n == 2 || l.n == 3, "%d tasks", l.n);
    for (int i = 0; i < l.n; i++)
        for (int j = 0; j < i; j++) CHECK(!seal_arc_task_equal(&l.t[i], &l.t[j]));
    seal_arc_task_list_free(&l);
    int bad = 0;
    CHECK_ERR(seal_arc_ttt_tasks(&t, ARC_TOOL_ALL, &bad, 1, &l), "at least 1");
    /* every tool on a 3-demo task: no duplicates, nothing over 30 a side */
    int both[2] = {1, 2};
    CHECK(seal_arc_ttt_tasks(&t, ARC_TOOL_ALL, both, 2, &l) == 0 && l.n > 20);
    int n = l.n;
    seal_arc_cap(&l, 250, 0);
    CHECK(l.n == (n < 250 ? n : 250));
    seal_arc_cap(&l, 5, 0);
    CHECK(l.n == 5);
    seal_arc_task_list_free(&l);
    seal_arc_task_free(&t);
}

/* Evaluation on demos A, B with a query Q: leave-1 contexts (B | Q), (A | Q),
 * one demo each so permutations change nothing: 2 tasks, then the views. */
static void test_queries(void) {
    arc_grid in[2] = {grid_of(1, 2, "12"), grid_of(1, 2, "34")};
    arc_task t = task_of2(2, in, in, grid_of(1, 2, "56"), grid_of(1, 2, "56"));
    arc_query_list q = {0};
    CHECK(seal_arc_eval_queries(&t, 1, 2, 0, &q) == 0);
    int plain = 0;
    for (int i = 0; i < q.n; i++) {
        plain += q.q[i].inverse == ARC_VIEW_IDENTITY;
        arc_grid back;
        seal_arc_view_apply(q.q[i].inverse, &q.q[i].t.query.in, &back);
        CHECK(grid_is(&back, 1, 2, "56")); /* every query maps back to the real test input */
    }
    CHECK(plain == 2 && q.n >= 3 && q.n <= 7);
    seal_arc_query_list_free(&q);
    CHECK(seal_arc_eval_queries(&t, 3, 2, 0, &q) == 0 && q.n == 0); /* fewer demos than n */
    CHECK_ERR(seal_arc_eval_queries(&t, -1, 2, 0, &q), "negative");
    seal_arc_task_free(&t);
}

/* ---- the driver of tests/arc/test_arc_augment.sh ---- */

static int read_grid(char **p, arc_grid *g) {
    int h, w, used;
    if (sscanf(*p, " %dx%d:%n", &h, &w, &used) != 2 || h < 1 || w < 1 || h > ARC_SIDE_MAX || w > ARC_SIDE_MAX)
        return -1;
    *p += used;
    g->h = h;
    g->w = w;
    for (int i = 0; i < h * w; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        g->c[i] = (unsigned char)(**p - '0');
    }
    return 0;
}

static int read_task(char *p, arc_task *t) {
    int used;
    memset(t, 0, sizeof *t);
    if (sscanf(p, " %d/%d%n", &t->n_demo, &t->has_out, &used) != 2 || t->n_demo < 0 || t->n_demo > 100) return -1;
    p += used;
    t->demo = t->n_demo ? calloc((size_t)t->n_demo, sizeof *t->demo) : NULL;
    for (int i = 0; i < t->n_demo; i++)
        if (read_grid(&p, &t->demo[i].in) || read_grid(&p, &t->demo[i].out)) return -1;
    if (read_grid(&p, &t->query.in)) return -1;
    return t->has_out ? read_grid(&p, &t->query.out) : 0;
}

static void put_grid(const arc_grid *g) {
    printf(" %dx%d:", g->h, g->w);
    for (int i = 0; i < g->h * g->w; i++) putchar('0' + g->c[i]);
}

static void put_task(const arc_task *t) {
    printf("%d/%d", t->n_demo, t->has_out);
    for (int i = 0; i < t->n_demo; i++) {
        put_grid(&t->demo[i].in);
        put_grid(&t->demo[i].out);
    }
    put_grid(&t->query.in);
    if (t->has_out) put_grid(&t->query.out);
    putchar('\n');
}

static void put_list(const char *tag, const arc_task_list *l) {
    printf("%s %d\n", tag, l->n);
    for (int i = 0; i < l->n; i++) put_task(&l->t[i]);
}

/* The colour map of t under RandomState(seed). */
static void put_colour_map(const arc_task *t, unsigned seed) {
    np_random rng;
    unsigned char map[ARC_COLOURS];
    seal_nprandom_seed(&rng, seed);
    seal_arc_colour_map(t, &rng, map);
    printf("COLOUR %u ", seed);
    for (int c = 0; c < ARC_COLOURS; c++) putchar('0' + map[c]);
    putchar('\n');
}

/* Every augmenter on t itself with RandomState(7), each view of the query
 * input, and the colour maps of seeds 0-4. */
static void dump_light(const arc_task *t) {
    arc_augmenter a[ARC_AUG_MAX];
    int n = seal_arc_augmenters(ARC_TOOL_ALL, a);
    np_random rng;
    seal_nprandom_seed(&rng, 7);
    for (int i = 0; i < n; i++) {
        char name[96];
        arc_task r;
        printf("AUG %s ", seal_arc_augmenter_name(&a[i], name, sizeof name));
        if (seal_arc_augment(&a[i], t, &rng, &r)) {
            printf("DROP\n");
            continue;
        }
        put_task(&r);
        seal_arc_task_free(&r);
    }
    for (int v = 0; v < ARC_VIEW_COUNT; v++) {
        arc_grid g, back;
        seal_arc_view_apply((arc_view)v, &t->query.in, &g);
        seal_arc_view_apply(seal_arc_view_inverse((arc_view)v), &g, &back);
        printf("VIEW %d", v);
        put_grid(&g);
        printf(" inverse %s\n", seal_arc_grid_equal(&back, &t->query.in) ? "ok" : "bad");
    }
    for (unsigned s = 0; s < 5; s++) put_colour_map(t, s);
}

/* Leave-n tasks, TTT sets (all tools, basic only, none), the capped set and
 * the evaluation queries. */
static void dump_full(const arc_task *t) {
    arc_task_list l = {0};
    for (int n = 1; n <= 2; n++) {
        char tag[32];
        snprintf(tag, sizeof tag, "LEAVE %d", n);
        seal_arc_leave_n_tasks(t, n, &l);
        put_list(tag, &l);
        seal_arc_task_list_free(&l);
    }
    static const unsigned groups[3] = {ARC_TOOL_ALL, ARC_TOOL_BASIC, 0};
    int leave[2] = {1, 2};
    for (int g = 0; g < 3; g++) {
        char tag[32];
        snprintf(tag, sizeof tag, "TTT %u", groups[g]);
        seal_arc_ttt_tasks(t, groups[g], leave, 2, &l);
        put_list(tag, &l);
        if (groups[g] == ARC_TOOL_ALL) {
            seal_arc_cap(&l, 250, 0);
            put_list("CAP", &l);
        }
        seal_arc_task_list_free(&l);
    }
    for (int n = 1; n <= 2; n++) {
        arc_query_list q = {0};
        seal_arc_eval_queries(t, n, 2, 0, &q);
        printf("QUERY %d %d\n", n, q.n);
        for (int i = 0; i < q.n; i++) {
            printf("%d ", q.q[i].inverse);
            put_task(&q.q[i].t);
        }
        seal_arc_query_list_free(&q);
    }
}

static int dump(void) {
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        char mode[16];
        int used;
        arc_task t;
        if (sscanf(line, "%15s%n", mode, &used) != 1) continue;
        if (read_task(line + used, &t)) {
            fprintf(stderr, "bad task line: %.60s\n", line);
            seal_arc_task_free(&t);
            return 1;
        }
        printf("TASK\n");
        if (!strcmp(mode, "COLOUR")) put_colour_map(&t, 0);
        if (!strcmp(mode, "LIGHT") || !strcmp(mode, "FULL")) dump_light(&t);
        if (!strcmp(mode, "FULL")) dump_full(&t);
        seal_arc_task_free(&t);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--dump")) return dump();
    test_views();
    test_groups_and_names();
    test_augmenters();
    test_too_big();
    test_translate();
    test_colour_map();
    test_leave_n();
    test_ttt_small();
    test_queries();
    return check_report("test_arc_augment");
}
