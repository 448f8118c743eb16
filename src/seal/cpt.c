#include "seal/cpt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/adapter.h"
#include "io/safetensors.h"
#include "seal/grade.h"
#include "seal/knowledge_run.h"
#include "seal/pyrandom.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "train/dataset.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"
#include "util/run_record.h"
#include "util/progress.h"

cpt_opts seal_cpt_opts_defaults(cpt_mode mode) {
    cpt_opts c = {.k = seal_knowledge_opts_defaults(), .mode = mode, .passages = 200};
    c.k.rounds = 0;
    c.k.seq.split_newlines = 0; /* each completion is one document */
    inner_opts *in = &c.k.inner;
    in->batch_size = 4;
    in->grad_accum = 2;
    in->weight_decay = 0;
    in->schedule = SCHED_LINEAR;
    if (mode == CPT_LORA) {
        in->full = 0, in->rank = 32, in->alpha = 64, in->dropout = 0;
        in->targets = (1u << MOD_Q) | (1u << MOD_V);
        in->epochs = 3, in->lr = 1e-3;
    } else {
        in->full = 1, in->epochs = 1, in->lr = 7e-5;
        c.warmup_ratio = 0.03;
    }
    return c;
}

int seal_cpt_mode_parse(const char *s, cpt_mode *mode) {
    if (!strcmp(s, "lora")) *mode = CPT_LORA;
    else if (!strcmp(s, "full")) *mode = CPT_FULL;
    else return seal_err("--cpt-mode: \"%s\" (lora or full)", s);
    return 0;
}

/* See build_record. */
#define CPT_RULES 2

static const char *cpt_mode_name(cpt_mode mode) { return mode == CPT_LORA ? "lora" : "full"; }

static int append_seqs(char ***seqs, int *n, char **add, int m) {
    *seqs = seal_realloc(*seqs, (size_t)(*n + m + 1) * sizeof **seqs);
    memcpy(*seqs + *n, add, (size_t)m * sizeof *add);
    *n += m;
    free(add);
    return 0;
}

/* The training sequences of one passage for one condition, appended to
 * *seqs / *n, as the reference builds them: its empty self-edits (NULL or
 * empty after str.strip(), the reference's `if c.strip()`) are dropped, and a
 * passage left with none trains on the fallback [""] (the passage-only
 * condition is that fallback for every passage: each passage once, as
 * cpt_naive.json's `k_completions 0`). Each self-edit gives
 * "{title}\n{segment}" per "---" segment; then
 *   lora (v1, CPT.py, original build_train_sequences): the passage after EVERY
 *        self-edit; the fallback gives "{title}\n" (the original's empty
 *        segment) and the passage: 2 per passage, cpt_naive.json's 400 for 200;
 *   full (v2, CPT_fullFT.py, add_context=(i == 0)): the passage once, after the
 *        first self-edit's segments; the fallback gives the passage alone. */
static int cpt_passage_sequences(cpt_mode mode, const seq_opts *seq, const seal_passage *p, const char *const *edits,
                                 int n_edits, char ***seqs, int *n) {
    static const char *const fallback[] = {""};
    const char **kept = seal_calloc((size_t)(n_edits ? n_edits : 1), sizeof *kept);
    int nk = 0;
    for (int j = 0; j < n_edits; j++)
        if (edits && !seal_grade_answer_empty(edits[j])) kept[nk++] = edits[j]; /* Python's str.strip() */
    const char *const *use = nk ? kept : fallback;
    if (!nk) nk = 1;
    if (mode == CPT_LORA && use == fallback) {
        char **t = seal_malloc(sizeof *t);
        size_t len = strlen(p->title) + 2;
        t[0] = seal_malloc(len);
        snprintf(t[0], len, "%s\n", p->title);
        append_seqs(seqs, n, t, 1);
    }
    seq_opts so = *seq;
    int rc = 0;
    for (int j = 0; j < nk && rc == 0; j++) {
        char **s;
        int m;
        so.add_context = mode == CPT_LORA || j == 0;
        rc = seal_selfedit_sequences(p->title, p->context, use[j], &so, &s, &m);
        if (rc == 0) append_seqs(seqs, n, s, m);
    }
    free(kept);
    return rc;
}

