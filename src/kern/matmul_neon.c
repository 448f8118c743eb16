/* matmul_neon.c: the aarch64 Advanced SIMD (NEON) path of seal_matmul() and
 * seal_matmul_t(), run only where the kernel reports asimd (isa.c); NEON is
 * part of the armv8-a baseline, so this file needs no flags of its own.
 *
 * Exact mode, in the summation order every path shares (matmul_isa.h), so it
 * gives the scalar path's bits. The 8 lane accumulators of the forward sum
 * are two 4-lane q registers, lo (lanes 0-3) and hi (lanes 4-7): for each
 * step of 8 k, lo = fma(x[k..k+3], W[o][k..k+3], lo) and hi likewise on
 * k+4..k+7, so lane l takes k = l, l+8, ... exactly as on AVX2. lo + hi is
 * then (a0+a4, a1+a5, a2+a6, a3+a7), and adding its halves gives
 * ((a0+a4)+(a2+a6), (a1+a5)+(a3+a7)), whose sum is the shared tree. vfmaq_f32
 * is a fused multiply-add, the same rounding as fmaf.
 *
 * Tiles: forward 4 W rows x 3 tokens (24 accumulators of the 32 q
 * registers); transposed 16 columns x 4 tokens. Weights are loaded as bytes
 * (any alignment) and widened in registers: bf16 by a 16-bit shift, f16 by
 * fcvtl, both exact. */
#include "kern/matmul_isa.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define ROWS 4
#define TOKENS 3
#define T_VECS 4   /* seal_matmul_t tile: 4 vectors of 4 columns */
#define T_TOKENS 4

/* 4 weights starting at p (any alignment) as f32; exact for bf16 and f16. */
ALWAYS_INLINE float32x4_t load_w4(seal_dtype dt, const unsigned char *p) {
    if (dt == SEAL_F32) return vreinterpretq_f32_u8(vld1q_u8(p));
    uint16x4_t h = vreinterpret_u16_u8(vld1_u8(p));
    if (dt == SEAL_F16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
}

/* The shared tree over the 8 lanes held as lo (0-3) and hi (4-7). */
ALWAYS_INLINE float hsum8(float32x4_t lo, float32x4_t hi) {
    float32x4_t s = vaddq_f32(lo, hi);                          /* a0+a4, a1+a5, a2+a6, a3+a7 */
    float32x2_t t = vadd_f32(vget_low_f32(s), vget_high_f32(s)); /* (a0+a4)+(a2+a6), (a1+a5)+(a3+a7) */
    return vget_lane_f32(t, 0) + vget_lane_f32(t, 1);
}

/* y[t][r] for r < R, t < T: y at the tile's first output (row stride ldy),
 * x at its first token (stride ldx floats), w at its first W row (stride ldw
 * bytes), bias at its first row's bias or NULL. R and T are constants at
 * every call site, so the loops unroll into registers. */
ALWAYS_INLINE void tile(seal_dtype dt, int R, int T, float *y, size_t ldy, const float *x, size_t ldx,
                        const unsigned char *w, size_t ldw, int cols, const float *bias) {
    const size_t es = dt == SEAL_F32 ? 4 : 2;
    const int cols8 = cols & ~7;
    float32x4_t lo[ROWS][TOKENS], hi[ROWS][TOKENS];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) lo[r][t] = hi[r][t] = vdupq_n_f32(0.0f);

    for (int k = 0; k < cols8; k += 8) {
        float32x4_t xv[TOKENS];
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) xv[t] = vld1q_f32(x + t * ldx + k);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            float32x4_t wv = load_w4(dt, w + r * ldw + (size_t)k * es);
#pragma GCC unroll 3
            for (int t = 0; t < T; t++) lo[r][t] = vfmaq_f32(lo[r][t], xv[t], wv);
        }
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) xv[t] = vld1q_f32(x + t * ldx + k + 4);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            float32x4_t wv = load_w4(dt, w + r * ldw + (size_t)(k + 4) * es);
#pragma GCC unroll 3
            for (int t = 0; t < T; t++) hi[r][t] = vfmaq_f32(hi[r][t], xv[t], wv);
        }
    }

#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 3
        for (int t = 0; t < T; t++) {
            float s = hsum8(lo[r][t], hi[r][t]);
            for (int k = cols8; k < cols; k++) s = fmaf(x[t * ldx + k], load_w1(dt, w + r * ldw + (size_t)k * es), s);
            if (bias) s += bias[r];
            y[t * ldy + r] = s;
        }
}

#define TILE_CASE(R, T) case (R) * 4 + (T): tile(dt, R, T, yt, ldy, xt, ldx, wr, ldw, cols, br); break;

