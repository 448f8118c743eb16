/* matmul.h: the engine's matrix products, f32 activations against weights in
 * their file dtype (F32, BF16 or F16), read straight from the mapping.
 *
 * "Dot form", as nn.Linear: W is [rows = out][cols = in], row-major, and
 *     y[t][o] = bias[o] + sum_k x[t][k] * W[o][k]     t < n, o < rows, k < cols
 * Every output element is accumulated in one fixed order that depends only on
 * cols (never on n, on the tiling, or on the thread count), so a token gives
 * bit-identical results alone, in a batch, prefilled or decoded.
 *
 * seal_matmul_ref() is the readable scalar oracle; seal_matmul() runs the tiled
 * kernels of the instruction-set path isa.h chose, on the pool. Every path
 * gives the same bits in exact mode (matmul_isa.h states the order). Tests
 * hold each path against the scalar path and the oracle. In the bf16 compute
 * mode (isa.h) seal_matmul rounds x to bf16 first when W is bf16. */
#ifndef SEAL_KERN_MATMUL_H
#define SEAL_KERN_MATMUL_H

#include <stdint.h>

#include "rt/threadpool.h"
#include "util/dtype.h"

typedef struct {
    const void *data; /* rows*cols elements of dtype, any alignment >= 2 */
    seal_dtype dtype; /* SEAL_F32, SEAL_BF16 or SEAL_F16 */
    int rows, cols;
} seal_mat;

/* y [n][w->rows] = x [n][w->cols] . W^T (+ bias [w->rows] if non-NULL). */
void seal_matmul(seal_pool *pool, float *y, const float *x, const seal_mat *w, const float *bias, int n);
void seal_matmul_ref(float *y, const float *x, const seal_mat *w, const float *bias, int n);

/* The transposed product, as backprop needs for dX = dY . W:
 *     y[t][c] = sum_o dy[t][o] * W[o][c]          t < n, c < cols, o < rows
 * y [n][w->cols], dy [n][w->rows]. Each element is one fma chain over o in
 * increasing order starting from 0, whatever n, tile or thread count. */
void seal_matmul_t(seal_pool *pool, float *y, const float *dy, const seal_mat *w, int n);
void seal_matmul_t_ref(float *y, const float *dy, const seal_mat *w, int n);

/* The same two products for training. On AVX-512 CPUs these are the kernels
 * above (faster there than OpenBLAS, and batch invariant). Below AVX-512 they
 * go through OpenBLAS sgemm, about twice as fast as the AVX2 kernels, and are
 * NOT batch invariant (BLAS blocks by problem size), so inference, whose
 * contract is bit-identical results in any batch, keeps the kernels above.
 * Narrow weights are converted to f32 a block of rows at a time into
 * per-thread scratch; the work is split across the pool, each thread calling
 * single-threaded BLAS. */
void seal_matmul_fast(seal_pool *pool, float *y, const float *x, const seal_mat *w, const float *bias, int n);
void seal_matmul_t_fast(seal_pool *pool, float *y, const float *dy, const seal_mat *w, int n);
/* What the training products' arithmetic depends on, for run records:
 * "openblas" (below AVX-512) or "seal" (our kernels), then the compute mode,
 * and in bf16 mode the path (its sums' order differs by path), e.g.
 * "seal exact", "openblas exact", "seal bf16 avx512bf16 dx-bf16" (our
 * transposed product rounds dy to bf16 too; OpenBLAS's does not). A resume under
 * another value would not reproduce the run's numbers. */
const char *seal_matmul_fast_arithmetic(void);
/* C [m][n] = alpha * op(A) op(B) + beta * C, row-major, single-threaded sgemm. */
void seal_sgemm_rm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc);

/* Element (r, c) of W as f32 (for gathers such as the embedding lookup). */
float seal_mat_at(const seal_mat *w, int r, int c);
/* Row r of W converted to f32 into dst [w->cols]. */
void seal_mat_row(const seal_mat *w, int r, float *dst);

#endif
