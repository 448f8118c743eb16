#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Bookkeeping for the load: which tensors were consumed, so that leftovers
 * (an unknown architecture option) can be reported. */
typedef struct {
    seal_model *m;
    const char *dir;
    char *used;    /* per tensor in st_set order: flattened over files */
    size_t n_used;
    float *small_cursor;
} loader;

static size_t tensor_index(const seal_model *m, const st_tensor *t) {
    size_t base = 0;
    for (int f = 0; f < m->weights.n_files; f++) {
        const st_file *sf = &m->weights.files[f];
        if (t >= sf->tensors && t < sf->tensors + sf->n_tensors) return base + (size_t)(t - sf->tensors);
        base += (size_t)sf->n_tensors;
    }
    return (size_t)-1;
}

static const st_tensor *need(loader *L, const char *name, int ndim, int64_t d0, int64_t d1) {
    const st_tensor *t = seal_st_find(&L->m->weights, name);
    if (!t) { seal_err("%s: missing tensor %s", L->dir, name); return NULL; }
    int ok = t->ndim == ndim && t->shape[0] == d0 && (ndim == 1 || t->shape[1] == d1);
    if (!ok) {
        char got[128] = "[", want[64];
        for (int i = 0; i < t->ndim; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? ", " : "", (long long)t->shape[i]);
        snprintf(got + strlen(got), sizeof got - strlen(got), "]");
        if (ndim == 1) snprintf(want, sizeof want, "[%lld]", (long long)d0);
        else snprintf(want, sizeof want, "[%lld, %lld]", (long long)d0, (long long)d1);
        seal_err("%s: tensor %s has shape %s, expected %s", L->dir, name, got, want);
        return NULL;
    }
    if (t->dtype != SEAL_F32 && t->dtype != SEAL_BF16 && t->dtype != SEAL_F16) {
        seal_err("%s: tensor %s has dtype %s (supported: F32, BF16, F16)", L->dir, name, seal_dtype_name(t->dtype));
        return NULL;
    }
    size_t i = tensor_index(L->m, t);
    if (i < L->n_used) L->used[i] = 1;
    return t;
}

static int load_mat(loader *L, seal_mat *out, const char *name, int rows, int cols) {
    const st_tensor *t = need(L, name, 2, rows, cols);
    if (!t) return -1;
    out->data = t->data;
    out->dtype = t->dtype;
    out->rows = rows;
    out->cols = cols;
    L->m->n_params += (long long)rows * cols;
    return 0;
}

static int load_vec(loader *L, float **out, const char *name, int n) {
    const st_tensor *t = need(L, name, 1, n, 0);
    if (!t) return -1;
    *out = L->small_cursor;
    L->small_cursor += n;
    seal_to_f32(*out, t->data, t->dtype, (size_t)n);
    L->m->n_params += n;
    return 0;
}

static int load_opt_vec(loader *L, float **out, const char *name, int n, int present) {
    *out = NULL;
    return present ? load_vec(L, out, name, n) : 0;
}

static size_t small_floats(const seal_config *c) {
    size_t q = (size_t)c->n_heads * c->head_dim, kv = (size_t)c->n_kv_heads * c->head_dim;
    size_t per_layer = 2 * (size_t)c->hidden + (c->qkv_bias ? q + 2 * kv : 0) + (c->o_bias ? c->hidden : 0) +
                       (c->mlp_bias ? 2 * (size_t)c->ffn + c->hidden : 0);
    return per_layer * c->n_layers + c->hidden;
}

