#include "seal/knowledge.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/generate.h"
#include "model/merge.h"
#include "model/peft.h"
#include "seal/journal.h"
#include "seal/knowledge_run.h"
#include "seal/stats.h"
#include "seal/squad.h"
#include "train/dataset.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_diff.h"
#include "util/progress.h"
#include "util/strbuf.h"

knowledge_opts knowledge_opts_defaults(void) {
    knowledge_opts o = {.rounds = 2, .passages_per_round = 50, .k = 5, .reps = 3, .eval_passages = 200, .eval_reps = 1,
                        .subset_seed = 42, .seed = 1, .prompt = SELF_EDIT_IMPLICATIONS, .max_new_edit = 8192,
                        .gen_batch = 8, .sft_rank = 64, .sft_alpha = 128, .sft_targets = (1u << MOD_COUNT) - 1,
                        .sft_lr = 3e-4, .sft_epochs = 2, .sft_batch = 1, .sft_accum = 10, .workers = 1};
    o.sampling = sampling_defaults();
    o.sampling.temperature = 1.0f;
    o.sampling.top_p = 0.95f;
    o.seq = seq_opts_default();
    o.inner = inner_opts_defaults();
    return o;
}

unsigned long long kn_mix(unsigned long long a, unsigned long long b) {
    unsigned long long z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return z ^ (z >> 27);
}

