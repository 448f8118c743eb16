/* threadpool.h: a persistent pool of worker threads for data-parallel kernels.
 *
 * One pool lives for the program; kernels hand it n_tasks independent tasks
 * and it runs them on all threads (the caller included), handing tasks out
 * through an atomic counter so uneven tasks balance. Workers spin briefly
 * then sleep, so an idle pool costs no CPU and a busy one no syscalls. */
#ifndef SEAL_RT_THREADPOOL_H
#define SEAL_RT_THREADPOOL_H

typedef struct seal_pool seal_pool;

/* fn(ctx, task, thread): run task number `task` (0..n_tasks-1) on thread
 * `thread` (0..n_threads-1; use it to pick per-thread scratch). */
typedef void (*seal_pool_fn)(void *ctx, int task, int thread);

/* Create a pool of n_threads threads in all (the caller counts as one);
 * n_threads <= 0 means seal_threads_resolve(0): $SEAL_THREADS, else the online
 * CPUs. Returns NULL (seal_err) if a thread cannot start or $SEAL_THREADS is bad. */
seal_pool *seal_pool_create(int n_threads);

/* The one place a thread count is decided: requested when > 0, else
 * $SEAL_THREADS when set (a whole number 0..1024, 0 meaning all CPUs; any other
 * text is an error naming it), else the online CPUs; never more than the
 * online CPUs (oversubscribing only slows the kernels down). 0 and *out, or -1
 * after seal_err(). */
int seal_threads_resolve(int requested, int *out);
void seal_pool_destroy(seal_pool *pool);
int seal_pool_threads(const seal_pool *pool);

/* Run fn for every task and return when all are done. Calls must not nest,
 * and one thread at a time drives a pool. Tasks go out in no fixed order to
 * whichever thread asks first (a worker that wakes late may get none), so
 * results must not depend on the task-to-thread mapping. With pool == NULL,
 * or a single task, the tasks run serially on the caller (thread 0). */
void seal_pool_run(seal_pool *pool, int n_tasks, seal_pool_fn fn, void *ctx);

#endif
