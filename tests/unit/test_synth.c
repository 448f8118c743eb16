/* test_synth: seal_synth_init builds in memory, bit for bit, the model that
 * seal_synth_write + seal_model_load + seal_model_to_f32 give (pretraining starts from it, and
 * its runs must not move), for a tied Llama shape and an untied Qwen2 one with
 * biases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "model/model.h"
#include "model/synth.h"
#include "util/err.h"
#include "util/fsutil.h"

/* The matrices of both models in the same order: compare each pair. */
typedef struct { seal_mat *list[256]; int n; } mat_list;

static void collect(void *ctx, const char *name, seal_mat *w) {
    (void)name;
    mat_list *l = ctx;
    if (l->n < 256) l->list[l->n++] = w;
}

static int same_vec(const float *a, const float *b, int n) {
    if (!a || !b) return a == b;
    return memcmp(a, b, sizeof(float) * (size_t)n) == 0;
}

static void compare(seal_model *a, seal_model *b, const char *what) {
    mat_list la = {0}, lb = {0};
    seal_model_each_mat(a, collect, &la);
    seal_model_each_mat(b, collect, &lb);
    CHECK_MSG(la.n == lb.n && la.n > 0, "%s: %d vs %d matrices", what, la.n, lb.n);
    for (int i = 0; i < la.n && i < lb.n; i++) {
        const seal_mat *x = la.list[i], *y = lb.list[i];
        CHECK_MSG(x->rows == y->rows && x->cols == y->cols && x->dtype == SEAL_F32 && y->dtype == SEAL_F32,
                  "%s: matrix %d shape", what, i);
        if (x->rows == y->rows && x->cols == y->cols)
            CHECK_MSG(!memcmp(x->data, y->data, sizeof(float) * (size_t)x->rows * x->cols), "%s: matrix %d", what, i);
    }
    const seal_config *c = &a->cfg;
    int q = c->n_heads * c->head_dim, kv = c->n_kv_heads * c->head_dim;
    CHECK(same_vec(a->final_norm, b->final_norm, c->hidden));
    for (int l = 0; l < c->n_layers; l++) {
        const seal_layer *x = &a->layers[l], *y = &b->layers[l];
        CHECK(same_vec(x->attn_norm, y->attn_norm, c->hidden) && same_vec(x->mlp_norm, y->mlp_norm, c->hidden));
        CHECK(same_vec(x->q_bias, y->q_bias, q) && same_vec(x->k_bias, y->k_bias, kv) &&
              same_vec(x->v_bias, y->v_bias, kv));
    }
    CHECK_MSG(a->n_params == b->n_params, "%s: %lld vs %lld parameters", what, a->n_params, b->n_params);
    CHECK((a->lm_head.data == a->embed.data) == (c->tie_embeddings != 0));
}

static void check_shape(seal_config cfg, const char *what) {
    char dir[] = "/tmp/seal_test_synth_XXXXXX";
    if (!mkdtemp(dir)) { CHECK(0); return; }
    seal_model from_disk, in_memory;
    int rc = seal_synth_write(dir, &cfg, SEAL_F32, 1234, 0.02f);
    CHECK_MSG(rc == 0, "%s", seal_errmsg());
    if (rc == 0 && seal_model_load(&from_disk, dir) == 0) {
        seal_model_to_f32(&from_disk);
        CHECK_MSG(seal_synth_init(&in_memory, &cfg, 1234, 0.02f) == 0, "%s", seal_errmsg());
        compare(&in_memory, &from_disk, what);
        seal_model_free(&in_memory);
        seal_model_free(&from_disk);
    } else CHECK_MSG(0, "%s: %s", what, seal_errmsg());
    seal_rm_rf(dir);
}

int main(void) {
    seal_config cfg;
    seal_synth_shape(&cfg, "micro");
    check_shape(cfg, "micro");
    cfg.tie_embeddings = 0;
    check_shape(cfg, "micro untied");
    seal_synth_shape(&cfg, "qwen2.5-0.5b");
    cfg.hidden = 64; cfg.n_heads = 4; cfg.n_kv_heads = 2; cfg.head_dim = 16; cfg.ffn = 96; cfg.vocab = 100;
    cfg.n_layers = 2; cfg.tie_embeddings = 0;
    check_shape(cfg, "qwen2 (qkv biases)");
    return check_report("test_synth");
}
