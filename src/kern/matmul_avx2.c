/* matmul_avx2.c: the AVX2+FMA path of seal_matmul() (and, further down,
 * seal_matmul_t()), compiled with its own target flags and run only on CPUs
 * that have them (isa.c).
 *
 * A tile computes R <= 4 rows of W against T <= 3 tokens: 12 ymm accumulators,
 * 3 x vectors and one W vector, converted from bf16/f16 in register. Every
 * output element y[t][o] is summed the same way in every tile shape:
 *   acc[lane] = fma(x[t][k], W[o][k], acc[lane])  for k = lane, lane+8, ...
 *   s = hsum(acc)            (a fixed tree, see hsum8)
 *   s = fmaf(x[t][k], W[o][k], s)  for the cols % 8 tail, in k order
 *   s = s + bias[o]
 * so a token's result does not depend on the tile it lands in, on n, or on
 * which thread computes it. */
#include "kern/matmul_isa.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "matmul_avx2.c needs -mavx2 -mfma -mf16c (see the Makefile)"
#endif
#include "kern/simd_x86.h"

/* 8 weights starting at p (any 2-byte alignment) as f32. The bf16 and f16
 * conversions are exact, so they cannot perturb the result. */
ALWAYS_INLINE __m256 load_w8(seal_dtype dt, const unsigned char *p) {
    if (dt == SEAL_F32) return _mm256_loadu_ps((const void *)p);
    __m128i h = _mm_loadu_si128((const void *)p);
    if (dt == SEAL_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* y[t][r] for r < R, t < T. y points at the tile's first output (row stride
 * ldy floats), x at its first token (stride ldx floats), w at its first
 * W row (stride ldw bytes), bias at its first row's bias or NULL, and pf
 * at the bytes to prefetch (the next panel, or this one when there is none).
 * R and T are compile-time constants at every call site. */
ALWAYS_INLINE void tile(seal_dtype dt, int R, int T, float *y, size_t ldy, const float *x,
                        size_t ldx, const unsigned char *w, size_t ldw, int cols, const float *bias,
                        const unsigned char *pf) {
    const size_t es = dt == SEAL_F32 ? 4 : 2;
    const int cols8 = cols & ~7;
    __m256 acc[4][3];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();

    for (int k = 0; k < cols8; k += 8) {
        /* Pull in the next panel (4*es*8 bytes of it per step) while this one
         * computes: hides the L3/DRAM latency at each new panel. */
        _mm_prefetch((const char *)pf + (size_t)k * es * 4, _MM_HINT_T0);
        if (es == 4) _mm_prefetch((const char *)pf + (size_t)k * 16 + 64, _MM_HINT_T0);
        __m256 xv[3];
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) {
            xv[t] = _mm256_loadu_ps(x + t * ldx + k);
            /* Keep x in registers: 7 loads per 12 FMAs rather than 16, which
             * would saturate the load ports. */
            __asm__("" : "+x"(xv[t]));
        }
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            __m256 wv = load_w8(dt, w + r * ldw + (size_t)k * es);
#pragma GCC unroll 3
            for (int t = 0; t < T; t++) acc[r][t] = _mm256_fmadd_ps(xv[t], wv, acc[r][t]);
        }
    }

#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) {
            float s = hsum8(acc[r][t]);
            for (int k = cols8; k < cols; k++)
                s = fmaf(x[t * ldx + k], load_w1(dt, w + r * ldw + (size_t)k * es), s);
            if (bias) s += bias[r];
            y[t * ldy + r] = s;
        }
}

/* One instance per (R, T) so each tile's loops unroll into registers. */
#define TILE_CASE(R, T) case (R) * 4 + (T): tile(dt, R, T, yt, ldy, xt, ldx, wr, ldw, cols, br, pf); break;

ALWAYS_INLINE void block_dt(seal_dtype dt, float *y, const float *x, const seal_mat *w,
                            const float *bias, int r0, int r1, int t0, int t1) {
    const size_t ldy = (size_t)w->rows, ldx = (size_t)w->cols;
    const size_t es = dt == SEAL_F32 ? 4 : 2, ldw = ldx * es;
    const int cols = w->cols;
    /* Hold a panel of 4 W rows (in L1/L2) and sweep the block's tokens across it. */
    for (int r = r0; r < r1; r += 4) {
        const int nr = r1 - r < 4 ? r1 - r : 4;
        const unsigned char *wr = (const unsigned char *)w->data + (size_t)r * ldw;
        const float *br = bias ? bias + r : NULL;
        const unsigned char *next = r + 8 <= w->rows ? wr + 4 * ldw : wr;
        for (int t = t0; t < t1; t += 3) {
            const int nt = t1 - t < 3 ? t1 - t : 3;
            const unsigned char *pf = t == t0 ? next : wr;
            float *yt = y + (size_t)t * ldy + r;
            const float *xt = x + (size_t)t * ldx;
            switch (nr * 4 + nt) {
                TILE_CASE(4, 3) TILE_CASE(4, 2) TILE_CASE(4, 1)
                TILE_CASE(3, 3) TILE_CASE(3, 2) TILE_CASE(3, 1)
                TILE_CASE(2, 3) TILE_CASE(2, 2) TILE_CASE(2, 1)
                TILE_CASE(1, 3) TILE_CASE(1, 2) TILE_CASE(1, 1)
            }
        }
    }
}

