/* seal_matmul_ref.c: the scalar oracle for seal_matmul(), and element/row access to a
 * weight matrix in its file dtype. Plain loops, written to be obviously right. */
#include "kern/matmul.h"

#include <string.h>

float seal_mat_at(const seal_mat *w, int r, int c) {
    size_t i = (size_t)r * (size_t)w->cols + (size_t)c;
    const unsigned char *p = w->data;
    if (w->dtype == SEAL_F32) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        return f;
    }
    uint16_t h;
    memcpy(&h, p + 2 * i, 2); /* data may be only 2-byte aligned */
    return w->dtype == SEAL_BF16 ? seal_bf16_to_f32(h) : seal_f16_to_f32(h);
}

void seal_mat_row(const seal_mat *w, int r, float *dst) {
    size_t off = (size_t)r * (size_t)w->cols * seal_dtype_size(w->dtype);
    seal_to_f32(dst, (const unsigned char *)w->data + off, w->dtype, (size_t)w->cols);
}

/* y [n][rows] = x [n][cols] . W^T + bias, summing each dot product in k order. */
void seal_matmul_ref(float *y, const float *x, const seal_mat *w, const float *bias, int n) {
    for (int t = 0; t < n; t++) {
        const float *xt = x + (size_t)t * (size_t)w->cols;
        for (int o = 0; o < w->rows; o++) {
            float s = 0.0f;
            for (int k = 0; k < w->cols; k++) s += xt[k] * seal_mat_at(w, o, k);
            y[(size_t)t * (size_t)w->rows + o] = bias ? s + bias[o] : s;
        }
    }
}

/* y [n][cols] = dy [n][rows] . W, summing over o in increasing order. */
void seal_matmul_t_ref(float *y, const float *dy, const seal_mat *w, int n) {
    for (int t = 0; t < n; t++)
        for (int c = 0; c < w->cols; c++) {
            float s = 0.0f;
            for (int o = 0; o < w->rows; o++) s += dy[(size_t)t * (size_t)w->rows + o] * seal_mat_at(w, o, c);
            y[(size_t)t * (size_t)w->cols + c] = s;
        }
}
