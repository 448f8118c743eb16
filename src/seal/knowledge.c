#include "seal/knowledge.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/generate.h"
#include "kern/matmul.h"
#include "model/merge.h"
#include "model/peft.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "rt/threadpool.h"
#include "seal/journal.h"
#include "seal/transfer.h"
#include "seal/knowledge_run.h"
#include "seal/outer_sft.h"
#include "seal/report.h"
#include "seal/stats.h"
#include "seal/squad.h"
#include "train/dataset.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_load.h"
#include "util/progress.h"
#include "util/run_record.h"
#include "util/strbuf.h"

knowledge_opts seal_knowledge_opts_defaults(void) {
    knowledge_opts o = {.rounds = 2, .passages_per_round = 50, .k = 5, .reps = 3, .eval_passages = 200, .eval_reps = 1,
                        .subset_seed = 42, .seed = 1, .prompt = SELF_EDIT_IMPLICATIONS, .max_new_edit = 8192,
                        .gen_batch = 8, .sft_rank = 64, .sft_alpha = 128, .sft_targets = (1u << MOD_COUNT) - 1,
                        .sft_lr = 3e-4, .sft_epochs = 2, .sft_batch = 1, .sft_accum = 10, .workers = 1};
    o.sampling = seal_sampling_defaults();
    o.sampling.temperature = 1.0f;
    o.sampling.top_p = 0.95f;
    o.seq = seal_seq_opts_default();
    o.inner = seal_inner_opts_defaults();
    return o;
}

unsigned long long seal_kn_mix(unsigned long long a, unsigned long long b) {
    unsigned long long z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return z ^ (z >> 27);
}

double seal_kn_number(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }


/* ------------------------------------------------------------ self-edits */

/* k self-edits of generator g for each of n passages, cached in the journal
 * under "gen/<tag>/<passage>". Returns, per passage, a JSON array of strings. */
int seal_kn_self_edits(run_state *rs, const seal_model *g, const char *tag, const seal_passage *const *ps, int n,
                      json_t **out) {
    const knowledge_opts *o = rs->o;
    for (int start = 0; start < n; start += o->gen_batch) {
        int m = n - start < o->gen_batch ? n - start : o->gen_batch, todo = 0;
        gen_request reqs[64];
        int *ids[64] = {0}, which[64];
        for (int i = 0; i < m && todo < 64; i++) {
            char key[160];
            snprintf(key, sizeof key, "gen/%s/%d", tag, start + i);
            if (seal_journal_get(&rs->edits, key)) continue;
            char *prompt = seal_self_edit_prompt(o->prompt, ps[start + i]->title, ps[start + i]->context);
            int len, rc = seal_tok_encode(rs->tok, prompt, strlen(prompt), 1, &ids[todo], &len);
            free(prompt);
            if (rc) return -1;
            /* the seed depends on the run's seed, the passage and the tag (which generator) */
            unsigned long long which_tag = (unsigned long long)tag[0] * 131 + strlen(tag);
            reqs[todo] = (gen_request){ids[todo], len, o->k,
                                       seal_kn_mix(o->seed, seal_kn_mix((unsigned long long)(start + i), which_tag))};
            which[todo++] = start + i;
        }
        if (todo) {
            int eos[SEAL_GEN_MAX_EOS], n_eos = seal_gen_eos_ids(g, rs->tok, eos);
            gen_params p = {.max_new = o->max_new_edit, .sampling = o->sampling, .eos_ids = eos, .n_eos = n_eos, .tok = rs->tok};
            gen_sample *smp = seal_calloc((size_t)todo * o->k, sizeof *smp);
            int rc = seal_generate(g, rs->pool, reqs, todo, &p, smp, NULL, NULL, NULL);
            for (int i = 0; i < todo && rc == 0; i++) {
                json_t *arr = json_array();
                for (int s = 0; s < o->k; s++) {
                    gen_sample *x = &smp[i * o->k + s];
                    char *t = seal_py_strip_dup(x->text ? x->text : ""); /* the reference .strip()s every completion */
                    json_array_append_new(arr, json_string(t));
                    free(t);
                }
                char key[160];
                snprintf(key, sizeof key, "gen/%s/%d", tag, which[i]);
                rc = seal_journal_put(&rs->edits, key, json_pack("{s:s, s:o}", "title", ps[which[i]]->title, "completions", arr));
            }
            for (int i = 0; i < todo * o->k; i++) seal_gen_sample_free(&smp[i]);
            free(smp);
            for (int i = 0; i < todo; i++) free(ids[i]);
            if (rc) return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        char key[160];
        snprintf(key, sizeof key, "gen/%s/%d", tag, i);
        out[i] = json_object_get(seal_journal_get(&rs->edits, key), "completions");
    }
    return 0;
}

/* ------------------------------------------------------------ inner-loop jobs */

/* The model an inner loop adapts and answers with (--inner-model): its name
 * in the journal ("base", "round-1", ...) and a fingerprint of its weights. */
typedef struct {
    seal_model *m;
    char name[32];
    char fingerprint[17];
    const char *dir; /* where another rank loads it from (the run directory is shared) */
} inner_target;

typedef struct {
    char key[160];
    const seal_passage *p;
    const inner_target *target;
    const char *self_edit; /* NULL: passage only */
    unsigned long long seed;
    const seal_passage *const *pool; /* the condition's passages: distractors come from here */
    int n_pool, self_idx;
} inner_job;

typedef struct {
    run_state *rs;
    inner_job *jobs;
    int n, next, done, failed;
    pthread_mutex_t mu;
    seal_progress bar;
    char err[512];
} job_queue;

json_t *seal_kn_str_array(char *const *s, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(s[i]));
    return a;
}

/* Append the passage sequences of o->distractors other passages of the job's
 * pool (the next ones in the pool's shuffled order) to *seqs, their titles to
 * titles: the target's facts must then be bound to its title, not to "the
 * passage that was trained on" (sandbox-feasibility.md, lesson 1). */
static int add_distractors(const knowledge_opts *o, const inner_job *j, char ***seqs, int *n, json_t *titles) {
    int d_n = o->distractors < j->n_pool ? o->distractors : j->n_pool - 1;
    for (int d = 1; d <= d_n; d++) {
        const seal_passage *q = j->pool[(j->self_idx + d) % j->n_pool];
        char **extra;
        int m;
        if (seal_selfedit_sequences(q->title, q->context, "", &o->seq, &extra, &m)) return -1;
        *seqs = seal_realloc(*seqs, (size_t)(*n + m) * sizeof **seqs);
        memcpy(*seqs + *n, extra, (size_t)m * sizeof *extra);
        *n += m;
        free(extra);
        json_array_append_new(titles, json_string(q->title));
    }
    return 0;
}

