/* PEFT adapter files and merging, on synthetic "micro" models written by the
 * library itself (no external asset):
 *  - seal_peft_save then seal_peft_load gives back the adapter bit for bit (F32), or
 *    bf16-rounded (BF16); the config text is PEFT's (sorted keys, indent 2);
 *    rsLoRA's scale is alpha / sqrt(r);
 *  - malformed or unsupported adapters are refused with a message naming the
 *    field or tensor;
 *  - a merged model scores like the base model with the adapter applied at
 *    run time: within 1e-4 for an F32 base (measured ~1e-6), and within
 *    2e-2 for a BF16 base (measured ~1.1e-2): the merged weights are rounded
 *    to bf16 once, while the run-time path adds the f32 delta to the bf16
 *    weights' product, so they differ by one bf16 rounding (2^-9 relative)
 *    per weight; how far that moves a logprob depends on how peaked the
 *    model is (weights std 0.1 here; with std 0.3 it reaches ~6e-2).
 *    Each merged element is also checked against W + scale*BA in double,
 *    rounded once (at most 1 ulp apart);
 *  - seal_merge_adapter_in_memory gives the merged files' weights bit for bit. */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "io/safetensors.h"
#include "model/merge.h"
#include "model/peft.h"
#include "model/score.h"
#include "model/synth.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rng.h"

static char root[] = "/tmp/seal_test_peft_XXXXXX";

static char *path2(const char *a, const char *b) { return seal_path_join(a, b); }

/* Fill every B with N(0, std^2) so the adapter is not a no-op. */
static void randomize_b(seal_adapter *a, uint64_t seed, float std) {
    seal_rng r;
    seal_rng_seed(&r, seed);
    for (int l = 0; l < a->n_layers; l++)
        for (int m = 0; m < MOD_COUNT; m++) {
            lora_pair *p = adapter_pair_mut(a, l, m);
            if (!p->B) continue;
            for (size_t i = 0; i < (size_t)p->out * a->rank; i++) p->B[i] = (float)seal_rng_normal(&r) * std;
        }
}

/* 1 when both adapters have the same shape and bit-identical A and B. */
static int same_adapter(const seal_adapter *x, const seal_adapter *y) {
    if (x->n_layers != y->n_layers || x->rank != y->rank || x->targets != y->targets || x->alpha != y->alpha ||
        x->use_rslora != y->use_rslora || x->scale != y->scale || x->n_params != y->n_params)
        return 0;
    for (int l = 0; l < x->n_layers; l++)
        for (int m = 0; m < MOD_COUNT; m++) {
            const lora_pair *p = adapter_pair(x, l, m), *q = adapter_pair(y, l, m);
            if (!p->A != !q->A) return 0;
            if (!p->A) continue;
            if (p->in != q->in || p->out != q->out) return 0;
            if (memcmp(p->A, q->A, sizeof(float) * (size_t)x->rank * p->in)) return 0;
            if (memcmp(p->B, q->B, sizeof(float) * (size_t)p->out * x->rank)) return 0;
        }
    return 1;
}

