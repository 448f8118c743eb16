/* test_arc_vote: prediction parsing and voting (arc/vote.h) on hand-made
 * inputs whose answers are worked out in the comments. Where the reference's
 * ties fall by CPython's set order, the comment gives the order (the hash
 * slots, from Python) and works the rest by hand. tests/arc/test_arc_vote.sh
 * runs the modes below against a Python transcription of the reference:
 *   test_arc_vote parse < TEXTS    ("<len>\n<bytes>\n" each) -> "-" or "h w cells"
 *   test_arc_vote vote < CASES     ("case n" + n "valid inverter h w cells") -> two grids */
#include <stdint.h>

#include "arc/vote.h"
#include "check.h"
#include "util/err.h"

/* A grid from "h w cells" text, e.g. g("2 2 1234"). */
static arc_grid g(const char *spec) {
    arc_grid x = {0};
    char cells[ARC_SIDE_MAX * ARC_SIDE_MAX + 1];
    if (sscanf(spec, "%d %d %900s", &x.h, &x.w, cells) != 3) abort();
    for (int i = 0; i < x.h * x.w; i++) x.c[i] = (unsigned char)(cells[i] - '0');
    return x;
}

static void put_grid(const arc_grid *x) {
    printf("%d %d ", x->h, x->w);
    for (int i = 0; i < x->h * x->w; i++) putchar('0' + x->c[i]);
}

static int same(const arc_grid *a, const char *spec) {
    arc_grid b = g(spec);
    return seal_arc_grid_equal(a, &b);
}

/* ---- parsing ---- */

typedef struct {
    const char *text;
    const char *want; /* "h w cells", or NULL for a failed prediction */
} parse_case;

static const parse_case parses[] = {
    {"[[3 3 8]\n [3 7 0]\n [5 0 0]]#", "3 3 338370500"},      /* NumPy str() + '#', the trained form */
    {"[[1 2]\n [3 4]]", "2 2 1234"},
    {"  [[1  2]\n [3   4]]#  \n", "2 2 1234"},               /* spaces and a trailing newline are stripped */
    {"[[1 2]\n [3 4]]#\n[[5 6]\n [7 8]]#", "4 2 12345678"},   /* text after '#' is kept: 8 cells, 4 rows */
    {"[[1 2]\n [3 4]]#[[5 6]]", NULL},                         /* "]]#[[" joins 4 and 5: the element 45 */
    {"[[1 2]\n [3 4]]]]", "2 2 1234"},                         /* stray brackets are removed */
    {"[[1 2 3]\n [4 5]\n [6]]", "3 2 123456"},                 /* ragged rows: 6 cells reshape to 3x2 */
    {"[[1 2 3]\n [4 5]]", NULL},                               /* 5 cells do not fill 2 rows */
    {"[[1][2]]", NULL},                                         /* "][" joins: the element 12 is no colour */
    {"#", NULL},                                                 /* nothing but '#': no cells */
    {"", NULL},
    {"   \n  ", NULL},
    {"[[1 a]]", NULL},                                          /* int("a") fails */
    {"[[1 2.0]]", NULL},                                        /* int("2.0") fails */
    {"[[+1 -0 0_3 007]]", "1 4 1037"},                          /* int() takes signs, underscores, zeros */
    {"[[1 -1]]", NULL},                                         /* int8 -1 is no colour */
    {"[[261 -251]]", "1 2 55"},                                 /* astype(int8) wraps: 261 and -251 are 5 */
    {"[[1__2]]", NULL},                                         /* a double underscore: int() refuses */
    {"\xef\xbc\x93 \xd9\xa3", "1 2 33"},                       /* fullwidth 3 and Arabic-Indic 3 are digits */
    {"1\xc2\xa0" "2\xe3\x80\x80" "3", "1 3 123"},              /* NBSP and ideographic space split */
    {"1\xe2\x88\x92" "2", NULL},                               /* U+2212 minus is not '-' */
    {"```\n[[1 2]\n [3 4]]\n```\nso the answer is 9", "2 2 1234"}, /* between the first two fences */
    {"text ```[[5]]", "1 1 5"},                                 /* one fence: to the end */
    {"`#``[[6]]``#`", "1 1 6"},                                 /* '#' goes first, so these are fences */
    {"[[1 2]]\n\n", "1 2 12"},                                  /* strip() before counting newlines */
    {"[[1\r\n2]]", "2 1 12"},                                   /* '\r' is whitespace, only '\n' counts */
    {"[[1 2]]\x1c[[3 4]]", "1 4 1234"},                        /* U+001C splits but is no newline */
    {"[[1 2]\n [3 \x00]]", NULL},                              /* a NUL byte is no digit */
    {"[[1 2]\n [3 \xff]]", NULL},                              /* ill-formed UTF-8 is no digit */
};

