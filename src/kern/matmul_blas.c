/* matmul_blas.c: seal_matmul_fast / seal_matmul_t_fast on OpenBLAS (see matmul.h). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/isa.h"
#include "kern/matmul_isa.h"
#include "util/err.h"

/* Below MIN_TOKENS rows of x the weights' conversion and BLAS's packing cost
 * more than they save: the kernels of matmul.c take those calls. */
enum { ROW_BLOCK = 128, MIN_ROWS_PER_TASK = 64, MIN_TOKENS = 48 };

/* Our pool supplies the threads: every calling thread asks for single-threaded
 * BLAS once (with OpenMP the thread count is a per-thread setting, so a pool
 * worker that skipped this would start its own OpenMP team and oversubscribe). */
static _Thread_local int blas_single;

void seal_sgemm_rm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc) {
    if (!blas_single) {
        openblas_set_num_threads(1);
        blas_single = 1;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda,
                b, ldb, beta, c, ldc);
}

/* Rows [r0, r1) of W, columns [c0, c1), as f32 (a view when W is f32 and
 * whole rows are wanted, else converted into scratch); *ld is its row stride. */
static const float *rows_f32(const seal_mat *w, int r0, int r1, int c0, int c1, int *ld) {
    if (w->dtype == SEAL_F32) {
        *ld = w->cols;
        return (const float *)w->data + (size_t)r0 * w->cols + c0;
    }
    int nc = c1 - c0;
    float *s = seal_kern_scratch(SEAL_KERN_SCRATCH_W, sizeof(float) * (size_t)(r1 - r0) * nc);
    size_t es = seal_dtype_size(w->dtype);
    for (int r = r0; r < r1; r++)
        seal_to_f32(s + (size_t)(r - r0) * nc, (const char *)w->data + ((size_t)r * w->cols + c0) * es, w->dtype, (size_t)nc);
    *ld = nc;
    return s;
}

typedef struct {
    float *y;
    const float *x;
    const seal_mat *w;
    const float *bias;
    int n, per_task, outs;
} blas_job;

/* y[:, r0:r1] = x W[r0:r1]^T (+ bias), a block of W rows at a time. */
static void fwd_task(void *ctx, int task, int thread) {
    (void)thread;
    blas_job *j = ctx;
    int r0 = task * j->per_task, r1 = r0 + j->per_task < j->outs ? r0 + j->per_task : j->outs;
    /* f32 weights need no conversion: one call, so that BLAS packs x once */
    int block = j->w->dtype == SEAL_F32 ? r1 - r0 : ROW_BLOCK;
    for (int b0 = r0; b0 < r1; b0 += block) {
        int b1 = b0 + block < r1 ? b0 + block : r1, ld;
        const float *wb = rows_f32(j->w, b0, b1, 0, j->w->cols, &ld);
        seal_sgemm_rm(0, 1, j->n, b1 - b0, j->w->cols, 1.0f, j->x, j->w->cols, wb, ld, 0.0f, j->y + b0, j->w->rows);
        if (j->bias)
            for (int t = 0; t < j->n; t++)
                for (int o = b0; o < b1; o++) j->y[(size_t)t * j->w->rows + o] += j->bias[o];
    }
}

/* y[:, c0:c1] = dy W[:, c0:c1], accumulating over blocks of W rows. */
static void back_task(void *ctx, int task, int thread) {
    (void)thread;
    blas_job *j = ctx;
    int c0 = task * j->per_task, c1 = c0 + j->per_task < j->outs ? c0 + j->per_task : j->outs;
    int block = j->w->dtype == SEAL_F32 ? j->w->rows : ROW_BLOCK; /* as in fwd_task */
    for (int b0 = 0; b0 < j->w->rows; b0 += block) {
        int b1 = b0 + block < j->w->rows ? b0 + block : j->w->rows, ld;
        const float *wb = rows_f32(j->w, b0, b1, c0, c1, &ld);
        seal_sgemm_rm(0, 0, j->n, c1 - c0, b1 - b0, 1.0f, j->x + b0, j->w->rows, wb, ld, b0 ? 1.0f : 0.0f, j->y + c0,
                 j->w->cols);
    }
}

static int split(seal_pool *pool, int outs, int *per_task) {
    int threads = pool ? seal_pool_threads(pool) : 1, tasks = outs / MIN_ROWS_PER_TASK;
    tasks = tasks < 1 ? 1 : tasks > threads ? threads : tasks;
    *per_task = (outs + tasks - 1) / tasks;
    return (outs + *per_task - 1) / *per_task;
}

/* On AVX-512 our kernels outrun OpenBLAS's sgemm (which also needs the
 * weights converted to f32 first; bench_matmul's "fast" rows), and are batch
 * invariant besides: they take every call there. The NEON paths, not yet
 * measured against OpenBLAS on real hardware, stay on it like AVX2. */
static int own_kernels(int n) {
    const seal_isa isa = seal_kernel_isa();
    return n < MIN_TOKENS || isa == SEAL_ISA_AVX512 || isa == SEAL_ISA_AVX512BF16;
}

void seal_matmul_fast(seal_pool *pool, float *y, const float *x, const seal_mat *w, const float *bias, int n) {
    if (own_kernels(n)) { seal_matmul(pool, y, x, w, bias, n); return; }
    blas_job j = {y, x, w, bias, n, 0, w->rows};
    int tasks = split(pool, w->rows, &j.per_task);
    seal_pool_run(pool, tasks, fwd_task, &j);
}

void seal_matmul_t_fast(seal_pool *pool, float *y, const float *dy, const seal_mat *w, int n) {
    if (own_kernels(n)) { seal_matmul_t(pool, y, dy, w, n); return; }
    blas_job j = {y, dy, w, NULL, n, 0, w->cols};
    int tasks = split(pool, w->cols, &j.per_task);
    seal_pool_run(pool, tasks, back_task, &j);
}

const char *seal_matmul_fast_arithmetic(void) {
    static _Thread_local char name[48];
    int own = own_kernels(MIN_TOKENS);
    if (seal_kernel_mode() == SEAL_COMPUTE_EXACT) return own ? "seal exact" : "openblas exact";
    /* "dx-bf16": seal_matmul_t rounds dy too (OpenBLAS's transposed product does not). */
    snprintf(name, sizeof name, "%s bf16 %s%s", own ? "seal" : "openblas", seal_isa_name(seal_kernel_isa()),
             own ? " dx-bf16" : "");
    return name;
}
