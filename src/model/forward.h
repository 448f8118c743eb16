/* forward.h: the inference forward pass over a batch of tokens from several
 * sequences, against a KV cache.
 *
 * A batch is a list of tokens, each with its sequence and position. One call
 * handles a batched prefill (many tokens of several sequences of different
 * lengths), an incremental decode step (one token per sequence), or any mix:
 * every token's K/V are written into the cache at (seq, pos), then each token
 * attends causally to positions 0..pos of its own sequence. Activations are
 * f32; weights are read in their file dtype. A token's result is bitwise the
 * same whichever way it was batched (see kern/matmul.h). */
#ifndef SEAL_MODEL_FORWARD_H
#define SEAL_MODEL_FORWARD_H

#include "model/model.h"
#include "rt/threadpool.h"

/* K and V for n_seq sequences of up to max_len positions, f32:
 * k, v [n_layers][n_seq][max_len][n_kv_heads*head_dim]. */
typedef struct {
    int n_layers, n_seq, max_len, kv_dim;
    float *k, *v;
    int *len; /* [n_seq] positions filled so far (bookkeeping for callers) */
} seal_kvcache;

int kv_init(seal_kvcache *kv, const seal_config *cfg, int n_seq, int max_len);
void kv_free(seal_kvcache *kv);
size_t kv_bytes(const seal_config *cfg, int n_seq, int max_len);
/* Copy the first n positions of sequence src into dst (shared prompt prefill). */
void kv_copy_seq(seal_kvcache *kv, int dst, int src, int n);

/* Scratch for up to `cap` tokens per call; allocated once (no allocation per
 * token or per call). */
typedef struct {
    const seal_model *m;
    seal_pool *pool;
    int cap;
    float *x, *xn, *q, *k, *v, *att, *gate, *up; /* [cap][...] */
    float *rope_cos, *rope_sin;                  /* [cap][head_dim/2] */
    float *scores;                               /* [threads][max_len] */
    int scores_len;
    double *inv_freq;                            /* [head_dim/2] */
} seal_fwd;

int fwd_init(seal_fwd *f, const seal_model *m, seal_pool *pool, int cap, int max_len);
void fwd_free(seal_fwd *f);
size_t fwd_bytes(const seal_config *cfg, int cap, int max_len, int n_threads);

/* Run n tokens (n <= f->cap): tok[i] at sequence seq[i], position pos[i].
 * Writes the final-normed hidden states to out [n][hidden]. Positions
 * 0..pos[i]-1 of seq[i] must already be in the cache (from earlier calls or
 * earlier tokens of this batch). Returns -1 on a bad token id or position. */
int fwd_tokens(seal_fwd *f, seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos, float *out);

/* logits [n][vocab] = h [n][hidden] . lm_head^T */
void fwd_logits(seal_fwd *f, const float *h, int n, float *logits);

#endif
