/* The training products (seal_matmul_fast, seal_matmul_t_fast: OpenBLAS below
 * AVX-512, the kernels of seal_matmul on it; wgrad: OpenBLAS) against their scalar references, for f32, bf16 and f16 weights, shapes on
 * both sides of the small-batch fallback, with 1 and 2 threads. */
#include <stdlib.h>

#include "check.h"
#include "kern/matmul.h"
#include "kern/wgrad.h"
#include "util/rng.h"

static void fill(float *x, size_t n, seal_rng *r) {
    for (size_t i = 0; i < n; i++) x[i] = (float)seal_rng_normal(r);
}

static double max_rel(const float *a, const float *b, size_t n) {
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++) { m = fmax(m, fabs(a[i] - b[i])); s = fmax(s, fabs(b[i])); }
    return m / (s > 0 ? s : 1);
}

static void run(seal_pool *pool, seal_dtype dt, int n, int rows, int cols) {
    seal_rng r;
    seal_rng_seed(&r, (uint64_t)(n * 131 + rows * 7 + cols));
    float *wf = malloc(sizeof(float) * rows * cols), *x = malloc(sizeof(float) * n * cols), *dy = malloc(sizeof(float) * n * rows);
    float *bias = malloc(sizeof(float) * rows), *y1 = malloc(sizeof(float) * n * rows), *y2 = malloc(sizeof(float) * n * rows);
    float *t1 = malloc(sizeof(float) * n * cols), *t2 = malloc(sizeof(float) * n * cols);
    float *g1 = calloc((size_t)rows * cols, sizeof(float)), *g2 = calloc((size_t)rows * cols, sizeof(float));
    fill(wf, (size_t)rows * cols, &r); fill(x, (size_t)n * cols, &r); fill(dy, (size_t)n * rows, &r); fill(bias, (size_t)rows, &r);
    void *wd = malloc(seal_dtype_size(dt) * rows * cols);
    seal_from_f32(wd, dt, wf, (size_t)rows * cols);
    seal_mat w = {wd, dt, rows, cols};
    seal_matmul_fast(pool, y1, x, &w, bias, n);
    seal_matmul_ref(y2, x, &w, bias, n);
    CHECK_MSG(max_rel(y1, y2, (size_t)n * rows) < 1e-5, "matmul_fast %s n=%d %dx%d: %.3g", seal_dtype_name(dt), n, rows, cols, max_rel(y1, y2, (size_t)n * rows));
    seal_matmul_t_fast(pool, t1, dy, &w, n);
    seal_matmul_t_ref(t2, dy, &w, n);
    CHECK_MSG(max_rel(t1, t2, (size_t)n * cols) < 1e-5, "matmul_t_fast %s n=%d: %.3g", seal_dtype_name(dt), n, max_rel(t1, t2, (size_t)n * cols));
    seal_wgrad(pool, g1, dy, x, n, rows, cols, 0.5f);
    seal_wgrad(pool, g1, dy, x, n, rows, cols, 0.5f); /* accumulates */
    seal_wgrad_ref(g2, dy, x, n, rows, cols, 1.0f);
    CHECK_MSG(max_rel(g1, g2, (size_t)rows * cols) < 1e-5, "wgrad n=%d %dx%d: %.3g", n, rows, cols, max_rel(g1, g2, (size_t)rows * cols));
    free(wf); free(x); free(dy); free(bias); free(y1); free(y2); free(t1); free(t2); free(g1); free(g2); free(wd);
}

int main(void) {
    seal_pool *pools[2] = {seal_pool_create(1), seal_pool_create(2)};
    seal_dtype dts[3] = {SEAL_F32, SEAL_BF16, SEAL_F16};
    int shapes[][3] = {{1, 7, 5}, {13, 130, 33}, {48, 200, 96}, {100, 333, 172}, {160, 64, 300}};
    for (int p = 0; p < 2; p++)
        for (int d = 0; d < 3; d++)
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) run(pools[p], dts[d], shapes[s][0], shapes[s][1], shapes[s][2]);
    seal_pool_destroy(pools[0]);
    seal_pool_destroy(pools[1]);
    return check_report("test_matmul_fast");
}
