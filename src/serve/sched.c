/* sched.c: the bounded queue, the scheduler that decodes every running
 * request together (continuous batching), and the adapters served by name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kern/ops.h"
#include "model/forward.h"
#include "model/merge.h"
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

/* ---- continuous batching ----
 *
 * The scheduler keeps up to --max-batch samples in KV slots and advances them
 * one step at a time. Before each step it admits queued requests (oldest
 * first) into free slots; a new sample's prompt goes into the cache in chunks
 * (at most PREFILL_CHUNK prompt tokens per step, so a long prompt never stalls
 * the others for long) in the same forward calls as the running samples'
 * decode tokens; when its prompt is in, it samples its first token and decodes
 * with the rest. A finished sample leaves its slot at once. Samples with
 * different adapters share a step as one forward call per adapter. The
 * forward pass is bitwise independent of batching (model/forward.h) and each
 * sample draws from its own sampler seeded with seed + i, so a sample's
 * tokens are exactly seal_generate's for the same prompt and seed, whatever
 * it was batched with (tested against `seal generate`). */

enum { LOGIT_ROWS = 16, PREFILL_CHUNK = 256, MAX_GROUPS = 4, MIN_LEN = 512 };

typedef struct {
    job *j;            /* NULL: the slot is free */
    int sample, group;
    int prompt_len, limit, n_new, fed; /* fed: prompt tokens in the cache */
    int *hist;         /* [max_len] prompt + new ids */
    seal_sampler sampler;
    tok_stream ts;
    strbuf text;       /* the decoded new text */
    size_t emitted, max_stop;
} sslot;

/* One forward scratch per adapter that running samples use (group 0: the base). */
typedef struct {
    lora_entry *lora;
    seal_fwd f;
    int users, live;
} fgroup;

typedef struct {
    seal_server *s;
    int n_slots, max_len, cap, active;
    sslot *slots;
    seal_kvcache kv;
    fgroup g[MAX_GROUPS];
    int *tok, *seq, *pos, *rows; /* [cap] the step's tokens; rows: slots to sample */
    float *hidden, *hsel, *logits;
    char *piece;
    size_t piece_cap;
    long step_delay_ms; /* test hook SEAL_TEST_SERVE_STEP_MS: sleep after each step */
} engine;

/* KV cache and forward scratch for max_len positions per slot. */
static int engine_alloc(engine *e, int max_len) {
    e->max_len = max_len;
    if (seal_kv_init(&e->kv, &e->s->m.cfg, e->n_slots, max_len)) return -1;
    for (int k = 0; k < MAX_GROUPS; k++) {
        if (!e->g[k].live) continue;
        if (seal_fwd_init(&e->g[k].f, &e->s->m, e->s->pool, e->cap, max_len)) return -1;
        seal_fwd_set_adapter(&e->g[k].f, e->g[k].lora ? &e->g[k].lora->ad : NULL);
    }
    return 0;
}

static void engine_release(engine *e) {
    seal_kv_free(&e->kv);
    for (int k = 0; k < MAX_GROUPS; k++)
        if (e->g[k].live) seal_fwd_free(&e->g[k].f);
}

static int engine_init(engine *e, seal_server *s) {
    memset(e, 0, sizeof *e);
    e->s = s;
    e->n_slots = s->o.max_batch;
    e->cap = e->n_slots + PREFILL_CHUNK;
    e->slots = seal_calloc((size_t)e->n_slots, sizeof *e->slots);
    e->g[0].live = 1;
    int H = s->m.cfg.hidden, V = s->m.cfg.vocab;
    e->tok = seal_malloc(sizeof(int) * (size_t)e->cap);
    e->seq = seal_malloc(sizeof(int) * (size_t)e->cap);
    e->pos = seal_malloc(sizeof(int) * (size_t)e->cap);
    e->rows = seal_malloc(sizeof(int) * (size_t)e->cap);
    e->hidden = seal_aligned_alloc(sizeof(float) * (size_t)e->cap * H);
    e->hsel = seal_aligned_alloc(sizeof(float) * (size_t)e->cap * H);
    e->logits = seal_aligned_alloc(sizeof(float) * (size_t)LOGIT_ROWS * V);
    e->piece_cap = s->tok ? seal_tok_stream_max_out(s->tok) : 0;
    e->piece = seal_malloc(e->piece_cap + 1);
    /* Test hook: a slow decode step, so that a test can fill the queue on any
     * machine however fast (tests/serve/test_serve.sh's 429 check). */
    const char *delay = getenv("SEAL_TEST_SERVE_STEP_MS");
    e->step_delay_ms = delay ? atol(delay) : 0;
    int len = s->m.cfg.max_pos < MIN_LEN ? s->m.cfg.max_pos : MIN_LEN;
    return engine_alloc(e, len);
}

