/* continual.c: see continual.h. */
#include "seal/continual.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/merge.h"
#include "model/peft.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "seal/knowledge_run.h"
#include "seal/pyrandom.h"
#include "seal/transfer.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/json_load.h"
#include "util/strbuf.h"

continual_opts seal_continual_opts_defaults(void) {
    continual_opts o = {.k = seal_knowledge_opts_defaults(), .passages = 8, .orders = 8};
    o.k.k = 1; /* one self-edit per step */
    return o;
}

int seal_continual_check(const continual_opts *o) {
    if (o->passages < 1 || o->passages > CONTINUAL_MAX_PASSAGES)
        return seal_err("--passages: need 1 <= N <= %d (got %d)", CONTINUAL_MAX_PASSAGES, o->passages);
    if (o->orders < 1 || o->orders > 1000) return seal_err("--orders: need 1 <= R <= 1000 (got %d)", o->orders);
    if (o->k.k != 1) return seal_err("knowledge continual: one self-edit per step (k = 1, got %d)", o->k.k);
    if (o->k.inner.full) return seal_err("knowledge continual: the inner loop must be LoRA (its adapter is merged)");
    return seal_kn_check_common(&o->k);
}

/* Everything one run holds. */
typedef struct {
    const continual_opts *co;
    knowledge_opts k;   /* co->k, with the seed of the self-edit being sampled (seal_kn_self_edits reads k.seed) */
    run_state rs;
    journal steps;      /* continual.jsonl: "o<r>/s<s>" */
    int n, R;
    int *order;         /* [R][n] passage indices into rs.eval */
    double *acc;        /* [R][n+1][n]; NAN where nothing is measured */
} cstate;

static double *cell(cstate *cs, int r, int s, int j) { return &cs->acc[((size_t)r * (cs->n + 1) + s) * cs->n + j]; }

static const seal_passage *passage(cstate *cs, int r, int j) { return &cs->rs.eval.p[cs->order[r * cs->n + j]]; }

/* Order r: random.seed(subset_seed + r); random.sample(range(P), n). */
static int draw_orders(cstate *cs) {
    size_t idx[CONTINUAL_MAX_PASSAGES];
    if (cs->n > cs->rs.eval.n)
        return seal_err("--passages %d: %s has only %d passages", cs->n, cs->co->k.eval_path, cs->rs.eval.n);
    cs->order = seal_malloc(sizeof(int) * (size_t)cs->R * cs->n);
    for (int r = 0; r < cs->R; r++) {
        py_random pr;
        seal_pyrandom_seed(&pr, cs->co->k.subset_seed + (unsigned long long)r);
        if (seal_pyrandom_sample(&pr, (size_t)cs->rs.eval.n, (size_t)cs->n, idx)) return seal_err("sample failed");
        for (int j = 0; j < cs->n; j++) cs->order[r * cs->n + j] = (int)idx[j];
    }
    return 0;
}

static void step_key(char *key, size_t n, int r, int s) { snprintf(key, n, "o%d/s%d", r, s); }

static char *adapter_dir(const cstate *cs, int r, int s) {
    char leaf[64];
    snprintf(leaf, sizeof leaf, "order-%d/step-%d/adapter", r, s);
    return seal_path_join(cs->co->k.run_dir, leaf);
}

static uint64_t adapter_fingerprint(const seal_adapter *a) {
    return seal_fnv1a64(1469598103934665603ULL, a->store, a->n_params * sizeof(float));
}

/* Answer the questions of passages 0..m of order r with model + adapter (a
 * may be NULL); the accuracies go to row s of the matrix and to accs, the
 * answers to answers (JSON arrays). */
