/* vexp.c: see vexp.h. */
#include "kern/vexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

float seal_exp_ref(float x) {
    if (x != x) return x;
    x = x > VEXP_EXP_HI ? VEXP_EXP_HI : x < VEXP_EXP_LO ? VEXP_EXP_LO : x;
    float n = floorf(fmaf(x, VEXP_LOG2E, 0.5f));
    float r = fmaf(n, -VEXP_LN2_HI, x);
    r = fmaf(n, -VEXP_LN2_LO, r);
    float p = VEXP_P[0];
    for (int i = 1; i < 6; i++) p = fmaf(p, r, VEXP_P[i]);
    float e = fmaf(p, r * r, r) + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

float seal_exp_shift_sum_ref(float *x, int n, float shift) {
    float lane[8] = {0}, sum = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) lane[l] += (x[i + l] = seal_exp_ref(x[i + l] - shift));
    for (int l = 0; l < 8; l++) sum += lane[l];
    for (; i < n; i++) sum += (x[i] = seal_exp_ref(x[i] - shift));
    return sum;
}

float seal_max_f32_ref(const float *x, int n) {
    float m = x[0];
    for (int i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

#ifdef VEXP_AVX2
float seal_exp_shift_sum(float *x, int n, float shift) {
    __m256 acc = _mm256_setzero_ps(), s = _mm256_set1_ps(shift);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float lane[8], sum = 0.0f;
    _mm256_storeu_ps(lane, acc);
    for (int l = 0; l < 8; l++) sum += lane[l];
    for (; i < n; i++) sum += (x[i] = seal_exp_ref(x[i] - shift));
    return sum;
}

float seal_max_f32(const float *x, int n) {
    if (n < 16) return seal_max_f32_ref(x, n);
    __m256 m = _mm256_loadu_ps(x);
    int i = 8;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
    float lane[8];
    _mm256_storeu_ps(lane, m);
    float r = seal_max_f32_ref(lane, 8);
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}
#else
float seal_exp_shift_sum(float *x, int n, float shift) { return seal_exp_shift_sum_ref(x, n, shift); }
float seal_max_f32(const float *x, int n) { return seal_max_f32_ref(x, n); }
#endif
