/* load_fast.c: a fast path for loading large tokenizer.json files. jansson
 * builds one value per vocab entry and merge (300k of them for a 150k vocab)
 * and is slow to build and to free them. Here the file is read once, a
 * structural scanner finds the spans of model.vocab and model.merges, a strict
 * minimal parser puts them straight into the BPE maps, and jansson parses the
 * rest of the document with those spans replaced by {} and [], so every other
 * field goes through the usual code.
 *
 * The fast path accepts only input it fully understands and whose meaning is
 * the one jansson would give it. Anything else (a syntax or value error, an
 * escaped key at the levels scanned, a duplicate member, a vocab that is not
 * an object) makes it give up, and the caller loads the file with jansson
 * alone: behaviour and error messages are those of the jansson path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "util/err.h"
#include "util/fsutil.h"

/* A JSON value's bytes [p, e); n: its element count (commas + 1), a size hint. */
typedef struct { const char *p, *e; size_t n; } jspan;

static const char *ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* ---- structural scanner: finds value spans, validates nothing that jansson
 * will see again (the rest of the document) ---- */

/* Bytes the scanner must look at inside a string (1: '"', '\\', NUL) and
 * inside brackets (2 more: brackets and ','). Skipping everything else,
 * indentation included, one table lookup a byte keeps the scan fast. */
static const unsigned char stop[256] = {
    [0] = 1, ['"'] = 1, ['\\'] = 1, ['{'] = 2, ['}'] = 2, ['['] = 2, [']'] = 2, [','] = 2,
};

/* The end of the string starting at p ('"'); *esc is set when it holds a
 * backslash. NULL when unterminated. */
static const char *skip_string(const char *p, int *esc) {
    for (p++;; p++) {
        while (stop[(unsigned char)*p] != 1) p++;
        if (*p == '"') return p + 1;
        if (!*p || !*++p) return NULL;
        *esc = 1;
    }
}

/* The end of a number or literal: the next delimiter. */
static const char *skip_scalar(const char *p) {
    while (*p && !strchr(",}] \t\n\r", *p)) p++;
    return p;
}

/* The end of the value starting at p; *count: its element count (commas at
 * depth 1, plus 1), a size hint. Nesting is only counted: whatever jansson
 * would reject here it still rejects in the rest of the document. */
static const char *skip_value(const char *p, size_t *count) {
    int depth = 0, esc = 0;
    *count = 1;
    if (*p == '"') return skip_string(p, &esc);
    if (*p != '{' && *p != '[') return skip_scalar(p);
    for (;; p++) {
        while (!stop[(unsigned char)*p]) p++;
        char c = *p;
        if (c == '"') {
            if (!(p = skip_string(p, &esc))) return NULL;
            p--;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (!--depth) return p + 1;
        } else if (c == ',') {
            if (depth == 1) ++*count;
        } else {
            return NULL; /* NUL, or a backslash outside a string */
        }
    }
}

/* Steps to the next member of an object: p is just after '{' (first) or
 * after a member's value. Returns 1 with the key's raw bytes [*k, *k + *kl)
 * and *p at the value, 0 after the closing '}', -1 on anything else, an
 * escaped key included (its decoded name could be one the scanner looks for). */
static int next_member(const char **p, int first, const char **k, size_t *kl) {
    const char *q = ws(*p);
    int esc = 0;
    if (*q == '}') { *p = q + 1; return 0; }
    if (!first && *q++ != ',') return -1;
    q = ws(q);
    if (*q != '"') return -1;
    const char *e = skip_string(q, &esc);
    if (!e || esc) return -1;
    *k = q + 1;
    *kl = (size_t)(e - q - 2);
    q = ws(e);
    if (*q != ':') return -1;
    *p = ws(q + 1);
    return 1;
}

static int key_is(const char *k, size_t kl, const char *name) { return kl == strlen(name) && !memcmp(k, name, kl); }

/* Records the vocab and merges members of the object at p ('{'); returns
 * its end, NULL on a duplicate (jansson would keep the last one). */
static const char *scan_model(const char *p, jspan *vocab, jspan *merges) {
    const char *k;
    size_t kl, n;
    int r, first = 1;
    for (p++; (r = next_member(&p, first, &k, &kl)) == 1; first = 0) {
        jspan *s = key_is(k, kl, "vocab") ? vocab : key_is(k, kl, "merges") ? merges : NULL;
        const char *v = p;
        if (!(p = skip_value(p, &n)) || (s && s->p)) return NULL;
        if (s) *s = (jspan){v, p, n};
    }
    return r ? NULL : p;
}

