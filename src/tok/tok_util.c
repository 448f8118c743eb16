/* tok_util.c: see tok_util.h. */
#include "tok/tok_util.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* ---- buffers ---- */

void seal_tbuf_reserve(tbuf *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    b->p = seal_realloc(b->p, cap);
    b->cap = cap;
}

void seal_ivec_reserve(ivec *v, int extra) {
    if (v->n + extra <= v->cap) return;
    int cap = v->cap ? v->cap : 64;
    while (cap < v->n + extra) cap *= 2;
    v->p = seal_realloc(v->p, (size_t)cap * sizeof *v->p);
    v->cap = cap;
}

void seal_pieces_reset(pieces *p) { p->text.len = 0; p->n = 0; }

void seal_pieces_add(pieces *p, const char *s, size_t n, int at_start) {
    if (!n) return; /* HF drops empty splits */
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->s = seal_realloc(p->s, (size_t)p->cap * sizeof *p->s);
    }
    p->s[p->n++] = (span){p->text.len, n, at_start};
    tbuf_put(&p->text, s, n);
}

void seal_pieces_free(pieces *p) { free(p->text.p); free(p->s); memset(p, 0, sizeof *p); }

/* ---- Unicode ---- */

int seal_is_unicode_ws(int cp) {
    return (cp >= 9 && cp <= 13) || cp == 32 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

/* ---- JSON helpers ---- */

int seal_jbool(json_t *o, const char *key, int dflt) {
    json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

const char *seal_jstr(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

char *seal_jdup(json_t *s, size_t *len) {
    size_t n = json_string_length(s);
    char *p = seal_malloc(n + 1);
    memcpy(p, json_string_value(s), n);
    p[n] = 0;
    if (len) *len = n;
    return p;
}
