/* normalize.c: tokenizer.json normalizers (NFC/NFD/NFKC/NFKD through
 * utf8proc, Prepend, Replace with a String pattern, Strip, Sequence). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok/tok_internal.h"
#include "util/err.h"

static int add_norm(seal_tokenizer *t, json_t *j, const char *where) {
    const char *type = seal_jstr(j, "type");
    if (!type) return seal_err("%s: missing \"type\"", where);
    if (!strcmp(type, "Sequence")) {
        json_t *arr = json_object_get(j, "normalizers");
        if (!json_is_array(arr)) return seal_err("%s: Sequence without a \"normalizers\" array", where);
        size_t i; json_t *x;
        json_array_foreach(arr, i, x) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.normalizers[%zu]", where, i);
            if (add_norm(t, x, sub)) return -1;
        }
        return 0;
    }
    normalizer nm = {0};
    if (!strcmp(type, "NFC")) nm.type = NORM_NFC;
    else if (!strcmp(type, "NFD")) nm.type = NORM_NFD;
    else if (!strcmp(type, "NFKC")) nm.type = NORM_NFKC;
    else if (!strcmp(type, "NFKD")) nm.type = NORM_NFKD;
    else if (!strcmp(type, "Prepend")) {
        json_t *p = json_object_get(j, "prepend");
        if (!json_is_string(p)) return seal_err("%s: Prepend without a \"prepend\" string", where);
        nm.type = NORM_PREPEND;
        nm.a = seal_jdup(p, &nm.a_len);
    } else if (!strcmp(type, "Replace")) {
        json_t *pat = json_object_get(json_object_get(j, "pattern"), "String"), *c = json_object_get(j, "content");
        if (!json_is_string(pat))
            return seal_err("%s: Replace supports only {\"String\": ...} patterns (Regex patterns are not supported)", where);
        if (!json_string_length(pat)) return seal_err("%s: Replace with an empty pattern", where);
        if (!json_is_string(c)) return seal_err("%s: Replace without a \"content\" string", where);
        nm.type = NORM_REPLACE;
        nm.a = seal_jdup(pat, &nm.a_len);
        nm.b = seal_jdup(c, &nm.b_len);
    } else if (!strcmp(type, "Strip")) {
        nm.type = NORM_STRIP;
        nm.left = seal_jbool(j, "strip_left", 1);
        nm.right = seal_jbool(j, "strip_right", 1);
    } else {
        return seal_err("%s: normalizer type \"%s\" is not supported", where, type);
    }
    t->norm = seal_realloc(t->norm, (size_t)(t->n_norm + 1) * sizeof *t->norm);
    t->norm[t->n_norm++] = nm;
    return 0;
}

int seal_norm_parse(seal_tokenizer *t, json_t *j, const char *where) {
    if (!j || json_is_null(j)) return 0;
    return add_norm(t, j, where);
}

static void unicode_form(int type, const char *s, size_t n, tbuf *out) {
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++) ascii = (unsigned char)s[i] < 0x80;
    if (ascii) { tbuf_put(out, s, n); return; } /* ASCII is invariant under every form */
    int opt = UTF8PROC_STABLE | (type == NORM_NFC || type == NORM_NFKC ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) |
              (type == NORM_NFKC || type == NORM_NFKD ? UTF8PROC_COMPAT : 0);
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst, (utf8proc_option_t)opt);
    if (r < 0) tbuf_put(out, s, n); /* cannot happen on validated UTF-8; leave the text as is */
    else tbuf_put(out, dst, (size_t)r);
    free(dst);
}

static void apply_one(const normalizer *nm, const char *s, size_t n, tbuf *out) {
    switch (nm->type) {
    case NORM_PREPEND:
        if (n) tbuf_put(out, nm->a, nm->a_len);
        tbuf_put(out, s, n);
        return;
    case NORM_REPLACE: {
        size_t i = 0;
        while (i < n) {
            if (i + nm->a_len <= n && !memcmp(s + i, nm->a, nm->a_len)) {
                tbuf_put(out, nm->b, nm->b_len);
                i += nm->a_len;
            } else {
                tbuf_put(out, s + i, 1);
                i++;
            }
        }
        return;
    }
    case NORM_STRIP: {
        size_t b = 0, e = n;
        while (nm->left && b < e) {
            size_t k = b;
            if (!seal_is_unicode_ws(seal_utf8_decode_valid(s, n, &k))) break;
            b = k;
        }
        while (nm->right && e > b) {
            size_t k = e - 1;
            while (k > b && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
            size_t k2 = k;
            if (!seal_is_unicode_ws(seal_utf8_decode_valid(s, n, &k2))) break;
            e = k;
        }
        tbuf_put(out, s + b, e - b);
        return;
    }
    default:
        unicode_form(nm->type, s, n, out);
    }
}

void seal_norm_apply(const seal_tokenizer *t, tok_work *w, const char *in, size_t n, tbuf *out) {
    /* Ping-pong between out and w->norm_b; the last step writes out. */
    tbuf *bufs[2] = {out, &w->norm_b};
    int cur = (t->n_norm % 2) ? 0 : 1; /* chosen so that step n_norm-1 lands in out */
    const char *s = in;
    size_t len = n;
    for (int i = 0; i < t->n_norm; i++) {
        tbuf *dst = bufs[cur];
        dst->len = 0;
        apply_one(&t->norm[i], s, len, dst);
        s = dst->p;
        len = dst->len;
        cur ^= 1;
    }
}
