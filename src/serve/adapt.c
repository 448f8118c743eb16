/* adapt.c: POST /v1/adapt, self-adaptation over HTTP (seal's extension of the
 * OpenAI API). A client sends passages in SEAL's knowledge format and a new
 * adapter name; a background job has the served model write one self-edit per
 * passage (the SEAL prompt, sampled), turns them into training sequences as
 * the inner loop does, finetunes one fresh LoRA adapter on all of them, and
 * registers it under the name. Passages that carry questions are also
 * answered before and after (greedy, exact match), and the job reports both
 * accuracies. Jobs run one at a time on their own thread pool
 * (--adapt-threads), beside serving: the served model is only read.
 *
 *   POST /v1/adapt            {"name", "passages": [{"title", "context", "questions"?}], "prompt"?,
 *                              "self_edit_tokens"?, "temperature"?, "top_p"?, "seed"?, "epochs"?, "lr"?,
 *                              "rank"?, "alpha"?, "targets"?}  -> 202 {"id": "adapt-N", "status": "queued", ...}
 *   GET  /v1/adapt/ID         the job: status, stage, self-edits, training loss, accuracies, error
 *   GET  /v1/adapt            every job
 *   POST /v1/adapt/ID/cancel  stop at the next stage boundary (the adapter is not registered) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt/threadpool.h"
#include "seal/grade.h"
#include "seal/inner.h"
#include "seal/selfedit.h"
#include "serve/serve_internal.h"
#include "tok/prompts.h"
#include "util/err.h"
#include "util/json_load.h"

enum { ADAPT_MAX_PASSAGES = 64, ADAPT_MAX_JOBS = 64 };

static const char *status_name(int st) {
    static const char *n[] = {"queued", "generating", "training", "evaluating", "merging", "succeeded", "failed",
                              "cancelled"};
    return n[st];
}

/* ---- the request ---- */

typedef struct {
    char *msg;
    size_t cap;
} errbuf;

static int bad(errbuf *e, const char *fmt, const char *a) {
    snprintf(e->msg, e->cap, fmt, a);
    return 400;
}

static const char *str_field(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* passages[i] into p: title and context strings, questions optional. */
static int parse_passage(json_t *v, seal_passage *p, errbuf *e) {
    const char *t = str_field(v, "title"), *c = str_field(v, "context");
    if (!t || !c || !*c) return bad(e, "%s", "every passage needs \"title\" and a non-empty \"context\" (strings)");
    p->title = seal_strdup(t);
    p->context = seal_strdup(c);
    json_t *qs = json_object_get(v, "questions");
    if (!qs || json_is_null(qs)) return 0;
    if (!json_is_array(qs) || json_array_size(qs) > 256)
        return bad(e, "%s", "\"questions\" must be an array of at most 256 {\"question\", \"answer\"}");
    p->qa = seal_calloc(json_array_size(qs) + 1, sizeof *p->qa);
    for (size_t i = 0; i < json_array_size(qs); i++) {
        const char *q = str_field(json_array_get(qs, i), "question"), *a = str_field(json_array_get(qs, i), "answer");
        if (!q || !a) return bad(e, "%s", "every question needs \"question\" and \"answer\" strings");
        p->qa[p->n_qa++] = (seal_qa){seal_strdup(q), seal_strdup(a)};
    }
    return 0;
}

static int get_num(json_t *body, const char *k, double lo, double hi, double *out, errbuf *e) {
    json_t *v = json_object_get(body, k);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi)) {
        char m[160];
        snprintf(m, sizeof m, "'%s' must be a number in [%g, %g]", k, lo, hi);
        return bad(e, "%s", m);
    }
    *out = json_number_value(v);
    return 0;
}

static int parse_settings(seal_server *s, json_t *body, adapt_job *j, errbuf *e) {
    double tokens = s->o.adapt_edit_tokens, temp = 1.0, top_p = 0.95, seed = 0, epochs = j->inner.epochs,
           lr = j->inner.lr, rank = j->inner.rank, alpha = j->inner.alpha;
    if (get_num(body, "self_edit_tokens", 1, s->o.adapt_edit_tokens, &tokens, e) ||
        get_num(body, "temperature", 0, 100, &temp, e) || get_num(body, "top_p", 1e-6, 1, &top_p, e) ||
        get_num(body, "seed", 0, 9007199254740991.0, &seed, e) || get_num(body, "epochs", 1, 100, &epochs, e) ||
        get_num(body, "lr", 1e-8, 1, &lr, e) || get_num(body, "rank", 1, 256, &rank, e) ||
        get_num(body, "alpha", 1e-6, 1e6, &alpha, e))
        return 400;
    const char *targets = str_field(body, "targets");
    if (targets && seal_adapter_parse_targets(targets, &j->inner.targets)) return bad(e, "'targets': %s", seal_errmsg());
    const char *prompt = str_field(body, "prompt");
    if (prompt && seal_self_edit_parse(prompt, &j->prompt)) return bad(e, "'prompt': %s", seal_errmsg());
    j->edit_tokens = (int)tokens;
    j->sampling = seal_sampling_defaults();
    j->sampling.temperature = (float)temp;
    j->sampling.top_p = (float)top_p;
    j->seed = (unsigned long long)seed;
    j->inner.epochs = (int)epochs;
    j->inner.lr = lr;
    j->inner.rank = (int)rank;
    j->inner.alpha = (float)alpha;
    return 0;
}