static void test_roundtrip(const seal_config *cfg) {
    seal_adapter a, b;
    unsigned targets = 1u << MOD_Q | 1u << MOD_V | 1u << MOD_DOWN;
    CHECK(seal_adapter_init(&a, cfg, 4, 8.0f, 0, 0.05f, targets, 3) == 0);
    randomize_b(&a, 4, 0.1f);
    char *dir = path2(root, "ad_f32");
    CHECK(seal_peft_save(&a, dir, "synth/micro", SEAL_F32) == 0);
    CHECK_MSG(seal_peft_load(&b, cfg, dir) == 0, "%s", seal_errmsg());
    CHECK(same_adapter(&a, &b));
    CHECK(b.scale == 2.0f);
    CHECK_NEAR(b.dropout, 0.05, 1e-7);
    seal_adapter_free(&b);

    /* the config text, as PEFT 0.15 writes it */
    char *cpath = path2(dir, PEFT_CONFIG_FILE);
    char *text = seal_read_file(cpath, NULL);
    CHECK(text && !strncmp(text, "{\n  \"alpha_pattern\": {},\n  \"auto_mapping\": null,\n"
                                 "  \"base_model_name_or_path\": \"synth/micro\",\n  \"bias\": \"none\",", 110));
    CHECK(text && strstr(text, "\n  \"lora_alpha\": 8,\n  \"lora_bias\": false,\n  \"lora_dropout\": 0.05,\n"));
    CHECK(text && strstr(text, "\"target_modules\": [\n    \"down_proj\",\n    \"q_proj\",\n    \"v_proj\"\n  ],"));
    CHECK(text && strstr(text, "\n  \"use_rslora\": false\n}") && text[strlen(text) - 1] == '}');
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    CHECK(j && json_object_size(j) == 29);
    CHECK(j && json_is_true(json_object_get(j, "inference_mode")) && json_is_null(json_object_get(j, "modules_to_save")));
    CHECK(j && !strcmp(json_string_value(json_object_get(j, "megatron_core")), "megatron.core"));
    json_decref(j);
    free(text);
    free(cpath);

    /* tensor names and the metadata PEFT writes */
    char *wpath = path2(dir, PEFT_WEIGHTS_FILE);
    st_file f;
    CHECK(seal_st_open(&f, wpath) == 0);
    CHECK(f.n_tensors == 2 * 3 * cfg->n_layers);
    CHECK(f.n_tensors > 0 && !strcmp(f.tensors[0].name, "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight"));
    CHECK(f.n_meta == 1 && !strcmp(f.meta_keys[0], "format") && !strcmp(f.meta_values[0], "pt"));
    seal_st_close(&f);
    free(wpath);
    free(dir);

    /* BF16: values come back rounded to bf16 */
    dir = path2(root, "ad_bf16");
    CHECK(seal_peft_save(&a, dir, NULL, SEAL_BF16) == 0);
    CHECK_MSG(seal_peft_load(&b, cfg, dir) == 0, "%s", seal_errmsg());
    const lora_pair *p = adapter_pair(&a, 1, MOD_V), *q = adapter_pair(&b, 1, MOD_V);
    int bad = 0;
    for (int i = 0; i < a.rank * p->in; i++) bad += q->A[i] != seal_bf16_to_f32(seal_f32_to_bf16(p->A[i]));
    for (int i = 0; i < a.rank * p->out; i++) bad += q->B[i] != seal_bf16_to_f32(seal_f32_to_bf16(p->B[i]));
    CHECK(bad == 0);
    seal_adapter_free(&b);
    free(dir);
    seal_adapter_free(&a);

    /* rsLoRA: scale alpha / sqrt(r), flag kept */
    CHECK(seal_adapter_init(&a, cfg, 16, 4.0f, 1, 0.0f, (1u << MOD_COUNT) - 1, 5) == 0);
    randomize_b(&a, 6, 0.1f);
    dir = path2(root, "ad_rs");
    CHECK(seal_peft_save(&a, dir, "x", SEAL_F32) == 0);
    CHECK_MSG(seal_peft_load(&b, cfg, dir) == 0, "%s", seal_errmsg());
    CHECK(same_adapter(&a, &b));
    CHECK(b.use_rslora && b.scale == 1.0f && b.targets == (1u << MOD_COUNT) - 1);
    seal_adapter_free(&b);
    seal_adapter_free(&a);
    free(dir);
}

/* ---- bad adapters -------------------------------------------------------- */

/* A copy of the good adapter src in root/name with config key set to the
 * JSON value (NULL: keep), or config text replaced wholesale. */
static char *bad_config(const char *src, const char *name, const char *key, const char *value, const char *text) {
    char *dir = path2(root, name);
    CHECK(seal_mkdir_p(dir) == 0);
    char *sw = path2(src, PEFT_WEIGHTS_FILE), *dw = path2(dir, PEFT_WEIGHTS_FILE);
    size_t len;
    char *buf = seal_read_file(sw, &len);
    CHECK(buf && seal_write_file_atomic(dw, buf, len) == 0);
    free(buf);
    char *sc = path2(src, PEFT_CONFIG_FILE), *dc = path2(dir, PEFT_CONFIG_FILE);
    if (text) {
        CHECK(seal_write_file_atomic(dc, text, strlen(text)) == 0);
    } else {
        json_t *j = json_load_file(sc, 0, NULL);
        json_object_set_new(j, key, json_loads(value, JSON_DECODE_ANY, NULL));
        CHECK(json_dump_file(j, dc, JSON_INDENT(2)) == 0);
        json_decref(j);
    }
    free(sw); free(dw); free(sc); free(dc);
    return dir;
}

