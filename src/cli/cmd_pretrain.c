/* seal pretrain: full-parameter training of a Llama model from scratch, with
 * held-out loss, periodic checkpoints and resume after a kill. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/save.h"
#include "model/synth.h"
#include "train/dataset.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_diff.h"
#include "util/progress.h"
#include "util/strbuf.h"

static const char *usage =
    "usage: seal pretrain --config CONFIG.json --data FILE.jsonl --out DIR [--tokenizer DIR] [-t N]\n"
    "                     [--allow-config-change]\n"
    "\n"
    "Train a LlamaForCausalLM from random initialization on {\"text\": ...} rows,\n"
    "packed into rows of seq_len tokens (or one sequence per document), AdamW\n"
    "with warmup and cosine decay.\n"
    "A slice of the documents is held out for the evaluation loss. DIR gets\n"
    "pretrain_log.jsonl (every step; eval lines carry \"eval_loss\"), a checkpoint\n"
    "every checkpoint_every steps (DIR/checkpoint: weights + optimizer state and\n"
    "data position; with keep_checkpoints also DIR/checkpoints/step-N), and at the\n"
    "end the model as a Hugging Face directory (config.json, model.safetensors,\n"
    "tokenizer files, generation_config.json). Rerunning the same command after a\n"
    "kill resumes from DIR/checkpoint. DIR/pretrain_run.json records what shapes the\n"
    "run (the train values but eval_every, checkpoint_every, keep_checkpoints and\n"
    "save_dtype; the documents' token ids); a resume under other values is refused,\n"
    "naming each change, unless --allow-config-change (a larger steps then extends\n"
    "the cosine schedule from the checkpoint's step).\n"
    "\n"
    "CONFIG.json: {\"model\": {hidden_size, intermediate_size, num_hidden_layers,\n"
    "  num_attention_heads, num_key_value_heads, max_position_embeddings, rope_theta,\n"
    "  rms_norm_eps, tie_word_embeddings}, \"tokenizer\": DIR (relative to CONFIG),\n"
    "  \"train\": {steps 1000, batch_size 8, seq_len 256, lr 1e-3, warmup_steps 100\n"
    "  (then cosine decay to 0), weight_decay 0.1, beta1 0.9, beta2 0.95,\n"
    "  max_grad_norm 1, eval_every 200, eval_fraction 0.01, checkpoint_every 200,\n"
    "  keep_checkpoints false, seed 1234, init_std 0.02, save_dtype \"F32\",\n"
    "  packing \"rows\"}}\n"
    "  (the values shown are the defaults; vocab_size comes from the tokenizer)\n"
    "  packing \"rows\": documents laid end to end and cut into rows of seq_len\n"
    "  tokens (a document may straddle two rows); \"documents\": every document is\n"
    "  its own sequence (attention never crosses documents, none is cut in two;\n"
    "  longer than seq_len: truncated), batch_size counts documents.\n";

typedef struct {
    seal_config cfg;
    char tokenizer[4096];
    long steps;
    int batch, seq_len, eval_every, checkpoint_every, keep_checkpoints;
    int pack_rows; /* packing "rows" (1) or "documents" (0) */
    double lr, warmup, wd, beta1, beta2, clip, eval_fraction, init_std;
    unsigned long long seed;
    seal_dtype save_dtype;
} pretrain_cfg;

static double num(json_t *o, const char *k, double def) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

