/* matmul_scalar.c: the scalar path of seal_matmul() and seal_matmul_t(), in
 * plain C for every CPU. It sums each element in the SIMD paths' order (see
 * matmul_isa.h), so it gives their bits exactly, slowly. */
#include <math.h>

#include "kern/matmul_isa.h"

/* sum_k x[k] W[o][k] in the 8-lane order. */
static float dot_lanes(const float *x, const seal_mat *w, int o) {
    float acc[8] = {0};
    const int cols = w->cols, cols8 = cols & ~7;
    for (int k = 0; k < cols8; k += 8)
        for (int l = 0; l < 8; l++) acc[l] = fmaf(x[k + l], seal_mat_at(w, o, k + l), acc[l]);
    float s = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    for (int k = cols8; k < cols; k++) s = fmaf(x[k], seal_mat_at(w, o, k), s);
    return s;
}

void seal_matmul_block_scalar(float *y, const float *x, const seal_mat *w, const float *bias, int o0, int o1, int t0,
                              int t1) {
    for (int t = t0; t < t1; t++)
        for (int o = o0; o < o1; o++) {
            float s = dot_lanes(x + (size_t)t * w->cols, w, o);
            y[(size_t)t * w->rows + o] = bias ? s + bias[o] : s;
        }
}

void seal_matmul_t_block_scalar(float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0, int t1) {
    for (int t = t0; t < t1; t++)
        for (int c = c0; c < c1; c++) {
            float s = 0.0f;
            for (int o = 0; o < w->rows; o++) s = fmaf(dy[(size_t)t * w->rows + o], seal_mat_at(w, o, c), s);
            y[(size_t)t * w->cols + c] = s;
        }
}
