/* Sampling: the drawn frequencies match the distribution the sampler claims
 * (chi-square at p = 0.001, fixed seeds, so never flaky), the filters follow
 * HF semantics, and a seed reproduces a run. Logits come from a small
 * synthetic model's forward pass. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "gen/sampler.h"
#include "kern/ops.h"
#include "model/forward.h"
#include "model/synth.h"
#include "util/err.h"

/* Chi-square statistic of counts against probabilities, bins with expected < 5
 * pooled; *df receives the degrees of freedom. */
static double chi_square(const int *counts, const double *p, int V, int draws, int *df) {
    double stat = 0, pool_e = 0, pool_o = 0;
    int bins = 0;
    for (int i = 0; i < V; i++) {
        double e = p[i] * draws;
        if (p[i] == 0) { CHECK_MSG(counts[i] == 0, "token %d drawn %d times but has probability 0", i, counts[i]); continue; }
        if (e < 5) { pool_e += e; pool_o += counts[i]; continue; }
        stat += (counts[i] - e) * (counts[i] - e) / e;
        bins++;
    }
    if (pool_e > 0) { stat += (pool_o - pool_e) * (pool_o - pool_e) / pool_e; bins++; }
    *df = bins - 1;
    return stat;
}

static double chi_critical_999(int df) { /* Wilson-Hilferty, z = 3.09 */
    double k = df > 0 ? df : 1, a = 2.0 / (9.0 * k);
    return k * pow(1.0 - a + 3.09 * sqrt(a), 3.0);
}

static void check_frequencies(const float *logits0, int V, seal_sampling s, const char *what) {
    float *logits = malloc(sizeof(float) * V);
    double *p = malloc(sizeof(double) * V);
    int *counts = calloc((size_t)V, sizeof(int));
    seal_sampler sp;
    seal_sampler_init(&sp, &s, V, 1234);
    memcpy(logits, logits0, sizeof(float) * V);
    seal_sampler_distribution(&sp, logits, NULL, 0, p);
    enum { DRAWS = 40000 };
    for (int d = 0; d < DRAWS; d++) {
        memcpy(logits, logits0, sizeof(float) * V);
        counts[seal_sampler_next(&sp, logits, NULL, 0)]++;
    }
    int df, kept = 0;
    for (int i = 0; i < V; i++) kept += p[i] > 0;
    double stat = chi_square(counts, p, V, DRAWS, &df);
    CHECK_MSG(df < 1 || stat < chi_critical_999(df), "%s: chi2 %.1f with df %d (critical %.1f)", what, stat, df, chi_critical_999(df));
    if (s.top_k > 0) CHECK_MSG(kept <= s.top_k, "%s: %d tokens kept, top-k %d", what, kept, s.top_k);
    printf("%-28s kept %4d tokens, chi2 %7.1f df %3d (critical %.1f)\n", what, kept, stat, df, chi_critical_999(df));
    seal_sampler_free(&sp);
    free(counts);
    free(p);
    free(logits);
}

/* HF top-p: sorted descending, keep a token while the mass before it < top_p. */
static void check_top_p_rule(void) {
    float logits[4] = {logf(0.5f), logf(0.3f), logf(0.15f), logf(0.05f)};
    double p[4];
    seal_sampling s = seal_sampling_defaults();
    s.top_p = 0.8f; /* 0.5 < 0.8, 0.8 !< 0.8: keeps {0, 1} */
    seal_sampler sp;
    seal_sampler_init(&sp, &s, 4, 1);
    seal_sampler_distribution(&sp, logits, NULL, 0, p);
    CHECK_NEAR(p[0], 0.625, 1e-6);
    CHECK_NEAR(p[1], 0.375, 1e-6);
    CHECK(p[2] == 0 && p[3] == 0);
    seal_sampler_free(&sp);
    /* min-p 0.5: keeps tokens with p >= 0.25 */
    float l2[4] = {logf(0.5f), logf(0.3f), logf(0.15f), logf(0.05f)};
    s = seal_sampling_defaults();
    s.min_p = 0.5f;
    seal_sampler_init(&sp, &s, 4, 1);
    seal_sampler_distribution(&sp, l2, NULL, 0, p);
    CHECK_NEAR(p[0], 0.625, 1e-6);
    CHECK(p[2] == 0);
    seal_sampler_free(&sp);
}

