/* test_kernels: every kernel path this CPU has (scalar, AVX2, AVX-512,
 * AVX512_BF16; on aarch64 NEON and NEON BF16, run under qemu by
 * tests/cross/test_aarch64.sh), forced in turn, against the scalar path and the scalar
 * oracle, at every tail length of cols (1..70: each residue of the 8-, 16-,
 * 32- and 64-wide steps), ragged row panels and token tiles, plus long rows
 * (999) and many rows (300, several passes of seal_matmul_t; both at once on
 * one thread, one task over every column), for F32, BF16
 * and F16 weights stored 2-byte misaligned.
 *   exact mode: seal_matmul and seal_matmul_t give the scalar path's bits
 *               exactly on every path, within 1e-5 of sum |x||w| of the oracle;
 *   bf16 mode:  within 1e-5 of sum |x||w| of the oracle run on x (dy for
 *               seal_matmul_t) rounded to bf16 (rounding worked out here,
 *               independently of the kernels), and batch invariant (a token
 *               alone gives its batch bits).
 * Paths the CPU lacks (another architecture's included) are skipped with a
 * message naming the instructions.
 * Also: SEAL_KERNEL / SEAL_COMPUTE errors name the bad value. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "kern/isa.h"
#include "kern/matmul.h"
#include "rt/threadpool.h"
#include "util/err.h"

#define MAX_COLS 1000
#define MAX_ROWS 300
#define MAX_N 13

static uint32_t rng = 7;
static float frand(void) { /* uniform in [-1, 1) */
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

/* bf16 round to nearest even, written out from the definition. */
static float round_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t low = u & 0xffffu, keep = u >> 16;
    if (low > 0x8000u || (low == 0x8000u && (keep & 1))) keep++;
    u = keep << 16;
    memcpy(&f, &u, 4);
    return f;
}

typedef struct {
    float x[MAX_N * MAX_COLS], xr[MAX_N * MAX_COLS], bias[MAX_ROWS];
    float wf[MAX_ROWS * MAX_COLS];
    unsigned char wbuf[MAX_ROWS * MAX_COLS * 4 + 8];
    float y[MAX_N * MAX_COLS], ref[MAX_N * MAX_COLS], scalar[MAX_N * MAX_COLS], alone[MAX_N * MAX_COLS];
} bufs;

/* |y - ref| <= 1e-5 sum_k |a[t][k]| |W[o][k]| for y [n][outs]; `t_form` for
 * the transposed product (sum over W rows). */
static int near(const float *y, const float *ref, const float *a, const float *wf, int rows, int cols, int n,
                int t_form) {
    int outs = t_form ? cols : rows, in = t_form ? rows : cols;
    for (int t = 0; t < n; t++)
        for (int o = 0; o < outs; o++) {
            double mag = 0;
            for (int k = 0; k < in; k++)
                mag += fabs(a[t * in + k] * (t_form ? wf[k * cols + o] : wf[o * cols + k]));
            if (!(fabs(y[t * outs + o] - ref[t * outs + o]) <= 1e-5 * mag + 1e-30)) return 0;
        }
    return 1;
}

static void check_path(seal_pool *pool, seal_isa isa, bufs *b, seal_dtype dt, int rows, int cols, int n) {
    seal_mat w = {.data = b->wbuf + 2, .dtype = dt, .rows = rows, .cols = cols};
    const char *p = seal_isa_name(isa), *d = seal_dtype_name(dt);
    size_t fwd = (size_t)n * rows * sizeof(float), bwd = (size_t)n * cols * sizeof(float);
    float *bias = rows % 2 ? b->bias : NULL;

    seal_kernel_set_mode(SEAL_COMPUTE_EXACT);
    seal_kernel_force(SEAL_ISA_SCALAR);
    seal_matmul(pool, b->scalar, b->x, &w, bias, n);
    seal_kernel_force(isa);
    seal_matmul(pool, b->y, b->x, &w, bias, n);
    seal_matmul_ref(b->ref, b->x, &w, bias, n);
    CHECK_MSG(!memcmp(b->y, b->scalar, fwd), "%s %s %dx%d n=%d: bits differ from the scalar path", p, d, rows, cols, n);
    CHECK_MSG(near(b->y, b->ref, b->x, b->wf, rows, cols, n, 0), "%s %s %dx%d n=%d: far from the oracle", p, d, rows,
              cols, n);

    seal_kernel_force(SEAL_ISA_SCALAR);
    seal_matmul_t(pool, b->scalar, b->x, &w, n); /* x as dy [n][rows] */
    seal_kernel_force(isa);
    seal_matmul_t(pool, b->y, b->x, &w, n);
    seal_matmul_t_ref(b->ref, b->x, &w, n);
    CHECK_MSG(!memcmp(b->y, b->scalar, bwd), "%s %s t %dx%d n=%d: bits differ from the scalar path", p, d, rows, cols,
              n);
    CHECK_MSG(near(b->y, b->ref, b->x, b->wf, rows, cols, n, 1), "%s %s t %dx%d n=%d: far from the oracle", p, d,
              rows, cols, n);

    if (dt != SEAL_BF16) return; /* the bf16 mode applies to bf16 weights only */
    seal_kernel_set_mode(SEAL_COMPUTE_BF16);
    seal_matmul(pool, b->y, b->x, &w, bias, n);
    for (int t = 0; t < n; t++) seal_matmul(pool, b->alone + (size_t)t * rows, b->x + (size_t)t * cols, &w, bias, 1);
    seal_matmul_ref(b->ref, b->xr, &w, bias, n);
    CHECK_MSG(near(b->y, b->ref, b->xr, b->wf, rows, cols, n, 0), "%s bf16 mode %dx%d n=%d: far from the oracle", p,
              rows, cols, n);
    CHECK_MSG(!memcmp(b->y, b->alone, fwd), "%s bf16 mode %dx%d n=%d: batch changed bits", p, rows, cols, n);
    seal_matmul_t(pool, b->y, b->x, &w, n);
    for (int t = 0; t < n; t++) seal_matmul_t(pool, b->alone + (size_t)t * cols, b->x + (size_t)t * rows, &w, 1);
    seal_matmul_t_ref(b->ref, b->xr, &w, n);
    CHECK_MSG(near(b->y, b->ref, b->xr, b->wf, rows, cols, n, 1), "%s bf16 mode t %dx%d n=%d: far from the oracle", p,
              rows, cols, n);
    CHECK_MSG(!memcmp(b->y, b->alone, bwd), "%s bf16 mode t %dx%d n=%d: batch changed bits", p, rows, cols, n);
    seal_kernel_set_mode(SEAL_COMPUTE_EXACT);
}