static void engine_free(engine *e) {
    engine_release(e);
    free(e->slots); free(e->tok); free(e->seq); free(e->pos); free(e->rows);
    free(e->hidden); free(e->hsel); free(e->logits); free(e->piece);
}

/* New tokens a sample of job j may get: max_tokens, or what is left of the
 * model's context (seal_generate's rule with max_positions = max_pos). */
static int job_limit(const seal_server *s, const job *j) {
    int room = s->m.cfg.max_pos - j->n_ids;
    return room < j->key.max_new ? room : j->key.max_new;
}

/* The group of adapter l (a free one is opened), or -1 when all are taken. */
static int group_for(engine *e, lora_entry *l) {
    if (!l) return 0;
    int free_k = -1;
    for (int k = 1; k < MAX_GROUPS; k++) {
        if (e->g[k].live && e->g[k].lora == l) return k;
        if (!e->g[k].live && free_k < 0) free_k = k;
    }
    if (free_k < 0) return -1;
    fgroup *g = &e->g[free_k];
    if (seal_fwd_init(&g->f, &e->s->m, e->s->pool, e->cap, e->max_len)) return -1;
    seal_fwd_set_adapter(&g->f, &l->ad);
    g->lora = l;
    g->live = 1;
    g->users = 0;
    return free_k;
}

/* ---- finishing ---- */

/* Hand the slot's new text to the job (under srv->mu): all of it when done,
 * else what cannot be the start of a stop string. */
static void emit(engine *e, sslot *sl, int done) {
    size_t end = sl->text.len;
    if (!done && sl->max_stop > 1) end = end > sl->max_stop - 1 ? end - (sl->max_stop - 1) : 0;
    if (end <= sl->emitted) return;
    pthread_mutex_lock(&e->s->mu);
    seal_strbuf_put(&sl->j->text[sl->sample], sl->text.s + sl->emitted, end - sl->emitted);
    if (sl->j->stream) pthread_cond_signal(&sl->j->cv); /* a non-streamed reply waits for the end only */
    pthread_mutex_unlock(&e->s->mu);
    sl->emitted = end;
}

/* The logprobs of every sample, once all are done (before the job is marked
 * done: the connection reads them after). */
static int job_logprobs(seal_server *s, job *j) {
    int rc = 0, top = j->logprobs;
    for (int i = 0; i < j->n && rc == 0; i++) {
        size_t n = (size_t)(j->n_tokens[i] ? j->n_tokens[i] : 1);
        j->lp[i] = seal_malloc(sizeof(double) * n);
        j->top_lp[i] = seal_malloc(sizeof(double) * n * (size_t)(top ? top : 1));
        j->top_ids[i] = seal_malloc(sizeof(int) * n * (size_t)(top ? top : 1));
        rc = seal_serve_logprobs(&s->m, s->pool, j->key.lora ? &j->key.lora->ad : NULL, j->prompt_ids, j->n_ids,
                                 j->gen_ids[i], j->n_tokens[i], top, j->lp[i], j->top_ids[i], j->top_lp[i]);
    }
    return rc;
}