/* Run inner loop j into *rec (the journal record, without its key). */
static int job_record(run_state *rs, const inner_job *j, seal_pool *pool, json_t **rec_out) {
    const knowledge_opts *o = rs->o;
    char **seqs;
    int n;
    seq_stats st;
    if (seal_selfedit_sequences_ex(j->p->title, j->p->context, j->self_edit ? j->self_edit : "", &o->seq, &seqs, &n, &st)) return -1;
    json_t *distract = json_array();
    if (add_distractors(o, j, &seqs, &n, distract)) { seal_selfedit_free(seqs, n); json_decref(distract); return -1; }
    qa_result r;
    int rc = seal_inner_loop(j->target->m, pool, rs->tok, j->p, seqs, n, &o->inner, j->seed, &r);
    if (rc == 0) {
        json_t *correct = json_array();
        for (int i = 0; i < r.n_q; i++) json_array_append_new(correct, json_boolean(r.correct[i]));
        json_t *rec = json_object();
        json_object_set_new(rec, "title", json_string(j->p->title));
        json_object_set_new(rec, "inner_model", json_string(j->target->name));
        json_object_set_new(rec, "inner_model_fingerprint", json_string(j->target->fingerprint));
        json_object_set_new(rec, "self_edit", j->self_edit ? json_string(j->self_edit) : json_null());
        json_object_set_new(rec, "sequences", seal_kn_str_array(seqs, n));
        json_object_set_new(rec, "distractors", distract);
        json_object_set_new(rec, "answers", seal_kn_str_array(r.answers, r.n_q));
        json_object_set_new(rec, "correct", correct);
        json_object_set_new(rec, "accuracy", seal_json_real(r.accuracy));
        json_object_set_new(rec, "train_loss_first", seal_json_real(r.train_loss_first));
        json_object_set_new(rec, "train_loss_last", seal_json_real(r.train_loss_last));
        json_object_set_new(rec, "train_steps", json_integer(r.train_steps));
        json_object_set_new(rec, "seconds", seal_json_real(r.seconds));
        *rec_out = rec;
        seal_qa_result_free(&r);
    } else json_decref(distract);
    seal_selfedit_free(seqs, n);
    return rc;
}

static int run_job(run_state *rs, const inner_job *j, seal_pool *pool) {
    json_t *rec;
    return job_record(rs, j, pool, &rec) ? -1 : seal_journal_put(&rs->inner, j->key, rec);
}

/* Test hook (tests/cli/test_knowledge.sh): die like a SIGKILL after this many
 * inner loops have been journaled by this process. */
static long kill_after = -2, loops_done;

void seal_kn_maybe_die(void) {
    if (kill_after == -2) kill_after = getenv("SEAL_TEST_KILL_AFTER_LOOPS") ? atol(getenv("SEAL_TEST_KILL_AFTER_LOOPS")) : -1;
    if (kill_after >= 0 && ++loops_done >= kill_after) _exit(137);
}

static void *worker(void *arg) {
    job_queue *q = arg;
    seal_pool *pool = q->rs->o->workers > 1 ? NULL : q->rs->pool;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        int i = q->failed ? q->n : q->next++;
        pthread_mutex_unlock(&q->mu);
        if (i >= q->n) break;
        int rc = run_job(q->rs, &q->jobs[i], pool);
        pthread_mutex_lock(&q->mu);
        if (rc == 0) seal_kn_maybe_die();
        if (rc && !q->failed) { q->failed = 1; snprintf(q->err, sizeof q->err, "%s: %s", q->jobs[i].key, seal_errmsg()); }
        q->done++;
        if (!q->rs->o->quiet) seal_progress_update(&q->bar, q->done, q->jobs[i].key);
        pthread_mutex_unlock(&q->mu);
    }
    return NULL;
}

/* ------------------------------------------------------------ over MPI ranks */

/* A passage as the other ranks find it: its set ('e' eval, 't' train) and index. */
static json_t *passage_ref(const run_state *rs, const seal_passage *p) {
    uintptr_t at = (uintptr_t)p, e0 = (uintptr_t)rs->eval.p, e1 = (uintptr_t)(rs->eval.p + rs->eval.n);
    int in_eval = rs->eval.n && at >= e0 && at < e1; /* else it is a training passage */
    return json_pack("[s, i]", in_eval ? "e" : "t", (int)(p - (in_eval ? rs->eval.p : rs->train.p)));
}

static const seal_passage *passage_of(const run_state *rs, json_t *ref) {
    const char *set = json_string_value(json_array_get(ref, 0));
    json_int_t i = json_integer_value(json_array_get(ref, 1));
    const seal_passages *ps = set && set[0] == 'e' ? &rs->eval : &rs->train;
    return set && i >= 0 && i < ps->n ? &ps->p[i] : NULL;
}

static char *job_describe(void *ctx, int i, size_t *len) {
    job_queue *q = ctx;
    const inner_job *j = &q->jobs[i];
    json_t *pool = json_array();
    for (int k = 0; k < j->n_pool; k++) json_array_append_new(pool, passage_ref(q->rs, j->pool[k]));
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", j->seed);
    json_t *msg = json_pack("{s:s, s:o, s:o, s:i, s:o, s:s, s:{s:s, s:s, s:s}}", "key", j->key, "p",
                            passage_ref(q->rs, j->p), "pool", pool, "self_idx", j->self_idx, "self_edit",
                            j->self_edit ? json_string(j->self_edit) : json_null(), "seed", seed, "target", "name",
                            j->target->name, "fingerprint", j->target->fingerprint, "dir", j->target->dir);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    *len = strlen(text);
    return text;
}

static int job_local(void *ctx, int i) {
    job_queue *q = ctx;
    int rc = run_job(q->rs, &q->jobs[i], q->rs->pool);
    if (rc == 0) seal_kn_maybe_die();
    return rc;
}

static int job_accept(void *ctx, int i, const char *res, size_t len) {
    job_queue *q = ctx;
    if (seal_journal_put_text(&q->rs->inner, q->jobs[i].key, res, len)) return -1;
    seal_kn_maybe_die();
    return 0;
}

static void job_finished(void *ctx, int i) {
    job_queue *q = ctx;
    q->done++;
    if (!q->rs->o->quiet) seal_progress_update(&q->bar, q->done, q->jobs[i].key);
}

static const char *job_key(void *ctx, int i) { return ((job_queue *)ctx)->jobs[i].key; }

/* What a rank other than 0 holds: the run's inputs, and the last model it
 * adapted other than the base one (reloaded when a round's model changes). */
typedef struct {
    run_state rs;
    seal_model cur;
    char cur_fp[17];
    int have_cur;
} kn_worker;

/* The model a job names: the base one, the one loaded last, or the one in its
 * directory (read as --model-transfer says), which must hold the weights rank 0
 * fingerprinted. */
static seal_model *worker_target(kn_worker *w, json_t *t, char *fp_out) {
    const char *fp = json_string_value(json_object_get(t, "fingerprint")), *dir = json_string_value(json_object_get(t, "dir"));
    char base_fp[17];
    snprintf(base_fp, sizeof base_fp, "%016llx", (unsigned long long)seal_st_set_fingerprint(&w->rs.base.weights));
    if (!fp || !dir) return seal_err("a job without its target model"), NULL;
    snprintf(fp_out, 17, "%s", fp);
    if (!strcmp(fp, base_fp)) return &w->rs.base;
    if (w->have_cur && !strcmp(fp, w->cur_fp)) return &w->cur;
    if (w->have_cur) seal_model_free(&w->cur);
    w->have_cur = 0;
    if (seal_transfer_model(w->rs.o->model_transfer, dir, fp, &w->cur, &w->have_cur)) return NULL;
    snprintf(w->cur_fp, sizeof w->cur_fp, "%s", fp);
    return &w->cur;
}

static int worker_sft(run_state *rs, json_t *msg);

