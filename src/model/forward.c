#include "model/forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kern/ops.h"
#include "util/err.h"

size_t kv_bytes(const seal_config *c, int n_seq, int max_len) {
    return 2 * (size_t)c->n_layers * n_seq * max_len * c->n_kv_heads * c->head_dim * sizeof(float);
}

int kv_init(seal_kvcache *kv, const seal_config *c, int n_seq, int max_len) {
    memset(kv, 0, sizeof *kv);
    if (n_seq <= 0 || max_len <= 0) return seal_err("kv cache: need n_seq > 0 and max_len > 0");
    kv->n_layers = c->n_layers;
    kv->n_seq = n_seq;
    kv->max_len = max_len;
    kv->kv_dim = c->n_kv_heads * c->head_dim;
    size_t half = kv_bytes(c, n_seq, max_len) / 2;
    kv->k = seal_aligned_alloc(half);
    kv->v = seal_aligned_alloc(half);
    kv->len = seal_calloc((size_t)n_seq, sizeof(int));
    return 0;
}

void kv_free(seal_kvcache *kv) {
    free(kv->k);
    free(kv->v);
    free(kv->len);
    memset(kv, 0, sizeof *kv);
}

static float *kv_row(const seal_kvcache *kv, float *base, int layer, int seq, int pos) {
    return base + (((size_t)layer * kv->n_seq + seq) * kv->max_len + pos) * kv->kv_dim;
}

void kv_copy_seq(seal_kvcache *kv, int dst, int src, int n) {
    for (int l = 0; l < kv->n_layers; l++) {
        size_t bytes = (size_t)n * kv->kv_dim * sizeof(float);
        memcpy(kv_row(kv, kv->k, l, dst, 0), kv_row(kv, kv->k, l, src, 0), bytes);
        memcpy(kv_row(kv, kv->v, l, dst, 0), kv_row(kv, kv->v, l, src, 0), bytes);
    }
    kv->len[dst] = n;
}

size_t fwd_bytes(const seal_config *c, int cap, int max_len, int n_threads) {
    size_t q = (size_t)c->n_heads * c->head_dim, kvd = (size_t)c->n_kv_heads * c->head_dim;
    size_t per_tok = 2 * (size_t)c->hidden + 2 * q + 2 * kvd + 2 * (size_t)c->ffn + (size_t)c->head_dim;
    return ((size_t)cap * per_tok + (size_t)n_threads * max_len) * sizeof(float);
}

int fwd_init(seal_fwd *f, const seal_model *m, seal_pool *pool, int cap, int max_len) {
    memset(f, 0, sizeof *f);
    const seal_config *c = &m->cfg;
    if (cap <= 0 || max_len <= 0) return seal_err("forward: need cap > 0 and max_len > 0");
    f->m = m;
    f->pool = pool;
    f->cap = cap;
    size_t q = (size_t)c->n_heads * c->head_dim, kvd = (size_t)c->n_kv_heads * c->head_dim;
    size_t half = (size_t)c->head_dim / 2;
    f->x = seal_aligned_alloc(sizeof(float) * cap * c->hidden);
    f->xn = seal_aligned_alloc(sizeof(float) * cap * c->hidden);
    f->q = seal_aligned_alloc(sizeof(float) * cap * q);
    f->att = seal_aligned_alloc(sizeof(float) * cap * q);
    f->k = seal_aligned_alloc(sizeof(float) * cap * kvd);
    f->v = seal_aligned_alloc(sizeof(float) * cap * kvd);
    f->gate = seal_aligned_alloc(sizeof(float) * cap * c->ffn);
    f->up = seal_aligned_alloc(sizeof(float) * cap * c->ffn);
    f->rope_cos = seal_aligned_alloc(sizeof(float) * cap * half);
    f->rope_sin = seal_aligned_alloc(sizeof(float) * cap * half);
    int threads = pool ? seal_pool_threads(pool) : 1;
    f->scores_len = max_len;
    f->scores = seal_aligned_alloc(sizeof(float) * threads * max_len);
    f->inv_freq = seal_malloc(sizeof(double) * half);
    config_rope_inv_freq(c, f->inv_freq);
    return 0;
}

void fwd_free(seal_fwd *f) {
    free(f->x); free(f->xn); free(f->q); free(f->att); free(f->k); free(f->v);
    free(f->gate); free(f->up); free(f->rope_cos); free(f->rope_sin); free(f->scores); free(f->inv_freq);
    memset(f, 0, sizeof *f);
}

/* ---- attention: one task per (token, kv head), covering its group of query heads ---- */

typedef struct {
    seal_fwd *f;
    const seal_kvcache *kv;
    int layer;
    const int *seq, *pos;
} attn_job;