static int evaluate(cstate *cs, const seal_model *cur, const seal_adapter *a, int r, int s, int m, json_t *accs,
                    json_t *answers) {
    for (int j = 0; j < m; j++) {
        qa_result q;
        if (seal_answer_questions(cur, cs->rs.pool, cs->rs.tok, a, passage(cs, r, j), &cs->k.inner, &q)) return -1;
        *cell(cs, r, s, j) = q.accuracy;
        json_array_append_new(accs, seal_json_real(q.accuracy));
        json_array_append_new(answers, seal_kn_str_array(q.answers, q.n_q));
        seal_qa_result_free(&q);
    }
    return 0;
}

/* Row 0: the untouched model on all n passages, into *rec. */
static int row0_record(cstate *cs, const seal_model *cur, int r, json_t **rec) {
    json_t *accs = json_array(), *answers = json_array(), *titles = json_array();
    for (int j = 0; j < cs->n; j++) json_array_append_new(titles, json_string(passage(cs, r, j)->title));
    int rc = evaluate(cs, cur, NULL, r, 0, cs->n, accs, answers);
    if (rc == 0)
        *rec = json_pack("{s:i, s:i, s:o, s:o, s:o}", "order", r, "step", 0, "titles", titles, "accuracy", accs,
                         "answers", answers);
    else { json_decref(accs); json_decref(answers); json_decref(titles); }
    return rc;
}

static int row0(cstate *cs, const seal_model *cur, int r) {
    char key[64];
    json_t *rec;
    step_key(key, sizeof key, r, 0);
    return row0_record(cs, cur, r, &rec) ? -1 : seal_journal_put(&cs->steps, key, rec);
}

/* Step s >= 1 of order r on the current model: self-edit, train, evaluate
 * into *rec. *a gets the adapter (to save and merge; freed on failure). */
static int step_record(cstate *cs, seal_model *cur, int r, int s, seal_adapter *a, json_t **rec_out) {
    const seal_passage *p = passage(cs, r, s - 1);
    unsigned long long seed = seal_kn_mix(cs->co->k.seed, seal_kn_mix((unsigned long long)r, (unsigned long long)s));
    char tag[64];
    snprintf(tag, sizeof tag, "continual-o%d-s%d", r, s);
    cs->k.seed = seed; /* the self-edit's sampling seed: per order and step */
    json_t *edits;
    if (seal_kn_self_edits(&cs->rs, cur, tag, &p, 1, &edits)) return -1;
    const char *edit = json_string_value(json_array_get(edits, 0));
    char **seqs;
    int n_seqs;
    seq_stats st;
    if (seal_selfedit_sequences_ex(p->title, p->context, edit ? edit : "", &cs->k.seq, &seqs, &n_seqs, &st)) return -1;
    qa_result tr;
    seal_model unused;
    int rc = seal_inner_train(cur, cs->rs.pool, cs->rs.tok, seqs, n_seqs, &cs->k.inner, seed + 1, &unused, a, &tr);
    json_t *accs = json_array(), *answers = json_array();
    if (rc == 0) rc = evaluate(cs, cur, a, r, s, s, accs, answers);
    if (rc == 0) {
        char fp[17];
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)adapter_fingerprint(a));
        json_t *rec = json_pack("{s:i, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:s}", "order", r, "step", s,
                                "title", p->title, "self_edit", edit ? edit : "", "sequences",
                                seal_kn_str_array(seqs, n_seqs), "accuracy", accs, "answers", answers,
                                "train_loss_first", seal_json_real(tr.train_loss_first),
                                "train_loss_last", seal_json_real(tr.train_loss_last),
                                "train_steps", (json_int_t)tr.train_steps, "adapter_fingerprint", fp);
        if (!rec) rc = seal_err("continual: order %d, step %d: its record cannot be encoded as JSON", r, s);
        *rec_out = rec;
    } else { json_decref(accs); json_decref(answers); }
    seal_selfedit_free(seqs, n_seqs);
    if (rc && a->store) seal_adapter_free(a);
    return rc;
}

/* Save step s's adapter, then journal its self-edit (when another rank made
 * it) and its record: the adapter is on disk before the journal says so. */
