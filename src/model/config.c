#include "model/config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fsutil.h"
#include "util/json_load.h"

/* Fields of config.json that we read, or know to be irrelevant to the
 * computation. Any other key is accepted (configs carry many informational
 * keys), but the keys below that would change the math are checked. */

static int get_int(json_t *root, const char *path, const char *key, int required, int def, int *out) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        if (required) return seal_err("%s: missing field \"%s\"", path, key);
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (1 << 30))
        return seal_err("%s: field \"%s\" must be a non-negative integer", path, key);
    *out = (int)json_integer_value(v);
    return 0;
}

static int get_num(json_t *root, const char *path, const char *key, double def, double *out) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) { *out = def; return 0; }
    if (!json_is_number(v)) return seal_err("%s: field \"%s\" must be a number", path, key);
    *out = json_number_value(v);
    return 0;
}

static int get_bool(json_t *root, const char *path, const char *key, int def, int *out) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) { *out = def; return 0; }
    if (!json_is_boolean(v)) return seal_err("%s: field \"%s\" must be true or false", path, key);
    *out = json_is_true(v);
    return 0;
}

static int parse_rope_scaling(seal_config *c, json_t *root, const char *path) {
    json_t *rs = json_object_get(root, "rope_scaling");
    if (!rs || json_is_null(rs)) return 0;
    if (!json_is_object(rs)) return seal_err("%s: field \"rope_scaling\" must be an object or null", path);
    json_t *type = json_object_get(rs, "rope_type");
    if (!type) type = json_object_get(rs, "type");
    const char *t = json_is_string(type) ? json_string_value(type) : "(none)";
    if (strcmp(t, "default") == 0) return 0;
    if (strcmp(t, "llama3") != 0)
        return seal_err("%s: rope_scaling type \"%s\" is not supported (supported: llama3)", path, t);
    c->rope_llama3 = 1;
    if (get_num(rs, path, "factor", 8.0, &c->rope_factor) || get_num(rs, path, "low_freq_factor", 1.0, &c->rope_low_freq_factor) ||
        get_num(rs, path, "high_freq_factor", 4.0, &c->rope_high_freq_factor) ||
        get_int(rs, path, "original_max_position_embeddings", 1, 0, &c->rope_original_max_pos))
        return seal_err_prefix("rope_scaling");
    if (c->rope_factor <= 0 || c->rope_high_freq_factor <= c->rope_low_freq_factor || c->rope_low_freq_factor <= 0)
        return seal_err("%s: rope_scaling: need factor > 0 and high_freq_factor > low_freq_factor > 0", path);
    return 0;
}

static int parse_token_ids(seal_config *c, json_t *root, const char *path) {
    json_t *bos = json_object_get(root, "bos_token_id");
    c->bos_id = json_is_integer(bos) ? (int)json_integer_value(bos) : -1;
    json_t *eos = json_object_get(root, "eos_token_id");
    c->n_eos = 0;
    if (json_is_integer(eos)) c->eos_ids[c->n_eos++] = (int)json_integer_value(eos);
    else if (json_is_array(eos)) {
        size_t i;
        json_t *e;
        json_array_foreach(eos, i, e) {
            if (!json_is_integer(e)) return seal_err("%s: eos_token_id[%zu] must be an integer", path, i);
            if (c->n_eos < 8) c->eos_ids[c->n_eos++] = (int)json_integer_value(e);
        }
    } else if (eos && !json_is_null(eos)) return seal_err("%s: eos_token_id must be an integer or a list", path);
    return 0;
}

/* Options that change the computation and that we do not implement. */
static int refuse_unsupported(json_t *root, const char *path) {
    json_t *act = json_object_get(root, "hidden_act");
    if (act && (!json_is_string(act) || strcmp(json_string_value(act), "silu") != 0))
        return seal_err("%s: hidden_act \"%s\" is not supported (supported: silu)", path,
                        json_is_string(act) ? json_string_value(act) : "?");
    int sw = 0;
    if (get_bool(root, path, "use_sliding_window", 0, &sw)) return -1;
    if (sw) return seal_err("%s: use_sliding_window true is not supported", path);
    if (json_object_get(root, "quantization_config"))
        return seal_err("%s: quantization_config is not supported (use bf16, f16 or f32 weights)", path);
    int tp = 1;
    if (get_int(root, path, "pretraining_tp", 0, 1, &tp)) return -1;
    /* pretraining_tp > 1 only splits the same matmuls in HF: the math is identical. */
    return 0;
}

