/* seal train: supervised finetuning, LoRA or full, from a JSONL dataset. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt/rank.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/opt.h"
#include "rt/threadpool.h"
#include "model/peft.h"
#include "model/save.h"
#include "train/dataset.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/fsutil.h"

typedef struct {
    const char *model, *data, *out, *targets, *init_adapter, *dump;
    int rank, full, rslora, batch, max_len, packing, pad_to, pad_labels, no_eos, no_shuffle, as_json, threads, force, save_dtype;
    double alpha, dropout;
    long long warmup_steps, max_steps;
    train_opts o;
} train_args;

static int parse_schedule(const char *value, void *dst) {
    if (seal_sched_parse(value, dst)) return seal_err("\"%s\" is not a schedule (constant, linear or cosine)", value);
    return 0;
}

static const char SAVE_DTYPES[] = "model|f32|bf16|f16"; /* index 0: keep the model's dtype */

static const char TRAIN_ABOUT[] =
    "Supervised finetuning. Rows: {\"text\": ...} (loss on every token),\n"
    "{\"prompt\": ..., \"completion\": ...} (loss on the completion only, as TRL),\n"
    "or pre-tokenized {\"input_ids\": [...], \"completion_mask\": [...]}.\n"
    "LoRA writes a PEFT adapter to DIR (adapter_config.json, adapter_model.safetensors);\n"
    "--full writes a full model directory. Every optimizer step is logged to\n"
    "DIR/train_log.jsonl; DIR/train_result.json summarizes the run.\n"
    "DIR is written as a temp directory beside it (.seal-tmp-PID-*, holding a PARTIAL\n"
    "note) and renamed into place when the run is complete: an existing non-empty DIR\n"
    "is replaced only with --force, and never when it is (or holds) an input.\n";