static int worker_job(void *ctx, const char *text, size_t len, char **result, size_t *rlen) {
    kn_worker *w = ctx;
    json_error_t e;
    json_t *msg = json_loadb(text, len, 0, &e), *pool = json_object_get(msg, "pool");
    const char *kind = json_string_value(json_object_get(msg, "kind"));
    if (kind && !strcmp(kind, "sft")) {
        int rc = worker_sft(&w->rs, msg);
        json_decref(msg);
        *result = seal_strdup("{}");
        *rlen = 2;
        return rc;
    }
    inner_target t = {0};
    inner_job j = {0};
    const char *key = json_string_value(json_object_get(msg, "key")), *seed = json_string_value(json_object_get(msg, "seed"));
    j.p = passage_of(&w->rs, json_object_get(msg, "p"));
    j.n_pool = (int)json_array_size(pool);
    const seal_passage **ps = seal_calloc((size_t)j.n_pool + 1, sizeof *ps);
    int rc = key && seed && j.p ? 0 : seal_err("a job message that is not one (%s)", text);
    for (int k = 0; k < j.n_pool && rc == 0; k++)
        if (!(ps[k] = passage_of(&w->rs, json_array_get(pool, (size_t)k)))) rc = seal_err("a job's passage is not in the inputs");
    j.self_idx = (int)json_integer_value(json_object_get(msg, "self_idx"));
    if (rc == 0 && (j.self_idx < 0 || j.self_idx >= j.n_pool)) rc = seal_err("a job's passage is not in its pool");
    if (rc == 0) {
        snprintf(j.key, sizeof j.key, "%s", key);
        j.pool = ps;
        j.self_edit = json_string_value(json_object_get(msg, "self_edit"));
        j.seed = strtoull(seed, NULL, 10);
        snprintf(t.name, sizeof t.name, "%s", json_string_value(json_object_get(json_object_get(msg, "target"), "name")));
        if (!(t.m = worker_target(w, json_object_get(msg, "target"), t.fingerprint))) rc = -1;
        j.target = &t;
    }
    json_t *rec = NULL;
    if (rc == 0) rc = job_record(&w->rs, &j, w->rs.pool, &rec);
    if (rc == 0) {
        *result = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
        *rlen = strlen(*result);
    }
    json_decref(rec);
    json_decref(msg);
    free(ps);
    return rc;
}

/* A rank other than 0: load the inputs, then run the inner loops rank 0 hands
 * out until it says stop. Nothing is written. */
static int kn_serve(const knowledge_opts *o) {
    kn_worker w;
    memset(&w, 0, sizeof w);
    int rc = seal_kn_load_inputs(&w.rs, o, "--eval-passages");
    if (rc == 0 && !(w.rs.pool = seal_pool_create(w.rs.threads))) rc = -1;
    rc = seal_farm_join(rc, &w, worker_job);
    if (w.have_cur) seal_model_free(&w.cur);
    seal_kn_close_run(&w.rs);
    return rc;
}

/* Run every job not yet in the journal, o->workers at a time, or over the MPI
 * ranks when there are several (rank 0 journals every result). */
static int run_jobs(run_state *rs, inner_job *all, int n, const char *label) {
    inner_job *todo = seal_malloc(sizeof(inner_job) * (size_t)(n ? n : 1));
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!seal_journal_get(&rs->inner, all[i].key)) todo[m++] = all[i];
    job_queue q = {.rs = rs, .jobs = todo, .n = m};
    pthread_mutex_init(&q.mu, NULL);
    if (!rs->o->quiet && m) seal_progress_start(&q.bar, label, m, "loop");
    if (seal_rank_size() > 1) {
        seal_farm f = {&q, m, job_describe, job_local, job_accept, job_finished, job_key};
        int rc = seal_farm_run(&f);
        if (!rs->o->quiet && m) seal_progress_finish(&q.bar, q.done, NULL);
        pthread_mutex_destroy(&q.mu);
        free(todo);
        return rc ? seal_err_prefix("inner loop") : 0;
    }
    pthread_t th[KN_MAX_WORKERS];
    int started = 1; /* this thread is worker 0 */
    while (started < rs->o->workers && started < KN_MAX_WORKERS && started < m) {
        int err = pthread_create(&th[started], NULL, worker, &q);
        if (err) { /* the others take its share */
            if (!rs->o->quiet) fprintf(stderr, "knowledge: worker %d not started (%s)\n", started, strerror(err));
            break;
        }
        started++;
    }
    worker(&q);
    for (int w = 1; w < started; w++) pthread_join(th[w], NULL);
    if (!rs->o->quiet && m) seal_progress_finish(&q.bar, q.done, NULL);
    pthread_mutex_destroy(&q.mu);
    free(todo);
    return q.failed ? seal_err("inner loop %s", q.err) : 0;
}

/* Mean accuracy of journal records key_prefix/e<j>/r<rep> over j < k, rep < reps. */
static double mean_acc(run_state *rs, const char *prefix, int k, int reps) {
    double s = 0;
    int n = 0;
    for (int j = 0; j < k; j++)
        for (int r = 0; r < reps; r++) {
            char key[200];
            snprintf(key, sizeof key, "%s/e%d/r%d", prefix, j, r);
            json_t *rec = seal_journal_get(&rs->inner, key);
            if (rec) { s += seal_kn_number(rec, "accuracy"); n++; }
        }
    return n ? s / n : NAN;
}

/* ------------------------------------------------------------ conditions */

/* The frozen model m's answers on every evaluation passage, journaled in
 * baseline.jsonl under "<prefix>/<i>"; acc[i] gets per-passage accuracy. */
static int frozen_answers(run_state *rs, const seal_model *m, const char *prefix, double *acc) {
    seal_progress bar;
    if (!rs->o->quiet) seal_progress_start(&bar, prefix, rs->n_eval, "passage");
    for (int i = 0; i < rs->n_eval; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s/%d", prefix, i);
        json_t *rec = seal_journal_get(&rs->baseline, key);
        if (!rec) {
            qa_result r;
            const seal_passage *p = &rs->eval.p[rs->eval_idx[i]];
            if (seal_answer_questions(m, rs->pool, rs->tok, NULL, p, &rs->o->inner, &r)) return -1;
            json_t *correct = json_array();
            for (int q = 0; q < r.n_q; q++) json_array_append_new(correct, json_boolean(r.correct[q]));
            int rc = seal_journal_put(&rs->baseline, key, json_pack("{s:s, s:o, s:o, s:f}", "title", p->title, "answers",
                                 seal_kn_str_array(r.answers, r.n_q), "correct", correct, "accuracy", r.accuracy));
            seal_qa_result_free(&r);
            if (rc) return -1;
            rec = seal_journal_get(&rs->baseline, key);
        }
        acc[i] = seal_kn_number(rec, "accuracy");
        if (!rs->o->quiet) seal_progress_update(&bar, i + 1, NULL);
    }
    if (!rs->o->quiet) seal_progress_finish(&bar, rs->n_eval, NULL);
    return 0;
}

int seal_kn_cond_base(run_state *rs, condition *c) {
    snprintf(c->name, sizeof c->name, "base");
    c->acc = seal_calloc((size_t)rs->n_eval, sizeof(double));
    return frozen_answers(rs, &rs->base, "base", c->acc);
}

/* Which of a passage's k self-edits are evaluated: the reference drops empty
 * completions (query_server's `if c.strip()`; ours are stripped when
 * generated). keep[j] is set for the others; the count of empty ones is
 * returned. */
static int drop_empty(json_t *edits, int k, unsigned char *keep) {
    int dropped = 0;
    for (int j = 0; j < k; j++) {
        const char *t = json_string_value(json_array_get(edits, (size_t)j));
        keep[j] = t && t[0];
        dropped += !keep[j];
    }
    return dropped;
}

