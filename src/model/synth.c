#include "model/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rng.h"

int seal_synth_shape(seal_config *c, const char *name) {
    memset(c, 0, sizeof *c);
    c->bos_id = -1;
    c->max_pos = 4096;
    if (strcmp(name, "qwen2.5-0.5b") == 0) {
        c->arch = ARCH_QWEN2;
        c->hidden = 896; c->n_layers = 24; c->n_heads = 14; c->n_kv_heads = 2; c->ffn = 4864; c->vocab = 151936;
        c->tie_embeddings = 1; c->qkv_bias = 1; c->rope_theta = 1e6; c->rms_eps = 1e-6; c->max_pos = 32768;
        c->eos_ids[0] = 151643; c->n_eos = 1;
    } else if (strcmp(name, "tiny") == 0 || strcmp(name, "micro") == 0) {
        int micro = name[0] == 'm';
        c->arch = ARCH_LLAMA;
        c->hidden = micro ? 64 : 256; c->n_layers = micro ? 2 : 6; c->n_heads = micro ? 4 : 8; c->n_kv_heads = micro ? 2 : 4;
        c->ffn = micro ? 160 : 704; c->vocab = micro ? 320 : 4096;
        c->tie_embeddings = 1; c->rope_theta = 10000; c->rms_eps = 1e-5; c->bos_id = 1; c->eos_ids[0] = 2; c->n_eos = 1;
    } else if (strcmp(name, "llama3.2-1b") == 0 || strcmp(name, "llama3-micro") == 0) {
        /* Llama-3.2-1B-Instruct's config (the ARC experiment's model), or
         * the same vocabulary, ids and RoPE on a 2-layer, 64-wide body for tests */
        int micro = strcmp(name, "llama3-micro") == 0;
        c->arch = ARCH_LLAMA;
        c->hidden = micro ? 64 : 2048; c->n_layers = micro ? 2 : 16; c->n_heads = micro ? 4 : 32;
        c->n_kv_heads = micro ? 2 : 8; c->ffn = micro ? 128 : 8192; c->vocab = 128256;
        c->tie_embeddings = 1; c->rope_theta = 500000; c->rms_eps = 1e-5; c->max_pos = 131072;
        c->rope_llama3 = 1; c->rope_factor = 32; c->rope_low_freq_factor = 1; c->rope_high_freq_factor = 4;
        c->rope_original_max_pos = 8192;
        c->bos_id = 128000; c->eos_ids[0] = 128001; c->eos_ids[1] = 128008; c->eos_ids[2] = 128009; c->n_eos = 3;
    } else if (strcmp(name, "sandbox") == 0) { /* models/tiny-knowledge's shape */
        c->arch = ARCH_LLAMA;
        c->hidden = 192; c->n_layers = 4; c->n_heads = 4; c->n_kv_heads = 2; c->ffn = 512; c->vocab = 2048;
        c->tie_embeddings = 1; c->rope_theta = 10000; c->rms_eps = 1e-5; c->bos_id = -1; c->eos_ids[0] = 0; c->n_eos = 1;
        c->max_pos = 1024;
    } else {
        return seal_err("unknown model shape \"%s\" (known: qwen2.5-0.5b, llama3.2-1b, llama3-micro, tiny, micro, sandbox)", name);
    }
    c->head_dim = c->hidden / c->n_heads;
    snprintf(c->arch_name, sizeof c->arch_name, "%s", c->arch == ARCH_LLAMA ? "LlamaForCausalLM" : "Qwen2ForCausalLM");
    snprintf(c->model_type, sizeof c->model_type, "%s", c->arch == ARCH_LLAMA ? "llama" : "qwen2");
    return 0;
}

/* The tensors of a model, in HF order, with names and shapes; data filled later. */
typedef struct {
    char name[128];
    int ndim;
    int64_t shape[2];
    int is_norm;
} synth_tensor;

static int add(synth_tensor *ts, int n, const char *name, int64_t d0, int64_t d1, int is_norm) {
    snprintf(ts[n].name, sizeof ts[n].name, "%s", name);
    ts[n].ndim = d1 ? 2 : 1;
    ts[n].shape[0] = d0;
    ts[n].shape[1] = d1;
    ts[n].is_norm = is_norm;
    return n + 1;
}