static void check_penalty_and_greedy(void) {
    float logits[5] = {2.0f, -1.0f, 1.9f, 0.5f, 0.0f};
    int hist[3] = {0, 1, 0};
    seal_sampling s = seal_sampling_defaults();
    s.temperature = 0;
    s.repetition_penalty = 1.2f;
    seal_sampler sp;
    seal_sampler_init(&sp, &s, 5, 1);
    int next = seal_sampler_next(&sp, logits, hist, 3);
    CHECK(next == 2);                          /* 2.0/1.2 < 1.9 */
    CHECK_NEAR(logits[0], 2.0 / 1.2, 1e-6);    /* penalized once despite two occurrences */
    CHECK_NEAR(logits[1], -1.2, 1e-6);         /* negative logits are multiplied */
    seal_sampler_free(&sp);
}

static void check_reproducible(const float *logits0, int V) {
    seal_sampling s = seal_sampling_defaults();
    s.top_p = 0.95f;
    int a[64], b[64];
    float *l = malloc(sizeof(float) * V);
    for (int run = 0; run < 2; run++) {
        seal_sampler sp;
        seal_sampler_init(&sp, &s, V, 99);
        for (int i = 0; i < 64; i++) {
            memcpy(l, logits0, sizeof(float) * V);
            (run ? b : a)[i] = seal_sampler_next(&sp, l, NULL, 0);
        }
        seal_sampler_free(&sp);
    }
    CHECK(memcmp(a, b, sizeof a) == 0);
    free(l);
}

int main(void) {
    char dir[] = "/tmp/seal-test-sampler-XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    seal_config cfg;
    seal_synth_shape(&cfg, "micro");
    if (seal_synth_write(dir, &cfg, SEAL_F32, 3, 0.3f)) { fprintf(stderr, "%s\n", seal_errmsg()); return 1; }
    seal_model m;
    CHECK(seal_model_load(&m, dir) == 0);
    seal_fwd f;
    seal_kvcache kv;
    seal_fwd_init(&f, &m, NULL, 8, 8);
    seal_kv_init(&kv, &m.cfg, 1, 8);
    int ids[3] = {1, 17, 42}, seq[3] = {0, 0, 0}, pos[3] = {0, 1, 2};
    float h[3 * 64], *logits = malloc(sizeof(float) * cfg.vocab);
    CHECK(seal_fwd_tokens(&f, &kv, 3, ids, seq, pos, h) == 0);
    seal_fwd_logits(&f, h + 2 * cfg.hidden, 1, logits);
    for (int i = 0; i < cfg.vocab; i++) logits[i] *= 1.5f; /* a peaked but not degenerate distribution */

    seal_sampling s = seal_sampling_defaults();
    check_frequencies(logits, cfg.vocab, s, "temperature 1");
    s.temperature = 0.7f;
    check_frequencies(logits, cfg.vocab, s, "temperature 0.7");
    s = seal_sampling_defaults(); s.top_k = 20;
    check_frequencies(logits, cfg.vocab, s, "top-k 20");
    s = seal_sampling_defaults(); s.top_p = 0.9f;
    check_frequencies(logits, cfg.vocab, s, "top-p 0.9");
    s = seal_sampling_defaults(); s.temperature = 1.3f; s.top_k = 50; s.top_p = 0.95f;
    check_frequencies(logits, cfg.vocab, s, "T 1.3, top-k 50, top-p 0.95");
    s = seal_sampling_defaults(); s.min_p = 0.05f;
    check_frequencies(logits, cfg.vocab, s, "min-p 0.05");
    check_top_p_rule();
    check_penalty_and_greedy();
    check_reproducible(logits, cfg.vocab);

    free(logits);
    seal_kv_free(&kv);
    seal_fwd_free(&f);
    seal_model_free(&m);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_sampler");
}
