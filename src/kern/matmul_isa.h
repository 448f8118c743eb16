/* matmul_isa.h: the per-path kernels behind seal_matmul() and seal_matmul_t(),
 * for the dispatcher in matmul.c only (not for callers).
 *
 * Each path X provides
 *   seal_matmul_block_X:   y[t][o] for W rows o in [o0, o1), tokens t in [t0, t1)
 *   seal_matmul_t_block_X: y[t][c] for W columns c in [o0, o1), tokens [t0, t1)
 * over the full arrays, with the summation order of every element fixed as
 * matmul.h states, identical on every path:
 *   forward:  8 lane accumulators, acc[l] = fma(x[k], W[o][k], acc[l]) for
 *             k = l, l+8, ... below cols & ~7; then the tree
 *             ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7)); then fma over the
 *             cols % 8 tail in k order; then + bias.
 *   transposed: one fma chain over o = 0, 1, ... from 0.
 * The paths of a CPU without the instructions are never called (isa.c). */
#ifndef SEAL_KERN_MATMUL_ISA_H
#define SEAL_KERN_MATMUL_ISA_H

#include <stddef.h>
#include <string.h>

#include "kern/matmul.h"

#define SEAL_MATMUL_PATH(X)                                                                                          \
    void seal_matmul_block_##X(float *y, const float *x, const seal_mat *w, const float *bias, int o0, int o1,     \
                               int t0, int t1);                                                                      \
    void seal_matmul_t_block_##X(float *y, const float *dy, const seal_mat *w, int o0, int o1, int t0, int t1);

SEAL_MATMUL_PATH(scalar)
SEAL_MATMUL_PATH(avx2)
SEAL_MATMUL_PATH(avx512)
SEAL_MATMUL_PATH(neon)

/* The bf16 compute mode on AVX512_BF16: y[t][o] (+ bias) for W rows [o0, o1)
 * and tokens [t0, t1), xb holding x rounded to bf16 ([n][cols], cols rounded up
 * to even with a zero pad: ldx elements a row), W in bf16. Each element is
 * the 16 lanes of vdpbf16ps over k pairs (2l, 2l+1) + 32j, summed by a fixed
 * tree, then the odd k tail: its order depends on cols only. */
void seal_matmul_block_bf16dp(float *y, const uint16_t *xb, int ldx, const seal_mat *w, const float *bias, int o0,
                              int o1, int t0, int t1);
/* The bf16 mode's transposed product on AVX512_BF16: y[t][c] for W columns
 * [c0, c1) and tokens [t0, t1), dyb holding dy rounded to bf16 ([n][rows],
 * rows rounded up to even with a zero pad: ldyb elements a row), W in bf16.
 * Each element: one vdpbf16ps chain over W row pairs (o, o+1) in increasing
 * order: its order depends on rows only. */
void seal_matmul_t_block_bf16dp(float *y, const uint16_t *dyb, int ldyb, const seal_mat *w, int c0, int c1, int t0,
                                int t1);

/* The bf16 compute mode on aarch64 with the BF16 extension: as above with
 * bfdot, xb's rows zero-padded to a multiple of 8 (ldx elements a row). Each
 * element is the 4 lanes over k pairs (2l, 2l+1) + 8j, then the across-vector
 * add: its order depends on cols only. */
void seal_matmul_block_bfdot(float *y, const uint16_t *xb, int ldx, const seal_mat *w, const float *bias, int o0,
                             int o1, int t0, int t1);

/* dst[i] = src[i] rounded to bf16 (nearest even; subnormals flush to zero,
 * as vdpbf16ps would read them) with vcvtne2ps2bf16, for i < n. */
void seal_f32_to_bf16_avx512bf16(uint16_t *dst, const float *src, int n);

/* A per-thread buffer of at least `bytes` (64-byte aligned), grown as needed
 * and kept for the thread's life: the slot's previous contents are lost. */
enum { SEAL_KERN_SCRATCH_W, SEAL_KERN_SCRATCH_X, SEAL_KERN_SCRATCH_PANEL, SEAL_KERN_SCRATCH_SLOTS };
void *seal_kern_scratch(int slot, size_t bytes);

/* f(DT, ...) with DT the weights' dtype as a compile-time constant, so each
 * kernel specializes per dtype; matmul.c rejects other dtypes before dispatch. */
#define DTYPE_SWITCH(dt, f, ...)                                                                                  \
    switch (dt) {                                                                                                 \
    case SEAL_F32: f(SEAL_F32, __VA_ARGS__); break;                                                               \
    case SEAL_BF16: f(SEAL_BF16, __VA_ARGS__); break;                                                             \
    case SEAL_F16: f(SEAL_F16, __VA_ARGS__); break;                                                               \
    default: break;                                                                                               \
    }

/* One weight at p (any alignment) as f32, for the kernels' ragged edges; the
 * bf16 and f16 conversions are exact, so they cannot perturb the result. */
static inline float load_w1(seal_dtype dt, const unsigned char *p) {
    if (dt == SEAL_F32) {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    uint16_t h;
    memcpy(&h, p, 2);
    return dt == SEAL_F16 ? seal_f16_to_f32(h) : seal_bf16_to_f32(h);
}

/* seal_matmul_t's pass size over W rows. */
#define MATMUL_T_ROW_BLOCK 256
/* The AVX-512 transposed product packs a pass's W rows, this many columns at
 * a time, as f32 panels (256 rows x 512 columns: 512 KiB of L2 per thread). */
#define MATMUL_T_PACK_COLS 512

#endif