/* Journal that self-edit j of passage i was dropped (key <tag>/p<i>/e<j>/dropped:
 * not an inner loop, so no accuracy reads it). */
static int journal_dropped(run_state *rs, const char *tag, int i, int j, const seal_passage *p) {
    char key[160];
    snprintf(key, sizeof key, "%s/p%d/e%d/dropped", tag, i, j);
    if (seal_journal_get(&rs->inner, key)) return 0;
    return seal_journal_put(&rs->inner, key, json_pack("{s:s, s:s, s:s}", "title", p->title, "self_edit", "",
                                                       "dropped", "empty self-edit"));
}

/* The inner loops adapt m, named name ("base", "round-1", ...). */
static void set_target(inner_target *t, seal_model *m, const char *name, const char *dir) {
    t->m = m;
    t->dir = dir;
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->fingerprint, sizeof t->fingerprint, "%016llx", (unsigned long long)seal_st_set_fingerprint(&m->weights));
}

/* Inner loops on the evaluation passages with self-edits from generator g
 * (g NULL: passage only), each adapting the model of target. tag names the
 * condition in the journal keys. Empty self-edits are dropped (counted in
 * *dropped); a passage whose k are all empty falls back to one passage-only
 * loop, as the reference's `[""]`. */
static int cond_inner(run_state *rs, condition *c, const char *name, const char *tag, const seal_model *g,
                      json_t *given, const inner_target *target, int *dropped) {
    const knowledge_opts *o = rs->o;
    int k = g ? o->k : 1, reps = o->eval_reps, n = rs->n_eval;
    snprintf(c->name, sizeof c->name, "%s", name);
    const seal_passage **ps = seal_calloc((size_t)n, sizeof *ps);
    for (int i = 0; i < n; i++) ps[i] = &rs->eval.p[rs->eval_idx[i]];
    json_t **edits = seal_calloc((size_t)n, sizeof *edits);
    int rc = g ? seal_kn_self_edits(rs, g, tag, ps, n, edits) : 0; /* given: checked by seal_kn_load_inputs */
    inner_job *jobs = seal_calloc((size_t)n * k * reps, sizeof *jobs);
    int nj = 0;
    unsigned char keep[64] = {1};
    *dropped = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        int d = g ? drop_empty(edits[i], k, keep) : 0;
        if (d == k) keep[0] = 1, d = k - 1; /* all empty: self-edit 0 ("") is the passage-only fallback */
        *dropped += d;
        for (int j = 0; j < k && rc == 0; j++)
            if (!keep[j]) rc = journal_dropped(rs, tag, i, j, ps[i]);
        for (int j = 0; j < k; j++)
            for (int r = 0; r < reps && keep[j]; r++, nj++) {
                snprintf(jobs[nj].key, sizeof jobs[nj].key, "%s/p%d/e%d/r%d", tag, i, j, r);
                jobs[nj].p = ps[i];
                jobs[nj].target = target;
                jobs[nj].pool = ps, jobs[nj].n_pool = n, jobs[nj].self_idx = i;
                jobs[nj].self_edit = g ? json_string_value(json_array_get(edits[i], (size_t)j))
                                       : given ? json_string_value(json_object_get(given, ps[i]->title)) : NULL;
                jobs[nj].seed = seal_kn_mix(o->seed, seal_kn_mix(seal_kn_mix((unsigned long long)i, (unsigned long long)j), (unsigned long long)r + 7));
            }
    }
    if (rc == 0) rc = run_jobs(rs, jobs, nj, name);
    c->acc = seal_calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n && rc == 0; i++) {
        char prefix[96];
        snprintf(prefix, sizeof prefix, "%s/p%d", tag, i);
        c->acc[i] = mean_acc(rs, prefix, k, reps);
    }
    free(jobs);
    free(edits);
    free(ps);
    return rc;
}

/* ------------------------------------------------------------ ReST-EM round */

/* Write rows (a JSON array) as JSONL to path atomically: a killed run leaves
 * the previous file or the complete new one. 0 or -1 (error set). */
static int write_jsonl_atomic(const char *path, json_t *rows) {
    char *buf = NULL;
    size_t len = 0, i;
    json_t *row;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return seal_err("%s: %s", path, strerror(errno));
    json_array_foreach(rows, i, row) {
        char *l = json_dumps(row, JSON_COMPACT | JSON_ENSURE_ASCII);
        fprintf(m, "%s\n", l);
        free(l);
    }
    fclose(m);
    int rc = seal_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}

static char *round_path(const knowledge_opts *o, int r, const char *leaf) {
    char rel[64];
    snprintf(rel, sizeof rel, "round-%d%s%s", r, leaf[0] ? "/" : "", leaf);
    return seal_path_join(o->run_dir, rel);
}

/* Outer SFT: a LoRA on (prompt, best self-edit) pairs, completion-only loss,
 * then merged into the generator: round-r/model. */
static seal_sft_opts sft_opts(const knowledge_opts *o, int r) {
    return (seal_sft_opts){.rank = o->sft_rank, .alpha = o->sft_alpha, .targets = o->sft_targets,
                           .epochs = o->sft_epochs, .batch = o->sft_batch, .grad_accum = o->sft_accum, .lr = o->sft_lr,
                           .schedule = seal_train_opts_defaults().schedule,
                           .data_seed = seal_kn_mix(o->seed, (unsigned long long)r),
                           .init_seed = seal_kn_mix(o->seed, 77 + (unsigned long long)r), .quiet = o->quiet};
}

/* --sft-data-parallel under MPI: every rank joins round r's outer SFT (the
 * message carries the rows and the generator's directory). 1 when they did,
 * 0 when rank 0 trains alone, -1. */
static int sft_with_ranks(const knowledge_opts *o, int r, const char *gen_dir, json_t *rows) {
    if (!o->sft_data_parallel || seal_rank_size() == 1) return 0;
    json_t *msg = json_pack("{s:s, s:i, s:s, s:O}", "kind", "sft", "round", r, "gen_dir", gen_dir, "rows", rows);
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    int all = text ? seal_farm_all_begin(text, strlen(text)) : seal_err("round %d: the SFT rows cannot be sent", r);
    free(text);
    json_decref(msg);
    return all;
}

static int outer_sft(run_state *rs, int r, const char *gen_dir, json_t *rows) {
    const knowledge_opts *o = rs->o;
    if (json_array_size(rows) == 0) return seal_err("round %d: no self-edit was kept for the outer SFT", r);
    seal_sft_opts so = sft_opts(o, r);
    int all = sft_with_ranks(o, r, gen_dir, rows);
    if (all < 0) return -1;
    so.data_parallel = all;
    char *adir = round_path(o, r, "adapter"), *mdir = round_path(o, r, "model");
    int rc = seal_outer_sft(gen_dir, rs->pool, rs->tok, rows, &so, adir, mdir);
    if (all && seal_farm_all_end() && rc == 0) rc = -1;
    free(adir);
    free(mdir);
    return rc;
}

/* Another rank's part of round r's outer SFT: the same training, nothing saved. */
static int worker_sft(run_state *rs, json_t *msg) {
    seal_sft_opts so = sft_opts(rs->o, (int)json_integer_value(json_object_get(msg, "round")));
    so.data_parallel = 1;
    so.quiet = 1;
    const char *gen_dir = json_string_value(json_object_get(msg, "gen_dir"));
    if (!gen_dir) return seal_err("an SFT message without the generator");
    return seal_outer_sft(gen_dir, rs->pool, rs->tok, json_object_get(msg, "rows"), &so, NULL, NULL);
}

