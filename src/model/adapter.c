#include "model/adapter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/rng.h"

static const char *module_names[MOD_COUNT] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

const char *seal_adapter_module_name(int mod) { return mod >= 0 && mod < MOD_COUNT ? module_names[mod] : "?"; }

int seal_adapter_parse_targets(const char *list, unsigned *mask) {
    *mask = 0;
    if (!strcmp(list, "all") || !strcmp(list, "all-linear")) { *mask = (1u << MOD_COUNT) - 1; return 0; }
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int found = -1;
        for (int m = 0; m < MOD_COUNT; m++)
            if (strlen(module_names[m]) == n && !strncmp(p, module_names[m], n)) found = m;
        if (found < 0 && n) return seal_err("unknown LoRA target module \"%.*s\" (known: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, all)", (int)n, p);
        if (found >= 0) *mask |= 1u << found;
        p += n + (e ? 1 : 0);
    }
    if (!*mask) return seal_err("no LoRA target modules given");
    return 0;
}

void seal_adapter_module_shape(const seal_config *c, int mod, int *in, int *out) {
    int q = c->n_heads * c->head_dim, kv = c->n_kv_heads * c->head_dim;
    switch (mod) {
    case MOD_Q: *in = c->hidden; *out = q; break;
    case MOD_K: case MOD_V: *in = c->hidden; *out = kv; break;
    case MOD_O: *in = q; *out = c->hidden; break;
    case MOD_GATE: case MOD_UP: *in = c->hidden; *out = c->ffn; break;
    default: *in = c->ffn; *out = c->hidden; break;
    }
}

int seal_adapter_init(seal_adapter *a, const seal_config *c, int rank, float alpha, int use_rslora, float dropout,
                 unsigned targets, unsigned long long seed) {
    memset(a, 0, sizeof *a);
    if (rank <= 0) return seal_err("LoRA rank must be positive (got %d)", rank);
    if (!isfinite(alpha)) return seal_err("LoRA alpha must be a finite number (got %g)", (double)alpha);
    if (!(dropout >= 0 && dropout < 1)) return seal_err("LoRA dropout must be in [0, 1)");
    if (!targets) return seal_err("no LoRA target modules");
    a->n_layers = c->n_layers;
    a->rank = rank;
    a->alpha = alpha;
    a->use_rslora = use_rslora;
    a->dropout = dropout;
    a->targets = targets;
    a->scale = use_rslora ? alpha / sqrtf((float)rank) : alpha / (float)rank;
    a->pairs = seal_calloc((size_t)c->n_layers * MOD_COUNT, sizeof(lora_pair));
    size_t total = 0;
    for (int m = 0; m < MOD_COUNT; m++)
        if (targets >> m & 1) {
            int in, out;
            seal_adapter_module_shape(c, m, &in, &out);
            total += (size_t)rank * (in + out) * c->n_layers;
        }
    a->store = seal_aligned_alloc(sizeof(float) * (total ? total : 1));
    a->n_params = total;
    seal_rng rng;
    seal_rng_seed(&rng, seed);
    float *p = a->store;
    for (int l = 0; l < c->n_layers; l++)
        for (int m = 0; m < MOD_COUNT; m++) {
            if (!(targets >> m & 1)) continue;
            lora_pair *pr = adapter_pair_mut(a, l, m);
            seal_adapter_module_shape(c, m, &pr->in, &pr->out);
            pr->A = p;
            p += (size_t)rank * pr->in;
            pr->B = p;
            p += (size_t)pr->out * rank;
            float bound = 1.0f / sqrtf((float)pr->in);
            for (size_t i = 0; i < (size_t)rank * pr->in; i++) pr->A[i] = (2.0f * seal_rng_float(&rng) - 1.0f) * bound;
            memset(pr->B, 0, sizeof(float) * (size_t)pr->out * rank);
        }
    return 0;
}

void seal_adapter_free(seal_adapter *a) {
    free(a->pairs);
    free(a->store);
    memset(a, 0, sizeof *a);
}
