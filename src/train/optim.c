#include "train/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "util/err.h"

static void add_param(param_list *pl, int *cap, const char *name, float *w, float *g, int rows, int cols, int decay) {
    size_t n = (size_t)rows * (cols ? cols : 1);
    if (!w || !g || !n) return;
    if (pl->n == *cap) pl->p = seal_realloc(pl->p, sizeof(train_param) * (size_t)(*cap = *cap ? *cap * 2 : 64));
    train_param *p = &pl->p[pl->n++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->w = w;
    p->g = g;
    p->n = n;
    p->rows = rows;
    p->cols = cols;
    p->decay = decay;
    pl->total += n;
}

static const char *module_path(int mod) {
    static const char *paths[MOD_COUNT] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
    return paths[mod];
}

static void build_lora(param_list *pl, int *cap, seal_adapter *a, train_grads *g) {
    char name[128];
    for (int l = 0; l < a->n_layers; l++)
        for (int mod = 0; mod < MOD_COUNT; mod++) {
            lora_pair *p = adapter_pair_mut(a, l, mod), *dp = adapter_pair_mut(&g->dlora, l, mod);
            if (!p->A) continue;
            snprintf(name, sizeof name, "base_model.model.model.layers.%d.%s.lora_A.weight", l, module_path(mod));
            add_param(pl, cap, name, p->A, dp->A, a->rank, p->in, 1);
            snprintf(name, sizeof name, "base_model.model.model.layers.%d.%s.lora_B.weight", l, module_path(mod));
            add_param(pl, cap, name, p->B, dp->B, p->out, a->rank, 1);
        }
}

static void build_full(param_list *pl, int *cap, seal_model *m, train_grads *g) {
    const seal_config *c = &m->cfg;
    char name[128];
    add_param(pl, cap, "model.embed_tokens.weight", (float *)m->embed.data, g->d_embed, c->vocab, c->hidden, 1);
    for (int l = 0; l < c->n_layers; l++) {
        seal_layer *ly = &m->layers[l];
        seal_mat *mats[MOD_COUNT] = {&ly->q, &ly->k, &ly->v, &ly->o, &ly->gate, &ly->up, &ly->down};
        float *bias[MOD_COUNT] = {ly->q_bias, ly->k_bias, ly->v_bias, ly->o_bias, ly->gate_bias, ly->up_bias, ly->down_bias};
        snprintf(name, sizeof name, "model.layers.%d.input_layernorm.weight", l);
        add_param(pl, cap, name, ly->attn_norm, g->d_attn_norm[l], c->hidden, 0, 0);
        for (int mod = 0; mod < MOD_COUNT; mod++) {
            snprintf(name, sizeof name, "model.layers.%d.%s.weight", l, module_path(mod));
            add_param(pl, cap, name, (float *)mats[mod]->data, g->dW[l * MOD_COUNT + mod], mats[mod]->rows,
                      mats[mod]->cols, 1);
            snprintf(name, sizeof name, "model.layers.%d.%s.bias", l, module_path(mod));
            add_param(pl, cap, name, bias[mod], g->db[l * MOD_COUNT + mod], mats[mod]->rows, 0, 0);
        }
        snprintf(name, sizeof name, "model.layers.%d.post_attention_layernorm.weight", l);
        add_param(pl, cap, name, ly->mlp_norm, g->d_mlp_norm[l], c->hidden, 0, 0);
    }
    add_param(pl, cap, "model.norm.weight", m->final_norm, g->d_final_norm, c->hidden, 0, 0);
    if (!c->tie_embeddings)
        add_param(pl, cap, "lm_head.weight", (float *)m->lm_head.data, g->d_lm_head, c->vocab, c->hidden, 1);
}

void seal_params_build(param_list *pl, seal_model *m, seal_adapter *a, train_grads *g) {
    memset(pl, 0, sizeof *pl);
    int cap = 0;
    if (a) build_lora(pl, &cap, a, g);
    else build_full(pl, &cap, m, g);
}

void seal_params_free(param_list *pl) {
    free(pl->p);
    memset(pl, 0, sizeof *pl);
}

int seal_sched_parse(const char *name, sched_kind *k) {
    if (!strcmp(name, "constant")) *k = SCHED_CONSTANT;
    else if (!strcmp(name, "linear")) *k = SCHED_LINEAR;
    else if (!strcmp(name, "cosine")) *k = SCHED_COSINE;
    else return seal_err("unknown schedule \"%s\" (constant, linear, cosine)", name);
    return 0;
}

const char *seal_sched_name(sched_kind k) { return k == SCHED_CONSTANT ? "constant" : k == SCHED_LINEAR ? "linear" : "cosine"; }

double seal_sched_factor(sched_kind k, long step, long total, long warmup) {
    if (step < warmup) return (double)step / (double)(warmup > 1 ? warmup : 1);
    if (k == SCHED_CONSTANT) return 1.0;
    double span = (double)(total - warmup > 1 ? total - warmup : 1);
    if (k == SCHED_LINEAR) return fmax(0.0, (double)(total - step) / span);
    double progress = (double)(step - warmup) / span;
    return fmax(0.0, 0.5 * (1.0 + cos(M_PI * progress)));
}

void seal_adamw_init(adamw *o, const param_list *pl, adamw_hparams h) {
    o->h = h;
    o->t = 0;
    o->m = seal_calloc(pl->total ? pl->total : 1, sizeof(float));
    o->v = seal_calloc(pl->total ? pl->total : 1, sizeof(float));
}

void seal_adamw_free(adamw *o) {
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

void seal_adamw_step(adamw *o, const param_list *pl, double lr) {
    o->t++;
    double b1 = o->h.beta1, b2 = o->h.beta2;
    double bc1 = 1.0 - pow(b1, (double)o->t), bc2 = 1.0 - pow(b2, (double)o->t);
    float step_size = (float)(lr / bc1), inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2)), eps = (float)o->h.eps;
    float fb1 = (float)b1, fb2 = (float)b2;
    size_t off = 0;
    for (int i = 0; i < pl->n; i++) {
        const train_param *p = &pl->p[i];
        float *m = o->m + off, *v = o->v + off, decay = p->decay ? (float)(1.0 - lr * o->h.weight_decay) : 1.0f;
        for (size_t j = 0; j < p->n; j++) {
            float g = p->g[j];
            p->w[j] *= decay;
            m[j] = fb1 * m[j] + (1.0f - fb1) * g;
            v[j] = fb2 * v[j] + (1.0f - fb2) * g * g;
            p->w[j] -= step_size * m[j] / (sqrtf(v[j]) * inv_sqrt_bc2 + eps);
        }
        off += p->n;
    }
}

