/* bench_train.c: training speed of the engine, in the figures (and JSON line
 * shape) of ../shared/bench/torch_anchor.py's lora_qv, lora_all and tiny_full
 * items, so bench/run.sh can set them beside PyTorch measured in the same run.
 *
 *   bench_train [--model DIR] [--tiny DIR] [--items LIST] [--threads N] [--reps R] [--budget-s S]
 *
 * Items (each in its own child process, so ru_maxrss is that item's own peak):
 *   lora_qv    LoRA r=32 alpha=64 on q_proj,v_proj over the bf16 Qwen2.5-0.5B
 *              shape model in DIR (default bench/out/qwen2.5-0.5b-bf16, written
 *              by bench_infer; written here with seal_synth_write when missing)
 *   lora_all   LoRA r=64 alpha=128 on all seven projections, same model
 *   tiny_full  full-parameter training of the "tiny" shape (f32, written to
 *              bench/out/tiny-f32 once), batch 8 x 256
 *   tiny_pretrain  `seal pretrain`'s step on models/tiny-knowledge's shape
 *              ("sandbox": 2.0M parameters, f32, bench/out/sandbox-f32), the
 *              recipe's batch 16 x 256 (anchor: bench/torch_sandbox.py)
 * One optimizer step = forward + cross-entropy + backward + AdamW, through
 * seal_train_session_step, on one fixed batch of random token ids, every position
 * labelled with the next token (511 labels per 512-token sequence, as the
 * anchor's shifted cross-entropy). LoRA mode is seal's only mode: activations,
 * adapters and gradients in f32, the frozen base read as stored (bf16).
 * Figures: tokens/s = tokens per step / median step seconds, after one
 * warm-up step (fewer timed steps when --budget-s would run out), and the
 * child's peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "model/adapter.h"
#include "model/config.h"
#include "model/model.h"
#include "model/synth.h"
#include "rt/threadpool.h"
#include "train/trainer.h"
#include "util/err.h"
#include "util/fsutil.h"

#define MAX_REPS BENCH_MAX_REPS
#define SYNTH_SEED 1

static int g_threads = 2;

static double peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

static void must(int rc, const char *what) {
    if (rc) seal_die("%s: %s", what, seal_errmsg());
}

/* The anchor's JSON line; extra is "" or starts with ", ". */
static void emit(const char *name, const char *shape, double value, const char *unit, const char *extra) {
    printf("{\"name\": \"%s\", \"shape\": \"%s\", \"value\": %.5g, \"unit\": \"%s\", \"engine\": \"seal\", "
           "\"threads\": %d%s}\n",
           name, shape, value, unit, g_threads, extra);
    fflush(stdout);
}

/* ---------------------------------------------------------------- the data */

/* One fixed batch of n_seq sequences of len random ids, laid end to end. */
typedef struct {
    int n_seq, len;
    int *tok, *seq, *pos, *start, *lens;
    float *weight;
} fixed_batch;

static void fixed_batch_init(fixed_batch *fb, int n_seq, int len, int vocab, unsigned long long seed) {
    int n = n_seq * len;
    fb->n_seq = n_seq;
    fb->len = len;
    fb->tok = seal_malloc(sizeof(int) * n);
    fb->seq = seal_malloc(sizeof(int) * n);
    fb->pos = seal_malloc(sizeof(int) * n);
    fb->weight = seal_malloc(sizeof(float) * n);
    fb->start = seal_malloc(sizeof(int) * n_seq);
    fb->lens = seal_malloc(sizeof(int) * n_seq);
    unsigned long long r = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int t = 0; t < n; t++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        fb->tok[t] = (int)((r >> 33) % (unsigned long long)vocab);
        fb->seq[t] = t / len;
        fb->pos[t] = t % len;
        fb->weight[t] = t % len != len - 1; /* the last token of a sequence predicts nothing */
    }
    for (int s = 0; s < n_seq; s++) {
        fb->start[s] = s * len;
        fb->lens[s] = len;
    }
}