void seal_matmul_block_avx2(float *y, const float *x, const seal_mat *w, const float *bias,
                  int r0, int r1, int t0, int t1) {
    DTYPE_SWITCH(w->dtype, block_dt, y, x, w, bias, r0, r1, t0, t1)
}

/* seal_matmul_t's tile: y[t][c .. c + 8V) for t < T, as V x T accumulators fed
 * by one fma per W row o in increasing order, so each element is the chain
 * fma(dy[t][o], W[o][c], .) from 0, the same in any tile. w points at W[0][c]. */
ALWAYS_INLINE void tile_t(seal_dtype dt, int V, int T, float *y, size_t ldy, const float *dy,
                          size_t lddy, const unsigned char *w, size_t ldw, int o0, int o1) {
    const size_t es = dt == SEAL_F32 ? 4 : 2;
    __m256 acc[4][3];
    /* Rows [o0, o1) of the sum; a later block continues the chain from y. */
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 3
        for (int t = 0; t < T; t++)
            acc[v][t] = o0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(y + t * ldy + v * 8);
    for (int o = o0; o < o1; o++) {
        const unsigned char *wo = w + (size_t)o * ldw;
        __m256 dv[3];
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) {
            dv[t] = _mm256_broadcast_ss(dy + t * lddy + o);
            __asm__("" : "+x"(dv[t]));
        }
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
            __m256 wv = load_w8(dt, wo + (size_t)v * 8 * es);
#pragma GCC unroll 3
            for (int t = 0; t < T; t++) acc[v][t] = _mm256_fmadd_ps(dv[t], wv, acc[v][t]);
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) _mm256_storeu_ps(y + t * ldy + v * 8, acc[v][t]);
}

#define TILE_T_CASE(V, T) case (V) * 4 + (T): tile_t(dt, V, T, yt, ldy, dyt, lddy, wc, ldw, o0, o1); break;

/* One pass of seal_matmul_t over W rows [o0, o1): 32-column panels (16 KiB of
 * bf16 at 256 rows: L1, and few pages for the TLB), the block's tokens swept
 * across each; y carries the partial sums from one pass to the next. */
ALWAYS_INLINE void block_t_pass(seal_dtype dt, float *y, const float *dy, const seal_mat *w,
                                int c0, int cv, int t0, int t1, int o0, int o1) {
    const size_t ldy = (size_t)w->cols, lddy = (size_t)w->rows;
    const size_t es = dt == SEAL_F32 ? 4 : 2, ldw = ldy * es;
    const unsigned char *data = w->data;
    for (int c = c0; c < cv; c += 32) {
        const int nv = (cv - c) / 8 < 4 ? (cv - c) / 8 : 4;
        const unsigned char *wc = data + (size_t)c * es;
        for (int t = t0; t < t1; t += 3) {
            const int nt = t1 - t < 3 ? t1 - t : 3;
            float *yt = y + (size_t)t * ldy + c;
            const float *dyt = dy + (size_t)t * lddy;
            switch (nv * 4 + nt) {
                TILE_T_CASE(4, 3) TILE_T_CASE(4, 2) TILE_T_CASE(4, 1)
                TILE_T_CASE(3, 3) TILE_T_CASE(3, 2) TILE_T_CASE(3, 1)
                TILE_T_CASE(2, 3) TILE_T_CASE(2, 2) TILE_T_CASE(2, 1)
                TILE_T_CASE(1, 3) TILE_T_CASE(1, 2) TILE_T_CASE(1, 1)
            }
        }
    }
}

ALWAYS_INLINE void block_t_dt(seal_dtype dt, float *y, const float *dy, const seal_mat *w,
                              int c0, int c1, int t0, int t1) {
    const int rows = w->rows;
    int cv = c0 + (c1 - c0) / 8 * 8; /* columns [c0, cv) in whole vectors */
    for (int o0 = 0; o0 < rows; o0 += MATMUL_T_ROW_BLOCK) {
        const int o1 = rows - o0 < MATMUL_T_ROW_BLOCK ? rows : o0 + MATMUL_T_ROW_BLOCK;
        block_t_pass(dt, y, dy, w, c0, cv, t0, t1, o0, o1);
    }
    /* The last cols % 8 columns: the same fma chain, by the scalar path. */
    if (cv < c1) seal_matmul_t_block_scalar(y, dy, w, cv, c1, t0, t1);
}

void seal_matmul_t_block_avx2(float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0, int t1) {
    DTYPE_SWITCH(w->dtype, block_t_dt, y, dy, w, c0, c1, t0, t1)
}

#endif
