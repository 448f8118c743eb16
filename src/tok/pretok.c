/* pretok.c: pre-tokenizers. Every split is a PCRE2 regex (String patterns
 * are compiled with PCRE2_LITERAL), compiled once with JIT; the match data and
 * JIT stack live in the tokenizer's work area, so matching allocates nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "util/err.h"

/* The GPT-2 pattern ByteLevel uses when use_regex is true. */
static const char GPT2_PATTERN[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* HF compiles these patterns with Oniguruma, whose \s is Unicode White_Space.
 * PCRE2's \s (with UCP) is the same set minus U+0085, so add it back:
 * \s -> [\s\x{85}], \S -> [^\s\x{85}] outside classes; \s -> \s\x{85} inside. */
static char *rewrite_space_classes(const char *p, size_t n, size_t *out_len) {
    tbuf b = {0};
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            char d = p[i + 1];
            if (d == 's') tbuf_put(&b, in_class ? "\\s\\x{85}" : "[\\s\\x{85}]", in_class ? 8 : 10);
            else if (d == 'S' && !in_class) tbuf_put(&b, "[^\\s\\x{85}]", 11);
            else tbuf_put(&b, p + i, 2);
            i++;
            continue;
        }
        if (c == '[' && !in_class) {
            in_class = 1;
            tbuf_put(&b, p + i, 1);
            /* A ']' right after '[' or '[^' is a literal. */
            if (i + 1 < n && p[i + 1] == '^') { tbuf_put(&b, "^", 1); i++; }
            if (i + 1 < n && p[i + 1] == ']') { tbuf_put(&b, "]", 1); i++; }
            continue;
        }
        if (c == ']' && in_class) in_class = 0;
        tbuf_put(&b, &c, 1);
    }
    tbuf_put(&b, "", 1);
    *out_len = b.len - 1;
    return b.p;
}

static int compile(tregex *re, const char *pattern, size_t len, uint32_t extra, const char *what) {
    int err;
    PCRE2_SIZE off;
    re->code = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | extra, &err, &off,
                             NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return seal_err("%s: regex does not compile at offset %zu: %s", what, (size_t)off, (char *)msg);
    }
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
    return 0;
}

int seal_tregex_compile(tregex *re, const char *pattern, size_t len, const char *what) {
    size_t n;
    char *p = rewrite_space_classes(pattern, len, &n);
    int rc = compile(re, p, n, 0, what);
    free(p);
    return rc;
}

void seal_tregex_free(tregex *re) {
    pcre2_code_free(re->code);
    re->code = NULL;
}

int seal_tregex_next(const tregex *re, pcre2_match_data *md, pcre2_match_context *mc, const char *s, size_t n,
                size_t start, size_t *ms, size_t *me) {
    int rc = re->jit ? pcre2_jit_match(re->code, (PCRE2_SPTR)s, n, start, 0, md, mc)
                     : pcre2_match(re->code, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, md, mc);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        return seal_err("pre-tokenizer regex failed: %s", (char *)msg);
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *ms = ov[0];
    *me = ov[1];
    return 1;
}

/* ---- parsing ---- */

static pretok *new_step(seal_tokenizer *t) {
    t->pt = seal_realloc(t->pt, (size_t)(t->n_pt + 1) * sizeof *t->pt);
    pretok *p = &t->pt[t->n_pt++];
    memset(p, 0, sizeof *p);
    return p;
}

static int parse_pattern(pretok *p, json_t *pat, const char *where) {
    json_t *rx = json_object_get(pat, "Regex"), *str = json_object_get(pat, "String");
    char what[300];
    snprintf(what, sizeof what, "%s.pattern", where);
    if (json_is_string(rx)) {
        p->has_re = 1;
        return seal_tregex_compile(&p->re, json_string_value(rx), json_string_length(rx), what);
    }
    if (json_is_string(str)) {
        if (!json_string_length(str)) return seal_err("%s: empty String pattern", what);
        p->has_re = 1;
        return compile(&p->re, json_string_value(str), json_string_length(str), PCRE2_LITERAL, what);
    }
    return seal_err("%s: expected {\"Regex\": ...} or {\"String\": ...}", what);
}

