#include "seal/stats.h"

#include <stdlib.h>

#include "util/err.h"
#include "util/rng.h"

double seal_mean_of(const double *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return n ? s / n : 0.0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void seal_bootstrap_ratio_diff_ci(const double *a, const double *b, const double *w, int n, int resamples,
                                  unsigned long long seed, double *lo, double *hi) {
    if (n <= 0) { *lo = *hi = 0; return; }
    if (resamples < 1) { /* no resample to take percentiles of: the interval is the point estimate */
        double d = 0, sw = 0;
        for (int i = 0; i < n; i++) d += a[i] - (b ? b[i] : 0.0), sw += w ? w[i] : 1.0;
        *lo = *hi = sw > 0 ? d / sw : 0.0;
        return;
    }
    double *m = seal_malloc(sizeof(double) * (size_t)resamples);
    seal_rng rng;
    seal_rng_seed(&rng, seed);
    for (int r = 0; r < resamples; r++) {
        double s = 0, sw = 0;
        for (int i = 0; i < n; i++) {
            int j = (int)seal_rng_below(&rng, (uint64_t)n);
            s += a[j] - (b ? b[j] : 0.0);
            sw += w ? w[j] : 1.0; /* unweighted: sw = n exactly, so s / sw is the plain mean */
        }
        m[r] = sw > 0 ? s / sw : 0.0;
    }
    qsort(m, (size_t)resamples, sizeof(double), cmp_double);
    *lo = m[(int)(0.025 * (resamples - 1))];
    *hi = m[(int)(0.975 * (resamples - 1) + 0.5)];
    free(m);
}

void seal_bootstrap_diff_ci(const double *a, const double *b, int n, int resamples, unsigned long long seed, double *lo,
                       double *hi) {
    seal_bootstrap_ratio_diff_ci(a, b, NULL, n, resamples, seed, lo, hi);
}

void seal_bootstrap_ci(const double *x, int n, int resamples, unsigned long long seed, double *lo, double *hi) {
    seal_bootstrap_diff_ci(x, NULL, n, resamples, seed, lo, hi);
}
