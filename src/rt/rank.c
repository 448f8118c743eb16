/* rank.c: the MPI rank layer (rank.h). Compiled with SEAL_HAVE_MPI when the
 * Makefile finds OpenMPI; without it, every function below is the one-rank
 * stub that names how to get MPI support. */
#include "rt/rank.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"

/* Was this process started as one of `n` ranks by a launcher? (mpirun sets
 * OMPI_COMM_WORLD_SIZE, srun with PMIx PMIX_RANK, older PMI PMI_SIZE.) */
static int launched_ranks(void) {
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (!v) v = getenv("PMI_SIZE");
    if (!v && getenv("PMIX_RANK")) v = getenv("SLURM_NTASKS") ? getenv("SLURM_NTASKS") : "2";
    return v ? atoi(v) : 1;
}

int seal_rank_any_failed(int failed, const char *what) {
    double v = failed != 0;
    if (seal_rank_sum_f64(&v, 1)) return 1;
    if (v > 0 && !failed) seal_err("another rank could not %s (rank 0 says why)", what);
    return v > 0;
}

#ifndef SEAL_HAVE_MPI

int seal_rank_init(int *argc, char ***argv) {
    (void)argc, (void)argv;
    int n = launched_ranks();
    if (n > 1)
        return seal_err("this seal was built without MPI, but it was launched as one of %d ranks: install OpenMPI "
                        "(scripts/install-deps.sh, or apt-get install openmpi-bin libopenmpi-dev) and rebuild "
                        "(make clean && make)", n);
    return 0;
}
void seal_rank_finalize(void) {}
void seal_rank_abort(int code) { exit(code); }
int seal_rank(void) { return 0; }
int seal_rank_size(void) { return 1; }
const char *seal_rank_support(void) { return "no MPI (install libopenmpi-dev and rebuild for it)"; }
int seal_rank_send(int dest, int tag, const void *buf, size_t len) {
    (void)dest, (void)tag, (void)buf, (void)len;
    return seal_err("seal was built without MPI");
}
int seal_rank_recv(int src, int tag, double timeout_s, char **buf, size_t *len, int *from, int *got_tag) {
    (void)src, (void)tag, (void)timeout_s, (void)buf, (void)len, (void)from, (void)got_tag;
    return seal_err("seal was built without MPI");
}
int seal_rank_sum_f32(float *x, size_t n) { (void)x, (void)n; return 0; }
int seal_rank_sum_f64(double *x, size_t n) { (void)x, (void)n; return 0; }

#else

#include <mpi.h>

static int g_rank, g_size = 1, g_mpi;

enum { TAG_SUM = 30000, TAG_BCAST = 30001 };

int seal_rank_init(int *argc, char ***argv) {
    if (launched_ranks() <= 1 && !getenv("OMPI_COMM_WORLD_RANK")) return 0;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return seal_err("MPI_Init failed");
    g_mpi = 1;
    /* errors come back as codes, so that a dead peer is a message, not a hang */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    return 0;
}

void seal_rank_finalize(void) {
    if (!g_mpi) return;
    MPI_Finalize();
    g_mpi = 0;
}

void seal_rank_abort(int code) {
    if (g_mpi) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

int seal_rank(void) { return g_rank; }
int seal_rank_size(void) { return g_size; }
#define STR2(x) #x
#define STR(x) STR2(x)
const char *seal_rank_support(void) {
    return "MPI (OpenMPI " STR(OMPI_MAJOR_VERSION) "." STR(OMPI_MINOR_VERSION) "." STR(OMPI_RELEASE_VERSION) ")";
}

static int mpi_fail(int code, const char *what, int peer) {
    char msg[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(code, msg, &n);
    return seal_err("MPI %s (rank %d with rank %d): %s", what, g_rank, peer, msg);
}

int seal_rank_send(int dest, int tag, const void *buf, size_t len) {
    if (len > (size_t)INT32_MAX) return seal_err("MPI send: message of %zu bytes is over 2 GiB", len);
    int rc = MPI_Send(buf, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(rc, "send", dest);
}

/* Wait, sleeping between probes (50 us growing to 2 ms), until a message from
 * src with tag is there or timeout_s has passed: 1 (st set), 0 or -1. */
static int wait_probe(int src, int tag, double timeout_s, MPI_Status *st) {
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long sleep_ns = 50000;
    for (;;) {
        int flag = 0, rc = MPI_Iprobe(src, tag, MPI_COMM_WORLD, &flag, st);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "probe", src);
        if (flag) return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
        if (timeout_s >= 0 && el >= timeout_s) return 0;
        struct timespec ts = {0, sleep_ns};
        nanosleep(&ts, NULL);
        if (sleep_ns < 2000000) sleep_ns *= 2;
    }
}

int seal_rank_recv(int src, int tag, double timeout_s, char **buf, size_t *len, int *from, int *got_tag) {
    MPI_Status st;
    int got = wait_probe(src < 0 ? MPI_ANY_SOURCE : src, tag < 0 ? MPI_ANY_TAG : tag, timeout_s, &st);
    if (got <= 0) return got;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    char *b = seal_malloc((size_t)count + 1);
    int rc = MPI_Recv(b, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) { free(b); return mpi_fail(rc, "receive", st.MPI_SOURCE); }
    b[count] = 0;
    *buf = b, *len = (size_t)count;
    if (from) *from = st.MPI_SOURCE;
    if (got_tag) *got_tag = st.MPI_TAG;
    return 1;
}

/* Receive exactly n elements of type t from src into x (polling). */
static int recv_into(void *x, size_t n, MPI_Datatype t, int src, int tag) {
    MPI_Status st;
    if (wait_probe(src, tag, -1, &st) < 0) return -1;
    int rc = MPI_Recv(x, (int)n, t, src, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(rc, "receive", src);
}

/* The scratch rank 0 receives each rank's part into: grown, never shrunk, so
 * that a training step allocates nothing once the first has run. */
static void *scratch;
static size_t scratch_bytes;

static int sum_ordered(void *x, size_t n, size_t elem, MPI_Datatype t) {
    if (g_size == 1) return 0;
    if (n > (size_t)INT32_MAX) return seal_err("MPI sum: %zu values is over the 2^31 a message holds", n);
    if (g_rank != 0) {
        int rc = MPI_Send(x, (int)n, t, 0, TAG_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "send", 0);
        return recv_into(x, n, t, 0, TAG_BCAST);
    }
    if (scratch_bytes < n * elem) {
        scratch = seal_realloc(scratch, n * elem);
        scratch_bytes = n * elem;
    }
    for (int r = 1; r < g_size; r++) {
        if (recv_into(scratch, n, t, r, TAG_SUM)) return -1;
        if (elem == sizeof(float))
            for (size_t i = 0; i < n; i++) ((float *)x)[i] += ((const float *)scratch)[i];
        else
            for (size_t i = 0; i < n; i++) ((double *)x)[i] += ((const double *)scratch)[i];
    }
    for (int r = 1; r < g_size; r++) {
        int rc = MPI_Send(x, (int)n, t, r, TAG_BCAST, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "send", r);
    }
    return 0;
}

int seal_rank_sum_f32(float *x, size_t n) { return sum_ordered(x, n, sizeof(float), MPI_FLOAT); }
int seal_rank_sum_f64(double *x, size_t n) { return sum_ordered(x, n, sizeof(double), MPI_DOUBLE); }

#endif
