#include "kern/wgrad.h"

#include <stdlib.h>

#include "kern/matmul.h"
#include "util/err.h"


/* dW = dy^T x reduces over tokens, the row index of both operands. With dy
 * transposed (O(T*rows), cheap) it is exactly the product matmul_t computes,
 * y[o][c] = sum_t dyT[o][t] * X[t][c] with X := x as a [T][cols] matrix, so
 * the tuned kernel does the work. The scratch grows to the largest shape seen
 * and is then reused: steady-state training allocates nothing. */
static float *scratch;
static size_t scratch_cap;

static float *grow(size_t floats) {
    if (floats > scratch_cap) {
        free(scratch);
        scratch = seal_aligned_alloc(sizeof(float) * floats);
        scratch_cap = floats;
    }
    return scratch;
}

static void transpose(float *dst, const float *src, int n, int m) { /* src [n][m] -> dst [m][n] */
    enum { B = 16 };
    for (int i0 = 0; i0 < n; i0 += B)
        for (int j0 = 0; j0 < m; j0 += B)
            for (int j = j0; j < m && j < j0 + B; j++)
                for (int i = i0; i < n && i < i0 + B; i++) dst[(size_t)j * n + i] = src[(size_t)i * m + j];
}

void wgrad(seal_pool *pool, float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale) {
    if (n <= 0 || rows <= 0 || cols <= 0) return;
    size_t a = (size_t)rows * n, c = (size_t)rows * cols;
    float *buf = grow(a + c), *dyT = buf, *tmp = buf + a;
    transpose(dyT, dy, n, rows);
    seal_mat xm = {x, SEAL_F32, n, cols};
    matmul_t(pool, tmp, dyT, &xm, rows);
    for (size_t i = 0; i < c; i++) dW[i] += scale * tmp[i];
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
