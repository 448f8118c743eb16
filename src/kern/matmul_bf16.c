/* matmul_bf16.c: the bf16 compute mode's products on AVX512_BF16 (forward
 * here; the transposed product further down),
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
#include "kern/simd_x86.h"
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

/* ---- The transposed product dX = dY W in bf16 mode ----
 * dY rounded to bf16 meets W as bf16 row pairs: each 256-row pass of W is
 * packed, MATMUL_T_PACK_COLS columns at a time, into panels
 * [64-column panel][row pair][64 columns][2] (W[o][c] beside W[o+1][c]), so
 * one vdpbf16ps adds dy[t][o] W[o][c] + dy[t][o+1] W[o][c+1]... for 16 columns
 * against the broadcast pair (dy[t][o], dy[t][o+1]). Each element: one chain
 * over row pairs in increasing order from 0; its order depends on the W rows
 * only, so the result is batch invariant. */

/* W rows [o0, o0 + nrows) x columns [c, c + nc) as bf16 row pairs into
 * panels; a missing last odd row and the columns past nc are zeros. */
ALWAYS_INLINE void pack_pairs(uint16_t *panels, const seal_mat *w, int o0, int nrows, int c, int nc) {
    const size_t ldw = (size_t)w->cols;
    const uint16_t *base = (const uint16_t *)w->data + (size_t)o0 * ldw + c;
    const int npairs = (nrows + 1) / 2;
    const size_t panel_elems = (size_t)npairs * 128;
    uint16_t lo[32], hi[32]; /* permutex2var picks: a's column j beside b's (index 32 + j) */
    for (int j = 0; j < 16; j++) lo[2 * j] = j, lo[2 * j + 1] = 32 + j, hi[2 * j] = 16 + j, hi[2 * j + 1] = 48 + j;
    const __m512i lo_idx = _mm512_loadu_si512(lo), hi_idx = _mm512_loadu_si512(hi);
    for (int p = 0; p < npairs; p++) {
        const uint16_t *ra = base + (size_t)(2 * p) * ldw, *rb = ra + ldw;
        const int has_b = 2 * p + 1 < nrows;
        if (2 * p + 5 < nrows) /* two pairs ahead, so that several lines are in flight */
            for (int k = 0; k < nc; k += 32) {
                _mm_prefetch((const char *)(ra + 4 * ldw + k), _MM_HINT_T0);
                _mm_prefetch((const char *)(ra + 5 * ldw + k), _MM_HINT_T0);
            }
        for (int k = 0; k < nc; k += 32) {
            const int left = nc - k;
            const __mmask32 m = left >= 32 ? ~(__mmask32)0 : ((__mmask32)1 << left) - 1;
            const __m512i a = _mm512_maskz_loadu_epi16(m, ra + k);
            const __m512i b = has_b ? _mm512_maskz_loadu_epi16(m, rb + k) : _mm512_setzero_si512();
            uint16_t *dst = panels + (size_t)(k / 64) * panel_elems + (size_t)p * 128 + (size_t)(k % 64) * 2;
            _mm512_store_si512(dst, _mm512_permutex2var_epi16(a, lo_idx, b));
            _mm512_store_si512(dst + 32, _mm512_permutex2var_epi16(a, hi_idx, b));
        }
        for (int k = (nc + 31) / 32 * 32; k % 64; k += 32) {
            uint16_t *dst = panels + (size_t)(k / 64) * panel_elems + (size_t)p * 128 + (size_t)(k % 64) * 2;
            _mm512_store_si512(dst, _mm512_setzero_si512());
            _mm512_store_si512(dst + 32, _mm512_setzero_si512());
        }
    }
}

/* y[t][c .. c + 16V) for t < T over npairs row pairs of a packed panel (dyb
 * already at the pass's first row), continuing from y when `cont`. */
ALWAYS_INLINE void tile_t(int V, int T, float *y, size_t ldy, const uint16_t *dyb, size_t lddyb,
                          const uint16_t *panel, int npairs, int cont, const __mmask16 *mask) {
    __m512 acc[4][TILE_TOKENS];
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++)
            acc[v][t] = cont ? _mm512_maskz_loadu_ps(mask[v], y + t * ldy + v * 16) : _mm512_setzero_ps();
    for (int p = 0; p < npairs; p++) {
        __m512i wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) wv[v] = _mm512_load_si512(panel + (size_t)p * 128 + v * 32);
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) {
            uint32_t pair;
            memcpy(&pair, dyb + t * lddyb + 2 * p, 4);
            const __m512i dv = _mm512_set1_epi32((int)pair);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++) acc[v][t] = _mm512_dpbf16_ps(acc[v][t], (__m512bh)wv[v], (__m512bh)dv);
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) _mm512_mask_storeu_ps(y + t * ldy + v * 16, mask[v], acc[v][t]);
}

#define TILE_T_CASE(V, T) case (V) * 8 + (T): tile_t(V, T, yt, ldy, dyt, lddyb, panel, npairs, cont, mask); break;
#define TILE_T_ROW(V) TILE_T_CASE(V, 6) TILE_T_CASE(V, 5) TILE_T_CASE(V, 4) TILE_T_CASE(V, 3) TILE_T_CASE(V, 2) TILE_T_CASE(V, 1)

void seal_matmul_t_block_bf16dp(float *y, const uint16_t *dyb, int ldyb, const seal_mat *w, int c0, int c1, int t0,
                                int t1) {
    uint16_t *panels =
        seal_kern_scratch(SEAL_KERN_SCRATCH_PANEL, sizeof(uint16_t) * MATMUL_T_ROW_BLOCK * MATMUL_T_PACK_COLS);
    const size_t ldy = (size_t)w->cols, lddyb = (size_t)ldyb;
    for (int o0 = 0; o0 < w->rows; o0 += MATMUL_T_ROW_BLOCK) {
        const int nrows = w->rows - o0 < MATMUL_T_ROW_BLOCK ? w->rows - o0 : MATMUL_T_ROW_BLOCK;
        const int npairs = (nrows + 1) / 2, cont = o0 > 0;
        for (int cg = c0; cg < c1; cg += MATMUL_T_PACK_COLS) {
            const int ncg = c1 - cg < MATMUL_T_PACK_COLS ? c1 - cg : MATMUL_T_PACK_COLS;
            pack_pairs(panels, w, o0, nrows, cg, ncg);
            for (int c = cg; c < cg + ncg; c += 64) {
                const int nc = cg + ncg - c < 64 ? cg + ncg - c : 64, nv = (nc + 15) / 16;
                __mmask16 mask[4];
                panel_masks(mask, nc);
                const uint16_t *panel = panels + (size_t)((c - cg) / 64) * npairs * 128;
                for (int t = t0; t < t1; t += TILE_TOKENS) {
                    const int nt = t1 - t < TILE_TOKENS ? t1 - t : TILE_TOKENS;
                    float *yt = y + (size_t)t * ldy + c;
                    const uint16_t *dyt = dyb + (size_t)t * lddyb + o0;
                    switch (nv * 8 + nt) { TILE_T_ROW(4) TILE_T_ROW(3) TILE_T_ROW(2) TILE_T_ROW(1) }
                }
            }
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
