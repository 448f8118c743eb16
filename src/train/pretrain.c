/* The pretraining run (see pretrain.h): config, held-out split, run record,
 * checkpoints and the training loop. */
#include "train/pretrain.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern/matmul.h"
#include "model/save.h"
#include "model/synth.h"
#include "rt/rank.h"
#include "tok/tokenizer.h"
#include "train/dataset.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"
#include "util/progress.h"
#include "util/run_record.h"
#include "util/strbuf.h"

void seal_pretrain_config_default(seal_pretrain_config *c) {
    memset(c, 0, sizeof *c);
    c->steps = 1000;
    c->batch_size = 8;
    c->seq_len = 256;
    c->pack_rows = 1;
    c->lr = 1e-3;
    c->warmup_steps = 100;
    c->weight_decay = 0.1;
    c->beta1 = 0.9;
    c->beta2 = 0.95;
    c->max_grad_norm = 1.0;
    c->eval_every = 200;
    c->eval_fraction = 0.01;
    c->checkpoint_every = 200;
    c->seed = 1234;
    c->init_std = 0.02;
    c->save_dtype = SEAL_F32;
}

void seal_pretrain_opts_default(seal_pretrain_opts *o) {
    memset(o, 0, sizeof *o);
    seal_pretrain_config_default(&o->cfg);
    o->threads = 1;
    o->exit_after_step = -1;
}

/* ---- the config file ---- */

/* train.KEY as a number into *v when present: a present non-number is an error. */
static int get_num(json_t *train, const char *key, const char *path, double *v) {
    json_t *j = json_object_get(train, key);
    if (!j) return 0;
    if (!json_is_number(j)) return seal_err("%s: train.%s: expected a number", path, key);
    *v = json_number_value(j);
    return 0;
}

/* The same for a whole number (1e3 is fine, 2.5 is not). */
static int get_whole(json_t *train, const char *key, const char *path, double *v) {
    double x = *v;
    if (get_num(train, key, path, &x)) return -1;
    if (x != floor(x) || fabs(x) > 9007199254740992.0)
        return seal_err("%s: train.%s: %.17g is not a whole number", path, key, x);
    *v = x;
    return 0;
}

static int get_int(json_t *train, const char *key, const char *path, int *v) {
    double x = *v;
    if (get_whole(train, key, path, &x)) return -1;
    if (x < -2147483647.0 || x > 2147483647.0) return seal_err("%s: train.%s: %.17g is out of range", path, key, x);
    *v = (int)x;
    return 0;
}

/* One marker of train.loss_spans[i]: a non-empty string without NUL, shorter than the buffer. */
static int get_marker(json_t *pair, const char *key, int i, const char *path, char *out) {
    json_t *j = json_object_get(pair, key);
    if (!json_is_string(j)) return seal_err("%s: train.loss_spans[%d].%s: expected a string", path, i, key);
    size_t n = json_string_length(j);
    if (n == 0 || n >= SEAL_LOSS_SPANS_MARKER_MAX || strlen(json_string_value(j)) != n)
        return seal_err("%s: train.loss_spans[%d].%s: expected 1 to %d bytes without NUL, got %zu", path, i, key,
                        SEAL_LOSS_SPANS_MARKER_MAX - 1, n);
    memcpy(out, json_string_value(j), n + 1);
    return 0;
}

/* train.loss_spans: absent, or 1..SEAL_LOSS_SPANS_MAX {"start", "end"} objects. */
static int parse_loss_spans(seal_loss_spans *s, json_t *arr, const char *path) {
    s->n = 0;
    if (!arr) return 0;
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (n < 1 || n > SEAL_LOSS_SPANS_MAX)
        return seal_err("%s: train.loss_spans: expected an array of 1 to %d {\"start\", \"end\"} objects", path,
                        SEAL_LOSS_SPANS_MAX);
    for (size_t i = 0; i < n; i++) {
        json_t *pair = json_array_get(arr, i);
        if (!json_is_object(pair) || json_object_size(pair) != 2)
            return seal_err("%s: train.loss_spans[%zu]: expected an object with exactly \"start\" and \"end\"", path, i);
        if (get_marker(pair, "start", (int)i, path, s->start[i]) || get_marker(pair, "end", (int)i, path, s->end[i]))
            return -1;
    }
    s->n = (int)n;
    return 0;
}