static int parse(train_args *a, int argc, char **argv) {
    *a = (train_args){.targets = "q_proj,v_proj", .rank = 8, .alpha = 8, .batch = 1, .max_len = 1024,
                      .o = seal_train_opts_defaults()};
    a->o.seed = 42;
    a->warmup_steps = a->o.warmup_steps;
    a->max_steps = a->o.max_steps;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", 'm', &a->model, "DIR", "base model directory", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("data", 0, &a->data, "FILE", "JSONL training rows", CLI_REQUIRED | CLI_RESULT),
        CLI_OPT_STR("out", 0, &a->out, "DIR", "output directory (see above)", CLI_REQUIRED),
        CLI_OPT_FLAG("force", 0, &a->force, "replace an existing non-empty --out", 0),
        CLI_SECTION("LoRA (PEFT defaults):"),
        CLI_OPT(CLI_INT, "lora-rank", 0, &a->rank, "R", "rank", 1, 4096, CLI_RESULT),
        CLI_OPT(CLI_F64, "lora-alpha", 0, &a->alpha, "A", "alpha; scale alpha/r, or alpha/sqrt(r) with --rslora", 0,
                1e6, CLI_RESULT | CLI_GT_MIN),
        CLI_OPT(CLI_F64, "lora-dropout", 0, &a->dropout, "P", "dropout on the adapter input", 0, 0.99, CLI_RESULT),
        CLI_OPT_STR("lora-targets", 0, &a->targets, "LIST",
                    "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj or all (PEFT's default for Llama and "
                    "Qwen2: q_proj,v_proj)", CLI_RESULT),
        CLI_OPT_FLAG("rslora", 0, &a->rslora, "rank-stabilized scaling", CLI_RESULT),
        CLI_OPT_STR("init-adapter", 0, &a->init_adapter, "DIR", "start from this PEFT adapter instead of a fresh one",
                    CLI_RESULT),
        CLI_OPT_FLAG("full", 0, &a->full, "train every parameter instead (f32 master weights)", CLI_RESULT),
        CLI_SECTION("Optimization (Hugging Face Trainer defaults):"),
        CLI_OPT(CLI_F64, "lr", 0, &a->o.lr, "X", "peak learning rate (0: gradients only, e.g. with --dump-grads)", 0,
                10, CLI_RESULT),
        CLI_OPT(CLI_INT, "epochs", 0, &a->o.epochs, "N", "passes over the data", 1, 100000, CLI_RESULT),
        CLI_OPT(CLI_INT, "batch-size", 0, &a->batch, "N", "examples per micro-batch", 1, 65536, CLI_RESULT),
        CLI_OPT(CLI_INT, "grad-accum", 0, &a->o.grad_accum, "N", "micro-batches per optimizer step", 1, 65536,
                CLI_RESULT),
        CLI_OPT_CUSTOM("schedule", 0, &a->o.schedule, "S", "learning-rate schedule (default linear)", parse_schedule,
                       "constant|linear|cosine", CLI_RESULT),
        CLI_OPT(CLI_I64, "warmup-steps", 0, &a->warmup_steps, "N", "warmup optimizer steps (over --warmup-ratio)", 0,
                1e12, CLI_RESULT),
        CLI_OPT(CLI_F64, "warmup-ratio", 0, &a->o.warmup_ratio, "X", "warmup as a fraction of the steps", 0, 1,
                CLI_RESULT),
        CLI_OPT(CLI_F64, "weight-decay", 0, &a->o.weight_decay, "X", "AdamW decoupled decay (not on biases and norms)",
                0, 10, CLI_RESULT),
        CLI_OPT(CLI_F64, "adam-beta1", 0, &a->o.beta1, "X", "AdamW beta1", 0, 0.999999, CLI_RESULT),
        CLI_OPT(CLI_F64, "adam-beta2", 0, &a->o.beta2, "X", "AdamW beta2", 0, 0.999999999, CLI_RESULT),
        CLI_OPT(CLI_F64, "adam-eps", 0, &a->o.eps, "X", "AdamW epsilon", 0, 1, CLI_RESULT | CLI_GT_MIN),
        CLI_OPT(CLI_F64, "max-grad-norm", 0, &a->o.max_grad_norm, "X", "clip by global norm (0 = off)", 0, 1e9,
                CLI_RESULT),
        CLI_OPT(CLI_I64, "max-steps", 0, &a->max_steps, "N", "stop after N optimizer steps (0 = no limit)", 0, 1e12,
                CLI_RESULT),
        CLI_SECTION("Data:"),
        CLI_OPT(CLI_INT, "max-len", 0, &a->max_len, "N", "truncate examples to N tokens (0 = no limit)", 0, 1 << 24,
                CLI_RESULT),
        CLI_OPT_FLAG("packing", 0, &a->packing, "pack examples into rows of --max-len tokens", CLI_RESULT),
        CLI_OPT_FLAG("no-eos", 0, &a->no_eos, "do not append EOS to text and completions", CLI_RESULT),
        CLI_OPT(CLI_INT, "pad-to", 0, &a->pad_to, "N",
                "truncate and right-pad every example to N tokens with EOS, pads unattended (the SEAL reference: 2048 "
                "with --no-eos --pad-labels; replaces --max-len)", 0, 1 << 24, CLI_RESULT),
        CLI_OPT_FLAG("pad-labels", 0, &a->pad_labels, "with --pad-to: the pads are labels (HF labels = input_ids)",
                     CLI_RESULT),
        CLI_OPT_FLAG("no-shuffle", 0, &a->no_shuffle, "keep the file order", CLI_RESULT),
        CLI_OPT(CLI_U64, "seed", 0, &a->o.seed, "S", "shuffling, LoRA init and dropout", 0, 0, CLI_RESULT),
        CLI_SECTION("Other:"),
        CLI_OPT_FLAG("recompute", 0, &a->o.recompute, "recompute each layer in backward (less memory)", 0),
        CLI_OPT_CHOICE("save-dtype", &a->save_dtype, "T", "full mode: the saved weights' dtype (model: the model's)",
                       SAVE_DTYPES, 0),
        CLI_OPT_STR("dump-grads", 0, &a->dump, "FILE", "write the first step's gradients (safetensors) and go on", 0),
        CLI_OPT_FLAG("json", 0, &a->as_json, "print the result as JSON", 0),
        CLI_THREADS_OPT(&a->threads),
        {0}};
    const cli_spec spec = {"seal train", "-m MODEL --data FILE.jsonl --out DIR [options]", TRAIN_ABOUT, opts, 0, 0,
                           NULL};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    a->o.warmup_steps = (long)a->warmup_steps;
    a->o.max_steps = (long)a->max_steps;
    a->o.dump_grads = a->dump;
    return rc;
}

/* A number for JSON: JSON has no nan or inf. */
static void json_num(char *buf, size_t n, double x) {
    if (isfinite(x)) snprintf(buf, n, "%.6g", x);
    else snprintf(buf, n, "null");
}

