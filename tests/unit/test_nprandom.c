/* test_nprandom: util/nprandom.h against values recorded from NumPy 1.24's
 * np.random.RandomState (printed by tests/arc/nprandom_oracle.py), so a build
 * without Python still checks the generator. `test_nprandom dump` prints the
 * whole battery of that script for tests/arc/test_arc_data.sh to diff against
 * live NumPy. */
#include <inttypes.h>

#include "check.h"
#include "util/nprandom.h"

static const uint32_t SEEDS[] = {0, 1, 42, 12345, 2147483647u, 4294967295u};
static const int64_t RANGES[][2] = {
    {0, 1}, {0, 2}, {0, 10}, {-5, 7}, {0, 30}, {0, 1ll << 31}, {0, (1ll << 32) - 1}, {0, 1ll << 32},
    {0, (1ll << 32) + 1}, {0, (1ll << 32) + 5}, {-(1ll << 33), 1ll << 35}, {0, 1ll << 40},
    {0, (1ll << 53) + 3}, {-(1ll << 62), 1ll << 62}, {INT64_MIN, INT64_MAX}};

static void put_ints(const char *label, const int *v, int n) {
    printf("%s:", label);
    for (int i = 0; i < n; i++) printf(" %d", v[i]);
    printf("\n");
}

static void put_randint(np_random *r, uint32_t seed, const char *form, int64_t lo, int64_t hi, int n) {
    printf("s%" PRIu32 " %s %" PRId64 " %" PRId64 ":", seed, form, lo, hi);
    for (int i = 0; i < n; i++) printf(" %" PRId64, seal_nprandom_randint(r, lo, hi));
    printf("\n");
}

/* The battery of tests/arc/nprandom_oracle.py, line for line. */
static void dump_battery(uint32_t seed) {
    np_random r;
    char label[64];
    int v[300];
    seal_nprandom_seed(&r, seed);
    printf("s%" PRIu32 " raw:", seed);
    for (int i = 0; i < 5; i++) printf(" %" PRIu32, seal_nprandom_u32(&r));
    printf("\ns%" PRIu32 " rand:", seed);
    for (int i = 0; i < 4; i++) printf(" %.17g", seal_nprandom_rand(&r));
    printf("\ns%" PRIu32 " randarr:", seed);
    for (int i = 0; i < 3; i++) printf(" %.17g", seal_nprandom_rand(&r));
    printf("\n");
    for (size_t i = 0; i < sizeof RANGES / sizeof RANGES[0]; i++) {
        put_randint(&r, seed, "randint", RANGES[i][0], RANGES[i][1], 3);
        put_randint(&r, seed, "randarr", RANGES[i][0], RANGES[i][1], 4);
    }
    static const int SHUF[] = {0, 1, 2, 3, 10, 37, 300};
    for (int s = 0; s < 7; s++) {
        for (int i = 0; i < SHUF[s]; i++) v[i] = i;
        seal_nprandom_shuffle(&r, v, (size_t)SHUF[s], sizeof v[0]);
        snprintf(label, sizeof label, "s%" PRIu32 " shuffle %d", seed, SHUF[s]);
        put_ints(label, v, SHUF[s]);
    }
    int64_t a[20];   /* an int64 array, as np.arange(20) * 7 */
    for (int i = 0; i < 20; i++) a[i] = 7 * i;
    seal_nprandom_shuffle(&r, a, 20, sizeof a[0]);
    for (int i = 0; i < 20; i++) v[i] = (int)a[i];
    snprintf(label, sizeof label, "s%" PRIu32 " shufarr 20", seed);
    put_ints(label, v, 20);
    static const int PERM[] = {1, 5, 11, 64};
    for (int p = 0; p < 4; p++) {
        seal_nprandom_permutation(&r, v, PERM[p]);
        snprintf(label, sizeof label, "s%" PRIu32 " perm %d", seed, PERM[p]);
        put_ints(label, v, PERM[p]);
    }
    static const int WITH[][2] = {{10, 4}, {3, 7}, {1, 1}, {1 << 20, 3}};
    for (int c = 0; c < 4; c++) {
        seal_nprandom_choice(&r, WITH[c][0], WITH[c][1], 1, v);
        snprintf(label, sizeof label, "s%" PRIu32 " choice+ %d %d", seed, WITH[c][0], WITH[c][1]);
        put_ints(label, v, WITH[c][1]);
    }
    static const int WITHOUT[][2] = {{10, 4}, {5, 5}, {11, 9}, {1, 1}, {100, 0}};
    for (int c = 0; c < 5; c++) {
        seal_nprandom_choice(&r, WITHOUT[c][0], WITHOUT[c][1], 0, v);
        snprintf(label, sizeof label, "s%" PRIu32 " choice- %d %d", seed, WITHOUT[c][0], WITHOUT[c][1]);
        put_ints(label, v, WITHOUT[c][1]);
    }
    printf("s%" PRIu32 " tail:", seed);
    for (int i = 0; i < 3; i++) printf(" %" PRIu32, seal_nprandom_u32(&r));
    printf("\n");
}

static void dump(void) {
    for (size_t i = 0; i < sizeof SEEDS / sizeof SEEDS[0]; i++) dump_battery(SEEDS[i]);
    np_random r;
    int x[11];
    seal_nprandom_seed(&r, 0);
    for (int i = 0; i < 11; i++) x[i] = i;
    seal_nprandom_shuffle(&r, x, 11, sizeof x[0]);
    put_ints("global seed0 shuffle 11", x, 11);
}