static int parse_train(seal_pretrain_config *c, json_t *train, const char *path) {
    double steps = (double)c->steps, seed = (double)c->seed;
    int rc = get_whole(train, "steps", path, &steps) || get_int(train, "batch_size", path, &c->batch_size) ||
             get_int(train, "seq_len", path, &c->seq_len) || get_num(train, "lr", path, &c->lr) ||
             get_num(train, "warmup_steps", path, &c->warmup_steps) ||
             get_num(train, "weight_decay", path, &c->weight_decay) || get_num(train, "beta1", path, &c->beta1) ||
             get_num(train, "beta2", path, &c->beta2) || get_num(train, "max_grad_norm", path, &c->max_grad_norm) ||
             get_int(train, "eval_every", path, &c->eval_every) ||
             get_num(train, "eval_fraction", path, &c->eval_fraction) ||
             get_int(train, "checkpoint_every", path, &c->checkpoint_every) || get_whole(train, "seed", path, &seed) ||
             get_num(train, "init_std", path, &c->init_std);
    if (rc) return -1;
    if (seed < 0) return seal_err("%s: train.seed: %.17g is negative", path, seed);
    c->steps = (long)steps;
    c->seed = (unsigned long long)seed;
    json_t *kc = json_object_get(train, "keep_checkpoints");
    if (kc && !json_is_boolean(kc)) return seal_err("%s: train.keep_checkpoints: expected true or false", path);
    c->keep_checkpoints = json_is_true(kc);
    json_t *pk = json_object_get(train, "packing");
    const char *pks = pk ? json_string_value(pk) : "rows";
    if (!pks || (strcmp(pks, "rows") && strcmp(pks, "documents")))
        return seal_err("%s: train.packing: expected \"rows\" or \"documents\"", path);
    c->pack_rows = !strcmp(pks, "rows");
    json_t *od = json_object_get(train, "order");
    const char *ods = od ? json_string_value(od) : "shuffled";
    if (!ods || (strcmp(ods, "shuffled") && strcmp(ods, "file")))
        return seal_err("%s: train.order: expected \"shuffled\" or \"file\"", path);
    c->file_order = !strcmp(ods, "file");
    if (parse_loss_spans(&c->loss_spans, json_object_get(train, "loss_spans"), path)) return -1;
    json_t *sd = json_object_get(train, "save_dtype");
    if (sd && (!json_is_string(sd) || seal_dtype_parse(json_string_value(sd), &c->save_dtype) ||
               (c->save_dtype != SEAL_F32 && c->save_dtype != SEAL_BF16 && c->save_dtype != SEAL_F16)))
        return seal_err("%s: train.save_dtype: expected \"F32\", \"BF16\" or \"F16\"", path);
    return 0;
}

/* "model" as a Llama config.json (vocab_size comes later, from the tokenizer). */
static int parse_model(seal_pretrain_config *c, json_t *model, const char *path) {
    json_object_set_new(model, "architectures", json_pack("[s]", "LlamaForCausalLM"));
    json_object_set_new(model, "model_type", json_string("llama"));
    if (!json_object_get(model, "vocab_size")) json_object_set_new(model, "vocab_size", json_integer(1));
    char *text = json_dumps(model, 0);
    int rc = text ? seal_config_parse(&c->model, text, path) : seal_err("%s: \"model\" cannot be serialized", path);
    free(text);
    return rc;
}

