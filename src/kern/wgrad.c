#include "kern/wgrad.h"

#include <stdlib.h>

#include "kern/matmul.h"
#include "util/err.h"


/* dW = dy^T x reduces over tokens, which neither operand stores contiguously.
 * Transposing both (O(T*(rows+cols)), cheap) turns it into the dot-form
 * product the tuned matmul kernel computes:
 *     tmp[o][c] = sum_t dyT[o][t] * xT[c][t] = matmul(x := dyT, W := xT),
 * then dW += scale * tmp. The scratch grows to the largest shape seen and is
 * then reused, so steady-state training allocates nothing. */
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
    enum { B = 32 };
    for (int i0 = 0; i0 < n; i0 += B)
        for (int j0 = 0; j0 < m; j0 += B)
            for (int i = i0; i < n && i < i0 + B; i++)
                for (int j = j0; j < m && j < j0 + B; j++) dst[(size_t)j * n + i] = src[(size_t)i * m + j];
}

void wgrad(seal_pool *pool, float *dW, const float *dy, const float *x, int n, int rows, int cols, float scale) {
    if (n <= 0 || rows <= 0 || cols <= 0) return;
    size_t a = (size_t)rows * n, b = (size_t)cols * n, c = (size_t)rows * cols;
    float *buf = grow(a + b + c), *dyT = buf, *xT = buf + a, *tmp = buf + a + b;
    transpose(dyT, dy, n, rows);
    transpose(xT, x, n, cols);
    seal_mat xm = {xT, SEAL_F32, cols, n};
    matmul(pool, tmp, dyT, &xm, NULL, rows);
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