static int list_tensors(const seal_config *c, synth_tensor *ts) {
    int n = 0, q = c->n_heads * c->head_dim, kv = c->n_kv_heads * c->head_dim;
    char b[128];
    n = add(ts, n, "model.embed_tokens.weight", c->vocab, c->hidden, 0);
    for (int l = 0; l < c->n_layers; l++) {
#define L(s) (snprintf(b, sizeof b, "model.layers.%d.%s", l, s), b)
        n = add(ts, n, L("input_layernorm.weight"), c->hidden, 0, 1);
        n = add(ts, n, L("self_attn.q_proj.weight"), q, c->hidden, 0);
        n = add(ts, n, L("self_attn.k_proj.weight"), kv, c->hidden, 0);
        n = add(ts, n, L("self_attn.v_proj.weight"), kv, c->hidden, 0);
        n = add(ts, n, L("self_attn.o_proj.weight"), c->hidden, q, 0);
        if (c->qkv_bias) {
            n = add(ts, n, L("self_attn.q_proj.bias"), q, 0, 0);
            n = add(ts, n, L("self_attn.k_proj.bias"), kv, 0, 0);
            n = add(ts, n, L("self_attn.v_proj.bias"), kv, 0, 0);
        }
        if (c->o_bias) n = add(ts, n, L("self_attn.o_proj.bias"), c->hidden, 0, 0);
        n = add(ts, n, L("post_attention_layernorm.weight"), c->hidden, 0, 1);
        n = add(ts, n, L("mlp.gate_proj.weight"), c->ffn, c->hidden, 0);
        n = add(ts, n, L("mlp.up_proj.weight"), c->ffn, c->hidden, 0);
        n = add(ts, n, L("mlp.down_proj.weight"), c->hidden, c->ffn, 0);
        if (c->mlp_bias) {
            n = add(ts, n, L("mlp.gate_proj.bias"), c->ffn, 0, 0);
            n = add(ts, n, L("mlp.up_proj.bias"), c->ffn, 0, 0);
            n = add(ts, n, L("mlp.down_proj.bias"), c->hidden, 0, 0);
        }
#undef L
    }
    n = add(ts, n, "model.norm.weight", c->hidden, 0, 1);
    if (!c->tie_embeddings) n = add(ts, n, "lm_head.weight", c->vocab, c->hidden, 0);
    return n;
}

/* Draw one tensor's values into dst (F32), the draws seal_synth_write makes. */
static void draw_tensor(seal_rng *rng, const synth_tensor *t, float std, float *dst, size_t numel) {
    for (size_t j = 0; j < numel; j++)
        dst[j] = t->is_norm ? 1.0f + 0.1f * (float)seal_rng_normal(rng) : std * (float)seal_rng_normal(rng);
}

static size_t tensor_numel(const synth_tensor *t) {
    return (size_t)t->shape[0] * (t->ndim == 2 ? (size_t)t->shape[1] : 1);
}

/* Where tensor i of list_tensors goes in the model: matrices are laid out in
 * seal_model_each_mat order in m->owned and vectors in load order in m->small,
 * which are both list_tensors order, so two cursors suffice. */
