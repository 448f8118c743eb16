/* matmul_avx512.c: the AVX-512 path of seal_matmul() and seal_matmul_t(),
 * compiled with its own target flags and run only on CPUs that have them
 * (isa.c). It gives the AVX2 path's bits exactly (matmul_isa.h):
 *
 * Forward: a zmm register holds the 8 AVX2 lanes of TWO W rows (rows r and
 * r+1 in its low and high halves) against the same 8 x values broadcast to
 * both halves, so each half runs the AVX2 accumulator chain unchanged while
 * one instruction does the work of two. A tile is 4 row pairs (8 rows) x 6
 * tokens: 24 accumulators, 4 W registers, 1 x register of the 32.
 *
 * Transposed: 16 columns per register, one fma per W row in increasing
 * order, so every element is the same chain as on the other paths; the
 * ragged last columns use masked loads rather than a scalar loop. A tile is
 * 4 vectors (64 columns) x 6 tokens. Each pass of 256 W rows is first packed,
 * 512 columns at a time, into f32 panels [64-column panel][row][64] in
 * per-thread scratch: W is then read from memory row by row (a tile alone
 * walks 128 bytes per row at the row stride, which the prefetchers do not
 * follow: half the speed of W in cache when training reads W from memory),
 * converted once rather than once per token tile, and the tiles read the
 * panels contiguously. The conversions are exact, so the bits do not change. */
#include "kern/matmul_isa.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512DQ__) || !defined(__AVX512VL__) || \
    !defined(__FMA__) || !defined(__F16C__)
#error "matmul_avx512.c needs -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mf16c (see the Makefile)"
#endif
#include "kern/simd_x86.h"

#define PANEL_ROWS 8 /* forward: W rows per tile */
#define TILE_TOKENS 6

/* 8 weights of row p0 (low half) and 8 of row p1 (high half) as f32. */
ALWAYS_INLINE __m512 load_w_pair(seal_dtype dt, const unsigned char *p0, const unsigned char *p1) {
    if (dt == SEAL_F32)
        return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps((const void *)p0)),
                                  _mm256_loadu_ps((const void *)p1), 1);
    __m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const void *)p0)),
                                        _mm_loadu_si128((const void *)p1), 1);
    if (dt == SEAL_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* One output: the lane sum, the cols % 8 tail in k order, the bias. */
ALWAYS_INLINE float finish(seal_dtype dt, __m256 acc, const float *x, const unsigned char *w, int cols8, int cols,
                           const float *bias) {
    const size_t es = dt == SEAL_F32 ? 4 : 2;
    float s = hsum8(acc);
    for (int k = cols8; k < cols; k++) s = fmaf(x[k], load_w1(dt, w + (size_t)k * es), s);
    return bias ? s + *bias : s;
}

/* y[t][r] for the tile's RP row pairs (the last pair holding one row when
 * `odd`) and T tokens; arguments as the AVX2 tile (matmul_avx2.c). */
ALWAYS_INLINE void tile(seal_dtype dt, int RP, int T, int odd, float *y, size_t ldy, const float *x, size_t ldx,
                        const unsigned char *w, size_t ldw, int cols, const float *bias, const unsigned char *pf) {
    const size_t es = dt == SEAL_F32 ? 4 : 2;
    const int cols8 = cols & ~7;
    const unsigned char *row[8];
#pragma GCC unroll 4
    for (int p = 0; p < RP; p++) {
        row[2 * p] = w + (size_t)(2 * p) * ldw;
        row[2 * p + 1] = odd && p == RP - 1 ? row[2 * p] : w + (size_t)(2 * p + 1) * ldw;
    }
    __m512 acc[4][TILE_TOKENS];
#pragma GCC unroll 4
    for (int p = 0; p < RP; p++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) acc[p][t] = _mm512_setzero_ps();

    for (int k = 0; k < cols8; k += 8) {
        /* The next panel streams in while this one computes (8 rows x 8 k). */
#pragma GCC unroll 4
        for (size_t l = 0; l < es; l++) _mm_prefetch((const char *)pf + (size_t)k * es * 8 + 64 * l, _MM_HINT_T0);
        __m512 wv[4];
#pragma GCC unroll 4
        for (int p = 0; p < RP; p++) wv[p] = load_w_pair(dt, row[2 * p] + k * es, row[2 * p + 1] + k * es);
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) {
            __m512 xv = _mm512_broadcast_f32x8(_mm256_loadu_ps(x + t * ldx + k));
#pragma GCC unroll 4
            for (int p = 0; p < RP; p++) acc[p][t] = _mm512_fmadd_ps(wv[p], xv, acc[p][t]);
        }
    }

#pragma GCC unroll 4
    for (int p = 0; p < RP; p++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) {
            const float *xt = x + t * ldx;
            float *yt = y + t * ldy + 2 * p;
            yt[0] = finish(dt, _mm512_castps512_ps256(acc[p][t]), xt, row[2 * p], cols8, cols,
                           bias ? bias + 2 * p : NULL);
            if (!(odd && p == RP - 1))
                yt[1] = finish(dt, _mm512_extractf32x8_ps(acc[p][t], 1), xt, row[2 * p + 1], cols8, cols,
                               bias ? bias + 2 * p + 1 : NULL);
        }
}

