#include "kern/wgrad.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2 1
#endif

enum { ROWS_PER_TASK = 4, COLS_TILE = 16 };

typedef struct {
    float *dW;
    const float *dy, *x;
    int n, rows, cols;
    float scale;
} wgrad_job;

/* Rows [o0, o0+4) (fewer at the edge) of dW, all columns. A register tile of
 * 4 rows x 16 columns accumulates over every t before touching memory. */
static void wgrad_rows(const wgrad_job *j, int o0) {
    int o1 = o0 + ROWS_PER_TASK < j->rows ? o0 + ROWS_PER_TASK : j->rows, c = 0;
#ifdef HAVE_AVX2
    if (o1 - o0 == ROWS_PER_TASK) {
        __m256 sc = _mm256_set1_ps(j->scale);
        for (; c + COLS_TILE <= j->cols; c += COLS_TILE) {
            __m256 acc[ROWS_PER_TASK][2];
            for (int r = 0; r < ROWS_PER_TASK; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            for (int t = 0; t < j->n; t++) {
                const float *xr = j->x + (size_t)t * j->cols + c, *g = j->dy + (size_t)t * j->rows + o0;
                __m256 x0 = _mm256_loadu_ps(xr), x1 = _mm256_loadu_ps(xr + 8);
                for (int r = 0; r < ROWS_PER_TASK; r++) {
                    __m256 gr = _mm256_set1_ps(g[r]);
                    acc[r][0] = _mm256_fmadd_ps(gr, x0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(gr, x1, acc[r][1]);
                }
            }
            for (int r = 0; r < ROWS_PER_TASK; r++) {
                float *d = j->dW + (size_t)(o0 + r) * j->cols + c;
                _mm256_storeu_ps(d, _mm256_fmadd_ps(sc, acc[r][0], _mm256_loadu_ps(d)));
                _mm256_storeu_ps(d + 8, _mm256_fmadd_ps(sc, acc[r][1], _mm256_loadu_ps(d + 8)));
            }
        }
    }
#endif
    for (int o = o0; o < o1; o++)
        for (int cc = c; cc < j->cols; cc++) {
            float acc = 0.0f;
            for (int t = 0; t < j->n; t++) acc += j->dy[(size_t)t * j->rows + o] * j->x[(size_t)t * j->cols + cc];
            j->dW[(size_t)o * j->cols + cc] += j->scale * acc;
        }
}

static void wgrad_task(void *ctx, int task, int thread) {
    (void)thread;
    wgrad_rows(ctx, task * ROWS_PER_TASK);
}

void wgrad(seal_pool *pool, float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale) {
    if (n <= 0 || rows <= 0 || cols <= 0) return;
    wgrad_job j = {dW, dy, x, n, rows, cols, scale};
    seal_pool_run(pool, (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, wgrad_task, &j);
}

void wgrad_ref(float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale) {
    for (int o = 0; o < rows; o++)
        for (int c = 0; c < cols; c++) {
            double acc = 0.0;
            for (int t = 0; t < n; t++) acc += (double)dy[(size_t)t * rows + o] * x[(size_t)t * cols + c];
            dW[(size_t)o * cols + c] += (float)(scale * acc);
        }
}

void bias_grad(float *db, const float *dy, int n, int rows) {
    for (int t = 0; t < n; t++)
        for (int o = 0; o < rows; o++) db[o] += dy[(size_t)t * rows + o];
}