static int commit_step(cstate *cs, int r, int s, const seal_adapter *a, json_t *rec, json_t *edit_rec) {
    char key[64], gen_key[96];
    char *dir = adapter_dir(cs, r, s);
    int rc = seal_peft_save(a, dir, cs->co->k.model_dir, SEAL_F32);
    free(dir);
    snprintf(gen_key, sizeof gen_key, "gen/continual-o%d-s%d/0", r, s);
    if (rc == 0 && edit_rec && !seal_journal_get(&cs->rs.edits, gen_key))
        rc = seal_journal_put(&cs->rs.edits, gen_key, json_deep_copy(edit_rec));
    step_key(key, sizeof key, r, s);
    if (rc == 0) return seal_journal_put(&cs->steps, key, rec);
    json_decref(rec);
    return rc;
}

static int step(cstate *cs, seal_model *cur, int r, int s, seal_adapter *a) {
    json_t *rec;
    if (step_record(cs, cur, r, s, a, &rec)) return -1;
    int rc = commit_step(cs, r, s, a, rec, NULL);
    if (rc) seal_adapter_free(a);
    return rc;
}

/* The matrix row of a journaled step. */
static void read_row(cstate *cs, int r, int s, json_t *rec) {
    json_t *accs = json_object_get(rec, "accuracy");
    for (size_t j = 0; j < json_array_size(accs) && (int)j < cs->n; j++)
        *cell(cs, r, s, (int)j) = json_is_number(json_array_get(accs, j)) ? json_number_value(json_array_get(accs, j)) : NAN;
}

/* seal_transfer_read's reader of a saved adapter (a rank other than 0). */
typedef struct {
    seal_adapter a;
    const seal_model *cur;
    int have;
} adapter_read;

static int adapter_load(void *ctx, const char *path, char fp[17]) {
    adapter_read *ar = ctx;
    if (seal_peft_load(&ar->a, &ar->cur->cfg, path)) return -1;
    ar->have = 1;
    snprintf(fp, 17, "%016llx", (unsigned long long)adapter_fingerprint(&ar->a));
    return 0;
}

static void adapter_drop(void *ctx) {
    adapter_read *ar = ctx;
    seal_adapter_free(&ar->a);
    ar->have = 0;
}

/* Merge the saved adapter of step s into cur, checking it is the one the
 * journal recorded (its fingerprint want). A rank other than 0 reads it as
 * --model-transfer says (rank 0 wrote it). */
static int remerge_fp(cstate *cs, seal_model *cur, int r, int s, const char *want) {
    adapter_read ar = {.cur = cur};
    char *dir = adapter_dir(cs, r, s);
    int rc;
    if (seal_rank() != 0) {
        seal_transfer_reader rd = {&ar, "adapter values", adapter_load, adapter_drop};
        rc = want ? seal_transfer_read(cs->co->k.model_transfer, dir, want, &rd)
                  : seal_err("%s: no fingerprint recorded for this step", dir);
    } else {
        char fp[17] = "";
        rc = adapter_load(&ar, dir, fp);
        if (rc == 0 && (!want || strcmp(fp, want))) rc = seal_err("%s: not the adapter continual.jsonl recorded for this step", dir);
    }
    if (rc == 0) rc = seal_merge_adapter_in_memory(cur, &ar.a, cs->rs.base.dtype);
    if (ar.have) seal_adapter_free(&ar.a);
    free(dir);
    return rc;
}

static int remerge(cstate *cs, seal_model *cur, int r, int s, json_t *rec) {
    return remerge_fp(cs, cur, r, s, json_string_value(json_object_get(rec, "adapter_fingerprint")));
}

/* One order: the journaled steps are read (and, when a later one is still to
 * run, their adapters merged again); the rest run. */