/* One ReST-EM round: k self-edits per new training passage from the current
 * generator g, each scored by reps inner loops that adapt target (g itself, or
 * the base model under --inner-model base); the best (stable: ties go to the
 * earliest) becomes an SFT example. Empty self-edits are dropped before
 * scoring, as the reference does; a passage with no other has no example. */
static int rl_round(run_state *rs, int r, const char *gen_dir, const seal_model *g, const inner_target *target) {
    const knowledge_opts *o = rs->o;
    int P = o->passages_per_round, *idx;
    if (seal_passages_select(&rs->train, o->subset_seed, (r - 1) * P, P, &idx)) return -1;
    const seal_passage **ps = seal_calloc((size_t)P, sizeof *ps);
    for (int i = 0; i < P; i++) ps[i] = &rs->train.p[idx[i]];
    json_t **edits = seal_calloc((size_t)P, sizeof *edits);
    char tag[32];
    snprintf(tag, sizeof tag, "rl%d", r);
    int rc = seal_kn_self_edits(rs, g, tag, ps, P, edits);
    inner_job *jobs = seal_calloc((size_t)P * o->k * o->reps, sizeof *jobs);
    unsigned char *keep = seal_calloc((size_t)P * o->k, 1);
    int nj = 0, dropped = 0;
    for (int i = 0; i < P && rc == 0; i++) {
        dropped += drop_empty(edits[i], o->k, keep + i * o->k);
        for (int j = 0; j < o->k && rc == 0; j++)
            if (!keep[i * o->k + j]) rc = journal_dropped(rs, tag, i, j, ps[i]);
        for (int j = 0; j < o->k; j++)
            for (int rep = 0; rep < o->reps && keep[i * o->k + j]; rep++, nj++) {
                snprintf(jobs[nj].key, sizeof jobs[nj].key, "%s/p%d/e%d/r%d", tag, i, j, rep);
                jobs[nj].p = ps[i];
                jobs[nj].target = target;
                jobs[nj].pool = ps, jobs[nj].n_pool = P, jobs[nj].self_idx = i;
                jobs[nj].self_edit = json_string_value(json_array_get(edits[i], (size_t)j));
                jobs[nj].seed = seal_kn_mix(o->seed ^ 0xABCDEFull, seal_kn_mix(seal_kn_mix((unsigned long long)i + 1000u * r, (unsigned long long)j), (unsigned long long)rep));
            }
    }
    char label[32];
    snprintf(label, sizeof label, "round %d", r);
    if (rc == 0) rc = run_jobs(rs, jobs, nj, label);
    json_t *rows = json_array(), *sel = json_array();
    double best_sum = 0, mean_sum = 0;
    int scored = 0; /* passages with a non-empty self-edit */
    for (int i = 0; i < P && rc == 0; i++) {
        char prefix[64];
        int best = -1, n_kept = 0;
        double accs[64], base_acc = 0, mean = 0;
        for (int j = 0; j < o->k && j < 64; j++) {
            if (!keep[i * o->k + j]) continue;
            snprintf(prefix, sizeof prefix, "%s/p%d", tag, i);
            char key[96];
            double s = 0;
            for (int rep = 0; rep < o->reps; rep++) {
                snprintf(key, sizeof key, "%s/e%d/r%d", prefix, j, rep);
                s += seal_kn_number(seal_journal_get(&rs->inner, key), "accuracy");
            }
            accs[j] = s / o->reps;
            if (best < 0 || accs[j] > accs[best]) best = j;
            mean += accs[j];
            n_kept++;
        }
        if (best >= 0) mean_sum += mean / n_kept, best_sum += accs[best], scored++;
        if (best >= 0 && o->positive_gain_only) {
            qa_result b; /* the baseline of the model the inner loops adapted */
            if (seal_answer_questions(target->m, rs->pool, rs->tok, NULL, ps[i], &o->inner, &b)) { rc = -1; break; }
            base_acc = b.accuracy;
            seal_qa_result_free(&b);
        }
        int kept = best >= 0 && (!o->positive_gain_only || accs[best] > base_acc);
        char *prompt = seal_self_edit_prompt(o->prompt, ps[i]->title, ps[i]->context);
        const char *completion = kept ? json_string_value(json_array_get(edits[i], (size_t)best)) : NULL;
        json_t *row = kept ? json_pack("{s:s, s:s}", "prompt", prompt, "completion", completion) : NULL;
        json_t *pick = json_pack("{s:s, s:i, s:o, s:b}", "title", ps[i]->title, "best", best, "best_accuracy",
                                 seal_json_real(best >= 0 ? accs[best] : NAN), "kept", kept);
        if ((kept && !row) || !pick)
            rc = seal_err("round %d: passage \"%s\": self-edit %d cannot be kept", r, ps[i]->title, best);
        if (row) json_array_append_new(rows, row);
        if (pick) json_array_append_new(sel, pick);
        free(prompt);
    }
    if (rc == 0) {
        char *sft = round_path(o, r, "sft.jsonl"), *dir = round_path(o, r, "");
        rc = seal_mkdir_p(dir) || write_jsonl_atomic(sft, rows);
        json_t *summary = json_pack("{s:i, s:i, s:i, s:s, s:i, s:o, s:o, s:o}", "round", r, "passages", P, "kept",
                                    (int)json_array_size(rows), "inner_model", target->name, "empty_self_edits_dropped",
                                    dropped, "mean_self_edit_accuracy", seal_json_real(scored ? mean_sum / scored : NAN),
                                    "mean_best_accuracy", seal_json_real(scored ? best_sum / scored : NAN), "selection", sel);
        char *sp = round_path(o, r, "summary.json"), *text = summary ? json_dumps(summary, JSON_INDENT(2)) : NULL;
        if (rc == 0 && !text) rc = seal_err("%s: not encodable (a non-finite accuracy?)", sp);
        if (rc == 0) rc = seal_write_file_atomic(sp, text, strlen(text));
        free(text); free(sp); free(sft); free(dir);
        json_decref(summary);
        if (rc == 0) rc = outer_sft(rs, r, gen_dir, rows);
    } else json_decref(sel);
    json_decref(rows);
    free(jobs); free(keep); free(edits); free(ps); free(idx);
    return rc;
}

/* ------------------------------------------------------------ results */

int seal_kn_write_results(run_state *rs, condition *c, int n, const double *counted, const char *label, json_t *extra) {
    const knowledge_opts *o = rs->o;
    json_t *header = json_object();
    json_object_set_new(header, "model", json_string(o->model_dir));
    json_object_set_new(header, "prompt", json_string(seal_self_edit_name(o->prompt)));
    json_object_set_new(header, "k", json_integer(o->k));
    if (extra) json_object_update(header, extra);
    else json_object_set_new(header, "rounds", json_integer(o->rounds));
    seal_report r = {.c = c, .n = n, .n_passages = rs->n_eval, .counted = counted, .label = label, .header = header,
                     .md_notes = rs->md_notes,
                     .n_questions = seal_passages_count_questions(&rs->eval, rs->eval_idx, rs->n_eval)};
    int rc = seal_report_write(o->run_dir, &r);
    json_decref(header);
    return rc;
}

/* ------------------------------------------------------------ the run record */