#define TILE_CASE(RP, T) case (RP) * 8 + (T): tile(dt, RP, T, odd, yt, ldy, xt, ldx, wr, ldw, cols, br, pf); break;
#define TILE_ROW(RP) TILE_CASE(RP, 6) TILE_CASE(RP, 5) TILE_CASE(RP, 4) TILE_CASE(RP, 3) TILE_CASE(RP, 2) TILE_CASE(RP, 1)

ALWAYS_INLINE void block_dt(seal_dtype dt, float *y, const float *x, const seal_mat *w, const float *bias, int r0,
                            int r1, int t0, int t1) {
    const size_t ldy = (size_t)w->rows, ldx = (size_t)w->cols;
    const size_t es = dt == SEAL_F32 ? 4 : 2, ldw = ldx * es;
    const int cols = w->cols;
    /* Hold a panel of 8 W rows (in L1/L2) and sweep the block's tokens across it. */
    for (int r = r0; r < r1; r += PANEL_ROWS) {
        const int nr = r1 - r < PANEL_ROWS ? r1 - r : PANEL_ROWS, odd = nr & 1, rp = (nr + 1) / 2;
        const unsigned char *wr = (const unsigned char *)w->data + (size_t)r * ldw;
        const float *br = bias ? bias + r : NULL;
        const unsigned char *next = r + 2 * PANEL_ROWS <= w->rows ? wr + PANEL_ROWS * ldw : wr;
        for (int t = t0; t < t1; t += TILE_TOKENS) {
            const int nt = t1 - t < TILE_TOKENS ? t1 - t : TILE_TOKENS;
            const unsigned char *pf = t == t0 ? next : wr;
            float *yt = y + (size_t)t * ldy + r;
            const float *xt = x + (size_t)t * ldx;
            switch (rp * 8 + nt) { TILE_ROW(4) TILE_ROW(3) TILE_ROW(2) TILE_ROW(1) }
        }
    }
}

void seal_matmul_block_avx512(float *y, const float *x, const seal_mat *w, const float *bias, int r0, int r1, int t0,
                              int t1) {
    DTYPE_SWITCH(w->dtype, block_dt, y, x, w, bias, r0, r1, t0, t1)
}

