/* utf8.c: see utf8.h. */
#include "util/utf8.h"

#include <string.h>

#include "util/err.h"

/* Length of the well-formed sequence at s (n > 0 bytes left) with *cp set,
 * or 0 with *bad = the length of its maximal ill-formed subpart. The second
 * byte's range excludes overlongs (E0, F0), surrogates (ED) and code points
 * above U+10FFFF (F4). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad) {
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { need = 1; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; v = c & 0x0F; lo = c == 0xE0 ? 0xA0 : 0x80; hi = c == 0xED ? 0x9F : 0xBF; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; v = c & 0x07; lo = c == 0xF0 ? 0x90 : 0x80; hi = c == 0xF4 ? 0x8F : 0xBF; }
    else { *bad = 1; return 0; }
    size_t i = 1;
    for (; i <= need && i < n; i++) {
        if (s[i] < lo || s[i] > hi) break;
        v = (v << 6) | (s[i] & 0x3F);
        lo = 0x80, hi = 0xBF;
    }
    if (i <= need) { *bad = i; return 0; }
    *cp = v;
    return need + 1;
}

size_t seal_utf8_next(const char *s, size_t n, uint32_t *cp) {
    size_t bad = 1, k = utf8_seq((const unsigned char *)s, n, cp, &bad);
    if (k) return k;
    *cp = 0xFFFD;
    return bad;
}

size_t seal_utf8_put(char *out, uint32_t c) {
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) { o[0] = (unsigned char)(0xC0 | c >> 6); o[1] = (unsigned char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12); o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18); o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

int seal_utf8_decode_valid(const char *str, size_t n, size_t *i) {
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[*i];
    int len = seal_utf8_len((unsigned char)c);
    if (*i + (size_t)len > n) len = 1;
    int cp = len == 1 ? (int)c : len == 2 ? (int)(c & 0x1F) : len == 3 ? (int)(c & 0x0F) : (int)(c & 0x07);
    for (int k = 1; k < len; k++) cp = (cp << 6) | (s[*i + k] & 0x3F);
    *i += (size_t)len;
    return cp;
}

size_t seal_utf8_check(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t bad, k = utf8_seq((const unsigned char *)s + i, n - i, &cp, &bad);
        if (!k) return i;
        i += k;
    }
    return n;
}

char *seal_utf8_sanitize(const char *s, size_t n, size_t *len, size_t *n_bad) {
    /* Pass 1 sizes the output (a replaced subpart of 1 byte grows to 3), pass 2 writes it. */
    size_t out_n = 0, bad_total = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t bad = 1, k = utf8_seq((const unsigned char *)s + i, n - i, &cp, &bad);
        if (k) { out_n += k; i += k; }
        else { out_n += 3; i += bad; bad_total++; }
    }
    char *out = seal_malloc(out_n + 1), *o = out;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t bad = 1, k = utf8_seq((const unsigned char *)s + i, n - i, &cp, &bad);
        if (k) { memcpy(o, s + i, k); o += k; i += k; }
        else { o += seal_utf8_put(o, 0xFFFD); i += bad; }
    }
    *o = '\0';
    if (len) *len = out_n;
    if (n_bad) *n_bad += bad_total;
    return out;
}