static int run_order(cstate *cs, int r) {
    char key[64];
    int first = 0; /* the first step not journaled */
    json_t *recs[CONTINUAL_MAX_PASSAGES + 1];
    for (; first <= cs->n; first++) {
        step_key(key, sizeof key, r, first);
        if (!(recs[first] = seal_journal_get(&cs->steps, key))) break;
        read_row(cs, r, first, recs[first]);
    }
    if (first > cs->n) return 0;
    seal_model cur;
    if (seal_model_load(&cur, cs->co->k.model_dir)) return -1;
    seal_model_to_f32(&cur);
    int rc = 0;
    for (int s = 1; s < first && rc == 0; s++) rc = remerge(cs, &cur, r, s, recs[s]);
    if (rc == 0 && first == 0) rc = row0(cs, &cur, r);
    if (rc == 0 && first == 0) seal_kn_maybe_die();
    for (int s = first > 1 ? first : 1; s <= cs->n && rc == 0; s++) {
        seal_adapter a;
        rc = step(cs, &cur, r, s, &a);
        if (rc) break;
        if (!cs->co->k.quiet)
            fprintf(stderr, "continual: order %d/%d, edit %d/%d (\"%s\"): %.3f on it, %.3f on the first\n", r + 1, cs->R,
                    s, cs->n, passage(cs, r, s - 1)->title, *cell(cs, r, s, s - 1), *cell(cs, r, s, 0));
        seal_kn_maybe_die();
        if (s < cs->n) rc = seal_merge_adapter_in_memory(&cur, &a, cs->rs.base.dtype);
        seal_adapter_free(&a);
    }
    seal_model_free(&cur);
    return rc;
}

/* ------------------------------------------------------------ results */

/* Mean and sample standard deviation over the orders of cell (s, j). */
static void cell_stats(cstate *cs, int s, int j, double *mean, double *sd) {
    double sum = 0, sq = 0;
    for (int r = 0; r < cs->R; r++) sum += *cell(cs, r, s, j);
    *mean = sum / cs->R;
    for (int r = 0; r < cs->R; r++) sq += (*cell(cs, r, s, j) - *mean) * (*cell(cs, r, s, j) - *mean);
    *sd = cs->R > 1 ? sqrt(sq / (cs->R - 1)) : 0;
}

/* Row s has passages 0..n-1 (s = 0) or 0..s-1. */
static int row_len(const cstate *cs, int s) { return s == 0 ? cs->n : s; }

/* A white-to-blue heat map of the mean matrix, each cell labelled. */
static void render_svg(cstate *cs, strbuf *svg) {
    int n = cs->n, cw = 64, ch = 32, left = 110, top = 50, W = left + cw * n + 20, H = top + ch * (n + 1) + 50;
    seal_strbuf_printf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                       "font-size=\"12\">\n<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">Continual "
                       "self-edits: accuracy (mean over %d orders)</text>\n", W, H, W / 2, cs->R);
    for (int j = 0; j < n; j++)
        seal_strbuf_printf(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">passage %d</text>\n", left + cw * j + cw / 2,
                           top - 8, j + 1);
    for (int s = 0; s <= n; s++) {
        int y = top + ch * s;
        seal_strbuf_printf(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %d</text>\n", left - 8, y + ch / 2 + 4,
                           s ? "after edit" : "no edit", s);
        for (int j = 0; j < row_len(cs, s); j++) {
            double m, sd;
            cell_stats(cs, s, j, &m, &sd);
            double v = isfinite(m) ? (m < 0 ? 0 : m > 1 ? 1 : m) : 0;
            int red = (int)(255 - 200 * v), green = (int)(255 - 130 * v);
            seal_strbuf_printf(svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" "
                               "stroke=\"white\"/><text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%.2f</text>\n",
                               left + cw * j, y, cw, ch, red, green, left + cw * j + cw / 2, y + ch / 2 + 4,
                               v > 0.6 ? "white" : "black", m);
        }
    }
    seal_strbuf_printf(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">row s: the model after s merged self-edits, "
                       "on the passages seen so far</text>\n</svg>\n", W / 2, H - 15);
}