/* Upper bounds on the sizes in config.json, a few times those of the largest
 * public models: a size beyond them is a typo or a hostile file, and would
 * otherwise surface as an out-of-memory abort naming nothing. */
enum { MAX_HIDDEN = 1 << 16, MAX_FFN = 1 << 18, MAX_LAYERS = 1 << 10, MAX_HEADS = 1 << 10, MAX_VOCAB = 1 << 22,
       MAX_POSITIONS = 1 << 24, MAX_HEAD_DIM = 1 << 11 };

static int check_size(const char *path, const char *key, int v, int max) {
    if (v <= 0 || v > max) return seal_err("%s: field \"%s\" is %d: must be in [1, %d]", path, key, v, max);
    return 0;
}

static int check_sizes(const seal_config *c, const char *path) {
    return check_size(path, "hidden_size", c->hidden, MAX_HIDDEN) ||
           check_size(path, "intermediate_size", c->ffn, MAX_FFN) ||
           check_size(path, "num_hidden_layers", c->n_layers, MAX_LAYERS) ||
           check_size(path, "num_attention_heads", c->n_heads, MAX_HEADS) ||
           check_size(path, "num_key_value_heads", c->n_kv_heads, MAX_HEADS) ||
           check_size(path, "vocab_size", c->vocab, MAX_VOCAB) ||
           check_size(path, "max_position_embeddings", c->max_pos, MAX_POSITIONS) ? -1 : 0;
}

static int parse_root(seal_config *c, json_t *root, const char *path) {
    memset(c, 0, sizeof *c);
    int rc = -1;
    if (!json_is_object(root)) { seal_err("%s: expected a JSON object", path); goto done; }

    json_t *archs = json_object_get(root, "architectures");
    json_t *mt = json_object_get(root, "model_type");
    const char *arch = json_is_array(archs) && json_array_size(archs) > 0 && json_is_string(json_array_get(archs, 0))
                           ? json_string_value(json_array_get(archs, 0)) : NULL;
    const char *type = json_is_string(mt) ? json_string_value(mt) : NULL;
    if (!arch && type) arch = strcmp(type, "llama") == 0 ? "LlamaForCausalLM" : strcmp(type, "qwen2") == 0 ? "Qwen2ForCausalLM" : type;
    if (!arch) { seal_err("%s: no \"architectures\" or \"model_type\"", path); goto done; }
    if (strcmp(arch, "LlamaForCausalLM") == 0) c->arch = ARCH_LLAMA;
    else if (strcmp(arch, "Qwen2ForCausalLM") == 0) c->arch = ARCH_QWEN2;
    else { seal_err("%s: architecture \"%s\" is not supported (supported: LlamaForCausalLM, Qwen2ForCausalLM)", path, arch); goto done; }
    snprintf(c->arch_name, sizeof c->arch_name, "%s", arch);
    snprintf(c->model_type, sizeof c->model_type, "%s", c->arch == ARCH_LLAMA ? "llama" : "qwen2");
    if (refuse_unsupported(root, path)) goto done;

    if (get_int(root, path, "hidden_size", 1, 0, &c->hidden) || get_int(root, path, "intermediate_size", 1, 0, &c->ffn) ||
        get_int(root, path, "num_hidden_layers", 1, 0, &c->n_layers) ||
        get_int(root, path, "num_attention_heads", 1, 0, &c->n_heads) ||
        get_int(root, path, "num_key_value_heads", 0, c->n_heads, &c->n_kv_heads) ||
        get_int(root, path, "vocab_size", 1, 0, &c->vocab) ||
        get_int(root, path, "max_position_embeddings", 0, 2048, &c->max_pos))
        goto done;
    if (check_sizes(c, path)) goto done;
    if (c->n_heads % c->n_kv_heads) {
        seal_err("%s: num_attention_heads %d is not a multiple of num_key_value_heads %d", path, c->n_heads, c->n_kv_heads);
        goto done;
    }
    json_t *hd = json_object_get(root, "head_dim");
    if (hd && !json_is_null(hd)) { if (get_int(root, path, "head_dim", 1, 0, &c->head_dim)) goto done; }
    else {
        if (c->hidden % c->n_heads) { seal_err("%s: hidden_size %d is not a multiple of num_attention_heads %d", path, c->hidden, c->n_heads); goto done; }
        c->head_dim = c->hidden / c->n_heads;
    }
    if (c->head_dim <= 0 || c->head_dim % 2 || c->head_dim > MAX_HEAD_DIM) {
        seal_err("%s: head_dim %d must be positive, even and at most %d", path, c->head_dim, MAX_HEAD_DIM);
        goto done;
    }

    double def_theta = c->arch == ARCH_QWEN2 ? 1000000.0 : 10000.0;
    if (get_num(root, path, "rms_norm_eps", 1e-6, &c->rms_eps) || get_num(root, path, "rope_theta", def_theta, &c->rope_theta)) goto done;
    if (c->rope_theta <= 0 || c->rms_eps < 0) { seal_err("%s: rope_theta must be > 0 and rms_norm_eps >= 0", path); goto done; }
    if (get_bool(root, path, "tie_word_embeddings", 0, &c->tie_embeddings)) goto done;
    if (c->arch == ARCH_LLAMA) {
        int ab = 0;
        if (get_bool(root, path, "attention_bias", 0, &ab) || get_bool(root, path, "mlp_bias", 0, &c->mlp_bias)) goto done;
        c->qkv_bias = c->o_bias = ab;
    } else {
        c->qkv_bias = 1;
    }
    if (parse_rope_scaling(c, root, path) || parse_token_ids(c, root, path)) goto done;
    json_t *td = json_object_get(root, "torch_dtype");
    snprintf(c->torch_dtype, sizeof c->torch_dtype, "%s", json_is_string(td) ? json_string_value(td) : "");
    rc = 0;
done:
    return rc;
}