/* ------------------------------------------------------------ one condition */

static const seal_passage *passage_at(run_state *rs, int i) { return &rs->eval.p[rs->eval_idx[i]]; }

/* Build the condition's sequences, finetune model m once over all of them
 * (LoRA or an f32 copy), answer every passage's questions, and make its
 * journal record *rec_out. edits: a JSON array of each passage's array of
 * self-edits, or NULL for the passages alone. m_name names m in the record
 * ("base", a generator). */
static int cpt_run(run_state *rs, const cpt_opts *co, const char *name, json_t *edits, seal_model *m,
                   const char *m_name, json_t **rec_out) {
    const knowledge_opts *o = rs->o;
    const inner_opts *in = &o->inner;
    int n = rs->n_eval, ns = 0, rc = 0;
    double t0 = seal_now();
    char **seqs = NULL;
    for (int i = 0; i < n && rc == 0; i++) {
        json_t *pe = json_array_get(edits, (size_t)i);
        int ne = (int)json_array_size(pe);
        const char **e = seal_calloc((size_t)(ne ? ne : 1), sizeof *e);
        for (int j = 0; j < ne; j++) e[j] = json_string_value(json_array_get(pe, (size_t)j));
        rc = cpt_passage_sequences(co->mode, &o->seq, passage_at(rs, i), e, ne, &seqs, &ns);
        free(e);
    }
    train_dataset ds = {0};
    dataset_opts dopt;
    if (rc == 0) rc = seal_inner_dataset_opts(in, &rs->base, &dopt);
    for (int i = 0; i < ns && rc == 0; i++) rc = seal_dataset_add_text(&ds, rs->tok, seqs[i], &dopt);
    if (rc == 0 && ds.n == 0) rc = seal_err("cpt %s: no training sequences", name);
    /* One seed for every condition, as the reference's single training seed:
     * conditions differ only in their data. */
    unsigned long long seed = seal_kn_mix(o->seed, 0xC97u);
    batch_iter it = {0};
    int have_it = rc == 0 && seal_batch_iter_init(&it, &ds, in->batch_size, seed, 1) == 0;
    if (rc == 0 && !have_it) rc = -1;
    seal_adapter a = {0};
    seal_model copy = {0};
    seal_model *target = m;
    if (rc == 0) {
        if (in->full) { seal_model_clone_f32(&copy, m); target = &copy; }
        else rc = seal_adapter_init(&a, &m->cfg, in->rank, in->alpha, 0, in->dropout, in->targets, seed);
    }
    train_result tr = {0};
    if (rc == 0) {
        train_opts to = seal_train_opts_defaults();
        to.lr = in->lr, to.weight_decay = in->weight_decay, to.max_grad_norm = in->max_grad_norm;
        to.epochs = in->epochs, to.grad_accum = in->grad_accum, to.schedule = in->schedule;
        to.warmup_ratio = co->warmup_ratio, to.seed = seed, to.quiet = o->quiet;
        batch_source src = seal_batch_iter_source(&it);
        if (!o->quiet)
            fprintf(stderr, "cpt %s: %d sequences, %ld tokens, %ld optimizer steps (%s)\n", name, ns, ds.stats.tokens,
                    seal_train_total_steps(&src, &to), in->full ? "full finetune" : "LoRA");
        rc = seal_train_run(target, rs->pool, in->full ? NULL : &a, &src, &to, &tr);
    }
    json_t *passages = json_array();
    seal_progress bar;
    if (rc == 0 && !o->quiet) seal_progress_start(&bar, name, n, "passage");
    for (int i = 0; i < n && rc == 0; i++) {
        qa_result r;
        const seal_passage *p = passage_at(rs, i);
        rc = seal_answer_questions(target, rs->pool, rs->tok, in->full ? NULL : &a, p, in, &r);
        if (rc) break;
        json_t *correct = json_array();
        for (int q = 0; q < r.n_q; q++) json_array_append_new(correct, json_boolean(r.correct[q]));
        json_t *rec = json_pack("{s:s, s:o, s:o, s:o}", "title", p->title, "answers", seal_kn_str_array(r.answers, r.n_q),
                                "correct", correct, "accuracy", seal_json_real(r.accuracy));
        seal_qa_result_free(&r);
        if (!rec) { rc = seal_err("cpt %s: passage \"%s\": answers cannot be encoded as JSON", name, p->title); break; }
        json_array_append_new(passages, rec);
        if (!o->quiet) seal_progress_update(&bar, i + 1, NULL);
    }
    if (rc == 0 && !o->quiet) seal_progress_finish(&bar, n, NULL);
    if (rc == 0) {
        json_t *rec = json_object();
        json_object_set_new(rec, "name", json_string(name));
        json_object_set_new(rec, "mode", json_string(cpt_mode_name(co->mode)));
        json_object_set_new(rec, "inner_model", json_string(m_name));
        json_object_set_new(rec, "n_sequences", json_integer(ns));
        json_object_set_new(rec, "sequences", seal_kn_str_array(seqs, ns));
        json_object_set_new(rec, "train_steps", json_integer(tr.steps));
        json_object_set_new(rec, "train_tokens", json_integer(ds.stats.tokens));
        json_object_set_new(rec, "train_loss_first", seal_json_real(tr.first_loss));
        json_object_set_new(rec, "train_loss_last", seal_json_real(tr.last_loss));
        json_object_set_new(rec, "seconds", seal_json_real(seal_now() - t0));
        json_object_set_new(rec, "passages", passages);
        *rec_out = rec;
    } else json_decref(passages);
    if (have_it) seal_batch_iter_free(&it);
    seal_dataset_free(&ds);
    if (a.store) seal_adapter_free(&a);
    if (in->full && copy.cfg.vocab) seal_model_free(&copy);
    seal_selfedit_free(seqs, ns);
    return rc;
}

