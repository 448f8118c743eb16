#include "train/backward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kern/matmul.h"
#include "kern/ops.h"
#include "kern/vexp.h"
#include "kern/wgrad.h"
#include "util/err.h"

/* Rows of logits alive at once in training: enough to amortize one pass over
 * the LM head (the largest matrix) per block, 128 x vocab floats. */
enum { LOGIT_ROWS = 128 };

/* ---------------------------------------------------------------- gradients */

static float *carve(float **cursor, size_t n) {
    float *p = *cursor;
    *cursor += n;
    return p;
}

static size_t full_grad_floats(const seal_model *m) {
    const seal_config *c = &m->cfg;
    size_t n = (size_t)c->vocab * c->hidden * (c->tie_embeddings ? 1 : 2) + c->hidden;
    for (int l = 0; l < c->n_layers; l++) {
        const seal_layer *ly = &m->layers[l];
        const float *bias[MOD_COUNT] = {ly->q_bias, ly->k_bias, ly->v_bias, ly->o_bias, ly->gate_bias, ly->up_bias, ly->down_bias};
        for (int mod = 0; mod < MOD_COUNT; mod++) {
            int in, out;
            seal_adapter_module_shape(c, mod, &in, &out);
            n += (size_t)in * out + (bias[mod] ? (size_t)out : 0);
        }
        n += 2 * (size_t)c->hidden;
    }
    return n;
}

void seal_grads_init(train_grads *g, const seal_model *m, const seal_adapter *a) {
    memset(g, 0, sizeof *g);
    const seal_config *c = &m->cfg;
    if (a) { /* LoRA: an adapter-shaped twin */
        g->n = a->n_params;
        g->store = seal_aligned_alloc(sizeof(float) * (g->n ? g->n : 1));
        g->dlora = *a;
        g->dlora.store = g->store;
        g->dlora.pairs = seal_calloc((size_t)a->n_layers * MOD_COUNT, sizeof(lora_pair));
        float *cur = g->store;
        for (int i = 0; i < a->n_layers * MOD_COUNT; i++) {
            g->dlora.pairs[i] = a->pairs[i];
            if (!a->pairs[i].A) continue;
            g->dlora.pairs[i].A = carve(&cur, (size_t)a->rank * a->pairs[i].in);
            g->dlora.pairs[i].B = carve(&cur, (size_t)a->pairs[i].out * a->rank);
        }
        seal_grads_zero(g);
        return;
    }
    g->full = 1;
    g->n = full_grad_floats(m);
    g->store = seal_aligned_alloc(sizeof(float) * g->n);
    float *cur = g->store;
    size_t LM = (size_t)c->n_layers * MOD_COUNT;
    g->dW = seal_calloc(LM, sizeof(float *));
    g->db = seal_calloc(LM, sizeof(float *));
    g->d_attn_norm = seal_calloc((size_t)c->n_layers, sizeof(float *));
    g->d_mlp_norm = seal_calloc((size_t)c->n_layers, sizeof(float *));
    g->d_embed = carve(&cur, (size_t)c->vocab * c->hidden);
    for (int l = 0; l < c->n_layers; l++) {
        const seal_layer *ly = &m->layers[l];
        const float *bias[MOD_COUNT] = {ly->q_bias, ly->k_bias, ly->v_bias, ly->o_bias, ly->gate_bias, ly->up_bias, ly->down_bias};
        g->d_attn_norm[l] = carve(&cur, (size_t)c->hidden);
        for (int mod = 0; mod < MOD_COUNT; mod++) {
            int in, out;
            seal_adapter_module_shape(c, mod, &in, &out);
            g->dW[l * MOD_COUNT + mod] = carve(&cur, (size_t)in * out);
            if (bias[mod]) g->db[l * MOD_COUNT + mod] = carve(&cur, (size_t)out);
        }
        g->d_mlp_norm[l] = carve(&cur, (size_t)c->hidden);
    }
    g->d_final_norm = carve(&cur, (size_t)c->hidden);
    g->d_lm_head = c->tie_embeddings ? g->d_embed : carve(&cur, (size_t)c->vocab * c->hidden);
    seal_grads_zero(g);
}