/* 16 weights at p as f32, the lanes outside mask zero (and not read). */
ALWAYS_INLINE __m512 load_w16(seal_dtype dt, const unsigned char *p, __mmask16 m) {
    if (dt == SEAL_F32) return _mm512_maskz_loadu_ps(m, p);
    __m256i h = _mm256_maskz_loadu_epi16(m, p);
    if (dt == SEAL_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* seal_matmul_t's tile: y[t][c .. c + 16V) for t < T over the rows of a
 * packed block (f32 panel rows of 64 floats, nrows of them; dy already at the
 * block's first row), continuing each element's chain from y when `cont`.
 * mask[v] selects the columns of vector v that exist. */
ALWAYS_INLINE void tile_t(int V, int T, float *y, size_t ldy, const float *dy, size_t lddy, const float *panel,
                          int nrows, int cont, const __mmask16 *mask) {
    __m512 acc[4][TILE_TOKENS];
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++)
            acc[v][t] = cont ? _mm512_maskz_loadu_ps(mask[v], y + t * ldy + v * 16) : _mm512_setzero_ps();
    for (int o = 0; o < nrows; o++) {
        const float *wo = panel + (size_t)o * 64;
        __m512 wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) wv[v] = _mm512_load_ps(wo + v * 16);
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) {
            __m512 dv = _mm512_set1_ps(dy[t * lddy + o]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++) acc[v][t] = _mm512_fmadd_ps(dv, wv[v], acc[v][t]);
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 6
        for (int t = 0; t < T; t++) _mm512_mask_storeu_ps(y + t * ldy + v * 16, mask[v], acc[v][t]);
}

#define TILE_T_CASE(V, T) case (V) * 8 + (T): tile_t(V, T, yt, ldy, dyt, lddy, panel, nrows, cont, mask); break;
#define TILE_T_ROW(V) TILE_T_CASE(V, 6) TILE_T_CASE(V, 5) TILE_T_CASE(V, 4) TILE_T_CASE(V, 3) TILE_T_CASE(V, 2) TILE_T_CASE(V, 1)

/* W rows [o0, o0 + nrows) x columns [c, c + nc) as f32 into panels
 * [nc / 64 rounded up][nrows][64], columns past nc zero. Row by row, so that
 * W streams from memory in order. */
ALWAYS_INLINE void pack_t(seal_dtype dt, float *panels, const seal_mat *w, int o0, int nrows, int c, int nc) {
    const size_t es = dt == SEAL_F32 ? 4 : 2, ldw = (size_t)w->cols * es;
    const unsigned char *base = (const unsigned char *)w->data + (size_t)o0 * ldw + (size_t)c * es;
    const size_t panel_floats = (size_t)nrows * 64;
    for (int o = 0; o < nrows; o++) {
        const unsigned char *row = base + (size_t)o * ldw;
        if (o + 4 < nrows) /* rows ahead, so that several lines are in flight */
            for (size_t b = 0; b < (size_t)nc * es; b += 64) _mm_prefetch((const char *)row + 4 * ldw + b, _MM_HINT_T0);
        for (int k = 0; k < nc; k += 16) {
            int left = nc - k;
            __mmask16 m = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
            _mm512_store_ps(panels + (size_t)(k / 64) * panel_floats + (size_t)o * 64 + k % 64,
                            load_w16(dt, row + (size_t)k * es, m));
        }
        for (int k = (nc + 15) / 16 * 16; k % 64; k += 16)
            _mm512_store_ps(panels + (size_t)(k / 64) * panel_floats + (size_t)o * 64 + k % 64, _mm512_setzero_ps());
    }
}

/* Part `part` of `parts` of the rows of the next chunk to pack (W rows
 * [o0, o0 + nrows), columns [c, c + nc)) toward L2, while this one computes. */
ALWAYS_INLINE void prefetch_chunk(seal_dtype dt, const seal_mat *w, int o0, int nrows, int c, int nc, int part,
                                  int parts) {
    if (nrows <= 0) return;
    const size_t es = dt == SEAL_F32 ? 4 : 2, ldw = (size_t)w->cols * es;
    const unsigned char *base = (const unsigned char *)w->data + (size_t)o0 * ldw + (size_t)c * es;
    for (int o = part * nrows / parts; o < (part + 1) * nrows / parts; o++)
        for (size_t b = 0; b < (size_t)nc * es; b += 64) _mm_prefetch((const char *)base + o * ldw + b, _MM_HINT_T1);
}

/* One pass over W rows [o0, o1) for columns [c0, c1): pack up to MATMUL_T_PACK_COLS columns,
 * then sweep the block's tokens across each 64-column panel, prefetching the
 * next chunk (the next columns, else the next pass's first) meanwhile. */
ALWAYS_INLINE void block_t_pass(seal_dtype dt, float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0,
                                int t1, int o0, int o1, float *panels) {
    const size_t ldy = (size_t)w->cols, lddy = (size_t)w->rows;
    const int nrows = o1 - o0, cont = o0 > 0;
    for (int cg = c0; cg < c1; cg += MATMUL_T_PACK_COLS) {
        const int ncg = c1 - cg < MATMUL_T_PACK_COLS ? c1 - cg : MATMUL_T_PACK_COLS;
        pack_t(dt, panels, w, o0, nrows, cg, ncg);
        const int last = cg + MATMUL_T_PACK_COLS >= c1;
        const int next_o = last ? o1 : o0, next_c = last ? c0 : cg + MATMUL_T_PACK_COLS;
        const int next_rows = last ? (w->rows - o1 < MATMUL_T_ROW_BLOCK ? w->rows - o1 : MATMUL_T_ROW_BLOCK) : nrows;
        const int next_nc = c1 - next_c < MATMUL_T_PACK_COLS ? c1 - next_c : MATMUL_T_PACK_COLS;
        const int parts = (ncg + 63) / 64 * ((t1 - t0 + TILE_TOKENS - 1) / TILE_TOKENS);
        int part = 0;
        for (int c = cg; c < cg + ncg; c += 64) {
            const int nc = cg + ncg - c < 64 ? cg + ncg - c : 64, nv = (nc + 15) / 16;
            __mmask16 mask[4];
            panel_masks(mask, nc);
            const float *panel = panels + (size_t)((c - cg) / 64) * nrows * 64;
            for (int t = t0; t < t1; t += TILE_TOKENS) {
                const int nt = t1 - t < TILE_TOKENS ? t1 - t : TILE_TOKENS;
                float *yt = y + (size_t)t * ldy + c;
                const float *dyt = dy + (size_t)t * lddy + o0;
                prefetch_chunk(dt, w, next_o, next_rows, next_c, next_nc, part++, parts);
                switch (nv * 8 + nt) { TILE_T_ROW(4) TILE_T_ROW(3) TILE_T_ROW(2) TILE_T_ROW(1) }
            }
        }
    }
}

ALWAYS_INLINE void block_t_dt(seal_dtype dt, float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0,
                              int t1) {
    float *panels = seal_kern_scratch(SEAL_KERN_SCRATCH_PANEL, sizeof(float) * MATMUL_T_ROW_BLOCK * MATMUL_T_PACK_COLS);
    for (int o0 = 0; o0 < w->rows; o0 += MATMUL_T_ROW_BLOCK) {
        const int o1 = w->rows - o0 < MATMUL_T_ROW_BLOCK ? w->rows : o0 + MATMUL_T_ROW_BLOCK;
        block_t_pass(dt, y, dy, w, c0, c1, t0, t1, o0, o1, panels);
    }
}

void seal_matmul_t_block_avx512(float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0, int t1) {
    DTYPE_SWITCH(w->dtype, block_t_dt, y, dy, w, c0, c1, t0, t1)
}

#endif