/* Global L2 norm of all gradients (in double). */
static double grad_norm(const param_list *pl) {
    double ss = 0;
    for (int i = 0; i < pl->n; i++)
        for (size_t j = 0; j < pl->p[i].n; j++) ss += (double)pl->p[i].g[j] * pl->p[i].g[j];
    return sqrt(ss);
}

int seal_params_write_grads(const param_list *pl, const char *path) {
    st_write_tensor *t = seal_calloc((size_t)(pl->n ? pl->n : 1), sizeof *t);
    for (int i = 0; i < pl->n; i++) {
        const train_param *p = &pl->p[i];
        t[i] = (st_write_tensor){.name = p->name, .dtype = SEAL_F32, .ndim = p->cols ? 2 : 1, .data = p->g};
        t[i].shape[0] = p->rows;
        t[i].shape[1] = p->cols;
    }
    int rc = seal_st_write(path, t, pl->n, NULL, NULL, 0);
    free(t);
    return rc;
}

double seal_clip_grad_norm(const param_list *pl, double max_norm) {
    double norm = grad_norm(pl);
    if (max_norm <= 0) return norm;
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0)
        for (int i = 0; i < pl->n; i++)
            for (size_t j = 0; j < pl->p[i].n; j++) pl->p[i].g[j] *= (float)coef;
    return norm;
}