/* The summary figures: the just-edited passage (diagonal) against the same
 * passages untouched (row 0), and the first passage down the rows. */
static json_t *summary(cstate *cs, strbuf *md) {
    double diag = 0, base = 0, m, sd;
    json_t *first = json_array();
    for (int s = 1; s <= cs->n; s++) {
        cell_stats(cs, s, s - 1, &m, &sd);
        diag += m / cs->n;
        cell_stats(cs, 0, s - 1, &m, &sd);
        base += m / cs->n;
    }
    seal_strbuf_printf(md, "\nJust-edited passage (the diagonal): %.3f on average, against %.3f for the same passages "
                       "untouched (row 0).\nFirst passage:", diag, base);
    for (int s = 0; s <= cs->n; s++) {
        cell_stats(cs, s, 0, &m, &sd);
        json_array_append_new(first, seal_json_real(m));
        seal_strbuf_printf(md, "%s %.3f", s ? " →" : "", m);
    }
    seal_strbuf_printf(md, " (row 0 to row %d).\n", cs->n);
    return json_pack("{s:o, s:o, s:o}", "just_edited_mean", seal_json_real(diag), "untouched_mean", seal_json_real(base),
                     "first_passage", first);
}

/* The mean and std matrices as JSON rows, and the Markdown table. */
static void matrix(cstate *cs, json_t *mean, json_t *std, strbuf *md) {
    seal_strbuf_printf(md, "# Continual self-edits: accuracy (mean ± std over %d orders of %d passages)\n\n| after edit |",
                       cs->R, cs->n);
    for (int j = 0; j < cs->n; j++) seal_strbuf_printf(md, " passage %d |", j + 1);
    seal_strbuf_printf(md, "\n|---|");
    for (int j = 0; j < cs->n; j++) seal_strbuf_printf(md, "---|");
    for (int s = 0; s <= cs->n; s++) {
        json_t *mr = json_array(), *sr = json_array();
        seal_strbuf_printf(md, "\n| %d%s |", s, s ? "" : " (none)");
        for (int j = 0; j < cs->n; j++) {
            double m, sd;
            if (j >= row_len(cs, s)) { seal_strbuf_printf(md, " |"); continue; }
            cell_stats(cs, s, j, &m, &sd);
            json_array_append_new(mr, seal_json_real(m));
            json_array_append_new(sr, seal_json_real(sd));
            seal_strbuf_printf(md, " %.3f ± %.3f |", m, sd);
        }
        json_array_append_new(mean, mr);
        json_array_append_new(std, sr);
    }
    seal_strbuf_printf(md, "\n");
}