static void fixed_batch_free(fixed_batch *fb) {
    free(fb->tok);
    free(fb->seq);
    free(fb->pos);
    free(fb->weight);
    free(fb->start);
    free(fb->lens);
}

static int one_batch(void *ctx) {
    (void)ctx;
    return 1;
}

static int next_batch(void *ctx, int epoch, int i, train_batch *b) {
    (void)epoch;
    (void)i;
    const fixed_batch *fb = ctx;
    *b = (train_batch){.n = fb->n_seq * fb->len, .n_seq = fb->n_seq, .tok = fb->tok, .seq = fb->seq, .pos = fb->pos,
                       .start = fb->start, .len = fb->lens, .weight = fb->weight};
    return 0;
}

/* ---------------------------------------------------------------- models */

/* dir holds a model of cfg's shape in dtype (torch_dtype tag tdt)? Else
 * write it (dir.tmp, then rename) unless dir exists with something else. */
static int ensure_model(const char *dir, const seal_config *cfg, seal_dtype dtype, const char *tdt) {
    seal_config have;
    char *st = seal_path_join(dir, "model.safetensors");
    int ok = seal_is_file(st) && seal_config_load(&have, dir) == 0 && have.hidden == cfg->hidden &&
             have.n_layers == cfg->n_layers && have.vocab == cfg->vocab && have.ffn == cfg->ffn &&
             strcmp(have.torch_dtype, tdt) == 0;
    free(st);
    if (ok) return 0;
    if (seal_is_dir(dir)) return seal_err("%s holds no %s model of the expected shape: remove it or pass another", dir, tdt);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", dir);
    printf("# writing a random %s model to %s (once; reused by later runs)\n", tdt, dir);
    fflush(stdout);
    if (seal_synth_write(tmp, cfg, dtype, SYNTH_SEED, 0.02f)) return -1;
    if (rename(tmp, dir)) return seal_err("cannot rename %s to %s", tmp, dir);
    return 0;
}

/* ---------------------------------------------------------------- items */

typedef struct {
    const char *item;    /* the --items name, as the anchor's */
    const char *name;    /* JSON name (the anchor's, with the weights' dtype tag) */
    const char *shape;
    int rank;            /* 0 = full-parameter training */
    float alpha;
    const char *targets;
    int n_seq, len;
    double lr, wd;       /* as the anchor's optimizer */
} train_item;

static const train_item ITEMS[] = {
    {"lora_qv", "lora_r32_qv_bf16", "qwen2.5-0.5b", 32, 64, "q_proj,v_proj", 1, 512, 1e-4, 0.0},
    {"lora_all", "lora_r64_all7_bf16", "qwen2.5-0.5b", 64, 128, "all", 1, 512, 1e-4, 0.0},
    {"tiny_full", "train_full_tiny_f32", "tiny", 0, 0, NULL, 8, 256, 1e-3, 0.1},
    {"tiny_pretrain", "pretrain_sandbox_f32", "sandbox", 0, 0, NULL, 16, 256, 3e-3, 0.1},
};
#define N_ITEMS ((int)(sizeof ITEMS / sizeof ITEMS[0]))

