/* peft.c: see peft.h. The reader treats adapter files as untrusted: every
 * field that would change the computation is either understood or refused. */
#include "model/peft.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

/* Names from untrusted files: bound what goes into a message. */
#define NAMEF "%.200s"

static const char *module_path[MOD_COUNT] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                             "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
#define PEFT_PREFIX "base_model.model.model.layers."

/* "base_model.model.model.layers.<layer>.self_attn.q_proj.lora_A.weight" (is_b
 * selects lora_B) into buf of size n. */
static void peft_tensor_name(char *buf, size_t n, int layer, int mod, int is_b) {
    snprintf(buf, n, PEFT_PREFIX "%d.%s.lora_%c.weight", layer, module_path[mod], is_b ? 'B' : 'A');
}

/* ---- writing ------------------------------------------------------------ */

/* Python's repr() of the shortest decimal that reads back as the float v
 * (so 0.05f prints "0.05", as the user wrote it, not 0.05000000074505806).
 * Python switches to exponent notation below 1e-4 and from 1e16. */
static void py_float(char *out, size_t n, float v) {
    char e[48];
    int p = 1;
    for (; p < 9; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, (double)v);
        if (strtof(e, NULL) == v) break;
    }
    snprintf(e, sizeof e, "%.*e", p - 1, (double)v);
    int exp10 = atoi(strchr(e, 'e') + 1);
    if (v != 0 && (exp10 < -4 || exp10 >= 16)) {
        /* "1.5e-05": drop "+" from neither; C and Python agree on 2+ exponent digits */
        snprintf(out, n, "%s", e);
        return;
    }
    int decimals = p - 1 - exp10;
    snprintf(out, n, "%.*f", decimals > 0 ? decimals : 0, (double)v);
    if (!strchr(out, '.')) strncat(out, ".0", n - strlen(out) - 1);
}

/* A JSON string literal as Python's json.dumps writes it (ensure_ascii:
 * non-ASCII as lowercase \uxxxx). NULL for invalid UTF-8. */
static char *py_json_string(const char *s) {
    json_t *j = json_string(s);
    if (!j) return NULL;
    char *t = json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
    json_decref(j);
    if (!t) return NULL;
    for (char *p = t; (p = strstr(p, "\\u")) != NULL; p += 2)
        for (int i = 2; i < 6 && p[i]; i++) p[i] = (char)tolower((unsigned char)p[i]);
    return t;
}

typedef struct { const char *key; char *value; } kv_entry;

static int kv_cmp(const void *x, const void *y) { return strcmp(((const kv_entry *)x)->key, ((const kv_entry *)y)->key); }

/* adapter_config.json text, exactly as PEFT 0.15's save_pretrained writes it:
 * json.dumps(config, indent=2, sort_keys=True), no trailing newline. */
static char *config_text(const seal_adapter *a, const char *base_json) {
    char alpha[48], dropout[48];
    if (a->alpha == floorf(a->alpha) && fabsf(a->alpha) < 1e9f) snprintf(alpha, sizeof alpha, "%d", (int)a->alpha);
    else py_float(alpha, sizeof alpha, a->alpha);
    py_float(dropout, sizeof dropout, a->dropout);
    /* target_modules: PEFT keeps a set and writes list(set); we write it sorted. */
    const char *names[MOD_COUNT];
    int nt = 0;
    for (int m = 0; m < MOD_COUNT; m++)
        if (a->targets >> m & 1) names[nt++] = seal_adapter_module_name(m);
    for (int i = 1; i < nt; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
        }
    strbuf tm = {0};
    seal_strbuf_puts(&tm, "[");
    for (int i = 0; i < nt; i++) seal_strbuf_printf(&tm, "%s\n    \"%s\"", i ? "," : "", names[i]);
    seal_strbuf_puts(&tm, "\n  ]");
    char r[24];
    snprintf(r, sizeof r, "%d", a->rank);
    kv_entry e[] = {
        {"alpha_pattern", "{}"}, {"auto_mapping", "null"}, {"base_model_name_or_path", (char *)base_json},
        {"bias", "\"none\""}, {"corda_config", "null"}, {"eva_config", "null"}, {"exclude_modules", "null"},
        {"fan_in_fan_out", "false"}, {"inference_mode", "true"}, {"init_lora_weights", "true"},
        {"layer_replication", "null"}, {"layers_pattern", "null"}, {"layers_to_transform", "null"},
        {"loftq_config", "{}"}, {"lora_alpha", alpha}, {"lora_bias", "false"}, {"lora_dropout", dropout},
        {"megatron_config", "null"}, {"megatron_core", "\"megatron.core\""}, {"modules_to_save", "null"},
        {"peft_type", "\"LORA\""}, {"r", r}, {"rank_pattern", "{}"}, {"revision", "null"},
        {"target_modules", tm.s}, {"task_type", "\"CAUSAL_LM\""}, {"trainable_token_indices", "null"},
        {"use_dora", "false"}, {"use_rslora", a->use_rslora ? "true" : "false"},
    };
    size_t n = sizeof e / sizeof e[0];
    qsort(e, n, sizeof e[0], kv_cmp);
    strbuf out = {0};
    seal_strbuf_puts(&out, "{");
    for (size_t i = 0; i < n; i++) seal_strbuf_printf(&out, "%s\n  \"%s\": %s", i ? "," : "", e[i].key, e[i].value);
    seal_strbuf_puts(&out, "\n}");
    seal_strbuf_free(&tm);
    return out.s;
}