/* Mark j done (or failed with status and msg) and drop the scheduler's reference. */
static void job_done(seal_server *s, job *j, int status, const char *msg) {
    pthread_mutex_lock(&s->mu);
    if (status) { j->failed = 1; j->status = status; j->error = seal_strdup(msg); }
    j->done = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&s->mu);
    seal_serve_job_release(s, j);
}

/* Free slot k; the job is finished when it was its last running sample. */
static void slot_leave(engine *e, int k) {
    sslot *sl = &e->slots[k];
    job *j = sl->j;
    seal_sampler_free(&sl->sampler);
    if (e->s->tok) seal_tok_stream_free(&sl->ts);
    seal_strbuf_free(&sl->text);
    sl->j = NULL;
    e->active--;
    e->g[sl->group].users--; /* an unused adapter group is closed after the step (gc_groups) */
    if (--j->left > 0) return;
    if (j->cancel) { job_done(e->s, j, 499, "the client went away"); return; }
    int rc = j->logprobs >= 0 ? job_logprobs(e->s, j) : 0;
    job_done(e->s, j, rc ? 500 : 0, rc ? seal_errmsg() : NULL);
}

static void slot_finish(engine *e, int k, int why) {
    sslot *sl = &e->slots[k];
    job *j = sl->j;
    if (e->s->tok && why != GEN_STOP) { /* flush held-back partial UTF-8 */
        size_t n = 0;
        if (seal_tok_stream_flush(&sl->ts, e->piece, e->piece_cap, &n) == 0) seal_strbuf_put(&sl->text, e->piece, n);
    }
    emit(e, sl, 1);
    if (j->gen_ids) {
        j->gen_ids[sl->sample] = seal_malloc(sizeof(int) * (size_t)(sl->n_new ? sl->n_new : 1));
        memcpy(j->gen_ids[sl->sample], sl->hist + sl->prompt_len, sizeof(int) * (size_t)sl->n_new);
    }
    pthread_mutex_lock(&e->s->mu);
    j->finish[sl->sample] = why;
    j->n_tokens[sl->sample] = sl->n_new;
    pthread_mutex_unlock(&e->s->mu);
    slot_leave(e, k);
}

/* Append a sampled token to slot k; it leaves when finished (seal_generate's
 * rules: EOS, a stop string, max_tokens, the context). */
static void accept(engine *e, int k, int id) {
    sslot *sl = &e->slots[k];
    const gen_key *key = &sl->j->key;
    sl->hist[sl->prompt_len + sl->n_new++] = id;
    for (int i = 0; i < (key->ignore_eos ? 0 : e->s->m.cfg.n_eos); i++)
        if (id == e->s->m.cfg.eos_ids[i]) { slot_finish(e, k, GEN_EOS); return; }
    if (e->s->tok) {
        size_t n = 0, old = sl->text.len;
        if (seal_tok_stream_push(&sl->ts, id, e->piece, e->piece_cap, &n)) n = 0;
        seal_strbuf_put(&sl->text, e->piece, n);
        size_t cut = seal_gen_find_stop((const char *const *)key->stops, key->n_stops, sl->text.s, sl->text.len, old);
        if (cut != SIZE_MAX) { sl->text.len = cut; sl->text.s[cut] = '\0'; slot_finish(e, k, GEN_STOP); return; }
    }
    if (sl->n_new >= sl->limit) { slot_finish(e, k, sl->limit < key->max_new ? GEN_CONTEXT : GEN_LENGTH); return; }
    emit(e, sl, 0);
}

/* ---- admission ---- */

static void slot_enter(engine *e, int k, job *j, int sample, int group) {
    sslot *sl = &e->slots[k];
    memset(sl, 0, sizeof *sl);
    sl->j = j;
    sl->sample = sample;
    sl->group = group;
    sl->prompt_len = j->n_ids;
    sl->limit = job_limit(e->s, j);
    for (int i = 0; i < j->key.n_stops; i++)
        if (strlen(j->key.stops[i]) > sl->max_stop) sl->max_stop = strlen(j->key.stops[i]);
    seal_sampler_init(&sl->sampler, &j->key.sampling, e->s->m.cfg.vocab, j->seed + (uint64_t)sample);
    if (e->s->tok) seal_tok_stream_init(&sl->ts, e->s->tok, 1);
    e->g[group].users++;
    e->active++;
}

