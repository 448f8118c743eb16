/* sampler.h: choosing the next token from a row of logits.
 *
 * The pipeline follows Hugging Face generate() (and vLLM) in this order:
 * repetition penalty over the history (HF semantics: a positive logit is
 * divided by the penalty, a negative one multiplied), then temperature, top-k,
 * top-p (nucleus: the smallest set of most likely tokens whose mass reaches
 * top_p), min-p (drop tokens below min_p x the top probability), then a draw.
 * Temperature 0 means greedy (argmax after the penalty). Each sampler owns its
 * RNG, so a sequence's tokens depend only on its seed and its logits. */
#ifndef SEAL_GEN_SAMPLER_H
#define SEAL_GEN_SAMPLER_H

#include <stdint.h>

#include "util/rng.h"

typedef struct {
    float temperature;        /* 0 = greedy */
    int top_k;                /* 0 = off */
    float top_p;              /* 1 = off */
    float min_p;              /* 0 = off */
    float repetition_penalty; /* 1 = off */
} seal_sampling;

/* Defaults: temperature 1, everything else off. */
seal_sampling seal_sampling_defaults(void);
/* -1 with a message naming the bad parameter. */
int seal_sampling_check(const seal_sampling *s);

typedef struct {
    seal_sampling s;
    seal_rng rng;
    int vocab;
    int *idx;     /* [vocab] scratch: candidate ids */
    float *prob;  /* [vocab] scratch: candidate probabilities */
} seal_sampler;

void seal_sampler_init(seal_sampler *sp, const seal_sampling *s, int vocab, uint64_t seed);
void seal_sampler_free(seal_sampler *sp);

/* Pick the next token. logits [vocab] are modified (penalty, temperature).
 * history: the ids the repetition penalty applies to (prompt + generated). */
int seal_sampler_next(seal_sampler *sp, float *logits, const int *history, int n_history);

/* The distribution the sampler draws from, written to probs [vocab] (zeros for
 * filtered tokens); logits are modified as in seal_sampler_next. For tests. */
void seal_sampler_distribution(seal_sampler *sp, float *logits, const int *history, int n_history, double *probs);

#endif