/* The questions a condition is scored on: all (n == 0), or the n that v2
 * (CPT_fullFT.py) scores: its list of questions, built passage by passage in
 * the run's order (the seed-42 shuffle's first passages, i.e. base_val.json's
 * order) and question by question, put through `random.seed(42);
 * random.shuffle(questions)`, and the first n kept. */
typedef struct {
    size_t n, total;
    size_t *order;         /* [n]: the sample, flat question indices in the shuffle's order */
    unsigned char *chosen; /* [total]: 1 = in the sample */
    double *counted;       /* [passages]: questions of each passage scored */
} question_sample;

static int question_sample_draw(run_state *rs, int want, question_sample *qs) {
    memset(qs, 0, sizeof *qs);
    size_t total = (size_t)seal_passages_count_questions(&rs->eval, rs->eval_idx, rs->n_eval);
    if (want > 0 && (size_t)want > total)
        return seal_err("--eval-questions %d: the %d passages have only %zu questions", want, rs->n_eval, total);
    qs->counted = seal_calloc((size_t)rs->n_eval, sizeof(double));
    qs->total = total;
    qs->chosen = seal_calloc(total ? total : 1, 1);
    if (want <= 0) memset(qs->chosen, 1, total);
    else {
        size_t *q = seal_malloc(sizeof *q * total);
        for (size_t i = 0; i < total; i++) q[i] = i;
        py_random r;
        seal_pyrandom_seed(&r, 42);
        seal_pyrandom_shuffle(&r, q, total, sizeof *q);
        qs->n = (size_t)want;
        qs->order = seal_realloc(q, sizeof *q * (size_t)want);
        for (int i = 0; i < want; i++) qs->chosen[qs->order[i]] = 1;
    }
    size_t flat = 0;
    for (int i = 0; i < rs->n_eval; i++)
        for (int k = 0; k < passage_at(rs, i)->n_qa; k++) qs->counted[i] += qs->chosen[flat++];
    return 0;
}