static int parse_config(pretrain_cfg *p, const char *path, const char *tok_override) {
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) return seal_err("%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
    json_t *model = json_object_get(root, "model"), *train = json_object_get(root, "train");
    int rc = 0;
    if (!json_is_object(model) || !json_is_object(train)) rc = seal_err("%s: needs objects \"model\" and \"train\"", path);
    else {
        json_object_set_new(model, "architectures", json_pack("[s]", "LlamaForCausalLM"));
        json_object_set_new(model, "model_type", json_string("llama"));
        if (!json_object_get(model, "vocab_size")) json_object_set_new(model, "vocab_size", json_integer(1)); /* from the tokenizer */
        char *text = json_dumps(model, 0);
        rc = config_parse(&p->cfg, text, path);
        free(text);
    }
    if (rc == 0) {
        json_t *tk = json_object_get(root, "tokenizer");
        if (tok_override) snprintf(p->tokenizer, sizeof p->tokenizer, "%s", tok_override);
        else if (json_is_string(tk)) {
            char *dir = seal_strdup(path), *slash = strrchr(dir, '/');
            const char *t = json_string_value(tk);
            if (slash && t[0] != '/') {
                *slash = '\0';
                snprintf(p->tokenizer, sizeof p->tokenizer, "%s/%s", dir, t);
            } else snprintf(p->tokenizer, sizeof p->tokenizer, "%s", t);
            free(dir);
        } else rc = seal_err("%s: no \"tokenizer\" (or use --tokenizer DIR)", path);
        p->steps = (long)num(train, "steps", 1000);
        p->batch = (int)num(train, "batch_size", 8);
        p->seq_len = (int)num(train, "seq_len", 256);
        p->lr = num(train, "lr", 1e-3);
        p->warmup = num(train, "warmup_steps", 100);
        p->wd = num(train, "weight_decay", 0.1);
        p->beta1 = num(train, "beta1", 0.9);
        p->beta2 = num(train, "beta2", 0.95);
        p->clip = num(train, "max_grad_norm", 1.0);
        p->eval_every = (int)num(train, "eval_every", 200);
        p->eval_fraction = num(train, "eval_fraction", 0.01);
        p->checkpoint_every = (int)num(train, "checkpoint_every", 200);
        p->keep_checkpoints = json_is_true(json_object_get(train, "keep_checkpoints"));
        json_t *pk = json_object_get(train, "packing");
        const char *pks = pk ? json_string_value(pk) : "rows";
        p->pack_rows = pks && !strcmp(pks, "rows");
        if (!pks || (!p->pack_rows && strcmp(pks, "documents")))
            rc = seal_err("%s: train.packing: expected \"rows\" or \"documents\"", path);
        p->seed = (unsigned long long)num(train, "seed", 1234);
        p->init_std = num(train, "init_std", 0.02);
        json_t *sd = json_object_get(train, "save_dtype");
        p->save_dtype = SEAL_F32;
        if (json_is_string(sd) && seal_dtype_parse(json_string_value(sd), &p->save_dtype))
            rc = seal_err("%s: train.save_dtype \"%s\" (F32, BF16, F16)", path, json_string_value(sd));
        if (rc == 0 && (p->steps <= 0 || p->batch <= 0 || p->seq_len < 2 || p->eval_fraction < 0 || p->eval_fraction >= 1))
            rc = seal_err("%s: train needs steps > 0, batch_size > 0, seq_len >= 2, 0 <= eval_fraction < 1", path);
    }
    json_decref(root);
    return rc;
}

/* Split documents: every example whose index hashes below eval_fraction is held out. */
static int split(const train_dataset *all, double frac, train_dataset *tr, train_dataset *ev, const dataset_opts *o) {
    for (int i = 0; i < all->n; i++) {
        uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;
        int held = (double)(h >> 11) * (1.0 / 9007199254740992.0) < frac;
        if (dataset_add_ids(held ? ev : tr, all->ex[i].ids, all->ex[i].mask, all->ex[i].n, o)) return -1;
    }
    if (tr->n == 0) return seal_err("pretrain: no training documents left after the held-out split");
    return 0;
}