static int load_layer(loader *L, int i) {
    const seal_config *c = &L->m->cfg;
    seal_layer *ly = &L->m->layers[i];
    int q = c->n_heads * c->head_dim, kv = c->n_kv_heads * c->head_dim;
    char n[256];
#define NAME(suffix) (snprintf(n, sizeof n, "model.layers.%d.%s", i, suffix), n)
    if (load_vec(L, &ly->attn_norm, NAME("input_layernorm.weight"), c->hidden) ||
        load_mat(L, &ly->q, NAME("self_attn.q_proj.weight"), q, c->hidden) ||
        load_mat(L, &ly->k, NAME("self_attn.k_proj.weight"), kv, c->hidden) ||
        load_mat(L, &ly->v, NAME("self_attn.v_proj.weight"), kv, c->hidden) ||
        load_mat(L, &ly->o, NAME("self_attn.o_proj.weight"), c->hidden, q) ||
        load_opt_vec(L, &ly->q_bias, NAME("self_attn.q_proj.bias"), q, c->qkv_bias) ||
        load_opt_vec(L, &ly->k_bias, NAME("self_attn.k_proj.bias"), kv, c->qkv_bias) ||
        load_opt_vec(L, &ly->v_bias, NAME("self_attn.v_proj.bias"), kv, c->qkv_bias) ||
        load_opt_vec(L, &ly->o_bias, NAME("self_attn.o_proj.bias"), c->hidden, c->o_bias) ||
        load_vec(L, &ly->mlp_norm, NAME("post_attention_layernorm.weight"), c->hidden) ||
        load_mat(L, &ly->gate, NAME("mlp.gate_proj.weight"), c->ffn, c->hidden) ||
        load_mat(L, &ly->up, NAME("mlp.up_proj.weight"), c->ffn, c->hidden) ||
        load_mat(L, &ly->down, NAME("mlp.down_proj.weight"), c->hidden, c->ffn) ||
        load_opt_vec(L, &ly->gate_bias, NAME("mlp.gate_proj.bias"), c->ffn, c->mlp_bias) ||
        load_opt_vec(L, &ly->up_bias, NAME("mlp.up_proj.bias"), c->ffn, c->mlp_bias) ||
        load_opt_vec(L, &ly->down_bias, NAME("mlp.down_proj.bias"), c->hidden, c->mlp_bias))
        return -1;
#undef NAME
    return 0;
}

/* Tensors nobody consumed mean the checkpoint has parts we would ignore. */
static int check_leftovers(loader *L) {
    size_t idx = 0;
    for (int f = 0; f < L->m->weights.n_files; f++) {
        const st_file *sf = &L->m->weights.files[f];
        for (int t = 0; t < sf->n_tensors; t++, idx++) {
            const char *name = sf->tensors[t].name;
            if (L->used[idx] || strstr(name, "rotary_emb.inv_freq")) continue;
            if (L->m->cfg.tie_embeddings && strcmp(name, "lm_head.weight") == 0) continue; /* some tied checkpoints keep a copy */
            return seal_err("%s: unexpected tensor %s in %s (an option this engine does not implement)", L->dir, name,
                            sf->path);
        }
    }
    return 0;
}

int seal_model_load(seal_model *m, const char *dir) {
    memset(m, 0, sizeof *m);
    if (seal_config_load(&m->cfg, dir)) return -1;
    if (seal_st_open_dir(&m->weights, dir)) return -1;
    const seal_config *c = &m->cfg;
    loader L = {.m = m, .dir = dir};
    for (int f = 0; f < m->weights.n_files; f++) L.n_used += (size_t)m->weights.files[f].n_tensors;
    L.used = seal_calloc(L.n_used ? L.n_used : 1, 1);
    m->small = seal_aligned_alloc(small_floats(c) * sizeof(float));
    L.small_cursor = m->small;
    m->layers = seal_calloc((size_t)c->n_layers, sizeof *m->layers);
    m->dir = seal_strdup(dir);

    int rc = load_mat(&L, &m->embed, "model.embed_tokens.weight", c->vocab, c->hidden);
    for (int i = 0; rc == 0 && i < c->n_layers; i++) rc = load_layer(&L, i);
    if (rc == 0) rc = load_vec(&L, &m->final_norm, "model.norm.weight", c->hidden);
    if (rc == 0) {
        if (c->tie_embeddings) m->lm_head = m->embed;
        else rc = load_mat(&L, &m->lm_head, "lm_head.weight", c->vocab, c->hidden);
    }
    if (rc == 0) rc = check_leftovers(&L);
    m->dtype = m->embed.dtype;
    free(L.used);
    if (rc) seal_model_free(m);
    return rc;
}

