/* serve_internal.h: the pieces of `seal serve` shared by its files (internal:
 * nothing outside src/serve/ includes it).
 *
 *   serve.c  HTTP (libmicrohttpd): connections, routes, auth, SSE streaming
 *   api.c    OpenAI request bodies -> jobs, results -> response bodies
 *   sched.c  the bounded queue, the continuous-batching scheduler, the adapters
 *   guard.c  the deadline for a request to arrive (slow senders)
 *
 * One mutex (srv->mu) guards the queue, every job's progress and the adapter
 * list; a job has its own condition variable for the connection waiting on it. */
#ifndef SEAL_SERVE_INTERNAL_H
#define SEAL_SERVE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "gen/generate.h"
#include "model/adapter.h"
#include "model/config.h"
#include "model/model.h"
#include "seal/inner.h"
#include "seal/squad.h"
#include "tok/prompts.h"
#include "serve/serve.h"
#include "tok/chat.h"
#include "tok/tokenizer.h"
#include "util/strbuf.h"

enum { SERVE_MAX_STOPS = 4, SERVE_MAX_STOP_LEN = 256 };

/* An adapter served by name; freed when unloaded and no job uses it. */
typedef struct lora_entry {
    char *name, *dir;
    seal_adapter ad;
    int refs;       /* 1 while registered, + 1 per job using it */
    struct lora_entry *next;
} lora_entry;

/* A request's generation settings (each sample decodes with its own). */
typedef struct {
    seal_sampling sampling;
    int max_new, ignore_eos;
    char *stops[SERVE_MAX_STOPS];
    int n_stops;
    lora_entry *lora; /* NULL: the base model */
} gen_key;

/* One request's generation. The connection and (once queued) the scheduler
 * each hold a reference; the last to let go frees it. */
typedef struct job {
    int *prompt_ids, n_ids;  /* prompt tokens */
    int n;                   /* samples */
    uint64_t seed;
    gen_key key;
    int chat, stream;
    int logprobs;            /* -1: none; else the top alternatives per token (0..5) */
    char *model;             /* the name the client asked for, echoed back */
    long id, created;
    /* progress, under srv->mu */
    strbuf *text;            /* [n] text so far (streamed as it grows) */
    int *finish;             /* [n] GEN_*, or -1 while running */
    int *n_tokens;           /* [n] new tokens */
    int **gen_ids;           /* [n] the new token ids (with logprobs) */
    double **lp, **top_lp;   /* [n][n_tokens], [n][n_tokens * logprobs] */
    int **top_ids;
    int done, failed, status; /* status: the HTTP status of a failure */
    int cancel;              /* the client went away: the scheduler frees its slots */
    int left;                /* samples still running (the scheduler's) */
    char *error;
    pthread_cond_t cv;
    int refs;
    struct job *next;        /* queue link */
} job;

typedef struct seal_serve_guard seal_serve_guard;

/* A /v1/adapt job (adapt.c). Its fields are written by the adapt thread;
 * status, cancel and self_edits are read and written under srv->mu. */
enum { ADAPT_QUEUED, ADAPT_GENERATING, ADAPT_TRAINING, ADAPT_EVALUATING, ADAPT_MERGING, ADAPT_SUCCEEDED,
       ADAPT_FAILED, ADAPT_CANCELLED };
typedef struct adapt_job {
    long id;
    char *name;                /* the adapter's name once registered */
    seal_passages ps;
    self_edit_kind prompt;
    int edit_tokens;
    seal_sampling sampling;
    unsigned long long seed;
    inner_opts inner;
    int status, cancel;
    int merge, merged;         /* "merge": true: fold the adapter into the served weights, not serve it by name */
    double mem_mb;             /* the job's estimated memory (--adapt-memory) */
    char *error;
    json_t *self_edits;
    double loss_first, loss_last, base_acc, adapted_acc;
    long steps;
    int n_questions;
    struct adapt_job *next;    /* srv->adapt_jobs, newest first */
} adapt_job;

struct seal_server {
    seal_serve_opts o;
    char *name;              /* served model name */
    seal_model m;
    seal_tokenizer *tok;
    chat_template chat;
    int has_chat;
    seal_gen_defaults gdef;
    struct MHD_Daemon *http;
    seal_pool *pool;
    pthread_t sched;
    int sched_started;
    pthread_mutex_t mu;
    pthread_cond_t work;     /* the queue got a job, or stopping */
    job *queue_head, *queue_tail;
    int queued, stopping;
    lora_entry *loras;
    long next_id, requests, batches; /* batches: decode steps */
    long cancelled_samples;  /* samples stopped because their client went away (the scheduler's) */
    int running;             /* samples in the decode batch now */
    long merges;             /* adapters folded into the served weights */
    /* A merge the adapt thread hands to the scheduler (under mu): state 1
     * pending, 2 done (merge_rc, merge_err). The scheduler applies it between
     * decode steps; the adapt thread is the only other reader of the weights
     * and waits meanwhile, so nothing reads them while they change. */
    const seal_adapter *merge_ad;
    int merge_state, merge_rc;
    char *merge_err;
    seal_dtype weights_dtype; /* the served weights' file dtype: a merge rounds to it */
    /* guard.c: open connections and the watchdog */
    pthread_mutex_t guard_mu;
    pthread_cond_t guard_cv;
    seal_serve_guard *guards;
    pthread_t guard_thread;
    int guard_started, guard_stop;
    /* adapt.c */
    adapt_job *adapt_jobs;
    pthread_cond_t adapt_cv;
    pthread_t adapt_thread;
    seal_pool *adapt_pool;
    int adapt_started;
    long next_adapt_id;
};

