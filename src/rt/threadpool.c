/* threadpool.c: persistent workers woken by a generation counter.
 *
 * A run publishes (fn, ctx, n_tasks), then bumps `gen`. Each worker notices
 * the new generation (spinning for a short while, otherwise asleep on a futex
 * on `gen`), takes tasks from the shared `next` counter until they run out,
 * and then increments `acked`. The caller takes tasks too, then waits until
 * every worker has acked this generation. Waiting for all acks (rather than
 * only for the tasks) means no worker can still be reading a finished run's
 * fn/ctx (ctx usually lives on the caller's stack) when the next run
 * overwrites them, and no worker can miss a generation. */
#include "rt/threadpool.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long an idle worker spins before sleeping. Decode dispatches about
 * 170 runs per token with a few microseconds of serial work between them;
 * spinning across those gaps avoids a futex wake (tens of microseconds on a
 * VM) per run, while an idle pool goes to sleep almost at once. */
#define SPIN_NS 50000

#define CACHE_LINE 64

struct seal_pool {
    int n_threads;
    pthread_t *threads; /* [n_threads - 1]: the workers; the caller is thread 0 */

    /* The current run; written by the caller before it bumps gen. */
    seal_pool_fn fn;
    void *ctx;
    int n_tasks;

    _Alignas(CACHE_LINE) atomic_uint gen;  /* futex word: bumped once per run */
    atomic_int sleepers;                   /* workers in (or entering) futex wait */
    atomic_int stop;
    _Alignas(CACHE_LINE) atomic_int next;  /* next task to hand out */
    _Alignas(CACHE_LINE) atomic_int acked; /* workers done with this generation */
};

typedef struct {
    seal_pool *pool;
    int thread;
} worker_arg;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void futex_wait(atomic_uint *addr, unsigned expected) {
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(atomic_uint *addr) {
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void run_tasks(seal_pool *p, int thread) {
    int n = p->n_tasks;
    seal_pool_fn fn = p->fn;
    void *ctx = p->ctx;
    for (;;) {
        int task = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (task >= n) break;
        fn(ctx, task, thread);
    }
}

/* Wait until gen differs from seen: spin for SPIN_NS, then sleep. */
static unsigned wait_new_gen(seal_pool *p, unsigned seen) {
    unsigned g;
    uint64_t t0 = 0;
    for (int i = 0;; i++) {
        g = atomic_load_explicit(&p->gen, memory_order_acquire);
        if (g != seen) return g;
        if ((i & 63) == 63) { /* check the clock only now and then */
            uint64_t t = now_ns();
            if (!t0) t0 = t;
            else if (t - t0 > SPIN_NS) break;
        }
        cpu_relax();
    }
    for (;;) {
        /* seq_cst pairs with the caller's bump-then-check: either we see the
         * new gen here, or the caller sees sleepers > 0 and wakes us. */
        atomic_fetch_add(&p->sleepers, 1);
        g = atomic_load(&p->gen);
        if (g == seen) futex_wait(&p->gen, seen);
        atomic_fetch_sub(&p->sleepers, 1);
        g = atomic_load_explicit(&p->gen, memory_order_acquire);
        if (g != seen) return g;
    }
}

static void *worker_main(void *arg) {
    worker_arg wa = *(worker_arg *)arg;
    free(arg);
    seal_pool *p = wa.pool;
    unsigned seen = 0;
    for (;;) {
        seen = wait_new_gen(p, seen);
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
        run_tasks(p, wa.thread);
        atomic_fetch_add_explicit(&p->acked, 1, memory_order_release);
    }
    return NULL;
}

static int default_threads(void) {
    const char *env = getenv("SEAL_THREADS");
    if (env && *env) {
        char *end;
        errno = 0;
        long v = strtol(env, &end, 10);
        if (!errno && *end == '\0' && v > 0 && v <= 1024) return (int)v;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n < 1024 ? n : 1024) : 1;
}

seal_pool *seal_pool_create(int n_threads) {
    if (n_threads <= 0) n_threads = default_threads();
    seal_pool *p = seal_calloc(1, sizeof *p);
    p->n_threads = n_threads;
    p->threads = seal_calloc((size_t)n_threads, sizeof *p->threads);
    for (int i = 1; i < n_threads; i++) {
        worker_arg *wa = seal_malloc(sizeof *wa);
        wa->pool = p;
        wa->thread = i;
        int rc = pthread_create(&p->threads[i - 1], NULL, worker_main, wa);
        if (rc) {
            free(wa);
            p->n_threads = i; /* destroy joins only the workers that started */
            seal_pool_destroy(p);
            seal_err("thread pool: cannot start thread %d of %d: %s", i, n_threads, strerror(rc));
            return NULL;
        }
    }
    return p;
}

void seal_pool_destroy(seal_pool *p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    atomic_fetch_add(&p->gen, 1);
    futex_wake_all(&p->gen);
    for (int i = 1; i < p->n_threads; i++) pthread_join(p->threads[i - 1], NULL);
    free(p->threads);
    free(p);
}

int seal_pool_threads(const seal_pool *p) { return p ? p->n_threads : 1; }

void seal_pool_run(seal_pool *p, int n_tasks, seal_pool_fn fn, void *ctx) {
    if (n_tasks <= 0) return;
    if (!p || p->n_threads == 1 || n_tasks == 1) {
        for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->acked, 0, memory_order_relaxed);
    atomic_fetch_add(&p->gen, 1); /* seq_cst: publishes the run */
    if (atomic_load(&p->sleepers) > 0) futex_wake_all(&p->gen);

    run_tasks(p, 0);

    int workers = p->n_threads - 1;
    for (int i = 0; atomic_load_explicit(&p->acked, memory_order_acquire) < workers; i++) {
        if (i < 4096) cpu_relax();
        else sched_yield(); /* a worker was descheduled: let it run */
    }
}
