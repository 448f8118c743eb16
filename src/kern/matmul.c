/* matmul.c: splits a product into tasks for the pool and hands each to the
 * tile kernels (matmul_avx2.c). seal_matmul_t is split the same way, with W
 * columns in place of W rows.
 *
 * A task is (a block of tokens) x (a chunk of W rows). Token blocks are sized
 * so the block's x rows stay in L2 while the task sweeps them across each
 * 4-row W panel; row chunks are the parallel unit, small enough that the
 * atomic task counter balances the threads. Decode (n = 1) is just one token
 * block: a matrix-vector product split by rows, bound by memory bandwidth.
 * The split never changes any element's summation order (see matmul.h), so
 * the result is the same for every n, block size and thread count. */
#include "kern/matmul.h"

#include <math.h>

#define L2_X_BUDGET (256 * 1024) /* bytes of x per token block */
#define MAX_TOKEN_BLOCK 96
#define TASKS_PER_THREAD 16      /* per token block, for load balance */
#define MIN_OUTS_PER_TASK 16 /* W rows (or columns for seal_matmul_t) */
#define SERIAL_MACS (64 * 1024)  /* below this a dispatch costs more than it saves */

typedef struct {
    float *y;
    const float *x; /* x for matmul, dy for seal_matmul_t */
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
    seal_matmul_block(j->y, j->x, j->w, j->bias, o0, o1, t0, t1);
}

static void matmul_t_task(void *ctx, int task, int thread) {
    (void)thread;
    const matmul_job *j = ctx;
    int o0, o1, t0, t1;
    task_range(j, task, &o0, &o1, &t0, &t1);
    seal_matmul_t_block(j->y, j->x, j->w, o0, o1, t0, t1);
}

static int valid_dtype(seal_dtype t) { return t == SEAL_F32 || t == SEAL_BF16 || t == SEAL_F16; }

/* Split n tokens x `outs` outputs into tasks: token blocks whose x rows
 * (`in` floats each) fit the L2 budget, times output chunks that are
 * multiples of `align`. Returns the task count; may set *pool to NULL when
 * the product is too small to be worth a dispatch. */
static int plan(matmul_job *j, seal_pool **pool, int in, int align) {
    double macs = (double)j->outs * (double)in * (double)j->n;
    int tpb = L2_X_BUDGET / (in > 0 ? in * 4 : 4);
    tpb = tpb > MAX_TOKEN_BLOCK ? MAX_TOKEN_BLOCK : tpb;
    tpb = tpb < 3 ? 3 : tpb / 3 * 3; /* whole 3-token tiles */
    j->tokens_per_block = j->n < tpb ? j->n : tpb;
    int token_blocks = (j->n + j->tokens_per_block - 1) / j->tokens_per_block;

    int threads = seal_pool_threads(*pool);
    if (threads == 1 || macs < SERIAL_MACS) *pool = NULL, threads = 1;
    int opt = (j->outs + threads * TASKS_PER_THREAD - 1) / (threads * TASKS_PER_THREAD);
    opt = (opt + align - 1) / align * align;
    if (opt < MIN_OUTS_PER_TASK) opt = MIN_OUTS_PER_TASK;
    if (threads == 1) opt = j->outs; /* one chunk: the panel sweeps the whole block */
    j->outs_per_task = opt;
    j->out_tasks = (j->outs + opt - 1) / opt;
    return j->out_tasks * token_blocks;
}

void seal_matmul(seal_pool *pool, float *y, const float *x, const seal_mat *w, const float *bias, int n) {
    if (n <= 0 || w->rows <= 0) return;
    if (!valid_dtype(w->dtype)) {
        /* The loader admits only these; poison rather than read garbage. */
        for (size_t i = 0; i < (size_t)n * (size_t)w->rows; i++) y[i] = NAN;
        return;
    }
    matmul_job j = {.y = y, .x = x, .w = w, .bias = bias, .n = n, .outs = w->rows};
    int tasks = plan(&j, &pool, w->cols, 4); /* whole 4-row panels */
    seal_pool_run(pool, tasks, matmul_task, &j);
}

void seal_matmul_t(seal_pool *pool, float *y, const float *dy, const seal_mat *w, int n) {
    if (n <= 0 || w->cols <= 0) return;
    if (!valid_dtype(w->dtype)) {
        for (size_t i = 0; i < (size_t)n * (size_t)w->cols; i++) y[i] = NAN;
        return;
    }
    matmul_job j = {.y = y, .x = dy, .w = w, .n = n, .outs = w->cols};
    /* Each pass over W rows touches only MATMUL_T_ROW_BLOCK floats of a dy row. */
    int in = w->rows < MATMUL_T_ROW_BLOCK ? w->rows : MATMUL_T_ROW_BLOCK;
    int tasks = plan(&j, &pool, in, 32); /* whole 32-column panels */
    seal_pool_run(pool, tasks, matmul_t_task, &j);
}