/* "tokenizer": relative to the config's directory. */
static int parse_tokenizer(seal_pretrain_config *c, json_t *root, const char *path, const char *override) {
    json_t *tk = json_object_get(root, "tokenizer");
    if (override) snprintf(c->tokenizer, sizeof c->tokenizer, "%s", override);
    else if (!json_is_string(tk)) return seal_err("%s: no \"tokenizer\" (or use --tokenizer DIR)", path);
    else {
        const char *t = json_string_value(tk), *slash = strrchr(path, '/');
        if (slash && t[0] != '/') snprintf(c->tokenizer, sizeof c->tokenizer, "%.*s/%s", (int)(slash - path), path, t);
        else snprintf(c->tokenizer, sizeof c->tokenizer, "%s", t);
    }
    return 0;
}

int seal_pretrain_config_load(seal_pretrain_config *c, const char *path, const char *tokenizer_dir) {
    json_t *root = seal_json_load_file(path, 0);
    if (!root) return -1;
    json_t *model = json_object_get(root, "model"), *train = json_object_get(root, "train");
    int rc;
    if (!json_is_object(model) || !json_is_object(train)) rc = seal_err("%s: needs objects \"model\" and \"train\"", path);
    else rc = parse_model(c, model, path) || parse_tokenizer(c, root, path, tokenizer_dir) ||
              parse_train(c, train, path) || seal_pretrain_config_check(c, path) ? -1 : 0;
    json_decref(root);
    return rc;
}

/* A bound on one field: lo <= v <= hi. */
static int in_range(double v, double lo, double hi, const char *what, const char *field) {
    if (!(v >= lo && v <= hi)) return seal_err("%s: %s: %.17g is out of range [%g, %g]", what, field, v, lo, hi);
    return 0;
}

int seal_pretrain_config_check(const seal_pretrain_config *c, const char *what) {
    const seal_config *m = &c->model;
    int rc = in_range(m->hidden, 1, 65536, what, "model.hidden_size") ||
             in_range(m->ffn, 1, 262144, what, "model.intermediate_size") ||
             in_range(m->n_layers, 1, 1024, what, "model.num_hidden_layers") ||
             in_range(m->n_heads, 1, m->hidden, what, "model.num_attention_heads") ||
             in_range(m->n_kv_heads, 1, m->n_heads, what, "model.num_key_value_heads") ||
             in_range(m->max_pos, 1, 1 << 20, what, "model.max_position_embeddings") ||
             in_range((double)c->steps, 1, 1e9, what, "train.steps") ||
             in_range(c->batch_size, 1, 65536, what, "train.batch_size") ||
             in_range(c->seq_len, 2, 1 << 20, what, "train.seq_len") || in_range(c->lr, 0, 10, what, "train.lr") ||
             in_range(c->warmup_steps, 0, 1e9, what, "train.warmup_steps") ||
             in_range(c->weight_decay, 0, 10, what, "train.weight_decay") ||
             in_range(c->beta1, 0, 0.999999, what, "train.beta1") || in_range(c->beta2, 0, 0.999999, what, "train.beta2") ||
             in_range(c->max_grad_norm, 0, 1e9, what, "train.max_grad_norm") ||
             in_range(c->eval_every, 1, 1e9, what, "train.eval_every") ||
             in_range(c->eval_fraction, 0, 0.999999, what, "train.eval_fraction") ||
             in_range(c->checkpoint_every, 0, 1e9, what, "train.checkpoint_every") ||
             in_range(c->init_std, 0, 10, what, "train.init_std");
    if (rc || seal_loss_spans_check(&c->loss_spans, what)) return -1;
    if (m->hidden % m->n_heads || m->n_heads % m->n_kv_heads)
        return seal_err("%s: model.hidden_size %d must be a multiple of num_attention_heads %d, and that of "
                        "num_key_value_heads %d", what, m->hidden, m->n_heads, m->n_kv_heads);
    return 0;
}

/* Weights, gradients and the two AdamW moments, all F32: refuse a model that
 * cannot fit in this machine's memory, naming the fields that size it. */
