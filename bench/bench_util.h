/* bench_util.h: the timing helpers every bench program shares. */
#ifndef SEAL_BENCH_UTIL_H
#define SEAL_BENCH_UTIL_H

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "kern/isa.h"
#include "util/err.h"
#include "util/progress.h" /* seal_now(): monotonic seconds */

#define BENCH_MAX_REPS 64

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of t[0..n), n <= BENCH_MAX_REPS (sorts a copy). */
static inline double bench_median(const double *t, int n) {
    double s[BENCH_MAX_REPS];
    memcpy(s, t, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), bench_cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/* Resolve the kernel path (SEAL_KERNEL, SEAL_COMPUTE; dies on a bad request)
 * and print it as a JSON line, so every bench output names the path it ran. */
static inline void bench_kernel_report(void) {
    if (seal_kernel_init()) seal_die("%s", seal_errmsg());
    printf("{\"name\": \"kernel\", \"engine\": \"seal\", \"path\": \"%s\", \"best\": \"%s\", \"compute\": \"%s\"}\n",
           seal_isa_name(seal_kernel_isa()), seal_isa_name(seal_isa_best()), seal_compute_name(seal_kernel_mode()));
    fflush(stdout);
}

#endif