static void adapt_free(adapt_job *j) {
    seal_passages_free(&j->ps);
    json_decref(j->self_edits);
    free(j->name); free(j->error);
    free(j);
}

/* ---- the memory budget ---- */

/* Tokens of a passage as a training sequence may hold it. */
static int passage_tokens(seal_server *s, const seal_passage *p) {
    int *ids = NULL, n = 0, total = 0;
    if (seal_tok_encode(s->tok, p->title, strlen(p->title), 0, &ids, &n) == 0) total += n;
    free(ids);
    ids = NULL;
    if (seal_tok_encode(s->tok, p->context, strlen(p->context), 0, &ids, &n) == 0) total += n;
    free(ids);
    return total;
}

/* What a job may allocate, in bytes, before it starts: the self-edit
 * generation's KV cache and scratch (exact, seal_gen_memory's terms), the
 * adapter with its gradient and two Adam moments (exact), and the training
 * activations of the longest sequence (an upper estimate from the layer's
 * buffers: the sequence is at most a passage, its self-edit and the prompt
 * around them). The served model's weights are shared and not counted, nor
 * (a merge) their one-time f32 copy. */
static double job_bytes(seal_server *s, const adapt_job *j) {
    const seal_config *c = &s->m.cfg;
    int longest = 0, threads = s->o.adapt_threads;
    for (int i = 0; i < j->ps.n; i++) {
        int n = passage_tokens(s, &j->ps.p[i]);
        longest = n > longest ? n : longest;
    }
    int L = longest + j->edit_tokens + 128;
    double gen = (double)seal_kv_bytes(c, j->ps.n, L) + (double)seal_fwd_bytes(c, 256, L, threads) +
                 4.0 * 16 * c->vocab;
    double params = 0;
    for (int mod = 0; mod < MOD_COUNT; mod++) {
        int in, out;
        if (!(j->inner.targets & (1u << mod))) continue;
        seal_adapter_module_shape(c, mod, &in, &out);
        params += (double)c->n_layers * j->inner.rank * (in + out);
    }
    double qd = (double)c->n_heads * c->head_dim, kvd = (double)c->n_kv_heads * c->head_dim;
    double per_token = c->n_layers * (6.0 * c->hidden + 2 * qd + c->n_heads + 2.0 * c->ffn + 7.0 * j->inner.rank) +
                       8.0 * c->hidden + 3 * qd + 2 * kvd + 3.0 * c->ffn + 2.0 * c->vocab;
    double train = 16.0 * params + 4.0 * per_token * L + (double)seal_kv_bytes(c, 1, L) +
                   (double)seal_fwd_bytes(c, L, L, threads);
    return gen > train ? gen : train; /* the stages run one after another */
}

/* --adapt-memory: refuse a job whose estimate is over the budget. */
static int check_memory(seal_server *s, adapt_job *j, errbuf *e) {
    j->mem_mb = job_bytes(s, j) / (1024.0 * 1024.0);
    if (s->o.adapt_memory_mb <= 0 || j->mem_mb <= s->o.adapt_memory_mb) return 0;
    snprintf(e->msg, e->cap,
             "this adaptation job needs about %.1f MB (%d passages, the longest with %d self-edit tokens, rank %d), "
             "more than --adapt-memory %d MB: send fewer or shorter passages, fewer 'self_edit_tokens' or a lower "
             "'rank', or start seal serve with a larger --adapt-memory",
             j->mem_mb, j->ps.n, j->edit_tokens, j->inner.rank, s->o.adapt_memory_mb);
    return 400;
}

