#include "seal/selfedit.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/err.h"
#include "util/utf8.h"

/* ---------------------------------------------------------------- UTF-8 */

/* The code point ending at s[e-1] (e > b): its start, *cp set. */
static size_t utf8_prev(const char *s, size_t b, size_t e, uint32_t *cp) {
    size_t st = e - 1;
    while (st > b && e - st < 4 && ((unsigned char)s[st] & 0xC0) == 0x80) st--;
    if (seal_utf8_next(s + st, e - st, cp) == e - st) return st;
    *cp = 0xFFFD; /* not a whole character: the last byte alone (only on unsanitized input) */
    return e - 1;
}

/* ------------------------------------------------------- Python str rules */

int seal_py_isspace(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

void seal_py_strip_span(const char *s, size_t *b, size_t *e) {
    while (*b < *e) {
        uint32_t c;
        size_t k = seal_utf8_next(s + *b, *e - *b, &c);
        if (!seal_py_isspace(c)) break;
        *b += k;
    }
    while (*e > *b) {
        uint32_t c;
        size_t st = utf8_prev(s, *b, *e, &c);
        if (!seal_py_isspace(c)) break;
        *e = st;
    }
}

char *seal_py_strip_dup(const char *s) {
    size_t n, b = 0;
    char *t = seal_utf8_sanitize(s ? s : "", s ? strlen(s) : 0, &n, NULL);
    seal_py_strip_span(t, &b, &n);
    memmove(t, t + b, n - b);
    t[n - b] = '\0';
    return t;
}

size_t seal_py_linebreak(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    if (!n) return 0;
    if (u[0] == '\r') return n > 1 && u[1] == '\n' ? 2 : 1;
    if (u[0] == '\n' || u[0] == 0x0B || u[0] == 0x0C || (u[0] >= 0x1C && u[0] <= 0x1E)) return 1;
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0x85) return 2;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9)) return 3;
    return 0;
}

/* Python re's \d on str: Unicode decimal digits (category Nd). */
static int is_decimal(uint32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ND;
}

/* Does "<word>\s{min_ws,}" followed by (digits? \d+) ":" match at p? The
 * reference's r"Question\s+\d+:" (min_ws 1, digits) and r"Answer\s*:". */
static int match_label(const char *p, const char *end, const char *word, int min_ws, int digits) {
    size_t wl = strlen(word);
    if ((size_t)(end - p) < wl || memcmp(p, word, wl)) return 0;
    p += wl;
    int ws = 0, dg = 0;
    uint32_t c;
    for (size_t k; p < end && (k = seal_utf8_next(p, (size_t)(end - p), &c)) && seal_py_isspace(c); p += k) ws++;
    if (digits)
        for (size_t k; p < end && (k = seal_utf8_next(p, (size_t)(end - p), &c)) && is_decimal(c); p += k) dg++;
    return ws >= min_ws && (!digits || dg > 0) && p < end && *p == ':';
}

static int has_label(const char *s, const char *end, const char *word, int min_ws, int digits) {
    for (const char *p = s; (p = memmem(p, (size_t)(end - p), word, strlen(word))); p++)
        if (match_label(p, end, word, min_ws, digits)) return 1;
    return 0;
}

const char *seal_selfedit_strip_cot(const char *text) {
    const char *m = strstr(text, "\nImplications:");
    if (!m) return text;
    size_t b = (size_t)(m - text) + strlen("\nImplications:"), e = b + strlen(m + strlen("\nImplications:"));
    seal_py_strip_span(text, &b, &e); /* \s* then lstrip: the same whitespace set; the right end is not used */
    return text + b;
}

/* ------------------------------------------------------------ examples */

/* One example: optional prefix + a span of the sanitized self-edit. */
typedef struct { const char *pre; const char *p; size_t n; } piece;

/* Examples in order. With a cap, only cap+1 are stored (one more than the cap
 * so that the "1." rule can still drop the first); the rest are counted. */
typedef struct { piece *v; int n, cap_alloc, keep; int overflow; } plist;