static int save_result(const train_args *a, const char *dir, const train_result *r, const dataset_stats *st,
                       long long peak) {
    char buf[1024], f0[32], f1[32], e0[32], e1[32];
    json_num(f0, sizeof f0, r->first_loss);
    json_num(f1, sizeof f1, r->last_loss);
    json_num(e0, sizeof e0, r->first_epoch_loss);
    json_num(e1, sizeof e1, r->last_epoch_loss);
    int n = snprintf(buf, sizeof buf,
        "{\"steps\":%ld,\"first_loss\":%s,\"last_loss\":%s,\"first_epoch_mean_loss\":%s,\"last_epoch_mean_loss\":%s,"
        "\"seconds\":%.3f,\"tokens\":%ld,\"tokens_per_s\":%.1f,"
        "\"examples\":%ld,\"truncated\":%ld,\"loss_tokens\":%ld,\"activation_bytes\":%zu,\"peak_rss_bytes\":%lld,"
        "\"mode\":\"%s\",\"stopped_nonfinite\":%s}\n",
        r->steps, f0, f1, e0, e1, r->seconds, r->tokens, r->tokens_per_s, st->examples, st->truncated,
        st->loss_tokens, r->activation_bytes, peak, a->full ? "full" : "lora", r->stopped_nonfinite ? "true" : "false");
    char *path = seal_path_join(dir, "train_result.json");
    int rc = seal_write_file_atomic(path, buf, (size_t)n);
    free(path);
    if (rc == 0 && a->as_json) fputs(buf, stdout);
    return rc;
}

static int save_weights(const train_args *a, const char *dir, const seal_model *m, const seal_adapter *ad) {
    if (!a->full) return seal_peft_save(ad, dir, a->model, SEAL_F32);
    static const seal_dtype dtypes[] = {SEAL_F32, SEAL_F32, SEAL_BF16, SEAL_F16};
    return seal_model_save(m, dir, a->save_dtype ? dtypes[a->save_dtype] : m->dtype, a->model);
}

/* Open dir/train_log.jsonl for the per-step records. */
static FILE *open_log(const char *dir) {
    char *path = seal_path_join(dir, "train_log.jsonl");
    FILE *f = fopen(path, "w");
    if (!f) seal_err("%s: cannot create: %s", path, strerror(errno));
    free(path);
    return f;
}

/* Flush, fsync and close the log: a full disk shows here, not as a short log. */
static int close_log(FILE *f, const char *dir) {
    char *path = seal_path_join(dir, "train_log.jsonl");
    int rc = seal_fclose_checked(f, path);
    free(path);
    return rc;
}

/* Load the data and set up the adapter (or f32 weights) to train: every
 * input is checked before the output directory is claimed. */
static int prepare(const train_args *a, seal_model *m, seal_tokenizer **tok, train_dataset *ds, seal_adapter *ad) {
    char *tj = seal_path_join(a->model, "tokenizer.json");
    int has_tok = seal_is_file(tj);
    free(tj);
    if (has_tok && !(*tok = seal_tok_load(a->model))) return -1;
    dataset_opts dopt;
    seal_dataset_opts_default(&dopt);
    dopt.append_eos = !a->no_eos;
    dopt.max_len = a->max_len;
    dopt.packing = a->packing;
    dopt.vocab = m->cfg.vocab;
    dopt.eos_id = m->cfg.n_eos ? m->cfg.eos_ids[0] : -1;
    dopt.pad_to = a->pad_to;
    dopt.pad_labels = a->pad_labels;
    dopt.pad_id = *tok && seal_tok_eos_id(*tok) >= 0 ? seal_tok_eos_id(*tok) : dopt.eos_id;
    if (a->pad_labels && !a->pad_to) return seal_err("--pad-labels needs --pad-to N (the pads it labels)");
    if (a->pad_to > m->cfg.max_pos && m->cfg.max_pos > 0)
        return seal_err("--pad-to %d exceeds the model's context (max_position_embeddings %d)", a->pad_to, m->cfg.max_pos);
    if (seal_dataset_load_jsonl(ds, a->data, *tok, &dopt)) return -1;
    if (ds->warning[0])
        fprintf(stderr, "seal: warning: %ld prompt(s) do not tokenize as a prefix of prompt+completion; first: %s\n",
                ds->stats.prompt_mismatch, ds->warning);
    if (ds->stats.truncated)
        fprintf(stderr, "seal: %ld of %ld examples truncated to %d tokens\n", ds->stats.truncated, ds->stats.examples,
                a->pad_to ? a->pad_to : a->max_len);
    if (a->full) { seal_model_to_f32(m); return 0; }
    if (a->init_adapter) {
        if (seal_peft_load(ad, &m->cfg, a->init_adapter)) return -1;
        if (a->dropout > 0) ad->dropout = (float)a->dropout;
        return 0;
    }
    unsigned targets = 0;
    if (seal_adapter_parse_targets(a->targets, &targets)) return seal_err_prefix("--lora-targets");
    return seal_adapter_init(ad, &m->cfg, a->rank, (float)a->alpha, a->rslora, (float)a->dropout, targets, a->o.seed);
}

