#include "gen/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kern/ops.h"
#include "util/err.h"

seal_sampling seal_sampling_defaults(void) {
    return (seal_sampling){.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .repetition_penalty = 1.0f};
}

int seal_sampling_check(const seal_sampling *s) {
    if (!(s->temperature >= 0) || !isfinite(s->temperature)) return seal_err("temperature must be >= 0");
    if (s->top_k < 0) return seal_err("top-k must be >= 0");
    if (!(s->top_p > 0 && s->top_p <= 1)) return seal_err("top-p must be in (0, 1]");
    if (!(s->min_p >= 0 && s->min_p <= 1)) return seal_err("min-p must be in [0, 1]");
    if (!(s->repetition_penalty > 0) || !isfinite(s->repetition_penalty)) return seal_err("repetition penalty must be > 0");
    return 0;
}

void seal_sampler_init(seal_sampler *sp, const seal_sampling *s, int vocab, uint64_t seed) {
    sp->s = *s;
    sp->vocab = vocab;
    seal_rng_seed(&sp->rng, seed);
    sp->idx = seal_malloc(sizeof(int) * (size_t)vocab);
    sp->prob = seal_malloc(sizeof(float) * (size_t)vocab);
}

void seal_sampler_free(seal_sampler *sp) {
    free(sp->idx);
    free(sp->prob);
    sp->idx = NULL;
    sp->prob = NULL;
}

static void apply_penalty(float *logits, int vocab, float penalty, const int *hist, int n) {
    if (penalty == 1.0f) return;
    /* HF gathers the history's logits first, so a repeated id is penalized once. */
    for (int i = 0; i < n; i++) {
        int id = hist[i];
        if (id < 0 || id >= vocab) continue;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = hist[j] == id;
        if (seen) continue;
        logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
    }
}

static int by_prob_desc(const void *a, const void *b, void *ctx) {
    const float *p = ctx;
    float x = p[*(const int *)a], y = p[*(const int *)b];
    if (x != y) return x > y ? -1 : 1;
    return *(const int *)a - *(const int *)b; /* stable on ties: lower id first */
}

/* Candidates after top-k / top-p / min-p, sorted by probability, renormalized
 * into sp->prob[0..n). Returns n >= 1. */
static int candidates(seal_sampler *sp, const float *logits) {
    int V = sp->vocab;
    float mx = logits[seal_argmax(logits, V)];
    double sum = 0;
    float *e = sp->prob; /* unnormalized exp, indexed by id */
    for (int i = 0; i < V; i++) sum += (e[i] = expf(logits[i] - mx));
    /* Prefilter so the sort stays short, only where it cannot change the
     * result: with top-p alone, a token below (1-top_p)/(V-1) of the mass can
     * never enter the nucleus; with min-p alone, the bound is min_p itself
     * (e[argmax] == 1). With top-k in play every candidate is sorted. */
    float floor_p = 0.0f;
    if (sp->s.top_k == 0 && sp->s.top_p < 1.0f) floor_p = (float)((1.0 - sp->s.top_p) / (V > 1 ? V - 1 : 1) * sum);
    else if (sp->s.top_k == 0 && sp->s.min_p > 0.0f) floor_p = sp->s.min_p;
    int n = 0;
    for (int i = 0; i < V; i++)
        if (e[i] >= floor_p) sp->idx[n++] = i;
    qsort_r(sp->idx, (size_t)n, sizeof(int), by_prob_desc, e);
    if (sp->s.top_k > 0 && sp->s.top_k < n) n = sp->s.top_k;
    if (sp->s.top_p < 1.0f) { /* mass of the kept prefix, over the top-k survivors */
        double kept_total = 0, cum = 0;
        for (int i = 0; i < n; i++) kept_total += e[sp->idx[i]];
        int keep = 0;
        while (keep < n && cum < sp->s.top_p * kept_total) cum += e[sp->idx[keep++]];
        n = keep > 0 ? keep : 1;
    }
    if (sp->s.min_p > 0.0f) {
        float top = e[sp->idx[0]];
        int keep = 1;
        while (keep < n && e[sp->idx[keep]] >= sp->s.min_p * top) keep++;
        n = keep;
    }
    return n;
}

static void prepare(seal_sampler *sp, float *logits, const int *hist, int n_hist) {
    apply_penalty(logits, sp->vocab, sp->s.repetition_penalty, hist, n_hist);
    if (sp->s.temperature > 0 && sp->s.temperature != 1.0f)
        for (int i = 0; i < sp->vocab; i++) logits[i] /= sp->s.temperature;
}

int seal_sampler_next(seal_sampler *sp, float *logits, const int *hist, int n_hist) {
    if (sp->s.temperature == 0) {
        apply_penalty(logits, sp->vocab, sp->s.repetition_penalty, hist, n_hist);
        return seal_argmax(logits, sp->vocab);
    }
    prepare(sp, logits, hist, n_hist);
    int n = candidates(sp, logits);
    double total = 0;
    for (int i = 0; i < n; i++) total += sp->prob[sp->idx[i]];
    double u = seal_rng_double(&sp->rng) * total, cum = 0;
    for (int i = 0; i < n; i++) {
        cum += sp->prob[sp->idx[i]];
        if (u < cum) return sp->idx[i];
    }
    return sp->idx[n - 1];
}

void seal_sampler_distribution(seal_sampler *sp, float *logits, const int *hist, int n_hist, double *probs) {
    memset(probs, 0, sizeof(double) * (size_t)sp->vocab);
    if (sp->s.temperature == 0) {
        probs[seal_sampler_next(sp, logits, hist, n_hist)] = 1.0;
        return;
    }
    prepare(sp, logits, hist, n_hist);
    int n = candidates(sp, logits);
    double total = 0;
    for (int i = 0; i < n; i++) total += sp->prob[sp->idx[i]];
    for (int i = 0; i < n; i++) probs[sp->idx[i]] = sp->prob[sp->idx[i]] / total;
}
