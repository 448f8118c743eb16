/* merge.c: see merge.h. Each output file is streamed: its header is laid
 * out up front (the tensors keep their sizes), then the tensors follow in
 * header order, copied straight from the base model's mapping or, for the
 * adapted projections, merged one block of rows at a time. */
#include "model/merge.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/peft.h"
#include "model/save.h"
#include "util/err.h"
#include "util/fsutil.h"

#define MERGE_BLOCK_BYTES (4u << 20) /* f32 rows merged per block */

/* The adapted (layer, module) a base tensor name is, or -1. */
static int adapted_module(const seal_adapter *a, const char *name, int *layer) {
    static const char *paths[MOD_COUNT] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                           "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
    const char *pre = "model.layers.";
    size_t pl = strlen(pre);
    if (strncmp(name, pre, pl) || name[pl] < '0' || name[pl] > '9') return -1;
    long l = strtol(name + pl, NULL, 10);
    if (l < 0 || l >= a->n_layers) return -1;
    char buf[256];
    for (int m = 0; m < MOD_COUNT; m++) {
        if (!(a->targets >> m & 1)) continue;
        snprintf(buf, sizeof buf, "model.layers.%ld.%s.weight", l, paths[m]);
        if (!strcmp(buf, name)) { *layer = (int)l; return m; }
    }
    return -1;
}

/* The safetensors header for f's tensors, in f's order, data back to back,
 * laid out as seal_st_write does (compact JSON, "__metadata__" first, padded with
 * spaces to 8 bytes). Returns the malloc'd 8-byte length + header. */
static char *build_header(const st_file *f, size_t *len) {
    json_t *root = json_object();
    if (f->n_meta > 0) {
        json_t *meta = json_object();
        for (int i = 0; i < f->n_meta; i++) json_object_set_new(meta, f->meta_keys[i], json_string(f->meta_values[i]));
        json_object_set_new(root, "__metadata__", meta);
    }
    uint64_t off = 0;
    for (int i = 0; i < f->n_tensors; i++) {
        const st_tensor *t = &f->tensors[i];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++) json_array_append_new(shape, json_integer(t->shape[d]));
        json_object_set_new(root, t->name,
                            json_pack("{s:s, s:o, s:[I,I]}", "dtype", seal_dtype_name(t->dtype), "shape", shape,
                                      "data_offsets", (json_int_t)off, (json_int_t)(off + t->nbytes)));
        off += t->nbytes;
    }
    char *hdr = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!hdr) { seal_err("%s: cannot serialize the header", f->path); return NULL; }
    size_t n = strlen(hdr), padded = (n + 7) & ~(size_t)7;
    char *out = seal_malloc(8 + padded);
    for (int i = 0; i < 8; i++) out[i] = (char)((uint64_t)padded >> (8 * i));
    memcpy(out + 8, hdr, n);
    memset(out + 8 + n, ' ', padded - n);
    free(hdr);
    *len = 8 + padded;
    return out;
}

/* Rows o0..o0+nr of W (f32, w [nr][in]) += scale * B A, the delta of each row
 * summed over r in double (d: in doubles of scratch). */
static void add_delta(float *w, int o0, int nr, const lora_pair *p, int rank, double scale, double *d) {
    int in = p->in;
    for (int i = 0; i < nr; i++) {
        const float *b = p->B + (size_t)(o0 + i) * rank;
        memset(d, 0, sizeof(double) * (size_t)in);
        for (int k = 0; k < rank; k++) {
            const float *ak = p->A + (size_t)k * in;
            double bk = b[k];
            for (int c = 0; c < in; c++) d[c] += bk * ak[c];
        }
        float *wr = w + (size_t)i * in;
        for (int c = 0; c < in; c++) wr[c] = (float)((double)wr[c] + scale * d[c]);
    }
}

/* Write W' = W + scale * B A for W = t [out][in] in t's dtype, a block of
 * rows at a time: each row goes to f32, gets the delta (summed over r in
 * double, so that cancellation between W and the delta loses nothing), and
 * is rounded back once. */