static void attn_task(void *ctx, int task, int thread) {
    attn_job *J = ctx;
    const seal_config *c = &J->f->m->cfg;
    int hd = c->head_dim, group = c->n_heads / c->n_kv_heads;
    int t = task / c->n_kv_heads, kvh = task % c->n_kv_heads;
    int seq = J->seq[t], npos = J->pos[t] + 1;
    float *scores = J->f->scores + (size_t)thread * J->f->scores_len;
    float scale = (float)(1.0 / sqrt((double)hd));
    const float *k0 = kv_row(J->kv, J->kv->k, J->layer, seq, 0) + kvh * hd;
    const float *v0 = kv_row(J->kv, J->kv->v, J->layer, seq, 0) + kvh * hd;
    size_t stride = (size_t)J->kv->kv_dim;
    for (int g = 0; g < group; g++) {
        int h = kvh * group + g;
        const float *q = J->f->q + ((size_t)t * c->n_heads + h) * hd;
        float *out = J->f->att + ((size_t)t * c->n_heads + h) * hd;
        float mx = -INFINITY;
        for (int j = 0; j < npos; j++) {
            scores[j] = vec_dot(q, k0 + j * stride, hd) * scale;
            mx = scores[j] > mx ? scores[j] : mx;
        }
        float sum = 0.0f;
        for (int j = 0; j < npos; j++) { scores[j] = expf(scores[j] - mx); sum += scores[j]; }
        float inv = 1.0f / sum;
        memset(out, 0, sizeof(float) * hd);
        for (int j = 0; j < npos; j++) vec_axpy(out, scores[j] * inv, v0 + j * stride, hd);
    }
}

/* ---- one decoder layer ---- */

static void add_rows(float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

static void store_kv(seal_fwd *f, seal_kvcache *kv, int layer, int n, const int *seq, const int *pos) {
    size_t kvd = (size_t)kv->kv_dim;
    for (int t = 0; t < n; t++) {
        memcpy(kv_row(kv, kv->k, layer, seq[t], pos[t]), f->k + t * kvd, kvd * sizeof(float));
        memcpy(kv_row(kv, kv->v, layer, seq[t], pos[t]), f->v + t * kvd, kvd * sizeof(float));
    }
}

static void layer_forward(seal_fwd *f, seal_kvcache *kv, int l, int n, const int *seq, const int *pos) {
    const seal_config *c = &f->m->cfg;
    const seal_layer *ly = &f->m->layers[l];
    int hd = c->head_dim, half = hd / 2;
    float eps = (float)c->rms_eps;

    rmsnorm_forward(f->xn, f->x, ly->attn_norm, n, c->hidden, eps);
    matmul(f->pool, f->q, f->xn, &ly->q, ly->q_bias, n);
    matmul(f->pool, f->k, f->xn, &ly->k, ly->k_bias, n);
    matmul(f->pool, f->v, f->xn, &ly->v, ly->v_bias, n);
    for (int t = 0; t < n; t++) {
        const float *cs = f->rope_cos + (size_t)t * half, *sn = f->rope_sin + (size_t)t * half;
        for (int h = 0; h < c->n_heads; h++) rope_rotate(f->q + ((size_t)t * c->n_heads + h) * hd, cs, sn, hd);
        for (int h = 0; h < c->n_kv_heads; h++) rope_rotate(f->k + ((size_t)t * c->n_kv_heads + h) * hd, cs, sn, hd);
    }
    store_kv(f, kv, l, n, seq, pos);
    attn_job job = {f, kv, l, seq, pos};
    seal_pool_run(f->pool, n * c->n_kv_heads, attn_task, &job);
    matmul(f->pool, f->xn, f->att, &ly->o, ly->o_bias, n);
    add_rows(f->x, f->xn, (size_t)n * c->hidden);

    rmsnorm_forward(f->xn, f->x, ly->mlp_norm, n, c->hidden, eps);
    matmul(f->pool, f->gate, f->xn, &ly->gate, ly->gate_bias, n);
    matmul(f->pool, f->up, f->xn, &ly->up, ly->up_bias, n);
    swiglu_forward(f->gate, f->up, n * c->ffn);
    matmul(f->pool, f->xn, f->gate, &ly->down, ly->down_bias, n);
    add_rows(f->x, f->xn, (size_t)n * c->hidden);
}

int fwd_tokens(seal_fwd *f, seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos, float *out) {
    const seal_config *c = &f->m->cfg;
    if (n <= 0 || n > f->cap) return seal_err("forward: batch of %d tokens (capacity %d)", n, f->cap);
    int half = c->head_dim / 2;
    for (int t = 0; t < n; t++) {
        if (tok[t] < 0 || tok[t] >= c->vocab) return seal_err("token id %d out of range [0, %d)", tok[t], c->vocab);
        if (seq[t] < 0 || seq[t] >= kv->n_seq) return seal_err("sequence %d out of range [0, %d)", seq[t], kv->n_seq);
        if (pos[t] < 0 || pos[t] >= kv->max_len || pos[t] >= f->scores_len)
            return seal_err("position %d beyond the context of %d", pos[t], kv->max_len);
        seal_mat_row(&f->m->embed, tok[t], f->x + (size_t)t * c->hidden);
        rope_angles(f->rope_cos + (size_t)t * half, f->rope_sin + (size_t)t * half, f->inv_freq, half, pos[t]);
    }
    for (int l = 0; l < c->n_layers; l++) layer_forward(f, kv, l, n, seq, pos);
    rmsnorm_forward(out, f->x, f->m->final_norm, n, c->hidden, (float)c->rms_eps);
    for (int t = 0; t < n; t++)
        if (kv->len[seq[t]] < pos[t] + 1) kv->len[seq[t]] = pos[t] + 1;
    return 0;
}

void fwd_logits(seal_fwd *f, const float *h, int n, float *logits) {
    matmul(f->pool, logits, h, &f->m->lm_head, NULL, n);
}
