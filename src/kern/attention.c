#include "kern/attention.h"

#include <math.h>
#include <string.h>

#include "kern/matmul.h"
#include "kern/ops.h"

size_t attn_scratch_floats(int L, int hd) { return 10 * (size_t)L * hd + 3 * (size_t)L * L; }

static void gather(float *dst, const float *src, int L, int hd, int stride) { /* [L][hd] from strided rows */
    for (int t = 0; t < L; t++) memcpy(dst + (size_t)t * hd, src + (size_t)t * stride, sizeof(float) * hd);
}

static void scatter(float *dst, int stride, const float *src, int L, int hd) {
    for (int t = 0; t < L; t++) memcpy(dst + (size_t)t * stride, src + (size_t)t * hd, sizeof(float) * hd);
}

static void transpose(float *dst, const float *src, int n, int m) { /* src [n][m] -> dst [m][n], in tiles */
    enum { B = 16 };
    for (int i0 = 0; i0 < n; i0 += B)
        for (int j0 = 0; j0 < m; j0 += B)
            for (int j = j0; j < m && j < j0 + B; j++)
                for (int i = i0; i < n && i < i0 + B; i++) dst[(size_t)j * n + i] = src[(size_t)i * m + j];
}

/* Row-wise causal softmax of S*scale in place (zeros above the diagonal). */
static void causal_softmax(float *S, int L, float scale, float *lse, int lse_stride) {
    for (int i = 0; i < L; i++) {
        float *row = S + (size_t)i * L, mx = -INFINITY;
        for (int j = 0; j <= i; j++) { row[j] *= scale; mx = row[j] > mx ? row[j] : mx; }
        float sum = 0;
        for (int j = 0; j <= i; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
        float inv = 1.0f / sum;
        for (int j = 0; j <= i; j++) row[j] *= inv;
        memset(row + i + 1, 0, sizeof(float) * (size_t)(L - i - 1));
        lse[(size_t)i * lse_stride] = mx + logf(sum);
    }
}

void attn_group_forward(const attn_view *v, float *scratch) {
    int L = v->L, hd = v->hd;
    size_t Lh = (size_t)L * hd;
    float *Kh = scratch, *Vt = Kh + Lh, *Vh = Vt + Lh, *Qh = Vh + Lh, *Oh = Qh + Lh, *S = scratch + 10 * Lh;
    gather(Kh, v->k, L, hd, v->kv_stride);
    gather(Vh, v->v, L, hd, v->kv_stride);
    transpose(Vt, Vh, L, hd);
    seal_mat K = {Kh, SEAL_F32, L, hd}, Vm = {Vt, SEAL_F32, hd, L};
    for (int g = 0; g < v->group; g++) {
        gather(Qh, v->q + (size_t)g * hd, L, hd, v->q_stride);
        matmul(NULL, S, Qh, &K, NULL, L);
        causal_softmax(S, L, v->scale, v->lse + g, v->lse_stride);
        matmul(NULL, Oh, S, &Vm, NULL, L);
        scatter(v->out + (size_t)g * hd, v->q_stride, Oh, L, hd);
    }
}

void attn_group_backward(const attn_view *v, const float *dout, float *dq, float *dk, float *dvv, int dkv_stride,
                         float *scratch) {
    int L = v->L, hd = v->hd;
    size_t Lh = (size_t)L * hd, LL = (size_t)L * L;
    float *Kh = scratch, *Kt = Kh + Lh, *Vh = Kt + Lh, *Qh = Vh + Lh, *Qt = Qh + Lh, *Oh = Qt + Lh, *dOh = Oh + Lh,
          *dOt = dOh + Lh, *dKh = dOt + Lh, *dVh = dKh + Lh;
    float *P = scratch + 10 * Lh, *dS = P + LL, *T = dS + LL;
    gather(Kh, v->k, L, hd, v->kv_stride);
    gather(Vh, v->v, L, hd, v->kv_stride);
    transpose(Kt, Kh, L, hd);
    memset(dKh, 0, sizeof(float) * Lh);
    memset(dVh, 0, sizeof(float) * Lh);
    seal_mat K = {Kh, SEAL_F32, L, hd}, Vm = {Vh, SEAL_F32, L, hd}, KtM = {Kt, SEAL_F32, hd, L};
    seal_mat QtM = {Qt, SEAL_F32, hd, L}, dOtM = {dOt, SEAL_F32, hd, L};
    for (int g = 0; g < v->group; g++) {
        gather(Qh, v->q + (size_t)g * hd, L, hd, v->q_stride);
        gather(Oh, v->out + (size_t)g * hd, L, hd, v->q_stride);
        gather(dOh, dout + (size_t)g * hd, L, hd, v->q_stride);
        matmul(NULL, P, Qh, &K, NULL, L);     /* S */
        matmul(NULL, dS, dOh, &Vm, NULL, L);  /* dP = dO V^T */
        for (int i = 0; i < L; i++) {
            float *p = P + (size_t)i * L, *d = dS + (size_t)i * L, lse = v->lse[(size_t)i * v->lse_stride + g];
            float D = vec_dot(dOh + (size_t)i * hd, Oh + (size_t)i * hd, hd);
            for (int j = 0; j <= i; j++) {
                p[j] = expf(p[j] * v->scale - lse);
                d[j] = p[j] * (d[j] - D) * v->scale;
            }
            memset(p + i + 1, 0, sizeof(float) * (size_t)(L - i - 1));
            memset(d + i + 1, 0, sizeof(float) * (size_t)(L - i - 1));
        }
        matmul(NULL, Qt, dS, &KtM, NULL, L); /* dQ = dS K (Qt as scratch) */
        scatter(dq + (size_t)g * hd, v->q_stride, Qt, L, hd);
        transpose(Qt, Qh, L, hd);
        transpose(T, dS, L, L);
        matmul(NULL, Oh, T, &QtM, NULL, L);  /* dS^T Q */
        vec_axpy(dKh, 1.0f, Oh, (int)Lh);
        transpose(dOt, dOh, L, hd);
        transpose(T, P, L, L);
        matmul(NULL, Oh, T, &dOtM, NULL, L); /* P^T dO */
        vec_axpy(dVh, 1.0f, Oh, (int)Lh);
    }
    scatter(dk, dkv_stride, dKh, L, hd);
    scatter(dvv, dkv_stride, dVh, L, hd);
}