static void fill(bufs *b, seal_dtype dt) {
    for (int i = 0; i < MAX_N * MAX_COLS; i++) b->xr[i] = round_bf16(b->x[i] = frand());
    for (int i = 0; i < MAX_ROWS; i++) b->bias[i] = frand();
    for (int i = 0; i < MAX_ROWS * MAX_COLS; i++) b->wf[i] = frand();
    seal_from_f32(b->wbuf + 2, dt, b->wf, MAX_ROWS * MAX_COLS);
    seal_to_f32(b->wf, b->wbuf + 2, dt, MAX_ROWS * MAX_COLS); /* the values actually stored */
}

static void test_env(void) {
    setenv("SEAL_KERNEL", "sse9", 1);
    CHECK_ERR(seal_kernel_init(), "SEAL_KERNEL=sse9: expected scalar, avx2, avx512, avx512bf16, neon or neon-bf16");
    setenv("SEAL_KERNEL", "scalar", 1);
    setenv("SEAL_COMPUTE", "fp8", 1);
    CHECK_ERR(seal_kernel_init(), "SEAL_COMPUTE=fp8: expected exact or bf16");
    setenv("SEAL_COMPUTE", "bf16", 1);
    CHECK(seal_kernel_init() == 0 && seal_kernel_isa() == SEAL_ISA_SCALAR && seal_kernel_mode() == SEAL_COMPUTE_BF16);
    for (int i = SEAL_ISA_AVX2; i < SEAL_ISA_COUNT; i++) {
        const char *missing;
        if (seal_isa_supported((seal_isa)i, &missing)) continue;
        setenv("SEAL_KERNEL", seal_isa_name((seal_isa)i), 1);
        CHECK_ERR(seal_kernel_init(), missing);
    }
    unsetenv("SEAL_KERNEL");
    unsetenv("SEAL_COMPUTE");
    CHECK(seal_kernel_init() == 0 && seal_kernel_isa() == seal_isa_best() && seal_kernel_mode() == SEAL_COMPUTE_EXACT);
}

int main(void) {
    seal_pool *pool = seal_pool_create(2), *pool1 = seal_pool_create(1);
    if (!pool || !pool1) {
        fprintf(stderr, "test_kernels: %s\n", seal_errmsg());
        return 1;
    }
    test_env();
    printf("best path on this CPU: %s\n", seal_isa_name(seal_isa_best()));
    static bufs b;
    static const int rows_set[] = {1, 2, 3, 7, 8, 9, 17}, n_set[] = {1, 2, 5, 6, 7, 13};
    const seal_dtype dts[] = {SEAL_F32, SEAL_BF16, SEAL_F16};
    for (int isa = SEAL_ISA_SCALAR; isa < SEAL_ISA_COUNT; isa++) {
        const char *missing;
        if (!seal_isa_supported((seal_isa)isa, &missing)) {
            printf("SKIP: path %s: this CPU lacks %s\n", seal_isa_name((seal_isa)isa), missing);
            continue;
        }
        for (int d = 0; d < 3; d++) {
            fill(&b, dts[d]);
            for (int cols = 1; cols <= 70; cols++)
                for (size_t r = 0; r < sizeof rows_set / sizeof *rows_set; r++)
                    for (size_t i = 0; i < sizeof n_set / sizeof *n_set; i++)
                        check_path(pool, (seal_isa)isa, &b, dts[d], rows_set[r], cols, n_set[i]);
            /* Long rows: many steps, and seal_matmul_t's passes over W rows. */
            check_path(pool, (seal_isa)isa, &b, dts[d], 17, 999, 13);
            check_path(pool, (seal_isa)isa, &b, dts[d], 300, 17, 7);
            /* One thread: one seal_matmul_t task over all 999 columns and 300
             * rows (the AVX-512 path's packing: two column groups, two passes). */
            check_path(pool1, (seal_isa)isa, &b, dts[d], 300, 999, 7);
        }
        printf("path %s: checked\n", seal_isa_name((seal_isa)isa));
    }
    seal_kernel_init();
    seal_pool_destroy(pool);
    seal_pool_destroy(pool1);
    return check_report("test_kernels");
}