/* A copy of the good adapter with its tensors edited: drop the tensor named
 * drop, reshape the one named reshape to [r][in+1], add one named extra. */
static char *bad_tensors(const char *src, const char *name, const char *drop, const char *reshape, const char *extra) {
    char *dir = path2(root, name);
    CHECK(seal_mkdir_p(dir) == 0);
    char *sc = path2(src, PEFT_CONFIG_FILE), *dc = path2(dir, PEFT_CONFIG_FILE);
    char *buf = seal_read_file(sc, NULL);
    CHECK(buf && seal_write_file_atomic(dc, buf, strlen(buf)) == 0);
    free(buf);
    char *sw = path2(src, PEFT_WEIGHTS_FILE), *dw = path2(dir, PEFT_WEIGHTS_FILE);
    st_file f;
    CHECK(seal_st_open(&f, sw) == 0);
    st_write_tensor *ts = calloc((size_t)f.n_tensors + 1, sizeof *ts);
    static float zeros[4096];
    int n = 0;
    for (int i = 0; i < f.n_tensors; i++) {
        st_tensor *t = &f.tensors[i];
        if (drop && !strcmp(t->name, drop)) continue;
        st_write_tensor *w = &ts[n++];
        w->name = t->name; w->dtype = t->dtype; w->ndim = t->ndim; w->data = t->data;
        memcpy(w->shape, t->shape, sizeof t->shape);
        if (reshape && !strcmp(t->name, reshape)) { w->shape[1] += 1; w->data = zeros; }
    }
    if (extra) {
        st_write_tensor *w = &ts[n++];
        w->name = extra; w->dtype = SEAL_F32; w->ndim = 2; w->shape[0] = 4; w->shape[1] = 64; w->data = zeros;
    }
    CHECK(seal_st_write(dw, ts, n, NULL, NULL, 0) == 0);
    seal_st_close(&f);
    free(ts); free(sc); free(dc); free(sw); free(dw);
    return dir;
}

