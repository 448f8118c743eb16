/* The hand-written backward against central finite differences of the
 * forward loss (f32, so a loose 2e-2 relative tolerance: this test catches
 * wrong formulas; the PyTorch float64 oracle in tests/oracle holds the
 * precise parity). LoRA mode with nonzero B on all seven modules and full
 * mode, two sequences of different lengths, a masked prefix, recompute on
 * and off (which must agree bitwise); then again with right pads that no
 * query attends to (batch.vis, the reference's padding) but that carry loss. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "model/synth.h"
#include "train/backward.h"
#include "train/optim.h"
#include "util/err.h"
#include "util/rng.h"

enum { N_SEQ = 2, LEN0 = 9, LEN1 = 6, N = LEN0 + LEN1 };
static int tok[N], seq[N], pos[N], start[N_SEQ] = {0, LEN0}, len[N_SEQ] = {LEN0, LEN1};
static float weight[N];
static train_batch batch = {N, N_SEQ, tok, seq, pos, start, len, weight, NULL};

static double loss_of(train_ctx *tc, train_grads *g) {
    double loss, nll;
    seal_grads_zero(g);
    if (seal_train_step_grads(tc, &batch, g, 0, &loss, &nll)) { fprintf(stderr, "%s\n", seal_errmsg()); return NAN; }
    return loss;
}

/* Compare a few elements of each param's gradient with finite differences. */
static void check_params(train_ctx *tc, train_grads *g, param_list *pl, const char *mode) {
    double base = loss_of(tc, g);
    float *saved = malloc(sizeof(float) * g->n);
    memcpy(saved, g->store, sizeof(float) * g->n);
    seal_rng rng;
    seal_rng_seed(&rng, 5);
    int checked = 0, bad = 0;
    double gmax = 0;
    for (size_t i = 0; i < g->n; i++) gmax = fmax(gmax, fabs(saved[i]));
    for (int i = 0; i < pl->n; i++) {
        train_param *p = &pl->p[i];
        size_t off = (size_t)(p->g - g->store);
        for (int k = 0; k < (batch.vis ? 30 : 3); k++) { /* pads: errors touch few elements */
            size_t j = seal_rng_below(&rng, p->n);
            float w0 = p->w[j], h = 2e-3f * fmaxf(1.0f, fabsf(w0));
            p->w[j] = w0 + h;
            double lp = loss_of(tc, g);
            p->w[j] = w0 - h;
            double lm = loss_of(tc, g);
            p->w[j] = w0;
            double fd = (lp - lm) / (2 * h), an = saved[off + j];
            checked++;
            if (fabs(fd - an) > 2e-2 * gmax + 1e-4) {
                bad++;
                fprintf(stderr, "%s %s[%zu]: analytic %.6g finite-diff %.6g\n", mode, p->name, j, an, fd);
            }
        }
    }
    CHECK_MSG(bad == 0, "%s: %d of %d gradient elements disagree (max |g| %.3g)", mode, bad, checked, gmax);
    printf("%s: %d elements checked against finite differences, base loss %.5f\n", mode, checked, base);
    (void)base;
    free(saved);
}

static void run(const char *dir, int full) {
    seal_model m;
    if (seal_model_load(&m, dir)) { CHECK_MSG(0, "%s", seal_errmsg()); return; }
    seal_adapter a;
    if (full) seal_model_to_f32(&m);
    else {
        seal_adapter_init(&a, &m.cfg, 4, 8.0f, 0, 0.0f, (1u << MOD_COUNT) - 1, 9);
        seal_rng r;
        seal_rng_seed(&r, 3);
        for (size_t i = 0; i < a.n_params; i++) a.store[i] = 0.3f * (float)seal_rng_normal(&r);
    }
    train_ctx tc, tc2;
    train_grads g;
    param_list pl;
    CHECK(seal_train_ctx_init(&tc, &m, NULL, full ? NULL : &a, N, N_SEQ, 16, 0) == 0);
    seal_grads_init(&g, &m, full ? NULL : &a);
    seal_params_build(&pl, &m, full ? NULL : &a, &g);
    check_params(&tc, &g, &pl, full ? "full" : "lora");

    /* recompute gives the same gradients, bitwise */
    CHECK(seal_train_ctx_init(&tc2, &m, NULL, full ? NULL : &a, N, N_SEQ, 16, 1) == 0);
    loss_of(&tc, &g);
    float *g1 = malloc(sizeof(float) * g.n);
    memcpy(g1, g.store, sizeof(float) * g.n);
    loss_of(&tc2, &g);
    CHECK_MSG(memcmp(g1, g.store, sizeof(float) * g.n) == 0, "recompute changes the gradients");
    free(g1);
    seal_train_ctx_free(&tc2);
    seal_params_free(&pl);
    seal_grads_free(&g);
    seal_train_ctx_free(&tc);
    if (!full) seal_adapter_free(&a);
    seal_model_free(&m);
}

int main(void) {
    char dir[] = "/tmp/seal-test-backward-XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    seal_config cfg;
    seal_synth_shape(&cfg, "micro");
    cfg.vocab = 64; cfg.hidden = 32; cfg.n_heads = 4; cfg.n_kv_heads = 2; cfg.head_dim = 8; cfg.ffn = 48;
    cfg.arch = ARCH_QWEN2; cfg.qkv_bias = 1;
    snprintf(cfg.arch_name, sizeof cfg.arch_name, "Qwen2ForCausalLM");
    snprintf(cfg.model_type, sizeof cfg.model_type, "qwen2");
    cfg.tie_embeddings = 0;
    if (seal_synth_write(dir, &cfg, SEAL_F32, 21, 0.3f)) { fprintf(stderr, "%s\n", seal_errmsg()); return 1; }
    seal_rng r;
    seal_rng_seed(&r, 1);
    for (int t = 0; t < N; t++) {
        tok[t] = (int)seal_rng_below(&r, (uint64_t)cfg.vocab);
        seq[t] = t < LEN0 ? 0 : 1;
        pos[t] = t < LEN0 ? t : t - LEN0;
        weight[t] = 1.0f / 11;
    }
    weight[0] = weight[1] = 0;        /* a masked prompt */
    weight[LEN0 - 1] = weight[N - 1] = 0; /* last tokens predict nothing */
    run(dir, 0);
    run(dir, 1);
    static int vis[N_SEQ] = {5, 4}; /* tokens 5..8 and 4..5 are pads, still labelled */
    batch.vis = vis;
    run(dir, 0);
    run(dir, 1);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_backward");
}