/* config.json keys that records written before seal 0.6 lack: such a run
 * resumes without them being checked (its options were not recorded). */
static const char *const kn_new_keys[] = {
    "seal_version", "threads", "arithmetic", "inner_threads", "answer_tokens", "f1_threshold", "max_segments", "split_newlines",
    "inner_targets", "sft_targets", "sft_accum", "positive_gain", "generator_fingerprints", NULL};

typedef struct { const char *key; long long v; } int_key;
typedef struct { const char *key; double v; } real_key;

/* Every option that changes a run's results, under the keys config.json has
 * always used (old runs must resume). The keys that were only written when
 * they differ from their default stay so: an old record without them means
 * the default. */
static int record_options(seal_run_record *r, const knowledge_opts *o, int threads) {
    const int_key ints[] = {
        {"rounds", o->rounds}, {"passages_per_round", o->passages_per_round}, {"k", o->k}, {"reps", o->reps},
        {"eval_passages", o->eval_passages}, {"eval_reps", o->eval_reps}, {"subset_seed", (long long)o->subset_seed},
        {"seed", (long long)o->seed}, {"max_new_edit", o->max_new_edit}, {"inner_rank", o->inner.rank},
        {"inner_epochs", o->inner.epochs}, {"inner_full", o->inner.full}, {"sft_rank", o->sft_rank},
        {"sft_epochs", o->sft_epochs}, {"grader", (int)o->inner.grader},
        /* new in 0.6 (kn_new_keys) */
        {"answer_tokens", o->inner.max_new}, {"max_segments", o->seq.max_segments},
        {"split_newlines", o->seq.split_newlines}, {"inner_targets", o->inner.targets},
        {"sft_targets", o->sft_targets}, {"sft_accum", o->sft_accum}, {"positive_gain", o->positive_gain_only},
        /* the inner loops' kernel threads: one each when several run in parallel */
        {"inner_threads", o->workers > 1 ? 1 : threads}};
    const real_key reals[] = {
        {"temperature", o->sampling.temperature}, {"top_p", o->sampling.top_p}, {"inner_alpha", o->inner.alpha},
        {"inner_lr", o->inner.lr}, {"sft_lr", o->sft_lr}, {"sft_alpha", o->sft_alpha},
        {"f1_threshold", o->inner.f1_threshold}};
    json_t *train = o->train_path ? json_string(o->train_path) : json_null(); /* null: none, as always */
    int rc = seal_run_record_str(r, "model", o->model_dir) || seal_run_record_json(r, "train", train) ||
             seal_run_record_str(r, "eval", o->eval_path) ||
             seal_run_record_str(r, "prompt", seal_self_edit_name(o->prompt)) || seal_run_record_threads(r, threads, seal_matmul_fast_arithmetic());
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && rc == 0; i++)
        rc = seal_run_record_int(r, ints[i].key, ints[i].v);
    for (size_t i = 0; i < sizeof reals / sizeof reals[0] && rc == 0; i++)
        rc = seal_run_record_real(r, reals[i].key, reals[i].v);
    if (rc == 0 && o->inner.judge) rc = seal_run_record_str(r, "judge_model", o->inner.judge->dir);
    if (rc == 0 && o->inner.judge_remote) rc = seal_run_record_str(r, "judge_model", seal_judge_model(o->inner.judge_remote));
    /* the remote judge's API changes what it is asked (raw prompt or chat); its URL (where it is served) does not */
    if (rc == 0 && o->inner.judge_remote) rc = seal_run_record_str(r, "judge_api", seal_judge_api(o->inner.judge_remote));
    if (rc == 0 && o->distractors) rc = seal_run_record_int(r, "distractors", o->distractors);
    if (rc == 0 && o->inner.batch_size != 1) rc = seal_run_record_int(r, "inner_batch", o->inner.batch_size);
    if (rc == 0 && o->inner.grad_accum != 1) rc = seal_run_record_int(r, "inner_accum", o->inner.grad_accum);
    if (rc == 0 && o->inner.pad_to) rc = seal_run_record_int(r, "pad_to", o->inner.pad_to);
    if (rc == 0 && o->inner.pad_labels) rc = seal_run_record_int(r, "pad_labels", o->inner.pad_labels);
    if (rc == 0 && o->sft_data_parallel) rc = seal_run_record_int(r, "sft_data_parallel", 1);
    if (rc == 0) rc = seal_run_record_str(r, "conditions", o->conditions);
    if (rc == 0) rc = seal_run_record_str(r, "given_self_edits", o->given_path);
    /* recorded only under the current rule: a record without the key (every
     * run before it, and --inner-model base) adapted the base model */
    if (rc == 0 && !o->inner_model_base) rc = seal_run_record_str(r, "inner_model", "current");
    return rc ? -1 : 0;
}

/* Fingerprints of what the options name by path (the model's weights, the
 * passage files), so that a run is never resumed over other contents. */
static int record_fingerprints(seal_run_record *r, const run_state *rs) {
    const knowledge_opts *o = rs->o;
    int rc = seal_run_record_fingerprint(r, "model_fingerprint", seal_st_set_fingerprint(&rs->base.weights));
    if (rc == 0 && o->inner.judge)
        rc = seal_run_record_fingerprint(r, "judge_fingerprint", seal_st_set_fingerprint(&o->inner.judge->weights));
    if (rc == 0) rc = seal_run_record_file(r, "eval_fingerprint", o->eval_path);
    if (rc == 0 && o->rounds > 0 && o->train_path) rc = seal_run_record_file(r, "train_fingerprint", o->train_path);
    if (rc == 0 && o->given_path) rc = seal_run_record_file(r, "given_fingerprint", o->given_path);
    return rc;
}

int seal_kn_build_record(const run_state *rs, json_t *extra, seal_run_record *r) {
    seal_run_record_init(r);
    int rc = record_options(r, rs->o, rs->threads) || record_fingerprints(r, rs) ? -1 : 0;
    if (rc == 0 && extra) json_object_update(r->root, extra);
    if (rc) seal_run_record_free(r);
    return rc;
}

/* ------------------------------------------------------------ the run */

/* The conditions --conditions may name (the others always run when asked for
 * by their own options). */
static const char *const kn_condition_names[] = {"base", "passage", "passage+self-edit", NULL};

static int check_conditions(const char *list) {
    if (!list) return 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        int known = 0;
        for (int i = 0; kn_condition_names[i] && !known; i++)
            known = strlen(kn_condition_names[i]) == n && !strncmp(p, kn_condition_names[i], n);
        if (!known)
            return seal_err("--conditions: \"%.*s\" is not a condition (base, passage, passage+self-edit)", (int)n, p);
        if (!p[n]) return 0;
        p += n + 1;
    }
}

/* The --given-self-edits file: an object with a string for every evaluation
 * passage's title. */
static int load_given(run_state *rs) {
    const knowledge_opts *o = rs->o;
    json_error_t e;
    rs->given = json_load_file(o->given_path, 0, &e);
    if (!json_is_object(rs->given))
        return seal_err("%s: expected a JSON object {title: self-edit} (line %d: %s)", o->given_path, e.line, e.text);
    for (int i = 0; i < rs->n_eval; i++) {
        const char *title = rs->eval.p[rs->eval_idx[i]].title;
        if (!json_is_string(json_object_get(rs->given, title)))
            return seal_err("%s: no self-edit for passage \"%s\"", o->given_path, title);
    }
    return 0;
}

