/* rank.h: the process's place in a run spread over MPI ranks (docs/scale-out.md).
 *
 * A seal built with OpenMPI (the Makefile defines SEAL_HAVE_MPI when `mpicc` or
 * pkg-config's ompi-c is found) joins the MPI job when a launcher started it
 * (mpirun, srun: OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK in the
 * environment); started any other way it is one process of one rank, exactly as
 * before, and MPI is never initialized. A seal built without MPI is always one
 * rank, and refuses to run as one of several (it would write the same run
 * directory N times), naming how to get MPI support.
 *
 * Messages are point to point, and every wait polls with a short sleep: an idle
 * rank (waiting while rank 0 generates self-edits or trains) takes no CPU from
 * the ranks that work, which a spinning MPI_Recv would on an oversubscribed
 * machine. Only the thread that called seal_rank_init makes MPI calls
 * (MPI_THREAD_FUNNELED). */
#ifndef SEAL_RT_RANK_H
#define SEAL_RT_RANK_H

#include <stddef.h>

/* Join the MPI job when launched as one of its ranks; 0, or -1 + seal_err (a
 * non-MPI build launched as one of several ranks; MPI_Init failing). */
int seal_rank_init(int *argc, char ***argv);
/* Leave it (MPI_Finalize; call seal_farm_stop first, so that no rank waits on
 * a message that never comes). A no-op in a single process. */
void seal_rank_finalize(void);
/* End the whole job now (MPI_Abort) with exit code code: the way a rank that
 * cannot go on stops the others. A plain exit in a single process. */
void seal_rank_abort(int code);

int seal_rank(void);      /* 0 .. seal_rank_size() - 1; 0 in a single process */
int seal_rank_size(void); /* 1 in a single process */
/* "MPI (OpenMPI 4.1.4)" or "no MPI (build with libopenmpi-dev for it)". */
const char *seal_rank_support(void);

/* Send len bytes to rank dest under tag (>= 0). 0 or -1 + seal_err. */
int seal_rank_send(int dest, int tag, const void *buf, size_t len);
/* Receive the next message from src (-1: any rank) whose tag is tag (-1: any),
 * waiting at most timeout_s seconds (< 0: for ever) with a sleeping poll. 1 and
 * *buf (malloc'd, NUL-terminated past len; the caller frees), *len, *from,
 * *got_tag set; 0 when the time ran out; -1 + seal_err. */
int seal_rank_recv(int src, int tag, double timeout_s, char **buf, size_t *len, int *from, int *got_tag);

/* Sum x[0..n) over every rank in rank order ((x_0 + x_1) + x_2 ...), the same
 * bits on every rank afterwards whatever the transport: a gather to rank 0 and
 * a broadcast back, never MPI_Allreduce (whose summation order depends on the
 * algorithm OpenMPI picks). Every rank calls it with the same n. */
int seal_rank_sum_f32(float *x, size_t n);
int seal_rank_sum_f64(double *x, size_t n);

/* Did any rank fail to get ready (failed != 0 on it)? Every rank calls it at
 * the same point before a collective step (data-parallel training), so that
 * none starts a sum the others never join. 1 when one did, with seal_err set
 * on the ranks that did not fail themselves ("another rank could not <what>
 * (rank 0 says why)"); 0 when none did. One process: failed != 0. */
int seal_rank_any_failed(int failed, const char *what);

#endif