void seal_grads_zero(train_grads *g) { memset(g->store, 0, sizeof(float) * g->n); }

void seal_grads_free(train_grads *g) {
    free(g->store);
    free(g->dW);
    free(g->db);
    free(g->d_attn_norm);
    free(g->d_mlp_norm);
    free(g->dlora.pairs);
    memset(g, 0, sizeof *g);
}

/* ---------------------------------------------------------------- context */

static int max3(int a, int b, int c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

int seal_train_ctx_init(train_ctx *tc, const seal_model *m, seal_pool *pool, const seal_adapter *a, int cap, int n_seq,
                   int max_len, int recompute) {
    memset(tc, 0, sizeof *tc);
    const seal_config *c = &m->cfg;
    tc->m = m;
    tc->pool = pool;
    tc->cap = cap;
    if (seal_fwd_init(&tc->f, m, pool, cap, max_len) || seal_kv_init(&tc->kv, c, n_seq, max_len)) return -1;
    seal_fwd_set_adapter(&tc->f, a);
    seal_fwd_save_init(&tc->save, c, a, cap, recompute, max_len, pool ? seal_pool_threads(pool) : 1);
    size_t T = (size_t)cap, H = (size_t)c->hidden, Q = (size_t)c->n_heads * c->head_dim;
    size_t KV = (size_t)c->n_kv_heads * c->head_dim, F = (size_t)c->ffn;
    size_t wide = (size_t)max3(c->hidden, (int)Q, c->ffn);
    tc->dx = seal_aligned_alloc(sizeof(float) * T * H);
    tc->dxn = seal_aligned_alloc(sizeof(float) * T * H);
    tc->hidden = seal_aligned_alloc(sizeof(float) * T * H);
    tc->dq = seal_aligned_alloc(sizeof(float) * T * Q);
    tc->datt = seal_aligned_alloc(sizeof(float) * T * Q);
    tc->dk = seal_aligned_alloc(sizeof(float) * T * KV);
    tc->dv = seal_aligned_alloc(sizeof(float) * T * KV);
    tc->dh = seal_aligned_alloc(sizeof(float) * T * F);
    tc->dgate = seal_aligned_alloc(sizeof(float) * T * F);
    tc->dup = seal_aligned_alloc(sizeof(float) * T * F);
    tc->h = seal_aligned_alloc(sizeof(float) * T * F);
    tc->tmp = seal_aligned_alloc(sizeof(float) * T * wide);
    tc->du = seal_aligned_alloc(sizeof(float) * T * (a ? (size_t)a->rank : 1));
    tc->logits = seal_aligned_alloc(sizeof(float) * LOGIT_ROWS * (size_t)c->vocab);
    tc->head_h = seal_aligned_alloc(sizeof(float) * LOGIT_ROWS * H);
    tc->head_d = seal_aligned_alloc(sizeof(float) * LOGIT_ROWS * H);
    return 0;
}

size_t seal_train_ctx_bytes(const train_ctx *tc) {
    const seal_config *c = &tc->m->cfg;
    size_t T = (size_t)tc->cap, Q = (size_t)c->n_heads * c->head_dim, KV = (size_t)c->n_kv_heads * c->head_dim;
    size_t wide = (size_t)max3(c->hidden, (int)Q, c->ffn);
    size_t scratch = T * (3 * (size_t)c->hidden + 2 * Q + 2 * KV + 4 * (size_t)c->ffn + wide) * sizeof(float);
    return tc->save.bytes + scratch + seal_kv_bytes(c, tc->kv.n_seq, tc->kv.max_len) +
           seal_fwd_bytes(c, tc->cap, tc->kv.max_len, tc->pool ? seal_pool_threads(tc->pool) : 1);
}

void seal_train_ctx_free(train_ctx *tc) {
    seal_fwd_save_free(&tc->save);
    seal_fwd_free(&tc->f);
    seal_kv_free(&tc->kv);
    free(tc->dx); free(tc->dxn); free(tc->hidden); free(tc->dq); free(tc->datt); free(tc->dk); free(tc->dv);
    free(tc->dh); free(tc->dgate); free(tc->dup); free(tc->h); free(tc->tmp); free(tc->du); free(tc->logits);
    free(tc->head_h); free(tc->head_d);
    memset(tc, 0, sizeof *tc);
}

/* ---------------------------------------------------------------- pieces */

static void add_rows(float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* Backward of forward.c's linear(): dx_out [n][in] = (or +=) dy W, plus the
 * LoRA branch y += s B (A drop(x)), and the parameter gradients. */
static void linear_back(train_ctx *tc, train_grads *g, int l, int mod, const seal_mat *w, const float *x,
                        const float *u_saved, const float *dy, float *dx_out, int accumulate, int n,
                        unsigned long long dseed) {
    seal_pool *pool = tc->pool;
    int in = w->cols, out = w->rows;
    seal_matmul_t_fast(pool, accumulate ? tc->tmp : dx_out, dy, w, n);
    if (accumulate) add_rows(dx_out, tc->tmp, (size_t)n * in);
    if (g->full) {
        seal_wgrad(pool, g->dW[l * MOD_COUNT + mod], dy, x, n, out, in, 1.0f);
        if (g->db[l * MOD_COUNT + mod]) seal_bias_grad(g->db[l * MOD_COUNT + mod], dy, n, out);
    }
    const seal_adapter *a = tc->f.adapter;
    if (!a || !adapter_pair(a, l, mod)->A) return;
    const lora_pair *p = adapter_pair(a, l, mod);
    lora_pair *dp = adapter_pair_mut(&g->dlora, l, mod);
    int r = a->rank;
    float s = a->scale;
    seal_mat A = {p->A, SEAL_F32, r, in}, B = {p->B, SEAL_F32, out, r};
    seal_wgrad(pool, dp->B, dy, u_saved, n, out, r, s); /* dB += s dy^T u */
    seal_matmul_t_fast(pool, tc->du, dy, &B, n);        /* du = s dy B */
    for (size_t i = 0; i < (size_t)n * r; i++) tc->du[i] *= s;
    int drop = dseed && a->dropout > 0;
    const float *xa = x;
    if (drop) { /* the dropped-out input A saw, regenerated from the mask hash */
        for (int t = 0; t < n; t++)
            for (int c = 0; c < in; c++)
                tc->tmp[(size_t)t * in + c] = x[(size_t)t * in + c] * seal_lora_dropout_keep(dseed, l, mod, t, c, a->dropout);
        xa = tc->tmp;
    }
    seal_wgrad(pool, dp->A, tc->du, xa, n, r, in, 1.0f); /* dA += du^T drop(x) */
    seal_matmul_t_fast(pool, tc->tmp, tc->du, &A, n);     /* d drop(x) = du A */
    if (drop)
        for (int t = 0; t < n; t++)
            for (int c = 0; c < in; c++) tc->tmp[(size_t)t * in + c] *= seal_lora_dropout_keep(dseed, l, mod, t, c, a->dropout);
    add_rows(dx_out, tc->tmp, (size_t)n * in);
}

/* Attention backward, one task per (sequence, kv head): kern/attention.h
 * recomputes the scores from q, K and the saved log-sum-exp. */
typedef struct {
    train_ctx *tc;
    const fwd_train *tr;
    int layer;
    float *q, *att, *lse;
} attn_back_job;

static void attn_back_task(void *ctx, int task, int thread) {
    attn_back_job *J = ctx;
    train_ctx *tc = J->tc;
    const seal_config *c = &tc->m->cfg;
    int nkv = c->n_kv_heads, hd = c->head_dim, s = task / nkv, kvh = task % nkv;
    attn_view v = seal_attn_view_for(&tc->f, J->tr, &tc->kv, J->layer, s, kvh, J->q, J->att, J->lse);
    size_t start = (size_t)J->tr->seq_start[s], qoff = (start * c->n_heads + (size_t)kvh * v.group) * hd;
    size_t kvoff = (start * nkv + (size_t)kvh) * hd;
    seal_attn_group_backward(&v, tc->datt + qoff, tc->dq + qoff, tc->dk + kvoff, tc->dv + kvoff, nkv * hd,
                        tc->save.attn_scratch + (size_t)thread * tc->save.attn_scratch_per_thread);
}

/* ---------------------------------------------------------------- layers */

typedef struct {
    const float *x_in, *rstd1, *xn1, *q, *att, *lse, *x_mid, *rstd2, *xn2, *gate, *up, *u[MOD_COUNT];
} saved_layer;

static saved_layer saved_for(train_ctx *tc, int l) {
    const seal_config *c = &tc->m->cfg;
    const fwd_save *s = &tc->save;
    size_t slot = fwd_save_slot(s, l), T = (size_t)s->cap, H = (size_t)c->hidden;
    size_t Q = (size_t)c->n_heads * c->head_dim, F = (size_t)c->ffn;
    saved_layer v = {
        .x_in = s->x_in + (size_t)l * T * H, .rstd1 = s->rstd1 + slot * T, .xn1 = s->xn1 + slot * T * H,
        .q = s->q + slot * T * Q, .att = s->att + slot * T * Q, .lse = s->lse + slot * T * c->n_heads,
        .x_mid = s->x_mid + slot * T * H, .rstd2 = s->rstd2 + slot * T, .xn2 = s->xn2 + slot * T * H,
        .gate = s->gate + slot * T * F, .up = s->up + slot * T * F};
    for (int m = 0; m < MOD_COUNT; m++)
        if (s->lora_u[m]) v.u[m] = s->lora_u[m] + slot * T * tc->f.adapter->rank;
    return v;
}

/* tc->dx holds dL/d(layer output); leaves dL/d(layer input). */
static void layer_backward(train_ctx *tc, const fwd_train *tr, train_grads *g, const train_batch *b, int l) {
    unsigned long long dseed = tr->dropout_seed;
    const seal_config *c = &tc->m->cfg;
    const seal_layer *ly = &tc->m->layers[l];
    saved_layer sv = saved_for(tc, l);
    int n = b->n, hd = c->head_dim, half = hd / 2;
    size_t F = (size_t)c->ffn;

    /* MLP: x_out = x_mid + down(silu(gate(xn2)) * up(xn2)) */
    seal_swiglu_forward_pool(tc->pool, tc->h, sv.gate, sv.up, n * F);
    linear_back(tc, g, l, MOD_DOWN, &ly->down, tc->h, sv.u[MOD_DOWN], tc->dx, tc->dh, 0, n, dseed);
    seal_swiglu_backward_pool(tc->pool, tc->dgate, tc->dup, tc->dh, sv.gate, sv.up, n * F);
    linear_back(tc, g, l, MOD_GATE, &ly->gate, sv.xn2, sv.u[MOD_GATE], tc->dgate, tc->dxn, 0, n, dseed);
    linear_back(tc, g, l, MOD_UP, &ly->up, sv.xn2, sv.u[MOD_UP], tc->dup, tc->dxn, 1, n, dseed);
    seal_rmsnorm_backward(tc->dx, g->full ? g->d_mlp_norm[l] : NULL, tc->dxn, sv.x_mid, ly->mlp_norm, sv.rstd2, n, c->hidden);

    /* attention: x_mid = x_in + o(attn(rope(q(xn1)), rope(k(xn1)), v(xn1))) */
    linear_back(tc, g, l, MOD_O, &ly->o, sv.att, sv.u[MOD_O], tc->dx, tc->datt, 0, n, dseed);
    attn_back_job job = {tc, tr, l, (float *)sv.q, (float *)sv.att, (float *)sv.lse};
    seal_pool_run(tc->pool, b->n_seq * c->n_kv_heads, attn_back_task, &job);
    for (int t = 0; t < n; t++) {
        const float *cs = tc->f.rope_cos + (size_t)t * half, *sn = tc->f.rope_sin + (size_t)t * half;
        for (int h = 0; h < c->n_heads; h++) seal_rope_rotate_back(tc->dq + ((size_t)t * c->n_heads + h) * hd, cs, sn, hd);
        for (int h = 0; h < c->n_kv_heads; h++) seal_rope_rotate_back(tc->dk + ((size_t)t * c->n_kv_heads + h) * hd, cs, sn, hd);
    }
    linear_back(tc, g, l, MOD_Q, &ly->q, sv.xn1, sv.u[MOD_Q], tc->dq, tc->dxn, 0, n, dseed);
    linear_back(tc, g, l, MOD_K, &ly->k, sv.xn1, sv.u[MOD_K], tc->dk, tc->dxn, 1, n, dseed);
    linear_back(tc, g, l, MOD_V, &ly->v, sv.xn1, sv.u[MOD_V], tc->dv, tc->dxn, 1, n, dseed);
    seal_rmsnorm_backward(tc->dx, g->full ? g->d_attn_norm[l] : NULL, tc->dxn, sv.x_in, ly->attn_norm, sv.rstd1, n, c->hidden);
}

/* Softmax cross-entropy of logit rows, one task per row: nll[i], and the
 * row replaced by w * (softmax - onehot(target)) = dL/dlogits. */
typedef struct { float *logits; const int *rows; const train_batch *b; int V; double *nll; } ce_job;

static void ce_row_task(void *ctx, int i, int thread) {
    (void)thread;
    const ce_job *j = ctx;
    float *row = j->logits + (size_t)i * j->V, w = j->b->weight[j->rows[i]];
    int target = j->b->tok[j->rows[i] + 1], V = j->V;
    float mx = seal_max_f32(row, V), tl = row[target];
    float sum = seal_exp_shift_sum(row, V, mx); /* one exp per logit */
    j->nll[i] = mx + log(sum) - tl;
    float scale = (float)(w / sum);
    for (int v = 0; v < V; v++) row[v] *= scale;
    row[target] -= w;
}

/* LM head and cross-entropy over the weighted rows only (a masked prompt
 * costs no logits), LOGIT_ROWS at a time: loss, and dL/d(final normed hidden)
 * into tc->dxn (zero on unweighted rows). */
static void head_rows(train_ctx *tc, train_grads *g, const train_batch *b, const int *rows, int k, double *loss,
                      double *nll_sum) {
    const seal_config *c = &tc->m->cfg;
    int V = c->vocab, H = c->hidden;
    float *hrows = tc->head_h, *drows = tc->head_d;
    double nll[LOGIT_ROWS];
    for (int i = 0; i < k; i++) memcpy(hrows + (size_t)i * H, tc->hidden + (size_t)rows[i] * H, sizeof(float) * H);
    seal_matmul_fast(tc->pool, tc->logits, hrows, &tc->m->lm_head, NULL, k);
    ce_job job = {tc->logits, rows, b, V, nll};
    seal_pool_run(tc->pool, k, ce_row_task, &job);
    for (int i = 0; i < k; i++) { /* summed in row order: independent of the threads */
        *loss += b->weight[rows[i]] * nll[i];
        *nll_sum += nll[i];
    }
    seal_matmul_t_fast(tc->pool, drows, tc->logits, &tc->m->lm_head, k);
    for (int i = 0; i < k; i++) memcpy(tc->dxn + (size_t)rows[i] * H, drows + (size_t)i * H, sizeof(float) * H);
    if (g->full) seal_wgrad(tc->pool, g->d_lm_head, tc->logits, hrows, k, V, H, 1.0f);
}

static void head_backward(train_ctx *tc, train_grads *g, const train_batch *b, double *loss, double *nll_sum) {
    int rows[LOGIT_ROWS], k = 0;
    memset(tc->dxn, 0, sizeof(float) * (size_t)b->n * tc->m->cfg.hidden);
    for (int t = 0; t < b->n; t++) {
        if (b->weight[t] != 0.0f) rows[k++] = t;
        if (k == LOGIT_ROWS || (t == b->n - 1 && k > 0)) {
            head_rows(tc, g, b, rows, k, loss, nll_sum);
            k = 0;
        }
    }
}

static int check_batch(const train_ctx *tc, const train_batch *b) {
    if (b->n <= 0 || b->n > tc->cap) return seal_err("training batch of %d tokens (capacity %d)", b->n, tc->cap);
    if (b->n_seq <= 0 || b->n_seq > tc->kv.n_seq) return seal_err("training batch of %d sequences (capacity %d)", b->n_seq, tc->kv.n_seq);
    for (int s = 0; s < b->n_seq; s++) {
        if (b->len[s] > tc->kv.max_len) return seal_err("sequence of %d tokens (capacity %d)", b->len[s], tc->kv.max_len);
        for (int i = 0; i < b->len[s]; i++) {
            int t = b->start[s] + i;
            if (t >= b->n || b->seq[t] != s || b->pos[t] != i) return seal_err("malformed training batch at token %d", t);
            if (i == b->len[s] - 1 && b->weight[t] != 0.0f) return seal_err("training batch: loss weight on a sequence's last token");
        }
        if (b->vis && (b->vis[s] < 1 || b->vis[s] > b->len[s]))
            return seal_err("training batch: %d visible keys in a sequence of %d tokens", b->vis[s], b->len[s]);
    }
    return 0;
}

/* The training context of the forward over batch b: the same path (BLAS,
 * per-sequence attention, saving) for the step and for the loss-only pass. */
static fwd_train train_pass(train_ctx *tc, const train_batch *b, unsigned long long dseed) {
    return (fwd_train){.save = &tc->save, .dropout_seed = dseed, .seq_start = b->start, .seq_len = b->len,
                       .seq_vis = b->vis, .n_seq = b->n_seq};
}

int seal_train_step_grads(train_ctx *tc, const train_batch *b, train_grads *g, unsigned long long dseed, double *loss,
                     double *nll_sum) {
    const seal_config *c = &tc->m->cfg;
    if (check_batch(tc, b)) return -1;
    *loss = *nll_sum = 0;
    seal_fwd *f = &tc->f;
    fwd_train tr = train_pass(tc, b, dseed);
    if (seal_fwd_embed(f, &tc->kv, b->n, b->tok, b->seq, b->pos)) return -1;
    for (int l = 0; l < c->n_layers; l++) seal_fwd_layer(f, &tr, &tc->kv, l, b->n, b->seq, b->pos);
    seal_fwd_final(f, &tr, b->n, tc->hidden);

    head_backward(tc, g, b, loss, nll_sum);
    memset(tc->dx, 0, sizeof(float) * (size_t)b->n * c->hidden);
    seal_rmsnorm_backward(tc->dx, g->full ? g->d_final_norm : NULL, tc->dxn, tc->save.x_final, tc->m->final_norm,
                     tc->save.rstd_final, b->n, c->hidden);
    for (int l = c->n_layers - 1; l >= 0; l--) {
        if (tc->save.recompute) { /* run layer l again from its saved input */
            memcpy(f->x, tc->save.x_in + (size_t)l * tc->save.cap * c->hidden, sizeof(float) * (size_t)b->n * c->hidden);
            seal_fwd_layer(f, &tr, &tc->kv, l, b->n, b->seq, b->pos);
        }
        layer_backward(tc, &tr, g, b, l);
    }
    if (g->full)
        for (int t = 0; t < b->n; t++)
            seal_vec_axpy(g->d_embed + (size_t)b->tok[t] * c->hidden, 1.0f, tc->dx + (size_t)t * c->hidden, c->hidden);
    return 0;
}

int seal_train_forward_loss(train_ctx *tc, const train_batch *b, double *nll_sum, long *count) {
    const seal_config *c = &tc->m->cfg;
    if (check_batch(tc, b)) return -1;
    seal_fwd *f = &tc->f;
    fwd_train tr = train_pass(tc, b, 0);
    if (seal_fwd_embed(f, &tc->kv, b->n, b->tok, b->seq, b->pos)) return -1;
    for (int l = 0; l < c->n_layers; l++) seal_fwd_layer(f, &tr, &tc->kv, l, b->n, b->seq, b->pos);
    seal_fwd_final(f, &tr, b->n, tc->hidden);
    int V = c->vocab, rows[LOGIT_ROWS], k = 0;
    for (int t = 0; t < b->n; t++) {
        if (b->weight[t] != 0.0f) rows[k++] = t;
        if (k == LOGIT_ROWS || (t == b->n - 1 && k > 0)) {
            for (int i = 0; i < k; i++)
                memcpy(tc->head_h + (size_t)i * c->hidden, tc->hidden + (size_t)rows[i] * c->hidden, sizeof(float) * c->hidden);
            seal_fwd_logits(f, tc->head_h, k, tc->logits);
            for (int i = 0; i < k; i++) *nll_sum -= seal_log_softmax_at(tc->logits + (size_t)i * V, V, b->tok[rows[i] + 1]);
            *count += k;
            k = 0;
        }
    }
    return 0;
}
