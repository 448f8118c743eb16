/* sched.c: the bounded queue, the scheduler that batches queued requests into
 * one seal_generate call, and the adapters served by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/peft.h"
#include "rt/threadpool.h"
#include "serve/serve_internal.h"
#include "util/err.h"

/* ---- jobs ---- */

static void job_free(job *j) {
    for (int i = 0; i < j->n && j->text; i++) seal_strbuf_free(&j->text[i]);
    for (int i = 0; i < j->n && j->lp; i++) { free(j->gen_ids[i]); free(j->lp[i]); free(j->top_lp[i]); free(j->top_ids[i]); }
    free(j->gen_ids); free(j->lp); free(j->top_lp); free(j->top_ids);
    for (int i = 0; i < j->key.n_stops; i++) free(j->key.stops[i]);
    free(j->text); free(j->finish); free(j->n_tokens);
    free(j->prompt_ids); free(j->model); free(j->error);
    pthread_cond_destroy(&j->cv);
    free(j);
}

void seal_serve_job_release(seal_server *s, job *j) {
    if (!j) return;
    pthread_mutex_lock(&s->mu);
    int last = --j->refs == 0;
    lora_entry *e = last ? j->key.lora : NULL;
    pthread_mutex_unlock(&s->mu);
    if (!last) return;
    seal_serve_lora_release(s, e);
    job_free(j);
}

int seal_serve_enqueue(seal_server *s, job *j) {
    pthread_mutex_lock(&s->mu);
    int ok = !s->stopping && s->queued < s->o.max_queue;
    if (ok) {
        j->refs++;
        j->next = NULL;
        if (s->queue_tail) s->queue_tail->next = j; else s->queue_head = j;
        s->queue_tail = j;
        s->queued++;
        pthread_cond_signal(&s->work);
    }
    pthread_mutex_unlock(&s->mu);
    return ok ? 0 : -1;
}

/* ---- batching ---- */

static int same_key(const gen_key *a, const gen_key *b) {
    const seal_sampling *x = &a->sampling, *y = &b->sampling;
    if (x->temperature != y->temperature || x->top_k != y->top_k || x->top_p != y->top_p || x->min_p != y->min_p ||
        x->repetition_penalty != y->repetition_penalty)
        return 0;
    if (a->max_new != b->max_new || a->ignore_eos != b->ignore_eos || a->lora != b->lora || a->n_stops != b->n_stops)
        return 0;
    for (int i = 0; i < a->n_stops; i++)
        if (strcmp(a->stops[i], b->stops[i])) return 0;
    return 1;
}

/* Take the oldest job and every later one with the same key while the
 * samples fit max_batch (the oldest always goes: n <= max_n <= max_batch).
 * Under srv->mu. Returns the jobs taken. */
static int take_batch(seal_server *s, job **batch) {
    job *first = s->queue_head, **link = &s->queue_head, *prev = NULL;
    int nb = 0, samples = 0;
    for (job *j = s->queue_head; j;) {
        job *next = j->next;
        if (j == first || (same_key(&j->key, &first->key) && samples + j->n <= s->o.max_batch)) {
            batch[nb++] = j;
            samples += j->n;
            *link = next;
            s->queued--;
        } else {
            link = &j->next;
            prev = j;
        }
        j = next;
    }
    s->queue_tail = prev;
    return nb;
}

typedef struct {
    seal_server *s;
    job **jobs;
    int *first; /* [nb] the batch's slot index of each job's sample 0 */
} stream_ctx;

/* seal_generate's stream callback: its sample index is the slot in the whole
 * batch (generate.c's emit passes the slot), so subtract the job's first. */
static void on_text(void *ctx, int req, int slot, const char *text, size_t len) {
    stream_ctx *c = ctx;
    job *j = c->jobs[req];
    pthread_mutex_lock(&c->s->mu);
    seal_strbuf_put(&j->text[slot - c->first[req]], text, len);
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&c->s->mu);
}

static void finish_jobs(seal_server *s, job **jobs, int nb, const gen_sample *out, int rc, const char *err) {
    pthread_mutex_lock(&s->mu);
    for (int b = 0, k = 0; b < nb; k += jobs[b]->n, b++) {
        job *j = jobs[b];
        for (int i = 0; i < j->n && rc == 0; i++) {
            const gen_sample *o = &out[k + i];
            seal_strbuf_clear(&j->text[i]);
            seal_strbuf_put(&j->text[i], o->text ? o->text : "", o->text ? o->text_len : 0);
            j->finish[i] = o->finish;
            j->n_tokens[i] = o->n;
        }
        if (rc) { j->failed = 1; j->status = 500; j->error = seal_strdup(err); }
        j->done = 1;
        pthread_cond_broadcast(&j->cv);
    }
    s->batches++;
    pthread_mutex_unlock(&s->mu);
}

