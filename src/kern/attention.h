/* attention.h: causal attention of one sequence for one group of query heads
 * sharing a KV head (GQA), written as matrix products so that training runs at
 * GEMM speed:
 *   forward   S = Q K^T * scale (L x L, causal), P = softmax(S), O = P V,
 *             keeping lse = log sum exp of each row for the backward;
 *   backward  P = exp(S - lse) recomputed, dP = dO V^T, D = rowsum(dO * O),
 *             dS = P * (dP - D) * scale, dQ = dS K, dK += dS^T Q, dV += P^T dO.
 * Strided views: head vectors are hd floats at a row stride (token-major
 * layouts [L][heads][hd]). Scratch comes from seal_attn_scratch_floats(L, hd) per
 * calling thread. Inference decode uses seal_attn_decode, one token at a time.
 * Key padding (vis > 0): keys at positions >= vis are invisible to every
 * query, so query i attends to keys 0..min(i, vis-1): HF's attention_mask 0
 * on right padding, where a pad query sees the content but neither the other
 * pads nor itself. */
#ifndef SEAL_KERN_ATTENTION_H
#define SEAL_KERN_ATTENTION_H

#include <stddef.h>

typedef struct {
    int L, hd, group;       /* sequence length, head dim, query heads per KV head */
    float scale;            /* 1/sqrt(hd) */
    const float *q;         /* query head 0 of the group at token 0; q + g*hd for head g */
    int q_stride;           /* floats between tokens (n_heads*hd) */
    const float *k, *v;     /* the KV head at position 0 */
    int kv_stride;          /* floats between positions */
    float *out;             /* attention output, same layout as q */
    float *lse;             /* [L][lse_stride] per query head g at lse[t*lse_stride + g] */
    int lse_stride;
    int vis;                /* > 0: keys visible to every query (the rest are pads); 0: all */
} attn_view;

size_t seal_attn_scratch_floats(int L, int hd);

void seal_attn_group_forward(const attn_view *v, float *scratch);

/* dout: gradient of out (same layout as q); dq (same layout), dk/dv (KV layout
 * with dkv_stride) are overwritten with the group's gradients. */
void seal_attn_group_backward(const attn_view *v, const float *dout, float *dq, float *dk, float *dvv, int dkv_stride,
                         float *scratch);

/* Decode: one query token at position npos-1 attends to cached positions
 * 0..npos-1, for `group` query heads sharing a KV head.
 *   q, out   [group][hd] (consecutive heads)     lse  [group] or NULL
 *   k, v     npos rows at kv_stride floats        scores: npos floats of scratch
 * out[g] = softmax(scale q[g].k_j) . v_j. seal_attn_decode (AVX2 when hd is a
 * multiple of 8) gives seal_attn_decode_ref's bits exactly; the ref is the
 * readable oracle (seal_vec_dot and seal_vec_axpy per position). */
void seal_attn_decode(float *out, float *lse, const float *q, const float *k, const float *v, size_t kv_stride,
                      int npos, int hd, int group, float scale, float *scores);
void seal_attn_decode_ref(float *out, float *lse, const float *q, const float *k, const float *v, size_t kv_stride,
                          int npos, int hd, int group, float scale, float *scores);

#endif