double kn_number(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

/* ------------------------------------------------------------ self-edits */

/* k self-edits of generator g for each of n passages, cached in the journal
 * under "gen/<tag>/<passage>". Returns, per passage, a JSON array of strings. */
int kn_self_edits(run_state *rs, const seal_model *g, const char *tag, const seal_passage *const *ps, int n,
                      json_t **out) {
    const knowledge_opts *o = rs->o;
    for (int start = 0; start < n; start += o->gen_batch) {
        int m = n - start < o->gen_batch ? n - start : o->gen_batch, todo = 0;
        gen_request reqs[64];
        int *ids[64] = {0}, which[64];
        for (int i = 0; i < m && todo < 64; i++) {
            char key[160];
            snprintf(key, sizeof key, "gen/%s/%d", tag, start + i);
            if (journal_get(&rs->edits, key)) continue;
            char *prompt = self_edit_prompt(o->prompt, ps[start + i]->title, ps[start + i]->context);
            int len, rc = tok_encode(rs->tok, prompt, strlen(prompt), 1, &ids[todo], &len);
            free(prompt);
            if (rc) return -1;
            reqs[todo] = (gen_request){ids[todo], len, o->k, kn_mix(o->seed, kn_mix((unsigned long long)(start + i), (unsigned long long)tag[0] * 131 + strlen(tag)))};
            which[todo++] = start + i;
        }
        if (todo) {
            int eos[8], n_eos = 0;
            for (int i = 0; i < g->cfg.n_eos; i++) eos[n_eos++] = g->cfg.eos_ids[i];
            if (tok_eos_id(rs->tok) >= 0 && n_eos < 8) eos[n_eos++] = tok_eos_id(rs->tok);
            gen_params p = {.max_new = o->max_new_edit, .sampling = o->sampling, .eos_ids = eos, .n_eos = n_eos, .tok = rs->tok};
            gen_sample *smp = seal_calloc((size_t)todo * o->k, sizeof *smp);
            int rc = generate(g, rs->pool, reqs, todo, &p, smp, NULL, NULL, NULL);
            for (int i = 0; i < todo && rc == 0; i++) {
                json_t *arr = json_array();
                for (int s = 0; s < o->k; s++) {
                    gen_sample *x = &smp[i * o->k + s];
                    char *t = py_strip_dup(x->text ? x->text : ""); /* the reference .strip()s every completion */
                    json_array_append_new(arr, json_string(t));
                    free(t);
                }
                char key[160];
                snprintf(key, sizeof key, "gen/%s/%d", tag, which[i]);
                rc = journal_put(&rs->edits, key, json_pack("{s:s, s:o}", "title", ps[which[i]]->title, "completions", arr));
            }
            for (int i = 0; i < todo * o->k; i++) gen_sample_free(&smp[i]);
            free(smp);
            for (int i = 0; i < todo; i++) free(ids[i]);
            if (rc) return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        char key[160];
        snprintf(key, sizeof key, "gen/%s/%d", tag, i);
        out[i] = json_object_get(journal_get(&rs->edits, key), "completions");
    }
    return 0;
}

/* ------------------------------------------------------------ inner-loop jobs */

typedef struct {
    char key[160];
    const seal_passage *p;
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

json_t *kn_str_array(char *const *s, int n) {
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
        if (selfedit_sequences(q->title, q->context, "", &o->seq, &extra, &m)) return -1;
        *seqs = seal_realloc(*seqs, (size_t)(*n + m) * sizeof **seqs);
        memcpy(*seqs + *n, extra, (size_t)m * sizeof *extra);
        *n += m;
        free(extra);
        json_array_append_new(titles, json_string(q->title));
    }
    return 0;
}

static int run_job(run_state *rs, const inner_job *j, seal_pool *pool) {
    const knowledge_opts *o = rs->o;
    char **seqs;
    int n;
    seq_stats st;
    if (selfedit_sequences_ex(j->p->title, j->p->context, j->self_edit ? j->self_edit : "", &o->seq, &seqs, &n, &st)) return -1;
    json_t *distract = json_array();
    if (add_distractors(o, j, &seqs, &n, distract)) { selfedit_free(seqs, n); json_decref(distract); return -1; }
    qa_result r;
    int rc = inner_loop(&rs->base, pool, rs->tok, j->p, seqs, n, &o->inner, j->seed, &r);
    if (rc == 0) {
        json_t *correct = json_array();
        for (int i = 0; i < r.n_q; i++) json_array_append_new(correct, json_boolean(r.correct[i]));
        json_t *rec = json_pack("{s:s, s:s?, s:o, s:o, s:o, s:o, s:f, s:f, s:f, s:I, s:f}", "title", j->p->title,
                                "self_edit", j->self_edit, "sequences", kn_str_array(seqs, n), "distractors", distract, "answers",
                                kn_str_array(r.answers, r.n_q), "correct", correct, "accuracy", r.accuracy,
                                "train_loss_first", r.train_loss_first, "train_loss_last", r.train_loss_last,
                                "train_steps", (json_int_t)r.train_steps, "seconds", r.seconds);
        rc = journal_put(&rs->inner, j->key, rec);
        qa_result_free(&r);
    } else json_decref(distract);
    selfedit_free(seqs, n);
    return rc;
}

/* Test hook (tests/cli/test_knowledge.sh): die like a SIGKILL after this many
 * inner loops have been journaled by this process. */
static long kill_after = -2, loops_done;

void kn_maybe_die(void) {
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
        if (rc == 0) kn_maybe_die();
        if (rc && !q->failed) { q->failed = 1; snprintf(q->err, sizeof q->err, "%s: %s", q->jobs[i].key, seal_errmsg()); }
        q->done++;
        if (!q->rs->o->quiet) progress_update(&q->bar, q->done, q->jobs[i].key);
        pthread_mutex_unlock(&q->mu);
    }
    return NULL;
}

/* Run every job not yet in the journal, o->workers at a time. */
static int run_jobs(run_state *rs, inner_job *all, int n, const char *label) {
    inner_job *todo = seal_malloc(sizeof(inner_job) * (size_t)(n ? n : 1));
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!journal_get(&rs->inner, all[i].key)) todo[m++] = all[i];
    job_queue q = {.rs = rs, .jobs = todo, .n = m};
    pthread_mutex_init(&q.mu, NULL);
    if (!rs->o->quiet && m) progress_start(&q.bar, label, m, "loop");
    int nw = rs->o->workers > 1 ? rs->o->workers : 1;
    pthread_t th[64];
    for (int w = 1; w < nw && w < 64; w++) pthread_create(&th[w], NULL, worker, &q);
    worker(&q);
    for (int w = 1; w < nw && w < 64; w++) pthread_join(th[w], NULL);
    if (!rs->o->quiet && m) progress_finish(&q.bar, q.done, NULL);
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
            json_t *rec = journal_get(&rs->inner, key);
            if (rec) { s += kn_number(rec, "accuracy"); n++; }
        }
    return n ? s / n : NAN;
}

/* ------------------------------------------------------------ conditions */

