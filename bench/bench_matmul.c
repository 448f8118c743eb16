/* bench_matmul.c: seal_matmul() speed on Qwen2.5-0.5B shapes.
 *
 *   bench_matmul [threads...]      (default: 1 and 2; e.g. "bench_matmul 2")
 *
 * Decode (n = 1): effective weight bandwidth in GB/s. Every matrix is copied
 * until the copies exceed the L3 cache and the runs rotate through them, as a
 * decode step streams ~1 GB of distinct weights and finds none in cache.
 * Prefill (n = 512): GFLOP/s = 2 * n * rows * cols / time; "fast" rows are
 * seal_matmul_fast / seal_matmul_t_fast (training's OpenBLAS products).
 * Each figure is the fastest of the calls made in 0.4 s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "bench_util.h"
#include "kern/matmul.h"
#include "rt/threadpool.h"
#include "util/dtype.h"
#include "util/err.h"

#define ROTATE_BYTES (160u << 20) /* > L3 (32 MiB) with a wide margin */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned rng = 12345;
static float frand(void) {
    rng = rng * 1664525u + 1013904223u;
    return ((rng >> 8) * (1.0f / 16777216.0f)) * 2.0f - 1.0f;
}

/* Weights filled with random values in dtype dt; `copies` contiguous copies. */
static void *make_weights(seal_dtype dt, int rows, int cols, int copies) {
    size_t n = (size_t)rows * cols, es = seal_dtype_size(dt);
    unsigned char *p = seal_aligned_alloc(n * es * copies);
    float *tmp = seal_malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) tmp[i] = frand() * 0.05f;
    seal_from_f32(p, dt, tmp, n);
    for (int c = 1; c < copies; c++) memcpy(p + c * n * es, p, n * es);
    free(tmp);
    return p;
}

/* Anchor: streaming read bandwidth on the same pool, as fast as a reader can
 * go, so the matvec numbers can be read against what the machine delivers
 * right now. Each task reads its chunk as READ_STREAMS interleaved streams
 * (more lines in flight than one stream's prefetcher keeps), prefetching
 * READ_AHEAD bytes ahead in each. */
#define READ_STREAMS 4
#define READ_AHEAD 2048
typedef struct { const unsigned char *p; size_t chunk; long long sums[64][8]; } read_job;

static void read_task(void *ctx, int task, int thread) {
    read_job *j = ctx;
    const size_t part = j->chunk / READ_STREAMS;
    const unsigned char *p = j->p + (size_t)task * j->chunk;
    __m256i a[READ_STREAMS][2];
    for (int s = 0; s < READ_STREAMS; s++) a[s][0] = a[s][1] = _mm256_setzero_si256();
    for (size_t i = 0; i < part; i += 64)
        for (int s = 0; s < READ_STREAMS; s++) {
            const unsigned char *q = p + s * part + i;
            _mm_prefetch((const char *)q + READ_AHEAD, _MM_HINT_T0);
            a[s][0] = _mm256_add_epi32(a[s][0], _mm256_load_si256((const void *)q));
            a[s][1] = _mm256_add_epi32(a[s][1], _mm256_load_si256((const void *)(q + 32)));
        }
    __m256i t = _mm256_setzero_si256();
    for (int s = 0; s < READ_STREAMS; s++) t = _mm256_add_epi32(t, _mm256_add_epi32(a[s][0], a[s][1]));
    j->sums[thread & 63][0] += _mm256_extract_epi32(t, 0);
}

/* Timed as the matvecs are: 8 MiB blocks (a large weight matrix) rotating
 * through 256 MiB (out of cache), the fastest block in 0.4 s. */
static void read_bandwidth(seal_pool *pool) {
    size_t bytes = 256u << 20, block = 8u << 20, chunk = 256u << 10;
    read_job *j = seal_calloc(1, sizeof *j);
    unsigned char *p = seal_aligned_alloc(bytes);
    memset(p, 1, bytes);
    j->chunk = chunk;
    double best = 1e9, start = now_s();
    for (int rep = 0; now_s() - start < 0.4 || rep < 64; rep++) {
        j->p = p + (size_t)(rep % (int)(bytes / block)) * block;
        double t0 = now_s();
        seal_pool_run(pool, (int)(block / chunk), read_task, j);
        double t = now_s() - t0;
        if (t < best) best = t;
    }
    printf("read threads=%d %.1f GB/s (%d streams per thread, prefetch: the decode ceiling)\n",
           seal_pool_threads(pool), block / best * 1e-9, READ_STREAMS);
    free(p);
    free(j);
}

static void nop_task(void *ctx, int task, int thread) { (void)ctx, (void)task, (void)thread; }

/* Cost of one seal_pool_run with a task per thread and nothing to do: the
 * floor under each of the ~170 dispatches of a decode step. */