static void test_parse_table(void) {
    int n = (int)(sizeof parses / sizeof parses[0]);
    for (int i = 0; i < n; i++) {
        arc_grid out;
        int rc = seal_arc_parse_prediction(parses[i].text, strlen(parses[i].text), &out);
        const char *w = parses[i].want;
        if (!w) CHECK_MSG(rc == -1 && seal_errmsg()[0], "parse case %d: want a failed prediction", i);
        else CHECK_MSG(rc == 0 && same(&out, w), "parse case %d: rc %d (%s)", i, rc, rc ? seal_errmsg() : "");
    }
}

/* Sizes: 30x30 parses, 31 rows or columns and 4301 digits do not; 1 MB of
 * digits is refused after at most 901 cells (bounded work); the text need
 * not be NUL-terminated. */
static void test_parse_limits(void) {
    static char t[1 << 20];
    int n = 0;
    for (int r = 0; r < 30; r++) {
        for (int c = 0; c < 30; c++) n += sprintf(t + n, c ? " %d" : "[[%d", (r + c) % 10);
        n += sprintf(t + n, r < 29 ? "]\n [" : "]]#");
    }
    arc_grid out;
    CHECK(seal_arc_parse_prediction(t, (size_t)n, &out) == 0 && out.h == 30 && out.w == 30 && out.c[899] == 8);
    n = 0;
    for (int c = 0; c < 31; c++) n += sprintf(t + n, "%d ", c % 10);
    CHECK(seal_arc_parse_prediction(t, (size_t)n, &out) == -1); /* 1 row of 31 */
    n = 0;
    for (int r = 0; r < 31; r++) n += sprintf(t + n, "1\n");
    CHECK(seal_arc_parse_prediction(t, (size_t)n, &out) == -1); /* 31 rows */
    memset(t, '0', 4301);
    CHECK(seal_arc_parse_prediction(t, 4300, &out) == 0 && out.h == 1 && out.c[0] == 0);
    CHECK(seal_arc_parse_prediction(t, 4301, &out) == -1); /* int() refuses over 4300 digits */
    for (size_t i = 0; i < sizeof t; i++) t[i] = i % 2 ? ' ' : '7';
    CHECK(seal_arc_parse_prediction(t, sizeof t, &out) == -1 && strstr(seal_errmsg(), "over 900 cells"));
    memcpy(t, "[[4]]#", 6);
    t[6] = '5'; /* past len */
    CHECK(seal_arc_parse_prediction(t, 6, &out) == 0 && same(&out, "1 1 4"));
    CHECK(seal_arc_parse_prediction(NULL, 3, &out) == -1);
}

/* ---- voting ---- */

static arc_prediction P(const char *spec, arc_view inv) { return (arc_prediction){g(spec), inv, 1}; }

static void vote_is(const arc_prediction *p, int n, const char *a1, const char *a2, const char *what) {
    arc_grid at[2];
    seal_arc_vote(p, n, at);
    CHECK_MSG(same(&at[0], a1) && same(&at[1], a2), "%s: got %dx%d / %dx%d", what, at[0].h, at[0].w, at[1].h, at[1].w);
}

/* Empty and all-malformed: [[0]] twice (the reference's fallback). */
static void test_vote_empty(void) {
    vote_is(NULL, 0, "1 1 0", "1 1 0", "no predictions");
    arc_prediction p[3] = {P("1 1 5", ARC_VIEW_IDENTITY), P("2 2 1234", ARC_VIEW_FLIP0), P("1 1 5", ARC_VIEW_IDENTITY)};
    for (int i = 0; i < 3; i++) p[i].valid = 0;
    vote_is(p, 3, "1 1 0", "1 1 0", "all malformed");
    p[1].valid = 1;
    p[1].g.h = 0; /* a grid no parse could give is left out, not trusted */
    vote_is(p, 3, "1 1 0", "1 1 0", "an impossible shape");
}

/* A = 2x2 "1234" three times and B = "5678" once, all identity.
 * Groups all and identity are both [A, A, A, B]: most A (3), second B (1,
 * the only other), third starts as A, which is the 1st, so it becomes the
 * row majority unless that is A or B: every row votes A's row 3 to 1, so the
 * row majority is A, and the column majority (likewise A) is taken: (A, B,
 * A). Candidates [A, B, A, A, B, A]: A 4, B 2; most A, second B, third A ->
 * column majority A again. cC2 = 2 != cC3 = 4: attempts (A, B). No tie
 * anywhere, so no set order matters. */
