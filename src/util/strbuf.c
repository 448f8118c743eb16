#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Make room for n more bytes plus the NUL (allocating even when n is 0, so
 * that s is a string once anything was added). */
static void reserve(strbuf *b, size_t n) {
    if (b->s && b->len + n + 1 <= b->cap) return;
    size_t need = b->len + n + 1;
    if (need < b->len) seal_die("strbuf: size overflow");
    size_t cap = b->cap > 64 ? b->cap : 64;
    while (cap < need) cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    b->s = seal_realloc(b->s, cap);
    b->cap = cap;
}

void seal_strbuf_put(strbuf *b, const char *s, size_t n) {
    reserve(b, n);
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void seal_strbuf_puts(strbuf *b, const char *s) { seal_strbuf_put(b, s, strlen(s)); }

void seal_strbuf_printf(strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) seal_die("strbuf_printf: invalid format \"%s\"", fmt);
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void seal_strbuf_clear(strbuf *b) {
    b->len = 0;
    if (b->s) b->s[0] = '\0';
}

void seal_strbuf_free(strbuf *b) {
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *seal_template_fill(const char *tpl, const char *const *keys, const char *const *values, int n) {
    size_t cap = strlen(tpl) + 1, len = 0;
    for (int i = 0; i < n; i++) cap += strlen(values[i]) * 4;
    char *out = seal_malloc(cap);
    for (const char *p = tpl; *p;) {
        int matched = 0;
        if (*p == '{')
            for (int i = 0; i < n && !matched; i++) {
                size_t kl = strlen(keys[i]);
                if (!strncmp(p + 1, keys[i], kl) && p[1 + kl] == '}') {
                    size_t vl = strlen(values[i]);
                    if (len + vl + 1 > cap) out = seal_realloc(out, cap = (len + vl + 1) * 2);
                    memcpy(out + len, values[i], vl);
                    len += vl;
                    p += kl + 2;
                    matched = 1;
                }
            }
        if (!matched) {
            if (len + 2 > cap) out = seal_realloc(out, cap *= 2);
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}
