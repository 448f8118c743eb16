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

#include "kern/attention.h"
#include "model/adapter.h"
#include "model/model.h"
#include "rt/threadpool.h"

/* K and V for n_seq sequences of up to max_len positions, f32:
 * k, v [n_layers][n_seq][max_len][n_kv_heads*head_dim]. */
typedef struct {
    int n_layers, n_seq, max_len, kv_dim;
    float *k, *v;
    int *len; /* [n_seq] positions filled so far (bookkeeping for callers) */
} seal_kvcache;

int seal_kv_init(seal_kvcache *kv, const seal_config *cfg, int n_seq, int max_len);
void seal_kv_free(seal_kvcache *kv);
size_t seal_kv_bytes(const seal_config *cfg, int n_seq, int max_len);
/* Copy the first n positions of sequence src into dst (shared prompt prefill). */
void seal_kv_copy_seq(seal_kvcache *kv, int dst, int src, int n);

/* Activations a training forward keeps for the backward pass, for up to cap
 * tokens. With recompute, only x_in is kept per layer (the layer is run again
 * during backward), and every other buffer holds one layer. */
typedef struct {
    int cap, n_layers, recompute;
    float *x_in;               /* [L][cap][hidden] residual stream entering each layer */
    float *rstd1, *rstd2;      /* [L'][cap] the two RMSNorms' 1/rms */
    float *xn1, *xn2;          /* [L'][cap][hidden] normed inputs of attention and MLP */
    float *q, *att;            /* [L'][cap][n_heads*hd] roped queries; attention output */
    float *lse;                /* [L'][cap][n_heads] attention log-sum-exp per row */
    float *x_mid;              /* [L'][cap][hidden] residual after attention */
    float *gate, *up;          /* [L'][cap][ffn] MLP pre-activations */
    float *lora_u[MOD_COUNT];  /* [L'][cap][rank] A x of each adapted module */
    float *x_final, *rstd_final; /* [cap][hidden], [cap] */
    float *attn_scratch;       /* [threads][seal_attn_scratch_floats(max_len, hd)] */
    size_t attn_scratch_per_thread;
    size_t bytes;
} fwd_save;

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
    const seal_adapter *adapter;                 /* LoRA applied at run time, or NULL */
    float *lora_u, *lora_y;                      /* [cap][rank], [cap][max out] */
    float *lora_x;                               /* [cap][max in]: dropped-out input (training) */
} seal_fwd;

/* What a training forward does beyond inference, passed explicitly to
 * seal_fwd_layer / seal_fwd_final (NULL for inference). With it the layer runs the
 * training path: seal_matmul_fast (BLAS above 48 tokens: faster, not batch
 * invariant; see kern/matmul.h), attention as per-sequence matrix products
 * (kern/attention.h) over a batch whose sequences lie end to end at positions
 * 0..len-1, activations kept in save, and LoRA dropout under dropout_seed. */
typedef struct {
    fwd_save *save;                  /* activations for the backward pass (required) */
    unsigned long long dropout_seed; /* LoRA dropout mask seed; 0 = no dropout */
    const int *seq_start, *seq_len;  /* [n_seq] each sequence's first token and length */
    const int *seq_vis;              /* [n_seq] keys visible to all (right pads after), or NULL: all */
    int n_seq;
} fwd_train;

int seal_fwd_init(seal_fwd *f, const seal_model *m, seal_pool *pool, int cap, int max_len);
void seal_fwd_free(seal_fwd *f);
size_t seal_fwd_bytes(const seal_config *cfg, int cap, int max_len, int n_threads);

/* Run n tokens (n <= f->cap): tok[i] at sequence seq[i], position pos[i].
 * Writes the final-normed hidden states to out [n][hidden]. Positions
 * 0..pos[i]-1 of seq[i] must already be in the cache (from earlier calls or
 * earlier tokens of this batch). Returns -1 on a bad token id or position. */
int seal_fwd_tokens(seal_fwd *f, seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos, float *out);

/* Attach (or detach with NULL) a LoRA adapter; allocates its scratch once. */
/* LoRA dropout mask: 1/(1-p) or 0 for element (t, c) of module mod's input in
 * layer l under seed; a hash, so the backward pass regenerates the same mask. */
float seal_lora_dropout_keep(unsigned long long seed, int l, int mod, int t, int c, float p);
void seal_fwd_set_adapter(seal_fwd *f, const seal_adapter *a);

/* The steps of seal_fwd_tokens, for the training code: embed n tokens into f->x
 * (and their RoPE angles), run layer l in place on f->x, and the final norm
 * into out. tr NULL: the inference arithmetic of seal_fwd_tokens; else the
 * training path described at fwd_train, saving activations into tr->save. */
int seal_fwd_embed(seal_fwd *f, const seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos);
void seal_fwd_layer(seal_fwd *f, const fwd_train *tr, seal_kvcache *kv, int l, int n, const int *seq, const int *pos);
void seal_fwd_final(seal_fwd *f, const fwd_train *tr, int n, float *out);

/* Activation storage for training on up to cap tokens. */
void seal_fwd_save_init(fwd_save *s, const seal_config *cfg, const seal_adapter *a, int cap, int recompute, int max_len,
                   int n_threads);
void seal_fwd_save_free(fwd_save *s);
/* Where layer l's saved activations live (layer 0's slot when recomputing). */
static inline size_t fwd_save_slot(const fwd_save *s, int l) { return s->recompute ? 0 : (size_t)l; }

/* The attention view of (sequence s, kv head kvh) of the training batch tr,
 * over the given q / attention-output / lse buffers (for the backward pass). */
attn_view seal_attn_view_for(const seal_fwd *f, const fwd_train *tr, const seal_kvcache *kv, int layer, int s, int kvh,
                        float *q, float *att, float *lse);

/* logits [n][vocab] = h [n][hidden] . lm_head^T */
void seal_fwd_logits(seal_fwd *f, const float *h, int n, float *logits);

#endif