static void test_vote_majority(void) {
    arc_prediction p[4] = {P("2 2 1234", ARC_VIEW_IDENTITY), P("2 2 1234", ARC_VIEW_IDENTITY),
                           P("2 2 5678", ARC_VIEW_IDENTITY), P("2 2 1234", ARC_VIEW_IDENTITY)};
    vote_is(p, 4, "2 2 1234", "2 2 5678", "clear majority");
    /* a malformed prediction changes nothing */
    arc_prediction q[5] = {p[0], p[1], p[2], p[3], P("2 2 5678", ARC_VIEW_IDENTITY)};
    q[4].valid = 0;
    vote_is(q, 5, "2 2 1234", "2 2 5678", "clear majority with a malformed one");
}

/* One prediction A: every group gives (A, A, A) (the row and column
 * majorities of [A] are A); attempts (A, A). */
static void test_vote_single(void) {
    arc_prediction p[1] = {P("3 1 907", ARC_VIEW_ROT180)};
    vote_is(p, 1, "3 1 907", "3 1 907", "single");
}

/* The 2nd/3rd tie broken by identity counts. A = "1 2 11", B = "1 2 22",
 * C = "1 2 33". identity [A, A, B] -> (A, B, A) as in the majority case;
 * Transpose() [A, A, C] -> (A, C, A); all [A, A, B, A, A, C]: A 4, B 1,
 * C 1, so second and third are B and C in an order set by hashing.
 * Candidates: A 5, B 2, C 2 -> C1 = A and {C2, C3} = {B, C} in either
 * order; cC2 == cC3 (2 == 2), so the identity group decides: B is there
 * once, C never. If C2 = B: 1 > 0 keeps it (C3 = C2). If C2 = C: 0 > 1
 * fails, so C2 = C3 = B. Either way attempts (A, B). */
static void test_vote_identity_tiebreak(void) {
    arc_prediction p[6] = {P("1 2 11", ARC_VIEW_IDENTITY),  P("1 2 11", ARC_VIEW_IDENTITY),
                           P("1 2 22", ARC_VIEW_IDENTITY),  P("1 2 11", ARC_VIEW_TRANSPOSE),
                           P("1 2 11", ARC_VIEW_TRANSPOSE), P("1 2 33", ARC_VIEW_TRANSPOSE)};
    vote_is(p, 6, "1 2 11", "1 2 22", "identity tie-break");
    /* The same with the identity group's three moved to Flip(0): the
     * reference's lookup of "identity" raises, is swallowed, and C2 stays
     * whichever of B, C the order put 2nd. CPython's slots (hash & 7, from
     * Python) are A 2, B 4, C 3: every set of them iterates A, C, B.
     * all [A, A, B, A, A, C]: counts [4, 1, 1] in that order; argmax A;
     * np.argsort (stable for so few) [1, 2, 0]: 2nd = index 2 = B, 3rd =
     * index 1 = C: (A, B, C). Transpose() [A, A, C] -> (A, C, A), Flip(0)
     * [A, A, B] -> (A, B, A). Candidates [A, B, C, A, C, A, A, B, A]: counts
     * [5, 2, 2] in order A, C, B; argsort [1, 2, 0]: C2 = B, C3 = C; the
     * tie finds no identity group and C2 stays: attempts (A, B). */
    for (int i = 0; i < 3; i++) p[i].inverter = ARC_VIEW_FLIP0;
    vote_is(p, 6, "1 2 11", "1 2 22", "no identity group");
}

/* The column majority, a grid nobody predicted, wins the 1st attempt.
 * 1x3 grids X = 232, Y = 322, in the order X, Y, X, Y, identity. Slots
 * (hash & 7, from Python): grids X 2, Y 5, Z = 222 0; rows (2,3,2) and
 * (3,2,2) both 2, so the second inserted moves and the row set iterates
 * (2,3,2), (3,2,2); one-cell rows (2,) 3, (3,) 4.
 * Group [X, Y, X, Y]: counts [2, 2] (X, Y); argmax X; argsort [0, 1]:
 * 2nd = index 0 = X, the 1st again, so it becomes the row majority unless
 * that is X. Row majority: row 0 ties 2-2 and (2,3,2) comes first: X. So
 * the column majority: each column votes one cell; col 0 {2, 3} ties, (2,)
 * first: 2; col 1 {3, 2} ties: 2; col 2: 2. Z = 222, never predicted: 2nd
 * = Z; 3rd X is the 1st and the row majority X is taken, so Z again:
 * (X, Z, Z), for all and for identity alike.
 * Candidates [X, Z, Z, X, Z, Z]: Z 4, X 2 (set order Z, X); C1 = Z,
 * C2 = X; C3 = Z is C1, the candidates' row majority is Z (4 to 2) and so
 * is the column majority: C3 = Z. cC2 = 2 != cC3 = 4: attempts (Z, X). */
static void test_vote_column_majority(void) {
    arc_prediction p[4] = {P("1 3 232", ARC_VIEW_IDENTITY), P("1 3 322", ARC_VIEW_IDENTITY),
                           P("1 3 232", ARC_VIEW_IDENTITY), P("1 3 322", ARC_VIEW_IDENTITY)};
    vote_is(p, 4, "1 3 222", "1 3 232", "column majority wins");
}