static void bind_tensor(seal_model *m, const synth_tensor *t, float *data) {
    const char *n = t->name;
    seal_mat w = {.data = data, .dtype = SEAL_F32, .rows = (int)t->shape[0], .cols = (int)t->shape[1]};
    const char *dot = strncmp(n, "model.layers.", 13) ? NULL : strchr(n + 13, '.');
    if (!strcmp(n, "model.embed_tokens.weight")) m->embed = w;
    else if (!strcmp(n, "lm_head.weight")) m->lm_head = w;
    else if (!strcmp(n, "model.norm.weight")) m->final_norm = data;
    else if (dot) {
        seal_layer *ly = &m->layers[atoi(n + 13)];
        static const char *vec_names[] = {"input_layernorm.weight", "post_attention_layernorm.weight",
                                          "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
                                          "self_attn.o_proj.bias", "mlp.gate_proj.bias", "mlp.up_proj.bias",
                                          "mlp.down_proj.bias"};
        float **vecs[] = {&ly->attn_norm, &ly->mlp_norm, &ly->q_bias, &ly->k_bias, &ly->v_bias,
                          &ly->o_bias, &ly->gate_bias, &ly->up_bias, &ly->down_bias};
        static const char *mat_names[] = {"self_attn.q_proj.weight", "self_attn.k_proj.weight",
                                          "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                                          "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"};
        for (int i = 0; i < 9; i++)
            if (!strcmp(dot + 1, vec_names[i])) *vecs[i] = data;
        for (int i = 0; i < 7; i++)
            if (!strcmp(dot + 1, mat_names[i])) *seal_layer_mat(ly, i) = w;
    }
}

int seal_synth_init(seal_model *m, const seal_config *cfg, uint64_t seed, float std) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const seal_config *c = &m->cfg;
    synth_tensor *ts = seal_calloc((size_t)(3 + c->n_layers * 16), sizeof *ts);
    int n = list_tensors(c, ts);
    size_t n_mat = 0, n_vec = 0;
    for (int i = 0; i < n; i++) {
        size_t numel = tensor_numel(&ts[i]);
        if (ts[i].ndim == 2 && numel / (size_t)ts[i].shape[0] != (size_t)ts[i].shape[1]) {
            seal_err("synthetic model: tensor %s is too large", ts[i].name);
            free(ts);
            return -1;
        }
        *(ts[i].ndim == 2 ? &n_mat : &n_vec) += numel;
    }
    m->owned = seal_aligned_alloc(sizeof(float) * (n_mat ? n_mat : 1));
    m->small = seal_aligned_alloc(sizeof(float) * (n_vec ? n_vec : 1));
    m->layers = seal_calloc((size_t)c->n_layers, sizeof *m->layers);
    m->dtype = SEAL_F32;
    float *mat_cursor = m->owned, *vec_cursor = m->small;
    seal_rng rng;
    seal_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        size_t numel = tensor_numel(&ts[i]);
        float **cursor = ts[i].ndim == 2 ? &mat_cursor : &vec_cursor;
        draw_tensor(&rng, &ts[i], std, *cursor, numel);
        bind_tensor(m, &ts[i], *cursor);
        *cursor += numel;
        m->n_params += (long long)numel;
    }
    if (c->tie_embeddings) m->lm_head = m->embed;
    free(ts);
    return 0;
}

int seal_synth_write(const char *dir, const seal_config *cfg, seal_dtype dtype, uint64_t seed, float std) {
    if (dtype != SEAL_F32 && dtype != SEAL_BF16 && dtype != SEAL_F16)
        return seal_err("synthetic model: dtype %s not supported (F32, BF16, F16)", seal_dtype_name(dtype));
    if (seal_mkdir_p(dir)) return -1;
    seal_config c = *cfg;
    snprintf(c.torch_dtype, sizeof c.torch_dtype, "%s", dtype == SEAL_F32 ? "float32" : dtype == SEAL_BF16 ? "bfloat16" : "float16");
    if (seal_config_save(&c, dir)) return -1;

    int max_tensors = 3 + c.n_layers * 16;
    synth_tensor *ts = seal_calloc((size_t)max_tensors, sizeof *ts);
    st_write_tensor *wt = seal_calloc((size_t)max_tensors, sizeof *wt);
    int n = list_tensors(&c, ts);
    size_t esize = seal_dtype_size(dtype), chunk = 1 << 16;
    float *tmp = seal_malloc(sizeof(float) * chunk);
    seal_rng rng;
    seal_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        size_t numel = tensor_numel(&ts[i]);
        unsigned char *data = seal_malloc(numel * esize);
        for (size_t off = 0; off < numel; off += chunk) {
            size_t len = numel - off < chunk ? numel - off : chunk;
            draw_tensor(&rng, &ts[i], std, tmp, len);
            seal_from_f32(data + off * esize, dtype, tmp, len);
        }
        wt[i] = (st_write_tensor){.name = ts[i].name, .dtype = dtype, .ndim = ts[i].ndim, .data = data};
        wt[i].shape[0] = ts[i].shape[0];
        wt[i].shape[1] = ts[i].shape[1];
    }
    char *path = seal_path_join(dir, "model.safetensors");
    const char *mk[] = {"format"}, *mv[] = {"pt"};
    int rc = seal_st_write(path, wt, n, mk, mv, 1);
    for (int i = 0; i < n; i++) free((void *)wt[i].data);
    free(path);
    free(tmp);
    free(wt);
    free(ts);
    return rc;
}