int seal_serve_adapt_parse(seal_server *s, json_t *body, adapt_job **out, char *msg, size_t cap) {
    errbuf e = {msg, cap};
    const char *name = str_field(body, "name");
    json_t *ps = json_object_get(body, "passages");
    if (!json_is_object(body) || !name || !*name || strlen(name) > 128)
        return bad(&e, "%s", "'name' (the new adapter's name, 1 to 128 bytes) is required");
    if (!json_is_array(ps) || json_array_size(ps) == 0 || json_array_size(ps) > ADAPT_MAX_PASSAGES) {
        char m[128];
        snprintf(m, sizeof m, "'passages' must be an array of 1 to %d passages", ADAPT_MAX_PASSAGES);
        return bad(&e, "%s", m);
    }
    json_t *merge = json_object_get(body, "merge");
    if (merge && !json_is_boolean(merge) && !json_is_null(merge)) return bad(&e, "%s", "'merge' must be true or false");
    adapt_job *j = seal_calloc(1, sizeof *j);
    j->name = seal_strdup(name);
    j->prompt = SELF_EDIT_IMPLICATIONS;
    j->inner = seal_inner_opts_defaults();
    j->ps.p = seal_calloc(json_array_size(ps), sizeof *j->ps.p);
    int rc = parse_settings(s, body, j, &e);
    for (size_t i = 0; i < json_array_size(ps) && !rc; i++, j->ps.n++)
        rc = parse_passage(json_array_get(ps, i), &j->ps.p[i], &e);
    j->merge = json_is_true(merge);
    if (!rc) rc = check_memory(s, j, &e);
    if (rc) { adapt_free(j); return rc; }
    *out = j;
    return 0;
}

/* ---- the job ---- */

static void set_status(seal_server *s, adapt_job *j, int st) {
    pthread_mutex_lock(&s->mu);
    j->status = st;
    pthread_mutex_unlock(&s->mu);
}

static int cancelled(seal_server *s, adapt_job *j) {
    pthread_mutex_lock(&s->mu);
    int c = j->cancel || s->stopping;
    pthread_mutex_unlock(&s->mu);
    return c;
}

/* One self-edit per passage, one seal_generate call. */
static int write_self_edits(seal_server *s, adapt_job *j, char **edits) {
    int n = j->ps.n, rc = 0;
    gen_request *reqs = seal_calloc((size_t)n, sizeof *reqs);
    gen_sample *out = seal_calloc((size_t)n, sizeof *out);
    int **ids = seal_calloc((size_t)n, sizeof *ids);
    for (int i = 0; i < n && rc == 0; i++) {
        char *prompt = seal_self_edit_prompt(j->prompt, j->ps.p[i].title, j->ps.p[i].context);
        int len = 0;
        rc = seal_tok_encode(s->tok, prompt, strlen(prompt), 1, &ids[i], &len);
        reqs[i] = (gen_request){.ids = ids[i], .n = len, .n_samples = 1, .seed = j->seed + 1000u * (unsigned)i};
        free(prompt);
    }
    gen_params p = {.max_new = j->edit_tokens, .sampling = j->sampling, .eos_ids = s->m.cfg.eos_ids,
                    .n_eos = s->m.cfg.n_eos, .tok = s->tok, .max_positions = s->m.cfg.max_pos};
    if (rc == 0) rc = seal_generate(&s->m, s->adapt_pool, reqs, n, &p, out, NULL, NULL, NULL);
    for (int i = 0; i < n; i++) {
        if (rc == 0) edits[i] = seal_py_strip_dup(out[i].text ? out[i].text : ""); /* the reference strips */
        seal_gen_sample_free(&out[i]);
        free(ids[i]);
    }
    free(ids); free(out); free(reqs);
    return rc;
}

/* Every passage's training sequences, as the inner loop builds them. */
static int sequences(adapt_job *j, char **edits, char ***all, int *n_all) {
    seq_opts so = seal_seq_opts_default();
    *all = NULL;
    *n_all = 0;
    for (int i = 0; i < j->ps.n; i++) {
        char **seqs;
        int n;
        if (seal_selfedit_sequences(j->ps.p[i].title, j->ps.p[i].context, edits[i], &so, &seqs, &n)) return -1;
        *all = seal_realloc(*all, sizeof(char *) * (size_t)(*n_all + n + 1));
        memcpy(*all + *n_all, seqs, sizeof(char *) * (size_t)n);
        *n_all += n;
        free(seqs);
    }
    return 0;
}

/* Exact-match accuracy over every question, with the adapter or without. */
static int evaluate(seal_server *s, adapt_job *j, const seal_adapter *a, double *acc, int *n_q) {
    int right = 0, total = 0;
    for (int i = 0; i < j->ps.n; i++) {
        if (!j->ps.p[i].n_qa) continue;
        qa_result r;
        if (seal_answer_questions(&s->m, s->adapt_pool, s->tok, a, &j->ps.p[i], &j->inner, &r)) return -1;
        for (int q = 0; q < r.n_q; q++) right += r.correct[q];
        total += r.n_q;
        seal_qa_result_free(&r);
    }
    *acc = total ? (double)right / total : 0;
    *n_q = total;
    return 0;
}

