/* seal train: supervised finetuning, LoRA or full, from a JSONL dataset. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/peft.h"
#include "model/save.h"
#include "train/dataset.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char *usage =
    "usage: seal train -m MODEL --data FILE.jsonl --out DIR [options]\n"
    "\n"
    "Supervised finetuning. Rows: {\"text\": ...} (loss on every token),\n"
    "{\"prompt\": ..., \"completion\": ...} (loss on the completion only, as TRL),\n"
    "or pre-tokenized {\"input_ids\": [...], \"completion_mask\": [...]}.\n"
    "LoRA writes a PEFT adapter to DIR (adapter_config.json, adapter_model.safetensors);\n"
    "--full writes a full model directory. Every optimizer step is logged to\n"
    "DIR/train_log.jsonl; DIR/train_result.json summarizes the run.\n"
    "\n"
    "LoRA (PEFT defaults):\n"
    "  --lora-rank R          rank (default 8)\n"
    "  --lora-alpha A         alpha (default 8); scale alpha/r, or alpha/sqrt(r) with --rslora\n"
    "  --lora-dropout P       dropout on the adapter input (default 0)\n"
    "  --lora-targets LIST    q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj or all\n"
    "                         (default q_proj,v_proj, PEFT's default for Llama and Qwen2)\n"
    "  --rslora               rank-stabilized scaling\n"
    "  --init-adapter DIR     start from this PEFT adapter instead of a fresh one\n"
    "  --full                 train every parameter instead (f32 master weights)\n"
    "Optimization (Hugging Face Trainer defaults):\n"
    "  --lr X                 peak learning rate (default 5e-5)\n"
    "  --epochs N             (default 3)\n"
    "  --batch-size N         examples per micro-batch (default 1)\n"
    "  --grad-accum N         micro-batches per optimizer step (default 1)\n"
    "  --schedule S           constant | linear | cosine (default linear)\n"
    "  --warmup-steps N | --warmup-ratio X   (default 0)\n"
    "  --weight-decay X       AdamW decoupled decay (default 0; not on biases and norms)\n"
    "  --adam-beta1 X --adam-beta2 X --adam-eps X   (default 0.9, 0.999, 1e-8)\n"
    "  --max-grad-norm X      clip by global norm (default 1; 0 = off)\n"
    "  --max-steps N          stop after N optimizer steps\n"
    "Data:\n"
    "  --max-len N            truncate examples to N tokens (default 1024)\n"
    "  --packing              pack examples into rows of --max-len tokens\n"
    "  --no-eos               do not append EOS to text and completions\n"
    "  --no-shuffle           keep the file order\n"
    "  --seed S               shuffling, LoRA init and dropout (default 42)\n"
    "Other:\n"
    "  --recompute            recompute each layer in backward (less memory)\n"
    "  --save-dtype T         full mode: f32 | bf16 | f16 (default: the model's)\n"
    "  --dump-grads FILE      write the first step's gradients (safetensors) and go on\n"
    "  --json                 print the result as JSON\n"
    "  -t, --threads N        worker threads (default: all CPUs)\n";

typedef struct {
    const char *model, *data, *out, *targets, *init_adapter, *dump, *save_dtype;
    int rank, full, rslora, batch, max_len, packing, no_eos, no_shuffle, as_json, threads;
    double alpha, dropout;
    unsigned long long seed;
    train_opts o;
} train_args;

static int parse(train_args *a, int argc, char **argv) {
    enum { O_RANK = 256, O_ALPHA, O_DROP, O_TARGETS, O_RSLORA, O_INIT, O_FULL, O_LR, O_EPOCHS, O_BATCH, O_ACCUM, O_SCHED,
           O_WSTEPS, O_WRATIO, O_WD, O_B1, O_B2, O_EPS, O_CLIP, O_MAXSTEPS, O_MAXLEN, O_PACK, O_NOEOS, O_NOSHUF, O_SEED,
           O_RECOMP, O_SAVEDT, O_DUMP, O_JSON, O_DATA, O_OUT };
    static struct option opts[] = {
        {"model", 1, 0, 'm'}, {"data", 1, 0, O_DATA}, {"out", 1, 0, O_OUT}, {"lora-rank", 1, 0, O_RANK},
        {"lora-alpha", 1, 0, O_ALPHA}, {"lora-dropout", 1, 0, O_DROP}, {"lora-targets", 1, 0, O_TARGETS},
        {"rslora", 0, 0, O_RSLORA}, {"init-adapter", 1, 0, O_INIT}, {"full", 0, 0, O_FULL}, {"lr", 1, 0, O_LR},
        {"epochs", 1, 0, O_EPOCHS}, {"batch-size", 1, 0, O_BATCH}, {"grad-accum", 1, 0, O_ACCUM},
        {"schedule", 1, 0, O_SCHED}, {"warmup-steps", 1, 0, O_WSTEPS}, {"warmup-ratio", 1, 0, O_WRATIO},
        {"weight-decay", 1, 0, O_WD}, {"adam-beta1", 1, 0, O_B1}, {"adam-beta2", 1, 0, O_B2}, {"adam-eps", 1, 0, O_EPS},
        {"max-grad-norm", 1, 0, O_CLIP}, {"max-steps", 1, 0, O_MAXSTEPS}, {"max-len", 1, 0, O_MAXLEN},
        {"packing", 0, 0, O_PACK}, {"no-eos", 0, 0, O_NOEOS}, {"no-shuffle", 0, 0, O_NOSHUF}, {"seed", 1, 0, O_SEED},
        {"recompute", 0, 0, O_RECOMP}, {"save-dtype", 1, 0, O_SAVEDT}, {"dump-grads", 1, 0, O_DUMP},
        {"json", 0, 0, O_JSON}, {"threads", 1, 0, 't'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    *a = (train_args){.targets = "q_proj,v_proj", .rank = 8, .alpha = 8, .batch = 1, .max_len = 1024, .seed = 42,
                      .o = train_opts_defaults()};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->model = optarg; break;
        case O_DATA: a->data = optarg; break;
        case O_OUT: a->out = optarg; break;
        case O_RANK: a->rank = atoi(optarg); break;
        case O_ALPHA: a->alpha = atof(optarg); break;
        case O_DROP: a->dropout = atof(optarg); break;
        case O_TARGETS: a->targets = optarg; break;
        case O_RSLORA: a->rslora = 1; break;
        case O_INIT: a->init_adapter = optarg; break;
        case O_FULL: a->full = 1; break;
        case O_LR: a->o.lr = atof(optarg); break;
        case O_EPOCHS: a->o.epochs = atoi(optarg); break;
        case O_BATCH: a->batch = atoi(optarg); break;
        case O_ACCUM: a->o.grad_accum = atoi(optarg); break;
        case O_SCHED: if (sched_parse(optarg, &a->o.schedule)) return 1; break;
        case O_WSTEPS: a->o.warmup_steps = atol(optarg); break;
        case O_WRATIO: a->o.warmup_ratio = atof(optarg); break;
        case O_WD: a->o.weight_decay = atof(optarg); break;
        case O_B1: a->o.beta1 = atof(optarg); break;
        case O_B2: a->o.beta2 = atof(optarg); break;
        case O_EPS: a->o.eps = atof(optarg); break;
        case O_CLIP: a->o.max_grad_norm = atof(optarg); break;
        case O_MAXSTEPS: a->o.max_steps = atol(optarg); break;
        case O_MAXLEN: a->max_len = atoi(optarg); break;
        case O_PACK: a->packing = 1; break;
        case O_NOEOS: a->no_eos = 1; break;
        case O_NOSHUF: a->no_shuffle = 1; break;
        case O_SEED: a->seed = strtoull(optarg, NULL, 10); break;
        case O_RECOMP: a->o.recompute = 1; break;
        case O_SAVEDT: a->save_dtype = optarg; break;
        case O_DUMP: a->dump = optarg; break;
        case O_JSON: a->as_json = 1; break;
        case 't': a->threads = atoi(optarg); break;
        case 'h': cli_usage(usage, 0); return -1;
        default: return 2;
        }
    }
    if (!a->model || !a->data || !a->out || optind != argc) return 2;
    if (a->batch <= 0 || a->max_len < 0) return seal_err("--batch-size must be > 0 and --max-len >= 0"), 1;
    a->o.seed = a->seed;
    a->o.dump_grads = a->dump;
    return 0;
}

/* batch_source over the dataset's iterator */
static int save_result(const train_args *a, const train_result *r, const dataset_stats *st, long long peak) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
        "{\"steps\":%ld,\"first_loss\":%.6g,\"last_loss\":%.6g,\"seconds\":%.3f,\"tokens\":%ld,\"tokens_per_s\":%.1f,"
        "\"examples\":%ld,\"truncated\":%ld,\"loss_tokens\":%ld,\"activation_bytes\":%zu,\"peak_rss_bytes\":%lld,"
        "\"mode\":\"%s\",\"stopped_nonfinite\":%s}\n",
        r->steps, r->first_loss, r->last_loss, r->seconds, r->tokens, r->tokens_per_s, st->examples, st->truncated,
        st->loss_tokens, r->activation_bytes, peak, a->full ? "full" : "lora", r->stopped_nonfinite ? "true" : "false");
    char *path = seal_path_join(a->out, "train_result.json");
    int rc = seal_write_file_atomic(path, buf, (size_t)n);
    free(path);
    if (a->as_json) fputs(buf, stdout);
    return rc;
}

