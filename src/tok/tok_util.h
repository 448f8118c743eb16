/* tok_util.h: the tokenizer's leaf helpers (growable buffers, pieces of text,
 * whitespace as Rust sees it, small JSON getters), shared by every file of
 * tok/ and depending on none of them: the tok/ files call down into this one,
 * never back up into tokenizer.c. UTF-8 itself is util/utf8.h. Not a public
 * header. */
#ifndef SEAL_TOK_UTIL_H
#define SEAL_TOK_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <string.h>

#include "util/utf8.h"

/* ---- small growable buffers ---- */
typedef struct { char *p; size_t len, cap; } tbuf;
typedef struct { int *p; int n, cap; } ivec;

void seal_tbuf_reserve(tbuf *b, size_t extra);
static inline void tbuf_put(tbuf *b, const void *p, size_t n) {
    if (!n) return;
    if (b->len + n > b->cap) seal_tbuf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
void seal_ivec_reserve(ivec *v, int extra);
static inline void ivec_push(ivec *v, int x) {
    if (v->n == v->cap) seal_ivec_reserve(v, 1);
    v->p[v->n++] = x;
}

/* Pieces of text: spans of one buffer. at_start: the span begins at offset 0
 * of the original input (Metaspace prepend_scheme "first"). */
typedef struct { size_t off, len; int at_start; } span;
typedef struct { tbuf text; span *s; int n, cap; } pieces;
void seal_pieces_reset(pieces *p);
void seal_pieces_add(pieces *p, const char *s, size_t n, int at_start);
void seal_pieces_free(pieces *p);

/* ---- Unicode ---- */
int seal_is_unicode_ws(int cp);   /* White_Space, as Rust char::is_whitespace */

/* ---- JSON getters ---- */
int seal_jbool(json_t *o, const char *key, int dflt);
const char *seal_jstr(json_t *o, const char *key);
char *seal_jdup(json_t *s, size_t *len); /* malloc'd copy of a JSON string's bytes */

#endif