static int free_slots(const engine *e) { return e->n_slots - e->active; }

/* Take queued jobs, oldest first, while the oldest fits (free slots for its
 * samples, room in the cache, an adapter group). Jobs whose client went away
 * are dropped. Under srv->mu; returns the jobs taken through out. */
static int take_jobs(engine *e, job **out) {
    seal_server *s = e->s;
    int nb = 0, free_n = free_slots(e);
    while (s->queue_head) {
        job *j = s->queue_head;
        if (!j->cancel && (j->n > free_n || j->n_ids + job_limit(s, j) > e->max_len)) break;
        s->queue_head = j->next;
        if (!s->queue_head) s->queue_tail = NULL;
        s->queued--;
        out[nb++] = j;
        if (!j->cancel) free_n -= j->n;
    }
    return nb;
}

/* Grow the cache for the oldest queued job when nothing runs (its prompt and
 * max_tokens need more positions than the cache has); shrink it back when idle. */
static int resize(engine *e, int need) {
    if (need == e->max_len) return 0;
    engine_release(e);
    return engine_alloc(e, need);
}

/* Put job j's samples into free slots. 0, or -1 when no adapter group is free
 * (the job goes back to the head of the queue). */
static int admit(engine *e, job *j) {
    int group = group_for(e, j->key.lora);
    if (group < 0) return -1;
    if (j->logprobs >= 0) {
        j->gen_ids = seal_calloc((size_t)j->n, sizeof *j->gen_ids);
        j->lp = seal_calloc((size_t)j->n, sizeof *j->lp);
        j->top_lp = seal_calloc((size_t)j->n, sizeof *j->top_lp);
        j->top_ids = seal_calloc((size_t)j->n, sizeof *j->top_ids);
    }
    j->left = j->n;
    for (int i = 0, k = 0; i < j->n; i++) {
        while (e->slots[k].j) k++;
        int *hist = e->slots[k].hist;
        slot_enter(e, k, j, i, group);
        e->slots[k].hist = hist ? hist : seal_malloc(sizeof(int) * (size_t)e->s->m.cfg.max_pos);
        memcpy(e->slots[k].hist, j->prompt_ids, sizeof(int) * (size_t)j->n_ids);
    }
    return 0;
}

static void requeue_front(seal_server *s, job *j) {
    pthread_mutex_lock(&s->mu);
    j->next = s->queue_head;
    s->queue_head = j;
    if (!s->queue_tail) s->queue_tail = j;
    s->queued++;
    pthread_mutex_unlock(&s->mu);
}

/* ---- one step ---- */

/* Sample the rows n of group g's forward call that end a prompt or decode. */
static int sample_rows(engine *e, fgroup *g, int n) {
    int H = e->s->m.cfg.hidden, V = e->s->m.cfg.vocab;
    for (int r = 0; r < n; r += LOGIT_ROWS) {
        int rows = n - r < LOGIT_ROWS ? n - r : LOGIT_ROWS;
        seal_fwd_logits(&g->f, e->hsel + (size_t)r * H, rows, e->logits);
        for (int i = 0; i < rows; i++) {
            int k = e->rows[r + i];
            sslot *sl = &e->slots[k];
            float *row = e->logits + (size_t)i * V;
            int bad = seal_first_nonfinite(row, V);
            if (bad >= 0)
                return seal_err("serve: the model's logit for token %d at position %d is %g, not a finite number", bad,
                                sl->prompt_len + sl->n_new - 1, (double)row[bad]);
            accept(e, k, seal_sampler_next(&sl->sampler, row, sl->hist, sl->prompt_len + sl->n_new));
        }
    }
    return 0;
}

/* One forward call for group gi: every decoding sample's last token, then
 * prompt tokens of entering samples up to the step's prefill budget. */
