/* farm.c: the job protocol over the rank layer (farm.h).
 *
 * Messages (tag: payload):
 *   REQ   rank -> 0: "" (first request), "R<result>" or "E<error>" for its last job
 *   JOB   0 -> rank: the job
 *   STOP  0 -> rank: no more jobs, ever
 *   LEAVE rank -> 0: the rank stops serving; a message saying why, or "" */
#include "rt/farm.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt/rank.h"
#include "util/err.h"

enum { TAG_REQ = 1, TAG_JOB = 2, TAG_STOP = 3, TAG_LEAVE = 4 };

/* What rank 0 knows of each rank (the table lives as long as the process). */
enum { R_UNHEARD, R_PARKED, R_BUSY, R_GONE, R_STOPPED };
static int *rstate, *rjob;
/* The first failure of a job every rank ran (seal_farm_all_begin). */
static int all_failed;
static char all_err[600];

/* Rank 0's view of one farm, shared with its local worker thread. */
typedef struct {
    const seal_farm *f;
    pthread_mutex_t mu;
    int next, failed, local_done;
    char err[768];
} farm_run;

static void note_failure(farm_run *q, int i, int rank, const char *why) {
    if (q->failed) return;
    q->failed = 1;
    if (i >= 0) snprintf(q->err, sizeof q->err, "%s (rank %d): %s", q->f->key(q->f->ctx, i), rank, why);
    else snprintf(q->err, sizeof q->err, "rank %d: %s", rank, why);
}

static void *local_worker(void *arg) {
    farm_run *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        int i = q->failed ? q->f->n : q->next++;
        pthread_mutex_unlock(&q->mu);
        if (i >= q->f->n) break;
        int rc = q->f->run_local(q->f->ctx, i);
        pthread_mutex_lock(&q->mu);
        if (rc) note_failure(q, i, 0, seal_errmsg());
        if (q->f->finished) q->f->finished(q->f->ctx, i);
        pthread_mutex_unlock(&q->mu);
    }
    pthread_mutex_lock(&q->mu);
    q->local_done = 1;
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static void ensure_table(void) {
    if (rstate) return;
    rstate = seal_calloc((size_t)seal_rank_size(), sizeof *rstate);
    rjob = seal_calloc((size_t)seal_rank_size(), sizeof *rjob);
}

/* A message from rank r (REQ or LEAVE) while a farm runs (q) or at stop (NULL). */
static void handle(farm_run *q, int r, int tag, const char *buf, size_t len) {
    if (tag == TAG_LEAVE) {
        if (q && (rstate[r] == R_BUSY || len)) {
            pthread_mutex_lock(&q->mu);
            note_failure(q, rstate[r] == R_BUSY ? rjob[r] : -1, r, len ? buf : "left the run");
            pthread_mutex_unlock(&q->mu);
        }
        rstate[r] = R_GONE;
        return;
    }
    if (tag != TAG_REQ) return;
    if (rstate[r] == R_BUSY && q) {
        int i = rjob[r], rc = 0;
        if (len && buf[0] == 'R') rc = q->f->accept(q->f->ctx, i, buf + 1, len - 1);
        pthread_mutex_lock(&q->mu);
        if (len && buf[0] == 'E') note_failure(q, i, r, buf + 1);
        else if (rc) note_failure(q, i, 0, seal_errmsg());
        if (q->f->finished) q->f->finished(q->f->ctx, i);
        pthread_mutex_unlock(&q->mu);
    }
    rstate[r] = R_PARKED;
}

/* Hand the next jobs to the parked ranks; the number of busy ranks, or -1. */
static int hand_out(farm_run *q) {
    int busy = 0;
    for (int r = 1; r < seal_rank_size(); r++) {
        pthread_mutex_lock(&q->mu);
        int i = rstate[r] == R_PARKED && !q->failed && q->next < q->f->n ? q->next++ : -1;
        pthread_mutex_unlock(&q->mu);
        if (i >= 0) {
            size_t len;
            char *job = q->f->describe(q->f->ctx, i, &len);
            int rc = seal_rank_send(r, TAG_JOB, job, len);
            free(job);
            if (rc) {
                pthread_mutex_lock(&q->mu);
                note_failure(q, i, r, seal_errmsg());
                pthread_mutex_unlock(&q->mu);
                rstate[r] = R_GONE;
                continue;
            }
            rstate[r] = R_BUSY, rjob[r] = i;
        }
        busy += rstate[r] == R_BUSY;
    }
    return busy;
}

