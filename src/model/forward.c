#include "model/forward.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "kern/attention.h"
#include "kern/ops.h"
#include "util/err.h"
#include "util/rng.h"

size_t seal_kv_bytes(const seal_config *c, int n_seq, int max_len) {
    return 2 * (size_t)c->n_layers * n_seq * max_len * c->n_kv_heads * c->head_dim * sizeof(float);
}

int seal_kv_init(seal_kvcache *kv, const seal_config *c, int n_seq, int max_len) {
    memset(kv, 0, sizeof *kv);
    if (n_seq <= 0 || max_len <= 0) return seal_err("kv cache: need n_seq > 0 and max_len > 0");
    kv->n_layers = c->n_layers;
    kv->n_seq = n_seq;
    kv->max_len = max_len;
    kv->kv_dim = c->n_kv_heads * c->head_dim;
    size_t half = seal_kv_bytes(c, n_seq, max_len) / 2;
    kv->k = seal_aligned_alloc(half);
    kv->v = seal_aligned_alloc(half);
    kv->len = seal_calloc((size_t)n_seq, sizeof(int));
    return 0;
}

void seal_kv_free(seal_kvcache *kv) {
    free(kv->k);
    free(kv->v);
    free(kv->len);
    memset(kv, 0, sizeof *kv);
}

static float *kv_row(const seal_kvcache *kv, float *base, int layer, int seq, int pos) {
    return base + (((size_t)layer * kv->n_seq + seq) * kv->max_len + pos) * kv->kv_dim;
}

void seal_kv_copy_seq(seal_kvcache *kv, int dst, int src, int n) {
    for (int l = 0; l < kv->n_layers; l++) {
        size_t bytes = (size_t)n * kv->kv_dim * sizeof(float);
        memcpy(kv_row(kv, kv->k, l, dst, 0), kv_row(kv, kv->k, l, src, 0), bytes);
        memcpy(kv_row(kv, kv->v, l, dst, 0), kv_row(kv, kv->v, l, src, 0), bytes);
    }
    kv->len[dst] = n;
}

size_t seal_fwd_bytes(const seal_config *c, int cap, int max_len, int n_threads) {
    size_t q = (size_t)c->n_heads * c->head_dim, kvd = (size_t)c->n_kv_heads * c->head_dim;
    size_t per_tok = 2 * (size_t)c->hidden + 2 * q + 2 * kvd + 2 * (size_t)c->ffn + (size_t)c->head_dim;
    return ((size_t)cap * per_tok + (size_t)n_threads * max_len) * sizeof(float);
}

int seal_fwd_init(seal_fwd *f, const seal_model *m, seal_pool *pool, int cap, int max_len) {
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
    seal_config_rope_inv_freq(c, f->inv_freq);
    return 0;
}

void seal_fwd_free(seal_fwd *f) {
    free(f->x); free(f->xn); free(f->q); free(f->att); free(f->k); free(f->v);
    free(f->gate); free(f->up); free(f->rope_cos); free(f->rope_sin); free(f->scores); free(f->inv_freq);
    free(f->lora_u); free(f->lora_y); free(f->lora_x);
    memset(f, 0, sizeof *f);
}

static int max_module_out(const seal_config *c) {
    int q = c->n_heads * c->head_dim;
    int m = c->hidden > c->ffn ? c->hidden : c->ffn;
    return m > q ? m : q;
}

void seal_fwd_set_adapter(seal_fwd *f, const seal_adapter *a) {
    free(f->lora_u);
    free(f->lora_y);
    free(f->lora_x);
    f->lora_u = f->lora_y = f->lora_x = NULL;
    f->adapter = a;
    if (!a) return;
    f->lora_u = seal_aligned_alloc(sizeof(float) * (size_t)f->cap * a->rank);
    f->lora_y = seal_aligned_alloc(sizeof(float) * (size_t)f->cap * max_module_out(&f->m->cfg));
    if (a->dropout > 0) f->lora_x = seal_aligned_alloc(sizeof(float) * (size_t)f->cap * max_module_out(&f->m->cfg));
}

float seal_lora_dropout_keep(unsigned long long seed, int l, int mod, int t, int c, float p) {
    uint64_t z = seal_mix64(seed ^ ((uint64_t)(l * MOD_COUNT + mod) << 48) ^ ((uint64_t)t << 24) ^ (uint64_t)c);
    return (double)(z >> 11) * (1.0 / 9007199254740992.0) < p ? 0.0f : 1.0f / (1.0f - p);
}

static float *save_alloc(fwd_save *s, size_t floats) {
    s->bytes += floats * sizeof(float);
    return seal_aligned_alloc(sizeof(float) * (floats ? floats : 1));
}

