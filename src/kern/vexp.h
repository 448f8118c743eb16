/* vexp.h: exp and the softmax pieces over f32 rows, vectorized (AVX2+FMA, or
 * the same arithmetic in scalar code without), for the training kernels.
 *
 * seal_exp_ref() is the readable scalar oracle and the definition: Cody-Waite range
 * reduction x = n ln2 + r, |r| <= ln2/2, then Cephes' degree-6 polynomial for
 * e^r, scaled by 2^n through the exponent bits. Every step is an explicit fma
 * or a single rounding, so each SIMD lane gives exactly seal_exp_ref's value. Within
 * 2 ulp of exp over [-87.3, 88.37]; inputs are clamped to that range (below it
 * the result is ~1.2e-38, not 0; above, ~2.4e38, not inf). NaN propagates. */
#ifndef SEAL_KERN_VEXP_H
#define SEAL_KERN_VEXP_H

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define VEXP_AVX2 1
#endif

#define VEXP_EXP_HI 88.37f
#define VEXP_EXP_LO -87.3f
#define VEXP_LOG2E 1.44269504088896341f
#define VEXP_LN2_HI 0.693359375f     /* ln 2 = VEXP_LN2_HI + VEXP_LN2_LO, VEXP_LN2_HI exact in few bits */
#define VEXP_LN2_LO -2.12194440e-4f
static const float VEXP_P[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

float seal_exp_ref(float x);
#ifdef VEXP_AVX2
/* seal_exp_ref in each of 8 lanes. */
static inline __m256 exp8(__m256 x) {
    __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    __m256 xc = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(VEXP_EXP_HI)), _mm256_set1_ps(VEXP_EXP_LO));
    __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(xc, _mm256_set1_ps(VEXP_LOG2E), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-VEXP_LN2_HI), xc);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-VEXP_LN2_LO), r);
    __m256 p = _mm256_set1_ps(VEXP_P[0]);
    for (int i = 1; i < 6; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(VEXP_P[i]));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_blendv_ps(_mm256_mul_ps(e, _mm256_castsi256_ps(bits)), x, nan);
}
#endif

/* x[i] = exp(x[i] - shift) (as seal_exp_ref) for i < n; returns the sum of the new
 * x[i] in a fixed order (8 lane partial sums, then the lanes, then the tail). */
float seal_exp_shift_sum(float *x, int n, float shift);
float seal_exp_shift_sum_ref(float *x, int n, float shift);
/* The largest of x[0..n) (n >= 1; x without NaN, else the result is unspecified). */
float seal_max_f32(const float *x, int n);
float seal_max_f32_ref(const float *x, int n);

#endif