int seal_farm_run(const seal_farm *f) {
    ensure_table();
    farm_run q = {.f = f};
    pthread_mutex_init(&q.mu, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, local_worker, &q)) q.local_done = 2; /* the other ranks take its share */
    for (;;) {
        int busy = hand_out(&q);
        pthread_mutex_lock(&q.mu);
        int over = q.local_done && busy == 0 && (q.failed || q.next >= f->n);
        pthread_mutex_unlock(&q.mu);
        if (over) break;
        char *buf = NULL;
        size_t len;
        int from, tag, got = seal_rank_recv(-1, -1, 0.05, &buf, &len, &from, &tag);
        if (got < 0) {
            pthread_mutex_lock(&q.mu);
            note_failure(&q, -1, 0, seal_errmsg());
            pthread_mutex_unlock(&q.mu);
            break; /* messaging itself failed: the launcher ends the job */
        }
        if (got) handle(&q, from, tag, buf, len);
        free(buf);
    }
    if (q.local_done != 2) pthread_join(th, NULL);
    pthread_mutex_destroy(&q.mu);
    return q.failed ? seal_err("%s", q.err) : 0;
}

/* Wait until rank r has said something since its last job (parked or gone). */
static int settle(int r) {
    while (rstate[r] == R_UNHEARD || rstate[r] == R_BUSY) {
        char *buf = NULL;
        size_t len;
        int tag;
        if (seal_rank_recv(r, -1, -1, &buf, &len, NULL, &tag) < 0) return -1;
        if (tag == TAG_REQ && rstate[r] == R_BUSY && len && buf[0] == 'E' && !all_failed) {
            all_failed = 1;
            snprintf(all_err, sizeof all_err, "rank %d: %s", r, buf + 1);
        }
        handle(NULL, r, tag, buf, len);
        free(buf);
    }
    return 0;
}

int seal_farm_all_begin(const char *job, size_t len) {
    if (seal_rank_size() == 1) return 1;
    ensure_table();
    int all = 1;
    for (int r = 1; r < seal_rank_size(); r++) {
        if (settle(r)) return -1;
        all &= rstate[r] == R_PARKED;
    }
    if (!all) return 0;
    all_failed = 0;
    for (int r = 1; r < seal_rank_size(); r++) {
        if (seal_rank_send(r, TAG_JOB, job, len)) return -1;
        rstate[r] = R_BUSY, rjob[r] = -1;
    }
    return 1;
}

int seal_farm_all_end(void) {
    for (int r = 1; r < seal_rank_size(); r++)
        if (settle(r)) return -1;
    return all_failed ? seal_err("%s", all_err) : 0;
}

static int served_to_end; /* this rank got STOP or sent LEAVE */

/* Test hook: SIGKILL this rank after it has sent n results. */
static void maybe_kill(long sent) {
    const char *r = getenv("SEAL_TEST_SIGKILL_RANK"), *n = getenv("SEAL_TEST_SIGKILL_AFTER");
    if (r && n && atoi(r) == seal_rank() && sent >= atol(n)) kill(getpid(), SIGKILL);
}

int seal_farm_serve(void *ctx, seal_farm_job_fn fn) {
    char *reply = seal_strdup("");
    size_t reply_len = 0;
    long sent = 0;
    for (;;) {
        int rc = seal_rank_send(0, TAG_REQ, reply, reply_len);
        free(reply);
        if (rc) return -1;
        if (reply_len) maybe_kill(++sent);
        char *job;
        size_t len;
        int tag;
        if (seal_rank_recv(0, -1, -1, &job, &len, NULL, &tag) < 0) return -1;
        if (tag == TAG_STOP) {
            free(job);
            served_to_end = 1;
            return 0;
        }
        char *res = NULL;
        size_t rlen = 0;
        if (fn(ctx, job, len, &res, &rlen) == 0) {
            reply = seal_malloc(rlen + 1);
            reply[0] = 'R';
            memcpy(reply + 1, res, rlen);
            reply_len = rlen + 1;
        } else {
            const char *e = seal_errmsg();
            reply_len = strlen(e) + 2; /* 'E', the message, its NUL */
            reply = seal_malloc(reply_len);
            reply[0] = 'E';
            memcpy(reply + 1, e, reply_len - 1);
        }
        free(res);
        free(job);
    }
}

void seal_farm_leave(const char *why) {
    if (seal_rank() == 0 || served_to_end) return;
    served_to_end = 1;
    seal_rank_send(0, TAG_LEAVE, why, strlen(why));
}

int seal_farm_join(int loaded, void *ctx, seal_farm_job_fn fn) {
    if (loaded == 0) return seal_farm_serve(ctx, fn);
    char why[600];
    snprintf(why, sizeof why, "cannot load the inputs: %s", seal_errmsg());
    seal_farm_leave(why);
    return -1;
}

void seal_farm_stop(void) {
    if (seal_rank_size() == 1) return;
    if (seal_rank() != 0) {
        seal_farm_leave("");
        return;
    }
    ensure_table();
    for (int r = 1; r < seal_rank_size(); r++) {
        if (settle(r)) return;
        if (rstate[r] == R_PARKED && seal_rank_send(r, TAG_STOP, "", 0) == 0) rstate[r] = R_STOPPED;
    }
}
