/* bpe.c: the BPE model of tokenizer.json. A piece becomes one symbol per
 * character (per byte for byte-level models), then the adjacent pair with the
 * lowest merge rank (leftmost on ties) is merged until none is left, using a
 * binary heap with lazy deletion, as tokenizers' Word::merge_all does.
 * Results for pieces under 256 bytes are cached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "util/err.h"

#define CACHE_MAX_KEY 256
#define CACHE_MAX_ENTRIES (1 << 16)

static int merge_part(json_t *m, size_t i, const char **a, size_t *al, const char **b, size_t *bl) {
    if (json_is_string(m)) {
        const char *s = json_string_value(m), *sp = memchr(s, ' ', json_string_length(m));
        if (!sp) return seal_err("model.merges[%zu]: \"%s\" is not two tokens separated by a space", i, s);
        *a = s; *al = (size_t)(sp - s);
        *b = sp + 1; *bl = json_string_length(m) - *al - 1;
        return 0;
    }
    json_t *x = json_array_get(m, 0), *y = json_array_get(m, 1);
    if (!json_is_array(m) || json_array_size(m) != 2 || !json_is_string(x) || !json_is_string(y))
        return seal_err("model.merges[%zu]: expected \"a b\" or [\"a\", \"b\"]", i);
    *a = json_string_value(x); *al = json_string_length(x);
    *b = json_string_value(y); *bl = json_string_length(y);
    return 0;
}

int seal_bpe_add_merge(bpe_model *m, tbuf *cat, const char *a, size_t al, const char *b, size_t bl, int rank) {
    cat->len = 0;
    tbuf_put(cat, a, al);
    tbuf_put(cat, b, bl);
    int ia = seal_strmap_get(&m->vocab, a, al), ib = seal_strmap_get(&m->vocab, b, bl),
        iab = seal_strmap_get(&m->vocab, cat->p, cat->len);
    if (ia < 0 || ib < 0 || iab < 0) return ia < 0 ? 0 : ib < 0 ? 1 : 2;
    seal_pairmap_put(&m->merges, ia, ib, rank, iab);
    return -1;
}

static int parse_vocab(bpe_model *m, json_t *vocab, const char *where) {
    seal_strmap_init(&m->vocab, (int)json_object_size(vocab));
    const char *key;
    json_t *val;
    json_object_foreach(vocab, key, val) {
        if (!json_is_integer(val) || json_integer_value(val) < 0 || json_integer_value(val) >= BPE_MAX_ID)
            return seal_err("%s.vocab[\"%s\"]: id is not an integer in [0, 2^24)", where, key);
        seal_strmap_put(&m->vocab, key, strlen(key), (int)json_integer_value(val));
    }
    return 0;
}

static int parse_merges(bpe_model *m, json_t *merges, const char *where) {
    seal_pairmap_init(&m->merges, (int)json_array_size(merges));
    tbuf cat = {0};
    size_t i;
    json_t *mg;
    json_array_foreach(merges, i, mg) {
        const char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        if (merge_part(mg, i, &a, &al, &b, &bl)) { free(cat.p); return -1; }
        int which = seal_bpe_add_merge(m, &cat, a, al, b, bl, (int)i);
        if (which >= 0) {
            seal_err("%s.merges[%zu]: \"%.*s\" is not in %s.vocab", where, i,
                     which == 0 ? (int)al : which == 1 ? (int)bl : (int)cat.len,
                     which == 0 ? a : which == 1 ? b : cat.p, where);
            free(cat.p);
            return -1;
        }
    }
    free(cat.p);
    return 0;
}

int seal_bpe_parse(seal_tokenizer *t, json_t *model, const char *where, int preloaded) {
    bpe_model *m = &t->bpe;
    const char *type = seal_jstr(model, "type");
    if (type && strcmp(type, "BPE")) return seal_err("%s.type: model type \"%s\" is not supported (only BPE)", where, type);
    json_t *vocab = json_object_get(model, "vocab"), *merges = json_object_get(model, "merges");
    if (!json_is_object(vocab)) return seal_err("%s.vocab: missing or not an object", where);
    if (!json_is_array(merges)) return seal_err("%s.merges: missing or not an array", where);
    for (const char *k = "continuing_subword_prefix"; k; k = strcmp(k, "end_of_word_suffix") ? "end_of_word_suffix" : NULL) {
        json_t *v = json_object_get(model, k);
        if (v && !json_is_null(v) && !(json_is_string(v) && !json_string_length(v)))
            return seal_err("%s.%s: only null or \"\" is supported", where, k);
    }
    json_t *dropout = json_object_get(model, "dropout");
    if (dropout && !json_is_null(dropout) && json_number_value(dropout) != 0.0)
        return seal_err("%s.dropout: BPE dropout is not supported (expected null)", where);
    if (!preloaded && (parse_vocab(m, vocab, where) || parse_merges(m, merges, where))) return -1;

    m->unk_id = -1;
    json_t *unk = json_object_get(model, "unk_token");
    if (json_is_string(unk)) {
        m->unk_id = seal_strmap_get(&m->vocab, json_string_value(unk), json_string_length(unk));
        if (m->unk_id < 0) return seal_err("%s.unk_token: \"%s\" is not in the vocab", where, json_string_value(unk));
    } else if (unk && !json_is_null(unk)) {
        return seal_err("%s.unk_token: not a string", where);
    }
    m->byte_fallback = seal_jbool(model, "byte_fallback", 0);
    m->fuse_unk = seal_jbool(model, "fuse_unk", 0);
    m->ignore_merges = seal_jbool(model, "ignore_merges", 0);
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        m->fb_id[b] = seal_strmap_get(&m->vocab, name, 6);
        m->bl_id[b] = -1;
    }
    for (int c = 0; c < 128; c++) {
        char ch = (char)c;
        m->ascii_id[c] = seal_strmap_get(&m->vocab, &ch, 1);
    }
    return 0;
}

void seal_bpe_set_byte_level(seal_tokenizer *t) {
    bpe_model *m = &t->bpe;
    m->byte_level = 1;
    for (int b = 0; b < 256; b++) {
        char u[4];
        m->bl_len[b] = (int)seal_utf8_put(u, (uint32_t)byte_to_cp(b));
        memcpy(m->bl_str[b], u, (size_t)m->bl_len[b]);
        m->bl_id[b] = seal_strmap_get(&m->vocab, u, (size_t)m->bl_len[b]);
    }
}

void seal_bpe_free(bpe_model *m) {
    seal_strmap_free(&m->vocab);
    seal_pairmap_free(&m->merges);
}

/* ---- merge heap, ordered by (rank, pos) ---- */