/* How many evaluation passages: o->eval_passages, or all the file has when
 * fewer and o->eval_passages_at_most is set. option names the count. */
static int count_eval(run_state *rs, const char *option) {
    const knowledge_opts *o = rs->o;
    if (rs->eval.n == 0) return seal_err("%s: no passages", o->eval_path);
    if (o->eval_passages > rs->eval.n && !o->eval_passages_at_most)
        return seal_err("%s %d: %s has only %d passages", option, o->eval_passages, o->eval_path, rs->eval.n);
    rs->n_eval = o->eval_passages < rs->eval.n ? o->eval_passages : rs->eval.n;
    return 0;
}

int seal_kn_load_inputs(run_state *rs, const knowledge_opts *o, const char *count_option) {
    memset(rs, 0, sizeof *rs);
    rs->o = o;
    const char *inputs[] = {o->model_dir, NULL};
    /* resuming is the point of --run (force 1), but never inside the model or over it */
    if (seal_output_check(o->run_dir, "--run", 1, inputs)) return -1;
    if (check_conditions(o->conditions) || seal_threads_resolve(o->threads, &rs->threads)) return -1;
    if (seal_passages_load(&rs->eval, o->eval_path) || count_eval(rs, count_option)) return -1;
    if (o->train_path && o->rounds > 0 && seal_passages_load(&rs->train, o->train_path)) return -1;
    if (seal_model_load(&rs->base, o->model_dir) || !(rs->tok = seal_tok_load(o->model_dir))) return -1;
    dataset_opts pad_check; /* --pad-to past the model's context: refused before the run is claimed */
    if (seal_inner_dataset_opts(&o->inner, &rs->base, &pad_check)) return -1;
    if (seal_passages_select(&rs->eval, o->subset_seed, 0, rs->n_eval, &rs->eval_idx)) return -1;
    if (o->rounds > 0 && rs->train.n < o->rounds * o->passages_per_round)
        return seal_err("%s: %d passages, but %d rounds x %d passages need %d", o->train_path, rs->train.n, o->rounds,
                        o->passages_per_round, o->rounds * o->passages_per_round);
    return o->given_path ? load_given(rs) : 0;
}

int seal_kn_claim_run(run_state *rs, const seal_run_record *record) {
    const knowledge_opts *o = rs->o;
    char *path = seal_path_join(o->run_dir, "config.json");
    strbuf note = {0};
    int rc = seal_mkdir_p(o->run_dir);
    if (rc == 0) {
        seal_clean_stale_tmp(o->run_dir); /* a killed writer's temp files */
        rc = seal_run_record_claim(record, path, "use a new --run directory, or the same options and inputs to resume",
                                   kn_new_keys, &note);
    }
    if (rc == 0 && note.len && !o->quiet) fprintf(stderr, "knowledge: %s\n", note.s);
    seal_strbuf_free(&note);
    free(path);
    if (rc == 0 && !(rs->pool = seal_pool_create(rs->threads))) rc = -1;
    char *p1 = seal_path_join(o->run_dir, "inner.jsonl"), *p2 = seal_path_join(o->run_dir, "selfedits.jsonl"),
         *p3 = seal_path_join(o->run_dir, "baseline.jsonl");
    if (rc == 0 && (seal_journal_open(&rs->inner, p1) || seal_journal_open(&rs->edits, p2) || seal_journal_open(&rs->baseline, p3)))
        rc = -1;
    free(p1); free(p2); free(p3);
    if (rc == 0 && !o->quiet && seal_journal_size(&rs->inner))
        fprintf(stderr, "knowledge: resuming %s: %zu inner loops already done\n", o->run_dir, seal_journal_size(&rs->inner));
    return rc;
}

/* All three of the above. */
static int kn_open_run(run_state *rs, const knowledge_opts *o, json_t *extra_config) {
    seal_run_record r;
    if (seal_kn_load_inputs(rs, o, "--eval-passages") || seal_kn_build_record(rs, extra_config, &r)) return -1;
    int rc = seal_kn_claim_run(rs, &r);
    seal_run_record_free(&r);
    return rc;
}

void seal_kn_close_run(run_state *rs) {
    if (rs->inner.path) seal_journal_close(&rs->inner);
    if (rs->edits.path) seal_journal_close(&rs->edits);
    if (rs->baseline.path) seal_journal_close(&rs->baseline);
    if (rs->cpt.path) seal_journal_close(&rs->cpt);
    seal_passages_free(&rs->eval);
    seal_passages_free(&rs->train);
    free(rs->eval_idx);
    json_decref(rs->given);
    if (rs->pool) seal_pool_destroy(rs->pool);
    if (rs->tok) seal_tok_free(rs->tok);
    seal_model_free(&rs->base);
}