int kn_cond_base(run_state *rs, condition *c) {
    snprintf(c->name, sizeof c->name, "base");
    c->acc = seal_calloc((size_t)rs->n_eval, sizeof(double));
    seal_progress bar;
    if (!rs->o->quiet) progress_start(&bar, "base", rs->n_eval, "passage");
    for (int i = 0; i < rs->n_eval; i++) {
        char key[64];
        snprintf(key, sizeof key, "base/%d", i);
        json_t *rec = journal_get(&rs->baseline, key);
        if (!rec) {
            qa_result r;
            const seal_passage *p = &rs->eval.p[rs->eval_idx[i]];
            if (answer_questions(&rs->base, rs->pool, rs->tok, NULL, p, &rs->o->inner, &r)) return -1;
            json_t *correct = json_array();
            for (int q = 0; q < r.n_q; q++) json_array_append_new(correct, json_boolean(r.correct[q]));
            int rc = journal_put(&rs->baseline, key, json_pack("{s:s, s:o, s:o, s:f}", "title", p->title, "answers",
                                 kn_str_array(r.answers, r.n_q), "correct", correct, "accuracy", r.accuracy));
            qa_result_free(&r);
            if (rc) return -1;
            rec = journal_get(&rs->baseline, key);
        }
        c->acc[i] = kn_number(rec, "accuracy");
        if (!rs->o->quiet) progress_update(&bar, i + 1, NULL);
    }
    if (!rs->o->quiet) progress_finish(&bar, rs->n_eval, NULL);
    return 0;
}

/* Inner loops on the evaluation passages with self-edits from generator g
 * (g NULL: passage only). tag names the condition in the journal keys. */
