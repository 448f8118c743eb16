/* model.h: a loaded model: its config and its weights, pointing into the
 * mmapped safetensors files in their file dtype (never expanded to f32 as a
 * whole). Only the small vectors (norm weights, biases) are converted to f32
 * at load, into one allocation owned by the model. */
#ifndef SEAL_MODEL_MODEL_H
#define SEAL_MODEL_MODEL_H

#include "io/safetensors.h"
#include "kern/matmul.h"
#include "model/config.h"

typedef struct {
    float *attn_norm;              /* [hidden] */
    seal_mat q, k, v, o;           /* [n_heads*hd][hidden], [kv*hd][hidden] x2, [hidden][n_heads*hd] */
    float *q_bias, *k_bias, *v_bias, *o_bias; /* NULL when absent */
    float *mlp_norm;               /* [hidden] */
    seal_mat gate, up, down;       /* [ffn][hidden] x2, [hidden][ffn] */
    float *gate_bias, *up_bias, *down_bias;
} seal_layer;

typedef struct {
    seal_config cfg;
    st_set weights;
    seal_mat embed;   /* [vocab][hidden] */
    seal_mat lm_head; /* [vocab][hidden]; == embed when tied */
    float *final_norm; /* [hidden] */
    seal_layer *layers;
    float *small;      /* owns every f32 vector above */
    seal_dtype dtype;  /* dtype of the big matrices (the first one found) */
    long long n_params;
    char *dir;
    float *owned;      /* seal_model_to_f32: all matrices as f32, owned */
} seal_model;

/* Load DIR (config.json + safetensors). Every expected tensor must exist with
 * the exact shape; tensors we would ignore (besides rotary buffers) are an
 * error, since they would mean an architecture option we do not implement.
 * -1 with a message naming the file and tensor. */
int seal_model_load(seal_model *m, const char *dir);
void seal_model_free(seal_model *m);

/* For full-parameter training: copy every matrix into one owned f32 buffer and
 * point the model at it (norms and biases are f32 already). The mapping stays
 * open but is no longer read. Costs 4 bytes per parameter. */
void seal_model_to_f32(seal_model *m);

/* dst = an independent f32 copy of src's weights (config, small vectors and
 * matrices all owned by dst; no file mapping): a scratch model to train fully
 * while src stays untouched. */
void seal_model_clone_f32(seal_model *dst, const seal_model *src);

/* Apply f to every matrix of the model with its HF tensor name (embedding,
 * per-layer projections, lm_head when untied), in file order. */
/* The i-th projection matrix of layer l, i in 0..6 in the order q, k, v, o,
 * gate, up, down (the order of adapter.h's MOD_* and of the tensor names). */
seal_mat *seal_layer_mat(seal_layer *l, int i);

typedef void (*model_mat_fn)(void *ctx, const char *name, seal_mat *w);
void seal_model_each_mat(seal_model *m, model_mat_fn fn, void *ctx);

#endif