static int write_results(cstate *cs) {
    strbuf md = {0}, svg = {0};
    json_t *mean = json_array(), *std = json_array(), *orders = json_array();
    matrix(cs, mean, std, &md);
    json_t *sum = summary(cs, &md);
    for (int r = 0; r < cs->R; r++) {
        json_t *titles = json_array(), *rows = json_array();
        for (int j = 0; j < cs->n; j++) json_array_append_new(titles, json_string(passage(cs, r, j)->title));
        for (int s = 0; s <= cs->n; s++) {
            json_t *row = json_array();
            for (int j = 0; j < row_len(cs, s); j++) json_array_append_new(row, seal_json_real(*cell(cs, r, s, j)));
            json_array_append_new(rows, row);
        }
        json_array_append_new(orders, json_pack("{s:I, s:o, s:o}", "seed", (json_int_t)(cs->co->k.subset_seed + r),
                                                "passages", titles, "accuracy", rows));
    }
    json_t *res = json_pack("{s:s, s:i, s:i, s:s, s:o, s:o, s:o, s:o}", "experiment", "continual", "passages", cs->n,
                            "orders", cs->R, "std_over", "orders (sample std, n-1)", "mean", mean, "std", std,
                            "summary", sum, "per_order", orders);
    render_svg(cs, &svg);
    char *text = json_dumps(res, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    const char *dir = cs->co->k.run_dir;
    strbuf js = {0};
    seal_strbuf_printf(&js, "%s\n", text ? text : "");
    int rc = !text || seal_write_file_in(dir, "results.json", js.s, js.len) ||
                     seal_write_file_in(dir, "results.md", md.s, md.len) ||
                     seal_write_file_in(dir, "forgetting.svg", svg.s, svg.len) ? -1 : 0;
    free(text);
    seal_strbuf_free(&js); seal_strbuf_free(&md); seal_strbuf_free(&svg);
    json_decref(res);
    return rc;
}

/* ------------------------------------------------------------ the run */

/* What every rank loads: the passages, the model and the orders. */
static int load_inputs(cstate *cs) {
    cs->k.eval_passages = 1 << 30; /* load the whole file: the orders draw from it */
    cs->k.eval_passages_at_most = 1;
    cs->k.rounds = 0;
    cs->k.train_path = NULL;
    cs->k.conditions = NULL;
    cs->k.given_path = NULL;
    return seal_kn_load_inputs(&cs->rs, &cs->k, "--passages") || draw_orders(cs) ? -1 : 0;
}

static int open_run(cstate *cs) {
    const continual_opts *co = cs->co;
    seal_run_record record;
    if (load_inputs(cs)) return -1;
    json_t *extra = json_pack("{s:s, s:i, s:i}", "experiment", "continual", "passages", co->passages, "orders", co->orders);
    int rc = seal_kn_build_record(&cs->rs, extra, &record);
    json_decref(extra);
    if (rc == 0) {
        rc = seal_kn_claim_run(&cs->rs, &record);
        seal_run_record_free(&record);
    }
    char *p = seal_path_join(co->k.run_dir, "continual.jsonl");
    if (rc == 0) rc = seal_journal_open(&cs->steps, p);
    free(p);
    if (rc == 0 && !co->k.quiet && seal_journal_size(&cs->steps))
        fprintf(stderr, "knowledge continual: resuming %s: %zu steps already done\n", co->k.run_dir,
                seal_journal_size(&cs->steps));
    return rc;
}

/* ------------------------------------------------------------ over MPI ranks */

/* Under mpirun the orders run side by side (docs/scale-out.md): wave w hands
 * out, for every order not finished, its next step (and row 0 where it is
 * missing) as a job. A job rebuilds its model from the base and the saved
 * adapters of the order's earlier steps (the bits a resume gets, so a step's
 * result is the one a single process computes), and comes back as its record
 * followed by its adapter's f32 values, which rank 0 saves and journals. */
typedef struct {
    int r, s;
    char key[64];
} unit;

typedef struct {
    cstate *cs;
    unit *u;
} wave;

/* Run row 0 (s 0) or step s of order r on the base model with the order's
 * steps 1..s-1 merged (fps: their adapter fingerprints). */
static int unit_run(cstate *cs, int r, int s, json_t *fps, seal_adapter *a, json_t **rec) {
    seal_model cur;
    if (seal_model_load(&cur, cs->co->k.model_dir)) return -1;
    seal_model_to_f32(&cur);
    int rc = 0;
    for (int q = 1; q < s && rc == 0; q++) rc = remerge_fp(cs, &cur, r, q, json_string_value(json_array_get(fps, q - 1)));
    if (rc == 0) rc = s == 0 ? row0_record(cs, &cur, r, rec) : step_record(cs, &cur, r, s, a, rec);
    seal_model_free(&cur);
    return rc;
}

/* The adapter fingerprints of order r's journaled steps 1..s-1. */
static json_t *earlier_fps(cstate *cs, int r, int s) {
    json_t *fps = json_array();
    for (int q = 1; q < s; q++) {
        char key[64];
        step_key(key, sizeof key, r, q);
        json_array_append(fps, json_object_get(seal_journal_get(&cs->steps, key), "adapter_fingerprint"));
    }
    return fps;
}

/* Journal a unit's record (and save a step's adapter); a is freed. */
static int commit_unit(cstate *cs, const unit *u, json_t *rec, json_t *edit_rec, seal_adapter *a) {
    int rc;
    if (u->s == 0) rc = seal_journal_put(&cs->steps, u->key, rec);
    else {
        rc = commit_step(cs, u->r, u->s, a, rec, edit_rec);
        seal_adapter_free(a);
    }
    if (rc == 0) seal_kn_maybe_die();
    return rc;
}

static int unit_local(void *ctx, int i) {
    wave *w = ctx;
    const unit *u = &w->u[i];
    json_t *fps = earlier_fps(w->cs, u->r, u->s), *rec;
    seal_adapter a = {0};
    int rc = unit_run(w->cs, u->r, u->s, fps, &a, &rec);
    json_decref(fps);
    return rc ? -1 : commit_unit(w->cs, u, rec, NULL, &a);
}

static char *unit_describe(void *ctx, int i, size_t *len) {
    wave *w = ctx;
    const unit *u = &w->u[i];
    json_t *msg = json_pack("{s:i, s:i, s:o}", "order", u->r, "step", u->s, "fps", earlier_fps(w->cs, u->r, u->s));
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    *len = strlen(text);
    return text;
}

/* Another rank's result: {"rec", "edit"}, a NUL, and for a step its adapter's values. */
static int unit_accept(void *ctx, int i, const char *res, size_t len) {
    wave *w = ctx;
    cstate *cs = w->cs;
    const unit *u = &w->u[i];
    size_t jlen = strnlen(res, len);
    json_error_t e;
    json_t *msg = json_loadb(res, jlen, 0, &e), *rec = json_object_get(msg, "rec");
    seal_adapter a = {0};
    int rc = json_is_object(rec) ? 0 : seal_err("%s: a result that is not one", u->key);
    if (rc == 0 && u->s > 0) {
        const inner_opts *in = &cs->k.inner;
        rc = seal_adapter_init(&a, &cs->rs.base.cfg, in->rank, in->alpha, 0, in->dropout, in->targets, 0);
        size_t bytes = a.n_params * sizeof(float);
        char fp[17] = "";
        if (rc == 0 && len - jlen - (jlen < len) == bytes) {
            memcpy(a.store, res + jlen + 1, bytes);
            snprintf(fp, sizeof fp, "%016llx", (unsigned long long)adapter_fingerprint(&a));
        }
        const char *want = json_string_value(json_object_get(rec, "adapter_fingerprint"));
        if (rc == 0 && (!want || strcmp(fp, want))) rc = seal_err("%s: the adapter came back damaged", u->key);
        if (rc && a.store) seal_adapter_free(&a);
    }
    if (rc == 0) rc = commit_unit(cs, u, json_incref(rec), json_object_get(msg, "edit"), &a);
    json_decref(msg);
    return rc;
}

static const char *unit_key(void *ctx, int i) { return ((wave *)ctx)->u[i].key; }

/* Rank 0: waves until every order is journaled to its last step. */
static int run_waves(cstate *cs) {
    unit *u = seal_calloc((size_t)cs->R * 2, sizeof *u);
    int rc = 0;
    for (;;) {
        int m = 0;
        for (int r = 0; r < cs->R; r++) {
            int s = 1;
            char key[64];
            while (s <= cs->n && (step_key(key, sizeof key, r, s), seal_journal_get(&cs->steps, key))) s++;
            int next[2] = {0, s}; /* row 0, and the next step */
            for (int k = 0; k < 2; k++) {
                int q = next[k];
                step_key(key, sizeof key, r, q);
                if (q > cs->n || seal_journal_get(&cs->steps, key)) continue;
                u[m] = (unit){.r = r, .s = q};
                snprintf(u[m++].key, sizeof u[0].key, "%s", key);
            }
        }
        if (m == 0) break;
        wave w = {cs, u};
        seal_farm f = {&w, m, unit_describe, unit_local, unit_accept, NULL, unit_key};
        if ((rc = seal_farm_run(&f))) { rc = seal_err_prefix("knowledge continual"); break; }
    }
    free(u);
    return rc;
}

/* A rank other than 0: run the units rank 0 hands out; it writes nothing
 * (its self-edits are cached in memory and go back with the results). */
static int worker_job(void *ctx, const char *text, size_t len, char **result, size_t *rlen) {
    cstate *cs = ctx;
    json_error_t e;
    json_t *msg = json_loadb(text, len, 0, &e), *rec = NULL;
    int r = (int)json_integer_value(json_object_get(msg, "order")), s = (int)json_integer_value(json_object_get(msg, "step"));
    json_t *fps = json_object_get(msg, "fps");
    seal_adapter a = {0};
    int rc = json_is_object(msg) && r >= 0 && r < cs->R && s >= 0 && s <= cs->n && json_array_size(fps) == (size_t)(s > 0 ? s - 1 : 0)
                 ? unit_run(cs, r, s, fps, &a, &rec)
                 : seal_err("a job message that is not one (%.200s)", text);
    if (rc == 0) {
        char gen_key[96];
        snprintf(gen_key, sizeof gen_key, "gen/continual-o%d-s%d/0", r, s);
        json_t *edit = s ? seal_journal_get(&cs->rs.edits, gen_key) : NULL;
        json_t *out = json_pack("{s:o, s:O}", "rec", rec, "edit", edit ? edit : json_null());
        char *js = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(out);
        size_t jl = strlen(js), bytes = s ? a.n_params * sizeof(float) : 0;
        *result = seal_malloc(jl + 1 + bytes);
        memcpy(*result, js, jl + 1);
        if (bytes) memcpy(*result + jl + 1, a.store, bytes);
        *rlen = jl + 1 + bytes;
        free(js);
    }
    if (a.store) seal_adapter_free(&a);
    json_decref(msg);
    return rc;
}

static int continual_serve(const continual_opts *co) {
    cstate cs = {.co = co, .k = co->k, .n = co->passages, .R = co->orders};
    cs.k.quiet = 1;
    cs.acc = seal_malloc(sizeof(double) * (size_t)cs.R * (cs.n + 1) * cs.n);
    int rc = load_inputs(&cs);
    if (rc == 0 && !(cs.rs.pool = seal_pool_create(cs.rs.threads))) rc = -1;
    if (rc == 0) seal_journal_open_memory(&cs.rs.edits);
    rc = seal_farm_join(rc, &cs, worker_job);
    seal_kn_close_run(&cs.rs);
    free(cs.order);
    free(cs.acc);
    return rc;
}

int seal_knowledge_continual(const continual_opts *co) {
    if (seal_continual_check(co)) return -1;
    if (seal_rank() != 0) return continual_serve(co);
    cstate cs = {.co = co, .k = co->k, .n = co->passages, .R = co->orders};
    cs.acc = seal_malloc(sizeof(double) * (size_t)cs.R * (cs.n + 1) * cs.n);
    for (size_t i = 0; i < (size_t)cs.R * (cs.n + 1) * cs.n; i++) cs.acc[i] = NAN;
    int rc = open_run(&cs);
    if (rc == 0 && seal_rank_size() > 1) rc = run_waves(&cs); /* then run_order only reads the journal */
    for (int r = 0; r < cs.R && rc == 0; r++) rc = run_order(&cs, r);
    if (rc == 0) rc = write_results(&cs);
    if (cs.steps.path) seal_journal_close(&cs.steps);
    seal_kn_close_run(&cs.rs);
    free(cs.order);
    free(cs.acc);
    return rc;
}