static int save_checkpoint(const train_session *s, const seal_model *m, const char *out, const char *tok_dir, int keep) {
    char *tmp = seal_path_join(out, "checkpoint.tmp"), *dst = seal_path_join(out, "checkpoint");
    char *state = seal_path_join(tmp, "trainer_state.safetensors");
    int rc = seal_rm_rf(tmp) || model_save(m, tmp, SEAL_F32, tok_dir) || train_session_save_state(s, state) ||
             seal_replace_dir(tmp, dst);
    if (rc == 0 && keep) {
        char name[64];
        snprintf(name, sizeof name, "checkpoints/step-%ld", s->step);
        char *kdir = seal_path_join(out, name);
        rc = model_save(m, kdir, SEAL_F32, tok_dir);
        free(kdir);
    }
    free(tmp); free(dst); free(state);
    return rc ? -1 : 0;
}

/* The model to start from: DIR/checkpoint when resuming, else a fresh random init. */
static int init_model(seal_model *m, const pretrain_cfg *p, const char *out, int *resumed) {
    char *ck = seal_path_join(out, "checkpoint");
    seal_replace_dir_recover(ck);
    int rc;
    *resumed = seal_is_dir(ck);
    if (*resumed) rc = model_load(m, ck);
    else {
        char *init = seal_path_join(out, "init.tmp");
        rc = synth_write(init, &p->cfg, SEAL_F32, p->seed, (float)p->init_std) || model_load(m, init);
        if (rc == 0) model_to_f32(m); /* owned copy: the files can go */
        seal_rm_rf(init);
        free(init);
    }
    if (rc == 0) model_to_f32(m);
    free(ck);
    return rc ? -1 : 0;
}

/* What shapes the run's trajectory: a resume under other values would not
 * continue the same run. eval_every, checkpoint_every, keep_checkpoints and
 * save_dtype are left out: they may change freely. */
static json_t *run_record(const pretrain_cfg *p, const train_dataset *tr, const train_dataset *ev) {
    char fp[40];
    snprintf(fp, sizeof fp, "%016llx/%016llx", (unsigned long long)dataset_fingerprint(tr),
             (unsigned long long)dataset_fingerprint(ev));
    return json_pack("{s:{s:I,s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:f,s:s},s:{s:i,s:i,s:s}}", "train", "steps",
                     (json_int_t)p->steps, "batch_size", p->batch, "seq_len", p->seq_len, "lr", p->lr, "warmup_steps",
                     p->warmup, "weight_decay", p->wd, "beta1", p->beta1, "beta2", p->beta2, "max_grad_norm", p->clip,
                     "eval_fraction", p->eval_fraction, "seed", (json_int_t)p->seed, "init_std", p->init_std, "packing",
                     p->pack_rows ? "rows" : "documents", "data", "train_documents", tr->n, "held_out_documents", ev->n,
                     "fingerprint", fp);
}

/* On a resume, refuse a record that differs from DIR/pretrain_run.json unless
 * allowed; then (re)write the record. A run directory from before the record
 * existed is resumed with a note. */
