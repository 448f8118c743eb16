/* tokenizer.c: loading tokenizer.json, encode orchestration (added tokens ->
 * normalizer -> pre-tokenizer -> BPE -> post-processor), the post-processor,
 * tokenizer_config.json. The shared buffer and JSON helpers are in tok_util.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tok/tok_internal.h"
#include "util/err.h"
#include "util/json_load.h"

/* ---- post-processor ---- */

static int post_parse(seal_tokenizer *t, json_t *j, const char *where) {
    if (!j || json_is_null(j)) return 0;
    const char *type = seal_jstr(j, "type");
    if (!type) return seal_err("%s: missing \"type\"", where);
    if (!strcmp(type, "ByteLevel")) return 0; /* offsets only */
    if (!strcmp(type, "Sequence")) {
        json_t *arr = json_object_get(j, "processors");
        if (!json_is_array(arr)) return seal_err("%s: Sequence without a \"processors\" array", where);
        size_t i; json_t *p;
        json_array_foreach(arr, i, p) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.processors[%zu]", where, i);
            if (post_parse(t, p, sub)) return -1;
        }
        return 0;
    }
    if (!strcmp(type, "RobertaProcessing") || !strcmp(type, "BertProcessing")) {
        json_t *cls = json_object_get(j, "cls"), *sep = json_object_get(j, "sep");
        if (!json_is_integer(json_array_get(cls, 1)) || !json_is_integer(json_array_get(sep, 1)))
            return seal_err("%s: %s needs \"cls\" and \"sep\" as [token, id]", where, type);
        ivec_push(&t->post_pre, (int)json_integer_value(json_array_get(cls, 1)));
        ivec_push(&t->post_post, (int)json_integer_value(json_array_get(sep, 1)));
        return 0;
    }
    if (strcmp(type, "TemplateProcessing"))
        return seal_err("%s: post_processor type \"%s\" is not supported", where, type);
    json_t *single = json_object_get(j, "single"), *specials = json_object_get(j, "special_tokens");
    if (!json_is_array(single)) return seal_err("%s: TemplateProcessing without a \"single\" array", where);
    int seen_a = 0;
    size_t i; json_t *item;
    json_array_foreach(single, i, item) {
        json_t *sp = json_object_get(item, "SpecialToken"), *sq = json_object_get(item, "Sequence");
        if (sq) {
            const char *id = seal_jstr(sq, "id");
            if (!id || strcmp(id, "A") || seen_a)
                return seal_err("%s.single[%zu]: only one Sequence \"A\" is supported in a single template", where, i);
            seen_a = 1;
        } else if (sp) {
            const char *name = seal_jstr(sp, "id");
            json_t *ids = json_object_get(json_object_get(specials, name ? name : ""), "ids");
            if (!name || !json_is_array(ids))
                return seal_err("%s.single[%zu]: special token \"%s\" has no ids in special_tokens", where, i,
                                name ? name : "?");
            size_t k; json_t *v;
            json_array_foreach(ids, k, v) {
                if (!json_is_integer(v)) return seal_err("%s.special_tokens.%s.ids: not an integer", where, name);
                ivec_push(seen_a ? &t->post_post : &t->post_pre, (int)json_integer_value(v));
            }
        } else {
            return seal_err("%s.single[%zu]: expected SpecialToken or Sequence", where, i);
        }
    }
    if (!seen_a) return seal_err("%s.single: no Sequence \"A\"", where);
    return 0;
}

/* ---- loading ---- */

static int parse_added(seal_tokenizer *t, json_t *arr) {
    if (!arr || json_is_null(arr)) return 0;
    if (!json_is_array(arr)) return seal_err("added_tokens: not an array");
    t->n_added = (int)json_array_size(arr);
    t->added = seal_calloc((size_t)t->n_added + 1, sizeof *t->added);
    size_t i; json_t *a;
    json_array_foreach(arr, i, a) {
        json_t *content = json_object_get(a, "content"), *id = json_object_get(a, "id");
        if (!json_is_string(content) || !json_string_length(content))
            return seal_err("added_tokens[%zu]: missing or empty \"content\"", i);
        if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) >= (1 << 24))
            return seal_err("added_tokens[%zu]: missing or out-of-range \"id\"", i);
        added_token *x = &t->added[i];
        x->content = seal_jdup(content, &x->len);
        x->id = (int)json_integer_value(id);
        x->special = seal_jbool(a, "special", 0);
        x->lstrip = seal_jbool(a, "lstrip", 0);
        x->rstrip = seal_jbool(a, "rstrip", 0);
        x->single_word = seal_jbool(a, "single_word", 0);
        x->normalized = seal_jbool(a, "normalized", !x->special);
    }
    return 0;
}