/* sched.c */
int seal_serve_sched_start(seal_server *s);
void seal_serve_sched_stop(seal_server *s);
/* Queue j (taking a reference for the scheduler); 0, or -1 when the queue is
 * full or the server is stopping (j untouched). */
int seal_serve_enqueue(seal_server *s, job *j);
/* Drop one reference to j (frees it with the last). Takes srv->mu itself. */
void seal_serve_job_release(seal_server *s, job *j);
/* Adapters by name. Lookup takes a reference (release with seal_serve_lora_release). */
lora_entry *seal_serve_lora_get(seal_server *s, const char *name);
void seal_serve_lora_release(seal_server *s, lora_entry *e);
/* 0, or an HTTP status (400, 404) with msg filled. */
int seal_serve_lora_load(seal_server *s, const char *name, const char *dir, char *msg, size_t cap);
int seal_serve_lora_unload(seal_server *s, const char *name, char *msg, size_t cap);
/* Register *a (moved: *a is left empty) as name; dir is a label for /v1/models. 0, or 400 + msg. */
int seal_serve_lora_add(seal_server *s, const char *name, const char *dir, seal_adapter *a, char *msg, size_t cap);

/* adapt.c */
int seal_serve_adapt_start(seal_server *s);
void seal_serve_adapt_stop(seal_server *s);
/* A job from a request body: 0 and *out, or 400 + msg. */
int seal_serve_adapt_parse(seal_server *s, json_t *body, adapt_job **out, char *msg, size_t cap);
/* Queue it (the server takes it, whatever the outcome): 0, or 400/404/429 + msg. */
int seal_serve_adapt_submit(seal_server *s, adapt_job *j, char *msg, size_t cap);
/* Under srv->mu: the job "adapt-N" or NULL, and a job's JSON. */
adapt_job *seal_serve_adapt_find(seal_server *s, const char *id);
json_t *seal_serve_adapt_json(const adapt_job *j);

/* guard.c: a connection's socket, watched from accept until its request has
 * arrived (mark 1); mark 0 restarts the clock for the next request. */
int seal_serve_guard_start(seal_server *s);
void seal_serve_guard_stop(seal_server *s);
seal_serve_guard *seal_serve_guard_add(seal_server *s, int fd);
void seal_serve_guard_remove(seal_server *s, seal_serve_guard *g);
void seal_serve_guard_mark(seal_server *s, seal_serve_guard *g, int arrived);
/* Whether the client closed the connection (NULL: no). No lock needed. */
int seal_serve_guard_hungup(const seal_serve_guard *g);

/* logprobs.c: lp[k] = log p(gen[k] | prompt, gen[..k)) under the raw model
 * (with adapter a, or none), and the top_n ids and log-probabilities at
 * each position ([n_gen][top_n]). 0, or -1 + seal_err. */
int seal_serve_logprobs(const seal_model *m, seal_pool *pool, const seal_adapter *a, const int *prompt, int n_prompt,
                        const int *gen, int n_gen, int top_n, double *lp, int *top_ids, double *top_lp);

/* api.c */
/* Build a job from a request body (chat: /v1/chat/completions). 0 and *out, or
 * an HTTP status (400, 404) with msg filled. */
int seal_serve_parse_request(seal_server *s, json_t *body, int chat, job **out, char *msg, size_t cap);
/* The non-streamed response body of a finished job (a new reference). */
json_t *seal_serve_response(const seal_server *s, const job *j);
/* One SSE chunk for sample i: its text delta (may be empty), the finish
 * reason when finish >= 0, and for chat the role on the first chunk. */
json_t *seal_serve_chunk(const seal_server *s, const job *j, int i, const char *delta, size_t len, int finish, int first);
json_t *seal_serve_models(seal_server *s);
/* {"error": {"message", "type", "param": null, "code"}} as OpenAI writes it. */
json_t *seal_serve_error_body(int status, const char *msg);
/* The text as a JSON string, ill-formed UTF-8 replaced by U+FFFD. */
json_t *seal_serve_json_text(const char *s, size_t n);

#endif