/* The logprobs of every sample of the jobs that asked for them (before they
 * are marked done: the connection reads them after). */
static int add_logprobs(seal_server *s, job **jobs, int nb, gen_sample *out) {
    int rc = 0;
    for (int b = 0, k = 0; b < nb && rc == 0; k += jobs[b]->n, b++) {
        job *j = jobs[b];
        if (j->logprobs < 0) continue;
        int top = j->logprobs;
        j->gen_ids = seal_calloc((size_t)j->n, sizeof *j->gen_ids);
        j->lp = seal_calloc((size_t)j->n, sizeof *j->lp);
        j->top_lp = seal_calloc((size_t)j->n, sizeof *j->top_lp);
        j->top_ids = seal_calloc((size_t)j->n, sizeof *j->top_ids);
        for (int i = 0; i < j->n && rc == 0; i++) {
            gen_sample *o = &out[k + i];
            size_t n = (size_t)(o->n ? o->n : 1);
            j->gen_ids[i] = seal_malloc(sizeof(int) * n);
            memcpy(j->gen_ids[i], o->ids, sizeof(int) * (size_t)o->n);
            j->lp[i] = seal_malloc(sizeof(double) * n);
            j->top_lp[i] = seal_malloc(sizeof(double) * n * (size_t)(top ? top : 1));
            j->top_ids[i] = seal_malloc(sizeof(int) * n * (size_t)(top ? top : 1));
            rc = seal_serve_logprobs(&s->m, s->pool, j->key.lora ? &j->key.lora->ad : NULL, j->prompt_ids, j->n_ids,
                                     o->ids, o->n, top, j->lp[i], j->top_ids[i], j->top_lp[i]);
        }
    }
    return rc;
}

/* Run one batch: one seal_generate call for all its jobs' samples. */
static void run_batch(seal_server *s, job **jobs, int nb, gen_request *reqs, int *first) {
    const gen_key *k = &jobs[0]->key;
    int total = 0;
    for (int b = 0; b < nb; b++) {
        reqs[b] = (gen_request){.ids = jobs[b]->prompt_ids, .n = jobs[b]->n_ids, .n_samples = jobs[b]->n, .seed = jobs[b]->seed};
        first[b] = total;
        total += jobs[b]->n;
    }
    gen_params p = {.max_new = k->max_new, .sampling = k->sampling, .eos_ids = k->ignore_eos ? NULL : s->m.cfg.eos_ids,
                    .n_eos = k->ignore_eos ? 0 : s->m.cfg.n_eos, .stops = (const char *const *)k->stops,
                    .n_stops = k->n_stops, .tok = s->tok, .adapter = k->lora ? &k->lora->ad : NULL,
                    .max_positions = s->m.cfg.max_pos};
    gen_sample *out = seal_calloc((size_t)total, sizeof *out);
    stream_ctx c = {s, jobs, first};
    int gen_rc = seal_generate(&s->m, s->pool, reqs, nb, &p, out, on_text, &c, NULL);
    int rc = gen_rc ? gen_rc : add_logprobs(s, jobs, nb, out);
    finish_jobs(s, jobs, nb, out, rc, rc ? seal_errmsg() : NULL);
    for (int i = 0; i < total && gen_rc == 0; i++) seal_gen_sample_free(&out[i]);
    free(out);
    for (int b = 0; b < nb; b++) seal_serve_job_release(s, jobs[b]);
}

/* Answer what is still queued at shutdown with 503: mark the jobs under
 * srv->mu, then drop the scheduler's references outside it. */
static void drain(seal_server *s) {
    job *j = s->queue_head;
    s->queue_head = s->queue_tail = NULL;
    s->queued = 0;
    for (job *q = j; q; q = q->next) {
        q->failed = 1; q->status = 503; q->done = 1;
        q->error = seal_strdup("the server is shutting down");
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&s->mu);
    while (j) {
        job *next = j->next;
        seal_serve_job_release(s, j);
        j = next;
    }
    pthread_mutex_lock(&s->mu);
}

