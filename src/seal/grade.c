#include "seal/grade.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok/prompts.h"
#include "seal/selfedit.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/utf8.h"

/* s as code points (invalid UTF-8 -> U+FFFD). *n gets the count; malloc'd. */
static uint32_t *decode(const char *s, size_t *n) {
    size_t len = s ? strlen(s) : 0, k = 0;
    uint32_t *cp = seal_malloc((len + 1) * sizeof *cp);
    for (size_t i = 0; i < len;) i += seal_utf8_next(s + i, len - i, &cp[k++]);
    *n = k;
    return cp;
}

static int category(uint32_t c) { return utf8proc_category((utf8proc_int32_t)c); }

/* Python re's \w on str: alphanumeric (categories L* and N*) or '_'. */
static int is_word(uint32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    switch (category(c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

/* Python's lower() needs these two for the final-sigma rule. Cased =
 * Lu/Ll/Lt, anything with a case mapping (Roman numerals, circled letters),
 * and the Other_Lowercase modifier letters listed; case-ignorable =
 * Mn/Me/Cf/Lm/Sk plus the Word_Break MidLetter/MidNumLet/Single_Quote
 * characters. */
static int is_cased(uint32_t c) {
    int k = category(c);
    if (k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT) return 1;
    utf8proc_int32_t x = (utf8proc_int32_t)c;
    if (utf8proc_tolower(x) != x || utf8proc_toupper(x) != x) return 1;
    static const uint32_t other_lower[][2] = {{0xAA, 0xAA}, {0xBA, 0xBA}, {0x2B0, 0x2B8}, {0x2C0, 0x2C1},
        {0x2E0, 0x2E4}, {0x345, 0x345}, {0x37A, 0x37A}, {0x1D2C, 0x1D6A}, {0x1D78, 0x1D78}, {0x1D9B, 0x1DBF},
        {0x2071, 0x2071}, {0x207F, 0x207F}, {0x2090, 0x209C}, {0x2C7C, 0x2C7D}, {0xA69C, 0xA69D},
        {0xA770, 0xA770}, {0xA7F8, 0xA7F9}, {0xAB5C, 0xAB5F}};
    for (size_t i = 0; i < sizeof other_lower / sizeof *other_lower; i++)
        if (c >= other_lower[i][0] && c <= other_lower[i][1]) return 1;
    return 0;
}
static int is_case_ignorable(uint32_t c) {
    static const uint32_t mid[] = {0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
                                   0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A};
    for (size_t i = 0; i < sizeof mid / sizeof *mid; i++)
        if (c == mid[i]) return 1;
    int k = category(c);
    return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_CF ||
           k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_SK;
}
static int final_sigma(const uint32_t *c, size_t n, size_t i) {
    size_t j = i;
    while (j > 0 && is_case_ignorable(c[j - 1])) j--;
    if (j == 0 || !is_cased(c[j - 1])) return 0;
    for (j = i + 1; j < n && is_case_ignorable(c[j]); j++) {}
    return j == n || !is_cased(c[j]);
}

/* Python str.lower() of c[0..n) into out (room for 2n); returns the count.
 * Full case mapping: U+0130 is the one character whose lowercase is two
 * code points (i + U+0307); U+03A3 becomes final sigma in Final_Sigma context. */
static size_t py_lower(const uint32_t *c, size_t n, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = c[i];
        if (x < 0x80) out[k++] = x >= 'A' && x <= 'Z' ? x + 32 : x;
        else if (x == 0x130) { out[k++] = 'i'; out[k++] = 0x307; }
        else if (x == 0x3A3) out[k++] = final_sigma(c, n, i) ? 0x3C2 : 0x3C3;
        else out[k++] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)x);
    }
    return k;
}