static void question_sample_free(question_sample *qs) {
    free(qs->order);
    free(qs->chosen);
    free(qs->counted);
}

/* right[i]: passage i's scored questions answered right; correct[i]: its
 * per-question array of booleans (in the passage's question order). */
static void questions_right(run_state *rs, json_t *const *correct, const question_sample *qs, double *right) {
    size_t flat = 0;
    for (int i = 0; i < rs->n_eval; i++) {
        size_t nq = (size_t)passage_at(rs, i)->n_qa;
        right[i] = 0;
        for (size_t q = 0; q < nq && flat < qs->total; q++, flat++)
            right[i] += qs->chosen[flat] && json_is_true(json_array_get(correct[i], q));
    }
}

/* Where a condition's self-edits come from. */
typedef enum { SRC_PASSAGE, SRC_GIVEN, SRC_MODEL } edit_source;

/* One finetuned condition: SRC_MODEL takes its self-edits from --generator
 * gen (-1: the base model), cached in the journal under tag. */
typedef struct {
    const char *name;
    edit_source src;
    int gen;
    char tag[40];
} cpt_cond;

/* A condition still to run, as a job another MPI rank can run
 * (docs/scale-out.md): everything its record depends on. */
typedef struct {
    char name[40], key[64];
    json_t *edits;        /* each passage's array of self-edits, or NULL: the passages alone */
    int gen;              /* the --generator finetuned (its own condition, the current policy), or -1: base */
    char fingerprint[17]; /* of that generator's weights, as rank 0 read them */
} cpt_job;

typedef struct {
    run_state *rs;
    const cpt_opts *co;
    cpt_job *jobs;
} cpt_jobs;

/* Passage i's self-edits for condition cc (JSON arrays in *out, NULL for the
 * passages alone): given, or generated (and journaled) unless cached. */
static int cond_edits(run_state *rs, const cpt_opts *co, const cpt_cond *cc, json_t **out) {
    int n = rs->n_eval, rc = 0;
    *out = NULL;
    if (cc->src == SRC_PASSAGE) return 0;
    const seal_passage **ps = seal_calloc((size_t)n, sizeof *ps);
    for (int i = 0; i < n; i++) ps[i] = passage_at(rs, i);
    json_t **e = seal_calloc((size_t)n, sizeof *e);
    if (cc->src == SRC_GIVEN) {
        for (int i = 0; i < n && rc == 0; i++) {
            json_t *t = json_object_get(rs->given, ps[i]->title);
            if (!json_is_string(t)) rc = seal_err("%s: no self-edit for passage \"%s\"", rs->o->given_path, ps[i]->title);
            else e[i] = json_pack("[O]", t);
        }
    } else {
        seal_model g;
        int loaded = cc->gen >= 0;
        if (loaded && seal_model_load(&g, co->gen_dir[cc->gen])) rc = -1, loaded = 0;
        if (rc == 0) rc = seal_kn_self_edits(rs, loaded ? &g : &rs->base, cc->tag, ps, n, e);
        for (int i = 0; i < n && rc == 0; i++) json_incref(e[i]); /* borrowed from the journal */
        if (loaded) seal_model_free(&g);
    }
    if (rc == 0) {
        *out = json_array();
        for (int i = 0; i < n; i++) json_array_append(*out, e[i]);
    }
    for (int i = 0; i < n; i++) json_decref(e[i]);
    free(e);
    free(ps);
    return rc;
}

static void model_fingerprint(const seal_model *m, char *hex) {
    snprintf(hex, 17, "%016llx", (unsigned long long)seal_st_set_fingerprint(&m->weights));
}

