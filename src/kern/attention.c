#include "kern/attention.h"

#include <math.h>
#include <string.h>

#include "kern/matmul.h"
#include "kern/ops.h"

size_t seal_attn_scratch_floats(int L, int hd) { return 10 * (size_t)L * hd + 2 * (size_t)L * L; }

static void gather(float *dst, const float *src, int L, int hd, int stride) { /* [L][hd] from strided rows */
    for (int t = 0; t < L; t++) memcpy(dst + (size_t)t * hd, src + (size_t)t * stride, sizeof(float) * hd);
}

static void scatter(float *dst, int stride, const float *src, int L, int hd) {
    for (int t = 0; t < L; t++) memcpy(dst + (size_t)t * stride, src + (size_t)t * hd, sizeof(float) * hd);
}

/* The last key query i sees: i (causal), or vis-1 past the visible keys. */
static int last_key(int i, int vis) { return vis > 0 && i >= vis ? vis - 1 : i; }

/* Row-wise causal softmax of S*scale in place (zeros past each row's last key). */
static void causal_softmax(float *S, int L, int vis, float scale, float *lse, int lse_stride) {
    for (int i = 0; i < L; i++) {
        float *row = S + (size_t)i * L, mx = -INFINITY;
        int e = last_key(i, vis);
        for (int j = 0; j <= e; j++) { row[j] *= scale; mx = row[j] > mx ? row[j] : mx; }
        float sum = 0;
        for (int j = 0; j <= e; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
        float inv = 1.0f / sum;
        for (int j = 0; j <= e; j++) row[j] *= inv;
        memset(row + e + 1, 0, sizeof(float) * (size_t)(L - e - 1));
        lse[(size_t)i * lse_stride] = mx + logf(sum);
    }
}

void seal_attn_group_forward(const attn_view *v, float *scratch) {
    int L = v->L, hd = v->hd;
    size_t Lh = (size_t)L * hd;
    float *Kh = scratch, *Vh = Kh + Lh, *Qh = Vh + Lh, *Oh = Qh + Lh, *S = scratch + 10 * Lh;
    gather(Kh, v->k, L, hd, v->kv_stride);
    gather(Vh, v->v, L, hd, v->kv_stride);
    for (int g = 0; g < v->group; g++) {
        gather(Qh, v->q + (size_t)g * hd, L, hd, v->q_stride);
        seal_sgemm_rm(0, 1, L, L, hd, 1.0f, Qh, hd, Kh, hd, 0.0f, S, L);   /* S = Q K^T */
        causal_softmax(S, L, v->vis, v->scale, v->lse + g, v->lse_stride);
        seal_sgemm_rm(0, 0, L, hd, L, 1.0f, S, L, Vh, hd, 0.0f, Oh, hd);   /* O = P V */
        scatter(v->out + (size_t)g * hd, v->q_stride, Oh, L, hd);
    }
}

void seal_attn_group_backward(const attn_view *v, const float *dout, float *dq, float *dk, float *dvv, int dkv_stride,
                         float *scratch) {
    int L = v->L, hd = v->hd;
    size_t Lh = (size_t)L * hd, LL = (size_t)L * L;
    float *Kh = scratch, *Vh = Kh + Lh, *Qh = Vh + Lh, *Oh = Qh + Lh, *dOh = Oh + Lh, *dQh = dOh + Lh, *dKh = dQh + Lh,
          *dVh = dKh + Lh;
    float *P = scratch + 10 * Lh, *dS = P + LL;
    gather(Kh, v->k, L, hd, v->kv_stride);
    gather(Vh, v->v, L, hd, v->kv_stride);
    memset(dKh, 0, sizeof(float) * Lh);
    memset(dVh, 0, sizeof(float) * Lh);
    for (int g = 0; g < v->group; g++) {
        gather(Qh, v->q + (size_t)g * hd, L, hd, v->q_stride);
        gather(Oh, v->out + (size_t)g * hd, L, hd, v->q_stride);
        gather(dOh, dout + (size_t)g * hd, L, hd, v->q_stride);
        seal_sgemm_rm(0, 1, L, L, hd, 1.0f, Qh, hd, Kh, hd, 0.0f, P, L);   /* S = Q K^T */
        seal_sgemm_rm(0, 1, L, L, hd, 1.0f, dOh, hd, Vh, hd, 0.0f, dS, L); /* dP = dO V^T */
        for (int i = 0; i < L; i++) {
            float *p = P + (size_t)i * L, *d = dS + (size_t)i * L, lse = v->lse[(size_t)i * v->lse_stride + g];
            float D = seal_vec_dot(dOh + (size_t)i * hd, Oh + (size_t)i * hd, hd);
            int e = last_key(i, v->vis);
            for (int j = 0; j <= e; j++) {
                p[j] = expf(p[j] * v->scale - lse);
                d[j] = p[j] * (d[j] - D) * v->scale;
            }
            memset(p + e + 1, 0, sizeof(float) * (size_t)(L - e - 1));
            memset(d + e + 1, 0, sizeof(float) * (size_t)(L - e - 1));
        }
        seal_sgemm_rm(0, 0, L, hd, L, 1.0f, dS, L, Kh, hd, 0.0f, dQh, hd); /* dQ = dS K */
        scatter(dq + (size_t)g * hd, v->q_stride, dQh, L, hd);
        seal_sgemm_rm(1, 0, L, hd, L, 1.0f, dS, L, Qh, hd, 1.0f, dKh, hd); /* dK += dS^T Q */
        seal_sgemm_rm(1, 0, L, hd, L, 1.0f, P, L, dOh, hd, 1.0f, dVh, hd); /* dV += P^T dO */
    }
    scatter(dk, dkv_stride, dKh, L, hd);
    scatter(dvv, dkv_stride, dVh, L, hd);
}
