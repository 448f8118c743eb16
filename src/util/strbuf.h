/* strbuf.h: a growable, NUL-terminated string buffer for building text.
 *
 *   strbuf b = {0};                 // an empty buffer, nothing allocated
 *   seal_strbuf_puts(&b, "hello, ");
 *   seal_strbuf_printf(&b, "%d", 42);
 *   use(b.s, b.len);                // "hello, 42"
 *   seal_strbuf_free(&b);                // or keep b.s: it is a malloc'd string
 *
 * Once anything has been added (even ""), s is a malloc'd string of len bytes
 * plus a NUL; before that it is NULL. Running out of memory dies (seal_realloc). */
#ifndef SEAL_UTIL_STRBUF_H
#define SEAL_UTIL_STRBUF_H

#include <stddef.h>

typedef struct {
    char *s;    /* the text, NUL-terminated; NULL until something is added */
    size_t len; /* bytes in s, not counting the NUL */
    size_t cap; /* bytes allocated for s */
} strbuf;

/* Append the n bytes at s (which may include NULs). */
void seal_strbuf_put(strbuf *b, const char *s, size_t n);
/* Append the C string s. */
void seal_strbuf_puts(strbuf *b, const char *s);
/* Append printf-style formatted text (any length). */
void seal_strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make the text empty (""), keeping the allocation for reuse. */
void seal_strbuf_clear(strbuf *b);
/* Free the allocation and leave b as {0}. */
void seal_strbuf_free(strbuf *b);

/* tpl with each {name} placeholder replaced: names[i] -> values[i] (SEAL's
 * prompt templates, the world's question templates). Unknown placeholders are
 * kept verbatim. Returns a malloc'd string. */
char *seal_template_fill(const char *tpl, const char *const *names, const char *const *values, int n);

#endif