static void test_bad(const seal_config *cfg) {
    seal_adapter a, b;
    CHECK(seal_adapter_init(&a, cfg, 4, 8.0f, 0, 0.0f, 1u << MOD_Q | 1u << MOD_V, 3) == 0);
    char *good = path2(root, "good");
    CHECK(seal_peft_save(&a, good, NULL, SEAL_F32) == 0);
    seal_adapter_free(&a);
    static const struct { const char *key, *value, *needle; } cfg_cases[] = {
        {"target_modules", "[\"q_proj\", \"foo_proj\"]", "foo_proj"},
        {"target_modules", "\".*\\\\.(q|v)_proj\"", "target_modules"},
        {"use_dora", "true", "use_dora"},
        {"bias", "\"all\"", "\"bias\""},
        {"rank_pattern", "{\"q_proj\": 8}", "rank_pattern"},
        {"alpha_pattern", "{\"v_proj\": 2}", "alpha_pattern"},
        {"layers_to_transform", "[0]", "layers_to_transform"},
        {"modules_to_save", "[\"lm_head\"]", "modules_to_save"},
        {"fan_in_fan_out", "true", "fan_in_fan_out"},
        {"peft_type", "\"PREFIX_TUNING\"", "peft_type"},
        {"r", "0", "\"r\""},
        {"r", "8", "has shape [4, 64] but this model and r=8 need [8, 64]"},
        {"lora_alpha", "\"16\"", "lora_alpha"},
        {"target_modules", "[\"q_proj\"]", "module v_proj is not in target_modules"},
        {"target_modules", "[\"q_proj\", \"v_proj\", \"k_proj\"]", "missing tensor \"base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight\""},
        {"target_modules", "\"all-linear\"", "missing tensor \"base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight\""},
        {"r", "60000", "this model and r=60000 need [60000, 64]"}, /* refused before allocating */
        {"lora_dropout", "1.0", "lora_dropout"},
        {"trainable_token_indices", "[5, 7]", "trainable_token_indices"},
    };
    for (size_t i = 0; i < sizeof cfg_cases / sizeof cfg_cases[0]; i++) {
        char *d = bad_config(good, "bad_cfg", cfg_cases[i].key, cfg_cases[i].value, NULL);
        CHECK_ERR(seal_peft_load(&b, cfg, d), cfg_cases[i].needle);
        seal_adapter_free(&b);
        free(d);
    }
    char *d = bad_config(good, "bad_json", NULL, NULL, "{\"peft_type\": \"LORA\", \"r\": 4,");
    CHECK_ERR(seal_peft_load(&b, cfg, d), "adapter_config.json: not valid JSON");
    free(d);

    const char *qa1 = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";
    d = bad_tensors(good, "bad_missing", qa1, NULL, NULL);
    CHECK_ERR(seal_peft_load(&b, cfg, d), "missing tensor \"base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight\"");
    free(d);
    d = bad_tensors(good, "bad_shape", NULL, qa1, NULL);
    CHECK_ERR(seal_peft_load(&b, cfg, d), "q_proj.lora_A.weight\" has shape [4, 65] but this model and r=4 need [4, 64]");
    free(d);
    d = bad_tensors(good, "bad_lm_head", NULL, NULL, "base_model.model.lm_head.lora_A.weight");
    CHECK_ERR(seal_peft_load(&b, cfg, d), "unexpected tensor \"base_model.model.lm_head.lora_A.weight\"");
    free(d);
    d = bad_tensors(good, "bad_embed", NULL, NULL, "base_model.model.model.embed_tokens.lora_embedding_A");
    CHECK_ERR(seal_peft_load(&b, cfg, d), "embed_tokens.lora_embedding_A");
    free(d);
    d = bad_tensors(good, "bad_layer", NULL, NULL, "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight");
    CHECK_ERR(seal_peft_load(&b, cfg, d), "layer 7 does not exist");
    free(d);
    d = bad_tensors(good, "bad_nosuffix", NULL, NULL, "base_model.model.model.layers.0.self_attn.q_proj.lora_A");
    CHECK_ERR(seal_peft_load(&b, cfg, d), "unexpected tensor");
    free(d);
    CHECK_ERR(seal_peft_load(&b, cfg, root), "no adapter_config.json");
    free(good);
    /* a non-finite alpha is refused at init, and by seal_peft_save before it writes
     * anything (it crashed in py_float and left weights without a config) */
    CHECK_ERR(seal_adapter_init(&b, cfg, 4, NAN, 0, 0.0f, 1u << MOD_Q, 3), "alpha must be a finite number");
    CHECK(seal_adapter_init(&a, cfg, 4, 8.0f, 0, 0.0f, 1u << MOD_Q, 3) == 0);
    a.alpha = INFINITY;
    char *nan_dir = path2(root, "nan_alpha");
    CHECK_ERR(seal_peft_save(&a, nan_dir, NULL, SEAL_F32), "must be finite");
    CHECK(!seal_is_dir(nan_dir));
    seal_adapter_free(&a);
    free(nan_dir);
}

/* ---- merge ---------------------------------------------------------------- */

/* logprobs of ids under the model in dir, with adapter a (or none). */
static int score_dir(const char *dir, const seal_adapter *a, const int *ids, int n, double *lp) {
    seal_model m;
    if (seal_model_load(&m, dir)) { CHECK_MSG(0, "%s", seal_errmsg()); return -1; }
    seal_pool *pool = seal_pool_create(1);
    seal_fwd f;
    seal_kvcache kv;
    int rc = seal_fwd_init(&f, &m, pool, 16, n) || seal_kv_init(&kv, &m.cfg, 1, n);
    if (rc == 0) {
        if (a) seal_fwd_set_adapter(&f, a);
        rc = seal_score_sequence(&f, &kv, ids, n, lp, NULL);
        seal_fwd_free(&f);
        seal_kv_free(&kv);
    }
    seal_pool_destroy(pool);
    seal_model_free(&m);
    return rc;
}