static void plist_push(plist *l, const char *pre, const char *p, size_t n) {
    if (l->keep > 0 && l->n >= l->keep) { l->overflow++; return; }
    if (l->n == l->cap_alloc) {
        l->cap_alloc = l->cap_alloc ? l->cap_alloc * 2 : 16;
        l->v = seal_realloc(l->v, (size_t)l->cap_alloc * sizeof *l->v);
    }
    l->v[l->n++] = (piece){pre, p, n};
}

/* Walks the non-empty stripped "---" segments of [p, end) (Python
 * [s.strip() for s in text.split("---") if s.strip()]). */
typedef struct { const char *base, *p, *end; int done; } seg_iter;

static int seg_next(seg_iter *it, size_t *b, size_t *e, int *empty) {
    while (!it->done) {
        const char *q = memmem(it->p, (size_t)(it->end - it->p), "---", 3);
        const char *se = q ? q : it->end;
        *b = (size_t)(it->p - it->base), *e = (size_t)(se - it->base);
        if (q) it->p = q + 3;
        else it->done = 1;
        seal_py_strip_span(it->base, b, e);
        if (*b < *e) return 1;
        (*empty)++;
    }
    return 0;
}

/* Every non-empty stripped line of s[b, e) (Python splitlines + strip). */
static void push_lines(const char *s, size_t b, size_t e, plist *out, seq_stats *st) {
    while (b < e) {
        size_t lb = b, le = b, k = 0;
        while (le < e && !(k = seal_py_linebreak(s + le, e - le))) le++;
        b = le + k;
        seal_py_strip_span(s, &lb, &le);
        if (lb < le) plist_push(out, NULL, s + lb, le - lb);
        else st->blank_lines++;
    }
}

/* One self-qa piece; the first gets "Question 1: " + its stripped text
 * unless it starts with "Question" (the reference's rule). */
static void push_qa_piece(const char *s, const char *pb, const char *pe, int first, plist *out) {
    if (first && !(pe - pb >= 8 && !memcmp(pb, "Question", 8))) {
        size_t b = (size_t)(pb - s), e = (size_t)(pe - s);
        seal_py_strip_span(s, &b, &e);
        plist_push(out, "Question 1: ", s + b, e - b);
    } else {
        plist_push(out, NULL, pb, (size_t)(pe - pb));
    }
}

/* The self-qa rule: split the stripped text before every "\n" that starts
 * "Question\s+\d+:" (the "\n" itself goes); the pieces are not stripped. */
static void push_self_qa(const char *s, size_t b, size_t e, plist *out) {
    seal_py_strip_span(s, &b, &e);
    const char *end = s + e, *start = s + b;
    int first = 1;
    for (const char *p = start;; p++) {
        if (p < end && !(*p == '\n' && match_label(p + 1, end, "Question", 1, 1))) continue;
        push_qa_piece(s, start, p, first, out);
        first = 0;
        if (p == end) break;
        start = p + 1;
    }
}

static int piece_blank(const piece *x) {
    if (x->pre) return 0;
    size_t b = 0, e = x->n;
    seal_py_strip_span(x->p, &b, &e);
    return b == e;
}

/* "{title}\n{pre}{text}", the text part cut to max_chars bytes on a character boundary. */
static char *join_example(const char *title, const char *pre, const char *p, size_t n, size_t max_chars,
                          int *truncated) {
    size_t tl = strlen(title), pl = pre ? strlen(pre) : 0;
    if (max_chars && pl + n > max_chars) {
        if (pl > max_chars) pl = max_chars; /* prefixes are ASCII */
        n = max_chars - pl;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) n--;
        (*truncated)++;
    }
    char *out = seal_malloc(tl + 1 + pl + n + 1);
    memcpy(out, title, tl);
    out[tl] = '\n';
    if (pl) memcpy(out + tl + 1, pre, pl);
    memcpy(out + tl + 1 + pl, p, n);
    out[tl + 1 + pl + n] = '\0';
    return out;
}

seq_opts seal_seq_opts_default(void) {
    return (seq_opts){.split_newlines = 1, .max_segments = 30, .add_context = 1, .max_chars = 65536, .strip_cot = 1};
}

void seal_selfedit_free(char **seqs, int n) {
    for (int i = 0; i < n; i++) free(seqs[i]);
    free(seqs);
}