static int check_fits(const seal_config *m) {
    double per_layer = 2.0 * m->hidden * ((double)m->n_heads + m->n_kv_heads) * m->head_dim + 3.0 * m->hidden * m->ffn;
    double params = per_layer * m->n_layers + (m->tie_embeddings ? 1.0 : 2.0) * (double)m->vocab * m->hidden;
    double need = 16.0 * params, have = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (have > 0 && need > have)
        return seal_err("model: hidden_size %d, intermediate_size %d, num_hidden_layers %d and vocab %d make %.3g "
                        "parameters, which need %.3g GB for training (weights, gradients, AdamW state); this machine "
                        "has %.3g GB", m->hidden, m->ffn, m->n_layers, m->vocab, params, need / 1e9, have / 1e9);
    return 0;
}

/* ---- the run ---- */

/* Under mpirun every rank trains the same model on its rows of each batch
 * (docs/scale-out.md); rank 0 leads: it alone claims DIR, writes the log,
 * the checkpoints and the model, evaluates and reports. */
static int lead(void) { return seal_rank() == 0; }

/* Everything a run holds; zeroed at the start, so that run_free is safe at any point. */
typedef struct {
    const seal_pretrain_opts *o;
    seal_pretrain_config cfg; /* o->cfg with the tokenizer's vocab, bos and eos */
    seal_tokenizer *tok;
    train_dataset tr, ev;
    batch_iter it, eit;
    int have_eval;
    seal_model m;
    int resumed;  /* started from DIR/checkpoint */
    FILE *log;
    seal_pool *pool;
    train_session s;
    train_opts topts;
} pretrain_run;

static void run_free(pretrain_run *r) {
    seal_train_session_free(&r->s);
    if (r->pool) seal_pool_destroy(r->pool);
    if (r->log) fclose(r->log);
    seal_batch_iter_free(&r->it);
    seal_batch_iter_free(&r->eit);
    seal_dataset_free(&r->tr);
    seal_dataset_free(&r->ev);
    if (r->tok) seal_tok_free(r->tok);
    seal_model_free(&r->m);
}

/* The tokenizer's vocabulary, bos and eos go into the model config. */
static int load_tokenizer(pretrain_run *r) {
    seal_config *c = &r->cfg.model;
    if (!(r->tok = seal_tok_load(r->cfg.tokenizer))) return -1;
    c->vocab = seal_tok_vocab_size(r->tok);
    c->bos_id = seal_tok_bos_id(r->tok);
    c->n_eos = 0;
    if (seal_tok_eos_id(r->tok) >= 0) c->eos_ids[c->n_eos++] = seal_tok_eos_id(r->tok);
    if (c->max_pos < r->cfg.seq_len) c->max_pos = r->cfg.seq_len;
    return check_fits(c);
}

/* Whether an example has a label (mask[1..n): the first token is never one). */
static int has_label(const train_example *e) {
    for (int t = 1; t < e->n; t++)
        if (e->mask[t]) return 1;
    return 0;
}

/* Split documents: every example whose index hashes below frac is held out.
 * Under loss spans a document without a marked token (after truncation)
 * would cost compute and teach nothing: left out, counted in *unlabelled. */
static int split(const train_dataset *all, double frac, train_dataset *tr, train_dataset *ev, const dataset_opts *o,
                 long *unlabelled) {
    for (int i = 0; i < all->n; i++) {
        uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;
        int held = (double)(h >> 11) * (1.0 / 9007199254740992.0) < frac;
        if (o->spans && o->spans->n && !has_label(&all->ex[i])) {
            (*unlabelled)++;
            continue;
        }
        if (seal_dataset_add_ids(held ? ev : tr, all->ex[i].ids, all->ex[i].mask, all->ex[i].n, o)) return -1;
    }
    if (tr->n == 0) return seal_err("pretrain: no training documents left after the held-out split");
    return 0;
}

/* What train.loss_spans did to the corpus (docs/commands/pretrain.md). */
static void report_spans(const seal_pretrain_config *p, const dataset_stats *st, long unlabelled) {
    fprintf(stderr, "pretrain: loss on the marked spans of %d pair(s) only (train.loss_spans), for the held-out "
            "loss too: %ld of %ld next-token positions trained; %ld of %ld documents have no marked token and are "
            "left out\n",
            p->loss_spans.n, st->loss_tokens, st->tokens - st->examples, unlabelled, st->examples);
    if (st->span_resegmented)
        fprintf(stderr, "pretrain: %ld of %ld documents, whose tokens do not decode to their text one by one, tokenize "
                "differently when cut at the span markers (their segment-wise tokens are trained)\n",
                st->span_resegmented, st->examples);
}