/* Load the model, build the session, take 1 + reps steps; print the lines. */
static void run_item(const train_item *it, const char *dir, int reps, double budget_s) {
    double t_all = seal_now();
    seal_model m;
    must(seal_model_load(&m, dir), "model_load");
    if (!it->rank) seal_model_to_f32(&m);
    seal_adapter a, *ap = NULL;
    if (it->rank) {
        unsigned mask;
        must(seal_adapter_parse_targets(it->targets, &mask), "targets");
        must(seal_adapter_init(&a, &m.cfg, it->rank, it->alpha, 0, 0.0f, mask, 7), "adapter_init");
        ap = &a;
    }
    seal_pool *pool = seal_pool_create(g_threads);
    if (!pool) seal_die("thread pool: %s", seal_errmsg());
    fixed_batch fb;
    fixed_batch_init(&fb, it->n_seq, it->len, m.cfg.vocab, 3);
    int n_tok = it->n_seq * it->len;
    batch_source src = {&fb, one_batch, next_batch, n_tok, it->n_seq, it->len};
    train_opts o = seal_train_opts_defaults();
    o.lr = it->lr;
    o.weight_decay = it->wd;
    o.schedule = SCHED_CONSTANT;
    o.epochs = reps + 1; /* one step per epoch of the one batch */
    o.max_grad_norm = 0; /* the anchor does not clip (the norm is still computed) */
    o.quiet = 1;
    train_session s;
    double rss_init = peak_rss_mb();
    must(seal_train_session_init(&s, &m, pool, ap, &src, &o), "train_session_init");
    size_t act = seal_train_ctx_bytes(&s.tc);

    double t[MAX_REPS], loss, gn, lr, first_loss = 0, warm;
    int done = 0;
    double t0 = seal_now();
    if (seal_train_session_step(&s, &src, &loss, &gn, &lr) != 1) seal_die("warm-up step: %s", seal_errmsg());
    warm = seal_now() - t0;
    first_loss = loss;
    printf("# %s: warm-up step %.2f s, loss %.4f\n", it->item, warm, loss);
    fflush(stdout);
    /* As the anchor's timed(): one warm-up over half the budget is the only measurement. */
    if (warm > budget_s / 2) t[done++] = warm;
    else {
        int fit = (int)((budget_s - warm) / warm);
        int n = reps < fit ? reps : fit < 1 ? 1 : fit;
        while (done < n) {
            t0 = seal_now();
            if (seal_train_session_step(&s, &src, &loss, &gn, &lr) != 1) seal_die("step: %s", seal_errmsg());
            t[done++] = seal_now() - t0;
            printf("# %s: step %d %.2f s, loss %.4f\n", it->item, done, t[done - 1], loss);
            fflush(stdout);
        }
    }
    double med = bench_median(t, done), rss = peak_rss_mb();
    long long trainable = ap ? (long long)a.n_params : m.n_params;
    char extra[2048], rs[512];
    size_t o2 = (size_t)snprintf(rs, sizeof rs, ", \"reps_s\": [");
    for (int i = 0; i < done && o2 < sizeof rs; i++) o2 += (size_t)snprintf(rs + o2, sizeof rs - o2, "%s%.5g", i ? ", " : "", t[i]);
    if (o2 < sizeof rs) snprintf(rs + o2, sizeof rs - o2, "]");
    if (it->rank)
        snprintf(extra, sizeof extra,
                 ", \"seq\": %d, \"batch\": %d, \"r\": %d, \"alpha\": %g, \"targets\": \"%s\", \"base_dtype\": \"%s\", "
                 "\"mode\": \"exact: f32 activations, adapters, gradients and AdamW; frozen base read as stored\", "
                 "\"lora_params\": %lld, \"median_s\": %.5g%s, \"warmup_s\": %.5g, \"first_loss\": %.5g, "
                 "\"last_loss\": %.5g, \"activation_mb\": %.5g, \"rss_after_load_mb\": %.5g, \"peak_rss_mb\": %.5g, "
                 "\"elapsed_s\": %.5g",
                 it->len, it->n_seq, it->rank, it->alpha, it->targets, seal_dtype_name(m.dtype), trainable, med, rs, warm,
                 first_loss, loss, act / 1048576.0, rss_init, rss, seal_now() - t_all);
    else
        snprintf(extra, sizeof extra,
                 ", \"seq\": %d, \"batch\": %d, \"params\": %lld, \"mode\": \"f32 weights, gradients and AdamW\", "
                 "\"median_s\": %.5g%s, \"warmup_s\": %.5g, \"first_loss\": %.5g, \"last_loss\": %.5g, "
                 "\"activation_mb\": %.5g, \"peak_rss_mb\": %.5g, \"elapsed_s\": %.5g",
                 it->len, it->n_seq, trainable, med, rs, warm, first_loss, loss, act / 1048576.0, rss,
                 seal_now() - t_all);
    emit(it->name, it->shape, n_tok / med, "tok/s", extra);
    char name[96];
    snprintf(name, sizeof name, "peak_rss_%s", it->name);
    snprintf(extra, sizeof extra, ", \"note\": \"ru_maxrss of the process that ran %s (model, %s, activations)\"",
             it->item, it->rank ? "adapter, gradients, AdamW state" : "f32 copy, gradients, AdamW state");
    emit(name, it->shape, rss, "MB", extra);

    seal_train_session_free(&s);
    fixed_batch_free(&fb);
    seal_pool_destroy(pool);
    if (ap) seal_adapter_free(ap);
    seal_model_free(&m);
}

