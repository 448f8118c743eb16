/* bench_infer.c: inference speed of the engine on a random-weight model, in
 * the same figures (and JSON line shape) as ../shared/bench/torch_anchor.py,
 * so bench/run.sh can set them beside PyTorch measured in the same run.
 *
 *   bench_infer [--model DIR] [--shape NAME] [--threads N] [--reps R]
 *
 * DIR (default bench/out/NAME-bf16) holds a bf16 model of shape NAME (default
 * qwen2.5-0.5b); it is written once with seal_synth_write (in a child process, so
 * its buffers do not count in our peak RSS) and reused while its config
 * matches. Figures, one JSON line each (names as the anchor's, the dtype tag
 * being the weights' dtype; activations are always f32):
 *   matmul_2048_bf16              x[2048][2048] . W[2048][2048]^T, GFLOP/s
 *   matmul_896x4864_512tok_bf16   x[512][896] . W[4864][896]^T, GFLOP/s
 *   prefill_bf16                  one 512-token sequence, logits of the last position
 *   decode_bf16_b1                32-token prompt, then 64 greedy tokens one at a time
 *   decode_bf16_b8                8 such sequences, one batched call per step
 *   decode_bf16_b1_bandwidth      weight bytes read per token / time per token
 *   peak_rss                      ru_maxrss beside the weight file size
 * Each timing: one warm-up, then the median of R repetitions (default 3).
 * Run in exact mode (the default), the matmul, prefill and decode figures
 * are then measured again in the bf16 compute mode (docs/kernels.md), their
 * names ending in "_bf16mode"; with SEAL_COMPUTE=bf16 only that pass runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "kern/matmul.h"
#include "kern/ops.h"
#include "model/config.h"
#include "model/forward.h"
#include "model/model.h"
#include "model/synth.h"
#include "rt/threadpool.h"
#include "util/err.h"
#include "util/fsutil.h"

#define PREFILL_LEN 512
#define PROMPT_LEN 32
#define NEW_TOKENS 64
#define MAX_BATCH 8
#define SYNTH_SEED 1
#define MAX_REPS BENCH_MAX_REPS

static int g_threads = 2;
/* Appended to every figure's name: "" in exact mode, "_bf16mode" in the bf16
 * compute mode (SEAL_COMPUTE=bf16, or the second pass; see main). */
static const char *g_mode_tag = "";

/* The anchor's JSON line: {"name", "shape", "value", "unit", then extra
 * fields}. extra is either "" or starts with ", ". */
static void emit(const char *name, const char *shape, double value, const char *unit, const char *extra) {
    printf("{\"name\": \"%s%s\", \"shape\": \"%s\", \"value\": %.5g, \"unit\": \"%s\", \"engine\": \"seal\", "
           "\"threads\": %d, \"compute\": \"%s\"%s}\n",
           name, g_mode_tag, shape, value, unit, g_threads, seal_compute_name(seal_kernel_mode()), extra);
    fflush(stdout);
}