/* Tokenize the documents, split off the held-out ones and set up both streams. */
static int load_data(pretrain_run *r) {
    const seal_pretrain_config *p = &r->cfg;
    dataset_opts dopt;
    seal_dataset_opts_default(&dopt);
    dopt.max_len = p->seq_len;
    dopt.packing = p->pack_rows;
    dopt.vocab = p->model.vocab;
    dopt.eos_id = p->model.n_eos ? p->model.eos_ids[0] : -1;
    if (lead()) fprintf(stderr, "pretrain: tokenizing %s\n", r->o->data);
    dopt.spans = p->loss_spans.n ? &p->loss_spans : NULL;
    train_dataset all = {0};
    long unlabelled = 0;
    int rc = seal_dataset_load_jsonl(&all, r->o->data, r->tok, &dopt) ||
             split(&all, p->eval_fraction, &r->tr, &r->ev, &dopt, &unlabelled);
    if (rc == 0 && !p->pack_rows && all.stats.truncated && lead())
        fprintf(stderr, "pretrain: %ld of %ld documents longer than seq_len %d were truncated\n",
                (long)all.stats.truncated, (long)all.stats.examples, p->seq_len);
    if (rc == 0 && dopt.spans && lead()) report_spans(p, &all.stats, unlabelled);
    seal_dataset_free(&all);
    if (rc || seal_batch_iter_init(&r->it, &r->tr, p->batch_size, p->seed, !p->file_order)) return -1;
    /* no held-out documents (or none that make a batch): no evaluation */
    r->have_eval = r->ev.n && seal_batch_iter_init(&r->eit, &r->ev, p->batch_size, p->seed, 0) == 0;
    return 0;
}

/* train.loss_spans as the config wrote it: [{"start", "end"}, ...]. */
static json_t *spans_json(const seal_loss_spans *s) {
    json_t *a = json_array();
    for (int i = 0; i < s->n; i++) json_array_append_new(a, json_pack("{s:s, s:s}", "start", s->start[i], "end", s->end[i]));
    return a;
}

/* What shapes the run's trajectory: a resume under other values would not
 * continue the same run. eval_every, checkpoint_every, keep_checkpoints and
 * save_dtype are left out: they may change freely. The thread count is in:
 * the training path's BLAS sums split by thread, and so is the rank count
 * (under mpirun the step's gradient sums group its rows by rank). */
static int run_record(const pretrain_run *r, seal_run_record *rec) {
    const seal_pretrain_config *p = &r->cfg;
    char fp[40];
    snprintf(fp, sizeof fp, "%016llx/%016llx", (unsigned long long)seal_dataset_fingerprint(&r->tr),
             (unsigned long long)seal_dataset_fingerprint(&r->ev));
    seal_run_record_init(rec);
    return seal_run_record_int(rec, "train.steps", p->steps) ||
           seal_run_record_int(rec, "train.batch_size", p->batch_size) ||
           seal_run_record_int(rec, "train.seq_len", p->seq_len) || seal_run_record_real(rec, "train.lr", p->lr) ||
           seal_run_record_real(rec, "train.warmup_steps", p->warmup_steps) ||
           seal_run_record_real(rec, "train.weight_decay", p->weight_decay) ||
           seal_run_record_real(rec, "train.beta1", p->beta1) || seal_run_record_real(rec, "train.beta2", p->beta2) ||
           seal_run_record_real(rec, "train.max_grad_norm", p->max_grad_norm) ||
           seal_run_record_real(rec, "train.eval_fraction", p->eval_fraction) ||
           seal_run_record_int(rec, "train.seed", (long long)p->seed) ||
           seal_run_record_real(rec, "train.init_std", p->init_std) ||
           seal_run_record_str(rec, "train.packing", p->pack_rows ? "rows" : "documents") ||
           (p->file_order && seal_run_record_str(rec, "train.order", "file")) ||
           (p->loss_spans.n && seal_run_record_json(rec, "train.loss_spans", spans_json(&p->loss_spans))) ||
           seal_run_record_int(rec, "data.train_documents", r->tr.n) ||
           seal_run_record_int(rec, "data.held_out_documents", r->ev.n) ||
           seal_run_record_str(rec, "data.fingerprint", fp) || seal_run_record_int(rec, "ranks", seal_rank_size()) ||
           seal_run_record_threads(rec, r->o->threads, seal_matmul_fast_arithmetic())
               ? -1
               : 0;
}