/* ---------------------------------------------------------------- main */

static const char *usage =
    "usage: bench_train [--model DIR] [--tiny DIR] [--items LIST] [--threads N] [--reps R] [--budget-s S]\n"
    "  --model DIR    bf16 Qwen2.5-0.5B-shape model (default bench/out/qwen2.5-0.5b-bf16; written if missing)\n"
    "  --tiny DIR     f32 tiny-shape model (default bench/out/tiny-f32; written if missing)\n"
    "  --items LIST   comma list of lora_qv,lora_all,tiny_full,tiny_pretrain (default the first three)\n"
    "  --threads N    threads (default 2)\n"
    "  --reps R       timed optimizer steps after one warm-up step (default 3)\n"
    "  --budget-s S   per item: fewer steps (at least 1) once the warm-up shows they would pass S (default 120)\n";

int main(int argc, char **argv) {
    const char *dir = "bench/out/qwen2.5-0.5b-bf16", *tiny = "bench/out/tiny-f32", *items = "lora_qv,lora_all,tiny_full";
    int reps = 3;
    double budget_s = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!v) {
            fputs(usage, stderr);
            return 1;
        }
        if (!strcmp(a, "--model")) dir = v;
        else if (!strcmp(a, "--tiny")) tiny = v;
        else if (!strcmp(a, "--items")) items = v;
        else if (!strcmp(a, "--threads")) g_threads = atoi(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--budget-s")) budget_s = atof(v);
        else {
            fputs(usage, stderr);
            return 1;
        }
        i++;
    }
    bench_kernel_report();
    if (reps < 1 || reps > MAX_REPS || g_threads < 1 || !(budget_s > 0))
        seal_die("--reps must be 1..%d, --threads >= 1, --budget-s > 0", MAX_REPS);

    int rc = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", items);
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        const train_item *it = NULL;
        for (int k = 0; k < N_ITEMS; k++)
            if (!strcmp(ITEMS[k].item, name)) it = &ITEMS[k];
        if (!it) seal_die("unknown item %s (lora_qv, lora_all, tiny_full, tiny_pretrain)", name);
        const char *mdir = it->rank ? dir : !strcmp(it->shape, "sandbox") ? "bench/out/sandbox-f32" : tiny;
        seal_config cfg;
        if (seal_synth_shape(&cfg, it->shape)) seal_die("unknown shape %s", it->shape);
        if (it->rank ? ensure_model(mdir, &cfg, SEAL_BF16, "bfloat16") : ensure_model(mdir, &cfg, SEAL_F32, "float32"))
            seal_die("model: %s", seal_errmsg());
        fflush(stdout);
        pid_t pid = fork(); /* the child's ru_maxrss is this item's alone */
        if (pid < 0) seal_die("fork failed");
        if (pid == 0) {
            run_item(it, mdir, reps, budget_s);
            fflush(stdout);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_train: item %s failed\n", name);
            rc = 1;
        }
    }
    return rc;
}
