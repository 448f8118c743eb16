/* backward.h: one training forward + backward over a batch of sequences.
 *
 * The forward pass is the inference one (model/forward.c) with activation
 * saving on; the backward below is its hand-written reverse, layer by layer,
 * as forward/backward pairs over flat buffers:
 *   LM head + cross-entropy  chunked over rows, logits never all alive
 *   final RMSNorm
 *   per layer, reversed:     down, SwiGLU, gate/up, RMSNorm, o_proj,
 *                            attention (scores recomputed from the saved
 *                            log-sum-exp, as flash attention does), RoPE,
 *                            q/k/v, RMSNorm
 *   embedding                (full mode: scatter-add)
 * Gradients accumulate (+=) into train_grads, so gradient accumulation over
 * micro-batches is a matter of not zeroing them. LoRA mode trains only the
 * adapter's A and B (base weights frozen in their file dtype); full mode
 * trains every parameter (the model must be seal_model_to_f32'd). */
#ifndef SEAL_TRAIN_BACKWARD_H
#define SEAL_TRAIN_BACKWARD_H

#include "model/adapter.h"
#include "model/forward.h"

/* Gradient buffers, f32, shaped like what they differentiate. */
typedef struct {
    int full;
    float **dW, **db;                 /* [L*MOD_COUNT] full mode: projection weights and biases (NULL if none) */
    float **d_attn_norm, **d_mlp_norm; /* [L] */
    float *d_embed, *d_lm_head, *d_final_norm; /* d_lm_head == d_embed when tied */
    seal_adapter dlora;               /* LoRA mode: dA, dB in the adapter's layout */
    float *store;                     /* everything above */
    size_t n;                         /* floats in store */
} train_grads;

/* Allocate zeroed gradients for full mode (a == NULL) or for adapter a. */
void seal_grads_init(train_grads *g, const seal_model *m, const seal_adapter *a);
void seal_grads_free(train_grads *g);
void seal_grads_zero(train_grads *g);

/* A batch: tokens of n_seq sequences laid end to end, sequence s occupying
 * tokens [start[s], start[s]+len[s]) at positions 0..len[s]-1. weight[t] is the
 * loss weight of predicting tok[t+1] from position t (0 where the next token is
 * masked or in another sequence); the loss is sum_t weight[t] * -log p.
 * vis (NULL: none padded): sequence s's tokens from vis[s] on are right pads
 * that no query attends to (HF attention_mask 0), though they are still
 * queries, at their positions, and may carry loss weight. */
typedef struct {
    int n, n_seq;
    const int *tok, *seq, *pos;
    const int *start, *len;
    const float *weight;
    const int *vis;
} train_batch;

/* Everything a training step needs besides the model, allocated once for
 * batches of up to cap tokens and n_seq sequences of up to max_len. */
typedef struct {
    const seal_model *m;
    seal_pool *pool;
    seal_fwd f;
    fwd_save save;
    seal_kvcache kv;
    int cap;
    float *dx, *dxn, *dq, *dk, *dv, *datt, *dh, *dgate, *dup, *h, *tmp, *du, *hidden; /* [cap][...] */
    float *logits;                                                  /* [rows][vocab] */
    float *head_h, *head_d;                                         /* [rows][hidden] */
} train_ctx;

/* recompute: keep only each layer's input and run the layer again in backward. */
int seal_train_ctx_init(train_ctx *tc, const seal_model *m, seal_pool *pool, const seal_adapter *a, int cap, int n_seq,
                   int max_len, int recompute);
void seal_train_ctx_free(train_ctx *tc);
size_t seal_train_ctx_bytes(const train_ctx *tc);

/* Forward + backward of one batch, adding gradients to g. Returns 0 and sets
 * *nll_sum (sum of -log p over weighted positions, unweighted) and *loss
 * (sum of weight * -log p); a non-finite loss is the caller's to check.
 * dropout_seed: LoRA dropout mask seed (0 = off). */
int seal_train_step_grads(train_ctx *tc, const train_batch *b, train_grads *g, unsigned long long dropout_seed,
                     double *loss, double *nll_sum);

/* Forward only: sum of -log p over the weighted positions and their count. */
int seal_train_forward_loss(train_ctx *tc, const train_batch *b, double *nll_sum, long *count);

#endif
