/* matmul.c: splits a product into tasks for the pool and hands each to the
 * tile kernels of the path isa.c chose (matmul_scalar.c, matmul_avx2.c,
 * matmul_avx512.c, matmul_bf16.c; on aarch64 matmul_neon.c and
 * matmul_neon_bf16.c). seal_matmul_t is split the same way, with
 * W columns in place of W rows.
 *
 * A task is (a block of tokens) x (a chunk of W rows). Token blocks are sized
 * so the block's x rows stay in L2 while the task sweeps them across each
 * 4-row W panel; row chunks are the parallel unit, small enough that the
 * atomic task counter balances the threads (seal_matmul_t takes few wide
 * column chunks instead: see there). Decode (n = 1) is just one token
 * block: a matrix-vector product split by rows, bound by memory bandwidth.
 * The split never changes any element's summation order (see matmul.h), so
 * the result is the same for every n, block size and thread count. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "kern/isa.h"
#include "kern/matmul_isa.h"
#include "util/err.h"

#define L2_X_BUDGET (256 * 1024) /* bytes of x per token block */
#define MAX_TOKEN_BLOCK 96
#define TASKS_PER_THREAD 16      /* per token block, for load balance */
#define TASKS_PER_THREAD_T 2     /* the same for seal_matmul_t (see there) */
#define MIN_OUTS_PER_TASK 16 /* W rows (or columns for seal_matmul_t) */
#define SERIAL_MACS (64 * 1024)  /* below this a dispatch costs more than it saves */

typedef void (*block_fn)(float *y, const float *x, const seal_mat *w, const float *bias, int o0, int o1, int t0,
                         int t1);
typedef void (*block_t_fn)(float *y, const float *dy, const seal_mat *w, int o0, int o1, int t0, int t1);

/* A path's kernels and the output alignment its tiles like (whole panels). */
typedef struct {
    block_fn fwd;
    block_t_fn bwd;
    int fwd_align, bwd_align;
} kern_path;

#if defined(__x86_64__) || defined(__i386__)
static const kern_path paths[SEAL_ISA_COUNT] = {
    [SEAL_ISA_SCALAR] = {seal_matmul_block_scalar, seal_matmul_t_block_scalar, 4, 32},
    [SEAL_ISA_AVX2] = {seal_matmul_block_avx2, seal_matmul_t_block_avx2, 4, 32},
    [SEAL_ISA_AVX512] = {seal_matmul_block_avx512, seal_matmul_t_block_avx512, 8, 64},
    [SEAL_ISA_AVX512BF16] = {seal_matmul_block_avx512, seal_matmul_t_block_avx512, 8, 64},
};
#define ISA_X86 1
#elif defined(__aarch64__)
static const kern_path paths[SEAL_ISA_COUNT] = {
    [SEAL_ISA_SCALAR] = {seal_matmul_block_scalar, seal_matmul_t_block_scalar, 4, 32},
    [SEAL_ISA_NEON] = {seal_matmul_block_neon, seal_matmul_t_block_neon, 4, 16},
    [SEAL_ISA_NEON_BF16] = {seal_matmul_block_neon, seal_matmul_t_block_neon, 4, 16},
};
#define ISA_ARM64 1
#else
static const kern_path paths[SEAL_ISA_COUNT] = {
    [SEAL_ISA_SCALAR] = {seal_matmul_block_scalar, seal_matmul_t_block_scalar, 4, 32},
};
#endif

typedef struct {
    const kern_path *k;
    float *y;
    const float *x; /* x for matmul, dy for seal_matmul_t */
    const uint16_t *xb; /* bf16 mode on AVX512_BF16 or NEON BF16: x in bf16, row stride ldxb */
    int ldxb;
    const seal_mat *w;
    const float *bias;
    int n, outs; /* outs: W rows (matmul) or columns (seal_matmul_t) */
    int outs_per_task, out_tasks, tokens_per_block;
} matmul_job;

/* The task's output range [*o0, *o1) and token range [*t0, *t1). */
static void task_range(const matmul_job *j, int task, int *o0, int *o1, int *t0, int *t1) {
    int ot = task % j->out_tasks, tb = task / j->out_tasks;
    *o0 = ot * j->outs_per_task;
    *o1 = *o0 + j->outs_per_task < j->outs ? *o0 + j->outs_per_task : j->outs;
    *t0 = tb * j->tokens_per_block;
    *t1 = *t0 + j->tokens_per_block < j->n ? *t0 + j->tokens_per_block : j->n;
}

