/* score.h: log-probabilities of given tokens under the model (teacher forcing). */
#ifndef SEAL_MODEL_SCORE_H
#define SEAL_MODEL_SCORE_H

#include "model/forward.h"

/* logprobs[i] = log p(ids[i+1] | ids[0..i]) for i < n-1, for one sequence,
 * processed in chunks of the forward's capacity (the KV cache carries the
 * context between chunks), with logits materialized a few rows at a time.
 * If argmax_out is non-NULL it receives the argmax id at each position i < n-1.
 * kv must have room for n positions in sequence 0. */
int seal_score_sequence(seal_fwd *f, seal_kvcache *kv, const int *ids, int n, double *logprobs, int *argmax_out);

#endif