/* Run job j into its record: finetune the base model, or its generator. */
static int job_record(run_state *rs, const cpt_opts *co, const cpt_job *j, json_t **rec) {
    seal_model g;
    if (j->gen < 0) return cpt_run(rs, co, j->name, j->edits, &rs->base, "base", rec);
    if (seal_model_load(&g, co->gen_dir[j->gen])) return -1;
    char fp[17];
    model_fingerprint(&g, fp);
    int rc = strcmp(fp, j->fingerprint)
                 ? seal_err("--generator %s: %s holds other weights (%s) than rank 0 read (%s)", j->name,
                            co->gen_dir[j->gen], fp, j->fingerprint)
                 : cpt_run(rs, co, j->name, j->edits, &g, j->name, rec);
    seal_model_free(&g);
    return rc;
}

static int job_local(void *ctx, int i) {
    cpt_jobs *q = ctx;
    json_t *rec;
    if (job_record(q->rs, q->co, &q->jobs[i], &rec) || seal_journal_put(&q->rs->cpt, q->jobs[i].key, rec)) return -1;
    seal_kn_maybe_die();
    return 0;
}

static int job_accept(void *ctx, int i, const char *res, size_t len) {
    cpt_jobs *q = ctx;
    if (seal_journal_put_text(&q->rs->cpt, q->jobs[i].key, res, len)) return -1;
    seal_kn_maybe_die();
    return 0;
}

static const char *job_key(void *ctx, int i) { return ((cpt_jobs *)ctx)->jobs[i].key; }

static char *job_describe(void *ctx, int i, size_t *len) {
    const cpt_job *j = &((cpt_jobs *)ctx)->jobs[i];
    json_t *msg = json_pack("{s:s, s:s, s:O, s:i, s:s}", "name", j->name, "key", j->key, "edits",
                            j->edits ? j->edits : json_null(), "gen", j->gen, "fingerprint", j->fingerprint);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    *len = strlen(text);
    return text;
}

/* Every job not journaled: over the MPI ranks when there are several (rank 0
 * journals every record), else one after another. */
static int run_cpt_jobs(run_state *rs, const cpt_opts *co, cpt_job *jobs, int n) {
    cpt_jobs q = {rs, co, jobs};
    if (seal_rank_size() > 1) {
        seal_farm f = {&q, n, job_describe, job_local, job_accept, NULL, job_key};
        return seal_farm_run(&f) ? seal_err_prefix("knowledge cpt") : 0;
    }
    for (int i = 0; i < n; i++)
        if (job_local(&q, i)) return -1;
    return 0;
}

/* A rank other than 0: the run's inputs, and the jobs rank 0 hands out. */
typedef struct {
    run_state rs;
    const cpt_opts *co;
} cpt_worker;

static int worker_job(void *ctx, const char *text, size_t len, char **result, size_t *rlen) {
    cpt_worker *w = ctx;
    json_error_t e;
    json_t *msg = json_loadb(text, len, 0, &e), *rec = NULL;
    const char *name = json_string_value(json_object_get(msg, "name")), *key = json_string_value(json_object_get(msg, "key")),
               *fp = json_string_value(json_object_get(msg, "fingerprint"));
    int gen = (int)json_integer_value(json_object_get(msg, "gen")), rc = 0;
    json_t *edits = json_object_get(msg, "edits");
    if (!name || !key || !fp || gen < -1 || gen >= w->co->n_generators ||
        (!json_is_null(edits) && json_array_size(edits) != (size_t)w->rs.n_eval))
        rc = seal_err("a job message that is not one (%.200s)", text);
    cpt_job j = {.edits = json_is_array(edits) ? edits : NULL, .gen = gen};
    if (rc == 0) {
        snprintf(j.name, sizeof j.name, "%s", name);
        snprintf(j.fingerprint, sizeof j.fingerprint, "%s", fp);
        rc = job_record(&w->rs, w->co, &j, &rec);
    }
    if (rc == 0) {
        *result = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
        *rlen = strlen(*result);
    }
    json_decref(rec);
    json_decref(msg);
    return rc;
}