/* What DIR holds, compared with this run. */
typedef struct {
    int ours;        /* DIR holds a run: a record, or a checkpoint of an older seal without one */
    strbuf changes;  /* the record's differences, one line per key */
} dir_state;

static int inspect_dir(const pretrain_run *r, const seal_run_record *rec, const char *path, dir_state *d) {
    static const char *const new_keys[] = {"threads", "arithmetic", "seal_version", "ranks", NULL};
    char *ck = seal_path_join(r->o->out, "checkpoint");
    strbuf unrecorded = {0};
    seal_replace_dir_recover(ck);
    int found, rc = seal_run_record_compare(rec, path, new_keys, &found, &d->changes, &unrecorded);
    d->ours = found || seal_is_dir(ck);
    if (rc == 0 && d->ours && !found) fprintf(stderr, "pretrain: %s missing (a run of an older seal): not checked\n", path);
    if (rc == 0 && unrecorded.len) fprintf(stderr, "pretrain: %s has no %s (an older seal): not checked\n", path, unrecorded.s);
    if (d->changes.len) d->changes.s[--d->changes.len] = '\0'; /* no newline after the last line */
    seal_strbuf_free(&unrecorded);
    free(ck);
    return rc;
}

/* Claim DIR for this run: resume DIR's own run when its record matches (or
 * differs, with allow_config_change), start afresh in an empty DIR, or (with
 * force) in one emptied of another run or of other files. Refused otherwise.
 * Then (re)write the record. */
static int claim_dir(const pretrain_run *r, const seal_run_record *rec) {
    const seal_pretrain_opts *o = r->o;
    char *path = seal_path_join(o->out, "pretrain_run.json");
    dir_state d = {0};
    int rc = inspect_dir(r, rec, path, &d), changed = d.ours && d.changes.len;
    if (rc == 0 && changed && o->allow_config_change)
        fprintf(stderr, "pretrain: continuing with changed values:\n%s\n", d.changes.s);
    else if (rc == 0 && changed && !o->force)
        rc = seal_err("%s: this run was started with other values (resume it with the same config, data and -t, "
                      "start another --out, pass --allow-config-change, or --force to start it over):\n%s",
                      o->out, d.changes.s);
    if (rc == 0 && (!d.ours || (changed && !o->allow_config_change))) { /* a fresh start */
        const char *inputs[] = {o->data, r->cfg.tokenizer, NULL};
        rc = seal_output_check(o->out, "--out", o->force, inputs);
        if (rc == 0 && o->force) rc = seal_rm_rf(o->out);
    }
    if (rc == 0) rc = seal_mkdir_p(o->out) || seal_run_record_write(rec, path) ? -1 : 0;
    seal_strbuf_free(&d.changes);
    free(path);
    return rc;
}

/* The model to start from: DIR/checkpoint when resuming, else a fresh random
 * init in memory. */
static int init_model(pretrain_run *r) {
    char *ck = seal_path_join(r->o->out, "checkpoint");
    r->resumed = seal_is_dir(ck);
    int rc = r->resumed ? seal_model_load(&r->m, ck)
                        : seal_synth_init(&r->m, &r->cfg.model, r->cfg.seed, (float)r->cfg.init_std);
    if (rc == 0) seal_model_to_f32(&r->m);
    free(ck);
    return rc;
}