/* Hand the adapter to the scheduler, which folds it into the served weights
 * between two decode steps, and wait for it. 0, or -1 + seal_err. */
static int merge(seal_server *s, adapt_job *j, const seal_adapter *a) {
    set_status(s, j, ADAPT_MERGING);
    pthread_mutex_lock(&s->mu);
    s->merge_ad = a;
    s->merge_state = 1;
    pthread_cond_signal(&s->work);
    while (s->merge_state == 1) pthread_cond_wait(&s->adapt_cv, &s->mu);
    int rc = s->merge_rc;
    char *err = s->merge_err;
    s->merge_state = 0;
    s->merge_ad = NULL;
    s->merge_err = NULL;
    j->merged = rc == 0;
    pthread_mutex_unlock(&s->mu);
    if (rc) rc = seal_err("merging the adapter into the served model: %s", err ? err : "failed");
    free(err);
    return rc;
}

/* Generate, train, evaluate, register (or merge). 0, or -1 + seal_err (cancel: 0 with
 * the status set). */
static int run_job(seal_server *s, adapt_job *j) {
    char **edits = seal_calloc((size_t)j->ps.n, sizeof *edits), **seqs = NULL;
    int n_seqs = 0, rc = 0;
    seal_adapter ad = {0};
    set_status(s, j, ADAPT_GENERATING);
    rc = write_self_edits(s, j, edits);
    if (rc == 0) {
        json_t *arr = json_array();
        for (int i = 0; i < j->ps.n; i++) json_array_append_new(arr, seal_serve_json_text(edits[i], strlen(edits[i])));
        pthread_mutex_lock(&s->mu);
        j->self_edits = arr;
        pthread_mutex_unlock(&s->mu);
    }
    if (rc == 0 && !cancelled(s, j)) {
        set_status(s, j, ADAPT_TRAINING);
        qa_result tr;
        rc = sequences(j, edits, &seqs, &n_seqs);
        if (rc == 0) rc = seal_inner_train(&s->m, s->adapt_pool, s->tok, seqs, n_seqs, &j->inner, j->seed, NULL, &ad, &tr);
        if (rc == 0) { j->loss_first = tr.train_loss_first; j->loss_last = tr.train_loss_last; j->steps = tr.train_steps; }
    }
    if (rc == 0 && ad.store && !cancelled(s, j)) {
        set_status(s, j, ADAPT_EVALUATING);
        rc = evaluate(s, j, NULL, &j->base_acc, &j->n_questions);
        if (rc == 0) rc = evaluate(s, j, &ad, &j->adapted_acc, &j->n_questions);
    }
    if (rc == 0 && ad.store && !cancelled(s, j) && j->merge) rc = merge(s, j, &ad);
    else if (rc == 0 && ad.store && !cancelled(s, j)) {
        char label[64], msg[512];
        snprintf(label, sizeof label, "(adapt-%ld)", j->id);
        if (seal_serve_lora_add(s, j->name, label, &ad, msg, sizeof msg)) rc = seal_err("%s", msg);
    }
    if (ad.store) seal_adapter_free(&ad);
    for (int i = 0; i < j->ps.n; i++) free(edits[i]);
    free(edits);
    seal_selfedit_free(seqs, n_seqs);
    return rc;
}

/* The oldest job still queued (the list is newest first). Under srv->mu. */
static adapt_job *oldest_queued(seal_server *s) {
    adapt_job *found = NULL;
    for (adapt_job *q = s->adapt_jobs; q; q = q->next)
        if (q->status == ADAPT_QUEUED) found = q;
    return found;
}