/* Id of a tokenizer_config.json token field (a string, or {"content": ...}). */
static int config_token(const seal_tokenizer *t, json_t *cfg, const char *key, int *out) {
    json_t *v = json_object_get(cfg, key);
    *out = -1;
    if (json_is_object(v)) v = json_object_get(v, "content");
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) return seal_err("%s: not a string", key);
    *out = seal_tok_id(t, json_string_value(v));
    if (*out < 0) return seal_err("%s \"%s\" is not in the vocabulary", key, json_string_value(v));
    return 0;
}

static void build_id_tables(seal_tokenizer *t) {
    int n = 0;
    const strmap *v = &t->bpe.vocab;
    for (int i = 0; i < v->n; i++) if (v->e[i].val >= n) n = v->e[i].val + 1;
    for (int i = 0; i < t->n_added; i++) if (t->added[i].id >= n) n = t->added[i].id + 1;
    t->n_ids = n;
    t->piece = seal_calloc((size_t)n, sizeof *t->piece);
    t->special = seal_calloc((size_t)n, 1);
    /* Strings live in the vocab arena; NUL-terminated copies keep seal_tok_piece simple. */
    size_t total = v->keys_len + (size_t)v->n;
    for (int i = 0; i < t->n_added; i++) total += t->added[i].len + 1;
    char *arena = seal_malloc(total + 1), *q = arena;
    t->piece_arena = arena;
    for (int i = 0; i < v->n; i++) {
        memcpy(q, v->keys + v->e[i].off, v->e[i].len);
        q[v->e[i].len] = 0;
        t->piece[v->e[i].val] = q;
        if (v->e[i].len > t->max_piece_len) t->max_piece_len = v->e[i].len;
        q += v->e[i].len + 1;
    }
    seal_strmap_init(&t->added_map, t->n_added + 1);
    for (int i = 0; i < t->n_added; i++) {
        added_token *a = &t->added[i];
        memcpy(q, a->content, a->len + 1);
        t->piece[a->id] = q; /* added vocabulary wins, as in HF id_to_token */
        t->special[a->id] = (unsigned char)a->special;
        seal_strmap_put(&t->added_map, a->content, a->len, a->id);
        if (a->len > t->max_piece_len) t->max_piece_len = a->len;
        q += a->len + 1;
    }
}