/* Finds model.vocab and model.merges in the document; 0 when both are there
 * and the "model" member is a single object. */
static int scan_root(const char *doc, jspan *vocab, jspan *merges) {
    const char *p = ws(doc), *k;
    size_t kl, n;
    int r, first = 1, seen = 0;
    if (*p != '{') return -1;
    for (p++; (r = next_member(&p, first, &k, &kl)) == 1; first = 0) {
        if (!key_is(k, kl, "model")) p = skip_value(p, &n);
        else if (seen++ || *p != '{') return -1;
        else p = scan_model(p, vocab, merges);
        if (!p) return -1;
    }
    return r || !vocab->p || !merges->p ? -1 : 0;
}

/* ---- strict parsing of the two spans, exactly as jansson decodes them ---- */

static int hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The codepoint of \uXXXX (and a following low surrogate) at p (the 'u');
 * advances *p past it. -1 where jansson fails (bad hex, lone or unpaired
 * surrogate) and for \u0000, which no vocab key or merge can hold. */
static int unicode_escape(const char **p) {
    const char *q = *p;
    int cp = hex4(q + 1);
    q += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int lo = q[0] == '\\' && q[1] == 'u' ? hex4(q + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) return -1;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q += 6;
    } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp <= 0) {
        return -1;
    }
    *p = q;
    return cp;
}

/* Appends the character of the escape at p (just after the backslash) to
 * buf; returns the end of the escape, NULL for one jansson rejects. */
static const char *unescape(const char *p, tbuf *buf) {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *c = *p ? strchr(from, *p) : NULL;
    if (c) { tbuf_put(buf, &to[c - from], 1); return p + 1; }
    if (*p != 'u') return NULL;
    int cp = unicode_escape(&p);
    if (cp < 0) return NULL;
    char u[4];
    tbuf_put(buf, u, seal_utf8_put(u, (uint32_t)cp));
    return p;
}

/* A run of plain string bytes from p: stops at '"', '\\', or a control
 * character (which jansson rejects, as it does invalid UTF-8: NULL). */
static const char *plain_run(const char *p) {
    const char *q = p;
    while ((unsigned char)*q >= 0x20 && *q != '"' && *q != '\\') q++;
    return seal_utf8_check(p, (size_t)(q - p)) == (size_t)(q - p) ? q : NULL;
}

/* Decodes the string at p ('"'): its bytes are [*s, *s + *n), in the file
 * when it has no escape, else in buf. Returns the end of the string, NULL
 * where jansson fails, or for \u0000. */
static const char *read_string(const char *p, tbuf *buf, const char **s, size_t *n) {
    const char *q = plain_run(p + 1);
    if (q && *q == '"') { *s = p + 1; *n = (size_t)(q - p - 1); return q + 1; }
    buf->len = 0;
    p++;
    while (q && *q == '\\') {
        tbuf_put(buf, p, (size_t)(q - p));
        if (!(p = unescape(q + 1, buf))) return NULL;
        q = plain_run(p);
    }
    if (!q || *q != '"') return NULL;
    tbuf_put(buf, p, (size_t)(q - p));
    *s = buf->p ? buf->p : "";
    *n = buf->len;
    return q + 1;
}

/* A vocab id: a JSON integer in [0, BPE_MAX_ID); anything else (negative,
 * real, leading zero, too big) is left to the jansson path. */
static const char *read_id(const char *p, int *id) {
    const char *q = p;
    int v = 0;
    while (*q >= '0' && *q <= '9' && q - p < 9) v = v * 10 + (*q++ - '0');
    if (q == p || (*p == '0' && q - p > 1) || v >= BPE_MAX_ID) return NULL;
    if ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E') return NULL;
    *id = v;
    return q;
}

/* After an element: ',' -> 1 with *p at the next one, the closing bracket
 * ending the span -> 0, anything else -1. */
static int next_elem(const char **p, char close, const jspan *s) {
    const char *q = ws(*p);
    if (*q == ',') { *p = ws(q + 1); return 1; }
    return *q == close && q + 1 == s->e ? 0 : -1;
}

/* The vocab object: "token": id members, in order (a repeated key keeps its
 * first position and takes the last id, as in jansson and seal_strmap_put). */
static int parse_vocab(bpe_model *m, const jspan *s, tbuf *buf) {
    seal_strmap_init(&m->vocab, (int)s->n);
    const char *p = ws(s->p + 1), *k;
    size_t kl;
    int id, r = 1;
    if (*p == '}') return p + 1 == s->e ? 0 : -1;
    while (r == 1) {
        if (*p != '"' || !(p = read_string(p, buf, &k, &kl))) return -1;
        p = ws(p);
        if (*p != ':' || !(p = read_id(ws(p + 1), &id))) return -1;
        seal_strmap_put(&m->vocab, k, kl, id);
        r = next_elem(&p, '}', s);
    }
    return r;
}