static int same_file(const char *a, const char *b) {
    size_t na, nb;
    char *x = seal_read_file(a, &na), *y = seal_read_file(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

typedef struct { seal_model *file; int checked, differ; } mat_pair;

/* model_mat_fn: does w (f32, merged in memory) equal the same-named matrix of
 * ctx->file (the merged files, in their dtype) bit for bit once widened? */
static void same_as_file(void *ctx, const char *name, seal_mat *w) {
    mat_pair *mp = ctx;
    const st_tensor *t = seal_st_find(&mp->file->weights, name);
    mp->checked++;
    if (!t || (size_t)w->rows * w->cols * seal_dtype_size(t->dtype) != t->nbytes) { mp->differ++; return; }
    size_t n = (size_t)w->rows * w->cols;
    float *f = malloc(n * sizeof *f);
    seal_to_f32(f, t->data, t->dtype, n);
    mp->differ += memcmp(f, w->data, n * sizeof *f) != 0;
    free(f);
}

static void test_merge(seal_config *cfg, seal_dtype dt, const char *tag, double tol) {
    char *base = path2(root, tag), sub[64];
    CHECK(seal_synth_write(base, cfg, dt, 9, 0.1f) == 0);
    char *gen = path2(base, "generation_config.json");
    CHECK(seal_write_file_atomic(gen, "{\"eos_token_id\": 2}\n", 20) == 0);
    free(gen);
    seal_adapter a;
    CHECK(seal_adapter_init(&a, cfg, 8, 16.0f, 1, 0.0f, (1u << MOD_COUNT) - 1 - (1u << MOD_K), 11) == 0);
    randomize_b(&a, 12, 0.05f);
    snprintf(sub, sizeof sub, "%s_adapter", tag);
    char *adir = path2(root, sub);
    CHECK(seal_peft_save(&a, adir, base, SEAL_F32) == 0);
    seal_adapter b;
    CHECK(seal_peft_load(&b, cfg, adir) == 0);
    snprintf(sub, sizeof sub, "%s_merged", tag);
    char *out = path2(root, sub);
    CHECK_MSG(seal_merge_adapter(base, adir, out) == 0, "%s", seal_errmsg());

    enum { N = 40 };
    int ids[N];
    seal_rng r;
    seal_rng_seed(&r, 1);
    for (int i = 0; i < N; i++) ids[i] = (int)seal_rng_below(&r, (uint64_t)cfg->vocab);
    double lp_base[N], lp_rt[N], lp_merged[N];
    CHECK(score_dir(base, NULL, ids, N, lp_base) == 0);
    CHECK(score_dir(base, &b, ids, N, lp_rt) == 0);
    CHECK(score_dir(out, NULL, ids, N, lp_merged) == 0);
    double d_merge = 0, d_effect = 0;
    for (int i = 0; i < N - 1; i++) {
        d_merge = fmax(d_merge, fabs(lp_merged[i] - lp_rt[i]));
        d_effect = fmax(d_effect, fabs(lp_base[i] - lp_rt[i]));
    }
    printf("merge %s: max |merged - run-time adapter| = %.3g (tol %g); adapter effect %.3g\n", tag, d_merge, tol, d_effect);
    CHECK(d_merge <= tol);
    CHECK(d_effect > 20 * tol); /* the adapter matters, so the comparison means something */

    /* untouched tensors and files bit-exact, merged tensors in the base dtype */
    st_set sb, so;
    CHECK(seal_st_open_dir(&sb, base) == 0 && seal_st_open_dir(&so, out) == 0);
    const st_tensor *e0 = seal_st_find(&sb, "model.embed_tokens.weight"), *e1 = seal_st_find(&so, "model.embed_tokens.weight");
    CHECK(e0 && e1 && e0->nbytes == e1->nbytes && !memcmp(e0->data, e1->data, e0->nbytes));
    const st_tensor *k0 = seal_st_find(&sb, "model.layers.1.self_attn.k_proj.weight"),
                    *k1 = seal_st_find(&so, "model.layers.1.self_attn.k_proj.weight");
    CHECK(k0 && k1 && !memcmp(k0->data, k1->data, k0->nbytes));
    const st_tensor *q0 = seal_st_find(&sb, "model.layers.1.self_attn.q_proj.weight"),
                    *q1 = seal_st_find(&so, "model.layers.1.self_attn.q_proj.weight");
    CHECK(q0 && q1 && q1->dtype == dt && memcmp(q0->data, q1->data, q0->nbytes));
    CHECK(sb.n_tensors == so.n_tensors);
    /* every element of a merged matrix is W + scale * B A (double reference)
     * rounded once to the base dtype: equal, or 1 ulp off when the f32
     * intermediate sits on a rounding boundary */
    if (q0 && q1) {
        const lora_pair *p = adapter_pair(&b, 1, MOD_Q);
        double scale = b.use_rslora ? b.alpha / sqrt((double)b.rank) : (double)b.alpha / b.rank; /* as PEFT */
        int far = 0;
        for (int o = 0; o < p->out; o++)
            for (int c = 0; c < p->in; c++) {
                double ref = 0;
                for (int k = 0; k < b.rank; k++) ref += (double)p->B[o * b.rank + k] * p->A[k * p->in + c];
                float w0, w1, want;
                size_t at = (size_t)o * p->in + c, es = seal_dtype_size(dt);
                seal_to_f32(&w0, (const char *)q0->data + at * es, dt, 1);
                seal_to_f32(&w1, (const char *)q1->data + at * es, dt, 1);
                float reff = (float)(w0 + scale * ref);
                unsigned char raw[4];
                seal_from_f32(raw, dt, &reff, 1);
                seal_to_f32(&want, raw, dt, 1);
                double ulp = dt == SEAL_F32 ? fabs(want) * 0x1p-23 : fabs(want) * 0x1p-7;
                far += fabs(w1 - want) > ulp * 1.01;
            }
        CHECK_MSG(far == 0, "%d elements of layer 1 q_proj off by more than 1 ulp", far);
    }
    seal_st_close_set(&sb);
    seal_st_close_set(&so);
    char *c0 = path2(base, "config.json"), *c1 = path2(out, "config.json");
    CHECK(same_file(c0, c1));
    free(c0); free(c1);
    c0 = path2(base, "generation_config.json"), c1 = path2(out, "generation_config.json");
    CHECK(same_file(c0, c1));
    free(c0); free(c1);

    /* the in-memory merge (knowledge continual) holds the very bits of the
     * merged files: every matrix, merged or not */
    seal_model mm, mf;
    CHECK(seal_model_load(&mm, base) == 0 && seal_model_load(&mf, out) == 0);
    CHECK_ERR(seal_merge_adapter_in_memory(&mm, &b, dt), "not in memory");
    seal_model_to_f32(&mm);
    CHECK_MSG(seal_merge_adapter_in_memory(&mm, &b, dt) == 0, "%s", seal_errmsg());
    mat_pair mp = {&mf, 0, 0};
    seal_model_each_mat(&mm, same_as_file, &mp);
    CHECK_MSG(mp.checked > 0 && mp.differ == 0, "%s: %d of %d matrices differ from the merged files", tag, mp.differ,
              mp.checked);
    seal_model_free(&mm);
    seal_model_free(&mf);

    /* refusals: OUT already a model, OUT = the base itself */
    CHECK_ERR(seal_merge_adapter(base, adir, out), "already holds a model");
    CHECK_ERR(seal_merge_adapter(base, adir, base), "base model's directory");
    seal_adapter_free(&a);
    seal_adapter_free(&b);
    free(base); free(adir); free(out);
}

int main(void) {
    if (!mkdtemp(root)) TEST_SKIP("cannot create a temp dir");
    seal_config cfg;
    CHECK(seal_synth_shape(&cfg, "micro") == 0);
    test_roundtrip(&cfg);
    test_bad(&cfg);
    test_merge(&cfg, SEAL_F32, "f32", 1e-4);
    test_merge(&cfg, SEAL_BF16, "bf16", 2e-2);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    return check_report("test_peft");
}