static int write_merged(seal_atomic_file *af, const st_tensor *t, const lora_pair *p, int rank, double scale) {
    int out = p->out, in = p->in;
    if (t->ndim != 2 || t->shape[0] != out || t->shape[1] != in)
        return seal_err("%s: tensor %s: shape does not match the adapter", af->path, t->name);
    if (t->dtype != SEAL_F32 && t->dtype != SEAL_BF16 && t->dtype != SEAL_F16)
        return seal_err("%s: tensor %s: cannot merge into dtype %s", af->path, t->name, seal_dtype_name(t->dtype));
    size_t es = seal_dtype_size(t->dtype);
    int block = (int)(MERGE_BLOCK_BYTES / (sizeof(float) * (size_t)in));
    if (block < 1) block = 1;
    if (block > out) block = out;
    float *w = seal_malloc(sizeof(float) * (size_t)block * in);
    double *d = seal_malloc(sizeof(double) * (size_t)in);
    unsigned char *bytes = seal_malloc(es * (size_t)block * in);
    int rc = 0;
    for (int o0 = 0; o0 < out && rc == 0; o0 += block) {
        int nr = out - o0 < block ? out - o0 : block;
        seal_to_f32(w, (const unsigned char *)t->data + (size_t)o0 * in * es, t->dtype, (size_t)nr * in);
        add_delta(w, o0, nr, p, rank, scale, d);
        seal_from_f32(bytes, t->dtype, w, (size_t)nr * in);
        rc = seal_atomic_write(af, bytes, es * (size_t)nr * in);
    }
    free(w);
    free(d);
    free(bytes);
    return rc;
}

typedef struct { merge_progress_fn fn; void *ctx; int done, total; } progress;

/* The scale in double, as PEFT computes it (lora_alpha / r or / math.sqrt(r));
 * a->scale is its f32 rounding, which would cost up to an ulp where W and the
 * delta nearly cancel. */
static double merge_scale(const seal_adapter *a) {
    return a->use_rslora ? (double)a->alpha / sqrt((double)a->rank) : (double)a->alpha / a->rank;
}

static int write_file(const char *path, const st_file *f, const seal_adapter *a, progress *pr) {
    size_t hlen;
    char *hdr = build_header(f, &hlen);
    if (!hdr) return -1;
    seal_atomic_file af;
    if (seal_atomic_begin(&af, path)) { free(hdr); return -1; }
    int rc = seal_atomic_write(&af, hdr, hlen);
    free(hdr);
    for (int i = 0; i < f->n_tensors && rc == 0; i++) {
        const st_tensor *t = &f->tensors[i];
        int layer, mod = adapted_module(a, t->name, &layer);
        if (mod >= 0) rc = write_merged(&af, t, adapter_pair(a, layer, mod), a->rank, merge_scale(a));
        else rc = seal_atomic_write(&af, t->data, t->nbytes);
        if (rc == 0 && pr->fn) pr->fn(pr->ctx, ++pr->done, pr->total, t->name, mod >= 0);
    }
    if (rc) { seal_atomic_abort(&af); return -1; }
    return seal_atomic_commit(&af);
}

/* OUT must not be the model itself nor already hold a model (a stale shard
 * or index there would mix with what we write). */
static int check_out_dir(const char *model_dir, const char *out_dir) {
    if (seal_is_dir(out_dir)) {
        char *rm = realpath(model_dir, NULL), *ro = realpath(out_dir, NULL);
        int same = rm && ro && !strcmp(rm, ro);
        free(rm);
        free(ro);
        if (same) return seal_err("%s: the output directory is the base model's directory", out_dir);
        static const char *model_files[] = {"config.json", "model.safetensors", "model.safetensors.index.json"};
        for (size_t i = 0; i < sizeof model_files / sizeof model_files[0]; i++) {
            char *p = seal_path_join(out_dir, model_files[i]);
            int exists = seal_is_file(p);
            free(p);
            if (exists) return seal_err("%s: already holds a model (%s); give a new or empty directory", out_dir,
                                        model_files[i]);
        }
    } else if (seal_mkdir_p(out_dir)) {
        return -1;
    }
    return 0;
}