int seal_config_parse(seal_config *c, const char *text, const char *path) {
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root) return seal_err("%s: not valid JSON: line %d column %d: %s", path, jerr.line, jerr.column, jerr.text);
    int rc = parse_root(c, root, path);
    json_decref(root);
    return rc;
}

int seal_config_load(seal_config *c, const char *dir) {
    if (!seal_is_dir(dir)) return seal_err("%s: no such model directory", dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (!seal_is_file(path)) return seal_err("%s: cannot open (is %s a model directory?)", path, dir);
    json_t *root = seal_json_load_file(path, 0);
    if (!root) return -1;
    int rc = parse_root(c, root, path);
    json_decref(root);
    return rc;
}

void seal_config_rope_inv_freq(const seal_config *c, double *inv_freq) {
    int half = c->head_dim / 2;
    for (int i = 0; i < half; i++) {
        double f = 1.0 / pow(c->rope_theta, (2.0 * i) / c->head_dim);
        if (c->rope_llama3) { /* HF _compute_llama3_parameters */
            double low_wavelen = c->rope_original_max_pos / c->rope_low_freq_factor;
            double high_wavelen = c->rope_original_max_pos / c->rope_high_freq_factor;
            double wavelen = 2.0 * M_PI / f;
            double scaled = wavelen > low_wavelen ? f / c->rope_factor : f;
            if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {
                double smooth = (c->rope_original_max_pos / wavelen - c->rope_low_freq_factor) /
                                (c->rope_high_freq_factor - c->rope_low_freq_factor);
                scaled = (1.0 - smooth) * scaled / c->rope_factor + smooth * scaled;
            }
            f = scaled;
        }
        inv_freq[i] = f;
    }
}

/* bos_token_id, and eos_token_id as an integer or a list, as HF writes them. */
static void set_token_ids(json_t *o, const seal_config *c) {
    if (c->bos_id >= 0) json_object_set_new(o, "bos_token_id", json_integer(c->bos_id));
    if (c->n_eos == 1) json_object_set_new(o, "eos_token_id", json_integer(c->eos_ids[0]));
    else if (c->n_eos > 1) {
        json_t *a = json_array();
        for (int i = 0; i < c->n_eos; i++) json_array_append_new(a, json_integer(c->eos_ids[i]));
        json_object_set_new(o, "eos_token_id", a);
    }
}

int seal_config_save(const seal_config *c, const char *dir) {
    json_t *o = json_object();
    json_object_set_new(o, "architectures", json_pack("[s]", c->arch_name));
    json_object_set_new(o, "model_type", json_string(c->model_type));
    json_object_set_new(o, "hidden_size", json_integer(c->hidden));
    json_object_set_new(o, "intermediate_size", json_integer(c->ffn));
    json_object_set_new(o, "num_hidden_layers", json_integer(c->n_layers));
    json_object_set_new(o, "num_attention_heads", json_integer(c->n_heads));
    json_object_set_new(o, "num_key_value_heads", json_integer(c->n_kv_heads));
    json_object_set_new(o, "head_dim", json_integer(c->head_dim));
    json_object_set_new(o, "vocab_size", json_integer(c->vocab));
    json_object_set_new(o, "max_position_embeddings", json_integer(c->max_pos));
    json_object_set_new(o, "rms_norm_eps", json_real(c->rms_eps));
    json_object_set_new(o, "rope_theta", json_real(c->rope_theta));
    json_object_set_new(o, "hidden_act", json_string("silu"));
    json_object_set_new(o, "tie_word_embeddings", json_boolean(c->tie_embeddings));
    if (c->arch == ARCH_LLAMA) {
        json_object_set_new(o, "attention_bias", json_boolean(c->qkv_bias));
        json_object_set_new(o, "mlp_bias", json_boolean(c->mlp_bias));
    } else {
        json_object_set_new(o, "use_sliding_window", json_false());
    }
    if (c->rope_llama3)
        json_object_set_new(o, "rope_scaling", json_pack("{s:s, s:f, s:f, s:f, s:i}", "rope_type", "llama3",
            "factor", c->rope_factor, "low_freq_factor", c->rope_low_freq_factor,
            "high_freq_factor", c->rope_high_freq_factor, "original_max_position_embeddings", c->rope_original_max_pos));
    else
        json_object_set_new(o, "rope_scaling", json_null());
    set_token_ids(o, c);
    if (c->torch_dtype[0]) json_object_set_new(o, "torch_dtype", json_string(c->torch_dtype));
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *text = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    int rc = seal_write_file_atomic(path, text, strlen(text));
    free(text);
    return rc;
}

int seal_config_load_generation(seal_config *c, const char *dir, seal_gen_defaults *d) {
    char *path = seal_path_join(dir, "generation_config.json");
    if (!seal_is_file(path)) { free(path); return 0; }
    json_t *root = seal_json_load_file(path, 0);
    int rc = 0;
    if (!root) rc = -1;
    else if (!json_is_object(root)) rc = seal_err("%s: expected a JSON object", path);
    else {
        seal_config extra = {0};
        rc = parse_token_ids(&extra, root, path);
        for (int i = 0; rc == 0 && i < extra.n_eos; i++) {
            int seen = 0;
            for (int j = 0; j < c->n_eos; j++) seen |= c->eos_ids[j] == extra.eos_ids[i];
            if (!seen && c->n_eos < 8) c->eos_ids[c->n_eos++] = extra.eos_ids[i];
        }
        json_t *ds = json_object_get(root, "do_sample");
        d->do_sample = json_is_boolean(ds) ? json_is_true(ds) : -1;
        if (rc == 0) rc = get_num(root, path, "temperature", d->temperature, &d->temperature);
        if (rc == 0) rc = get_num(root, path, "top_p", d->top_p, &d->top_p);
        if (rc == 0) rc = get_num(root, path, "min_p", d->min_p, &d->min_p);
        if (rc == 0) rc = get_num(root, path, "repetition_penalty", d->repetition_penalty, &d->repetition_penalty);
        if (rc == 0) rc = get_int(root, path, "top_k", 0, d->top_k, &d->top_k);
        if (rc == 0) rc = get_int(root, path, "max_new_tokens", 0, d->max_new_tokens, &d->max_new_tokens);
    }
    json_decref(root);
    free(path);
    return rc;
}

int seal_config_save_generation(const seal_config *c, const char *dir) {
    json_t *o = json_object();
    set_token_ids(o, c);
    json_object_set_new(o, "transformers_version", json_string("4.52.4"));
    char *path = seal_path_join(dir, "generation_config.json");
    char *text = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    int rc = seal_write_file_atomic(path, text, strlen(text));
    free(text);
    free(path);
    return rc;
}