static int step_group(engine *e, int gi) {
    fgroup *g = &e->g[gi];
    int n = 0, nr = 0, H = e->s->m.cfg.hidden, budget = PREFILL_CHUNK;
    for (int k = 0; k < e->n_slots; k++) {
        sslot *sl = &e->slots[k];
        if (!sl->j || sl->group != gi || sl->fed < sl->prompt_len) continue;
        e->tok[n] = sl->hist[sl->prompt_len + sl->n_new - 1];
        e->seq[n] = k;
        e->pos[n] = sl->prompt_len + sl->n_new - 1;
        e->rows[nr++] = k;
        n++;
    }
    int n_dec = n;
    for (int k = 0; k < e->n_slots && budget > 0; k++) {
        sslot *sl = &e->slots[k];
        if (!sl->j || sl->group != gi || sl->fed >= sl->prompt_len) continue;
        int take = sl->prompt_len - sl->fed < budget ? sl->prompt_len - sl->fed : budget;
        for (int i = 0; i < take; i++, n++) { e->tok[n] = sl->hist[sl->fed + i]; e->seq[n] = k; e->pos[n] = sl->fed + i; }
        sl->fed += take;
        budget -= take;
        if (sl->fed == sl->prompt_len) e->rows[nr++] = -1 - (n - 1); /* the prompt's last row: sample */
    }
    if (n == 0) return 0;
    if (seal_fwd_tokens(&g->f, &e->kv, n, e->tok, e->seq, e->pos, e->hidden)) return -1;
    for (int r = 0; r < nr; r++) {
        int at = r < n_dec ? r : -1 - e->rows[r];
        if (r >= n_dec) e->rows[r] = e->seq[at];
        memcpy(e->hsel + (size_t)r * H, e->hidden + (size_t)at * H, sizeof(float) * (size_t)H);
    }
    return sample_rows(e, g, nr);
}

/* Close the adapter groups no sample uses any more (between steps: a group's
 * forward scratch is in use until its step ends). */
static void gc_groups(engine *e) {
    for (int gi = 1; gi < MAX_GROUPS; gi++)
        if (e->g[gi].live && e->g[gi].users == 0) { seal_fwd_free(&e->g[gi].f); e->g[gi].live = 0; e->g[gi].lora = NULL; }
}

/* Samples whose client went away leave (their job is answered 499, unread). */
static void drop_cancelled(engine *e) {
    for (int k = 0; k < e->n_slots; k++) {
        sslot *sl = &e->slots[k];
        if (!sl->j) continue;
        pthread_mutex_lock(&e->s->mu);
        int c = sl->j->cancel;
        e->s->cancelled_samples += c;
        pthread_mutex_unlock(&e->s->mu);
        if (c) slot_leave(e, k);
    }
}

static int step(engine *e) {
    drop_cancelled(e);
    int rc = 0;
    for (int gi = 0; gi < MAX_GROUPS && rc == 0; gi++)
        if (e->g[gi].live && e->g[gi].users > 0) rc = step_group(e, gi);
    gc_groups(e);
    if (rc) return -1;
    pthread_mutex_lock(&e->s->mu);
    e->s->batches++;
    e->s->running = e->active;
    pthread_mutex_unlock(&e->s->mu);
    if (e->step_delay_ms > 0)
        nanosleep(&(struct timespec){e->step_delay_ms / 1000, (e->step_delay_ms % 1000) * 1000000L}, NULL);
    return 0;
}

/* A failed step fails every running job (500) and frees their slots. */
static void fail_all(engine *e, const char *msg) {
    for (int k = 0; k < e->n_slots; k++) {
        sslot *sl = &e->slots[k];
        if (!sl->j) continue;
        job *j = sl->j;
        pthread_mutex_lock(&e->s->mu);
        if (!j->failed) { j->failed = 1; j->status = 500; j->error = seal_strdup(msg); }
        pthread_mutex_unlock(&e->s->mu);
        j->logprobs = -1;
        slot_leave(e, k);
    }
}