static int cond_inner(run_state *rs, condition *c, const char *name, const char *tag, const seal_model *g,
                      json_t *given) {
    const knowledge_opts *o = rs->o;
    int k = g ? o->k : 1, reps = o->eval_reps, n = rs->n_eval;
    snprintf(c->name, sizeof c->name, "%s", name);
    const seal_passage **ps = seal_calloc((size_t)n, sizeof *ps);
    for (int i = 0; i < n; i++) ps[i] = &rs->eval.p[rs->eval_idx[i]];
    json_t **edits = seal_calloc((size_t)n, sizeof *edits);
    int rc = g ? kn_self_edits(rs, g, tag, ps, n, edits) : 0;
    for (int i = 0; i < n && rc == 0 && given; i++)
        if (!json_is_string(json_object_get(given, ps[i]->title)))
            rc = seal_err("%s: no self-edit for passage \"%s\"", o->given_path, ps[i]->title);
    inner_job *jobs = seal_calloc((size_t)n * k * reps, sizeof *jobs);
    int nj = 0;
    for (int i = 0; i < n && rc == 0; i++)
        for (int j = 0; j < k; j++)
            for (int r = 0; r < reps; r++, nj++) {
                snprintf(jobs[nj].key, sizeof jobs[nj].key, "%s/p%d/e%d/r%d", tag, i, j, r);
                jobs[nj].p = ps[i];
                jobs[nj].pool = ps, jobs[nj].n_pool = n, jobs[nj].self_idx = i;
                jobs[nj].self_edit = g ? json_string_value(json_array_get(edits[i], (size_t)j))
                                       : given ? json_string_value(json_object_get(given, ps[i]->title)) : NULL;
                jobs[nj].seed = kn_mix(o->seed, kn_mix(kn_mix((unsigned long long)i, (unsigned long long)j), (unsigned long long)r + 7));
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
static int outer_sft(run_state *rs, int r, const char *gen_dir, json_t *rows) {
    const knowledge_opts *o = rs->o;
    seal_model g;
    if (model_load(&g, gen_dir)) return -1;
    train_dataset ds = {0};
    dataset_opts dopt;
    dataset_opts_default(&dopt);
    dopt.max_len = 0; /* the reference: max_length = the longest example */
    dopt.vocab = g.cfg.vocab;
    dopt.eos_id = g.cfg.n_eos ? g.cfg.eos_ids[0] : -1;
    int rc = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        if (rc) break;
        rc = dataset_add_prompt_completion(&ds, rs->tok, json_string_value(json_object_get(row, "prompt")),
                                           json_string_value(json_object_get(row, "completion")), &dopt);
    }
    seal_adapter a = {0};
    batch_iter it = {0};
    int have_it = 0;
    if (rc == 0 && ds.n == 0) rc = seal_err("round %d: no self-edit was kept for the outer SFT", r);
    if (rc == 0) rc = batch_iter_init(&it, &ds, o->sft_batch, kn_mix(o->seed, (unsigned long long)r), 1);
    have_it = rc == 0;
    if (rc == 0) rc = adapter_init(&a, &g.cfg, o->sft_rank, o->sft_alpha, 0, 0.0f, o->sft_targets, kn_mix(o->seed, 77 + (unsigned long long)r));
    char *adir = round_path(o, r, "adapter"), *mdir = round_path(o, r, "model"), *tmp = round_path(o, r, "model.tmp");
    if (rc == 0) {
        train_opts to = train_opts_defaults();
        to.lr = o->sft_lr; to.epochs = o->sft_epochs; to.grad_accum = o->sft_accum; to.quiet = o->quiet;
        batch_source src = batch_iter_source(&it);
        train_result tr;
        rc = train_run(&g, rs->pool, &a, &src, &to, &tr);
        if (rc == 0) rc = peft_save(&a, adir, gen_dir, SEAL_F32);
        if (rc == 0) rc = seal_rm_rf(tmp) || merge_adapter(gen_dir, adir, tmp) || seal_replace_dir(tmp, mdir) ? -1 : 0;
    }
    free(adir); free(mdir); free(tmp);
    if (a.store) adapter_free(&a);
    if (have_it) batch_iter_free(&it);
    dataset_free(&ds);
    model_free(&g);
    return rc;
}

/* One ReST-EM round: k self-edits per new training passage from the current
 * generator, each scored by reps inner loops on the base model; the best
 * (stable: ties go to the earliest) becomes an SFT example. */
static int rl_round(run_state *rs, int r, const char *gen_dir, const seal_model *g) {
    const knowledge_opts *o = rs->o;
    int P = o->passages_per_round, *idx;
    if (passages_select(&rs->train, o->subset_seed, (r - 1) * P, P, &idx)) return -1;
    const seal_passage **ps = seal_calloc((size_t)P, sizeof *ps);
    for (int i = 0; i < P; i++) ps[i] = &rs->train.p[idx[i]];
    json_t **edits = seal_calloc((size_t)P, sizeof *edits);
    char tag[32];
    snprintf(tag, sizeof tag, "rl%d", r);
    int rc = kn_self_edits(rs, g, tag, ps, P, edits);
    inner_job *jobs = seal_calloc((size_t)P * o->k * o->reps, sizeof *jobs);
    int nj = 0;
    for (int i = 0; i < P && rc == 0; i++)
        for (int j = 0; j < o->k; j++)
            for (int rep = 0; rep < o->reps; rep++, nj++) {
                snprintf(jobs[nj].key, sizeof jobs[nj].key, "%s/p%d/e%d/r%d", tag, i, j, rep);
                jobs[nj].p = ps[i];
                jobs[nj].pool = ps, jobs[nj].n_pool = P, jobs[nj].self_idx = i;
                jobs[nj].self_edit = json_string_value(json_array_get(edits[i], (size_t)j));
                jobs[nj].seed = kn_mix(o->seed ^ 0xABCDEFull, kn_mix(kn_mix((unsigned long long)i + 1000u * r, (unsigned long long)j), (unsigned long long)rep));
            }
    char label[32];
    snprintf(label, sizeof label, "round %d", r);
    if (rc == 0) rc = run_jobs(rs, jobs, nj, label);
    json_t *rows = json_array(), *sel = json_array();
    double best_sum = 0, mean_sum = 0;
    for (int i = 0; i < P && rc == 0; i++) {
        char prefix[64];
        int best = 0;
        double accs[64], base_acc = 0;
        for (int j = 0; j < o->k && j < 64; j++) {
            snprintf(prefix, sizeof prefix, "%s/p%d", tag, i);
            char key[96];
            double s = 0;
            for (int rep = 0; rep < o->reps; rep++) {
                snprintf(key, sizeof key, "%s/e%d/r%d", prefix, j, rep);
                s += kn_number(journal_get(&rs->inner, key), "accuracy");
            }
            accs[j] = s / o->reps;
            if (accs[j] > accs[best]) best = j;
            mean_sum += accs[j] / o->k;
        }
        best_sum += accs[best];
        if (o->positive_gain_only) {
            qa_result b;
            if (answer_questions(&rs->base, rs->pool, rs->tok, NULL, ps[i], &o->inner, &b)) { rc = -1; break; }
            base_acc = b.accuracy;
            qa_result_free(&b);
        }
        int keep = !o->positive_gain_only || accs[best] > base_acc;
        char *prompt = self_edit_prompt(o->prompt, ps[i]->title, ps[i]->context);
        if (keep)
            json_array_append_new(rows, json_pack("{s:s, s:s}", "prompt", prompt, "completion",
                                                  json_string_value(json_array_get(edits[i], (size_t)best))));
        json_array_append_new(sel, json_pack("{s:s, s:i, s:f, s:b}", "title", ps[i]->title, "best", best, "best_accuracy",
                                             accs[best], "kept", keep));
        free(prompt);
    }
    if (rc == 0) {
        char *sft = round_path(o, r, "sft.jsonl"), *dir = round_path(o, r, "");
        rc = seal_mkdir_p(dir) || write_jsonl_atomic(sft, rows);
        json_t *summary = json_pack("{s:i, s:i, s:i, s:f, s:f, s:o}", "round", r, "passages", P, "kept",
                                    (int)json_array_size(rows), "mean_self_edit_accuracy", mean_sum / P,
                                    "mean_best_accuracy", best_sum / P, "selection", sel);
        char *sp = round_path(o, r, "summary.json"), *text = json_dumps(summary, JSON_INDENT(2));
        if (rc == 0) rc = seal_write_file_atomic(sp, text, strlen(text));
        free(text); free(sp); free(sft); free(dir);
        json_decref(summary);
        if (rc == 0) rc = outer_sft(rs, r, gen_dir, rows);
    } else json_decref(sel);
    json_decref(rows);
    free(jobs); free(edits); free(ps); free(idx);
    return rc;
}

/* ------------------------------------------------------------ results */

static void write_svg(const knowledge_opts *o, const condition *c, int n, const double *acc, const double *lo,
                      const double *hi) {
    char *path = seal_path_join(o->run_dir, "accuracy.svg");
    FILE *f = fopen(path, "w");
    free(path);
    if (!f) return;
    int W = 120 + 110 * n, H = 360, top = 30, bottom = 300;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">SEAL knowledge incorporation: accuracy (95%% CI)</text>\n", W / 2);
    for (int t = 0; t <= 10; t += 2) {
        double y = bottom - (bottom - top) * t / 10.0;
        fprintf(f, "<line x1=\"60\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"55\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
                W - 20, y, y, y + 4, t / 10.0);
    }
    for (int i = 0; i < n; i++) {
        double x = 100 + 110 * i, y = bottom - (bottom - top) * acc[i], yl = bottom - (bottom - top) * lo[i], yh = bottom - (bottom - top) * hi[i];
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"60\" height=\"%.1f\" fill=\"#4a7fb5\"/>\n", x - 30, y, bottom - y);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x, x, yl, yh);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, bottom + 18, c[i].name);
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

