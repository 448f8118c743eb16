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
/* The same for a ratio over clusters: the CI of sum(a - b) / sum(w) when
 * passages are resampled, e.g. a[i], b[i] the questions right in passage i
 * and w[i] its questions, for per-question accuracy with the passages as the
 * unit of resampling (their questions are not independent). b NULL: the CI of
 * sum(a) / sum(w); w NULL: every weight 1 (= seal_bootstrap_diff_ci). A
 * resample whose weights sum to 0 counts as 0. */
void seal_bootstrap_ratio_diff_ci(const double *a, const double *b, const double *w, int n, int resamples,
                                  unsigned long long seed, double *lo, double *hi);

#endif
