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
 * (LoRA or an f32 copy), answer every passage's questions, and journal it
 * under key. edits[i]: a JSON array of passage i's self-edits, or edits NULL
 * for the passages alone. m_name names m in the record ("base", a generator). */
static int cpt_run(run_state *rs, const cpt_opts *co, const char *name, json_t **edits, const char *key,
                   seal_model *m, const char *m_name) {
    const knowledge_opts *o = rs->o;
    const inner_opts *in = &o->inner;
    int n = rs->n_eval, ns = 0, rc = 0;
    double t0 = seal_now();
    char **seqs = NULL;
    for (int i = 0; i < n && rc == 0; i++) {
        int ne = edits ? (int)json_array_size(edits[i]) : 0;
        const char **e = seal_calloc((size_t)(ne ? ne : 1), sizeof *e);
        for (int j = 0; j < ne && edits; j++) e[j] = json_string_value(json_array_get(edits[i], (size_t)j));
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
        rc = seal_journal_put(&rs->cpt, key, rec);
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

/* Where a condition's self-edits come from when it still has to run. */
typedef enum { SRC_PASSAGE, SRC_GIVEN, SRC_MODEL } edit_source;

/* Run condition name unless journaled; fill c (per-passage accuracy, and the
 * sample's questions right per passage) from its record. src SRC_MODEL:
 * self-edits of the model in dir (NULL: the base model), cached under tag;
 * SRC_GIVEN: given[title] for every passage. */
static int cpt_condition(run_state *rs, const cpt_opts *co, const char *name, edit_source src, const char *dir,
                         const char *tag, json_t *given, const question_sample *sample, condition *c) {
    const knowledge_opts *o = rs->o;
    int n = rs->n_eval, rc = 0;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->acc = seal_calloc((size_t)n, sizeof(double));
    c->right = seal_calloc((size_t)n, sizeof(double));
    char key[64];
    snprintf(key, sizeof key, "cpt/%s", name);
    json_t *rec = seal_journal_get(&rs->cpt, key);
    if (rec && !o->quiet) fprintf(stderr, "cpt %s: already done\n", name);
    if (!rec) {
        json_t **edits = NULL;
        const seal_passage **ps = seal_calloc((size_t)n, sizeof *ps);
        for (int i = 0; i < n; i++) ps[i] = passage_at(rs, i);
        if (src != SRC_PASSAGE) edits = seal_calloc((size_t)n, sizeof *edits);
        seal_model g;
        int loaded = 0;
        if (src == SRC_GIVEN) {
            for (int i = 0; i < n && rc == 0; i++) {
                json_t *t = json_object_get(given, ps[i]->title);
                if (!json_is_string(t)) rc = seal_err("%s: no self-edit for passage \"%s\"", o->given_path, ps[i]->title);
                else edits[i] = json_pack("[O]", t);
            }
        } else if (src == SRC_MODEL) {
            loaded = dir && seal_model_load(&g, dir) == 0;
            if (dir && !loaded) rc = -1;
            if (rc == 0) rc = seal_kn_self_edits(rs, loaded ? &g : &rs->base, tag, ps, n, edits);
            for (int i = 0; i < n && rc == 0; i++) json_incref(edits[i]); /* borrowed from the journal */
        }
        /* the current policy: a generator's condition finetunes and asks the generator itself */
        int own = loaded && !o->inner_model_base;
        if (rc == 0) rc = cpt_run(rs, co, name, edits, key, own ? &g : &rs->base, own ? name : "base");
        if (loaded) seal_model_free(&g);
        for (int i = 0; edits && i < n; i++) json_decref(edits[i]);
        free(edits);
        free(ps);
        if (rc) return -1;
        rec = seal_journal_get(&rs->cpt, key);
        seal_kn_maybe_die();
    }
    json_t *prs = json_object_get(rec, "passages");
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
static int generator_fingerprints(const cpt_opts *co, json_t *out) {
    for (int i = 0; i < co->n_generators; i++) {
        seal_model g;
        if (seal_model_load(&g, co->gen_dir[i])) return seal_err_prefix("--generator %s", co->gen_name[i]);
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)seal_st_set_fingerprint(&g.weights));
        json_array_append_new(out, json_string(hex));
        seal_model_free(&g);
    }
    return 0;
}

/* knowledge's record plus what cpt adds (under the keys it has always had). */
static int build_record(const run_state *rs, const cpt_opts *co, seal_run_record *r) {
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
    int rc = generator_fingerprints(co, fps); /* filled before extra takes it (or it is dropped) */
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
    run_state rs;
    condition conds[4 + CPT_MAX_GENERATORS];
    memset(conds, 0, sizeof conds);
    question_sample qs = {0};
    seal_run_record record = {0};
    int nc = 0, rc = seal_kn_load_inputs(&rs, &o, "--cpt-passages");
    if (rc == 0) rc = question_sample_draw(&rs, co->eval_questions, &qs);
    if (rc == 0) rc = build_record(&rs, co, &record);
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
    if (rc == 0 && seal_kn_wanted(&o, "passage")) {
        rc = cpt_condition(&rs, co, "passage", SRC_PASSAGE, NULL, NULL, NULL, &qs, &conds[nc]);
        nc++;
    }
    if (rc == 0 && o.given_path) {
        const char *nm = o.given_name ? o.given_name : "passage+given";
        rc = cpt_condition(&rs, co, nm, SRC_GIVEN, NULL, NULL, rs.given, &qs, &conds[nc]);
        nc++;
    }
    if (rc == 0 && seal_kn_wanted(&o, "passage+self-edit")) {
        rc = cpt_condition(&rs, co, "passage+self-edit", SRC_MODEL, NULL, "eval0", NULL, &qs, &conds[nc]);
        nc++;
    }
    for (int i = 0; i < co->n_generators && rc == 0; i++) {
        char tag[40];
        snprintf(tag, sizeof tag, "gen-%s", co->gen_name[i]);
        rc = cpt_condition(&rs, co, co->gen_name[i], SRC_MODEL, co->gen_dir[i], tag, NULL, &qs, &conds[nc]);
        nc++;
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