int seal_selfedit_sequences(const char *title, const char *context, const char *self_edit, const seq_opts *o,
                       char ***seqs, int *n) {
    return seal_selfedit_sequences_ex(title, context, self_edit, o, seqs, n, NULL);
}

int seal_selfedit_sequences_ex(const char *title, const char *context, const char *self_edit, const seq_opts *o,
                          char ***seqs, int *n, seq_stats *stats) {
    if (seqs) *seqs = NULL;
    if (n) *n = 0;
    if (stats) memset(stats, 0, sizeof *stats);
    if (!title || !context || !o || !seqs || !n)
        return seal_err("selfedit_sequences: %s is NULL",
                        !title ? "title" : !context ? "context" : !o ? "opts" : "output");
    seq_stats st = {0};
    if (!self_edit) self_edit = "";
    char *ttl = seal_utf8_sanitize(title, strlen(title), NULL, &st.invalid_bytes);
    char *ctx = seal_utf8_sanitize(context, strlen(context), NULL, &st.invalid_bytes);
    size_t len;
    char *raw = seal_utf8_sanitize(self_edit, strlen(self_edit), &len, &st.invalid_bytes);

    const char *text = raw;
    if (o->strip_cot) {
        text = seal_selfedit_strip_cot(raw);
        st.cot_stripped = text != raw;
    }
    size_t tb = (size_t)(text - raw), te = len;

    int cap = o->max_segments > 0 ? o->max_segments : 0;
    plist ex = {.keep = cap ? cap + 1 : 0};
    seg_iter it = {.base = raw, .p = text, .end = raw + len};
    size_t b, e;
    int any = 0;
    if (o->split_newlines && has_label(text, raw + len, "Question", 1, 1) && has_label(text, raw + len, "Answer", 0, 0)) {
        st.self_qa = 1; /* the reference splits the whole text here: "---" plays no part */
        push_self_qa(raw, tb, te, &ex);
    } else if (o->split_newlines) {
        while (seg_next(&it, &b, &e, &st.empty_segments)) { any = 1; push_lines(raw, b, e, &ex, &st); }
        if (!any) { /* no segment: the whole stripped text, "---" included */
            b = tb, e = te;
            seal_py_strip_span(raw, &b, &e);
            push_lines(raw, b, e, &ex, &st);
        }
        if (ex.n >= 2 && ex.v[1].n >= 2 && !memcmp(ex.v[1].p, "1.", 2)) { /* the spare of plist.keep */
            memmove(ex.v, ex.v + 1, (size_t)(ex.n - 1) * sizeof *ex.v);
            ex.n--;
            st.preamble_dropped = 1;
        }
    } else {
        while (seg_next(&it, &b, &e, &st.empty_segments)) { any = 1; plist_push(&ex, NULL, raw + b, e - b); }
        if (!any) {
            b = tb, e = te;
            seal_py_strip_span(raw, &b, &e);
            plist_push(&ex, NULL, raw + b, e - b);
        }
    }
    st.capped = ex.overflow;
    if (cap && ex.n > cap) { st.capped += ex.n - cap; ex.n = cap; }

    char **out = seal_malloc((size_t)(ex.n + 1) * sizeof *out);
    int k = 0;
    size_t max_chars = o->max_chars > 0 ? (size_t)o->max_chars : 0;
    for (int i = 0; i < ex.n; i++) {
        if (piece_blank(&ex.v[i])) { st.blank_lines++; continue; }
        out[k++] = join_example(ttl, ex.v[i].pre, ex.v[i].p, ex.v[i].n, max_chars, &st.truncated);
    }
    st.n_examples = k;
    if (o->add_context) {
        size_t cb = 0, ce = strlen(ctx);
        seal_py_strip_span(ctx, &cb, &ce);
        int ignored = 0; /* the passage comes from the dataset: never cut */
        out[k++] = join_example(ttl, NULL, ctx + cb, ce - cb, 0, &ignored);
    }
    free(ex.v);
    free(raw);
    free(ctx);
    free(ttl);
    *seqs = out;
    *n = k;
    if (stats) *stats = st;
    return 0;
}
