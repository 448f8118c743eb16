/* test_threadpool: every task runs exactly once, on a valid thread, across
 * many consecutive runs, after the workers have gone to sleep, and serially
 * with a NULL pool; $SEAL_THREADS sets the default size. */
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "rt/threadpool.h"
#include "util/err.h"

#define MAX_TASKS 5000

typedef struct {
    int n_threads;
    atomic_int runs[MAX_TASKS];
    atomic_llong sum;
    atomic_int bad_thread;
    int order[MAX_TASKS]; /* serial runs: the order tasks ran in */
    int n_order;
} job;

static void count_task(void *ctx, int task, int thread) {
    job *j = ctx;
    atomic_fetch_add(&j->runs[task], 1);
    atomic_fetch_add(&j->sum, (long long)task * task + 1);
    if (thread < 0 || thread >= j->n_threads) atomic_store(&j->bad_thread, 1);
}

static void serial_task(void *ctx, int task, int thread) {
    job *j = ctx;
    if (thread != 0) j->bad_thread = 1;
    j->order[j->n_order++] = task;
}

/* One run of n tasks; checks each ran once and the sum is right. */
static int run_and_check(seal_pool *pool, job *j, int n) {
    for (int i = 0; i < n; i++) atomic_store(&j->runs[i], 0);
    atomic_store(&j->sum, 0);
    seal_pool_run(pool, n, count_task, j);
    long long want = 0;
    int ok = 1;
    for (int i = 0; i < n; i++) {
        want += (long long)i * i + 1;
        if (atomic_load(&j->runs[i]) != 1) ok = 0;
    }
    return ok && atomic_load(&j->sum) == want && !atomic_load(&j->bad_thread);
}

static void test_pool(int n_threads) {
    seal_pool *pool = seal_pool_create(n_threads);
    CHECK(pool != NULL);
    if (!pool) return;
    CHECK(seal_pool_threads(pool) == n_threads);
    job *j = seal_calloc(1, sizeof *j);
    j->n_threads = n_threads;

    CHECK(run_and_check(pool, j, MAX_TASKS));
    /* Many back-to-back runs of varied sizes, as a decode step makes. */
    int failures = 0;
    for (int r = 0; r < 3000; r++)
        if (!run_and_check(pool, j, 1 + (r * 7) % 40)) failures++;
    CHECK_MSG(failures == 0, "%d of 3000 runs wrong with %d threads", failures, n_threads);
    /* Zero tasks: nothing runs, nothing hangs. */
    atomic_store(&j->sum, 0);
    seal_pool_run(pool, 0, count_task, j);
    CHECK(atomic_load(&j->sum) == 0);
    /* Let the workers fall asleep, then wake them. */
    usleep(20000);
    CHECK(run_and_check(pool, j, 100));
    usleep(20000);
    CHECK(run_and_check(pool, j, 3));

    free(j);
    seal_pool_destroy(pool);
}

static void test_null_pool(void) {
    job *j = seal_calloc(1, sizeof *j);
    seal_pool_run(NULL, 10, serial_task, j);
    CHECK(j->n_order == 10);
    for (int i = 0; i < j->n_order; i++) CHECK(j->order[i] == i);
    CHECK(!j->bad_thread);
    CHECK(seal_pool_threads(NULL) == 1);
    j->n_threads = 1;
    CHECK(run_and_check(NULL, j, 1000));
    free(j);
}

static void test_env(void) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    setenv("SEAL_THREADS", "1", 1);
    seal_pool *pool = seal_pool_create(0);
    CHECK(pool && seal_pool_threads(pool) == 1);
    seal_pool_destroy(pool);
    setenv("SEAL_THREADS", "3", 1); /* never more than the CPUs */
    pool = seal_pool_create(0);
    CHECK(pool && seal_pool_threads(pool) == (cpus < 3 ? (int)cpus : 3));
    seal_pool_destroy(pool);
    pool = seal_pool_create(2); /* an explicit count wins (a library caller may oversubscribe) */
    CHECK(pool && seal_pool_threads(pool) == 2);
    seal_pool_destroy(pool);
    setenv("SEAL_THREADS", "lots", 1); /* not a number: refused, naming the variable */
    pool = seal_pool_create(0);
    CHECK(!pool && strstr(seal_errmsg(), "SEAL_THREADS: \"lots\""));
    int n = 0;
    CHECK(seal_threads_resolve(0, &n) == -1);
    setenv("SEAL_THREADS", "0", 1); /* 0: all CPUs */
    CHECK(seal_threads_resolve(0, &n) == 0 && n == (int)cpus);
    CHECK(seal_threads_resolve(100000, &n) == 0 && n == (int)cpus);
    unsetenv("SEAL_THREADS");
    pool = seal_pool_create(-1);
    CHECK(pool && seal_pool_threads(pool) == (int)cpus);
    seal_pool_destroy(pool);
    seal_pool_destroy(NULL);
}

int main(void) {
    test_null_pool();
    test_pool(1);
    test_pool(2);
    test_pool(4);
    test_env();
    return check_report("test_threadpool");
}
