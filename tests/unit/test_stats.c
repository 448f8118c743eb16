/* test_stats.c: seal/stats.c against values computed by hand and by an
 * independent Python model of the bootstrap (below). */
#include "check.h"
#include "seal/stats.h"

/* The Python that gave the pinned intervals: xoshiro256** seeded by
 * splitmix64 (util/rng.c), seal_rng_below by rejection, the resample means sorted,
 * percentiles at (int)(0.025) and (int)(0.975 (R-1) + 0.5).
 *
 *   M = (1 << 64) - 1
 *   def splitmix(x):
 *       x = (x + 0x9e3779b97f4a7c15) & M; z = x
 *       z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
 *       z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
 *       return x, z ^ (z >> 31)
 *   def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
 *   class Rng:
 *       def __init__(self, seed):
 *           self.s = []
 *           for _ in range(4): seed, v = splitmix(seed); self.s.append(v)
 *       def u64(self):
 *           s = self.s; out = (rotl((s[1] * 5) & M, 7) * 9) & M; t = (s[1] << 17) & M
 *           s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
 *           return out
 *       def below(self, n):
 *           limit = M - M % n
 *           while True:
 *               x = self.u64()
 *               if x < limit: return x % n
 *   def boot(a, b, R, seed):
 *       r = Rng(seed); n = len(a); m = []
 *       for _ in range(R):
 *           s = 0.0
 *           for i in range(n):
 *               j = r.below(n); s += a[j] - (b[j] if b else 0.0)
 *           m.append(s / n)
 *       m.sort()
 *       return m[int(0.025 * (R - 1))], m[int(0.975 * (R - 1) + 0.5)]
 *   boot(X, None, 1000, 42) -> (0.28750000000000003, 0.72499999999999998)
 *   boot(X, Y, 1000, 7)     -> (-0.012500000000000011, 0.23749999999999999) */
static const double X[8] = {0.2, 0.5, 0.9, 0.4, 1.0, 0.0, 0.7, 0.3};
static const double Y[8] = {0.1, 0.5, 0.6, 0.4, 0.8, 0.2, 0.3, 0.3};

static void test_mean(void) {
    CHECK(seal_mean_of(X, 8) == 0.5); /* 4.0 / 8, exact */
    double third[3] = {1, 0, 0};
    CHECK(seal_mean_of(third, 3) == 1.0 / 3);
    CHECK(seal_mean_of(X, 0) == 0.0); /* no passages: 0, not NaN */
}

static void test_pinned_intervals(void) {
    double lo, hi;
    seal_bootstrap_ci(X, 8, 1000, 42, &lo, &hi);
    CHECK_MSG(lo == 0.28750000000000003 && hi == 0.72499999999999998, "got [%.17g, %.17g]", lo, hi);
    seal_bootstrap_diff_ci(X, Y, 8, 1000, 7, &lo, &hi);
    CHECK_MSG(lo == -0.012500000000000011 && hi == 0.23749999999999999, "got [%.17g, %.17g]", lo, hi);
    /* a fixed seed: a rerun prints the same interval; another seed need not */
    double lo2, hi2;
    seal_bootstrap_ci(X, 8, 1000, 42, &lo2, &hi2);
    CHECK(lo2 == 0.28750000000000003 && hi2 == 0.72499999999999998);
}

static void test_by_hand(void) {
    double lo, hi;
    /* Every resample of a constant sample has its mean. */
    double c[5] = {0.25, 0.25, 0.25, 0.25, 0.25};
    seal_bootstrap_ci(c, 5, 200, 1, &lo, &hi);
    CHECK(lo == 0.25 && hi == 0.25);
    /* One passage: every resample is that passage. */
    seal_bootstrap_ci(X + 2, 1, 50, 3, &lo, &hi);
    CHECK(lo == 0.9 && hi == 0.9);
    /* {0, 1}: resample means 0, 1/2, 1 with probability 1/4, 1/2, 1/4; with 1000
     * resamples the 25th smallest is 0 and the 975th is 1 unless fewer than 25
     * draws (of about 250 expected) land on either end: P < 1e-70. */
    double two[2] = {0, 1};
    seal_bootstrap_ci(two, 2, 1000, 9, &lo, &hi);
    CHECK(lo == 0.0 && hi == 1.0);
    /* Paired: b = a - 0.125 everywhere, so every resampled difference is 0.125. */
    double a[4] = {0.5, 0.75, 1.0, 0.25}, b[4] = {0.375, 0.625, 0.875, 0.125};
    seal_bootstrap_diff_ci(a, b, 4, 300, 5, &lo, &hi);
    CHECK(lo == 0.125 && hi == 0.125);
    /* the interval always holds inside the sample's range */
    seal_bootstrap_ci(X, 8, 1000, 123, &lo, &hi);
    CHECK(0.0 <= lo && lo <= 0.5 && 0.5 <= hi && hi <= 1.0);
}

/* The ratio form: per-question accuracy with passages resampled. */
static void test_ratio(void) {
    double lo, hi;
    /* half of every passage's questions right: every resample's ratio is 1/2, however many questions each has */
    double right[3] = {1, 3, 5}, w[3] = {2, 6, 10};
    seal_bootstrap_ratio_diff_ci(right, NULL, w, 3, 500, 4, &lo, &hi);
    CHECK_MSG(lo == 0.5 && hi == 0.5, "got [%.17g, %.17g]", lo, hi);
    /* no resamples: the point estimate sum(a - b) / sum(w) = (9 - 3) / 18 */
    double wrong[3] = {0, 1, 2};
    seal_bootstrap_ratio_diff_ci(right, wrong, w, 3, 0, 4, &lo, &hi);
    CHECK_MSG(lo == 6.0 / 18 && hi == lo, "got [%g, %g]", lo, hi);
    /* weights of 1 (or NULL) give the plain mean's interval, bit for bit */
    double ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    seal_bootstrap_ratio_diff_ci(X, Y, ones, 8, 1000, 7, &lo, &hi);
    CHECK_MSG(lo == -0.012500000000000011 && hi == 0.23749999999999999, "got [%.17g, %.17g]", lo, hi);
    /* passages with no counted question (weight 0) alone: 0, not NaN */
    double z[2] = {0, 0};
    seal_bootstrap_ratio_diff_ci(z, NULL, z, 2, 50, 1, &lo, &hi);
    CHECK(lo == 0.0 && hi == 0.0);
}

static void test_degenerate(void) {
    double lo = -1, hi = -1;
    seal_bootstrap_ci(X, 0, 1000, 1, &lo, &hi);
    CHECK(lo == 0.0 && hi == 0.0);
    /* No resamples (read past a zero-length buffer before): the point estimate. */
    lo = hi = -1;
    seal_bootstrap_ci(X, 8, 0, 1, &lo, &hi);
    CHECK_MSG(lo == 0.5 && hi == 0.5, "got [%g, %g]", lo, hi);
    seal_bootstrap_diff_ci(X, Y, 8, -5, 1, &lo, &hi); /* mean(X) - mean(Y) = 0.5 - 0.4 */
    CHECK_MSG(fabs(lo - 0.1) < 1e-15 && lo == hi, "got [%g, %g]", lo, hi);
}

int main(void) {
    test_mean();
    test_ratio();
    test_pinned_intervals();
    test_by_hand();
    test_degenerate();
    return check_report("test_stats");
}