void seal_fwd_save_init(fwd_save *s, const seal_config *c, const seal_adapter *a, int cap, int recompute, int max_len,
                   int n_threads) {
    memset(s, 0, sizeof *s);
    s->cap = cap;
    s->n_layers = c->n_layers;
    s->recompute = recompute;
    size_t L = recompute ? 1 : (size_t)c->n_layers, T = (size_t)cap, H = (size_t)c->hidden;
    size_t Q = (size_t)c->n_heads * c->head_dim, F = (size_t)c->ffn;
    s->x_in = save_alloc(s, (size_t)c->n_layers * T * H);
    s->rstd1 = save_alloc(s, L * T);
    s->rstd2 = save_alloc(s, L * T);
    s->xn1 = save_alloc(s, L * T * H);
    s->xn2 = save_alloc(s, L * T * H);
    s->q = save_alloc(s, L * T * Q);
    s->att = save_alloc(s, L * T * Q);
    s->lse = save_alloc(s, L * T * c->n_heads);
    s->x_mid = save_alloc(s, L * T * H);
    s->gate = save_alloc(s, L * T * F);
    s->up = save_alloc(s, L * T * F);
    for (int m = 0; m < MOD_COUNT; m++)
        if (a && (a->targets >> m & 1)) s->lora_u[m] = save_alloc(s, L * T * a->rank);
    s->x_final = save_alloc(s, T * H);
    s->rstd_final = save_alloc(s, T);
    s->attn_scratch_per_thread = seal_attn_scratch_floats(max_len, c->head_dim);
    s->attn_scratch = save_alloc(s, s->attn_scratch_per_thread * (size_t)(n_threads > 0 ? n_threads : 1));
}

void seal_fwd_save_free(fwd_save *s) {
    free(s->x_in); free(s->rstd1); free(s->rstd2); free(s->xn1); free(s->xn2); free(s->q); free(s->att);
    free(s->lse); free(s->x_mid); free(s->gate); free(s->up); free(s->x_final); free(s->rstd_final);
    free(s->attn_scratch);
    for (int m = 0; m < MOD_COUNT; m++) free(s->lora_u[m]);
    memset(s, 0, sizeof *s);
}

/* ---- attention: one task per (token, kv head), covering its group of query heads ---- */

typedef struct {
    seal_fwd *f;
    const seal_kvcache *kv;
    int layer;
    const int *seq, *pos;
    float *lse; /* [n][n_heads] or NULL */
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
    size_t head0 = (size_t)t * c->n_heads + (size_t)kvh * group; /* the group's first query head, over all rows */
    seal_attn_decode(J->f->att + head0 * hd, J->lse ? J->lse + head0 : NULL, J->f->q + head0 * hd, k0, v0,
                     (size_t)J->kv->kv_dim, npos, hd, group, scale, scores);
}

/* Training layout: one task per (sequence, kv head), as matrix products. */
typedef struct {
    seal_fwd *f;
    const fwd_train *tr;
    const seal_kvcache *kv;
    int layer;
    float *q, *att, *lse;
} attn_seq_job;

attn_view seal_attn_view_for(const seal_fwd *f, const fwd_train *tr, const seal_kvcache *kv, int layer, int s, int kvh,
                        float *q, float *att, float *lse) {
    const seal_config *c = &f->m->cfg;
    int hd = c->head_dim, group = c->n_heads / c->n_kv_heads;
    size_t start = (size_t)tr->seq_start[s];
    attn_view v = {.L = tr->seq_len[s], .hd = hd, .group = group, .scale = (float)(1.0 / sqrt((double)hd)),
                   .q = q + (start * c->n_heads + (size_t)kvh * group) * hd, .q_stride = c->n_heads * hd,
                   .k = kv_row(kv, kv->k, layer, s, 0) + (size_t)kvh * hd, .v = kv_row(kv, kv->v, layer, s, 0) + (size_t)kvh * hd,
                   .kv_stride = kv->kv_dim, .out = att + (start * c->n_heads + (size_t)kvh * group) * hd,
                   .lse = lse + start * c->n_heads + (size_t)kvh * group, .lse_stride = c->n_heads, .vis = tr->seq_vis ? tr->seq_vis[s] : 0};
    return v;
}

