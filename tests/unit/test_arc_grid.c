/* test_arc_grid: arc/grid.h's equality, hash and text forms against
 * hand-written strings (NumPy's str() of the same arrays, checked by eye and
 * by /usr/bin/python3). `test_arc_grid numpy-str < grids` renders each line
 * "H W DIGITS" of stdin, a line "=" after each, for tests/arc/test_arc_data.sh
 * to diff against live NumPy over many random grids. */
#include "arc/grid.h"
#include "check.h"
#include "util/hash.h"

/* A grid from its digits, row-major. */
static arc_grid make(int h, int w, const char *digits) {
    arc_grid g;
    memset(&g, 0, sizeof g);
    g.h = h; g.w = w;
    for (int i = 0; i < h * w; i++) g.c[i] = (unsigned char)(digits[i] - '0');
    return g;
}

static void check_str(const arc_grid *g, const char *want_np, const char *want_rows) {
    strbuf b = {0};
    seal_arc_grid_numpy_str(g, &b);
    CHECK_MSG(!strcmp(b.s, want_np), "numpy str %s, want %s", b.s, want_np);
    seal_strbuf_clear(&b);
    seal_arc_grid_rows(g, &b);
    CHECK_MSG(!strcmp(b.s, want_rows), "rows %s, want %s", b.s, want_rows);
    seal_strbuf_free(&b);
}

/* str(np.array(...)) of each, from /usr/bin/python3 (numpy 1.24.2). */
static void test_text(void) {
    arc_grid g = make(3, 3, "338370500");
    check_str(&g, "[[3 3 8]\n [3 7 0]\n [5 0 0]]", "3 3 8\n3 7 0\n5 0 0\n");
    g = make(1, 1, "7");
    check_str(&g, "[[7]]", "7\n");
    g = make(1, 4, "0129");
    check_str(&g, "[[0 1 2 9]]", "0 1 2 9\n");
    g = make(2, 1, "45");
    check_str(&g, "[[4]\n [5]]", "4\n5\n");
    /* 30 wide stays on one line: NumPy wraps at 75 characters, a row is 62. */
    char digits[900];
    for (int i = 0; i < 900; i++) digits[i] = (char)('0' + i % 10);
    g = make(30, 30, digits);
    strbuf b = {0};
    seal_arc_grid_numpy_str(&g, &b);
    CHECK(b.len == 1890);   /* len(str(...)): 30 rows "[..]" of 61, the outer brackets, 29 "\n " */
    CHECK(!strncmp(b.s, "[[0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9]\n [0 1", 67));
    CHECK(!strcmp(b.s + b.len - 5, "8 9]]"));
    seal_strbuf_free(&b);
}

static void test_equal_hash(void) {
    arc_grid a = make(2, 3, "123456"), b = make(2, 3, "123456"), t = make(3, 2, "123456"),
             d = make(2, 3, "123450");
    b.c[10] = 9;   /* garbage beyond h*w is not part of the grid */
    CHECK(seal_arc_grid_equal(&a, &b));
    CHECK(seal_arc_grid_hash(&a, FNV1A64_INIT) == seal_arc_grid_hash(&b, FNV1A64_INIT));
    CHECK(!seal_arc_grid_equal(&a, &t));   /* same cells, other shape */
    CHECK(seal_arc_grid_hash(&a, FNV1A64_INIT) != seal_arc_grid_hash(&t, FNV1A64_INIT));
    CHECK(!seal_arc_grid_equal(&a, &d));
    CHECK(seal_arc_grid_hash(&a, FNV1A64_INIT) != seal_arc_grid_hash(&d, FNV1A64_INIT));
    CHECK(seal_arc_grid_hash(&a, 1) != seal_arc_grid_hash(&a, FNV1A64_INIT));   /* the seed chains */
}

/* stdin lines "H W DIGITS" -> each grid's NumPy str, then "=". */
static int numpy_str_filter(void) {
    char line[2048];
    strbuf b = {0};
    while (fgets(line, sizeof line, stdin)) {
        int h, w, n = 0;
        char digits[ARC_SIDE_MAX * ARC_SIDE_MAX + 1];
        if (sscanf(line, "%d %d %900s%n", &h, &w, digits, &n) != 3 || h < 1 || w < 1 ||
            h > ARC_SIDE_MAX || w > ARC_SIDE_MAX || (int)strlen(digits) != h * w) {
            fprintf(stderr, "bad grid line: %s", line);
            return 1;
        }
        arc_grid g = make(h, w, digits);
        seal_strbuf_clear(&b);
        seal_arc_grid_numpy_str(&g, &b);
        printf("%s\n=\n", b.s);
    }
    seal_strbuf_free(&b);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "numpy-str")) return numpy_str_filter();
    test_text();
    test_equal_hash();
    return check_report("test_arc_grid");
}