static tok_work *work_new(void) {
    tok_work *w = seal_calloc(1, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    w->md = pcre2_match_data_create(16, NULL);
    w->mc = pcre2_match_context_create(NULL);
    w->jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
    if (!w->md || !w->mc || !w->jit_stack) seal_die("out of memory creating PCRE2 match data");
    pcre2_jit_stack_assign(w->mc, NULL, w->jit_stack);
    seal_strmap_init(&w->cache, 1 << 12);
    return w;
}

static void work_free(tok_work *w) {
    if (!w) return;
    pthread_mutex_destroy(&w->lock);
    pcre2_match_data_free(w->md);
    pcre2_match_context_free(w->mc);
    pcre2_jit_stack_free(w->jit_stack);
    free(w->norm_a.p); free(w->norm_b.p); free(w->tmp.p);
    seal_pieces_free(&w->pa); seal_pieces_free(&w->pb);
    free(w->seg); free(w->seg2); free(w->marks); free(w->sym); free(w->heap);
    seal_strmap_free(&w->cache);
    free(w->cache_ids.p);
    free(w);
}

static int load_body(seal_tokenizer *t, json_t *root, int preloaded) {
    if (!json_is_object(root)) return seal_err("top level is not a JSON object");
    json_t *model = json_object_get(root, "model");
    if (!json_is_object(model)) return seal_err("missing \"model\" object");
    if (seal_bpe_parse(t, model, "model", preloaded)) return -1;
    if (parse_added(t, json_object_get(root, "added_tokens"))) return -1;
    if (seal_norm_parse(t, json_object_get(root, "normalizer"), "normalizer")) return -1;
    if (seal_pretok_parse(t, json_object_get(root, "pre_tokenizer"), "pre_tokenizer")) return -1;
    if (post_parse(t, json_object_get(root, "post_processor"), "post_processor")) return -1;
    if (seal_dec_parse(t, json_object_get(root, "decoder"), "decoder")) return -1;
    json_t *trunc = json_object_get(root, "truncation"), *pad = json_object_get(root, "padding");
    if ((trunc && !json_is_null(trunc)) || (pad && !json_is_null(pad)))
        return seal_err("truncation/padding settings are not supported (expected null)");
    build_id_tables(t);
    for (int i = 0; i < t->post_pre.n; i++)
        if (t->post_pre.p[i] >= t->n_ids) return seal_err("post_processor: id %d is not in the vocabulary", t->post_pre.p[i]);
    for (int i = 0; i < t->post_post.n; i++)
        if (t->post_post.p[i] >= t->n_ids) return seal_err("post_processor: id %d is not in the vocabulary", t->post_post.p[i]);
    seal_added_build(t);
    return 0;
}

seal_tokenizer *seal_tok_load_files(const char *tokenizer_json, const char *config_json) {
    seal_tokenizer *t = seal_calloc(1, sizeof *t);
    /* The fast path gives up on anything unusual; jansson alone then decides. */
    json_t *root = seal_tok_fast_load(t, tokenizer_json);
    t->fast_loaded = root != NULL;
    if (!root) root = seal_json_load_file(tokenizer_json, JSON_ALLOW_NUL);
    if (!root) {
        seal_tok_free(t);
        return NULL;
    }
    snprintf(t->path, sizeof t->path, "%s", tokenizer_json);
    t->bos_id = t->eos_id = t->pad_id = -1;
    int rc = load_body(t, root, t->fast_loaded);
    json_decref(root);
    if (rc) {
        seal_err_prefix("%s", tokenizer_json);
        seal_tok_free(t);
        return NULL;
    }
    if (config_json) {
        json_t *cfg = seal_json_load_file(config_json, JSON_DECODE_INT_AS_REAL);
        if (!cfg) {
            seal_tok_free(t);
            return NULL;
        }
        rc = !json_is_object(cfg) ? seal_err("top level is not a JSON object")
             : config_token(t, cfg, "bos_token", &t->bos_id) || config_token(t, cfg, "eos_token", &t->eos_id) ||
                       config_token(t, cfg, "pad_token", &t->pad_id) ? -1 : 0;
        json_decref(cfg);
        if (rc) {
            seal_err_prefix("%s", config_json);
            seal_tok_free(t);
            return NULL;
        }
    }
    t->work = work_new();
    return t;
}

seal_tokenizer *seal_tok_load(const char *model_dir) {
    char tj[PATH_MAX], cj[PATH_MAX];
    snprintf(tj, sizeof tj, "%s/tokenizer.json", model_dir);
    snprintf(cj, sizeof cj, "%s/tokenizer_config.json", model_dir);
    if (access(tj, R_OK)) {
        seal_err("%s: cannot read (model directory without tokenizer.json?)", tj);
        return NULL;
    }
    return seal_tok_load_files(tj, access(cj, R_OK) ? NULL : cj);
}

void seal_tok_free(seal_tokenizer *t) {
    if (!t) return;
    seal_bpe_free(&t->bpe);
    free(t->piece_arena);
    free(t->piece);
    free(t->special);
    for (int i = 0; i < t->n_norm; i++) { free(t->norm[i].a); free(t->norm[i].b); }
    free(t->norm);
    for (int i = 0; i < t->n_pt; i++) seal_pretok_free(&t->pt[i]);
    free(t->pt);
    seal_dec_free(t);
    seal_added_free(t);
    for (int i = 0; i < t->n_added; i++) free(t->added[i].content);
    free(t->added);
    seal_strmap_free(&t->added_map);
    free(t->post_pre.p);
    free(t->post_post.p);
    work_free(t->work);
    free(t);
}

/* ---- encode ---- */

/* Normalized section -> pieces -> ids. */
static int encode_section(const seal_tokenizer *t, tok_work *w, const char *s, size_t n, int at_start, ivec *out) {
    if (seal_pretok_apply(t, w, s, n, at_start)) return -1;
    for (int i = 0; i < w->pa.n; i++)
        seal_bpe_encode_piece(t, w, w->pa.text.p + w->pa.s[i].off, w->pa.s[i].len, out);
    return 0;
}

static int encode_locked(const seal_tokenizer *t, tok_work *w, const char *text, size_t len, int add_special,
                         ivec *out) {
    size_t bad = seal_utf8_check(text, len);
    if (bad < len) return seal_err("text is not valid UTF-8 (byte %zu)", bad);
    if (add_special) for (int i = 0; i < t->post_pre.n; i++) ivec_push(out, t->post_pre.p[i]);
    seal_added_split(t, &t->match_raw, 0, text, len, &w->seg, &w->n_seg, &w->cap_seg);
    for (int k = 0; k < w->n_seg; k++) {
        segment sg = w->seg[k];
        if (sg.id >= 0) { ivec_push(out, sg.id); continue; }
        const char *s = text + sg.off;
        size_t n = sg.len;
        if (t->n_norm) {
            seal_norm_apply(t, w, s, n, &w->norm_a);
            s = w->norm_a.p;
            n = w->norm_a.len;
        }
        if (!n) continue;
        if (!t->has_norm_added) {
            if (encode_section(t, w, s, n, sg.off == 0, out)) return -1;
            continue;
        }
        seal_added_split(t, &t->match_norm, 1, s, n, &w->seg2, &w->n_seg2, &w->cap_seg2);
        for (int j = 0; j < w->n_seg2; j++) {
            segment s2 = w->seg2[j];
            if (s2.id >= 0) ivec_push(out, s2.id);
            else if (encode_section(t, w, s + s2.off, s2.len, sg.off == 0 && s2.off == 0, out)) return -1;
        }
    }
    if (add_special) for (int i = 0; i < t->post_post.n; i++) ivec_push(out, t->post_post.p[i]);
    return 0;
}

int seal_tok_encode(const seal_tokenizer *t, const char *text, size_t len, int add_special, int **ids, int *n) {
    tok_work *w = t->work;
    ivec out = {0};
    seal_ivec_reserve(&out, (int)(len / 3 + 8 < INT_MAX / 2 ? len / 3 + 8 : 1024));
    pthread_mutex_lock(&w->lock);
    int rc = encode_locked(t, w, text, len, add_special, &out);
    pthread_mutex_unlock(&w->lock);
    if (rc) { free(out.p); *ids = NULL; *n = 0; return -1; }
    *ids = out.p;
    *n = out.n;
    return 0;
}

/* ---- lookups ---- */

int seal_tok_vocab_size(const seal_tokenizer *t) { return t->n_ids; }

int seal_tok_id(const seal_tokenizer *t, const char *token) {
    size_t n = strlen(token);
    int id = seal_strmap_get(&t->added_map, token, n);
    return id >= 0 ? id : seal_strmap_get(&t->bpe.vocab, token, n);
}

const char *seal_tok_piece(const seal_tokenizer *t, int id) { return id >= 0 && id < t->n_ids ? t->piece[id] : NULL; }
int seal_tok_is_special(const seal_tokenizer *t, int id) { return id >= 0 && id < t->n_ids && t->special[id]; }
int seal_tok_bos_id(const seal_tokenizer *t) { return t->bos_id; }
int seal_tok_eos_id(const seal_tokenizer *t) { return t->eos_id; }
int seal_tok_pad_id(const seal_tokenizer *t) { return t->pad_id; }