/* Answer what is still queued at shutdown with 503. */
static void drain(seal_server *s) {
    pthread_mutex_lock(&s->mu);
    job *j = s->queue_head;
    s->queue_head = s->queue_tail = NULL;
    s->queued = 0;
    pthread_mutex_unlock(&s->mu);
    while (j) {
        job *next = j->next;
        job_done(s, j, 503, "the server is shutting down");
        j = next;
    }
}

/* Fold a pending /v1/adapt merge into the served weights, between steps.
 * Samples running now go on with the merged weights (their earlier tokens'
 * KV came from the old ones); adapters served by name stay, applied over
 * the merged weights. The first merge copies the weights to owned f32
 * (seal_model_to_f32); each merge rounds them to the file's dtype, as a
 * merged model saved and loaded again would hold. */
static void apply_merge(seal_server *s) {
    pthread_mutex_lock(&s->mu);
    const seal_adapter *a = s->merge_state == 1 ? s->merge_ad : NULL;
    pthread_mutex_unlock(&s->mu);
    if (!a) return;
    if (!s->m.owned) seal_model_to_f32(&s->m);
    int rc = seal_merge_adapter_in_memory(&s->m, a, s->weights_dtype);
    pthread_mutex_lock(&s->mu);
    s->merge_state = 2;
    s->merge_rc = rc;
    if (rc) s->merge_err = seal_strdup(seal_errmsg());
    else s->merges++;
    pthread_cond_broadcast(&s->adapt_cv);
    pthread_mutex_unlock(&s->mu);
}

/* Admit what fits from the queue (growing the cache first when idle). */
static void admit_queued(engine *e, job **taken) {
    seal_server *s = e->s;
    pthread_mutex_lock(&s->mu);
    job *head = s->queue_head;
    int need = head ? head->n_ids + job_limit(s, head) : 0, base = s->m.cfg.max_pos < MIN_LEN ? s->m.cfg.max_pos : MIN_LEN;
    pthread_mutex_unlock(&s->mu);
    if (e->active == 0 && (need > e->max_len || (!head && e->max_len > base)))
        if (resize(e, need > base ? need : base)) { fail_all(e, seal_errmsg()); return; }
    pthread_mutex_lock(&s->mu);
    int nb = take_jobs(e, taken);
    pthread_mutex_unlock(&s->mu);
    for (int b = 0; b < nb; b++) {
        job *j = taken[b];
        if (j->cancel) {
            pthread_mutex_lock(&s->mu);
            s->cancelled_samples += j->n;
            pthread_mutex_unlock(&s->mu);
            job_done(s, j, 499, "the client went away");
            continue;
        }
        if (admit(e, j) == 0) continue;
        for (int r = nb - 1; r >= b; r--) requeue_front(s, taken[r]); /* no adapter group free: wait */
        break;
    }
}

static void *sched_main(void *arg) {
    seal_server *s = arg;
    engine e;
    job **taken = seal_malloc(sizeof(job *) * (size_t)s->o.max_batch);
    int ok = engine_init(&e, s) == 0;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (ok && !s->queue_head && e.active == 0 && !s->stopping && s->merge_state != 1)
            pthread_cond_wait(&s->work, &s->mu);
        int stop = s->stopping || !ok;
        pthread_mutex_unlock(&s->mu);
        if (stop && e.active == 0) break;
        apply_merge(s);
        if (!stop) admit_queued(&e, taken);
        if (e.active && step(&e)) { fail_all(&e, seal_errmsg()); gc_groups(&e); }
    }
    drain(s);
    pthread_mutex_lock(&s->mu);
    if (s->merge_state == 1) { /* stopping: the merge is not applied */
        s->merge_state = 2;
        s->merge_rc = -1;
        s->merge_err = seal_strdup("the server is shutting down");
        pthread_cond_broadcast(&s->adapt_cv);
    }
    pthread_mutex_unlock(&s->mu);
    for (int k = 0; k < e.n_slots; k++) free(e.slots[k].hist);
    engine_free(&e);
    free(taken);
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