/* Appends "a - b" (paired bootstrap CI over passages) to cmp and to md. */
static void add_comparison(json_t *cmp, strbuf *md, const condition *a, const condition *b, int P) {
    double dlo, dhi, d = mean_of(a->acc, P) - mean_of(b->acc, P);
    bootstrap_diff_ci(a->acc, b->acc, P, 10000, 777, &dlo, &dhi);
    json_array_append_new(cmp, json_pack("{s:s, s:s, s:f, s:[f,f]}", "a", a->name, "b", b->name, "difference", d, "ci95", dlo, dhi));
    strbuf_printf(md, "| %s - %s | %+.3f | [%+.3f, %+.3f] |\n", a->name, b->name, d, dlo, dhi);
}

int kn_write_results(run_state *rs, condition *c, int n, const double *qacc, const char *qacc_label, json_t *extra) {
    const knowledge_opts *o = rs->o;
    int P = rs->n_eval;
    long nq = passages_count_questions(&rs->eval, rs->eval_idx, P);
    json_t *conds = json_array();
    double *lo = seal_malloc(sizeof(double) * (size_t)n), *hi = seal_malloc(sizeof(double) * (size_t)n);
    double *accs = seal_malloc(sizeof(double) * (size_t)n);
    strbuf md = {0};
    if (qacc)
        strbuf_printf(&md, "| condition | accuracy | 95%% CI | %s | passages | questions |\n|---|---|---|---|---|---|\n",
                      qacc_label ? qacc_label : "question accuracy");
    else
        strbuf_printf(&md, "| condition | accuracy | 95%% CI | passages | questions |\n|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        double acc = accs[i] = mean_of(c[i].acc, P);
        bootstrap_ci(c[i].acc, P, 10000, 12345, &lo[i], &hi[i]);
        json_t *row = json_pack("{s:s, s:f, s:i, s:I, s:[f,f]}", "name", c[i].name, "accuracy", acc, "n_passages", P,
                                "n_questions", (json_int_t)nq, "ci95", lo[i], hi[i]);
        if (qacc) json_object_set_new(row, "question_accuracy", json_real(qacc[i]));
        json_array_append_new(conds, row);
        if (qacc)
            strbuf_printf(&md, "| %s | %.3f | [%.3f, %.3f] | %.3f | %d | %ld |\n", c[i].name, acc, lo[i], hi[i],
                          qacc[i], P, nq);
        else
            strbuf_printf(&md, "| %s | %.3f | [%.3f, %.3f] | %d | %ld |\n", c[i].name, acc, lo[i], hi[i], P, nq);
    }
    json_t *cmp = json_array();
    strbuf_printf(&md, "\n| comparison | difference | 95%% CI (paired bootstrap over passages) |\n|---|---|---|\n");
    /* each condition against the one before it; every ReST-EM round after the
     * first also against passage+self-edit (what the rounds gained in all) */
    int ps = -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(c[i].name, "passage+self-edit")) ps = i;
    for (int i = 1; i < n; i++) {
        add_comparison(cmp, &md, &c[i], &c[i - 1], P);
        if (ps >= 0 && i > ps + 1) add_comparison(cmp, &md, &c[i], &c[ps], P);
    }
    json_t *root = json_pack("{s:o, s:o, s:s, s:s, s:i, s:i}", "conditions", conds, "comparisons", cmp, "model", o->model_dir,
                             "prompt", self_edit_name(o->prompt), "k", o->k, "rounds", o->rounds);
    if (extra) { json_object_del(root, "rounds"); json_object_update(root, extra); }
    char *text = json_dumps(root, JSON_INDENT(2));
    char *jp = seal_path_join(o->run_dir, "results.json"), *mp = seal_path_join(o->run_dir, "results.md");
    int rc = seal_write_file_atomic(jp, text, strlen(text)) || seal_write_file_atomic(mp, md.s, md.len) ? -1 : 0;
    if (rc == 0) write_svg(o, c, n, accs, lo, hi);
    if (rc == 0 && !o->quiet) fputs(md.s, stdout);
    free(jp); free(mp); free(text); strbuf_free(&md); free(lo); free(hi); free(accs);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------ the run */

