/* adapter.h: LoRA adapters: a low-rank delta on some of the seven linear
 * projections of every layer, y = W x + b + scale * B (A x), as PEFT defines it
 * (A [r][in] and B [out][r], scale = alpha / r, or alpha / sqrt(r) with rsLoRA).
 * The base weights are never touched; the forward pass applies the delta at run
 * time. A and B are f32 and owned by the adapter (one allocation). */
#ifndef SEAL_MODEL_ADAPTER_H
#define SEAL_MODEL_ADAPTER_H

#include <stddef.h>

#include "model/config.h"

enum { MOD_Q, MOD_K, MOD_V, MOD_O, MOD_GATE, MOD_UP, MOD_DOWN, MOD_COUNT };

/* PEFT's module names: "q_proj", ..., "down_proj". */
const char *seal_adapter_module_name(int mod);
/* Bitmask of modules from "q_proj,v_proj" (or "all" = all seven); -1 + seal_err
 * naming an unknown module. */
int seal_adapter_parse_targets(const char *list, unsigned *mask);
/* in/out sizes of module mod for this config. */
void seal_adapter_module_shape(const seal_config *cfg, int mod, int *in, int *out);

typedef struct {
    float *A, *B; /* A [r][in], B [out][r]; NULL when the module is not targeted */
    int in, out;
} lora_pair;

typedef struct {
    int n_layers, rank;
    float alpha, dropout;
    int use_rslora;
    unsigned targets;  /* bitmask of MOD_* */
    float scale;       /* alpha/r or alpha/sqrt(r) */
    lora_pair *pairs;  /* [n_layers * MOD_COUNT] */
    float *store;      /* all A and B */
    size_t n_params;
} seal_adapter;

/* Allocate an adapter for cfg with B = 0 and A drawn as PEFT does
 * (kaiming_uniform with a = sqrt(5): U(-1/sqrt(in), 1/sqrt(in))) from seed. */
int seal_adapter_init(seal_adapter *a, const seal_config *cfg, int rank, float alpha, int use_rslora, float dropout,
                 unsigned targets, unsigned long long seed);
void seal_adapter_free(seal_adapter *a);
static inline const lora_pair *adapter_pair(const seal_adapter *a, int layer, int mod) {
    return &a->pairs[layer * MOD_COUNT + mod];
}
static inline lora_pair *adapter_pair_mut(seal_adapter *a, int layer, int mod) {
    return &a->pairs[layer * MOD_COUNT + mod];
}

#endif