/* Is condition name among o->conditions (all when none are listed)? */
int seal_kn_wanted(const knowledge_opts *o, const char *name) {
    if (!o->conditions) return 1;
    size_t n = strlen(name);
    for (const char *p = o->conditions; (p = strstr(p, name)); p += n)
        if ((p == o->conditions || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

/* A real number that is finite and within [lo, hi] (lo exclusive when gt). */
static int in_range(double x, double lo, double hi, int gt) {
    return isfinite(x) && (gt ? x > lo : x >= lo) && x <= hi;
}

int seal_kn_check_common(const knowledge_opts *o) {
    const inner_opts *in = &o->inner;
    if (!o->model_dir || !o->eval_path || !o->run_dir) return seal_err("knowledge: need a model, --eval and --run");
    if (o->k <= 0 || o->k > 64) return seal_err("-k: need 1 <= k <= 64 (got %d)", o->k);
    if (o->gen_batch <= 0 || o->gen_batch > 64)
        return seal_err("knowledge: need 1 <= gen_batch <= 64 (got %d)", o->gen_batch);
    if (o->eval_passages <= 0) return seal_err("--eval-passages: need N >= 1 (got %d)", o->eval_passages);
    if (o->max_new_edit <= 0) return seal_err("--max-edit-tokens: need N >= 1 (got %d)", o->max_new_edit);
    if (o->seq.max_segments < 0) return seal_err("--max-segments: need N >= 0 (got %d)", o->seq.max_segments);
    if (!in_range(o->sampling.temperature, 0, 1e6, 0)) return seal_err("--temperature: need a finite T >= 0");
    if (!in_range(o->sampling.top_p, 0, 1, 1)) return seal_err("--top-p: need 0 < P <= 1");
    if (!in_range(in->lr, 0, 1e6, 1)) return seal_err("--inner-lr: need a finite X > 0");
    if (!in_range(in->alpha, 0, 1e9, 1)) return seal_err("--inner-alpha: need a finite A > 0");
    if (!in_range(in->f1_threshold, 0, 1, 0)) return seal_err("--f1-threshold: need 0 <= X <= 1");
    if (!in_range(in->weight_decay, 0, 1e6, 0) || !in_range(in->max_grad_norm, 0, 1e12, 0) ||
        !in_range(in->dropout, 0, 1, 0))
        return seal_err("knowledge: inner weight decay, max grad norm and dropout must be finite and >= 0");
    if (in->rank <= 0 || in->epochs <= 0 || in->batch_size <= 0 || in->grad_accum <= 0 || in->max_new <= 0)
        return seal_err("knowledge: need --inner-rank, --inner-epochs, --inner-batch, --inner-accum and "
                        "--answer-tokens >= 1");
    return 0;
}

/* The options only eval and rl use. */
static int check_rl_opts(const knowledge_opts *o) {
    if (o->workers < 1 || o->workers > KN_MAX_WORKERS)
        return seal_err("--workers: need 1 <= N <= %d (got %d)", KN_MAX_WORKERS, o->workers);
    if (o->workers > 1 && seal_rank_size() > 1)
        return seal_err("--workers %d: under MPI each rank runs one inner loop at a time; use more ranks", o->workers);
    if (o->reps <= 0 || o->eval_reps <= 0) return seal_err("--reps and --eval-reps: need N >= 1");
    if (o->rounds < 0) return seal_err("--rounds: need N >= 0 (got %d)", o->rounds);
    if (o->distractors < 0) return seal_err("--distractors: need N >= 0 (got %d)", o->distractors);
    if (o->rounds == 0) return 0;
    if (!o->train_path) return seal_err("knowledge rl: --rounds %d needs --train FILE", o->rounds);
    if (o->passages_per_round <= 0) return seal_err("--passages-per-round: need N >= 1");
    if (o->sft_rank <= 0 || o->sft_epochs <= 0 || o->sft_batch <= 0 || o->sft_accum <= 0)
        return seal_err("knowledge rl: need --sft-rank, --sft-epochs and --sft-accum >= 1");
    if (!in_range(o->sft_lr, 0, 1e6, 1)) return seal_err("--sft-lr: need a finite X > 0");
    if (!in_range(o->sft_alpha, 0, 1e9, 1)) return seal_err("--sft-alpha: need a finite A > 0");
    return 0;
}

/* The given condition's name (--given-name, or "passage+given"). */
static const char *given_name(const knowledge_opts *o) { return o->given_name ? o->given_name : "passage+given"; }

/* What results.json and results.md say besides the tables: which model the
 * inner loops adapted, every adapted model's no-self-edit baseline and the
 * empty self-edits dropped per condition. */
typedef struct {
    json_t *header; /* results.json's extra keys */
    strbuf md;      /* lines after results.md's tables */
} run_notes;

static void note_baseline(run_notes *nt, const char *model, const double *acc, int n) {
    json_t *b = json_object_get(nt->header, "baselines");
    json_object_set_new(b, model, seal_json_real(seal_mean_of(acc, n)));
    seal_strbuf_printf(&nt->md, "%sno-self-edit baseline of %s: %.3f\n", nt->md.len ? "" : "\n", model,
                       seal_mean_of(acc, n));
}

static void note_dropped(run_notes *nt, const char *cond, int dropped, int total) {
    json_object_set_new(json_object_get(nt->header, "empty_self_edits_dropped"), cond, json_integer(dropped));
    if (dropped)
        seal_strbuf_printf(&nt->md, "%s%s: %d of %d self-edits were empty and dropped\n", nt->md.len ? "" : "\n", cond,
                           dropped, total);
}

/* Round r's generator, ReST-EM round and evaluation (seal-round-r): the
 * round's inner loops adapt the generator (or base, --inner-model base), and
 * seal-round-r's adapt and answer with round r's merged model. *gen_dir
 * becomes round r's model directory. */
static int run_round(run_state *rs, int r, char **gen_dir, const inner_target *base, condition *c, run_notes *nt) {
    const knowledge_opts *o = rs->o;
    char *mdir = round_path(o, r, "model");
    int rc = 0;
    seal_replace_dir_recover(mdir);
    if (!seal_is_dir(mdir)) {
        seal_model g;
        inner_target t;
        rc = seal_model_load(&g, *gen_dir);
        if (rc == 0) {
            char name[32];
            snprintf(name, sizeof name, r == 1 ? "base" : "round-%d", r - 1);
            set_target(&t, &g, name, *gen_dir);
            rc = rl_round(rs, r, *gen_dir, &g, o->inner_model_base ? base : &t);
            seal_model_free(&g);
        }
    }
    seal_model g;
    if (rc == 0) rc = seal_model_load(&g, mdir);
    if (rc == 0) {
        char name[32], tag[16], model[16];
        snprintf(name, sizeof name, "seal-round-%d", r);
        snprintf(tag, sizeof tag, "eval%d", r);
        snprintf(model, sizeof model, "round-%d", r);
        inner_target t;
        set_target(&t, &g, model, mdir);
        const inner_target *target = o->inner_model_base ? base : &t;
        double *acc = seal_calloc((size_t)rs->n_eval, sizeof(double));
        int dropped = 0;
        /* the no-self-edit answers of the model seal-round-r adapts, under its round's key */
        rc = frozen_answers(rs, target->m, model, acc);
        if (rc == 0) note_baseline(nt, model, acc, rs->n_eval);
        free(acc);
        if (rc == 0) rc = cond_inner(rs, c, name, tag, &g, NULL, target, &dropped);
        if (rc == 0) note_dropped(nt, name, dropped, rs->n_eval * o->k);
        seal_model_free(&g);
    }
    free(*gen_dir);
    *gen_dir = mdir;
    return rc;
}

int seal_knowledge_rl(const knowledge_opts *o) {
    if (seal_kn_check_common(o) || check_rl_opts(o)) return -1;
    if (seal_rank() != 0) return kn_serve(o);
    run_state rs;
    condition conds[16] = {0}; /* a failed round leaves its acc NULL */
    inner_target base;
    run_notes nt = {.header = json_pack("{s:i, s:s, s:{}, s:{}}", "rounds", o->rounds, "inner_model",
                                        o->inner_model_base ? "base" : "current", "baselines",
                                        "empty_self_edits_dropped")};
    int nc = 0, dropped = 0, rc = kn_open_run(&rs, o, NULL);
    if (rc == 0) set_target(&base, &rs.base, "base", o->model_dir);
    if (rc == 0 && seal_kn_wanted(o, "base")) {
        rc = seal_kn_cond_base(&rs, &conds[nc++]);
        if (rc == 0) note_baseline(&nt, "base", conds[nc - 1].acc, rs.n_eval);
    }
    if (rc == 0 && seal_kn_wanted(o, "passage"))
        rc = cond_inner(&rs, &conds[nc++], "passage", "passage", NULL, NULL, &base, &dropped);
    if (rc == 0 && o->given_path) rc = cond_inner(&rs, &conds[nc++], given_name(o), "given", NULL, rs.given, &base, &dropped);
    if (rc == 0 && seal_kn_wanted(o, "passage+self-edit")) {
        rc = cond_inner(&rs, &conds[nc++], "passage+self-edit", "eval0", &rs.base, NULL, &base, &dropped);
        if (rc == 0) note_dropped(&nt, "passage+self-edit", dropped, rs.n_eval * o->k);
    }
    char *gen_dir = seal_strdup(o->model_dir);
    for (int r = 1; r <= o->rounds && rc == 0 && nc < 16; r++) rc = run_round(&rs, r, &gen_dir, &base, &conds[nc++], &nt);
    free(gen_dir);
    rs.md_notes = nt.md.s;
    if (rc == 0) rc = seal_kn_write_results(&rs, conds, nc, NULL, NULL, nt.header);
    for (int i = 0; i < nc; i++) free(conds[i].acc);
    json_decref(nt.header);
    seal_strbuf_free(&nt.md);
    seal_kn_close_run(&rs);
    return rc;
}

int seal_knowledge_eval(const knowledge_opts *o) {
    knowledge_opts e = *o;
    e.rounds = 0;
    return seal_knowledge_rl(&e);
}