static int save_weights(const train_args *a, const seal_model *m, const seal_adapter *ad) {
    if (!a->full) return peft_save(ad, a->out, a->model, SEAL_F32);
    seal_dtype dt = m->dtype;
    if (a->save_dtype && seal_dtype_parse(!strcmp(a->save_dtype, "f32") ? "F32" : !strcmp(a->save_dtype, "bf16") ? "BF16" :
                                           !strcmp(a->save_dtype, "f16") ? "F16" : "?", &dt))
        return seal_err("--save-dtype: \"%s\" (f32, bf16 or f16)", a->save_dtype);
    return model_save(m, a->out, dt, a->model);
}

int cmd_train(int argc, char **argv) {
    train_args a;
    int prc = parse(&a, argc, argv);
    if (prc == -1) return 0;
    if (prc == 2) return cli_usage(usage, 1);
    if (prc) return cli_fail();

    seal_model m;
    if (model_load(&m, a.model)) return cli_fail();
    seal_tokenizer *tok = NULL;
    seal_adapter ad = {0};
    train_dataset ds = {0};
    batch_iter it = {0};
    FILE *log = NULL;
    int code = 1, have_it = 0;
    unsigned targets = 0;
    char *tj = seal_path_join(a.model, "tokenizer.json");
    if (seal_is_file(tj) && !(tok = tok_load(a.model))) goto done;
    dataset_opts dopt;
    dataset_opts_default(&dopt);
    dopt.append_eos = !a.no_eos;
    dopt.max_len = a.max_len;
    dopt.packing = a.packing;
    dopt.vocab = m.cfg.vocab;
    dopt.eos_id = m.cfg.n_eos ? m.cfg.eos_ids[0] : -1;
    if (dataset_load_jsonl(&ds, a.data, tok, &dopt)) goto done;
    if (ds.warning[0])
        fprintf(stderr, "seal: warning: %ld prompt(s) do not tokenize as a prefix of prompt+completion; first: %s\n",
                ds.stats.prompt_mismatch, ds.warning);
    if (ds.stats.truncated) fprintf(stderr, "seal: %ld of %ld examples truncated to %d tokens\n", ds.stats.truncated, ds.stats.examples, a.max_len);
    if (batch_iter_init(&it, &ds, a.batch, a.seed, !a.no_shuffle)) goto done;
    have_it = 1;
    if (a.full) model_to_f32(&m);
    else if (a.init_adapter) { if (peft_load(&ad, &m.cfg, a.init_adapter)) goto done; }
    else if (adapter_parse_targets(a.targets, &targets) ||
             adapter_init(&ad, &m.cfg, a.rank, (float)a.alpha, a.rslora, (float)a.dropout, targets, a.seed)) goto done;
    if (!a.full && a.init_adapter && a.dropout > 0) ad.dropout = (float)a.dropout;
    if (seal_mkdir_p(a.out)) goto done;
    char *log_path = seal_path_join(a.out, "train_log.jsonl");
    log = fopen(log_path, "w");
    if (!log) { seal_err("%s: cannot create", log_path); free(log_path); goto done; }
    free(log_path);
    a.o.log = log;
    a.o.quiet = a.as_json;
    batch_source src = batch_iter_source(&it);
    seal_pool *pool = seal_pool_create(cli_threads(a.threads));
    train_result r;
    int rc = train_run(&m, pool, a.full ? NULL : &ad, &src, &a.o, &r);
    seal_pool_destroy(pool);
    if (rc && !r.stopped_nonfinite) goto done;
    /* after a non-finite step the weights are the last good ones: keep them */
    if (save_weights(&a, &m, &ad) || save_result(&a, &r, &ds.stats, cli_peak_rss())) goto done;
    if (rc) { seal_err("training stopped: a loss or gradient was not finite; the last good %s is in %s", a.full ? "model" : "adapter", a.out); goto done; }
    if (!a.as_json)
        fprintf(stderr, "trained %ld steps: loss %.4f -> %.4f, %.0f tok/s, peak RSS %.1f MB; wrote %s\n", r.steps,
                r.first_loss, r.last_loss, r.tokens_per_s, cli_peak_rss() / 1e6, a.out);
    code = 0;
done:
    if (code) cli_fail();
    if (log) fclose(log);
    if (have_it) batch_iter_free(&it);
    dataset_free(&ds);
    if (ad.store) adapter_free(&ad);
    if (tok) tok_free(tok);
    free(tj);
    model_free(&m);
    return code;
}