static int parse_behavior(const char *b, const char *where) {
    if (!b) return seal_err("%s: missing \"behavior\"", where);
    static const char *names[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"};
    for (int i = 0; i < 5; i++) if (!strcmp(b, names[i])) return i;
    return seal_err("%s: unknown split behavior \"%s\"", where, b);
}

static int add_pretok(seal_tokenizer *t, json_t *j, const char *where) {
    const char *type = seal_jstr(j, "type");
    if (!type) return seal_err("%s: missing \"type\"", where);
    if (t->n_pt && t->pt[t->n_pt - 1].type == PT_BYTELEVEL)
        return seal_err("%s: a %s pre-tokenizer after ByteLevel is not supported", where, type);
    if (!strcmp(type, "Sequence")) {
        json_t *arr = json_object_get(j, "pretokenizers");
        if (!json_is_array(arr)) return seal_err("%s: Sequence without a \"pretokenizers\" array", where);
        size_t i; json_t *x;
        json_array_foreach(arr, i, x) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.pretokenizers[%zu]", where, i);
            if (add_pretok(t, x, sub)) return -1;
        }
        return 0;
    }
    if (!strcmp(type, "Split")) {
        pretok *p = new_step(t);
        p->type = PT_SPLIT;
        p->invert = seal_jbool(j, "invert", 0);
        if ((p->behavior = parse_behavior(seal_jstr(j, "behavior"), where)) < 0) return -1;
        return parse_pattern(p, json_object_get(j, "pattern"), where);
    }
    if (!strcmp(type, "ByteLevel")) {
        pretok *p = new_step(t);
        p->type = PT_BYTELEVEL;
        p->add_prefix_space = seal_jbool(j, "add_prefix_space", 1);
        p->behavior = SPLIT_ISOLATED;
        if (seal_jbool(j, "use_regex", 1)) {
            p->has_re = 1;
            if (seal_tregex_compile(&p->re, GPT2_PATTERN, sizeof GPT2_PATTERN - 1, where)) return -1;
        }
        seal_bpe_set_byte_level(t);
        return 0;
    }
    if (!strcmp(type, "Metaspace")) {
        pretok *p = new_step(t);
        p->type = PT_METASPACE;
        const char *r = seal_jstr(j, "replacement");
        if (!r) r = "\xe2\x96\x81";
        size_t rl = strlen(r);
        if (!rl || rl > 4 || (size_t)seal_utf8_len((unsigned char)r[0]) != rl)
            return seal_err("%s: Metaspace replacement must be one character", where);
        memcpy(p->repl, r, rl);
        p->repl_len = rl;
        const char *scheme = seal_jstr(j, "prepend_scheme");
        if (!scheme) scheme = seal_jbool(j, "add_prefix_space", 1) ? "always" : "never";
        if (!strcmp(scheme, "always")) p->prepend_scheme = 0;
        else if (!strcmp(scheme, "first")) p->prepend_scheme = 1;
        else if (!strcmp(scheme, "never")) p->prepend_scheme = 2;
        else return seal_err("%s: unknown prepend_scheme \"%s\"", where, scheme);
        p->split = seal_jbool(j, "split", 1);
        p->behavior = SPLIT_MERGED_NEXT;
        p->has_re = 1;
        return compile(&p->re, r, rl, PCRE2_LITERAL, where);
    }
    if (!strcmp(type, "Digits")) {
        pretok *p = new_step(t);
        p->type = PT_SPLIT;
        p->behavior = seal_jbool(j, "individual_digits", 0) ? SPLIT_ISOLATED : SPLIT_CONTIGUOUS;
        p->has_re = 1;
        return seal_tregex_compile(&p->re, "\\p{N}", 5, where);
    }
    if (!strcmp(type, "Whitespace")) {
        pretok *p = new_step(t);
        p->type = PT_SPLIT;
        p->behavior = SPLIT_REMOVED;
        p->invert = 1;
        p->has_re = 1;
        return seal_tregex_compile(&p->re, "\\w+|[^\\w\\s]+", 12, where);
    }
    if (!strcmp(type, "WhitespaceSplit")) {
        pretok *p = new_step(t);
        p->type = PT_SPLIT;
        p->behavior = SPLIT_REMOVED;
        p->has_re = 1;
        return seal_tregex_compile(&p->re, "\\s", 2, where);
    }
    return seal_err("%s: pre_tokenizer type \"%s\" is not supported", where, type);
}

int seal_pretok_parse(seal_tokenizer *t, json_t *j, const char *where) {
    if (!j || json_is_null(j)) return 0;
    return add_pretok(t, j, where);
}

void seal_pretok_free(pretok *p) {
    if (p->has_re) seal_tregex_free(&p->re);
    free(p->lit);
}

/* ---- applying ---- */

static void mark(tok_work *w, int *n, size_t s, size_t e, int m) {
    if (*n == w->cap_marks) {
        w->cap_marks = w->cap_marks ? w->cap_marks * 2 : 256;
        w->marks = seal_realloc(w->marks, (size_t)w->cap_marks * sizeof *w->marks);
    }
    w->marks[(*n)++] = (struct split_mark){s, e, m};
}

