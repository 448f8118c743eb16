/* Prefill of a whole sequence, token-by-token decode, and the same sequence
 * inside a batch of mixed lengths must give the same log-probabilities
 * (within 1e-5; by construction they are bit-identical). Uses synthetic
 * models written by the library itself, so it needs no external asset. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "kern/ops.h"
#include "model/score.h"
#include "model/synth.h"
#include "util/err.h"
#include "util/rng.h"

enum { N_SEQ = 3, MAX_LEN = 40 };
static const int seq_len[N_SEQ] = {37, 12, 25};

/* logprobs of each sequence computed from hidden states h [len][hidden] */
static void logprobs_of(seal_fwd *f, const float *h, const int *ids, int len, double *out) {
    const seal_config *c = &f->m->cfg;
    float *logits = malloc(sizeof(float) * c->vocab);
    for (int i = 0; i + 1 < len; i++) {
        seal_fwd_logits(f, h + (size_t)i * c->hidden, 1, logits);
        out[i] = seal_log_softmax_at(logits, c->vocab, ids[i + 1]);
    }
    free(logits);
}

static double max_diff(const double *a, const double *b, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static void run_case(const char *dir, seal_pool *pool) {
    seal_model m;
    if (seal_model_load(&m, dir)) { CHECK_MSG(0, "%s", seal_errmsg()); return; }
    const seal_config *c = &m.cfg;
    int ids[N_SEQ][MAX_LEN];
    seal_rng rng;
    seal_rng_seed(&rng, 7);
    for (int s = 0; s < N_SEQ; s++)
        for (int i = 0; i < seq_len[s]; i++) ids[s][i] = (int)seal_rng_below(&rng, (uint64_t)c->vocab);

    seal_fwd f;
    seal_kvcache kv;
    CHECK(seal_fwd_init(&f, &m, pool, 128, MAX_LEN) == 0);
    CHECK(seal_kv_init(&kv, c, N_SEQ, MAX_LEN) == 0);
    float *h = malloc(sizeof(float) * 128 * c->hidden);
    double prefill[N_SEQ][MAX_LEN], decode[N_SEQ][MAX_LEN], batch[N_SEQ][MAX_LEN];

    /* 1. each sequence alone, whole prefill */
    for (int s = 0; s < N_SEQ; s++) {
        int seq0[MAX_LEN] = {0}, pos[MAX_LEN];
        for (int i = 0; i < seq_len[s]; i++) pos[i] = i;
        CHECK(seal_fwd_tokens(&f, &kv, seq_len[s], ids[s], seq0, pos, h) == 0);
        logprobs_of(&f, h, ids[s], seq_len[s], prefill[s]);
    }
    /* 2. token by token */
    for (int s = 0; s < N_SEQ; s++) {
        float *hs = malloc(sizeof(float) * MAX_LEN * c->hidden);
        for (int i = 0; i < seq_len[s]; i++) {
            int zero = 0;
            CHECK(seal_fwd_tokens(&f, &kv, 1, &ids[s][i], &zero, &i, hs + (size_t)i * c->hidden) == 0);
        }
        logprobs_of(&f, hs, ids[s], seq_len[s], decode[s]);
        free(hs);
    }
    /* 3. all sequences in one batch: interleave a prefix of each, then the rest */
    int tok[128], sq[128], ps[128], n = 0, where[N_SEQ][MAX_LEN];
    for (int i = 0; i < MAX_LEN; i++)
        for (int s = 0; s < N_SEQ; s++)
            if (i < seq_len[s]) { tok[n] = ids[s][i]; sq[n] = s; ps[n] = i; where[s][i] = n++; }
    CHECK(seal_fwd_tokens(&f, &kv, n, tok, sq, ps, h) == 0);
    for (int s = 0; s < N_SEQ; s++) {
        float *hs = malloc(sizeof(float) * MAX_LEN * c->hidden);
        for (int i = 0; i < seq_len[s]; i++) memcpy(hs + (size_t)i * c->hidden, h + (size_t)where[s][i] * c->hidden, sizeof(float) * c->hidden);
        logprobs_of(&f, hs, ids[s], seq_len[s], batch[s]);
        free(hs);
    }
    for (int s = 0; s < N_SEQ; s++) {
        double d1 = max_diff(prefill[s], decode[s], seq_len[s] - 1), d2 = max_diff(prefill[s], batch[s], seq_len[s] - 1);
        CHECK_MSG(d1 <= 1e-5, "%s seq %d: prefill vs decode %.3g", dir, s, d1);
        CHECK_MSG(d2 <= 1e-5, "%s seq %d: prefill vs batch %.3g", dir, s, d2);
    }
    /* 4. seal_score_sequence in small chunks equals the whole prefill */
    double chunked[MAX_LEN];
    seal_fwd f4;
    CHECK(seal_fwd_init(&f4, &m, pool, 5, MAX_LEN) == 0);
    CHECK(seal_score_sequence(&f4, &kv, ids[0], seq_len[0], chunked, NULL) == 0);
    CHECK_MSG(max_diff(prefill[0], chunked, seq_len[0] - 1) <= 1e-5, "chunked scoring differs");
    /* 5. bad inputs are errors, not crashes */
    int bad = c->vocab, zero = 0, far = MAX_LEN;
    CHECK_ERR(seal_fwd_tokens(&f, &kv, 1, &bad, &zero, &zero, h), "token id");
    CHECK_ERR(seal_fwd_tokens(&f, &kv, 1, &zero, &zero, &far, h), "position");
    seal_fwd_free(&f4);
    free(h);
    seal_kv_free(&kv);
    seal_fwd_free(&f);
    seal_model_free(&m);
}

int main(void) {
    char dir[] = "/tmp/seal-test-forward-XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a temp dir");
    seal_pool *pool = seal_pool_create(2);
    const char *dtypes[] = {"F32", "BF16"};
    for (int d = 0; d < 2; d++) {
        seal_config cfg;
        seal_synth_shape(&cfg, "micro");
        cfg.arch = d ? ARCH_QWEN2 : ARCH_LLAMA;
        cfg.qkv_bias = d;
        char sub[256];
        snprintf(sub, sizeof sub, "%s/%s", dir, dtypes[d]);
        seal_dtype dt;
        seal_dtype_parse(dtypes[d], &dt);
        snprintf(cfg.arch_name, sizeof cfg.arch_name, "%s", d ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        snprintf(cfg.model_type, sizeof cfg.model_type, "%s", d ? "qwen2" : "llama");
        if (seal_synth_write(sub, &cfg, dt, 42 + d, 0.2f)) { CHECK_MSG(0, "%s", seal_errmsg()); continue; }
        run_case(sub, pool);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", sub);
        CHECK(system(cmd) == 0);
    }
    rmdir(dir);
    seal_pool_destroy(pool);
    return check_report("test_forward");
}