static void dispatch_cost(seal_pool *pool) {
    int runs = 20000;
    double t0 = now_s();
    for (int i = 0; i < runs; i++) seal_pool_run(pool, seal_pool_threads(pool), nop_task, NULL);
    printf("pool threads=%d %.2f us per empty run\n", seal_pool_threads(pool), (now_s() - t0) / runs * 1e6);
}

static void bench(seal_pool *pool, seal_dtype dt, int rows, int cols, int n, int transposed) {
    size_t wbytes = (size_t)rows * cols * seal_dtype_size(dt);
    int copies = n == 1 ? (int)((ROTATE_BYTES + wbytes - 1) / wbytes) : 1;
    unsigned char *wd = make_weights(dt, rows, cols, copies);
    float *x = seal_aligned_alloc((size_t)n * cols * sizeof(float));
    float *y = seal_aligned_alloc((size_t)n * rows * sizeof(float));
    float *bias = seal_aligned_alloc((size_t)rows * sizeof(float));
    for (size_t i = 0; i < (size_t)n * cols; i++) x[i] = frand();
    for (int i = 0; i < rows; i++) bias[i] = frand();

    seal_mat w = {.data = wd, .dtype = dt, .rows = rows, .cols = cols};
    if (transposed & 1) { /* seal_matmul_t reads dy [n][rows] and writes y [n][cols] */
        free(x), free(y);
        x = seal_aligned_alloc((size_t)n * rows * sizeof(float));
        y = seal_aligned_alloc((size_t)n * cols * sizeof(float));
        for (size_t i = 0; i < (size_t)n * rows; i++) x[i] = frand();
    }
#define RUN()                                                                                                        \
    (transposed == 1   ? seal_matmul_t(pool, y, x, &w, n)                                                           \
     : transposed == 2 ? seal_matmul_fast(pool, y, x, &w, bias, n)                                                  \
     : transposed == 3 ? seal_matmul_t_fast(pool, y, x, &w, n)                                                      \
                       : seal_matmul(pool, y, x, &w, bias, n))
    RUN(); /* warm up */
    /* The fastest call: other jobs on a shared machine only ever slow it. */
    int iters = 0;
    double start = now_s(), per = 1e9;
    do {
        w.data = wd + (size_t)(iters % copies) * wbytes;
        double t0 = now_s();
        RUN();
        double t = now_s() - t0;
        per = t < per ? t : per;
        iters++;
    } while (now_s() - start < 0.4 || iters < 3);
    double gflops = 2.0 * n * rows * cols / per * 1e-9;
    printf("%-8s %-4s threads=%d n=%-3d %6d x %-5d %8.1f us  %6.1f GB/s  %6.1f GFLOP/s\n",
           (const char *[]){"matmul", "matmul_t", "fast", "fast_t"}[transposed], seal_dtype_name(dt), seal_pool_threads(pool), n, rows, cols, per * 1e6,
           wbytes / per * 1e-9, gflops);
    fflush(stdout);
    free(wd);
    free(x);
    free(y);
    free(bias);
}

int main(int argc, char **argv) {
    bench_kernel_report();
    int thread_counts[8] = {1, 2}, n_counts = 2;
    if (argc > 1) {
        n_counts = 0;
        for (int i = 1; i < argc && n_counts < 8; i++) thread_counts[n_counts++] = atoi(argv[i]);
    }
    /* rows x cols = out x in, as nn.Linear stores them */
    static const int decode[][2] = {{896, 896}, {128, 896}, {4864, 896}, {896, 4864}, {151936, 896}};
    for (int c = 0; c < n_counts; c++) {
        seal_pool *pool = seal_pool_create(thread_counts[c]);
        if (!pool) { fprintf(stderr, "bench_matmul: %s\n", seal_errmsg()); return 1; }
        const char *only = getenv("BENCH_ONLY");
        if (!only || !strcmp(only, "decode")) {
            dispatch_cost(pool);
            read_bandwidth(pool);
            for (size_t s = 0; s < sizeof decode / sizeof decode[0]; s++)
                bench(pool, SEAL_BF16, decode[s][0], decode[s][1], 1, 0);
            bench(pool, SEAL_F32, 4864, 896, 1, 0);
            bench(pool, SEAL_F16, 4864, 896, 1, 0);
        }
        if (only && strcmp(only, "prefill")) goto next;
        bench(pool, SEAL_BF16, 4864, 896, 512, 0);
        bench(pool, SEAL_BF16, 896, 4864, 512, 0);
        bench(pool, SEAL_F32, 4864, 896, 512, 0);
        bench(pool, SEAL_F16, 4864, 896, 512, 0);
        bench(pool, SEAL_BF16, 4864, 896, 512, 1);
        /* The training products (OpenBLAS sgemm behind seal_matmul_fast) beside them. */
        bench(pool, SEAL_BF16, 4864, 896, 512, 2);
        bench(pool, SEAL_BF16, 4864, 896, 512, 3);
    next:
        seal_pool_destroy(pool);
    }
    return 0;
}
