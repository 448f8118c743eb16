/* stats.h: accuracy statistics over passages, as the paper reports them: the
 * mean of per-passage accuracies, with 95% percentile-bootstrap intervals
 * over passages (fixed seed, so a rerun prints the same interval). */
#ifndef SEAL_SEAL_STATS_H
#define SEAL_SEAL_STATS_H

double seal_mean_of(const double *x, int n);
/* 95% CI of the mean of x[0..n) by bootstrap over its elements: the 2.5th and
 * 97.5th percentiles (indices (int)(0.025) and (int)(0.975 (R-1) + 0.5)
 * of the R sorted resample means). n <= 0 gives [0, 0]; resamples < 1 gives
 * the mean itself as both ends. */
void seal_bootstrap_ci(const double *x, int n, int resamples, unsigned long long seed, double *lo, double *hi);
/* 95% CI of mean(a) - mean(b) for paired per-passage values. */
void seal_bootstrap_diff_ci(const double *a, const double *b, int n, int resamples, unsigned long long seed, double *lo,
                       double *hi);

#endif