int seal_merge_adapter_progress(const char *model_dir, const char *adapter_dir, const char *out_dir,
                           merge_progress_fn fn, void *ctx) {
    seal_model m;
    if (seal_model_load(&m, model_dir)) return -1;
    seal_adapter a;
    int rc = -1;
    if (seal_peft_load(&a, &m.cfg, adapter_dir)) { seal_model_free(&m); return -1; }
    if (check_out_dir(model_dir, out_dir)) goto done;
    progress pr = {fn, ctx, 0, (int)m.weights.n_tensors};
    for (int i = 0; i < m.weights.n_files; i++) {
        const st_file *f = &m.weights.files[i];
        const char *slash = strrchr(f->path, '/');
        char *path = seal_path_join(out_dir, slash ? slash + 1 : f->path);
        int bad = write_file(path, f, &a, &pr);
        free(path);
        if (bad) goto done;
    }
    /* The index (when the base is sharded) still holds: same names, shards and sizes. */
    if (seal_model_copy_file(model_dir, out_dir, "model.safetensors.index.json", 0)) goto done;
    if (seal_model_copy_side_files(model_dir, out_dir)) goto done;
    /* config.json last: a directory left by a failed merge does not load as a model. */
    if (seal_model_copy_file(model_dir, out_dir, "config.json", 1)) goto done;
    rc = 0;
done:
    seal_adapter_free(&a);
    seal_model_free(&m);
    return rc;
}

int seal_merge_adapter(const char *model_dir, const char *adapter_dir, const char *out_dir) {
    return seal_merge_adapter_progress(model_dir, adapter_dir, out_dir, NULL, NULL);
}

int seal_merge_adapter_in_memory(seal_model *m, const seal_adapter *a, seal_dtype round_to) {
    if (!m->owned) return seal_err("merge: the model's weights are not in memory as f32 (seal_model_to_f32 first)");
    if (a->n_layers != m->cfg.n_layers) return seal_err("merge: the adapter has %d layers, the model %d", a->n_layers, m->cfg.n_layers);
    if (round_to != SEAL_F32 && round_to != SEAL_BF16 && round_to != SEAL_F16)
        return seal_err("merge: cannot round into dtype %s", seal_dtype_name(round_to));
    double scale = merge_scale(a), *d = NULL;
    void *rounded = NULL; /* scratch for rounding through round_to, grown as needed */
    int rc = 0;
    for (int l = 0; l < a->n_layers && rc == 0; l++)
        for (int mod = 0; mod < MOD_COUNT && rc == 0; mod++) {
            const lora_pair *p = adapter_pair(a, l, mod);
            seal_mat *w = seal_layer_mat(&m->layers[l], mod);
            if (!p->A) continue;
            if (w->dtype != SEAL_F32 || w->rows != p->out || w->cols != p->in) {
                rc = seal_err("merge: layer %d %s: the matrix does not match the adapter", l, seal_adapter_module_name(mod));
                break;
            }
            d = seal_realloc(d, sizeof(double) * (size_t)p->in);
            float *wf = (float *)w->data; /* owned by m (m->owned) */
            add_delta(wf, 0, p->out, p, a->rank, scale, d);
            if (round_to != SEAL_F32) { /* as a merge into a file of that dtype stores it */
                size_t n = (size_t)p->out * p->in;
                rounded = seal_realloc(rounded, n * seal_dtype_size(round_to));
                seal_from_f32(rounded, round_to, wf, n);
                seal_to_f32(wf, rounded, round_to, n);
            }
        }
    free(rounded);
    free(d);
    return rc;
}