typedef struct bpe_merge merge;

static inline int merge_less(merge a, merge b) { return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos); }

static void heap_push(tok_work *w, int *n, merge x) {
    if (*n == w->cap_heap) {
        w->cap_heap = w->cap_heap ? w->cap_heap * 2 : 256;
        w->heap = seal_realloc(w->heap, (size_t)w->cap_heap * sizeof *w->heap);
    }
    merge *h = w->heap;
    int i = (*n)++;
    while (i > 0 && merge_less(x, h[(i - 1) / 2])) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = x;
}

static merge heap_pop(tok_work *w, int *n) {
    merge *h = w->heap, top = h[0], last = h[--(*n)];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && merge_less(h[c + 1], h[c])) c++;
        if (!merge_less(h[c], last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = last;
    return top;
}

static void push_pair(const bpe_model *m, tok_work *w, int *nh, int pos) {
    const pairmap_slot *s = pairmap_get(&m->merges, w->sym[pos].id, w->sym[w->sym[pos].next].id);
    if (s) heap_push(w, nh, (merge){s->rank, pos, s->id});
}

static void add_sym(tok_work *w, int *n, int id) {
    if (*n == w->cap_sym) {
        w->cap_sym = w->cap_sym ? w->cap_sym * 2 : 256;
        w->sym = seal_realloc(w->sym, (size_t)w->cap_sym * sizeof *w->sym);
    }
    w->sym[*n] = (struct bpe_sym){id, *n - 1, -1};
    if (*n) w->sym[*n - 1].next = *n;
    (*n)++;
}

/* One symbol per character; unknown characters go to byte fallback, else
 * to unk (fused when fuse_unk), else they are dropped, as in tokenizers. */
static int initial_symbols(const bpe_model *m, tok_work *w, const char *p, size_t n) {
    int ns = 0, unk_pending = 0;
    size_t i = 0;
    while (i < n) {
        const char *c = p + i;
        size_t clen;
        int id;
        unsigned char b = (unsigned char)p[i];
        if (m->byte_level) {
            id = m->bl_id[b];
            c = m->bl_str[b];
            clen = (size_t)m->bl_len[b];
            i++;
        } else {
            clen = (size_t)seal_utf8_len(b);
            if (i + clen > n) clen = n - i;
            id = b < 128 ? m->ascii_id[b] : seal_strmap_get(&m->vocab, c, clen);
            i += clen;
        }
        if (id >= 0) {
            if (unk_pending) { add_sym(w, &ns, m->unk_id); unk_pending = 0; }
            add_sym(w, &ns, id);
            continue;
        }
        if (m->byte_fallback) {
            size_t k = 0;
            while (k < clen && m->fb_id[(unsigned char)c[k]] >= 0) k++;
            if (k == clen) {
                if (unk_pending) { add_sym(w, &ns, m->unk_id); unk_pending = 0; }
                for (k = 0; k < clen; k++) add_sym(w, &ns, m->fb_id[(unsigned char)c[k]]);
                continue;
            }
        }
        if (m->unk_id >= 0) {
            if (unk_pending && !m->fuse_unk) add_sym(w, &ns, m->unk_id);
            unk_pending = 1;
        }
    }
    if (unk_pending) add_sym(w, &ns, m->unk_id);
    return ns;
}

void seal_bpe_encode_piece(const seal_tokenizer *t, tok_work *w, const char *p, size_t n, ivec *out) {
    const bpe_model *m = &t->bpe;
    if (!n) return;
    if (m->ignore_merges) { /* a piece that is itself a token is taken whole */
        const char *key = p;
        size_t klen = n;
        if (m->byte_level) {
            w->tmp.len = 0;
            for (size_t i = 0; i < n; i++) tbuf_put(&w->tmp, m->bl_str[(unsigned char)p[i]], (size_t)m->bl_len[(unsigned char)p[i]]);
            key = w->tmp.p;
            klen = w->tmp.len;
        }
        int id = seal_strmap_get(&m->vocab, key, klen);
        if (id >= 0) { ivec_push(out, id); return; }
    }
    if (n < CACHE_MAX_KEY) {
        int off = seal_strmap_get(&w->cache, p, n);
        if (off >= 0) {
            int cnt = w->cache_ids.p[off];
            seal_ivec_reserve(out, cnt);
            memcpy(out->p + out->n, w->cache_ids.p + off + 1, (size_t)cnt * sizeof(int));
            out->n += cnt;
            return;
        }
    }
    int ns = initial_symbols(m, w, p, n), nh = 0;
    for (int i = 0; i + 1 < ns; i++) push_pair(m, w, &nh, i);
    while (nh) {
        merge top = heap_pop(w, &nh);
        struct bpe_sym *s = &w->sym[top.pos];
        if (s->id < 0 || s->next < 0) continue;
        const pairmap_slot *cur = pairmap_get(&m->merges, s->id, w->sym[s->next].id);
        if (!cur || cur->id != top.id) continue; /* stale: a neighbour has merged since */
        int nx = s->next;
        s->id = top.id;
        s->next = w->sym[nx].next;
        if (s->next >= 0) w->sym[s->next].prev = top.pos;
        w->sym[nx].id = -1;
        if (s->prev >= 0) push_pair(m, w, &nh, s->prev);
        if (s->next >= 0) push_pair(m, w, &nh, top.pos);
    }
    int first = out->n;
    for (int i = ns ? 0 : -1; i >= 0; i = w->sym[i].next) ivec_push(out, w->sym[i].id);
    if (n < CACHE_MAX_KEY) {
        if (w->cache.n >= CACHE_MAX_ENTRIES) { seal_strmap_clear(&w->cache); w->cache_ids.n = 0; }
        int cnt = out->n - first;
        seal_strmap_put(&w->cache, p, n, w->cache_ids.n);
        ivec_push(&w->cache_ids, cnt);
        seal_ivec_reserve(&w->cache_ids, cnt);
        memcpy(w->cache_ids.p + w->cache_ids.n, out->p + first, (size_t)cnt * sizeof(int));
        w->cache_ids.n += cnt;
    }
}