seal_mat *seal_layer_mat(seal_layer *l, int i) {
    seal_mat *mats[7] = {&l->q, &l->k, &l->v, &l->o, &l->gate, &l->up, &l->down};
    return mats[i];
}

void seal_model_each_mat(seal_model *m, model_mat_fn fn, void *ctx) {
    static const char *names[7] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                   "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
    char n[256];
    fn(ctx, "model.embed_tokens.weight", &m->embed);
    for (int l = 0; l < m->cfg.n_layers; l++) {
        for (int i = 0; i < 7; i++) {
            snprintf(n, sizeof n, "model.layers.%d.%s.weight", l, names[i]);
            fn(ctx, n, seal_layer_mat(&m->layers[l], i));
        }
    }
    if (!m->cfg.tie_embeddings) fn(ctx, "lm_head.weight", &m->lm_head);
}

typedef struct { float *cursor; size_t total; } f32_ctx;

static void count_mat(void *ctx, const char *name, seal_mat *w) {
    (void)name;
    ((f32_ctx *)ctx)->total += (size_t)w->rows * w->cols;
}

static void copy_mat(void *ctx, const char *name, seal_mat *w) {
    (void)name;
    f32_ctx *c = ctx;
    size_t n = (size_t)w->rows * w->cols;
    seal_to_f32(c->cursor, w->data, w->dtype, n);
    w->data = c->cursor;
    w->dtype = SEAL_F32;
    c->cursor += n;
}

void seal_model_to_f32(seal_model *m) {
    if (m->owned) return;
    f32_ctx c = {0};
    seal_model_each_mat(m, count_mat, &c);
    m->owned = seal_aligned_alloc(sizeof(float) * c.total);
    c.cursor = m->owned;
    seal_model_each_mat(m, copy_mat, &c);
    if (m->cfg.tie_embeddings) m->lm_head = m->embed;
}

void seal_model_clone_f32(seal_model *dst, const seal_model *src) {
    memset(dst, 0, sizeof *dst);
    dst->cfg = src->cfg;
    dst->dtype = SEAL_F32;
    dst->n_params = src->n_params;
    dst->dir = seal_strdup(src->dir ? src->dir : "");
    size_t nsmall = small_floats(&src->cfg);
    dst->small = seal_aligned_alloc(sizeof(float) * nsmall);
    memcpy(dst->small, src->small, sizeof(float) * nsmall);
    dst->layers = seal_calloc((size_t)src->cfg.n_layers, sizeof *dst->layers);
    memcpy(dst->layers, src->layers, sizeof *dst->layers * (size_t)src->cfg.n_layers);
    dst->embed = src->embed;
    dst->lm_head = src->lm_head;
    /* re-point the small vectors into dst->small */
#define REBASE(p) ((p) ? dst->small + ((p) - src->small) : NULL)
    dst->final_norm = REBASE(src->final_norm);
    for (int l = 0; l < src->cfg.n_layers; l++) {
        seal_layer *d = &dst->layers[l];
        const seal_layer *s = &src->layers[l];
        d->attn_norm = REBASE(s->attn_norm); d->mlp_norm = REBASE(s->mlp_norm);
        d->q_bias = REBASE(s->q_bias); d->k_bias = REBASE(s->k_bias); d->v_bias = REBASE(s->v_bias); d->o_bias = REBASE(s->o_bias);
        d->gate_bias = REBASE(s->gate_bias); d->up_bias = REBASE(s->up_bias); d->down_bias = REBASE(s->down_bias);
    }
#undef REBASE
    seal_model_to_f32(dst); /* copies every matrix (from src's mapping or buffer) into dst->owned */
}

void seal_model_free(seal_model *m) {
    seal_st_close_set(&m->weights);
    free(m->owned);
    free(m->small);
    free(m->layers);
    free(m->dir);
    memset(m, 0, sizeof *m);
}