static void matmul_task(void *ctx, int task, int thread) {
    (void)thread;
    const matmul_job *j = ctx;
    int o0, o1, t0, t1;
    task_range(j, task, &o0, &o1, &t0, &t1);
#if defined(ISA_X86)
    if (j->xb) {
        seal_matmul_block_bf16dp(j->y, j->xb, j->ldxb, j->w, j->bias, o0, o1, t0, t1);
        return;
    }
#elif defined(ISA_ARM64)
    if (j->xb) {
        seal_matmul_block_bfdot(j->y, j->xb, j->ldxb, j->w, j->bias, o0, o1, t0, t1);
        return;
    }
#endif
    j->k->fwd(j->y, j->x, j->w, j->bias, o0, o1, t0, t1);
}

static void matmul_t_task(void *ctx, int task, int thread) {
    (void)thread;
    const matmul_job *j = ctx;
    int o0, o1, t0, t1;
    task_range(j, task, &o0, &o1, &t0, &t1);
#if defined(ISA_X86)
    if (j->xb) {
        seal_matmul_t_block_bf16dp(j->y, j->xb, j->ldxb, j->w, o0, o1, t0, t1);
        return;
    }
#endif
    j->k->bwd(j->y, j->x, j->w, o0, o1, t0, t1);
}

static int valid_dtype(seal_dtype t) { return t == SEAL_F32 || t == SEAL_BF16 || t == SEAL_F16; }

/* Split n tokens x `outs` outputs into tasks: token blocks whose x rows
 * (`in` floats each) fit the L2 budget, times output chunks that are
 * multiples of `align`, about tasks_per_thread of them per thread. Returns the
 * task count; may set *pool to NULL when the product is too small to be worth
 * a dispatch. */
static int plan(matmul_job *j, seal_pool **pool, int in, int align, int tasks_per_thread) {
    double macs = (double)j->outs * (double)in * (double)j->n;
    int tpb = L2_X_BUDGET / (in > 0 ? in * 4 : 4);
    tpb = tpb > MAX_TOKEN_BLOCK ? MAX_TOKEN_BLOCK : tpb;
    tpb = tpb < 6 ? 6 : tpb / 6 * 6; /* whole 3- and 6-token tiles */
    j->tokens_per_block = j->n < tpb ? j->n : tpb;
    int token_blocks = (j->n + j->tokens_per_block - 1) / j->tokens_per_block;

    int threads = seal_pool_threads(*pool);
    if (threads == 1 || macs < SERIAL_MACS) *pool = NULL, threads = 1;
    int opt = (j->outs + threads * tasks_per_thread - 1) / (threads * tasks_per_thread);
    opt = (opt + align - 1) / align * align;
    if (opt < MIN_OUTS_PER_TASK) opt = MIN_OUTS_PER_TASK;
    if (threads == 1) opt = j->outs; /* one chunk: the panel sweeps the whole block */
    j->outs_per_task = opt;
    j->out_tasks = (j->outs + opt - 1) / opt;
    return j->out_tasks * token_blocks;
}

/* Per-thread grow-only scratch buffers, one per slot, held through pthread
 * keys so that a pool thread's buffers are freed when it exits. */
typedef struct { void *p; size_t cap; } scratch_buf;
static pthread_key_t scratch_keys[SEAL_KERN_SCRATCH_SLOTS];
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *v) {
    scratch_buf *b = v;
    free(b->p);
    free(b);
}

static void scratch_keys_init(void) {
    for (int i = 0; i < SEAL_KERN_SCRATCH_SLOTS; i++) pthread_key_create(&scratch_keys[i], scratch_free);
}

void *seal_kern_scratch(int slot, size_t bytes) {
    pthread_once(&scratch_once, scratch_keys_init);
    scratch_buf *b = pthread_getspecific(scratch_keys[slot]);
    if (!b) {
        b = seal_calloc(1, sizeof *b);
        pthread_setspecific(scratch_keys[slot], b);
    }
    if (bytes > b->cap) {
        free(b->p);
        b->p = seal_aligned_alloc(bytes);
        b->cap = bytes;
    }
    return b->p;
}

