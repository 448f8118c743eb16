/* farm.h: independent jobs handed out over MPI ranks (docs/scale-out.md).
 *
 * Rank 0 owns the run: it names the jobs, journals every result and makes
 * every decision; the other ranks only compute. A rank asks for its next job
 * when it has sent the result of the last, so fast and slow ranks balance.
 * Rank 0 computes too, one job at a time on a thread of its own, while its
 * main thread (the only one making MPI calls) hands out jobs and takes results.
 * Jobs and results travel as bytes (the callers use JSON); a job must carry
 * everything its result depends on, its randomness keyed by the job, so that
 * which rank ran it never shows in the result.
 *
 * Between farms (rank 0 generating, training, merging) the other ranks wait,
 * sleeping, on their last request; seal_farm_stop releases them at the end. */
#ifndef SEAL_RT_FARM_H
#define SEAL_RT_FARM_H

#include <stddef.h>

typedef struct {
    void *ctx;
    int n; /* jobs 0 .. n-1 */
    /* job i as the message another rank's serve function gets (malloc'd, *len set) */
    char *(*describe)(void *ctx, int i, size_t *len);
    /* rank 0 runs job i itself and journals it: 0, or -1 + seal_err */
    int (*run_local)(void *ctx, int i);
    /* rank 0 journals another rank's result of job i: 0, or -1 + seal_err */
    int (*accept)(void *ctx, int i, const char *result, size_t len);
    /* after each job, one call at a time (a progress bar); may be NULL */
    void (*finished)(void *ctx, int i);
    /* job i's name in error messages */
    const char *(*key)(void *ctx, int i);
} seal_farm;

/* Rank 0: run every job, on itself and on every rank that serves. After the
 * first failure no job is handed out, the running ones finish (their results
 * are accepted: finished work is never lost), and -1 comes back with the
 * message "<key> (rank r): <why>". A rank that leaves (seal_farm_leave) fails
 * the farm naming it. */
int seal_farm_run(const seal_farm *f);

/* Rank 0, between farms: hand every other rank the same job, to run together
 * with rank 0 (one data-parallel training, train/trainer.h). 1 when every rank
 * took it; 0, nothing sent, when a rank has left (rank 0 then goes alone);
 * -1 + seal_err. Then rank 0 does its part and calls seal_farm_all_end. */
int seal_farm_all_begin(const char *job, size_t len);
/* Wait for every rank's result of that job (discarded): 0, or -1 + seal_err
 * naming the first rank that failed. */
int seal_farm_all_end(void);

/* A rank's side: answer jobs until rank 0 says stop. fn computes one job into
 * *result (malloc'd); its failure (-1 + seal_err) goes to rank 0 as the job's
 * error, and the rank goes on. 0 after stop; -1 + seal_err when messaging fails.
 * Test hook: SEAL_TEST_SIGKILL_RANK=r and SEAL_TEST_SIGKILL_AFTER=n make rank r
 * SIGKILL itself once it has sent n results. */
typedef int (*seal_farm_job_fn)(void *ctx, const char *job, size_t len, char **result, size_t *rlen);
int seal_farm_serve(void *ctx, seal_farm_job_fn fn);

/* A rank that cannot serve (its inputs failed to load) tells rank 0 why. */
void seal_farm_leave(const char *why);
/* A rank's side once it loaded its inputs (loaded 0) or failed to (-1, the
 * error set): seal_farm_serve, or seal_farm_leave with "cannot load the
 * inputs: <error>" and -1. */
int seal_farm_join(int loaded, void *ctx, seal_farm_job_fn fn);

/* A rank other than 0, inside a job: copy the regular files of directory dir
 * as rank 0 sees it (files a rank 0 wrote into the run directory: a round's
 * model, an adapter) into the existing directory into, for a rank that does not
 * share rank 0's filesystem. Rank 0's main thread sends them while it hands out
 * jobs (or waits between farms), each file in messages of at most 256 MiB (MPI
 * counts are int; SEAL_TEST_FETCH_CHUNK=bytes makes them smaller, for tests).
 * Subdirectories are not copied. 0, or -1 + seal_err (rank 0 could not read
 * dir: its message; messaging failed; a file could not be written). */
int seal_farm_fetch_dir(const char *dir, const char *into);

/* Rank 0: wait for every rank still serving to be idle and tell it to stop.
 * Other ranks: tell rank 0 this one leaves, unless it was told to stop. The
 * CLI calls it before seal_rank_finalize; a no-op in a single process. */
void seal_farm_stop(void);

#endif