/* Hold a panel of 4 W rows (L1) and sweep the block's tokens across it. */
ALWAYS_INLINE void block_dt(seal_dtype dt, float *y, const float *x, const seal_mat *w, const float *bias, int r0,
                            int r1, int t0, int t1) {
    const size_t ldy = (size_t)w->rows, ldx = (size_t)w->cols;
    const size_t ldw = ldx * (dt == SEAL_F32 ? 4 : 2);
    const int cols = w->cols;
    for (int r = r0; r < r1; r += ROWS) {
        const int nr = r1 - r < ROWS ? r1 - r : ROWS;
        const unsigned char *wr = (const unsigned char *)w->data + (size_t)r * ldw;
        const float *br = bias ? bias + r : NULL;
        for (int t = t0; t < t1; t += TOKENS) {
            const int nt = t1 - t < TOKENS ? t1 - t : TOKENS;
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

void seal_matmul_block_neon(float *y, const float *x, const seal_mat *w, const float *bias, int r0, int r1, int t0,
                            int t1) {
    DTYPE_SWITCH(w->dtype, block_dt, y, x, w, bias, r0, r1, t0, t1)
}

/* seal_matmul_t's tile: y[t][c .. c + 4V) for t < T over W rows [o0, o1), each
 * element the chain fma(dy[t][o], W[o][c], .) in increasing o, from 0 when
 * o0 == 0, else continued from the partial sum a previous pass left in y.
 * w points at W[0][c]. */
ALWAYS_INLINE void tile_t(seal_dtype dt, int V, int T, float *y, size_t ldy, const float *dy, size_t lddy,
                          const unsigned char *w, size_t ldw, int o0, int o1) {
    const size_t es = dt == SEAL_F32 ? 4 : 2;
    float32x4_t acc[T_VECS][T_TOKENS];
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) acc[v][t] = o0 == 0 ? vdupq_n_f32(0.0f) : vld1q_f32(y + t * ldy + v * 4);
    for (int o = o0; o < o1; o++) {
        const unsigned char *wo = w + (size_t)o * ldw;
        float32x4_t wv[T_VECS];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) wv[v] = load_w4(dt, wo + (size_t)v * 4 * es);
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) {
            const float d = dy[t * lddy + o];
#pragma GCC unroll 4
            for (int v = 0; v < V; v++) acc[v][t] = vfmaq_n_f32(acc[v][t], wv[v], d);
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++)
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) vst1q_f32(y + t * ldy + v * 4, acc[v][t]);
}

#define TILE_T_CASE(V, T) case (V) * 8 + (T): tile_t(dt, V, T, yt, ldy, dyt, lddy, wc, ldw, o0, o1); break;
#define TILE_T_ROW(V) TILE_T_CASE(V, 4) TILE_T_CASE(V, 3) TILE_T_CASE(V, 2) TILE_T_CASE(V, 1)

/* One pass of seal_matmul_t over W rows [o0, o1): 16-column panels, the
 * block's tokens swept across each; y carries partial sums between passes. */
ALWAYS_INLINE void block_t_pass(seal_dtype dt, float *y, const float *dy, const seal_mat *w, int c0, int cv, int t0,
                                int t1, int o0, int o1) {
    const size_t ldy = (size_t)w->cols, lddy = (size_t)w->rows;
    const size_t es = dt == SEAL_F32 ? 4 : 2, ldw = ldy * es;
    const unsigned char *data = w->data;
    for (int c = c0; c < cv; c += 4 * T_VECS) {
        const int nv = (cv - c) / 4 < T_VECS ? (cv - c) / 4 : T_VECS;
        const unsigned char *wc = data + (size_t)c * es;
        for (int t = t0; t < t1; t += T_TOKENS) {
            const int nt = t1 - t < T_TOKENS ? t1 - t : T_TOKENS;
            float *yt = y + (size_t)t * ldy + c;
            const float *dyt = dy + (size_t)t * lddy;
            switch (nv * 8 + nt) { TILE_T_ROW(4) TILE_T_ROW(3) TILE_T_ROW(2) TILE_T_ROW(1) }
        }
    }
}

ALWAYS_INLINE void block_t_dt(seal_dtype dt, float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0,
                              int t1) {
    const int rows = w->rows;
    const int cv = c0 + (c1 - c0) / 4 * 4; /* columns [c0, cv) in whole vectors */
    for (int o0 = 0; o0 < rows; o0 += MATMUL_T_ROW_BLOCK) {
        const int o1 = rows - o0 < MATMUL_T_ROW_BLOCK ? rows : o0 + MATMUL_T_ROW_BLOCK;
        block_t_pass(dt, y, dy, w, c0, cv, t0, t1, o0, o1);
    }
    /* The last (c1 - c0) % 4 columns: the same chain, by the scalar path. */
    if (cv < c1) seal_matmul_t_block_scalar(y, dy, w, cv, c1, t0, t1);
}

void seal_matmul_t_block_neon(float *y, const float *dy, const seal_mat *w, int c0, int c1, int t0, int t1) {
    DTYPE_SWITCH(w->dtype, block_t_dt, y, dy, w, c0, c1, t0, t1)
}

#endif