static int check_run_record(const char *out, json_t *now, int resumed, int allow) {
    char *path = seal_path_join(out, "pretrain_run.json");
    int rc = 0;
    json_error_t e;
    int recorded = resumed && seal_is_file(path);
    json_t *was = recorded ? json_load_file(path, 0, &e) : NULL;
    if (recorded && !was)
        rc = seal_err("%s: unreadable (line %d: %s); restore it or remove it to resume unchecked", path, e.line, e.text);
    else if (resumed && !recorded) fprintf(stderr, "pretrain: %s missing (a run of an older seal): not checked\n", path);
    if (was) {
        strbuf diff = {0};
        json_diff(was, now, &diff);
        if (diff.len && !allow)
            rc = seal_err("%s: this run was started with other values (%s); resume it with the same config and data, "
                          "start another --out, or pass --allow-config-change", out, diff.s);
        else if (diff.len) fprintf(stderr, "pretrain: continuing with changed values: %s\n", diff.s);
        strbuf_free(&diff);
        json_decref(was);
    }
    if (rc == 0) {
        strbuf text = {0};
        char *js = json_dumps(now, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
        strbuf_printf(&text, "%s\n", js);
        if (seal_write_file_atomic(path, text.s, text.len)) rc = -1;
        free(js);
        strbuf_free(&text);
    }
    free(path);
    return rc;
}

static void log_eval(FILE *log, long step, double eval_loss, double train_loss, double seconds) {
    fprintf(log, "{\"step\":%ld,\"eval_loss\":%.6g,\"train_loss\":%.6g,\"elapsed_s\":%.1f}\n", step, eval_loss, train_loss, seconds);
    fflush(log);
}

int cmd_pretrain(int argc, char **argv) {
    static struct option opts[] = {{"config", 1, 0, 'c'}, {"data", 1, 0, 'd'}, {"out", 1, 0, 'o'}, {"tokenizer", 1, 0, 'k'},
                                   {"threads", 1, 0, 't'}, {"allow-config-change", 0, 0, 'A'},
                                   {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *config = NULL, *data = NULL, *out = NULL, *tok_dir = NULL;
    int threads = 0, allow_change = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
        if (c == 'c') config = optarg;
        else if (c == 'd') data = optarg;
        else if (c == 'o') out = optarg;
        else if (c == 'k') tok_dir = optarg;
        else if (c == 't') threads = atoi(optarg);
        else if (c == 'A') allow_change = 1;
        else if (c == 'h') return cli_usage(usage, 0);
        else return cli_usage(usage, 1);
    }
    if (!config || !data || !out || optind != argc) return cli_usage(usage, 1);

    pretrain_cfg p;
    seal_tokenizer *tok = NULL;
    train_dataset all = {0}, tr = {0}, ev = {0};
    batch_iter it = {0}, eit = {0};
    seal_model m = {0};
    FILE *log = NULL;
    int code = 1, resumed = 0, have_it = 0, have_eit = 0, have_session = 0;
    train_session s;
    train_opts o = train_opts_defaults();
    if (parse_config(&p, config, tok_dir) || !(tok = tok_load(p.tokenizer))) goto done;
    p.cfg.vocab = tok_vocab_size(tok);
    p.cfg.bos_id = tok_bos_id(tok);
    p.cfg.n_eos = 0;
    if (tok_eos_id(tok) >= 0) p.cfg.eos_ids[p.cfg.n_eos++] = tok_eos_id(tok);
    if (p.cfg.max_pos < p.seq_len) p.cfg.max_pos = p.seq_len;
    dataset_opts dopt;
    dataset_opts_default(&dopt);
    dopt.max_len = p.seq_len;
    dopt.packing = p.pack_rows;
    dopt.vocab = p.cfg.vocab;
    dopt.eos_id = p.cfg.n_eos ? p.cfg.eos_ids[0] : -1;
    fprintf(stderr, "pretrain: tokenizing %s\n", data);
    if (dataset_load_jsonl(&all, data, tok, &dopt) || split(&all, p.eval_fraction, &tr, &ev, &dopt)) goto done;
    if (!p.pack_rows && all.stats.truncated)
        fprintf(stderr, "pretrain: %ld of %ld documents longer than seq_len %d were truncated\n", (long)all.stats.truncated,
                (long)all.stats.examples, p.seq_len);
    dataset_free(&all);
    if (batch_iter_init(&it, &tr, p.batch, p.seed, 1)) goto done;
    have_it = 1;
    if (ev.n && batch_iter_init(&eit, &ev, p.batch, p.seed, 0) == 0) have_eit = 1;
    if (seal_mkdir_p(out) || init_model(&m, &p, out, &resumed)) goto done;
    json_t *record = run_record(&p, &tr, &ev);
    int bad_record = check_run_record(out, record, resumed, allow_change);
    json_decref(record);
    if (bad_record) goto done;
    batch_source src = batch_iter_source(&it);
    batch_source esrc = batch_iter_source(&eit);
    long per_epoch = batch_iter_epoch_batches(&it);
    o.lr = p.lr; o.weight_decay = p.wd; o.beta1 = p.beta1; o.beta2 = p.beta2; o.max_grad_norm = p.clip;
    o.schedule = SCHED_COSINE; o.warmup_steps = (long)p.warmup; o.max_steps = p.steps;
    o.epochs = (int)((p.steps + per_epoch - 1) / per_epoch);
    char *log_path = seal_path_join(out, "pretrain_log.jsonl");
    log = fopen(log_path, resumed ? "a" : "w");
    free(log_path);
    if (!log) { seal_err("%s: cannot write the log", out); goto done; }
    o.log = log;
    seal_pool *pool = seal_pool_create(cli_threads(threads));
    if (train_session_init(&s, &m, pool, NULL, &src, &o)) { seal_pool_destroy(pool); goto done; }
    have_session = 1;
    if (resumed) {
        char *st = seal_path_join(out, "checkpoint/trainer_state.safetensors");
        int rc = train_session_load_state(&s, st);
        free(st);
        if (rc) { seal_pool_destroy(pool); goto done; }
        fprintf(stderr, "pretrain: resuming at step %ld of %ld\n", s.step, s.total);
    }
    fprintf(stderr, "pretrain: %lld parameters, %d train / %d held-out documents, %ld %s per epoch, %ld steps\n",
            m.n_params, tr.n, ev.n, per_epoch * p.batch, p.pack_rows ? "rows" : "documents", s.total);
    seal_progress bar;
    progress_start(&bar, "pretrain", s.total, "step");
    progress_resume_from(&bar, s.step);
    double loss = 0, gn, lr, ev_loss = NAN;
    /* test hook: die like a SIGKILL right after this step (tests/cli/test_pretrain.sh) */
    long abort_at = getenv("SEAL_TEST_KILL_AT_STEP") ? atol(getenv("SEAL_TEST_KILL_AT_STEP")) : -1;
    int rc;
    while ((rc = train_session_step(&s, &src, &loss, &gn, &lr)) == 1) {
        if (s.step == abort_at) _exit(137);
        int last = s.step == s.total;
        if (have_eit && (s.step % p.eval_every == 0 || last)) {
            if (train_session_eval(&s, &esrc, &ev_loss)) { rc = -1; break; }
            log_eval(log, s.step, ev_loss, loss, seal_now() - s.t0);
        }
        if ((p.checkpoint_every > 0 && s.step % p.checkpoint_every == 0) || last)
            if (save_checkpoint(&s, &m, out, p.tokenizer, p.keep_checkpoints)) { rc = -1; break; }
        char status[128];
        double el = seal_now() - s.t0;
        char ev[24] = "-";
        if (!isnan(ev_loss)) snprintf(ev, sizeof ev, "%.3f", ev_loss);
        snprintf(status, sizeof status, "loss %.3f eval %s lr %.1e %.0f tok/s", loss, ev, lr,
                 (s.tokens - s.tokens0) / (el > 0 ? el : 1));
        progress_update(&bar, s.step, status);
    }
    seal_pool_destroy(pool);
    if (rc < 0) goto done;
    progress_finish(&bar, s.step, NULL);
    if (model_save(&m, out, p.save_dtype, p.tokenizer) || config_save_generation(&m.cfg, out)) goto done;
    fprintf(stderr, "pretrain: done, train loss %.4f, held-out loss %.4f; model in %s\n", loss, ev_loss, out);
    code = 0;
done:
    if (code) cli_fail();
    if (have_session) train_session_free(&s);
    if (log) fclose(log);
    if (have_it) batch_iter_free(&it);
    if (have_eit) batch_iter_free(&eit);
    dataset_free(&all);
    dataset_free(&tr);
    dataset_free(&ev);
    if (tok) tok_free(tok);
    model_free(&m);
    return code;
}
