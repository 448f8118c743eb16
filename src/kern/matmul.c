/* matmul.c: splits a product into tasks for the pool and hands each to the
 * tile kernel (matmul_avx2.c).
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
#define MIN_ROWS_PER_TASK 16
#define SERIAL_MACS (64 * 1024)  /* below this a dispatch costs more than it saves */

typedef struct {
    float *y;
    const float *x;
    const seal_mat *w;
    const float *bias;
    int n, rows_per_task, row_tasks, tokens_per_block;
} matmul_job;

static void matmul_task(void *ctx, int task, int thread) {
    (void)thread;
    const matmul_job *j = ctx;
    int rt = task % j->row_tasks, tb = task / j->row_tasks;
    int r0 = rt * j->rows_per_task, r1 = r0 + j->rows_per_task;
    int t0 = tb * j->tokens_per_block, t1 = t0 + j->tokens_per_block;
    if (r1 > j->w->rows) r1 = j->w->rows;
    if (t1 > j->n) t1 = j->n;
    matmul_block(j->y, j->x, j->w, j->bias, r0, r1, t0, t1);
}

void matmul(seal_pool *pool, float *y, const float *x, const seal_mat *w, const float *bias, int n) {
    const int rows = w->rows, cols = w->cols;
    if (n <= 0 || rows <= 0) return;
    if (w->dtype != SEAL_F32 && w->dtype != SEAL_BF16 && w->dtype != SEAL_F16) {
        /* The loader admits only these; poison rather than read garbage. */
        for (size_t i = 0; i < (size_t)n * (size_t)rows; i++) y[i] = NAN;
        return;
    }
    matmul_job j = {.y = y, .x = x, .w = w, .bias = bias, .n = n};

    int tpb = L2_X_BUDGET / (cols > 0 ? cols * 4 : 4);
    tpb = tpb > MAX_TOKEN_BLOCK ? MAX_TOKEN_BLOCK : tpb;
    tpb = tpb < 3 ? 3 : tpb / 3 * 3; /* whole 3-token tiles */
    j.tokens_per_block = n < tpb ? n : tpb;
    int token_blocks = (n + j.tokens_per_block - 1) / j.tokens_per_block;

    int threads = seal_pool_threads(pool);
    double macs = (double)rows * (double)cols * (double)n;
    if (threads == 1 || macs < SERIAL_MACS) pool = NULL, threads = 1;
    int rpt = (rows + threads * TASKS_PER_THREAD - 1) / (threads * TASKS_PER_THREAD);
    rpt = (rpt + 3) / 4 * 4; /* whole 4-row panels */
    if (rpt < MIN_ROWS_PER_TASK) rpt = MIN_ROWS_PER_TASK;
    if (threads == 1) rpt = rows; /* one chunk: W panel sweeps the whole block */
    j.rows_per_task = rpt;
    j.row_tasks = (rows + rpt - 1) / rpt;

    seal_pool_run(pool, j.row_tasks * token_blocks, matmul_task, &j);
}