/* Load the inputs (as rank 0 does, o its knowledge options) and serve; nothing is written. */
static int cpt_serve(const cpt_opts *co, const knowledge_opts *o) {
    knowledge_opts quiet = *o;
    quiet.quiet = 1;
    cpt_worker w = {.co = co};
    int rc = seal_kn_load_inputs(&w.rs, &quiet, "--cpt-passages");
    if (rc == 0 && !(w.rs.pool = seal_pool_create(w.rs.threads))) rc = -1;
    rc = seal_farm_join(rc, &w, worker_job);
    seal_kn_close_run(&w.rs);
    return rc;
}

/* Fill c (per-passage accuracy, and the sample's questions right per
 * passage) from condition name's journal record. */
static int cond_from_record(run_state *rs, const char *name, const question_sample *sample, condition *c) {
    int n = rs->n_eval;
    char key[64];
    snprintf(key, sizeof key, "cpt/%s", name);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->acc = seal_calloc((size_t)n, sizeof(double));
    c->right = seal_calloc((size_t)n, sizeof(double));
    json_t *prs = json_object_get(seal_journal_get(&rs->cpt, key), "passages");
    if (json_array_size(prs) != (size_t)n) return seal_err("cpt.jsonl: %s: %zu passages, expected %d", key, json_array_size(prs), n);
    json_t **correct = seal_malloc(sizeof *correct * (size_t)n);
    for (int i = 0; i < n; i++) {
        json_t *pr = json_array_get(prs, (size_t)i);
        c->acc[i] = seal_kn_number(pr, "accuracy");
        correct[i] = json_object_get(pr, "correct");
    }
    questions_right(rs, correct, sample, c->right);
    free(correct);
    return 0;
}

/* The finetuned conditions cc[0..n): those not journaled get their
 * self-edits first (on rank 0), then run as jobs; c[i] is filled from each
 * record. */
static int cpt_conditions(run_state *rs, const cpt_opts *co, const cpt_cond *cc, int n, const question_sample *qs,
                          const char (*gen_fp)[17], condition *c) {
    cpt_job *jobs = seal_calloc((size_t)n + 1, sizeof *jobs);
    int nj = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        cpt_job *j = &jobs[nj];
        snprintf(j->key, sizeof j->key, "cpt/%s", cc[i].name);
        if (seal_journal_get(&rs->cpt, j->key)) {
            if (!rs->o->quiet) fprintf(stderr, "cpt %s: already done\n", cc[i].name);
            continue;
        }
        snprintf(j->name, sizeof j->name, "%s", cc[i].name);
        /* the current policy: a generator's condition finetunes and asks the generator itself */
        j->gen = cc[i].gen >= 0 && !rs->o->inner_model_base ? cc[i].gen : -1;
        if (j->gen >= 0) snprintf(j->fingerprint, sizeof j->fingerprint, "%s", gen_fp[j->gen]);
        rc = cond_edits(rs, co, &cc[i], &j->edits);
        nj++;
    }
    if (rc == 0) rc = run_cpt_jobs(rs, co, jobs, nj);
    for (int i = 0; i < n && rc == 0; i++) rc = cond_from_record(rs, cc[i].name, qs, &c[i]);
    for (int i = 0; i < nj; i++) json_decref(jobs[i].edits);
    free(jobs);
    return rc;
}

/* The base condition (baseline.jsonl, shared with eval) with its questions
 * right per passage. */
static int cpt_cond_base(run_state *rs, const question_sample *qs, condition *c) {
    if (seal_kn_cond_base(rs, c)) return -1;
    json_t **correct = seal_malloc(sizeof *correct * (size_t)rs->n_eval);
    for (int i = 0; i < rs->n_eval; i++) {
        char key[64];
        snprintf(key, sizeof key, "base/%d", i);
        correct[i] = json_object_get(seal_journal_get(&rs->baseline, key), "correct");
    }
    c->right = seal_calloc((size_t)rs->n_eval, sizeof(double));
    questions_right(rs, correct, qs, c->right);
    free(correct);
    return 0;
}

/* ------------------------------------------------------------ the run */

