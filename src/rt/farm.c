/* farm.c: the job protocol over the rank layer (farm.h).
 *
 * Messages (tag: payload):
 *   REQ   rank -> 0: "" (first request), "R<result>" or "E<error>" for its last job
 *   JOB   0 -> rank: the job
 *   STOP  0 -> rank: no more jobs, ever
 *   LEAVE rank -> 0: the rank stops serving; a message saying why, or ""
 *   FETCH rank -> 0: a directory whose files the rank wants (seal_farm_fetch_dir)
 *   FILES 0 -> rank: "E<why>", or "N<count>"; then per file "<size> <name>" and
 *         its bytes in chunks (MPI keeps one sender's messages of a tag in order) */
#include "rt/farm.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt/rank.h"
#include "util/err.h"
#include "util/fsutil.h"

enum { TAG_REQ = 1, TAG_JOB = 2, TAG_STOP = 3, TAG_LEAVE = 4, TAG_FETCH = 5, TAG_FILES = 6 };

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

/* ------------------------------------------------- files for a rank (FETCH) */

/* The largest message a file travels in: 256 MiB, far under MPI's int count. */
static size_t fetch_chunk(void) {
    const char *v = getenv("SEAL_TEST_FETCH_CHUNK");
    long n = v ? atol(v) : 0;
    return n > 0 ? (size_t)n : (size_t)256 << 20;
}

/* The regular files of dir (their names, malloc'd; *n set), or NULL + seal_err. */
static char **list_files(const char *dir, int *n) {
    DIR *d = opendir(dir);
    if (!d) return seal_err("%s: %s", dir, strerror(errno)), NULL;
    char **names = NULL;
    int cap = 0;
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char *path = seal_path_join(dir, e->d_name);
        struct stat st;
        int reg = stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!reg) continue;
        if (*n == cap) names = seal_realloc(names, sizeof *names * (size_t)(cap = cap ? 2 * cap : 8));
        names[(*n)++] = seal_strdup(e->d_name);
    }
    closedir(d);
    return names ? names : seal_calloc(1, sizeof *names);
}

/* Send file dir/name to rank r: its header ("-1 name" when it cannot be
 * opened), then its bytes. A read failing midway sends an empty message, which
 * the rank takes as the end of the fetch. 0, or -1 (rank 0 sends no more). */
static int send_file(int r, const char *dir, const char *name, char *chunk, size_t cap) {
    char *path = seal_path_join(dir, name);
    FILE *f = fopen(path, "rb");
    struct stat st;
    int rc = f && fstat(fileno(f), &st) == 0 ? 0 : -1;
    char head[600];
    snprintf(head, sizeof head, "%lld %s", rc ? -1LL : (long long)st.st_size, name);
    if (seal_rank_send(r, TAG_FILES, head, strlen(head))) rc = -1;
    for (off_t left = rc ? 0 : st.st_size; left > 0 && rc == 0;) {
        size_t want = (size_t)left < cap ? (size_t)left : cap, got = fread(chunk, 1, want, f);
        if (got != want) {
            seal_rank_send(r, TAG_FILES, "", 0);
            rc = -1;
        } else if (seal_rank_send(r, TAG_FILES, chunk, got)) rc = -1;
        left -= (off_t)got;
    }
    if (f) fclose(f);
    free(path);
    return rc;
}

/* Rank 0: answer rank r's FETCH of dir. A failure to read goes to the rank as
 * its error; rank 0 goes on (the rank's job fails, naming it). */
static void serve_fetch(int r, const char *dir) {
    int n = 0;
    char **names = list_files(dir, &n), msg[700];
    if (!names) snprintf(msg, sizeof msg, "E%s (on rank 0)", seal_errmsg());
    else snprintf(msg, sizeof msg, "N%d", n);
    if (seal_rank_send(r, TAG_FILES, msg, strlen(msg)) || !names) return;
    size_t cap = fetch_chunk();
    char *chunk = seal_malloc(cap);
    for (int i = 0, ok = 1; i < n; i++) {
        if (ok && send_file(r, dir, names[i], chunk, cap)) ok = 0;
        free(names[i]);
    }
    free(names);
    free(chunk);
}

/* Receive one file of a FETCH of `from` into directory into. Its bytes are
 * drained even when writing fails, so that no message of it is left for a
 * later fetch. 0; 1 + seal_err when rank 0 ended the fetch (it sends no more);
 * -1 + seal_err otherwise. */
static int recv_file(const char *from, const char *into) {
    char *head = NULL, *buf = NULL;
    size_t len;
    if (seal_rank_recv(0, TAG_FILES, -1, &head, &len, NULL, NULL) < 0) return 1;
    long long size = -1;
    int name_at = 0;
    sscanf(head, "%lld %n", &size, &name_at);
    const char *name = head + name_at;
    if (size < 0 || name_at == 0 || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
        seal_err("%s: rank 0 could not read a file of it (%s)", from, head);
        free(head);
        return 1;
    }
    char *path = seal_path_join(into, name);
    FILE *f = fopen(path, "wb");
    int rc = f ? 0 : seal_err("%s: %s", path, strerror(errno));
    for (long long left = size; left > 0; left -= (long long)len) {
        if (seal_rank_recv(0, TAG_FILES, -1, &buf, &len, NULL, NULL) < 0) rc = 1;
        else if (len == 0 || (long long)len > left) rc = 1, seal_err("%s/%s: rank 0 could not read all of it", from, name);
        else if (rc == 0 && fwrite(buf, 1, len, f) != len) rc = seal_err("%s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
        if (rc == 1) break;
    }
    if (f && seal_fclose_checked(f, path) && rc == 0) rc = -1;
    free(path);
    free(head);
    return rc;
}

int seal_farm_fetch_dir(const char *dir, const char *into) {
    if (seal_rank() == 0) return seal_err("%s: rank 0 fetches nothing", dir);
    char *msg = NULL;
    size_t len;
    if (seal_rank_send(0, TAG_FETCH, dir, strlen(dir)) || seal_rank_recv(0, TAG_FILES, -1, &msg, &len, NULL, NULL) < 0)
        return -1;
    int n = 0, rc = msg[0] == 'N' && sscanf(msg + 1, "%d", &n) == 1 && n >= 0 ? 0
                    : seal_err("%s", msg[0] == 'E' ? msg + 1 : "rank 0 answered a fetch with something else");
    free(msg);
    char first[600] = "";
    for (int i = 0; i < n && rc == 0; i++) {
        int got = recv_file(dir, into); /* after a write failure, drain the rest: rank 0 sends it */
        if (got && !first[0]) snprintf(first, sizeof first, "%s", seal_errmsg());
        if (got == 1) break;
    }
    return first[0] ? seal_err("%s", first) : rc;
}

/* A message from rank r (REQ, LEAVE or FETCH) while a farm runs (q) or at stop (NULL). */
static void handle(farm_run *q, int r, int tag, const char *buf, size_t len) {
    if (tag == TAG_FETCH) {
        serve_fetch(r, buf);
        return;
    }
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