typedef struct { char name[128]; const float *data; int rows, cols; } named_mat;

static int named_cmp(const void *x, const void *y) { return strcmp(((const named_mat *)x)->name, ((const named_mat *)y)->name); }

int seal_peft_save(const seal_adapter *a, const char *dir, const char *base_model_name, seal_dtype dtype) {
    if (dtype != SEAL_F32 && dtype != SEAL_BF16) return seal_err("%s: peft_save: dtype must be F32 or BF16", dir);
    if (!a->pairs || a->rank <= 0 || !a->targets) return seal_err("%s: peft_save: empty adapter", dir);
    /* adapter_config.json cannot hold NaN or inf: refuse before writing anything */
    if (!isfinite(a->alpha) || !isfinite(a->dropout))
        return seal_err("%s: peft_save: lora_alpha %g and lora_dropout %g must be finite", dir, (double)a->alpha,
                        (double)a->dropout);
    if (seal_mkdir_p(dir)) return -1;
    char *base_json = base_model_name ? py_json_string(base_model_name) : seal_strdup("null");
    if (!base_json) return seal_err("%s: base model name is not valid UTF-8", dir);

    /* safetensors (the Python package) lays tensors out sorted by name. */
    int n = 0;
    named_mat *mats = seal_calloc((size_t)a->n_layers * MOD_COUNT * 2, sizeof *mats);
    for (int l = 0; l < a->n_layers; l++)
        for (int m = 0; m < MOD_COUNT; m++) {
            const lora_pair *p = adapter_pair(a, l, m);
            if (!(a->targets >> m & 1) || !p->A) continue;
            for (int b = 0; b < 2; b++) {
                named_mat *t = &mats[n++];
                peft_tensor_name(t->name, sizeof t->name, l, m, b);
                t->data = b ? p->B : p->A;
                t->rows = b ? p->out : a->rank;
                t->cols = b ? a->rank : p->in;
            }
        }
    qsort(mats, (size_t)n, sizeof *mats, named_cmp);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += (size_t)mats[i].rows * mats[i].cols;
    void *conv = NULL;
    if (dtype != SEAL_F32) conv = seal_malloc(total * seal_dtype_size(dtype) + 1);
    st_write_tensor *ts = seal_calloc((size_t)n + 1, sizeof *ts);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t cnt = (size_t)mats[i].rows * mats[i].cols;
        ts[i].name = mats[i].name;
        ts[i].dtype = dtype;
        ts[i].ndim = 2;
        ts[i].shape[0] = mats[i].rows;
        ts[i].shape[1] = mats[i].cols;
        if (conv) {
            void *dst = (char *)conv + off * seal_dtype_size(dtype);
            seal_from_f32(dst, dtype, mats[i].data, cnt);
            ts[i].data = dst;
        } else {
            ts[i].data = mats[i].data;
        }
        off += cnt;
    }
    static const char *mk[] = {"format"}, *mv[] = {"pt"};
    char *wpath = seal_path_join(dir, PEFT_WEIGHTS_FILE);
    int rc = seal_st_write(wpath, ts, n, mk, mv, 1);
    free(wpath);
    free(ts);
    free(conv);
    free(mats);
    if (rc == 0) {
        char *text = config_text(a, base_json);
        char *cpath = seal_path_join(dir, PEFT_CONFIG_FILE);
        rc = seal_write_file_atomic(cpath, text, strlen(text));
        free(cpath);
        free(text);
    }
    free(base_json);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* A short rendering of a JSON value for messages (malloc'd). */
static char *json_short(const json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) return seal_strdup("?");
    if (strlen(s) > 80) strcpy(s + 77, "...");
    return s;
}

