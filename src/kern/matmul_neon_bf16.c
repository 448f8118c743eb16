/* matmul_neon_bf16.c: the bf16 compute mode's forward product on aarch64
 * with the BF16 extension (Armv8.6 FEAT_BF16: bfdot), compiled with
 * -march=armv8.6-a+bf16 (the Makefile) and run only where the kernel reports
 * the bf16 hwcap (isa.c).
 *
 * Dot form, both operands in bf16 along k, as the x86 vdpbf16ps kernel
 * (matmul_bf16.c): one bfdot multiplies 8 bf16 pairs and adds them into 4 f32
 * lanes (lane l takes k = 2l and 2l+1 of each 8), reading the weights as
 * stored. x arrives rounded to bf16 with its rows zero-padded to a multiple
 * of 8; the ragged end of a W row (cols % 8) is copied into a zeroed 8-wide
 * buffer, so no load reads past the mapping. A tile is 4 W rows x 4 tokens:
 * 16 accumulators. Each element's sum is the 4 lanes' chains over k in steps
 * of 8, then the across-vector add (faddp order), then the bias: its order
 * depends on cols only, so the mode stays batch invariant. bfdot's own
 * arithmetic (Arm's BFDotAdd: with FPCR.EBF clear it ignores the FPCR,
 * flushes subnormals and rounds its intermediate sums its own way) makes its
 * last bits differ from the exact kernels' on the same rounded x
 * (docs/kernels.md). */
#include "kern/matmul_isa.h"

#if defined(__aarch64__)
#if !defined(__ARM_FEATURE_BF16_VECTOR_ARITHMETIC)
#error "matmul_neon_bf16.c needs -march=armv8.6-a+bf16 (see the Makefile)"
#endif
#include <arm_neon.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define PANEL_ROWS 4
#define TILE_TOKENS 4

/* 8 bf16 at p (any 2-byte alignment). */
ALWAYS_INLINE bfloat16x8_t load8(const uint16_t *p) {
    return vreinterpretq_bf16_u8(vld1q_u8((const unsigned char *)p));
}

/* y[t][r] for R rows of W (w, ldw elements apart) and T tokens of xb (ldx
 * apart, zero-padded to a multiple of 8). */
ALWAYS_INLINE void tile(int R, int T, float *y, size_t ldy, const uint16_t *xb, size_t ldx, const uint16_t *w,
                        size_t ldw, int cols, const float *bias) {
    float32x4_t acc[PANEL_ROWS][TILE_TOKENS];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) acc[r][t] = vdupq_n_f32(0.0f);
    const int cols8 = cols & ~7;
    for (int k = 0; k < cols8; k += 8) {
        bfloat16x8_t wv[PANEL_ROWS];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) wv[r] = load8(w + r * ldw + k);
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) {
            bfloat16x8_t xv = load8(xb + t * ldx + k);
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) acc[r][t] = vbfdotq_f32(acc[r][t], wv[r], xv);
        }
    }
    if (cols8 < cols) { /* the ragged end: W's last cols % 8 against zeros */
        bfloat16x8_t wv[PANEL_ROWS];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            uint16_t pad[8] = {0};
            memcpy(pad, w + r * ldw + cols8, (size_t)(cols - cols8) * sizeof *pad);
            wv[r] = load8(pad);
        }
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) {
            bfloat16x8_t xv = load8(xb + t * ldx + cols8);
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) acc[r][t] = vbfdotq_f32(acc[r][t], wv[r], xv);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) {
            float s = vaddvq_f32(acc[r][t]);
            y[t * ldy + r] = bias ? s + bias[r] : s;
        }
}

#define TILE_CASE(R, T) case (R) * 8 + (T): tile(R, T, yt, ldy, xt, ldx, wr, ldw, cols, br); break;
#define TILE_ROW(R) TILE_CASE(R, 4) TILE_CASE(R, 3) TILE_CASE(R, 2) TILE_CASE(R, 1)

void seal_matmul_block_bfdot(float *y, const uint16_t *xb, int ldxb, const seal_mat *w, const float *bias, int r0,
                             int r1, int t0, int t1) {
    const size_t ldy = (size_t)w->rows, ldx = (size_t)ldxb, ldw = (size_t)w->cols;
    const int cols = w->cols;
    const uint16_t *data = w->data;
    /* Hold a tile of tokens (L1) and sweep the task's W rows (L2) across it. */
    for (int t = t0; t < t1; t += TILE_TOKENS) {
        const int nt = t1 - t < TILE_TOKENS ? t1 - t : TILE_TOKENS;
        const uint16_t *xt = xb + (size_t)t * ldx;
        for (int r = r0; r < r1; r += PANEL_ROWS) {
            const int nr = r1 - r < PANEL_ROWS ? r1 - r : PANEL_ROWS;
            const uint16_t *wr = data + (size_t)r * ldw;
            const float *br = bias ? bias + r : NULL;
            float *yt = y + (size_t)t * ldy + r;
            switch (nr * 8 + nt) { TILE_ROW(4) TILE_ROW(3) TILE_ROW(2) TILE_ROW(1) }
        }
    }
}

#endif
