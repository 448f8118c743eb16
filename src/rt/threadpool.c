/* threadpool.c: persistent workers that join runs through one atomic word.
 *
 * `state` packs the run's generation (high 32 bits), a CLOSED bit, and the
 * number of workers that joined the run (low bits). A run publishes
 * (fn, ctx, n_tasks), opens a new generation, and works through the tasks
 * itself. A worker that notices the new generation (spinning for a short
 * while, otherwise asleep on a futex) joins by incrementing the count, but
 * only while the run is open; it takes tasks from the shared counter until
 * they run out, then leaves. When the caller runs out of tasks it waits for
 * the joined workers to leave and closes the run in the same CAS, so no
 * worker can touch a finished run's fn/ctx (ctx usually lives on the
 * caller's stack), and a worker that was descheduled or asleep costs the
 * caller nothing: it simply never joins that run. */
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

#define ACTIVE_MASK 0x7fffffffull
#define CLOSED (1ull << 31)
#define GEN(s) ((unsigned)((s) >> 32))

struct seal_pool {
    int n_threads;
    pthread_t *threads; /* [n_threads - 1]: the workers; the caller is thread 0 */

    /* The current run; written by the caller before it opens the generation. */
    seal_pool_fn fn;
    void *ctx;
    int n_tasks;
    unsigned gen; /* the caller's count of runs */

    _Alignas(CACHE_LINE) atomic_ullong state; /* gen << 32 | CLOSED | joined workers */
    atomic_uint wake;                         /* futex word: bumped once per run */
    atomic_int sleepers;                      /* workers in (or entering) futex wait */
    atomic_int stop;
    _Alignas(CACHE_LINE) atomic_int next;     /* next task to hand out */
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

/* Wait until the generation differs from seen: spin for SPIN_NS, then sleep. */
static void wait_new_gen(seal_pool *p, unsigned seen) {
    uint64_t t0 = 0;
    for (int i = 0;; i++) {
        if (GEN(atomic_load_explicit(&p->state, memory_order_relaxed)) != seen) return;
        if ((i & 63) == 63) { /* check the clock only now and then */
            uint64_t t = now_ns();
            if (!t0) t0 = t;
            else if (t - t0 > SPIN_NS) break;
        }
        cpu_relax();
    }
    for (;;) {
        /* seq_cst pairs with the caller's open, bump wake, check sleepers:
         * either we see the new generation, or the caller sees us asleep. */
        atomic_fetch_add(&p->sleepers, 1);
        unsigned w = atomic_load(&p->wake);
        int same = GEN(atomic_load(&p->state)) == seen;
        if (same) futex_wait(&p->wake, w);
        atomic_fetch_sub(&p->sleepers, 1);
        if (!same || GEN(atomic_load(&p->state)) != seen) return;
    }
}

/* Join the run after `*seen` if it is still open; returns 1 if joined. */
static int join_run(seal_pool *p, unsigned *seen) {
    unsigned long long s = atomic_load_explicit(&p->state, memory_order_acquire);
    for (;;) {
        if (GEN(s) == *seen) return 0;
        if (s & CLOSED) { /* over before we got here: skip it */
            *seen = GEN(s);
            return 0;
        }
        if (atomic_compare_exchange_weak_explicit(&p->state, &s, s + 1, memory_order_acquire,
                                                  memory_order_acquire)) {
            *seen = GEN(s);
            return 1;
        }
    }
}

static void *worker_main(void *arg) {
    worker_arg wa = *(worker_arg *)arg;
    free(arg);
    seal_pool *p = wa.pool;
    unsigned seen = 0;
    for (;;) {
        wait_new_gen(p, seen);
        if (!join_run(p, &seen)) continue;
        if (atomic_load_explicit(&p->stop, memory_order_relaxed)) break;
        run_tasks(p, wa.thread);
        atomic_fetch_sub_explicit(&p->state, 1, memory_order_release);
    }
    return NULL;
}
static int online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n < 1024 ? n : 1024) : 1;
}

int seal_threads_resolve(int requested, int *out) {
    int cpus = online_cpus(), n = requested;
    const char *env = getenv("SEAL_THREADS");
    if (n <= 0 && env && *env) {
        char *end;
        errno = 0;
        long v = strtol(env, &end, 10);
        if (errno || *end != '\0' || v < 0 || v > 1024 || !(*env >= '0' && *env <= '9'))
            return seal_err("SEAL_THREADS: \"%s\" is not a whole number from 0 to 1024 (0: all CPUs)", env);
        n = (int)v;
    }
    *out = n <= 0 || n > cpus ? cpus : n;
    return 0;
}

seal_pool *seal_pool_create(int n_threads) {
    if (n_threads <= 0 && seal_threads_resolve(0, &n_threads)) return NULL;
    /* Cache-line aligned as its _Alignas members require (calloc gives 16). */
    seal_pool *p = seal_aligned_alloc(sizeof *p);
    memset(p, 0, sizeof *p);
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

/* Open the next generation (fields already written) and wake sleepers. */
static void open_run(seal_pool *p) {
    p->gen++;
    atomic_store(&p->state, (unsigned long long)p->gen << 32); /* seq_cst: publishes */
    atomic_fetch_add(&p->wake, 1);
    if (atomic_load(&p->sleepers) > 0) futex_wake_all(&p->wake);
}

void seal_pool_destroy(seal_pool *p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    open_run(p); /* every worker joins it, sees stop, and exits */
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
    open_run(p);

    run_tasks(p, 0);

    /* Close the run once no joined worker is left inside it. */
    unsigned long long s = atomic_load_explicit(&p->state, memory_order_acquire);
    for (int i = 0;; i++) {
        if (!(s & ACTIVE_MASK) &&
            atomic_compare_exchange_weak_explicit(&p->state, &s, s | CLOSED, memory_order_acquire,
                                                  memory_order_acquire))
            break;
        if (i < 4096) cpu_relax();
        else sched_yield(); /* a joined worker was descheduled mid-task */
        s = atomic_load_explicit(&p->state, memory_order_acquire);
    }
}
