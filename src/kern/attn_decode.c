/* attn_decode.c: attention of one decoding token over its sequence's cache,
 * for the query heads that share one KV head (see attention.h). The fast path
 * keeps four positions' dot products in flight and each output chunk in
 * registers across positions, and gives seal_attn_decode_ref's bits exactly:
 * every score accumulates its 8-float chunks in order and reduces them by
 * hsum8 (seal_vec_dot's tree), every output chunk takes its positions in order
 * with one fma each, as seal_vec_axpy does. */
#include "kern/attention.h"
#include "kern/ops.h"

#include <math.h>
#include <string.h>

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include "kern/simd_x86.h"
#define HAVE_AVX2 1
#endif

/* Softmax of scores[0..npos) in place (max-shifted, scalar expf), returning
 * log sum exp; shared by both paths so that they agree bit for bit. */
static float softmax_inplace(float *scores, int npos) {
    float mx = -INFINITY;
    for (int j = 0; j < npos; j++) mx = scores[j] > mx ? scores[j] : mx;
    float sum = 0.0f;
    for (int j = 0; j < npos; j++) { scores[j] = expf(scores[j] - mx); sum += scores[j]; }
    float inv = 1.0f / sum;
    for (int j = 0; j < npos; j++) scores[j] *= inv;
    return mx + logf(sum);
}

#ifdef HAVE_AVX2
/* s[0..4) = scale * (q . k_j) for the four rows k, k + stride, ... */
static void dot4(const float *q, const float *k, size_t stride, int hd, float scale, float *s) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int r = 4; r < 8; r++) _mm_prefetch((const char *)(k + r * stride), _MM_HINT_T0); /* the next four */
    for (int i = 0; i < hd; i += 8) {
        __m256 qv = _mm256_loadu_ps(q + i);
        a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + i), a0);
        a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + stride + i), a1);
        a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + 2 * stride + i), a2);
        a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + 3 * stride + i), a3);
    }
    s[0] = hsum8(a0) * scale, s[1] = hsum8(a1) * scale, s[2] = hsum8(a2) * scale, s[3] = hsum8(a3) * scale;
}

/* out[c..c+8*w) = sum_j p[j] v_j[c..], positions in order, w <= 4 chunks. */
static void pv_chunks(float *out, const float *p, const float *v, size_t stride, int npos, int w) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < npos; j++) {
        const float *vj = v + j * stride;
        _mm_prefetch((const char *)(vj + 4 * stride), _MM_HINT_T0);
        __m256 pj = _mm256_set1_ps(p[j]);
        a0 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj), a0);
        if (w > 1) a1 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8), a1);
        if (w > 2) a2 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 16), a2);
        if (w > 3) a3 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 24), a3);
    }
    _mm256_storeu_ps(out, a0);
    if (w > 1) _mm256_storeu_ps(out + 8, a1);
    if (w > 2) _mm256_storeu_ps(out + 16, a2);
    if (w > 3) _mm256_storeu_ps(out + 24, a3);
}
#endif

/* The one skeleton of both entry points: per query head, scores, softmax,
 * then the weighted sum of V; `fast` picks the SIMD loops (hd % 8 == 0). */
static void attend(int fast, float *out, float *lse, const float *q, const float *k, const float *v,
                   size_t kv_stride, int npos, int hd, int group, float scale, float *scores) {
    (void)fast; /* no SIMD loops without AVX2 */
    for (int g = 0; g < group; g++) {
        const float *qg = q + (size_t)g * hd;
        float *og = out + (size_t)g * hd;
        int j = 0;
#ifdef HAVE_AVX2
        if (fast)
            for (; j + 4 <= npos; j += 4) dot4(qg, k + j * kv_stride, kv_stride, hd, scale, scores + j);
#endif
        for (; j < npos; j++) scores[j] = seal_vec_dot(qg, k + j * kv_stride, hd) * scale;
        float l = softmax_inplace(scores, npos);
        if (lse) lse[g] = l;
#ifdef HAVE_AVX2
        if (fast) {
            for (int c = 0; c < hd; c += 32)
                pv_chunks(og + c, scores, v + c, kv_stride, npos, (hd - c) / 8 < 4 ? (hd - c) / 8 : 4);
            continue;
        }
#endif
        memset(og, 0, sizeof(float) * (size_t)hd);
        for (j = 0; j < npos; j++) seal_vec_axpy(og, scores[j], v + j * kv_stride, hd);
    }
}

void seal_attn_decode_ref(float *out, float *lse, const float *q, const float *k, const float *v, size_t kv_stride,
                          int npos, int hd, int group, float scale, float *scores) {
    attend(0, out, lse, q, k, v, kv_stride, npos, hd, group, scale, scores);
}

void seal_attn_decode(float *out, float *lse, const float *q, const float *k, const float *v, size_t kv_stride,
                      int npos, int hd, int group, float scale, float *scores) {
    attend(hd % 8 == 0, out, lse, q, k, v, kv_stride, npos, hd, group, scale, scores);
}
