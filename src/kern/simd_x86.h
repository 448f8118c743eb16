/* simd_x86.h: helpers the x86 kernel paths share (matmul_avx2.c,
 * matmul_avx512.c, matmul_bf16.c). Include only from files compiled with at least
 * -mavx2 -mfma -mf16c (see the Makefile), after <immintrin.h>. */
#ifndef SEAL_KERN_SIMD_X86_H
#define SEAL_KERN_SIMD_X86_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "util/dtype.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* The one horizontal-sum tree of the exact mode: (l0+l4 + l2+l6) + (l1+l5 + l3+l7). */
ALWAYS_INLINE float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#ifdef __AVX512F__
/* The masks of a 64-column panel's four 16-column vectors when only its first
 * nc columns exist (seal_matmul_t's ragged last panel). */
ALWAYS_INLINE void panel_masks(__mmask16 mask[4], int nc) {
    for (int v = 0; v < 4; v++) {
        int left = nc - 16 * v;
        mask[v] = left >= 16 ? 0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : 0;
    }
}
#endif

#endif