/* A field that only its default can take here: absent, null, false, 0, "",
 * {} or []. Anything else is refused, naming the field and why. */
static int must_be_default(json_t *root, const char *path, const char *key, const char *why) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v) || json_is_false(v)) return 0;
    if ((json_is_object(v) && json_object_size(v) == 0) || (json_is_array(v) && json_array_size(v) == 0)) return 0;
    if (json_is_string(v) && !*json_string_value(v)) return 0;
    char *s = json_short(v);
    seal_err("%s: field \"%s\" is %s: not supported (%s)", path, key, s, why);
    free(s);
    return -1;
}

static int get_number(json_t *root, const char *path, const char *key, double def, double *out) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) { *out = def; return 0; }
    if (!json_is_number(v)) return seal_err("%s: field \"%s\" must be a number", path, key);
    *out = json_number_value(v);
    return 0;
}

static int get_bool(json_t *root, const char *path, const char *key, int *out) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) { *out = 0; return 0; }
    if (!json_is_boolean(v)) return seal_err("%s: field \"%s\" must be true or false", path, key);
    *out = json_is_true(v);
    return 0;
}

static int module_of_name(const char *s) {
    for (int m = 0; m < MOD_COUNT; m++)
        if (!strcmp(s, seal_adapter_module_name(m))) return m;
    return -1;
}

static int parse_targets(json_t *root, const char *path, unsigned *mask) {
    json_t *v = json_object_get(root, "target_modules");
    *mask = 0;
    if (!v || json_is_null(v)) return seal_err("%s: field \"target_modules\" is missing", path);
    if (json_is_string(v)) {
        if (!strcmp(json_string_value(v), "all-linear")) { *mask = (1u << MOD_COUNT) - 1; return 0; }
        return seal_err("%s: field \"target_modules\" is the pattern \"" NAMEF "\": only a list of module "
                        "names or \"all-linear\" is supported", path, json_string_value(v));
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return seal_err("%s: field \"target_modules\" must be a non-empty list of module names", path);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        int m = json_is_string(e) ? module_of_name(json_string_value(e)) : -1;
        if (m < 0) {
            char *s = json_short(e);
            seal_err("%s: field \"target_modules\": unknown module %s (supported: q_proj, k_proj, v_proj, "
                     "o_proj, gate_proj, up_proj, down_proj)", path, s);
            free(s);
            return -1;
        }
        *mask |= 1u << m;
    }
    return 0;
}

/* The hyperparameters in adapter_config.json; everything else must be default. */
typedef struct { int rank, use_rslora; double alpha, dropout; unsigned targets; } peft_params;