/* Split s[0..n) at the matches of p->re with p->behavior (tokenizers'
 * NormalizedString::split), appending non-empty parts to out. */
static int split_piece(const pretok *p, tok_work *w, const char *s, size_t n, int at_start, pieces *out) {
    int nm = 0;
    size_t pos = 0, start = 0, ms, me;
    while (start < n) {
        int r = seal_tregex_next(&p->re, w->md, w->mc, s, n, start, &ms, &me);
        if (r < 0) return -1;
        if (!r) break;
        if (me == ms) { /* empty match: nothing to split, step over one char */
            start = ms + (size_t)seal_utf8_len((unsigned char)s[ms]);
            continue;
        }
        if (ms > pos) mark(w, &nm, pos, ms, 0);
        mark(w, &nm, ms, me, 1);
        pos = start = me;
    }
    if (pos < n) mark(w, &nm, pos, n, 0);
    struct split_mark *m = w->marks;
    if (p->invert) for (int i = 0; i < nm; i++) m[i].m = !m[i].m;
    /* Fold into output ranges in place (k = ranges kept so far). */
    int k = 0, prev = 0;
    switch (p->behavior) {
    case SPLIT_REMOVED:
        for (int i = 0; i < nm; i++) if (!m[i].m) m[k++] = m[i];
        break;
    case SPLIT_ISOLATED:
        k = nm;
        break;
    case SPLIT_MERGED_PREV:
        for (int i = 0; i < nm; i++) {
            if (m[i].m && !prev && k) m[k - 1].e = m[i].e;
            else m[k++] = m[i];
            prev = m[i].m;
        }
        break;
    case SPLIT_CONTIGUOUS:
        for (int i = 0; i < nm; i++) {
            if (m[i].m == prev && k) m[k - 1].e = m[i].e;
            else m[k++] = m[i];
            prev = m[i].m;
        }
        break;
    case SPLIT_MERGED_NEXT: /* the same fold, right to left */
        k = nm;
        for (int i = nm - 1, top = nm; i >= 0; i--) {
            if (m[i].m && !prev && top < nm) m[top].s = m[i].s;
            else m[--top] = m[i];
            prev = m[i].m;
            k = top;
        }
        for (int i = k; i < nm; i++) seal_pieces_add(out, s + m[i].s, m[i].e - m[i].s, at_start && m[i].s == 0);
        return 0;
    }
    for (int i = 0; i < k; i++) seal_pieces_add(out, s + m[i].s, m[i].e - m[i].s, at_start && m[i].s == 0);
    return 0;
}

static int apply_step(const pretok *p, tok_work *w, const char *s, size_t n, int at_start, pieces *out) {
    if (p->type == PT_SPLIT) return split_piece(p, w, s, n, at_start, out);
    tbuf *b = &w->tmp;
    b->len = 0;
    if (p->type == PT_BYTELEVEL) {
        if (!p->add_prefix_space || s[0] == ' ') {
            if (!p->has_re) { seal_pieces_add(out, s, n, at_start); return 0; }
            return split_piece(p, w, s, n, at_start, out);
        }
        tbuf_put(b, " ", 1);
        tbuf_put(b, s, n);
    } else { /* Metaspace: spaces become the replacement, maybe one is prepended */
        int prepend = p->prepend_scheme == 0 || (p->prepend_scheme == 1 && at_start);
        if (prepend && !(n >= p->repl_len && !memcmp(s, p->repl, p->repl_len)) && s[0] != ' ')
            tbuf_put(b, p->repl, p->repl_len);
        for (size_t i = 0; i < n; i++) {
            if (s[i] == ' ') tbuf_put(b, p->repl, p->repl_len);
            else tbuf_put(b, s + i, 1);
        }
        if (!p->split) { seal_pieces_add(out, b->p, b->len, at_start); return 0; }
    }
    if (!p->has_re) { seal_pieces_add(out, b->p, b->len, at_start); return 0; }
    return split_piece(p, w, b->p, b->len, at_start, out);
}

int seal_pretok_apply(const seal_tokenizer *t, tok_work *w, const char *s, size_t n, int at_start) {
    seal_pieces_reset(&w->pa);
    seal_pieces_add(&w->pa, s, n, at_start);
    for (int k = 0; k < t->n_pt; k++) {
        seal_pieces_reset(&w->pb);
        for (int i = 0; i < w->pa.n; i++) {
            span sp = w->pa.s[i];
            if (apply_step(&t->pt[k], w, w->pa.text.p + sp.off, sp.len, sp.at_start, &w->pb)) return -1;
        }
        pieces tmp = w->pa;
        w->pa = w->pb;
        w->pb = tmp;
    }
    return 0;
}