static void set_fingerprint(json_t *c, const char *key, uint64_t h) {
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    json_object_set_new(c, key, json_string(hex));
}

/* Fingerprints of what the options name by path (the model's weights, the
 * passage files), so that a run is never resumed over other contents. */
static int add_fingerprints(const run_state *rs, json_t *c) {
    const knowledge_opts *o = rs->o;
    const char *files[][2] = {{"eval_fingerprint", o->eval_path},
                              {"train_fingerprint", o->rounds > 0 ? o->train_path : NULL},
                              {"given_fingerprint", o->given_path}};
    set_fingerprint(c, "model_fingerprint", st_set_fingerprint(&rs->base.weights));
    if (o->inner.judge) set_fingerprint(c, "judge_fingerprint", st_set_fingerprint(&o->inner.judge->weights));
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        uint64_t h;
        if (!files[i][1]) continue;
        if (seal_file_fingerprint(files[i][1], &h)) return -1;
        set_fingerprint(c, files[i][0], h);
    }
    return 0;
}

static int write_config(const run_state *rs, json_t *extra) {
    const knowledge_opts *o = rs->o;
    json_t *c = json_pack("{s:s, s:s?, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:s, s:f, s:f, s:i, s:i, s:f, s:f, s:i, s:i, s:i, s:i, s:f, s:f, s:i}",
        "model", o->model_dir, "train", o->train_path, "eval", o->eval_path, "rounds", o->rounds, "passages_per_round",
        o->passages_per_round, "k", o->k, "reps", o->reps, "eval_passages", o->eval_passages, "eval_reps", o->eval_reps,
        "subset_seed", (json_int_t)o->subset_seed, "seed", (json_int_t)o->seed, "prompt", self_edit_name(o->prompt),
        "temperature", o->sampling.temperature, "top_p", o->sampling.top_p, "max_new_edit", o->max_new_edit,
        "inner_rank", o->inner.rank, "inner_alpha", o->inner.alpha, "inner_lr", o->inner.lr, "inner_epochs", o->inner.epochs,
        "inner_full", o->inner.full, "sft_rank", o->sft_rank, "sft_epochs", o->sft_epochs, "sft_lr", o->sft_lr,
        "sft_alpha", o->sft_alpha, "grader", (int)o->inner.grader);
    if (o->inner.judge) json_object_set_new(c, "judge_model", json_string(o->inner.judge->dir));
    if (o->conditions) json_object_set_new(c, "conditions", json_string(o->conditions));
    if (o->distractors) json_object_set_new(c, "distractors", json_integer(o->distractors));
    if (o->inner.batch_size != 1) json_object_set_new(c, "inner_batch", json_integer(o->inner.batch_size));
    if (o->inner.grad_accum != 1) json_object_set_new(c, "inner_accum", json_integer(o->inner.grad_accum));
    if (o->given_path) json_object_set_new(c, "given_self_edits", json_string(o->given_path));
    if (extra) json_object_update(c, extra);
    int rc = add_fingerprints(rs, c);
    char *path = seal_path_join(o->run_dir, "config.json");
    if (rc == 0 && seal_is_file(path)) {
        json_error_t e;
        json_t *was = json_load_file(path, 0, &e);
        strbuf diff = {0};
        if (!was) rc = seal_err("%s: unreadable (line %d: %s); use a new --run directory", path, e.line, e.text);
        else json_diff(was, c, &diff);
        if (diff.len)
            rc = seal_err("%s: this run was started with other options or inputs (%s); use a new --run directory "
                          "(or the same options and inputs to resume)", path, diff.s);
        strbuf_free(&diff);
        json_decref(was);
    } else if (rc == 0) {
        char *text = json_dumps(c, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = seal_write_file_atomic(path, text, strlen(text));
        free(text);
    }
    json_decref(c);
    free(path);
    return rc;
}

int kn_load_inputs(run_state *rs, const knowledge_opts *o) {
    memset(rs, 0, sizeof *rs);
    rs->o = o;
    if (passages_load(&rs->eval, o->eval_path)) return -1;
    if (o->train_path && o->rounds > 0 && passages_load(&rs->train, o->train_path)) return -1;
    if (model_load(&rs->base, o->model_dir) || !(rs->tok = tok_load(o->model_dir))) return -1;
    rs->n_eval = o->eval_passages < rs->eval.n ? o->eval_passages : rs->eval.n;
    if (passages_select(&rs->eval, o->subset_seed, 0, rs->n_eval, &rs->eval_idx)) return -1;
    if (o->rounds > 0 && rs->train.n < o->rounds * o->passages_per_round)
        return seal_err("%s: %d passages, but %d rounds x %d passages need %d", o->train_path, rs->train.n, o->rounds,
                        o->passages_per_round, o->rounds * o->passages_per_round);
    return 0;
}

int kn_claim_run(run_state *rs, json_t *extra_config) {
    const knowledge_opts *o = rs->o;
    if (seal_mkdir_p(o->run_dir) || write_config(rs, extra_config)) return -1;
    rs->pool = seal_pool_create(o->threads);
    char *p1 = seal_path_join(o->run_dir, "inner.jsonl"), *p2 = seal_path_join(o->run_dir, "selfedits.jsonl"),
         *p3 = seal_path_join(o->run_dir, "baseline.jsonl");
    int rc = journal_open(&rs->inner, p1) || journal_open(&rs->edits, p2) || journal_open(&rs->baseline, p3) ? -1 : 0;
    free(p1); free(p2); free(p3);
    if (rc == 0 && !o->quiet && journal_size(&rs->inner))
        fprintf(stderr, "knowledge: resuming %s: %zu inner loops already done\n", o->run_dir, journal_size(&rs->inner));
    return rc;
}

int kn_open_run(run_state *rs, const knowledge_opts *o, json_t *extra_config) {
    return kn_load_inputs(rs, o) || kn_claim_run(rs, extra_config) ? -1 : 0;
}

void kn_close_run(run_state *rs) {
    if (rs->inner.path) journal_close(&rs->inner);
    if (rs->edits.path) journal_close(&rs->edits);
    if (rs->baseline.path) journal_close(&rs->baseline);
    if (rs->cpt.path) journal_close(&rs->cpt);
    passages_free(&rs->eval);
    passages_free(&rs->train);
    free(rs->eval_idx);
    if (rs->pool) seal_pool_destroy(rs->pool);
    if (rs->tok) tok_free(rs->tok);
    model_free(&rs->base);
}

/* Is condition name among o->conditions (all when none are listed)? */
int kn_wanted(const knowledge_opts *o, const char *name) {
    if (!o->conditions) return 1;
    size_t n = strlen(name);
    for (const char *p = o->conditions; (p = strstr(p, name)); p += n)
        if ((p == o->conditions || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

int knowledge_rl(const knowledge_opts *o) {
    if (o->k <= 0 || o->k > 64 || o->reps <= 0 || o->eval_reps <= 0 || o->eval_passages <= 0 || o->rounds < 0 ||
        o->passages_per_round <= 0 || o->gen_batch <= 0 || o->gen_batch > 64 || o->workers <= 0)
        return seal_err("knowledge: need 1 <= k <= 64, reps, eval_reps, eval_passages, passages_per_round > 0, 1 <= gen_batch <= 64");
    run_state rs;
    condition conds[16];
    int nc = 0, rc = kn_open_run(&rs, o, NULL);
    if (rc == 0 && kn_wanted(o, "base")) rc = kn_cond_base(&rs, &conds[nc++]);
    if (rc == 0 && kn_wanted(o, "passage")) rc = cond_inner(&rs, &conds[nc++], "passage", "passage", NULL, NULL);
    if (rc == 0 && o->given_path) {
        json_error_t e;
        json_t *given = json_load_file(o->given_path, 0, &e);
        if (!json_is_object(given)) rc = seal_err("%s: expected a JSON object {title: self-edit} (line %d: %s)", o->given_path, e.line, e.text);
        else rc = cond_inner(&rs, &conds[nc++], o->given_name ? o->given_name : "passage+given", "given", NULL, given);
        json_decref(given);
    }
    if (rc == 0 && kn_wanted(o, "passage+self-edit")) rc = cond_inner(&rs, &conds[nc++], "passage+self-edit", "eval0", &rs.base, NULL);
    char *gen_dir = seal_strdup(o->model_dir);
    for (int r = 1; r <= o->rounds && rc == 0 && nc < 16; r++) {
        char *mdir = round_path(o, r, "model");
        seal_replace_dir_recover(mdir);
        if (!seal_is_dir(mdir)) {
            seal_model g;
            rc = model_load(&g, gen_dir);
            if (rc == 0) { rc = rl_round(&rs, r, gen_dir, &g); model_free(&g); }
        }
        seal_model g;
        if (rc == 0) rc = model_load(&g, mdir);
        if (rc == 0) {
            char name[32], tag[16];
            snprintf(name, sizeof name, "seal-round-%d", r);
            snprintf(tag, sizeof tag, "eval%d", r);
            rc = cond_inner(&rs, &conds[nc++], name, tag, &g, NULL);
            model_free(&g);
        }
        free(gen_dir);
        gen_dir = mdir;
    }
    free(gen_dir);
    if (rc == 0) rc = kn_write_results(&rs, conds, nc, NULL, NULL, NULL);
    for (int i = 0; i < nc; i++) free(conds[i].acc);
    kn_close_run(&rs);
    return rc;
}

int knowledge_eval(const knowledge_opts *o) {
    knowledge_opts e = *o;
    e.rounds = 0;
    return knowledge_rl(&e);
}