static void check_ints(const int *got, const int *want, int n, const char *what) {
    for (int i = 0; i < n; i++) CHECK_MSG(got[i] == want[i], "%s[%d]: %d, NumPy %d", what, i, got[i], want[i]);
}

/* Values printed by /usr/bin/python3 with numpy 1.24.2, one fresh
 * np.random.RandomState(seed) per case. */
static void test_recorded(void) {
    np_random r;
    seal_nprandom_seed(&r, 0);   /* [r.randint(0, 2**32) for _ in range(3)]: raw words */
    CHECK(seal_nprandom_u32(&r) == 2357136044u);
    CHECK(seal_nprandom_u32(&r) == 2546248239u);
    CHECK(seal_nprandom_u32(&r) == 3071714933u);
    seal_nprandom_seed(&r, 4294967295u);
    CHECK(seal_nprandom_randint(&r, 0, 1ll << 32) == 419326371);
    seal_nprandom_seed(&r, 0);   /* r.rand(), r.rand(): '%.17g' */
    CHECK(seal_nprandom_rand(&r) == 0.54881350392732475);
    CHECK(seal_nprandom_rand(&r) == 0.71518936637241948);
    static const int64_t small[8] = {6, 3, 7, 4, 6, 9, 2, 6};   /* RandomState(42).randint(0, 10, size=8) */
    seal_nprandom_seed(&r, 42);
    for (int i = 0; i < 8; i++) CHECK(seal_nprandom_randint(&r, 0, 10) == small[i]);
    static const int64_t big[3] = {752595690689ll, 108744157683ll, 291964244176ll};   /* (7): randint(-3, 2**40, 3) */
    seal_nprandom_seed(&r, 7);
    for (int i = 0; i < 3; i++) CHECK(seal_nprandom_randint(&r, -3, 1ll << 40) == big[i]);
    static const int64_t b33[3] = {5271381188ll, 5664942582ll, 8496402643ll};   /* (7): randint(0, 2**33, 3) */
    seal_nprandom_seed(&r, 7);
    for (int i = 0; i < 3; i++) CHECK(seal_nprandom_randint(&r, 0, 1ll << 33) == b33[i]);
    int x[11], want_shuf[10] = {2, 9, 6, 4, 0, 3, 1, 7, 8, 5};   /* (1): shuffle(list(range(10))) */
    for (int i = 0; i < 10; i++) x[i] = i;
    seal_nprandom_seed(&r, 1);
    seal_nprandom_shuffle(&r, x, 10, sizeof x[0]);
    check_ints(x, want_shuf, 10, "shuffle");
    int want_perm[6] = {3, 5, 4, 1, 0, 2};   /* (3): permutation(6) */
    seal_nprandom_seed(&r, 3);
    seal_nprandom_permutation(&r, x, 6);
    check_ints(x, want_perm, 6, "permutation");
    int want_without[3] = {6, 2, 4}, want_with[3] = {6, 3, 0};   /* (5): choice(7, 3, False), choice(7, 3, True) */
    seal_nprandom_seed(&r, 5);
    CHECK(seal_nprandom_choice(&r, 7, 3, 0, x) == 0);
    check_ints(x, want_without, 3, "choice without replacement");
    CHECK(seal_nprandom_choice(&r, 7, 3, 1, x) == 0);
    check_ints(x, want_with, 3, "choice with replacement");
    int want_eval[11] = {4, 9, 2, 10, 6, 1, 7, 8, 3, 0, 5};   /* np.random.seed(0); np.random.shuffle(range 11) */
    for (int i = 0; i < 11; i++) x[i] = i;
    seal_nprandom_seed(&r, 0);
    seal_nprandom_shuffle(&r, x, 11, sizeof x[0]);
    check_ints(x, want_eval, 11, "seed-0 shuffle of 11");
}

/* Bad arguments draw nothing; a one-value range draws nothing either (NumPy
 * returns low without touching the generator). */
static void test_edges(void) {
    np_random r, ref;
    int x[4];
    seal_nprandom_seed(&r, 9);
    ref = r;
    CHECK(seal_nprandom_choice(&r, 3, 4, 0, x) == -1);
    CHECK(seal_nprandom_choice(&r, 0, 1, 1, x) == -1);
    CHECK(seal_nprandom_choice(&r, 3, -1, 1, x) == -1);
    CHECK(seal_nprandom_randint(&r, 5, 6) == 5);
    CHECK(seal_nprandom_randint(&r, 5, 5) == 5 && seal_nprandom_randint(&r, 5, -3) == 5);
    seal_nprandom_shuffle(&r, x, 1, sizeof x[0]);
    seal_nprandom_shuffle(&r, x, 0, sizeof x[0]);
    CHECK(seal_nprandom_u32(&r) == seal_nprandom_u32(&ref));
    /* Elements wider than the swap's 64-byte bounce buffer move whole. */
    struct { int tag; char pad[100]; } w[3] = {{0, {0}}, {1, {0}}, {2, {0}}};
    for (int i = 0; i < 3; i++) memset(w[i].pad, 'a' + i, sizeof w[i].pad);
    seal_nprandom_seed(&r, 1);
    seal_nprandom_shuffle(&r, w, 3, sizeof w[0]);
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        seen |= 1 << w[i].tag;
        CHECK(w[i].pad[0] == 'a' + w[i].tag && w[i].pad[99] == 'a' + w[i].tag);
    }
    CHECK(seen == 7);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "dump")) { dump(); return 0; }
    test_recorded();
    test_edges();
    return check_report("test_nprandom");
}