/* The row majority, never predicted, wins the 2nd attempt. 3x1 grids
 * X = 2,2,1 and Y = 1,1,2 (top to bottom), in the order X, Y, Y, X. Slots:
 * grids X 1, Y 3, Z = 1,1,1 5; one-cell rows (1,) 1, (2,) 3; the
 * transposed rows (2,2,1) 5, (1,1,2) 7.
 * Group: counts [2, 2] (X, Y); argmax X; 2nd = X again -> row majority:
 * every row ties 2-2 and (1,) comes first: Z = 1,1,1 != X: 2nd = Z. 3rd X
 * is the 1st; the row majority Z is the 2nd, so the column majority: the
 * one transposed row ties and (2,2,1) comes first: X. (X, Z, X).
 * Candidates [X, Z, X, X, Z, X]: X 4, Z 2; C1 = X, C2 = Z; C3 = X is C1:
 * row majority of the candidates is X (rows 2, 2, 1 by 4 to 2), so the
 * column majority, also X: C3 = X. cC2 = 2 != 4: attempts (X, Z). */
static void test_vote_row_majority(void) {
    arc_prediction p[4] = {P("3 1 221", ARC_VIEW_IDENTITY), P("3 1 112", ARC_VIEW_IDENTITY),
                           P("3 1 112", ARC_VIEW_IDENTITY), P("3 1 221", ARC_VIEW_IDENTITY)};
    vote_is(p, 4, "3 1 221", "3 1 111", "row majority wins");
}

/* Groups by inverter: a Rotate(90) inverter counts only in "all" (the
 * reference has no Rotate(90) group), and an unknown inverter is left out.
 * A = "1 1 4" twice (identity), C = "1 1 7" three times (Rotate(90)).
 * all = identity's then Rotate(90)'s = [A, A, C, C, C]: C 3, A 2, no tie:
 * (C, A, 3rd), the 3rd starting as C, the 1st: the row majority (one cell:
 * 7 by 3 to 2) is C, so the column majority, C: (C, A, C). identity [A, A]
 * -> (A, A, A). Candidates [C, A, C, A, A, A]: A 4, C 2: C1 = A, C2 = C,
 * C3 = A (the majorities are A 4 to 2); cC2 = 2 != 4: attempts (A, C). */
static void test_vote_groups(void) {
    arc_prediction p[6] = {P("1 1 4", ARC_VIEW_IDENTITY), P("1 1 7", ARC_VIEW_ROT90), P("1 1 7", ARC_VIEW_ROT90),
                           P("1 1 4", ARC_VIEW_IDENTITY), P("1 1 7", ARC_VIEW_ROT90), P("1 1 9", ARC_VIEW_IDENTITY)};
    p[5].inverter = (arc_view)42;
    vote_is(p, 6, "1 1 4", "1 1 7", "inverter groups");
}

/* ---- modes for tests/arc/test_arc_vote.sh ---- */

static int mode_parse(void) {
    static char buf[1 << 20];
    size_t len;
    while (scanf("%zu", &len) == 1) {
        if (getchar() != '\n' || len > sizeof buf || fread(buf, 1, len, stdin) != len || getchar() != '\n') return 1;
        arc_grid out;
        if (seal_arc_parse_prediction(buf, len, &out)) printf("-\n");
        else { put_grid(&out); putchar('\n'); }
    }
    return 0;
}

static int mode_vote(void) {
    int n;
    while (scanf(" case %d", &n) == 1) {
        arc_prediction *p = calloc((size_t)n + 1, sizeof *p);
        for (int i = 0; i < n; i++) {
            int valid, inv;
            char cells[ARC_SIDE_MAX * ARC_SIDE_MAX + 1];
            if (scanf("%d %d %d %d %900s", &valid, &inv, &p[i].g.h, &p[i].g.w, cells) != 5) return 1;
            p[i].valid = valid;
            p[i].inverter = (arc_view)inv;
            for (int k = 0; k < p[i].g.h * p[i].g.w; k++) p[i].g.c[k] = (unsigned char)(cells[k] - '0');
        }
        arc_grid at[2];
        seal_arc_vote(p, n, at);
        put_grid(&at[0]);
        putchar(' ');
        put_grid(&at[1]);
        putchar('\n');
        free(p);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "parse")) return mode_parse();
    if (argc > 1 && !strcmp(argv[1], "vote")) return mode_vote();
    test_parse_table();
    test_parse_limits();
    test_vote_empty();
    test_vote_majority();
    test_vote_single();
    test_vote_identity_tiebreak();
    test_vote_column_majority();
    test_vote_row_majority();
    test_vote_groups();
    return check_report("test_arc_vote");
}
