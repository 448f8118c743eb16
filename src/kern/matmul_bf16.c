/* matmul_bf16.c: the bf16 compute mode's forward product on AVX512_BF16,
 * compiled with its own target flags and run only on CPUs that have them
 * (isa.c).
 *
 * Dot form, both operands in bf16 along k: one vdpbf16ps multiplies 32
 * bf16 pairs and adds them into 16 f32 lanes (lane l takes k = 2l and 2l+1
 * of each 32), so it does twice the work of an f32 fma and reads the weights
 * as stored, with no conversion. The ragged last k are masked loads (zeros).
 * A tile is 4 W rows x 6 tokens: 24 accumulators. The task's tokens go
 * a tile at a time (in L1), each swept across all the task's W rows (L2). Each element's sum is the
 * lanes' chains over k in steps of 32, then _mm512_reduce_add_ps, then the
 * bias: its order depends on cols only, so the result is batch invariant
 * like the exact mode's, though not equal to it (see docs/kernels.md). */
#include "kern/matmul_isa.h"

#if defined(__x86_64__) || defined(__i386__)
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512BF16__)
#error "matmul_bf16.c needs -mavx512f -mavx512bw -mavx512bf16 (see the Makefile)"
#endif
#include <immintrin.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define PANEL_ROWS 4
#define TILE_TOKENS 6

/* y[t][r] for R rows of W (w, ldw elements apart) and T tokens of xb. */
ALWAYS_INLINE void tile(int R, int T, float *y, size_t ldy, const uint16_t *xb, size_t ldx, const uint16_t *w,
                        size_t ldw, int cols, const float *bias, const uint16_t *pf) {
    __m512 acc[PANEL_ROWS][TILE_TOKENS];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
    const int cols32 = cols & ~31;
    for (int k = 0; k < cols; k += 32) {
        /* Whole steps load plainly; the ragged last one masks (zeros). */
        const __mmask32 m = k < cols32 ? ~(__mmask32)0 : ((__mmask32)1 << (cols - k)) - 1;
#pragma GCC unroll 4
        for (int l = 0; l < R; l++) _mm_prefetch((const char *)(pf + (size_t)k * R) + 64 * l, _MM_HINT_T0);
        __m512i wv[PANEL_ROWS];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
            wv[r] = k < cols32 ? _mm512_loadu_si512(w + r * ldw + k) : _mm512_maskz_loadu_epi16(m, w + r * ldw + k);
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) {
            __m512i xv = k < cols32 ? _mm512_loadu_si512(xb + t * ldx + k) : _mm512_maskz_loadu_epi16(m, xb + t * ldx + k);
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) acc[r][t] = _mm512_dpbf16_ps(acc[r][t], (__m512bh)wv[r], (__m512bh)xv);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) {
            float s = _mm512_reduce_add_ps(acc[r][t]);
            y[t * ldy + r] = bias ? s + bias[r] : s;
        }
}

#define TILE_CASE(R, T) case (R) * 8 + (T): tile(R, T, yt, ldy, xt, ldx, wr, ldw, cols, br, pf); break;
#define TILE_ROW(R) TILE_CASE(R, 6) TILE_CASE(R, 5) TILE_CASE(R, 4) TILE_CASE(R, 3) TILE_CASE(R, 2) TILE_CASE(R, 1)

void seal_matmul_block_bf16dp(float *y, const uint16_t *xb, int ldxb, const seal_mat *w, const float *bias, int r0,
                              int r1, int t0, int t1) {
    const size_t ldy = (size_t)w->rows, ldx = (size_t)ldxb, ldw = (size_t)w->cols;
    const int cols = w->cols;
    const uint16_t *data = w->data;
    /* Hold a tile of tokens (in L1) and sweep the task's W rows (in L2) across it. */
    for (int t = t0; t < t1; t += TILE_TOKENS) {
        const int nt = t1 - t < TILE_TOKENS ? t1 - t : TILE_TOKENS;
        const uint16_t *xt = xb + (size_t)t * ldx;
        for (int r = r0; r < r1; r += PANEL_ROWS) {
            const int nr = r1 - r < PANEL_ROWS ? r1 - r : PANEL_ROWS;
            const uint16_t *wr = data + (size_t)r * ldw;
            const float *br = bias ? bias + r : NULL;
            const uint16_t *pf = r + 2 * PANEL_ROWS <= r1 ? wr + PANEL_ROWS * ldw : wr;
            float *yt = y + (size_t)t * ldy + r;
            switch (nr * 8 + nt) { TILE_ROW(4) TILE_ROW(3) TILE_ROW(2) TILE_ROW(1) }
        }
    }
}

void seal_f32_to_bf16_avx512bf16(uint16_t *dst, const float *src, int n) {
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
        _mm512_storeu_si512(dst + i, (__m512i)v);
    }
    for (; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
        _mm256_mask_storeu_epi16(dst + i, m, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i)));
    }
}

#endif