/* ", \"reps_s\": [a, b, c]" into buf. */
static void reps_field(char *buf, size_t cap, const char *key, const double *t, int n) {
    size_t o = (size_t)snprintf(buf, cap, ", \"%s\": [", key);
    for (int i = 0; i < n && o < cap; i++) o += (size_t)snprintf(buf + o, cap - o, "%s%.5g", i ? ", " : "", t[i]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

static long peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static unsigned long long g_rng = 0x9E3779B97F4A7C15ull;
static unsigned next_u32(void) {
    g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(g_rng >> 33);
}

/* ---------------------------------------------------------------- the model */

static int same_shape(const seal_config *a, const seal_config *b) {
    return a->arch == b->arch && a->hidden == b->hidden && a->ffn == b->ffn && a->n_layers == b->n_layers &&
           a->n_heads == b->n_heads && a->n_kv_heads == b->n_kv_heads && a->head_dim == b->head_dim &&
           a->vocab == b->vocab && a->tie_embeddings == b->tie_embeddings && a->qkv_bias == b->qkv_bias &&
           strcmp(b->torch_dtype, "bfloat16") == 0;
}

/* Make sure dir holds a bf16 model of cfg's shape: reuse it when its config
 * matches, else write it to dir.tmp in a child process and rename. */
static int ensure_model(const char *dir, const seal_config *cfg, const char *shape) {
    seal_config have;
    char *st = seal_path_join(dir, "model.safetensors");
    int ok = seal_is_file(st) && seal_config_load(&have, dir) == 0 && same_shape(cfg, &have);
    free(st);
    if (ok) return 0;
    if (seal_is_dir(dir)) /* never delete what we did not write */
        return seal_err("%s holds no bf16 model of shape %s: remove it or pass another --model", dir, shape);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", dir);
    printf("# writing a random bf16 %s model to %s (once; reused by later runs)\n", shape, dir);
    fflush(stdout);
    double t0 = seal_now();
    pid_t pid = fork();
    if (pid < 0) return seal_err("fork: cannot write the model");
    if (pid == 0) {
        if (seal_synth_write(tmp, cfg, SEAL_BF16, SYNTH_SEED, 0.02f)) {
            fprintf(stderr, "bench_infer: %s\n", seal_errmsg());
            _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return seal_err("writing the model to %s failed", tmp);
    if (rename(tmp, dir)) return seal_err("cannot rename %s to %s", tmp, dir);
    printf("# model written in %.1f s\n", seal_now() - t0);
    return 0;
}

static double mat_bytes(const seal_mat *w) { return (double)w->rows * w->cols * seal_dtype_size(w->dtype); }

/* Bytes of weights one decode step streams for one token: every layer
 * matrix and the LM head (the embedding lookup reads a single row). */
static double weight_bytes_per_token(const seal_model *m) {
    double b = mat_bytes(&m->lm_head);
    for (int l = 0; l < m->cfg.n_layers; l++) {
        const seal_layer *ly = &m->layers[l];
        b += mat_bytes(&ly->q) + mat_bytes(&ly->k) + mat_bytes(&ly->v) + mat_bytes(&ly->o) +
             mat_bytes(&ly->gate) + mat_bytes(&ly->up) + mat_bytes(&ly->down);
    }
    return b;
}

/* The anchor's forward_flops: matmul FLOPs of a causal forward over T tokens
 * (attention at mean context T/2), LM head on head_tokens positions. */
static double forward_flops(const seal_config *c, int T, int head_tokens) {
    double d = (double)c->n_heads * c->head_dim, kvd = (double)c->n_kv_heads * c->head_dim;
    double lin = c->hidden * (d + 2 * kvd) + d * c->hidden + 3.0 * c->hidden * c->ffn;
    return T * c->n_layers * (2 * lin + 4 * (T / 2.0) * d) + head_tokens * 2.0 * c->hidden * c->vocab;
}

/* ---------------------------------------------------------------- matmul */

static void bench_matmul(seal_pool *pool, const char *name, const char *shape, int n, int rows, int cols, int reps) {
    size_t wn = (size_t)rows * cols;
    uint16_t *wd = seal_aligned_alloc(wn * 2);
    float *x = seal_aligned_alloc(sizeof(float) * n * cols), *y = seal_aligned_alloc(sizeof(float) * n * rows);
    for (size_t i = 0; i < wn; i++) wd[i] = seal_f32_to_bf16(((int)(next_u32() % 2001) - 1000) * 5e-5f);
    for (size_t i = 0; i < (size_t)n * cols; i++) x[i] = ((int)(next_u32() % 2001) - 1000) * 1e-3f;
    seal_mat w = {.data = wd, .dtype = SEAL_BF16, .rows = rows, .cols = cols};
    double t[MAX_REPS];
    seal_matmul(pool, y, x, &w, NULL, n); /* warm-up */
    for (int r = 0; r < reps; r++) {
        double t0 = seal_now();
        seal_matmul(pool, y, x, &w, NULL, n);
        t[r] = seal_now() - t0;
    }
    double med = bench_median(t, reps);
    char extra[1024], rs[512];
    reps_field(rs, sizeof rs, "reps_s", t, reps);
    snprintf(extra, sizeof extra,
             ", \"op\": \"matmul x[%d,%d] f32 by W[%d,%d] bf16 (x @ W^T)\", \"weights\": \"bf16\", "
             "\"median_s\": %.5g%s",
             n, cols, rows, cols, med, rs);
    emit(name, shape, 2.0 * n * rows * cols / med / 1e9, "GFLOP/s", extra);
    free(wd);
    free(x);
    free(y);
}

/* ---------------------------------------------------------------- inference */

typedef struct {
    const seal_model *m;
    seal_fwd *f;
    seal_kvcache *kv;
    float *h;      /* [PREFILL_LEN][hidden] final hidden states */
    float *hlast;  /* [MAX_BATCH][hidden] rows that need logits */
    float *logits; /* [MAX_BATCH][vocab] */
    int *tok, *seq, *pos; /* [PREFILL_LEN] */
} bench_ctx;

static void must(int rc, const char *what) {
    if (rc) seal_die("%s: %s", what, seal_errmsg());
}

/* One prefill of PREFILL_LEN tokens of sequence 0, logits of the last one. */
static void prefill_once(bench_ctx *b) {
    int hid = b->m->cfg.hidden;
    for (int i = 0; i < PREFILL_LEN; i++) {
        b->seq[i] = 0;
        b->pos[i] = i;
    }
    must(seal_fwd_tokens(b->f, b->kv, PREFILL_LEN, b->tok, b->seq, b->pos, b->h), "prefill");
    seal_fwd_logits(b->f, b->h + (size_t)(PREFILL_LEN - 1) * hid, 1, b->logits);
}

static void bench_prefill(bench_ctx *b, const char *shape, int reps) {
    for (int i = 0; i < PREFILL_LEN; i++) b->tok[i] = (int)(next_u32() % (unsigned)b->m->cfg.vocab);
    double t[MAX_REPS], t_all = seal_now();
    prefill_once(b); /* warm-up: faults the weights in */
    for (int r = 0; r < reps; r++) {
        double t0 = seal_now();
        prefill_once(b);
        t[r] = seal_now() - t0;
    }
    double med = bench_median(t, reps);
    char extra[1024], rs[512];
    reps_field(rs, sizeof rs, "reps_s", t, reps);
    snprintf(extra, sizeof extra,
             ", \"seq\": %d, \"batch\": 1, \"logits\": \"last position only\", \"weights\": \"bf16\", "
             "\"median_s\": %.5g%s, \"gflops_effective\": %.5g, \"elapsed_s\": %.5g, \"rss_mb\": %.5g",
             PREFILL_LEN, med, rs, forward_flops(&b->m->cfg, PREFILL_LEN, 1) / 1e9 / med, seal_now() - t_all,
             peak_rss_kb() / 1024.0);
    emit("prefill_bf16", shape, PREFILL_LEN / med, "tok/s", extra);
}

/* Greedy generation for `batch` sequences (0..batch-1): one batched prompt
 * pass (batch * PROMPT_LEN tokens), then n_new steps of one token per
 * sequence in one call. Stores prompt and decode seconds. */
static void seal_generate(bench_ctx *b, const int *prompt, int batch, int n_new, double *pre_s, double *dec_s) {
    int hid = b->m->cfg.hidden, vocab = b->m->cfg.vocab, cur[MAX_BATCH];
    double t0 = seal_now();
    int n = batch * PROMPT_LEN;
    for (int i = 0; i < n; i++) {
        b->tok[i] = prompt[i];
        b->seq[i] = i / PROMPT_LEN;
        b->pos[i] = i % PROMPT_LEN;
    }
    must(seal_fwd_tokens(b->f, b->kv, n, b->tok, b->seq, b->pos, b->h), "prompt");
    for (int s = 0; s < batch; s++)
        memcpy(b->hlast + (size_t)s * hid, b->h + ((size_t)s * PROMPT_LEN + PROMPT_LEN - 1) * hid, sizeof(float) * hid);
    seal_fwd_logits(b->f, b->hlast, batch, b->logits);
    for (int s = 0; s < batch; s++) cur[s] = seal_argmax(b->logits + (size_t)s * vocab, vocab);
    double t1 = seal_now();
    for (int i = 0; i < n_new; i++) {
        for (int s = 0; s < batch; s++) {
            b->tok[s] = cur[s];
            b->seq[s] = s;
            b->pos[s] = PROMPT_LEN + i;
        }
        must(seal_fwd_tokens(b->f, b->kv, batch, b->tok, b->seq, b->pos, b->hlast), "decode step");
        seal_fwd_logits(b->f, b->hlast, batch, b->logits);
        for (int s = 0; s < batch; s++) cur[s] = seal_argmax(b->logits + (size_t)s * vocab, vocab);
    }
    *pre_s = t1 - t0;
    *dec_s = seal_now() - t1;
}

/* Returns the median decode seconds for NEW_TOKENS steps. */
static double bench_decode(bench_ctx *b, const char *shape, int batch, int reps) {
    int prompt[MAX_BATCH * PROMPT_LEN];
    for (int i = 0; i < batch * PROMPT_LEN; i++) prompt[i] = (int)(next_u32() % (unsigned)b->m->cfg.vocab);
    double pre[MAX_REPS], dec[MAX_REPS], p, d, t_all = seal_now();
    seal_generate(b, prompt, batch, 8, &p, &d); /* warm-up (short), as the anchor */
    for (int r = 0; r < reps; r++) seal_generate(b, prompt, batch, NEW_TOKENS, &pre[r], &dec[r]);
    double dm = bench_median(dec, reps), pm = bench_median(pre, reps);
    char extra[1024], rs[512], name[64];
    reps_field(rs, sizeof rs, "decode_reps_s", dec, reps);
    snprintf(extra, sizeof extra,
             ", \"batch\": %d, \"prompt\": %d, \"new_tokens\": %d, \"weights\": \"bf16\", \"ms_per_step\": %.5g, "
             "\"prompt_prefill_s\": %.5g, \"end_to_end_tok_s\": %.5g%s, \"elapsed_s\": %.5g",
             batch, PROMPT_LEN, NEW_TOKENS, 1000 * dm / NEW_TOKENS, pm, batch * NEW_TOKENS / (dm + pm), rs,
             seal_now() - t_all);
    snprintf(name, sizeof name, "decode_bf16_b%d", batch);
    emit(name, shape, batch * NEW_TOKENS / dm, "tok/s", extra);
    return dm;
}

/* ---------------------------------------------------------------- main */

static const char *usage =
    "usage: bench_infer [--model DIR] [--shape NAME] [--threads N] [--reps R]\n"
    "  --model DIR   bf16 model directory, written once if missing (default bench/out/NAME-bf16)\n"
    "  --shape NAME  qwen2.5-0.5b (default) | tiny | micro\n"
    "  --threads N   threads (default 2)\n"
    "  --reps R      timed repetitions per figure after one warm-up (default 3)\n";

int main(int argc, char **argv) {
    const char *dir = NULL, *shape = "qwen2.5-0.5b";
    int reps = 3;
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
        else if (!strcmp(a, "--shape")) shape = v;
        else if (!strcmp(a, "--threads")) g_threads = atoi(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else {
            fputs(usage, stderr);
            return 1;
        }
        i++;
    }
    if (reps < 1 || reps > MAX_REPS || g_threads < 1) seal_die("--reps must be 1..%d and --threads >= 1", MAX_REPS);
    bench_kernel_report();
    seal_config cfg;
    if (seal_synth_shape(&cfg, shape)) seal_die("unknown shape %s", shape);
    char defdir[512];
    snprintf(defdir, sizeof defdir, "bench/out/%s-bf16", shape);
    if (!dir) dir = defdir;
    must(ensure_model(dir, &cfg, shape), "model");

    seal_model m;
    double t0 = seal_now();
    must(seal_model_load(&m, dir), "model_load");
    seal_pool *pool = seal_pool_create(g_threads);
    if (!pool) seal_die("thread pool: %s", seal_errmsg());
    printf("# %s: %.1fM params, %s, loaded in %.2f s, %d threads\n", shape, m.n_params / 1e6,
           seal_dtype_name(m.dtype), seal_now() - t0, seal_pool_threads(pool));
    fflush(stdout);

    if (seal_kernel_mode() == SEAL_COMPUTE_BF16) g_mode_tag = "_bf16mode";
    bench_matmul(pool, "matmul_2048_bf16", "-", 2048, 2048, 2048, reps);
    bench_matmul(pool, "matmul_896x4864_512tok_bf16", "qwen2.5-0.5b", 512, 4864, 896, reps);

    int hid = cfg.hidden;
    seal_fwd f;
    seal_kvcache kv;
    must(seal_fwd_init(&f, &m, pool, PREFILL_LEN, PREFILL_LEN), "fwd_init");
    must(seal_kv_init(&kv, &cfg, MAX_BATCH, PREFILL_LEN), "kv_init");
    bench_ctx b = {.m = &m, .f = &f, .kv = &kv};
    b.h = seal_aligned_alloc(sizeof(float) * PREFILL_LEN * hid);
    b.hlast = seal_aligned_alloc(sizeof(float) * MAX_BATCH * hid);
    b.logits = seal_aligned_alloc(sizeof(float) * MAX_BATCH * (size_t)cfg.vocab);
    b.tok = seal_malloc(sizeof(int) * PREFILL_LEN);
    b.seq = seal_malloc(sizeof(int) * PREFILL_LEN);
    b.pos = seal_malloc(sizeof(int) * PREFILL_LEN);

    bench_prefill(&b, shape, reps);
    double dec1 = bench_decode(&b, shape, 1, reps);
    bench_decode(&b, shape, MAX_BATCH, reps);
    if (seal_kernel_mode() == SEAL_COMPUTE_EXACT) { /* the same figures again in the bf16 compute mode */
        seal_kernel_set_mode(SEAL_COMPUTE_BF16);
        g_mode_tag = "_bf16mode";
        bench_matmul(pool, "matmul_2048_bf16", "-", 2048, 2048, 2048, reps);
        bench_matmul(pool, "matmul_896x4864_512tok_bf16", "qwen2.5-0.5b", 512, 4864, 896, reps);
        bench_prefill(&b, shape, reps);
        bench_decode(&b, shape, 1, reps);
        bench_decode(&b, shape, MAX_BATCH, reps);
        seal_kernel_set_mode(SEAL_COMPUTE_EXACT);
        g_mode_tag = "";
    }

    double wb = weight_bytes_per_token(&m);
    char extra[512];
    snprintf(extra, sizeof extra,
             ", \"weight_bytes_per_token\": %.0f, \"ms_per_token\": %.5g, "
             "\"note\": \"bytes of weights one batch-1 step reads / time per step; the machine streams about 34 GB/s\"",
             wb, 1000 * dec1 / NEW_TOKENS);
    emit("decode_bf16_b1_bandwidth", shape, wb * NEW_TOKENS / dec1 / 1e9, "GB/s", extra);

    struct stat sb;
    char *st = seal_path_join(dir, "model.safetensors");
    double wmb = stat(st, &sb) == 0 ? sb.st_size / 1048576.0 : 0;
    free(st);
    double rss = peak_rss_kb() / 1024.0;
    snprintf(extra, sizeof extra,
             ", \"weights_mb\": %.5g, \"rss_over_weights\": %.4g, \"kv_cache_mb\": %.4g, \"scratch_mb\": %.4g, "
             "\"note\": \"ru_maxrss of the whole run (weights mmapped, KV cache for %d x %d, scratch for %d tokens)\"",
             wmb, wmb > 0 ? rss / wmb : 0, seal_kv_bytes(&cfg, MAX_BATCH, PREFILL_LEN) / 1048576.0,
             seal_fwd_bytes(&cfg, PREFILL_LEN, PREFILL_LEN, seal_pool_threads(pool)) / 1048576.0, MAX_BATCH, PREFILL_LEN,
             PREFILL_LEN);
    emit("peak_rss", shape, rss, "MB", extra);

    free(b.h);
    free(b.hlast);
    free(b.logits);
    free(b.tok);
    free(b.seq);
    free(b.pos);
    seal_kv_free(&kv);
    seal_fwd_free(&f);
    seal_pool_destroy(pool);
    seal_model_free(&m);
    return 0;
}