/* One merge at *p: "a b" (split at the first space) or ["a", "b"]. */
static int read_merge(const char **p, tbuf *ba, tbuf *bb, const char **a, size_t *al, const char **b, size_t *bl) {
    const char *q = *p;
    if (*q == '"') {
        if (!(q = read_string(q, ba, a, al))) return -1;
        const char *sp = memchr(*a, ' ', *al);
        if (!sp) return -1;
        *b = sp + 1;
        *bl = *al - (size_t)(sp - *a) - 1;
        *al = (size_t)(sp - *a);
    } else {
        if (*q != '[') return -1;
        q = ws(q + 1);
        if (*q != '"' || !(q = read_string(q, ba, a, al))) return -1;
        q = ws(q);
        if (*q != ',') return -1;
        q = ws(q + 1);
        if (*q != '"' || !(q = read_string(q, bb, b, bl))) return -1;
        q = ws(q);
        if (*q++ != ']') return -1;
    }
    *p = q;
    return 0;
}

/* The merges array, ranked by position; every token must be in the vocab. */
static int parse_merges(bpe_model *m, const jspan *s, tbuf bufs[3]) {
    seal_pairmap_init(&m->merges, (int)s->n);
    const char *p = ws(s->p + 1), *a, *b;
    size_t al, bl;
    int r = 1;
    if (*p == ']') return p + 1 == s->e ? 0 : -1;
    for (int rank = 0; r == 1; rank++) {
        if (read_merge(&p, &bufs[0], &bufs[1], &a, &al, &b, &bl) ||
            seal_bpe_add_merge(m, &bufs[2], a, al, b, bl, rank) >= 0)
            return -1;
        r = next_elem(&p, ']', s);
    }
    return r;
}

/* ---- the rest of the document ---- */

/* jansson's tree of doc with the two spans replaced by {} and []; NULL when
 * it fails or model.vocab / model.merges are not those placeholders. */
static json_t *load_rest(const char *doc, size_t len, const jspan *vocab, const jspan *merges) {
    const jspan *first = vocab->p < merges->p ? vocab : merges, *second = first == vocab ? merges : vocab;
    const char *cut[2][2] = {{first->p, first->e}, {second->p, second->e}};
    char *buf = seal_malloc(len + 4), *q = buf;
    const char *from = doc;
    for (int i = 0; i < 2; i++) {
        memcpy(q, from, (size_t)(cut[i][0] - from));
        q += cut[i][0] - from;
        *q++ = *cut[i][0];
        *q++ = cut[i][0] == vocab->p ? '}' : ']';
        from = cut[i][1];
    }
    memcpy(q, from, (size_t)(doc + len - from));
    q += doc + len - from;
    json_error_t e;
    json_t *root = json_loadb(buf, (size_t)(q - buf), JSON_ALLOW_NUL, &e);
    free(buf);
    json_t *model = json_object_get(root, "model");
    json_t *v = json_object_get(model, "vocab"), *m = json_object_get(model, "merges");
    if (!json_is_object(v) || json_object_size(v) || !json_is_array(m) || json_array_size(m)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static int slow_load_forced(void) {
    const char *env = getenv("SEAL_TOK_SLOW_LOAD");
    return env && *env && strcmp(env, "0");
}

json_t *seal_tok_fast_load(seal_tokenizer *t, const char *path) {
    size_t len = 0;
    /* seal_read_file appends a NUL, which stops every scanning loop below (it
     * is neither whitespace, nor a digit, nor allowed raw in a string), so
     * they need no bounds checks. */
    char *doc = slow_load_forced() ? NULL : seal_read_file(path, &len);
    if (!doc) return NULL;
    jspan vocab = {0}, merges = {0};
    tbuf bufs[3] = {{0}};
    json_t *root = NULL;
    if (!scan_root(doc, &vocab, &merges) && *vocab.p == '{' && *merges.p == '[' &&
        !parse_vocab(&t->bpe, &vocab, &bufs[0]) && !parse_merges(&t->bpe, &merges, bufs))
        root = load_rest(doc, len, &vocab, &merges);
    for (int i = 0; i < 3; i++) free(bufs[i].p);
    free(doc);
    if (!root) seal_bpe_free(&t->bpe);
    return root;
}