static int check_opts(const cpt_opts *co) {
    const knowledge_opts *o = &co->k;
    if (seal_kn_check_common(o)) return -1;
    if (co->passages <= 0) return seal_err("--cpt-passages: need at least 1 passage (got %d)", co->passages);
    if (co->eval_questions < 0) return seal_err("--eval-questions: need N >= 0 (got %d)", co->eval_questions);
    if (!(co->warmup_ratio >= 0 && co->warmup_ratio < 1)) return seal_err("--inner-warmup-ratio: need 0 <= X < 1");
    if (co->n_generators < 0 || co->n_generators > CPT_MAX_GENERATORS)
        return seal_err("knowledge cpt: at most %d --generator", CPT_MAX_GENERATORS);
    const char *fixed[] = {"base", "passage", "passage+self-edit", o->given_path ? o->given_name : NULL};
    for (int i = 0; i < co->n_generators; i++) {
        const char *nm = co->gen_name[i];
        if (!nm || !nm[0] || strlen(nm) > 24 || strchr(nm, '/') || !co->gen_dir[i] || !co->gen_dir[i][0])
            return seal_err("--generator: need NAME=DIR with a NAME of 1 to 24 characters without '/'");
        for (int f = 0; f < 4; f++)
            if (fixed[f] && !strcmp(fixed[f], nm)) return seal_err("--generator %s: that condition name is taken", nm);
        for (int j = 0; j < i; j++)
            if (!strcmp(co->gen_name[j], nm)) return seal_err("--generator %s: given twice", nm);
    }
    if (o->given_path && o->given_name && (strlen(o->given_name) > 24 || strchr(o->given_name, '/')))
        return seal_err("--given-name: at most 24 characters, no '/'");
    return 0;
}

/* The fingerprint of each --generator's weights: the generators are inputs
 * too, and a missing one is refused before the run directory is claimed. */
static int generator_fingerprints(const cpt_opts *co, json_t *out, char (*hex)[17]) {
    for (int i = 0; i < co->n_generators; i++) {
        seal_model g;
        if (seal_model_load(&g, co->gen_dir[i])) return seal_err_prefix("--generator %s", co->gen_name[i]);
        model_fingerprint(&g, hex[i]);
        json_array_append_new(out, json_string(hex[i]));
        seal_model_free(&g);
    }
    return 0;
}

/* knowledge's record plus what cpt adds (under the keys it has always had);
 * gen_fp gets each generator's fingerprint. */
static int build_record(const run_state *rs, const cpt_opts *co, seal_run_record *r, char (*gen_fp)[17]) {
    const knowledge_opts *o = rs->o;
    json_t *gens = json_array(), *fps = json_array();
    for (int i = 0; i < co->n_generators; i++)
        json_array_append_new(gens, json_pack("{s:s, s:s}", "name", co->gen_name[i], "dir", co->gen_dir[i]));
    json_t *extra = json_object();
    json_object_set_new(extra, "cpt_mode", json_string(cpt_mode_name(co->mode)));
    json_object_set_new(extra, "cpt_passages", json_integer(co->passages));
    /* The version of cpt's own rules (absent: 1, the earlier builds: k copies of
     * each passage in lora's passage condition, random.sample's questions).
     * A record without it is refused, not resumed into mixed results. */
    json_object_set_new(extra, "cpt_rules", json_integer(CPT_RULES));
    json_object_set_new(extra, "inner_batch", json_integer(o->inner.batch_size));
    json_object_set_new(extra, "inner_accum", json_integer(o->inner.grad_accum));
    json_object_set_new(extra, "inner_warmup_ratio", json_real(co->warmup_ratio));
    json_object_set_new(extra, "inner_weight_decay", json_real(o->inner.weight_decay));
    json_object_set_new(extra, "split_newlines", json_integer(o->seq.split_newlines));
    json_object_set_new(extra, "max_segments", json_integer(o->seq.max_segments));
    json_object_set_new(extra, "generators", gens);
    int rc = generator_fingerprints(co, fps, gen_fp); /* filled before extra takes it (or it is dropped) */
    if (co->n_generators) json_object_set_new(extra, "generator_fingerprints", fps);
    else json_decref(fps);
    if (co->eval_questions > 0) json_object_set_new(extra, "eval_questions", json_integer(co->eval_questions));
    if (rc == 0) rc = seal_kn_build_record(rs, extra, r);
    json_decref(extra);
    return rc;
}

