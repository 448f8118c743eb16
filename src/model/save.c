#include "model/save.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fsutil.h"

static const char *side_files[] = {"generation_config.json", "tokenizer.json", "tokenizer_config.json",
                                   "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json",
                                   "chat_template.jinja"};

int seal_model_copy_file(const char *from, const char *to, const char *name, int required) {
    char *src = seal_path_join(from, name), *dst = seal_path_join(to, name);
    int rc = 0;
    if (seal_is_file(src) || required) {
        size_t len;
        char *data = seal_read_file(src, &len);
        rc = data ? seal_write_file_atomic(dst, data, len) : -1;
        free(data);
    }
    free(src);
    free(dst);
    return rc;
}

int seal_model_copy_side_files(const char *from, const char *to) {
    for (size_t i = 0; i < sizeof side_files / sizeof side_files[0]; i++)
        if (seal_model_copy_file(from, to, side_files[i], 0)) return -1;
    return 0;
}

typedef struct {
    st_write_tensor *t;
    void **owned;
    int n;
    seal_dtype dtype;
} save_list;

static void add_tensor(save_list *s, const char *name, const void *data, seal_dtype src_dtype, int ndim, int64_t d0, int64_t d1) {
    st_write_tensor *t = &s->t[s->n];
    size_t numel = (size_t)d0 * (ndim == 2 ? (size_t)d1 : 1);
    t->name = seal_strdup(name);
    t->dtype = s->dtype;
    t->ndim = ndim;
    t->shape[0] = d0;
    t->shape[1] = d1;
    if (src_dtype == s->dtype) t->data = data;
    else { /* through f32, a row-sized chunk at a time */
        void *out = seal_malloc(numel * seal_dtype_size(s->dtype));
        float buf[1024];
        for (size_t off = 0; off < numel; off += 1024) {
            size_t len = numel - off < 1024 ? numel - off : 1024;
            seal_to_f32(buf, (const char *)data + off * seal_dtype_size(src_dtype), src_dtype, len);
            seal_from_f32((char *)out + off * seal_dtype_size(s->dtype), s->dtype, buf, len);
        }
        t->data = out;
        s->owned[s->n] = out;
    }
    s->n++;
}

static void add_mat(save_list *s, const char *name, const seal_mat *w) { add_tensor(s, name, w->data, w->dtype, 2, w->rows, w->cols); }
static void add_vec(save_list *s, const char *name, const float *v, int n) { if (v) add_tensor(s, name, v, SEAL_F32, 1, n, 0); }

int seal_model_save(const seal_model *m, const char *dir, seal_dtype dtype, const char *src_dir) {
    const seal_config *c = &m->cfg;
    if (seal_mkdir_p(dir)) return -1;
    seal_config out_cfg = *c;
    snprintf(out_cfg.torch_dtype, sizeof out_cfg.torch_dtype, "%s", dtype == SEAL_F32 ? "float32" : dtype == SEAL_BF16 ? "bfloat16" : "float16");
    if (src_dir && seal_model_copy_side_files(src_dir, dir)) return -1;
    int max = 4 + c->n_layers * 16;
    save_list s = {seal_calloc((size_t)max, sizeof(st_write_tensor)), seal_calloc((size_t)max, sizeof(void *)), 0, dtype};
    static const char *paths[7] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                   "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
    char n[256];
    add_mat(&s, "model.embed_tokens.weight", &m->embed);
    for (int l = 0; l < c->n_layers; l++) {
        const seal_layer *ly = &m->layers[l];
        const seal_mat *mats[7] = {&ly->q, &ly->k, &ly->v, &ly->o, &ly->gate, &ly->up, &ly->down};
        const float *bias[7] = {ly->q_bias, ly->k_bias, ly->v_bias, ly->o_bias, ly->gate_bias, ly->up_bias, ly->down_bias};
        snprintf(n, sizeof n, "model.layers.%d.input_layernorm.weight", l);
        add_vec(&s, n, ly->attn_norm, c->hidden);
        for (int i = 0; i < 7; i++) {
            snprintf(n, sizeof n, "model.layers.%d.%s.weight", l, paths[i]);
            add_mat(&s, n, mats[i]);
            snprintf(n, sizeof n, "model.layers.%d.%s.bias", l, paths[i]);
            add_vec(&s, n, bias[i], mats[i]->rows);
        }
        snprintf(n, sizeof n, "model.layers.%d.post_attention_layernorm.weight", l);
        add_vec(&s, n, ly->mlp_norm, c->hidden);
    }
    add_vec(&s, "model.norm.weight", m->final_norm, c->hidden);
    if (!c->tie_embeddings) add_mat(&s, "lm_head.weight", &m->lm_head);
    char *path = seal_path_join(dir, "model.safetensors");
    const char *mk[] = {"format"}, *mv[] = {"pt"};
    int rc = seal_st_write(path, s.t, s.n, mk, mv, 1);
    free(path);
    for (int i = 0; i < s.n; i++) { free((void *)s.t[i].name); free(s.owned[i]); }
    free(s.t);
    free(s.owned);
    /* config.json last: a directory whose weights failed to write does not load as a model */
    return rc ? rc : seal_config_save(&out_cfg, dir);
}