/* The bf16 compute mode's input: x rounded to bf16 (round to nearest even),
 * as bf16 for the dot-product kernels (rows zero-padded to a multiple of
 * `pad` elements, *ld a row: 2 for vdpbf16ps, 8 for bfdot; only called on
 * those paths) or as f32 values for the exact kernels. */
static const uint16_t *x_to_bf16(const float *x, int n, int cols, int pad, int *ld) {
    *ld = (cols + pad - 1) / pad * pad;
    uint16_t *xb = seal_kern_scratch(SEAL_KERN_SCRATCH_X, (size_t)n * *ld * sizeof *xb);
    for (int t = 0; t < n; t++) {
        uint16_t *row = xb + (size_t)t * *ld;
        const float *xt = x + (size_t)t * cols;
#if defined(ISA_X86)
        seal_f32_to_bf16_avx512bf16(row, xt, cols);
#else
        for (int k = 0; k < cols; k++) row[k] = seal_f32_to_bf16(xt[k]);
#endif
        for (int k = cols; k < *ld; k++) row[k] = 0;
    }
    return xb;
}

static const float *x_round_bf16(const float *x, int n, int cols) {
    size_t len = (size_t)n * cols;
    float *xr = seal_kern_scratch(SEAL_KERN_SCRATCH_X, len * sizeof *xr);
    for (size_t i = 0; i < len; i++) xr[i] = seal_bf16_to_f32(seal_f32_to_bf16(x[i]));
    return xr;
}

void seal_matmul(seal_pool *pool, float *y, const float *x, const seal_mat *w, const float *bias, int n) {
    if (n <= 0 || w->rows <= 0) return;
    if (!valid_dtype(w->dtype)) {
        /* The loader admits only these; poison rather than read garbage. */
        for (size_t i = 0; i < (size_t)n * (size_t)w->rows; i++) y[i] = NAN;
        return;
    }
    seal_isa isa = seal_kernel_isa();
    matmul_job j = {.k = &paths[isa], .y = y, .x = x, .w = w, .bias = bias, .n = n, .outs = w->rows};
    if (seal_kernel_mode() == SEAL_COMPUTE_BF16 && w->dtype == SEAL_BF16) {
        if (isa == SEAL_ISA_AVX512BF16) j.xb = x_to_bf16(x, n, w->cols, 2, &j.ldxb);
        else if (isa == SEAL_ISA_NEON_BF16) j.xb = x_to_bf16(x, n, w->cols, 8, &j.ldxb);
        else j.x = x_round_bf16(x, n, w->cols);
    }
    /* bf16 x rows take half the L2 of f32 ones: twice the tokens per block. */
    int tasks = plan(&j, &pool, j.xb ? (w->cols + 1) / 2 : w->cols, j.k->fwd_align, TASKS_PER_THREAD);
    seal_pool_run(pool, tasks, matmul_task, &j);
}

void seal_matmul_t(seal_pool *pool, float *y, const float *dy, const seal_mat *w, int n) {
    if (n <= 0 || w->cols <= 0) return;
    if (!valid_dtype(w->dtype)) {
        for (size_t i = 0; i < (size_t)n * (size_t)w->cols; i++) y[i] = NAN;
        return;
    }
    seal_isa isa = seal_kernel_isa();
    matmul_job j = {.k = &paths[isa], .y = y, .x = dy, .w = w, .n = n, .outs = w->cols};
    /* bf16 mode: dy rounded to bf16, as the forward rounds x (vdpbf16ps on
     * AVX512_BF16; elsewhere the rounded values through the exact kernels). */
    if (seal_kernel_mode() == SEAL_COMPUTE_BF16 && w->dtype == SEAL_BF16) {
        if (isa == SEAL_ISA_AVX512BF16) j.xb = x_to_bf16(dy, n, w->rows, 2, &j.ldxb);
        else j.x = x_round_bf16(dy, n, w->rows);
    }
    /* Each pass over W rows touches only MATMUL_T_ROW_BLOCK floats of a dy row. */
    int in = w->rows < MATMUL_T_ROW_BLOCK ? w->rows : MATMUL_T_ROW_BLOCK;
    /* Whole column panels, in few wide tasks: a task reads its columns of
     * every W row, and wide column ranges read W in long runs (the AVX-512
     * path packs up to MATMUL_T_PACK_COLS of them at a time). */
    int tasks = plan(&j, &pool, in, j.k->bwd_align, TASKS_PER_THREAD_T);
    seal_pool_run(pool, tasks, matmul_t_task, &j);
}