int seal_knowledge_cpt(const cpt_opts *co) {
    if (check_opts(co)) return -1;
    knowledge_opts o = co->k;
    o.rounds = 0;
    o.train_path = NULL;
    o.eval_passages = co->passages;
    o.inner.full = co->mode == CPT_FULL;
    if (seal_rank() != 0) return cpt_serve(co, &o);
    run_state rs;
    condition conds[4 + CPT_MAX_GENERATORS];
    memset(conds, 0, sizeof conds);
    question_sample qs = {0};
    seal_run_record record = {0};
    char gen_fp[CPT_MAX_GENERATORS][17];
    int nc = 0, rc = seal_kn_load_inputs(&rs, &o, "--cpt-passages");
    if (rc == 0) rc = question_sample_draw(&rs, co->eval_questions, &qs);
    if (rc == 0) rc = build_record(&rs, co, &record, gen_fp);
    if (rc == 0) rc = seal_kn_claim_run(&rs, &record);
    seal_run_record_free(&record);
    if (rc == 0) {
        char *p = seal_path_join(o.run_dir, "cpt.jsonl");
        rc = seal_journal_open(&rs.cpt, p);
        free(p);
    }
    if (rc == 0 && !o.quiet && seal_journal_size(&rs.cpt))
        fprintf(stderr, "knowledge cpt: resuming %s: %zu conditions already done\n", o.run_dir, seal_journal_size(&rs.cpt));
    if (rc == 0 && seal_kn_wanted(&o, "base")) {
        rc = cpt_cond_base(&rs, &qs, &conds[nc]);
        nc++;
    }
    cpt_cond cc[3 + CPT_MAX_GENERATORS];
    int ncc = 0;
    if (seal_kn_wanted(&o, "passage")) cc[ncc++] = (cpt_cond){"passage", SRC_PASSAGE, -1, ""};
    if (o.given_path) cc[ncc++] = (cpt_cond){o.given_name ? o.given_name : "passage+given", SRC_GIVEN, -1, ""};
    if (seal_kn_wanted(&o, "passage+self-edit")) cc[ncc++] = (cpt_cond){"passage+self-edit", SRC_MODEL, -1, "eval0"};
    for (int i = 0; i < co->n_generators; i++) {
        cc[ncc] = (cpt_cond){co->gen_name[i], SRC_MODEL, i, ""};
        snprintf(cc[ncc++].tag, sizeof cc[0].tag, "gen-%s", co->gen_name[i]);
    }
    if (rc == 0) {
        rc = cpt_conditions(&rs, co, cc, ncc, &qs, (const char (*)[17])gen_fp, &conds[nc]);
        nc += ncc;
    }
    if (rc == 0) {
        json_t *res_extra = json_pack("{s:s, s:i}", "mode", cpt_mode_name(co->mode), "n_passages", rs.n_eval);
        char label[96] = "every question";
        if (qs.n) {
            json_t *order = json_array();
            for (size_t i = 0; i < qs.n; i++) json_array_append_new(order, json_integer((json_int_t)qs.order[i]));
            json_object_set_new(res_extra, "eval_questions", json_integer((json_int_t)qs.n));
            json_object_set_new(res_extra, "eval_question_sample", order);
            snprintf(label, sizeof label, "the %zu questions sampled as CPT_fullFT.py does", qs.n);
        }
        rc = seal_kn_write_results(&rs, conds, nc, qs.counted, label, res_extra);
        json_decref(res_extra);
    }
    for (int i = 0; i < nc; i++) free(conds[i].acc), free(conds[i].right);
    question_sample_free(&qs);
    seal_kn_close_run(&rs);
    return rc;
}