static void *sched_main(void *arg) {
    seal_server *s = arg;
    job **batch = seal_malloc(sizeof(job *) * (size_t)s->o.max_batch);
    gen_request *reqs = seal_malloc(sizeof(gen_request) * (size_t)s->o.max_batch);
    int *first = seal_malloc(sizeof(int) * (size_t)s->o.max_batch);
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->queue_head && !s->stopping) pthread_cond_wait(&s->work, &s->mu);
        if (s->stopping) break;
        int nb = take_batch(s, batch);
        pthread_mutex_unlock(&s->mu);
        run_batch(s, batch, nb, reqs, first);
        pthread_mutex_lock(&s->mu);
    }
    drain(s);
    pthread_mutex_unlock(&s->mu);
    free(batch); free(reqs); free(first);
    return NULL;
}

int seal_serve_sched_start(seal_server *s) {
    if (pthread_create(&s->sched, NULL, sched_main, s)) return seal_err("serve: cannot start the scheduler thread");
    s->sched_started = 1;
    return 0;
}

void seal_serve_sched_stop(seal_server *s) {
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->mu);
    if (s->sched_started) pthread_join(s->sched, NULL);
    s->sched_started = 0;
}

/* ---- adapters ---- */

static lora_entry *find_lora(seal_server *s, const char *name) {
    for (lora_entry *e = s->loras; e; e = e->next)
        if (!strcmp(e->name, name)) return e;
    return NULL;
}

lora_entry *seal_serve_lora_get(seal_server *s, const char *name) {
    pthread_mutex_lock(&s->mu);
    lora_entry *e = find_lora(s, name);
    if (e) e->refs++;
    pthread_mutex_unlock(&s->mu);
    return e;
}

void seal_serve_lora_release(seal_server *s, lora_entry *e) {
    if (!e) return;
    pthread_mutex_lock(&s->mu);
    int last = --e->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (!last) return;
    seal_adapter_free(&e->ad);
    free(e->name); free(e->dir); free(e);
}

/* vLLM's messages: "The lora adapter '%s' has already been loaded." (400) and
 * "The lora adapter '%s' cannot be found." (404). */
int seal_serve_lora_load(seal_server *s, const char *name, const char *dir, char *msg, size_t cap) {
    pthread_mutex_lock(&s->mu);
    int exists = !strcmp(name, s->name) || find_lora(s, name);
    pthread_mutex_unlock(&s->mu);
    if (exists) {
        snprintf(msg, cap, "The lora adapter '%s' has already been loaded.", name);
        return 400;
    }
    lora_entry *e = seal_calloc(1, sizeof *e);
    if (seal_peft_load(&e->ad, &s->m.cfg, dir)) {
        snprintf(msg, cap, "cannot load the lora adapter '%s': %s", name, seal_errmsg());
        seal_adapter_free(&e->ad);
        free(e);
        return 400;
    }
    e->name = seal_strdup(name);
    e->dir = seal_strdup(dir);
    e->refs = 1;
    pthread_mutex_lock(&s->mu);
    int clash = find_lora(s, name) != NULL; /* loaded meanwhile by another request */
    if (!clash) { e->next = s->loras; s->loras = e; }
    pthread_mutex_unlock(&s->mu);
    if (clash) {
        seal_serve_lora_release(s, e);
        snprintf(msg, cap, "The lora adapter '%s' has already been loaded.", name);
        return 400;
    }
    return 0;
}

int seal_serve_lora_unload(seal_server *s, const char *name, char *msg, size_t cap) {
    pthread_mutex_lock(&s->mu);
    lora_entry **link = &s->loras, *e = NULL;
    for (; *link; link = &(*link)->next)
        if (!strcmp((*link)->name, name)) { e = *link; *link = e->next; break; }
    pthread_mutex_unlock(&s->mu);
    if (!e) {
        snprintf(msg, cap, "The lora adapter '%s' cannot be found.", name);
        return 404;
    }
    seal_serve_lora_release(s, e); /* running jobs keep it alive until they finish */
    return 0;
}

int seal_serve_lora_add(seal_server *s, const char *name, const char *dir, seal_adapter *a, char *msg, size_t cap) {
    lora_entry *e = seal_calloc(1, sizeof *e);
    e->name = seal_strdup(name);
    e->dir = seal_strdup(dir);
    e->refs = 1;
    pthread_mutex_lock(&s->mu);
    int clash = !strcmp(name, s->name) || find_lora(s, name);
    if (!clash) {
        e->ad = *a;
        memset(a, 0, sizeof *a);
        e->next = s->loras;
        s->loras = e;
    }
    pthread_mutex_unlock(&s->mu);
    if (!clash) return 0;
    free(e->name); free(e->dir); free(e);
    snprintf(msg, cap, "The lora adapter '%s' has already been loaded.", name);
    return 400;
}
