/* test_pyorder: CPython's tuple hash and set order, NumPy's argsort order
 * (util/pyorder.h), against values /usr/bin/python3 (CPython 3.11, NumPy
 * 1.24) printed, recorded below with the Python that made them. The live
 * comparison on random inputs is tests/arc/test_arc_vote.sh. */
#include <stdint.h>

#include "check.h"
#include "util/pyorder.h"

/* hash(()), hash((0,)), hash((1,2)), hash((2,3,2)), hash(((1,2),(3,4))),
 * hash((9,)*30) */
static void test_tuple_hash(void) {
    int64_t one[30], pair[2] = {1, 2}, three[3] = {2, 3, 2}, r0[2] = {3, 4};
    CHECK(seal_py_tuple_hash(NULL, 0) == 5740354900026072187ll);
    one[0] = 0;
    CHECK(seal_py_tuple_hash(one, 1) == -8753497827991233192ll);
    CHECK(seal_py_tuple_hash(pair, 2) == -3550055125485641917ll);
    CHECK(seal_py_tuple_hash(three, 3) == -4779793364715617846ll);
    int64_t rows[2] = {seal_py_tuple_hash(pair, 2), seal_py_tuple_hash(r0, 2)};
    CHECK(seal_py_tuple_hash(rows, 2) == -1467267874458550984ll);
    for (int i = 0; i < 30; i++) one[i] = 9;
    CHECK(seal_py_tuple_hash(one, 30) == 2782070543563319114ll);
}

typedef struct {
    int64_t a[64][2];
    int len;
} tuples;

static int tuple_eq(const void *ctx, int i, int j) {
    const tuples *t = ctx;
    return t->a[i][0] == t->a[j][0] && (t->len < 2 || t->a[i][1] == t->a[j][1]);
}

/* [items.index(x) for x in list(set(items))] for the items made below. */
static void check_set(tuples *t, int n, const int *want, int n_want) {
    int64_t hash[64];
    int first[64], count[64], total = 0;
    for (int i = 0; i < n; i++) hash[i] = seal_py_tuple_hash(t->a[i], t->len);
    seal_py_set s = {0};
    int u = seal_py_set_order(&s, hash, n, tuple_eq, t, first, count);
    CHECK_MSG(u == n_want, "%d distinct, want %d", u, n_want);
    for (int i = 0; i < u && i < n_want; i++) {
        CHECK_MSG(first[i] == want[i], "position %d: item %d, want %d", i, first[i], want[i]);
        total += count[i];
    }
    CHECK(total == n);
    seal_py_set_free(&s);
}

static void test_set_order(void) {
    tuples t = {.len = 2};
    /* items = [(i % 7, i % 5) for i in range(40)]: 35 distinct, 3 resizes */
    static const int w1[] = {25, 24, 18, 31, 19, 26, 7, 2, 15, 8, 27, 32, 10, 3, 5, 33, 21, 9,
                             22, 14, 16, 6, 34, 17, 11, 12, 4, 0, 1, 28, 30, 29, 23, 20, 13};
    for (int i = 0; i < 40; i++) { t.a[i][0] = i % 7; t.a[i][1] = i % 5; }
    check_set(&t, 40, w1, 35);
    /* items2 = [(i * i % 11,) for i in range(30)]: 6 distinct */
    static const int w2[] = {4, 2, 1, 0, 5, 3};
    t.len = 1;
    for (int i = 0; i < 30; i++) t.a[i][0] = i * i % 11;
    check_set(&t, 30, w2, 6);
    /* items3 = [(a, b) for a in range(6) for b in range(6)][::-1] */
    static const int w3[] = {11, 13, 8, 16, 1, 4, 33, 30, 21, 29, 18, 26, 9, 17, 6, 14, 5, 2,
                             34, 19, 27, 31, 22, 24, 15, 10, 12, 3, 7, 0, 35, 28, 32, 23, 25, 20};
    t.len = 2;
    for (int k = 0; k < 36; k++) { t.a[35 - k][0] = k / 6; t.a[35 - k][1] = k % 6; }
    check_set(&t, 36, w3, 36);
}

/* np.argsort of counts with ties: 23 elements (partitioning, then
 * insertion sort) and 40 equal ones. */
static void test_argsort(void) {
    static const int64_t v[] = {3, 1, 2, 1, 3, 1, 2, 2, 1, 3, 3, 1, 2, 1, 1, 3, 2, 2, 1, 3, 2, 1, 1};
    static const int w[] = {11, 18, 14, 13, 21, 8, 22, 5, 3, 1, 7, 12, 2, 16, 17, 20, 6, 9, 10, 4, 15, 19, 0};
    int idx[40];
    seal_np_argsort(v, 23, idx);
    for (int i = 0; i < 23; i++) CHECK_MSG(idx[i] == w[i], "argsort[%d] = %d, want %d", i, idx[i], w[i]);
    static const int w5[] = {0, 22, 23, 24, 25, 26, 27, 28, 21, 29, 31, 32, 33, 34, 35, 36, 37, 30, 20, 19,
                             18, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 38, 39};
    int64_t five[40];
    for (int i = 0; i < 40; i++) five[i] = 5;
    seal_np_argsort(five, 40, idx);
    for (int i = 0; i < 40; i++) CHECK_MSG(idx[i] == w5[i], "argsort(5s)[%d] = %d, want %d", i, idx[i], w5[i]);
    int64_t small[3] = {2, 2, 1};
    seal_np_argsort(small, 3, idx); /* under 17: insertion sort, stable */
    CHECK(idx[0] == 2 && idx[1] == 0 && idx[2] == 1);
    seal_np_argsort(small, 0, idx);
}

int main(void) {
    test_tuple_hash();
    test_set_order();
    test_argsort();
    return check_report("test_pyorder");
}