/* The optimizer, the log and the step counter (from the checkpoint when resuming). */
static int start_session(pretrain_run *r, const batch_source *src) {
    const seal_pretrain_config *p = &r->cfg;
    long per_epoch = seal_batch_iter_epoch_batches(&r->it);
    train_opts *t = &r->topts;
    *t = seal_train_opts_defaults();
    t->lr = p->lr; t->weight_decay = p->weight_decay; t->beta1 = p->beta1; t->beta2 = p->beta2;
    t->max_grad_norm = p->max_grad_norm;
    t->schedule = SCHED_COSINE; t->warmup_steps = (long)p->warmup_steps; t->max_steps = p->steps;
    t->epochs = (int)((p->steps + per_epoch - 1) / per_epoch);
    t->data_parallel = seal_rank_size() > 1;
    t->split_rows = 1; /* a step is one micro-batch of batch_size rows: its rows are split */
    if (lead()) {
        char *log_path = seal_path_join(r->o->out, "pretrain_log.jsonl");
        r->log = fopen(log_path, r->resumed ? "a" : "w");
        free(log_path);
        if (!r->log) return seal_err("%s: cannot write the log", r->o->out);
    }
    t->log = r->log;
    if (!(r->pool = seal_pool_create(r->o->threads))) return -1;
    if (seal_train_session_init(&r->s, &r->m, r->pool, NULL, src, t)) return -1;
    if (r->resumed) {
        char *st = seal_path_join(r->o->out, "checkpoint/trainer_state.safetensors");
        int rc = seal_train_session_load_state(&r->s, st);
        free(st);
        if (rc) return -1;
        if (lead()) fprintf(stderr, "pretrain: resuming at step %ld of %ld\n", r->s.step, r->s.total);
    }
    if (lead())
        fprintf(stderr, "pretrain: %lld parameters, %d train / %d held-out documents, %ld %s per epoch, %ld steps\n",
            r->m.n_params, r->tr.n, r->ev.n, per_epoch * p->batch_size, p->pack_rows ? "rows" : "documents",
            r->s.total);
    return 0;
}

static int save_checkpoint(const pretrain_run *r) {
    const char *out = r->o->out, *tok_dir = r->cfg.tokenizer;
    char *tmp = seal_path_join(out, "checkpoint.tmp"), *dst = seal_path_join(out, "checkpoint");
    char *state = seal_path_join(tmp, "trainer_state.safetensors");
    int rc = seal_rm_rf(tmp) || seal_model_save(&r->m, tmp, SEAL_F32, tok_dir) || seal_train_session_save_state(&r->s, state) ||
             seal_replace_dir(tmp, dst);
    if (rc == 0 && r->cfg.keep_checkpoints) {
        char name[64];
        snprintf(name, sizeof name, "checkpoints/step-%ld", r->s.step);
        char *kdir = seal_path_join(out, name);
        rc = seal_model_save(&r->m, kdir, SEAL_F32, tok_dir);
        free(kdir);
    }
    free(tmp); free(dst); free(state);
    return rc ? -1 : 0;
}

/* An eval line; "loss_spans":true when both losses are over the marked spans only. */
static int log_eval(FILE *log, long step, double eval_loss, double train_loss, double seconds, int spans) {
    fprintf(log, "{\"step\":%ld,\"eval_loss\":%.6g,\"train_loss\":%.6g,\"elapsed_s\":%.1f%s}\n", step, eval_loss,
            train_loss, seconds, spans ? ",\"loss_spans\":true" : "");
    return fflush(log) || ferror(log) ? seal_err("pretrain_log.jsonl: write error") : 0;
}

/* Rank 0 failed alone (its evaluation, log or checkpoint) while the other
 * ranks wait in the next step's gradient sum, which it will never join: say
 * why and end the job (MPI_Abort), rather than leave them waiting. One
 * process: -1, the error set. */
static int lead_failed(void) {
    if (seal_rank_size() > 1) {
        fprintf(stderr, "pretrain: %s (ending the other ranks)\n", seal_errmsg());
        seal_rank_abort(1);
    }
    return -1;
}