static void attn_seq_task(void *ctx, int task, int thread) {
    attn_seq_job *J = ctx;
    int nkv = J->f->m->cfg.n_kv_heads;
    attn_view v = seal_attn_view_for(J->f, J->tr, J->kv, J->layer, task / nkv, task % nkv, J->q, J->att, J->lse);
    const fwd_save *s = J->tr->save;
    seal_attn_group_forward(&v, s->attn_scratch + (size_t)thread * s->attn_scratch_per_thread);
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

/* y [n][out] = x W^T + b, plus the adapter's scale * (x A^T) B^T when it
 * targets this module; u_save [n][r] keeps x A^T for the backward pass. */
static void linear(seal_fwd *f, const fwd_train *tr, int l, int mod, float *y, const float *x, const seal_mat *w,
                   const float *b, int n, float *u_save) {
    /* training takes the faster BLAS path; inference keeps the batch-invariant kernel */
    void (*mm)(seal_pool *, float *, const float *, const seal_mat *, const float *, int) = tr ? seal_matmul_fast : seal_matmul;
    mm(f->pool, y, x, w, b, n);
    if (!f->adapter) return;
    const lora_pair *p = adapter_pair(f->adapter, l, mod);
    if (!p->A) return;
    int r = f->adapter->rank;
    seal_mat A = {p->A, SEAL_F32, r, p->in}, B = {p->B, SEAL_F32, p->out, r};
    float *u = u_save ? u_save : f->lora_u;
    if (tr && tr->dropout_seed && f->adapter->dropout > 0) { /* PEFT: B(A(dropout(x))) */
        for (int t = 0; t < n; t++)
            for (int c = 0; c < p->in; c++)
                f->lora_x[(size_t)t * p->in + c] = x[(size_t)t * p->in + c] *
                    seal_lora_dropout_keep(tr->dropout_seed, l, mod, t, c, f->adapter->dropout);
        x = f->lora_x;
    }
    mm(f->pool, u, x, &A, NULL, n);
    mm(f->pool, f->lora_y, u, &B, NULL, n);
    seal_vec_axpy(y, f->adapter->scale, f->lora_y, n * p->out);
}

/* Pointers to layer l's saved activations, or scratch when not saving. */
typedef struct {
    float *xn1, *q, *att, *lse, *x_mid, *xn2, *gate, *up, *rstd1, *rstd2, *u[MOD_COUNT];
} layer_bufs;

static layer_bufs bufs_for(seal_fwd *f, const fwd_train *tr, int l) {
    const seal_config *c = &f->m->cfg;
    layer_bufs b = {.xn1 = f->xn, .q = f->q, .att = f->att, .xn2 = f->xn, .gate = f->gate, .up = f->up};
    if (!tr) return b;
    fwd_save *s = tr->save;
    size_t slot = fwd_save_slot(s, l), T = (size_t)s->cap, H = (size_t)c->hidden;
    size_t Q = (size_t)c->n_heads * c->head_dim, F = (size_t)c->ffn;
    b.xn1 = s->xn1 + slot * T * H;
    b.xn2 = s->xn2 + slot * T * H;
    b.x_mid = s->x_mid + slot * T * H;
    b.q = s->q + slot * T * Q;
    b.att = s->att + slot * T * Q;
    b.lse = s->lse + slot * T * c->n_heads;
    b.gate = s->gate + slot * T * F;
    b.up = s->up + slot * T * F;
    b.rstd1 = s->rstd1 + slot * T;
    b.rstd2 = s->rstd2 + slot * T;
    for (int m = 0; m < MOD_COUNT; m++)
        if (s->lora_u[m]) b.u[m] = s->lora_u[m] + slot * T * f->adapter->rank;
    return b;
}

static void rmsnorm_saving(float *out, float *rstd_save, const float *x, const float *w, int n, int d, float eps) {
    seal_rmsnorm_forward(out, x, w, n, d, eps);
    if (rstd_save) seal_rmsnorm_rstd(rstd_save, x, n, d, eps);
}

void seal_fwd_layer(seal_fwd *f, const fwd_train *tr, seal_kvcache *kv, int l, int n, const int *seq, const int *pos) {
    const seal_config *c = &f->m->cfg;
    const seal_layer *ly = &f->m->layers[l];
    int hd = c->head_dim, half = hd / 2;
    float eps = (float)c->rms_eps;
    layer_bufs b = bufs_for(f, tr, l);
    if (tr) memcpy(tr->save->x_in + (size_t)l * tr->save->cap * c->hidden, f->x, sizeof(float) * (size_t)n * c->hidden);

    rmsnorm_saving(b.xn1, b.rstd1, f->x, ly->attn_norm, n, c->hidden, eps);
    linear(f, tr, l, MOD_Q, b.q, b.xn1, &ly->q, ly->q_bias, n, b.u[MOD_Q]);
    linear(f, tr, l, MOD_K, f->k, b.xn1, &ly->k, ly->k_bias, n, b.u[MOD_K]);
    linear(f, tr, l, MOD_V, f->v, b.xn1, &ly->v, ly->v_bias, n, b.u[MOD_V]);
    for (int t = 0; t < n; t++) {
        const float *cs = f->rope_cos + (size_t)t * half, *sn = f->rope_sin + (size_t)t * half;
        for (int h = 0; h < c->n_heads; h++) seal_rope_rotate(b.q + ((size_t)t * c->n_heads + h) * hd, cs, sn, hd);
        for (int h = 0; h < c->n_kv_heads; h++) seal_rope_rotate(f->k + ((size_t)t * c->n_kv_heads + h) * hd, cs, sn, hd);
    }
    store_kv(f, kv, l, n, seq, pos);
    float *q_keep = f->q, *att_keep = f->att;
    f->q = b.q; f->att = b.att; /* the attention tasks read f->q and write f->att */
    if (tr) {
        attn_seq_job job = {f, tr, kv, l, b.q, b.att, b.lse};
        seal_pool_run(f->pool, tr->n_seq * c->n_kv_heads, attn_seq_task, &job);
    } else {
        attn_job job = {f, kv, l, seq, pos, b.lse};
        seal_pool_run(f->pool, n * c->n_kv_heads, attn_task, &job);
    }
    f->q = q_keep; f->att = att_keep;
    linear(f, tr, l, MOD_O, f->xn, b.att, &ly->o, ly->o_bias, n, b.u[MOD_O]);
    add_rows(f->x, f->xn, (size_t)n * c->hidden);
    if (b.x_mid) memcpy(b.x_mid, f->x, sizeof(float) * (size_t)n * c->hidden);

    rmsnorm_saving(b.xn2, b.rstd2, f->x, ly->mlp_norm, n, c->hidden, eps);
    linear(f, tr, l, MOD_GATE, b.gate, b.xn2, &ly->gate, ly->gate_bias, n, b.u[MOD_GATE]);
    linear(f, tr, l, MOD_UP, b.up, b.xn2, &ly->up, ly->up_bias, n, b.u[MOD_UP]);
    float *h = f->gate; /* silu(gate)*up; the saved pre-activations stay intact */
    seal_swiglu_forward_pool(f->pool, h, b.gate, b.up, (size_t)n * c->ffn);
    linear(f, tr, l, MOD_DOWN, f->xn, h, &ly->down, ly->down_bias, n, b.u[MOD_DOWN]);
    add_rows(f->x, f->xn, (size_t)n * c->hidden);
}

int seal_fwd_embed(seal_fwd *f, const seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos) {
    const seal_config *c = &f->m->cfg;
    if (n <= 0 || n > f->cap) return seal_err("forward: batch of %d tokens (capacity %d)", n, f->cap);
    int half = c->head_dim / 2;
    for (int t = 0; t < n; t++) {
        if (tok[t] < 0 || tok[t] >= c->vocab) return seal_err("token id %d out of range [0, %d)", tok[t], c->vocab);
        if (seq[t] < 0 || seq[t] >= kv->n_seq) return seal_err("sequence %d out of range [0, %d)", seq[t], kv->n_seq);
        if (pos[t] < 0 || pos[t] >= kv->max_len || pos[t] >= f->scores_len)
            return seal_err("position %d beyond the context of %d", pos[t], kv->max_len);
        seal_mat_row(&f->m->embed, tok[t], f->x + (size_t)t * c->hidden);
        seal_rope_angles(f->rope_cos + (size_t)t * half, f->rope_sin + (size_t)t * half, f->inv_freq, half, pos[t]);
    }
    return 0;
}

void seal_fwd_final(seal_fwd *f, const fwd_train *tr, int n, float *out) {
    const seal_config *c = &f->m->cfg;
    if (tr) {
        memcpy(tr->save->x_final, f->x, sizeof(float) * (size_t)n * c->hidden);
        seal_rmsnorm_rstd(tr->save->rstd_final, f->x, n, c->hidden, (float)c->rms_eps);
    }
    seal_rmsnorm_forward(out, f->x, f->m->final_norm, n, c->hidden, (float)c->rms_eps);
}

int seal_fwd_tokens(seal_fwd *f, seal_kvcache *kv, int n, const int *tok, const int *seq, const int *pos, float *out) {
    if (seal_fwd_embed(f, kv, n, tok, seq, pos)) return -1;
    for (int l = 0; l < f->m->cfg.n_layers; l++) seal_fwd_layer(f, NULL, kv, l, n, seq, pos);
    seal_fwd_final(f, NULL, n, out);
    for (int t = 0; t < n; t++)
        if (kv->len[seq[t]] < pos[t] + 1) kv->len[seq[t]] = pos[t] + 1;
    return 0;
}

void seal_fwd_logits(seal_fwd *f, const float *h, int n, float *logits) {
    seal_matmul(f->pool, logits, h, &f->m->lm_head, NULL, n);
}