static int parse_config(const char *path, peft_params *p) {
    size_t len;
    char *text = seal_read_file(path, &len);
    if (!text) return -1;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!root) return seal_err("%s: not valid JSON: %s (line %d)", path, jerr.text, jerr.line);
    int rc = -1;
    if (!json_is_object(root)) { seal_err("%s: not a JSON object", path); goto done; }
    json_t *pt = json_object_get(root, "peft_type");
    if (!json_is_string(pt) || strcmp(json_string_value(pt), "LORA")) {
        char *s = pt ? json_short(pt) : seal_strdup("missing");
        seal_err("%s: field \"peft_type\" is %s: only \"LORA\" adapters are supported", path, s);
        free(s);
        goto done;
    }
    json_t *r = json_object_get(root, "r");
    if (!json_is_integer(r) || json_integer_value(r) <= 0 || json_integer_value(r) > 65536) {
        seal_err("%s: field \"r\" must be a positive integer", path);
        goto done;
    }
    p->rank = (int)json_integer_value(r);
    if (get_number(root, path, "lora_alpha", 8.0, &p->alpha) || get_number(root, path, "lora_dropout", 0.0, &p->dropout) ||
        get_bool(root, path, "use_rslora", &p->use_rslora))
        goto done;
    if (!isfinite(p->alpha)) { seal_err("%s: field \"lora_alpha\" must be finite", path); goto done; }
    if (!(p->dropout >= 0 && p->dropout < 1)) { seal_err("%s: field \"lora_dropout\" must be in [0, 1)", path); goto done; }
    json_t *bias = json_object_get(root, "bias");
    if (bias && !json_is_null(bias) && (!json_is_string(bias) || strcmp(json_string_value(bias), "none"))) {
        char *s = json_short(bias);
        seal_err("%s: field \"bias\" is %s: only \"none\" is supported (trained biases)", path, s);
        free(s);
        goto done;
    }
    static const struct { const char *key, *why; } defaults[] = {
        {"fan_in_fan_out", "Conv1D-style transposed weights"},
        {"use_dora", "DoRA"},
        {"lora_bias", "LoRA bias on lora_B"},
        {"rank_pattern", "per-module ranks"},
        {"alpha_pattern", "per-module alphas"},
        {"layers_to_transform", "adapting a subset of layers"},
        {"modules_to_save", "fully trained extra modules"},
        {"exclude_modules", "excluded modules"},
        {"trainable_token_indices", "trainable token embeddings"},
        {"layer_replication", "layer replication"},
        {"use_qalora", "QALoRA"},
        {"target_parameters", "LoRA on parameters"},
        {"alora_invocation_tokens", "activated LoRA"},
        {"use_bdlora", "block-diagonal LoRA"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (must_be_default(root, path, defaults[i].key, defaults[i].why)) goto done;
    if (parse_targets(root, path, &p->targets)) goto done;
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/* Match a tensor name against PEFT's naming: sets layer, mod, is_b; -1 when
 * it is not a LoRA A/B of one of the seven projections. */
static int parse_tensor_name(const char *name, int n_layers, int *layer, int *mod, int *is_b) {
    size_t pl = strlen(PEFT_PREFIX);
    if (strncmp(name, PEFT_PREFIX, pl) || !isdigit((unsigned char)name[pl])) return -1;
    long l = strtol(name + pl, NULL, 10);
    if (l < 0 || l >= n_layers) { *layer = (int)(l > 1000000 ? 1000000 : l); *mod = -1; return 0; }
    char buf[256];
    for (int m = 0; m < MOD_COUNT; m++)
        for (int b = 0; b < 2; b++) {
            peft_tensor_name(buf, sizeof buf, (int)l, m, b);
            if (!strcmp(buf, name)) { *layer = (int)l; *mod = m; *is_b = b; return 0; }
        }
    return -1;
}

/* Check every tensor of f against what p and cfg imply (names, shapes,
 * dtypes, completeness) before anything is allocated, so that a hostile r
 * never turns into a huge allocation. */
static int check_tensors(const st_file *f, const seal_config *cfg, const peft_params *pp, const char *path) {
    int rc = -1;
    unsigned char *seen = seal_calloc((size_t)cfg->n_layers * MOD_COUNT * 2, 1);
    for (int i = 0; i < f->n_tensors; i++) {
        const st_tensor *t = &f->tensors[i];
        int l, m, b;
        if (parse_tensor_name(t->name, cfg->n_layers, &l, &m, &b)) {
            seal_err("%s: unexpected tensor \"" NAMEF "\": not the lora_A/lora_B of a q/k/v/o/gate/up/down "
                     "projection (adapters of embed_tokens or lm_head, modules_to_save and other PEFT methods "
                     "are not supported)", path, t->name);
            goto done;
        }
        if (m < 0) {
            seal_err("%s: tensor \"" NAMEF "\": layer %d does not exist (the model has %d layers)", path, t->name,
                     l, cfg->n_layers);
            goto done;
        }
        if (!(pp->targets >> m & 1)) {
            seal_err("%s: tensor \"" NAMEF "\": module %s is not in target_modules of " PEFT_CONFIG_FILE, path,
                     t->name, seal_adapter_module_name(m));
            goto done;
        }
        int in, out;
        seal_adapter_module_shape(cfg, m, &in, &out);
        int64_t want0 = b ? out : pp->rank, want1 = b ? pp->rank : in;
        if (t->ndim != 2 || t->shape[0] != want0 || t->shape[1] != want1) {
            char got[96] = "[";
            for (int d = 0; d < t->ndim && d < 4; d++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? ", " : "", (long long)t->shape[d]);
            strcat(got, t->ndim > 4 ? ", ...]" : "]");
            seal_err("%s: tensor \"" NAMEF "\" has shape %s but this model and r=%d need [%lld, %lld]", path,
                     t->name, got, pp->rank, (long long)want0, (long long)want1);
            goto done;
        }
        if (t->dtype != SEAL_F32 && t->dtype != SEAL_BF16 && t->dtype != SEAL_F16) {
            seal_err("%s: tensor \"" NAMEF "\": dtype %s not supported (F32, BF16, F16)", path, t->name,
                     seal_dtype_name(t->dtype));
            goto done;
        }
        seen[((size_t)l * MOD_COUNT + m) * 2 + b] = 1;
    }
    for (int l = 0; l < cfg->n_layers; l++)
        for (int m = 0; m < MOD_COUNT; m++)
            for (int b = 0; b < 2 && (pp->targets >> m & 1); b++)
                if (!seen[((size_t)l * MOD_COUNT + m) * 2 + b]) {
                    char name[160];
                    peft_tensor_name(name, sizeof name, l, m, b);
                    seal_err("%s: missing tensor \"%s\" (%s is in target_modules)", path, name, seal_adapter_module_name(m));
                    goto done;
                }
    rc = 0;
done:
    free(seen);
    return rc;
}

/* Copy the (checked) tensors of f into a. */
static void copy_tensors(seal_adapter *a, const st_file *f, int n_layers) {
    for (int i = 0; i < f->n_tensors; i++) {
        const st_tensor *t = &f->tensors[i];
        int l, m, b;
        if (parse_tensor_name(t->name, n_layers, &l, &m, &b)) continue; /* not reached after check_tensors */
        lora_pair *p = adapter_pair_mut(a, l, m);
        seal_to_f32(b ? p->B : p->A, t->data, t->dtype, (size_t)seal_st_numel(t));
    }
}

int seal_peft_load(seal_adapter *a, const seal_config *cfg, const char *dir) {
    memset(a, 0, sizeof *a);
    if (!seal_is_dir(dir)) return seal_err("%s: no such adapter directory", dir);
    char *cpath = seal_path_join(dir, PEFT_CONFIG_FILE), *wpath = seal_path_join(dir, PEFT_WEIGHTS_FILE);
    int rc = -1;
    peft_params p = {0};
    st_file f = {0};
    if (!seal_is_file(cpath)) { seal_err("%s: no " PEFT_CONFIG_FILE " (not a PEFT adapter directory)", dir); goto done; }
    if (!seal_is_file(wpath)) {
        char *bin = seal_path_join(dir, "adapter_model.bin");
        if (seal_is_file(bin)) seal_err("%s: only adapter_model.safetensors is supported, found adapter_model.bin "
                                        "(re-save with safe_serialization=True)", dir);
        else seal_err("%s: no " PEFT_WEIGHTS_FILE, dir);
        free(bin);
        goto done;
    }
    if (parse_config(cpath, &p)) goto done;
    if (seal_st_open(&f, wpath)) goto done;
    if (check_tensors(&f, cfg, &p, wpath)) goto done;
    if (seal_adapter_init(a, cfg, p.rank, (float)p.alpha, p.use_rslora, (float)p.dropout, p.targets, 0)) {
        seal_err_prefix("%s", cpath);
        goto done;
    }
    copy_tensors(a, &f, cfg->n_layers);
    rc = 0;
done:
    seal_st_close(&f);
    if (rc) seal_adapter_free(a);
    free(cpath);
    free(wpath);
    return rc;
}