static void *adapt_main(void *arg) {
    seal_server *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        adapt_job *j;
        while (!s->stopping && !(j = oldest_queued(s))) pthread_cond_wait(&s->adapt_cv, &s->mu);
        if (s->stopping) break;
        j->status = ADAPT_GENERATING;
        pthread_mutex_unlock(&s->mu);
        int rc = run_job(s, j);
        const char *err = rc ? seal_errmsg() : NULL;
        pthread_mutex_lock(&s->mu);
        if (rc) { j->status = ADAPT_FAILED; j->error = seal_strdup(err); }
        else j->status = (j->cancel || s->stopping) && !j->merged ? ADAPT_CANCELLED : ADAPT_SUCCEEDED; /* a merge is done */
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Forget the oldest finished jobs beyond ADAPT_MAX_JOBS. Under srv->mu. */
static void prune(seal_server *s) {
    int n = 0;
    for (adapt_job **link = &s->adapt_jobs; *link;) {
        adapt_job *q = *link;
        int finished = q->status >= ADAPT_SUCCEEDED;
        if (++n > ADAPT_MAX_JOBS && finished) { *link = q->next; adapt_free(q); continue; }
        link = &q->next;
    }
}

int seal_serve_adapt_submit(seal_server *s, adapt_job *j, char *msg, size_t cap) {
    pthread_mutex_lock(&s->mu);
    int queued = 0, taken = !strcmp(j->name, s->name);
    for (adapt_job *q = s->adapt_jobs; q; q = q->next) {
        queued += q->status < ADAPT_SUCCEEDED;
        taken |= q->status < ADAPT_SUCCEEDED && !strcmp(q->name, j->name);
    }
    for (lora_entry *e = s->loras; e; e = e->next) taken |= !strcmp(e->name, j->name);
    int st = !s->adapt_started ? 404 : taken ? 400 : queued >= s->o.adapt_queue ? 429 : 0;
    if (st == 0) {
        j->id = ++s->next_adapt_id;
        j->next = s->adapt_jobs;
        s->adapt_jobs = j;
        prune(s);
        pthread_cond_signal(&s->adapt_cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (st)
        snprintf(msg, cap, "%s", st == 404 ? "self-adaptation is off (--adapt-threads 0)"
                                 : st == 400 ? "the name is already served or being adapted"
                                             : "too many adaptation jobs waiting: retry later");
    if (st) adapt_free(j);
    return st;
}

json_t *seal_serve_adapt_json(const adapt_job *j) {
    char id[32];
    snprintf(id, sizeof id, "adapt-%ld", j->id);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "id", id, "object", "adapt.job", "adapter", j->name,
                          "status", status_name(j->status), "passages", j->ps.n, "prompt", seal_self_edit_name(j->prompt));
    if (j->self_edits) json_object_set(r, "self_edits", j->self_edits);
    if (j->steps)
        json_object_set_new(r, "train", json_pack("{s:I, s:o, s:o}", "steps", (json_int_t)j->steps, "loss_first",
                                                  seal_json_real(j->loss_first), "loss_last", seal_json_real(j->loss_last)));
    if (j->n_questions && j->status >= ADAPT_SUCCEEDED)
        json_object_set_new(r, "eval", json_pack("{s:i, s:s, s:o, s:o}", "questions", j->n_questions, "grader",
                                                 "exact match", "base_accuracy", seal_json_real(j->base_acc),
                                                 "adapted_accuracy", seal_json_real(j->adapted_acc)));
    json_object_set_new(r, "merge", json_boolean(j->merge));
    if (j->merge) json_object_set_new(r, "merged", json_boolean(j->merged));
    json_object_set_new(r, "memory_mb", seal_json_real(j->mem_mb));
    if (j->error) json_object_set_new(r, "error", seal_serve_json_text(j->error, strlen(j->error)));
    return r;
}

/* The job named "adapt-N", under srv->mu. */
adapt_job *seal_serve_adapt_find(seal_server *s, const char *id) {
    char *end;
    if (strncmp(id, "adapt-", 6)) return NULL;
    long n = strtol(id + 6, &end, 10);
    if (*end || end == id + 6) return NULL;
    for (adapt_job *q = s->adapt_jobs; q; q = q->next)
        if (q->id == n) return q;
    return NULL;
}

int seal_serve_adapt_start(seal_server *s) {
    if (s->o.adapt_threads <= 0) return 0;
    if (!(s->adapt_pool = seal_pool_create(s->o.adapt_threads))) return -1;
    pthread_cond_init(&s->adapt_cv, NULL);
    if (pthread_create(&s->adapt_thread, NULL, adapt_main, s)) return seal_err("serve: cannot start the adapt thread");
    s->adapt_started = 1;
    return 0;
}

/* Called with s->stopping set: the running job ends at its next stage boundary. */
void seal_serve_adapt_stop(seal_server *s) {
    if (s->adapt_started) {
        pthread_mutex_lock(&s->mu);
        pthread_cond_broadcast(&s->adapt_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->adapt_thread, NULL);
        pthread_cond_destroy(&s->adapt_cv);
        s->adapt_started = 0;
    }
    while (s->adapt_jobs) {
        adapt_job *q = s->adapt_jobs;
        s->adapt_jobs = q->next;
        adapt_free(q);
    }
    if (s->adapt_pool) seal_pool_destroy(s->adapt_pool);
    s->adapt_pool = NULL;
}
