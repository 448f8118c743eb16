#include "kern/wgrad.h"

#include "kern/matmul.h"
#include "util/err.h"


/* dW += scale * dy^T x is one sgemm with A transposed (row-major dy [n][rows]
 * read as its transpose), split by rows of dW across the pool. */
typedef struct {
    float *dW;
    const float *dy, *x;
    int n, rows, cols, per_task;
    float scale;
} wgrad_job;

static void wgrad_task(void *ctx, int task, int thread) {
    (void)thread;
    wgrad_job *j = ctx;
    int r0 = task * j->per_task, r1 = r0 + j->per_task < j->rows ? r0 + j->per_task : j->rows;
    seal_sgemm_rm(1, 0, r1 - r0, j->cols, j->n, j->scale, j->dy + r0, j->rows, j->x, j->cols, 1.0f,
             j->dW + (size_t)r0 * j->cols, j->cols);
}

void seal_wgrad(seal_pool *pool, float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale) {
    if (n <= 0 || rows <= 0 || cols <= 0) return;
    int threads = pool ? seal_pool_threads(pool) : 1, tasks = rows >= 32 * threads ? threads : 1;
    wgrad_job j = {dW, dy, x, n, rows, cols, (rows + tasks - 1) / tasks, scale};
    seal_pool_run(pool, (rows + j.per_task - 1) / j.per_task, wgrad_task, &j);
}

void seal_wgrad_ref(float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale) {
    for (int o = 0; o < rows; o++)
        for (int c = 0; c < cols; c++) {
            double acc = 0.0;
            for (int t = 0; t < n; t++) acc += (double)dy[(size_t)t * rows + o] * x[(size_t)t * cols + c];
            dW[(size_t)o * cols + c] += (float)(scale * acc);
        }
}

void seal_bias_grad(float *db, const float *dy, int n, int rows) {
    for (int t = 0; t < n; t++)
        for (int o = 0; o < rows; o++) db[o] += dy[(size_t)t * rows + o];
}