/* The steps, with held-out evaluation and checkpoints on their schedule. */
static int train_loop(pretrain_run *r, const batch_source *src, const batch_source *esrc, seal_pretrain_result *res) {
    const seal_pretrain_config *p = &r->cfg;
    train_session *s = &r->s;
    seal_progress bar;
    if (lead()) {
        seal_progress_start(&bar, "pretrain", s->total, "step");
        seal_progress_resume_from(&bar, s->step);
    }
    double gn, lr;
    int rc;
    while ((rc = seal_train_session_step(s, src, &res->train_loss, &gn, &lr)) == 1) {
        if (s->step == r->o->exit_after_step) _exit(137);
        if (!lead()) continue; /* the others only take their part of the steps */
        int last = s->step == s->total;
        if (r->have_eval && (s->step % p->eval_every == 0 || last))
            if (seal_train_session_eval(s, esrc, &res->eval_loss) ||
                log_eval(r->log, s->step, res->eval_loss, res->train_loss, seal_now() - s->t0, p->loss_spans.n > 0))
                return lead_failed();
        if (((p->checkpoint_every > 0 && s->step % p->checkpoint_every == 0) || last) && save_checkpoint(r))
            return lead_failed();
        char status[128], ev[24] = "-";
        double el = seal_now() - s->t0;
        if (!isnan(res->eval_loss)) snprintf(ev, sizeof ev, "%.3f", res->eval_loss);
        snprintf(status, sizeof status, "loss %.3f eval %s lr %.1e %.0f tok/s", res->train_loss, ev, lr,
                 (s->tokens - s->tokens0) / (el > 0 ? el : 1));
        seal_progress_update(&bar, s->step, status);
    }
    if (rc < 0) return -1;
    if (lead()) seal_progress_finish(&bar, s->step, NULL);
    res->steps = s->step;
    return 0;
}

/* The log's last lines reach the disk, or the run says it failed. */
static int close_log(pretrain_run *r) {
    char *path = seal_path_join(r->o->out, "pretrain_log.jsonl");
    int rc = seal_fclose_checked(r->log, path);
    r->log = NULL;
    free(path);
    return rc;
}

int seal_pretrain_run(const seal_pretrain_opts *o, seal_pretrain_result *res) {
    seal_pretrain_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    res->eval_loss = NAN;
    if (!o->data || !o->out) return seal_err("pretrain: no data or output directory given");
    pretrain_run *r = seal_calloc(1, sizeof *r);
    r->o = o;
    r->cfg = o->cfg;
    seal_run_record record = {0};
    int rc = seal_pretrain_config_check(&r->cfg, "pretrain config") || load_tokenizer(r) || load_data(r) ||
             run_record(r, &record) || (lead() && claim_dir(r, &record));
    /* every rank waits for rank 0's claim (it may empty DIR) before reading the checkpoint */
    if (seal_rank_any_failed(rc, "start the pretraining")) rc = -1;
    batch_source src = seal_batch_iter_source(&r->it), esrc = seal_batch_iter_source(&r->eit);
    if (rc == 0) rc = init_model(r) || start_session(r, &src);
    if (seal_rank_any_failed(rc, "load the model or its checkpoint")) rc = -1;
    if (rc == 0) {
        res->resumed_from = r->resumed ? r->s.step : 0;
        rc = train_loop(r, &src, &esrc, res);
    }
    if (rc == 0 && lead()) rc = seal_model_save(&r->m, o->out, r->cfg.save_dtype, r->cfg.tokenizer) ||
                                seal_config_save_generation(&r->m.cfg, o->out) || close_log(r);
    if (rc == 0 && lead()) {
        res->train_docs = r->tr.n;
        res->eval_docs = r->ev.n;
        res->n_params = r->m.n_params;
        fprintf(stderr, "pretrain: done, train loss %.4f, held-out loss %.4f; model in %s\n", res->train_loss,
                res->eval_loss, o->out);
    }
    seal_run_record_free(&record);
    run_free(r);
    free(r);
    return rc ? -1 : 0;
}