static int is_ascii_punct(uint32_t c) { return c < 0x80 && c > 0x20 && c != 0x7F && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", (int)c); }

/* Is one of a|an|the a whole word (Python \b) at c[i]? Returns its length or 0. */
static size_t article_at(const uint32_t *c, size_t n, size_t i) {
    if (i > 0 && is_word(c[i - 1])) return 0;
    static const char *const arts[] = {"a", "an", "the"}; /* the regex tries them in this order */
    for (int a = 0; a < 3; a++) {
        size_t l = strlen(arts[a]), j = 0;
        while (j < l && i + j < n && c[i + j] == (uint32_t)arts[a][j]) j++;
        if (j == l && (i + l == n || !is_word(c[i + l]))) return l;
    }
    return 0;
}

char *seal_squad_normalize(const char *s) {
    size_t n;
    uint32_t *c = decode(s, &n);
    uint32_t *low = seal_malloc((2 * n + 1) * sizeof *low);
    size_t m = py_lower(c, n, low), k = 0;
    for (size_t i = 0; i < m; i++)
        if (!is_ascii_punct(low[i])) low[k++] = low[i];
    m = k;
    /* Articles -> ' ' (the word-boundary test looks at the text before replacement, as re.sub does), then
     * whitespace runs -> one space, trimmed, written straight out as UTF-8. */
    char *out = seal_malloc(4 * m + 1), *o = out;
    int pending_space = 0;
    for (size_t i = 0; i < m;) {
        size_t al = article_at(low, m, i);
        uint32_t x = al ? ' ' : low[i];
        i += al ? al : 1;
        if (seal_py_isspace(x)) { pending_space = o != out; continue; }
        if (pending_space) *o++ = ' ';
        pending_space = 0;
        o += seal_utf8_put(o, x);
    }
    *o = '\0';
    free(low);
    free(c);
    return out;
}

int seal_grade_exact_match(const char *pred, const char *gold) {
    char *a = seal_squad_normalize(pred), *b = seal_squad_normalize(gold);
    int eq = strcmp(a, b) == 0;
    free(a);
    free(b);
    return eq;
}

/* Split a normalized string (single spaces, no ends) into tokens in place. */
static char **tokens(char *s, int *n) {
    int cap = 1;
    for (char *p = s; *p; p++) cap += *p == ' ';
    char **t = seal_malloc((size_t)cap * sizeof *t);
    *n = 0;
    for (char *p = s; *p;) {
        t[(*n)++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        *sp = '\0';
        p = sp + 1;
    }
    return t;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

double seal_grade_f1(const char *pred, const char *gold) {
    char *a = seal_squad_normalize(pred), *b = seal_squad_normalize(gold);
    int na, nb;
    char **ta = tokens(a, &na), **tb = tokens(b, &nb);
    qsort(ta, (size_t)na, sizeof *ta, cmp_str);
    qsort(tb, (size_t)nb, sizeof *tb, cmp_str);
    int same = 0; /* sum of Counter(a) & Counter(b): a merge over the sorted tokens */
    for (int i = 0, j = 0; i < na && j < nb;) {
        int c = strcmp(ta[i], tb[j]);
        if (c == 0) { same++; i++; j++; }
        else if (c < 0) i++;
        else j++;
    }
    double f1 = 0;
    if (same) { /* the script's arithmetic, in its order */
        double precision = 1.0 * same / na, recall = 1.0 * same / nb;
        f1 = (2 * precision * recall) / (precision + recall);
    }
    free(ta);
    free(tb);
    free(a);
    free(b);
    return f1;
}

char *seal_grade_judge_prompt(const char *question_with_topic, const char *gold, const char *pred) {
    char *q = seal_utf8_sanitize(question_with_topic ? question_with_topic : "", question_with_topic ? strlen(question_with_topic) : 0, NULL, NULL);
    char *g = seal_utf8_sanitize(gold ? gold : "", gold ? strlen(gold) : 0, NULL, NULL);
    char *p = seal_py_strip_dup(pred);
    const char *keys[3] = {"question", "gold", "pred"}, *vals[3] = {q, g, p};
    char *out = seal_template_fill(SEAL_GRADE_TEMPLATE, keys, vals, 3);
    free(q);
    free(g);
    free(p);
    return out;
}

/* Does the word w (ASCII lowercase) occur with \b on both sides, case-insensitively
 * as Python re.I does (which also lets U+017F LONG S match 's')? */
static int has_word_ci(const uint32_t *c, size_t n, const char *w) {
    size_t l = strlen(w);
    for (size_t i = 0; i + l <= n; i++) {
        if (i > 0 && is_word(c[i - 1])) continue;
        size_t j = 0;
        for (; j < l; j++) {
            uint32_t x = c[i + j];
            if (x < 0x80 && x >= 'A' && x <= 'Z') x += 32;
            if (x == 0x17F) x = 's';
            if (x != (uint32_t)w[j]) break;
        }
        if (j == l && (i + l == n || !is_word(c[i + l]))) return 1;
    }
    return 0;
}

int seal_grade_parse_verdict(const char *reply) {
    if (!reply) return 0;
    size_t n;
    uint32_t *c = decode(reply, &n);
    int ok = has_word_ci(c, n, "yes") && !has_word_ci(c, n, "no");
    free(c);
    return ok;
}

int seal_grade_answer_empty(const char *pred) {
    if (!pred) return 1;
    size_t b = 0, e = strlen(pred);
    seal_py_strip_span(pred, &b, &e);
    return b == e;
}