/* Train into the temp directory tmp: log, weights, result. 0, 1 when a
 * non-finite step stopped the run (the last good weights are saved), -1. */
static int train_into(train_args *a, const char *tmp, seal_model *m, seal_adapter *ad, batch_iter *it,
                      const train_dataset *ds, int threads, train_result *r) {
    FILE *log = open_log(tmp);
    if (!log) return -1;
    a->o.log = log;
    a->o.quiet = a->as_json;
    batch_source src = seal_batch_iter_source(it);
    seal_pool *pool = seal_pool_create(threads);
    int rc = pool ? seal_train_run(m, pool, a->full ? NULL : ad, &src, &a->o, r) : -1;
    if (pool) seal_pool_destroy(pool);
    int nonfinite = rc && pool && r->stopped_nonfinite;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", seal_errmsg());
    if (close_log(log, tmp)) return -1;
    if (rc && !nonfinite) return seal_err("%s", msg);
    /* after a non-finite step the weights are the last good ones: keep them */
    if (save_weights(a, tmp, m, ad) || save_result(a, tmp, r, &ds->stats, cli_peak_rss())) return -1;
    return nonfinite;
}

/* A rank other than 0 of a data-parallel run (docs/scale-out.md): the same
 * training, its share of each step's micro-batches, and nothing written. */
static int train_rank(train_args *a, seal_model *m, seal_adapter *ad, batch_iter *it, int threads) {
    a->o.quiet = 1;
    batch_source src = seal_batch_iter_source(it);
    seal_pool *pool = seal_pool_create(threads);
    train_result r;
    int rc = pool ? seal_train_run(m, pool, a->full ? NULL : ad, &src, &a->o, &r) : -1;
    if (pool) seal_pool_destroy(pool);
    return rc ? -1 : 0;
}

int cmd_train(int argc, char **argv) {
    train_args a;
    int prc = parse(&a, argc, argv), threads;
    if (prc != CLI_CONTINUE) return prc;
    a.o.data_parallel = seal_rank_size() > 1;
    const char *inputs[] = {a.model, a.data, a.init_adapter, NULL};
    if (seal_threads_resolve(a.threads, &threads)) return cli_fail();
    /* rank 0 alone checks and writes --out; the others learn of its refusal below */
    int failed = seal_rank() == 0 && seal_output_check(a.out, "--out", a.force, inputs);
    seal_model m;
    if (!failed && seal_model_load(&m, a.model)) failed = 2;
    seal_tokenizer *tok = NULL;
    seal_adapter ad = {0};
    train_dataset ds = {0};
    batch_iter it = {0};
    int code = 1, have_it = 0;
    char *tmp = NULL;
    train_result r;
    if (!failed && (prepare(&a, &m, &tok, &ds, &ad) || seal_batch_iter_init(&it, &ds, a.batch, a.o.seed, !a.no_shuffle)))
        failed = 3;
    have_it = failed == 0;
    if (!failed && seal_rank() == 0 && !(tmp = seal_outdir_begin(a.out))) failed = 3;
    if (seal_rank_any_failed(failed, "start the training")) goto done;
    if (seal_rank() != 0) {
        code = train_rank(&a, &m, &ad, &it, threads) ? 1 : 0;
        goto done;
    }
    int rc = train_into(&a, tmp, &m, &ad, &it, &ds, threads, &r);
    if (rc < 0) goto done;
    int committed = seal_outdir_commit(tmp, a.out);
    tmp = NULL;
    if (committed) goto done;
    if (rc) {
        seal_err("training stopped: a loss or gradient was not finite; the last good %s is in %s",
                 a.full ? "model" : "adapter", a.out);
        goto done;
    }
    if (!a.as_json)
        fprintf(stderr, "trained %ld steps: mean loss %.4f (first epoch) -> %.4f (last epoch), %.0f tok/s, "
                        "peak RSS %.1f MB; wrote %s\n",
                r.steps, r.first_epoch_loss, r.last_epoch_loss, r.tokens_per_s, cli_peak_rss() / 1e6, a.out);
    code = 0;
done:
    if (code) cli_fail();
    seal_outdir_abort(tmp);
    if (have_it) seal_batch_iter_free(&it);
    seal_dataset_free(&ds);
    if (ad.store) seal_adapter_free(&ad);
    if (tok) seal_tok_free(tok);
    if (failed != 1 && failed != 2) seal_model_free(&m);
    return code;
}
